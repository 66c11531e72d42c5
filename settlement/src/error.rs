//! Settlement's errors: each says what went wrong in the domain's terms, with the names and
//! amounts a person needs. They become the API's error body in one place, [`From`] below,
//! which gives each its status, stable code and locale text.

use axum::http::StatusCode;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};

/// What a settlement use case can refuse.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    // --- contracts, instalments, payments, disputes, milestones, warnings, rates
    /// The contract does not exist, or the caller may not see it.
    #[error("contract not found")]
    ContractNotFound,
    /// A payment larger than what is unpaid on the instalments it would pay.
    #[error("payment of {amount} exceeds the {outstanding} outstanding")]
    PaymentExceedsOutstanding { amount: Money, outstanding: Money },

    // --- procedures, deposits, guarantee letters
    /// The deposit does not exist, or the caller may not see it.
    #[error("deposit not found")]
    DepositNotFound,

    // --- passed through
    /// An error the platform already phrased (role checks, dates, text, idempotency).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

pub type SettlementResult<T> = Result<T, SettlementError>;

impl From<SettlementError> for ApiError {
    fn from(error: SettlementError) -> Self {
        use SettlementError as E;
        match error {
            E::ContractNotFound => ApiError::not_found("contract"),
            E::PaymentExceedsOutstanding {
                amount,
                outstanding,
            } => ApiError::say(
                StatusCode::CONFLICT,
                "PAYMENT_EXCEEDS_OUTSTANDING",
                Text::new("msg.contract.payment_exceeds")
                    .money("amount", amount)
                    .money("outstanding", outstanding),
            ),
            E::DepositNotFound => ApiError::not_found("deposit"),
            E::Api(error) => error,
            E::Database(error) => error.into(),
        }
    }
}
