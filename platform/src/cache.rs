//! Cache behind one trait: Redis in production (shared by every instance), moka in-process on the
//! embedded default. Redis failures never fail a request: a read becomes a miss, a write is
//! skipped, and `/readyz` reports the cache as degraded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache as MokaStore;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheHealth {
    Ok,
    Degraded,
}

#[async_trait]
pub trait Cache: Send + Sync + 'static {
    async fn get(&self, key: &str) -> Option<String>;
    async fn set(&self, key: &str, value: &str, ttl: Duration);
    async fn delete(&self, key: &str);
    /// Increments a counter (created at 1); `None` when the cache cannot answer, in which case
    /// callers must bypass caching rather than risk a stale read.
    async fn incr(&self, key: &str) -> Option<i64>;
    /// Reads a counter, `Some(0)` when it was never set.
    async fn counter(&self, key: &str) -> Option<i64>;
    /// Reads a counter (as [`Cache::counter`]) and a value together, in one round trip.
    async fn counter_and_get(&self, counter: &str, key: &str) -> Option<(i64, Option<String>)>;
    async fn health(&self) -> CacheHealth;
    fn backend(&self) -> &'static str;
    /// The prefix of every key: what this deployment's instances share, and no other's.
    fn namespace(&self) -> &str;
}

/// In-process cache for the embedded default (a single instance). Each entry lives for the ttl
/// it was set with, as in Redis.
pub struct LocalCache {
    store: MokaStore<String, Entry>,
    counters: MokaStore<String, i64>,
    prefix: String,
}

/// A cached value with the lifetime it was set with.
#[derive(Clone)]
struct Entry {
    value: String,
    ttl: Duration,
}

/// Expires each entry after its own ttl, counted from its last write.
struct PerEntryTtl;

impl moka::Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        entry: &Entry,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _updated_at: std::time::Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

impl LocalCache {
    pub fn new(prefix: &str) -> Self {
        LocalCache {
            store: MokaStore::builder()
                .max_capacity(50_000)
                .expire_after(PerEntryTtl)
                .build(),
            counters: MokaStore::builder().max_capacity(10_000).build(),
            prefix: prefix.to_owned(),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl Cache for LocalCache {
    async fn get(&self, key: &str) -> Option<String> {
        self.store.get(&self.key(key)).await.map(|e| e.value)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let entry = Entry {
            value: value.to_owned(),
            ttl,
        };
        self.store.insert(self.key(key), entry).await;
    }

    async fn delete(&self, key: &str) {
        self.store.invalidate(&self.key(key)).await;
    }

    async fn incr(&self, key: &str) -> Option<i64> {
        let entry = self
            .counters
            .entry(self.key(key))
            .and_upsert_with(|current| async move { current.map_or(1, |e| e.into_value() + 1) })
            .await;
        Some(entry.into_value())
    }

    async fn counter(&self, key: &str) -> Option<i64> {
        Some(self.counters.get(&self.key(key)).await.unwrap_or(0))
    }

    async fn counter_and_get(&self, counter: &str, key: &str) -> Option<(i64, Option<String>)> {
        Some((self.counter(counter).await?, self.get(key).await))
    }

    async fn health(&self) -> CacheHealth {
        CacheHealth::Ok
    }

    fn backend(&self) -> &'static str {
        "in-process"
    }

    fn namespace(&self) -> &str {
        &self.prefix
    }
}

/// Redis cache shared by every instance. Connects lazily and reconnects by itself.
pub struct RedisCache {
    connection: ConnectionManager,
    prefix: String,
    healthy: Arc<AtomicBool>,
}

impl RedisCache {
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(RedisCache {
            connection,
            prefix: prefix.to_owned(),
            healthy: Arc::new(AtomicBool::new(true)),
        })
    }

    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn observe<T>(&self, result: redis::RedisResult<T>) -> Option<T> {
        match result {
            Ok(value) => {
                self.healthy.store(true, Ordering::Relaxed);
                Some(value)
            }
            Err(error) => {
                if self.healthy.swap(false, Ordering::Relaxed) {
                    tracing::warn!(%error, "redis unavailable; serving from the database");
                }
                None
            }
        }
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<Option<String>> = conn.get(self.key(key)).await;
        self.observe(result).flatten()
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<()> = conn
            .set_ex(self.key(key), value, ttl.as_secs().max(1))
            .await;
        self.observe(result);
    }

    async fn delete(&self, key: &str) {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<()> = conn.del(self.key(key)).await;
        self.observe(result);
    }

    async fn incr(&self, key: &str) -> Option<i64> {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<i64> = conn.incr(self.key(key), 1).await;
        self.observe(result)
    }

    async fn counter(&self, key: &str) -> Option<i64> {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<Option<i64>> = conn.get(self.key(key)).await;
        self.observe(result).map(|v| v.unwrap_or(0))
    }

    async fn counter_and_get(&self, counter: &str, key: &str) -> Option<(i64, Option<String>)> {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<(Option<i64>, Option<String>)> = redis::cmd("MGET")
            .arg(self.key(counter))
            .arg(self.key(key))
            .query_async(&mut conn)
            .await;
        self.observe(result)
            .map(|(count, value)| (count.unwrap_or(0), value))
    }

    async fn health(&self) -> CacheHealth {
        let mut conn = self.connection.clone();
        let result: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
        match self.observe(result) {
            Some(_) => CacheHealth::Ok,
            None => CacheHealth::Degraded,
        }
    }

    fn backend(&self) -> &'static str {
        "redis"
    }

    fn namespace(&self) -> &str {
        &self.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_entries_live_for_the_ttl_they_were_set_with() {
        let cache = LocalCache::new("t:");
        cache.set("short", "a", Duration::from_millis(300)).await;
        cache.set("long", "b", Duration::from_secs(600)).await;
        assert_eq!(cache.get("short").await.as_deref(), Some("a"));
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(cache.get("short").await, None, "expired after its own ttl");
        assert_eq!(cache.get("long").await.as_deref(), Some("b"));
        // Setting again starts the new ttl.
        cache.set("long", "c", Duration::from_millis(300)).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(cache.get("long").await, None);
    }
}
