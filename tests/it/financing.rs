//! Financing: the operator's bank registry and products, suppliers comparing products and
//! applying against their own contracts, who sees which application, withdrawal.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::law::order_from;
use crate::settlement::advance;
use crate::support::TestApp;

/// A contract for `price` between buyer1 and `supplier`, signed when the supplier confirmed.
pub(crate) async fn signed_contract(app: &TestApp, supplier: &str, price: &str) -> Value {
    let order = order_from(app, "buyer1", supplier, price).await;
    advance(app, order, &[(supplier, "confirm")]).await;
    let token = app.login(supplier).await;
    crate::law::contract_for(app, &token, order).await
}

pub(crate) async fn product_id(app: &TestApp, token: &str, code: &str) -> i64 {
    let list = app.get("/api/v1/financing/products", Some(token)).await;
    list.assert_status(StatusCode::OK);
    list.body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("product {code}"))["id"]
        .as_i64()
        .unwrap()
}

async fn apply(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &Value,
) -> crate::support::TestResponse {
    apply_in(app, token, key, body, "en").await
}

async fn apply_in(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &Value,
    lang: &str,
) -> crate::support::TestResponse {
    app.request(
        Method::POST,
        "/api/v1/financing/applications",
        Some(token),
        Some(body),
        &[("idempotency-key", key), ("accept-language", lang)],
    )
    .await
}

fn application(contract: &Value, product: i64, amount: &str, months: u32) -> Value {
    json!({"contract_id": contract["id"], "product_id": product, "amount": amount,
           "term_months": months, "consent": true})
}

#[tokio::test]
async fn suppliers_compare_the_products_with_what_each_lends_to_them() {
    let app = TestApp::spawn().await;
    let large = app.login("supplier1").await;
    let list = app.get("/api/v1/financing/products", Some(&large)).await;
    list.assert_status(StatusCode::OK);
    let by_code = |code: &str| {
        list.body
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == code)
            .cloned()
            .unwrap()
    };
    let rural = by_code("ZCD-XY");
    assert_eq!(rural["bank_name"], "重庆农村商业银行江北支行");
    assert_eq!(rural["max_share_percent"], "80");
    assert_eq!(rural["rate_min_percent"], "3.45");
    assert_eq!(
        rural["eligible"], false,
        "the rural bank lends to SMEs only"
    );
    assert_eq!(by_code("ZCED")["eligible"], true);
    let small = app.login("supplier5").await;
    let list = app.get("/api/v1/financing/products", Some(&small)).await;
    assert!(
        list.body
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["eligible"] == true)
    );
    // The operator sees them without an eligibility; a purchasing unit is not shown them.
    let operator = app.login("operator").await;
    let list = app.get("/api/v1/financing/products", Some(&operator)).await;
    assert!(list.body[0]["eligible"].is_null());
    let buyer = app.login("buyer1").await;
    app.get("/api/v1/financing/products", Some(&buyer))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn a_supplier_applies_once_per_bank_sees_its_timeline_and_withdraws() {
    let app = TestApp::spawn().await;
    let contract = signed_contract(&app, "supplier5", "10000.00").await;
    let supplier = app.login("supplier5").await;
    let product = product_id(&app, &supplier, "ZCD-XY").await;
    let body = application(&contract, product, "8000.00", 6);

    let first = apply(&app, &supplier, "fa-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let view = &first.body["application"];
    let id = view["id"].as_i64().unwrap();
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["contract_no"], contract["contract_no"]);
    assert_eq!(view["bank_name"], "重庆农村商业银行江北支行");
    assert_eq!(view["product_name"], "政采贷·信用贷");
    assert_eq!(view["purchaser_name"], contract["purchaser_name"]);
    assert_eq!(view["unpaid_at_application"], "10000.00");
    assert_eq!(view["actions"]["withdraw"], true);
    assert!(
        view["application_no"]
            .as_str()
            .unwrap()
            .starts_with("FA2026")
    );
    assert!(!view["consented_by"].as_str().unwrap().is_empty());
    assert_eq!(first.body["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(first.body["timeline"][0]["kind"], "submitted");

    // A retry with the same key is the same application; a new one for the same bank is not.
    let retry = apply(&app, &supplier, "fa-1", &body).await;
    retry.assert_status(StatusCode::CREATED);
    assert_eq!(retry.body["application"]["id"], id);
    let again = apply(&app, &supplier, "fa-2", &body).await;
    again.assert_error(StatusCode::CONFLICT, "FINANCING_APPLICATION_EXISTS");
    assert!(
        again.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(contract["contract_no"].as_str().unwrap())
    );
    // Another bank may be asked at the same time.
    let ccb = product_id(&app, &supplier, "ZCED").await;
    apply(
        &app,
        &supplier,
        "fa-3",
        &application(&contract, ccb, "7000.00", 6),
    )
    .await
    .assert_status(StatusCode::CREATED);

    // Who sees it: the supplier, the bank it went to, supervision; not another supplier or
    // bank, and purchasing units are not shown applications at all.
    let path = format!("/api/v1/financing/applications/{id}");
    for (user, status) in [
        ("supplier5", StatusCode::OK),
        ("bank1", StatusCode::OK),
        ("operator", StatusCode::OK),
        ("regulator", StatusCode::OK),
        ("supplier6", StatusCode::NOT_FOUND),
        ("bank2", StatusCode::NOT_FOUND),
        ("buyer1", StatusCode::FORBIDDEN),
    ] {
        let token = app.login(user).await;
        app.get(&path, Some(&token)).await.assert_status(status);
    }
    let bank = app.login("bank1").await;
    let list = app.get("/api/v1/financing/applications", Some(&bank)).await;
    assert_eq!(list.body["total"], 1, "bank1 sees only what was sent to it");
    assert_eq!(list.body["items"][0]["actions"]["withdraw"], false);
    let other = app.login("supplier6").await;
    let list = app
        .get("/api/v1/financing/applications", Some(&other))
        .await;
    assert_eq!(list.body["total"], 0);
    app.post(&format!("{path}/withdraw"), Some(&other), &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");

    let withdrawn = app
        .post(&format!("{path}/withdraw"), Some(&supplier), &json!({}))
        .await;
    withdrawn.assert_status(StatusCode::OK);
    assert_eq!(withdrawn.body["application"]["status"], "withdrawn");
    assert_eq!(withdrawn.body["application"]["actions"]["withdraw"], false);
    let timeline = withdrawn.body["timeline"].as_array().unwrap();
    assert_eq!(
        timeline
            .iter()
            .map(|e| e["kind"].clone())
            .collect::<Vec<_>>(),
        vec![json!("submitted"), json!("withdraw")]
    );
    assert!(timeline[1]["by"].is_string());
    app.post(&format!("{path}/withdraw"), Some(&supplier), &json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "FINANCING_APPLICATION_ENDED");
    let audited = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE subject_type = 'loan_application' AND subject_id = '{id}'"
        ))
        .await;
    assert_eq!(audited, 2);
    // Withdrawn, it no longer blocks a new application to the same bank.
    apply(&app, &supplier, "fa-4", &body)
        .await
        .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn an_application_that_breaks_a_rule_is_refused_saying_which() {
    let app = TestApp::spawn().await;
    let contract = signed_contract(&app, "supplier5", "10000.00").await;
    let supplier = app.login("supplier5").await;
    let rural = product_id(&app, &supplier, "ZCD-XY").await;

    let mut no_consent = application(&contract, rural, "100.00", 6);
    no_consent["consent"] = json!(false);
    apply(&app, &supplier, "r-1", &no_consent)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "CONSENT_REQUIRED");

    // 80% of the ¥10,000 unpaid is ¥8,000.
    let over = apply_in(
        &app,
        &supplier,
        "r-2",
        &application(&contract, rural, "8000.01", 6),
        "zh-CN",
    )
    .await;
    over.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "AMOUNT_OVER_UNPAID_SHARE");
    let message = over.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("¥8,000.00") && message.contains("¥10,000.00"),
        "{message}"
    );
    assert!(message.contains("超过"), "{message}");
    assert_eq!(over.body["error"]["details"]["ceiling"], "8000.00");

    apply(
        &app,
        &supplier,
        "r-3",
        &application(&contract, rural, "1000.00", 13),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "TERM_OUT_OF_RANGE");
    apply(
        &app,
        &supplier,
        "r-4",
        &application(&contract, rural, "0.00", 6),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let mut unknown = application(&contract, 999_999, "100.00", 6);
    unknown["product_id"] = json!(999_999);
    apply(&app, &supplier, "r-5", &unknown)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.request(
        Method::POST,
        "/api/v1/financing/applications",
        Some(&supplier),
        Some(&application(&contract, rural, "100.00", 6)),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_REQUIRED");
    let mut extra = application(&contract, rural, "100.00", 6);
    extra["callback_url"] = json!("http://attacker.example/");
    apply(&app, &supplier, "r-6", &extra)
        .await
        .assert_status(StatusCode::BAD_REQUEST);

    // Another supplier's contract is not found; a large enterprise is not lent to by an SME
    // product; a penalized supplier cannot apply.
    let other = app.login("supplier6").await;
    apply(
        &app,
        &other,
        "r-7",
        &application(&contract, rural, "100.00", 6),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let large_contract = signed_contract(&app, "supplier1", "10000.00").await;
    let large = app.login("supplier1").await;
    apply(
        &app,
        &large,
        "r-8",
        &application(&large_contract, rural, "100.00", 6),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "SIZE_NOT_ELIGIBLE");
    app.penalize("supplier5").await;
    let penalized = apply(
        &app,
        &supplier,
        "r-9",
        &application(&contract, rural, "100.00", 6),
    )
    .await;
    penalized.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "SUPPLIER_PENALIZED");
    assert!(
        penalized.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("重庆北滨家具制造有限公司")
    );
    let count = app.scalar("SELECT COUNT(*) FROM loan_applications").await;
    assert_eq!(count, 0, "nothing refused was written");
}

#[tokio::test]
async fn the_operator_registers_a_bank_rotates_its_keys_and_adds_a_product() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let bank = json!({
        "name": "重庆银行江北支行", "credit_code": "91500000202805720T", "code": "cqcb-jb",
        "base_url": "https://api.cqcb.example/gp", "scheme": "hmac-sha256",
        "key_id": "cqcb-1", "key": "ab".repeat(32),
    });
    let supplier = app.login("supplier5").await;
    app.post("/api/v1/financing/banks", Some(&supplier), &bank)
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    for (field, value, status, code) in [
        (
            "base_url",
            json!("http://api.cqcb.example/gp"),
            StatusCode::BAD_REQUEST,
            "BASE_URL_INVALID",
        ),
        (
            "base_url",
            json!("https://user:pw@api.cqcb.example"),
            StatusCode::BAD_REQUEST,
            "BASE_URL_INVALID",
        ),
        (
            "base_url",
            json!("https://api.cqcb.example/gp?x=1"),
            StatusCode::BAD_REQUEST,
            "BASE_URL_INVALID",
        ),
        (
            "key",
            json!("ab".repeat(31)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "KEY_INVALID",
        ),
        (
            "key",
            json!("zz".repeat(32)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "KEY_INVALID",
        ),
        (
            "credit_code",
            json!("91500000202805720X"),
            StatusCode::BAD_REQUEST,
            "CREDIT_CODE_INVALID",
        ),
    ] {
        let mut bad = bank.clone();
        bad[field] = value;
        app.post("/api/v1/financing/banks", Some(&operator), &bad)
            .await
            .assert_error(status, code);
    }
    let made = app
        .post("/api/v1/financing/banks", Some(&operator), &bank)
        .await;
    made.assert_status(StatusCode::CREATED);
    assert!(
        !made.body.to_string().contains(&"ab".repeat(32)),
        "the secret is never shown"
    );
    assert_eq!(made.body["keys"][0]["key_id"], "cqcb-1");
    let id = made.body["id"].as_i64().unwrap();
    app.post("/api/v1/financing/banks", Some(&operator), &bank)
        .await
        .assert_error(StatusCode::CONFLICT, "BANK_EXISTS");

    // Rotation: a second key joins the first; a third retires the oldest.
    let keys = format!("/api/v1/financing/banks/{id}/keys");
    for key_id in ["cqcb-2", "cqcb-3"] {
        app.post(
            &keys,
            Some(&operator),
            &json!({"key_id": key_id, "key": "cd".repeat(32)}),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    let list = app.get("/api/v1/financing/banks", Some(&operator)).await;
    let ours = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone();
    let active: Vec<&str> = ours["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .map(|k| k["key_id"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["cqcb-2", "cqcb-3"]);
    app.post(
        &keys,
        Some(&operator),
        &json!({"key_id": "cqcb-3", "key": "cd".repeat(32)}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "KEY_EXISTS");

    let product = json!({
        "bank_id": id, "code": "YD-1", "name": "渝快政采贷", "max_amount": "5000000.00",
        "max_share_percent": "90", "rate_min_percent": "3.6", "rate_max_percent": "4.2",
        "term_min_months": 1, "term_max_months": 24, "eligible_sizes": ["small", "micro"],
    });
    let mut inverted = product.clone();
    inverted["rate_min_percent"] = json!("5");
    app.post("/api/v1/financing/products", Some(&operator), &inverted)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.post("/api/v1/financing/products", Some(&operator), &product)
        .await
        .assert_status(StatusCode::CREATED);
    app.post("/api/v1/financing/products", Some(&operator), &product)
        .await
        .assert_error(StatusCode::CONFLICT, "PRODUCT_EXISTS");
    let seen = app.get("/api/v1/financing/products", Some(&supplier)).await;
    let ours = seen
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "YD-1")
        .unwrap()
        .clone();
    assert_eq!(ours["bank_name"], "重庆银行江北支行");
    assert_eq!(ours["rate_min_percent"], "3.6");
    assert_eq!(ours["eligible"], true);
}

#[tokio::test]
async fn a_supplier_compares_applies_follows_and_withdraws_on_the_pages() {
    use crate::pages::Browser;
    let app = TestApp::spawn().await;
    let contract = signed_contract(&app, "supplier5", "10000.00").await;
    let contract_no = contract["contract_no"].as_str().unwrap().to_owned();
    let mut supplier = Browser::signed_in(&app, "supplier5").await;
    let page = supplier.get("/financing").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("政采贷·信用贷")
        .assert_shows("重庆农村商业银行江北支行")
        .assert_shows("¥3,000,000.00")
        .assert_shows(&contract_no)
        .assert_shows("未付¥10,000.00");
    let csrf = page.field("csrf");
    let key = page.field("idempotency_key");
    let token = app.login("supplier5").await;
    let product = product_id(&app, &token, "ZCD-XY").await.to_string();
    let contract_id = contract["id"].to_string();
    // Over the share, and without consent: shown again at a reloadable address, in Chinese.
    let refused = supplier
        .post(
            "/financing/applications",
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("contract_id", &contract_id),
                ("product_id", &product),
                ("amount", "9000.00"),
                ("term_months", "6"),
                ("consent", "1"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("超过¥8,000.00")
        .assert_shows("9000.00");
    assert!(refused.address.starts_with("/financing?retry="));
    let done = supplier
        .submit(
            "/financing/applications",
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("contract_id", &contract_id),
                ("product_id", &product),
                ("amount", "8000.00"),
                ("term_months", "6"),
                ("consent", "1"),
            ],
        )
        .await;
    done.assert_status(StatusCode::OK)
        .assert_shows("申请已提交")
        .assert_shows(&contract_no)
        .assert_shows("¥8,000.00")
        .assert_shows("已提交")
        .assert_shows("撤回申请");
    let id = app.scalar("SELECT MAX(id) FROM loan_applications").await;
    // The bank it went to reads it; the other supplier does not.
    let mut bank = Browser::signed_in(&app, "bank1").await;
    bank.get(&format!("/financing/applications/{id}"))
        .await
        .assert_status(StatusCode::OK)
        .assert_lacks("撤回申请");
    let mut other = Browser::signed_in(&app, "supplier6").await;
    other
        .get(&format!("/financing/applications/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let withdrawn = supplier
        .submit(
            &format!("/financing/applications/{id}/withdraw"),
            &[("csrf", &csrf)],
        )
        .await;
    withdrawn
        .assert_shows("申请已撤回")
        .assert_shows("供应商撤回")
        .assert_lacks("撤回申请</button>");
    // The operator sees every application and the banks with their keys, never a secret.
    let mut operator = Browser::signed_in(&app, "operator").await;
    operator
        .get("/financing")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("重庆北滨家具制造有限公司")
        .assert_shows("sandbox-hmac-1")
        .assert_shows("SM2/SM3");
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get("/financing")
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
