//! Publishing a signed contract within the legal window, and warning when it is late.

use gpmall_platform::audit::AuditEntry;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::TransactionTrait;

use crate::service::warnings::{self, Raise};

use super::*;
use crate::repo::contracts::{self, Visible};

/// The purchaser publishes the contract (the platform records the date; the publication itself
/// goes to the procurement disclosure site).
pub async fn publish(ctx: &Ctx, actor: &Identity, id: i64) -> Result<ContractView, ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::not_found("contract"));
    }
    actor.require_role(Role::Buyer)?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let contract = contracts::find_visible(&txn, id, Visible::Purchaser(actor.org_id))
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))?;
    let already_published = || {
        ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.contract.already_published"),
        )
    };
    if contract.published_on.is_some() {
        return Err(already_published());
    }
    let audit = AuditEntry {
        actor: Some(actor),
        action: "contract.published",
        subject_type: "contract",
        subject_id: id.to_string(),
        before: None,
        after: Some(serde_json::json!({"published_on": today})),
    };
    contracts::mark_published(&txn, id, today, already_published, audit, now).await?;
    warnings::resolve(
        &txn,
        "contract_publication_overdue",
        "contract",
        &id.to_string(),
        now,
    )
    .await?;
    let view = load_view(&txn, id, today)
        .await
        .map(|view| with_actions(actor, view))?;
    txn.commit().await?;
    Ok(view)
}

/// Raises a warning for every contract past its publication deadline and still unpublished,
/// and one for the operator while a deadline was computed on a calendar year not yet loaded.
pub async fn scan_publication_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let overdue = contracts::publication_overdue(&ctx.db, today).await?;
    for contract in &overdue {
        warnings::raise(
            &ctx.db,
            Raise {
                rule: "contract_publication_overdue",
                subject_type: "contract",
                subject_id: contract.id.to_string(),
                responsible_org_id: contract.purchaser_org_id,
                counterparty_org_id: Some(contract.supplier_id),
                due_on: Some(contract.publish_by),
                message: warnings::stored(
                    &Text::new("warning.msg.publication_overdue")
                        .arg("contract", &contract.contract_no)
                        .arg("publish_by", contract.publish_by),
                ),
            },
            now,
        )
        .await?;
    }
    let provisional = contracts::provisional_publication_deadlines(&ctx.db).await?;
    let operator = contracts::operator_org(&ctx.db).await?;
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    if let Some(operator_id) = operator {
        for date in &provisional {
            let year = chrono::Datelike::year(date);
            let subject = year.to_string();
            if calendar.is_loaded(year) {
                warnings::resolve(
                    &ctx.db,
                    "calendar_year_missing",
                    "calendar_year",
                    &subject,
                    now,
                )
                .await?;
            } else {
                warnings::raise(
                    &ctx.db,
                    Raise {
                        rule: "calendar_year_missing",
                        subject_type: "calendar_year",
                        subject_id: subject,
                        responsible_org_id: operator_id,
                        counterparty_org_id: None,
                        due_on: None,
                        message: warnings::stored(
                            &Text::new("warning.msg.calendar_missing").arg("year", year),
                        ),
                    },
                    now,
                )
                .await?;
            }
        }
    }
    Ok(overdue.len())
}
