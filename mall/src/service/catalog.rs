//! Catalogue use cases: categories and their limits, search, product pages, supplier listings
//! with the price cap and price monitoring, and the operator's review.

use axum::http::StatusCode;
use chrono::Duration;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::db::{query_one, stmt};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::pipeline::Row;
use gpmall_platform::text::{clean_name, clean_note};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::catalog_cache;
use crate::domain::product::{
    PriceState, ProductStatus, ReviewAction, change_price, check_price_cap, review_price,
    review_transition,
};
use crate::domain::search;
use crate::entity::{category, category_limit, price_history, product};
use crate::repo::search::{PRODUCT_COLUMNS, SearchFilter, SortOrder};

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

impl ProductView {
    fn from_row(row: &Row) -> Result<Self, sea_orm::DbErr> {
        Ok(ProductView {
            id: row.get("id")?,
            name: row.get("name")?,
            brand: row.get("brand")?,
            model: row.get("model")?,
            specification: row.get("specification")?,
            unit: row.get("unit")?,
            price: Money::from_fen(row.get("price_fen")?),
            reference_price: Money::from_fen(row.get("reference_price_fen")?),
            stock: row.get("stock")?,
            supplier_id: row.get("supplier_id")?,
            supplier_name: row.get("supplier_name")?,
            enterprise_size: row.get("enterprise_size")?,
            category: row.get("category_code")?,
            category_name: row.get("category_name")?,
            lead_days: row.get("lead_days")?,
            delivery_regions: row.get("delivery_regions")?,
        })
    }
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
    fn new(items: Vec<ProductView>, total: u64, total_exact: bool, page: PageRequest) -> Self {
        SearchResults {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
            total_exact,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub category: Option<String>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub supplier_id: Option<i64>,
    pub sme_only: bool,
    pub sort: Option<String>,
    pub page: u64,
    pub per_page: u64,
}

fn parse_sort(sort: Option<&str>, has_terms: bool) -> Result<SortOrder, ApiError> {
    Ok(match sort {
        None | Some("") => {
            if has_terms {
                SortOrder::Relevance
            } else {
                SortOrder::Newest
            }
        }
        Some("relevance") => SortOrder::Relevance,
        Some("price_asc") => SortOrder::PriceAsc,
        Some("price_desc") => SortOrder::PriceDesc,
        Some("newest") => SortOrder::Newest,
        Some(other) => {
            return Err(ApiError::invalid(
                Text::new("msg.search.sort").arg("sort", other),
            ));
        }
    })
}

/// Searches listed products; results are cached until the catalogue changes. See
/// `repo::search` for the order (relevance: the term's score, then price, then id) and the
/// total.
#[tracing::instrument(skip_all, fields(q = ?params.q))]
pub async fn search_products(ctx: &Ctx, params: &SearchParams) -> Result<SearchResults, ApiError> {
    let page = PageRequest::parse(Some(params.page), Some(params.per_page))?;
    let query = params.q.as_deref().unwrap_or("").trim();
    if query.chars().count() > 100 {
        return Err(ApiError::invalid(
            Text::new("msg.too_long")
                .key_arg("field", "search.keywords")
                .arg("max", 100),
        ));
    }
    let terms = search::query_terms(query);
    if !query.is_empty() && terms.is_empty() {
        return Ok(SearchResults::new(Vec::new(), 0, true, page));
    }
    if let (Some(min), Some(max)) = (params.min_price, params.max_price)
        && min > max
    {
        return Err(ApiError::invalid(Text::new("msg.search.price_range")));
    }
    let sort = parse_sort(params.sort.as_deref(), !terms.is_empty())?;
    // A page is cached under its parameters with the catalogue generation it was read at, and
    // is good only while that is still the generation: the two are read in one round trip.
    let cache_key = format!(
        "catalog:search:{}",
        hex::encode(Sha256::digest(
            serde_json::to_vec(params).unwrap_or_default()
        ))
    );
    let generation = match ctx
        .cache
        .counter_and_get(catalog_cache::GENERATION, &cache_key)
        .await
    {
        Some((generation, hit)) => {
            if let Some(cached) = hit.as_deref().and_then(|hit| {
                let (at, json) = hit.split_once('\n')?;
                (at.parse::<i64>().ok()? == generation)
                    .then(|| serde_json::from_str::<SearchResults>(json).ok())?
            }) {
                metrics::counter!("gpmall_cache_hits_total", "cache" => "search").increment(1);
                return Ok(cached);
            }
            Some(generation)
        }
        None => None,
    };
    metrics::counter!("gpmall_cache_misses_total", "cache" => "search").increment(1);
    let filter = SearchFilter {
        terms,
        category_prefix: params.category.clone().filter(|c| !c.is_empty()),
        min_price_fen: params.min_price.map(Money::fen),
        max_price_fen: params.max_price.map(Money::fen),
        supplier_id: params.supplier_id,
        sme_only: params.sme_only,
    };
    let catalogue_state = generation.map(|g| format!("{}{g}", ctx.cache.namespace()));
    let found = crate::repo::search::search(
        &ctx.db,
        ctx.pipeline.as_ref(),
        &filter,
        sort,
        page.per_page,
        page.offset(),
        catalogue_state.as_deref(),
    )
    .await?;
    let items = found
        .rows
        .iter()
        .map(ProductView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let result = SearchResults::new(items, found.total, found.total_exact, page);
    if let Some(generation) = generation
        && let Ok(json) = serde_json::to_string(&result)
    {
        ctx.cache
            .set(
                &cache_key,
                &format!("{generation}\n{json}"),
                ctx.settings.catalog_cache_ttl,
            )
            .await;
    }
    Ok(result)
}

/// A listed product's page (cached; invalidated when the product changes).
pub async fn get_listed_product(ctx: &Ctx, id: i64) -> Result<ProductView, ApiError> {
    let key = catalog_cache::product_key(id);
    if let Some(hit) = ctx.cache.get(&key).await
        && let Ok(view) = serde_json::from_str::<ProductView>(&hit)
    {
        metrics::counter!("gpmall_cache_hits_total", "cache" => "product").increment(1);
        return Ok(view);
    }
    metrics::counter!("gpmall_cache_misses_total", "cache" => "product").increment(1);
    let row = query_one(
        &ctx.db,
        stmt(
            ctx.db.get_database_backend(),
            &format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p \
                 JOIN organizations o ON o.id = p.supplier_id \
                 JOIN categories c ON c.code = p.category_code \
                 WHERE p.id = ? AND p.status = 'listed' AND o.credit_status = 'good'"
            ),
            [id.into()],
        ),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("product"))?;
    let view = ProductView::from_row(&Row::Sea(row))?;
    if let Ok(json) = serde_json::to_string(&view) {
        ctx.cache
            .set(&key, &json, ctx.settings.catalog_cache_ttl)
            .await;
    }
    Ok(view)
}

/// All categories with the limit in force for the current fiscal year.
pub async fn list_categories(ctx: &Ctx) -> Result<Vec<CategoryView>, ApiError> {
    let year = ctx.clock.fiscal_year();
    let categories = category::Entity::find()
        .order_by_asc(category::Column::Code)
        .all(&ctx.db)
        .await?;
    let limits = category_limit::Entity::find()
        .filter(category_limit::Column::FiscalYear.eq(year))
        .all(&ctx.db)
        .await?;
    Ok(categories
        .into_iter()
        .map(|c| {
            let limit = effective_limit(ctx, &c.code, &limits);
            CategoryView {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
                parent_code: c.parent_code,
                fiscal_year: year,
                direct_purchase_limit: limit,
            }
        })
        .collect())
}

/// The limit set for the category this year, else for its nearest parent, else the default.
fn effective_limit(ctx: &Ctx, code: &str, limits: &[category_limit::Model]) -> Money {
    let mut candidate = code;
    loop {
        if let Some(l) = limits.iter().find(|l| l.category_code == candidate) {
            return Money::from_fen(l.direct_purchase_limit_fen);
        }
        if candidate.len() <= 1 {
            return ctx.settings.default_direct_purchase_limit;
        }
        // Catalogue codes are hierarchical: A02010105 → A020101 → A0201 → A02 → A.
        let parent_len = if candidate.len() > 5 {
            candidate.len() - 2
        } else {
            candidate.len() - 1
        };
        candidate = &candidate[..parent_len.max(1)];
    }
}

/// The categories' own limits for a fiscal year.
pub fn limits_statement(backend: DbBackend, fiscal_year: i32) -> Statement {
    category_limit::Entity::find()
        .filter(category_limit::Column::FiscalYear.eq(fiscal_year))
        .build(backend)
}

pub fn limits_from_rows(rows: &[Row]) -> Result<Vec<category_limit::Model>, ApiError> {
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

/// Each code with the limit that applies to it: its own, its nearest parent's, or the default.
pub fn limits_in_force(
    ctx: &Ctx,
    codes: &[String],
    limits: &[category_limit::Model],
) -> Vec<(String, Money)> {
    codes
        .iter()
        .map(|c| (c.clone(), effective_limit(ctx, c, limits)))
        .collect()
}

/// Sets a category's limit for a fiscal year (operator).
pub async fn set_category_limit(
    ctx: &Ctx,
    actor: &Identity,
    code: &str,
    fiscal_year: i32,
    limit: Money,
) -> Result<CategoryView, ApiError> {
    actor.require_role(Role::Operator)?;
    if !limit.is_positive() {
        return Err(ApiError::invalid(Text::new("msg.limit.positive")));
    }
    // Budgets are drawn up for this year or the next; last year's may still be closed.
    let this_year = ctx.clock.fiscal_year();
    gpmall_platform::dates::year_within(
        gpmall_platform::dates::Field::new("fiscal_year", "field.fiscal_year"),
        fiscal_year,
        this_year - 1,
        this_year + 1,
    )?;
    let cat = category::Entity::find_by_id(code.to_owned())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ApiError::not_found("category"))?;
    let txn = ctx.db.begin().await?;
    let before = category_limit::Entity::find_by_id((code.to_owned(), fiscal_year))
        .one(&txn)
        .await?;
    category_limit::Entity::delete_many()
        .filter(category_limit::Column::CategoryCode.eq(code))
        .filter(category_limit::Column::FiscalYear.eq(fiscal_year))
        .exec(&txn)
        .await?;
    category_limit::ActiveModel {
        category_code: Set(code.to_owned()),
        fiscal_year: Set(fiscal_year),
        direct_purchase_limit_fen: Set(limit.fen()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "category.limit_set",
            subject_type: "category",
            subject_id: code.to_owned(),
            before: before.map(|b| serde_json::json!({"fiscal_year": b.fiscal_year, "limit": Money::from_fen(b.direct_purchase_limit_fen)})),
            after: Some(serde_json::json!({"fiscal_year": fiscal_year, "limit": limit})),
        },
        ctx.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(CategoryView {
        code: cat.code,
        name: cat.name,
        name_en: cat.name_en,
        parent_code: cat.parent_code,
        fiscal_year,
        direct_purchase_limit: limit,
    })
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

/// What a supplier submits to list a product.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub category: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    #[serde(default)]
    pub specification: String,
    pub unit: String,
    pub price: Money,
    pub reference_price: Money,
    pub stock: i64,
    pub delivery_regions: String,
    pub lead_days: i32,
}

/// A supplier's change to its product: any subset of these.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductChange {
    pub name: Option<String>,
    pub specification: Option<String>,
    pub price: Option<Money>,
    pub reference_price: Option<Money>,
    pub stock: Option<i64>,
    pub delivery_regions: Option<String>,
    pub lead_days: Option<i32>,
}

fn price_above_reference(price: Money, reference: Money) -> ApiError {
    let text = if price.is_positive() {
        Text::new("msg.product.above_reference")
            .money("price", price)
            .money("reference", reference)
    } else {
        Text::new("msg.product.price_positive")
    };
    ApiError::say(StatusCode::BAD_REQUEST, "PRICE_ABOVE_REFERENCE", text)
}

/// Refuses a supplier that may not trade.
pub async fn require_trading_supplier<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
) -> Result<(), ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::refused(Text::new("msg.product.suppliers_only")));
    }
    actor.require_role(Role::Seller)?;
    let org = gpmall_platform::entity::organization::Entity::find_by_id(actor.org_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    if org.credit_status != "good" {
        return Err(
            ApiError::refused(Text::new("msg.product.own_penalty")).with_code("SUPPLIER_PENALIZED")
        );
    }
    Ok(())
}

pub async fn create_product(
    ctx: &Ctx,
    actor: &Identity,
    input: NewProduct,
) -> Result<ListingView, ApiError> {
    require_trading_supplier(&ctx.db, actor).await?;
    let name = clean_name("field.name", &input.name, 200)?;
    let brand = clean_name("field.brand", &input.brand, 60)?;
    let model = clean_name("field.model", &input.model, 100)?;
    let unit = clean_name("field.unit", &input.unit, 20)?;
    let regions = clean_name("field.delivery_regions", &input.delivery_regions, 500)?;
    let specification = clean_note("field.specification", &input.specification, 2000)?;
    check_price_cap(input.price, input.reference_price)
        .map_err(|_| price_above_reference(input.price, input.reference_price))?;
    if input.stock < 0 {
        return Err(ApiError::invalid(Text::new("msg.product.stock_negative")));
    }
    if !(0..=365).contains(&input.lead_days) {
        return Err(ApiError::invalid(Text::new("msg.product.lead_days")));
    }
    let cat = category::Entity::find_by_id(input.category.clone())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                Text::new("msg.product.unknown_category").arg("code", &input.category),
            )
        })?;
    let is_leaf = category::Entity::find()
        .filter(category::Column::ParentCode.eq(cat.code.clone()))
        .count(&ctx.db)
        .await?
        == 0;
    if !is_leaf {
        return Err(ApiError::invalid(
            Text::new("msg.product.category_group").named("category", &cat.name, &cat.name_en),
        ));
    }
    let now = ctx.clock.now();
    let tokens = search::index_tokens(&[&name, &brand, &model, &cat.name, &specification]);
    let postings = search::postings(&name, &brand, &model, &cat.name, &specification);
    let txn = ctx.db.begin().await?;
    let saved = product::ActiveModel {
        supplier_id: Set(actor.org_id),
        category_code: Set(cat.code),
        name: Set(name),
        brand: Set(brand),
        model: Set(model),
        specification: Set(specification),
        unit: Set(unit),
        price_fen: Set(input.price.fen()),
        reference_price_fen: Set(input.reference_price.fen()),
        stock: Set(input.stock),
        delivery_regions: Set(regions),
        lead_days: Set(input.lead_days),
        status: Set(ProductStatus::Pending.as_str().to_owned()),
        status_reason: Set(None),
        price_flagged: Set(false),
        search_tokens: Set(tokens),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::repo::search::index_product(&txn, saved.id, &postings).await?;
    let view = ListingView::try_from(saved)?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "product.created",
            subject_type: "product",
            subject_id: view.id.to_string(),
            before: None,
            after: serde_json::to_value(&view).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

async fn own_product<C: ConnectionTrait>(
    conn: &C,
    actor: &Identity,
    id: i64,
) -> Result<product::Model, ApiError> {
    product::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|p| actor.org_kind == OrgKind::Supplier && p.supplier_id == actor.org_id)
        .ok_or_else(|| ApiError::not_found("product"))
}

pub async fn get_listing(ctx: &Ctx, actor: &Identity, id: i64) -> Result<ListingView, ApiError> {
    if actor.has_role(Role::Operator) {
        return product::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .ok_or_else(|| ApiError::not_found("product"))?
            .try_into();
    }
    own_product(&ctx.db, actor, id).await?.try_into()
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

/// The price state stored on a product row.
fn price_state(p: &product::Model) -> PriceState {
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
    now: chrono::DateTime<chrono::Utc>,
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

/// A changed product and what its price change did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangedListing {
    #[serde(flatten)]
    pub listing: ListingView,
    pub price_outcome: PriceOutcome,
}

/// Changes a supplier's own product. Every price that goes on sale is kept in the history; a
/// change beyond the monitoring threshold inside the window is reviewed (see
/// [`crate::domain::product`]): a cut is on sale at once, a rise waits with the old price on sale.
pub async fn change_product(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
    change: ProductChange,
) -> Result<ChangedListing, ApiError> {
    require_trading_supplier(&ctx.db, actor).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let current = own_product(&txn, actor, id).await?;
    let before = ListingView::try_from(current.clone())?;
    let mut next: product::ActiveModel = current.clone().into();
    let price = change.price.unwrap_or(Money::from_fen(
        current.proposed_price_fen.unwrap_or(current.price_fen),
    ));
    let reference = change
        .reference_price
        .unwrap_or(Money::from_fen(current.reference_price_fen));
    check_price_cap(price, reference).map_err(|_| price_above_reference(price, reference))?;
    if let Some(name) = &change.name {
        next.name = Set(clean_name("field.name", name, 200)?);
    }
    if let Some(spec) = &change.specification {
        next.specification = Set(clean_note("field.specification", spec, 2000)?);
    }
    if let Some(stock) = change.stock {
        if stock < 0 {
            return Err(ApiError::invalid(Text::new("msg.product.stock_negative")));
        }
        next.stock = Set(stock);
    }
    if let Some(regions) = &change.delivery_regions {
        next.delivery_regions = Set(clean_name("field.delivery_regions", regions, 500)?);
    }
    if let Some(days) = change.lead_days {
        if !(0..=365).contains(&days) {
            return Err(ApiError::invalid(Text::new("msg.product.lead_days")));
        }
        next.lead_days = Set(days);
    }
    next.reference_price_fen = Set(reference.fen());
    let state = price_state(&current);
    let mut outcome = PriceOutcome::Unchanged;
    if change
        .price
        .is_some_and(|p| p != state.proposed.unwrap_or(state.on_sale))
    {
        let window_start = now - Duration::days(ctx.settings.price_change_window_days);
        let earliest_in_window = price_history::Entity::find()
            .filter(price_history::Column::ProductId.eq(id))
            .filter(price_history::Column::ChangedAt.gte(window_start))
            .order_by_asc(price_history::Column::ChangedAt)
            .order_by_asc(price_history::Column::Id)
            .limit(1)
            .one(&txn)
            .await?;
        let baseline = earliest_in_window.map_or(current.price_fen, |h| h.old_price_fen);
        let listed = current.status == ProductStatus::Listed.as_str();
        let changed = change_price(
            state,
            listed,
            Money::from_fen(baseline),
            price,
            ctx.settings.price_change_flag_ratio,
        );
        outcome = match (changed.proposed, changed.before_review) {
            (Some(_), _) => PriceOutcome::Held,
            (None, Some(_)) => PriceOutcome::OnSaleUnderReview,
            (None, None) => PriceOutcome::OnSale,
        };
        set_price_state(&txn, &mut next, &current, changed, actor, now).await?;
        next.price_review_note = Set(None);
    }
    let name = match &next.name {
        sea_orm::ActiveValue::Set(n) | sea_orm::ActiveValue::Unchanged(n) => n.clone(),
        sea_orm::ActiveValue::NotSet => current.name.clone(),
    };
    let spec = match &next.specification {
        sea_orm::ActiveValue::Set(n) | sea_orm::ActiveValue::Unchanged(n) => n.clone(),
        sea_orm::ActiveValue::NotSet => current.specification.clone(),
    };
    let cat_name = category::Entity::find_by_id(current.category_code.clone())
        .one(&txn)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let tokens = search::index_tokens(&[&name, &current.brand, &current.model, &cat_name, &spec]);
    let text_changed =
        tokens != current.search_tokens || name != current.name || spec != current.specification;
    next.search_tokens = Set(tokens);
    next.updated_at = Set(now);
    let saved = next.update(&txn).await?;
    if text_changed {
        let postings = search::postings(&name, &current.brand, &current.model, &cat_name, &spec);
        crate::repo::search::index_product(&txn, id, &postings).await?;
    }
    let view = ListingView::try_from(saved)?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "product.changed",
            subject_type: "product",
            subject_id: id.to_string(),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&view).ok(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    catalog_cache::invalidate(ctx, Some(id)).await;
    Ok(ChangedListing {
        listing: view,
        price_outcome: outcome,
    })
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
    let updated = product::Entity::update_many()
        .set(next)
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::PriceFen.eq(current.price_fen))
        .filter(match current.proposed_price_fen {
            Some(p) => product::Column::ProposedPriceFen.eq(p),
            None => product::Column::ProposedPriceFen.is_null(),
        })
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.changed_meanwhile"),
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
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
        },
        now,
    )
    .await?;
    let saved = product::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    txn.commit().await?;
    catalog_cache::invalidate(ctx, Some(id)).await;
    saved.try_into()
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
        .filter(product::Column::PriceFlagged.eq(true));
    let total = query.clone().count(&ctx.db).await?;
    let mut items: Vec<ListingView> = query
        .order_by_asc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(ListingView::try_from)
        .collect::<Result<_, _>>()?;
    name_suppliers(ctx, &mut items).await?;
    Ok(ListResponse::new(items, total, page))
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

/// Price history of a product, newest first (its supplier or the operator).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceChange {
    pub old_price: Money,
    pub new_price: Money,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

pub async fn price_history(
    ctx: &Ctx,
    actor: &Identity,
    id: i64,
) -> Result<Vec<PriceChange>, ApiError> {
    get_listing(ctx, actor, id).await?;
    Ok(price_history::Entity::find()
        .filter(price_history::Column::ProductId.eq(id))
        .order_by_desc(price_history::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|h| PriceChange {
            old_price: Money::from_fen(h.old_price_fen),
            new_price: Money::from_fen(h.new_price_fen),
            changed_at: h.changed_at,
        })
        .collect())
}

/// A supplier's own products, any status.
pub async fn supplier_listings(
    ctx: &Ctx,
    actor: &Identity,
    status: Option<ProductStatus>,
    page: PageRequest,
) -> Result<ListResponse<ListingView>, ApiError> {
    if actor.org_kind != OrgKind::Supplier {
        return Err(ApiError::refused(Text::new("msg.product.suppliers_only")));
    }
    let mut query = product::Entity::find().filter(product::Column::SupplierId.eq(actor.org_id));
    if let Some(status) = status {
        query = query.filter(product::Column::Status.eq(status.as_str()));
    }
    let total = query.clone().count(&ctx.db).await?;
    let mut items: Vec<ListingView> = query
        .order_by_desc(product::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(ListingView::try_from)
        .collect::<Result<_, _>>()?;
    name_suppliers(ctx, &mut items).await?;
    Ok(ListResponse::new(items, total, page))
}

/// The operator's review queue: pending products, oldest first.
pub async fn review_queue(
    ctx: &Ctx,
    actor: &Identity,
    page: PageRequest,
) -> Result<ListResponse<ListingView>, ApiError> {
    actor.require_role(Role::Operator)?;
    let query =
        product::Entity::find().filter(product::Column::Status.eq(ProductStatus::Pending.as_str()));
    let total = query.clone().count(&ctx.db).await?;
    let mut items: Vec<ListingView> = query
        .order_by_asc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(ListingView::try_from)
        .collect::<Result<_, _>>()?;
    name_suppliers(ctx, &mut items).await?;
    Ok(ListResponse::new(items, total, page))
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
    let updated = product::Entity::update_many()
        .col_expr(product::Column::Status, to.as_str().into())
        .col_expr(product::Column::StatusReason, reason.clone().into())
        .col_expr(
            product::Column::PriceFlagged,
            (current.price_flagged && to != ProductStatus::Listed).into(),
        )
        .col_expr(product::Column::UpdatedAt, now.into())
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Status.eq(from.as_str()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::conflicting(
            "INVALID_TRANSITION",
            Text::new("msg.changed_meanwhile"),
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "product.reviewed",
            subject_type: "product",
            subject_id: id.to_string(),
            before: Some(serde_json::json!({"status": from.as_str()})),
            after: Some(serde_json::json!({"status": to.as_str(), "reason": reason})),
        },
        now,
    )
    .await?;
    let saved = product::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    txn.commit().await?;
    catalog_cache::invalidate(ctx, Some(id)).await;
    saved.try_into()
}

#[cfg(test)]
mod tests {
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
