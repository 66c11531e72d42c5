//! `contract_instalments`: a contract's instalments, with what is paid, held back by disputes
//! and deducted, the stored due date and the accrued interest. Dates are `YYYY-MM-DD` text.

use sea_orm::entity::prelude::*;

use crate::domain::terms::Trigger;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_instalments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub seq: i32,
    pub principal_fen: i64,
    pub paid_fen: i64,
    pub trigger_event: Trigger,
    pub days_after: i32,
    pub milestone: Option<String>,
    pub due_on: Option<String>,
    pub interest_fen: i64,
    pub interest_as_of: Option<String>,
    pub disputed_fen: i64,
    pub deducted_fen: i64,
    pub accrual_pending: bool,
    pub late_rate_num: i64,
    pub late_rate_den: i64,
    pub milestone_reached_on: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
