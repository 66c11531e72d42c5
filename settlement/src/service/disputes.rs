//! Disputed parts of payments: the purchaser raises a dispute over part of an instalment and
//! pays the rest; the dispute ends by withdrawal, the supplier's acceptance or the operator's
//! record of a decision. The rules are in `domain::disputes`.

use axum::http::StatusCode;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{execute, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::bounded_text;
use super::contracts::{ContractView, complete_if_paid, load_view, with_actions};
use crate::domain::disputes::{
    DisputeAction, DisputeParty, DisputeRefusal, DisputeStatus, deducted_fen, dispute_transition,
};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDispute {
    /// The instalment whose part is disputed.
    pub instalment_seq: i32,
    /// The disputed part: at most what is unpaid and not already disputed.
    pub amount: Money,
    /// What is disputed and why (e.g. quantity short, quality defect), 1–2000 characters.
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeResolution {
    /// For `decide` only: the part deducted from the instalment (0 up to the disputed amount).
    #[serde(default)]
    pub deducted: Option<Money>,
    /// A note on the outcome (e.g. the mediation record number), at most 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// The purchaser disputes part of an instalment. The amount is held back from what is payable
/// and stops accruing interest until the dispute ends.
#[tracing::instrument(skip_all, fields(contract_id = contract_id))]
pub async fn open(
    ctx: &Ctx,
    actor: &Identity,
    contract_id: i64,
    input: NewDispute,
    idempotency_key: Option<&str>,
) -> Result<ContractView, ApiError> {
    super::contracts::require_paying_purchaser(actor)?;
    if !input.amount.is_positive() {
        return Err(ApiError::invalid(
            Text::new("msg.amount_positive").key_arg("field", "field.amount"),
        ));
    }
    let reason = bounded_text(&input.reason, "field.reason", true)?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let request = ("dispute", contract_id, &input);
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &request, now).await?
    {
        return Ok(done);
    }
    let contract = query_one(
        &txn,
        stmt(
            backend,
            "SELECT contract_no, status FROM contracts WHERE id = ? AND purchaser_org_id = ?",
            [contract_id.into(), actor.org_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let status: String = contract.try_get("", "status")?;
    if status != "active" {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.contract.dispute_not_active")
                .key_arg("status", format!("contract.status.{status}")),
        ));
    }
    let instalment = query_one(
        &txn,
        stmt(
            backend,
            "SELECT id, principal_fen - paid_fen - disputed_fen AS open_fen FROM contract_instalments \
             WHERE contract_id = ? AND seq = ?",
            [contract_id.into(), input.instalment_seq.into()],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::invalid(Text::new("msg.contract.no_instalment").arg("seq", input.instalment_seq))
    })?;
    let instalment_id: i64 = instalment.try_get("", "id")?;
    let open_fen: i64 = instalment.try_get("", "open_fen")?;
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE contract_instalments SET disputed_fen = disputed_fen + ?, accrual_pending = TRUE \
             WHERE id = ? AND paid_fen + disputed_fen + ? <= principal_fen",
            [
                input.amount.fen().into(),
                instalment_id.into(),
                input.amount.fen().into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "DISPUTE_EXCEEDS_OUTSTANDING",
            Text::new("msg.dispute.exceeds")
                .arg("seq", input.instalment_seq)
                .money("open", Money::from_fen(open_fen.max(0))),
        ));
    }
    let inserted = query_one(
        &txn,
        stmt(
            backend,
            "INSERT INTO contract_disputes (contract_id, instalment_id, amount_fen, reason, opened_on, opened_by, status, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id",
            [
                contract_id.into(),
                instalment_id.into(),
                input.amount.fen().into(),
                reason.clone().into(),
                today.to_string().into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::internal("no dispute id"))?;
    let dispute_id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.dispute_opened",
            subject_type: "contract",
            subject_id: contract_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "dispute_id": dispute_id, "instalment_seq": input.instalment_seq,
                "amount": input.amount, "reason": reason, "opened_on": today,
            })),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, contract_id, today)
        .await
        .map(|view| with_actions(actor, view))?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 201, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Ends an open dispute: `withdraw` (purchaser), `accept` (supplier) or `decide` (operator).
#[tracing::instrument(skip_all, fields(contract_id = contract_id, dispute_id = dispute_id))]
pub async fn resolve(
    ctx: &Ctx,
    actor: &Identity,
    contract_id: i64,
    dispute_id: i64,
    action: DisputeAction,
    input: DisputeResolution,
    idempotency_key: Option<&str>,
) -> Result<ContractView, ApiError> {
    let note = input
        .note
        .as_deref()
        .map(|n| bounded_text(n, "field.note", false))
        .transpose()?
        .filter(|n| !n.is_empty());
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let request = (action, contract_id, dispute_id, &input);
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &request, now).await?
    {
        return Ok(done);
    }
    let row = query_one(
        &txn,
        stmt(
            backend,
            "SELECT d.instalment_id, d.amount_fen, d.status, c.purchaser_org_id, c.supplier_id, c.status AS contract_status \
             FROM contract_disputes d JOIN contracts c ON c.id = d.contract_id WHERE d.id = ? AND d.contract_id = ?",
            [dispute_id.into(), contract_id.into()],
        ),
    )
    .await?;
    let party = row.as_ref().and_then(|row| {
        let purchaser: i64 = row.try_get("", "purchaser_org_id").ok()?;
        let supplier: i64 = row.try_get("", "supplier_id").ok()?;
        match actor.org_kind {
            OrgKind::Purchaser if actor.org_id == purchaser => Some(DisputeParty::Purchaser),
            OrgKind::Supplier if actor.org_id == supplier => Some(DisputeParty::Supplier),
            OrgKind::Operator => Some(DisputeParty::Operator),
            _ => None,
        }
    });
    // Other tenants (and the regulator, which only reads) never learn the dispute exists.
    let (Some(row), Some(party)) = (row, party) else {
        return Err(ApiError::not_found("dispute"));
    };
    match party {
        DisputeParty::Purchaser => actor.require_any(&[Role::Buyer, Role::Finance])?,
        DisputeParty::Supplier => actor.require_any(&[Role::Seller])?,
        DisputeParty::Operator => actor.require_any(&[Role::Operator])?,
    }
    let status = DisputeStatus::parse(&row.try_get::<String>("", "status")?)
        .ok_or_else(|| ApiError::internal("unknown dispute status"))?;
    let to = dispute_transition(status, action, party).map_err(|refusal| match refusal {
        DisputeRefusal::NotYours(_) => ApiError::refused(Text::new(format!(
            "msg.dispute.not_yours.{}",
            action.as_str()
        ))),
        DisputeRefusal::Transition(_) => ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.dispute.already_ended")
                .key_arg("status", format!("dispute.status.{}", status.as_str())),
        ),
    })?;
    let amount_fen: i64 = row.try_get("", "amount_fen")?;
    let decided_fen = match (action, input.deducted) {
        (DisputeAction::Decide, Some(deducted)) => {
            if deducted.fen() < 0 || deducted.fen() > amount_fen {
                return Err(ApiError::invalid(
                    Text::new("msg.dispute.deducted_range")
                        .money("amount", Money::from_fen(amount_fen)),
                ));
            }
            deducted.fen()
        }
        (DisputeAction::Decide, None) => {
            return Err(ApiError::invalid(Text::new(
                "msg.dispute.deducted_required",
            )));
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(Text::new(
                "msg.dispute.deducted_only_on_decision",
            )));
        }
        (_, None) => 0,
    };
    let deducted = deducted_fen(to, amount_fen, decided_fen);
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE contract_disputes SET status = ?, deducted_fen = ?, resolved_on = ?, resolution_note = ?, resolved_by = ? \
             WHERE id = ? AND status = 'open'",
            [
                to.as_str().into(),
                deducted.into(),
                today.to_string().into(),
                note.clone().into(),
                actor.user_id.into(),
                dispute_id.into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.changed_meanwhile"),
        ));
    }
    let instalment_id: i64 = row.try_get("", "instalment_id")?;
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE contract_instalments SET disputed_fen = disputed_fen - ?, principal_fen = principal_fen - ?, \
             deducted_fen = deducted_fen + ?, accrual_pending = TRUE WHERE id = ? AND disputed_fen >= ?",
            [
                amount_fen.into(),
                deducted.into(),
                deducted.into(),
                instalment_id.into(),
                amount_fen.into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(ApiError::internal(
            "the instalment holds less disputed than the dispute",
        ));
    }
    complete_if_paid(&txn, contract_id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.dispute_resolved",
            subject_type: "contract",
            subject_id: contract_id.to_string(),
            before: Some(serde_json::json!({"dispute_id": dispute_id, "status": status})),
            after: Some(serde_json::json!({
                "dispute_id": dispute_id, "status": to,
                "deducted": Money::from_fen(deducted), "note": note,
            })),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, contract_id, today)
        .await
        .map(|view| with_actions(actor, view))?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}
