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
use gpmall_platform::i18n::Text;

/// Trims free text and checks it is at most 2000 characters (and not empty when `required`).
/// `field` is the locale key of the field's label (`field.reason`), named in the message; an
/// English field name (`notes`) is read as `field.notes`.
pub(crate) fn bounded_text(value: &str, field: &str, required: bool) -> Result<String, ApiError> {
    let label = if field.starts_with("field.") {
        field.to_owned()
    } else {
        format!("field.{field}")
    };
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::invalid(
            Text::new("msg.required").key_arg("field", label),
        ));
    }
    // The same characters every note refuses (controls, overrides, invisible ones), and the
    // length, both named by the field's label.
    gpmall_platform::text::clean_note(&label, value, 2000)
}
