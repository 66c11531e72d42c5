//! Product search SQL: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. Only listed
//! products of suppliers in good credit standing are ever returned.

use gpmall_platform::db::{query_all, stmt};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Relevance,
    PriceAsc,
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

/// Returns the page of rows and the total number of matches.
pub async fn search<C: ConnectionTrait>(
    conn: &C,
    filter: &SearchFilter,
    sort: SortOrder,
    limit: u64,
    offset: u64,
) -> Result<(Vec<QueryResult>, u64), DbErr> {
    let backend = conn.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let mut rank_values: Vec<Value> = Vec::new();
    let mut from_values: Vec<Value> = Vec::new();
    let mut from = String::new();
    let mut conditions = vec![
        "p.status = 'listed'".to_owned(),
        "o.credit_status = 'good'".to_owned(),
    ];
    let mut rank = "0".to_owned();
    if !filter.terms.is_empty() {
        match backend {
            DbBackend::Postgres => {
                let tsquery = filter
                    .terms
                    .iter()
                    .map(|t| format!("'{}'", t.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(" & ");
                from.push_str("products p");
                conditions.push("p.search_vector @@ CAST(? AS tsquery)".into());
                values.push(tsquery.clone().into());
                rank = "ts_rank(p.search_vector, CAST(? AS tsquery))".into();
                rank_values.push(tsquery.into());
            }
            _ => {
                let fts = filter
                    .terms
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join(" ");
                // bm25 is only usable in the FTS query itself, so matches are ranked in a
                // subquery; it is lower for better matches, so negate it (higher is better).
                from.push_str(
                    "(SELECT rowid AS match_id, -rank AS match_rank \
                     FROM products_fts WHERE products_fts MATCH ?) m \
                     JOIN products p ON p.id = m.match_id",
                );
                from_values.push(fts.into());
                rank = "m.match_rank".into();
            }
        }
    } else {
        from.push_str("products p");
    }
    if let Some(prefix) = &filter.category_prefix {
        conditions.push("p.category_code LIKE ?".into());
        values.push(format!("{}%", prefix.replace(['%', '_'], "")).into());
    }
    if let Some(min) = filter.min_price_fen {
        conditions.push("p.price_fen >= ?".into());
        values.push(min.into());
    }
    if let Some(max) = filter.max_price_fen {
        conditions.push("p.price_fen <= ?".into());
        values.push(max.into());
    }
    if let Some(supplier) = filter.supplier_id {
        conditions.push("p.supplier_id = ?".into());
        values.push(supplier.into());
    }
    if filter.sme_only {
        conditions.push("o.enterprise_size IN ('medium','small','micro')".into());
    }
    let order_by = match sort {
        SortOrder::Relevance if !filter.terms.is_empty() => "rank DESC, p.price_fen ASC, p.id ASC",
        SortOrder::Relevance | SortOrder::Newest => "p.id DESC",
        SortOrder::PriceAsc => "p.price_fen ASC, p.id ASC",
        SortOrder::PriceDesc => "p.price_fen DESC, p.id ASC",
    };
    let joins = format!(
        "FROM {from} JOIN organizations o ON o.id = p.supplier_id \
         JOIN categories c ON c.code = p.category_code WHERE {}",
        conditions.join(" AND ")
    );
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS}, {rank} AS rank, COUNT(*) OVER () AS total_matches \
         {joins} ORDER BY {order_by} LIMIT ? OFFSET ?"
    );
    let mut count_values = from_values.clone();
    count_values.extend(values.iter().cloned());
    let mut page_values = rank_values;
    page_values.extend(from_values);
    page_values.extend(values);
    page_values.push((limit as i64).into());
    page_values.push((offset as i64).into());
    let rows = query_all(conn, stmt(backend, &sql, page_values)).await?;
    let total = match rows.first() {
        Some(row) => row.try_get::<i64>("", "total_matches")? as u64,
        // A page past the end has no row to carry the window count.
        None if offset > 0 => {
            let count_sql = format!("SELECT COUNT(*) AS n {joins}");
            let row = query_all(conn, stmt(backend, &count_sql, count_values)).await?;
            match row.first() {
                Some(r) => r.try_get::<i64>("", "n")? as u64,
                None => 0,
            }
        }
        None => 0,
    };
    Ok((rows, total))
}
