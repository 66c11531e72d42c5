//! Deposit endpoints: procurement procedures and their events, bid/response deposits,
//! performance deposits on contracts, refunds, and the deposit list for every party.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::identity::Identity;
use gpmall_platform::identity::guard::{DepositKeeper, Overseer, ProcedureKeeper, PurchaserStaff};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::deposits::{DepositKind, DepositStatus};
use crate::service::deposits::{
    self, DepositFilter, DepositView, EventInput, ForfeitInput, NewDeposit, NewPerformanceDeposit,
    NewProcedure, ProcedureView, RefundInput,
};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_procedures, register_procedure))
        .routes(routes!(get_procedure))
        .routes(routes!(record_deposit))
        .routes(routes!(record_event))
        .routes(routes!(list_deposits))
        .routes(routes!(get_deposit))
        .routes(routes!(refund_deposit))
        .routes(routes!(forfeit_deposit))
        .routes(routes!(record_performance_deposit))
        .routes(routes!(scan_deposits))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProcedureQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/procedures", tag = "deposits", params(ProcedureQuery),
    responses((status = 200, body = ListResponse<ProcedureView>, description = "The procedures the caller may see")))]
pub async fn list_procedures(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiQuery(query): ApiQuery<ProcedureQuery>,
) -> ApiResult<Json<ListResponse<ProcedureView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(deposits::list_procedures(&ctx, &actor, page).await?))
}

#[utoipa::path(post, path = "/api/v1/procedures", tag = "deposits", request_body = NewProcedure,
    responses((status = 201, body = ProcedureView),
              (status = 400, body = ErrorBody, description = "DEPOSIT_ABOVE_CAP (the deposit exceeds 2% of the budget; the message names the cap), VALIDATION_FAILED"),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "PROCEDURE_EXISTS")))]
pub async fn register_procedure(
    State(ctx): State<Ctx>,
    ProcedureKeeper(actor): ProcedureKeeper,
    ApiJson(input): ApiJson<NewProcedure>,
) -> ApiResult<(StatusCode, Json<ProcedureView>)> {
    Ok((
        StatusCode::CREATED,
        Json(deposits::register_procedure(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "deposits", params(("id" = i64, Path)),
    responses((status = 200, body = ProcedureView, description = "With its deposits (a supplier sees its own) and events"),
              (status = 404, body = ErrorBody)))]
pub async fn get_procedure(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProcedureView>> {
    Ok(Json(
        deposits::get_procedure(&ctx, &actor, positive_id(id, "procedure")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/procedures/{id}/deposits", tag = "deposits", params(("id" = i64, Path)),
    request_body = NewDeposit,
    responses((status = 201, body = DepositView),
              (status = 400, body = ErrorBody, description = "DEPOSIT_FORM_NOT_ALLOWED (cash), DEPOSIT_AMOUNT_MISMATCH, VALIDATION_FAILED"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "DEPOSIT_EXISTS, DEPOSIT_NOT_REQUIRED, INVALID_TRANSITION")))]
pub async fn record_deposit(
    State(ctx): State<Ctx>,
    DepositKeeper(actor): DepositKeeper,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewDeposit>,
) -> ApiResult<(StatusCode, Json<DepositView>)> {
    let id = positive_id(id, "procedure")?;
    Ok((
        StatusCode::CREATED,
        Json(deposits::record_deposit(&ctx, &actor, id, input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/procedures/{id}/events", tag = "deposits", params(("id" = i64, Path)),
    request_body(content = EventInput, description = "`{\"event\":\"withdrawal\",\"supplier_id\",\"on\"}`, `{\"event\":\"award_notice\",\"winner_supplier_id\",\"on\"}`, `{\"event\":\"contract_signed\",\"on\",\"convert_winner_deposit\"}` or `{\"event\":\"terminated\",\"on\",\"reason\"}`"),
    responses((status = 200, body = ProcedureView, description = "The deposits released carry their refund trigger and deadline (5 working days)"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION")))]
pub async fn record_event(
    State(ctx): State<Ctx>,
    ProcedureKeeper(actor): ProcedureKeeper,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<Json<ProcedureView>> {
    let id = positive_id(id, "procedure")?;
    Ok(Json(deposits::record_event(&ctx, &actor, id, input).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DepositQuery {
    pub status: Option<DepositStatus>,
    pub kind: Option<DepositKind>,
    pub procedure_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/deposits", tag = "deposits", params(DepositQuery),
    responses((status = 200, body = ListResponse<DepositView>,
        description = "A purchaser's deposits held, a supplier's deposits paid, all for the operator and the regulator: with refund trigger, deadline, days late and interest owed today")))]
pub async fn list_deposits(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiQuery(query): ApiQuery<DepositQuery>,
) -> ApiResult<Json<ListResponse<DepositView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    let filter = DepositFilter {
        status: query.status,
        kind: query.kind,
        procedure_id: query.procedure_id,
    };
    Ok(Json(
        deposits::list_deposits(&ctx, &actor, filter, page).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/deposits/{id}", tag = "deposits", params(("id" = i64, Path)),
    responses((status = 200, body = DepositView), (status = 404, body = ErrorBody)))]
pub async fn get_deposit(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DepositView>> {
    Ok(Json(
        deposits::get_deposit(&ctx, &actor, positive_id(id, "deposit")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/deposits/{id}/forfeit", tag = "deposits", params(("id" = i64, Path)),
    request_body = ForfeitInput,
    responses((status = 200, body = DepositView, description = "Forfeited for one of the cases agreed in the contract's performance deposit clause"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: a bid deposit, or the deposit is due back, refunded or already forfeited"),
              (status = 422, body = ErrorBody, description = "FORFEITURE_CASE_NOT_AGREED")))]
pub async fn forfeit_deposit(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ForfeitInput>,
) -> ApiResult<Json<DepositView>> {
    let id = positive_id(id, "deposit")?;
    Ok(Json(deposits::forfeit(&ctx, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/v1/deposits/{id}/refund", tag = "deposits", params(("id" = i64, Path)),
    request_body = RefundInput,
    responses((status = 200, body = DepositView, description = "Refunded, with the days late and the late-refund interest"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: no refund trigger yet, or already refunded or converted")))]
pub async fn refund_deposit(
    State(ctx): State<Ctx>,
    DepositKeeper(actor): DepositKeeper,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RefundInput>,
) -> ApiResult<Json<DepositView>> {
    let id = positive_id(id, "deposit")?;
    Ok(Json(deposits::refund(&ctx, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/performance-deposit", tag = "deposits", params(("id" = i64, Path)),
    request_body = NewPerformanceDeposit,
    responses((status = 201, body = DepositView, description = "Due back the agreed number of days after the contract's acceptance"),
              (status = 400, body = ErrorBody, description = "DEPOSIT_ABOVE_CAP (above 10% of the contract), DEPOSIT_FORM_NOT_ALLOWED"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "DEPOSIT_EXISTS, INVALID_TRANSITION")))]
pub async fn record_performance_deposit(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewPerformanceDeposit>,
) -> ApiResult<(StatusCode, Json<DepositView>)> {
    let id = positive_id(id, "contract")?;
    Ok((
        StatusCode::CREATED,
        Json(deposits::record_performance_deposit(&ctx, &actor, id, input).await?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DepositScanResult {
    pub open_deposit_warnings: usize,
}

#[utoipa::path(post, path = "/api/v1/deposits/scan", tag = "deposits",
    responses((status = 200, body = DepositScanResult, description = "Raises and resolves the overdue-refund and provisional-deadline warnings now")))]
pub async fn scan_deposits(
    State(ctx): State<Ctx>,
    _: Overseer,
) -> ApiResult<Json<DepositScanResult>> {
    Ok(Json(DepositScanResult {
        open_deposit_warnings: deposits::scan_deposit_warnings(&ctx).await?,
    }))
}
