//! `category_limits`: the direct-purchase limit per category and fiscal year.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category_limits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fiscal_year: i32,
    pub direct_purchase_limit_fen: i64,
}

impl ActiveModelBehavior for ActiveModel {}
