//! What the catalogue shows: products as purchasers see them, listings as their supplier and
//! the operator see them, categories with their limits, search pages and price changes.

use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::domain::product::ProductStatus;
use crate::entity::{category, product};

/// A product as purchasers see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductView {
    pub id: i64,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub specification: String,
    pub unit: String,
    pub price: Money,
    pub reference_price: Money,
    pub stock: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    /// large, medium, small or micro.
    pub enterprise_size: Option<String>,
    /// Category code in the centralized procurement catalogue.
    pub category: String,
    pub category_name: String,
    pub lead_days: i32,
    pub delivery_regions: String,
}

/// A category with this year's direct-purchase limit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    pub fiscal_year: i32,
    pub direct_purchase_limit: Money,
}

/// A page of search results: the list envelope `{"items","total","page","per_page"}` plus
/// whether the total is exact.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub items: Vec<ProductView>,
    /// The number of matching products: exact up to 1,000 matches (or up to the end of the
    /// requested page, when that is further); beyond that a lower bound ("1,000 or more"), and
    /// `total_exact` is false.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// False when `total` is a lower bound rather than the exact number of matches.
    pub total_exact: bool,
}

impl SearchResults {
    pub(super) fn new(
        items: Vec<ProductView>,
        total: u64,
        total_exact: bool,
        page: PageRequest,
    ) -> Self {
        SearchResults {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
            total_exact,
        }
    }
}

/// A product as its supplier and the operator see it, whatever its status.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListingView {
    pub id: i64,
    pub supplier_id: i64,
    /// The supplier's name (in the operator's review queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_name: Option<String>,
    pub category: String,
    /// The category's name (in lists and the review queue).
    #[serde(default)]
    pub category_name: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub specification: String,
    pub unit: String,
    pub price: Money,
    pub reference_price: Money,
    pub stock: i64,
    pub delivery_regions: String,
    pub lead_days: i32,
    pub status: ProductStatus,
    pub status_reason: Option<String>,
    /// A price change beyond the monitoring threshold waits for the operator's review.
    pub price_flagged: bool,
    /// A rise held for review; `price` stays on sale until it is approved.
    pub proposed_price: Option<Money>,
    /// The price before a cut under review; a rejection restores it.
    pub price_before_review: Option<Money>,
    /// Why the operator rejected the last price change.
    pub price_review_note: Option<String>,
}

impl TryFrom<product::Model> for ListingView {
    type Error = ApiError;

    fn try_from(p: product::Model) -> Result<Self, ApiError> {
        Ok(ListingView {
            id: p.id,
            supplier_id: p.supplier_id,
            supplier_name: None,
            category: p.category_code,
            category_name: String::new(),
            name: p.name,
            brand: p.brand,
            model: p.model,
            specification: p.specification,
            unit: p.unit,
            price: Money::from_fen(p.price_fen),
            reference_price: Money::from_fen(p.reference_price_fen),
            stock: p.stock,
            delivery_regions: p.delivery_regions,
            lead_days: p.lead_days,
            status: ProductStatus::stored(&p.status)?,
            status_reason: p.status_reason,
            price_flagged: p.price_flagged,
            proposed_price: p.proposed_price_fen.map(Money::from_fen),
            price_before_review: p.price_before_review_fen.map(Money::from_fen),
            price_review_note: p.price_review_note,
        })
    }
}

/// What a supplier's price change did, to tell the supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceOutcome {
    /// No new price was asked for.
    Unchanged,
    /// The new price is on sale.
    OnSale,
    /// A cut beyond the monitoring threshold: on sale, and the operator reviews it.
    OnSaleUnderReview,
    /// A rise beyond the threshold: the listed price stays on sale until the operator approves.
    Held,
}

/// A changed product and what its price change did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangedListing {
    #[serde(flatten)]
    pub listing: ListingView,
    pub price_outcome: PriceOutcome,
}

/// Price history of a product, newest first (its supplier or the operator).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceChange {
    pub old_price: Money,
    pub new_price: Money,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// A page of products as listings, with their suppliers' and categories' names.
pub(super) async fn named_listings(
    ctx: &Ctx,
    found: ListResponse<product::Model>,
    page: PageRequest,
) -> Result<ListResponse<ListingView>, ApiError> {
    let mut items = found
        .items
        .into_iter()
        .map(ListingView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    name_suppliers(ctx, &mut items).await?;
    Ok(ListResponse::new(items, found.total, page))
}

/// Fills in the names of the listings' suppliers and categories.
async fn name_suppliers(ctx: &Ctx, items: &mut [ListingView]) -> Result<(), ApiError> {
    let codes: Vec<String> = items.iter().map(|l| l.category.clone()).collect();
    let categories: std::collections::HashMap<String, String> = category::Entity::find()
        .filter(category::Column::Code.is_in(codes))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    for item in items.iter_mut() {
        item.category_name = categories.get(&item.category).cloned().unwrap_or_default();
    }
    let supplier_ids: Vec<i64> = items.iter().map(|l| l.supplier_id).collect();
    let names: std::collections::HashMap<i64, String> =
        gpmall_platform::entity::organization::Entity::find()
            .filter(gpmall_platform::entity::organization::Column::Id.is_in(supplier_ids))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    for item in items {
        item.supplier_name = names.get(&item.supplier_id).cloned();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn stored_product(status: &str) -> product::Model {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        product::Model {
            id: 7,
            supplier_id: 3,
            category_code: "A02010105".into(),
            name: "台式计算机".into(),
            brand: "联想".into(),
            model: "M720".into(),
            specification: String::new(),
            unit: "台".into(),
            price_fen: 450_000,
            reference_price_fen: 500_000,
            stock: 10,
            delivery_regions: "全国".into(),
            lead_days: 3,
            status: status.into(),
            status_reason: None,
            price_flagged: false,
            proposed_price_fen: None,
            price_before_review_fen: None,
            price_review_note: None,
            search_tokens: String::new(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_listing_with_an_unknown_stored_status_is_an_internal_error_not_pending() {
        let listed = ListingView::try_from(stored_product("listed")).unwrap();
        assert_eq!(listed.status, ProductStatus::Listed);
        let err = ListingView::try_from(stored_product("archived")).unwrap_err();
        assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
