//! Operations endpoints (`/healthz`, `/readyz`, `/metrics`) and the middleware that gives every
//! error our JSON body, counts requests and names each request's log span.

use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gpmall_platform::cache::CacheHealth;
use gpmall_platform::i18n::Lang;
use gpmall_platform::{ApiError, Ctx};
use serde_json::json;

pub fn router() -> axum::Router<Ctx> {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers, through both pools on PostgreSQL (orders are placed through
/// the pipelined one). A Redis outage is reported as degraded but stays ready: cache reads fall
/// through to the database and login limits fall back to each instance.
async fn readyz(State(ctx): State<Ctx>) -> Response {
    let pipeline_ok = match &ctx.pipeline {
        Some(pipeline) => pipeline.ping().await.is_ok(),
        None => true,
    };
    let database_ok = pipeline_ok && ctx.db.ping().await.is_ok();
    let cache = ctx.cache.health().await;
    let status = match (database_ok, cache) {
        (false, _) => "unavailable",
        (true, CacheHealth::Degraded) => "degraded",
        (true, CacheHealth::Ok) => "ok",
    };
    let body = json!({
        "status": status,
        "database": if database_ok { "ok" } else { "down" },
        "cache": { "backend": ctx.cache.backend(), "status": cache },
    });
    let code = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::metrics().render(),
    )
        .into_response()
}

/// Counts requests and their latency by matched route.
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("gpmall_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("gpmall_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Gives API errors produced outside our handlers (405, 413, 408 …) our error body, whatever
/// body they came with, and our
/// own errors their message in the language `Accept-Language` asks for.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language);
    let response = next.run(request).await;
    if let Some(lang) = lang.filter(|l| *l != Lang::En)
        && let Some(error) = response.extensions().get::<ApiError>()
        && error.is_localized()
    {
        let mut localized = error.clone();
        localized.message = error.message_in(lang);
        localized.text = None;
        return localized.into_response();
    }
    let status = response.status();
    // Our own errors carry themselves in the response; anything else on an API path (a layer's
    // plain-text 413, an empty 405 or 408) is replaced by our body.
    let ours = response.extensions().get::<ApiError>().is_some();
    if !is_api || ours || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "this route does not take that HTTP method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than the limit",
        ),
        StatusCode::REQUEST_TIMEOUT => ("TIMEOUT", "the request took too long and was stopped"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        s if s.is_server_error() => ("INTERNAL", "internal error; it has been logged"),
        _ => ("BAD_REQUEST", "the request is not valid"),
    };
    ApiError::new(status, code, message).into_response()
}

/// The pages' policy: nothing but this origin's stylesheet and images, no scripts at all (the
/// pages have none), forms posting here only, never framed.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Swagger UI at `/docs` runs its own scripts and sets inline styles, all from this origin.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Security headers: every response is never sniffed nor framed and sends no referrer to other
/// sites; HTML also gets a Content-Security-Policy (the pages' or Swagger UI's).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/docs");
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if is_html {
        let policy = if docs { DOCS_POLICY } else { PAGE_POLICY };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    response
}

pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error; it has been logged",
    )
    .into_response()
}

/// The log span of a request, carrying its request id so every line can be traced to it.
pub fn request_span(request: &Request<Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri().path(),
        request_id = %request_id,
    )
}
