//! Budget line endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, positive_id};
use gpmall_platform::identity::guard::{BudgetKeeper, PurchaserStaff};
use gpmall_platform::{ApiResult, Ctx};

use crate::service::budgets::{self, BudgetAdjustment, BudgetLineView, NewBudgetLine};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BudgetList {
    pub items: Vec<BudgetLineView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[utoipa::path(get, path = "/api/v1/budgets", tag = "budgets",
    responses((status = 200, body = BudgetList, description = "The caller's unit's budget lines")))]
pub async fn list_budgets(
    State(ctx): State<Ctx>,
    PurchaserStaff(actor): PurchaserStaff,
) -> ApiResult<Json<BudgetList>> {
    let items = budgets::list(&ctx, &actor).await?;
    let total = items.len() as u64;
    Ok(Json(BudgetList {
        items,
        total,
        page: 1,
        per_page: total.max(1),
    }))
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
