//! Partner banks: the operator registers each with the only base URL gpmall will ever call,
//! its signing scheme and keys (two active at once, for rotation).

use chrono::{DateTime, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::identity::credit_code::CreditCode;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::ids::BankId;
use gpmall_platform::text::clean_name;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};

use crate::domain::signing::{HmacSecret, Key, KeyMaterial, MAX_ACTIVE_KEYS, Scheme};
use crate::entity::bank_key;
use crate::error::{FinancingError, FinancingResult};
use crate::repo::banks::{self as repo, BankRow, NewBankRow};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBank {
    /// The bank's name, e.g. "重庆农村商业银行江北支行".
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// A short code for the bank, used in key ids and logs (letters, digits, `-`).
    pub code: String,
    /// The bank's API base, `https://…`: the only address gpmall calls for this bank.
    pub base_url: String,
    pub scheme: Scheme,
    /// The id the bank sends in `X-GP-Key-Id`.
    pub key_id: String,
    /// The HMAC shared secret as hex (at least 32 bytes), or the bank's SM2 public key as PEM.
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub key_id: String,
    /// As for the bank's scheme: hex secret or PEM public key.
    pub key: String,
}

/// A key as the operator sees it: never the secret.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyView {
    pub key_id: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankView {
    pub id: BankId,
    pub name: String,
    pub credit_code: Option<String>,
    pub code: String,
    pub base_url: String,
    pub scheme: Scheme,
    /// Every key, oldest first; at most two are active.
    pub keys: Vec<KeyView>,
    pub created_at: DateTime<Utc>,
}

/// Who may see the bank registry: the operator and the regulator.
fn may_read(actor: &Identity) -> bool {
    actor.has_role(Role::Operator) || actor.has_role(Role::Regulator)
}

/// An https base URL without credentials, query or fragment; plain http only to this machine
/// (the sandbox bank).
pub fn check_base_url(raw: &str) -> FinancingResult<String> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| FinancingError::BaseUrlInvalid)?;
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok
        || url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(FinancingError::BaseUrlInvalid);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Checks a key for the scheme and returns what is stored for it.
pub fn check_key(scheme: Scheme, key_id: &str, key: &str) -> FinancingResult<String> {
    let key = key.trim();
    let material = match scheme {
        Scheme::HmacSha256 => HmacSecret::from_hex(key).map(KeyMaterial::Hmac),
        Scheme::Sm2Sm3 => KeyMaterial::sm2_public_pem(key),
    }
    .map_err(FinancingError::KeyInvalid)?;
    Key::new(key_id, material).map_err(FinancingError::KeyInvalid)?;
    Ok(match scheme {
        Scheme::HmacSha256 => key.to_ascii_lowercase(),
        Scheme::Sm2Sm3 => format!("{key}\n"),
    })
}

fn view(row: BankRow, keys: &[bank_key::Model]) -> FinancingResult<BankView> {
    let scheme = Scheme::parse(&row.bank.scheme).ok_or_else(|| {
        ApiError::internal(format!(
            "unknown stored signing scheme {:?}",
            row.bank.scheme
        ))
    })?;
    Ok(BankView {
        id: row.bank.id,
        name: row.name,
        credit_code: row.credit_code,
        code: row.bank.code,
        base_url: row.bank.base_url,
        scheme,
        keys: keys
            .iter()
            .filter(|k| k.bank_id == row.bank.id)
            .map(|k| KeyView {
                key_id: k.key_id.clone(),
                active: k.active,
                created_at: k.created_at,
                retired_at: k.retired_at,
            })
            .collect(),
        created_at: row.bank.created_at,
    })
}

/// The operator registers a partner bank with its first key.
#[tracing::instrument(skip_all)]
pub async fn register(ctx: &Ctx, actor: &Identity, input: NewBank) -> FinancingResult<BankView> {
    actor.require_role(Role::Operator)?;
    let name = clean_name("field.bank_name", &input.name, 100)?;
    let credit_code =
        CreditCode::parse(&input.credit_code).map_err(|e| e.refusal(&input.credit_code))?;
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ApiError::invalid(gpmall_platform::i18n::Text::new(
            "msg.financing.bank_code_invalid",
        ))
        .into());
    }
    let base_url = check_base_url(&input.base_url)?;
    let material = check_key(input.scheme, input.key_id.trim(), &input.key)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    if repo::taken(&txn, &name, credit_code.as_str(), code).await? {
        return Err(FinancingError::BankExists { name });
    }
    if repo::key_id_taken(&txn, input.key_id.trim()).await? {
        return Err(FinancingError::KeyIdTaken {
            key_id: input.key_id.trim().to_owned(),
        });
    }
    let bank = repo::insert(
        &txn,
        NewBankRow {
            name: &name,
            credit_code: credit_code.as_str(),
            region: "",
            code,
            base_url: &base_url,
            scheme: input.scheme.as_str(),
            created_by: actor.user_id.into(),
        },
        now,
    )
    .await?;
    repo::insert_key(&txn, bank.id, input.key_id.trim(), &material, now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "financing.bank_registered",
            subject_type: "bank",
            subject_id: bank.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "name": name, "code": code, "base_url": base_url,
                "scheme": input.scheme.as_str(), "key_id": input.key_id.trim(),
            })),
        },
        now,
    )
    .await?;
    let row = repo::get(&txn, bank.id)
        .await?
        .ok_or(FinancingError::BankNotFound)?;
    let keys = repo::keys(&txn, &[bank.id]).await?;
    let view = view(row, &keys)?;
    txn.commit().await?;
    Ok(view)
}

/// Adds a key to a bank; with two active already, the older is retired (rotation).
#[tracing::instrument(skip_all, fields(bank = %id))]
pub async fn add_key(
    ctx: &Ctx,
    actor: &Identity,
    id: BankId,
    input: NewKey,
) -> FinancingResult<BankView> {
    actor.require_role(Role::Operator)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let row = repo::get(&txn, id)
        .await?
        .ok_or(FinancingError::BankNotFound)?;
    let scheme = Scheme::parse(&row.bank.scheme)
        .ok_or_else(|| ApiError::internal("unknown stored signing scheme"))?;
    let key_id = input.key_id.trim();
    let material = check_key(scheme, key_id, &input.key)?;
    if repo::key_id_taken(&txn, key_id).await? {
        return Err(FinancingError::KeyIdTaken {
            key_id: key_id.to_owned(),
        });
    }
    let active: Vec<bank_key::Model> = repo::keys(&txn, &[id])
        .await?
        .into_iter()
        .filter(|k| k.active)
        .collect();
    let mut retired = None;
    if active.len() >= MAX_ACTIVE_KEYS {
        let oldest = &active[0];
        if !repo::retire_key(&txn, id, oldest.id, now).await? {
            return Err(FinancingError::ChangedMeanwhile);
        }
        retired = Some(oldest.key_id.clone());
    }
    repo::insert_key(&txn, id, key_id, &material, now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "financing.bank_key_added",
            subject_type: "bank",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "key_id": key_id, "retired": retired })),
        },
        now,
    )
    .await?;
    let keys = repo::keys(&txn, &[id]).await?;
    let view = view(row, &keys)?;
    txn.commit().await?;
    Ok(view)
}

/// Every registered bank (the operator and the regulator).
pub async fn list(ctx: &Ctx, actor: &Identity) -> FinancingResult<Vec<BankView>> {
    if !may_read(actor) {
        return Err(
            ApiError::refused(gpmall_platform::i18n::Text::new("msg.forbidden.operator")).into(),
        );
    }
    let rows = repo::all(&ctx.db).await?;
    let ids: Vec<BankId> = rows.iter().map(|r| r.bank.id).collect();
    let keys = repo::keys(&ctx.db, &ids).await?;
    rows.into_iter().map(|row| view(row, &keys)).collect()
}
