//! Static assets, embedded in the binary and served with a long cache lifetime; pages link them
//! with a content hash so a new build is fetched at once.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;

const APP_CSS: &str = include_str!("../../static/app.css");
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

const CACHE_CONTROL: &str = "public, max-age=604800";

/// The first characters of the stylesheet's SHA-256, for `?v=` in its URL.
pub fn css_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| gpmall_platform::identity::session::token_hash(APP_CSS)[..12].to_owned())
}

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        APP_CSS,
    )
}

pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        FAVICON_SVG,
    )
}
