//! The operator registers organizations and users; credit codes are checked.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn operator_registers_a_supplier_and_its_user_who_can_then_list() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let org = app
        .post("/api/v1/admin/organizations", Some(&operator),
            &json!({"kind": "supplier", "name": "重庆测试电子有限公司", "credit_code": "91350100M000100Y43", "enterprise_size": "small", "region": "重庆市江北区"}))
        .await;
    org.assert_status(StatusCode::CREATED);
    let org_id = org.body["id"].as_i64().unwrap();
    app.post("/api/v1/admin/organizations", Some(&operator),
        &json!({"kind": "supplier", "name": "重复", "credit_code": "91350100M000100Y43", "enterprise_size": "small"}))
        .await
        .assert_error(StatusCode::CONFLICT, "ORGANIZATION_EXISTS");
    let bad = app
        .post("/api/v1/admin/organizations", Some(&operator),
            &json!({"kind": "supplier", "name": "错码", "credit_code": "91350100M000100Y44", "enterprise_size": "small"}))
        .await;
    bad.assert_error(StatusCode::BAD_REQUEST, "CREDIT_CODE_INVALID");
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'3'")
    );
    app.post("/api/v1/admin/users", Some(&operator),
        &json!({"org_id": org_id, "username": "newseller", "display_name": "新销售", "password": "short", "roles": ["seller"]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.post("/api/v1/admin/users", Some(&operator),
        &json!({"org_id": org_id, "username": "newseller", "display_name": "新销售", "password": "longenough", "roles": ["buyer"]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.post("/api/v1/admin/users", Some(&operator),
        &json!({"org_id": org_id, "username": "newseller", "display_name": "新销售", "password": "longenough", "roles": ["seller"]}))
        .await
        .assert_status(StatusCode::CREATED);
    app.post("/api/v1/admin/users", Some(&operator),
        &json!({"org_id": org_id, "username": "newseller", "display_name": "x", "password": "longenough", "roles": ["seller"]}))
        .await
        .assert_error(StatusCode::CONFLICT, "USERNAME_TAKEN");
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "newseller", "password": "longenough"}),
        )
        .await;
    login.assert_status(StatusCode::OK);
    let token = login.body["token"].as_str().unwrap();
    app.post("/api/v1/supplier/products", Some(token),
        &json!({"category": "A02010105", "name": "新商品 台式电脑", "brand": "X", "model": "Y", "unit": "台",
                "price": "100.00", "reference_price": "120.00", "stock": 5, "delivery_regions": "重庆", "lead_days": 2}))
        .await
        .assert_status(StatusCode::CREATED);
    // Nobody but the operator registers organizations.
    let buyer = app.login("buyer1").await;
    app.post(
        "/api/v1/admin/organizations",
        Some(&buyer),
        &json!({"kind": "purchaser", "name": "x"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}
