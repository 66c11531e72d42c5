//! The operator's review of listings, and a supplier's resubmission or delisting.

use gpmall_platform::audit::AuditEntry;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::{change_one, paged};
use gpmall_platform::text::clean_note;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::listing::{own_product, require_trading_supplier};
use super::views::{ListingView, named_listings};
use crate::domain::product::{ProductStatus, ReviewAction, review_transition};
use crate::entity::product;
use crate::service::catalog_cache;

/// The operator's review queue: pending products, oldest first.
pub async fn review_queue(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ListingView>, ApiError> {
    actor.require_role(Role::Operator)?;
    let query = product::Entity::find()
        .filter(product::Column::Status.eq(ProductStatus::Pending.as_str()))
        .order_by_asc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id);
    named_listings(ctx, paged(&ctx.db, query, page).await?, page).await
}

/// Review actions: the operator approves, rejects or delists (a reason is required to reject
/// or delist); a supplier resubmits its own rejected or delisted product, or delists it.
pub async fn review_product(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    action: ReviewAction,
    reason: Option<String>,
) -> Result<ListingView, ApiError> {
    let is_operator = actor.has_role(Role::Operator);
    let reason = checked_request(actor, is_operator, action, reason)?;
    if action == ReviewAction::Resubmit {
        require_trading_supplier(&ctx.db, actor).await?;
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let current = if is_operator {
        product::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found("product"))?
    } else {
        own_product(&txn, actor, id).await?
    };
    let from = ProductStatus::stored(&current.status)?;
    let to = review_transition(from, action).map_err(|_| {
        ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.product.transition")
                .arg("product", &current.name)
                .key_arg("status", format!("product.status.{}", from.as_str()))
                .key_arg("action", format!("review.action.{}", action.as_str())),
        )
    })?;
    let update = product::Entity::update_many()
        .col_expr(product::Column::Status, to.as_str().into())
        .col_expr(product::Column::StatusReason, reason.clone().into())
        .col_expr(
            product::Column::PriceFlagged,
            (current.price_flagged && to != ProductStatus::Listed).into(),
        )
        .col_expr(product::Column::UpdatedAt, now.into())
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Status.eq(from.as_str()));
    let audit = AuditEntry {
        actor: Some(actor),
        action: "product.reviewed",
        subject_type: "product",
        subject_id: id.to_string(),
        before: Some(serde_json::json!({"status": from.as_str()})),
        after: Some(serde_json::json!({"status": to.as_str(), "reason": reason})),
    };
    let conflict =
        || ApiError::conflicting("INVALID_TRANSITION", Text::new("msg.changed_meanwhile"));
    let saved = change_one(&txn, update, id, conflict, audit, now).await?;
    txn.commit().await?;
    catalog_cache::invalidate(ctx, Some(id)).await;
    saved.try_into()
}

/// Who may take the action, and its cleaned reason (required to reject or delist).
fn checked_request(
    actor: &Identity,
    is_operator: bool,
    action: ReviewAction,
    reason: Option<String>,
) -> Result<Option<String>, ApiError> {
    match action {
        ReviewAction::Approve | ReviewAction::Reject if !is_operator => {
            return Err(ApiError::refused(Text::new("msg.product.operator_reviews")));
        }
        ReviewAction::Resubmit if actor.org_kind != OrgKind::Supplier => {
            return Err(ApiError::refused(Text::new(
                "msg.product.supplier_resubmits",
            )));
        }
        _ => {}
    }
    let reason = reason
        .map(|r| clean_note("field.reason", &r, 500))
        .transpose()?
        .filter(|r| !r.is_empty());
    if matches!(action, ReviewAction::Reject | ReviewAction::Delist) && reason.is_none() {
        return Err(ApiError::invalid(Text::new("msg.product.reason_required")));
    }
    Ok(reason)
}
