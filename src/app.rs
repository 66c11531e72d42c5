//! Builds the shared state and the router, and serves it with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use gpmall_migrations::MigratorTrait;
use gpmall_platform::cache::{Cache, LocalCache, RedisCache};
use gpmall_platform::clock::{Clock, SandboxClock, SystemClock};
use gpmall_platform::pipeline::PgPipeline;
use gpmall_platform::rate_limit::LoginRateLimiter;
use gpmall_platform::{Ctx, Settings};
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::ops;

/// Everything a running service needs beyond its configuration.
pub struct Services {
    pub ctx: Ctx,
    /// The Redis connection when one is configured (also used for shared rate limits).
    pub redis: Option<Arc<RedisCache>>,
}

/// The service's clock: real time, or in sandbox mode real time plus the stored offset (read
/// from the database once connected, see `platform::sandbox::refresh`).
pub fn clock(config: &Config) -> Arc<dyn Clock> {
    if config.sandbox_enabled() {
        Arc::new(SandboxClock::new(Arc::new(SystemClock)))
    } else {
        Arc::new(SystemClock)
    }
}

/// Connects to the database and cache named by the configuration.
pub async fn connect(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Services> {
    let url = config.database_url();
    if config.is_embedded() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let db = gpmall_platform::db::connect(&url, config.db_max_connections)
        .await
        .context("connecting to the database")?;
    let pipeline = pipeline_for(&url, config.db_max_connections);
    build_services(
        db,
        pipeline,
        config.redis_url().as_deref(),
        &config.cache_prefix,
        config.settings(),
        clock,
        config,
    )
}

/// On PostgreSQL, the pool for pipelined transactions (the order path), beside sea-orm's.
pub fn pipeline_for(url: &str, max_connections: u32) -> Option<PgPipeline> {
    if !url.starts_with("postgres") {
        return None;
    }
    // tokio-postgres knows sslmode disable, prefer and require only, and never checks a
    // certificate; sea-orm does. With anything it cannot honour, orders take the
    // statement-by-statement path instead of refusing to start.
    if url.contains("sslmode=verify-") || url.contains("sslrootcert") {
        tracing::warn!("certificate checking requested: orders are placed without pipelining");
        return None;
    }
    let size = usize::try_from(max_connections).unwrap_or(1);
    match PgPipeline::new(url, size) {
        Ok(pipeline) => Some(pipeline),
        Err(error) => {
            tracing::warn!(%error, "orders are placed without pipelining");
            None
        }
    }
}

/// Assembles the context from parts (tests pass their own database, prefix and clock).
pub fn build_services(
    db: DatabaseConnection,
    pipeline: Option<PgPipeline>,
    redis_url: Option<&str>,
    cache_prefix: &str,
    settings: Settings,
    clock: Arc<dyn Clock>,
    config: &Config,
) -> anyhow::Result<Services> {
    let redis = match redis_url {
        Some(url) => Some(Arc::new(
            RedisCache::new(url, cache_prefix).context("parsing the Redis URL")?,
        )),
        None => None,
    };
    let cache: Arc<dyn Cache> = match &redis {
        Some(r) => r.clone(),
        None => Arc::new(LocalCache::new(cache_prefix)),
    };
    let login_limiter = LoginRateLimiter::new(
        config.login_max_attempts,
        config.login_max_attempts_per_ip,
        Duration::from_secs(config.login_window_seconds),
        redis
            .as_ref()
            .map(|r| (r.connection(), r.prefix().to_owned())),
    );
    Ok(Services {
        ctx: Ctx {
            db,
            pipeline,
            cache,
            clock,
            login_limiter,
            settings: Arc::new(settings),
        },
        redis,
    })
}

/// Applies the schema migrations, then rewrites the search postings if an older tokenizer
/// wrote them.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    gpmall_migrations::Migrator::up(db, None)
        .await
        .context("running migrations")?;
    gpmall_settlement::service::contracts::cap_sme_due_dates(db)
        .await
        .context("capping stored SME due dates at the payment limit")?;
    if let Some(products) = gpmall_mall::repo::search::bring_index_up_to_date(db)
        .await
        .context("rewriting the search postings")?
    {
        tracing::info!(
            products,
            tokenizer_version = gpmall_mall::domain::search::TOKENIZER_VERSION,
            "search postings rewritten for the current tokenizer"
        );
    }
    Ok(())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gpmall API",
        description = "Government procurement e-mall: catalogue, budgets, cart, orders."
    ),
    tags(
        (name = "auth", description = "Login with username and password; send the token as a bearer token"),
        (name = "catalogue", description = "Categories, limits and product search (public)"),
        (name = "supplier", description = "A supplier's own product listings"),
        (name = "operator", description = "The central purchasing agency's review queue"),
        (name = "budgets", description = "Purchasing units' budget lines"),
        (name = "cart", description = "A purchaser's cart"),
        (name = "orders", description = "Orders from placement to acceptance"),
        (name = "settlement", description = "Contracts, payment terms, payments, late interest and warnings"),
        (name = "calendar", description = "The official working-day calendar"),
        (name = "deposits", description = "Procurement procedures, bid and performance deposits, refunds and late-refund interest"),
        (name = "guarantees", description = "Electronic guarantee letters verified against their issuers' keys"),
    )
)]
struct ApiDoc;

/// The OpenAPI document, with the table of stable error codes in its description and every
/// operation's error statuses.
pub fn openapi(mut doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut description = String::from(
        "Government procurement e-mall: catalogue, budgets, cart, orders.\n\n\
         Money is a decimal string in yuan with two decimals (\"3999.00\"). Errors have the body \
         `{\"error\":{\"code\",\"message\",\"details\"}}`; the codes are stable:\n\n| code | meaning |\n|---|---|\n",
    );
    for (code, meaning) in gpmall_platform::error::ERROR_CODES {
        description.push_str(&format!("| `{code}` | {meaning} |\n"));
    }
    doc.info.description = Some(description);
    document_errors(doc)
}

/// Operations anyone may call without logging in.
const PUBLIC_OPERATIONS: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/catalog/categories"),
    ("get", "/api/v1/catalog/products"),
    ("get", "/api/v1/catalog/products/{id}"),
    ("get", "/api/v1/calendar/add-working-days"),
    ("get", "/api/v1/calendar/is-working-day"),
    ("get", "/api/v1/calendar/years"),
    ("get", "/api/v1/calendar/years/{year}"),
];

/// Operations every logged-in user may call, whatever the role.
const SESSION_OPERATIONS: &[(&str, &str)] =
    &[("post", "/api/v1/auth/logout"), ("get", "/api/v1/auth/me")];

/// Documents on every operation the error statuses it can answer, each with our error body:
/// 400 where it takes parameters or a body, 401 and the bearer scheme where it needs a login,
/// 403 where a role or the kind of organization can be refused, 404 where the path or the body
/// names an object, 409 on every write (a conflicting state, or a unique constraint another request
/// won), 413 and 415 where it takes a body. Statuses a handler documents itself stay as they
/// are (422, 429 and the codes in their descriptions).
fn document_errors(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
    value["components"]["securitySchemes"]["bearer"] = serde_json::json!({
        "type": "http",
        "scheme": "bearer",
        "description": "The token from POST /api/v1/auth/login; the scheme name is case-insensitive",
    });
    let Some(paths) = value["paths"].as_object_mut() else {
        return value;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            bound_parameters(operation);
            let statuses = error_statuses(method, path, operation);
            if !PUBLIC_OPERATIONS.contains(&(method.as_str(), path.as_str())) {
                operation["security"] = serde_json::json!([{"bearer": []}]);
            }
            let responses = &mut operation["responses"];
            for (status, description) in statuses {
                if responses.get(status).is_none() {
                    responses[status] = serde_json::json!({"description": description});
                }
            }
            if let Some(responses) = responses.as_object_mut() {
                complete_responses(responses);
            }
        }
    }
    value
}

/// The error statuses `method path` can answer, by what it takes and who may call it.
fn error_statuses(
    method: &str,
    path: &str,
    operation: &serde_json::Value,
) -> Vec<(&'static str, &'static str)> {
    let key = (method, path);
    let public = PUBLIC_OPERATIONS.contains(&key);
    let any_session = SESSION_OPERATIONS.contains(&key);
    let has_params = operation["parameters"]
        .as_array()
        .is_some_and(|p| !p.is_empty());
    let has_body = operation.get("requestBody").is_some();
    let mut statuses = Vec::new();
    if has_params || has_body {
        statuses.push((
            "400",
            "The input is not valid; the message says what to fix",
        ));
    }
    if !public {
        statuses.push(("401", "UNAUTHENTICATED: no valid bearer token"));
        if !any_session {
            statuses.push((
                "403",
                "FORBIDDEN: your role or organization may not do this",
            ));
        }
    }
    // The path names an object, or the body does (a product, a budget line, a contract).
    if path.contains('{') || (has_body && !public) {
        statuses.push(("404", "NOT_FOUND: no such object visible to you"));
    }
    if method != "get" && !public && !any_session {
        statuses.push((
            "409",
            "The object's state does not allow this, or another request created the same thing",
        ));
    }
    if has_body {
        statuses.push(("413", "PAYLOAD_TOO_LARGE"));
        statuses.push(("415", "UNSUPPORTED_MEDIA_TYPE: send application/json"));
    }
    statuses
}

/// Ids in paths are positive (`BAD_ID` otherwise); pages are those `PageRequest` takes.
fn bound_parameters(operation: &mut serde_json::Value) {
    let parameters = operation
        .get_mut("parameters")
        .and_then(serde_json::Value::as_array_mut);
    for parameter in parameters.into_iter().flatten() {
        let is_integer = parameter["schema"]["type"] == "integer";
        let bounds = match (parameter["in"].as_str(), parameter["name"].as_str()) {
            (Some("path"), _) if is_integer => Some((1, None)),
            (Some("query"), Some("page")) => Some((1, Some(100_000))),
            (Some("query"), Some("per_page")) => {
                Some((1, Some(gpmall_platform::pagination::MAX_PER_PAGE)))
            }
            _ => None,
        };
        if let Some((minimum, maximum)) = bounds {
            parameter["schema"]["minimum"] = serde_json::json!(minimum);
            if let Some(maximum) = maximum {
                parameter["schema"]["maximum"] = serde_json::json!(maximum);
            }
        }
    }
}

/// Every response has a description, every 4xx our error body, a 429 its `Retry-After`.
fn complete_responses(responses: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::json;
    for (status, response) in responses.iter_mut() {
        if response.get("description").is_none() {
            let reason = status
                .parse::<u16>()
                .ok()
                .and_then(|code| StatusCode::from_u16(code).ok())
                .and_then(|code| code.canonical_reason())
                .unwrap_or("Response");
            response["description"] = json!(reason);
        }
        if status.starts_with('4') && response.get("content").is_none() {
            response["content"] =
                json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
        }
        if status == "429" {
            response["headers"]["Retry-After"] = json!({
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 1},
            });
        }
    }
}

/// The whole HTTP surface: the JSON API, its docs, operations endpoints and web pages.
pub fn router(ctx: Ctx, config: &Config) -> Router {
    // Install the recorder before the first request so no count is lost.
    crate::telemetry::metrics();
    // The sandbox routes exist (and are documented) only on a sandbox clock.
    let sandbox = ctx.clock.sandbox().is_some();
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(gpmall_platform::identity::http::router())
        .merge(gpmall_platform::identity::admin::router())
        .merge(gpmall_mall::http::router())
        .merge(gpmall_settlement::http::router())
        .merge(gpmall_financing::http::router())
        .merge(gpmall_platform::calendar::http::router());
    let mut pages = crate::web::router();
    if sandbox {
        api = api.merge(crate::sandbox::router());
        pages = pages.merge(crate::web::sandbox_router());
    }
    let (api, doc) = api.split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/docs").external_url_unchecked("/openapi.json", openapi(doc)))
        .merge(ops::router())
        .merge(pages)
        .fallback(crate::web::page::not_found)
        // Every instance reads the moved clock before answering (a no-op outside sandbox mode).
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            sandbox_clock,
        ))
        // Refuses a declared oversize body before it is read; `json_errors` gives it our body.
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        // Inside `json_errors`, so a 408 gets our body too.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_seconds),
        ))
        .layer(axum::middleware::from_fn(ops::json_errors))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(ops::request_span))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CatchPanicLayer::custom(ops::panic_response))
                .layer(CompressionLayer::new()),
        )
        .with_state(ctx)
}

/// Brings a sandbox clock up to the offset stored by whichever instance moved it last.
async fn sandbox_clock(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Err(error) = gpmall_platform::sandbox::refresh(&ctx).await {
        tracing::warn!(%error, "reading the sandbox clock failed; using the last offset read");
    }
    next.run(request).await
}

/// Runs the service until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    if let Some(dir) = &config.calendar_dir {
        gpmall_platform::calendar::install_directory(dir)
            .with_context(|| format!("loading the calendar directory {}", dir.display()))?;
    }
    let services = connect(&config, clock(&config)).await?;
    migrate(&services.ctx.db).await?;
    check_sandbox(&config, &services.ctx).await?;
    // This instance may search with a newer tokenizer than the cached pages were computed with.
    gpmall_mall::service::catalog_cache::invalidate(&services.ctx, None).await;
    if config.is_embedded() && crate::seed::is_empty(&services.ctx.db).await? {
        crate::seed::demo(&services.ctx).await?;
        tracing::info!("seeded demo data into the empty embedded database");
    }
    gpmall_mall::domain::search::warm_up();
    tokio::spawn(settlement_scans(services.ctx.clone()));
    let router = router(services.ctx.clone(), &config);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let address = listener.local_addr()?;
    println!("gpmall is serving on http://{address}");
    println!(
        "  database: {}",
        if config.is_embedded() {
            "embedded SQLite"
        } else {
            "PostgreSQL"
        }
    );
    println!("  cache:    {}", services.ctx.cache.backend());
    if let Some(view) = gpmall_platform::sandbox::view(&services.ctx) {
        println!(
            "  clock:    SANDBOX, simulated date {} ({} days ahead; move it at http://{address}/operator/sandbox)",
            view.today, view.offset_days
        );
    }
    println!("  API docs: http://{address}/docs");
    if config.is_embedded() {
        println!("  demo logins (password {}):", crate::seed::DEMO_PASSWORD);
        println!("    purchasers: buyer1, buyer2, buyer3");
        println!("    suppliers:  supplier1 … supplier10");
        println!("    operator, regulator");
        println!("    banks:      bank1, bank2");
    }
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")
}

/// Reads the sandbox clock's stored offset, and refuses a database whose clock was moved when
/// the service is not in sandbox mode: its records carry simulated dates that real time has not
/// reached, and payments, acceptances and deadlines would be judged against the wrong day.
pub async fn check_sandbox(config: &Config, ctx: &Ctx) -> anyhow::Result<()> {
    let offset = gpmall_platform::sandbox::stored_offset(&ctx.db).await?;
    if ctx.clock.sandbox().is_none() && offset > 0 {
        anyhow::bail!(
            "this database ran on a sandbox clock moved {} days ahead; start with GPMALL_SANDBOX=true, or use a fresh database",
            offset / 86_400
        );
    }
    gpmall_platform::sandbox::refresh(ctx).await?;
    if ctx.clock.sandbox().is_some() && !config.is_embedded() {
        tracing::warn!(
            "sandbox mode on PostgreSQL (GPMALL_SANDBOX=true): the operator can move the clock forward; never run a production deployment like this"
        );
    }
    Ok(())
}

/// Runs the time-driven jobs (accrual, warnings, deadlines, letter expiry) every ten minutes.
/// Every job is idempotent, so several instances running them at once only repeat work.
async fn settlement_scans(ctx: gpmall_platform::Ctx) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        // The same clock as the requests: on a sandbox clock, the time the operator moved to.
        if let Err(error) = gpmall_settlement::service::jobs::run_all(&ctx).await {
            tracing::warn!(%error, "settlement jobs failed; they run again in ten minutes");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
