//! `product_price_history`: every price change of a product.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_price_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    pub old_price_fen: i64,
    pub new_price_fen: i64,
    pub changed_by: i64,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
