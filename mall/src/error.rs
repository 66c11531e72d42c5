//! The mall's errors: each says what went wrong in the domain's terms, with the names and
//! amounts a person needs. They become the API's error body in one place, [`From`] below,
//! which gives each its status, stable code and locale text.

use axum::http::StatusCode;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};

/// What a mall use case can refuse.
#[derive(Debug, thiserror::Error)]
pub enum MallError {
    /// The order does not exist, or the caller may not see it.
    #[error("order not found")]
    OrderNotFound,
    /// The budget line's remaining amount does not cover the order.
    #[error("budget line {line} has {left} left, less than {total}")]
    BudgetExceeded {
        line: String,
        left: Money,
        total: Money,
    },
    /// An error the platform already phrased (role checks, dates, text, idempotency).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

pub type MallResult<T> = Result<T, MallError>;

impl From<MallError> for ApiError {
    fn from(error: MallError) -> Self {
        use MallError as E;
        match error {
            E::OrderNotFound => ApiError::not_found("order"),
            E::BudgetExceeded { line, left, total } => ApiError::say(
                StatusCode::CONFLICT,
                "BUDGET_EXCEEDED",
                Text::new("msg.order.budget_exceeded")
                    .arg("line", line)
                    .money("left", left)
                    .money("total", total),
            ),
            E::Api(error) => error,
            E::Database(error) => error.into(),
        }
    }
}
