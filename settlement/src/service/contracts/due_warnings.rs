//! Scans that warn before and after a payment falls due, and when a contract is not signed in time.

use gpmall_platform::db::{query_all, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Ctx};

use crate::domain::deposits::ProcedureStatus;
use crate::repo::contracts::{self, DueInstalment};
use crate::repo::procedures;
use crate::service::warnings::{self, Raise};

/// Payment warnings: an instalment due within this many days.
pub const DUE_SOON_DAYS: u64 = 5;

/// Raises (or resolves) the payment warnings as of today: an instalment with an undisputed
/// unpaid part due within 5 days, or overdue. Idempotent; run by the service periodically,
/// right after the accrual, whose stored interest the messages quote. It reads only the
/// instalments that are unpaid and due by the horizon (the partial index on unpaid
/// instalments) and the open payment warnings, never every contract.
pub async fn scan_payment_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let horizon = today
        .checked_add_days(chrono::Days::new(DUE_SOON_DAYS))
        .unwrap_or(today);
    let due = contracts::unpaid_due_by(&ctx.db, horizon).await?;
    let mut raised = std::collections::HashSet::new();
    for inst in &due {
        let DueInstalment {
            contract_id,
            ref contract_no,
            seq,
            due_on,
            payable,
            ..
        } = *inst;
        let subject = format!("{contract_id}#{seq}");
        let (rule, message) = if due_on < today {
            let interest = inst.interest;
            let days = (today - due_on).num_days();
            (
                "payment_overdue",
                Text::new("warning.msg.payment_overdue")
                    .arg("contract", contract_no)
                    .arg("seq", seq)
                    .money("amount", payable)
                    .arg("days", days)
                    .money("interest", interest),
            )
        } else {
            (
                "payment_due_soon",
                Text::new("warning.msg.payment_due_soon")
                    .arg("contract", contract_no)
                    .arg("seq", seq)
                    .money("amount", payable)
                    .arg("due_on", due_on),
            )
        };
        warnings::raise(
            &ctx.db,
            Raise {
                rule,
                subject_type: "instalment",
                subject_id: subject.clone(),
                responsible_org_id: inst.purchaser_org_id,
                counterparty_org_id: Some(inst.supplier_id),
                due_on: Some(due_on),
                message: warnings::stored(&message),
            },
            now,
        )
        .await?;
        raised.insert((rule, subject));
    }
    // Whatever else is open has cleared: paid, disputed, terminated or no longer due soon.
    let open = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT rule, subject_id FROM warnings WHERE subject_type = 'instalment' AND state = 'open' \
             AND rule IN ('payment_due_soon', 'payment_overdue')",
            [],
        ),
    )
    .await?;
    for row in &open {
        let rule: String = row.try_get("", "rule")?;
        let subject: String = row.try_get("", "subject_id")?;
        if !raised.contains(&(rule.as_str(), subject.clone())) {
            warnings::resolve(&ctx.db, &rule, "instalment", &subject, now).await?;
        }
    }
    Ok(raised.len())
}

/// Days after the award notice within which the contract must be signed (Government
/// Procurement Law art 46).
pub const SIGNING_DAYS_AFTER_AWARD: u64 = 30;

/// Raises a warning for each awarded procedure whose contract is not signed within 30 days of
/// the award notice, and resolves it once the contract is signed or the procedure ends.
pub async fn scan_signing_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let mut open = 0;
    for procedure in procedures::with_award_notice(&ctx.db).await? {
        let id = procedure.id;
        let award = procedure.award_notice_on;
        let deadline = award
            .checked_add_days(chrono::Days::new(SIGNING_DAYS_AFTER_AWARD))
            .ok_or_else(|| ApiError::internal("date out of range"))?;
        if procedure.status == ProcedureStatus::Awarded && deadline < today {
            warnings::raise(
                &ctx.db,
                Raise {
                    rule: "contract_signing_overdue",
                    subject_type: "procedure",
                    subject_id: id.to_string(),
                    responsible_org_id: procedure.purchaser_org_id,
                    counterparty_org_id: procedure.winner_supplier_id,
                    due_on: Some(deadline),
                    message: warnings::stored(
                        &Text::new("warning.msg.signing_overdue")
                            .arg("procedure", &procedure.procedure_no)
                            .arg("award", award)
                            .arg("deadline", deadline),
                    ),
                },
                now,
            )
            .await?;
            open += 1;
        } else {
            warnings::resolve(
                &ctx.db,
                "contract_signing_overdue",
                "procedure",
                &id.to_string(),
                now,
            )
            .await?;
        }
    }
    Ok(open)
}
