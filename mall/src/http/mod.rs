//! The mall's JSON API under `/api/v1`, documented for OpenAPI.

mod budgets;
mod cart;
mod catalog;
mod orders;

use gpmall_platform::Ctx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Schemas only path parameters name (`routes!` collects those of bodies and responses only).
#[derive(OpenApi)]
#[openapi(components(schemas(
    catalog::SupplierListingAction,
    catalog::OperatorReviewAction,
    catalog::PriceDecision
)))]
struct PathSchemas;

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::with_openapi(PathSchemas::openapi())
        .routes(routes!(catalog::list_categories))
        .routes(routes!(catalog::set_category_limit))
        .routes(routes!(catalog::search_products))
        .routes(routes!(catalog::get_product))
        .routes(routes!(catalog::supplier_products, catalog::create_product))
        .routes(routes!(catalog::supplier_product, catalog::change_product))
        .routes(routes!(catalog::supplier_product_action))
        .routes(routes!(catalog::price_history))
        .routes(routes!(catalog::review_queue))
        .routes(routes!(catalog::review_action))
        .routes(routes!(catalog::price_review_queue))
        .routes(routes!(catalog::review_price))
        .routes(routes!(budgets::list_budgets, budgets::create_budget))
        .routes(routes!(budgets::get_budget))
        .routes(routes!(budgets::adjust_budget))
        .routes(routes!(budgets::purchasing_units))
        .routes(routes!(cart::view_cart, cart::add_to_cart))
        .routes(routes!(cart::set_quantity, cart::remove_from_cart))
        .routes(routes!(orders::place_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::order_action))
}
