//! Guarantee letters (保函): the operator registers issuers and their public keys; the applicant
//! supplier registers a letter, which is kept only when the issuer's signature verifies; the
//! beneficiary purchasing unit releases it or claims under it; the operator records the
//! issuer's answer to a claim; a daily scan warns before expiry and marks expired letters.
//! Other modules ask [`usable_as_deposit`] whether a letter stands in for a cash deposit.

use chrono::{DateTime, Days, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{execute, query_all, query_one, stmt};
use gpmall_platform::identity::credit_code::CreditCode;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::text::{clean_name, clean_note};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::{Deserialize, Serialize};

use super::warnings::{self, Raise};
use crate::domain::guarantee::{
    self, Algorithm, CoverRefusal, DepositNeed, DepositPurpose, EXPIRY_WARNING_DAYS, IssuerKind,
    IssuerPublicKey, LetterContent, LetterEvent, LetterFacts, LetterKind, LetterStatus, Validity,
};
use crate::error::{Guarded, SettlementError};

/// The demo bank: signs with SM2 (its private key is `demo/issuers/ccb-jiangbei.sm2.key.pem`).
pub const DEMO_SM2_ISSUER: &str = "中国建设银行重庆江北支行";
/// The demo guarantee company: signs with RSA-2048 (`demo/issuers/sanxia-guarantee.rsa.key.pem`).
pub const DEMO_RSA_ISSUER: &str = "重庆三峡融资担保集团股份有限公司";
const DEMO_SM2_PUBLIC_KEY: &str = include_str!("../../../demo/issuers/ccb-jiangbei.sm2.pub.pem");
const DEMO_RSA_PUBLIC_KEY: &str =
    include_str!("../../../demo/issuers/sanxia-guarantee.rsa.pub.pem");

/// The warning raised while a letter in force nears its last valid day.
pub const EXPIRING_RULE: &str = "guarantee_expiring";
const SUBJECT: &str = "guarantee_letter";

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    text.parse().map_err(ApiError::internal)
}

fn transition_error(e: guarantee::TransitionError) -> ApiError {
    SettlementError::from(e).into()
}

/// A concurrent change won the guarded update.
fn changed_meanwhile() -> ApiError {
    crate::error::changed_meanwhile(Guarded::Letter)
}

// ---------------------------------------------------------------------------------------------
// Issuers

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIssuer {
    /// The name letters carry as `issuer`, e.g. "中国建设银行重庆江北支行".
    pub name: String,
    pub kind: IssuerKind,
    pub algorithm: Algorithm,
    /// PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`): SM2, or RSA of at least 2048 bits.
    pub public_key_pem: String,
    /// Unified social credit code, checked when given.
    #[serde(default)]
    pub credit_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuerView {
    pub id: i64,
    pub name: String,
    pub kind: IssuerKind,
    pub algorithm: Algorithm,
    pub public_key_pem: String,
    pub credit_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

const ISSUER_COLUMNS: &str = "id, name, kind, algorithm, public_key_pem, credit_code, created_at";

fn issuer_view(row: &QueryResult) -> Result<IssuerView, ApiError> {
    let kind: String = row.try_get("", "kind")?;
    let algorithm: String = row.try_get("", "algorithm")?;
    Ok(IssuerView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        kind: IssuerKind::parse(&kind).ok_or_else(|| ApiError::internal("issuer kind"))?,
        algorithm: Algorithm::parse(&algorithm)
            .ok_or_else(|| ApiError::internal("issuer algorithm"))?,
        public_key_pem: row.try_get("", "public_key_pem")?,
        credit_code: row.try_get("", "credit_code")?,
        created_at: row.try_get("", "created_at")?,
    })
}

async fn insert_issuer<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    kind: IssuerKind,
    algorithm: Algorithm,
    public_key_pem: &str,
    credit_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let row = query_one(
        conn,
        stmt(
            conn.get_database_backend(),
            "INSERT INTO guarantee_issuers (name, kind, algorithm, public_key_pem, credit_code, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id",
            [
                name.into(),
                kind.as_str().into(),
                algorithm.as_str().into(),
                public_key_pem.into(),
                credit_code.map(str::to_owned).into(),
                now.into(),
            ],
        ),
    )
    .await?;
    row.map(|r| r.try_get::<i64>("", "id"))
        .transpose()
        .map_err(Into::into)
}

/// The operator registers an issuer (bank, insurer or guarantee company) with its public key.
#[tracing::instrument(skip_all)]
pub async fn register_issuer(
    ctx: &Ctx,
    actor: &Identity,
    input: NewIssuer,
) -> Result<IssuerView, ApiError> {
    actor.require_role(Role::Operator)?;
    let name = clean_name("field.issuer_name", &input.name, 100)?;
    let name = name.as_str();
    let credit_code = input
        .credit_code
        .as_deref()
        .map(|code| {
            CreditCode::parse(code).map_err(|e| {
                ApiError::bad_request("CREDIT_CODE_INVALID", format!("credit_code: {e}"))
            })
        })
        .transpose()?;
    let pem = input.public_key_pem.trim();
    IssuerPublicKey::from_pem(input.algorithm, pem).map_err(|e| {
        ApiError::unprocessable("KEY_INVALID", format!("public_key_pem: {e}"))
            .with_details(serde_json::json!({"algorithm": input.algorithm}))
    })?;
    let pem = format!("{pem}\n");
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let id = insert_issuer(
        &txn,
        name,
        input.kind,
        input.algorithm,
        &pem,
        credit_code.as_ref().map(CreditCode::as_str),
        now,
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "ISSUER_EXISTS",
            format!("an issuer named {name} is already registered"),
        )
    })?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "guarantee_issuer.registered",
            subject_type: "guarantee_issuer",
            subject_id: id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({"name": name, "kind": input.kind, "algorithm": input.algorithm}),
            ),
        },
        now,
    )
    .await?;
    let row = query_one(
        &txn,
        stmt(
            txn.get_database_backend(),
            &format!("SELECT {ISSUER_COLUMNS} FROM guarantee_issuers WHERE id = ?"),
            [id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::internal("issuer vanished"))?;
    let view = issuer_view(&row)?;
    txn.commit().await?;
    Ok(view)
}

/// Every registered issuer, by name.
pub async fn list_issuers(ctx: &Ctx) -> Result<Vec<IssuerView>, ApiError> {
    let rows = query_all(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            &format!("SELECT {ISSUER_COLUMNS} FROM guarantee_issuers ORDER BY name"),
            [],
        ),
    )
    .await?;
    rows.iter().map(issuer_view).collect()
}

/// Seeds the two demo issuers (one SM2 bank, one RSA guarantee company) inside the demo
/// seeding transaction. Their private keys are demo files under `demo/issuers/`.
pub async fn seed_demo_issuers<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for (name, kind, algorithm, pem) in [
        (
            DEMO_SM2_ISSUER,
            IssuerKind::Bank,
            Algorithm::Sm2,
            DEMO_SM2_PUBLIC_KEY,
        ),
        (
            DEMO_RSA_ISSUER,
            IssuerKind::GuaranteeCompany,
            Algorithm::Rsa,
            DEMO_RSA_PUBLIC_KEY,
        ),
    ] {
        insert_issuer(conn, name, kind, algorithm, pem, None, now).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Letters

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

const LETTER_SELECT: &str = "SELECT l.id, l.issuer_id, i.name AS issuer_name, i.kind AS issuer_kind, \
    i.algorithm, l.letter_no, l.kind, l.beneficiary_org_id, b.name AS beneficiary_name, \
    l.applicant_org_id, a.name AS applicant_name, l.amount_fen, l.valid_from, l.valid_until, \
    l.project_ref, l.signature, l.status, l.created_at, l.released_on, l.release_note, l.expired_on, \
    l.claim_amount_fen, l.claim_reason, l.claimed_on, l.claim_result_on, l.claim_result_note \
    FROM guarantee_letters l \
    JOIN guarantee_issuers i ON i.id = l.issuer_id \
    JOIN organizations b ON b.id = l.beneficiary_org_id \
    JOIN organizations a ON a.id = l.applicant_org_id";

fn optional_date(row: &QueryResult, column: &str) -> Result<Option<NaiveDate>, ApiError> {
    row.try_get::<Option<String>>("", column)?
        .map(|d| parse_date(&d))
        .transpose()
}

fn letter_view(row: &QueryResult, today: NaiveDate) -> Result<LetterView, ApiError> {
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
            .ok_or_else(|| ApiError::internal("issuer kind"))?,
        algorithm: Algorithm::parse(&algorithm)
            .ok_or_else(|| ApiError::internal("issuer algorithm"))?,
        letter_no: row.try_get("", "letter_no")?,
        kind: LetterKind::parse(&kind).ok_or_else(|| ApiError::internal("letter kind"))?,
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
        OrgKind::Bank => Err(ApiError::forbidden(
            "guarantee letters are seen by their applicant, their beneficiary, the operator and the regulator",
        )),
    }
}

async fn load_visible<C: ConnectionTrait>(
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

async fn load_by_id<C: ConnectionTrait>(
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

pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    status: Option<LetterStatus>,
    page: PageRequest,
) -> Result<ListResponse<LetterView>, ApiError> {
    let (clause, org) = visible_clause(actor)?;
    let mut filter = format!("WHERE {clause}");
    let mut values: Vec<Value> = org.map(Value::from).into_iter().collect();
    if let Some(status) = status {
        filter.push_str(" AND l.status = ?");
        values.push(status.as_str().into());
    }
    let backend = ctx.db.get_database_backend();
    let total = query_one(
        &ctx.db,
        stmt(
            backend,
            &format!("SELECT COUNT(*) AS n FROM guarantee_letters l {filter}"),
            values.clone(),
        ),
    )
    .await?
    .map(|r| r.try_get::<i64>("", "n"))
    .transpose()?
    .unwrap_or(0);
    values.push((page.per_page as i64).into());
    values.push((page.offset() as i64).into());
    let rows = query_all(
        &ctx.db,
        stmt(
            backend,
            &format!("{LETTER_SELECT} {filter} ORDER BY l.valid_until, l.id LIMIT ? OFFSET ?"),
            values,
        ),
    )
    .await?;
    let today = ctx.clock.today();
    let items = rows
        .iter()
        .map(|r| letter_view(r, today))
        .collect::<Result<_, _>>()?;
    Ok(ListResponse::new(items, total as u64, page))
}

/// Raises (or refreshes) the expiry warning of a letter in force whose last valid day is near.
async fn warn_if_expiring<C: ConnectionTrait>(
    conn: &C,
    letter: &LetterView,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let days = (letter.valid_until - today).num_days();
    if letter.status != LetterStatus::Verified || !(0..=EXPIRY_WARNING_DAYS).contains(&days) {
        return Ok(false);
    }
    warnings::raise(
        conn,
        Raise {
            rule: EXPIRING_RULE,
            subject_type: SUBJECT,
            subject_id: letter.id.to_string(),
            responsible_org_id: letter.applicant_org_id,
            counterparty_org_id: Some(letter.beneficiary_org_id),
            due_on: Some(letter.valid_until),
            message: format!(
                "{} letter {} from {} for {} in favour of {} expires on {} ({days} days left): \
                 have it released if the obligation has ended, or renew it",
                letter.kind.as_str(),
                letter.letter_no,
                letter.issuer,
                letter.amount,
                letter.beneficiary_name,
                letter.valid_until
            ),
        },
        now,
    )
    .await?;
    Ok(true)
}

const VALID_FROM: Field = Field::new("valid_from", "field.valid_from");
const VALID_UNTIL: Field = Field::new("valid_until", "field.valid_until");

/// A letter registered today: in force from within a year from now, not expired (an expired
/// letter secures nothing), ending after it starts and at most ten years ahead.
fn check_validity_dates(content: &LetterContent, today: NaiveDate) -> Result<(), ApiError> {
    dates::not_too_early(VALID_FROM, content.valid_from)?;
    dates::not_after(VALID_FROM, content.valid_from, dates::years_after(today, 1))?;
    dates::not_before(VALID_UNTIL, content.valid_until, today, "date.bound.today")?;
    dates::not_before(
        VALID_UNTIL,
        content.valid_until,
        content.valid_from,
        "date.bound.valid_from",
    )?;
    dates::not_after(
        VALID_UNTIL,
        content.valid_until,
        dates::years_after(today, 10),
    )
}

/// The applicant supplier registers a letter. It is stored, as `verified`, only when the
/// issuer's registered key verifies the signature over the canonical content; otherwise it is
/// refused with 422 `SIGNATURE_INVALID` (and the refusal is audited).
#[tracing::instrument(skip_all, fields(letter_no = %input.letter_no))]
pub async fn register_letter(
    ctx: &Ctx,
    actor: &Identity,
    input: NewLetter,
) -> Result<LetterView, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::forbidden(
            "the applicant supplier registers its guarantee letters",
        ));
    }
    actor.require_role(Role::Seller)?;
    let content = input.content();
    check_validity_dates(&content, ctx.clock.today())?;
    content.validate().map_err(|e| {
        ApiError::validation(e.to_string()).with_details(serde_json::json!({"field": e.field}))
    })?;
    if content.applicant_org_id != actor.org_id {
        return Err(ApiError::forbidden(
            "applicant_org_id must be your own organization: a supplier registers the letters it applied for",
        ));
    }
    let today = ctx.clock.today();
    let backend = ctx.db.get_database_backend();
    let beneficiary = query_one(
        &ctx.db,
        stmt(
            backend,
            "SELECT id FROM organizations WHERE id = ? AND kind = 'purchaser'",
            [content.beneficiary_org_id.into()],
        ),
    )
    .await?;
    if beneficiary.is_none() {
        return Err(ApiError::validation(format!(
            "beneficiary_org_id: {} is not a purchasing unit on the platform",
            content.beneficiary_org_id
        ))
        .with_details(serde_json::json!({"field": "beneficiary_org_id"})));
    }
    let issuer = query_one(
        &ctx.db,
        stmt(
            backend,
            &format!("SELECT {ISSUER_COLUMNS} FROM guarantee_issuers WHERE name = ?"),
            [content.issuer.clone().into()],
        ),
    )
    .await?
    .map(|r| issuer_view(&r))
    .transpose()?
    .ok_or_else(|| {
        ApiError::unprocessable(
            "ISSUER_NOT_REGISTERED",
            format!(
                "issuer: no issuer named {} is registered; the operator registers issuers and their keys",
                content.issuer
            ),
        )
    })?;
    let key = IssuerPublicKey::from_pem(issuer.algorithm, &issuer.public_key_pem)
        .map_err(ApiError::internal)?;
    let now = ctx.clock.now();
    if let Err(e) = key.verify(&content, &input.signature) {
        audit::record(
            &ctx.db,
            AuditEntry {
                actor: Some(actor),
                action: "guarantee_letter.refused",
                subject_type: "guarantee_issuer",
                subject_id: issuer.id.to_string(),
                before: None,
                after: Some(serde_json::json!({
                    "letter_no": content.letter_no, "kind": content.kind, "amount": content.amount,
                    "beneficiary_org_id": content.beneficiary_org_id, "reason": e.to_string(),
                })),
            },
            now,
        )
        .await?;
        return Err(
            ApiError::unprocessable("SIGNATURE_INVALID", e.to_string()).with_details(
                serde_json::json!({"issuer": issuer.name, "algorithm": issuer.algorithm}),
            ),
        );
    }
    let txn = ctx.db.begin().await?;
    let inserted = query_one(
        &txn,
        stmt(
            backend,
            "INSERT INTO guarantee_letters (issuer_id, letter_no, kind, beneficiary_org_id, applicant_org_id, \
             amount_fen, valid_from, valid_until, project_ref, signature, status, registered_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'verified', ?, ?) \
             ON CONFLICT (issuer_id, letter_no) DO NOTHING RETURNING id",
            [
                issuer.id.into(),
                content.letter_no.clone().into(),
                content.kind.as_str().into(),
                content.beneficiary_org_id.into(),
                content.applicant_org_id.into(),
                content.amount.fen().into(),
                content.valid_from.to_string().into(),
                content.valid_until.to_string().into(),
                content.project_ref.clone().into(),
                input.signature.trim().into(),
                actor.user_id.into(),
                now.into(),
            ],
        ),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "LETTER_EXISTS",
            format!(
                "letter {} of {} is already registered",
                content.letter_no, issuer.name
            ),
        )
    })?;
    let id: i64 = inserted.try_get("", "id")?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "guarantee_letter.registered",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "issuer": issuer.name, "letter_no": content.letter_no, "kind": content.kind,
                "amount": content.amount, "beneficiary_org_id": content.beneficiary_org_id,
                "valid_from": content.valid_from, "valid_until": content.valid_until,
                "status": LetterStatus::Verified,
            })),
        },
        now,
    )
    .await?;
    let view = load_by_id(&txn, id, today).await?;
    warn_if_expiring(&txn, &view, today, now).await?;
    txn.commit().await?;
    Ok(view)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// Why the obligation ended, e.g. "合同已签订" or "未中标".
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// At most the letter's amount.
    pub amount: Money,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimResultInput {
    /// Whether the issuer paid the claim.
    pub paid: bool,
    #[serde(default)]
    pub note: Option<String>,
}

fn optional_note(field: &str, note: Option<&str>) -> Result<Option<String>, ApiError> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 500 => Err(ApiError::validation(format!(
            "{field} has at most 500 characters"
        ))),
        other => Ok(other.map(str::to_owned)),
    }
}

/// Loads a letter the actor can see and checks the actor is its beneficiary purchasing unit.
async fn load_as_beneficiary<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
    today: NaiveDate,
    what: &str,
) -> Result<LetterView, ApiError> {
    let letter = load_visible(conn, actor, id, today).await?;
    if actor.org_kind != OrgKind::Purchaser || letter.beneficiary_org_id != actor.org_id {
        return Err(ApiError::forbidden(format!(
            "only the beneficiary purchasing unit {what} a letter"
        )));
    }
    actor.require_any(&[Role::Buyer, Role::Finance])?;
    Ok(letter)
}

fn validity_of(letter: &LetterView) -> Validity {
    Validity {
        from: letter.valid_from,
        until: letter.valid_until,
    }
}

/// The beneficiary releases a letter in force when the obligation it covers ends.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn release(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ReleaseInput,
) -> Result<LetterView, ApiError> {
    let note = optional_note("note", input.note.as_deref())?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_as_beneficiary(&txn, actor, id, today, "releases").await?;
    let next = guarantee::transition(
        letter.status,
        LetterEvent::Release,
        validity_of(&letter),
        today,
    )
    .map_err(transition_error)?;
    let changed = execute(
        &txn,
        stmt(
            txn.get_database_backend(),
            "UPDATE guarantee_letters SET status = ?, released_on = ?, release_note = ? \
             WHERE id = ? AND status = ?",
            [
                next.as_str().into(),
                today.to_string().into(),
                note.clone().into(),
                id.into(),
                letter.status.as_str().into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile());
    }
    warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "guarantee_letter.released",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(serde_json::json!({"status": letter.status})),
            after: Some(serde_json::json!({"status": next, "released_on": today, "note": note})),
        },
        now,
    )
    .await?;
    let view = load_by_id(&txn, id, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// The beneficiary claims under a letter, within its validity, for at most its amount.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn claim(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ClaimInput,
) -> Result<LetterView, ApiError> {
    let reason = clean_note("field.claim_reason", &input.reason, 500)?;
    if reason.is_empty() {
        return Err(ApiError::validation(
            "reason is required (at most 500 characters): say which obligation was not met",
        ));
    }
    let reason = reason.as_str();
    if !input.amount.is_positive() {
        return Err(ApiError::validation("amount must be greater than zero"));
    }
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_as_beneficiary(&txn, actor, id, today, "claims under").await?;
    let next = guarantee::transition(
        letter.status,
        LetterEvent::Claim,
        validity_of(&letter),
        today,
    )
    .map_err(transition_error)?;
    if input.amount > letter.amount {
        return Err(ApiError::validation(format!(
            "amount: the claim of {} exceeds the letter's amount of {}",
            input.amount, letter.amount
        )));
    }
    let today_text = today.to_string();
    let changed = execute(
        &txn,
        stmt(
            txn.get_database_backend(),
            "UPDATE guarantee_letters SET status = ?, claim_amount_fen = ?, claim_reason = ?, claimed_on = ? \
             WHERE id = ? AND status = ? AND valid_from <= ? AND valid_until >= ?",
            [
                next.as_str().into(),
                input.amount.fen().into(),
                reason.into(),
                today_text.clone().into(),
                id.into(),
                letter.status.as_str().into(),
                today_text.clone().into(),
                today_text.into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile());
    }
    warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "guarantee_letter.claimed",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(serde_json::json!({"status": letter.status})),
            after: Some(serde_json::json!({"status": next, "amount": input.amount, "reason": reason, "claimed_on": today})),
        },
        now,
    )
    .await?;
    let view = load_by_id(&txn, id, today).await?;
    txn.commit().await?;
    Ok(view)
}

/// The operator records the issuer's answer to a claim.
#[tracing::instrument(skip_all, fields(letter_id = id))]
pub async fn record_claim_result(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    input: ClaimResultInput,
) -> Result<LetterView, ApiError> {
    let note = optional_note("note", input.note.as_deref())?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let letter = load_visible(&txn, actor, id, today).await?;
    actor.require_role(Role::Operator)?;
    let event = if input.paid {
        LetterEvent::ClaimPaid
    } else {
        LetterEvent::ClaimRefused
    };
    let next = guarantee::transition(letter.status, event, validity_of(&letter), today)
        .map_err(transition_error)?;
    let changed = execute(
        &txn,
        stmt(
            txn.get_database_backend(),
            "UPDATE guarantee_letters SET status = ?, claim_result_on = ?, claim_result_note = ? \
             WHERE id = ? AND status = ?",
            [
                next.as_str().into(),
                today.to_string().into(),
                note.clone().into(),
                id.into(),
                letter.status.as_str().into(),
            ],
        ),
    )
    .await?;
    if changed != 1 {
        return Err(changed_meanwhile());
    }
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "guarantee_letter.claim_result",
            subject_type: SUBJECT,
            subject_id: id.to_string(),
            before: Some(serde_json::json!({"status": letter.status})),
            after: Some(serde_json::json!({"status": next, "paid": input.paid, "note": note})),
        },
        now,
    )
    .await?;
    let view = load_by_id(&txn, id, today).await?;
    txn.commit().await?;
    Ok(view)
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuaranteeScan {
    /// Letters in force within the warning window, each with an open `guarantee_expiring` warning.
    pub expiring: usize,
    /// Letters marked expired by this run.
    pub expired: usize,
}

/// Marks letters in force whose validity has ended as expired (resolving their expiry
/// warnings) and raises `guarantee_expiring` for letters in force that end within
/// [`EXPIRY_WARNING_DAYS`] days: responsible the applicant supplier, counterparty the
/// beneficiary. Idempotent; run it daily with the other settlement scans.
#[tracing::instrument(skip_all)]
pub async fn scan_guarantee_warnings(ctx: &Ctx) -> Result<GuaranteeScan, ApiError> {
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let today_text = today.to_string();
    let ended = query_all(
        &ctx.db,
        stmt(
            backend,
            "SELECT id FROM guarantee_letters WHERE status = 'verified' AND valid_until < ?",
            [today_text.clone().into()],
        ),
    )
    .await?;
    let mut scan = GuaranteeScan::default();
    for row in &ended {
        let id: i64 = row.try_get("", "id")?;
        let txn = ctx.db.begin().await?;
        let letter = load_by_id(&txn, id, today).await?;
        let Ok(next) = guarantee::transition(
            letter.status,
            LetterEvent::Expire,
            validity_of(&letter),
            today,
        ) else {
            continue;
        };
        let changed = execute(
            &txn,
            stmt(
                backend,
                "UPDATE guarantee_letters SET status = ?, expired_on = ? WHERE id = ? AND status = ?",
                [
                    next.as_str().into(),
                    today_text.clone().into(),
                    id.into(),
                    letter.status.as_str().into(),
                ],
            ),
        )
        .await?;
        if changed == 1 {
            warnings::resolve(&txn, EXPIRING_RULE, SUBJECT, &id.to_string(), now).await?;
            audit::record(
                &txn,
                AuditEntry {
                    actor: None,
                    action: "guarantee_letter.expired",
                    subject_type: SUBJECT,
                    subject_id: id.to_string(),
                    before: Some(serde_json::json!({"status": letter.status})),
                    after: Some(
                        serde_json::json!({"status": next, "valid_until": letter.valid_until}),
                    ),
                },
                now,
            )
            .await?;
            scan.expired += 1;
        }
        txn.commit().await?;
    }
    let horizon = today
        .checked_add_days(Days::new(EXPIRY_WARNING_DAYS as u64))
        .unwrap_or(today);
    let expiring = query_all(
        &ctx.db,
        stmt(
            backend,
            &format!(
                "{LETTER_SELECT} WHERE l.status = 'verified' AND l.valid_until >= ? AND l.valid_until <= ? ORDER BY l.id"
            ),
            [today_text.into(), horizon.to_string().into()],
        ),
    )
    .await?;
    for row in &expiring {
        let letter = letter_view(row, today)?;
        if warn_if_expiring(&ctx.db, &letter, today, now).await? {
            scan.expiring += 1;
        }
    }
    Ok(scan)
}

// ---------------------------------------------------------------------------------------------
// Letters in place of cash deposits

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
        status: LetterStatus::parse(&status).ok_or_else(|| ApiError::internal("letter status"))?,
        kind: LetterKind::parse(&kind).ok_or_else(|| ApiError::internal("letter kind"))?,
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
