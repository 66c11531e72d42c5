//! `order_lines`: the products, quantities and prices of an order, as placed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub category_code: String,
    pub unit: String,
    pub unit_price_fen: i64,
    pub quantity: i64,
    pub line_total_fen: i64,
}

impl ActiveModelBehavior for ActiveModel {}
