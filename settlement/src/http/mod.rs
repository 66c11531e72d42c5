//! Settlement endpoints: contracts, payments, collection accounts, reference rates, default
//! terms and warnings.

mod deposits;
mod guarantees;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::i18n::Lang;
use gpmall_platform::idempotency;
use gpmall_platform::identity::Identity;
use gpmall_platform::identity::guard::{
    Buyer, DisputeParticipant, Operator, Overseer, PerformanceReader, PurchaserStaff, Seller,
};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::disputes::DisputeAction;
use crate::domain::terms::PaymentTerms;
use crate::service::contracts::{
    self, AmountsOwed, CollectionAccount, ContractView, PaymentInput, PaymentPerformance,
};
use crate::service::disputes::{self, DisputeResolution, NewDispute};
use crate::service::milestones::{self, MilestoneInput};
use crate::service::rates::{self, NewRate, ReferenceRate};
use crate::service::warnings::{self, WarningView};

/// Schemas only path parameters name (`routes!` collects those of bodies and responses only).
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(DisputeAction)))]
struct PathSchemas;

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::with_openapi(<PathSchemas as utoipa::OpenApi>::openapi())
        .routes(routes!(list_contracts))
        .routes(routes!(get_contract))
        .routes(routes!(amounts_owed))
        .routes(routes!(record_payment))
        .routes(routes!(open_dispute))
        .routes(routes!(resolve_dispute))
        .routes(routes!(publish_contract))
        .routes(routes!(record_milestone))
        .routes(routes!(payment_performance))
        .routes(routes!(get_collection_account, set_collection_account))
        .routes(routes!(list_rates, record_rate))
        .routes(routes!(set_default_terms))
        .routes(routes!(list_warnings))
        .routes(routes!(scan_warnings))
        .merge(deposits::router())
        .merge(guarantees::router())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/contracts", tag = "settlement", params(PageQuery),
    responses((status = 200, body = ListResponse<ContractView>)))]
pub async fn list_contracts(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListResponse<ContractView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(contracts::list(&ctx, &actor, page).await?))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "settlement", params(("id" = i64, Path)),
    responses((status = 200, body = ContractView, description = "With each instalment's due date, what is paid, overdue days and interest owed today"),
              (status = 404, body = ErrorBody)))]
pub async fn get_contract(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ContractView>> {
    Ok(Json(
        contracts::get(&ctx, &actor, positive_id(id, "contract")?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/payments-due", tag = "settlement",
    responses((status = 200, body = AmountsOwed,
        description = "Every unpaid instalment of the caller's active contracts (all of them for the operator and the regulator): due, overdue, or waiting for the event that starts its clock, with totals")))]
pub async fn amounts_owed(State(ctx): State<Ctx>, actor: Identity) -> ApiResult<Json<AmountsOwed>> {
    Ok(Json(contracts::amounts_owed(&ctx, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/payments", tag = "settlement", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key returns the same response")),
    request_body = PaymentInput,
    responses((status = 200, body = ContractView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "WRONG_COLLECTION_ACCOUNT, PAYMENT_EXCEEDS_OUTSTANDING")))]
pub async fn record_payment(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> ApiResult<Json<ContractView>> {
    let id = positive_id(id, "contract")?;
    let key = match headers.get(idempotency::HEADER) {
        Some(_) => Some(idempotency::key_from_headers(&headers)?),
        None => None,
    };
    Ok(Json(
        contracts::record_payment(&ctx, &actor, id, input, key.as_deref()).await?,
    ))
}

fn optional_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    Ok(match headers.get(idempotency::HEADER) {
        Some(_) => Some(idempotency::key_from_headers(headers)?),
        None => None,
    })
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/disputes", tag = "settlement", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key returns the same response")),
    request_body = NewDispute,
    responses((status = 201, body = ContractView, description = "The disputed part is held back from what is payable and stops accruing interest; the rest stays payable"),
              (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "DISPUTE_EXCEEDS_OUTSTANDING")))]
pub async fn open_dispute(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewDispute>,
) -> ApiResult<(StatusCode, Json<ContractView>)> {
    let id = positive_id(id, "contract")?;
    let key = optional_key(&headers)?;
    Ok((
        StatusCode::CREATED,
        Json(disputes::open(&ctx, &actor, id, input, key.as_deref()).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/disputes/{dispute_id}/{action}", tag = "settlement",
    params(("id" = i64, Path), ("dispute_id" = i64, Path),
           ("action" = DisputeAction, Path, description = "withdraw (the purchaser: the amount is owed, with interest from the due date), accept (the supplier: the amount is deducted) or decide (the operator records the outcome of mediation, arbitration or a court, with `deducted`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key returns the same response")),
    request_body(content = DisputeResolution, description = "Optional for withdraw and accept"),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: the dispute has ended")))]
pub async fn resolve_dispute(
    State(ctx): State<Ctx>,
    DisputeParticipant(actor): DisputeParticipant,
    headers: HeaderMap,
    ApiPath((id, dispute_id, action)): ApiPath<(i64, i64, DisputeAction)>,
    body: Option<ApiJson<DisputeResolution>>,
) -> ApiResult<Json<ContractView>> {
    let id = positive_id(id, "contract")?;
    let dispute_id = positive_id(dispute_id, "dispute")?;
    let key = optional_key(&headers)?;
    let input = body.map(|ApiJson(b)| b).unwrap_or_default();
    Ok(Json(
        disputes::resolve(&ctx, &actor, id, dispute_id, action, input, key.as_deref()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/publish", tag = "settlement", params(("id" = i64, Path)),
    responses((status = 200, body = ContractView, description = "Records the publication date; due within 2 working days of signing"),
              (status = 409, body = ErrorBody)))]
pub async fn publish_contract(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ContractView>> {
    Ok(Json(
        contracts::publish(&ctx, &actor, positive_id(id, "contract")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/milestones", tag = "settlement", params(("id" = i64, Path)),
    request_body = MilestoneInput,
    responses((status = 200, body = ContractView, description = "The milestone is recorded as reached and the instalment's payment clock starts that day; recording it again with the same date changes nothing"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED: no such milestone instalment, or a date before signing or in the future"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: already recorded on another date, or the contract is not active")))]
pub async fn record_milestone(
    State(ctx): State<Ctx>,
    Buyer(actor): Buyer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MilestoneInput>,
) -> ApiResult<Json<ContractView>> {
    let id = positive_id(id, "contract")?;
    Ok(Json(milestones::record(&ctx, &actor, id, input).await?))
}

#[utoipa::path(get, path = "/api/v1/settlement/payment-performance", tag = "settlement",
    responses((status = 200, body = Vec<PaymentPerformance>, description = "Per purchaser: share paid on time, average days to pay, overdue amount, interest owed")))]
pub async fn payment_performance(
    State(ctx): State<Ctx>,
    PerformanceReader(actor): PerformanceReader,
) -> ApiResult<Json<Vec<PaymentPerformance>>> {
    Ok(Json(contracts::payment_performance(&ctx, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/settlement/collection-account", tag = "settlement",
    responses((status = 200, body = CollectionAccount, description = "The supplier's current collection account, named by the contracts it signs from now on"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "none recorded yet")))]
pub async fn get_collection_account(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
) -> ApiResult<Json<CollectionAccount>> {
    contracts::collection_account(&ctx, &actor)
        .await?
        .map(Json)
        .ok_or_else(|| gpmall_platform::ApiError::not_found("collection account"))
}

#[utoipa::path(put, path = "/api/v1/settlement/collection-account", tag = "settlement", request_body = CollectionAccount,
    responses((status = 200, body = CollectionAccount)))]
pub async fn set_collection_account(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiJson(input): ApiJson<CollectionAccount>,
) -> ApiResult<Json<CollectionAccount>> {
    Ok(Json(
        contracts::set_collection_account(&ctx, &actor, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/settlement/reference-rates", tag = "settlement",
    responses((status = 200, body = Vec<ReferenceRate>)))]
pub async fn list_rates(
    State(ctx): State<Ctx>,
    _actor: Identity,
) -> ApiResult<Json<Vec<ReferenceRate>>> {
    Ok(Json(rates::list(&ctx).await?))
}

#[utoipa::path(post, path = "/api/v1/settlement/reference-rates", tag = "settlement", request_body = NewRate,
    responses((status = 201, body = ReferenceRate), (status = 403, body = ErrorBody)))]
pub async fn record_rate(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewRate>,
) -> ApiResult<(StatusCode, Json<ReferenceRate>)> {
    Ok((
        StatusCode::CREATED,
        Json(rates::record(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/settlement/default-terms/{category}", tag = "settlement",
    params(("category" = String, Path)), request_body = PaymentTerms,
    responses((status = 200, body = PaymentTerms), (status = 400, body = ErrorBody, description = "TERMS_INVALID names the clause")))]
pub async fn set_default_terms(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath(category): ApiPath<String>,
    ApiJson(terms): ApiJson<PaymentTerms>,
) -> ApiResult<Json<PaymentTerms>> {
    Ok(Json(
        contracts::set_default_terms(&ctx, &actor, &category, terms).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WarningQuery {
    /// Only open warnings (default true).
    pub open: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/warnings", tag = "settlement", params(WarningQuery),
    responses((status = 200, body = Vec<WarningView>)))]
pub async fn list_warnings(
    State(ctx): State<Ctx>,
    actor: Identity,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<WarningQuery>,
) -> ApiResult<Json<Vec<WarningView>>> {
    Ok(Json(
        warnings::list(
            &ctx,
            &actor,
            query.open.unwrap_or(true),
            Lang::from_headers(&headers),
        )
        .await?,
    ))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ScanResult {
    pub accrual: crate::service::accrual::AccrualSummary,
    pub open_payment_warnings: usize,
    pub overdue_publications: usize,
    pub overdue_signings: usize,
}

#[utoipa::path(post, path = "/api/v1/settlement/scan", tag = "settlement",
    responses((status = 200, body = ScanResult, description = "Runs the payment warning scan now (it also runs periodically)")))]
pub async fn scan_warnings(State(ctx): State<Ctx>, _: Overseer) -> ApiResult<Json<ScanResult>> {
    let accrual = crate::service::accrual::accrue(&ctx.db, ctx.clock.today()).await?;
    let open_payment_warnings = contracts::scan_payment_warnings(&ctx).await?;
    let overdue_publications = contracts::scan_publication_warnings(&ctx).await?;
    let overdue_signings = contracts::scan_signing_warnings(&ctx).await?;
    Ok(Json(ScanResult {
        accrual,
        open_payment_warnings,
        overdue_publications,
        overdue_signings,
    }))
}
