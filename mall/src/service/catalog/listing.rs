//! A supplier's listings: creating and changing its products (the price cap, price
//! monitoring), its list and a product's price history.

use axum::http::StatusCode;
use gpmall_platform::audit::{self, AuditEntry};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::{Identity, OrgKind, Role};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::repo::paged;
use gpmall_platform::text::{clean_name, clean_note};
use gpmall_platform::{ApiError, Ctx, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Deserialize;

use super::price_change::{self, price_state};
use super::views::{ChangedListing, ListingView, PriceChange, PriceOutcome, named_listings};
use crate::domain::product::{ProductStatus, check_price_cap};
use crate::domain::search;
use crate::entity::{category, price_history, product};
use crate::service::catalog_cache;

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

/// Lists a new product for review: its texts cleaned, its price within the cap, in a leaf
/// category; indexed for search at once (it is found only once listed).
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
    check_stock(input.stock)?;
    check_lead_days(input.lead_days)?;
    let cat = leaf_category(ctx, &input.category).await?;
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

fn check_stock(stock: i64) -> Result<(), ApiError> {
    if stock < 0 {
        return Err(ApiError::invalid(Text::new("msg.product.stock_negative")));
    }
    Ok(())
}

fn check_lead_days(days: i32) -> Result<(), ApiError> {
    if !(0..=365).contains(&days) {
        return Err(ApiError::invalid(Text::new("msg.product.lead_days")));
    }
    Ok(())
}

/// The category a product is listed in: it must exist and have no subcategories.
async fn leaf_category(ctx: &Ctx, code: &str) -> Result<category::Model, ApiError> {
    let cat = category::Entity::find_by_id(code.to_owned())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(Text::new("msg.product.unknown_category").arg("code", code))
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
    Ok(cat)
}

pub(super) async fn own_product<C: ConnectionTrait>(
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
    apply_fields(&mut next, &change)?;
    next.reference_price_fen = Set(reference.fen());
    let state = price_state(&current);
    let mut outcome = PriceOutcome::Unchanged;
    if change
        .price
        .is_some_and(|p| p != state.proposed.unwrap_or(state.on_sale))
    {
        outcome = price_change::reprice(ctx, &txn, &mut next, &current, price, actor, now).await?;
    }
    let postings = index_change(&txn, &mut next, &current).await?;
    next.updated_at = Set(now);
    let saved = next.update(&txn).await?;
    if let Some(postings) = postings {
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

/// Sets the fields the change names (other than the prices), each cleaned and checked.
fn apply_fields(next: &mut product::ActiveModel, change: &ProductChange) -> Result<(), ApiError> {
    if let Some(name) = &change.name {
        next.name = Set(clean_name("field.name", name, 200)?);
    }
    if let Some(spec) = &change.specification {
        next.specification = Set(clean_note("field.specification", spec, 2000)?);
    }
    if let Some(stock) = change.stock {
        check_stock(stock)?;
        next.stock = Set(stock);
    }
    if let Some(regions) = &change.delivery_regions {
        next.delivery_regions = Set(clean_name("field.delivery_regions", regions, 500)?);
    }
    if let Some(days) = change.lead_days {
        check_lead_days(days)?;
        next.lead_days = Set(days);
    }
    Ok(())
}

/// Sets the changed product's search tokens; its new postings when its text changed.
async fn index_change<C: ConnectionTrait>(
    conn: &C,
    next: &mut product::ActiveModel,
    current: &product::Model,
) -> Result<Option<Vec<(String, i32)>>, ApiError> {
    let name = match &next.name {
        sea_orm::ActiveValue::Set(n) | sea_orm::ActiveValue::Unchanged(n) => n.clone(),
        sea_orm::ActiveValue::NotSet => current.name.clone(),
    };
    let spec = match &next.specification {
        sea_orm::ActiveValue::Set(n) | sea_orm::ActiveValue::Unchanged(n) => n.clone(),
        sea_orm::ActiveValue::NotSet => current.specification.clone(),
    };
    let cat_name = category::Entity::find_by_id(current.category_code.clone())
        .one(conn)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let tokens = search::index_tokens(&[&name, &current.brand, &current.model, &cat_name, &spec]);
    let text_changed =
        tokens != current.search_tokens || name != current.name || spec != current.specification;
    next.search_tokens = Set(tokens);
    Ok(text_changed
        .then(|| search::postings(&name, &current.brand, &current.model, &cat_name, &spec)))
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
    let query = query.order_by_desc(product::Column::Id);
    named_listings(ctx, paged(&ctx.db, query, page).await?, page).await
}
