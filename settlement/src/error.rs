//! Settlement's errors: each says what went wrong in the domain's terms, with the names and
//! amounts a person needs. They become the API's error body in one place, [`From`] below,
//! which gives each its status, stable code and locale text.

use axum::http::StatusCode;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};

use crate::domain::deposits::{DepositRefusal, ProcedureRefusal};
use crate::domain::guarantee;

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
    /// The deposit's status does not allow the event.
    #[error(transparent)]
    DepositRefused(#[from] DepositRefusal),
    /// The procedure's status does not allow the event.
    #[error(transparent)]
    ProcedureRefused(#[from] ProcedureRefusal),
    /// The guarantee letter's status (or validity) does not allow the event.
    #[error(transparent)]
    LetterRefused(#[from] guarantee::TransitionError),
    /// A guarded change found the deposit, procedure or letter no longer in the status it was
    /// read in: someone else changed it meanwhile.
    #[error("{what} changed meanwhile")]
    ChangedMeanwhile { what: Guarded },

    // --- passed through
    /// An error the platform already phrased (role checks, dates, text, idempotency).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// What a guarded change of deposits and guarantee letters was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    Deposit,
    Procedure,
    Letter,
}

impl std::fmt::Display for Guarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Guarded::Deposit => "the deposit",
            Guarded::Procedure => "the procedure",
            Guarded::Letter => "the guarantee letter",
        })
    }
}

/// The 409 of a guarded change that found its row changed meanwhile.
pub fn changed_meanwhile(what: Guarded) -> ApiError {
    SettlementError::ChangedMeanwhile { what }.into()
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
            E::DepositRefused(refusal) => {
                ApiError::conflicting("INVALID_TRANSITION", refusal.text())
            }
            E::ProcedureRefused(refusal) => {
                ApiError::conflicting("INVALID_TRANSITION", refusal.text())
            }
            E::LetterRefused(refusal) => {
                ApiError::conflicting("INVALID_TRANSITION", refusal.text())
            }
            E::ChangedMeanwhile { what } => ApiError::conflicting(
                "INVALID_TRANSITION",
                Text::new(match what {
                    Guarded::Deposit => "msg.deposit.changed_meanwhile",
                    Guarded::Procedure => "msg.procedure.changed_meanwhile",
                    Guarded::Letter => "msg.guarantee.changed_meanwhile",
                }),
            ),
            E::Api(error) => error,
            E::Database(error) => error.into(),
        }
    }
}
