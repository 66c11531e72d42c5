//! Contracts: created from a confirmed mall order (the order is the electronic contract) with
//! the category's default terms; delivery and acceptance start the payment clocks; payments go
//! to the contract's collection account; late interest is derived from due dates and payments.

use chrono::NaiveDate;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};
use serde::{Deserialize, Serialize};

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

/// A line of a contract: the goods or service, price and quantity as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractLine {
    pub product_id: i64,
    pub description: String,
    /// Catalogue category code.
    pub category: String,
    pub unit: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

/// Working days after signing within which a contract must be published (Implementing
/// Regulations art 50).
pub const PUBLICATION_WORKING_DAYS: u32 = 2;

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

fn trigger_name(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Signing => "signing",
        Trigger::Delivery => "delivery",
        Trigger::Acceptance => "acceptance",
        Trigger::Milestone => "milestone",
    }
}

/// The guarded status change an event makes on an active contract: the status the UPDATE
/// requires and the one it sets, from the contract's one transition function.
fn status_change(event: ContractEvent) -> Result<(ContractStatus, ContractStatus), ApiError> {
    let from = ContractStatus::Active;
    let to = contract::transition(from, event).map_err(ApiError::internal)?;
    Ok((from, to))
}

/// A stored contract status; anything else in the database is a defect.
fn parse_status(text: &str) -> Result<ContractStatus, ApiError> {
    ContractStatus::parse(text)
        .ok_or_else(|| ApiError::internal(format!("unknown contract status {text:?}")))
}

/// A stored instalment trigger; anything else in the database is a defect, not a default.
fn parse_trigger(name: &str) -> Result<Trigger, ApiError> {
    match name {
        "signing" => Ok(Trigger::Signing),
        "delivery" => Ok(Trigger::Delivery),
        "acceptance" => Ok(Trigger::Acceptance),
        "milestone" => Ok(Trigger::Milestone),
        other => Err(ApiError::internal(format!(
            "unknown instalment trigger {other:?}"
        ))),
    }
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

    #[test]
    fn stored_triggers_read_back_and_unknown_ones_are_errors() {
        for trigger in [
            Trigger::Signing,
            Trigger::Delivery,
            Trigger::Acceptance,
            Trigger::Milestone,
        ] {
            assert_eq!(parse_trigger(trigger_name(trigger)).unwrap(), trigger);
        }
        assert!(parse_trigger("on_a_whim").is_err());
        assert!(parse_trigger("").is_err());
    }
}
