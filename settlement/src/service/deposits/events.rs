//! Events of a procedure (a withdrawal, the award notice, the contract's signing, termination)
//! and the bid deposits each one releases: a refund deadline 5 working days after the event, or
//! conversion into the winner's performance deposit.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::calendar::WorkingCalendar;
use gpmall_platform::dates;
use gpmall_platform::db::{execute, query_all, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::text::clean_note;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value as Json, json};

use super::rows::{
    DepositRow, ProcedureRow, load_deposits, load_procedure, registered_on, require_manager,
    require_supplier,
};
use super::scan::raise_calendar_warning;
use super::types::{EventInput, ProcedureView};
use super::views::procedure_view;
use super::{EVENT_ON, RULES};
use crate::domain::deposits::{
    DepositEvent, DepositStatus, ProcedureEvent, ProcedureStatus, deposit_transition,
    procedure_transition,
};
use crate::entity::{deposit, procedure};
use crate::error::{Guarded, SettlementError, changed_meanwhile};

/// The domain event of `input` on `procedure`.
fn event_of(input: &EventInput, procedure: &ProcedureRow) -> Result<ProcedureEvent, ApiError> {
    Ok(match input {
        EventInput::Withdrawal { supplier_id, .. } => ProcedureEvent::Withdrawal {
            supplier_id: *supplier_id,
        },
        EventInput::AwardNotice {
            winner_supplier_id, ..
        } => ProcedureEvent::AwardNotice {
            winner_supplier_id: *winner_supplier_id,
        },
        EventInput::ContractSigned {
            convert_winner_deposit,
            ..
        } => ProcedureEvent::ContractSigned {
            // Only an awarded procedure is signed, and it has its winner; a registered one is
            // refused by the transition whatever the winner.
            winner_supplier_id: match (procedure.status, procedure.winner_supplier_id) {
                (_, Some(winner)) => winner,
                (ProcedureStatus::Awarded, None) => {
                    return Err(ApiError::internal(format!(
                        "procedure {} is awarded without a winner",
                        procedure.id
                    )));
                }
                (_, None) => 0,
            },
            convert: *convert_winner_deposit,
        },
        EventInput::Terminated { .. } => ProcedureEvent::Terminated,
    })
}

/// Moves the procedure to `next`, guarded by the status it was read in. The guarded update
/// locks its row, so deposits recorded at the same time are either seen after it or refused.
async fn move_procedure<C: ConnectionTrait>(
    conn: &C,
    procedure: &ProcedureRow,
    event: ProcedureEvent,
    next: ProcedureStatus,
    on: NaiveDate,
) -> Result<(), ApiError> {
    use procedure::Column as P;
    let on = on.to_string();
    let mut update = procedure::Entity::update_many()
        .col_expr(P::Status, Expr::value(next.as_str()))
        .filter(P::Id.eq(procedure.id))
        .filter(P::Status.eq(procedure.status.as_str()));
    update = match event {
        ProcedureEvent::Withdrawal { .. } => update,
        ProcedureEvent::AwardNotice { winner_supplier_id } => update
            .col_expr(P::WinnerSupplierId, Expr::value(winner_supplier_id))
            .col_expr(P::AwardNoticeOn, Expr::value(on)),
        ProcedureEvent::ContractSigned { .. } => {
            update.col_expr(P::ContractSignedOn, Expr::value(on))
        }
        ProcedureEvent::Terminated => update.col_expr(P::TerminatedOn, Expr::value(on)),
    };
    if update.exec(conn).await?.rows_affected != 1 {
        return Err(changed_meanwhile(Guarded::Procedure));
    }
    Ok(())
}

/// The suppliers that withdrew from the procedure.
async fn withdrawn_suppliers<C: ConnectionTrait>(
    conn: &C,
    procedure_id: i64,
) -> Result<Vec<Option<i64>>, ApiError> {
    Ok(query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT supplier_id FROM procedure_events WHERE procedure_id = ? AND event = 'withdrawal'",
            [procedure_id.into()],
        ),
    )
    .await?
    .iter()
    .map(|r| r.try_get::<Option<i64>>("", "supplier_id"))
    .collect::<Result<Vec<_>, _>>()?)
}

/// Checks the supplier an event names and returns it: one that has not withdrawn yet, a winner
/// that did not withdraw and holds its deposit, a conversion only where there are deposits.
async fn event_supplier<C: ConnectionTrait>(
    conn: &C,
    procedure: &ProcedureRow,
    event: ProcedureEvent,
    deposits: &[DepositRow],
) -> Result<Option<i64>, ApiError> {
    let withdrawn = withdrawn_suppliers(conn, procedure.id).await?;
    match event {
        ProcedureEvent::Withdrawal { supplier_id } => {
            let supplier = require_supplier(conn, "field.supplier", supplier_id).await?;
            if withdrawn.contains(&Some(supplier_id)) {
                return Err(ApiError::conflicting(
                    "INVALID_TRANSITION",
                    Text::new("msg.procedure.already_withdrawn").arg("supplier", supplier),
                ));
            }
            Ok(Some(supplier_id))
        }
        ProcedureEvent::AwardNotice { winner_supplier_id } => {
            let winner = require_supplier(conn, "field.winner", winner_supplier_id).await?;
            if withdrawn.contains(&Some(winner_supplier_id)) {
                return Err(ApiError::invalid(
                    Text::new("msg.procedure.winner_withdrew").arg("supplier", &winner),
                ));
            }
            let holds = deposits
                .iter()
                .any(|d| d.supplier_id == winner_supplier_id && d.status == DepositStatus::Held);
            if procedure.deposit_required && !holds {
                return Err(ApiError::invalid(
                    Text::new("msg.procedure.winner_without_deposit").arg("supplier", &winner),
                ));
            }
            Ok(Some(winner_supplier_id))
        }
        ProcedureEvent::ContractSigned { convert, .. } => {
            if convert && !procedure.deposit_required {
                return Err(ApiError::invalid(Text::new(
                    "msg.procedure.nothing_to_convert",
                )));
            }
            Ok(procedure.winner_supplier_id)
        }
        ProcedureEvent::Terminated => Ok(None),
    }
}

/// Where the deposits' refund deadlines are counted, and who is told of provisional ones.
struct Release<'a> {
    calendar: &'a WorkingCalendar,
    on: NaiveDate,
    purchaser_org_id: i64,
    now: DateTime<Utc>,
}

/// Applies `effect` to one held deposit, guarded by its status; returns what changed.
async fn release_one<C: ConnectionTrait>(
    conn: &C,
    release: &Release<'_>,
    deposit: &DepositRow,
    effect: DepositEvent,
) -> Result<Json, ApiError> {
    use deposit::Column as D;
    let status =
        deposit_transition(deposit.kind, deposit.status, effect).map_err(SettlementError::from)?;
    let on = release.on.to_string();
    let update = deposit::Entity::update_many()
        .col_expr(D::Status, Expr::value(status.as_str()))
        .col_expr(D::TriggerOn, Expr::value(on))
        .filter(D::Id.eq(deposit.id))
        .filter(D::Status.eq(deposit.status.as_str()));
    let (update, released) = match effect {
        DepositEvent::Triggered(trigger) => {
            let deadline = RULES.bid_refund_deadline(release.calendar, release.on)?;
            if deadline.provisional {
                raise_calendar_warning(
                    conn,
                    deposit,
                    release.purchaser_org_id,
                    deadline.date,
                    &deadline.missing_years,
                    release.now,
                )
                .await?;
            }
            let update = update
                .col_expr(D::RefundTrigger, Expr::value(trigger.as_str()))
                .col_expr(D::RefundDueOn, Expr::value(deadline.date.to_string()))
                .col_expr(D::RefundDueProvisional, Expr::value(deadline.provisional));
            let released = json!({"deposit_id": deposit.id, "status": status,
                "refund_trigger": trigger, "refund_due_on": deadline.date,
                "provisional": deadline.provisional});
            (update, released)
        }
        DepositEvent::ConvertedToPerformance => {
            let signed = crate::domain::deposits::RefundTrigger::ContractSigned;
            let update = update.col_expr(D::RefundTrigger, Expr::value(signed.as_str()));
            (update, json!({"deposit_id": deposit.id, "status": status}))
        }
        // Procedure events never refund or forfeit (`effect_on` yields neither).
        DepositEvent::Refunded | DepositEvent::Forfeited => {
            return Err(ApiError::internal("a procedure event refunds no deposit"));
        }
    };
    if update.exec(conn).await?.rows_affected != 1 {
        return Err(changed_meanwhile(Guarded::Deposit));
    }
    Ok(released)
}

/// Releases every held deposit the event affects; returns what changed for each.
async fn release_deposits<C: ConnectionTrait>(
    conn: &C,
    release: &Release<'_>,
    event: ProcedureEvent,
    deposits: &[DepositRow],
) -> Result<Vec<Json>, ApiError> {
    let mut released = Vec::new();
    for deposit in deposits.iter().filter(|d| d.status == DepositStatus::Held) {
        let Some(effect) = event.effect_on(deposit.supplier_id) else {
            continue;
        };
        dates::not_before(
            EVENT_ON,
            release.on,
            deposit.received_on,
            "date.bound.deposit_received",
        )?;
        released.push(release_one(conn, release, deposit, effect).await?);
    }
    Ok(released)
}

/// The event as recorded: its row in `procedure_events` and its audit entry.
struct Recorded<'a> {
    actor: &'a Identity,
    procedure: &'a ProcedureRow,
    event: ProcedureEvent,
    next: ProcedureStatus,
    on: NaiveDate,
    supplier: Option<i64>,
    details: Json,
    now: DateTime<Utc>,
}

async fn record<C: ConnectionTrait>(conn: &C, r: Recorded<'_>) -> Result<(), ApiError> {
    execute(
        conn,
        stmt(
            conn.get_database_backend(),
            "INSERT INTO procedure_events (procedure_id, event, supplier_id, occurred_on, details, recorded_by, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                r.procedure.id.into(),
                r.event.name().into(),
                r.supplier.into(),
                r.on.to_string().into(),
                r.details.to_string().into(),
                r.actor.user_id.into(),
                r.now.into(),
            ],
        ),
    )
    .await?;
    let action = match r.event {
        ProcedureEvent::Withdrawal { .. } => "procedure.withdrawal",
        ProcedureEvent::AwardNotice { .. } => "procedure.award_notice",
        ProcedureEvent::ContractSigned { .. } => "procedure.contract_signed",
        ProcedureEvent::Terminated => "procedure.terminated",
    };
    audit::record(
        conn,
        AuditEntry {
            actor: Some(r.actor),
            action,
            subject_type: "procedure",
            subject_id: r.procedure.id.to_string(),
            before: Some(json!({"status": r.procedure.status})),
            after: Some(
                json!({"status": r.next, "on": r.on, "supplier_id": r.supplier,
                "details": r.details}),
            ),
        },
        r.now,
    )
    .await?;
    Ok(())
}

/// Records an event of a procedure and releases the deposits it affects: each gets its refund
/// trigger and a deadline 5 working days after the event (or converts, for a winner that so
/// chooses).
#[tracing::instrument(skip_all, fields(procedure_id = id))]
pub async fn record_event(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: EventInput,
) -> Result<ProcedureView, ApiError> {
    let today = ctx.clock.today();
    let on = input.on();
    dates::happened(EVENT_ON, on, today)?;
    let reason = match &input {
        EventInput::Terminated {
            reason: Some(reason),
            ..
        } => Some(clean_note("field.reason", reason, 500)?),
        _ => None,
    };
    // Read the calendar before the transaction: it may query the database itself.
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    require_manager(actor, procedure.purchaser_org_id, &[Role::Buyer])?;
    dates::not_before(
        EVENT_ON,
        on,
        registered_on(&procedure),
        "date.bound.procedure_registered",
    )?;
    let event = event_of(&input, &procedure)?;
    let next = procedure_transition(procedure.status, event).map_err(SettlementError::from)?;
    if let Some(awarded) = procedure.award_notice_on {
        dates::not_before(EVENT_ON, on, awarded, "date.bound.award_notice")?;
    }
    move_procedure(&txn, &procedure, event, next, on).await?;
    let deposits = load_deposits(
        &txn,
        "d.procedure_id = ? AND d.kind = 'bid'",
        vec![procedure.id.into()],
    )
    .await?;
    let supplier = event_supplier(&txn, &procedure, event, &deposits).await?;
    let release = Release {
        calendar: &calendar,
        on,
        purchaser_org_id: procedure.purchaser_org_id,
        now,
    };
    let released = release_deposits(&txn, &release, event, &deposits).await?;
    let details = match &input {
        EventInput::ContractSigned {
            convert_winner_deposit,
            ..
        } => json!({"convert_winner_deposit": convert_winner_deposit, "released": released}),
        EventInput::Terminated { .. } => json!({"reason": reason, "released": released}),
        _ => json!({"released": released}),
    };
    let recorded = Recorded {
        actor,
        procedure: &procedure,
        event,
        next,
        on,
        supplier,
        details,
        now,
    };
    record(&txn, recorded).await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    let view = procedure_view(&txn, actor, procedure, today).await?;
    txn.commit().await?;
    Ok(view)
}
