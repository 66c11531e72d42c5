//! Search postings: one row per (search term, product) with what a search filters and sorts on,
//! so a page of results is read from a B-tree in index order and stops early, on SQLite and
//! PostgreSQL alike. Replaces the FTS5 table (SQLite) and the GIN tsvector (PostgreSQL).
//!
//! - `term`: a token of the product (see `gpmall_mall::domain::search::postings`), or `''` for
//!   every product (searches without words).
//! - `score`: 3 if the term is in the product name, 2 if in the brand or model only, 1 if only
//!   in the category name or specification, 0 for `''`.
//! - `price_fen`, `category_code`: copies of the product's.
//! - `sme`: the supplier is a medium, small or micro enterprise.
//! - `visible`: the product is listed and its supplier is in good credit standing.
//!
//! The service writes a product's rows when it creates the product or changes its text; the
//! triggers below keep `price_fen`, `category_code`, `sme` and `visible` in step with `products`
//! and `organizations` in the same transaction as whatever changes them (a review, a price
//! change, a credit penalty), however it is written. The migration fills the table for existing
//! products with a copy of the tokenizer as of this migration.

use std::collections::BTreeSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &[&str] = &[
    r#"CREATE TABLE search_postings (
        term TEXT COLLATE "C" NOT NULL,
        product_id BIGINT NOT NULL,
        score INTEGER NOT NULL,
        price_fen BIGINT NOT NULL,
        category_code TEXT COLLATE "C" NOT NULL,
        sme BOOLEAN NOT NULL,
        visible BOOLEAN NOT NULL,
        PRIMARY KEY (term, product_id)
    )"#,
    "CREATE INDEX search_postings_rank ON search_postings \
        (term, visible, score DESC, price_fen, product_id) INCLUDE (category_code, sme)",
    "CREATE INDEX search_postings_price ON search_postings \
        (term, visible, price_fen, product_id) INCLUDE (category_code, sme, score)",
    "CREATE INDEX search_postings_category ON search_postings \
        (term, visible, category_code, price_fen, product_id) INCLUDE (sme, score)",
    "CREATE INDEX search_postings_product ON search_postings (product_id)",
    r#"CREATE FUNCTION search_postings_product_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_postings SET price_fen = NEW.price_fen, category_code = NEW.category_code,
            visible = (NEW.status = 'listed' AND EXISTS (SELECT 1 FROM organizations o
                WHERE o.id = NEW.supplier_id AND o.credit_status = 'good'))
        WHERE product_id = NEW.id;
        RETURN NULL;
    END $$"#,
    "CREATE TRIGGER search_postings_product_sync \
        AFTER UPDATE OF status, price_fen, category_code, supplier_id ON products FOR EACH ROW \
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.price_fen IS DISTINCT FROM NEW.price_fen \
            OR OLD.category_code IS DISTINCT FROM NEW.category_code \
            OR OLD.supplier_id IS DISTINCT FROM NEW.supplier_id) \
        EXECUTE FUNCTION search_postings_product_sync()",
    r#"CREATE FUNCTION search_postings_supplier_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_postings sp
        SET sme = COALESCE(NEW.enterprise_size IN ('medium','small','micro'), FALSE),
            visible = (NEW.credit_status = 'good' AND p.status = 'listed')
        FROM products p WHERE p.id = sp.product_id AND p.supplier_id = NEW.id;
        RETURN NULL;
    END $$"#,
    "CREATE TRIGGER search_postings_supplier_sync \
        AFTER UPDATE OF credit_status, enterprise_size ON organizations FOR EACH ROW \
        WHEN (OLD.credit_status IS DISTINCT FROM NEW.credit_status \
            OR OLD.enterprise_size IS DISTINCT FROM NEW.enterprise_size) \
        EXECUTE FUNCTION search_postings_supplier_sync()",
    "DROP INDEX IF EXISTS products_search",
    "ALTER TABLE products DROP COLUMN IF EXISTS search_vector",
];

const SQLITE: &[&str] = &[
    "CREATE TABLE search_postings (
        term TEXT NOT NULL,
        product_id BIGINT NOT NULL,
        score INTEGER NOT NULL,
        price_fen BIGINT NOT NULL,
        category_code TEXT NOT NULL,
        sme BOOLEAN NOT NULL,
        visible BOOLEAN NOT NULL,
        PRIMARY KEY (term, product_id)
    ) WITHOUT ROWID",
    "CREATE INDEX search_postings_rank ON search_postings \
        (term, visible, score DESC, price_fen, product_id, category_code, sme)",
    "CREATE INDEX search_postings_price ON search_postings \
        (term, visible, price_fen, product_id, category_code, sme, score)",
    "CREATE INDEX search_postings_category ON search_postings \
        (term, visible, category_code, price_fen, product_id, sme, score)",
    "CREATE INDEX search_postings_product ON search_postings (product_id)",
    "CREATE TRIGGER search_postings_product_sync
        AFTER UPDATE OF status, price_fen, category_code, supplier_id ON products
    BEGIN
        UPDATE search_postings SET price_fen = NEW.price_fen, category_code = NEW.category_code,
            visible = (NEW.status = 'listed' AND EXISTS (SELECT 1 FROM organizations o
                WHERE o.id = NEW.supplier_id AND o.credit_status = 'good'))
        WHERE product_id = NEW.id;
    END",
    "CREATE TRIGGER search_postings_supplier_sync
        AFTER UPDATE OF credit_status, enterprise_size ON organizations
    BEGIN
        UPDATE search_postings
        SET sme = COALESCE(NEW.enterprise_size IN ('medium','small','micro'), 0),
            visible = (NEW.credit_status = 'good' AND EXISTS (SELECT 1 FROM products p
                WHERE p.id = search_postings.product_id AND p.status = 'listed'))
        WHERE product_id IN (SELECT id FROM products WHERE supplier_id = NEW.id);
    END",
    "DROP TRIGGER IF EXISTS products_fts_insert",
    "DROP TRIGGER IF EXISTS products_fts_delete",
    "DROP TRIGGER IF EXISTS products_fts_update",
    "DROP TABLE IF EXISTS products_fts",
];

/// What `down` puts back: the search structures of the foundation migration.
const OLD_POSTGRES_SEARCH: &str = r#"
ALTER TABLE products ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_tokens, ' '))) STORED;
CREATE INDEX products_search ON products USING GIN (search_vector)
"#;

const OLD_SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE products_fts USING fts5(search_tokens, content='products', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
    END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_tokens ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO products_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END",
];

/// Products read per batch while filling the table.
const BATCH: i64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let statements = match backend {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for statement in statements {
            conn.execute_unprepared(statement).await?;
        }
        let mut after = 0i64;
        loop {
            let rows = conn
                .query_all_raw(statement(
                    backend,
                    "SELECT p.id, p.name, p.brand, p.model, p.specification, \
                     c.name AS category_name FROM products p \
                     JOIN categories c ON c.code = p.category_code \
                     WHERE p.id > ? ORDER BY p.id LIMIT ?",
                    vec![after.into(), BATCH.into()],
                ))
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("", "id")?;
            for row in &rows {
                let id: i64 = row.try_get("", "id")?;
                let field = |name: &str| row.try_get::<String>("", name);
                let postings = postings(
                    &field("name")?,
                    &field("brand")?,
                    &field("model")?,
                    &field("category_name")?,
                    &field("specification")?,
                );
                insert_postings(conn, backend, id, &postings).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for statement in [
                    "DROP TABLE IF EXISTS search_postings",
                    "DROP TRIGGER IF EXISTS search_postings_product_sync ON products",
                    "DROP TRIGGER IF EXISTS search_postings_supplier_sync ON organizations",
                    "DROP FUNCTION IF EXISTS search_postings_product_sync()",
                    "DROP FUNCTION IF EXISTS search_postings_supplier_sync()",
                ] {
                    conn.execute_unprepared(statement).await?;
                }
                crate::run_ddl(manager, OLD_POSTGRES_SEARCH).await
            }
            _ => {
                for statement in [
                    "DROP TRIGGER IF EXISTS search_postings_product_sync",
                    "DROP TRIGGER IF EXISTS search_postings_supplier_sync",
                    "DROP TABLE IF EXISTS search_postings",
                ] {
                    conn.execute_unprepared(statement).await?;
                }
                for statement in OLD_SQLITE_SEARCH {
                    conn.execute_unprepared(statement).await?;
                }
                conn.execute_unprepared("INSERT INTO products_fts(products_fts) VALUES('rebuild')")
                    .await?;
                Ok(())
            }
        }
    }
}

fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Writes a product's postings (the same statement as `gpmall_mall::repo::search`).
async fn insert_postings<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    product_id: i64,
    postings: &[(String, i32)],
) -> Result<(), DbErr> {
    for chunk in postings.chunks(200) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2 + 1);
        let mut rows = Vec::with_capacity(chunk.len());
        for (term, score) in chunk {
            rows.push("(?, ?)");
            values.push(term.clone().into());
            values.push((*score).into());
        }
        values.push(product_id.into());
        let sql = format!(
            "INSERT INTO search_postings \
             (term, product_id, score, price_fen, category_code, sme, visible) \
             SELECT v.column1, p.id, v.column2, p.price_fen, p.category_code, \
             COALESCE(o.enterprise_size IN ('medium','small','micro'), FALSE), \
             (p.status = 'listed' AND o.credit_status = 'good') \
             FROM (VALUES {}) AS v \
             JOIN products p ON p.id = ? JOIN organizations o ON o.id = p.supplier_id",
            rows.join(", ")
        );
        conn.execute_raw(statement(backend, &sql, values)).await?;
    }
    Ok(())
}

// The tokenizer as of this migration (`gpmall_mall::domain::search`, version 1), frozen here so
// that the migration does not change when the service's tokenizer does. Since migration 8 the
// service rewrites postings written by an older tokenizer, so this copy stays as it was.

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn field_tokens(field: &str, tokens: &mut BTreeSet<String>) {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in normalize(field).chars() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, runs.last_mut()) {
            (Some(k), Some((last_kind, run))) if *last_kind == k && !run.is_empty() => run.push(c),
            (Some(k), _) => runs.push((k, c.to_string())),
            (None, Some((_, run))) if !run.is_empty() => runs.push((false, String::new())),
            (None, _) => {}
        }
    }
    for (cjk, run) in runs.into_iter().filter(|(_, r)| !r.is_empty()) {
        if cjk {
            let chars: Vec<char> = run.chars().collect();
            tokens.extend(chars.iter().map(|c| c.to_string()));
            tokens.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
        } else {
            tokens.insert(run);
        }
    }
}

/// A product's postings: `('', 0)` and every token with its score (3 name, 2 brand or model,
/// 1 otherwise), sorted by term.
fn postings(
    name: &str,
    brand: &str,
    model: &str,
    category_name: &str,
    specification: &str,
) -> Vec<(String, i32)> {
    let mut in_name = BTreeSet::new();
    field_tokens(name, &mut in_name);
    let mut in_brand_model = BTreeSet::new();
    field_tokens(brand, &mut in_brand_model);
    field_tokens(model, &mut in_brand_model);
    let mut all = in_name.clone();
    all.extend(in_brand_model.iter().cloned());
    field_tokens(category_name, &mut all);
    field_tokens(specification, &mut all);
    let mut out = vec![(String::new(), 0)];
    for term in all {
        let score = if in_name.contains(&term) {
            3
        } else if in_brand_model.contains(&term) {
            2
        } else {
            1
        };
        out.push((term, score));
    }
    out
}
