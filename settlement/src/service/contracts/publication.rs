//! Publishing a signed contract within the legal window, and warning when it is late.

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::service::warnings::{self, Raise};

use super::*;

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
    let backend = txn.get_database_backend();
    let exists = query_one(
        &txn,
        stmt(
            backend,
            "SELECT published_on FROM contracts WHERE id = ? AND purchaser_org_id = ?",
            [id.into(), actor.org_id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("contract"))?;
    if exists
        .try_get::<Option<String>>("", "published_on")?
        .is_some()
    {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.contract.already_published"),
        ));
    }
    execute(
        &txn,
        stmt(
            backend,
            "UPDATE contracts SET published_on = ? WHERE id = ? AND published_on IS NULL",
            [today.to_string().into(), id.into()],
        ),
    )
    .await?;
    warnings::resolve(
        &txn,
        "contract_publication_overdue",
        "contract",
        &id.to_string(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.published",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"published_on": today})),
        },
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
    let backend = ctx.db.get_database_backend();
    let overdue = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT id, contract_no, purchaser_org_id, supplier_id, publish_by FROM contracts \
         WHERE published_on IS NULL AND status <> 'terminated' AND publish_by < ?",
            [today.to_string().into()],
        ),
    )
    .await?;
    for row in &overdue {
        let id: i64 = row.try_get("", "id")?;
        let publish_by = parse_date(&row.try_get::<String>("", "publish_by")?)?;
        warnings::raise(
            &ctx.db,
            Raise {
                rule: "contract_publication_overdue",
                subject_type: "contract",
                subject_id: id.to_string(),
                responsible_org_id: row.try_get("", "purchaser_org_id")?,
                counterparty_org_id: Some(row.try_get("", "supplier_id")?),
                due_on: Some(publish_by),
                message: warnings::stored(
                    &Text::new("warning.msg.publication_overdue")
                        .arg("contract", row.try_get::<String>("", "contract_no")?)
                        .arg("publish_by", publish_by),
                ),
            },
            now,
        )
        .await?;
    }
    let provisional = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT DISTINCT publish_by FROM contracts WHERE publish_by_provisional = ?",
            [true.into()],
        ),
    )
    .await?;
    let operator = query_one(
        &ctx.db,
        stmt(
            backend,
            "SELECT id FROM organizations WHERE kind = 'operator' ORDER BY id LIMIT 1",
            [],
        ),
    )
    .await?;
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    if let Some(operator) = operator {
        let operator_id: i64 = operator.try_get("", "id")?;
        for row in &provisional {
            let date = parse_date(&row.try_get::<String>("", "publish_by")?)?;
            let year = chrono::Datelike::year(&date);
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
