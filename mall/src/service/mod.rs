//! Use cases and their transaction boundaries.

pub mod budgets;
pub mod cart;
pub mod catalog;
pub mod orders;

use gpmall_platform::Ctx;

/// Cache keys and invalidation for the catalogue: search results are keyed by a generation
/// counter that every product change bumps; product pages are deleted by id.
pub mod catalog_cache {
    use super::Ctx;

    pub const GENERATION: &str = "catalog:generation";

    pub fn product_key(id: i64) -> String {
        format!("catalog:product:{id}")
    }

    pub async fn invalidate(ctx: &Ctx, product_id: Option<i64>) {
        if let Some(id) = product_id {
            ctx.cache.delete(&product_key(id)).await;
        }
        ctx.cache.incr(GENERATION).await;
    }
}
