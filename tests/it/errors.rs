//! Bad input gets a 4xx with our error body, never a panic or a 500.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::support::TestApp;

#[tokio::test]
async fn malformed_requests_get_our_error_body() {
    let app = TestApp::spawn().await;
    let token = app.login("buyer1").await;
    let raw = |method: Method, path: &str, body: &'static str, content_type: Option<&str>| {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "k");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let r = app
        .send(raw(
            Method::POST,
            "/api/v1/orders",
            "{not json",
            Some("application/json"),
        ))
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let r = app
        .send(raw(
            Method::POST,
            "/api/v1/orders",
            "{\"budget_line_id\": \"one\"}",
            Some("application/json"),
        ))
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let r = app
        .send(raw(Method::POST, "/api/v1/orders", "{}", None))
        .await;
    r.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    let big: &'static str =
        Box::leak(format!("{{\"note\":\"{}\"}}", "x".repeat(400_000)).into_boxed_str());
    let r = app
        .send(raw(
            Method::POST,
            "/api/v1/orders",
            big,
            Some("application/json"),
        ))
        .await;
    r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    for path in [
        "/api/v1/orders/abc",
        "/api/v1/orders/-1",
        "/api/v1/orders/0",
        "/api/v1/orders/99999999999999999999999",
    ] {
        app.get(path, Some(&token))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "BAD_ID");
    }
    app.post(
        "/api/v1/orders/1/teleport",
        Some(&token),
        &serde_json::json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "BAD_ID");
    app.get("/api/v1/nowhere", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.request(Method::DELETE, "/api/v1/orders", Some(&token), None, &[])
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    app.get("/api/v1/orders?status=paid", Some(&token))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_declared_oversize_body_gets_our_error_body() {
    let app = TestApp::spawn().await;
    let token = app.login("buyer1").await;
    let big = format!("{{\"note\":\"{}\"}}", "x".repeat(400_000));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/orders")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", "big")
        .header("content-type", "application/json")
        .header("content-length", big.len().to_string())
        .body(Body::from(big))
        .unwrap();
    let r = app.send(request).await;
    r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    assert_eq!(r.headers["content-type"], "application/json");
}
