//! Budgets and stock under concurrent orders (PostgreSQL: real parallel transactions).

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{Options, TestApp};

async fn race(
    app: Arc<TestApp>,
    token: String,
    line: i64,
    product: i64,
    attempts: usize,
) -> (usize, usize) {
    let tasks: Vec<_> = (0..attempts)
        .map(|i| {
            let app = app.clone();
            let token = token.clone();
            tokio::spawn(async move {
                app.place_order(
                    &token,
                    &format!("race-{i}"),
                    &json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "x"}),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => {
                assert!(
                    matches!(r.code(), "BUDGET_EXCEEDED" | "STOCK_SHORT"),
                    "{}",
                    r.body
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    (ok, refused)
}

async fn concurrent_app() -> Option<Arc<TestApp>> {
    if !crate::support::runs_here(
        crate::support::postgres_url().is_some(),
        "the concurrency test",
        "PostgreSQL (GPMALL_TEST_DATABASE_URL)",
    ) {
        return None;
    }
    Some(Arc::new(
        TestApp::spawn_with(Options {
            max_connections: 20,
            ..Options::default()
        })
        .await,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_orders_against_a_budget_for_fifty() {
    let Some(app) = concurrent_app().await else {
        return;
    };
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "RACE-BUDGET", "5000.00").await;
    let product = app
        .listed_product("supplier1", "100.00", 1000, "A02010105")
        .await;
    let (ok, refused) = race(app.clone(), buyer.clone(), line, product, 200).await;
    assert_eq!(ok, 50);
    assert_eq!(refused, 150);
    assert_eq!(
        app.scalar(&format!(
            "SELECT remaining_fen FROM budget_lines WHERE id = {line}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar(&format!("SELECT stock FROM products WHERE id = {product}"))
            .await,
        950
    );
    assert_eq!(app.scalar(&format!("SELECT CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM orders WHERE budget_line_id = {line}")).await, 500_000);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE budget_line_id = {line}"
        ))
        .await,
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_orders_against_stock_for_thirty() {
    let Some(app) = concurrent_app().await else {
        return;
    };
    let buyer = app.login("buyer2").await;
    let line = app.new_budget_line(&buyer, "RACE-STOCK", "100000.00").await;
    let product = app
        .listed_product("supplier2", "100.00", 30, "A02010105")
        .await;
    let (ok, refused) = race(app.clone(), buyer.clone(), line, product, 200).await;
    assert_eq!(ok, 30);
    assert_eq!(refused, 170);
    assert_eq!(
        app.scalar(&format!("SELECT stock FROM products WHERE id = {product}"))
            .await,
        0
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT remaining_fen FROM budget_lines WHERE id = {line}"
        ))
        .await,
        10_000_000 - 300_000
    );
    assert_eq!(app.scalar(&format!("SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.budget_line_id = {line}")).await, 30);
}

/// Twenty applications for one contract to one bank at once: the partial unique index lets one
/// through, the others are told one is already with that bank.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_applications_for_one_contract_and_bank_make_one() {
    let Some(app) = concurrent_app().await else {
        return;
    };
    let contract = crate::financing::signed_contract(&app, "supplier5", "10000.00").await;
    let token = app.login("supplier5").await;
    let product = crate::financing::product_id(&app, &token, "ZCD-XY").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            let token = token.clone();
            let body = json!({"contract_id": contract["id"], "product_id": product,
                              "amount": "1000.00", "term_months": 6, "consent": true});
            tokio::spawn(async move {
                app.request(
                    axum::http::Method::POST,
                    "/api/v1/financing/applications",
                    Some(&token),
                    Some(&body),
                    &[("idempotency-key", &format!("fa-race-{i}"))],
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(r.code(), "FINANCING_APPLICATION_EXISTS", "{}", r.body)
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert_eq!(created, 1);
    let stored = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM loan_applications WHERE contract_id = {}",
            contract["id"]
        ))
        .await;
    assert_eq!(stored, 1);
}
