//! Settlement use cases.

pub mod accrual;
pub mod contracts;
pub mod deposits;
pub mod disputes;
pub mod guarantees;
pub mod jobs;
pub mod milestones;
pub mod order_links;
pub mod ordering_restriction;
pub mod rates;
pub mod warnings;

use gpmall_platform::ApiError;

/// Trims free text and checks it is at most 2000 characters (and not empty when `required`).
pub(crate) fn bounded_text(value: &str, field: &str, required: bool) -> Result<String, ApiError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::validation(format!("{field} is required")));
    }
    if value.chars().count() > 2000 {
        return Err(ApiError::validation(format!(
            "{field} is at most 2000 characters"
        )));
    }
    // The same characters every note refuses (controls, overrides, invisible ones).
    gpmall_platform::text::clean_note("field.text", value, 2000)
}
