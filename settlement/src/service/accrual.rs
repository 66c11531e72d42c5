//! Overdue detection and late-interest accrual over every contract at once.
//!
//! Interest on an instalment as of day T is `rate × (P × (T − due) − Σ aₚ × (T − max(paidₚ, due)))`
//! (days clamped at zero): the same sum as walking the days in `domain::interest`, in closed
//! form, so one set-based statement computes it for all instalments. Open disputes count as
//! payments dated the day they were raised. The daily rate is stored per contract as an exact
//! fraction and the result is rounded half-up to the fen with integer arithmetic,
//! `(2 × B × num + den) ÷ (2 × den)`. Rows are written only when their interest changes, so a
//! second run on the same day writes nothing and adds nothing; a row already computed as of the
//! day and not marked pending is not even recomputed (interest is a pure function of the stored
//! instalment, its payments and disputes, and the day, and every change to those marks it).
//!
//! The candidates are the instalments past due and unpaid, plus those marked
//! `accrual_pending` (a payment or a dispute changed them since their interest was stored); the
//! partial index `contract_instalments_accruing` holds exactly those. Each instalment carries its
//! contract's rate, so the accrual reads instalment rows alone. The columns it writes
//! (`interest_fen`, `interest_as_of`) are in no index, so on PostgreSQL the daily update of
//! every overdue instalment is a HOT update (the table keeps free space for it).

use chrono::NaiveDate;
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::{ApiError, Money};
use sea_orm::{ConnectionTrait, DbBackend};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccrualSummary {
    pub as_of: NaiveDate,
    /// Instalment rows whose stored interest changed in this run.
    pub rows_updated: u64,
    /// Instalments past their due date and not fully paid (disputed parts included).
    pub overdue_instalments: i64,
    pub overdue: Money,
    /// Interest accrued on the instalments not yet paid in full, as stored after this run.
    pub interest: Money,
}

/// The candidates: instalments past due and unpaid, or marked `accrual_pending` (a payment or
/// a dispute changed them since their interest was stored). A terminated contract's instalments
/// have no due date, so they are never candidates.
const CANDIDATES: &str = "i.due_on < {T} AND (i.paid_fen < i.principal_fen OR i.accrual_pending)";

/// The bracket `P × (T − due) − Σ aₚ × (T − max(dateₚ, due))` in fen-days, over payments and open
/// disputes (dated the day they were raised; `domain::disputes`). Nothing paid or disputed means
/// no sum to look up, which is the common case for an overdue instalment.
const BRACKET: &str = "(i.principal_fen * {DAYS_LATE} - CASE WHEN i.paid_fen = 0 AND i.disputed_fen = 0 THEN 0 ELSE \
    COALESCE((SELECT SUM(p.amount_fen * {DAYS_SINCE_PAYMENT}) FROM contract_payments p WHERE p.instalment_id = i.id), 0) \
    + COALESCE((SELECT SUM(d.amount_fen * {DAYS_SINCE_DISPUTE}) FROM contract_disputes d \
        WHERE d.instalment_id = i.id AND d.status = 'open'), 0) END)";

fn bracket(backend: DbBackend) -> String {
    let (late, since_payment, since_dispute) = match backend {
        DbBackend::Postgres => (
            "GREATEST(0, t.today - i.due_on::date)",
            "GREATEST(0, t.today - GREATEST(p.paid_on::date, i.due_on::date))",
            "GREATEST(0, t.today - GREATEST(d.opened_on::date, i.due_on::date))",
        ),
        _ => (
            "MAX(0, CAST(julianday(?) - julianday(i.due_on) AS INTEGER))",
            "MAX(0, CAST(julianday(?) - julianday(MAX(p.paid_on, i.due_on)) AS INTEGER))",
            "MAX(0, CAST(julianday(?) - julianday(MAX(d.opened_on, i.due_on)) AS INTEGER))",
        ),
    };
    BRACKET
        .replace("{DAYS_LATE}", late)
        .replace("{DAYS_SINCE_PAYMENT}", since_payment)
        .replace("{DAYS_SINCE_DISPUTE}", since_dispute)
}

pub async fn accrue<C: ConnectionTrait>(
    conn: &C,
    as_of: NaiveDate,
) -> Result<AccrualSummary, ApiError> {
    let today = as_of.to_string();
    let rows_updated = match conn.get_database_backend() {
        DbBackend::Postgres => accrue_postgres(conn, &today).await?,
        _ => accrue_portable(conn, &today).await?,
    };
    // After the update, a second statement sees the stored interest.
    let totals = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(i.principal_fen - i.paid_fen), 0) AS BIGINT) AS overdue_fen, \
             CAST(COALESCE(SUM(i.interest_fen), 0) AS BIGINT) AS interest_fen \
             FROM contract_instalments i WHERE i.due_on < ? AND i.paid_fen < i.principal_fen",
            [today.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::internal("no summary row"))?;
    Ok(AccrualSummary {
        as_of,
        rows_updated,
        overdue_instalments: totals.try_get("", "n")?,
        overdue: Money::from_fen(totals.try_get("", "overdue_fen")?),
        interest: Money::from_fen(totals.try_get("", "interest_fen")?),
    })
}

/// One `UPDATE` on PostgreSQL, exact in NUMERIC, writing only the rows whose interest changed.
/// It reads the instalment rows alone (no join), through the partial index of accruing rows.
async fn accrue_postgres<C: ConnectionTrait>(conn: &C, today: &str) -> Result<u64, ApiError> {
    let interest = format!(
        "FLOOR((2 * {}::numeric * i.late_rate_num + i.late_rate_den) / (2 * i.late_rate_den))::bigint",
        bracket(DbBackend::Postgres)
    );
    let sql = format!(
        "UPDATE contract_instalments AS i SET interest_fen = {interest}, interest_as_of = t.today_text, accrual_pending = FALSE \
         FROM (SELECT CAST($1 AS date) AS today, CAST($1 AS text) AS today_text) AS t \
         WHERE {} AND (i.accrual_pending OR (i.interest_as_of IS DISTINCT FROM t.today_text AND i.interest_fen <> {interest}))",
        CANDIDATES.replace("{T}", "t.today_text")
    );
    Ok(execute(conn, stmt(DbBackend::Postgres, &sql, [today.into()])).await?)
}

/// SQLite: the day sums in SQL (whole days from `julianday`), the rounding in Rust with i128.
async fn accrue_portable<C: ConnectionTrait>(conn: &C, today: &str) -> Result<u64, ApiError> {
    let backend = conn.get_database_backend();
    let rows = query_all(
        conn,
        stmt(
            backend,
            &format!(
                "SELECT i.id, i.interest_fen, i.accrual_pending, i.late_rate_num, i.late_rate_den, {} AS bracket \
                 FROM contract_instalments i WHERE {} AND (i.accrual_pending OR i.interest_as_of IS NOT ?)",
                bracket(backend),
                CANDIDATES.replace("{T}", "?")
            ),
            [today.into(), today.into(), today.into(), today.into(), today.into()],
        ),
    )
    .await?;
    let mut updated = 0;
    for row in rows {
        let bracket = i128::from(row.try_get::<i64>("", "bracket")?.max(0));
        let numerator = i128::from(row.try_get::<i64>("", "late_rate_num")?);
        let denominator = i128::from(row.try_get::<i64>("", "late_rate_den")?);
        let interest = (2 * bracket * numerator + denominator) / (2 * denominator);
        let interest = i64::try_from(interest).map_err(ApiError::internal)?;
        let stored: i64 = row.try_get("", "interest_fen")?;
        let pending: bool = row.try_get("", "accrual_pending")?;
        if stored != interest || pending {
            updated += execute(
                conn,
                stmt(
                    backend,
                    "UPDATE contract_instalments SET interest_fen = ?, interest_as_of = ?, accrual_pending = FALSE WHERE id = ?",
                    [interest.into(), today.into(), row.try_get::<i64>("", "id")?.into()],
                ),
            )
            .await?;
        }
    }
    Ok(updated)
}
