//! Price monitoring: a listed product's price change beyond the threshold, reviewed by the
//! operator (see [`crate::domain::product`]), and the history of every price on sale.

use chrono::{DateTime, Duration, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::{change_one, paged};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::views::{ListingView, PriceOutcome, named_listings};
use crate::domain::product::{PriceState, ProductStatus, change_price, review_price};
use crate::entity::{price_history, product};
use crate::service::catalog_cache;

/// The price state stored on a product row.
pub(super) fn price_state(p: &product::Model) -> PriceState {
    PriceState {
        on_sale: Money::from_fen(p.price_fen),
        proposed: p.proposed_price_fen.map(Money::from_fen),
        before_review: p.price_before_review_fen.map(Money::from_fen),
    }
}

/// Stores a new price state, keeping the history of every price that went on sale.
async fn set_price_state<C: ConnectionTrait>(
    conn: &C,
    next: &mut product::ActiveModel,
    current: &product::Model,
    state: PriceState,
    actor: &Identity,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if state.on_sale.fen() != current.price_fen {
        price_history::ActiveModel {
            product_id: Set(current.id),
            old_price_fen: Set(current.price_fen),
            new_price_fen: Set(state.on_sale.fen()),
            changed_by: Set(actor.user_id),
            changed_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    next.price_fen = Set(state.on_sale.fen());
    next.proposed_price_fen = Set(state.proposed.map(Money::fen));
    next.price_before_review_fen = Set(state.before_review.map(Money::fen));
    next.price_flagged = Set(state.under_review());
    Ok(())
}

/// A supplier's new price for its product: what goes on sale and what waits for review,
/// measured against the earliest price inside the monitoring window.
pub(super) async fn reprice<C: ConnectionTrait>(
    ctx: &Ctx,
    conn: &C,
    next: &mut product::ActiveModel,
    current: &product::Model,
    price: Money,
    actor: &Identity,
    now: DateTime<Utc>,
) -> Result<PriceOutcome, ApiError> {
    let window_start = now - Duration::days(ctx.settings.price_change_window_days);
    let earliest_in_window = price_history::Entity::find()
        .filter(price_history::Column::ProductId.eq(current.id))
        .filter(price_history::Column::ChangedAt.gte(window_start))
        .order_by_asc(price_history::Column::ChangedAt)
        .order_by_asc(price_history::Column::Id)
        .limit(1)
        .one(conn)
        .await?;
    let baseline = earliest_in_window.map_or(current.price_fen, |h| h.old_price_fen);
    let listed = ProductStatus::stored(&current.status)? == ProductStatus::Listed;
    let changed = change_price(
        price_state(current),
        listed,
        Money::from_fen(baseline),
        price,
        ctx.settings.price_change_flag_ratio,
    );
    let outcome = match (changed.proposed, changed.before_review) {
        (Some(_), _) => PriceOutcome::Held,
        (None, Some(_)) => PriceOutcome::OnSaleUnderReview,
        (None, None) => PriceOutcome::OnSale,
    };
    set_price_state(conn, next, current, changed, actor, now).await?;
    next.price_review_note = Set(None);
    Ok(outcome)
}

/// The operator's decision on a listed product's price change under review: approve puts a
/// held rise on sale (or lets a cut stand); reject restores the price before the change and
/// tells the supplier why.
pub async fn review_price_change(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    approve: bool,
    reason: Option<String>,
) -> Result<ListingView, ApiError> {
    actor.require_role(Role::Operator)?;
    let reason = review_reason(approve, reason)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let current = product::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    let state = price_state(&current);
    if !state.under_review() {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.product.no_price_review").arg("product", &current.name),
        ));
    }
    let decided = review_price(state, approve);
    let mut next: product::ActiveModel = current.clone().into();
    set_price_state(&txn, &mut next, &current, decided, actor, now).await?;
    next.price_review_note = Set(if approve { None } else { reason.clone() });
    next.updated_at = Set(now);
    // Guarded on the state that was reviewed: a supplier's change in between is reviewed anew.
    let update = product::Entity::update_many()
        .set(next)
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::PriceFen.eq(current.price_fen))
        .filter(match current.proposed_price_fen {
            Some(p) => product::Column::ProposedPriceFen.eq(p),
            None => product::Column::ProposedPriceFen.is_null(),
        });
    let audit = AuditEntry {
        actor: Some(actor),
        action: if approve {
            "product.price_approved"
        } else {
            "product.price_rejected"
        },
        subject_type: "product",
        subject_id: id.to_string(),
        before: Some(serde_json::json!({
            "price": state.on_sale,
            "proposed_price": state.proposed,
            "price_before_review": state.before_review,
        })),
        after: Some(serde_json::json!({"price": decided.on_sale, "reason": reason})),
    };
    let conflict =
        || ApiError::conflicting("INVALID_TRANSITION", Text::new("msg.changed_meanwhile"));
    let saved = change_one(&txn, update, id, conflict, audit, now).await?;
    txn.commit().await?;
    catalog_cache::invalidate(ctx, Some(id)).await;
    saved.try_into()
}

/// The operator's reason: required to reject, at most 500 characters.
fn review_reason(approve: bool, reason: Option<String>) -> Result<Option<String>, ApiError> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if !approve && reason.is_none() {
        return Err(ApiError::invalid(Text::new("msg.product.reason_required")));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid(
            Text::new("msg.too_long")
                .key_arg("field", "field.reason")
                .arg("max", 500),
        ));
    }
    Ok(reason)
}

/// Listed products whose price change waits for the operator, oldest first.
pub async fn price_review_queue(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ListingView>, ApiError> {
    actor.require_role(Role::Operator)?;
    let query = product::Entity::find()
        .filter(product::Column::Status.eq(ProductStatus::Listed.as_str()))
        .filter(product::Column::PriceFlagged.eq(true))
        .order_by_asc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id);
    named_listings(ctx, paged(&ctx.db, query, page).await?, page).await
}
