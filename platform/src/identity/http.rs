//! Authentication endpoints: login, logout, and who am I.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::{self, SessionKind};
use super::{Identity, OrgKind, Role};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PeerAddr};
use crate::{ApiError, Ctx};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Opaque bearer token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The client's address: when the service is configured to trust its load balancer, the last
/// `X-Forwarded-For` hop (the address the load balancer saw; earlier hops are whatever the client
/// sent and prove nothing), else the socket's peer.
pub fn client_ip(ctx: &Ctx, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<String> {
    if ctx.settings.trust_forwarded_for
        && let Some(last) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|hop| !hop.is_empty())
    {
        return Some(last.to_owned());
    }
    peer.map(|p| p.ip().to_string())
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = ErrorBody, description = "INVALID_CREDENTIALS"),
              (status = 429, body = ErrorBody, description = "RATE_LIMITED")))]
pub async fn login(
    State(ctx): State<Ctx>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let ip = client_ip(&ctx, &headers, peer);
    let outcome = session::login(
        &ctx,
        &input.username,
        &input.password,
        SessionKind::Api,
        ip.as_deref(),
    )
    .await?;
    Ok(Json(LoginResponse {
        token: outcome.token,
        expires_at: outcome.expires_at,
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "The token no longer works")))]
pub async fn logout(
    State(ctx): State<Ctx>,
    _actor: Identity,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = super::bearer_token(&headers).ok_or_else(ApiError::unauthenticated)?;
    session::logout(&ctx, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me)))]
pub async fn me(actor: Identity) -> Json<Me> {
    Json(Me {
        user_id: actor.user_id,
        username: actor.username,
        display_name: actor.display_name,
        org_id: actor.org_id,
        org_name: actor.org_name,
        org_kind: actor.org_kind,
        roles: actor.roles,
    })
}
