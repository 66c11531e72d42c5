//! `procedures`: procurement procedures registered by purchasers, whose bid deposits are held.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub procedure_no: String,
    pub name: String,
    pub purchaser_org_id: i64,
    pub budget_fen: i64,
    pub deposit_required: bool,
    pub deposit_amount_fen: Option<i64>,
    pub status: String,
    pub winner_supplier_id: Option<i64>,
    pub award_notice_on: Option<String>,
    pub contract_signed_on: Option<String>,
    pub terminated_on: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
