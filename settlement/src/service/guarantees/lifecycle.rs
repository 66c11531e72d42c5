//! A letter's life after registration: the beneficiary releases it or claims under it, and the
//! operator records the issuer's answer to a claim. Each change goes through the one transition
//! function and one guarded update.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::repo::change_one;
use gpmall_platform::text::clean_note;
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait, UpdateMany,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::letters::{LetterView, load_by_id, load_visible};
use super::{EXPIRING_RULE, SUBJECT};
use crate::domain::guarantee::{self, LetterEvent, LetterStatus, Validity};
use crate::entity::guarantee_letter;
use crate::error::{Guarded, SettlementError, changed_meanwhile};
use crate::service::warnings;

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// Why the obligation ended, e.g. "合同已签订" or "未中标".
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// At most the letter's amount.
    pub amount: Money,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimResultInput {
    /// Whether the issuer paid the claim.
    pub paid: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// A note of at most 500 characters, or none when empty.
fn optional_note(note: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(note
        .map(|n| clean_note("field.note", n, 500))
        .transpose()?
        .filter(|n| !n.is_empty()))
}

/// Loads a letter the actor can see and checks the actor is its beneficiary purchasing unit.
async fn load_as_beneficiary<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
    today: NaiveDate,
) -> Result<LetterView, ApiError> {
    let letter = load_visible(conn, actor, id, today).await?;
    if actor.org_kind != OrgKind::Purchaser || letter.beneficiary_org_id != actor.org_id {
        return Err(ApiError::refused(Text::new(
            "msg.guarantee.beneficiary_only",
        )));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    Ok(letter)
}

fn validity_of(letter: &LetterView) -> Validity {
    Validity {
        from: letter.valid_from,
        until: letter.valid_until,
    }
}

/// The status `event` takes the letter to today, or the refusal.
fn next_status(
    letter: &LetterView,
    event: LetterEvent,
    today: NaiveDate,
) -> Result<LetterStatus, ApiError> {
    guarantee::transition(letter.status, event, validity_of(letter), today)
        .map_err(|e| SettlementError::from(e).into())
}

/// The guarded update of a letter's status from the one it was read in; `set` adds the
/// columns the event records.
fn status_update(
    letter: &LetterView,
    next: LetterStatus,
    set: impl FnOnce(UpdateMany<guarantee_letter::Entity>) -> UpdateMany<guarantee_letter::Entity>,
) -> UpdateMany<guarantee_letter::Entity> {
    use guarantee_letter::Column as G;
    set(guarantee_letter::Entity::update_many()
        .col_expr(G::Status, Expr::value(next.as_str()))
        .filter(G::Id.eq(letter.id))
        .filter(G::Status.eq(letter.status.as_str())))
}

/// Applies a guarded change, audits it, and reads the letter back.
async fn apply<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    letter: &LetterView,
    change: (UpdateMany<guarantee_letter::Entity>, &'static str, Json),
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<LetterView, ApiError> {
    let (update, action, after) = change;
    let audit = AuditEntry {
        actor: Some(actor),
        action,
        subject_type: SUBJECT,
        subject_id: letter.id.to_string(),
        before: Some(json!({"status": letter.status})),
        after: Some(after),
    };
    let conflict = || changed_meanwhile(Guarded::Letter);
    change_one(conn, update, letter.id, conflict, audit, now).await?;
    load_by_id(conn, letter.id, today).await
}

/// The beneficiary releases a letter in force when the obligation it covers ends.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn release(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ReleaseInput,
) -> Result<LetterView, ApiError> {
    use guarantee_letter::Column as G;
    let note = optional_note(input.note.as_deref())?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_as_beneficiary(&txn, actor, id, today).await?;
    let next = next_status(&letter, LetterEvent::Release, today)?;
    let update = status_update(&letter, next, |u| {
        u.col_expr(G::ReleasedOn, Expr::value(today.to_string()))
            .col_expr(G::ReleaseNote, Expr::value(note.clone()))
    });
    warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
    let after = json!({"status": next, "released_on": today, "note": note});
    let change = (update, "guarantee_letter.released", after);
    let view = apply(&txn, actor, &letter, change, today, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// The beneficiary claims under a letter, within its validity, for at most its amount.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn claim(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ClaimInput,
) -> Result<LetterView, ApiError> {
    use guarantee_letter::Column as G;
    let reason = clean_note("field.claim_reason", &input.reason, 500)?;
    if reason.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.guarantee.claim_reason")));
    }
    if !input.amount.is_positive() {
        return Err(ApiError::invalid(Text::new("msg.guarantee.claim_positive")));
    }
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_as_beneficiary(&txn, actor, id, today).await?;
    let next = next_status(&letter, LetterEvent::Claim, today)?;
    if input.amount > letter.amount {
        return Err(ApiError::invalid(
            Text::new("msg.guarantee.claim_above_amount")
                .money("amount", input.amount)
                .money("letter_amount", letter.amount),
        ));
    }
    let day = today.to_string();
    let update = status_update(&letter, next, |u| {
        u.col_expr(G::ClaimAmountFen, Expr::value(input.amount.fen()))
            .col_expr(G::ClaimReason, Expr::value(reason.clone()))
            .col_expr(G::ClaimedOn, Expr::value(day.clone()))
            .filter(G::ValidFrom.lte(day.clone()))
            .filter(G::ValidUntil.gte(day.clone()))
    });
    warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
    let after =
        json!({"status": next, "amount": input.amount, "reason": reason, "claimed_on": today});
    let change = (update, "guarantee_letter.claimed", after);
    let view = apply(&txn, actor, &letter, change, today, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// The operator records the issuer's answer to a claim.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn record_claim_result(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ClaimResultInput,
) -> Result<LetterView, ApiError> {
    use guarantee_letter::Column as G;
    let note = optional_note(input.note.as_deref())?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_visible(&txn, actor, id, today).await?;
    actor.require_role(Role::Operator)?;
    let event = if input.paid {
        LetterEvent::ClaimPaid
    } else {
        LetterEvent::ClaimRefused
    };
    let next = next_status(&letter, event, today)?;
    let update = status_update(&letter, next, |u| {
        u.col_expr(G::ClaimResultOn, Expr::value(today.to_string()))
            .col_expr(G::ClaimResultNote, Expr::value(note.clone()))
    });
    let after = json!({"status": next, "paid": input.paid, "note": note});
    let change = (update, "guarantee_letter.claim_result", after);
    let view = apply(&txn, actor, &letter, change, today, now).await?;
    txn.commit().await?;
    Ok(view)
}
