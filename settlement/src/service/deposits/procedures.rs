//! Registering a procurement procedure: a purchaser's buyer for its own unit, or the operator
//! naming the unit. A required deposit is at most 2% of the budget.

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::text::clean_name;
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use super::RULES;
use super::rows::{above_cap, load_procedure, org_kind_of};
use super::types::{NewProcedure, ProcedureView};
use super::views::procedure_view;

/// The purchasing unit a procedure is registered for: the purchaser's own, or the one the
/// operator names.
fn purchaser_of(actor: &Identity, input: &NewProcedure) -> Result<i64, ApiError> {
    match actor.org_kind {
        OrgKind::Purchaser => {
            actor.require_role(Role::Buyer)?;
            if input.purchaser_org_id.is_some_and(|id| id != actor.org_id) {
                return Err(ApiError::refused(Text::new("msg.procedure.own_unit_only")));
            }
            Ok(actor.org_id)
        }
        OrgKind::Operator => {
            actor.require_role(Role::Operator)?;
            input
                .purchaser_org_id
                .ok_or_else(|| ApiError::invalid(Text::new("msg.procedure.purchaser_required")))
        }
        _ => Err(ApiError::refused(Text::new(
            "msg.forbidden.procedure_keeper",
        ))),
    }
}

/// The deposit each supplier pays, when the procedure takes one: above zero and at most 2% of
/// the budget.
fn deposit_of(input: &NewProcedure) -> Result<Option<Money>, ApiError> {
    if !input.budget.is_positive() {
        return Err(ApiError::invalid(Text::new(
            "msg.procedure.budget_positive",
        )));
    }
    match (input.deposit_required, input.deposit_amount) {
        (true, None) => Err(ApiError::invalid(Text::new(
            "msg.procedure.deposit_amount_required",
        ))),
        (false, Some(_)) => Err(ApiError::invalid(Text::new(
            "msg.procedure.deposit_amount_unwanted",
        ))),
        (false, None) => Ok(None),
        (true, Some(amount)) => {
            if !amount.is_positive() {
                return Err(ApiError::invalid(Text::new(
                    "msg.procedure.deposit_amount_positive",
                )));
            }
            RULES
                .check_bid_deposit(amount, input.budget)
                .map_err(|e| above_cap(e, "msg.deposit.bid_above_cap"))?;
            Ok(Some(amount))
        }
    }
}

/// Registers a procurement procedure: a purchaser's buyer for its own unit, or the operator
/// naming the unit. A required deposit is at most 2% of the budget.
#[tracing::instrument(skip_all, fields(procedure_no = %input.procedure_no))]
pub async fn register_procedure(
    ctx: &Ctx,
    actor: &Identity,
    input: NewProcedure,
) -> Result<ProcedureView, ApiError> {
    let purchaser_org_id = purchaser_of(actor, &input)?;
    let procedure_no = clean_name("field.procedure_no", &input.procedure_no, 64)?;
    let procedure_no = procedure_no.as_str();
    let name = clean_name("field.procedure_name", &input.name, 200)?;
    let deposit_amount = deposit_of(&input)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if org_kind_of(&txn, purchaser_org_id).await?.as_deref() != Some("purchaser") {
        return Err(ApiError::invalid(Text::new("msg.procedure.no_purchaser")));
    }
    let inserted = query_one(
        &txn,
        stmt(
            txn.get_database_backend(),
            "INSERT INTO procedures (procedure_no, name, purchaser_org_id, budget_fen, deposit_required, \
             deposit_amount_fen, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'registered', ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id",
            [
                procedure_no.into(),
                name.as_str().into(),
                purchaser_org_id.into(),
                input.budget.fen().into(),
                input.deposit_required.into(),
                deposit_amount.map(Money::fen).into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflicting(
            "PROCEDURE_EXISTS",
            Text::new("msg.procedure.exists").arg("procedure", procedure_no),
        )
    })?;
    let id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "procedure.registered",
            subject_type: "procedure",
            subject_id: id.to_string(),
            before: None,
            after: Some(json!({
                "procedure_no": procedure_no, "purchaser_org_id": purchaser_org_id,
                "budget": input.budget, "deposit_required": input.deposit_required,
                "deposit_amount": deposit_amount,
            })),
        },
        now,
    )
    .await?;
    let procedure = load_procedure(&txn, actor, id).await?;
    let view = procedure_view(&txn, actor, procedure, ctx.clock.today()).await?;
    txn.commit().await?;
    Ok(view)
}
