//! `budget_adjustments`: every adjustment of a budget line, with its reason.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub budget_line_id: i64,
    pub delta_fen: i64,
    pub reason: String,
    pub actor_user_id: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
