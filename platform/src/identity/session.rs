//! Login, logout and session lookup. Tokens are random and opaque; only their SHA-256 is
//! stored. Lookups are cached briefly and the cache entry is dropped on logout.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Identity, OrgKind, Role, password};
use crate::context::Ctx;
use crate::db::{query_one, stmt};
use crate::entity::{session, user};
use crate::error::ApiError;
use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Bearer tokens for the JSON API.
    Api,
    /// The web pages' HttpOnly cookie.
    Web,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Api => "api",
            SessionKind::Web => "web",
        }
    }
}

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub identity: Identity,
}

#[derive(Serialize, Deserialize)]
struct CachedSession {
    identity: Identity,
    expires_at: DateTime<Utc>,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cache_key(hash: &str) -> String {
    format!("session:{hash}")
}

/// Checks the password and opens a session. Attempts are limited per username and per client
/// IP before the password is even looked at.
pub async fn login(
    ctx: &Ctx,
    username: &str,
    password_attempt: &str,
    kind: SessionKind,
    client_ip: Option<&str>,
) -> Result<LoginOutcome, ApiError> {
    let username = username.trim();
    if username.is_empty() || password_attempt.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.login.both_required")));
    }
    let limited = |retry: crate::rate_limit::RetryAfter| {
        ApiError::say(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            Text::new("msg.login.rate_limited").arg("seconds", retry.0),
        )
        .with_details(serde_json::json!({ "retry_after_seconds": retry.0 }))
    };
    ctx.login_limiter
        .hit_user(username)
        .await
        .map_err(limited)?;
    if let Some(ip) = client_ip {
        ctx.login_limiter.hit_ip(ip).await.map_err(limited)?;
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&ctx.db)
        .await?;
    let invalid = || {
        ApiError::say(
            axum::http::StatusCode::UNAUTHORIZED,
            "INVALID_CREDENTIALS",
            Text::new("msg.login.invalid"),
        )
    };
    let Some(found) = found.filter(|u| !u.disabled) else {
        // Same work as a real check, so response time does not reveal which usernames exist.
        let _ = tokio::task::spawn_blocking(|| password::hash_password("timing")).await;
        return Err(invalid());
    };
    let phc = found.password_hash.clone();
    let attempt = password_attempt.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify_password(&attempt, &phc))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(invalid());
    }
    // Real time: moving a sandbox clock forward must not end every login.
    let now = ctx.clock.wall_now();
    let token = random_token();
    let expires_at = now + chrono::Duration::from_std(ctx.settings.session_ttl).unwrap_or_default();
    session::ActiveModel {
        user_id: Set(found.id),
        token_hash: Set(token_hash(&token)),
        csrf_token: Set(random_token()),
        kind: Set(kind.as_str().to_owned()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    let identity = authenticate(ctx, &token, kind)
        .await?
        .ok_or_else(|| ApiError::internal("new session not found"))?;
    Ok(LoginOutcome {
        token,
        expires_at,
        identity,
    })
}

/// Resolves a token to its identity, or `None` when unknown, expired, revoked or of the other kind.
pub async fn authenticate(
    ctx: &Ctx,
    token: &str,
    kind: SessionKind,
) -> Result<Option<Identity>, ApiError> {
    let hash = token_hash(token);
    let now = ctx.clock.wall_now();
    let key = cache_key(&hash);
    if let Some(cached) = ctx.cache.get(&key).await
        && let Ok(cached) = serde_json::from_str::<CachedSession>(&cached)
    {
        return Ok((cached.expires_at > now).then_some(cached.identity));
    }
    let row = query_one(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            "SELECT s.id AS session_id, s.csrf_token, s.expires_at, u.id AS user_id, u.username, \
             u.display_name, u.roles, o.id AS org_id, o.name AS org_name, o.kind AS org_kind \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.org_id \
             WHERE s.token_hash = ? AND s.kind = ? AND s.revoked_at IS NULL AND u.disabled = ?",
            [hash.clone().into(), kind.as_str().into(), false.into()],
        ),
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: DateTime<Utc> = row.try_get("", "expires_at")?;
    if expires_at <= now {
        return Ok(None);
    }
    let org_kind: String = row.try_get("", "org_kind")?;
    let roles: String = row.try_get("", "roles")?;
    let identity = Identity {
        user_id: row.try_get("", "user_id")?,
        username: row.try_get("", "username")?,
        display_name: row.try_get("", "display_name")?,
        org_id: row.try_get("", "org_id")?,
        org_name: row.try_get("", "org_name")?,
        org_kind: OrgKind::parse(&org_kind)
            .ok_or_else(|| ApiError::internal(format!("unknown org kind {org_kind}")))?,
        roles: Role::parse_list(&roles),
        session_id: row.try_get("", "session_id")?,
        csrf_token: row.try_get("", "csrf_token")?,
    };
    let cached = CachedSession {
        identity: identity.clone(),
        expires_at,
    };
    if let Ok(json) = serde_json::to_string(&cached) {
        ctx.cache.set(&key, &json, Duration::from_secs(60)).await;
    }
    Ok(Some(identity))
}

/// Revokes the session behind `token`.
pub async fn logout(ctx: &Ctx, token: &str) -> Result<(), ApiError> {
    let hash = token_hash(token);
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(ctx.clock.wall_now()),
        )
        .filter(session::Column::TokenHash.eq(hash.clone()))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&ctx.db)
        .await?;
    ctx.cache.delete(&cache_key(&hash)).await;
    Ok(())
}
