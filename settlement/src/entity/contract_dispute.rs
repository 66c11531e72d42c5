//! `contract_disputes`: part of an instalment the purchaser disputes, and how it ended.

use sea_orm::entity::prelude::*;

use crate::domain::disputes::DisputeStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_disputes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub instalment_id: i64,
    pub amount_fen: i64,
    pub reason: String,
    pub opened_on: String,
    pub opened_by: i64,
    pub status: DisputeStatus,
    pub deducted_fen: Option<i64>,
    pub resolved_on: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
