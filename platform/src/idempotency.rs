//! Idempotency keys: the key is claimed with `INSERT … ON CONFLICT DO NOTHING` inside the same
//! transaction as the work, and the response is stored before commit. A retry with the same body
//! gets the stored response; the same key with another body is refused with 422.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::entity::idempotency_key::{self, Column, Entity};
use crate::error::ApiError;

pub const HEADER: &str = "idempotency-key";

/// Reads and checks the `Idempotency-Key` header: 1–128 visible ASCII characters.
pub fn key_from_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing = || {
        ApiError::bad_request(
            "IDEMPOTENCY_KEY_REQUIRED",
            "send an `Idempotency-Key` header of 1–128 visible ASCII characters, unique per intended order",
        )
    };
    let value = headers.get(HEADER).ok_or_else(missing)?;
    let key = value.to_str().map_err(|_| missing())?.trim();
    if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(missing());
    }
    Ok(key.to_owned())
}

/// Fingerprint of a request body, from its canonical JSON.
pub fn request_hash(canonical: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

pub enum Claim {
    /// First use: do the work, then `complete`.
    Fresh,
    /// Same key, same body: answer with the stored response.
    Replay { status: u16, body: String },
}

pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim, ApiError> {
    let row = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        idempotency_key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response_status: Set(0),
        response_body: Set(String::new()),
        created_at: Set(now),
    };
    let inserted = Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::IdempotencyKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let existing = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("idempotency row vanished"))?;
    if existing.request_hash != request_hash {
        return Err(ApiError::unprocessable(
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was already used with a different request body; use a new key for a new request",
        ));
    }
    if existing.response_status == 0 {
        return Err(ApiError::conflict(
            "IDEMPOTENCY_IN_PROGRESS",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        ));
    }
    Ok(Claim::Replay {
        status: existing.response_status as u16,
        body: existing.response_body,
    })
}

pub async fn complete<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), ApiError> {
    Entity::update_many()
        .col_expr(Column::ResponseStatus, i32::from(status).into())
        .col_expr(Column::ResponseBody, body.into())
        .filter(Column::UserId.eq(user_id))
        .filter(Column::IdempotencyKey.eq(key))
        .exec(conn)
        .await?;
    Ok(())
}

/// For an optional key: claims it for `request` (hashed) and returns the stored response of an
/// earlier identical request, if there was one. Call inside the transaction that does the work.
pub async fn replay<C, R, T>(
    conn: &C,
    user_id: i64,
    key: Option<&str>,
    request: &R,
    now: DateTime<Utc>,
) -> Result<Option<T>, ApiError>
where
    C: ConnectionTrait,
    R: serde::Serialize,
    T: serde::de::DeserializeOwned,
{
    let Some(key) = key else { return Ok(None) };
    match claim(conn, user_id, key, &request_hash(request), now).await? {
        Claim::Replay { body, .. } => serde_json::from_str(&body)
            .map(Some)
            .map_err(ApiError::internal),
        Claim::Fresh => Ok(None),
    }
}

/// For an optional key: stores `response` as the answer to retries (before commit).
pub async fn store<C: ConnectionTrait, T: serde::Serialize>(
    conn: &C,
    user_id: i64,
    key: Option<&str>,
    status: u16,
    response: &T,
) -> Result<(), ApiError> {
    let Some(key) = key else { return Ok(()) };
    let body = serde_json::to_string(response).map_err(ApiError::internal)?;
    complete(conn, user_id, key, status, &body).await
}
