//! Forfeiture: the purchaser keeps a held performance deposit for one of the cases agreed in
//! the contract's clause.

use axum::http::StatusCode;
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::dates;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::repo::change_one;
use gpmall_platform::text::clean_note;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use super::refund::refresh;
use super::rows::{DepositRow, load_deposit};
use super::types::{DepositView, ForfeitInput};
use super::views::{BenchmarkRates, deposit_view};
use super::{OCCURRED_ON, SUBJECT};
use crate::domain::deposits::{DepositEvent, deposit_transition};
use crate::entity::deposit;
use crate::error::{Guarded, SettlementError, changed_meanwhile};

/// The agreed case `given` names, word for word (spaces around it aside).
fn agreed_case(deposit: &DepositRow, given: &str) -> Result<String, ApiError> {
    let refuse = |text: Text| {
        ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "FORFEITURE_CASE_NOT_AGREED",
            text,
        )
        .with_details(json!({"agreed": deposit.forfeiture_cases}))
    };
    if deposit.forfeiture_cases.is_empty() {
        return Err(refuse(Text::new("msg.deposit.no_forfeiture_cases")));
    }
    let given = given.trim();
    deposit
        .forfeiture_cases
        .iter()
        .find(|c| c.trim() == given)
        .cloned()
        .ok_or_else(|| {
            refuse(
                Text::new("msg.deposit.case_not_agreed")
                    .arg("case", given)
                    .arg("agreed", deposit.forfeiture_cases.join("; ")),
            )
        })
}

/// The purchaser keeps a held performance deposit because one of the contract's agreed cases
/// occurred. Only agreed cases count, and only before acceptance starts the refund clock.
#[tracing::instrument(skip_all, fields(deposit_id = id))]
pub async fn forfeit(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ForfeitInput,
) -> Result<DepositView, ApiError> {
    use deposit::Column as D;
    let today = ctx.clock.today();
    dates::happened(OCCURRED_ON, input.occurred_on, today)?;
    let notes = input
        .notes
        .as_deref()
        .map(|n| clean_note("field.notes", n, 2000))
        .transpose()?
        .filter(|n| !n.is_empty());
    refresh(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let deposit = load_deposit(&txn, actor, id).await?;
    if !(actor.org_kind == OrgKind::Purchaser && actor.org_id == deposit.purchaser_org_id) {
        return Err(ApiError::refused(Text::new("msg.deposit.forfeit_keeper")));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    let next = deposit_transition(deposit.kind, deposit.status, DepositEvent::Forfeited)
        .map_err(SettlementError::from)?;
    let case = agreed_case(&deposit, &input.case)?;
    dates::not_before(
        OCCURRED_ON,
        input.occurred_on,
        deposit.received_on,
        "date.bound.deposit_received",
    )?;
    let update = deposit::Entity::update_many()
        .col_expr(D::Status, Expr::value(next.as_str()))
        .col_expr(D::ForfeitureCase, Expr::value(case.clone()))
        .col_expr(D::ForfeitedOn, Expr::value(input.occurred_on.to_string()))
        .col_expr(D::ForfeitureNotes, Expr::value(notes.clone()))
        .filter(D::Id.eq(id))
        .filter(D::Status.eq(deposit.status.as_str()));
    let audit = AuditEntry {
        actor: Some(actor),
        action: "deposit.forfeited",
        subject_type: SUBJECT,
        subject_id: id.to_string(),
        before: Some(json!({"status": deposit.status})),
        after: Some(json!({
            "status": next, "case": case, "occurred_on": input.occurred_on, "notes": notes,
        })),
    };
    let conflict = || changed_meanwhile(Guarded::Deposit);
    change_one(&txn, update, id, conflict, audit, now).await?;
    let row = load_deposit(&txn, actor, id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}
