//! The contract's collection account: where the purchaser pays.

use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};

use crate::repo::contracts::{self, AccountRow};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionAccount {
    pub account_name: String,
    pub bank_name: String,
    pub account_no: String,
}

/// A supplier records the account its contracts are paid to (used for new contracts).
/// The caller's current collection account (the one new contracts name), if recorded.
pub async fn collection_account(
    ctx: &Ctx,
    actor: &Identity,
) -> Result<Option<CollectionAccount>, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::refused(Text::new(
            "msg.contract.accounts_suppliers_only",
        )));
    }
    Ok(contracts::collection_account(&ctx.db, actor.org_id)
        .await?
        .map(|a| CollectionAccount {
            account_name: a.account_name,
            bank_name: a.bank_name,
            account_no: a.account_no,
        }))
}

pub async fn set_collection_account(
    ctx: &Ctx,
    actor: &Identity,
    input: CollectionAccount,
) -> Result<CollectionAccount, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::refused(Text::new(
            "msg.contract.accounts_suppliers_only",
        )));
    }
    actor.require_role(Role::Seller)?;
    let account_no: String = input
        .account_no
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if account_no.len() < 8
        || account_no.len() > 32
        || !account_no.chars().all(|c| c.is_ascii_digit())
    {
        return Err(ApiError::invalid(Text::new(
            "msg.contract.account_no_digits",
        )));
    }
    gpmall_platform::text::clean_name("field.account_name", &input.account_name, 200)?;
    gpmall_platform::text::clean_name("field.bank_name", &input.bank_name, 200)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let account = AccountRow {
        account_name: input.account_name.trim().to_owned(),
        bank_name: input.bank_name.trim().to_owned(),
        account_no: account_no.clone(),
    };
    contracts::replace_collection_account(&txn, actor.org_id, account, now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "collection_account.set",
            subject_type: "organization",
            subject_id: actor.org_id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({"bank_name": input.bank_name, "account_no": account_no}),
            ),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CollectionAccount {
        account_name: input.account_name.trim().to_owned(),
        bank_name: input.bank_name.trim().to_owned(),
        account_no,
    })
}
