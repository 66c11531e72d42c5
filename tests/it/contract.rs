//! The API contract: amounts never pass the documented maximum, a refused write leaves nothing
//! behind, and unique constraints become conflicts.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_budget_adjustment_past_the_maximum_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-MAX", "90000000000.00").await;
    let (app, buyer) = (&app, &buyer);
    let adjust = |delta: &'static str| async move {
        app.post(
            &format!("/api/v1/budgets/{line}/adjustments"),
            Some(buyer),
            &json!({"delta": delta, "reason": "追加"}),
        )
        .await
    };
    let r = adjust("90000000000.00").await;
    r.assert_error(StatusCode::BAD_REQUEST, "AMOUNT_TOO_LARGE");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("¥100,000,000,000.00"),
        "the message names the maximum: {}",
        r.body
    );
    assert_eq!(r.body["error"]["details"]["max"], "100000000000.00");
    assert_eq!(
        app.budget_line(buyer, line).await["amount"],
        "90000000000.00"
    );
    // Up to the maximum exactly is fine.
    let r = adjust("10000000000.00").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["amount"], "100000000000.00");
    adjust("0.01")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "AMOUNT_TOO_LARGE");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM budget_adjustments WHERE budget_line_id = {line}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_cart_addition_whose_total_is_too_large_keeps_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let dear = app
        .listed_product("supplier1", "100000000000.00", 10, "A02010105")
        .await;
    let cheap = app
        .listed_product("supplier2", "1.00", 10, "A02010105")
        .await;
    let (app, buyer) = (&app, &buyer);
    let add = |product: i64, quantity: i64| async move {
        app.post(
            "/api/v1/cart",
            Some(buyer),
            &json!({"product_id": product, "quantity": quantity}),
        )
        .await
    };
    add(dear, 1).await.assert_status(StatusCode::OK);
    add(cheap, 1)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "AMOUNT_TOO_LARGE");
    add(dear, 1)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "AMOUNT_TOO_LARGE");
    app.request(
        Method::PUT,
        &format!("/api/v1/cart/{dear}"),
        Some(buyer),
        Some(&json!({"quantity": 2})),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "AMOUNT_TOO_LARGE");
    let cart = app.get("/api/v1/cart", Some(buyer)).await;
    cart.assert_status(StatusCode::OK);
    assert_eq!(cart.body["total"], "100000000000.00");
    assert_eq!(cart.body["item_count"], 1, "{}", cart.body);
}

#[tokio::test]
async fn rates_have_at_most_four_decimals_and_stay_within_a_hundred_percent() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let rate = |percent: &str| {
        json!({"kind": "lpr1y", "effective_from": "2026-02-20", "percent": percent,
               "announced_by": "中国人民银行授权全国银行间同业拆借中心公告"})
    };
    for bad in ["3.00001", "3.14159265358979323846", "100.5", "-3", "3e0"] {
        app.post(
            "/api/v1/settlement/reference-rates",
            Some(&operator),
            &rate(bad),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    }
    app.post(
        "/api/v1/settlement/reference-rates",
        Some(&operator),
        &json!({"kind": "lpr1y", "effective_from": "2026-02-20", "percent": 3.1,
                "announced_by": "x"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    app.post(
        "/api/v1/settlement/reference-rates",
        Some(&operator),
        &rate("3.0125"),
    )
    .await
    .assert_status(StatusCode::CREATED);

    let terms = |share: &str, annual: &str| {
        json!({
            "method": "one_payment",
            "instalments": [{"share_percent": share, "trigger": "acceptance", "days_after": 30}],
            "late_interest": {"kind": "agreed_annual", "annual_percent": annual},
            "acceptance_period_days": 7,
            "extended_term_agreed": false,
        })
    };
    for (share, annual) in [("100", "3.123456789"), ("99.99999", "3.5"), ("100", "1000")] {
        app.request(
            Method::PUT,
            "/api/v1/settlement/default-terms/A02010105",
            Some(&operator),
            Some(&terms(share, annual)),
            &[],
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    }
    app.request(
        Method::PUT,
        "/api/v1/settlement/default-terms/A02010105",
        Some(&operator),
        Some(&terms("100", "3.1234")),
        &[],
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn pages_and_docs_send_security_headers() {
    let app = TestApp::spawn().await;
    let search = format!("/search?q={}", crate::support::urlencode("电脑"));
    for path in ["/", "/login", search.as_str()] {
        let r = app.get(path, None).await;
        let headers = &r.headers;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "pages run no scripts: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    // Swagger UI keeps working: its scripts and inline styles come from this origin.
    let docs = app.get("/docs/", None).await;
    docs.assert_status(StatusCode::OK);
    let csp = docs.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert_eq!(docs.headers["x-frame-options"], "DENY");
    // The API is never sniffed either.
    let api = app.get("/api/v1/catalog/categories", None).await;
    assert_eq!(api.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn racing_creates_of_the_same_thing_get_one_created_and_conflicts() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let buyer = app.login("buyer1").await;
    let unit = app.get("/api/v1/auth/me", Some(&buyer)).await.body["org_id"].clone();
    let line = json!({"org_id": unit, "code": "T-RACE", "fiscal_year": 2026,
                      "fund_source": "一般公共预算", "amount": "100.00"});
    let user = json!({"org_id": unit, "username": "racer", "display_name": "racer",
                      "password": "long enough", "roles": ["buyer"]});
    let procedure = json!({"procedure_no": "RACE-1", "name": "江北区办公设备采购",
                           "budget": "1000000.00", "deposit_required": false});
    for (path, token, body) in [
        ("/api/v1/budgets", &operator, &line),
        ("/api/v1/admin/users", &operator, &user),
        ("/api/v1/procedures", &buyer, &procedure),
    ] {
        let results =
            futures::future::join_all((0..6).map(|_| app.post(path, Some(token), body))).await;
        let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{path}: {statuses:?}"
        );
        for r in results.iter().filter(|r| r.status != StatusCode::CREATED) {
            assert_eq!(r.status, StatusCode::CONFLICT, "{path}: {}", r.body);
            assert!(
                [
                    "BUDGET_LINE_EXISTS",
                    "USERNAME_TAKEN",
                    "PROCEDURE_EXISTS",
                    "ALREADY_EXISTS"
                ]
                .contains(&r.code()),
                "{path}: {}",
                r.body
            );
        }
    }
    // One order placed six times at once under one Idempotency-Key: one order, never a 500.
    let line_id = app
        .new_budget_line(&buyer, "T-RACE-ORDER", "10000.00")
        .await;
    let product = app
        .listed_product("supplier1", "100.00", 10, "A02010105")
        .await;
    let order = json!({"budget_line_id": line_id, "delivery_address": "江北区",
                       "lines": [{"product_id": product, "quantity": 1}]});
    let results =
        futures::future::join_all((0..6).map(|_| app.place_order(&buyer, "race-key", &order)))
            .await;
    for r in &results {
        assert!(
            r.status == StatusCode::CREATED
                || (r.status == StatusCode::CONFLICT
                    && ["IDEMPOTENCY_IN_PROGRESS", "ALREADY_EXISTS"].contains(&r.code())),
            "{}: {}",
            r.status,
            r.body
        );
    }
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE budget_line_id = {line_id}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn text_fields_refuse_control_override_and_invisible_characters() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier1").await;
    let product = |name: &str, specification: &str| {
        json!({"category": "A02010105", "name": name, "brand": "测试", "model": "T-1",
               "unit": "台", "price": "100.00", "reference_price": "100.00", "stock": 1,
               "delivery_regions": "重庆市全域", "lead_days": 3, "specification": specification})
    };
    for name in [
        "发票\u{202E}exe.pdf",
        "台式\u{200B}电脑",
        "nul\u{0}byte",
        "两行\n名字",
        "\u{2066}isolate",
    ] {
        let r = app
            .post(
                "/api/v1/supplier/products",
                Some(&supplier),
                &product(name, ""),
            )
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "TEXT_INVALID");
        assert!(
            r.body["error"]["details"]["character"]
                .as_str()
                .unwrap()
                .starts_with("U+")
        );
    }
    // The English message names the field, not its path.
    let r = app
        .post(
            "/api/v1/supplier/products",
            Some(&supplier),
            &product("两行\n名字", ""),
        )
        .await;
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Product name"),
        "{}",
        r.body
    );
    // Line breaks are fine in a multi-line specification, not invisible characters.
    app.post(
        "/api/v1/supplier/products",
        Some(&supplier),
        &product("台式电脑", "CPU: i5\n内存: 16GB"),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.post(
        "/api/v1/supplier/products",
        Some(&supplier),
        &product("台式电脑", "CPU\u{FEFF}: i5"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "TEXT_INVALID");
    // Every body is checked, whatever the field: an order note, a budget line's fund source.
    let buyer = app.login("buyer1").await;
    let r = app
        .place_order(
            &buyer,
            "bidi",
            &json!({"budget_line_id": 1, "lines": [{"product_id": 1, "quantity": 1}],
                    "delivery_address": "江北区", "note": "请\u{202D}尽快"}),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "TEXT_INVALID");
    let operator = app.login("operator").await;
    app.post(
        "/api/v1/admin/organizations",
        Some(&operator),
        &json!({"kind": "purchaser", "name": "重庆市\u{200D}某单位"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "TEXT_INVALID");
}
