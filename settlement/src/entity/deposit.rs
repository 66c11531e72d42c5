//! `deposits`: bid deposits held for a procedure and performance deposits held for a contract.
//! Business dates are `YYYY-MM-DD` text; money is fen.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub procedure_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub amount_fen: i64,
    pub form: String,
    pub reference: Option<String>,
    pub received_on: String,
    pub status: String,
    pub refund_trigger: Option<String>,
    pub trigger_on: Option<String>,
    pub refund_due_on: Option<String>,
    pub refund_due_provisional: bool,
    pub refund_days_after_acceptance: Option<i32>,
    pub late_interest: Option<String>,
    pub refunded_on: Option<String>,
    pub refund_amount_fen: Option<i64>,
    pub interest_fen: Option<i64>,
    pub supplier_caused_delay: bool,
    pub forfeiture_case: Option<String>,
    pub forfeited_on: Option<String>,
    pub forfeiture_notes: Option<String>,
    pub recorded_by: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
