//! Overdue detection and late-interest accrual over every contract at once.
//!
//! Interest on an instalment as of day T is `rate × (P × (T − due) − Σ aₚ × (T − max(paidₚ, due)))`
//! (days clamped at zero): the same sum as walking the days in `domain::interest`, in closed
//! form, so one set-based statement computes it for all instalments. Open disputes count as
//! payments dated the day they were raised. The daily rate is stored
//! per contract as an exact fraction and the result is rounded half-up to the fen with integer
//! arithmetic, `(2 × B × num + den) ÷ (2 × den)`. Rows are written only when their interest
//! changes, so a second run on the same day writes nothing and adds nothing.

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
    /// Instalments past their due date and not fully paid.
    pub overdue_instalments: i64,
    pub overdue: Money,
    /// Interest on the instalments past their due date, as stored after this run.
    pub interest: Money,
}

/// The instalments whose interest may have changed since it was last stored: unpaid past their
/// due date, or never computed, or given a payment since (recording a payment clears
/// `interest_as_of`).
const CANDIDATES: &str = "i.due_on < ? AND c.status <> 'terminated' \
    AND (i.paid_fen < i.principal_fen OR i.interest_as_of IS NULL)";

/// What stops interest on part of an instalment from the day after its date: payments, and open
/// disputes from the day they were raised (`domain::disputes`).
const SETTLEMENTS: &str = "(SELECT instalment_id, amount_fen, paid_on FROM contract_payments \
    UNION ALL SELECT instalment_id, amount_fen, opened_on FROM contract_disputes WHERE status = 'open')";

pub async fn accrue<C: ConnectionTrait>(
    conn: &C,
    as_of: NaiveDate,
) -> Result<AccrualSummary, ApiError> {
    let today = as_of.to_string();
    let rows_updated = match conn.get_database_backend() {
        DbBackend::Postgres => accrue_postgres(conn, &today).await?,
        _ => accrue_portable(conn, &today).await?,
    };
    let backend = conn.get_database_backend();
    // Rows with interest or still accruing: the partial index on accruing instalments and the
    // rows the accrual has touched, rather than every instalment.
    let totals = query_one(
        conn,
        stmt(
            backend,
            "SELECT CAST(COALESCE(SUM(CASE WHEN i.paid_fen < i.principal_fen AND c.status = 'active' THEN 1 ELSE 0 END), 0) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(CASE WHEN i.paid_fen < i.principal_fen AND c.status = 'active' THEN i.principal_fen - i.paid_fen ELSE 0 END), 0) AS BIGINT) AS overdue_fen, \
             CAST(COALESCE(SUM(i.interest_fen), 0) AS BIGINT) AS interest_fen \
             FROM contract_instalments i JOIN contracts c ON c.id = i.contract_id \
             WHERE i.due_on < ? AND (i.paid_fen < i.principal_fen OR i.interest_as_of IS NULL OR i.interest_fen > 0)",
            [today.clone().into()],
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

/// One statement on PostgreSQL, exact in NUMERIC.
async fn accrue_postgres<C: ConnectionTrait>(conn: &C, today: &str) -> Result<u64, ApiError> {
    let sql = format!(
        "UPDATE contract_instalments AS t SET interest_fen = x.interest_fen, interest_as_of = ? \
         FROM ( \
           SELECT i.id, FLOOR((2 * (i.principal_fen::numeric * GREATEST(0, CAST(? AS date) - i.due_on::date) \
                  - COALESCE(SUM(p.amount_fen::numeric * GREATEST(0, CAST(? AS date) - GREATEST(p.paid_on::date, i.due_on::date))), 0)) \
                  * c.late_rate_num + c.late_rate_den) / (2 * c.late_rate_den))::bigint AS interest_fen \
           FROM contract_instalments i JOIN contracts c ON c.id = i.contract_id \
           LEFT JOIN {SETTLEMENTS} p ON p.instalment_id = i.id \
           WHERE {CANDIDATES} \
           GROUP BY i.id, i.principal_fen, i.due_on, c.late_rate_num, c.late_rate_den \
         ) x \
         WHERE t.id = x.id AND (t.interest_fen <> x.interest_fen OR t.interest_as_of IS NULL)"
    );
    let backend = conn.get_database_backend();
    Ok(execute(
        conn,
        stmt(
            backend,
            &sql,
            [today.into(), today.into(), today.into(), today.into()],
        ),
    )
    .await?)
}

/// SQLite: the day sums in SQL (whole days from `julianday`), the rounding in Rust with i128.
async fn accrue_portable<C: ConnectionTrait>(conn: &C, today: &str) -> Result<u64, ApiError> {
    let backend = conn.get_database_backend();
    let rows = query_all(
        conn,
        stmt(
            backend,
            &format!(
                "SELECT i.id, i.interest_fen, i.interest_as_of, c.late_rate_num, c.late_rate_den, \
                 i.principal_fen * MAX(0, CAST(julianday(?) - julianday(i.due_on) AS INTEGER)) \
                 - COALESCE(SUM(p.amount_fen * MAX(0, CAST(julianday(?) - julianday(MAX(p.paid_on, i.due_on)) AS INTEGER))), 0) AS bracket \
                 FROM contract_instalments i JOIN contracts c ON c.id = i.contract_id \
                 LEFT JOIN {SETTLEMENTS} p ON p.instalment_id = i.id \
                 WHERE {CANDIDATES} GROUP BY i.id"
            ),
            [today.into(), today.into(), today.into()],
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
        let as_of: Option<String> = row.try_get("", "interest_as_of")?;
        if stored != interest || as_of.is_none() {
            updated += execute(
                conn,
                stmt(
                    backend,
                    "UPDATE contract_instalments SET interest_fen = ?, interest_as_of = ? WHERE id = ?",
                    [interest.into(), today.into(), row.try_get::<i64>("", "id")?.into()],
                ),
            )
            .await?;
        }
    }
    Ok(updated)
}
