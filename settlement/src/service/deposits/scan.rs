//! The deposit warnings: a refund past its deadline, and a deadline counted without the
//! official calendar of some year.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::calendar::WorkingCalendar;
use gpmall_platform::db::{query_all, stmt};
use gpmall_platform::i18n::{Lang, Text, Tr};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::ConnectionTrait;

use super::refund::refresh;
use super::rows::{DepositRow, load_deposits};
use super::views::{BenchmarkRates, deposit_view};
use super::{RULE_CALENDAR, RULE_OVERDUE, SUBJECT};
use crate::service::warnings::{self, Raise};

/// What a warning calls a deposit, in Chinese and in English: its kind, its supplier and its
/// procedure or contract.
fn label(row: &DepositRow) -> (String, String) {
    let key = format!("deposits.kind.{}", row.kind.as_str());
    let (zh, en) = (Tr::new(Lang::ZhCn), Tr::new(Lang::En));
    let (kind_zh, kind_en) = (zh.t(&key), en.t(&key));
    let supplier = &row.supplier_name;
    match (&row.procedure_no, &row.contract_no) {
        (Some(procedure), _) => (
            format!("{supplier}在采购项目 {procedure} 的{kind_zh}"),
            format!("{kind_en} of {supplier} on procedure {procedure}"),
        ),
        (None, Some(contract)) => (
            format!("{supplier}在合同 {contract} 的{kind_zh}"),
            format!("{kind_en} of {supplier} on contract {contract}"),
        ),
        (None, None) => (
            format!("{supplier}的{kind_zh}"),
            format!("{kind_en} of {supplier}"),
        ),
    }
}

pub(super) async fn raise_calendar_warning<C: ConnectionTrait>(
    conn: &C,
    deposit: &DepositRow,
    purchaser_org_id: i64,
    due: NaiveDate,
    missing_years: &[i32],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let years: Vec<String> = missing_years.iter().map(i32::to_string).collect();
    warnings::raise(
        conn,
        Raise {
            rule: RULE_CALENDAR,
            subject_type: SUBJECT,
            subject_id: deposit.id.to_string(),
            responsible_org_id: purchaser_org_id,
            counterparty_org_id: Some(deposit.supplier_id),
            due_on: Some(due),
            message: {
                let (zh, en) = label(deposit);
                warnings::stored(
                    &Text::new("warning.msg.deposit_calendar")
                        .named("what", zh, en)
                        .arg("due", due)
                        .arg("years", years.join(", ")),
                )
            },
        },
        now,
    )
    .await
}

/// Raises or resolves the warnings of one deposit due back; returns how many it has open.
async fn scan_one(
    ctx: &Ctx,
    calendar: &WorkingCalendar,
    rates: &mut BenchmarkRates,
    row: DepositRow,
) -> Result<usize, ApiError> {
    let (today, now) = (ctx.clock.today(), ctx.clock.now());
    let mut open = 0;
    let subject = row.id.to_string();
    let (what_zh, what_en) = label(&row);
    if row.refund_due_provisional {
        let due = row.refund_due_on.unwrap_or(today);
        let missing = row
            .trigger_on
            .map(|from| calendar.missing_years(from, due))
            .unwrap_or_default();
        raise_calendar_warning(&ctx.db, &row, row.purchaser_org_id, due, &missing, now).await?;
        open += 1;
    }
    let (purchaser, supplier) = (row.purchaser_org_id, row.supplier_id);
    let view = deposit_view(&ctx.db, rates, row, today).await?;
    match view.refund_due_on {
        Some(due) if due < today => {
            let message = warnings::stored(
                &Text::new("warning.msg.deposit_overdue")
                    .named("what", what_zh, what_en)
                    .money("amount", view.amount)
                    .arg("due", due)
                    .arg("days", view.days_late)
                    .money("interest", view.interest_owed),
            );
            let raise = Raise {
                rule: RULE_OVERDUE,
                subject_type: SUBJECT,
                subject_id: subject,
                responsible_org_id: purchaser,
                counterparty_org_id: Some(supplier),
                due_on: Some(due),
                message,
            };
            warnings::raise(&ctx.db, raise, now).await?;
            open += 1;
        }
        _ => warnings::resolve(&ctx.db, RULE_OVERDUE, SUBJECT, &subject, now).await?,
    }
    Ok(open)
}

/// Raises a warning for every deposit past its refund deadline (responsible: the purchaser;
/// counterparty: the supplier) and for every provisional deadline; resolves those that cleared.
/// Idempotent; returns the number of deposit warnings open.
pub async fn scan_deposit_warnings(ctx: &Ctx) -> Result<usize, ApiError> {
    refresh(ctx).await?;
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    let now = ctx.clock.now();
    let mut open = 0;
    let mut rates = BenchmarkRates::default();
    for row in load_deposits(&ctx.db, "d.status = 'refund_due'", vec![]).await? {
        open += scan_one(ctx, &calendar, &mut rates, row).await?;
    }
    // Deposits refunded or converted elsewhere: their warnings clear.
    let cleared = query_all(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            "SELECT w.rule, w.subject_id FROM warnings w JOIN deposits d ON w.subject_id = CAST(d.id AS TEXT) \
             WHERE w.subject_type = ? AND w.state = 'open' AND d.status IN ('refunded','converted')",
            [SUBJECT.into()],
        ),
    )
    .await?;
    for row in &cleared {
        let rule: String = row.try_get("", "rule")?;
        let subject: String = row.try_get("", "subject_id")?;
        warnings::resolve(&ctx.db, &rule, SUBJECT, &subject, now).await?;
    }
    Ok(open)
}
