//! Disputed parts of payments, the performance deposit clause with forfeiture, and documents
//! attached to acceptance records.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use crate::settlement::{account_of, advance, contract_of, order};
use crate::support::{TestApp, TestResponse, start_time};

/// A contract for `price`, delivered and accepted on 2026-03-02 (due 2026-04-01), and its id.
async fn accepted_contract(app: &TestApp, price: &str) -> (i64, i64) {
    let id = order(app, "buyer1", price).await;
    advance(
        app,
        id,
        &[
            ("supplier1", "confirm"),
            ("supplier1", "ship"),
            ("supplier1", "deliver"),
            ("buyer1", "accept"),
        ],
    )
    .await;
    let buyer = app.login("buyer1").await;
    let contract = contract_of(app, &buyer).await;
    assert_eq!(contract["instalments"][0]["due_on"], "2026-04-01");
    (id, contract["id"].as_i64().unwrap())
}

fn set_day(app: &TestApp, days_after_start: i64) {
    app.clock
        .set(start_time() + Duration::days(days_after_start));
}

async fn dispute(app: &TestApp, user: &str, contract: i64, amount: &str) -> TestResponse {
    let token = app.login(user).await;
    app.post(
        &format!("/api/v1/contracts/{contract}/disputes"),
        Some(&token),
        &json!({"instalment_seq": 1, "amount": amount, "reason": "30 台显示器有坏点，待更换"}),
    )
    .await
}

async fn resolve(
    app: &TestApp,
    user: &str,
    contract: i64,
    dispute: i64,
    action: &str,
    body: Value,
) -> TestResponse {
    let token = app.login(user).await;
    app.post(
        &format!("/api/v1/contracts/{contract}/disputes/{dispute}/{action}"),
        Some(&token),
        &body,
    )
    .await
}

async fn pay(app: &TestApp, contract: i64, amount: &str, on: &str, voucher: &str) -> TestResponse {
    let token = app.login("buyer1").await;
    let view = app
        .get(&format!("/api/v1/contracts/{contract}"), Some(&token))
        .await;
    app.post(
        &format!("/api/v1/contracts/{contract}/payments"),
        Some(&token),
        &json!({"amount": amount, "paid_on": on, "voucher_no": voucher, "account": account_of(&view.body)}),
    )
    .await
}

async fn view(app: &TestApp, user: &str, contract: i64) -> Value {
    let token = app.login(user).await;
    let r = app
        .get(&format!("/api/v1/contracts/{contract}"), Some(&token))
        .await;
    r.assert_status(StatusCode::OK);
    r.body
}

async fn accrued_interest(app: &TestApp) -> Value {
    let operator = app.login("operator").await;
    let r = app
        .post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    r.body["accrual"]["interest"].clone()
}

#[tokio::test]
async fn the_undisputed_part_is_paid_and_a_withdrawn_dispute_owes_interest_from_the_due_date() {
    let app = TestApp::spawn().await;
    let (_, cid) = accepted_contract(&app, "100000.00").await;
    // Ten days late (2026-04-11) the purchaser disputes 30,000.
    set_day(&app, 40);
    dispute(&app, "buyer1", cid, "100000.01")
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "DISPUTE_EXCEEDS_OUTSTANDING",
        );
    // Only the purchaser raises one (a supplier is refused for its role); other tenants do not
    // see the contract.
    dispute(&app, "supplier1", cid, "1.00")
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    dispute(&app, "buyer2", cid, "1.00")
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let token = app.login("buyer1").await;
    app.post(
        &format!("/api/v1/contracts/{cid}/disputes"),
        Some(&token),
        &json!({"instalment_seq": 1, "amount": "1.00", "reason": "x", "status": "accepted"}),
    )
    .await
    .assert_status(StatusCode::BAD_REQUEST);
    app.post(
        &format!("/api/v1/contracts/{cid}/disputes"),
        Some(&token),
        &json!({"instalment_seq": 1, "amount": "1.00", "reason": "  "}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let opened = dispute(&app, "buyer1", cid, "30000.00").await;
    opened.assert_status(StatusCode::CREATED);
    let body = &opened.body;
    assert_eq!(body["disputed"], "30000.00");
    assert_eq!(body["instalments"][0]["payable"], "70000.00");
    assert_eq!(body["overdue"], "70000.00");
    assert_eq!(body["disputes"][0]["status"], "open");
    // 10 days on 100,000 before the dispute: 500.00.
    assert_eq!(body["interest_owed"], "500.00");
    let dispute_id = body["disputes"][0]["id"].as_i64().unwrap();
    // The supplier sees the dispute and what it holds back.
    let seen = view(&app, "supplier1", cid).await;
    assert_eq!(seen["disputes"][0]["reason"], "30 台显示器有坏点，待更换");
    assert_eq!(seen["instalments"][0]["disputed"], "30000.00");

    // Ten days later the undisputed 70,000 is paid; paying into the disputed part is refused.
    set_day(&app, 50);
    pay(&app, cid, "70000.01", "2026-04-21", "PZ-1")
        .await
        .assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PAYMENT_EXCEEDS_OUTSTANDING",
        );
    let paid = pay(&app, cid, "70000.00", "2026-04-21", "PZ-1").await;
    paid.assert_status(StatusCode::OK);
    assert_eq!(paid.body["status"], "active");
    assert_eq!(paid.body["overdue"], "0.00");
    // 500 + 70,000 × 0.05% × 10 = 850.00; the disputed 30,000 accrued nothing meanwhile.
    assert_eq!(paid.body["interest_owed"], "850.00");
    assert_eq!(accrued_interest(&app).await, "850.00");
    dispute(&app, "buyer1", cid, "0.01").await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "DISPUTE_EXCEEDS_OUTSTANDING",
    );

    // Who may end it: not the supplier by withdrawal, not another tenant at all.
    resolve(&app, "supplier1", cid, dispute_id, "withdraw", json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    resolve(
        &app,
        "buyer1",
        cid,
        dispute_id,
        "decide",
        json!({"deducted": "0.00"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    resolve(&app, "buyer2", cid, dispute_id, "withdraw", json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    resolve(&app, "supplier2", cid, dispute_id, "accept", json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    resolve(
        &app,
        "buyer1",
        cid,
        dispute_id,
        "withdraw",
        json!({"deducted": "1.00"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");

    // Withdrawn on 2026-05-01: the 30,000 was owed all along, interest from the due date:
    // (100,000 × 30 − 70,000 × 10) × 0.05% = 1,150.00.
    set_day(&app, 60);
    let withdrawn = resolve(
        &app,
        "buyer1",
        cid,
        dispute_id,
        "withdraw",
        json!({"note": "已换货"}),
    )
    .await;
    withdrawn.assert_status(StatusCode::OK);
    let body = &withdrawn.body;
    assert_eq!(body["disputes"][0]["status"], "withdrawn");
    assert_eq!(body["disputes"][0]["deducted"], "0.00");
    assert_eq!(body["disputes"][0]["resolved_on"], "2026-05-01");
    assert_eq!(body["disputed"], "0.00");
    assert_eq!(body["overdue"], "30000.00");
    assert_eq!(body["interest_owed"], "1150.00");
    assert_eq!(accrued_interest(&app).await, "1150.00");
    resolve(&app, "buyer1", cid, dispute_id, "withdraw", json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let done = pay(&app, cid, "30000.00", "2026-05-01", "PZ-2").await;
    done.assert_status(StatusCode::OK);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["interest_owed"], "1150.00");
}

#[tokio::test]
async fn an_accepted_deduction_is_never_owed_and_a_decision_splits_the_amount() {
    let app = TestApp::spawn().await;
    let (_, cid) = accepted_contract(&app, "100000.00").await;
    set_day(&app, 40);
    let first = dispute(&app, "buyer1", cid, "30000.00").await;
    first.assert_status(StatusCode::CREATED);
    let first_id = first.body["disputes"][0]["id"].as_i64().unwrap();
    // The supplier accepts the deduction: 30,000 is off the instalment, with no interest on
    // it even for the ten days before the dispute.
    let accepted = resolve(
        &app,
        "supplier1",
        cid,
        first_id,
        "accept",
        json!({"note": "同意扣减"}),
    )
    .await;
    accepted.assert_status(StatusCode::OK);
    let body = &accepted.body;
    assert_eq!(body["disputes"][0]["status"], "accepted");
    assert_eq!(body["deducted"], "30000.00");
    assert_eq!(body["instalments"][0]["principal"], "70000.00");
    assert_eq!(body["instalments"][0]["deducted"], "30000.00");
    // 70,000 × 0.05% × 10 = 350.00.
    assert_eq!(body["interest_owed"], "350.00");
    resolve(
        &app,
        "operator",
        cid,
        first_id,
        "decide",
        json!({"deducted": "1.00"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");

    // A second dispute decided by the operator: 10,000 of 20,000 deducted; the other 10,000
    // was owed from the due date.
    let second = dispute(&app, "buyer1", cid, "20000.00").await;
    second.assert_status(StatusCode::CREATED);
    let second_id = second.body["disputes"][1]["id"].as_i64().unwrap();
    set_day(&app, 50);
    resolve(&app, "operator", cid, second_id, "decide", json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    resolve(
        &app,
        "operator",
        cid,
        second_id,
        "decide",
        json!({"deducted": "20000.01"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    resolve(
        &app,
        "supplier1",
        cid,
        second_id,
        "decide",
        json!({"deducted": "1.00"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let decided = resolve(
        &app,
        "operator",
        cid,
        second_id,
        "decide",
        json!({"deducted": "10000.00", "note": "江北区人民调解委员会调解书 2026-17"}),
    )
    .await;
    decided.assert_status(StatusCode::OK);
    let body = &decided.body;
    assert_eq!(body["disputes"][1]["status"], "decided");
    assert_eq!(body["disputes"][1]["deducted"], "10000.00");
    assert_eq!(body["deducted"], "40000.00");
    assert_eq!(body["instalments"][0]["principal"], "60000.00");
    // 60,000 owed for 20 days: 600.00.
    assert_eq!(body["interest_owed"], "600.00");
    assert_eq!(accrued_interest(&app).await, "600.00");
    let done = pay(&app, cid, "60000.00", "2026-04-21", "PZ-1").await;
    done.assert_status(StatusCode::OK);
    assert_eq!(done.body["status"], "completed");
    // Every step is audited: two openings, two endings.
    let count = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'contract.dispute_%'")
        .await;
    assert_eq!(count, 4);
}

#[tokio::test]
async fn a_dispute_retried_with_its_key_is_raised_once() {
    let app = TestApp::spawn().await;
    let (_, cid) = accepted_contract(&app, "1000.00").await;
    let token = app.login("buyer1").await;
    let body = json!({"instalment_seq": 1, "amount": "100.00", "reason": "少送 1 台"});
    let path = format!("/api/v1/contracts/{cid}/disputes");
    for _ in 0..2 {
        let r = app
            .request(
                Method::POST,
                &path,
                Some(&token),
                Some(&body),
                &[("idempotency-key", "dispute-1")],
            )
            .await;
        r.assert_status(StatusCode::CREATED);
        assert_eq!(r.body["disputed"], "100.00");
        assert_eq!(r.body["disputes"].as_array().unwrap().len(), 1);
    }
    let other = json!({"instalment_seq": 1, "amount": "200.00", "reason": "少送 2 台"});
    app.request(
        Method::POST,
        &path,
        Some(&token),
        Some(&other),
        &[("idempotency-key", "dispute-1")],
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED");
}

fn deposit_clause(share: &str) -> Value {
    json!({
        "method": "one_payment",
        "instalments": [{"share_percent": "100", "trigger": "acceptance", "days_after": 30}],
        "late_interest": {"kind": "statutory"},
        "acceptance_period_days": 7,
        "performance_deposit": {
            "share_percent": share,
            "forms": ["bank_transfer", "guarantee_letter"],
            "refund_days_after_acceptance": 10,
            "forfeiture_cases": ["供应商逾期交货超过 15 日", "货物验收不合格且拒不更换"],
            "late_refund_interest": {"kind": "agreed_annual", "annual_percent": "3.65"},
        },
    })
}

async fn set_terms(app: &TestApp, terms: &Value) -> TestResponse {
    let operator = app.login("operator").await;
    app.request(
        Method::PUT,
        "/api/v1/settlement/default-terms/A02010105",
        Some(&operator),
        Some(terms),
        &[],
    )
    .await
}

#[tokio::test]
async fn the_performance_deposit_follows_the_contract_clause_and_is_forfeited_only_for_an_agreed_case()
 {
    let app = TestApp::spawn().await;
    let r = set_terms(&app, &deposit_clause("10.5")).await;
    r.assert_error(StatusCode::BAD_REQUEST, "TERMS_INVALID");
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "performance_deposit.share_percent"
    );
    let mut no_cases = deposit_clause("5");
    no_cases["performance_deposit"]["forfeiture_cases"] = json!([]);
    let r = set_terms(&app, &no_cases).await;
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "performance_deposit.forfeiture_cases"
    );
    let mut cash = deposit_clause("5");
    cash["performance_deposit"]["forms"] = json!(["cash"]);
    set_terms(&app, &cash)
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    set_terms(&app, &deposit_clause("5"))
        .await
        .assert_status(StatusCode::OK);

    // A contract for 2,000.00 takes the clause: a deposit of 100.00.
    let order_id = order(&app, "buyer1", "2000.00").await;
    advance(&app, order_id, &[("supplier1", "confirm")]).await;
    let buyer = app.login("buyer1").await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(
        contract["terms"]["performance_deposit"]["share_percent"],
        "5"
    );
    let cid = contract["id"].as_i64().unwrap();
    let path = format!("/api/v1/contracts/{cid}/performance-deposit");
    let body = |amount: &str, form: &str| json!({"amount": amount, "form": form, "received_on": "2026-03-02"});
    let r = app
        .post(&path, Some(&buyer), &body("99.00", "bank_transfer"))
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_AMOUNT_MISMATCH");
    assert_eq!(r.body["error"]["details"]["required"], "100.00");
    app.post(&path, Some(&buyer), &body("100.00", "cheque"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_FORM_NOT_ALLOWED");
    let mut other_days = body("100.00", "bank_transfer");
    other_days["refund_days_after_completion"] = json!(30);
    app.post(&path, Some(&buyer), &other_days)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let recorded = app
        .post(&path, Some(&buyer), &body("100.00", "bank_transfer"))
        .await;
    recorded.assert_status(StatusCode::CREATED);
    assert_eq!(recorded.body["refund_days_after_acceptance"], 10);
    assert_eq!(
        recorded.body["late_interest"],
        "3.65% a year as agreed, 365-day year"
    );
    assert_eq!(
        recorded.body["forfeiture_cases"],
        json!(["供应商逾期交货超过 15 日", "货物验收不合格且拒不更换"])
    );
    let deposit = recorded.body["id"].as_i64().unwrap();

    // Forfeiture: only for an agreed case, only by the purchaser holding it.
    let forfeit = |user: &'static str, body: Value| {
        let app = &app;
        async move {
            let token = app.login(user).await;
            app.post(
                &format!("/api/v1/deposits/{deposit}/forfeit"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let r = forfeit(
        "buyer1",
        json!({"case": "供应商态度不好", "occurred_on": "2026-03-02"}),
    )
    .await;
    r.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "FORFEITURE_CASE_NOT_AGREED",
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("供应商逾期交货超过 15 日")
    );
    forfeit(
        "supplier1",
        json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    forfeit(
        "buyer2",
        json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    forfeit(
        "buyer1",
        json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-03"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = forfeit(
        "buyer1",
        json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-02", "notes": "合同约定 3 月 1 日前交货"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "forfeited");
    assert_eq!(r.body["forfeiture_case"], "供应商逾期交货超过 15 日");
    assert_eq!(r.body["forfeited_on"], "2026-03-02");
    forfeit(
        "buyer1",
        json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // A forfeited deposit is never due back, even after acceptance.
    advance(
        &app,
        order_id,
        &[
            ("supplier1", "ship"),
            ("supplier1", "deliver"),
            ("buyer1", "accept"),
        ],
    )
    .await;
    let supplier = app.login("supplier1").await;
    let mine = app
        .get("/api/v1/deposits?kind=performance", Some(&supplier))
        .await;
    assert_eq!(mine.body["items"][0]["status"], "forfeited");
    assert!(mine.body["items"][0]["refund_due_on"].is_null());
}

#[tokio::test]
async fn without_a_clause_nothing_is_forfeited_and_an_accepted_contract_refunds() {
    let app = TestApp::spawn().await;
    let order_id = order(&app, "buyer1", "2000.00").await;
    advance(&app, order_id, &[("supplier1", "confirm")]).await;
    let buyer = app.login("buyer1").await;
    let cid = contract_of(&app, &buyer).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/contracts/{cid}/performance-deposit");
    // No clause: the refund days must be given.
    app.post(
        &path,
        Some(&buyer),
        &json!({"amount": "100.00", "form": "bank_transfer", "received_on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = app
        .post(&path, Some(&buyer), &json!({"amount": "100.00", "form": "bank_transfer", "received_on": "2026-03-02", "refund_days_after_completion": 10}))
        .await;
    r.assert_status(StatusCode::CREATED);
    let deposit = r.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/deposits/{deposit}/forfeit"),
        Some(&buyer),
        &json!({"case": "供应商逾期交货超过 15 日", "occurred_on": "2026-03-02"}),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "FORFEITURE_CASE_NOT_AGREED",
    );
}

#[tokio::test]
async fn acceptance_records_keep_their_documents_as_references() {
    let app = TestApp::spawn().await;
    let id = order(&app, "buyer1", "1000.00").await;
    let supplier = app.login("supplier1").await;
    app.order_action(
        &supplier,
        id,
        "confirm",
        json!({"attachments": [{"name": "发货单", "reference": "FH-1"}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
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
    let buyer = app.login("buyer1").await;
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"attachments": [{"name": "验收单", "reference": "YS 1"}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"attachments": [{"name": "验收单", "reference": "YS-1", "sha256": "abc"}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"attachments": [{"name": "验收单", "reference": "YS-1", "size": 3}]}),
    )
    .await
    .assert_status(StatusCode::BAD_REQUEST);
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let accepted = app
        .order_action(
            &buyer,
            id,
            "accept",
            json!({"notes": "合格", "attachments": [
                {"name": "验收单", "reference": "YS-2026-0001", "sha256": hash.to_uppercase()},
                {"name": "检测报告", "reference": "https://archive.example.cn/r/88.pdf"},
            ]}),
        )
        .await;
    accepted.assert_status(StatusCode::OK);
    let attachments = &accepted.body["acceptance"]["attachments"];
    assert_eq!(attachments[0]["name"], "验收单");
    assert_eq!(attachments[0]["sha256"], hash);
    assert_eq!(
        attachments[1]["reference"],
        "https://archive.example.cn/r/88.pdf"
    );
    // The supplier sees the same record.
    let seen = app
        .get(&format!("/api/v1/orders/{id}"), Some(&supplier))
        .await;
    assert_eq!(seen.body["acceptance"]["attachments"], *attachments);
}

#[tokio::test]
async fn withholding_only_a_disputed_amount_does_not_restrict_ordering() {
    let app = TestApp::spawn().await;
    let (_, cid) = accepted_contract(&app, "300.00").await;
    dispute(&app, "buyer1", cid, "300.00")
        .await
        .assert_status(StatusCode::CREATED);
    app.clock.advance(Duration::days(46));
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "T-DISPUTED", "1000.00").await;
    let product = app
        .listed_product("supplier2", "10.00", 10, "A02010105")
        .await;
    let body = json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "江北区"});
    app.place_order(&buyer, "while-disputed", &body)
        .await
        .assert_status(StatusCode::CREATED);
    // Once the dispute is withdrawn the amount is owed and unpaid: ordering stops.
    let dispute_id = view(&app, "buyer1", cid).await["disputes"][0]["id"]
        .as_i64()
        .unwrap();
    resolve(&app, "buyer1", cid, dispute_id, "withdraw", json!({}))
        .await
        .assert_status(StatusCode::OK);
    let buyer = app.login("buyer1").await;
    app.place_order(&buyer, "after-withdrawal", &body)
        .await
        .assert_error(StatusCode::FORBIDDEN, "ORDERING_RESTRICTED");
}

#[tokio::test]
async fn payment_and_dispute_refusals_say_what_to_fix_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let (_, cid) = accepted_contract(&app, "5000.00").await;
    let buyer = app.login("buyer1").await;
    let account = account_of(&view(&app, "buyer1", cid).await);
    let post = |path: String, body: Value, lang: &'static str| {
        let (app, buyer) = (&app, buyer.clone());
        async move {
            app.request(
                Method::POST,
                &path,
                Some(&buyer),
                Some(&body),
                &[("accept-language", lang)],
            )
            .await
        }
    };
    let payments = format!("/api/v1/contracts/{cid}/payments");
    let payment = |amount: &str, voucher: &str, account: &str| json!({"amount": amount, "paid_on": "2026-03-02", "voucher_no": voucher, "account": account});
    let wrong_account = format!("只能支付到合同约定的收款账户 {account}");
    let cases = [
        (
            payment("1.00", "PZ-9", "6222000000000000"),
            wrong_account.as_str(),
            "collection account",
        ),
        (
            payment("5000.01", "PZ-9", &account),
            "付款金额 ¥5,000.01 超过未付金额 ¥5,000.00",
            "¥5,000.01",
        ),
        (
            payment("0.00", "PZ-9", &account),
            "金额必须大于零",
            "must be greater than zero",
        ),
        (
            payment("1.00", " ", &account),
            "请填写付款凭证号",
            "voucher number",
        ),
    ];
    for (body, zh, en) in cases {
        let r = post(payments.clone(), body.clone(), "zh-CN").await;
        let message = r.body["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(zh), "{message}");
        let r = post(payments.clone(), body, "en").await;
        let message = r.body["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(en), "{message}");
    }
    post(payments.clone(), payment("1.00", "PZ-1", &account), "zh-CN")
        .await
        .assert_status(StatusCode::OK);
    let twice = post(payments.clone(), payment("1.00", "PZ-1", &account), "zh-CN").await;
    twice.assert_error(StatusCode::CONFLICT, "DUPLICATE_VOUCHER");
    assert_eq!(
        twice.body["error"]["message"],
        "付款凭证 PZ-1 已在本合同登记过。"
    );

    let disputes = format!("/api/v1/contracts/{cid}/disputes");
    let too_much = post(
        disputes.clone(),
        json!({"instalment_seq": 1, "amount": "4999.01", "reason": "坏点"}),
        "zh-CN",
    )
    .await;
    too_much.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "DISPUTE_EXCEEDS_OUTSTANDING",
    );
    assert_eq!(
        too_much.body["error"]["message"],
        "第 1 期未付且未争议的金额为 ¥4,999.00，争议金额不能超过该数。"
    );
    let no_reason = post(
        disputes.clone(),
        json!({"instalment_seq": 1, "amount": "1.00", "reason": "  "}),
        "zh-CN",
    )
    .await;
    assert_eq!(no_reason.body["error"]["message"], "请填写理由。");
    let no_such = post(
        disputes,
        json!({"instalment_seq": 7, "amount": "1.00", "reason": "坏点"}),
        "zh-CN",
    )
    .await;
    assert_eq!(no_such.body["error"]["message"], "本合同没有第 7 期款项。");
}
