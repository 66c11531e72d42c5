//! Deposits: procurement procedures (registered by the purchaser or the operator until the mall
//! runs its own), the bid/response deposits suppliers pay for them, the events that release
//! those deposits with a refund deadline in working days, refunds with late interest, and
//! performance deposits held for contracts and released by the contract's acceptance.
//!
//! Every change runs in one transaction, is guarded by its expected status in SQL, and is
//! audited. Overdue refunds and provisional deadlines raise warnings in the one warnings store.
//!
//! One submodule per use case: [`procedures`] (register), [`events`] (a procedure's events
//! and the deposits they release), [`record`] (a bid
//! deposit received), [`performance`] (a performance deposit received, and released by the
//! contract's acceptance), [`forfeit`], [`refund`], [`scan`] (warnings) and [`views`] (what
//! each party reads); [`rows`] reads the tables.

mod events;
mod forfeit;
mod performance;
mod procedures;
mod record;
mod refund;
mod rows;
mod scan;
mod types;
mod views;

pub use events::record_event;
pub use forfeit::forfeit;
pub use performance::{
    AgreedDeposit, PerformanceDepositPage, performance_deposit_page, record_performance_deposit,
};
pub use procedures::register_procedure;
pub use record::record_deposit;
pub use refund::refund;
pub use scan::scan_deposit_warnings;
pub use types::{
    DepositFilter, DepositView, EventInput, ForfeitInput, NewDeposit, NewPerformanceDeposit,
    NewProcedure, ProcedureEventView, ProcedureView, RefundInput,
};
pub use views::{get_deposit, get_procedure, list_deposits, list_procedures};

use gpmall_platform::dates::Field;

use crate::domain::deposits::DepositRules;

/// Warning rule: a deposit's refund deadline has passed and it is not refunded.
pub const RULE_OVERDUE: &str = "deposit_refund_overdue";
/// Warning rule: a refund deadline was counted without the official calendar of some year.
pub const RULE_CALENDAR: &str = "calendar_year_missing";
const SUBJECT: &str = "deposit";

const RULES: DepositRules = DepositRules::STATUTORY;

const RECEIVED_ON: Field = Field::new("received_on", "field.received_on");
const EVENT_ON: Field = Field::new("on", "field.event_on");
const REFUNDED_ON: Field = Field::new("refunded_on", "field.refunded_on");
const OCCURRED_ON: Field = Field::new("occurred_on", "field.occurred_on");
