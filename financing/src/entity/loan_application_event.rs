//! `loan_application_events`: an application's timeline, one row per change.

use gpmall_platform::ids::{BankId, LoanApplicationId, UserId};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_application_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: LoanApplicationId,
    /// `submitted`, `withdraw`, or a bank event kind.
    pub kind: String,
    pub status_after: String,
    pub bank_id: Option<BankId>,
    pub bank_event_id: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
