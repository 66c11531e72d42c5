//! `categories`: catalogue categories (集中采购目录), hierarchical by code.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
}

impl ActiveModelBehavior for ActiveModel {}
