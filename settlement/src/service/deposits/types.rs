//! What callers send and read: the requests of each use case and the views of procedures and
//! deposits.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::Money;
use serde::{Deserialize, Serialize};

use crate::domain::deposits::{
    DepositForm, DepositKind, DepositStatus, ProcedureStatus, RefundTrigger,
};
use crate::domain::terms::LateInterest;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProcedure {
    /// The purchaser's procedure (project) number, unique within the purchasing unit.
    pub procedure_no: String,
    pub name: String,
    /// The procurement budget.
    pub budget: Money,
    /// Whether suppliers pay a bid/response deposit (optional by law).
    pub deposit_required: bool,
    /// The deposit each supplier pays: at most 2% of the budget; only when `deposit_required`.
    #[serde(default)]
    pub deposit_amount: Option<Money>,
    /// The purchasing unit: the operator names it; a purchaser registers for its own unit.
    #[serde(default)]
    pub purchaser_org_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeposit {
    /// The supplier organization that paid.
    pub supplier_id: i64,
    /// Must equal the procedure's deposit amount.
    pub amount: Money,
    /// One of bank_transfer, cheque, draft, promissory_note, guarantee_letter; cash is refused.
    #[schema(value_type = DepositForm)]
    pub form: String,
    pub received_on: NaiveDate,
    /// Voucher, cheque, draft or guarantee letter number.
    #[serde(default)]
    pub reference: Option<String>,
}

/// An event of a procedure; each one sets the refund triggers of the deposits it releases.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventInput {
    /// A supplier withdrew its bid in writing: its deposit is due back in 5 working days.
    Withdrawal { supplier_id: i64, on: NaiveDate },
    /// The award notice: the other suppliers' deposits are due back in 5 working days.
    AwardNotice {
        winner_supplier_id: i64,
        on: NaiveDate,
    },
    /// The winner signed the contract: its deposit is due back in 5 working days, or converts
    /// into its performance deposit if it so chooses.
    ContractSigned {
        on: NaiveDate,
        #[serde(default)]
        convert_winner_deposit: bool,
    },
    /// The procurement was terminated: every deposit held is due back in 5 working days.
    Terminated {
        on: NaiveDate,
        #[serde(default)]
        reason: Option<String>,
    },
}

impl EventInput {
    pub(super) fn on(&self) -> NaiveDate {
        match self {
            EventInput::Withdrawal { on, .. }
            | EventInput::AwardNotice { on, .. }
            | EventInput::ContractSigned { on, .. }
            | EventInput::Terminated { on, .. } => *on,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    pub refunded_on: NaiveDate,
    /// The supplier caused the delay (e.g. it did not give its account): no interest is owed.
    #[serde(default)]
    pub supplier_caused_delay: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerformanceDeposit {
    /// At most 10% of the contract amount.
    pub amount: Money,
    /// One of bank_transfer, cheque, draft, promissory_note, guarantee_letter; cash is refused.
    #[schema(value_type = DepositForm)]
    pub form: String,
    pub received_on: NaiveDate,
    /// Calendar days after the contract's acceptance by which the deposit is refunded. Taken
    /// from the contract's performance deposit clause when it has one (a different value is
    /// refused); required otherwise.
    #[serde(default)]
    pub refund_days_after_completion: Option<u32>,
    /// Late-refund liability: from the contract's clause when it has one; otherwise as agreed
    /// here, or the contract's late-payment interest when omitted.
    #[serde(default)]
    pub late_interest: Option<LateInterest>,
    #[serde(default)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DepositView {
    pub id: i64,
    pub kind: DepositKind,
    pub procedure_id: Option<i64>,
    pub procedure_no: Option<String>,
    pub contract_id: Option<i64>,
    pub contract_no: Option<String>,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub amount: Money,
    pub form: DepositForm,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub status: DepositStatus,
    pub refund_trigger: Option<RefundTrigger>,
    /// The date of the trigger event.
    pub trigger_on: Option<NaiveDate>,
    /// The refund deadline.
    pub refund_due_on: Option<NaiveDate>,
    /// The deadline was counted without the official calendar of some year (weekends only) and
    /// may move once that year is loaded.
    pub refund_due_provisional: bool,
    /// Performance deposits: calendar days after acceptance.
    pub refund_days_after_acceptance: Option<i32>,
    /// The late-refund interest that applies.
    pub late_interest: String,
    pub refunded_on: Option<NaiveDate>,
    pub refund_amount: Option<Money>,
    pub supplier_caused_delay: bool,
    /// Days past the deadline, until the refund or today.
    pub days_late: i64,
    /// Late-refund interest: final once refunded, else as of today; half-up to the fen.
    pub interest_owed: Money,
    /// Performance deposits: the cases agreed in the contract in which it is not refunded.
    pub forfeiture_cases: Vec<String>,
    /// The agreed case for which the deposit was forfeited, and when.
    pub forfeiture_case: Option<String>,
    pub forfeited_on: Option<NaiveDate>,
    pub forfeiture_notes: Option<String>,
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureEventView {
    pub event: String,
    pub supplier_id: Option<i64>,
    pub on: NaiveDate,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureView {
    pub id: i64,
    pub procedure_no: String,
    pub name: String,
    pub purchaser_org_id: i64,
    pub budget: Money,
    pub deposit_required: bool,
    pub deposit_amount: Option<Money>,
    /// The most a deposit may be: 2% of the budget.
    pub deposit_cap: Money,
    pub status: ProcedureStatus,
    pub winner_supplier_id: Option<i64>,
    pub award_notice_on: Option<NaiveDate>,
    pub contract_signed_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// The deposits the caller may see (a supplier sees its own).
    pub deposits: Vec<DepositView>,
    pub events: Vec<ProcedureEventView>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DepositFilter {
    pub status: Option<DepositStatus>,
    pub kind: Option<DepositKind>,
    pub procedure_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForfeitInput {
    /// One of the cases agreed in the contract's performance deposit clause, word for word.
    pub case: String,
    /// When the case occurred (not in the future).
    pub occurred_on: NaiveDate,
    /// What happened, at most 2000 characters.
    #[serde(default)]
    pub notes: Option<String>,
}
