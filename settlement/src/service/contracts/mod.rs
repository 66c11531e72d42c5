//! Contracts: created from a confirmed mall order (the order is the electronic contract) with
//! the category's default terms; delivery and acceptance start the payment clocks; payments go
//! to the contract's collection account; late interest is derived from due dates and payments.

use chrono::NaiveDate;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};

pub use crate::domain::contract::ContractLine;
use crate::domain::contract::{self, ContractEvent, ContractStatus};
use crate::domain::terms::{self, PaymentTerms, Trigger};

mod accounts;
mod actions;
mod create;
mod due_warnings;
mod events;
mod payments;
mod performance;
mod publication;
mod receivables;
mod views;

pub use accounts::*;
pub use actions::*;
pub use create::*;
pub use due_warnings::*;
pub use events::*;
pub use payments::*;
pub use performance::*;
pub use publication::*;
pub use receivables::*;
pub use views::*;

/// What the mall hands over when a supplier confirms an order.
pub struct OrderForContract {
    pub order_id: i64,
    pub order_no: String,
    pub purchaser_org_id: i64,
    pub supplier_id: i64,
    pub amount: Money,
    pub category_codes: Vec<String>,
    /// What is bought: the order's lines, kept with the contract as signed.
    pub lines: Vec<ContractLine>,
    pub signed_on: NaiveDate,
    /// Publication deadline: 2 working days after signing on the official calendar.
    pub publish_by: gpmall_platform::calendar::Deadline,
}

/// Working days after signing within which a contract must be published (Implementing
/// Regulations art 50).
pub const PUBLICATION_WORKING_DAYS: u32 = 2;

/// The guarded status change an event makes on an active contract: the status the UPDATE
/// requires and the one it sets, from the contract's one transition function.
fn status_change(event: ContractEvent) -> Result<(ContractStatus, ContractStatus), ApiError> {
    let from = ContractStatus::Active;
    let to = contract::transition(from, event).map_err(ApiError::internal)?;
    Ok((from, to))
}

/// Terms that break a rule: the clause in words in the message, its path in the details.
fn terms_refused(status: axum::http::StatusCode, error: terms::TermsError) -> ApiError {
    ApiError::say(status, "TERMS_INVALID", error.text)
        .with_details(serde_json::json!({ "clause": error.clause }))
}

/// An instalment's clock and due date from the contract's recorded events; none once the
/// contract is terminated.
fn due_of(
    terms: &PaymentTerms,
    trigger: Trigger,
    days_after: i32,
    supplier_is_sme: bool,
    events: &terms::Events,
    terminated: bool,
) -> terms::Due {
    if terminated {
        return terms::Due {
            clock_started_on: None,
            due_on: None,
            at_sme_limit: false,
        };
    }
    terms::instalment_due(
        terms,
        trigger,
        u32::try_from(days_after).unwrap_or(0),
        supplier_is_sme,
        events,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw queries elsewhere (milestones, the tests, the bench) use these names.
    #[test]
    fn stored_triggers_read_back_and_unknown_ones_are_errors() {
        use sea_orm::ActiveEnum;
        for (trigger, name) in [
            (Trigger::Signing, "signing"),
            (Trigger::Delivery, "delivery"),
            (Trigger::Acceptance, "acceptance"),
            (Trigger::Milestone, "milestone"),
        ] {
            assert_eq!(trigger.to_value(), name);
            assert_eq!(Trigger::try_from_value(&name.to_owned()).unwrap(), trigger);
        }
        assert!(Trigger::try_from_value(&"on_a_whim".to_owned()).is_err());
        assert!(Trigger::try_from_value(&String::new()).is_err());
    }
}
