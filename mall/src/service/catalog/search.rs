//! Searching listed products and a listed product's page, both cached until the catalogue
//! changes.

use gpmall_platform::i18n::Text;
use gpmall_platform::pagination::PageRequest;
use gpmall_platform::{ApiError, Ctx, Money};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::views::{ProductView, SearchResults};
use crate::domain::search;
use crate::repo::search::{SearchFilter, SortOrder};
use crate::service::catalog_cache;

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
    let cache_key = format!(
        "catalog:search:{}",
        hex::encode(Sha256::digest(
            serde_json::to_vec(params).unwrap_or_default()
        ))
    );
    let generation = match cached_page(ctx, &cache_key).await {
        Cached::Hit(cached) => return Ok(cached),
        Cached::Miss { generation } => generation,
    };
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
    let result = SearchResults::new(found.items, found.total, found.total_exact, page);
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

/// A search page from the cache, or the catalogue generation to cache a fresh one under.
enum Cached {
    Hit(SearchResults),
    /// `generation` is `None` when the cache could not be read.
    Miss {
        generation: Option<i64>,
    },
}

/// A page is cached under its parameters with the catalogue generation it was read at, and is
/// good only while that is still the generation: the two are read in one round trip.
async fn cached_page(ctx: &Ctx, cache_key: &str) -> Cached {
    let Some((generation, hit)) = ctx
        .cache
        .counter_and_get(catalog_cache::GENERATION, cache_key)
        .await
    else {
        metrics::counter!("gpmall_cache_misses_total", "cache" => "search").increment(1);
        return Cached::Miss { generation: None };
    };
    if let Some(cached) = hit.as_deref().and_then(|hit| {
        let (at, json) = hit.split_once('\n')?;
        (at.parse::<i64>().ok()? == generation)
            .then(|| serde_json::from_str::<SearchResults>(json).ok())?
    }) {
        metrics::counter!("gpmall_cache_hits_total", "cache" => "search").increment(1);
        return Cached::Hit(cached);
    }
    metrics::counter!("gpmall_cache_misses_total", "cache" => "search").increment(1);
    Cached::Miss {
        generation: Some(generation),
    }
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
    let view = crate::repo::search::listed_product(&ctx.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    if let Ok(json) = serde_json::to_string(&view) {
        ctx.cache
            .set(&key, &json, ctx.settings.catalog_cache_ttl)
            .await;
    }
    Ok(view)
}
