//! Placing orders within budget, stock and limits; idempotency; the lifecycle with acceptance.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Options, TestApp};

fn order_body(budget_line_id: i64, lines: &[(i64, i64)]) -> Value {
    json!({
        "budget_line_id": budget_line_id,
        "lines": lines.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect::<Vec<_>>(),
        "delivery_address": "重庆市江北区建新北路 1 号 行政楼 301",
        "note": "工作日送货",
    })
}

async fn stock_of(app: &TestApp, product_id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT stock FROM products WHERE id = {product_id}"
    ))
    .await
}

#[tokio::test]
async fn an_order_takes_exactly_its_total_from_budget_and_stock() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-EXACT", "10000.00").await;
    let product = app
        .listed_product("supplier1", "3999.00", 10, "A02010105")
        .await;
    let r = app
        .place_order(&buyer, "order-1", &order_body(line, &[(product, 2)]))
        .await;
    r.assert_status(StatusCode::CREATED);
    let orders = r.body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["total"], "7998.00");
    assert_eq!(orders[0]["status"], "placed");
    assert!(orders[0]["id"].as_i64().is_some() && orders[0]["supplier_id"].as_i64().is_some());
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "2002.00");
    assert_eq!(stock_of(&app, product).await, 8);
    let id = orders[0]["id"].as_i64().unwrap();
    let view = app.get(&format!("/api/v1/orders/{id}"), Some(&buyer)).await;
    view.assert_status(StatusCode::OK);
    assert_eq!(view.body["lines"][0]["unit_price"], "3999.00");
    assert_eq!(view.body["lines"][0]["quantity"], 2);
    assert_eq!(
        view.body["delivery_address"],
        "重庆市江北区建新北路 1 号 行政楼 301"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'order.placed' AND subject_id = '{id}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn one_order_per_supplier_in_one_request() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-SPLIT", "1000.00").await;
    let a = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let b = app
        .listed_product("supplier2", "50.50", 10, "A02010105")
        .await;
    let r = app
        .place_order(
            &buyer,
            "split",
            &order_body(line, &[(a, 1), (b, 2), (a, 1)]),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let orders = r.body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    let totals: Vec<&str> = orders
        .iter()
        .map(|o| o["total"].as_str().unwrap())
        .collect();
    assert!(
        totals.contains(&"200.00") && totals.contains(&"101.00"),
        "{totals:?}"
    );
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "699.00");
    assert_eq!(stock_of(&app, a).await, 8);
}

#[tokio::test]
async fn the_same_key_replays_and_a_different_body_is_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer2").await;
    let line = app.new_budget_line(&buyer, "T-IDEM", "1000.00").await;
    let product = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let body = order_body(line, &[(product, 1)]);
    let first = app.place_order(&buyer, "same-key", &body).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.place_order(&buyer, "same-key", &body).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(first.body, again.body);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "900.00");
    assert_eq!(stock_of(&app, product).await, 9);
    let other = app
        .place_order(&buyer, "same-key", &order_body(line, &[(product, 2)]))
        .await;
    other.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED");
    // Keys are per user: another buyer's identical key is a new order.
    let buyer3 = app.login("buyer3").await;
    let line3 = app.new_budget_line(&buyer3, "T-IDEM3", "1000.00").await;
    app.place_order(&buyer3, "same-key", &order_body(line3, &[(product, 1)]))
        .await
        .assert_status(StatusCode::CREATED);
    // Without a key there is no order.
    let r = app
        .request(
            axum::http::Method::POST,
            "/api/v1/orders",
            Some(&buyer),
            Some(&body),
            &[],
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_REQUIRED");
}

#[tokio::test]
async fn short_budget_refuses_everything_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-SHORT", "150.00").await;
    let a = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let b = app
        .listed_product("supplier2", "60.00", 10, "A02010105")
        .await;
    let orders_before = app.scalar("SELECT COUNT(*) FROM orders").await;
    let r = app
        .place_order(&buyer, "short", &order_body(line, &[(a, 1), (b, 1)]))
        .await;
    r.assert_error(StatusCode::CONFLICT, "BUDGET_EXCEEDED");
    assert_eq!(r.body["error"]["details"]["remaining"], "150.00");
    assert_eq!(r.body["error"]["details"]["required"], "160.00");
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "150.00");
    assert_eq!(stock_of(&app, a).await, 10);
    assert_eq!(stock_of(&app, b).await, 10);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        orders_before
    );
    // A refused request stores nothing, so its key works once the request is fixed.
    app.place_order(&buyer, "short", &order_body(line, &[(a, 1)]))
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "50.00");
}

#[tokio::test]
async fn short_stock_unlisted_products_and_penalized_suppliers_refuse_the_order() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-STOCK", "100000.00").await;
    let product = app
        .listed_product("supplier1", "10.00", 3, "A02010105")
        .await;
    let r = app
        .place_order(&buyer, "stock", &order_body(line, &[(product, 4)]))
        .await;
    r.assert_error(StatusCode::CONFLICT, "STOCK_SHORT");
    assert_eq!(r.body["error"]["details"]["available"], 3);
    assert_eq!(
        app.budget_line(&buyer, line).await["remaining"],
        "100000.00"
    );

    app.place_order(&buyer, "missing", &order_body(line, &[(987_654, 1)]))
        .await
        .assert_error(StatusCode::CONFLICT, "PRODUCT_NOT_LISTED");

    let penalized = app
        .listed_product("supplier5", "10.00", 3, "A02010105")
        .await;
    app.penalize("supplier5").await;
    app.place_order(&buyer, "penalized", &order_body(line, &[(penalized, 1)]))
        .await
        .assert_error(StatusCode::CONFLICT, "SUPPLIER_PENALIZED");
    assert_eq!(stock_of(&app, penalized).await, 3);
}

/// With one connection, a refused placement (its stock and budget updates and its order insert
/// already sent) must roll back before the connection serves the next order: otherwise the
/// next `COMMIT` would also commit the refused order's writes.
#[tokio::test]
async fn a_refused_order_is_rolled_back_before_its_connection_is_reused() {
    let app = TestApp::spawn_with(Options {
        max_connections: 1,
        ..Options::default()
    })
    .await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-REUSE", "1000.00").await;
    let scarce = app
        .listed_product("supplier1", "10.00", 3, "A02010105")
        .await;
    let plenty = app
        .listed_product("supplier2", "10.00", 500, "A02010105")
        .await;
    let orders_before = app.scalar("SELECT COUNT(*) FROM orders").await;
    for round in 0..3 {
        app.place_order(
            &buyer,
            &format!("short-stock-{round}"),
            &order_body(line, &[(plenty, 1), (scarce, 4)]),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "STOCK_SHORT");
        app.place_order(
            &buyer,
            &format!("short-budget-{round}"),
            &order_body(line, &[(plenty, 200)]),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "BUDGET_EXCEEDED");
    }
    app.place_order(&buyer, "fits", &order_body(line, &[(plenty, 1)]))
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        orders_before + 1
    );
    assert_eq!(stock_of(&app, plenty).await, 499);
    assert_eq!(stock_of(&app, scarce).await, 3);
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "990.00");
    // The refused keys stored nothing, so each can be used again.
    app.place_order(&buyer, "short-budget-0", &order_body(line, &[(plenty, 2)]))
        .await
        .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn a_total_above_the_category_limit_names_the_limit_and_the_method() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-LIMIT", "2000000.00").await;
    let product = app
        .listed_product("supplier1", "100000.00", 10, "A02010105")
        .await;
    // Exactly at the ¥500,000 limit is allowed.
    app.place_order(&buyer, "at-limit", &order_body(line, &[(product, 5)]))
        .await
        .assert_status(StatusCode::CREATED);
    let over = app
        .place_order(&buyer, "over", &order_body(line, &[(product, 6)]))
        .await;
    over.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "DIRECT_PURCHASE_LIMIT_EXCEEDED",
    );
    assert_eq!(over.body["error"]["details"]["limit"], "500000.00");
    assert_eq!(over.body["error"]["details"]["category"], "A02010105");
    let message = over.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("¥500,000.00") && message.contains("central purchasing agency"),
        "{message}"
    );
    // In Chinese when asked, naming the category and the supplier by name, never by code or id.
    let chinese = app
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&buyer),
            Some(&order_body(line, &[(product, 6)])),
            &[
                ("idempotency-key", "over-zh"),
                ("accept-language", "zh-CN,zh;q=0.9"),
            ],
        )
        .await;
    let message = chinese.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("¥500,000.00")
            && message.contains("集中采购机构")
            && message.contains("台式计算机")
            && !message.contains("A02010105"),
        "{message}"
    );
}

#[tokio::test]
async fn bad_order_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.budget_lines(&buyer).await[0]["id"].as_i64().unwrap();
    let product = app.find_product("电脑").await["id"].as_i64().unwrap();
    for (body, code) in [
        (order_body(line, &[(product, 0)]), "VALIDATION_FAILED"),
        (order_body(line, &[(product, -1)]), "VALIDATION_FAILED"),
        (order_body(line, &[]), "VALIDATION_FAILED"),
        (
            json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": ""}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1.5}], "delivery_address": "x"}),
            "MALFORMED_JSON",
        ),
        (
            json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "x", "status": "accepted"}),
            "MALFORMED_JSON",
        ),
        (
            json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1, "price": "0.01"}], "delivery_address": "x"}),
            "MALFORMED_JSON",
        ),
    ] {
        app.place_order(&buyer, &uuid::Uuid::new_v4().to_string(), &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
    }
    // Suppliers do not buy.
    let supplier = app.login("supplier1").await;
    app.place_order(&supplier, "s", &order_body(line, &[(product, 1)]))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn lifecycle_from_placement_to_acceptance() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-LIFE", "10000.00").await;
    let product = app
        .listed_product("supplier1", "500.00", 10, "A02010105")
        .await;
    let placed = app
        .place_order(&buyer, "life", &order_body(line, &[(product, 2)]))
        .await;
    let id = placed.body["orders"][0]["id"].as_i64().unwrap();
    let supplier = app.login("supplier1").await;

    // The purchaser cannot confirm; accepting before delivery is illegal.
    app.order_action(&buyer, id, "confirm", json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    app.order_action(&buyer, id, "accept", json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let confirmed = app.order_action(&supplier, id, "confirm", json!({})).await;
    confirmed.assert_status(StatusCode::OK);
    assert_eq!(confirmed.body["status"], "confirmed");
    // The purchaser may no longer cancel once confirmed.
    app.order_action(&buyer, id, "cancel", json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    app.order_action(&supplier, id, "ship", json!({}))
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(chrono::Duration::days(2));
    let buyer = app.login("buyer1").await;
    let supplier = app.login("supplier1").await;
    app.order_action(&buyer, id, "deliver", json!({}))
        .await
        .assert_status(StatusCode::OK);
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"acceptance_date": "2030-01-01"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let accepted = app
        .order_action(
            &buyer,
            id,
            "accept",
            json!({"acceptance_date": "2026-03-04", "notes": "数量、型号与合同一致，运行正常"}),
        )
        .await;
    accepted.assert_status(StatusCode::OK);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["acceptance"]["result"], "accepted");
    assert_eq!(accepted.body["acceptance"]["acceptance_date"], "2026-03-04");
    assert_eq!(
        accepted.body["acceptance"]["notes"],
        "数量、型号与合同一致，运行正常"
    );
    app.order_action(&buyer, id, "reject", json!({"reason": "late"}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // Budget stays spent; every step is audited with its actor.
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "9000.00");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE subject_type = 'order' AND subject_id = '{id}' AND actor_user_id IS NOT NULL")).await, 5);

    let listed = app
        .get("/api/v1/orders?status=accepted", Some(&buyer))
        .await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(listed.body["total"], 1);
    let incoming = app.get("/api/v1/orders", Some(&supplier)).await;
    assert!(
        incoming.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id)
    );
}

#[tokio::test]
async fn cancelling_and_rejecting_return_budget_and_stock() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let supplier = app.login("supplier1").await;
    let line = app.new_budget_line(&buyer, "T-CANCEL", "1000.00").await;
    let product = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;

    let id = app
        .place_order(&buyer, "c1", &order_body(line, &[(product, 3)]))
        .await
        .body["orders"][0]["id"]
        .as_i64()
        .unwrap();
    let cancelled = app.order_action(&buyer, id, "cancel", json!({})).await;
    cancelled.assert_status(StatusCode::OK);
    assert_eq!(cancelled.body["status"], "cancelled");
    // No reason was given: none is made up (in one language for every reader).
    assert_eq!(cancelled.body["cancel_reason"], Value::Null);
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "1000.00");
    assert_eq!(stock_of(&app, product).await, 10);

    let id = app
        .place_order(&buyer, "c2", &order_body(line, &[(product, 2)]))
        .await
        .body["orders"][0]["id"]
        .as_i64()
        .unwrap();
    app.order_action(&supplier, id, "confirm", json!({}))
        .await
        .assert_status(StatusCode::OK);
    app.order_action(&supplier, id, "cancel", json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let by_supplier = app
        .order_action(&supplier, id, "cancel", json!({"reason": "厂家停产"}))
        .await;
    by_supplier.assert_status(StatusCode::OK);
    assert_eq!(by_supplier.body["cancel_reason"], "厂家停产");
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "1000.00");

    let id = app
        .place_order(&buyer, "c3", &order_body(line, &[(product, 1)]))
        .await
        .body["orders"][0]["id"]
        .as_i64()
        .unwrap();
    for action in ["confirm", "ship", "deliver"] {
        app.order_action(&supplier, id, action, json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    app.order_action(&buyer, id, "reject", json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let rejected = app
        .order_action(&buyer, id, "reject", json!({"notes": "型号不符"}))
        .await;
    rejected.assert_status(StatusCode::OK);
    assert_eq!(rejected.body["acceptance"]["result"], "rejected");
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "1000.00");
    assert_eq!(stock_of(&app, product).await, 10);
}

#[tokio::test]
async fn ordering_from_the_cart() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer3").await;
    let line = app.new_budget_line(&buyer, "T-CART", "5000.00").await;
    let a = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let b = app
        .listed_product("supplier2", "10.00", 10, "A02010105")
        .await;
    app.post(
        "/api/v1/cart",
        Some(&buyer),
        &json!({"product_id": a, "quantity": 1}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.post(
        "/api/v1/cart",
        Some(&buyer),
        &json!({"product_id": a, "quantity": 2}),
    )
    .await
    .assert_status(StatusCode::OK);
    let cart = app
        .post(
            "/api/v1/cart",
            Some(&buyer),
            &json!({"product_id": b, "quantity": 5}),
        )
        .await;
    assert_eq!(cart.body["total"], "350.00");
    assert_eq!(cart.body["suppliers"].as_array().unwrap().len(), 2);
    let changed = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/cart/{b}"),
            Some(&buyer),
            Some(&json!({"quantity": 1})),
            &[],
        )
        .await;
    assert_eq!(changed.body["total"], "310.00");
    app.post(
        "/api/v1/cart",
        Some(&buyer),
        &json!({"product_id": a, "quantity": 0}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = app
        .place_order(
            &buyer,
            "cart",
            &json!({"budget_line_id": line, "from_cart": true, "delivery_address": "江北区"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["orders"].as_array().unwrap().len(), 2);
    let cart = app.get("/api/v1/cart", Some(&buyer)).await;
    assert_eq!(cart.body["total"], "0.00");
    assert_eq!(app.budget_line(&buyer, line).await["remaining"], "4690.00");
    app.place_order(
        &buyer,
        "cart-2",
        &json!({"budget_line_id": line, "from_cart": true, "delivery_address": "江北区"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "CART_EMPTY");
}

#[tokio::test]
async fn budget_lines_are_adjusted_with_a_reason_and_never_below_zero() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-ADJ", "1000.00").await;
    let adjust = |delta: &str, reason: &str| {
        let body = json!({"delta": delta, "reason": reason});
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.post(
                &format!("/api/v1/budgets/{line}/adjustments"),
                Some(&buyer),
                &body,
            )
            .await
        }
    };
    let r = adjust("500.00", "追加预算").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["amount"], "1500.00");
    assert_eq!(r.body["remaining"], "1500.00");
    adjust("-1500.01", "调减")
        .await
        .assert_error(StatusCode::CONFLICT, "BUDGET_EXCEEDED");
    adjust("-100.00", "")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = adjust("-1500.00", "全部调减").await;
    assert_eq!(r.body["remaining"], "0.00");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM budget_adjustments WHERE budget_line_id = {line}"
        ))
        .await,
        2
    );
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE subject_type = 'budget_line' AND subject_id = '{line}'")).await, 3);
}

/// Settlement answers the mall's question "may this unit order?" with a typed value: the oldest
/// shipped contract with nothing paid once the days have passed, and nothing after a payment.
#[tokio::test]
async fn the_ordering_restriction_is_a_typed_answer_naming_the_unpaid_contract() {
    use gpmall_settlement::service::ordering_restriction::ordering_restriction;

    use crate::settlement::{account_of, advance, contract_of, order};

    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "300.00").await;
    advance(&app, id, &[("supplier1", "confirm"), ("supplier1", "ship")]).await;
    let buyer = app.login("buyer1").await;
    let contract = contract_of(&app, &buyer).await;
    let unit = contract["purchaser_org_id"].as_i64().unwrap();
    let shipped: chrono::NaiveDate = contract["shipped_on"].as_str().unwrap().parse().unwrap();
    let day = |n: u64| shipped.checked_add_days(chrono::Days::new(n)).unwrap();
    let db = &app.ctx.db;
    assert_eq!(
        ordering_restriction(db, unit, day(44), 45).await.unwrap(),
        None
    );
    let found = ordering_restriction(db, unit, day(45), 45)
        .await
        .unwrap()
        .expect("restricted 45 days after shipping");
    assert_eq!(found.contract_no, contract["contract_no"].as_str().unwrap());
    assert_eq!(found.shipped_on, shipped);
    assert_eq!(found.days, 45);
    // Another unit is not restricted by this contract.
    assert_eq!(
        ordering_restriction(db, unit + 1000, day(45), 45)
            .await
            .unwrap(),
        None
    );
    app.post(
        &format!("/api/v1/contracts/{}/payments", contract["id"]),
        Some(&buyer),
        &json!({"amount": "100.00", "paid_on": shipped.to_string(), "voucher_no": "PZ-T1",
            "account": account_of(&contract)}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        ordering_restriction(db, unit, day(45), 45).await.unwrap(),
        None
    );
}

/// Budget refusals say what was wrong in words and amounts, not in field names.
#[tokio::test]
async fn budget_refusals_name_what_is_wrong_in_words() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-WORDS", "1000.00").await;
    let adjust = |delta: &'static str| {
        let (app, buyer) = (&app, &buyer);
        async move {
            app.post(
                &format!("/api/v1/budgets/{line}/adjustments"),
                Some(buyer),
                &json!({"delta": delta, "reason": "调整"}),
            )
            .await
        }
    };
    let zero = adjust("0.00").await;
    zero.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(
        zero.body["error"]["message"],
        "The adjustment must not be zero."
    );
    let cut = adjust("-1500.00").await;
    cut.assert_error(StatusCode::CONFLICT, "BUDGET_EXCEEDED");
    assert_eq!(
        cut.body["error"]["message"],
        "A cut of ¥1,500.00 is more than the ¥1,000.00 that remains unspent."
    );
    let unit = app.get("/api/v1/auth/me", Some(&buyer)).await.body["org_id"].clone();
    let operator = app.login("operator").await;
    let again = app
        .post(
            "/api/v1/budgets",
            Some(&operator),
            &json!({"org_id": unit, "code": "T-WORDS", "fiscal_year": 2026,
                "fund_source": "财政拨款", "amount": "1.00"}),
        )
        .await;
    again.assert_error(StatusCode::CONFLICT, "BUDGET_LINE_EXISTS");
    assert_eq!(
        again.body["error"]["message"],
        "Budget line T-WORDS already exists for 2026."
    );
}
