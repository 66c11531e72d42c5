//! Shared kernel of gpmall: money, typed ids, the API error type and extractors, identity and
//! access, idempotency, audit, cache and rate-limit abstractions, the clock, and the request
//! context every module's handlers receive. No business flows live here.

pub mod audit;
pub mod cache;
pub mod calendar;
pub mod clock;
pub mod context;
pub mod dates;
pub mod db;
pub mod entity;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod money;
pub mod pagination;
pub mod percent;
pub mod pipeline;
pub mod rate_limit;
pub mod repo;
pub mod sandbox;
pub mod text;

pub use context::{Ctx, Settings};
pub use error::{ApiError, ApiResult};
pub use money::Money;
