//! Whether a purchasing unit may order in the mall: not while a contract whose goods were
//! shipped `days` or more ago has had no payment at all (Guangdong's payment supervision rule)
//! and has some part unpaid that is not disputed (withholding a disputed part is not late
//! payment).
//!
//! The mall asks as a typed query: [`ordering_restriction`] on a connection, or
//! [`RestrictionCheck`] as one step of its placement's pipelined batch. Either way the answer
//! is an [`OrderingRestriction`]; the SQL and its rows stay here.

use chrono::NaiveDate;
use gpmall_platform::ApiError;
use gpmall_platform::db::stmt;
use gpmall_platform::i18n::Text;
use gpmall_platform::pipeline::{Outcome, Row, Step};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The oldest contract that restricts its purchaser's ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderingRestriction {
    pub contract_no: String,
    pub shipped_on: NaiveDate,
    /// The days after shipping without any payment that restrict ordering.
    pub days: u32,
}

impl OrderingRestriction {
    /// Why the purchaser may not order, in the reader's language.
    pub fn reason(&self) -> Text {
        Text::new("msg.contract.ordering_restricted")
            .arg("contract", &self.contract_no)
            .arg("shipped", self.shipped_on)
            .arg("days", self.days)
    }
}

/// The restriction check, to run as one step of a batch (see
/// [`gpmall_platform::pipeline::Txn::run`]): send [`RestrictionCheck::step`], then read that
/// step's outcome with [`RestrictionCheck::read`].
pub struct RestrictionCheck {
    statement: Statement,
    days: u32,
}

impl RestrictionCheck {
    /// The check for the purchaser as of `today`; `None` when the cutoff falls before the
    /// calendar begins (nothing can be that old).
    pub fn new(
        backend: DbBackend,
        purchaser_org_id: i64,
        today: NaiveDate,
        days: u32,
    ) -> Option<RestrictionCheck> {
        Some(RestrictionCheck {
            statement: restriction_statement(backend, purchaser_org_id, today, days)?,
            days,
        })
    }

    /// The step to send in the batch.
    pub fn step(&self) -> Step {
        Step::query(self.statement.clone())
    }

    /// The restriction, from the outcome of [`RestrictionCheck::step`].
    pub fn read(&self, outcome: &Outcome) -> Result<Option<OrderingRestriction>, ApiError> {
        outcome
            .rows
            .first()
            .map(|row| restriction_from_row(row, self.days))
            .transpose()
    }
}

/// The restriction on the purchaser's ordering as of `today`, if any.
pub async fn ordering_restriction<C: ConnectionTrait>(
    conn: &C,
    purchaser_org_id: i64,
    today: NaiveDate,
    days: u32,
) -> Result<Option<OrderingRestriction>, ApiError> {
    let Some(statement) =
        restriction_statement(conn.get_database_backend(), purchaser_org_id, today, days)
    else {
        return Ok(None);
    };
    conn.query_one_raw(statement)
        .await?
        .map(|row| restriction_from_row(&Row::Sea(row), days))
        .transpose()
}

/// The oldest active contract of the purchaser shipped on or before the cutoff, with no
/// payment recorded and an instalment with an undisputed unpaid part.
fn restriction_statement(
    backend: DbBackend,
    purchaser_org_id: i64,
    today: NaiveDate,
    days: u32,
) -> Option<Statement> {
    let cutoff = today.checked_sub_days(chrono::Days::new(u64::from(days)))?;
    Some(stmt(
        backend,
        "SELECT c.contract_no, c.shipped_on FROM contracts c \
         WHERE c.purchaser_org_id = ? AND c.status = 'active' \
         AND c.shipped_on IS NOT NULL AND c.shipped_on <= ? \
         AND NOT EXISTS (SELECT 1 FROM contract_payments p WHERE p.contract_id = c.id) \
         AND EXISTS (SELECT 1 FROM contract_instalments i WHERE i.contract_id = c.id \
         AND i.paid_fen + i.disputed_fen < i.principal_fen) \
         ORDER BY c.shipped_on LIMIT 1",
        [purchaser_org_id.into(), cutoff.to_string().into()],
    ))
}

fn restriction_from_row(row: &Row, days: u32) -> Result<OrderingRestriction, ApiError> {
    let shipped: String = row.get("shipped_on")?;
    let shipped_on = NaiveDate::parse_from_str(&shipped, "%Y-%m-%d").map_err(|e| {
        ApiError::internal(format!("unreadable stored shipping date {shipped:?}: {e}"))
    })?;
    Ok(OrderingRestriction {
        contract_no: row.get("contract_no")?,
        shipped_on,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_names_the_contract_its_shipping_day_and_the_days() {
        let restriction = OrderingRestriction {
            contract_no: "HT20260301A".into(),
            shipped_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            days: 45,
        };
        assert_eq!(
            restriction.reason(),
            Text::new("msg.contract.ordering_restricted")
                .arg("contract", "HT20260301A")
                .arg("shipped", "2026-03-02")
                .arg("days", 45)
        );
    }

    #[test]
    fn no_check_when_the_cutoff_is_before_the_calendar_begins() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert!(RestrictionCheck::new(DbBackend::Sqlite, 1, today, 45).is_some());
        assert!(RestrictionCheck::new(DbBackend::Sqlite, 1, NaiveDate::MIN, 45).is_none());
    }
}
