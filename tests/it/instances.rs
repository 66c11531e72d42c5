//! Two instances over one PostgreSQL and Redis behave as one: sessions, cache invalidation and
//! login limits are shared, nothing lives only in one process.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Options, TestApp, redis_url};

#[tokio::test]
async fn two_instances_share_sessions_cache_and_login_limits() {
    if !crate::support::runs_here(
        redis_url().is_some(),
        "the two-instance test",
        "Redis (GPMALL_TEST_REDIS_URL), through which instances share state",
    ) {
        return;
    }
    let a = TestApp::spawn_with(Options {
        login_max_attempts: 5,
        ..Options::default()
    })
    .await;
    let b = a.second_instance();

    // A session opened on one instance works on the other; logging out on one ends it on both.
    let token = a.login("supplier1").await;
    b.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_status(StatusCode::OK);

    // A price change on A is visible on B's (cached) product page and search.
    let id = a
        .listed_product("supplier1", "800.00", 5, "A02010105")
        .await;
    let page = b.get(&format!("/api/v1/catalog/products/{id}"), None).await;
    assert_eq!(page.body["price"], "800.00");
    let search = b.search("q=%E6%B5%8B%E8%AF%95%E5%95%86%E5%93%81").await;
    assert_eq!(search.body["items"][0]["price"], "800.00");
    a.request(
        Method::PATCH,
        &format!("/api/v1/supplier/products/{id}"),
        Some(&token),
        Some(&json!({"price": "760.00"})),
        &[],
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        b.get(&format!("/api/v1/catalog/products/{id}"), None)
            .await
            .body["price"],
        "760.00"
    );
    assert_eq!(
        b.search("q=%E6%B5%8B%E8%AF%95%E5%95%86%E5%93%81")
            .await
            .body["items"][0]["price"],
        "760.00"
    );

    b.post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    a.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");

    // Failed logins on A count on B.
    for instance in [&a, &b, &a, &b, &a] {
        instance
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": "buyer3", "password": "wrong"}),
            )
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    }
    b.post(
        "/api/v1/auth/login",
        None,
        &json!({"username": "buyer3", "password": "demo1234"}),
    )
    .await
    .assert_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
}
