//! `orders`: one order per supplier, drawn on one budget line.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub purchaser_org_id: i64,
    pub purchaser_user_id: i64,
    pub supplier_id: i64,
    pub budget_line_id: i64,
    pub total_fen: i64,
    pub status: String,
    pub delivery_address: String,
    pub note: String,
    pub cancel_reason: Option<String>,
    pub placed_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
