//! Issuers of guarantee letters: banks, insurers and guarantee companies, each with the public
//! key its letters are verified against. The operator registers them.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{query_all, query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::credit_code::CreditCode;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::text::clean_name;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{DEMO_RSA_ISSUER, DEMO_SM2_ISSUER};
use crate::domain::guarantee::{Algorithm, IssuerKind, IssuerPublicKey};

const DEMO_SM2_PUBLIC_KEY: &str = include_str!("../../../../demo/issuers/ccb-jiangbei.sm2.pub.pem");
const DEMO_RSA_PUBLIC_KEY: &str =
    include_str!("../../../../demo/issuers/sanxia-guarantee.rsa.pub.pem");

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

pub(super) const ISSUER_COLUMNS: &str =
    "id, name, kind, algorithm, public_key_pem, credit_code, created_at";

pub(super) fn issuer_view(row: &QueryResult) -> Result<IssuerView, ApiError> {
    let kind: String = row.try_get("", "kind")?;
    let algorithm: String = row.try_get("", "algorithm")?;
    Ok(IssuerView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        kind: IssuerKind::parse(&kind)
            .ok_or_else(|| ApiError::internal(format!("unknown issuer kind {kind}")))?,
        algorithm: Algorithm::parse(&algorithm)
            .ok_or_else(|| ApiError::internal(format!("unknown issuer algorithm {algorithm}")))?,
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
        .map(|code| CreditCode::parse(code).map_err(|e| e.refusal(code)))
        .transpose()?;
    let pem = input.public_key_pem.trim();
    IssuerPublicKey::from_pem(input.algorithm, pem).map_err(|e| {
        ApiError::say(StatusCode::UNPROCESSABLE_ENTITY, "KEY_INVALID", e.text())
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
        ApiError::conflicting(
            "ISSUER_EXISTS",
            Text::new("msg.guarantee.issuer_exists").arg("issuer", name),
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
