//! The benchmark's data: a fresh database, then categories with limits that never bind, 100
//! suppliers, 32 purchasing units with one buyer each, 1,000 budget lines and 100,000 listed
//! products, loaded with COPY.
//!
//! Ids are fixed so the pgbench anchor can pick rows without looking them up: supplier
//! organizations 1..=100, purchaser organizations 101..=132, user `u` (1..=32) belongs to
//! organization 100 + u, budget line `b` (1..=1000) belongs to user ((b - 1) % 32) + 1, products
//! are 1..=N.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use gpmall_mall::domain::search::{index_tokens, postings};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::{CATEGORIES, FAMILIES, Family};
use crate::pg::{self, csv_field};

pub const SUPPLIERS: i64 = 100;
pub const BUYERS: i64 = 32;
pub const BUDGET_LINES: i64 = 1_000;
pub const PASSWORD: &str = "bench-Passw0rd";
/// 1,000,000 yuan for every category: the direct-purchase limit never refuses a bench order.
const CATEGORY_LIMIT_FEN: i64 = 100_000_000;
/// Budgets and stock that a benchmark cannot exhaust.
const BUDGET_FEN: i64 = 1_000_000_000_000_000;
const STOCK: i64 = 10_000_000;
const SIZES: [&str; 4] = ["large", "medium", "small", "micro"];

pub fn username(user: i64) -> String {
    format!("bench-buyer-{user}")
}

/// The organization of buyer `user` (1-based).
pub fn buyer_org(user: i64) -> i64 {
    SUPPLIERS + user
}

/// The budget lines owned by buyer `user` (1-based).
pub fn budget_lines_of(user: i64) -> Vec<i64> {
    (1..=BUDGET_LINES)
        .filter(|b| (b - 1) % BUYERS == user - 1)
        .collect()
}

/// Drops and recreates the benchmark database.
pub async fn recreate_database(url: &str) -> anyhow::Result<()> {
    let (admin, name) = pg::admin_url(url)?;
    pg::exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE);\nCREATE DATABASE {name};\n"),
        "recreating the benchmark database",
    )
    .await
}

pub struct Seeded {
    pub products: i64,
    pub fiscal_year: i32,
}

/// Loads everything after `gpmall migrate` has created the schema.
pub async fn seed(url: &str, products: i64, fiscal_year: i32) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now = Utc::now();
    let ts = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut sql = String::from("BEGIN;\n");
    for (code, name, name_en, parent) in CATEGORIES {
        let parent = parent.map_or("NULL".to_owned(), |p| format!("'{p}'"));
        writeln!(
            sql,
            "INSERT INTO categories (code, name, name_en, parent_code, sort_order) \
             VALUES ('{code}', '{name}', '{name_en}', {parent}, 0);"
        )?;
        writeln!(
            sql,
            "INSERT INTO category_limits (category_code, fiscal_year, direct_purchase_limit_fen) \
             VALUES ('{code}', {fiscal_year}, {CATEGORY_LIMIT_FEN});"
        )?;
    }
    for s in 1..=SUPPLIERS {
        writeln!(
            sql,
            "INSERT INTO organizations (id, kind, name, credit_code, enterprise_size, credit_status, region, created_at) \
             VALUES ({s}, 'supplier', '压测供应商{s:03}有限公司', NULL, '{}', 'good', '重庆市江北区', '{ts}');",
            SIZES[(s % 4) as usize]
        )?;
    }
    let hash = tokio::task::spawn_blocking(|| {
        gpmall_platform::identity::password::hash_password(PASSWORD)
    })
    .await?;
    anyhow::ensure!(!hash.is_empty(), "hashing the buyers' password failed");
    for u in 1..=BUYERS {
        let org = buyer_org(u);
        writeln!(
            sql,
            "INSERT INTO organizations (id, kind, name, credit_code, enterprise_size, credit_status, region, created_at) \
             VALUES ({org}, 'purchaser', '压测采购单位{u:02}', NULL, NULL, 'good', '重庆市江北区', '{ts}');"
        )?;
        writeln!(
            sql,
            "INSERT INTO users (id, org_id, username, display_name, password_hash, roles, disabled, created_at) \
             VALUES ({u}, {org}, '{}', '压测采购员{u:02}', '{hash}', 'buyer', FALSE, '{ts}');",
            username(u)
        )?;
    }
    writeln!(
        sql,
        "INSERT INTO budget_lines (id, org_id, code, fiscal_year, fund_source, amount_fen, remaining_fen, created_at) \
         SELECT b, {SUPPLIERS} + ((b - 1) % {BUYERS}) + 1, 'BENCH-' || lpad(b::text, 4, '0'), {fiscal_year}, \
         '一般公共预算', {BUDGET_FEN}, {BUDGET_FEN}, '{ts}' FROM generate_series(1, {BUDGET_LINES}) AS b;"
    )?;
    sql.push_str("COMMIT;\n");
    pg::exec(url, &sql, "seeding organizations, users and budget lines").await?;

    let (csv, postings_csv) =
        tokio::task::spawn_blocking(move || products_csv(products, now)).await?;
    pg::copy_csv(
        url,
        "products",
        "id, supplier_id, category_code, name, brand, model, specification, unit, price_fen, \
         reference_price_fen, stock, delivery_regions, lead_days, status, status_reason, \
         price_flagged, search_tokens, created_at, updated_at",
        csv.as_bytes(),
    )
    .await
    .context("loading products")?;
    load_postings(url, postings_csv.as_bytes()).await?;
    pg::exec(
        url,
        "SELECT setval(pg_get_serial_sequence('organizations', 'id'), (SELECT max(id) FROM organizations));\n\
         SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));\n\
         SELECT setval(pg_get_serial_sequence('budget_lines', 'id'), (SELECT max(id) FROM budget_lines));\n\
         SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT max(id) FROM products));\n",
        "advancing the id sequences",
    )
    .await?;
    let count: i64 = pg::query(url, "SELECT count(*) FROM products WHERE status = 'listed'")
        .await?
        .parse()
        .context("counting products")?;
    anyhow::ensure!(
        count == products,
        "seeded {count} listed products, expected {products}"
    );
    println!(
        "seeded {products} products, {SUPPLIERS} suppliers, {BUYERS} buyers, {BUDGET_LINES} budget lines \
         (fiscal year {fiscal_year}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded {
        products,
        fiscal_year,
    })
}

/// Loads the search postings: the migration's secondary indexes are dropped, the rows copied
/// in and the same indexes built again (faster than maintaining them row by row).
async fn load_postings(url: &str, csv: &[u8]) -> anyhow::Result<()> {
    let definitions = pg::query(
        url,
        "SELECT string_agg(indexdef, E';\n') FROM pg_indexes \
         WHERE tablename = 'search_postings' AND indexname <> 'search_postings_pkey'",
    )
    .await?;
    let names = pg::query(
        url,
        "SELECT string_agg(indexname, ', ') FROM pg_indexes \
         WHERE tablename = 'search_postings' AND indexname <> 'search_postings_pkey'",
    )
    .await?;
    anyhow::ensure!(
        !definitions.is_empty() && !names.is_empty(),
        "search_postings has no indexes: is the schema migrated?"
    );
    pg::exec(
        url,
        &format!("DROP INDEX {names};\n"),
        "dropping the postings indexes",
    )
    .await?;
    pg::copy_csv(
        url,
        "search_postings",
        "term, product_id, score, price_fen, category_code, sme, visible",
        csv,
    )
    .await
    .context("loading search postings")?;
    pg::exec(
        url,
        &format!("SET maintenance_work_mem = '512MB';\n{definitions};\n"),
        "building the postings indexes",
    )
    .await
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn pick_family(rng: &mut StdRng) -> &'static Family {
    let total: u32 = FAMILIES.iter().map(|f| f.weight).sum();
    let mut roll = rng.random_range(0..total);
    for family in FAMILIES {
        if roll < family.weight {
            return family;
        }
        roll -= family.weight;
    }
    &FAMILIES[0]
}

/// Whether supplier `s` is a medium, small or micro enterprise (see the organizations above).
fn is_sme(supplier: i64) -> bool {
    SIZES[(supplier % 4) as usize] != "large"
}

/// The products as CSV, deterministic for a given count (fixed RNG seed), and their search
/// postings as CSV, computed as the service computes them (`domain::search::postings`; every
/// product is listed and every supplier in good standing, so every posting is visible).
fn products_csv(count: i64, now: DateTime<Utc>) -> (String, String) {
    let category_name = |code: &str| CATEGORIES.iter().find(|c| c.0 == code).map_or("", |c| c.1);
    let ts = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut rng = StdRng::seed_from_u64(20261126);
    let mut out = String::with_capacity(count as usize * 700);
    let mut postings_out = String::with_capacity(count as usize * 2_000);
    for id in 1..=count {
        let family = pick_family(&mut rng);
        let (brand, models) = pick(&mut rng, family.brands);
        let model = *pick(&mut rng, models);
        let noun = *pick(&mut rng, family.nouns);
        let variant = *pick(&mut rng, family.variants);
        let extra = *pick(&mut rng, family.extras);
        let name = format!("{brand} {model} {noun} {variant}");
        let specification = format!("{variant}；{extra}");
        let (low, high) = family.price_yuan;
        let price_fen = rng.random_range(low..=high) * 100 + [0, 0, 50, 90][rng.random_range(0..4)];
        let reference_price_fen = price_fen + price_fen * rng.random_range(5..=20) / 100;
        let supplier = rng.random_range(1..=SUPPLIERS);
        let tokens = index_tokens(&[
            &name,
            brand,
            model,
            category_name(family.category),
            &specification,
        ]);
        let _ = write!(out, "{id},{supplier},{},", family.category);
        for field in [
            name.as_str(),
            brand,
            model,
            specification.as_str(),
            family.unit,
        ] {
            csv_field(&mut out, field);
            out.push(',');
        }
        let regions = if id % 3 == 0 {
            "重庆市全域"
        } else {
            "重庆市江北区"
        };
        let _ = write!(
            out,
            "{price_fen},{reference_price_fen},{STOCK},{regions},{},listed,,false,",
            rng.random_range(1..=7)
        );
        csv_field(&mut out, &tokens);
        let _ = writeln!(out, ",{ts},{ts}");
        let sme = is_sme(supplier);
        for (term, score) in postings(
            &name,
            brand,
            model,
            category_name(family.category),
            &specification,
        ) {
            csv_field(&mut postings_out, &term);
            let _ = writeln!(
                postings_out,
                ",{id},{score},{price_fen},{},{sme},true",
                family.category
            );
        }
    }
    (out, postings_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_lines_are_split_over_the_buyers() {
        let all: usize = (1..=BUYERS).map(|u| budget_lines_of(u).len()).sum();
        assert_eq!(all as i64, BUDGET_LINES);
        assert_eq!(budget_lines_of(1)[..2], [1, 33]);
        assert_eq!(buyer_org(1), 101);
    }

    #[test]
    fn products_csv_has_one_row_per_product() {
        let (csv, postings) = products_csv(50, Utc::now());
        assert_eq!(csv.lines().count(), 50);
        assert!(csv.starts_with("1,"));
        assert!(postings.starts_with("\"\",1,0,"));
        assert!(postings.lines().count() > 50 * 10);
    }
}
