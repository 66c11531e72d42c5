//! Orders: placement (one order per supplier, budget and stock taken by conditional SQL in one
//! transaction, idempotent by key), the lifecycle transitions with acceptance, and queries.

use gpmall_platform::text::{clean_name, clean_note};
use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::dates;
use gpmall_platform::db::{execute, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::idempotency;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::pipeline::{Outcome, Row, Step, Txn};
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::service::contracts;
use gpmall_settlement::service::order_links::{self, ContractRef};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
    TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};

use crate::domain::acceptance::{AttachmentRef, clean_attachments};
use crate::domain::limits::check_direct_purchase;
use crate::domain::order::{OrderAction, OrderStatus, Party, transition};
use crate::entity::{acceptance, budget_line, category, order, order_line};
use crate::service::{cart, catalog};

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

struct PricedLine {
    product_id: i64,
    name: String,
    category_code: String,
    category_name: String,
    category_name_en: String,
    supplier_name: String,
    unit: String,
    unit_price: Money,
    quantity: i64,
    line_total: Money,
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
/// The statements go in three batches (on PostgreSQL, three round trips): the reads and the
/// idempotency claim; the conditional stock and budget updates and the orders; their lines,
/// audit entries, the stored response and `COMMIT`. Each batch needs what the one before
/// returned (prices, then order ids).
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
    let mut txn = Txn::begin(&ctx.db, ctx.pipeline.as_ref()).await?;
    let backend = txn.backend();
    let direct = quantities(input.lines.iter().map(|l| (l.product_id, l.quantity)))?;
    let mut steps = vec![Step::execute(idempotency::claim_statement(
        backend,
        actor.user_id,
        idempotency_key,
        &request_hash,
        now,
    ))];
    let restriction_days = ctx.settings.payment_restriction_days.and_then(|days| {
        let statement = contracts::ordering_restriction_statement(
            backend,
            actor.org_id,
            ctx.clock.today(),
            days,
        )?;
        steps.push(Step::query(statement));
        Some(days)
    });
    steps.push(Step::query(if input.from_cart {
        cart::lines_statement(backend, actor.user_id)
    } else {
        products_statement(backend, &direct)
    }));
    steps.push(Step::query(budget_statement(backend, input.budget_line_id)));
    steps.push(Step::query(catalog::limits_statement(
        backend,
        ctx.clock.fiscal_year(),
    )));
    let mut read = txn.run(steps).await?.into_iter();
    if next(&mut read)?.affected == 0 {
        let existing = txn
            .run(vec![Step::query(idempotency::existing_statement(
                backend,
                actor.user_id,
                idempotency_key,
            ))])
            .await?;
        let row = existing.first().and_then(|o| o.rows.first());
        let (status, body) = idempotency::settle_existing(row, &request_hash)?;
        return Ok(PlacementResponse {
            status,
            body,
            replayed: true,
        });
    }
    if let Some(days) = restriction_days
        && let Some(row) = next(&mut read)?.rows.first()
    {
        return Err(
            ApiError::refused(contracts::ordering_restriction_reason(row, days)?)
                .with_code("ORDERING_RESTRICTED"),
        );
    }
    let lines_read = next(&mut read)?;
    let (quantities, product_rows) = if input.from_cart {
        let mut requested = Vec::with_capacity(lines_read.rows.len());
        for row in &lines_read.rows {
            requested.push((row.get::<i64>("product_id")?, row.get::<i64>("quantity")?));
        }
        if requested.is_empty() {
            return Err(ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CART_EMPTY",
                Text::new("msg.order.cart_empty"),
            ));
        }
        let quantities = quantities(requested)?;
        let products = txn
            .run(vec![Step::query(products_statement(backend, &quantities))])
            .await?;
        (quantities, next(&mut products.into_iter())?.rows)
    } else {
        (direct, lines_read.rows)
    };
    let budget = BudgetRow::from_rows(&next(&mut read)?.rows)?
        .filter(|b| b.org_id == actor.org_id)
        .ok_or_else(|| ApiError::not_found("budget line"))?;
    let limit_rows = next(&mut read)?.rows;
    let by_supplier = price_lines(&product_rows, &quantities)?;
    if budget.fiscal_year != ctx.clock.fiscal_year() {
        return Err(ApiError::conflicting(
            "BUDGET_LINE_CLOSED",
            Text::new("msg.order.budget_line_closed")
                .arg("line", &budget.code)
                .arg("year", budget.fiscal_year)
                .arg("current", ctx.clock.fiscal_year()),
        ));
    }
    let limits = catalog::limits_from_rows(&limit_rows)?;
    let mut grand_total = Money::ZERO;
    let mut drafts = Vec::with_capacity(by_supplier.len());
    for (supplier_id, lines) in by_supplier {
        let total = order_total(&lines)?;
        let codes: Vec<String> = lines.iter().map(|l| l.category_code.clone()).collect();
        let limits = catalog::limits_in_force(ctx, &codes, &limits);
        check_direct_purchase(total, &limits).map_err(|e| {
            let category = lines.iter().find(|l| l.category_code == e.category_code);
            let (category_zh, category_en) = category
                .map_or((e.category_code.as_str(), e.category_code.as_str()), |l| {
                    (l.category_name.as_str(), l.category_name_en.as_str())
                });
            let supplier = lines.first().map_or("", |l| l.supplier_name.as_str());
            ApiError::say(
                StatusCode::UNPROCESSABLE_ENTITY,
                "DIRECT_PURCHASE_LIMIT_EXCEEDED",
                Text::new("msg.order.limit_exceeded")
                    .arg("supplier", supplier)
                    .money("total", e.total)
                    .named("category", category_zh, category_en)
                    .money("limit", e.limit)
                    .key_arg("method", format!("method.{}", e.method.as_str())),
            )
            .with_details(serde_json::json!({
                "supplier_id": supplier_id,
                "category": e.category_code,
                "limit": e.limit,
                "total": e.total,
                "method": e.method.as_str(),
            }))
        })?;
        grand_total = grand_total.checked_add(total).ok_or_else(order_too_large)?;
        let order_no = format!(
            "GP{}{}",
            ctx.clock.today().format("%Y%m%d"),
            &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
        );
        drafts.push((supplier_id, order_no, total, lines));
    }
    // Stock first, in product id order, then the budget: one lock order for every placement.
    // The orders go in the same batch: if anything was short, the transaction rolls back.
    let mut takes: Vec<Step> = quantities
        .iter()
        .map(|(product_id, quantity)| {
            Step::execute(take_stock_statement(backend, *product_id, *quantity))
        })
        .collect();
    takes.push(Step::execute(take_budget_statement(
        backend,
        actor.org_id,
        budget.id,
        grand_total,
    )));
    takes.extend(drafts.iter().map(|(supplier_id, order_no, total, _)| {
        Step::query(stmt(
            backend,
            "INSERT INTO orders (order_no, purchaser_org_id, purchaser_user_id, supplier_id, \
             budget_line_id, total_fen, status, delivery_address, note, cancel_reason, \
             placed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) RETURNING id",
            [
                order_no.clone().into(),
                actor.org_id.into(),
                actor.user_id.into(),
                (*supplier_id).into(),
                budget.id.into(),
                total.fen().into(),
                OrderStatus::Placed.as_str().into(),
                input.delivery_address.trim().into(),
                input.note.trim().into(),
                now.into(),
                now.into(),
            ],
        ))
    }));
    let mut taken = txn.run(takes).await?;
    if taken.len() != quantities.len() + 1 + drafts.len() {
        return Err(ApiError::internal(
            "a batch returned fewer outcomes than it had steps",
        ));
    }
    let inserted = taken.split_off(quantities.len() + 1);
    for ((product_id, quantity), outcome) in quantities.iter().zip(&taken) {
        if outcome.affected != 1 {
            return Err(stock_short(&mut txn, *product_id, *quantity).await);
        }
    }
    if taken.last().is_none_or(|o| o.affected != 1) {
        return Err(budget_exceeded(&mut txn, &budget, grand_total).await);
    }
    let mut writes = Vec::new();
    let mut placed = Vec::with_capacity(drafts.len());
    for ((supplier_id, order_no, total, lines), outcome) in drafts.into_iter().zip(&inserted) {
        let id: i64 = outcome
            .rows
            .first()
            .ok_or_else(|| ApiError::internal("the order insert returned no id"))?
            .get("id")?;
        writes.push(Step::execute(order_lines_statement(backend, id, &lines)));
        let view = PlacedOrder {
            id,
            order_no,
            supplier_id,
            total,
            status: OrderStatus::Placed,
        };
        writes.push(Step::execute(audit::insert_statement(
            backend,
            AuditEntry {
                actor: Some(actor),
                action: "order.placed",
                subject_type: "order",
                subject_id: id.to_string(),
                before: None,
                after: serde_json::to_value(&view).ok(),
            },
            now,
        )));
        placed.push(view);
    }
    if input.from_cart {
        writes.push(Step::execute(cart::clear_statement(backend, actor.user_id)));
    }
    let body =
        serde_json::to_string(&PlacedOrders { orders: placed }).map_err(ApiError::internal)?;
    writes.push(Step::execute(idempotency::complete_statement(
        backend,
        actor.user_id,
        idempotency_key,
        201,
        &body,
    )));
    txn.run_and_commit(writes).await?;
    metrics::counter!("gpmall_orders_placed_total").increment(1);
    Ok(PlacementResponse {
        status: 201,
        body,
        replayed: false,
    })
}

/// The next outcome of a batch, in the order its steps were given.
fn next(outcomes: &mut impl Iterator<Item = Outcome>) -> Result<Outcome, ApiError> {
    outcomes
        .next()
        .ok_or_else(|| ApiError::internal("a batch returned fewer outcomes than it had steps"))
}

/// Sums the quantities per product (a product may come on several lines).
fn quantities(
    requested: impl IntoIterator<Item = (i64, i64)>,
) -> Result<BTreeMap<i64, i64>, ApiError> {
    let mut quantities: BTreeMap<i64, i64> = BTreeMap::new();
    for (product_id, quantity) in requested {
        let total = quantities.entry(product_id).or_insert(0);
        *total = total.saturating_add(quantity);
        cart::check_quantity(*total)?;
    }
    Ok(quantities)
}

fn order_too_large() -> ApiError {
    ApiError::amount_above_max(Text::new("msg.order.above_max"))
}

fn order_total(lines: &[PricedLine]) -> Result<Money, ApiError> {
    lines.iter().try_fold(Money::ZERO, |acc, l| {
        acc.checked_add(l.line_total).ok_or_else(order_too_large)
    })
}

fn products_statement(backend: DbBackend, quantities: &BTreeMap<i64, i64>) -> Statement {
    let ids: Vec<Value> = quantities.keys().map(|id| (*id).into()).collect();
    let placeholders = vec!["?"; ids.len()].join(",");
    stmt(
        backend,
        &format!(
            "SELECT p.id, p.name, p.category_code, p.unit, p.price_fen, p.status, p.supplier_id, \
             o.credit_status, o.name AS supplier_name, c.name AS category_name, \
             c.name_en AS category_name_en FROM products p \
             JOIN organizations o ON o.id = p.supplier_id \
             JOIN categories c ON c.code = p.category_code WHERE p.id IN ({placeholders})"
        ),
        ids,
    )
}

fn budget_statement(backend: DbBackend, budget_line_id: i64) -> Statement {
    stmt(
        backend,
        "SELECT id, org_id, code, fiscal_year FROM budget_lines WHERE id = ?",
        [budget_line_id.into()],
    )
}

/// What placement reads of the budget line it pays from.
struct BudgetRow {
    id: i64,
    org_id: i64,
    code: String,
    fiscal_year: i32,
}

impl BudgetRow {
    fn from_rows(rows: &[Row]) -> Result<Option<BudgetRow>, ApiError> {
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(BudgetRow {
            id: row.get("id")?,
            org_id: row.get("org_id")?,
            code: row.get("code")?,
            fiscal_year: row.get("fiscal_year")?,
        }))
    }
}

/// Prices the lines at the products' current prices and groups them by supplier, refusing any
/// product that is missing, not listed, or whose supplier is penalized.
fn price_lines(
    rows: &[Row],
    quantities: &BTreeMap<i64, i64>,
) -> Result<BTreeMap<i64, Vec<PricedLine>>, ApiError> {
    let mut found = BTreeMap::new();
    for row in rows {
        let id: i64 = row.get("id")?;
        found.insert(id, row);
    }
    let mut by_supplier: BTreeMap<i64, Vec<PricedLine>> = BTreeMap::new();
    for (product_id, quantity) in quantities {
        let row = found.get(product_id).ok_or_else(|| {
            ApiError::conflicting("PRODUCT_NOT_LISTED", Text::new("msg.order.product_missing"))
                .with_details(serde_json::json!({ "product_id": product_id }))
        })?;
        let status: String = row.get("status")?;
        let name: String = row.get("name")?;
        if status != "listed" {
            return Err(ApiError::conflicting(
                "PRODUCT_NOT_LISTED",
                Text::new("msg.order.product_not_listed").arg("product", &name),
            )
            .with_details(serde_json::json!({ "product_id": product_id })));
        }
        let credit: String = row.get("credit_status")?;
        let supplier: String = row.get("supplier_name")?;
        if credit != "good" {
            return Err(ApiError::conflicting(
                "SUPPLIER_PENALIZED",
                Text::new("msg.order.supplier_penalized")
                    .arg("supplier", &supplier)
                    .arg("product", &name),
            )
            .with_details(serde_json::json!({ "product_id": product_id })));
        }
        let unit_price = Money::from_fen(row.get("price_fen")?);
        let line_total = unit_price
            .checked_mul(*quantity)
            .ok_or_else(order_too_large)?;
        by_supplier
            .entry(row.get("supplier_id")?)
            .or_default()
            .push(PricedLine {
                product_id: *product_id,
                name,
                category_code: row.get("category_code")?,
                category_name: row.get("category_name")?,
                category_name_en: row.get("category_name_en")?,
                supplier_name: supplier,
                unit: row.get("unit")?,
                unit_price,
                quantity: *quantity,
                line_total,
            });
    }
    Ok(by_supplier)
}

fn take_stock_statement(backend: DbBackend, product_id: i64, quantity: i64) -> Statement {
    stmt(
        backend,
        "UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ? AND status = 'listed'",
        [quantity.into(), product_id.into(), quantity.into()],
    )
}

fn take_budget_statement(
    backend: DbBackend,
    org_id: i64,
    budget_line_id: i64,
    amount: Money,
) -> Statement {
    stmt(
        backend,
        "UPDATE budget_lines SET remaining_fen = remaining_fen - ? \
         WHERE id = ? AND org_id = ? AND remaining_fen >= ?",
        [
            amount.fen().into(),
            budget_line_id.into(),
            org_id.into(),
            amount.fen().into(),
        ],
    )
}

fn order_lines_statement(backend: DbBackend, order_id: i64, lines: &[PricedLine]) -> Statement {
    let mut values: Vec<Value> = Vec::with_capacity(lines.len() * 8);
    for l in lines {
        values.extend([
            order_id.into(),
            l.product_id.into(),
            l.name.clone().into(),
            l.category_code.clone().into(),
            l.unit.clone().into(),
            l.unit_price.fen().into(),
            l.quantity.into(),
            l.line_total.fen().into(),
        ]);
    }
    let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; lines.len()].join(", ");
    stmt(
        backend,
        &format!(
            "INSERT INTO order_lines (order_id, product_id, product_name, category_code, unit, \
             unit_price_fen, quantity, line_total_fen) VALUES {rows}"
        ),
        values,
    )
}

/// The `n` column of the row with this id, read in the transaction (0 when there is none).
async fn read_amount(txn: &mut Txn, sql: &str, id: i64) -> Result<i64, ApiError> {
    let outcomes = txn
        .run(vec![Step::query(stmt(txn.backend(), sql, [id.into()]))])
        .await?;
    match outcomes.first().and_then(|o| o.rows.first()) {
        Some(row) => Ok(row.get("n")?),
        None => Ok(0),
    }
}

/// The error for a stock update that took nothing, with the stock there is.
async fn stock_short(txn: &mut Txn, product_id: i64, quantity: i64) -> ApiError {
    let read = match txn
        .run(vec![Step::query(stmt(
            txn.backend(),
            "SELECT stock, name FROM products WHERE id = ?",
            [product_id.into()],
        ))])
        .await
    {
        Ok(read) => read,
        Err(e) => return e.into(),
    };
    let (available, name) = match read.first().and_then(|o| o.rows.first()) {
        Some(row) => match (row.get::<i64>("stock"), row.get::<String>("name")) {
            (Ok(stock), Ok(name)) => (stock, name),
            (Err(e), _) | (_, Err(e)) => return e.into(),
        },
        None => (0, String::new()),
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
async fn budget_exceeded(txn: &mut Txn, budget: &BudgetRow, amount: Money) -> ApiError {
    let remaining = match read_amount(
        txn,
        "SELECT remaining_fen AS n FROM budget_lines WHERE id = ?",
        budget.id,
    )
    .await
    {
        Ok(n) => n,
        Err(e) => return e,
    };
    ApiError::conflicting(
        "BUDGET_EXCEEDED",
        Text::new("msg.order.budget_exceeded")
            .arg("line", &budget.code)
            .money("left", Money::from_fen(remaining))
            .money("total", amount),
    )
    .with_details(serde_json::json!({
        "budget_line_id": budget.id,
        "remaining": Money::from_fen(remaining),
        "required": amount,
    }))
}

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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLineView {
    pub product_id: i64,
    pub product_name: String,
    /// The category's code; its names follow.
    pub category: String,
    pub category_name: String,
    pub category_name_en: String,
    pub unit: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AcceptanceView {
    pub result: String,
    pub acceptance_date: String,
    pub notes: String,
    pub attachments: Vec<AttachmentRef>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub order_no: String,
    pub purchaser_org_id: i64,
    pub purchaser_name: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub budget_line_id: i64,
    /// The budget line's code, as the purchasing unit knows it.
    pub budget_line_code: String,
    pub total: Money,
    pub status: OrderStatus,
    /// The contract the order became when the supplier confirmed it.
    pub contract: Option<ContractRef>,
    pub delivery_address: String,
    pub note: String,
    pub cancel_reason: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<OrderLineView>,
    pub acceptance: Option<AcceptanceView>,
}

/// Which side of `order` the actor is on, or not found (other tenants never learn it exists).
fn party_of(actor: &Identity, order: &order::Model) -> Option<Party> {
    match actor.org_kind {
        OrgKind::Purchaser if order.purchaser_org_id == actor.org_id => Some(Party::Purchaser),
        OrgKind::Supplier if order.supplier_id == actor.org_id => Some(Party::Supplier),
        _ => None,
    }
}

fn may_view(actor: &Identity, order: &order::Model) -> bool {
    party_of(actor, order).is_some()
        || matches!(actor.org_kind, OrgKind::Operator | OrgKind::Regulator)
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
    let now = ctx.clock.now();
    let today = ctx.clock.today();
    // Read before the transaction: on SQLite the transaction holds the only connection.
    let publish_by = if action == OrderAction::Confirm {
        let calendar = gpmall_platform::calendar::current(ctx).await?;
        Some(
            calendar
                .add_working_days(
                    today,
                    gpmall_settlement::service::contracts::PUBLICATION_WORKING_DAYS,
                )
                .map_err(|e| ApiError::internal(e.to_string()))?,
        )
    } else {
        None
    };
    let txn = ctx.db.begin().await?;
    if let Some(done) = idempotency::replay(
        &txn,
        actor.user_id,
        idempotency_key,
        &(id, action, &input),
        now,
    )
    .await?
    {
        return Ok(done);
    }
    let current = order::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("order"))?;
    let party = party_of(actor, &current).ok_or_else(|| ApiError::not_found("order"))?;
    match party {
        Party::Purchaser => actor.require_role(Role::Buyer)?,
        Party::Supplier => actor.require_role(Role::Seller)?,
    }
    let from = OrderStatus::stored(&current.status)?;
    let to = transition(from, action, party).map_err(|_| {
        ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.order.transition")
                .key_arg("action", format!("order.action.{}", action.verb()))
                .key_arg("status", format!("order.status.{}", from.as_str())),
        )
    })?;
    let reason = input
        .reason
        .as_deref()
        .map(|r| clean_note("field.reason", r, 500))
        .transpose()?;
    let reason = reason.as_deref().filter(|r| !r.is_empty());
    if action == OrderAction::Cancel && party == Party::Supplier && reason.is_none() {
        return Err(ApiError::invalid(Text::new("msg.order.cancel_reason")));
    }
    if action == OrderAction::Reject
        && reason.is_none()
        && input.notes.as_deref().unwrap_or("").trim().is_empty()
    {
        return Err(ApiError::invalid(Text::new("msg.order.reject_reason")));
    }
    if action == OrderAction::Confirm {
        catalog::require_trading_supplier(&txn, actor).await?;
    }
    let changed = order::Entity::update_many()
        .col_expr(order::Column::Status, to.as_str().into())
        .col_expr(order::Column::UpdatedAt, now.into())
        .col_expr(
            order::Column::CancelReason,
            if action == OrderAction::Cancel {
                Some(
                    reason
                        .unwrap_or("cancelled by the purchaser before confirmation")
                        .to_owned(),
                )
            } else {
                current.cancel_reason.clone()
            }
            .into(),
        )
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.changed_meanwhile"),
        ));
    }
    if matches!(action, OrderAction::Accept | OrderAction::Reject) {
        let date = input.acceptance_date.unwrap_or(today);
        let field = dates::Field::new("acceptance_date", "field.acceptance_date");
        dates::happened(field, date, today)?;
        let placed_on = current
            .placed_at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        dates::not_before(field, date, placed_on, "date.bound.order_placed")?;
        // Goods are accepted once delivered: the delivery date is the contract's.
        if let Some(delivered) =
            gpmall_settlement::service::contracts::delivered_on(&txn, id).await?
        {
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
            order_id: Set(id),
            result: Set(to.as_str().to_owned()),
            acceptance_date: Set(date.to_string()),
            notes: Set(notes),
            attachments: Set(serde_json::to_string(&attachments).map_err(ApiError::internal)?),
            recorded_by: Set(actor.user_id),
            recorded_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    if OrderStatus::releases_reservation(to) {
        release_reservation(&txn, &current).await?;
    }
    settle(
        &txn,
        actor,
        &current,
        action,
        input.acceptance_date.unwrap_or(today),
        publish_by,
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: match action {
                OrderAction::Confirm => "order.confirmed",
                OrderAction::Ship => "order.shipped",
                OrderAction::Deliver => "order.delivered",
                OrderAction::Accept => "order.accepted",
                OrderAction::Reject => "order.rejected",
                OrderAction::Cancel => "order.cancelled",
            },
            subject_type: "order",
            subject_id: id.to_string(),
            before: Some(serde_json::json!({ "status": from.as_str() })),
            after: Some(serde_json::json!({ "status": to.as_str(), "reason": reason })),
        },
        now,
    )
    .await?;
    let view = load_view(&txn, id).await?;
    idempotency::store(&txn, actor.user_id, idempotency_key, 200, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Keeps the order's contract in step: confirmation signs it (the order is the electronic
/// contract), delivery and acceptance start its payment clocks, a rejection or a cancellation
/// after confirmation ends it.
async fn settle(
    txn: &DatabaseTransaction,
    actor: &Identity,
    order: &order::Model,
    action: OrderAction,
    acceptance_date: NaiveDate,
    publish_by: Option<gpmall_platform::calendar::Deadline>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    use gpmall_settlement::service::contracts::{self, OrderEvent, OrderForContract};
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    match action {
        OrderAction::Confirm => {
            let order_lines = order_line::Entity::find()
                .filter(order_line::Column::OrderId.eq(order.id))
                .order_by_asc(order_line::Column::Id)
                .all(txn)
                .await?;
            let lines = order_lines
                .iter()
                .map(|l| contracts::ContractLine {
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
                    signed_on: today,
                    publish_by: publish_by
                        .ok_or_else(|| ApiError::internal("publication deadline not computed"))?,
                },
                now,
            )
            .await?;
        }
        OrderAction::Deliver => {
            contracts::record_order_event(txn, order.id, OrderEvent::Delivered(today)).await?
        }
        OrderAction::Accept => {
            contracts::record_order_event(txn, order.id, OrderEvent::Accepted(acceptance_date))
                .await?
        }
        OrderAction::Reject | OrderAction::Cancel => {
            contracts::record_order_event(txn, order.id, OrderEvent::Terminated).await?
        }
        OrderAction::Ship => {
            contracts::record_order_event(txn, order.id, OrderEvent::Shipped(today)).await?
        }
    }
    Ok(())
}

async fn release_reservation(
    txn: &DatabaseTransaction,
    order: &order::Model,
) -> Result<(), ApiError> {
    let backend = txn.get_database_backend();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::ProductId)
        .all(txn)
        .await?;
    for line in lines {
        execute(
            txn,
            stmt(
                backend,
                "UPDATE products SET stock = stock + ? WHERE id = ?",
                [line.quantity.into(), line.product_id.into()],
            ),
        )
        .await?;
    }
    execute(
        txn,
        stmt(
            backend,
            "UPDATE budget_lines SET remaining_fen = remaining_fen + ? WHERE id = ?",
            [order.total_fen.into(), order.budget_line_id.into()],
        ),
    )
    .await?;
    Ok(())
}

async fn load_view<C: ConnectionTrait>(conn: &C, id: i64) -> Result<OrderView, ApiError> {
    let mut views = load_views(conn, Condition::all().add(order::Column::Id.eq(id)), None).await?;
    views.pop().ok_or_else(|| ApiError::not_found("order"))
}

async fn load_views<C: ConnectionTrait>(
    conn: &C,
    condition: Condition,
    page: Option<PageRequest>,
) -> Result<Vec<OrderView>, ApiError> {
    let mut query = order::Entity::find()
        .filter(condition)
        .order_by_desc(order::Column::PlacedAt)
        .order_by_desc(order::Column::Id);
    if let Some(page) = page {
        query = query.offset(page.offset()).limit(page.per_page);
    }
    let orders = query.all(conn).await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(order_line::Column::Id)
        .all(conn)
        .await?;
    let acceptances = acceptance::Entity::find()
        .filter(acceptance::Column::OrderId.is_in(ids))
        .all(conn)
        .await?;
    let mut org_ids: Vec<i64> = orders
        .iter()
        .flat_map(|o| [o.purchaser_org_id, o.supplier_id])
        .collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let names: BTreeMap<i64, String> = gpmall_platform::entity::organization::Entity::find()
        .filter(gpmall_platform::entity::organization::Column::Id.is_in(org_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let budget_codes: BTreeMap<i64, String> = budget_line::Entity::find()
        .filter(budget_line::Column::Id.is_in(orders.iter().map(|o| o.budget_line_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.code))
        .collect();
    let mut codes: Vec<String> = lines.iter().map(|l| l.category_code.clone()).collect();
    codes.sort_unstable();
    codes.dedup();
    let categories: BTreeMap<String, (String, String)> = category::Entity::find()
        .filter(category::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.code, (c.name, c.name_en)))
        .collect();
    let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let contracts = order_links::contracts_of_orders(conn, &order_ids).await?;
    let mut views = Vec::with_capacity(orders.len());
    for o in orders {
        let status = OrderStatus::stored(&o.status)?;
        views.push(OrderView {
            id: o.id,
            purchaser_name: names.get(&o.purchaser_org_id).cloned().unwrap_or_default(),
            supplier_name: names.get(&o.supplier_id).cloned().unwrap_or_default(),
            lines: lines
                .iter()
                .filter(|l| l.order_id == o.id)
                .map(|l| OrderLineView {
                    product_id: l.product_id,
                    product_name: l.product_name.clone(),
                    category: l.category_code.clone(),
                    category_name: categories
                        .get(&l.category_code)
                        .map(|(zh, _)| zh.clone())
                        .unwrap_or_default(),
                    category_name_en: categories
                        .get(&l.category_code)
                        .map(|(_, en)| en.clone())
                        .unwrap_or_default(),
                    unit: l.unit.clone(),
                    unit_price: Money::from_fen(l.unit_price_fen),
                    quantity: l.quantity,
                    line_total: Money::from_fen(l.line_total_fen),
                })
                .collect(),
            acceptance: acceptances
                .iter()
                .find(|a| a.order_id == o.id)
                .map(acceptance_view)
                .transpose()?,
            order_no: o.order_no,
            purchaser_org_id: o.purchaser_org_id,
            supplier_id: o.supplier_id,
            budget_line_id: o.budget_line_id,
            budget_line_code: budget_codes
                .get(&o.budget_line_id)
                .cloned()
                .unwrap_or_default(),
            total: Money::from_fen(o.total_fen),
            status,
            contract: contracts.get(&o.id).cloned(),
            delivery_address: o.delivery_address,
            note: o.note,
            cancel_reason: o.cancel_reason,
            placed_at: o.placed_at,
            updated_at: o.updated_at,
        });
    }
    Ok(views)
}

/// The acceptance record as stored; attachments that are not the JSON list written at
/// acceptance are an error, not an empty list.
fn acceptance_view(a: &acceptance::Model) -> Result<AcceptanceView, ApiError> {
    let attachments = serde_json::from_str(&a.attachments).map_err(|e| {
        ApiError::internal(format!(
            "unreadable stored attachments of order {}: {e}",
            a.order_id
        ))
    })?;
    Ok(AcceptanceView {
        result: a.result.clone(),
        acceptance_date: a.acceptance_date.clone(),
        notes: a.notes.clone(),
        attachments,
        recorded_at: a.recorded_at,
    })
}

pub async fn get(ctx: &Ctx, actor: &Identity, id: i64) -> Result<OrderView, ApiError> {
    let found = order::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|o| may_view(actor, o))
        .ok_or_else(|| ApiError::not_found("order"))?;
    load_view(&ctx.db, found.id).await
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub supplier_id: Option<i64>,
    pub budget_line_id: Option<i64>,
}

/// Orders visible to the actor: its unit's, or those sent to its company; all for supervisors.
pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    filter: OrderFilter,
    page: PageRequest,
) -> Result<ListResponse<OrderView>, ApiError> {
    let mut condition = Condition::all();
    condition = match actor.org_kind {
        OrgKind::Purchaser => condition.add(order::Column::PurchaserOrgId.eq(actor.org_id)),
        OrgKind::Supplier => condition.add(order::Column::SupplierId.eq(actor.org_id)),
        OrgKind::Operator | OrgKind::Regulator => condition,
        OrgKind::Bank => {
            return Err(ApiError::refused(Text::new("msg.order.banks_see_none")));
        }
    };
    if let Some(status) = filter.status {
        condition = condition.add(order::Column::Status.eq(status.as_str()));
    }
    if let Some(supplier) = filter.supplier_id {
        condition = condition.add(order::Column::SupplierId.eq(supplier));
    }
    if let Some(line) = filter.budget_line_id {
        condition = condition.add(order::Column::BudgetLineId.eq(line));
    }
    let total = order::Entity::find()
        .filter(condition.clone())
        .count(&ctx.db)
        .await?;
    let items = load_views(&ctx.db, condition, Some(page)).await?;
    Ok(ListResponse::new(items, total, page))
}
