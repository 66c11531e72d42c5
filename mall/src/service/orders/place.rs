//! Placing orders: one per supplier, all or nothing, idempotent by key.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gpmall_platform::audit::AuditEntry;
use gpmall_platform::i18n::Text;
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::text::{clean_name, clean_note};
use gpmall_platform::{ApiError, Ctx, Money};
use serde::{Deserialize, Serialize};

use super::pricing::{self, Draft};
use crate::domain::order::OrderStatus;
use crate::repo::placement::{
    BudgetLineForOrder, Completion, LineSource, LinesRead, NewOrder, NewOrderLine, Opened, Opening,
    Placement, ProductForOrder, Taken,
};
use crate::service::cart;

pub const MAX_LINES: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    #[schema(minimum = 1)]
    pub product_id: i64,
    #[schema(minimum = 1, maximum = 100_000)]
    pub quantity: i64,
}

/// `POST /api/v1/orders`: either `lines`, or `from_cart: true` to order the whole cart.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    pub budget_line_id: i64,
    #[serde(default)]
    pub lines: Vec<OrderLineInput>,
    #[serde(default)]
    pub from_cart: bool,
    pub delivery_address: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlacedOrder {
    pub id: i64,
    pub order_no: String,
    pub supplier_id: i64,
    pub total: Money,
    pub status: OrderStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlacedOrders {
    pub orders: Vec<PlacedOrder>,
}

/// The answer to a placement: the status code and body, replayed verbatim for a retried key.
pub struct PlacementResponse {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

fn require_buyer(actor: &Identity) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Purchaser {
        return Err(ApiError::refused(Text::new("msg.order.purchasers_only")));
    }
    actor.require_role(Role::Buyer)
}

fn validate(input: &PlaceOrder) -> Result<(), ApiError> {
    if input.from_cart && !input.lines.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.order.lines_or_cart")));
    }
    if !input.from_cart && input.lines.is_empty() {
        return Err(ApiError::invalid(Text::new("msg.order.no_lines")));
    }
    if input.lines.len() > MAX_LINES {
        return Err(ApiError::invalid(
            Text::new("msg.order.too_many_lines").arg("max", MAX_LINES),
        ));
    }
    for line in &input.lines {
        if line.product_id <= 0 {
            return Err(ApiError::say(
                StatusCode::BAD_REQUEST,
                "BAD_ID",
                Text::new("msg.order.bad_product"),
            ));
        }
        cart::check_quantity(line.quantity)?;
    }
    clean_name("field.delivery_address", &input.delivery_address, 500)?;
    clean_note("field.note", &input.note, 1000)?;
    Ok(())
}

/// Places one order per supplier. All or nothing: a short budget or stock, an unlisted product,
/// a penalized supplier or a total above the category's limit refuses the whole request.
///
/// The statements go in three batches (on PostgreSQL, three round trips, see
/// [`crate::repo::placement`]): the reads and the idempotency claim; the conditional stock and
/// budget updates and the orders; their lines, audit entries, the stored response and `COMMIT`.
/// Each batch needs what the one before returned (prices, then order ids).
#[tracing::instrument(skip_all, fields(user = actor.user_id, budget_line = input.budget_line_id))]
pub async fn place(
    ctx: &Ctx,
    actor: &Identity,
    idempotency_key: &str,
    input: PlaceOrder,
) -> Result<PlacementResponse, ApiError> {
    require_buyer(actor)?;
    validate(&input)?;
    let request_hash = idempotency::request_hash(&input);
    let now = ctx.clock.now();
    let direct = pricing::quantities(input.lines.iter().map(|l| (l.product_id, l.quantity)))?;
    let mut placement = Placement::begin(ctx).await?;
    let opening = opening(
        ctx,
        actor,
        idempotency_key,
        &request_hash,
        &input,
        &direct,
        now,
    );
    let (lines, budget, limits) = match placement.open(opening).await? {
        Opened::Replayed { status, body } => {
            return Ok(PlacementResponse {
                status,
                body,
                replayed: true,
            });
        }
        Opened::Restricted(restriction) => {
            return Err(ApiError::refused(restriction.reason()).with_code("ORDERING_RESTRICTED"));
        }
        Opened::Read {
            lines,
            budget,
            limits,
        } => (lines, budget, limits),
    };
    let (quantities, products) = match lines {
        LinesRead::Products(products) => (direct, products),
        LinesRead::Cart(requested) => cart_products(&mut placement, requested).await?,
    };
    let budget = budget
        .filter(|b| b.org_id == actor.org_id)
        .ok_or_else(|| ApiError::not_found("budget line"))?;
    let by_supplier = pricing::price_lines(products, &quantities)?;
    require_open_year(ctx, &budget)?;
    let (drafts, grand_total) = pricing::draft_orders(ctx, by_supplier, &limits)?;
    let ids = take(
        &mut placement,
        actor,
        &input,
        &quantities,
        &budget,
        &drafts,
        grand_total,
        now,
    )
    .await?;
    let response = complete(placement, actor, idempotency_key, &input, drafts, ids, now).await?;
    metrics::counter!("gpmall_orders_placed_total").increment(1);
    Ok(response)
}

/// What the first batch is asked for.
fn opening<'a>(
    ctx: &Ctx,
    actor: &Identity,
    idempotency_key: &'a str,
    request_hash: &'a str,
    input: &PlaceOrder,
    direct: &'a BTreeMap<i64, i64>,
    now: DateTime<Utc>,
) -> Opening<'a> {
    Opening {
        purchaser_org_id: actor.org_id,
        user_id: actor.user_id,
        idempotency_key,
        request_hash,
        now,
        today: ctx.clock.today(),
        restriction_days: ctx.settings.payment_restriction_days,
        lines: if input.from_cart {
            LineSource::Cart
        } else {
            LineSource::Direct(direct)
        },
        budget_line_id: input.budget_line_id,
        fiscal_year: ctx.clock.fiscal_year(),
    }
}

/// The cart's quantities per product and their products; an empty cart is refused.
async fn cart_products(
    placement: &mut Placement,
    requested: Vec<(i64, i64)>,
) -> Result<(BTreeMap<i64, i64>, Vec<ProductForOrder>), ApiError> {
    if requested.is_empty() {
        return Err(ApiError::say(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CART_EMPTY",
            Text::new("msg.order.cart_empty"),
        ));
    }
    let quantities = pricing::quantities(requested)?;
    let products = placement.products(&quantities).await?;
    Ok((quantities, products))
}

/// Refuses a budget line of a fiscal year other than the current one.
fn require_open_year(ctx: &Ctx, budget: &BudgetLineForOrder) -> Result<(), ApiError> {
    if budget.fiscal_year != ctx.clock.fiscal_year() {
        return Err(ApiError::conflicting(
            "BUDGET_LINE_CLOSED",
            Text::new("msg.order.budget_line_closed")
                .arg("line", &budget.code)
                .arg("year", budget.fiscal_year)
                .arg("current", ctx.clock.fiscal_year()),
        ));
    }
    Ok(())
}

/// Takes the stock and the budget and inserts the orders; their ids, or why nothing was taken.
#[allow(clippy::too_many_arguments)]
async fn take(
    placement: &mut Placement,
    actor: &Identity,
    input: &PlaceOrder,
    quantities: &BTreeMap<i64, i64>,
    budget: &BudgetLineForOrder,
    drafts: &[Draft],
    grand_total: Money,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, ApiError> {
    let orders: Vec<NewOrder<'_>> = drafts
        .iter()
        .map(|d| NewOrder {
            order_no: &d.order_no,
            purchaser_org_id: actor.org_id,
            purchaser_user_id: actor.user_id,
            supplier_id: d.supplier_id,
            budget_line_id: budget.id,
            total: d.total,
            delivery_address: input.delivery_address.trim(),
            note: input.note.trim(),
            at: now,
        })
        .collect();
    match placement
        .take(quantities, budget, grand_total, &orders)
        .await?
    {
        Taken::Orders(ids) => Ok(ids),
        Taken::StockShort {
            product_id,
            quantity,
        } => Err(stock_short(placement, product_id, quantity).await),
        Taken::BudgetShort => Err(budget_exceeded(placement, budget, grand_total).await),
    }
}

/// Writes the orders' lines and audit entries, stores the response under the key and commits.
async fn complete(
    placement: Placement,
    actor: &Identity,
    idempotency_key: &str,
    input: &PlaceOrder,
    drafts: Vec<Draft>,
    ids: Vec<i64>,
    now: DateTime<Utc>,
) -> Result<PlacementResponse, ApiError> {
    let lines: Vec<Vec<NewOrderLine>> = drafts.iter().map(Draft::order_lines).collect();
    let placed: Vec<PlacedOrder> = drafts
        .into_iter()
        .zip(&ids)
        .map(|(draft, id)| PlacedOrder {
            id: *id,
            order_no: draft.order_no,
            supplier_id: draft.supplier_id,
            total: draft.total,
            status: OrderStatus::Placed,
        })
        .collect();
    let audit = placed
        .iter()
        .map(|view| AuditEntry {
            actor: Some(actor),
            action: "order.placed",
            subject_type: "order",
            subject_id: view.id.to_string(),
            before: None,
            after: serde_json::to_value(view).ok(),
        })
        .collect();
    let body =
        serde_json::to_string(&PlacedOrders { orders: placed }).map_err(ApiError::internal)?;
    placement
        .complete(Completion {
            user_id: actor.user_id,
            idempotency_key,
            orders: ids
                .iter()
                .copied()
                .zip(lines.iter().map(Vec::as_slice))
                .collect(),
            audit,
            clear_cart: input.from_cart,
            status: 201,
            body: &body,
            now,
        })
        .await?;
    Ok(PlacementResponse {
        status: 201,
        body,
        replayed: false,
    })
}

/// The error for a stock update that took nothing, with the stock there is.
async fn stock_short(placement: &mut Placement, product_id: i64, quantity: i64) -> ApiError {
    let (name, available) = match placement.stock_of(product_id).await {
        Ok(found) => found,
        Err(e) => return e,
    };
    ApiError::conflicting(
        "STOCK_SHORT",
        Text::new("msg.order.stock_short")
            .arg("product", name)
            .arg("available", available)
            .arg("quantity", quantity),
    )
    .with_details(serde_json::json!({
        "product_id": product_id,
        "requested": quantity,
        "available": available,
    }))
}

/// The error for a budget update that took nothing, with what the line has left.
async fn budget_exceeded(
    placement: &mut Placement,
    budget: &BudgetLineForOrder,
    amount: Money,
) -> ApiError {
    let remaining = match placement.budget_left(budget.id).await {
        Ok(left) => left,
        Err(e) => return e,
    };
    ApiError::conflicting(
        "BUDGET_EXCEEDED",
        Text::new("msg.order.budget_exceeded")
            .arg("line", &budget.code)
            .money("left", remaining)
            .money("total", amount),
    )
    .with_details(serde_json::json!({
        "budget_line_id": budget.id,
        "remaining": remaining,
        "required": amount,
    }))
}
