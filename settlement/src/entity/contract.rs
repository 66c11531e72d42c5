//! `contracts`: one per confirmed order, with its terms as signed (JSON text), the order's
//! events and its status. Business dates are `YYYY-MM-DD` text; money is fen.

use sea_orm::entity::prelude::*;

use crate::domain::contract::ContractStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_no: String,
    pub order_id: Option<i64>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_is_sme: bool,
    pub amount_fen: i64,
    pub signed_on: String,
    pub terms: String,
    pub lpr_percent_at_signing: String,
    pub late_rate_num: i64,
    pub late_rate_den: i64,
    pub collection_account: String,
    pub publish_by: String,
    pub publish_by_provisional: bool,
    pub published_on: Option<String>,
    pub shipped_on: Option<String>,
    pub delivered_on: Option<String>,
    pub accepted_on: Option<String>,
    pub status: ContractStatus,
    pub created_at: DateTimeUtc,
    pub lines: String,
}

impl ActiveModelBehavior for ActiveModel {}
