//! Creating a contract from an accepted order, and the category default terms it starts from.

use chrono::Utc;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::domain::terms::{self, PaymentTerms};
use crate::service::rates::{RateKind, rate_on};

use super::*;
use crate::repo::contracts::{self, NewContract, NewInstalment};

/// The default terms for an order's categories (the first category with terms set), else the
/// mall's default.
pub(super) async fn default_terms<C: ConnectionTrait>(
    conn: &C,
    codes: &[String],
) -> Result<PaymentTerms, ApiError> {
    if codes.is_empty() {
        return Ok(PaymentTerms::mall_default());
    }
    Ok(contracts::default_terms_of(conn, codes)
        .await?
        .unwrap_or_else(PaymentTerms::mall_default))
}

/// Creates the contract for a confirmed order inside the caller's transaction.
pub async fn create_for_order<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    input: OrderForContract,
    now: chrono::DateTime<Utc>,
) -> Result<i64, ApiError> {
    let is_sme = contracts::supplier_is_sme(conn, input.supplier_id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    let account = contracts::collection_account(conn, input.supplier_id)
        .await?
        .ok_or_else(|| {
            ApiError::conflicting(
                "COLLECTION_ACCOUNT_MISSING",
                Text::new("msg.contract.account_missing"),
            )
        })?;
    let terms = default_terms(conn, &input.category_codes).await?;
    let lpr = rate_on(conn, RateKind::Lpr1y, input.signed_on).await?;
    // The category's terms were checked against the SME limits when the operator set them;
    // terms stored before that check existed are refused here rather than signed.
    terms::validate(&terms, is_sme, lpr)
        .map_err(|e| terms_refused(axum::http::StatusCode::CONFLICT, e))?;
    let contract_no = format!("HT{}", input.order_no.trim_start_matches("GP"));
    let instalments: Vec<NewInstalment> = terms
        .instalments
        .iter()
        .zip(terms::split_amount(input.amount, &terms))
        .map(|(term, principal)| NewInstalment {
            principal,
            trigger: term.trigger,
            days_after: i32::try_from(term.days_after).unwrap_or(i32::MAX),
            milestone: term.milestone.as_deref(),
        })
        .collect();
    let new = NewContract {
        contract_no: &contract_no,
        order_id: input.order_id,
        purchaser_org_id: input.purchaser_org_id,
        supplier_id: input.supplier_id,
        supplier_is_sme: is_sme,
        amount: input.amount,
        signed_on: input.signed_on,
        terms: &terms,
        lpr_percent_at_signing: lpr.to_string(),
        late_rate: terms.late_interest.daily_rate_fraction(),
        collection_account: &account.account_no,
        publish_by: input.publish_by.date,
        publish_by_provisional: input.publish_by.provisional,
        lines: &input.lines,
        created_at: now,
    };
    let id = contracts::insert_contract(conn, new, &instalments).await?;
    refresh_due_dates(conn, id).await?;
    audit::record(
        conn,
        AuditEntry {
            actor: Some(actor),
            action: "contract.created",
            subject_type: "contract",
            subject_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"contract_no": contract_no, "order_id": input.order_id, "amount": input.amount})),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Sets a category's default terms for mall orders (operator). They are set before any supplier
/// is known, so they are checked as for an SME: every instalment within the SME limit.
pub async fn set_default_terms(
    ctx: &Ctx,
    actor: &Identity,
    category: &str,
    terms: PaymentTerms,
) -> Result<PaymentTerms, ApiError> {
    actor.require_role(Role::Operator)?;
    let lpr = rate_on(&ctx.db, RateKind::Lpr1y, ctx.clock.today()).await?;
    // The supplier is not known yet and any supplier may be an SME, so category defaults
    // always meet the SME limits.
    terms::validate(&terms, true, lpr)
        .map_err(|e| terms_refused(axum::http::StatusCode::BAD_REQUEST, e))?;
    if !contracts::category_exists(&ctx.db, category).await? {
        return Err(ApiError::not_found("category"));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    contracts::replace_default_terms(&txn, category, &terms, actor.user_id, now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "default_terms.set",
            subject_type: "category",
            subject_id: category.to_owned(),
            before: None,
            after: serde_json::to_value(&terms).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(terms)
}
