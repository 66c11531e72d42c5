//! Financing's errors, each in the domain's terms with the names and amounts a person needs.
//! They become the API's error body in one place, [`From`] below, which gives each its status,
//! stable code and locale text.

use axum::http::StatusCode;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Money};

use crate::domain::application::{Refusal, RefusalReason};
use crate::domain::product::{ProductInvalid, RequestRefusal};
use crate::domain::signing::KeyError;

/// What a financing use case can refuse.
#[derive(Debug, thiserror::Error)]
pub enum FinancingError {
    // --- banks and products
    #[error("bank not found")]
    BankNotFound,
    #[error("loan product not found")]
    ProductNotFound,
    /// The organization is registered as a bank already, or the code is taken.
    #[error("bank {name} is registered already")]
    BankExists { name: String },
    #[error("the base URL is not an https address without credentials, query or fragment")]
    BaseUrlInvalid,
    #[error("key invalid: {0}")]
    KeyInvalid(KeyError),
    #[error("key id {key_id} is in use")]
    KeyIdTaken { key_id: String },
    #[error("the product is invalid: {0}")]
    ProductInvalid(ProductInvalid),
    #[error("product code {code} exists at the bank")]
    ProductExists { code: String },

    // --- applications
    #[error("financing application not found")]
    ApplicationNotFound,
    #[error("consent to share the contract with the bank is required")]
    ConsentRequired,
    #[error("contract {contract_no} is completed")]
    ContractCompleted { contract_no: String },
    #[error("contract {contract_no} is terminated")]
    ContractTerminated { contract_no: String },
    #[error("nothing is unpaid on contract {contract_no}")]
    NothingUnpaid { contract_no: String },
    #[error("the supplier is under a credit penalty")]
    SupplierPenalized { supplier: String },
    #[error(transparent)]
    DoesNotFit(#[from] RequestRefusal),
    #[error("an application for contract {contract_no} is already with {bank}")]
    ApplicationExists { contract_no: String, bank: String },
    #[error(transparent)]
    Lifecycle(#[from] Refusal),
    #[error("the application changed meanwhile")]
    ChangedMeanwhile,

    // --- passed through
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

pub type FinancingResult<T> = Result<T, FinancingError>;

fn key_text(error: &KeyError) -> Text {
    Text::new(match error {
        KeyError::BadKeyId => "msg.financing.key_id_invalid",
        KeyError::HmacSecretTooShort(_) => "msg.financing.key_hmac_short",
        KeyError::NotHex => "msg.financing.key_not_hex",
        _ => "msg.financing.key_sm2_invalid",
    })
}

fn refusal_text(refusal: &Refusal) -> Text {
    Text::new(match refusal.reason {
        RefusalReason::Ended => "msg.financing.ended",
        RefusalReason::AlreadyApproved => "msg.financing.already_approved",
        RefusalReason::NoOffer => "msg.financing.no_offer",
        RefusalReason::AlreadySigned => "msg.financing.already_signed",
    })
}

fn money_details(pairs: &[(&str, Money)]) -> serde_json::Value {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

impl From<FinancingError> for ApiError {
    fn from(error: FinancingError) -> Self {
        use FinancingError as E;
        match error {
            E::BankNotFound => ApiError::not_found("bank"),
            E::ProductNotFound => ApiError::not_found("loan product"),
            E::ApplicationNotFound => ApiError::not_found("financing application"),
            E::BankExists { name } => ApiError::conflicting(
                "BANK_EXISTS",
                Text::new("msg.financing.bank_exists").arg("bank", name),
            ),
            E::BaseUrlInvalid => ApiError::say(
                StatusCode::BAD_REQUEST,
                "BASE_URL_INVALID",
                Text::new("msg.financing.base_url_invalid"),
            ),
            E::KeyInvalid(error) => ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "KEY_INVALID",
                key_text(&error),
            ),
            E::KeyIdTaken { key_id } => ApiError::conflicting(
                "KEY_EXISTS",
                Text::new("msg.financing.key_exists").arg("key", key_id),
            ),
            E::ProductInvalid(invalid) => ApiError::invalid(Text::new(match invalid {
                ProductInvalid::NoMaximum => "msg.financing.product_no_maximum",
                ProductInvalid::Share => "msg.financing.product_share",
                ProductInvalid::RateRange => "msg.financing.product_rate_range",
                ProductInvalid::TermRange => "msg.financing.product_term_range",
                ProductInvalid::NoSizes => "msg.financing.product_no_sizes",
            })),
            E::ProductExists { code } => ApiError::conflicting(
                "PRODUCT_EXISTS",
                Text::new("msg.financing.product_exists").arg("code", code),
            ),
            E::ConsentRequired => ApiError::say(
                StatusCode::BAD_REQUEST,
                "CONSENT_REQUIRED",
                Text::new("msg.financing.consent_required"),
            ),
            E::ContractCompleted { contract_no } => ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CONTRACT_NOT_FINANCEABLE",
                Text::new("msg.financing.contract_completed").arg("contract", contract_no),
            ),
            E::ContractTerminated { contract_no } => ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CONTRACT_NOT_FINANCEABLE",
                Text::new("msg.financing.contract_terminated").arg("contract", contract_no),
            ),
            E::NothingUnpaid { contract_no } => ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CONTRACT_NOT_FINANCEABLE",
                Text::new("msg.financing.nothing_unpaid").arg("contract", contract_no),
            ),
            E::SupplierPenalized { supplier } => ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "SUPPLIER_PENALIZED",
                Text::new("msg.financing.supplier_penalized").arg("supplier", supplier),
            ),
            E::DoesNotFit(refusal) => match refusal {
                RequestRefusal::NoAmount => {
                    ApiError::invalid(Text::new("msg.financing.amount_required"))
                }
                RequestRefusal::OverProductMaximum { amount, max } => ApiError::say(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "AMOUNT_OVER_PRODUCT_MAXIMUM",
                    Text::new("msg.financing.over_maximum")
                        .money("amount", amount)
                        .money("max", max),
                )
                .with_details(money_details(&[("max", max)])),
                RequestRefusal::OverUnpaidShare {
                    amount,
                    ceiling,
                    unpaid,
                } => ApiError::say(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "AMOUNT_OVER_UNPAID_SHARE",
                    Text::new("msg.financing.over_share")
                        .money("amount", amount)
                        .money("ceiling", ceiling)
                        .money("unpaid", unpaid),
                )
                .with_details(money_details(&[("ceiling", ceiling), ("unpaid", unpaid)])),
                RequestRefusal::TermOutOfRange { months, min, max } => ApiError::say(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "TERM_OUT_OF_RANGE",
                    Text::new("msg.financing.term_out_of_range")
                        .arg("months", months)
                        .arg("min", min)
                        .arg("max", max),
                ),
                RequestRefusal::SizeNotEligible => ApiError::say(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "SIZE_NOT_ELIGIBLE",
                    Text::new("msg.financing.size_not_eligible"),
                ),
            },
            E::ApplicationExists { contract_no, bank } => ApiError::conflicting(
                "FINANCING_APPLICATION_EXISTS",
                Text::new("msg.financing.application_exists")
                    .arg("contract", contract_no)
                    .arg("bank", bank),
            ),
            E::Lifecycle(refusal) => {
                ApiError::conflicting(refusal.reason.code(), refusal_text(&refusal))
            }
            E::ChangedMeanwhile => ApiError::conflicting(
                "INVALID_TRANSITION",
                Text::new("msg.financing.changed_meanwhile"),
            ),
            E::Api(error) => error,
            E::Database(error) => error.into(),
        }
    }
}
