//! Financing endpoints for people: partner banks and their keys (operator), loan products
//! (operator records, suppliers compare), and suppliers' applications.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::identity::guard::{LoanReader, Operator, Overseer, ProductReader, Seller};
use gpmall_platform::ids::{BankId, LoanApplicationId};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx, idempotency};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::application::ApplicationStatus;
use crate::service::applications::{self, ApplicationDetail, ApplicationView, NewApplication};
use crate::service::banks::{self, BankView, NewBank, NewKey};
use crate::service::products::{self, LoanProductView, NewLoanProduct};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_banks, register_bank))
        .routes(routes!(add_bank_key))
        .routes(routes!(list_loan_products, create_loan_product))
        .routes(routes!(list_loan_applications, apply_for_loan))
        .routes(routes!(get_loan_application))
        .routes(routes!(withdraw_loan_application))
}

fn optional_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get(idempotency::HEADER) {
        Some(_) => Ok(Some(idempotency::key_from_headers(headers)?)),
        None => Ok(None),
    }
}

#[utoipa::path(get, path = "/api/v1/financing/banks", tag = "financing",
    responses((status = 200, body = Vec<BankView>, description = "Partner banks with their keys (never the secrets)"),
              (status = 403, body = ErrorBody)))]
pub async fn list_banks(
    State(ctx): State<Ctx>,
    Overseer(actor): Overseer,
) -> ApiResult<Json<Vec<BankView>>> {
    Ok(Json(banks::list(&ctx, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/financing/banks", tag = "financing", request_body = NewBank,
    responses((status = 201, body = BankView),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED, CREDIT_CODE_INVALID, BASE_URL_INVALID"),
              (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "BANK_EXISTS, KEY_EXISTS"),
              (status = 422, body = ErrorBody, description = "KEY_INVALID: not a hex secret of 32 bytes or more, or not an SM2 public key")))]
pub async fn register_bank(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewBank>,
) -> ApiResult<(StatusCode, Json<BankView>)> {
    Ok((
        StatusCode::CREATED,
        Json(banks::register(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/financing/banks/{id}/keys", tag = "financing", params(("id" = i64, Path)),
    request_body = NewKey,
    responses((status = 200, body = BankView, description = "The key is active; with two active before, the older is retired"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "KEY_EXISTS"),
              (status = 422, body = ErrorBody, description = "KEY_INVALID")))]
pub async fn add_bank_key(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewKey>,
) -> ApiResult<Json<BankView>> {
    let id = BankId(positive_id(id, "bank")?);
    Ok(Json(banks::add_key(&ctx, &actor, id, input).await?))
}

#[utoipa::path(get, path = "/api/v1/financing/products", tag = "financing",
    responses((status = 200, body = Vec<LoanProductView>, description = "Every bank's products; for a supplier, whether each lends to an enterprise of its size"),
              (status = 403, body = ErrorBody)))]
pub async fn list_loan_products(
    State(ctx): State<Ctx>,
    ProductReader(actor): ProductReader,
) -> ApiResult<Json<Vec<LoanProductView>>> {
    Ok(Json(products::list(&ctx, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/financing/products", tag = "financing", request_body = NewLoanProduct,
    responses((status = 201, body = LoanProductView),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED names the limit that cannot stand"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such bank"),
              (status = 409, body = ErrorBody, description = "PRODUCT_EXISTS")))]
pub async fn create_loan_product(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewLoanProduct>,
) -> ApiResult<(StatusCode, Json<LoanProductView>)> {
    Ok((
        StatusCode::CREATED,
        Json(products::create(&ctx, &actor, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApplicationQuery {
    pub status: Option<ApplicationStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/financing/applications", tag = "financing", params(ApplicationQuery),
    responses((status = 200, body = ListResponse<ApplicationView>,
        description = "A supplier's own applications, a bank's, or all for the operator and the regulator; newest first"),
              (status = 403, body = ErrorBody)))]
pub async fn list_loan_applications(
    State(ctx): State<Ctx>,
    LoanReader(actor): LoanReader,
    ApiQuery(query): ApiQuery<ApplicationQuery>,
) -> ApiResult<Json<ListResponse<ApplicationView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(
        applications::list(&ctx, &actor, query.status, page).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/financing/applications", tag = "financing",
    params(("Idempotency-Key" = String, Header, description = "Required; a retry with the same key and body returns the same application")),
    request_body = NewApplication,
    responses((status = 201, body = ApplicationDetail),
              (status = 400, body = ErrorBody, description = "CONSENT_REQUIRED, IDEMPOTENCY_KEY_REQUIRED, VALIDATION_FAILED"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "not the supplier's contract, or no such product"),
              (status = 409, body = ErrorBody, description = "FINANCING_APPLICATION_EXISTS: one is already running with that bank"),
              (status = 422, body = ErrorBody, description = "CONTRACT_NOT_FINANCEABLE, SUPPLIER_PENALIZED, AMOUNT_OVER_PRODUCT_MAXIMUM, AMOUNT_OVER_UNPAID_SHARE, TERM_OUT_OF_RANGE, SIZE_NOT_ELIGIBLE, IDEMPOTENCY_KEY_REUSED")))]
pub async fn apply_for_loan(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewApplication>,
) -> ApiResult<(StatusCode, Json<ApplicationDetail>)> {
    let key = idempotency::key_from_headers(&headers)?;
    Ok((
        StatusCode::CREATED,
        Json(applications::apply(&ctx, &actor, input, Some(&key)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/financing/applications/{id}", tag = "financing", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationDetail, description = "With the full timeline"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_loan_application(
    State(ctx): State<Ctx>,
    LoanReader(actor): LoanReader,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationDetail>> {
    let id = LoanApplicationId(positive_id(id, "financing application")?);
    Ok(Json(applications::get(&ctx, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/financing/applications/{id}/withdraw", tag = "financing",
    params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key returns the same response")),
    responses((status = 200, body = ApplicationDetail),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "FINANCING_APPLICATION_ALREADY_APPROVED, FINANCING_APPLICATION_ENDED")))]
pub async fn withdraw_loan_application(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationDetail>> {
    let id = LoanApplicationId(positive_id(id, "financing application")?);
    let key = optional_key(&headers)?;
    Ok(Json(
        applications::withdraw(&ctx, &actor, id, key.as_deref()).await?,
    ))
}
