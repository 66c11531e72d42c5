//! Registering a letter: the applicant supplier presents what the issuer signed; it is kept
//! only when the issuer's registered key verifies the signature.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates::{self, Field};
use gpmall_platform::db::{query_one, stmt};
use gpmall_platform::entity::organization;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::issuers::{ISSUER_COLUMNS, IssuerView, issuer_view};
use super::letters::{LetterView, NewLetter, load_by_id};
use super::{EXPIRING_RULE, SUBJECT};
use crate::domain::guarantee::{EXPIRY_WARNING_DAYS, IssuerPublicKey, LetterContent, LetterStatus};
use crate::service::warnings::{self, Raise};

pub(super) async fn warn_if_expiring<C: ConnectionTrait>(
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
            message: warnings::stored(
                &Text::new("warning.msg.letter_expiring")
                    .key_arg("kind", format!("guarantees.kind.{}", letter.kind.as_str()))
                    .arg("letter_no", &letter.letter_no)
                    .arg("issuer", &letter.issuer)
                    .money("amount", letter.amount)
                    .arg("beneficiary", &letter.beneficiary_name)
                    .arg("valid_until", letter.valid_until)
                    .arg("days", days),
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

/// What the registering supplier is told about itself: the letter must name it as applicant.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterPage {
    /// The supplier's name as registered.
    pub name: String,
    /// Its unified social credit code, when registered.
    pub credit_code: Option<String>,
}

/// The supplier's own name and credit code, for the hint on the register form.
pub async fn register_page(ctx: &Ctx, actor: &Identity) -> Result<RegisterPage, ApiError> {
    let org = organization::Entity::find_by_id(actor.org_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ApiError::internal("the caller's organization is gone"))?;
    Ok(RegisterPage {
        name: org.name,
        credit_code: org.credit_code,
    })
}

/// Who may register: the applicant supplier's seller, for its own organization, in favour of a
/// purchasing unit on the platform.
async fn check_parties(
    ctx: &Ctx,
    actor: &Identity,
    content: &LetterContent,
) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::refused(Text::new(
            "msg.guarantee.applicant_registers",
        )));
    }
    actor.require_role(Role::Seller)?;
    check_validity_dates(content, ctx.clock.today())?;
    content.validate().map_err(|e| {
        ApiError::invalid(e.text()).with_details(serde_json::json!({"field": e.field}))
    })?;
    if content.applicant_org_id != actor.org_id {
        return Err(ApiError::refused(Text::new(
            "msg.guarantee.own_letters_only",
        )));
    }
    let beneficiary = organization::Entity::find_by_id(content.beneficiary_org_id)
        .one(&ctx.db)
        .await?
        .filter(|org| org.kind == "purchaser");
    if beneficiary.is_none() {
        return Err(ApiError::invalid(Text::new("msg.guarantee.no_beneficiary"))
            .with_details(serde_json::json!({"field": "beneficiary_org_id"})));
    }
    Ok(())
}

/// The registered issuer the letter names.
async fn issuer_named(ctx: &Ctx, name: &str) -> Result<IssuerView, ApiError> {
    query_one(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            &format!("SELECT {ISSUER_COLUMNS} FROM guarantee_issuers WHERE name = ?"),
            [name.into()],
        ),
    )
    .await?
    .map(|r| issuer_view(&r))
    .transpose()?
    .ok_or_else(|| {
        ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ISSUER_NOT_REGISTERED",
            Text::new("msg.guarantee.issuer_unknown").arg("issuer", name),
        )
    })
}

/// Verifies the issuer's signature over the letter's content; a refusal is audited (outside
/// any transaction, so it stays recorded) and answered with 422 `SIGNATURE_INVALID`.
async fn verify(
    ctx: &Ctx,
    actor: &Identity,
    issuer: &IssuerView,
    content: &LetterContent,
    signature: &str,
) -> Result<(), ApiError> {
    let key = IssuerPublicKey::from_pem(issuer.algorithm, &issuer.public_key_pem)
        .map_err(ApiError::internal)?;
    let Err(e) = key.verify(content, signature) else {
        return Ok(());
    };
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
        ctx.clock.now(),
    )
    .await?;
    Err(ApiError::say(
        StatusCode::UNPROCESSABLE_ENTITY,
        "SIGNATURE_INVALID",
        e.text(),
    )
    .with_details(serde_json::json!({"issuer": issuer.name, "algorithm": issuer.algorithm})))
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
    let content = input.content();
    check_parties(ctx, actor, &content).await?;
    let issuer = issuer_named(ctx, &content.issuer).await?;
    verify(ctx, actor, &issuer, &content, &input.signature).await?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let inserted = query_one(
        &txn,
        stmt(
            txn.get_database_backend(),
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
        ApiError::conflicting(
            "LETTER_EXISTS",
            Text::new("msg.guarantee.letter_exists")
                .arg("letter", &content.letter_no)
                .arg("issuer", &issuer.name),
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
