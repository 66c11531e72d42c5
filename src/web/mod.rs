//! Server-rendered web pages (askama templates, Simplified Chinese by default with an English
//! switch). They work without JavaScript, keep the session in an HttpOnly cookie, check a CSRF
//! token on every form, and call the module crates' services, never the database.

mod assets;
mod auth;
mod budgets;
mod cart;
mod financing;
mod i18n;
mod orders;
pub mod page;
mod review;
mod sandbox;
mod settlement;
mod shop;
mod supplier;

use axum::routing::{get, post};
use gpmall_platform::Ctx;

pub fn router() -> axum::Router<Ctx> {
    axum::Router::new()
        .route("/", get(shop::home))
        .route("/search", get(shop::search))
        .route("/products/{id}", get(shop::product))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang/{code}", get(auth::switch_language))
        .route("/cart", get(cart::page))
        .route("/cart/add", post(shop::add_to_cart))
        .route("/cart/update", post(cart::update))
        .route("/cart/remove", post(cart::remove))
        .route("/checkout", post(cart::checkout))
        .route("/orders", get(orders::list))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/{action}", post(orders::act))
        .route(
            "/supplier/products",
            get(supplier::page).post(supplier::create),
        )
        .route("/supplier/products/{id}", post(supplier::change))
        .route("/supplier/products/{id}/resubmit", post(supplier::resubmit))
        .route("/budgets", get(budgets::list).post(budgets::create))
        .route("/budgets/{id}/adjust", post(budgets::adjust))
        .route(
            "/operator/limits",
            get(budgets::limits).post(budgets::set_limit),
        )
        .route("/review", get(review::queue))
        .route("/review/{id}/{action}", post(review::decide))
        .route("/financing", get(financing::overview))
        .route("/financing/applications", post(financing::apply))
        .route("/financing/applications/{id}", get(financing::detail))
        .route(
            "/financing/applications/{id}/withdraw",
            post(financing::withdraw),
        )
        .route("/static/app.css", get(assets::css))
        .route("/static/favicon.svg", get(assets::favicon))
        .merge(settlement::router())
}

/// The sandbox clock's page, present only in sandbox mode.
pub fn sandbox_router() -> axum::Router<Ctx> {
    axum::Router::new().route(
        "/operator/sandbox",
        get(sandbox::page).post(sandbox::move_clock),
    )
}
