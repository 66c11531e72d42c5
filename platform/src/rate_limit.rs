//! Login attempt limits, per user and per client IP. With Redis the window is shared by every
//! instance (a fixed-window counter: `INCR` then `EXPIRE … NX`); without Redis, or while it is
//! down, each instance limits on its own with a `governor` keyed limiter of the same quota.
//! The per-IP quota is larger than the per-user one: a purchasing unit's staff log in from one
//! office address.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct LoginRateLimiter {
    redis: Option<(ConnectionManager, String)>,
    per_user: Quotas,
    per_ip: Quotas,
    window: Duration,
}

/// One quota, kept in Redis or, as a fallback, in this instance.
#[derive(Clone)]
struct Quotas {
    local: Arc<DefaultKeyedRateLimiter<String>>,
    max_attempts: u32,
}

impl Quotas {
    fn new(max_attempts: u32, window: Duration) -> Self {
        let max = NonZeroU32::new(max_attempts.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = window / max.get();
        let quota = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(max))
            .allow_burst(max);
        Quotas {
            local: Arc::new(RateLimiter::keyed(quota)),
            max_attempts: max.get(),
        }
    }
}

/// The caller must wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl LoginRateLimiter {
    pub fn new(
        max_attempts_per_user: u32,
        max_attempts_per_ip: u32,
        window: Duration,
        redis: Option<(ConnectionManager, String)>,
    ) -> Self {
        LoginRateLimiter {
            redis,
            per_user: Quotas::new(max_attempts_per_user, window),
            per_ip: Quotas::new(max_attempts_per_ip, window),
            window,
        }
    }

    /// Counts one login attempt for `username`.
    pub async fn hit_user(&self, username: &str) -> Result<(), RetryAfter> {
        self.hit(&self.per_user, &format!("user:{}", username.to_lowercase()))
            .await
    }

    /// Counts one login attempt from `ip`.
    pub async fn hit_ip(&self, ip: &str) -> Result<(), RetryAfter> {
        self.hit(&self.per_ip, &format!("ip:{ip}")).await
    }

    /// Counts one attempt against `key` (e.g. `user:buyer1` or `ip:10.0.0.1`).
    async fn hit(&self, quotas: &Quotas, key: &str) -> Result<(), RetryAfter> {
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
                Ok((count, ttl)) if count > i64::from(quotas.max_attempts) => {
                    return Err(RetryAfter(ttl.max(1) as u64));
                }
                Ok(_) => return Ok(()),
                Err(error) => {
                    tracing::warn!(%error, "redis unavailable; login limits are per instance");
                }
            }
        }
        quotas
            .local
            .check_key(&key.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                RetryAfter(wait.as_secs().max(1))
            })
    }
}
