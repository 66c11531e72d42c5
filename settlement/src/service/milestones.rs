//! Milestones: the purchaser records that an instalment's milestone was reached, which starts
//! that instalment's payment clock. Until then the instalment is not due, except that for an
//! SME it falls due at the payment limit anyway (`domain::terms::instalment_due`).

use axum::http::StatusCode;
use chrono::NaiveDate;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{execute, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::contracts::{ContractView, load_view, refresh_due_dates, with_actions};

const REACHED_ON: Field = Field::new("reached_on", "field.milestone_reached_on");

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    /// The instalment (numbered from 1) whose milestone was reached.
    pub instalment_seq: i32,
    /// The day it was reached: not before the contract was signed, not in the future.
    pub reached_on: NaiveDate,
}

/// The purchaser's buyer records a milestone as reached. Recording the same milestone again
/// with the same date changes nothing; a different date is refused, since the payment clock
/// already runs from the first.
#[tracing::instrument(skip_all, fields(contract_id = contract_id))]
pub async fn record(
    ctx: &Ctx,
    actor: &Identity,
    contract_id: i64,
    input: MilestoneInput,
) -> Result<ContractView, ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::not_found("contract"));
    }
    actor.require_role(Role::Buyer)?;
    let today = ctx.clock.today();
    dates::happened(REACHED_ON, input.reached_on, today)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let backend = txn.get_database_backend();
    let contract = query_one(
        &txn,
        stmt(
            backend,
            "SELECT signed_on, status FROM contracts WHERE id = ? AND purchaser_org_id = ?",
            [contract_id.into(), actor.org_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    let signed_on: NaiveDate = contract
        .try_get::<String>("", "signed_on")?
        .parse()
        .map_err(ApiError::internal)?;
    let status: String = contract.try_get("", "status")?;
    let instalment = query_one(
        &txn,
        stmt(
            backend,
            "SELECT id, trigger_event, milestone, milestone_reached_on FROM contract_instalments \
             WHERE contract_id = ? AND seq = ?",
            [contract_id.into(), input.instalment_seq.into()],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::say(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.milestone.no_instalment").arg("n", input.instalment_seq),
        )
        .with_details(serde_json::json!({"field": "instalment_seq"}))
    })?;
    if instalment.try_get::<String>("", "trigger_event")? != "milestone" {
        return Err(ApiError::say(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.milestone.not_a_milestone").arg("n", input.instalment_seq),
        )
        .with_details(serde_json::json!({"field": "instalment_seq"})));
    }
    let name: String = instalment
        .try_get::<Option<String>>("", "milestone")?
        .unwrap_or_default();
    if let Some(recorded) = instalment.try_get::<Option<String>>("", "milestone_reached_on")? {
        if recorded == input.reached_on.to_string() {
            return load_view(&txn, contract_id, today)
                .await
                .map(|view| with_actions(actor, view));
        }
        return Err(ApiError::say(
            StatusCode::CONFLICT,
            "INVALID_TRANSITION",
            Text::new("msg.milestone.already_recorded")
                .arg("n", input.instalment_seq)
                .arg("name", &name)
                .arg("date", recorded),
        ));
    }
    if status != "active" {
        return Err(ApiError::say(
            StatusCode::CONFLICT,
            "INVALID_TRANSITION",
            Text::new("msg.milestone.contract_not_active")
                .key_arg("status", format!("contract.status.{status}")),
        ));
    }
    dates::not_before(
        REACHED_ON,
        input.reached_on,
        signed_on,
        "date.bound.signing",
    )?;
    let changed = execute(
        &txn,
        stmt(
            backend,
            "UPDATE contract_instalments SET milestone_reached_on = ? WHERE id = ? AND milestone_reached_on IS NULL",
            [
                input.reached_on.to_string().into(),
                instalment.try_get::<i64>("", "id")?.into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(ApiError::say(
            StatusCode::CONFLICT,
            "INVALID_TRANSITION",
            Text::new("msg.milestone.recorded_meanwhile").arg("n", input.instalment_seq),
        ));
    }
    refresh_due_dates(&txn, contract_id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.milestone_reached",
            subject_type: "contract",
            subject_id: contract_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "instalment_seq": input.instalment_seq,
                "milestone": name,
                "reached_on": input.reached_on,
            })),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, contract_id, today)
        .await
        .map(|view| with_actions(actor, view))?;
    txn.commit().await?;
    Ok(view)
}
