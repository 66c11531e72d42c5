//! `contract_payments`: what the purchaser paid into the collection account, per instalment.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub instalment_id: i64,
    pub amount_fen: i64,
    pub paid_on: String,
    pub voucher_no: String,
    pub account: String,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
