//! Refunds: a deposit due back is refunded, with late-refund interest from the day after the
//! deadline unless the supplier caused the delay; and the derived state brought up to date
//! before anything is read.

use chrono::{DateTime, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::calendar::WorkingCalendar;
use gpmall_platform::dates;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::repo::change_one;
use gpmall_platform::{ApiError, Ctx};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use super::performance::trigger_accepted_performance_deposits;
use super::rows::{load_deposit, load_deposits, require_manager};
use super::types::{DepositView, RefundInput};
use super::views::{BenchmarkRates, daily_rate, deposit_view};
use super::{REFUNDED_ON, RULE_CALENDAR, RULE_OVERDUE, RULES, SUBJECT};
use crate::domain::deposits::{DepositEvent, DepositStatus, deposit_transition, late_refund};
use crate::entity::deposit;
use crate::error::{Guarded, SettlementError, changed_meanwhile};
use crate::service::warnings;

/// Records a refund: the deposit must be due back; late-refund interest is computed from the
/// day after the deadline through the refund date, none when the supplier caused the delay.
#[tracing::instrument(skip_all, fields(deposit_id = id))]
pub async fn refund(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: RefundInput,
) -> Result<DepositView, ApiError> {
    use deposit::Column as D;
    let today = ctx.clock.today();
    dates::happened(REFUNDED_ON, input.refunded_on, today)?;
    refresh(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let deposit = load_deposit(&txn, actor, id).await?;
    require_manager(
        actor,
        deposit.purchaser_org_id,
        &[Role::Buyer, Role::Finance],
    )?;
    let next = deposit_transition(deposit.kind, deposit.status, DepositEvent::Refunded)
        .map_err(SettlementError::from)?;
    let (Some(due), Some(trigger_on)) = (deposit.refund_due_on, deposit.trigger_on) else {
        return Err(ApiError::internal("a deposit due back has no deadline"));
    };
    dates::not_before(
        REFUNDED_ON,
        input.refunded_on,
        trigger_on,
        "date.bound.refund_trigger",
    )?;
    // The rate is looked up only when it matters, so an on-time refund never needs it.
    let rate = if input.refunded_on > due {
        daily_rate(&txn, &mut BenchmarkRates::default(), &deposit, due).await?
    } else {
        Decimal::ZERO
    };
    let late = late_refund(
        deposit.amount,
        due,
        Some(input.refunded_on),
        input.refunded_on,
        rate,
        input.supplier_caused_delay,
    );
    for rule in [RULE_OVERDUE, RULE_CALENDAR] {
        warnings::resolve(&txn, rule, SUBJECT, &id.to_string(), now).await?;
    }
    let update = deposit::Entity::update_many()
        .col_expr(D::Status, Expr::value(next.as_str()))
        .col_expr(D::RefundedOn, Expr::value(input.refunded_on.to_string()))
        .col_expr(D::RefundAmountFen, Expr::col(D::AmountFen))
        .col_expr(D::InterestFen, Expr::value(late.interest.fen()))
        .col_expr(
            D::SupplierCausedDelay,
            Expr::value(input.supplier_caused_delay),
        )
        .filter(D::Id.eq(id))
        .filter(D::Status.eq(deposit.status.as_str()));
    let audit = AuditEntry {
        actor: Some(actor),
        action: "deposit.refunded",
        subject_type: SUBJECT,
        subject_id: id.to_string(),
        before: Some(json!({"status": deposit.status, "refund_due_on": due})),
        after: Some(json!({
            "status": next, "refunded_on": input.refunded_on, "refund_amount": deposit.amount,
            "days_late": late.days_late, "interest": late.interest,
            "supplier_caused_delay": input.supplier_caused_delay,
        })),
    };
    let conflict = || changed_meanwhile(Guarded::Deposit);
    change_one(&txn, update, id, conflict, audit, now).await?;
    let row = load_deposit(&txn, actor, id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// Re-counts provisional refund deadlines with the calendar in force; a deadline whose years are
/// now loaded becomes final and its calendar warning resolves.
async fn confirm_provisional_deadlines(
    ctx: &Ctx,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    use deposit::Column as D;
    let rows = load_deposits(
        &ctx.db,
        "d.status = 'refund_due' AND d.kind = 'bid' AND d.refund_due_provisional = ?",
        vec![true.into()],
    )
    .await?;
    for deposit in rows {
        let Some(trigger_on) = deposit.trigger_on else {
            continue;
        };
        let deadline = RULES.bid_refund_deadline(calendar, trigger_on)?;
        if deadline.provisional {
            continue;
        }
        let txn = ctx.db.begin().await?;
        let changed = deposit::Entity::update_many()
            .col_expr(D::RefundDueOn, Expr::value(deadline.date.to_string()))
            .col_expr(D::RefundDueProvisional, Expr::value(false))
            .filter(D::Id.eq(deposit.id))
            .filter(D::Status.eq(DepositStatus::RefundDue.as_str()))
            .filter(D::RefundDueProvisional.eq(true))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 1 {
            warnings::resolve(&txn, RULE_CALENDAR, SUBJECT, &deposit.id.to_string(), now).await?;
            audit::record(
                &txn,
                AuditEntry {
                    actor: None,
                    action: "deposit.deadline_confirmed",
                    subject_type: SUBJECT,
                    subject_id: deposit.id.to_string(),
                    before: Some(
                        json!({"refund_due_on": deposit.refund_due_on, "provisional": true}),
                    ),
                    after: Some(json!({"refund_due_on": deadline.date, "provisional": false})),
                },
                now,
            )
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Brings derived state up to date before it is read: performance deposits of accepted
/// contracts become due back, provisional deadlines are re-counted once their year is loaded.
pub(super) async fn refresh(ctx: &Ctx) -> Result<(), ApiError> {
    let now = ctx.clock.now();
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let txn = ctx.db.begin().await?;
    trigger_accepted_performance_deposits(&txn, now).await?;
    txn.commit().await?;
    confirm_provisional_deadlines(ctx, &calendar, now).await
}
