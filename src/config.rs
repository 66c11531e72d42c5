//! Configuration: defaults, then an optional `gpmall.toml`, then `GPMALL_*` environment
//! variables (e.g. `GPMALL_DATABASE_URL`). Secrets are wrapped so they never reach a log.

use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use gpmall_platform::{Money, Settings};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`GPMALL_LISTEN`).
    pub listen: String,
    /// PostgreSQL URL for production; unset means the embedded SQLite database.
    #[serde(serialize_with = "hide")]
    pub database_url: Option<SecretString>,
    /// Redis URL for production; unset means the in-process cache.
    #[serde(serialize_with = "hide")]
    pub redis_url: Option<SecretString>,
    /// Where the embedded database lives.
    pub data_dir: PathBuf,
    /// `json` (production) or `pretty`; by default JSON when a database URL is set.
    pub log_format: Option<String>,
    pub db_max_connections: u32,
    pub session_ttl_hours: u64,
    pub cookie_secure: bool,
    pub trust_forwarded_for: bool,
    pub login_max_attempts: u32,
    /// Login attempts per client address and window: higher, since a unit's staff share one.
    pub login_max_attempts_per_ip: u32,
    pub login_window_seconds: u64,
    /// Price changes above this percentage within the window are held for review.
    pub price_change_flag_percent: u32,
    pub price_change_window_days: i64,
    /// Used for a category with no limit set for the fiscal year.
    pub default_direct_purchase_limit_yuan: i64,
    pub request_timeout_seconds: u64,
    pub body_limit_bytes: usize,
    /// Prefix for every cache key (lets several deployments share one Redis).
    pub cache_prefix: String,
    /// Days after a confirmed shipment without any payment before a purchaser's mall ordering
    /// is restricted; 0 switches the rule off.
    pub payment_restriction_days: u32,
    /// A directory of `YYYY.json` official calendar files loaded over the built-in years.
    pub calendar_dir: Option<PathBuf>,
    /// Run on a sandbox clock the operator moves forward (`GPMALL_SANDBOX`). Unset means on
    /// for the embedded demo and off on PostgreSQL, where only an explicit `true` turns it on.
    pub sandbox: Option<bool>,
}

fn hide<S: serde::Serializer>(value: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => s.serialize_some("***"),
        None => s.serialize_none(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: None,
            redis_url: None,
            data_dir: PathBuf::from("./data"),
            log_format: None,
            db_max_connections: 20,
            session_ttl_hours: 8,
            cookie_secure: true,
            trust_forwarded_for: false,
            login_max_attempts: 10,
            login_max_attempts_per_ip: 100,
            login_window_seconds: 300,
            price_change_flag_percent: 20,
            price_change_window_days: 30,
            default_direct_purchase_limit_yuan: 500_000,
            request_timeout_seconds: 30,
            body_limit_bytes: 256 * 1024,
            cache_prefix: "gpmall:".into(),
            payment_restriction_days: 45,
            calendar_dir: None,
            sandbox: None,
        }
    }
}

/// Every environment variable the binary reads (one per configuration field).
pub fn environment_variables() -> Vec<String> {
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    defaults
        .as_object()
        .map(|o| {
            o.keys()
                .map(|k| format!("GPMALL_{}", k.to_uppercase()))
                .collect()
        })
        .unwrap_or_default()
}

impl Config {
    pub fn load() -> Result<Config, Box<figment::Error>> {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file("gpmall.toml"))
            .merge(Env::prefixed("GPMALL_"))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL: PostgreSQL when configured, else SQLite under the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.expose_secret().is_empty() => url.expose_secret().to_owned(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("gpmall.sqlite").display()
            ),
        }
    }

    pub fn is_embedded(&self) -> bool {
        !self.database_url().starts_with("postgres")
    }

    /// Whether the service runs on the sandbox clock: as configured, else only when embedded.
    pub fn sandbox_enabled(&self) -> bool {
        self.sandbox.unwrap_or_else(|| self.is_embedded())
    }

    pub fn redis_url(&self) -> Option<String> {
        self.redis_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned())
            .filter(|u| !u.is_empty())
    }

    pub fn json_logs(&self) -> bool {
        match self.log_format.as_deref() {
            Some("json") => true,
            Some(_) => false,
            None => !self.is_embedded(),
        }
    }

    pub fn settings(&self) -> Settings {
        Settings {
            session_ttl: Duration::from_secs(self.session_ttl_hours.max(1) * 3600),
            default_direct_purchase_limit: Money::from_yuan(
                self.default_direct_purchase_limit_yuan,
            ),
            price_change_flag_ratio: Decimal::new(i64::from(self.price_change_flag_percent), 2),
            price_change_window_days: self.price_change_window_days,
            cookie_secure: self.cookie_secure,
            trust_forwarded_for: self.trust_forwarded_for,
            catalog_cache_ttl: Duration::from_secs(300),
            payment_restriction_days: Some(self.payment_restriction_days).filter(|d| *d > 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure must return figment::Error
    fn environment_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GPMALL_LISTEN", "0.0.0.0:9000");
            jail.set_env("GPMALL_DATABASE_URL", "postgres://u@h/db");
            jail.set_env("GPMALL_PRICE_CHANGE_FLAG_PERCENT", "15");
            let config = Config::load().map_err(|e| *e)?;
            assert_eq!(config.listen, "0.0.0.0:9000");
            assert!(!config.is_embedded());
            assert!(config.json_logs());
            assert_eq!(
                config.settings().price_change_flag_ratio,
                Decimal::new(15, 2)
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure must return figment::Error
    fn the_sandbox_is_on_by_default_only_in_the_embedded_demo() {
        assert!(Config::default().sandbox_enabled());
        figment::Jail::expect_with(|jail| {
            jail.set_env("GPMALL_DATABASE_URL", "postgres://u@h/db");
            assert!(!Config::load().map_err(|e| *e)?.sandbox_enabled());
            jail.set_env("GPMALL_SANDBOX", "true");
            assert!(Config::load().map_err(|e| *e)?.sandbox_enabled());
            jail.set_env("GPMALL_DATABASE_URL", "");
            jail.set_env("GPMALL_SANDBOX", "false");
            assert!(!Config::load().map_err(|e| *e)?.sandbox_enabled());
            Ok(())
        });
    }

    #[test]
    fn embedded_default_is_sqlite_under_data_dir() {
        let config = Config::default();
        assert!(config.is_embedded());
        assert_eq!(
            config.database_url(),
            "sqlite://./data/gpmall.sqlite?mode=rwc"
        );
        assert!(environment_variables().contains(&"GPMALL_REDIS_URL".to_owned()));
    }
}
