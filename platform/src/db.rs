//! Database connection and small helpers for hand-written SQL that runs on both backends.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult,
    Statement, Value,
};

/// Connects to `url`: `sqlite://…` for the embedded default (WAL, busy timeout, foreign keys,
/// one connection so writers never race) or `postgres://…` in production.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        options.max_connections(1).min_connections(1);
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        // Ping only connections idle long enough to have been dropped by the server or a
        // proxy: a ping on every checkout is one more round trip per request.
        options
            .max_connections(max_connections)
            .min_connections(1)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    Database::connect(options).await
}

/// Builds a statement from SQL written with `?` placeholders, numbering them `$1…` for
/// PostgreSQL. The SQL must not contain a literal `?`.
pub fn stmt<I>(backend: DbBackend, sql: &str, values: I) -> Statement
where
    I: IntoIterator<Item = Value>,
{
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
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

pub async fn query_one<C: ConnectionTrait>(
    conn: &C,
    statement: Statement,
) -> Result<Option<QueryResult>, DbErr> {
    conn.query_one_raw(statement).await
}

pub async fn query_all<C: ConnectionTrait>(
    conn: &C,
    statement: Statement,
) -> Result<Vec<QueryResult>, DbErr> {
    conn.query_all_raw(statement).await
}

/// Runs SQL that carries no parameters (its values written in as literals) without preparing
/// it: on PostgreSQL one round trip of the simple query protocol, where a prepared statement
/// costs a parse round trip and a slot in every connection's statement cache for SQL that is
/// rarely the same twice (search pages). Several `;`-separated statements run in one round
/// trip and their rows come back one after the other.
pub async fn query_all_unprepared(
    db: &DatabaseConnection,
    sql: &str,
) -> Result<Vec<QueryResult>, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            use sea_orm::sqlx::postgres::PgRow;
            let rows: Vec<PgRow> = sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql))
                .fetch_all(db.get_postgres_connection_pool())
                .await
                .map_err(|e| DbErr::Query(sea_orm::RuntimeErr::SqlxError(e.into())))?;
            Ok(rows.into_iter().map(QueryResult::from).collect())
        }
        backend => db.query_all_raw(Statement::from_string(backend, sql)).await,
    }
}

/// Executes and returns the number of rows affected.
pub async fn execute<C: ConnectionTrait>(conn: &C, statement: Statement) -> Result<u64, DbErr> {
    Ok(conn.execute_raw(statement).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let s = stmt(
            DbBackend::Postgres,
            "a = ? AND b >= ?",
            [1i64.into(), 2i64.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b >= $2");
        let s = stmt(DbBackend::Sqlite, "a = ?", [1i64.into()]);
        assert_eq!(s.sql, "a = ?");
    }
}
