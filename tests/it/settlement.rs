//! The whole settlement path: order confirmed → contract → delivery → acceptance → due date →
//! late payment → interest; payments only to the collection account; warnings.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::TestApp;

/// Places an order for `price` × 1 from supplier1's new product and returns the order id.
pub(crate) async fn order(app: &TestApp, buyer: &str, price: &str) -> i64 {
    let token = app.login(buyer).await;
    let line = app
        .new_budget_line(
            &token,
            &format!("S-{}", uuid::Uuid::new_v4().simple()),
            "10000000.00",
        )
        .await;
    let product = app
        .listed_product("supplier1", price, 100, "A02010105")
        .await;
    let r = app
        .place_order(&token, &uuid::Uuid::new_v4().to_string(),
            &json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "江北区"}))
        .await;
    r.assert_status(StatusCode::CREATED);
    r.body["orders"][0]["id"].as_i64().unwrap()
}

pub(crate) async fn advance(app: &TestApp, order_id: i64, actions: &[(&str, &str)]) {
    for (who, action) in actions {
        let token = app.login(who).await;
        app.order_action(&token, order_id, action, json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
}

pub(crate) async fn contract_of(app: &TestApp, token: &str) -> Value {
    let list = app.get("/api/v1/contracts", Some(token)).await;
    list.assert_status(StatusCode::OK);
    list.body["items"][0].clone()
}

pub(crate) fn account_of(contract: &Value) -> String {
    contract["collection_account"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn order_to_contract_to_late_payment_with_interest() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "100000.00").await;
    let buyer = app.login("buyer1").await;
    assert_eq!(
        app.get("/api/v1/contracts", Some(&buyer)).await.body["total"],
        0
    );
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(contract["order_id"], id);
    assert_eq!(contract["amount"], "100000.00");
    let lines = contract["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["quantity"], 1);
    assert_eq!(lines[0]["unit_price"], "100000.00");
    assert_eq!(lines[0]["line_total"], "100000.00");
    assert_eq!(lines[0]["category"], "A02010105");
    assert_eq!(contract["signed_on"], "2026-03-02");
    assert_eq!(contract["terms"]["instalments"][0]["days_after"], 30);
    assert_eq!(contract["terms"]["late_interest"]["kind"], "statutory");
    assert_eq!(contract["lpr_percent_at_signing"], "3.00");
    assert!(
        contract["instalments"][0]["due_on"].is_null(),
        "no clock before acceptance"
    );
    let cid = contract["id"].as_i64().unwrap();
    let supplier = app.login("supplier1").await;
    app.get(&format!("/api/v1/contracts/{cid}"), Some(&supplier))
        .await
        .assert_status(StatusCode::OK);

    advance(&app, id, &[("supplier1", "ship"), ("supplier1", "deliver")]).await;
    app.clock.advance(Duration::days(1));
    let buyer = app.login("buyer1").await;
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"acceptance_date": "2026-03-03", "notes": "合格"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let view = app
        .get(&format!("/api/v1/contracts/{cid}"), Some(&buyer))
        .await;
    assert_eq!(view.body["delivered_on"], "2026-03-02");
    assert_eq!(view.body["accepted_on"], "2026-03-03");
    assert_eq!(view.body["instalments"][0]["due_on"], "2026-04-02");
    assert_eq!(view.body["overdue"], "0.00");

    // 20 days after the due date, nothing paid: 100,000 × 0.05% × 20 = 1,000.00.
    app.clock
        .set(crate::support::start_time() + Duration::days(31 + 20));
    let buyer = app.login("buyer1").await;
    let view = app
        .get(&format!("/api/v1/contracts/{cid}"), Some(&buyer))
        .await;
    assert_eq!(view.body["as_of"], "2026-04-22");
    assert_eq!(view.body["instalments"][0]["overdue_days"], 20);
    assert_eq!(view.body["instalments"][0]["interest_owed"], "1000.00");
    assert_eq!(view.body["overdue"], "100000.00");
    assert_eq!(view.body["principal_due"], "100000.00");
    // The accrual job stores the same interest; a second run the same day adds nothing.
    let operator = app.login("operator").await;
    let first = app
        .post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.body["accrual"]["interest"], "1000.00");
    assert_eq!(first.body["accrual"]["overdue"], "100000.00");
    assert_eq!(first.body["accrual"]["overdue_instalments"], 1);
    assert_eq!(first.body["accrual"]["rows_updated"], 1);
    let second = app
        .post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    assert_eq!(second.body["accrual"]["rows_updated"], 0);
    assert_eq!(second.body["accrual"]["interest"], "1000.00");
    // Reading it again changes nothing.
    let again = app
        .get(&format!("/api/v1/contracts/{cid}"), Some(&buyer))
        .await;
    assert_eq!(again.body["interest_owed"], "1000.00");

    // Payments go only to the collection account and never beyond what is owed.
    let account = account_of(&view.body);
    let pay = |body: Value| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.post(
                &format!("/api/v1/contracts/{cid}/payments"),
                Some(&buyer),
                &body,
            )
            .await
        }
    };
    pay(json!({"amount": "40000.00", "paid_on": "2026-04-22", "voucher_no": "PZ-1", "account": "6222000000000000"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "WRONG_COLLECTION_ACCOUNT");
    pay(json!({"amount": "100000.01", "paid_on": "2026-04-22", "voucher_no": "PZ-1", "account": account}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "PAYMENT_EXCEEDS_OUTSTANDING");
    pay(json!({"amount": "1.00", "paid_on": "2026-05-01", "voucher_no": "PZ-0", "account": account}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let partial = pay(json!({"amount": "40000.00", "paid_on": "2026-04-22", "voucher_no": "PZ-1", "account": account})).await;
    partial.assert_status(StatusCode::OK);
    assert_eq!(partial.body["paid"], "40000.00");
    assert_eq!(partial.body["instalments"][0]["outstanding"], "60000.00");
    pay(json!({"amount": "1.00", "paid_on": "2026-04-22", "voucher_no": "PZ-1", "account": account}))
        .await
        .assert_error(StatusCode::CONFLICT, "DUPLICATE_VOUCHER");

    // Ten more days: interest on 60,000 for 10 days = 300.00 more.
    app.clock.advance(Duration::days(10));
    let buyer = app.login("buyer1").await;
    let done = app
        .post(&format!("/api/v1/contracts/{cid}/payments"), Some(&buyer),
            &json!({"amount": "60000.00", "paid_on": "2026-05-02", "voucher_no": "PZ-2", "account": account}))
        .await;
    done.assert_status(StatusCode::OK);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["instalments"][0]["interest_owed"], "1300.00");
    assert_eq!(done.body["instalments"][0]["overdue_days"], 30);
    let operator = app.login("operator").await;
    let after_payment = app
        .post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    // Nothing is unpaid any more; the instalment keeps its final interest.
    assert_eq!(after_payment.body["accrual"]["interest"], "0.00");
    assert_eq!(after_payment.body["accrual"]["overdue_instalments"], 0);
    assert_eq!(after_payment.body["accrual"]["rows_updated"], 1);
    assert_eq!(
        app.scalar("SELECT interest_fen FROM contract_instalments")
            .await,
        130_000
    );
    // Interest stops when the principal is paid.
    app.clock.advance(Duration::days(100));
    let buyer = app.login("buyer1").await;
    let later = app
        .get(&format!("/api/v1/contracts/{cid}"), Some(&buyer))
        .await;
    assert_eq!(later.body["interest_owed"], "1300.00");
}

#[tokio::test]
async fn late_acceptance_starts_the_clock_at_the_end_of_the_acceptance_period() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer2", "5000.00").await;
    advance(
        &app,
        id,
        &[
            ("supplier1", "confirm"),
            ("supplier1", "ship"),
            ("supplier1", "deliver"),
        ],
    )
    .await;
    // The purchaser never accepts; 7 days after delivery the 30-day clock starts anyway.
    app.clock.advance(Duration::days(10));
    let buyer = app.login("buyer2").await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(contract["instalments"][0]["clock_started_on"], "2026-03-09");
    assert_eq!(contract["instalments"][0]["due_on"], "2026-04-08");
}

#[tokio::test]
async fn contracts_are_visible_only_to_their_parties() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "100.00").await;
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let buyer1 = app.login("buyer1").await;
    let cid = contract_of(&app, &buyer1).await["id"].as_i64().unwrap();
    // Another unit does not see the contract; a supplier may not record payments at all.
    for (user, status, code) in [
        ("buyer2", StatusCode::NOT_FOUND, "NOT_FOUND"),
        ("supplier2", StatusCode::FORBIDDEN, "FORBIDDEN"),
    ] {
        let token = app.login(user).await;
        app.get(&format!("/api/v1/contracts/{cid}"), Some(&token))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
        assert_eq!(
            app.get("/api/v1/contracts", Some(&token)).await.body["total"],
            0
        );
        app.post(
            &format!("/api/v1/contracts/{cid}/payments"),
            Some(&token),
            &json!({"amount": "1.00", "paid_on": "2026-03-02", "voucher_no": "X", "account": "1"}),
        )
        .await
        .assert_error(status, code);
    }
    let operator = app.login("operator").await;
    app.get(&format!("/api/v1/contracts/{cid}"), Some(&operator))
        .await
        .assert_status(StatusCode::OK);
    // Mass assignment on a payment.
    app.post(&format!("/api/v1/contracts/{cid}/payments"), Some(&buyer1),
        &json!({"amount": "1.00", "paid_on": "2026-03-02", "voucher_no": "X", "account": "1", "interest_owed": "0"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
}

#[tokio::test]
async fn default_terms_must_respect_the_sme_limits() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let terms = |days: u32, extended: bool| {
        json!({
            "method": "one_payment",
            "instalments": [{"share_percent": "100", "trigger": "acceptance", "days_after": days}],
            "late_interest": {"kind": "agreed_annual", "annual_percent": "3.5"},
            "acceptance_period_days": 7,
            "extended_term_agreed": extended,
        })
    };
    let put = |body: Value| {
        let app = &app;
        let operator = operator.clone();
        async move {
            app.request(
                Method::PUT,
                "/api/v1/settlement/default-terms/A02010105",
                Some(&operator),
                Some(&body),
                &[],
            )
            .await
        }
    };
    let r = put(terms(90, true)).await;
    r.assert_error(StatusCode::BAD_REQUEST, "TERMS_INVALID");
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "instalments[0].days_after"
    );
    put(terms(45, false))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "TERMS_INVALID");
    let mut low_rate = terms(30, false);
    low_rate["late_interest"]["annual_percent"] = json!("2.5");
    let r = put(low_rate).await;
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "late_interest.annual_percent"
    );
    put(terms(45, true)).await.assert_status(StatusCode::OK);
    // New contracts in that category take the terms.
    let id = order(&app, "buyer3", "1000.00").await;
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let buyer = app.login("buyer3").await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(contract["terms"]["instalments"][0]["days_after"], 45);
    assert_eq!(contract["terms"]["late_interest"]["annual_percent"], "3.5");
    // Only the operator sets terms.
    app.request(
        Method::PUT,
        "/api/v1/settlement/default-terms/A02010105",
        Some(&buyer),
        Some(&terms(30, false)),
        &[],
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn a_supplier_without_a_collection_account_cannot_confirm() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "100.00").await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.ctx.db,
        "DELETE FROM supplier_collection_accounts",
    )
    .await
    .unwrap();
    let supplier = app.login("supplier1").await;
    app.get("/api/v1/settlement/collection-account", Some(&supplier))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.order_action(&supplier, id, "confirm", json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "COLLECTION_ACCOUNT_MISSING");
    let buyer = app.login("buyer1").await;
    assert_eq!(
        app.get(&format!("/api/v1/orders/{id}"), Some(&buyer))
            .await
            .body["status"],
        "placed"
    );
    app.request(
        Method::PUT,
        "/api/v1/settlement/collection-account",
        Some(&supplier),
        Some(&json!({"account_name": "重庆测试公司", "bank_name": "重庆银行", "account_no": "12"})),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.request(Method::PUT, "/api/v1/settlement/collection-account", Some(&supplier),
        Some(&json!({"account_name": "重庆测试公司", "bank_name": "重庆银行", "account_no": "6217 0000 1111 2222"})), &[])
        .await
        .assert_status(StatusCode::OK);
    let current = app
        .get("/api/v1/settlement/collection-account", Some(&supplier))
        .await;
    current.assert_status(StatusCode::OK);
    assert_eq!(current.body["account_no"], "6217000011112222");
    assert_eq!(current.body["bank_name"], "重庆银行");
    // Only suppliers have one.
    app.get("/api/v1/settlement/collection-account", Some(&buyer))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.order_action(&supplier, id, "confirm", json!({}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        contract_of(&app, &buyer).await["collection_account"],
        "6217000011112222"
    );
}

#[tokio::test]
async fn payment_warnings_open_and_resolve_themselves() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "2000.00").await;
    advance(
        &app,
        id,
        &[
            ("supplier1", "confirm"),
            ("supplier1", "ship"),
            ("buyer1", "deliver"),
            ("buyer1", "accept"),
        ],
    )
    .await;
    let buyer = app.login("buyer1").await;
    let cid = contract_of(&app, &buyer).await["id"].clone();
    app.post(
        &format!("/api/v1/contracts/{cid}/publish"),
        Some(&buyer),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    // Due 2026-04-01; on 03-28 it is due within 5 days.
    app.clock
        .set(crate::support::start_time() + Duration::days(26));
    let operator = app.login("operator").await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await
        .assert_status(StatusCode::OK);
    let buyer = app.login("buyer1").await;
    let w = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert_eq!(w.body.as_array().unwrap().len(), 1);
    assert_eq!(w.body[0]["rule"], "payment_due_soon");
    assert_eq!(w.body[0]["due_on"], "2026-04-01");
    let supplier = app.login("supplier1").await;
    assert_eq!(
        app.get("/api/v1/warnings", Some(&supplier))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let other = app.login("buyer2").await;
    assert_eq!(
        app.get("/api/v1/warnings", Some(&other))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Overdue: the due-soon warning resolves, an overdue one opens; scanning twice adds nothing.
    app.clock.advance(Duration::days(10));
    let operator = app.login("operator").await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    let buyer = app.login("buyer1").await;
    let w = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert_eq!(w.body.as_array().unwrap().len(), 1);
    assert_eq!(w.body[0]["rule"], "payment_overdue");
    // Paying resolves it.
    let contract = contract_of(&app, &buyer).await;
    app.post(&format!("/api/v1/contracts/{}/payments", contract["id"]), Some(&buyer),
        &json!({"amount": "2000.00", "paid_on": "2026-04-07", "voucher_no": "PZ", "account": account_of(&contract)}))
        .await
        .assert_status(StatusCode::OK);
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    assert_eq!(
        app.get("/api/v1/warnings", Some(&buyer))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get("/api/v1/warnings?open=false", Some(&buyer))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn publication_is_due_two_working_days_after_signing() {
    let app = TestApp::spawn().await;
    // Signed Friday 2026-04-03: Qingming (04-04..06) and the weekend push the deadline to 04-08.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 4, 3, 2, 0, 0).unwrap());
    let id = order(&app, "buyer1", "100.00").await;
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let buyer = app.login("buyer1").await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(contract["publish_by"], "2026-04-08");
    assert_eq!(contract["publish_by_provisional"], false);
    let cid = contract["id"].as_i64().unwrap();
    app.clock.advance(Duration::days(6));
    let operator = app.login("operator").await;
    let scan = app
        .post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    assert_eq!(scan.body["overdue_publications"], 1);
    let buyer = app.login("buyer1").await;
    let warnings = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert!(
        warnings
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["rule"] == "contract_publication_overdue")
    );
    let published = app
        .post(
            &format!("/api/v1/contracts/{cid}/publish"),
            Some(&buyer),
            &json!({}),
        )
        .await;
    published.assert_status(StatusCode::OK);
    assert_eq!(published.body["published_on"], "2026-04-09");
    app.post(
        &format!("/api/v1/contracts/{cid}/publish"),
        Some(&buyer),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let warnings = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert!(
        warnings
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["rule"] != "contract_publication_overdue")
    );
}

#[tokio::test]
async fn no_payment_45_days_after_shipment_restricts_ordering_until_one_is_recorded() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "300.00").await;
    advance(&app, id, &[("supplier1", "confirm"), ("supplier1", "ship")]).await;
    app.clock.advance(Duration::days(45));
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-RESTRICT", "1000.00").await;
    let product = app
        .listed_product("supplier2", "10.00", 10, "A02010105")
        .await;
    let body = json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "江北区"});
    let refused = app.place_order(&buyer, "after-45", &body).await;
    refused.assert_error(StatusCode::FORBIDDEN, "ORDERING_RESTRICTED");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("45 days")
    );
    let contract = contract_of(&app, &buyer).await;
    app.post(&format!("/api/v1/contracts/{}/payments", contract["id"]), Some(&buyer),
        &json!({"amount": "100.00", "paid_on": "2026-04-16", "voucher_no": "PZ-45", "account": account_of(&contract)}))
        .await
        .assert_status(StatusCode::OK);
    app.place_order(&buyer, "after-payment", &body)
        .await
        .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn payment_performance_per_purchaser() {
    let app = TestApp::spawn().await;
    let on_time = order(&app, "buyer1", "1000.00").await;
    let late = order(&app, "buyer1", "2000.00").await;
    for id in [on_time, late] {
        advance(
            &app,
            id,
            &[
                ("supplier1", "confirm"),
                ("supplier1", "ship"),
                ("buyer1", "deliver"),
                ("buyer1", "accept"),
            ],
        )
        .await;
    }
    // Both due 2026-04-01. One paid on 03-20, the other on 04-11 (10 days late).
    let buyer = app.login("buyer1").await;
    let contracts = app.get("/api/v1/contracts", Some(&buyer)).await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    for (contract, paid_on, voucher) in [
        (&contracts[1], "2026-03-20", "A"),
        (&contracts[0], "2026-04-11", "B"),
    ] {
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 4, 12, 2, 0, 0).unwrap());
        let buyer = app.login("buyer1").await;
        app.post(&format!("/api/v1/contracts/{}/payments", contract["id"]), Some(&buyer),
            &json!({"amount": contract["amount"], "paid_on": paid_on, "voucher_no": voucher, "account": account_of(contract)}))
            .await
            .assert_status(StatusCode::OK);
    }
    let buyer = app.login("buyer1").await;
    let performance = app
        .get("/api/v1/settlement/payment-performance", Some(&buyer))
        .await;
    performance.assert_status(StatusCode::OK);
    let mine = &performance.body[0];
    assert_eq!(mine["instalments_due"], 2);
    assert_eq!(mine["paid_on_time"], 1);
    assert_eq!(mine["on_time_percent"], "50.0");
    // From acceptance (03-02): 18 and 40 days.
    assert_eq!(mine["average_days_to_pay"], "29.0");
    // 2,000 × 0.05% × 10 days.
    assert_eq!(mine["interest_owed"], "10.00");
    assert_eq!(mine["overdue"], "0.00");
    let supplier = app.login("supplier1").await;
    app.get("/api/v1/settlement/payment-performance", Some(&supplier))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn an_unsigned_contract_30_days_after_the_award_raises_a_warning() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer2").await;
    let procedure = app
        .post("/api/v1/procedures", Some(&buyer),
            &json!({"procedure_no": "JB-SIGN-1", "name": "江北区 2026 年打印机采购", "budget": "100000.00", "deposit_required": false}))
        .await;
    procedure.assert_status(StatusCode::CREATED);
    let id = procedure.body["id"].as_i64().unwrap();
    let winner = app
        .get("/api/v1/auth/me", Some(&app.login("supplier3").await))
        .await
        .body["org_id"]
        .clone();
    app.post(
        &format!("/api/v1/procedures/{id}/events"),
        Some(&buyer),
        &json!({"event": "award_notice", "winner_supplier_id": winner, "on": "2026-03-02"}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.clock.advance(Duration::days(30));
    assert_eq!(
        scan_now(&app).await.body["overdue_signings"],
        0,
        "the 30th day is still in time"
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(scan_now(&app).await.body["overdue_signings"], 1);
    let buyer = app.login("buyer2").await;
    let open = app.get("/api/v1/warnings", Some(&buyer)).await;
    let signing: Vec<&serde_json::Value> = open
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["rule"] == "contract_signing_overdue")
        .collect();
    assert_eq!(signing.len(), 1);
    assert_eq!(signing[0]["due_on"], "2026-04-01");
    app.post(
        &format!("/api/v1/procedures/{id}/events"),
        Some(&buyer),
        &json!({"event": "contract_signed", "on": "2026-04-02"}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(scan_now(&app).await.body["overdue_signings"], 0);
    let buyer = app.login("buyer2").await;
    let open = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert!(
        open.body
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["rule"] != "contract_signing_overdue")
    );
}

async fn scan_now(app: &TestApp) -> crate::support::TestResponse {
    let operator = app.login("operator").await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await
}
