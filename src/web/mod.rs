//! Server-rendered web pages.

use gpmall_platform::Ctx;

pub fn router() -> axum::Router<Ctx> {
    axum::Router::new()
}
