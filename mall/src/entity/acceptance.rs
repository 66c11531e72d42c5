//! `acceptances`: the purchaser's acceptance record (履约验收) of an order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: i64,
    pub result: String,
    pub acceptance_date: String,
    pub notes: String,
    /// JSON array of `domain::acceptance::AttachmentRef`.
    pub attachments: String,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
