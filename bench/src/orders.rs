//! Orders: the pgbench anchor (the SQL of `orders::place` for a one-line order) against
//! `POST /api/v1/orders` over HTTP, at the same client counts, alternating, after a warm-up.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::Rng;
use tokio::process::Command;

use crate::seed::{self, BUDGET_LINES, BUYERS, SUPPLIERS};
use crate::server::Server;
use crate::stats::{CpuTracker, Latencies, Scope, wait_for_quiet};

/// The statements `gpmall_mall::service::orders::place` runs (through the placement repository,
/// `gpmall_mall::repo::placement`) for a one-line order from a buyer's own budget line, in the
/// same order, with the same shapes. The service sends them in
/// three pipelined batches; pgbench cannot (`\gset` is not allowed in its pipeline mode), so the
/// anchor sends one statement per round trip, as any client that waits for each reply does.
/// The session lookup is not here: the service answers it from the Redis cache.
/// `restriction_cutoff` is today minus the payment-restriction days (45 by default): the
/// ordering-restriction check looks for contracts shipped before it and still unpaid.
/// Keep this in step with the placement repository when it changes.
pub fn pgbench_script(products: i64, fiscal_year: i32, restriction_cutoff: &str) -> String {
    format!(
        r#"\set bl random(1, {BUDGET_LINES})
\set uid ((:bl - 1) % {BUYERS}) + 1
\set org :uid + {SUPPLIERS}
\set pid random(1, {products})
\set ikey random(1, 9000000000000000000)
\set ono random(1, 9000000000000000000)
BEGIN;
INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at) VALUES (:uid, :ikey, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 0, '', now()) ON CONFLICT (user_id, idempotency_key) DO NOTHING;
SELECT c.contract_no, c.shipped_on FROM contracts c WHERE c.purchaser_org_id = :org AND c.status = 'active' AND c.shipped_on IS NOT NULL AND c.shipped_on <= '{restriction_cutoff}' AND NOT EXISTS (SELECT 1 FROM contract_payments p WHERE p.contract_id = c.id) AND EXISTS (SELECT 1 FROM contract_instalments i WHERE i.contract_id = c.id AND i.paid_fen + i.disputed_fen < i.principal_fen) ORDER BY c.shipped_on LIMIT 1;
SELECT p.id, p.name, p.category_code, p.unit, p.price_fen, p.status, p.supplier_id, o.credit_status, o.name AS supplier_name FROM products p JOIN organizations o ON o.id = p.supplier_id WHERE p.id IN (:pid) \gset p_
SELECT id, org_id, code, fiscal_year FROM budget_lines WHERE id = :bl;
SELECT category_code, fiscal_year, direct_purchase_limit_fen FROM category_limits WHERE fiscal_year = {fiscal_year};
UPDATE products SET stock = stock - 1 WHERE id = :pid AND stock >= 1 AND status = 'listed';
UPDATE budget_lines SET remaining_fen = remaining_fen - :p_price_fen WHERE id = :bl AND org_id = :org AND remaining_fen >= :p_price_fen;
INSERT INTO orders (order_no, purchaser_org_id, purchaser_user_id, supplier_id, budget_line_id, total_fen, status, delivery_address, note, cancel_reason, placed_at, updated_at) VALUES (:ono, :org, :uid, :p_supplier_id, :bl, :p_price_fen, 'placed', 'bench', '', NULL, now(), now()) RETURNING id \gset o_
INSERT INTO order_lines (order_id, product_id, product_name, category_code, unit, unit_price_fen, quantity, line_total_fen) VALUES (:o_id, :pid, :p_name, :p_category_code, :p_unit, :p_price_fen, 1, :p_price_fen);
INSERT INTO audit_log (actor_user_id, actor_org_id, action, subject_type, subject_id, before_state, after_state, at) VALUES (:uid, :org, 'order.placed', 'order', :o_id, NULL, jsonb_build_object('id', CAST(:o_id AS bigint), 'order_no', CAST(:ono AS text), 'supplier_id', CAST(:p_supplier_id AS bigint), 'total', CAST(:p_price_fen AS text), 'status', 'placed'), now());
UPDATE idempotency_keys SET response_status = 201, response_body = CAST(jsonb_build_object('orders', jsonb_build_array(jsonb_build_object('id', CAST(:o_id AS bigint), 'order_no', CAST(:ono AS text), 'supplier_id', CAST(:p_supplier_id AS bigint), 'total', CAST(:p_price_fen AS text), 'status', 'placed'))) AS text) WHERE user_id = :uid AND idempotency_key = CAST(:ikey AS text);
COMMIT;
"#
    )
}

pub struct PgbenchResult {
    pub tps: f64,
    pub latency_ms: f64,
    pub transactions: u64,
    pub failed: u64,
}

/// `pgbench -n -M prepared -f script -c clients -j 2 -T secs`: prepared statements, like sqlx's
/// statement cache in the service.
pub async fn pgbench(
    url: &str,
    script: &Path,
    clients: usize,
    secs: u64,
) -> anyhow::Result<PgbenchResult> {
    let output = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-f"])
        .arg(script)
        .args([
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &secs.to_string(),
            url,
        ])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running pgbench (is it on PATH?)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("pgbench failed ({}):\n{stdout}\n{stderr}", output.status);
    }
    parse_pgbench(&stdout).with_context(|| format!("reading pgbench's report:\n{stdout}\n{stderr}"))
}

fn parse_pgbench(report: &str) -> anyhow::Result<PgbenchResult> {
    let value = |prefix: &str| -> Option<f64> {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split(['=', ':']).nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let tps = report
        .lines()
        .find(|l| l.starts_with("tps = ") && l.contains("without initial connection time"))
        .and_then(|l| l["tps = ".len()..].split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .context("no `tps = … (without initial connection time)` line")?;
    Ok(PgbenchResult {
        tps,
        latency_ms: value("latency average").unwrap_or(0.0),
        transactions: value("number of transactions actually processed").unwrap_or(0.0) as u64,
        failed: value("number of failed transactions").unwrap_or(0.0) as u64,
    })
}

/// A logged-in buyer and the budget lines it may spend.
pub struct Buyer {
    token: String,
    lines: Vec<i64>,
}

pub async fn login_buyers(client: &reqwest::Client, base: &str) -> anyhow::Result<Vec<Buyer>> {
    let mut buyers = Vec::new();
    for user in 1..=BUYERS {
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({
                "username": seed::username(user),
                "password": seed::PASSWORD,
            }))
            .send()
            .await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let token = body["token"]
            .as_str()
            .with_context(|| format!("logging in {}: {status} {body}", seed::username(user)))?;
        buyers.push(Buyer {
            token: token.to_owned(),
            lines: seed::budget_lines_of(user),
        });
    }
    Ok(buyers)
}

pub struct HttpResult {
    pub completed: u64,
    pub elapsed: Duration,
    pub latencies: Latencies,
    pub errors: BTreeMap<String, u64>,
    pub sample_error: Option<String>,
}

impl HttpResult {
    pub fn tps(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }
}

/// `clients` buyers place one-line orders back to back for `duration`; each request has a
/// fresh Idempotency-Key. Only 201s count; anything else is an error.
pub async fn drive_http(
    client: &reqwest::Client,
    base: &str,
    buyers: &[Buyer],
    clients: usize,
    duration: Duration,
    products: i64,
) -> anyhow::Result<HttpResult> {
    let url = Arc::new(format!("{base}/api/v1/orders"));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for buyer in buyers.iter().take(clients) {
        let client = client.clone();
        let url = url.clone();
        let auth = format!("Bearer {}", buyer.token);
        let lines = buyer.lines.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut errors: BTreeMap<String, u64> = BTreeMap::new();
            let mut sample_error = None;
            let mut completed = 0u64;
            while Instant::now() < deadline {
                let (line, product) = {
                    let mut rng = rand::rng();
                    (
                        lines[rng.random_range(0..lines.len())],
                        rng.random_range(1..=products),
                    )
                };
                let body = serde_json::json!({
                    "budget_line_id": line,
                    "lines": [{"product_id": product, "quantity": 1}],
                    "delivery_address": "bench",
                });
                let sent = Instant::now();
                let response = client
                    .post(url.as_str())
                    .header("authorization", &auth)
                    .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                    .json(&body)
                    .send()
                    .await;
                match response {
                    Ok(response) => {
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        if status == reqwest::StatusCode::CREATED {
                            latencies.push(sent.elapsed());
                            completed += 1;
                        } else {
                            *errors.entry(status.as_u16().to_string()).or_insert(0) += 1;
                            sample_error.get_or_insert(format!("{status} {text}"));
                        }
                    }
                    Err(error) => {
                        *errors.entry("transport".into()).or_insert(0) += 1;
                        sample_error.get_or_insert(error.to_string());
                    }
                }
            }
            (completed, latencies, errors, sample_error)
        }));
    }
    let mut result = HttpResult {
        completed: 0,
        elapsed: Duration::ZERO,
        latencies: Latencies::default(),
        errors: BTreeMap::new(),
        sample_error: None,
    };
    for task in tasks {
        let (completed, latencies, errors, sample_error) = task.await?;
        result.completed += completed;
        result.latencies.extend(&latencies);
        for (k, v) in errors {
            *result.errors.entry(k).or_insert(0) += v;
        }
        if result.sample_error.is_none() {
            result.sample_error = sample_error;
        }
    }
    result.elapsed = start.elapsed();
    let failed: u64 = result.errors.values().sum();
    let total = result.completed + failed;
    if failed * 100 > total {
        bail!(
            "{failed} of {total} order requests failed ({:?}); first: {}",
            result.errors,
            result.sample_error.as_deref().unwrap_or("")
        );
    }
    Ok(result)
}

pub struct OrdersOptions<'a> {
    pub database_url: &'a str,
    pub workdir: &'a Path,
    pub clients: &'a [usize],
    pub duration: Duration,
    pub warmup: Duration,
    pub runs: usize,
    pub products: i64,
    pub fiscal_year: i32,
    pub restriction_cutoff: String,
    pub quiet_wait: Duration,
    pub max_retries: usize,
}

/// A run during which other processes used more of the CPUs than this (percent) is measured
/// again.
const NOISE_PCT: f64 = 10.0;

/// For each client count: a warm-up of both sides, then `runs` × (pgbench, HTTP), each after a
/// CHECKPOINT so neither side pays for the other's dirty pages.
pub async fn run(server: &mut Server, options: &OrdersOptions<'_>) -> anyhow::Result<()> {
    let script = options.workdir.join("order.pgbench.sql");
    std::fs::write(
        &script,
        pgbench_script(
            options.products,
            options.fiscal_year,
            &options.restriction_cutoff,
        ),
    )?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    let buyers = login_buyers(&client, &server.base).await?;
    let scope = Scope {
        gpmall_pid: server.pid(),
        database: crate::pg::admin_url(options.database_url)?.1,
        count_reaped_postgres: false,
    };
    let secs = options.duration.as_secs().max(1);
    let mut summary = Vec::new();
    for &clients in options.clients {
        anyhow::ensure!(
            (1..=BUYERS as usize).contains(&clients),
            "client counts must be between 1 and {BUYERS}"
        );
        crate::checkpoint(options.database_url).await?;
        let warm = pgbench(
            options.database_url,
            &script,
            clients,
            options.warmup.as_secs().max(1),
        )
        .await?;
        let warm_http = drive_http(
            &client,
            &server.base,
            &buyers,
            clients,
            options.warmup,
            options.products,
        )
        .await?;
        println!(
            "warm-up c={clients}: pgbench_tps={:.0} http_tps={:.0} (not counted)",
            warm.tps,
            warm_http.tps()
        );
        let mut run = 1;
        let mut discarded = 0;
        while run <= options.runs {
            crate::checkpoint(options.database_url).await?;
            wait_for_quiet(&scope, options.quiet_wait).await;
            let tracker = CpuTracker::start(&scope);
            let anchor = pgbench(options.database_url, &script, clients, secs).await?;
            let anchor_cpu = tracker.stop().await;
            let anchor_other = anchor_cpu.other_pct();
            if anchor.failed > 0 {
                bail!(
                    "pgbench: {} of {} transactions failed",
                    anchor.failed,
                    anchor.transactions + anchor.failed
                );
            }
            crate::checkpoint(options.database_url).await?;
            wait_for_quiet(&scope, options.quiet_wait).await;
            let tracker = CpuTracker::start(&scope);
            let http = drive_http(
                &client,
                &server.base,
                &buyers,
                clients,
                options.duration,
                options.products,
            )
            .await?;
            let http_cpu = tracker.stop().await;
            let http_other = http_cpu.other_pct();
            server.check_alive()?;
            let ratio = http.tps() / anchor.tps;
            let failed: u64 = http.errors.values().sum();
            let other = http_other.max(anchor_other);
            let noisy = other > NOISE_PCT;
            if noisy && discarded < options.max_retries {
                discarded += 1;
                println!(
                    "  discarded c={clients}: another workload used {other:.0}% of the CPUs (ratio would read {ratio:.2}, http_tps={:.1} pgbench_tps={:.1}); measuring again",
                    http.tps(),
                    anchor.tps
                );
                continue;
            }
            println!(
                "orders_http_per_pgbench c={clients} ratio={ratio:.2} http_tps={:.1} pgbench_tps={:.1} p50_ms={:.2} p99_ms={:.2} run={run}{}",
                http.tps(),
                anchor.tps,
                http.latencies.percentile_ms(50.0),
                http.latencies.percentile_ms(99.0),
                if noisy { " NOISY" } else { "" }
            );
            println!(
                "  detail c={clients} run={run}: http orders={} errors={failed} mean_ms={:.2} p90_ms={:.2} max_ms={:.2}; pgbench tx={} latency_avg_ms={:.2}",
                http.completed,
                http.latencies.mean_ms(),
                http.latencies.percentile_ms(90.0),
                http.latencies.percentile_ms(100.0),
                anchor.transactions,
                anchor.latency_ms,
            );
            println!(
                "  cpu_ms_per_order c={clients} run={run} http: {} (other workloads {http_other:.0}% of the CPUs)",
                http_cpu.per_unit_ms(http.completed)
            );
            println!(
                "  cpu_ms_per_order c={clients} run={run} pgbench: {} (other workloads {anchor_other:.0}% of the CPUs)",
                anchor_cpu.per_unit_ms(anchor.transactions)
            );
            if noisy {
                println!(
                    "  WARNING: another workload used more than {NOISE_PCT}% of the CPUs during this run and retries ran out; its ratio is not comparable"
                );
            }
            summary.push((
                clients,
                run,
                ratio,
                http.latencies.percentile_ms(99.0),
                noisy,
            ));
            run += 1;
        }
    }
    println!("summary:");
    for (clients, run, ratio, p99, noisy) in summary {
        println!(
            "  c={clients} run={run} ratio={ratio:.2} p99_ms={p99:.2}{}",
            if noisy { " NOISY" } else { "" }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pgbench_report() {
        let report = "transaction type: order.sql\nscaling factor: 1\nquery mode: prepared\n\
            number of clients: 8\nnumber of threads: 2\nmaximum number of tries: 1\nduration: 15 s\n\
            number of transactions actually processed: 30123\n\
            number of failed transactions: 0 (0.000%)\nlatency average = 3.984 ms\n\
            initial connection time = 12.345 ms\ntps = 2008.123456 (without initial connection time)\n";
        let r = parse_pgbench(report).unwrap();
        assert_eq!(r.tps, 2008.123456);
        assert_eq!(r.latency_ms, 3.984);
        assert_eq!(r.transactions, 30123);
        assert_eq!(r.failed, 0);
    }
}
