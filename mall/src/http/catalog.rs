//! Catalogue endpoints: categories, search, product pages, supplier listings and review.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gpmall_platform::error::ErrorBody;
use gpmall_platform::extract::{ApiJson, ApiPath, ApiQuery, positive_id};
use gpmall_platform::i18n::Text;
use gpmall_platform::identity::guard::{Operator, Seller};
use gpmall_platform::pagination::{ListResponse, PageRequest};
use gpmall_platform::{ApiResult, Ctx, Money};
use serde::Deserialize;

use crate::domain::product::{ProductStatus, ReviewAction};
use crate::service::catalog::{
    self, CategoryView, ChangedListing, ListingView, NewProduct, PriceChange, ProductChange,
    ProductView, SearchParams, SearchResults,
};

#[utoipa::path(get, path = "/api/v1/catalog/categories", tag = "catalogue",
    responses((status = 200, body = Vec<CategoryView>, description = "Categories with this fiscal year's direct-purchase limit")))]
pub async fn list_categories(State(ctx): State<Ctx>) -> ApiResult<Json<Vec<CategoryView>>> {
    Ok(Json(catalog::list_categories(&ctx).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitInput {
    pub fiscal_year: i32,
    pub direct_purchase_limit: Money,
}

#[utoipa::path(put, path = "/api/v1/catalog/categories/{code}/limit", tag = "catalogue",
    params(("code" = String, Path, description = "Category code, e.g. A02010105")),
    request_body = LimitInput,
    responses((status = 200, body = CategoryView), (status = 403, body = ErrorBody)))]
pub async fn set_category_limit(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<LimitInput>,
) -> ApiResult<Json<CategoryView>> {
    Ok(Json(
        catalog::set_category_limit(
            &ctx,
            &actor,
            &code,
            input.fiscal_year,
            input.direct_purchase_limit,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words to search for, in Chinese or Latin letters (brand, model).
    pub q: Option<String>,
    /// Category code; includes its sub-categories.
    pub category: Option<String>,
    /// Lowest price in yuan, e.g. 1000.00.
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub supplier_id: Option<i64>,
    /// Only small, medium and micro enterprises.
    pub sme_only: Option<bool>,
    /// relevance (default with q), price_asc, price_desc, newest.
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// A price bound of the search; `field` is the locale key of its label.
fn parse_price(value: Option<&str>, field: &'static str) -> ApiResult<Option<Money>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse::<Money>().map(Some).map_err(|_| {
            gpmall_platform::ApiError::invalid(
                Text::new("msg.search.bad_price").key_arg("field", field),
            )
        }),
    }
}

impl SearchQuery {
    pub fn into_params(self) -> ApiResult<SearchParams> {
        let page = PageRequest::parse(self.page, self.per_page)?;
        Ok(SearchParams {
            q: self.q,
            category: self.category,
            min_price: parse_price(self.min_price.as_deref(), "field.min_price")?,
            max_price: parse_price(self.max_price.as_deref(), "field.max_price")?,
            supplier_id: self.supplier_id,
            sme_only: self.sme_only.unwrap_or(false),
            sort: self.sort,
            page: page.page,
            per_page: page.per_page,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/catalog/products", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = SearchResults,
        description = "Listed products of suppliers in good standing. Sorted by relevance (the \
            score of the query's least frequent term: 3 in the name, 2 in the brand or model, 1 \
            in the category name or specification; then price ascending, then id), price \
            (ties by id, ascending for price_asc, descending for price_desc) or newest. `total` is \
            exact up to 1,000 matches; beyond that it is a lower bound and `total_exact` is false."),
        (status = 400, body = ErrorBody)))]
pub async fn search_products(
    State(ctx): State<Ctx>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let params = query.into_params()?;
    Ok(Json(catalog::search_products(&ctx, &params).await?))
}

#[utoipa::path(get, path = "/api/v1/catalog/products/{id}", tag = "catalogue",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProductView>> {
    let id = positive_id(id, "product")?;
    Ok(Json(catalog::get_listed_product(&ctx, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    /// pending, listed, delisted or rejected.
    pub status: Option<ProductStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/supplier/products", tag = "supplier", params(ListingQuery),
    responses((status = 200, body = ListResponse<ListingView>)))]
pub async fn supplier_products(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> ApiResult<Json<ListResponse<ListingView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(
        catalog::supplier_listings(&ctx, &actor, query.status, page).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/supplier/products", tag = "supplier", request_body = NewProduct,
    responses((status = 201, body = ListingView, description = "Submitted for review"),
              (status = 400, body = ErrorBody)))]
pub async fn create_product(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiJson(input): ApiJson<NewProduct>,
) -> ApiResult<(StatusCode, Json<ListingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalog::create_product(&ctx, &actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/supplier/products/{id}", tag = "supplier", params(("id" = i64, Path)),
    responses((status = 200, body = ListingView), (status = 404, body = ErrorBody)))]
pub async fn supplier_product(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ListingView>> {
    Ok(Json(
        catalog::get_listing(&ctx, &actor, positive_id(id, "product")?).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/supplier/products/{id}", tag = "supplier", params(("id" = i64, Path)),
    request_body = ProductChange,
    responses((status = 200, body = ChangedListing, description = "The product, and what a new \
        price did: `on_sale`; `on_sale_under_review` (a cut beyond the monitoring threshold, on \
        sale and reviewed by the operator); `held` (a rise beyond it: the listed price stays on \
        sale until the operator approves the proposed price)"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn change_product(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<ProductChange>,
) -> ApiResult<Json<ChangedListing>> {
    let id = positive_id(id, "product")?;
    Ok(Json(
        catalog::change_product(&ctx, &actor, id, change).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupplierListingAction {
    Resubmit,
    Delist,
}

#[utoipa::path(post, path = "/api/v1/supplier/products/{id}/{action}", tag = "supplier",
    params(("id" = i64, Path), ("action" = SupplierListingAction, Path, description = "resubmit or delist")),
    request_body = ReasonInput,
    responses((status = 200, body = ListingView), (status = 409, body = ErrorBody)))]
pub async fn supplier_product_action(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiPath((id, action)): ApiPath<(i64, SupplierListingAction)>,
    body: Option<ApiJson<ReasonInput>>,
) -> ApiResult<Json<ListingView>> {
    let id = positive_id(id, "product")?;
    let reason = body.and_then(|ApiJson(b)| b.reason);
    let action = match action {
        SupplierListingAction::Resubmit => ReviewAction::Resubmit,
        SupplierListingAction::Delist => ReviewAction::Delist,
    };
    Ok(Json(
        catalog::review_product(&ctx, &actor, id, action, reason).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/supplier/products/{id}/price-history", tag = "supplier",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<PriceChange>)))]
pub async fn price_history(
    State(ctx): State<Ctx>,
    Seller(actor): Seller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<PriceChange>>> {
    Ok(Json(
        catalog::price_history(&ctx, &actor, positive_id(id, "product")?).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/review/products", tag = "operator", params(PageQuery),
    responses((status = 200, body = ListResponse<ListingView>), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListResponse<ListingView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(catalog::review_queue(&ctx, &actor, page).await?))
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorReviewAction {
    Approve,
    Reject,
    Delist,
}

#[utoipa::path(post, path = "/api/v1/review/products/{id}/{action}", tag = "operator",
    params(("id" = i64, Path), ("action" = OperatorReviewAction, Path, description = "approve, reject or delist")),
    request_body = ReasonInput,
    responses((status = 200, body = ListingView), (status = 409, body = ErrorBody)))]
pub async fn review_action(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath((id, action)): ApiPath<(i64, OperatorReviewAction)>,
    body: Option<ApiJson<ReasonInput>>,
) -> ApiResult<Json<ListingView>> {
    let id = positive_id(id, "product")?;
    let reason = body.and_then(|ApiJson(b)| b.reason);
    let action = match action {
        OperatorReviewAction::Approve => ReviewAction::Approve,
        OperatorReviewAction::Reject => ReviewAction::Reject,
        OperatorReviewAction::Delist => ReviewAction::Delist,
    };
    Ok(Json(
        catalog::review_product(&ctx, &actor, id, action, reason).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/review/price-changes", tag = "operator", params(PageQuery),
    responses((status = 200, body = ListResponse<ListingView>,
        description = "Listed products whose price change beyond the monitoring threshold waits \
            for review, oldest first"),
        (status = 403, body = ErrorBody)))]
pub async fn price_review_queue(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListResponse<ListingView>>> {
    let page = PageRequest::parse(query.page, query.per_page)?;
    Ok(Json(catalog::price_review_queue(&ctx, &actor, page).await?))
}

/// The operator's decision on a price change under review.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceDecision {
    Approve,
    Reject,
}

#[utoipa::path(post, path = "/api/v1/review/products/{id}/price/{decision}", tag = "operator",
    params(("id" = i64, Path), ("decision" = PriceDecision, Path, description = "approve: a held \
        rise goes on sale, a cut stands; reject (a reason is required): the price before the \
        change returns")),
    request_body = ReasonInput,
    responses((status = 200, body = ListingView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn review_price(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath((id, decision)): ApiPath<(i64, PriceDecision)>,
    body: Option<ApiJson<ReasonInput>>,
) -> ApiResult<Json<ListingView>> {
    let id = positive_id(id, "product")?;
    let reason = body.and_then(|ApiJson(b)| b.reason);
    let approve = matches!(decision, PriceDecision::Approve);
    Ok(Json(
        catalog::review_price_change(&ctx, &actor, id, approve, reason).await?,
    ))
}
