//! The daily scan of letters in force: those past their last valid day expire, those within
//! the warning window raise `guarantee_expiring`.

use chrono::{Days, NaiveDate};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{query_all, stmt};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::letters::{LETTER_SELECT, letter_view, load_by_id};
use super::register::warn_if_expiring;
use super::{EXPIRING_RULE, SUBJECT};
use crate::domain::guarantee::{self, EXPIRY_WARNING_DAYS, LetterEvent, LetterStatus, Validity};
use crate::entity::guarantee_letter;
use crate::service::warnings;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuaranteeScan {
    /// Letters in force within the warning window, each with an open `guarantee_expiring` warning.
    pub expiring: usize,
    /// Letters marked expired by this run.
    pub expired: usize,
}

/// Expires letter `id` if its validity has ended; returns whether this run expired it.
async fn expire_one(ctx: &Ctx, id: i64, today: NaiveDate) -> Result<bool, ApiError> {
    use guarantee_letter::Column as G;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_by_id(&txn, id, today).await?;
    let validity = Validity {
        from: letter.valid_from,
        until: letter.valid_until,
    };
    let Ok(next) = guarantee::transition(letter.status, LetterEvent::Expire, validity, today)
    else {
        return Ok(false);
    };
    let changed = guarantee_letter::Entity::update_many()
        .col_expr(G::Status, Expr::value(next.as_str()))
        .col_expr(G::ExpiredOn, Expr::value(today.to_string()))
        .filter(G::Id.eq(id))
        .filter(G::Status.eq(letter.status.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Ok(false);
    }
    warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: None,
            action: "guarantee_letter.expired",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(serde_json::json!({"status": letter.status})),
            after: Some(serde_json::json!({"status": next, "valid_until": letter.valid_until})),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Marks letters in force whose validity has ended as expired (resolving their expiry
/// warnings) and raises `guarantee_expiring` for letters in force that end within
/// [`EXPIRY_WARNING_DAYS`] days: responsible the applicant supplier, counterparty the
/// beneficiary. Idempotent; run it daily with the other settlement scans.
#[tracing::instrument(skip_all)]
pub async fn scan_guarantee_warnings(ctx: &Ctx) -> Result<GuaranteeScan, ApiError> {
    use guarantee_letter::Column as G;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let today_text = today.to_string();
    let ended = guarantee_letter::Entity::find()
        .filter(G::Status.eq(LetterStatus::Verified.as_str()))
        .filter(G::ValidUntil.lt(today_text.clone()))
        .all(&ctx.db)
        .await?;
    let mut scan = GuaranteeScan::default();
    for letter in &ended {
        if expire_one(ctx, letter.id, today).await? {
            scan.expired += 1;
        }
    }
    let horizon = today
        .checked_add_days(Days::new(EXPIRY_WARNING_DAYS as u64))
        .unwrap_or(today);
    let expiring = query_all(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            &format!(
                "{LETTER_SELECT} WHERE l.status = 'verified' AND l.valid_until >= ? AND l.valid_until <= ? ORDER BY l.id"
            ),
            [today_text.into(), horizon.to_string().into()],
        ),
    )
    .await?;
    for row in &expiring {
        let letter = letter_view(row, today)?;
        if warn_if_expiring(&ctx.db, &letter, today, now).await? {
            scan.expiring += 1;
        }
    }
    Ok(scan)
}
