//! Login, logout, token checks and login rate limits.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Options, TestApp};

#[tokio::test]
async fn login_returns_a_token_that_identifies_the_user() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "buyer1", "password": "demo1234"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token"].as_str().unwrap().len(), 64);
    assert!(
        r.body["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-02T10:00")
    );
    let me = app.get("/api/v1/auth/me", r.body["token"].as_str()).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["username"], "buyer1");
    assert_eq!(me.body["org_kind"], "purchaser");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::spawn().await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "buyer1", "password": "nope"}),
        )
        .await;
    wrong.assert_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "ghost", "password": "nope"}),
        )
        .await;
    unknown.assert_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    assert_eq!(
        wrong.body["error"]["message"],
        unknown.body["error"]["message"]
    );
}

#[tokio::test]
async fn logout_revokes_the_token_and_expiry_ends_it() {
    let app = TestApp::spawn().await;
    let token = app.login("buyer1").await;
    app.post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get("/api/v1/budgets", Some(&token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");

    let token = app.login("buyer1").await;
    app.get("/api/v1/budgets", Some(&token))
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(9));
    app.get("/api/v1/budgets", Some(&token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_authorization_scheme_is_case_insensitive() {
    let app = TestApp::spawn().await;
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let token = app.login("buyer1").await;
        let header = format!("{scheme} {token}");
        let headers = [("authorization", header.as_str())];
        let with_scheme =
            |method: Method, path: &'static str| app.request(method, path, None, None, &headers);
        with_scheme(Method::GET, "/api/v1/auth/me")
            .await
            .assert_status(StatusCode::OK);
        with_scheme(Method::POST, "/api/v1/auth/logout")
            .await
            .assert_status(StatusCode::NO_CONTENT);
        with_scheme(Method::GET, "/api/v1/auth/me")
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    }
    app.request(
        Method::GET,
        "/api/v1/auth/me",
        None,
        None,
        &[("authorization", "Basic YnV5ZXIxOmRlbW8xMjM0")],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

#[tokio::test]
async fn garbage_tokens_are_refused() {
    let app = TestApp::spawn().await;
    for token in [
        "",
        "x",
        "Bearer",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        app.get("/api/v1/orders", Some(token))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    }
    app.get("/api/v1/orders", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_user() {
    let app = TestApp::spawn_with(Options {
        login_max_attempts: 5,
        ..Options::default()
    })
    .await;
    for _ in 0..5 {
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "buyer2", "password": "bad"}),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    }
    let limited = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "buyer2", "password": "demo1234"}),
        )
        .await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let seconds = limited.body["error"]["details"]["retry_after_seconds"]
        .as_u64()
        .unwrap();
    assert!(seconds >= 1);
    assert_eq!(
        limited.headers["retry-after"].to_str().unwrap(),
        seconds.to_string(),
        "a 429 says when to retry in the header clients act on"
    );
    // Other users are not affected.
    app.login("buyer1").await;
}

#[tokio::test]
async fn the_address_limit_counts_the_hop_the_load_balancer_saw_and_is_wider_than_a_users() {
    let app = TestApp::spawn_with(Options {
        login_max_attempts: 2,
        login_max_attempts_per_ip: 4,
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    let login = |user: &'static str, forwarded: &'static str| {
        let app = &app;
        async move {
            app.request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&json!({"username": user, "password": "demo1234"})),
                &[("x-forwarded-for", forwarded)],
            )
            .await
        }
    };
    // Four staff of one unit log in from the office address, more than one user's limit.
    for user in ["buyer1", "buyer2", "buyer3", "supplier1"] {
        login(user, "10.8.0.7").await.assert_status(StatusCode::OK);
    }
    // A fifth attempt from that address is refused, whatever the client claims came before.
    login("supplier2", "203.0.113.9, 10.8.0.7")
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    // Another office is not affected.
    login("supplier2", "10.8.0.8")
        .await
        .assert_status(StatusCode::OK);
}
