//! Pricing a placement: the lines at the products' current prices, one order per supplier,
//! each within its categories' direct-purchase limits.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use gpmall_platform::i18n::Text;
use gpmall_platform::{ApiError, Ctx, Money};

use crate::domain::limits::{LimitExceeded, check_direct_purchase};
use crate::domain::product::ProductStatus;
use crate::entity::category_limit;
use crate::repo::placement::{NewOrderLine, ProductForOrder};
use crate::service::{cart, catalog};

/// A line priced, with the names its refusals need.
pub(super) struct PricedLine {
    pub line: NewOrderLine,
    pub category_name: String,
    pub category_name_en: String,
    pub supplier_name: String,
}

/// An order about to be placed: one supplier's lines.
pub(super) struct Draft {
    pub supplier_id: i64,
    pub order_no: String,
    pub total: Money,
    pub lines: Vec<PricedLine>,
}

impl Draft {
    pub fn order_lines(&self) -> Vec<NewOrderLine> {
        self.lines.iter().map(|l| l.line.clone()).collect()
    }
}

/// Sums the quantities per product (a product may come on several lines).
pub(super) fn quantities(
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

pub(super) fn order_too_large() -> ApiError {
    ApiError::amount_above_max(Text::new("msg.order.above_max"))
}

fn order_total(lines: &[PricedLine]) -> Result<Money, ApiError> {
    lines.iter().try_fold(Money::ZERO, |acc, l| {
        acc.checked_add(l.line.line_total)
            .ok_or_else(order_too_large)
    })
}

/// Prices the lines at the products' current prices and groups them by supplier, refusing any
/// product that is missing, not listed, or whose supplier is penalized.
pub(super) fn price_lines(
    products: Vec<ProductForOrder>,
    quantities: &BTreeMap<i64, i64>,
) -> Result<BTreeMap<i64, Vec<PricedLine>>, ApiError> {
    let mut found: BTreeMap<i64, ProductForOrder> =
        products.into_iter().map(|p| (p.id, p)).collect();
    let mut by_supplier: BTreeMap<i64, Vec<PricedLine>> = BTreeMap::new();
    for (product_id, quantity) in quantities {
        let product = found.remove(product_id).ok_or_else(|| {
            ApiError::conflicting("PRODUCT_NOT_LISTED", Text::new("msg.order.product_missing"))
                .with_details(serde_json::json!({ "product_id": product_id }))
        })?;
        if product.status != ProductStatus::Listed {
            return Err(ApiError::conflicting(
                "PRODUCT_NOT_LISTED",
                Text::new("msg.order.product_not_listed").arg("product", &product.name),
            )
            .with_details(serde_json::json!({ "product_id": product_id })));
        }
        if product.credit_status != "good" {
            return Err(ApiError::conflicting(
                "SUPPLIER_PENALIZED",
                Text::new("msg.order.supplier_penalized")
                    .arg("supplier", &product.supplier_name)
                    .arg("product", &product.name),
            )
            .with_details(serde_json::json!({ "product_id": product_id })));
        }
        let line_total = product
            .price
            .checked_mul(*quantity)
            .ok_or_else(order_too_large)?;
        by_supplier
            .entry(product.supplier_id)
            .or_default()
            .push(PricedLine {
                line: NewOrderLine {
                    product_id: *product_id,
                    product_name: product.name,
                    category_code: product.category_code,
                    unit: product.unit,
                    unit_price: product.price,
                    quantity: *quantity,
                    line_total,
                },
                category_name: product.category_name,
                category_name_en: product.category_name_en,
                supplier_name: product.supplier_name,
            });
    }
    Ok(by_supplier)
}

/// One draft order per supplier, each within its categories' limits, and their grand total.
pub(super) fn draft_orders(
    ctx: &Ctx,
    by_supplier: BTreeMap<i64, Vec<PricedLine>>,
    limits: &[category_limit::Model],
) -> Result<(Vec<Draft>, Money), ApiError> {
    let mut grand_total = Money::ZERO;
    let mut drafts = Vec::with_capacity(by_supplier.len());
    for (supplier_id, lines) in by_supplier {
        let total = order_total(&lines)?;
        let codes: Vec<String> = lines.iter().map(|l| l.line.category_code.clone()).collect();
        let in_force = catalog::limits_in_force(ctx, &codes, limits);
        check_direct_purchase(total, &in_force)
            .map_err(|e| limit_exceeded(supplier_id, &lines, e))?;
        grand_total = grand_total.checked_add(total).ok_or_else(order_too_large)?;
        let order_no = format!(
            "GP{}{}",
            ctx.clock.today().format("%Y%m%d"),
            &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
        );
        drafts.push(Draft {
            supplier_id,
            order_no,
            total,
            lines,
        });
    }
    Ok((drafts, grand_total))
}

/// The refusal of an order above its category's limit, naming the supplier and the category.
fn limit_exceeded(supplier_id: i64, lines: &[PricedLine], e: LimitExceeded) -> ApiError {
    let category = lines
        .iter()
        .find(|l| l.line.category_code == e.category_code);
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
}
