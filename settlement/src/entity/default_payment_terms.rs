//! `default_payment_terms`: the terms (JSON text) a category's mall orders are signed on.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "default_payment_terms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_code: String,
    pub terms: String,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
