//! Product search SQL over `search_postings` (one row per search term and product, see
//! migration `m20261126_000007_search_postings`), the same on SQLite and PostgreSQL.
//!
//! A page is read from a B-tree of the postings of one term (the *driving* term) in the order
//! asked for, and stops once the page is full: `(term, visible, score DESC, category_code,
//! price_fen, product_id)` for relevance, `(term, visible, price_fen, product_id)` for price (backwards for
//! descending), the primary key `(term, product_id)` backwards for newest, and `(term, visible,
//! category_code, price_fen, product_id)` when a category narrows the search. Category, price
//! and SME filters are columns of the posting, so they are checked in the index without
//! visiting products. With several terms the driving term is the one whose best-ranked postings
//! match the other terms most often (see [`choose_driving_term`]; the choice is remembered for a
//! few minutes); each other term is an indexed lookup on the primary key for every posting
//! read. Only the page's rows are joined to products, suppliers and categories. The page and
//! its count are unprepared statements run side by side, and the count is shared by the
//! searches of one catalogue generation.
//!
//! Only listed products of suppliers in good credit standing are returned: `visible` is kept in
//! step with `products.status` and `organizations.credit_status` by triggers, in the same
//! transaction as the change, and the page's rows are checked again against the products and
//! suppliers they are joined to.
//!
//! Relevance: the score of the driving term for the product (4 if it ends the name's head noun,
//! 3 if it is elsewhere in the name, 2 if only in its brand or model, 1 if only in its category
//! name or specification), then the category in catalogue order, then price ascending, then id
//! ascending. For one-term queries that is the term's score.
//!
//! The total is exact up to [`TOTAL_CAP`] matches (or up to the end of the requested page, when
//! that is further); beyond that it is a lower bound and `total_exact` is false.

use std::sync::LazyLock;
use std::time::Duration;

use gpmall_platform::Money;
use gpmall_platform::db::{query_all, query_all_unprepared, query_one, stmt};
use gpmall_platform::pipeline::{PgPipeline, Row};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait, Value};

use crate::domain::search::{ALL_PRODUCTS_TERM, TOKENIZER_VERSION};
use crate::service::catalog::ProductView;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Relevance,
    PriceAsc,
    /// Price descending, ties by id descending.
    PriceDesc,
    Newest,
}

#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Terms that must all match (from `domain::search::query_terms`).
    pub terms: Vec<String>,
    /// Category code; matches the category and everything under it.
    pub category_prefix: Option<String>,
    pub min_price_fen: Option<i64>,
    pub max_price_fen: Option<i64>,
    pub supplier_id: Option<i64>,
    pub sme_only: bool,
}

pub const PRODUCT_COLUMNS: &str = "p.id, p.supplier_id, p.category_code, p.name, p.brand, p.model, \
    p.specification, p.unit, p.price_fen, p.reference_price_fen, p.stock, p.delivery_regions, \
    p.lead_days, o.name AS supplier_name, o.enterprise_size, c.name AS category_name";

/// Matches are counted exactly up to this many (or to the end of the requested page).
pub const TOTAL_CAP: u64 = 1_000;

/// Postings counted per query term to break ties when choosing the driving term.
pub const TERM_COUNT_CAP: i64 = 2_000;

/// Postings written per statement.
const INSERT_CHUNK: usize = 200;

/// One page of matches.
#[derive(Debug)]
pub struct SearchPage {
    pub items: Vec<ProductView>,
    /// The number of matches; a lower bound when `total_exact` is false.
    pub total: u64,
    pub total_exact: bool,
}

/// The upper end of a prefix range: every string that starts with `prefix` sorts at or after
/// `prefix` and before this (byte order: the `C` collation on PostgreSQL, `BINARY` on SQLite).
/// For an ASCII prefix that is the prefix with its last character incremented (`A02` → `A03`),
/// which can be written into the SQL; otherwise the prefix followed by the highest code point.
fn prefix_upper_bound(prefix: &str) -> String {
    if let Some(last) = prefix.chars().last()
        && last.is_ascii_alphanumeric()
        && prefix.is_ascii()
    {
        let mut upper = prefix[..prefix.len() - 1].to_owned();
        upper.push(char::from(last as u8 + 1));
        return upper;
    }
    let mut upper = prefix.to_owned();
    upper.push(char::MAX);
    upper
}

/// Returns one page of matches and their total.
///
/// Two statements, the page and the capped count, run side by side on two connections; with
/// several terms another statement first chooses the driving term (remembered). When every
/// value can be written into the SQL (the usual case) the statements are not prepared:
/// PostgreSQL plans each for its own terms and limits. With `catalogue_state` (the catalogue
/// generation the caller read, which every product change bumps, qualified by the deployment's
/// cache namespace) the count is shared by the searches of that state with the same words and
/// filters (other pages, other orders, and concurrent requests, which wait for the one count
/// rather than each run it).
pub async fn search(
    db: &DatabaseConnection,
    pipeline: Option<&PgPipeline>,
    filter: &SearchFilter,
    sort: SortOrder,
    limit: u64,
    offset: u64,
    catalogue_state: Option<&str>,
) -> Result<SearchPage, DbErr> {
    let has_terms = !filter.terms.is_empty();
    // The conditions on the driving term's postings other than the term itself, and the
    // values they bind.
    let mut filter_values: Vec<Value> = Vec::new();
    let mut filters = vec!["d.visible = TRUE".to_owned()];
    if let Some(prefix) = &filter.category_prefix {
        let prefix = prefix.replace(['%', '_'], "");
        if !prefix.is_empty() {
            let upper = prefix_upper_bound(&prefix);
            let low = text(&prefix, &mut filter_values);
            let high = text(&upper, &mut filter_values);
            filters.push(format!(
                "d.category_code >= {low} AND d.category_code < {high}"
            ));
        }
    }
    if let Some(min) = filter.min_price_fen {
        filters.push(format!("d.price_fen >= {min}"));
    }
    if let Some(max) = filter.max_price_fen {
        filters.push(format!("d.price_fen <= {max}"));
    }
    if filter.sme_only {
        filters.push("d.sme = TRUE".into());
    }
    if let Some(supplier) = filter.supplier_id {
        // A semi-join the planner may drive from the supplier's products (its index), rather
        // than a check per posting read in order: one supplier's products are few.
        filters.push(format!(
            "d.product_id IN (SELECT sp.id FROM products sp WHERE sp.supplier_id = {supplier})"
        ));
    }
    let order_by = match sort {
        SortOrder::Relevance if has_terms => {
            "d.score DESC, d.category_code ASC, d.price_fen ASC, d.product_id ASC"
        }
        SortOrder::Relevance | SortOrder::Newest => "d.product_id DESC",
        SortOrder::PriceAsc => "d.price_fen ASC, d.product_id ASC",
        SortOrder::PriceDesc => "d.price_fen DESC, d.product_id DESC",
    };
    let (driving, others): (String, Vec<String>) = match filter.terms.as_slice() {
        [] => (ALL_PRODUCTS_TERM.to_owned(), Vec::new()),
        [only] => (only.clone(), Vec::new()),
        terms => {
            let filters = Filters {
                sql: filters.join(" AND "),
                values: &filter_values,
            };
            let best = choose_driving_term(db, pipeline, terms, &filters, order_by).await?;
            let others = terms
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != best)
                .map(|(_, t)| t.clone())
                .collect();
            (terms[best].clone(), others)
        }
    };
    let mut values: Vec<Value> = Vec::new();
    let mut conditions = vec![format!("d.term = {}", text(&driving, &mut values))];
    conditions.extend(filters);
    values.extend(filter_values);
    // The other terms: for a page, a lookup per posting read in order (a scalar subquery, so
    // that the scan stays in index order and stops with the page); for the count, `EXISTS`,
    // which the planner may turn into a join of the posting lists.
    let mut page_conditions = conditions.clone();
    let mut count_conditions = conditions;
    for (i, term) in others.iter().enumerate() {
        let lookup = term_lookup(i, &text(term, &mut values), "d");
        page_conditions.push(format!("({lookup}) IS NOT NULL"));
        count_conditions.push(format!("EXISTS ({lookup})"));
    }
    let page_sql = format!(
        "SELECT {PRODUCT_COLUMNS}, d.score AS rank FROM \
         (SELECT d.product_id, d.score, d.category_code, d.price_fen FROM search_postings d \
         WHERE {} \
         ORDER BY {order_by} LIMIT {} OFFSET {}) d \
         JOIN products p ON p.id = d.product_id \
         JOIN organizations o ON o.id = p.supplier_id \
         JOIN categories c ON c.code = p.category_code \
         WHERE p.status = 'listed' AND o.credit_status = 'good' \
         ORDER BY {order_by}",
        page_conditions.join(" AND "),
        clamp(limit),
        clamp(offset),
    );
    // Counted up to the end of the page or one past the cap, whichever is further.
    let bound = TOTAL_CAP.max(offset.saturating_add(limit));
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM search_postings d WHERE {} LIMIT {}) x",
        count_conditions.join(" AND "),
        clamp(bound.saturating_add(1)),
    );
    // The page and the count go to the database side by side; searches of one catalogue
    // generation share their count.
    let count_now = || async {
        match run(db, pipeline, &count_sql, values.clone()).await?.first() {
            Some(row) => row.get::<i64>("n"),
            None => Ok(0),
        }
    };
    let count = async {
        match catalogue_state {
            Some(state) => COUNTS
                .try_get_with(format!("{state}|{count_sql}|{values:?}"), count_now())
                .await
                .map_err(|e| DbErr::Custom(e.to_string())),
            None => count_now().await,
        }
    };
    let (rows, counted) = tokio::try_join!(run(db, pipeline, &page_sql, values.clone()), count)?;
    let rows = rows
        .iter()
        .map(product_view)
        .collect::<Result<Vec<_>, _>>()?;
    let counted = counted.max(0) as u64;
    let found = rows.len() as u64;
    // A short page that is not past the end ends the matches: the total is known.
    if found < limit && (found > 0 || offset == 0) {
        return Ok(SearchPage {
            items: rows,
            total: offset + found,
            total_exact: true,
        });
    }
    Ok(SearchPage {
        items: rows,
        total: counted.min(bound),
        total_exact: counted <= bound,
    })
}

/// A listed product of a supplier in good standing, as purchasers see it.
pub async fn listed_product(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<ProductView>, DbErr> {
    let row = query_one(
        db,
        stmt(
            db.get_database_backend(),
            &format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p \
                 JOIN organizations o ON o.id = p.supplier_id \
                 JOIN categories c ON c.code = p.category_code \
                 WHERE p.id = ? AND p.status = 'listed' AND o.credit_status = 'good'"
            ),
            [id.into()],
        ),
    )
    .await?;
    row.map(|row| product_view(&Row::Sea(row))).transpose()
}

/// A row of [`PRODUCT_COLUMNS`] as the product's view.
fn product_view(row: &Row) -> Result<ProductView, DbErr> {
    Ok(ProductView {
        id: row.get("id")?,
        name: row.get("name")?,
        brand: row.get("brand")?,
        model: row.get("model")?,
        specification: row.get("specification")?,
        unit: row.get("unit")?,
        price: Money::from_fen(row.get("price_fen")?),
        reference_price: Money::from_fen(row.get("reference_price_fen")?),
        stock: row.get("stock")?,
        supplier_id: row.get("supplier_id")?,
        supplier_name: row.get("supplier_name")?,
        enterprise_size: row.get("enterprise_size")?,
        category: row.get("category_code")?,
        category_name: row.get("category_name")?,
        lead_days: row.get("lead_days")?,
        delivery_regions: row.get("delivery_regions")?,
    })
}

/// Runs `sql` unprepared when it has no parameters (see [`search`]), else prepared. On
/// PostgreSQL the unprepared statement goes through the pipelined pool: one round trip, where
/// sqlx adds another when it takes the connection back.
async fn run(
    db: &DatabaseConnection,
    pipeline: Option<&PgPipeline>,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<Row>, DbErr> {
    let rows = match (values.is_empty(), pipeline) {
        (true, Some(pipeline)) => return pipeline.query_unprepared(sql).await,
        (true, None) => query_all_unprepared(db, sql).await?,
        (false, _) => query_all(db, stmt(db.get_database_backend(), sql, values)).await?,
    };
    Ok(rows.into_iter().map(Row::Sea).collect())
}

/// The lookup of another query term (SQL `term`) for the product of posting `outer`, as the
/// `i`-th other term.
fn term_lookup(i: usize, term: &str, outer: &str) -> String {
    format!(
        "SELECT 1 FROM search_postings t{i} \
         WHERE t{i}.term = {term} AND t{i}.product_id = {outer}.product_id"
    )
}

/// `value` as an SQL string literal when it consists of letters, digits and a few harmless
/// signs only (no quoting needed, and none of `?`, which `stmt` would take for a placeholder),
/// else as a bound parameter (and the statement is then prepared).
fn text(value: &str, values: &mut Vec<Value>) -> String {
    // `:`, `[` and `{` follow `9`, `Z` and `z`: the ends of incremented prefixes; `-` joins a
    // hyphenated model number.
    if value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ':' | '[' | '{' | '-'))
    {
        format!("'{value}'")
    } else {
        values.push(value.to_owned().into());
        "?".to_owned()
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The conditions of a search other than its words, written as SQL on the postings `d`, and
/// the values they bind, in order.
struct Filters<'a> {
    sql: String,
    values: &'a [Value],
}

/// Recent choices of the driving term, by the search's words, filters and order. A choice only
/// steers the plan, never the result (a stale one can make a search slower, not wrong), so it
/// is kept per instance for a few minutes instead of being made again for every page, as a
/// database keeps planner statistics.
static DRIVING_TERMS: LazyLock<moka::future::Cache<String, usize>> = LazyLock::new(|| {
    moka::future::Cache::builder()
        .max_capacity(100_000)
        .time_to_live(Duration::from_secs(300))
        .build()
});

/// Recent counts by catalogue state and count statement. The counts of a state never change;
/// they are kept only briefly, to bound memory.
static COUNTS: LazyLock<moka::future::Cache<String, i64>> = LazyLock::new(|| {
    moka::future::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(Duration::from_secs(60))
        .build()
});

/// Postings read per term, at most, to see how often the other terms match its best-ranked
/// postings (fewer when there are many terms, as each is checked against all the others).
fn sample_size(terms: usize) -> usize {
    (SAMPLE_PROBES / (terms * (terms - 1)).max(1)).clamp(8, 64)
}

/// Probes the sample of [`choose_driving_term`] makes, at most, across all terms.
const SAMPLE_PROBES: usize = 256;

/// The index of the term whose postings, read in the page's order under its filters, find
/// matches soonest: the one with the most matches among its first few postings (a sample of
/// [`sample_size`]), then the fewest postings (counted up to [`TERM_COUNT_CAP`]), then a Latin
/// word with digits (a model number), another Latin word (a brand or series), a Chinese one,
/// then query order. Fewest postings alone can be far off: for 得力 复印纸, 得力 has fewer
/// postings, but its best-ranked ones are cheap pens, while nearly every early 复印纸 posting
/// is a match.
async fn choose_driving_term(
    db: &DatabaseConnection,
    pipeline: Option<&PgPipeline>,
    terms: &[String],
    filters: &Filters<'_>,
    order_by: &str,
) -> Result<usize, DbErr> {
    let key = format!("{terms:?}|{}|{:?}|{order_by}", filters.sql, filters.values);
    if let Some(best) = DRIVING_TERMS.get(&key).await {
        return Ok(best);
    }
    let sample = sample_size(terms.len());
    let mut values: Vec<Value> = Vec::new();
    let mut columns = Vec::with_capacity(terms.len() * 2);
    for (i, term) in terms.iter().enumerate() {
        let driving = text(term, &mut values);
        values.extend_from_slice(filters.values);
        let mut others = Vec::with_capacity(terms.len() - 1);
        for (j, other) in terms.iter().enumerate().filter(|(j, _)| *j != i) {
            let lookup = term_lookup(j, &text(other, &mut values), "s");
            others.push(format!("EXISTS ({lookup})"));
        }
        columns.push(format!(
            "(SELECT COUNT(*) FROM (SELECT d.product_id FROM search_postings d \
             WHERE d.term = {driving} AND {} ORDER BY {order_by} LIMIT {sample}) s WHERE {}) \
             AS m{i}",
            filters.sql,
            others.join(" AND ")
        ));
    }
    for (i, term) in terms.iter().enumerate() {
        let term = text(term, &mut values);
        columns.push(format!(
            "(SELECT COUNT(*) FROM (SELECT 1 AS one FROM search_postings \
             WHERE term = {term} AND visible = TRUE LIMIT {TERM_COUNT_CAP}) x{i}) AS n{i}"
        ));
    }
    let rows = run(
        db,
        pipeline,
        &format!("SELECT {}", columns.join(", ")),
        values,
    )
    .await?;
    let mut stats = Vec::with_capacity(terms.len());
    for i in 0..terms.len() {
        let get = |name: String| match rows.first() {
            Some(row) => row.get::<i64>(&name),
            None => Ok(0),
        };
        stats.push((get(format!("m{i}"))?, get(format!("n{i}"))?));
    }
    let class = |t: &str| match (t.is_ascii(), t.bytes().any(|b| b.is_ascii_digit())) {
        (true, true) => 0,
        (true, false) => 1,
        _ => 2,
    };
    let best = (0..terms.len())
        .min_by_key(|&i| {
            let (matches, postings) = stats[i];
            (std::cmp::Reverse(matches), postings, class(&terms[i]), i)
        })
        .unwrap_or(0);
    DRIVING_TERMS.insert(key, best).await;
    Ok(best)
}

/// Replaces a product's postings (from `domain::search::postings`). Price, category, the
/// supplier's size and whether the product is visible are read from the product and its
/// supplier as they are in this transaction; triggers keep them in step afterwards.
pub async fn index_product<C: ConnectionTrait>(
    conn: &C,
    product_id: i64,
    postings: &[(String, i32)],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    conn.execute_raw(stmt(
        backend,
        "DELETE FROM search_postings WHERE product_id = ?",
        [product_id.into()],
    ))
    .await?;
    for chunk in postings.chunks(INSERT_CHUNK) {
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
        conn.execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

/// Rewrites every product's postings if they were written by an older tokenizer than
/// [`TOKENIZER_VERSION`]; returns how many products were rewritten, or `None` when the postings
/// were up to date. The version row is claimed by a conditional update in the same transaction
/// as the rewrite, so of several instances migrating at once one rewrites and the others wait
/// for it and then find nothing to do.
pub async fn bring_index_up_to_date(db: &DatabaseConnection) -> Result<Option<u64>, DbErr> {
    let txn = db.begin().await?;
    let claimed = txn
        .execute_raw(stmt(
            db.get_database_backend(),
            "UPDATE search_index_state SET tokenizer_version = ? \
             WHERE id = 1 AND tokenizer_version < ?",
            [TOKENIZER_VERSION.into(), TOKENIZER_VERSION.into()],
        ))
        .await?
        .rows_affected();
    if claimed == 0 {
        txn.rollback().await?;
        return Ok(None);
    }
    let products = reindex_all(&txn).await?;
    txn.commit().await?;
    Ok(Some(products))
}

/// Rewrites the postings of every product (`domain::search::postings` of each product's name,
/// brand, model, category name and specification); returns the number of products.
pub async fn reindex_all<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows = query_all(
            conn,
            stmt(
                backend,
                "SELECT p.id, p.name, p.brand, p.model, p.specification, \
                 c.name AS category_name FROM products p \
                 JOIN categories c ON c.code = p.category_code \
                 WHERE p.id > ? ORDER BY p.id LIMIT 500",
                [after.into()],
            ),
        )
        .await?;
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = last.try_get("", "id")?;
        for row in &rows {
            let field = |name: &str| row.try_get::<String>("", name);
            let postings = crate::domain::search::postings(
                &field("name")?,
                &field("brand")?,
                &field("model")?,
                &field("category_name")?,
                &field("specification")?,
            );
            index_product(conn, row.try_get("", "id")?, &postings).await?;
            done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_holds_exactly_the_codes_under_the_prefix() {
        let upper = prefix_upper_bound("A02");
        for code in ["A02", "A0201", "A02010105", "A02z"] {
            assert!(code >= "A02" && code < upper.as_str(), "{code}");
        }
        for code in ["A01", "A03", "A0", "B02", "A1"] {
            assert!(!(code >= "A02" && code < upper.as_str()), "{code}");
        }
        assert_eq!(upper, "A03");
        assert_eq!(prefix_upper_bound("A9"), "A:");
        assert_eq!(prefix_upper_bound("Az"), "A{");
        let wide = prefix_upper_bound("办公");
        assert!("办公桌" < wide.as_str() && "办公" < wide.as_str() && "办六" > wide.as_str());
    }
}
