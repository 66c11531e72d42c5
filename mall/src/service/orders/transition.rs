//! Moving an order through its lifecycle: confirmation, shipping, delivery, acceptance or
//! rejection, cancellation; the budget and stock given back when an order ends unfulfilled.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates;
use gpmall_platform::i18n::Text;
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, Role};
use gpmall_platform::text::clean_note;
use gpmall_platform::{ApiError, Ctx};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::views::{OrderView, load_view};
use super::{contract, party_of};
use crate::domain::acceptance::{AttachmentRef, clean_attachments};
use crate::domain::order::{OrderAction, OrderStatus, Party, transition};
use crate::entity::{acceptance, budget_line, order, order_line, product};
use crate::service::catalog;

/// What a transition may carry: a reason to cancel, the acceptance record to accept or reject.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// Required when the supplier cancels, and when the purchaser rejects at acceptance.
    pub reason: Option<String>,
    /// Acceptance date (YYYY-MM-DD, Asia/Shanghai); today when omitted.
    pub acceptance_date: Option<NaiveDate>,
    /// Acceptance notes (履约验收意见).
    pub notes: Option<String>,
    /// Documents of the acceptance (accept, reject), as references.
    #[serde(default)]
    pub attachments: Option<Vec<AttachmentRef>>,
}

/// When a transition happens: the instant and the day in Asia/Shanghai.
#[derive(Clone, Copy)]
struct At {
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// Moves an order through its lifecycle. Cancellation and rejection give the budget and the
/// stock back in the same transaction.
#[tracing::instrument(skip_all, fields(order_id = id, action = action.verb()))]
pub async fn act(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    action: OrderAction,
    input: TransitionInput,
    idempotency_key: Option<&str>,
) -> Result<OrderView, ApiError> {
    if input.attachments.as_ref().is_some_and(|a| !a.is_empty())
        && !matches!(action, OrderAction::Accept | OrderAction::Reject)
    {
        return Err(ApiError::invalid(Text::new(
            "msg.order.attachments_misplaced",
        )));
    }
    let at = At {
        now: ctx.clock.now(),
        today: ctx.clock.today(),
    };
    // Read before the transaction: on SQLite the transaction holds the only connection.
    let publish_by = if action == OrderAction::Confirm {
        Some(contract::publication_deadline(ctx, at.today).await?)
    } else {
        None
    };
    let txn = ctx.db.begin().await?;
    let request = (id, action, &input);
    if let Some(done) =
        idempotency::replay(&txn, actor.user_id, idempotency_key, &request, at.now).await?
    {
        return Ok(done);
    }
    let (current, party) = order_of_party(&txn, actor, id).await?;
    let from = OrderStatus::stored(&current.status)?;
    let to = next_status(from, action, party)?;
    let reason = checked_reason(action, party, &input)?;
    let reason = reason.as_deref();
    if action == OrderAction::Confirm {
        catalog::require_trading_supplier(&txn, actor).await?;
    }
    move_status(&txn, &current, from, to, action, reason, at.now).await?;
    if matches!(action, OrderAction::Accept | OrderAction::Reject) {
        record_acceptance(&txn, actor, &current, to, &input, reason, at).await?;
    }
    if OrderStatus::releases_reservation(to) {
        release_reservation(&txn, &current).await?;
    }
    let acceptance_date = input.acceptance_date.unwrap_or(at.today);
    contract::settle(
        &txn,
        actor,
        &current,
        action,
        acceptance_date,
        publish_by,
        at.now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: audit_action(action),
            subject_type: "order",
            subject_id: id.to_string(),
            before: Some(serde_json::json!({ "status": from.as_str() })),
            after: Some(serde_json::json!({ "status": to.as_str(), "reason": reason })),
        },
        at.now,
    )
    .await?;
    let view = load_view(&txn, id).await?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// The order, if the actor is one of its parties with that side's role (otherwise not found,
/// or refused for a missing role).
async fn order_of_party(
    txn: &DatabaseTransaction,
    actor: &Identity,
    id: i64,
) -> Result<(order::Model, Party), ApiError> {
    let current = order::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("order"))?;
    let party = party_of(actor, &current).ok_or_else(|| ApiError::not_found("order"))?;
    match party {
        Party::Purchaser => actor.require_role(Role::Buyer)?,
        Party::Supplier => actor.require_role(Role::Seller)?,
    }
    Ok((current, party))
}

/// The status the action leads to, or the conflict that names the action and the status.
fn next_status(
    from: OrderStatus,
    action: OrderAction,
    party: Party,
) -> Result<OrderStatus, ApiError> {
    transition(from, action, party).map_err(|_| {
        ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.order.transition")
                .key_arg("action", format!("order.action.{}", action.verb()))
                .key_arg("status", format!("order.status.{}", from.as_str())),
        )
    })
}

fn audit_action(action: OrderAction) -> &'static str {
    match action {
        OrderAction::Confirm => "order.confirmed",
        OrderAction::Ship => "order.shipped",
        OrderAction::Deliver => "order.delivered",
        OrderAction::Accept => "order.accepted",
        OrderAction::Reject => "order.rejected",
        OrderAction::Cancel => "order.cancelled",
    }
}

/// The cleaned reason, when one was given; a supplier's cancellation and a rejection need one
/// (a rejection may give it as the acceptance notes).
fn checked_reason(
    action: OrderAction,
    party: Party,
    input: &TransitionInput,
) -> Result<Option<String>, ApiError> {
    let reason = input
        .reason
        .as_deref()
        .map(|r| clean_note("field.reason", r, 500))
        .transpose()?
        .filter(|r| !r.is_empty());
    if action == OrderAction::Cancel && party == Party::Supplier && reason.is_none() {
        return Err(ApiError::invalid(Text::new("msg.order.cancel_reason")));
    }
    if action == OrderAction::Reject
        && reason.is_none()
        && input.notes.as_deref().unwrap_or("").trim().is_empty()
    {
        return Err(ApiError::invalid(Text::new("msg.order.reject_reason")));
    }
    Ok(reason)
}

/// The guarded status change: from `from` to `to`, or a conflict if the order moved meanwhile.
async fn move_status(
    txn: &DatabaseTransaction,
    current: &order::Model,
    from: OrderStatus,
    to: OrderStatus,
    action: OrderAction,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    // A purchaser cancelling before confirmation gives no reason; the status says it all, in
    // the reader's language, so nothing is stored in one language for every reader.
    let cancel_reason = if action == OrderAction::Cancel {
        reason.map(str::to_owned)
    } else {
        current.cancel_reason.clone()
    };
    let changed = order::Entity::update_many()
        .col_expr(order::Column::Status, to.as_str().into())
        .col_expr(order::Column::UpdatedAt, now.into())
        .col_expr(order::Column::CancelReason, cancel_reason.into())
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.changed_meanwhile"),
        ));
    }
    Ok(())
}

/// Records the acceptance (or rejection) of delivered goods: its date may not be in the future,
/// before the order was placed or before delivery.
async fn record_acceptance(
    txn: &DatabaseTransaction,
    actor: &Identity,
    current: &order::Model,
    to: OrderStatus,
    input: &TransitionInput,
    reason: Option<&str>,
    at: At,
) -> Result<(), ApiError> {
    let date = input.acceptance_date.unwrap_or(at.today);
    let field = dates::Field::new("acceptance_date", "field.acceptance_date");
    dates::happened(field, date, at.today)?;
    let placed_on = current
        .placed_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    dates::not_before(field, date, placed_on, "date.bound.order_placed")?;
    // Goods are accepted once delivered: the delivery date is the contract's.
    if let Some(delivered) = contract::delivered_on(txn, current.id).await? {
        dates::not_before(field, date, delivered, "date.bound.delivery")?;
    }
    let notes = input
        .notes
        .as_deref()
        .or(reason)
        .unwrap_or("")
        .trim()
        .to_owned();
    if notes.chars().count() > 2000 {
        return Err(ApiError::invalid(
            Text::new("msg.too_long")
                .key_arg("field", "field.notes")
                .arg("max", 2000),
        ));
    }
    let attachments = clean_attachments(input.attachments.clone().unwrap_or_default())
        .map_err(ApiError::validation)?;
    acceptance::ActiveModel {
        order_id: Set(current.id),
        result: Set(to.as_str().to_owned()),
        acceptance_date: Set(date.to_string()),
        notes: Set(notes),
        attachments: Set(serde_json::to_string(&attachments).map_err(ApiError::internal)?),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(at.now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Gives back the stock (in product id order, as placement takes it) and the budget.
async fn release_reservation(
    txn: &DatabaseTransaction,
    order: &order::Model,
) -> Result<(), ApiError> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::ProductId)
        .all(txn)
        .await?;
    for line in lines {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(line.quantity),
            )
            .filter(product::Column::Id.eq(line.product_id))
            .exec(txn)
            .await?;
    }
    budget_line::Entity::update_many()
        .col_expr(
            budget_line::Column::RemainingFen,
            Expr::col(budget_line::Column::RemainingFen).add(order.total_fen),
        )
        .filter(budget_line::Column::Id.eq(order.budget_line_id))
        .exec(txn)
        .await?;
    Ok(())
}
