//! Search: `GET /api/v1/catalog/products` for three classes of query, beside the anchor, the same
//! logical query as `name ILIKE '%…%'` SQL with a pg_trgm GIN index, on the same data, timed from
//! here through a connection pool of the same size as the HTTP clients: once for the page alone
//! (`anchor_*`) and once with the exact total the service's page carries (`anchor_counted_*`).
//!
//! The service caches search results under a generation counter that every product change
//! bumps. To time the database path, each pass bumps that counter in Redis (exactly what a
//! product change does) and then requests every (query, filters, page) combination once: all
//! misses (checked against the service's own cache metrics). The same combinations again, with
//! no bump, are the cached numbers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use gpmall_mall::repo::search::PRODUCT_COLUMNS;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use crate::server::Server;
use crate::stats::{CpuTracker, Latencies, Scope, wait_for_quiet};

pub const CLASSES: [&str; 3] = ["two_char_cjk", "brand_model", "filtered"];
const PAGES: u64 = 5;
const PER_PAGE: u64 = 20;

#[derive(Clone, Copy)]
struct Case {
    class: &'static str,
    q: Option<&'static str>,
    category: Option<&'static str>,
    min_yuan: Option<i64>,
    max_yuan: Option<i64>,
    sme_only: bool,
    sort: Option<&'static str>,
}

const fn q(class: &'static str, q: &'static str) -> Case {
    Case {
        class,
        q: Some(q),
        category: None,
        min_yuan: None,
        max_yuan: None,
        sme_only: false,
        sort: None,
    }
}

const CASES: &[Case] = &[
    q("two_char_cjk", "电脑"),
    q("two_char_cjk", "打印"),
    q("two_char_cjk", "椅子"),
    q("two_char_cjk", "纸张"),
    q("two_char_cjk", "空调"),
    q("two_char_cjk", "投影"),
    q("two_char_cjk", "硒鼓"),
    q("two_char_cjk", "平板"),
    q("brand_model", "ThinkPad X1"),
    q("brand_model", "联想 M437"),
    q("brand_model", "HP 1020"),
    q("brand_model", "华为 MateBook"),
    q("brand_model", "戴尔 OptiPlex 7010"),
    q("brand_model", "格力 KFR-35GW"),
    q("brand_model", "奔图 P3305DN"),
    q("brand_model", "得力 复印纸"),
    Case {
        category: Some("A0201"),
        sort: Some("price_asc"),
        ..q("filtered", "电脑")
    },
    Case {
        min_yuan: Some(3000),
        max_yuan: Some(8000),
        ..q("filtered", "电脑")
    },
    Case {
        sme_only: true,
        sort: Some("price_asc"),
        ..q("filtered", "打印")
    },
    Case {
        category: Some("A05"),
        max_yuan: Some(1500),
        sort: Some("price_asc"),
        ..q("filtered", "椅子")
    },
    Case {
        category: Some("A020101"),
        min_yuan: Some(4000),
        sme_only: true,
        sort: Some("price_desc"),
        ..q("filtered", "联想")
    },
    Case {
        class: "filtered",
        q: None,
        category: Some("A05040101"),
        min_yuan: None,
        max_yuan: Some(300),
        sme_only: false,
        sort: Some("price_asc"),
    },
];

#[derive(Clone, Copy)]
struct Job {
    case: Case,
    page: u64,
}

fn jobs() -> Vec<Job> {
    CASES
        .iter()
        .flat_map(|&case| (1..=PAGES).map(move |page| Job { case, page }))
        .collect()
}

impl Case {
    fn label(&self) -> String {
        let mut parts = vec![format!("q={}", self.q.unwrap_or(""))];
        if let Some(c) = self.category {
            parts.push(format!("category={c}"));
        }
        if let Some(v) = self.min_yuan {
            parts.push(format!("min_price={v}"));
        }
        if let Some(v) = self.max_yuan {
            parts.push(format!("max_price={v}"));
        }
        if self.sme_only {
            parts.push("sme_only=true".into());
        }
        if let Some(s) = self.sort {
            parts.push(format!("sort={s}"));
        }
        parts.join("&")
    }

    fn http_query(&self, page: u64) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(q) = self.q {
            query.push(("q", q.to_owned()));
        }
        if let Some(c) = self.category {
            query.push(("category", c.to_owned()));
        }
        if let Some(v) = self.min_yuan {
            query.push(("min_price", format!("{v}.00")));
        }
        if let Some(v) = self.max_yuan {
            query.push(("max_price", format!("{v}.00")));
        }
        if self.sme_only {
            query.push(("sme_only", "true".to_owned()));
        }
        if let Some(s) = self.sort {
            query.push(("sort", s.to_owned()));
        }
        query.push(("page", page.to_string()));
        query.push(("per_page", PER_PAGE.to_string()));
        query
    }

    /// The anchor: every word of the query as `name ILIKE '%word%'` (the seeded names carry
    /// brand, model and product noun), the same filters, joins and columns as the service's
    /// query, ordered by price (by id for no query and `newest`). `counted` adds the total
    /// number of matches as the service's page carries it (`COUNT(*) OVER ()`).
    fn anchor(&self, page: u64, counted: bool) -> Statement {
        let mut conditions = vec![
            "p.status = 'listed'".to_owned(),
            "o.credit_status = 'good'".to_owned(),
        ];
        let mut values: Vec<Value> = Vec::new();
        let param = |values: &mut Vec<Value>, v: Value| {
            values.push(v);
            format!("${}", values.len())
        };
        for word in self.q.unwrap_or("").split_whitespace() {
            let p = param(&mut values, format!("%{word}%").into());
            conditions.push(format!("p.name ILIKE {p}"));
        }
        if let Some(c) = self.category {
            let p = param(&mut values, format!("{c}%").into());
            conditions.push(format!("p.category_code LIKE {p}"));
        }
        if let Some(v) = self.min_yuan {
            let p = param(&mut values, (v * 100).into());
            conditions.push(format!("p.price_fen >= {p}"));
        }
        if let Some(v) = self.max_yuan {
            let p = param(&mut values, (v * 100).into());
            conditions.push(format!("p.price_fen <= {p}"));
        }
        if self.sme_only {
            conditions.push("o.enterprise_size IN ('medium','small','micro')".to_owned());
        }
        let order = match (self.q, self.sort) {
            (_, Some("price_desc")) => "p.price_fen DESC, p.id DESC",
            (None, None) | (_, Some("newest")) => "p.id DESC",
            _ => "p.price_fen ASC, p.id ASC",
        };
        let limit = param(&mut values, (PER_PAGE as i64).into());
        let offset = param(&mut values, (((page - 1) * PER_PAGE) as i64).into());
        let count = if counted {
            ", COUNT(*) OVER () AS total_matches"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS}{count} FROM products p \
             JOIN organizations o ON o.id = p.supplier_id JOIN categories c ON c.code = p.category_code \
             WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            conditions.join(" AND ")
        );
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }
}

/// The pg_trgm index the anchor uses.
pub const ANCHOR_DDL: &str = "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n\
    CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);\n";

#[derive(Clone, Copy, PartialEq)]
enum Target {
    Http,
    Anchor,
    AnchorCounted,
}

struct Driver {
    client: reqwest::Client,
    base: String,
    db: DatabaseConnection,
    clients: usize,
}

impl Driver {
    /// Runs every job once over `clients` concurrent workers; latencies by class and query.
    async fn sweep(
        &self,
        target: Target,
        jobs: &Arc<Vec<Job>>,
    ) -> anyhow::Result<BTreeMap<(&'static str, String), Latencies>> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..self.clients {
            let jobs = jobs.clone();
            let next = next.clone();
            let client = self.client.clone();
            let url = format!("{}/api/v1/catalog/products", self.base);
            let db = self.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut out: BTreeMap<(&'static str, String), Latencies> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let started = Instant::now();
                    match target {
                        Target::Http => {
                            let response = client
                                .get(&url)
                                .query(&job.case.http_query(job.page))
                                .send()
                                .await?;
                            let status = response.status();
                            let body = response.bytes().await?;
                            if !status.is_success() {
                                bail!(
                                    "GET {} page {}: {status} {}",
                                    job.case.label(),
                                    job.page,
                                    String::from_utf8_lossy(&body)
                                );
                            }
                        }
                        Target::Anchor | Target::AnchorCounted => {
                            let counted = target == Target::AnchorCounted;
                            db.query_all_raw(job.case.anchor(job.page, counted)).await?;
                        }
                    }
                    out.entry((job.case.class, job.case.label()))
                        .or_default()
                        .push(started.elapsed());
                }
                Ok(out)
            }));
        }
        let mut merged: BTreeMap<(&'static str, String), Latencies> = BTreeMap::new();
        for task in tasks {
            for (class, latencies) in task.await?? {
                merged.entry(class).or_default().extend(&latencies);
            }
        }
        Ok(merged)
    }
}

async fn cache_counters(client: &reqwest::Client, base: &str) -> anyhow::Result<(u64, u64)> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let read = |name: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with(name) && l.contains("cache=\"search\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    };
    Ok((
        read("gpmall_cache_hits_total"),
        read("gpmall_cache_misses_total"),
    ))
}

pub struct SearchOptions<'a> {
    pub database_url: &'a str,
    pub redis_url: &'a str,
    pub cache_prefix: &'a str,
    pub clients: usize,
    pub passes: usize,
    pub runs: usize,
    pub quiet_wait: Duration,
    pub max_retries: usize,
}

fn ms(l: &Latencies, p: f64) -> f64 {
    l.percentile_ms(p)
}

pub async fn run(server: &mut Server, options: &SearchOptions<'_>) -> anyhow::Result<()> {
    let mut db_options = sea_orm::ConnectOptions::new(options.database_url.to_owned());
    db_options
        .max_connections(options.clients as u32)
        .min_connections(options.clients as u32)
        .sqlx_logging(false);
    let driver = Driver {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(30))
            .build()?,
        base: server.base.clone(),
        db: sea_orm::Database::connect(db_options).await?,
        clients: options.clients,
    };
    let redis = redis::Client::open(options.redis_url)?;
    let mut redis = redis.get_multiplexed_async_connection().await?;
    let generation_key = format!("{}catalog:generation", options.cache_prefix);
    let jobs = Arc::new(jobs());
    let scope = Scope {
        gpmall_pid: server.pid(),
        database: crate::pg::admin_url(options.database_url)?.1,
        count_reaped_postgres: false,
    };

    // What each side finds on page 1, so a reader can see the two answer the same question.
    println!("matches (service total / anchor total) per query:");
    for case in CASES {
        let response: serde_json::Value = driver
            .client
            .get(format!("{}/api/v1/catalog/products", driver.base))
            .query(&case.http_query(1))
            .send()
            .await?
            .json()
            .await?;
        let rows = driver.db.query_all_raw(case.anchor(1, true)).await?;
        let anchor_total: i64 = match rows.first() {
            Some(row) => row.try_get("", "total_matches")?,
            None => 0,
        };
        let exact = if response["total_exact"] == serde_json::Value::Bool(false) {
            "+ (at least)"
        } else {
            ""
        };
        println!(
            "  [{}] {}: {}{exact} / {}",
            case.class,
            case.label(),
            response["total"],
            anchor_total
        );
    }

    let mut run = 0;
    let mut discarded = 0;
    while run <= options.runs {
        let passes = if run == 0 { 2 } else { options.passes };
        // By kind (uncached, cached, anchor, counted anchor), then by class.
        let mut measured: [BTreeMap<(&'static str, String), Latencies>; 4] = Default::default();
        let mut cold_hits = 0;
        let mut cold_misses = 0;
        if run > 0 {
            crate::checkpoint(options.database_url).await?;
            wait_for_quiet(&scope, options.quiet_wait).await;
        }
        let tracker = CpuTracker::start(&scope);
        for _ in 0..passes {
            let _: i64 = redis::cmd("INCR")
                .arg(&generation_key)
                .query_async(&mut redis)
                .await
                .context("bumping the catalogue generation in Redis")?;
            let (hits_before, misses_before) = cache_counters(&driver.client, &driver.base).await?;
            let uncached = driver.sweep(Target::Http, &jobs).await?;
            let (hits_after, misses_after) = cache_counters(&driver.client, &driver.base).await?;
            cold_hits += hits_after - hits_before;
            cold_misses += misses_after - misses_before;
            let sweeps = [
                uncached,
                driver.sweep(Target::Http, &jobs).await?,
                driver.sweep(Target::Anchor, &jobs).await?,
                driver.sweep(Target::AnchorCounted, &jobs).await?,
            ];
            for (kind, sweep) in sweeps.into_iter().enumerate() {
                for (class, l) in sweep {
                    measured[kind].entry(class).or_default().extend(&l);
                }
            }
        }
        let other = tracker.stop().await.other_pct();
        server.check_alive()?;
        if run == 0 {
            println!("warm-up: {passes} passes (not counted)");
            run += 1;
            continue;
        }
        let noisy = other > 10.0;
        if noisy && discarded < options.max_retries {
            discarded += 1;
            println!(
                "  discarded a run: another workload used {other:.0}% of the CPUs; measuring again"
            );
            continue;
        }
        if cold_hits > 0 {
            println!(
                "WARNING: {cold_hits} of the uncached requests were cache hits; the generation key may have moved"
            );
        }
        for class in CLASSES.into_iter().chain(["all"]) {
            let pick = |kind: usize| -> Latencies {
                let mut l = Latencies::default();
                for ((c, _), latencies) in &measured[kind] {
                    if class == "all" || *c == class {
                        l.extend(latencies);
                    }
                }
                l
            };
            let [uncached, cached, anchor, counted] = [pick(0), pick(1), pick(2), pick(3)];
            let cache_check = if class == "all" {
                format!(" cache_misses={cold_misses} cache_hits={cold_hits}")
            } else {
                String::new()
            };
            println!(
                "search class={class} run={run} search_p99_ms={:.2} search_p50_ms={:.2} search_cached_p99_ms={:.2} search_cached_p50_ms={:.2} anchor_p99_ms={:.2} anchor_p50_ms={:.2} anchor_counted_p99_ms={:.2} anchor_counted_p50_ms={:.2} n={}{cache_check}",
                ms(&uncached, 99.0),
                ms(&uncached, 50.0),
                ms(&cached, 99.0),
                ms(&cached, 50.0),
                ms(&anchor, 99.0),
                ms(&anchor, 50.0),
                ms(&counted, 99.0),
                ms(&counted, 50.0),
                uncached.len()
            );
        }
        // Where the uncached tail is: the queries with the highest p99.
        let mut by_query: Vec<(f64, f64, &str)> = measured[0]
            .iter()
            .map(|((_, label), l)| (ms(l, 99.0), ms(l, 50.0), label.as_str()))
            .collect();
        by_query.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (p99, p50, label) in by_query.iter().take(5) {
            println!("  slowest uncached run={run}: {label} p99_ms={p99:.2} p50_ms={p50:.2}");
        }
        println!("  other workloads used {other:.0}% of the CPUs during run {run}");
        if noisy {
            println!(
                "  WARNING: another workload used more than 10% of the CPUs and retries ran out; this run is not comparable (NOISY)"
            );
        }
        run += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_cases_and_anchors_bind_every_value() {
        for class in CLASSES {
            assert!(CASES.iter().any(|c| c.class == class), "{class}");
        }
        for case in CASES {
            let statement = case.anchor(2, true);
            let values = statement.values.as_ref().map_or(0, |v| v.0.len());
            assert!(statement.sql.contains(&format!("${values}")));
            assert!(!statement.sql.contains(&format!("${}", values + 1)));
        }
        assert_eq!(jobs().len(), CASES.len() * PAGES as usize);
    }
}
