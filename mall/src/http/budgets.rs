//! Budget line endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::identity::guard::{BudgetKeeper, BudgetReader, Overseer};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx};
use serde::Deserialize;

use crate::service::budgets::{
    self, BudgetAdjustment, BudgetFilter, BudgetLineDetail, BudgetLineView, NewBudgetLine,
    PurchasingUnit,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BudgetQuery {
    /// One purchasing unit (operator and regulator; a unit's staff always see their own).
    pub org_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/budgets", tag = "budgets", params(BudgetQuery),
    responses((status = 200, body = ListResponse<BudgetLineView>, description = "Budget lines \
        with what is left: the caller's unit's, or every unit's for the operator and the \
        regulator; newest year first"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list_budgets(
    State(ctx): State<Ctx>,
    BudgetReader(actor): BudgetReader,
    ApiQuery(query): ApiQuery<BudgetQuery>,
) -> ApiResult<Json<ListResponse<BudgetLineView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    let filter = BudgetFilter {
        org_id: query.org_id,
        fiscal_year: query.fiscal_year,
    };
    Ok(Json(budgets::search(&ctx, &actor, filter, page).await?))
}

#[utoipa::path(get, path = "/api/v1/budgets/{id}", tag = "budgets", params(("id" = i64, Path)),
    responses((status = 200, body = BudgetLineDetail, description = "The line with its \
        adjustments, newest first"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_budget(
    State(ctx): State<Ctx>,
    BudgetReader(actor): BudgetReader,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BudgetLineDetail>> {
    let id = positive_id(id, "budget line")?;
    Ok(Json(budgets::detail(&ctx, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/purchasing-units", tag = "budgets",
    responses((status = 200, body = Vec<PurchasingUnit>, description = "Every purchasing unit by \
        name (operator and regulator)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn purchasing_units(
    State(ctx): State<Ctx>,
    Overseer(actor): Overseer,
) -> ApiResult<Json<Vec<PurchasingUnit>>> {
    Ok(Json(budgets::purchasing_units(&ctx, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/budgets", tag = "budgets", request_body = NewBudgetLine,
    responses((status = 201, body = BudgetLineView), (status = 403, body = ErrorBody)))]
pub async fn create_budget(
    State(ctx): State<Ctx>,
    BudgetKeeper(actor): BudgetKeeper,
    ApiJson(input): ApiJson<NewBudgetLine>,
) -> ApiResult<(StatusCode, Json<BudgetLineView>)> {
    Ok((
        StatusCode::CREATED,
        Json(budgets::create(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/budgets/{id}/adjustments", tag = "budgets",
    params(("id" = i64, Path)), request_body = BudgetAdjustment,
    responses((status = 200, body = BudgetLineView), (status = 409, body = ErrorBody)))]
pub async fn adjust_budget(
    State(ctx): State<Ctx>,
    BudgetKeeper(actor): BudgetKeeper,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<BudgetAdjustment>,
) -> ApiResult<Json<BudgetLineView>> {
    let id = positive_id(id, "budget line")?;
    Ok(Json(budgets::adjust(&ctx, &actor, id, input).await?))
}
