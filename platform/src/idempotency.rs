//! Idempotency keys: the key is claimed with `INSERT … ON CONFLICT DO NOTHING` inside the same
//! transaction as the work, and the response is stored before commit. A retry with the same body
//! gets the stored response; the same key with another body is refused with 422.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Set, Statement,
};
use sha2::{Digest, Sha256};

use crate::entity::idempotency_key::{self, Column, Entity};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::pipeline::Row;

pub const HEADER: &str = "idempotency-key";

/// Reads and checks the `Idempotency-Key` header: 1–128 visible ASCII characters.
pub fn key_from_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing = || {
        ApiError::say(
            axum::http::StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_REQUIRED",
            Text::new("msg.idempotency.required"),
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

/// Claims `key` for this request. Fresh: do the work, then `complete`.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim, ApiError> {
    let backend = conn.get_database_backend();
    let inserted = conn
        .execute_raw(claim_statement(backend, user_id, key, request_hash, now))
        .await?
        .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let existing = conn
        .query_one_raw(existing_statement(backend, user_id, key))
        .await?
        .map(Row::Sea);
    let (status, body) = settle_existing(existing.as_ref(), request_hash)?;
    Ok(Claim::Replay { status, body })
}

/// `INSERT … ON CONFLICT DO NOTHING` of the key: one row affected when the key is new.
pub fn claim_statement(
    backend: DbBackend,
    user_id: i64,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Statement {
    let row = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        idempotency_key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response_status: Set(0),
        response_body: Set(String::new()),
        created_at: Set(now),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::IdempotencyKey])
                .do_nothing()
                .to_owned(),
        )
        .build(backend)
}

/// The stored request hash and response of a key that was already claimed.
pub fn existing_statement(backend: DbBackend, user_id: i64, key: &str) -> Statement {
    Entity::find()
        .select_only()
        .columns([
            Column::RequestHash,
            Column::ResponseStatus,
            Column::ResponseBody,
        ])
        .filter(Column::UserId.eq(user_id))
        .filter(Column::IdempotencyKey.eq(key))
        .build(backend)
}

/// What a retried key means, from the row `existing_statement` read: the stored status and
/// body for the same request, 422 for another body, 409 while the first is still running.
pub fn settle_existing(
    existing: Option<&Row>,
    request_hash: &str,
) -> Result<(u16, String), ApiError> {
    let existing = existing.ok_or_else(|| ApiError::internal("idempotency row vanished"))?;
    let stored_hash: String = existing.get("request_hash")?;
    if stored_hash != request_hash {
        return Err(ApiError::say(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            Text::new("msg.idempotency.reused"),
        ));
    }
    let status: i32 = existing.get("response_status")?;
    if status == 0 {
        return Err(ApiError::conflicting(
            "IDEMPOTENCY_IN_PROGRESS",
            Text::new("msg.idempotency.in_progress"),
        ));
    }
    Ok((
        u16::try_from(status).map_err(ApiError::internal)?,
        existing.get("response_body")?,
    ))
}

pub async fn complete<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), ApiError> {
    conn.execute_raw(complete_statement(
        conn.get_database_backend(),
        user_id,
        key,
        status,
        body,
    ))
    .await?;
    Ok(())
}

/// Stores the response of a claimed key.
pub fn complete_statement(
    backend: DbBackend,
    user_id: i64,
    key: &str,
    status: u16,
    body: &str,
) -> Statement {
    Entity::update_many()
        .col_expr(Column::ResponseStatus, i32::from(status).into())
        .col_expr(Column::ResponseBody, body.into())
        .filter(Column::UserId.eq(user_id))
        .filter(Column::IdempotencyKey.eq(key))
        .build(backend)
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
