//! gpmall's benchmark runner (docs/BENCHMARKS.md).
//!
//! `gpmall-bench orders`: pgbench running the SQL of one order (the anchor) against
//! `POST /api/v1/orders` over HTTP, at 8 and 32 clients; prints the ratio of the two.
//! `gpmall-bench search`: search latency over HTTP against `name ILIKE '%…%'` with pg_trgm.
//!
//! Both start from a fresh database: `gpmall migrate`, seed, VACUUM ANALYZE, CHECKPOINT, then
//! `gpmall serve` as a child process on a free port, with Redis.

mod data;
mod orders;
mod pg;
mod search;
mod seed;
mod server;
mod settlement;
mod stats;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Datelike;
use clap::{Parser, Subcommand};

use crate::server::Launch;

#[derive(Parser)]
#[command(
    name = "gpmall-bench",
    about = "gpmall benchmarks against PostgreSQL and Redis, each reported beside an anchor measured in the same run"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
    /// Benchmark database; it is dropped and recreated.
    #[arg(
        long,
        global = true,
        default_value = "postgres://postgres@127.0.0.1:5432/gpmall_bench"
    )]
    database_url: String,
    #[arg(long, global = true, default_value = "redis://127.0.0.1:6379/")]
    redis_url: String,
    /// Length of each measured run, in seconds (orders).
    #[arg(long, global = true, default_value_t = 15)]
    duration_secs: u64,
    /// Warm-up before the measured runs, in seconds (orders).
    #[arg(long, global = true, default_value_t = 5)]
    warmup_secs: u64,
    /// Measured runs.
    #[arg(long, global = true, default_value_t = 2)]
    runs: usize,
    /// The gpmall binary. By default `cargo build --release --bin gpmall` runs first (a no-op
    /// when it is up to date) and target/release/gpmall is used.
    #[arg(long, global = true)]
    gpmall_bin: Option<PathBuf>,
    /// Before each measurement, wait up to this long for other processes on the machine to
    /// use less than 10% of the CPUs.
    #[arg(long, global = true, default_value_t = 300)]
    quiet_wait_secs: u64,
    /// Measure again (at most this many times per client count or search) when another
    /// workload used more than 10% of the CPUs during a measurement.
    #[arg(long, global = true, default_value_t = 4)]
    max_retries: usize,
    /// An extra setting for the service, KEY=VALUE (repeatable), e.g.
    /// `GPMALL_DB_MAX_CONNECTIONS=8`. Results with it are an experiment, not the benchmark.
    #[arg(long, global = true)]
    gpmall_env: Vec<String>,
    /// Products to seed.
    #[arg(long, global = true, default_value_t = 100_000)]
    products: i64,
}

#[derive(Subcommand)]
enum Mode {
    /// Orders per second over HTTP, as a ratio to pgbench running the same SQL.
    Orders {
        /// Concurrent clients (comma-separated), each a buyer of its own purchasing unit.
        #[arg(long, value_delimiter = ',', default_values_t = [8, 32])]
        clients: Vec<usize>,
    },
    /// Search latency over HTTP beside `name ILIKE '%…%'` with a pg_trgm index.
    Search {
        /// Concurrent clients.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Passes over every (query, filters, page) combination per measured run.
        #[arg(long, default_value_t = 20)]
        passes: usize,
    },
    /// Overdue detection and late-interest accrual over many contracts, as a ratio to a plain
    /// SQL aggregate over the same rows.
    Settlement {
        /// Contracts to seed (about 15% overdue).
        #[arg(long, default_value_t = 1_000_000)]
        contracts: i64,
    },
}

/// gpmall's default `payment_restriction_days`; the bench does not change it.
const PAYMENT_RESTRICTION_DAYS: u64 = 45;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The binary to benchmark: the one given, or the workspace's release build, built first.
fn gpmall_binary(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(bin) = given {
        if !bin.is_file() {
            bail!(
                "{} does not exist; build it with `cargo build --release --bin gpmall`",
                bin.display()
            );
        }
        // The service runs in a scratch directory: make the path absolute.
        return Ok(std::fs::canonicalize(&bin)?);
    }
    let root = workspace_root();
    println!("building gpmall: cargo build --release --bin gpmall");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--bin", "gpmall"])
        .current_dir(&root)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("`cargo build --release --bin gpmall` failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release").join("gpmall");
    if !bin.is_file() {
        bail!("{} is missing after the build", bin.display());
    }
    Ok(bin)
}

/// CHECKPOINT, so a run does not pay for the dirty pages of the one before.
pub async fn checkpoint(database_url: &str) -> anyhow::Result<()> {
    pg::exec(database_url, "CHECKPOINT;\n", "CHECKPOINT").await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.products >= 100, "seed at least 100 products");
    anyhow::ensure!(cli.runs >= 1, "at least one measured run");
    let bin = gpmall_binary(cli.gpmall_bin.clone())?;
    let version = pg::query(
        &pg::admin_url(&cli.database_url)?.0,
        "SELECT split_part(version(), ' (', 1)",
    )
    .await
    .context("connecting to PostgreSQL")?;
    println!("{}", stats::machine(&version));
    println!("gpmall binary: {}", bin.display());

    let workdir = std::env::temp_dir().join(format!("gpmall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&workdir)?;
    let cache_prefix = format!(
        "bench:{}:",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let launch = Launch {
        bin,
        database_url: cli.database_url.clone(),
        redis_url: cli.redis_url.clone(),
        cache_prefix: cache_prefix.clone(),
        workdir: workdir.clone(),
        extra_env: cli
            .gpmall_env
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .with_context(|| format!("--gpmall-env {kv:?}: write KEY=VALUE"))
            })
            .collect::<anyhow::Result<_>>()?,
    };
    if !launch.extra_env.is_empty() {
        println!(
            "EXPERIMENT: extra gpmall settings {:?} (not the benchmark's configuration)",
            launch.extra_env
        );
    }
    let result = run(&cli, &launch).await;
    if let Err(error) = clean_redis(&cli.redis_url, &cache_prefix).await {
        eprintln!("could not remove the bench keys {cache_prefix}* from Redis: {error}");
    }
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&workdir);
    } else {
        eprintln!("logs kept in {}", workdir.display());
    }
    result
}

async fn run(cli: &Cli, launch: &Launch) -> anyhow::Result<()> {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let fiscal_year = today.year();
    seed::recreate_database(&cli.database_url).await?;
    launch.migrate().await?;
    if let Mode::Settlement { contracts } = cli.mode {
        settlement::seed(&cli.database_url, contracts, today).await?;
        return settlement::run(&settlement::SettlementOptions {
            database_url: &cli.database_url,
            runs: cli.runs,
            today,
            quiet_wait: Duration::from_secs(cli.quiet_wait_secs),
            max_retries: cli.max_retries,
        })
        .await;
    }
    let seeded = seed::seed(&cli.database_url, cli.products, fiscal_year).await?;
    if matches!(cli.mode, Mode::Search { .. }) {
        pg::exec(
            &cli.database_url,
            search::ANCHOR_DDL,
            "creating the pg_trgm index",
        )
        .await?;
    }
    pg::exec(
        &cli.database_url,
        "VACUUM ANALYZE;\nCHECKPOINT;\n",
        "VACUUM ANALYZE",
    )
    .await?;
    let mut server = launch.serve().await?;
    println!("gpmall serving at {}", server.base);
    let outcome = match &cli.mode {
        Mode::Orders { clients } => {
            orders::run(
                &mut server,
                &orders::OrdersOptions {
                    database_url: &cli.database_url,
                    workdir: &launch.workdir,
                    clients,
                    duration: Duration::from_secs(cli.duration_secs),
                    warmup: Duration::from_secs(cli.warmup_secs),
                    runs: cli.runs,
                    products: seeded.products,
                    fiscal_year: seeded.fiscal_year,
                    restriction_cutoff: (today - chrono::Days::new(PAYMENT_RESTRICTION_DAYS))
                        .to_string(),
                    quiet_wait: Duration::from_secs(cli.quiet_wait_secs),
                    max_retries: cli.max_retries,
                },
            )
            .await
        }
        Mode::Settlement { .. } => Err(anyhow::anyhow!(
            "the settlement benchmark runs against the database, without the server"
        )),
        Mode::Search { clients, passes } => {
            search::run(
                &mut server,
                &search::SearchOptions {
                    database_url: &cli.database_url,
                    redis_url: &cli.redis_url,
                    cache_prefix: &launch.cache_prefix,
                    clients: *clients,
                    passes: *passes,
                    runs: cli.runs,
                    quiet_wait: Duration::from_secs(cli.quiet_wait_secs),
                    max_retries: cli.max_retries,
                },
            )
            .await
        }
    };
    if outcome.is_err() {
        eprintln!("gpmall's log (last lines):\n{}", server.log_tail());
    }
    server.stop().await;
    outcome
}

/// Removes this run's keys (sessions, cached searches, rate-limit counters) from Redis.
async fn clean_redis(url: &str, prefix: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
