//! The sandbox clock's offset, kept in the database: read into the [`SandboxClock`] before
//! every request and every job run (so instances agree and restarts keep it), moved forward
//! by the operator in whole days. It never moves back: data recorded at a simulated date would
//! otherwise lie in the future.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditEntry};
use crate::clock::{Clock, SandboxClock};
use crate::db::{execute, query_one, stmt};
use crate::i18n::Text;
use crate::identity::{Identity, Role};
use crate::{ApiError, Ctx, idempotency};

/// The most days one move goes forward (and the furthest a `to` date may lie ahead).
pub const MAX_MOVE_DAYS: i64 = 366;
/// The furthest the simulated time may run ahead of real time, in days.
pub const MAX_OFFSET_DAYS: i64 = 3650;
const DAY_SECONDS: i64 = 86_400;

/// The sandbox clock as a client sees it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SandboxClockView {
    /// Simulated time now.
    pub now: DateTime<Utc>,
    /// The simulated business date in Chongqing: what every deadline is counted against.
    pub today: NaiveDate,
    /// Real time now.
    pub real_now: DateTime<Utc>,
    /// Whole days the simulated time runs ahead of real time.
    pub offset_days: i64,
}

/// A move of the sandbox clock: exactly one of the two.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveClock {
    /// Move forward this many days (1 to 366).
    #[serde(default)]
    pub advance_days: Option<i64>,
    /// Move forward to this simulated date (`YYYY-MM-DD`, today or at most 366 days ahead).
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// The offset stored in the database, in seconds (0 on a database never run in sandbox mode).
pub async fn stored_offset<C: ConnectionTrait>(conn: &C) -> Result<i64, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT offset_seconds FROM sandbox_clock WHERE id = 1",
            [],
        ),
    )
    .await?;
    Ok(match row {
        Some(row) => row.try_get("", "offset_seconds")?,
        None => 0,
    })
}

/// Brings the sandbox clock up to the stored offset; nothing outside sandbox mode.
pub async fn refresh(ctx: &Ctx) -> Result<(), ApiError> {
    if let Some(clock) = ctx.clock.sandbox() {
        clock.observe(stored_offset(&ctx.db).await?);
    }
    Ok(())
}

/// The clock's state, in sandbox mode.
pub fn view(ctx: &Ctx) -> Option<SandboxClockView> {
    ctx.clock.sandbox().map(view_of)
}

fn view_of(clock: &SandboxClock) -> SandboxClockView {
    SandboxClockView {
        now: clock.now(),
        today: clock.today(),
        real_now: clock.wall_now(),
        offset_days: clock.offset().num_days(),
    }
}

fn refuse(status: StatusCode, code: &'static str, text: Text) -> ApiError {
    ApiError::say(status, code, text)
}

/// The operator moves the clock forward. Outside sandbox mode there is no such thing (404).
/// A retry with the same `Idempotency-Key` does not move it twice.
pub async fn advance(
    ctx: &Ctx,
    actor: &Identity,
    input: MoveClock,
    idempotency_key: Option<&str>,
) -> Result<SandboxClockView, ApiError> {
    let Some(clock) = ctx.clock.sandbox() else {
        return Err(ApiError::not_found("route"));
    };
    actor.require_role(Role::Operator)?;
    if input.advance_days.is_some() == input.to.is_some() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.sandbox.one_of"),
        )
        .with_details(serde_json::json!({"field": "advance_days"})));
    }
    let txn = ctx.db.begin().await?;
    if let Some(done) = idempotency::replay(
        &txn,
        actor.user_id,
        idempotency_key,
        &input,
        clock.wall_now(),
    )
    .await?
    {
        return Ok(done);
    }
    let current = stored_offset(&txn).await?;
    clock.observe(current);
    let today = clock.today();
    let days = match (input.advance_days, input.to) {
        (Some(days), _) => days,
        (None, Some(to)) if to < today => {
            return Err(refuse(
                StatusCode::CONFLICT,
                "INVALID_TRANSITION",
                Text::new("msg.sandbox.backwards")
                    .arg("today", today)
                    .arg("to", to),
            ));
        }
        (None, Some(to)) => (to - today).num_days(),
        (None, None) => 0,
    };
    let zero_allowed = input.to.is_some();
    if !(0..=MAX_MOVE_DAYS).contains(&days) || (days == 0 && !zero_allowed) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.sandbox.days_range")
                .arg("max", MAX_MOVE_DAYS)
                .arg("days", days),
        )
        .with_details(
            serde_json::json!({"field": if zero_allowed { "to" } else { "advance_days" }}),
        ));
    }
    let next = current + days * DAY_SECONDS;
    if next > MAX_OFFSET_DAYS * DAY_SECONDS {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.sandbox.too_far").arg("max", MAX_OFFSET_DAYS),
        ));
    }
    if days > 0 {
        let changed = execute(
            &txn,
            stmt(
                txn.get_database_backend(),
                "UPDATE sandbox_clock SET offset_seconds = ?, updated_at = ?, updated_by = ? \
                 WHERE id = 1 AND offset_seconds = ?",
                [
                    next.into(),
                    clock.wall_now().into(),
                    actor.user_id.into(),
                    current.into(),
                ],
            ),
        )
        .await?;
        if changed != 1 {
            return Err(refuse(
                StatusCode::CONFLICT,
                "INVALID_TRANSITION",
                Text::new("msg.sandbox.moved_meanwhile"),
            ));
        }
        let moved_to = today + Duration::days(days);
        audit::record(
            &txn,
            AuditEntry {
                actor: Some(actor),
                action: "sandbox.clock_moved",
                subject_type: "sandbox_clock",
                subject_id: "1".to_owned(),
                before: Some(
                    serde_json::json!({"today": today, "offset_days": current / DAY_SECONDS}),
                ),
                after: Some(
                    serde_json::json!({"today": moved_to, "offset_days": next / DAY_SECONDS}),
                ),
            },
            clock.now(),
        )
        .await?;
    }
    let after = SandboxClockView {
        offset_days: next / DAY_SECONDS,
        today: today + Duration::days(days),
        now: clock.now() + Duration::seconds(next - current),
        real_now: clock.wall_now(),
    };
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &after).await?;
    txn.commit().await?;
    clock.observe(next);
    Ok(after)
}
