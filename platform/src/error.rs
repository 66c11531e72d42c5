//! The one API error type: a stable machine code, a message that says what to fix, optional
//! details, and the HTTP status. The message is a locale [`Text`], so a page shows it in its
//! own language and the API in the one `Accept-Language` asks for (English by default). 5xx
//! never show internals; they are logged instead.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::i18n::{Lang, Text, Tr};

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    /// The message in English, for logs and API clients that ask for no language.
    pub message: String,
    pub details: Option<Value>,
    /// The message as a locale text, when it has one; otherwise `message` is all there is.
    pub text: Option<Box<Text>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `BUDGET_EXCEEDED`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            text: None,
        }
    }

    /// An error whose message comes from the locale files: `text.key` with its arguments.
    pub fn say(status: StatusCode, code: &'static str, text: Text) -> Self {
        ApiError::new(status, code, String::new()).with_text(text)
    }

    /// Replaces the message with a locale text (the English rendering becomes `message`).
    pub fn with_text(mut self, text: Text) -> Self {
        self.message = Tr::new(Lang::En).render(&text);
        self.text = Some(Box::new(text));
        self
    }

    /// The message in `lang`: the locale text when there is one, else the English message.
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.text {
            Some(text) => Tr::new(lang).render(text),
            None => self.message.clone(),
        }
    }

    /// Whether the message exists in every language (it comes from the locale files).
    pub fn is_localized(&self) -> bool {
        self.text.is_some()
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Same status and message under a more specific stable code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_FAILED", message)
    }

    /// 400 `VALIDATION_FAILED` with a locale text saying what to fix.
    pub fn invalid(text: Text) -> Self {
        Self::say(StatusCode::BAD_REQUEST, "VALIDATION_FAILED", text)
    }

    /// 403 `FORBIDDEN` with a locale text saying who may do this.
    pub fn refused(text: Text) -> Self {
        Self::say(StatusCode::FORBIDDEN, "FORBIDDEN", text)
    }

    /// 409 under `code` with a locale text.
    pub fn conflicting(code: &'static str, text: Text) -> Self {
        Self::say(StatusCode::CONFLICT, code, text)
    }

    pub fn unauthenticated() -> Self {
        Self::say(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            Text::new("msg.unauthenticated"),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// Also used for objects that exist but belong to another tenant, so ids cannot be probed.
    /// `what` names the kind of object in English ("budget line"); the locale key
    /// `not_found.budget_line` names it in each language.
    pub fn not_found(what: &str) -> Self {
        let key = format!("not_found.{}", what.replace(' ', "_"));
        let text = if Tr::new(Lang::En).find(&key).is_some() {
            Text::new(key)
        } else {
            Text::new("not_found.generic")
        };
        Self::say(StatusCode::NOT_FOUND, "NOT_FOUND", text)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A sum that would pass [`crate::Money::MAX`]: refused, with the maximum in the message
    /// (`text` should carry it as `{max}`) and in the details.
    pub fn amount_above_max(text: Text) -> Self {
        ApiError::say(
            StatusCode::BAD_REQUEST,
            "AMOUNT_TOO_LARGE",
            text.money("max", crate::Money::MAX),
        )
        .with_details(serde_json::json!({ "max": crate::Money::MAX }))
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "internal error; it has been logged",
        )
    }

    /// For a 429, how long the client must wait: the `Retry-After` header clients and proxies
    /// act on (the details carry the same number as `retry_after_seconds`).
    pub fn retry_after_seconds(&self) -> Option<u64> {
        (self.status == StatusCode::TOO_MANY_REQUESTS).then(|| {
            self.details
                .as_ref()
                .and_then(|d| d["retry_after_seconds"].as_u64())
                .unwrap_or(1)
        })
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_seconds() {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response.extensions_mut().insert(self);
        response
    }
}

impl From<sea_orm::DbErr> for ApiError {
    /// A unique constraint the service did not expect to hit (two requests racing to create the
    /// same thing) is a conflict the client can act on, never a 500.
    fn from(error: sea_orm::DbErr) -> Self {
        match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => {
                tracing::info!(%detail, "unique constraint refused a write");
                ApiError::say(
                    StatusCode::CONFLICT,
                    "ALREADY_EXISTS",
                    Text::new("msg.already_exists"),
                )
            }
            _ => ApiError::internal(error),
        }
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(error: sea_orm::TransactionError<ApiError>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(e) => ApiError::internal(e),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

/// Every stable error code with its meaning, published in the API docs.
pub const ERROR_CODES: &[(&str, &str)] = &[
    (
        "VALIDATION_FAILED",
        "a field is missing, malformed or out of range; the message names it",
    ),
    (
        "MALFORMED_JSON",
        "the body is not valid JSON for this endpoint (syntax, unknown field, wrong type)",
    ),
    (
        "UNSUPPORTED_MEDIA_TYPE",
        "send `Content-Type: application/json`",
    ),
    ("PAYLOAD_TOO_LARGE", "the body exceeds the size limit"),
    (
        "BAD_ID",
        "an id in the path or query is not a positive integer",
    ),
    ("UNAUTHENTICATED", "no valid bearer token or session"),
    ("INVALID_CREDENTIALS", "wrong username or password"),
    (
        "RATE_LIMITED",
        "too many attempts; retry after the number of seconds in Retry-After",
    ),
    ("FORBIDDEN", "your role may not do this"),
    (
        "CSRF_FAILED",
        "the form's CSRF token is missing or stale; reload the page",
    ),
    ("NOT_FOUND", "no such object visible to you"),
    (
        "IDEMPOTENCY_KEY_REQUIRED",
        "send an `Idempotency-Key` header (1–128 visible characters)",
    ),
    (
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was used with a different request body",
    ),
    (
        "BUDGET_EXCEEDED",
        "the budget line's remaining amount does not cover the order",
    ),
    (
        "STOCK_SHORT",
        "a product's stock does not cover the quantity",
    ),
    ("PRODUCT_NOT_LISTED", "a product is not listed for sale"),
    (
        "SUPPLIER_PENALIZED",
        "the supplier is under a credit penalty and may not trade",
    ),
    (
        "DIRECT_PURCHASE_LIMIT_EXCEEDED",
        "the order total exceeds the category's direct-purchase limit; the details name the limit and the method to use",
    ),
    (
        "PRICE_ABOVE_REFERENCE",
        "the price is above the reference market price",
    ),
    (
        "INVALID_TRANSITION",
        "the object's status does not allow this action",
    ),
    (
        "CREDIT_CODE_INVALID",
        "the unified social credit code fails the GB 32100-2015 check",
    ),
    (
        "ORGANIZATION_EXISTS",
        "an organization with this credit code is already registered",
    ),
    ("USERNAME_TAKEN", "the username is taken"),
    (
        "BUDGET_LINE_CLOSED",
        "the budget line belongs to another fiscal year",
    ),
    (
        "BUDGET_LINE_EXISTS",
        "a budget line with this code already exists for the year",
    ),
    (
        "IDEMPOTENCY_IN_PROGRESS",
        "a request with this key is still running; retry shortly",
    ),
    (
        "METHOD_NOT_ALLOWED",
        "the route does not take this HTTP method",
    ),
    ("TIMEOUT", "the request took too long"),
    (
        "COLLECTION_ACCOUNT_MISSING",
        "the supplier has not recorded the collection account its contracts are paid to",
    ),
    (
        "TERMS_INVALID",
        "payment terms break a legal limit; the details name the clause",
    ),
    (
        "WRONG_COLLECTION_ACCOUNT",
        "payments go only to the contract's collection account",
    ),
    (
        "PAYMENT_EXCEEDS_OUTSTANDING",
        "the payment is more than what is unpaid",
    ),
    (
        "DISPUTE_EXCEEDS_OUTSTANDING",
        "the disputed amount is more than what is unpaid and not already disputed",
    ),
    (
        "FORFEITURE_CASE_NOT_AGREED",
        "a deposit is forfeited only for a case agreed in the contract's performance deposit clause",
    ),
    (
        "DUPLICATE_VOUCHER",
        "the payment voucher is already recorded on this contract",
    ),
    (
        "REFERENCE_RATE_MISSING",
        "no reference rate (LPR, benchmark) is recorded for the date",
    ),
    (
        "ORDERING_RESTRICTED",
        "a shipment confirmed long ago has no payment recorded; mall ordering is restricted until one is",
    ),
    (
        "DEPOSIT_ABOVE_CAP",
        "a deposit above 2% of the budget (bid) or 10% of the contract (performance)",
    ),
    (
        "DEPOSIT_FORM_NOT_ALLOWED",
        "cash is refused; use bank transfer, cheque, draft, promissory note or a guarantee letter",
    ),
    (
        "DEPOSIT_AMOUNT_MISMATCH",
        "the deposit differs from the amount the procedure requires",
    ),
    (
        "DEPOSIT_EXISTS",
        "the supplier's deposit for this procedure is already recorded",
    ),
    (
        "DEPOSIT_NOT_REQUIRED",
        "the procedure does not require a deposit",
    ),
    (
        "PROCEDURE_EXISTS",
        "a procedure with this number is already registered by the unit",
    ),
    (
        "SIGNATURE_INVALID",
        "the guarantee letter's content or signature does not match the issuer's registered key",
    ),
    (
        "ISSUER_NOT_REGISTERED",
        "the guarantee letter's issuer is not registered",
    ),
    (
        "ISSUER_EXISTS",
        "an issuer with this name is already registered",
    ),
    (
        "KEY_INVALID",
        "the public key is not a valid PEM key for the algorithm",
    ),
    (
        "LETTER_EXISTS",
        "this issuer's letter number is already registered",
    ),
    ("CART_EMPTY", "the cart has nothing to order"),
    (
        "TEXT_INVALID",
        "a text holds a control, bidirectional-override or invisible character (or a name a line break); the details name it",
    ),
    (
        "AMOUNT_TOO_LARGE",
        "a sum (budget after an adjustment, cart or order total) would exceed the maximum amount, 100000000000.00",
    ),
    (
        "ALREADY_EXISTS",
        "the same thing was created at the same moment by another request; reload and check",
    ),
    ("INTERNAL", "an internal error; it was logged"),
];
