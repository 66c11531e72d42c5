//! Login attempt limits, per user and per client IP. With Redis the window is shared by every
//! instance (a fixed-window counter: `INCR` then `EXPIRE … NX`); without Redis, or while it is
//! down, each instance limits on its own with a `governor` keyed limiter of the same quota.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct LoginRateLimiter {
    redis: Option<(ConnectionManager, String)>,
    local: Arc<DefaultKeyedRateLimiter<String>>,
    max_attempts: u32,
    window: Duration,
}

/// The caller must wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl LoginRateLimiter {
    pub fn new(
        max_attempts: u32,
        window: Duration,
        redis: Option<(ConnectionManager, String)>,
    ) -> Self {
        let max = NonZeroU32::new(max_attempts.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = window / max.get();
        let quota = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(max))
            .allow_burst(max);
        LoginRateLimiter {
            redis,
            local: Arc::new(RateLimiter::keyed(quota)),
            max_attempts: max.get(),
            window,
        }
    }

    /// Counts one attempt against `key` (e.g. `user:buyer1` or `ip:10.0.0.1`).
    pub async fn hit(&self, key: &str) -> Result<(), RetryAfter> {
        if let Some((connection, prefix)) = &self.redis {
            let mut conn = connection.clone();
            let redis_key = format!("{prefix}ratelimit:login:{key}");
            let window = self.window.as_secs().max(1);
            let result: redis::RedisResult<(i64, i64)> = redis::pipe()
                .atomic()
                .incr(&redis_key, 1)
                .cmd("EXPIRE")
                .arg(&redis_key)
                .arg(window)
                .arg("NX")
                .ignore()
                .ttl(&redis_key)
                .query_async(&mut conn)
                .await;
            match result {
                Ok((count, ttl)) if count > i64::from(self.max_attempts) => {
                    return Err(RetryAfter(ttl.max(1) as u64));
                }
                Ok(_) => return Ok(()),
                Err(error) => {
                    tracing::warn!(%error, "redis unavailable; login limits are per instance");
                }
            }
        }
        self.local.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            RetryAfter(wait.as_secs().max(1))
        })
    }
}
