//! Recording a payment against a contract's instalments, and completing a paid contract.

use axum::http::StatusCode;
use chrono::NaiveDate;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates::{self, Field};
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::*;
use crate::repo::contracts::{self, NewPayment, Visible};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub voucher_no: String,
    /// The account paid to: must be the contract's collection account.
    pub account: String,
    /// Pay this instalment; otherwise the earliest unpaid instalments are paid first.
    #[serde(default)]
    pub instalment_seq: Option<i32>,
}

/// Payments and disputes are the purchasing unit's, made by its buyers or finance staff; other
/// organizations do not see the contract at all.
pub(crate) fn require_paying_purchaser(actor: &Identity) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::not_found("contract"));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])
}

pub(super) const PAID_ON: Field = Field::new("paid_on", "field.paid_on");

/// The purchaser records a payment. Partial payments are allowed; nothing beyond what is owed.
pub async fn record_payment(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: PaymentInput,
    idempotency_key: Option<&str>,
) -> Result<ContractView, ApiError> {
    require_paying_purchaser(actor)?;
    if !input.amount.is_positive() {
        return Err(ApiError::invalid(
            Text::new("msg.amount_positive").key_arg("field", "field.amount"),
        ));
    }
    let voucher = input.voucher_no.trim();
    if voucher.is_empty() || voucher.chars().count() > 64 {
        return Err(ApiError::invalid(Text::new(
            "msg.contract.voucher_required",
        )));
    }
    let today = ctx.clock.today();
    dates::happened(PAID_ON, input.paid_on, today)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &(id, &input), now).await?
    {
        return Ok(done);
    }
    let contract = contracts::find_visible(&txn, id, Visible::Purchaser(actor.org_id))
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))?;
    let status = contract.status;
    if !status.is_active() {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.contract.payment_not_active")
                .key_arg("status", format!("contract.status.{status}")),
        ));
    }
    dates::not_before(
        PAID_ON,
        input.paid_on,
        contract.signed_on,
        "date.bound.signing",
    )?;
    let account = contract.collection_account;
    if input.account.trim() != account {
        return Err(ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "WRONG_COLLECTION_ACCOUNT",
            Text::new("msg.contract.wrong_account").arg("account", &account),
        ));
    }
    if contracts::voucher_used(&txn, id, voucher).await? {
        return Err(ApiError::conflicting(
            "DUPLICATE_VOUCHER",
            Text::new("msg.contract.duplicate_voucher").arg("voucher", voucher),
        ));
    }
    let instalments = contracts::instalments(&txn, id).await?;
    let mut remaining = input.amount.fen();
    let mut allocations = Vec::new();
    for inst in &instalments {
        if input.instalment_seq.is_some_and(|s| s != inst.seq) {
            continue;
        }
        // Disputed parts are held back; only the undisputed rest is payable.
        let open = inst.principal.fen() - inst.paid.fen() - inst.disputed.fen();
        let take = open.min(remaining);
        if take > 0 {
            allocations.push((inst.id, take));
            remaining -= take;
        }
    }
    if let Some(seq) = input.instalment_seq
        && allocations.is_empty()
        && remaining == input.amount.fen()
    {
        return Err(ApiError::invalid(
            Text::new("msg.contract.no_unpaid_instalment").arg("seq", seq),
        ));
    }
    if remaining > 0 {
        return Err(ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PAYMENT_EXCEEDS_OUTSTANDING",
            Text::new("msg.contract.payment_exceeds")
                .money("amount", input.amount)
                .money(
                    "outstanding",
                    Money::from_fen(input.amount.fen() - remaining),
                ),
        ));
    }
    for (instalment_id, amount) in allocations {
        let amount = Money::from_fen(amount);
        if !contracts::add_paid(&txn, instalment_id, amount).await? {
            return Err(ApiError::conflicting(
                "PAYMENT_EXCEEDS_OUTSTANDING",
                Text::new("msg.changed_meanwhile"),
            ));
        }
        let payment = NewPayment {
            contract_id: id,
            instalment_id,
            amount,
            paid_on: input.paid_on,
            voucher_no: voucher,
            account: &account,
            recorded_by: actor.user_id,
            recorded_at: now,
        };
        contracts::insert_payment(&txn, payment).await?;
    }
    complete_if_paid(&txn, id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.payment_recorded",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"amount": input.amount, "paid_on": input.paid_on, "voucher_no": voucher})),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, id, today)
        .await
        .map(|view| with_actions(actor, view))?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Marks an active contract completed once every instalment is paid in full.
pub(crate) async fn complete_if_paid<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<(), ApiError> {
    let (from, to) = status_change(ContractEvent::FullyPaid)?;
    contracts::set_status_if_paid(conn, id, from, to).await?;
    Ok(())
}
