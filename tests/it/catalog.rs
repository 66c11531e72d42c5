//! Search, product pages, listing and review, the price cap and price monitoring.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, urlencode};

#[tokio::test]
async fn two_character_chinese_query_finds_longer_names() {
    let app = TestApp::spawn().await;
    let r = app
        .search(&format!("q={}&per_page=50", urlencode("电脑")))
        .await;
    r.assert_status(StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    assert!(r.body["total"].as_u64().unwrap() >= 20);
    assert!(items.iter().all(|p| {
        let text = format!("{}{}", p["name"], p["category_name"]);
        text.contains("电") && text.contains("脑")
    }));
    assert!(
        items
            .iter()
            .any(|p| p["name"].as_str().unwrap().contains("台式电脑"))
    );
    assert_eq!(r.body["page"], 1);
    assert_eq!(r.body["per_page"], 50);
}

#[tokio::test]
async fn brand_and_model_query_matches() {
    let app = TestApp::spawn().await;
    let r = app.search(&format!("q={}", urlencode("ThinkPad X1"))).await;
    r.assert_status(StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for p in items {
        let name = p["name"].as_str().unwrap();
        assert!(name.contains("ThinkPad") && name.contains("X1"), "{name}");
    }
}

#[tokio::test]
async fn filters_sorting_and_pagination() {
    let app = TestApp::spawn().await;
    let q = urlencode("电脑");
    let cheap_first = app
        .search(&format!(
            "q={q}&sort=price_asc&min_price=3000&max_price=8000&per_page=100"
        ))
        .await;
    cheap_first.assert_status(StatusCode::OK);
    let prices: Vec<f64> = cheap_first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price"].as_str().unwrap().parse::<f64>().unwrap())
        .collect();
    assert!(!prices.is_empty());
    assert!(
        prices.windows(2).all(|w| w[0] <= w[1]),
        "sorted by price: {prices:?}"
    );
    assert!(prices.iter().all(|p| (3000.0..=8000.0).contains(p)));

    let sme = app
        .search(&format!("q={q}&sme_only=true&per_page=100"))
        .await;
    assert!(
        sme.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["enterprise_size"] != "large")
    );
    let all = app.search(&format!("q={q}&per_page=100")).await;
    assert!(sme.body["total"].as_u64() < all.body["total"].as_u64());

    let category = app.search("category=A0201&per_page=100").await;
    assert!(
        category.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["category"].as_str().unwrap().starts_with("A0201"))
    );

    let first = all.body["items"][0]["supplier_id"].as_i64().unwrap();
    let by_supplier = app
        .search(&format!("supplier_id={first}&per_page=100"))
        .await;
    assert!(
        by_supplier.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["supplier_id"] == first)
    );

    let page1 = app.search(&format!("q={q}&per_page=5&page=1")).await;
    let page2 = app.search(&format!("q={q}&per_page=5&page=2")).await;
    assert_eq!(page1.body["total"], page2.body["total"]);
    assert_ne!(page1.body["items"][0]["id"], page2.body["items"][0]["id"]);
    let beyond = app.search(&format!("q={q}&per_page=5&page=1000")).await;
    assert_eq!(beyond.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond.body["total"], page1.body["total"]);
}

#[tokio::test]
async fn bad_search_parameters_are_400() {
    let app = TestApp::spawn().await;
    for query in [
        "sort=cheapest",
        "min_price=abc",
        "min_price=1.001",
        "per_page=0",
        "per_page=1000",
        "page=0",
        "min_price=10&max_price=5",
        "bogus=1",
        "supplier_id=x",
    ] {
        app.search(query)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    }
}

/// A bad price bound is named by its label, never by the query parameter.
#[tokio::test]
async fn a_bad_price_bound_is_named_in_words() {
    let app = TestApp::spawn().await;
    let refused = app.search("min_price=1.001").await;
    refused.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("“Min”"), "{message}");
    assert!(!message.contains("min_price"), "{message}");
}

#[tokio::test]
async fn product_page_and_unknown_product() {
    let app = TestApp::spawn().await;
    let first = app.find_product("电脑").await;
    let id = first["id"].as_i64().unwrap();
    let page = app
        .get(&format!("/api/v1/catalog/products/{id}"), None)
        .await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.body["name"], first["name"]);
    assert!(page.body["price"].as_str().unwrap().contains('.'));
    assert!(page.body["supplier_id"].as_i64().is_some());
    assert!(page.body["category"].as_str().is_some());
    app.get("/api/v1/catalog/products/999999", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn a_new_listing_waits_for_review_and_then_appears_in_search() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier3").await;
    let body = json!({"category": "A02010105", "name": "紫光 清华同方 超越 E500 台式电脑 国产化", "brand": "清华同方",
        "model": "E500-ZX", "specification": "兆芯 KX-6640 / 8G / 256G", "unit": "台", "price": "4200.00",
        "reference_price": "4500.00", "stock": 10, "delivery_regions": "重庆市全域", "lead_days": 5});
    let created = app
        .post("/api/v1/supplier/products", Some(&supplier), &body)
        .await;
    created.assert_status(StatusCode::CREATED);
    assert_eq!(created.body["status"], "pending");
    let id = created.body["id"].as_i64().unwrap();
    let q = format!("q={}", urlencode("超越 E500"));
    assert_eq!(
        app.search(&q).await.body["total"],
        0,
        "pending products are not for sale"
    );
    app.get(&format!("/api/v1/catalog/products/{id}"), None)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let operator = app.login("operator").await;
    let queue = app.get("/api/v1/review/products", Some(&operator)).await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id)
    );
    // Suppliers cannot approve.
    app.post(
        &format!("/api/v1/review/products/{id}/approve"),
        Some(&supplier),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.post(
        &format!("/api/v1/review/products/{id}/reject"),
        Some(&operator),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let approved = app
        .post(
            &format!("/api/v1/review/products/{id}/approve"),
            Some(&operator),
            &json!({}),
        )
        .await;
    approved.assert_status(StatusCode::OK);
    assert_eq!(approved.body["status"], "listed");
    let found = app.search(&q).await;
    assert_eq!(found.body["total"], 1);
    assert_eq!(found.body["items"][0]["id"], id);
    // Approving twice is an illegal transition.
    app.post(
        &format!("/api/v1/review/products/{id}/approve"),
        Some(&operator),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let delisted = app
        .post(
            &format!("/api/v1/review/products/{id}/delist"),
            Some(&operator),
            &json!({"reason": "资质到期"}),
        )
        .await;
    delisted.assert_status(StatusCode::OK);
    assert_eq!(delisted.body["status_reason"], "资质到期");
    assert_eq!(app.search(&q).await.body["total"], 0);
    assert!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE subject_type = 'product' AND subject_id = '{id}'"
        ))
        .await
            >= 3
    );
}

#[tokio::test]
async fn listing_price_above_reference_is_refused() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier1").await;
    let r = app
        .post(
            "/api/v1/supplier/products",
            Some(&supplier),
            &json!({"category": "A02010105", "name": "贵的电脑", "brand": "X", "model": "Y", "unit": "台",
                    "price": "5000.01", "reference_price": "5000.00", "stock": 1,
                    "delivery_regions": "重庆", "lead_days": 1}),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "PRICE_ABOVE_REFERENCE");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("¥5,000.00")
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM products WHERE name = '贵的电脑'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_large_cut_is_on_sale_at_once_and_a_rejection_restores_the_price() {
    let app = TestApp::spawn().await;
    let id = app
        .listed_product("supplier2", "1000.00", 50, "A02010105")
        .await;
    let supplier = app.login("supplier2").await;
    // A 10% cut stays listed and needs no review.
    let r = app
        .patch_product(&supplier, id, json!({"price": "900.00"}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "listed");
    assert_eq!(r.body["price_flagged"], false);
    assert_eq!(r.body["price_outcome"], "on_sale");
    assert_eq!(app.listed_price(id).await.as_deref(), Some("900.00"));
    // A further cut to 750 is 25% below the price at the start of the window: on sale at once
    // (a buyer only gains) and sent to the operator.
    app.clock.advance(chrono::Duration::days(3));
    let supplier = app.login("supplier2").await;
    let r = app
        .patch_product(&supplier, id, json!({"price": "750.00"}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "listed");
    assert_eq!(r.body["price_outcome"], "on_sale_under_review");
    assert_eq!(r.body["price_before_review"], "900.00");
    assert_eq!(app.listed_price(id).await.as_deref(), Some("750.00"));
    let history = app
        .get(
            &format!("/api/v1/supplier/products/{id}/price-history"),
            Some(&supplier),
        )
        .await;
    let changes = history.body.as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["new_price"], "750.00");
    assert_eq!(changes[1]["old_price"], "1000.00");
    // Raising the price above the reference is refused and changes nothing.
    app.patch_product(&supplier, id, json!({"price": "1000.01"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "PRICE_ABOVE_REFERENCE");
    assert_eq!(
        app.scalar(&format!("SELECT price_fen FROM products WHERE id = {id}"))
            .await,
        75_000
    );
    // The operator sees it in the price queue; a rejection needs a reason, then restores 900.
    let operator = app.login("operator").await;
    let queue = app
        .get("/api/v1/review/price-changes", Some(&operator))
        .await;
    queue.assert_status(StatusCode::OK);
    assert_eq!(queue.body["items"][0]["id"], id);
    let path = format!("/api/v1/review/products/{id}/price/reject");
    app.post(&path, Some(&operator), &json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let rejected = app
        .post(
            &path,
            Some(&operator),
            &json!({"reason": "降价幅度异常，请核实"}),
        )
        .await;
    rejected.assert_status(StatusCode::OK);
    assert_eq!(rejected.body["price"], "900.00");
    assert_eq!(rejected.body["price_flagged"], false);
    assert_eq!(rejected.body["price_review_note"], "降价幅度异常，请核实");
    assert_eq!(app.listed_price(id).await.as_deref(), Some("900.00"));
    // Nothing is left to review: a second decision is a conflict.
    app.post(&path, Some(&operator), &json!({"reason": "again"}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
}

#[tokio::test]
async fn a_large_rise_waits_for_review_while_the_old_price_stays_on_sale() {
    let app = TestApp::spawn().await;
    let id = app
        .listed_product("supplier2", "1000.00", 50, "A02010105")
        .await;
    app.set_reference_price("supplier2", id, "2000.00").await;
    let supplier = app.login("supplier2").await;
    let r = app
        .patch_product(&supplier, id, json!({"price": "1300.00"}))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["price_outcome"], "held");
    assert_eq!(r.body["price"], "1000.00");
    assert_eq!(r.body["proposed_price"], "1300.00");
    // Buyers still see and pay the old price.
    assert_eq!(app.listed_price(id).await.as_deref(), Some("1000.00"));
    // A supplier may not decide its own price review.
    let own = format!("/api/v1/review/products/{id}/price/approve");
    app.post(&own, Some(&supplier), &json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let operator = app.login("operator").await;
    let approved = app.post(&own, Some(&operator), &json!({})).await;
    approved.assert_status(StatusCode::OK);
    assert_eq!(approved.body["price"], "1300.00");
    assert_eq!(approved.body["proposed_price"], serde_json::Value::Null);
    assert_eq!(app.listed_price(id).await.as_deref(), Some("1300.00"));
}

#[tokio::test]
async fn a_penalized_supplier_cannot_list_and_disappears_from_search() {
    let app = TestApp::spawn().await;
    let id = app
        .listed_product("supplier4", "300.00", 5, "A02010105")
        .await;
    app.penalize("supplier4").await;
    let supplier = app.login("supplier4").await;
    app.post(
        "/api/v1/supplier/products",
        Some(&supplier),
        &json!({"category": "A02010105", "name": "新品", "brand": "X", "model": "Y", "unit": "台",
                "price": "1.00", "reference_price": "1.00", "stock": 1, "delivery_regions": "重庆", "lead_days": 1}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "SUPPLIER_PENALIZED");
    app.get(&format!("/api/v1/catalog/products/{id}"), None)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn categories_carry_this_years_limit_and_the_operator_can_change_it() {
    let app = TestApp::spawn().await;
    let cats = app.get("/api/v1/catalog/categories", None).await;
    cats.assert_status(StatusCode::OK);
    let desktop = cats
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "A02010105")
        .unwrap()
        .clone();
    assert_eq!(desktop["direct_purchase_limit"], "500000.00");
    assert_eq!(desktop["fiscal_year"], 2026);
    let operator = app.login("operator").await;
    let r = app
        .request(
            Method::PUT,
            "/api/v1/catalog/categories/A02010105/limit",
            Some(&operator),
            Some(&json!({"fiscal_year": 2026, "direct_purchase_limit": "200000.00"})),
            &[],
        )
        .await;
    r.assert_status(StatusCode::OK);
    let cats = app.get("/api/v1/catalog/categories", None).await;
    let desktop = cats
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "A02010105")
        .unwrap()
        .clone();
    assert_eq!(desktop["direct_purchase_limit"], "200000.00");
    let buyer = app.login("buyer1").await;
    app.request(
        Method::PUT,
        "/api/v1/catalog/categories/A02010105/limit",
        Some(&buyer),
        Some(&json!({"fiscal_year": 2026, "direct_purchase_limit": "1.00"})),
        &[],
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}
