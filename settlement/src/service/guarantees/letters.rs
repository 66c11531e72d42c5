//! Reading guarantee letters: the request that registers one, the view of one, who sees which.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::db::{query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::paged;
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult,
    Value,
};
use serde::{Deserialize, Serialize};

use crate::domain::guarantee::{
    Algorithm, IssuerKind, LetterContent, LetterKind, LetterStatus, Validity,
};
use crate::entity::guarantee_letter;

pub(super) fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

/// A letter as the issuer signed it, with the signature. `gpmall guarantee issue` prints one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLetter {
    /// The issuer's name exactly as registered (see `GET /api/v1/guarantee-issuers`).
    pub issuer: String,
    pub letter_no: String,
    pub kind: LetterKind,
    /// The purchasing unit in whose favour the letter is issued.
    pub beneficiary_org_id: i64,
    /// The supplier whose obligation it secures: the organization registering it.
    pub applicant_org_id: i64,
    pub amount: Money,
    pub valid_from: NaiveDate,
    /// The last day (inclusive) a claim may be made.
    pub valid_until: NaiveDate,
    /// The procurement procedure number or contract number covered.
    #[serde(default)]
    pub project_ref: Option<String>,
    /// Base64 of the issuer's signature over the canonical content (SM2 with SM3 as DER or raw
    /// r‖s; RSA PKCS#1 v1.5 with SHA-256).
    pub signature: String,
}

impl NewLetter {
    /// The signed fields.
    pub fn content(&self) -> LetterContent {
        LetterContent {
            issuer: self.issuer.clone(),
            letter_no: self.letter_no.clone(),
            kind: self.kind,
            beneficiary_org_id: self.beneficiary_org_id,
            applicant_org_id: self.applicant_org_id,
            amount: self.amount,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            project_ref: self.project_ref.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClaimView {
    pub amount: Money,
    pub reason: String,
    pub claimed_on: NaiveDate,
    /// When the operator recorded the issuer's answer.
    pub result_on: Option<NaiveDate>,
    pub result_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LetterView {
    pub id: i64,
    pub issuer_id: i64,
    pub issuer: String,
    pub issuer_kind: IssuerKind,
    pub algorithm: Algorithm,
    pub letter_no: String,
    pub kind: LetterKind,
    pub beneficiary_org_id: i64,
    pub beneficiary_name: String,
    pub applicant_org_id: i64,
    pub applicant_name: String,
    pub amount: Money,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub project_ref: Option<String>,
    pub status: LetterStatus,
    /// For a letter in force: days from today to its last valid day (0 on that day).
    pub days_to_expiry: Option<i64>,
    pub signature: String,
    pub registered_at: DateTime<Utc>,
    pub released_on: Option<NaiveDate>,
    pub release_note: Option<String>,
    pub expired_on: Option<NaiveDate>,
    pub claim: Option<ClaimView>,
}

pub(super) const LETTER_SELECT: &str = "SELECT l.id, l.issuer_id, i.name AS issuer_name, i.kind AS issuer_kind, \
    i.algorithm, l.letter_no, l.kind, l.beneficiary_org_id, b.name AS beneficiary_name, \
    l.applicant_org_id, a.name AS applicant_name, l.amount_fen, l.valid_from, l.valid_until, \
    l.project_ref, l.signature, l.status, l.created_at, l.released_on, l.release_note, l.expired_on, \
    l.claim_amount_fen, l.claim_reason, l.claimed_on, l.claim_result_on, l.claim_result_note \
    FROM guarantee_letters l \
    JOIN guarantee_issuers i ON i.id = l.issuer_id \
    JOIN organizations b ON b.id = l.beneficiary_org_id \
    JOIN organizations a ON a.id = l.applicant_org_id";

pub(super) fn optional_date(
    row: &QueryResult,
    column: &str,
) -> Result<Option<NaiveDate>, ApiError> {
    row.try_get::<Option<String>>("", column)?
        .map(|d| parse_date(&d))
        .transpose()
}

pub(super) fn letter_view(row: &QueryResult, today: NaiveDate) -> Result<LetterView, ApiError> {
    let issuer_kind: String = row.try_get("", "issuer_kind")?;
    let algorithm: String = row.try_get("", "algorithm")?;
    let kind: String = row.try_get("", "kind")?;
    let status: String = row.try_get("", "status")?;
    let status = LetterStatus::parse(&status)
        .ok_or_else(|| ApiError::internal(format!("unknown letter status {status}")))?;
    let valid_from = parse_date(&row.try_get::<String>("", "valid_from")?)?;
    let valid_until = parse_date(&row.try_get::<String>("", "valid_until")?)?;
    let validity = Validity {
        from: valid_from,
        until: valid_until,
    };
    let claim = match row.try_get::<Option<i64>>("", "claim_amount_fen")? {
        Some(fen) => Some(ClaimView {
            amount: Money::from_fen(fen),
            reason: row
                .try_get::<Option<String>>("", "claim_reason")?
                .ok_or_else(|| ApiError::internal("claim without a reason"))?,
            claimed_on: optional_date(row, "claimed_on")?
                .ok_or_else(|| ApiError::internal("claim without a date"))?,
            result_on: optional_date(row, "claim_result_on")?,
            result_note: row.try_get("", "claim_result_note")?,
        }),
        None => None,
    };
    Ok(LetterView {
        id: row.try_get("", "id")?,
        issuer_id: row.try_get("", "issuer_id")?,
        issuer: row.try_get("", "issuer_name")?,
        issuer_kind: IssuerKind::parse(&issuer_kind)
            .ok_or_else(|| ApiError::internal(format!("unknown issuer kind {issuer_kind}")))?,
        algorithm: Algorithm::parse(&algorithm)
            .ok_or_else(|| ApiError::internal(format!("unknown issuer algorithm {algorithm}")))?,
        letter_no: row.try_get("", "letter_no")?,
        kind: LetterKind::parse(&kind)
            .ok_or_else(|| ApiError::internal(format!("unknown letter kind {kind}")))?,
        beneficiary_org_id: row.try_get("", "beneficiary_org_id")?,
        beneficiary_name: row.try_get("", "beneficiary_name")?,
        applicant_org_id: row.try_get("", "applicant_org_id")?,
        applicant_name: row.try_get("", "applicant_name")?,
        amount: Money::from_fen(row.try_get("", "amount_fen")?),
        valid_from,
        valid_until,
        project_ref: row.try_get("", "project_ref")?,
        status,
        days_to_expiry: (status == LetterStatus::Verified).then(|| validity.days_to_expiry(today)),
        signature: row.try_get("", "signature")?,
        registered_at: row.try_get("", "created_at")?,
        released_on: optional_date(row, "released_on")?,
        release_note: row.try_get("", "release_note")?,
        expired_on: optional_date(row, "expired_on")?,
        claim,
    })
}

/// The letters an organization may see: the applicant supplier its own, the beneficiary
/// purchasing unit those in its favour, the operator and the regulator all.
fn visible_clause(actor: &Identity) -> Result<(&'static str, Option<i64>), ApiError> {
    match actor.org_kind {
        OrgKind::Supplier => Ok(("l.applicant_org_id = ?", Some(actor.org_id))),
        OrgKind::Purchaser => Ok(("l.beneficiary_org_id = ?", Some(actor.org_id))),
        OrgKind::Operator | OrgKind::Regulator => Ok(("1 = 1", None)),
        OrgKind::Bank => Err(ApiError::refused(Text::new("msg.guarantee.readers"))),
    }
}

pub(super) async fn load_visible<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
    today: NaiveDate,
) -> Result<LetterView, ApiError> {
    let (clause, org) = visible_clause(actor)?;
    let mut values: Vec<Value> = vec![id.into()];
    values.extend(org.map(Value::from));
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("{LETTER_SELECT} WHERE l.id = ? AND {clause}"),
            values,
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("guarantee letter"))?;
    letter_view(&row, today)
}

pub(super) async fn load_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    today: NaiveDate,
) -> Result<LetterView, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("{LETTER_SELECT} WHERE l.id = ?"),
            [id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("guarantee letter"))?;
    letter_view(&row, today)
}

pub async fn get(ctx: &Ctx, actor: &Identity, id: i64) -> Result<LetterView, ApiError> {
    load_visible(&ctx.db, actor, id, ctx.clock.today()).await
}

/// The letters the caller sees, by last valid day.
pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    status: Option<LetterStatus>,
    page: PageRequest,
) -> Result<ListResponse<LetterView>, ApiError> {
    use guarantee_letter::Column as G;
    let (_, org) = visible_clause(actor)?;
    let mut condition = Condition::all();
    if let Some(org) = org {
        condition = condition.add(match actor.org_kind {
            OrgKind::Supplier => G::ApplicantOrgId.eq(org),
            _ => G::BeneficiaryOrgId.eq(org),
        });
    }
    if let Some(status) = status {
        condition = condition.add(G::Status.eq(status.as_str()));
    }
    let select = guarantee_letter::Entity::find()
        .filter(condition)
        .order_by_asc(G::ValidUntil)
        .order_by_asc(G::Id);
    let found = paged(&ctx.db, select, page).await?;
    let ids: Vec<i64> = found.items.iter().map(|l| l.id).collect();
    let items = load_by_ids(&ctx.db, &ids, ctx.clock.today()).await?;
    Ok(ListResponse::new(items, found.total, page))
}

/// The letters with these ids, in the order of `ids`.
async fn load_by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<LetterView>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let rows = query_all(
        conn,
        stmt(
            conn.get_database_backend(),
            &format!("{LETTER_SELECT} WHERE l.id IN ({placeholders})"),
            ids.iter().map(|id| Value::from(*id)).collect::<Vec<_>>(),
        ),
    )
    .await?;
    let mut letters = rows
        .iter()
        .map(|r| letter_view(r, today))
        .collect::<Result<Vec<_>, _>>()?;
    letters.sort_by_key(|l| ids.iter().position(|id| *id == l.id));
    Ok(letters)
}
