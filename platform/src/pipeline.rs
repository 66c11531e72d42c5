//! Statements sent together in one transaction: on PostgreSQL in one round trip (tokio-postgres
//! pipelines requests made at the same time on one connection), on SQLite one after another
//! through sea-orm. The SQL and its values are the same on both.
//!
//! sqlx, under sea-orm, waits for each statement's reply before it sends the next and checks
//! every connection it takes back into its pool with one more round trip. A hot path that runs a
//! dozen statements per request pays for those waits in both processes (a send, a wake-up and
//! an `epoll` return on each side), so it sends the statements that do not depend on each
//! other's results as one batch.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures::TryStreamExt;
use futures::future::try_join_all;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult,
    RuntimeErr, Statement, TransactionTrait, Value,
};
use tokio_postgres::types::{FromSql, ToSql, Type};

/// A pool of tokio-postgres connections for pipelined transactions on PostgreSQL.
#[derive(Clone)]
pub struct PgPipeline {
    pool: Pool,
}

impl std::fmt::Debug for PgPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPipeline")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl PgPipeline {
    /// A pool for `url` (the service's `postgres://…` URL, with its `sslmode` and `options`).
    /// Connections open on first use. TLS follows `sslmode` as libpq's `prefer` and `require`
    /// do, and as sqlx does for them: encrypted, the server's certificate not verified.
    pub fn new(url: &str, max_connections: usize) -> Result<Self, DbErr> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| DbErr::Custom(format!("parsing the PostgreSQL URL: {e}")))?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls::unverified_client_config());
        let manager = Manager::from_config(
            config,
            tls,
            // A checked-out connection is not pinged: a broken one fails the request it serves
            // and is then dropped, as a pinged one could fail right after the ping.
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| DbErr::Custom(format!("building the PostgreSQL pool: {e}")))?;
        Ok(PgPipeline { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, DbErr> {
        self.pool.get().await.map_err(|e| {
            DbErr::Conn(RuntimeErr::Internal(format!(
                "taking a PostgreSQL connection: {e}"
            )))
        })
    }

    /// Takes a connection (opening one if none is idle) and runs an empty query on it.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.client()
            .await?
            .simple_query("")
            .await
            .map_err(pg_error)?;
        Ok(())
    }

    /// Runs SQL with no parameters (its values written in as literals) without keeping a
    /// prepared statement: parsed, planned for those values and run in one round trip.
    pub async fn query_unprepared(&self, sql: &str) -> Result<Vec<Row>, DbErr> {
        let rows = self
            .client()
            .await?
            .query_typed(sql, &[])
            .await
            .map_err(pg_error)?;
        Ok(rows.into_iter().map(Row::Pg).collect())
    }
}

/// One statement of a batch, and whether it returns rows or only a count.
pub struct Step {
    statement: Statement,
    returns_rows: bool,
}

impl Step {
    /// A statement whose rows are read (a `SELECT`, or a write with `RETURNING`).
    pub fn query(statement: Statement) -> Step {
        Step {
            statement,
            returns_rows: true,
        }
    }

    /// A statement whose count of affected rows is read.
    pub fn execute(statement: Statement) -> Step {
        Step {
            statement,
            returns_rows: false,
        }
    }
}

/// What one step returned.
pub struct Outcome {
    pub rows: Vec<Row>,
    pub affected: u64,
}

/// A row from either backend.
#[derive(Debug)]
pub enum Row {
    Sea(QueryResult),
    Pg(tokio_postgres::Row),
}

impl Row {
    pub fn get<T>(&self, column: &str) -> Result<T, DbErr>
    where
        T: sea_orm::TryGetable + for<'a> FromSql<'a>,
    {
        match self {
            Row::Sea(row) => row.try_get("", column),
            Row::Pg(row) => row.try_get(column).map_err(pg_error),
        }
    }
}

/// A transaction that runs batches of steps. Dropped without [`Txn::commit`] or a committing
/// batch, it rolls back (on PostgreSQL the connection goes back to the pool only after the
/// `ROLLBACK`).
pub enum Txn {
    Sea(DatabaseTransaction),
    Pg(Box<PgTxn>),
}

pub struct PgTxn {
    client: Option<deadpool_postgres::Object>,
    begun: bool,
    /// A batch was sent and did not come back whole: the transaction may be aborted (where
    /// PostgreSQL answers `COMMIT` with `ROLLBACK`, not an error), so it takes no more work.
    broken: bool,
}

impl Txn {
    /// Begins a transaction: pipelined when `pipeline` is given (PostgreSQL), through sea-orm
    /// otherwise. On PostgreSQL `BEGIN` goes out with the first batch.
    pub async fn begin(
        db: &DatabaseConnection,
        pipeline: Option<&PgPipeline>,
    ) -> Result<Txn, DbErr> {
        match pipeline {
            Some(p) => {
                let client = p.client().await?;
                Ok(Txn::Pg(Box::new(PgTxn {
                    client: Some(client),
                    begun: false,
                    broken: false,
                })))
            }
            None => Ok(Txn::Sea(db.begin().await?)),
        }
    }

    pub fn backend(&self) -> DbBackend {
        match self {
            Txn::Sea(t) => t.get_database_backend(),
            Txn::Pg(_) => DbBackend::Postgres,
        }
    }

    /// Runs the steps in order and returns their outcomes in the same order. On PostgreSQL they
    /// are sent together; a failed step fails the batch (and the transaction).
    pub async fn run(&mut self, steps: Vec<Step>) -> Result<Vec<Outcome>, DbErr> {
        match self {
            Txn::Sea(txn) => run_sequentially(txn, steps).await,
            Txn::Pg(pg) => pg.run(steps, false).await,
        }
    }

    /// Runs the steps, then commits; on PostgreSQL the `COMMIT` goes in the same round trip.
    pub async fn run_and_commit(self, steps: Vec<Step>) -> Result<Vec<Outcome>, DbErr> {
        match self {
            Txn::Sea(txn) => {
                let outcomes = run_sequentially(&txn, steps).await?;
                txn.commit().await?;
                Ok(outcomes)
            }
            Txn::Pg(mut pg) => {
                let outcomes = pg.run(steps, true).await?;
                pg.client.take();
                Ok(outcomes)
            }
        }
    }
}

async fn run_sequentially(
    txn: &DatabaseTransaction,
    steps: Vec<Step>,
) -> Result<Vec<Outcome>, DbErr> {
    let mut outcomes = Vec::with_capacity(steps.len());
    for step in steps {
        outcomes.push(if step.returns_rows {
            let rows = txn.query_all_raw(step.statement).await?;
            Outcome {
                affected: rows.len() as u64,
                rows: rows.into_iter().map(Row::Sea).collect(),
            }
        } else {
            Outcome {
                rows: Vec::new(),
                affected: txn.execute_raw(step.statement).await?.rows_affected(),
            }
        });
    }
    Ok(outcomes)
}

impl PgTxn {
    async fn run(&mut self, steps: Vec<Step>, commit: bool) -> Result<Vec<Outcome>, DbErr> {
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| DbErr::Custom("the transaction has ended".into()))?;
        if self.broken {
            return Err(DbErr::Custom(
                "an earlier batch of this transaction failed; it can only roll back".into(),
            ));
        }
        let mut sql: Vec<&str> = Vec::with_capacity(steps.len() + 2);
        if !self.begun {
            sql.push("BEGIN");
        }
        sql.extend(steps.iter().map(|s| s.statement.sql.as_str()));
        if commit {
            sql.push("COMMIT");
        }
        // Prepared once per connection and kept (like sqlx's statement cache): later batches
        // send only Bind and Execute.
        let mut prepared = Vec::with_capacity(sql.len());
        for text in &sql {
            prepared.push(client.prepare_cached(text).await.map_err(pg_error)?);
        }
        let lead = usize::from(!self.begun);
        let mut params: Vec<Vec<Box<dyn ToSql + Sync + Send>>> = Vec::with_capacity(sql.len());
        for (i, statement) in prepared.iter().enumerate() {
            let values = if i >= lead && i - lead < steps.len() {
                steps[i - lead]
                    .statement
                    .values
                    .as_ref()
                    .map(|v| v.0.as_slice())
            } else {
                None
            };
            params.push(bind(statement.params(), values.unwrap_or(&[]))?);
        }
        self.begun = true;
        self.broken = true;
        // Every request is queued on the connection when its future is first polled, and
        // `try_join_all` polls them in order: the statements reach the server in this order, in
        // as few writes as the connection can make.
        let results = try_join_all(prepared.iter().zip(params.iter()).map(
            |(statement, params)| async move {
                let stream = client
                    .query_raw(statement, params.iter().map(|p| p.as_ref() as &dyn ToSql))
                    .await?;
                futures::pin_mut!(stream);
                let mut rows = Vec::new();
                while let Some(row) = stream.try_next().await? {
                    rows.push(Row::Pg(row));
                }
                let affected = stream.rows_affected().unwrap_or(rows.len() as u64);
                Ok::<_, tokio_postgres::Error>(Outcome { rows, affected })
            },
        ))
        .await
        .map_err(pg_error)?;
        self.broken = false;
        Ok(results.into_iter().skip(lead).take(steps.len()).collect())
    }
}

impl Drop for PgTxn {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if !self.begun {
            return;
        }
        // Not committed: roll back before anyone else gets the connection. Without a runtime
        // to do it on, the connection is closed instead (the server rolls back).
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        let _ = deadpool_postgres::Object::take(client);
                    }
                });
            }
            Err(_) => {
                let _ = deadpool_postgres::Object::take(client);
            }
        }
    }
}

fn pg_error(e: tokio_postgres::Error) -> DbErr {
    if let Some(db) = e.as_db_error() {
        return DbErr::Query(RuntimeErr::Internal(format!(
            "{} ({}): {}",
            db.message(),
            db.code().code(),
            db.detail().unwrap_or_default()
        )));
    }
    DbErr::Query(RuntimeErr::Internal(e.to_string()))
}

/// sea-orm's values as tokio-postgres parameters of the types the server inferred for them
/// (an `i64` where a column is `integer` is narrowed, checked).
fn bind(types: &[Type], values: &[Value]) -> Result<Vec<Box<dyn ToSql + Sync + Send>>, DbErr> {
    if types.len() != values.len() {
        return Err(DbErr::Custom(format!(
            "the statement takes {} parameters, {} given",
            types.len(),
            values.len()
        )));
    }
    // Each value is encoded once here, so that no parameter can fail while a batch is half
    // sent (a step never sent would let the rest of the batch, `COMMIT` included, go through).
    let mut scratch = bytes::BytesMut::new();
    types
        .iter()
        .zip(values)
        .map(|(ty, value)| {
            let param = param(ty, value)?;
            scratch.clear();
            param
                .to_sql_checked(ty, &mut scratch)
                .map_err(|e| DbErr::Custom(format!("a {ty} parameter: {e}")))?;
            Ok(param)
        })
        .collect()
}

fn param(ty: &Type, value: &Value) -> Result<Box<dyn ToSql + Sync + Send>, DbErr> {
    let narrow = |n: i64| -> Result<Box<dyn ToSql + Sync + Send>, DbErr> {
        Ok(match *ty {
            Type::INT2 => Box::new(i16::try_from(n).map_err(|_| out_of_range(ty, n))?),
            Type::INT4 => Box::new(i32::try_from(n).map_err(|_| out_of_range(ty, n))?),
            Type::TEXT | Type::VARCHAR => Box::new(n.to_string()),
            _ => Box::new(n),
        })
    };
    Ok(match value {
        Value::BigInt(Some(n)) => narrow(*n)?,
        Value::Int(Some(n)) => narrow(i64::from(*n))?,
        Value::SmallInt(Some(n)) => narrow(i64::from(*n))?,
        Value::Bool(v) => Box::new(*v),
        Value::String(Some(s)) if *ty == Type::DATE => Box::new(
            s.parse::<NaiveDate>()
                .map_err(|e| DbErr::Custom(format!("date parameter {s:?}: {e}")))?,
        ),
        Value::String(v) => Box::new(v.clone()),
        Value::Json(v) => Box::new(v.as_deref().cloned()),
        Value::ChronoDate(v) => Box::new(*v),
        Value::ChronoDateTime(v) => Box::new(*v as Option<NaiveDateTime>),
        Value::ChronoDateTimeUtc(v) => Box::new(*v as Option<DateTime<Utc>>),
        Value::BigInt(None) | Value::Int(None) | Value::SmallInt(None) => match *ty {
            Type::INT2 => Box::new(None::<i16>),
            Type::INT4 => Box::new(None::<i32>),
            _ => Box::new(None::<i64>),
        },
        other => {
            return Err(DbErr::Custom(format!(
                "no PostgreSQL parameter for {other:?}"
            )));
        }
    })
}

fn out_of_range(ty: &Type, n: i64) -> DbErr {
    DbErr::Custom(format!("{n} does not fit a {ty} parameter"))
}

mod tls {
    //! rustls for `sslmode=prefer|require`: the connection is encrypted and the server's
    //! certificate is not checked, as libpq and sqlx do for those modes (checking it is what
    //! `verify-ca` and `verify-full` are for, which tokio-postgres does not parse).
    use super::Arc;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    pub fn unverified_client_config() -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth()
    }

    #[derive(Debug)]
    struct EncryptOnly(Arc<CryptoProvider>);

    impl ServerCertVerifier for EncryptOnly {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::types::IsNull;

    fn encoded(ty: &Type, value: Value) -> Result<Vec<u8>, DbErr> {
        let p = param(ty, &value)?;
        let mut buf = bytes::BytesMut::new();
        let is_null = p
            .to_sql_checked(ty, &mut buf)
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        Ok(match is_null {
            IsNull::Yes => Vec::new(),
            IsNull::No => buf.to_vec(),
        })
    }

    #[test]
    fn integers_take_the_width_the_server_inferred() {
        assert_eq!(
            encoded(&Type::INT4, 7i64.into()).unwrap(),
            7i32.to_be_bytes()
        );
        assert_eq!(
            encoded(&Type::INT8, 7i32.into()).unwrap(),
            7i64.to_be_bytes()
        );
        assert_eq!(
            encoded(&Type::INT2, 7i64.into()).unwrap(),
            7i16.to_be_bytes()
        );
        assert_eq!(encoded(&Type::TEXT, 42i64.into()).unwrap(), b"42");
        assert!(encoded(&Type::INT4, (i64::from(i32::MAX) + 1).into()).is_err());
    }

    #[test]
    fn nulls_dates_and_json_bind() {
        assert!(
            encoded(&Type::INT8, Value::BigInt(None))
                .unwrap()
                .is_empty()
        );
        assert!(encoded(&Type::DATE, "2026-11-26".into()).is_ok());
        assert!(encoded(&Type::DATE, "26/11/2026".into()).is_err());
        let json = serde_json::json!({"id": 1});
        assert!(encoded(&Type::JSONB, json.into()).is_ok());
    }

    #[test]
    fn the_parameter_count_must_match() {
        assert!(bind(&[Type::INT8], &[]).is_err());
        assert!(bind(&[Type::INT8], &[1i64.into()]).is_ok());
    }
}
