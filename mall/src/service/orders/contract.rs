//! The order's contract in settlement, kept in step with the order through settlement's
//! service API.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::calendar::Deadline;
use gpmall_platform::identity::Identity;
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::service::contracts::{
    self, ContractLine, OrderEvent, OrderForContract, PUBLICATION_WORKING_DAYS,
};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::order::OrderAction;
use crate::entity::{order, order_line};

/// The last day to publish the contract signed today.
pub(super) async fn publication_deadline(
    ctx: &Ctx,
    today: NaiveDate,
) -> Result<Deadline, ApiError> {
    let calendar = gpmall_platform::calendar::current(ctx).await?;
    calendar
        .add_working_days(today, PUBLICATION_WORKING_DAYS)
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// The day the order's goods were delivered, as its contract records it.
pub(super) async fn delivered_on(
    txn: &DatabaseTransaction,
    order_id: i64,
) -> Result<Option<NaiveDate>, ApiError> {
    contracts::delivered_on(txn, order_id).await
}

/// Keeps the order's contract in step: confirmation signs it (the order is the electronic
/// contract), delivery and acceptance start its payment clocks, a rejection or a cancellation
/// after confirmation ends it.
pub(super) async fn settle(
    txn: &DatabaseTransaction,
    actor: &Identity,
    order: &order::Model,
    action: OrderAction,
    acceptance_date: NaiveDate,
    publish_by: Option<Deadline>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let event = match action {
        OrderAction::Confirm => {
            let publish_by = publish_by
                .ok_or_else(|| ApiError::internal("publication deadline not computed"))?;
            return sign(txn, actor, order, today, publish_by, now).await;
        }
        OrderAction::Deliver => OrderEvent::Delivered(today),
        OrderAction::Accept => OrderEvent::Accepted(acceptance_date),
        OrderAction::Reject | OrderAction::Cancel => OrderEvent::Terminated,
        OrderAction::Ship => OrderEvent::Shipped(today),
    };
    contracts::record_order_event(txn, order.id, event).await?;
    Ok(())
}

/// Creates the contract of a confirmed order, with its lines.
async fn sign(
    txn: &DatabaseTransaction,
    actor: &Identity,
    order: &order::Model,
    signed_on: NaiveDate,
    publish_by: Deadline,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let order_lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(txn)
        .await?;
    let lines = order_lines
        .iter()
        .map(|l| ContractLine {
            product_id: l.product_id,
            description: l.product_name.clone(),
            category: l.category_code.clone(),
            unit: l.unit.clone(),
            unit_price: Money::from_fen(l.unit_price_fen),
            quantity: l.quantity,
            line_total: Money::from_fen(l.line_total_fen),
        })
        .collect();
    let mut category_codes: Vec<String> =
        order_lines.into_iter().map(|l| l.category_code).collect();
    category_codes.sort();
    category_codes.dedup();
    contracts::create_for_order(
        txn,
        actor,
        OrderForContract {
            order_id: order.id,
            order_no: order.order_no.clone(),
            purchaser_org_id: order.purchaser_org_id,
            supplier_id: order.supplier_id,
            amount: Money::from_fen(order.total_fen),
            category_codes,
            lines,
            signed_on,
            publish_by,
        },
        now,
    )
    .await?;
    Ok(())
}
