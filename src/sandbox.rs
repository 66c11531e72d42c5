//! The sandbox clock's API, present only in sandbox mode: anyone may read the simulated time
//! (every page shows it in a banner anyway); the operator moves it forward, which runs the
//! time-driven jobs at once so the effect of the move is visible straight away.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::ApiJson;
use gpmall_platform::identity::Identity;
use gpmall_platform::sandbox::{self, MoveClock, SandboxClockView};
use gpmall_platform::{ApiError, ApiResult, Ctx, idempotency};
use gpmall_settlement::service::jobs::{self, JobsReport};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(tags((name = "sandbox", description = "The simulated clock of a sandbox deployment (GPMALL_SANDBOX=true); these routes exist only there")))]
struct SandboxDoc;

/// The routes, for a service running on a sandbox clock.
pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::with_openapi(SandboxDoc::openapi()).routes(routes!(read_clock, move_clock))
}

/// The clock after a move, and what the jobs found when run against it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockMoved {
    pub clock: SandboxClockView,
    pub jobs: JobsReport,
}

fn current(ctx: &Ctx) -> ApiResult<SandboxClockView> {
    sandbox::view(ctx).ok_or_else(|| ApiError::not_found("route"))
}

#[utoipa::path(get, path = "/api/v1/sandbox/clock", tag = "sandbox",
    responses((status = 200, body = SandboxClockView, description = "The simulated time and date every deadline is counted against")))]
pub async fn read_clock(State(ctx): State<Ctx>) -> ApiResult<Json<SandboxClockView>> {
    sandbox::refresh(&ctx).await?;
    Ok(Json(current(&ctx)?))
}

/// Moves the clock forward and runs the jobs against the new time.
pub async fn move_and_run(
    ctx: &Ctx,
    actor: &Identity,
    input: MoveClock,
    key: Option<&str>,
) -> ApiResult<ClockMoved> {
    let clock = sandbox::advance(ctx, actor, input, key).await?;
    let jobs = jobs::run_all(ctx).await?;
    Ok(ClockMoved { clock, jobs })
}

#[utoipa::path(post, path = "/api/v1/sandbox/clock", tag = "sandbox",
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; a retry with the same key does not move the clock twice")),
    request_body(content = MoveClock, description = "`{\"advance_days\": 40}` or `{\"to\": \"2027-01-15\"}`"),
    responses((status = 200, body = ClockMoved, description = "Moved forward; accrual, payment, publication, signing, deposit and guarantee jobs ran against the new time"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED: neither or both, 0 or more than 366 days, or beyond 3650 days ahead of real time"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Operators only"),
              (status = 409, body = ErrorBody, description = "INVALID_TRANSITION: the date is before the simulated today (the clock never moves back)")))]
pub async fn move_clock(
    State(ctx): State<Ctx>,
    actor: Identity,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MoveClock>,
) -> ApiResult<Json<ClockMoved>> {
    let key = match headers.get(idempotency::HEADER) {
        Some(_) => Some(idempotency::key_from_headers(&headers)?),
        None => None,
    };
    Ok(Json(
        move_and_run(&ctx, &actor, input, key.as_deref()).await?,
    ))
}
