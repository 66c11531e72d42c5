//! A bid/response deposit received: the procedure's amount, in a non-cash form, while the
//! procedure still takes bids.

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates;
use gpmall_platform::db::{execute, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use super::rows::{
    ProcedureRow, above_cap, clean_reference, load_deposit, load_procedure, parse_form,
    registered_on, require_manager, require_supplier,
};
use super::types::{DepositView, NewDeposit};
use super::views::{BenchmarkRates, deposit_view};
use super::{RECEIVED_ON, RULES, SUBJECT};
use crate::domain::deposits::ProcedureStatus;
use crate::error::{Guarded, changed_meanwhile};

/// The deposit `procedure` takes, when it takes one and still takes bids, and `amount` is it.
fn required_deposit(procedure: &ProcedureRow, amount: Money) -> Result<Money, ApiError> {
    let Some(required) = procedure
        .deposit_amount
        .filter(|_| procedure.deposit_required)
    else {
        return Err(ApiError::conflicting(
            "DEPOSIT_NOT_REQUIRED",
            Text::new("msg.deposit.not_required").arg("procedure", &procedure.procedure_no),
        ));
    };
    if procedure.status != ProcedureStatus::Registered {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.deposit.after_award").key_arg(
                "status",
                format!("procedures.status.{}", procedure.status.as_str()),
            ),
        ));
    }
    if amount != required {
        return Err(ApiError::say(
            axum::http::StatusCode::BAD_REQUEST,
            "DEPOSIT_AMOUNT_MISMATCH",
            Text::new("msg.deposit.amount_mismatch")
                .arg("procedure", &procedure.procedure_no)
                .money("required", required)
                .money("amount", amount),
        )
        .with_details(json!({"required": required})));
    }
    RULES
        .check_bid_deposit(amount, procedure.budget)
        .map_err(|e| above_cap(e, "msg.deposit.bid_above_cap"))?;
    Ok(required)
}

/// Locks the procedure row while it is still registered, so an award notice recorded at the
/// same time either sees this deposit or is seen by it (a portable row lock).
async fn lock_open_procedure<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), ApiError> {
    let still_open = execute(
        conn,
        stmt(
            conn.get_database_backend(),
            "UPDATE procedures SET status = status WHERE id = ? AND status = ?",
            [id.into(), ProcedureStatus::Registered.as_str().into()],
        ),
    )
    .await?;
    if still_open != 1 {
        return Err(changed_meanwhile(Guarded::Procedure));
    }
    Ok(())
}

/// The purchaser (or operator) records a supplier's bid/response deposit as received.
#[tracing::instrument(skip_all, fields(procedure_id = id, supplier_id = input.supplier_id))]
pub async fn record_deposit(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: NewDeposit,
) -> Result<DepositView, ApiError> {
    let form = parse_form(&input.form)?;
    let reference = clean_reference(input.reference)?;
    let today = ctx.clock.today();
    dates::happened(RECEIVED_ON, input.received_on, today)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    require_manager(
        actor,
        procedure.purchaser_org_id,
        &[Role::Buyer, Role::Finance],
    )?;
    dates::not_before(
        RECEIVED_ON,
        input.received_on,
        registered_on(&procedure),
        "date.bound.procedure_registered",
    )?;
    required_deposit(&procedure, input.amount)?;
    let supplier = require_supplier(&txn, "field.supplier", input.supplier_id).await?;
    lock_open_procedure(&txn, procedure.id).await?;
    let inserted = query_one(
        &txn,
        stmt(
            txn.get_database_backend(),
            "INSERT INTO deposits (kind, procedure_id, purchaser_org_id, supplier_id, amount_fen, form, reference, \
             received_on, status, recorded_by, created_at) VALUES ('bid', ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id",
            [
                procedure.id.into(),
                procedure.purchaser_org_id.into(),
                input.supplier_id.into(),
                input.amount.fen().into(),
                form.as_str().into(),
                reference.clone().into(),
                input.received_on.to_string().into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflicting(
            "DEPOSIT_EXISTS",
            Text::new("msg.deposit.bid_exists")
                .arg("supplier", &supplier)
                .arg("procedure", &procedure.procedure_no),
        )
    })?;
    let deposit_id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "deposit.received",
            subject_type: SUBJECT,
            subject_id: deposit_id.to_string(),
            before: None,
            after: Some(json!({
                "kind": "bid", "procedure_id": procedure.id, "supplier_id": input.supplier_id,
                "amount": input.amount, "form": form, "reference": reference,
                "received_on": input.received_on,
            })),
        },
        now,
    )
    .await?;
    let row = load_deposit(&txn, actor, deposit_id).await?;
    let view = deposit_view(&txn, &mut BenchmarkRates::default(), row, today).await?;
    txn.commit().await?;
    Ok(view)
}
