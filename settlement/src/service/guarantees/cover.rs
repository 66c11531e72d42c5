//! A letter in place of a cash deposit: whether a verified letter covers a deposit of the same
//! purpose, supplier, purchasing unit and amount on a day.

use chrono::NaiveDate;
use gpmall_platform::db::{query_one, stmt};
use gpmall_platform::{ApiError, Money};
use sea_orm::ConnectionTrait;

use super::letters::parse_date;
use crate::domain::guarantee::{
    self, CoverRefusal, DepositNeed, DepositPurpose, LetterFacts, LetterKind, LetterStatus,
    Validity,
};

/// Why letter `letter_id` cannot stand in for the deposit, or `None` when it can (see
/// [`usable_as_deposit`]).
pub async fn deposit_cover_refusal<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    applicant_supplier_id: i64,
    beneficiary_org_id: i64,
    purpose: DepositPurpose,
    amount: Money,
    on: NaiveDate,
) -> Result<Option<String>, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "SELECT status, kind, applicant_org_id, beneficiary_org_id, amount_fen, valid_from, valid_until \
             FROM guarantee_letters WHERE id = ?",
            [letter_id.into()],
        ),
    )
    .await?;
    let Some(row) = row else {
        return Ok(Some(format!(
            "no guarantee letter {letter_id} is registered"
        )));
    };
    let status: String = row.try_get("", "status")?;
    let kind: String = row.try_get("", "kind")?;
    let facts = LetterFacts {
        status: LetterStatus::parse(&status)
            .ok_or_else(|| ApiError::internal(format!("unknown letter status {status}")))?,
        kind: LetterKind::parse(&kind)
            .ok_or_else(|| ApiError::internal(format!("unknown letter kind {kind}")))?,
        applicant_org_id: row.try_get("", "applicant_org_id")?,
        beneficiary_org_id: row.try_get("", "beneficiary_org_id")?,
        amount: Money::from_fen(row.try_get("", "amount_fen")?),
        validity: Validity {
            from: parse_date(&row.try_get::<String>("", "valid_from")?)?,
            until: parse_date(&row.try_get::<String>("", "valid_until")?)?,
        },
    };
    let need = DepositNeed {
        supplier_id: applicant_supplier_id,
        beneficiary_org_id,
        purpose,
        amount,
        on,
    };
    Ok(guarantee::check_deposit_cover(&facts, &need)
        .err()
        .map(|refusal: CoverRefusal| refusal.to_string()))
}

/// Whether letter `letter_id` can stand in for a cash deposit: it is verified (in force, not
/// released, claimed or expired), the supplier is its applicant and the purchasing unit its
/// beneficiary, a bid letter for a bid deposit or a performance letter for a performance
/// deposit, its amount is at least the deposit's, and `on` lies within its validity.
///
/// This only reads; the caller keeps one letter from covering two deposits (for instance with
/// a unique index on the deposit's letter id).
pub async fn usable_as_deposit<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    applicant_supplier_id: i64,
    beneficiary_org_id: i64,
    purpose: DepositPurpose,
    amount: Money,
    on: NaiveDate,
) -> Result<bool, ApiError> {
    Ok(deposit_cover_refusal(
        conn,
        letter_id,
        applicant_supplier_id,
        beneficiary_org_id,
        purpose,
        amount,
        on,
    )
    .await?
    .is_none())
}
