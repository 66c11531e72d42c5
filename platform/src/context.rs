//! The request context every module's handlers share: database, cache, clock, limits, settings.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use crate::cache::Cache;
use crate::clock::Clock;
use crate::money::Money;
use crate::rate_limit::LoginRateLimiter;

/// Business parameters that are configuration, not code (see RULES.md).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a login stays valid.
    pub session_ttl: Duration,
    /// The mall's direct-purchase limit for a category with no limit set for the year
    /// (Chongqing: catalogue purchases of ¥500k or more go to the central purchasing agency).
    pub default_direct_purchase_limit: Money,
    /// A price change larger than this share (e.g. 0.20 = 20%) within the window is flagged.
    pub price_change_flag_ratio: Decimal,
    /// The window for price-change flagging, in days.
    pub price_change_window_days: i64,
    /// Web session cookies carry `Secure`.
    pub cookie_secure: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted load balancer).
    pub trust_forwarded_for: bool,
    /// How long search results and product pages stay cached (they are also invalidated on change).
    pub catalog_cache_ttl: Duration,
    /// A purchaser with a shipment confirmed this many days ago and no payment recorded on its
    /// contract may not place mall orders until it records one (Guangdong rule: 45); `None`
    /// switches the restriction off.
    pub payment_restriction_days: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_ttl: Duration::from_secs(8 * 3600),
            default_direct_purchase_limit: Money::from_yuan(500_000),
            price_change_flag_ratio: Decimal::new(20, 2),
            price_change_window_days: 30,
            cookie_secure: true,
            trust_forwarded_for: false,
            catalog_cache_ttl: Duration::from_secs(300),
            payment_restriction_days: Some(45),
        }
    }
}

/// Shared state: one per process, cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    /// SQLite (embedded) or PostgreSQL (production).
    pub db: DatabaseConnection,
    /// On PostgreSQL, connections for transactions that send their statements in batches
    /// ([`crate::pipeline`]); `None` on SQLite.
    pub pipeline: Option<crate::pipeline::PgPipeline>,
    /// Redis in production, in-process on the embedded default.
    pub cache: Arc<dyn Cache>,
    /// The only source of "now".
    pub clock: Arc<dyn Clock>,
    /// Login attempt limits (shared through Redis when configured).
    pub login_limiter: LoginRateLimiter,
    pub settings: Arc<Settings>,
}
