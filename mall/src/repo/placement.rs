//! The placement repository: the one place an order placement talks to the database. It runs
//! the placement's batches through the pipeline (on PostgreSQL one round trip each, see
//! [`gpmall_platform::pipeline`]), owns their statements and hands back typed rows; no
//! statement or raw row leaves this file.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::stmt;
use gpmall_platform::idempotency;
use gpmall_platform::pipeline::{Outcome, Row, Step, Txn};
use gpmall_platform::{ApiError, Ctx, Money};
use gpmall_settlement::service::ordering_restriction::{OrderingRestriction, RestrictionCheck};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement, Value};

use crate::domain::order::OrderStatus;
use crate::domain::product::ProductStatus;
use crate::entity::{cart_item, category_limit};

/// A product as placement prices it, with its supplier and category.
pub struct ProductForOrder {
    pub id: i64,
    pub name: String,
    pub category_code: String,
    pub category_name: String,
    pub category_name_en: String,
    pub unit: String,
    pub price: Money,
    pub status: ProductStatus,
    pub supplier_id: i64,
    pub supplier_name: String,
    /// The supplier's credit status (`good` when it may trade).
    pub credit_status: String,
}

/// What placement reads of the budget line it pays from.
pub struct BudgetLineForOrder {
    pub id: i64,
    pub org_id: i64,
    pub code: String,
    pub fiscal_year: i32,
}

/// Where the lines come from: the request's own, or the buyer's cart.
pub enum LineSource<'a> {
    Direct(&'a BTreeMap<i64, i64>),
    Cart,
}

/// What the first batch needs: the idempotency claim, the ordering restriction to check,
/// the lines, the budget line and the fiscal year whose limits apply.
pub struct Opening<'a> {
    pub purchaser_org_id: i64,
    pub user_id: i64,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    /// Days after shipping without any payment that restrict ordering; `None`: no restriction.
    pub restriction_days: Option<u32>,
    pub lines: LineSource<'a>,
    pub budget_line_id: i64,
    pub fiscal_year: i32,
}

/// The lines as the first batch read them.
pub enum LinesRead {
    /// The products of the request's own lines.
    Products(Vec<ProductForOrder>),
    /// The cart's `(product, quantity)` lines, oldest first; their products are read next.
    Cart(Vec<(i64, i64)>),
}

/// What the first batch found.
pub enum Opened {
    /// The key was used before: its stored answer (or the refusal of a different request).
    Replayed { status: u16, body: String },
    /// The purchaser may not order: the contract that restricts it.
    Restricted(OrderingRestriction),
    Read {
        lines: LinesRead,
        budget: Option<BudgetLineForOrder>,
        limits: Vec<category_limit::Model>,
    },
}

/// An order to insert.
pub struct NewOrder<'a> {
    pub order_no: &'a str,
    pub purchaser_org_id: i64,
    pub purchaser_user_id: i64,
    pub supplier_id: i64,
    pub budget_line_id: i64,
    pub total: Money,
    pub delivery_address: &'a str,
    pub note: &'a str,
    pub at: DateTime<Utc>,
}

/// One of an order's lines, priced.
#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub product_id: i64,
    pub product_name: String,
    pub category_code: String,
    pub unit: String,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
}

/// What taking the stock and the budget did.
pub enum Taken {
    /// Everything was there: the new orders' ids, in the order they were given.
    Orders(Vec<i64>),
    /// This product had less stock than asked for (nothing was taken: roll back).
    StockShort { product_id: i64, quantity: i64 },
    /// The budget line had less left than the total.
    BudgetShort,
}

/// The last batch: the lines and audit entries of the new orders, the cart to clear and the
/// response to store under the key.
pub struct Completion<'a> {
    pub user_id: i64,
    pub idempotency_key: &'a str,
    pub orders: Vec<(i64, &'a [NewOrderLine])>,
    pub audit: Vec<AuditEntry<'a>>,
    pub clear_cart: bool,
    pub status: u16,
    pub body: &'a str,
    pub now: DateTime<Utc>,
}

/// A placement's transaction. Dropped before [`Placement::complete`], it rolls back.
pub struct Placement {
    txn: Txn,
}

impl Placement {
    pub async fn begin(ctx: &Ctx) -> Result<Placement, ApiError> {
        Ok(Placement {
            txn: Txn::begin(&ctx.db, ctx.pipeline.as_ref()).await?,
        })
    }

    /// The first batch: claims the key and reads the restriction, the lines, the budget line
    /// and the limits together.
    pub async fn open(&mut self, opening: Opening<'_>) -> Result<Opened, ApiError> {
        let backend = self.txn.backend();
        let mut steps = vec![Step::execute(idempotency::claim_statement(
            backend,
            opening.user_id,
            opening.idempotency_key,
            opening.request_hash,
            opening.now,
        ))];
        let restriction = opening.restriction_days.and_then(|days| {
            RestrictionCheck::new(backend, opening.purchaser_org_id, opening.today, days)
        });
        if let Some(check) = &restriction {
            steps.push(check.step());
        }
        steps.push(Step::query(match opening.lines {
            LineSource::Cart => cart_lines_statement(backend, opening.user_id),
            LineSource::Direct(quantities) => products_statement(backend, quantities),
        }));
        steps.push(Step::query(budget_statement(
            backend,
            opening.budget_line_id,
        )));
        steps.push(Step::query(limits_statement(backend, opening.fiscal_year)));
        let mut read = self.txn.run(steps).await?.into_iter();
        if next(&mut read)?.affected == 0 {
            let (status, body) = self
                .replay(
                    opening.user_id,
                    opening.idempotency_key,
                    opening.request_hash,
                )
                .await?;
            return Ok(Opened::Replayed { status, body });
        }
        if let Some(check) = &restriction
            && let Some(found) = check.read(&next(&mut read)?)?
        {
            return Ok(Opened::Restricted(found));
        }
        let rows = next(&mut read)?.rows;
        let lines = match opening.lines {
            LineSource::Cart => LinesRead::Cart(
                rows.iter()
                    .map(|row| Ok((row.get("product_id")?, row.get("quantity")?)))
                    .collect::<Result<_, ApiError>>()?,
            ),
            LineSource::Direct(_) => LinesRead::Products(products_from_rows(&rows)?),
        };
        let budget = budget_from_rows(&next(&mut read)?.rows)?;
        let limits = limits_from_rows(&next(&mut read)?.rows)?;
        Ok(Opened::Read {
            lines,
            budget,
            limits,
        })
    }

    /// The stored answer for a key that was claimed before.
    async fn replay(
        &mut self,
        user_id: i64,
        key: &str,
        request_hash: &str,
    ) -> Result<(u16, String), ApiError> {
        let existing = self
            .txn
            .run(vec![Step::query(idempotency::existing_statement(
                self.txn.backend(),
                user_id,
                key,
            ))])
            .await?;
        let row = existing.first().and_then(|o| o.rows.first());
        idempotency::settle_existing(row, request_hash)
    }

    /// The products of the cart's lines (a second round trip, for an order from the cart).
    pub async fn products(
        &mut self,
        quantities: &BTreeMap<i64, i64>,
    ) -> Result<Vec<ProductForOrder>, ApiError> {
        let read = self
            .txn
            .run(vec![Step::query(products_statement(
                self.txn.backend(),
                quantities,
            ))])
            .await?;
        products_from_rows(&next(&mut read.into_iter())?.rows)
    }

    /// The second batch: takes the stock (in product id order, then the budget: one lock order
    /// for every placement) and inserts the orders. If anything was short, the caller rolls
    /// back by dropping the placement.
    pub async fn take(
        &mut self,
        quantities: &BTreeMap<i64, i64>,
        budget: &BudgetLineForOrder,
        amount: Money,
        orders: &[NewOrder<'_>],
    ) -> Result<Taken, ApiError> {
        let backend = self.txn.backend();
        let mut takes: Vec<Step> = quantities
            .iter()
            .map(|(product_id, quantity)| {
                Step::execute(take_stock_statement(backend, *product_id, *quantity))
            })
            .collect();
        takes.push(Step::execute(take_budget_statement(
            backend, budget, amount,
        )));
        takes.extend(
            orders
                .iter()
                .map(|o| Step::query(insert_order_statement(backend, o))),
        );
        let mut taken = self.txn.run(takes).await?;
        if taken.len() != quantities.len() + 1 + orders.len() {
            return Err(ApiError::internal(
                "a batch returned fewer outcomes than it had steps",
            ));
        }
        let inserted = taken.split_off(quantities.len() + 1);
        for ((product_id, quantity), outcome) in quantities.iter().zip(&taken) {
            if outcome.affected != 1 {
                return Ok(Taken::StockShort {
                    product_id: *product_id,
                    quantity: *quantity,
                });
            }
        }
        if taken.last().is_none_or(|o| o.affected != 1) {
            return Ok(Taken::BudgetShort);
        }
        let ids = inserted
            .iter()
            .map(|outcome| {
                outcome
                    .rows
                    .first()
                    .ok_or_else(|| ApiError::internal("the order insert returned no id"))?
                    .get("id")
                    .map_err(ApiError::from)
            })
            .collect::<Result<_, _>>()?;
        Ok(Taken::Orders(ids))
    }

    /// The product's name and the stock it has (none, and no name, when it is gone).
    pub async fn stock_of(&mut self, product_id: i64) -> Result<(String, i64), ApiError> {
        let read = self
            .txn
            .run(vec![Step::query(stmt(
                self.txn.backend(),
                "SELECT stock, name FROM products WHERE id = ?",
                [product_id.into()],
            ))])
            .await?;
        match read.first().and_then(|o| o.rows.first()) {
            Some(row) => Ok((row.get("name")?, row.get("stock")?)),
            None => Ok((String::new(), 0)),
        }
    }

    /// What the budget line has left.
    pub async fn budget_left(&mut self, budget_line_id: i64) -> Result<Money, ApiError> {
        let read = self
            .txn
            .run(vec![Step::query(stmt(
                self.txn.backend(),
                "SELECT remaining_fen FROM budget_lines WHERE id = ?",
                [budget_line_id.into()],
            ))])
            .await?;
        match read.first().and_then(|o| o.rows.first()) {
            Some(row) => Ok(Money::from_fen(row.get("remaining_fen")?)),
            None => Ok(Money::ZERO),
        }
    }

    /// The last batch, and `COMMIT` with it.
    pub async fn complete(self, completion: Completion<'_>) -> Result<(), ApiError> {
        let backend = self.txn.backend();
        let mut writes = Vec::new();
        for (order_id, lines) in &completion.orders {
            writes.push(Step::execute(order_lines_statement(
                backend, *order_id, lines,
            )));
        }
        for entry in completion.audit {
            writes.push(Step::execute(audit::insert_statement(
                backend,
                entry,
                completion.now,
            )));
        }
        if completion.clear_cart {
            writes.push(Step::execute(clear_cart_statement(
                backend,
                completion.user_id,
            )));
        }
        writes.push(Step::execute(idempotency::complete_statement(
            backend,
            completion.user_id,
            completion.idempotency_key,
            completion.status,
            completion.body,
        )));
        self.txn.run_and_commit(writes).await?;
        Ok(())
    }
}

/// The next outcome of a batch, in the order its steps were given.
fn next(outcomes: &mut impl Iterator<Item = Outcome>) -> Result<Outcome, ApiError> {
    outcomes
        .next()
        .ok_or_else(|| ApiError::internal("a batch returned fewer outcomes than it had steps"))
}

/// The cart's lines, oldest first: `product_id`, `quantity`.
fn cart_lines_statement(backend: DbBackend, user_id: i64) -> Statement {
    use sea_orm::{QueryOrder, QuerySelect};
    cart_item::Entity::find()
        .select_only()
        .columns([cart_item::Column::ProductId, cart_item::Column::Quantity])
        .filter(cart_item::Column::UserId.eq(user_id))
        .order_by_asc(cart_item::Column::AddedAt)
        .order_by_asc(cart_item::Column::ProductId)
        .build(backend)
}

fn clear_cart_statement(backend: DbBackend, user_id: i64) -> Statement {
    cart_item::Entity::delete_many()
        .filter(cart_item::Column::UserId.eq(user_id))
        .build(backend)
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

fn products_from_rows(rows: &[Row]) -> Result<Vec<ProductForOrder>, ApiError> {
    rows.iter()
        .map(|row| {
            Ok(ProductForOrder {
                id: row.get("id")?,
                name: row.get("name")?,
                category_code: row.get("category_code")?,
                category_name: row.get("category_name")?,
                category_name_en: row.get("category_name_en")?,
                unit: row.get("unit")?,
                price: Money::from_fen(row.get("price_fen")?),
                status: ProductStatus::stored(&row.get::<String>("status")?)?,
                supplier_id: row.get("supplier_id")?,
                supplier_name: row.get("supplier_name")?,
                credit_status: row.get("credit_status")?,
            })
        })
        .collect()
}

fn budget_statement(backend: DbBackend, budget_line_id: i64) -> Statement {
    stmt(
        backend,
        "SELECT id, org_id, code, fiscal_year FROM budget_lines WHERE id = ?",
        [budget_line_id.into()],
    )
}

fn budget_from_rows(rows: &[Row]) -> Result<Option<BudgetLineForOrder>, ApiError> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(BudgetLineForOrder {
        id: row.get("id")?,
        org_id: row.get("org_id")?,
        code: row.get("code")?,
        fiscal_year: row.get("fiscal_year")?,
    }))
}

/// The categories' own limits for a fiscal year.
fn limits_statement(backend: DbBackend, fiscal_year: i32) -> Statement {
    category_limit::Entity::find()
        .filter(category_limit::Column::FiscalYear.eq(fiscal_year))
        .build(backend)
}

fn limits_from_rows(rows: &[Row]) -> Result<Vec<category_limit::Model>, ApiError> {
    rows.iter()
        .map(|row| {
            Ok(category_limit::Model {
                category_code: row.get("category_code")?,
                fiscal_year: row.get("fiscal_year")?,
                direct_purchase_limit_fen: row.get("direct_purchase_limit_fen")?,
            })
        })
        .collect()
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
    budget: &BudgetLineForOrder,
    amount: Money,
) -> Statement {
    stmt(
        backend,
        "UPDATE budget_lines SET remaining_fen = remaining_fen - ? \
         WHERE id = ? AND org_id = ? AND remaining_fen >= ?",
        [
            amount.fen().into(),
            budget.id.into(),
            budget.org_id.into(),
            amount.fen().into(),
        ],
    )
}

fn insert_order_statement(backend: DbBackend, order: &NewOrder<'_>) -> Statement {
    stmt(
        backend,
        "INSERT INTO orders (order_no, purchaser_org_id, purchaser_user_id, supplier_id, \
         budget_line_id, total_fen, status, delivery_address, note, cancel_reason, \
         placed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) RETURNING id",
        [
            order.order_no.into(),
            order.purchaser_org_id.into(),
            order.purchaser_user_id.into(),
            order.supplier_id.into(),
            order.budget_line_id.into(),
            order.total.fen().into(),
            OrderStatus::Placed.as_str().into(),
            order.delivery_address.into(),
            order.note.into(),
            order.at.into(),
            order.at.into(),
        ],
    )
}

fn order_lines_statement(backend: DbBackend, order_id: i64, lines: &[NewOrderLine]) -> Statement {
    let mut values: Vec<Value> = Vec::with_capacity(lines.len() * 8);
    for l in lines {
        values.extend([
            order_id.into(),
            l.product_id.into(),
            l.product_name.clone().into(),
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
