//! `products`: listed goods and services.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: i64,
    pub category_code: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub specification: String,
    pub unit: String,
    pub price_fen: i64,
    pub reference_price_fen: i64,
    pub stock: i64,
    pub delivery_regions: String,
    pub lead_days: i32,
    pub status: String,
    pub status_reason: Option<String>,
    pub price_flagged: bool,
    pub proposed_price_fen: Option<i64>,
    pub price_before_review_fen: Option<i64>,
    pub price_review_note: Option<String>,
    pub search_tokens: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
