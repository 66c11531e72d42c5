//! Guarantee letter endpoints: issuers (operator), registration with signature verification
//! (applicant supplier), release and claims (beneficiary), claim results (operator), the expiry
//! scan.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::identity::Identity;
use gpmall_platform::identity::guard::{Operator, Overseer, PurchaserStaff, Seller};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::guarantee::LetterStatus;
use crate::service::guarantees::{
    self, ClaimInput, ClaimResultInput, GuaranteeScan, IssuerView, LetterView, NewIssuer,
    NewLetter, ReleaseInput,
};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_issuers, register_issuer))
        .routes(routes!(list_letters, register_letter))
        .routes(routes!(scan))
        .routes(routes!(get_letter))
        .routes(routes!(release))
        .routes(routes!(claim))
        .routes(routes!(claim_result))
}

#[utoipa::path(get, path = "/api/v1/guarantee-issuers", tag = "guarantees",
    responses((status = 200, body = Vec<IssuerView>, description = "Registered issuers and their public keys")))]
pub async fn list_issuers(
    State(ctx): State<Ctx>,
    _actor: Identity,
) -> ApiResult<Json<Vec<IssuerView>>> {
    Ok(Json(guarantees::list_issuers(&ctx).await?))
}

#[utoipa::path(post, path = "/api/v1/guarantee-issuers", tag = "guarantees", request_body = NewIssuer,
    responses((status = 201, body = IssuerView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "ISSUER_EXISTS"),
              (status = 422, body = ErrorBody, description = "KEY_INVALID: the key is not a PEM public key of the algorithm")))]
pub async fn register_issuer(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiJson(input): ApiJson<NewIssuer>,
) -> ApiResult<(StatusCode, Json<IssuerView>)> {
    Ok((
        StatusCode::CREATED,
        Json(guarantees::register_issuer(&ctx, &actor, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LetterQuery {
    pub status: Option<LetterStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/guarantee-letters", tag = "guarantees", params(LetterQuery),
    responses((status = 200, body = ListResponse<LetterView>,
        description = "The applicant supplier's own letters, those in a purchasing unit's favour, or all for the operator and the regulator; soonest expiry first")))]
pub async fn list_letters(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiQuery(query): ApiQuery<LetterQuery>,
) -> ApiResult<Json<ListResponse<LetterView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(
        guarantees::list(&ctx, &actor, query.status, page).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/guarantee-letters", tag = "guarantees", request_body = NewLetter,
    responses((status = 201, body = LetterView, description = "The signature verified; the letter is registered as verified"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED names the field"),
              (status = 403, body = ErrorBody, description = "only the applicant supplier registers its letters"),
              (status = 409, body = ErrorBody, description = "LETTER_EXISTS"),
              (status = 422, body = ErrorBody, description = "SIGNATURE_INVALID: the content or signature does not match the issuer's key; ISSUER_NOT_REGISTERED")))]
pub async fn register_letter(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiJson(input): ApiJson<NewLetter>,
) -> ApiResult<(StatusCode, Json<LetterView>)> {
    Ok((
        StatusCode::CREATED,
        Json(guarantees::register_letter(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/guarantee-letters/{id}", tag = "guarantees", params(("id" = i64, Path)),
    responses((status = 200, body = LetterView), (status = 404, body = ErrorBody)))]
pub async fn get_letter(
    State(ctx): State<Ctx>,
    actor: Identity,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<LetterView>> {
    Ok(Json(
        guarantees::get(&ctx, &actor, positive_id(id, "guarantee letter")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/guarantee-letters/{id}/release", tag = "guarantees", params(("id" = i64, Path)),
    request_body(content = Option<ReleaseInput>, description = "Optional; a note on why the obligation ended"),
    responses((status = 200, body = LetterView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: the letter is not in force")))]
pub async fn release(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    ApiPath(id): ApiPath<i64>,
    input: Option<ApiJson<ReleaseInput>>,
) -> ApiResult<Json<LetterView>> {
    let id = positive_id(id, "guarantee letter")?;
    let input = input.map(|ApiJson(i)| i).unwrap_or_default();
    Ok(Json(guarantees::release(&ctx, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/v1/guarantee-letters/{id}/claim", tag = "guarantees", params(("id" = i64, Path)),
    request_body = ClaimInput,
    responses((status = 200, body = LetterView, description = "The claim is recorded; the letter is claimed"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED: amount above the letter's, or no reason"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: outside the validity, or not in force")))]
pub async fn claim(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ClaimInput>,
) -> ApiResult<Json<LetterView>> {
    let id = positive_id(id, "guarantee letter")?;
    Ok(Json(guarantees::claim(&ctx, &actor, id, input).await?))
}

#[utoipa::path(post, path = "/api/v1/guarantee-letters/{id}/claim-result", tag = "guarantees", params(("id" = i64, Path)),
    request_body = ClaimResultInput,
    responses((status = 200, body = LetterView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: no claim awaits an answer")))]
pub async fn claim_result(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ClaimResultInput>,
) -> ApiResult<Json<LetterView>> {
    let id = positive_id(id, "guarantee letter")?;
    Ok(Json(
        guarantees::record_claim_result(&ctx, &actor, id, input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/guarantee-letters/scan", tag = "guarantees",
    responses((status = 200, body = GuaranteeScan, description = "Runs the expiry scan now (it is idempotent; run it daily)"),
              (status = 403, body = ErrorBody)))]
pub async fn scan(State(ctx): State<Ctx>, _: Overseer) -> ApiResult<Json<GuaranteeScan>> {
    Ok(Json(guarantees::scan_guarantee_warnings(&ctx).await?))
}
