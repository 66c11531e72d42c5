//! `audit_log`: every change, with actor, time, and the state before and after.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub before_state: Option<Json>,
    pub after_state: Option<Json>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
