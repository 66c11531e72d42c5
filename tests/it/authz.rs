//! Object-level access: every route with an id, tried with another tenant's id; and mass
//! assignment of fields nobody may set.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn other_tenants_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let buyer1 = app.login("buyer1").await;
    let buyer2 = app.login("buyer2").await;
    let supplier1 = app.login("supplier1").await;
    let supplier2 = app.login("supplier2").await;
    let line1 = app.new_budget_line(&buyer1, "T-AUTHZ", "10000.00").await;
    let product = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let order = app
        .place_order(&buyer1, "authz", &json!({"budget_line_id": line1, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "x"}))
        .await
        .body["orders"][0]["id"]
        .as_i64()
        .unwrap();

    // Another purchasing unit sees nothing of buyer1's order or budget line.
    app.get(&format!("/api/v1/orders/{order}"), Some(&buyer2))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    for action in ["cancel", "accept", "reject", "deliver"] {
        app.order_action(&buyer2, order, action, json!({"reason": "x"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    }
    assert_eq!(
        app.get("/api/v1/orders", Some(&buyer2)).await.body["total"],
        0
    );
    app.post(
        &format!("/api/v1/budgets/{line1}/adjustments"),
        Some(&buyer2),
        &json!({"delta": "1.00", "reason": "x"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    // Ordering on another unit's budget line.
    app.place_order(&buyer2, "steal", &json!({"budget_line_id": line1, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "x"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        app.budget_lines(&buyer2)
            .await
            .iter()
            .all(|b| b["id"] != line1)
    );

    // Another supplier cannot see or act on supplier1's order or products.
    app.get(&format!("/api/v1/orders/{order}"), Some(&supplier2))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    for action in ["confirm", "ship", "cancel"] {
        app.order_action(&supplier2, order, action, json!({"reason": "x"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    }
    app.get(
        &format!("/api/v1/supplier/products/{product}"),
        Some(&supplier2),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.request(
        Method::PATCH,
        &format!("/api/v1/supplier/products/{product}"),
        Some(&supplier2),
        Some(&json!({"price": "1.00"})),
        &[],
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.post(
        &format!("/api/v1/supplier/products/{product}/delist"),
        Some(&supplier2),
        &json!({"reason": "x"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.get(
        &format!("/api/v1/supplier/products/{product}/price-history"),
        Some(&supplier2),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        app.get("/api/v1/orders", Some(&supplier2)).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["id"] != order)
    );
    // Suppliers and purchasers cannot use the operator's review.
    app.post(
        &format!("/api/v1/review/products/{product}/delist"),
        Some(&supplier1),
        &json!({"reason": "x"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.post(
        &format!("/api/v1/review/products/{product}/approve"),
        Some(&buyer1),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.get("/api/v1/review/products", Some(&supplier1))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    // The owner still sees everything.
    app.get(&format!("/api/v1/orders/{order}"), Some(&buyer1))
        .await
        .assert_status(StatusCode::OK);
    app.get(&format!("/api/v1/orders/{order}"), Some(&supplier1))
        .await
        .assert_status(StatusCode::OK);
    // Purchasers cannot adjust budgets of other units even with the finance role; the operator can.
    let operator = app.login("operator").await;
    app.post(
        &format!("/api/v1/budgets/{line1}/adjustments"),
        Some(&operator),
        &json!({"delta": "1.00", "reason": "运营调整"}),
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn mass_assignment_is_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let operator = app.login("operator").await;
    let supplier = app.login("supplier1").await;
    let line = app.budget_lines(&buyer).await[0]["id"].as_i64().unwrap();
    let me = app.get("/api/v1/auth/me", Some(&buyer)).await;
    app.post("/api/v1/budgets", Some(&operator), &json!({"org_id": me.body["org_id"], "code": "MA", "fiscal_year": 2026, "fund_source": "x", "amount": "1.00", "remaining": "999999.00"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.post(
        &format!("/api/v1/budgets/{line}/adjustments"),
        Some(&buyer),
        &json!({"delta": "1.00", "reason": "x", "remaining": "1.00"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.place_order(&buyer, "ma", &json!({"budget_line_id": line, "lines": [{"product_id": 1, "quantity": 1}], "delivery_address": "x", "total": "0.01"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.post("/api/v1/supplier/products", Some(&supplier), &json!({"category": "A02010105", "name": "n", "brand": "b", "model": "m", "unit": "台", "price": "1.00", "reference_price": "1.00", "stock": 1, "delivery_regions": "x", "lead_days": 1, "status": "listed"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.request(
        Method::PATCH,
        "/api/v1/supplier/products/1",
        Some(&supplier),
        Some(&json!({"status": "listed"})),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.post(
        "/api/v1/orders/1/confirm",
        Some(&supplier),
        &json!({"status": "accepted"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM budget_lines WHERE code = 'MA'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_supplier_cannot_use_the_operators_review_routes_on_its_own_product() {
    let app = TestApp::spawn().await;
    let product = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let supplier = app.login("supplier1").await;
    for action in ["approve", "reject", "delist"] {
        app.post(
            &format!("/api/v1/review/products/{product}/{action}"),
            Some(&supplier),
            &json!({"reason": "自行下架"}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    }
    let listing = app
        .get(
            &format!("/api/v1/supplier/products/{product}"),
            Some(&supplier),
        )
        .await;
    assert_eq!(listing.body["status"], "listed", "{}", listing.body);
    // A purchaser's malformed calendar is refused for the role before the body is read.
    let buyer = app.login("buyer1").await;
    app.send(
        axum::http::Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/calendar/years/2027")
            .header("authorization", format!("Bearer {buyer}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{not a calendar"))
            .unwrap(),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}
