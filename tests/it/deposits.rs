//! Deposits: procedures registered with a capped deposit, non-cash forms only, refund deadlines
//! in working days after withdrawal, award notice, contract signing or termination, late
//! refunds with interest at the benchmark rate × 1.2, the winner's conversion, performance
//! deposits on contracts, warnings, and tenant isolation.

use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse};

/// Sets the clock to 10:00 in Chongqing on `date`.
fn set_today(app: &TestApp, date: &str) {
    let date: NaiveDate = date.parse().unwrap();
    app.clock
        .set(Utc.from_utc_datetime(&date.and_hms_opt(2, 0, 0).unwrap()));
}

async fn org_of(app: &TestApp, user: &str) -> i64 {
    let token = app.login(user).await;
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    me.assert_status(StatusCode::OK);
    me.body["org_id"].as_i64().unwrap()
}

async fn register(
    app: &TestApp,
    token: &str,
    no: &str,
    budget: &str,
    deposit: Option<&str>,
) -> TestResponse {
    app.post(
        "/api/v1/procedures",
        Some(token),
        &json!({"procedure_no": no, "name": "江北区 2026 年办公设备采购", "budget": budget,
                "deposit_required": deposit.is_some(), "deposit_amount": deposit}),
    )
    .await
}

async fn pay_deposit(
    app: &TestApp,
    token: &str,
    procedure: i64,
    supplier: i64,
    amount: &str,
    form: &str,
    received_on: &str,
) -> TestResponse {
    app.post(
        &format!("/api/v1/procedures/{procedure}/deposits"),
        Some(token),
        &json!({"supplier_id": supplier, "amount": amount, "form": form, "received_on": received_on}),
    )
    .await
}

async fn event(app: &TestApp, token: &str, procedure: i64, body: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/procedures/{procedure}/events"),
        Some(token),
        &body,
    )
    .await
}

async fn refund(app: &TestApp, token: &str, deposit: i64, body: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/deposits/{deposit}/refund"),
        Some(token),
        &body,
    )
    .await
}

fn deposit_of(procedure: &Value, supplier: i64) -> Value {
    procedure["deposits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["supplier_id"] == supplier)
        .cloned()
        .unwrap_or_else(|| panic!("no deposit of supplier {supplier} in {procedure}"))
}

/// A procedure of buyer1 with a ¥20,000 deposit on a ¥1,000,000 budget, paid by the suppliers
/// named, received on 2026-03-02. Returns the procedure id and the suppliers' org ids.
async fn procedure_with_deposits(app: &TestApp, suppliers: &[&str]) -> (i64, Vec<i64>) {
    let buyer = app.login("buyer1").await;
    let r = register(app, &buyer, "CQJB-2026-001", "1000000.00", Some("20000.00")).await;
    r.assert_status(StatusCode::CREATED);
    let id = r.body["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for supplier in suppliers {
        let org = org_of(app, supplier).await;
        pay_deposit(
            app,
            &buyer,
            id,
            org,
            "20000.00",
            "guarantee_letter",
            "2026-03-02",
        )
        .await
        .assert_status(StatusCode::CREATED);
        ids.push(org);
    }
    (id, ids)
}

async fn warnings(app: &TestApp, user: &str, query: &str) -> Vec<Value> {
    let token = app.login(user).await;
    let r = app
        .get(&format!("/api/v1/warnings{query}"), Some(&token))
        .await;
    r.assert_status(StatusCode::OK);
    r.body.as_array().unwrap().clone()
}

async fn scan(app: &TestApp) -> Value {
    let operator = app.login("operator").await;
    let r = app
        .post("/api/v1/deposits/scan", Some(&operator), &json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    r.body
}

#[tokio::test]
async fn a_bid_deposit_is_at_most_two_percent_of_the_budget() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    // RULES.md: budget ¥1,000,000 → deposit ¥20,000 accepted, ¥20,001 rejected.
    let r = register(&app, &buyer, "CAP-1", "1000000.00", Some("20001.00")).await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_ABOVE_CAP");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("¥20,000.00"),
        "{}",
        r.body
    );
    assert_eq!(r.body["error"]["details"]["cap"], "20000.00");
    register(&app, &buyer, "CAP-1", "1000000.00", Some("20000.01"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_ABOVE_CAP");
    let ok = register(&app, &buyer, "CAP-1", "1000000.00", Some("20000.00")).await;
    ok.assert_status(StatusCode::CREATED);
    assert_eq!(ok.body["deposit_amount"], "20000.00");
    assert_eq!(ok.body["deposit_cap"], "20000.00");
    assert_eq!(ok.body["status"], "registered");
    assert_eq!(ok.body["purchaser_org_id"], org_of(&app, "buyer1").await);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM procedures").await,
        1,
        "refused registrations leave nothing"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'procedure.registered' AND subject_type = 'procedure'"
        )
        .await,
        1
    );
    // The same number again in the same unit.
    register(&app, &buyer, "CAP-1", "5000.00", None)
        .await
        .assert_error(StatusCode::CONFLICT, "PROCEDURE_EXISTS");
    // Deposit settings must agree.
    app.post("/api/v1/procedures", Some(&buyer),
        &json!({"procedure_no": "CAP-2", "name": "x", "budget": "1000.00", "deposit_required": true}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.post("/api/v1/procedures", Some(&buyer),
        &json!({"procedure_no": "CAP-2", "name": "x", "budget": "1000.00", "deposit_required": false, "deposit_amount": "10.00"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    // Mass assignment is refused.
    app.post("/api/v1/procedures", Some(&buyer),
        &json!({"procedure_no": "CAP-2", "name": "x", "budget": "1000.00", "deposit_required": false, "status": "awarded"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    // A purchaser registers for its own unit only; suppliers not at all.
    let other_unit = org_of(&app, "buyer2").await;
    app.post("/api/v1/procedures", Some(&buyer),
        &json!({"procedure_no": "CAP-3", "name": "x", "budget": "1000.00", "deposit_required": false, "purchaser_org_id": other_unit}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let supplier = app.login("supplier1").await;
    register(&app, &supplier, "CAP-4", "1000.00", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    // The operator names the unit.
    let operator = app.login("operator").await;
    register(&app, &operator, "CAP-5", "1000.00", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = app.post("/api/v1/procedures", Some(&operator),
        &json!({"procedure_no": "CAP-5", "name": "x", "budget": "1000.00", "deposit_required": true,
                "deposit_amount": "20.00", "purchaser_org_id": other_unit}))
        .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["purchaser_org_id"], other_unit);
    let buyer2 = app.login("buyer2").await;
    let mine = app.get("/api/v1/procedures", Some(&buyer2)).await;
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["items"][0]["procedure_no"], "CAP-5");
}

#[tokio::test]
async fn cash_is_refused_and_the_deposit_is_the_procedures_amount() {
    let app = TestApp::spawn().await;
    let (id, _) = procedure_with_deposits(&app, &[]).await;
    let buyer = app.login("buyer1").await;
    let supplier = org_of(&app, "supplier1").await;
    let r = pay_deposit(&app, &buyer, id, supplier, "20000.00", "cash", "2026-03-02").await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_FORM_NOT_ALLOWED");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("Cash is not accepted"), "{message}");
    // The message names the forms in words; the details list their codes.
    for (form, name) in [
        ("bank_transfer", "Bank transfer"),
        ("cheque", "Cheque"),
        ("draft", "Draft"),
        ("promissory_note", "Promissory note"),
        ("guarantee_letter", "Guarantee letter"),
    ] {
        assert!(message.contains(name), "{message}");
        assert!(
            r.body["error"]["details"]["allowed"]
                .as_array()
                .unwrap()
                .contains(&json!(form)),
            "{}",
            r.body
        );
    }
    pay_deposit(
        &app,
        &buyer,
        id,
        supplier,
        "19999.99",
        "cheque",
        "2026-03-02",
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_AMOUNT_MISMATCH");
    pay_deposit(
        &app,
        &buyer,
        id,
        supplier,
        "20000.00",
        "cheque",
        "2026-03-03",
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let buyer_org = org_of(&app, "buyer1").await;
    pay_deposit(
        &app,
        &buyer,
        id,
        buyer_org,
        "20000.00",
        "cheque",
        "2026-03-02",
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM deposits").await, 0);
    let r = pay_deposit(
        &app,
        &buyer,
        id,
        supplier,
        "20000.00",
        "draft",
        "2026-03-02",
    )
    .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["form"], "draft");
    assert_eq!(r.body["status"], "held");
    assert_eq!(r.body["amount"], "20000.00");
    assert_eq!(r.body["kind"], "bid");
    assert!(r.body["refund_due_on"].is_null());
    assert_eq!(
        app.scalar("SELECT amount_fen FROM deposits").await,
        2_000_000,
        "stored in fen"
    );
    pay_deposit(
        &app,
        &buyer,
        id,
        supplier,
        "20000.00",
        "draft",
        "2026-03-02",
    )
    .await
    .assert_error(StatusCode::CONFLICT, "DEPOSIT_EXISTS");
    // A procedure without a deposit takes none.
    let r = register(&app, &buyer, "NO-DEP", "1000.00", None).await;
    let free = r.body["id"].as_i64().unwrap();
    pay_deposit(
        &app,
        &buyer,
        free,
        supplier,
        "20.00",
        "cheque",
        "2026-03-02",
    )
    .await
    .assert_error(StatusCode::CONFLICT, "DEPOSIT_NOT_REQUIRED");
}

#[tokio::test]
async fn award_notice_then_a_late_refund_bears_interest_at_the_benchmark_rate_times_1_2() {
    let app = TestApp::spawn().await;
    let (id, s) = procedure_with_deposits(&app, &["supplier1", "supplier2", "supplier3"]).await;
    let (winner, loser, excused) = (s[0], s[1], s[2]);
    let buyer = app.login("buyer1").await;
    // No trigger yet: nothing to refund.
    let before = app
        .get(&format!("/api/v1/procedures/{id}"), Some(&buyer))
        .await;
    let first = deposit_of(&before.body, loser)["id"].as_i64().unwrap();
    refund(&app, &buyer, first, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // The contract cannot be signed before the award.
    event(
        &app,
        &buyer,
        id,
        json!({"event": "contract_signed", "on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": winner, "on": "2026-03-03"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    event(&app, &buyer, id, json!({"event": "award_notice", "winner_supplier_id": winner, "on": "2026-03-02", "note": "x"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");

    // Award notice on Mon 2026-03-02: the non-winners' deposits are due back by Mon 03-09.
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": winner, "on": "2026-03-02"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "awarded");
    assert_eq!(r.body["winner_supplier_id"], winner);
    assert_eq!(r.body["award_notice_on"], "2026-03-02");
    for supplier in [loser, excused] {
        let d = deposit_of(&r.body, supplier);
        assert_eq!(d["status"], "refund_due");
        assert_eq!(d["refund_trigger"], "award_notice");
        assert_eq!(d["trigger_on"], "2026-03-02");
        assert_eq!(d["refund_due_on"], "2026-03-09");
        assert_eq!(d["refund_due_provisional"], false);
    }
    let held = deposit_of(&r.body, winner);
    assert_eq!(held["status"], "held");
    assert!(held["refund_due_on"].is_null());
    assert_eq!(r.body["events"][0]["event"], "award_notice");
    event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": loser, "on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let loser_deposit = deposit_of(&r.body, loser)["id"].as_i64().unwrap();
    let excused_deposit = deposit_of(&r.body, excused)["id"].as_i64().unwrap();

    // Not refunded by 03-19: 10 days late. ¥20,000 × 4.35% × 1.2 / 365 × 10 = ¥28.60.
    set_today(&app, "2026-03-19");
    let supplier2 = app.login("supplier2").await;
    let mine = app.get("/api/v1/deposits", Some(&supplier2)).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(mine.body["total"], 1);
    let d = &mine.body["items"][0];
    assert_eq!(d["id"], loser_deposit);
    assert_eq!(d["days_late"], 10);
    assert_eq!(d["interest_owed"], "28.60");
    assert_eq!(d["as_of"], "2026-03-19");
    assert_eq!(d["procedure_no"], "CQJB-2026-001");
    // The overdue refunds raise warnings on the purchaser, seen by the supplier too.
    assert_eq!(scan(&app).await["open_deposit_warnings"], 2);
    scan(&app).await;
    let open = warnings(&app, "buyer1", "").await;
    let overdue: Vec<&Value> = open
        .iter()
        .filter(|w| w["rule"] == "deposit_refund_overdue")
        .collect();
    assert_eq!(overdue.len(), 2, "{open:?}");
    assert_eq!(overdue[0]["due_on"], "2026-03-09");
    let message = overdue[0]["message"].as_str().unwrap();
    assert!(
        message.contains("on procedure CQJB-2026-001")
            && message.contains("due back by 2026-03-09"),
        "{message}"
    );
    let buyer = app.login("buyer1").await;
    let zh = app
        .request(
            Method::GET,
            "/api/v1/warnings",
            Some(&buyer),
            None,
            &[("accept-language", "zh-CN")],
        )
        .await;
    let zh_message = zh
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "deposit_refund_overdue")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        zh_message.contains("在采购项目 CQJB-2026-001 的投标保证金")
            && zh_message.contains("应于 2026-03-09 前退还"),
        "{zh_message}"
    );
    assert_eq!(
        overdue[0]["responsible_org_id"],
        org_of(&app, "buyer1").await
    );
    assert_eq!(warnings(&app, "supplier2", "").await.len(), 1);
    assert_eq!(warnings(&app, "supplier1", "").await.len(), 0);

    // Refunded on 03-19: the interest is fixed at ¥28.60.
    let buyer = app.login("buyer1").await;
    refund(
        &app,
        &buyer,
        loser_deposit,
        json!({"refunded_on": "2026-03-20"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    refund(
        &app,
        &buyer,
        loser_deposit,
        json!({"refunded_on": "2026-03-19", "interest": "0.00"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let r = refund(
        &app,
        &buyer,
        loser_deposit,
        json!({"refunded_on": "2026-03-19"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "refunded");
    assert_eq!(r.body["refunded_on"], "2026-03-19");
    assert_eq!(r.body["refund_amount"], "20000.00");
    assert_eq!(r.body["days_late"], 10);
    assert_eq!(r.body["interest_owed"], "28.60");
    assert_eq!(
        app.scalar(&format!(
            "SELECT interest_fen FROM deposits WHERE id = {loser_deposit}"
        ))
        .await,
        2860
    );
    refund(
        &app,
        &buyer,
        loser_deposit,
        json!({"refunded_on": "2026-03-19"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // The supplier caused the other delay: no interest, the days are still shown.
    let r = refund(
        &app,
        &buyer,
        excused_deposit,
        json!({"refunded_on": "2026-03-19", "supplier_caused_delay": true}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["interest_owed"], "0.00");
    assert_eq!(r.body["days_late"], 10);
    assert_eq!(r.body["supplier_caused_delay"], true);
    // Refunding resolved the warnings.
    let open = warnings(&app, "buyer1", "").await;
    assert!(
        open.iter().all(|w| w["rule"] != "deposit_refund_overdue"),
        "{open:?}"
    );
    assert_eq!(scan(&app).await["open_deposit_warnings"], 0);
    // Interest stays fixed after the refund.
    set_today(&app, "2026-06-01");
    let supplier2 = app.login("supplier2").await;
    let later = app
        .get(
            &format!("/api/v1/deposits/{loser_deposit}"),
            Some(&supplier2),
        )
        .await;
    assert_eq!(later.body["interest_owed"], "28.60");
    assert_eq!(later.body["days_late"], 10);

    // The winner's deposit is due 5 working days after the contract is signed.
    set_today(&app, "2026-03-20");
    let buyer = app.login("buyer1").await;
    event(
        &app,
        &buyer,
        id,
        json!({"event": "contract_signed", "on": "2026-03-01"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "contract_signed", "on": "2026-03-20"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "contract_signed");
    let d = deposit_of(&r.body, winner);
    assert_eq!(d["refund_trigger"], "contract_signed");
    assert_eq!(d["refund_due_on"], "2026-03-27");
    // Refunded on time: no interest.
    set_today(&app, "2026-03-27");
    let buyer = app.login("buyer1").await;
    let r = refund(
        &app,
        &buyer,
        d["id"].as_i64().unwrap(),
        json!({"refunded_on": "2026-03-27"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["days_late"], 0);
    assert_eq!(r.body["interest_owed"], "0.00");
    event(
        &app,
        &buyer,
        id,
        json!({"event": "terminated", "on": "2026-03-27"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.refunded'")
            .await,
        3
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM procedure_events").await, 2);
}

#[tokio::test]
async fn withdrawal_and_termination_release_deposits() {
    let app = TestApp::spawn().await;
    let (id, s) = procedure_with_deposits(&app, &["supplier1", "supplier2", "supplier3"]).await;
    set_today(&app, "2026-03-06");
    let buyer = app.login("buyer1").await;
    // Withdrawal on Tue 03-03: due back by Tue 03-10.
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "withdrawal", "supplier_id": s[1], "on": "2026-03-03"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "registered");
    let withdrawn = deposit_of(&r.body, s[1]);
    assert_eq!(withdrawn["refund_trigger"], "withdrawal");
    assert_eq!(withdrawn["refund_due_on"], "2026-03-10");
    assert_eq!(deposit_of(&r.body, s[0])["status"], "held");
    event(
        &app,
        &buyer,
        id,
        json!({"event": "withdrawal", "supplier_id": s[1], "on": "2026-03-04"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // A supplier that withdrew cannot win.
    event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": s[1], "on": "2026-03-04"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    // A supplier without a deposit cannot win a procedure that requires one.
    let supplier4 = org_of(&app, "supplier4").await;
    event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": supplier4, "on": "2026-03-04"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    // Terminated on Fri 03-06: every deposit still held is due back by Fri 03-13.
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "terminated", "on": "2026-03-06", "reason": "预算调整"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "terminated");
    assert_eq!(r.body["terminated_on"], "2026-03-06");
    for supplier in [s[0], s[2]] {
        let d = deposit_of(&r.body, supplier);
        assert_eq!(d["refund_trigger"], "terminated");
        assert_eq!(d["refund_due_on"], "2026-03-13");
    }
    // The withdrawal keeps its earlier deadline.
    assert_eq!(deposit_of(&r.body, s[1])["refund_due_on"], "2026-03-10");
    assert_eq!(r.body["events"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["events"][1]["details"]["reason"], "预算调整");
    for body in [
        json!({"event": "award_notice", "winner_supplier_id": s[0], "on": "2026-03-06"}),
        json!({"event": "withdrawal", "supplier_id": s[0], "on": "2026-03-06"}),
        json!({"event": "terminated", "on": "2026-03-06"}),
    ] {
        event(&app, &buyer, id, body)
            .await
            .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    }
    // The withdrawn supplier sees its own withdrawal, not the others' deposits.
    let supplier2 = app.login("supplier2").await;
    let seen = app
        .get(&format!("/api/v1/procedures/{id}"), Some(&supplier2))
        .await;
    seen.assert_status(StatusCode::OK);
    assert_eq!(seen.body["deposits"].as_array().unwrap().len(), 1);
    let supplier1 = app.login("supplier1").await;
    let seen = app
        .get(&format!("/api/v1/procedures/{id}"), Some(&supplier1))
        .await;
    assert_eq!(seen.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(seen.body["events"][0]["event"], "terminated");
}

#[tokio::test]
async fn the_winner_may_convert_its_deposit_into_the_performance_deposit() {
    let app = TestApp::spawn().await;
    let (id, s) = procedure_with_deposits(&app, &["supplier1", "supplier2"]).await;
    let buyer = app.login("buyer1").await;
    event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": s[0], "on": "2026-03-02"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "contract_signed", "on": "2026-03-02", "convert_winner_deposit": true}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let converted = deposit_of(&r.body, s[0]);
    assert_eq!(converted["status"], "converted");
    assert!(converted["refund_due_on"].is_null());
    assert_eq!(r.body["contract_signed_on"], "2026-03-02");
    assert_eq!(
        r.body["events"][1]["details"]["convert_winner_deposit"],
        true
    );
    refund(
        &app,
        &buyer,
        converted["id"].as_i64().unwrap(),
        json!({"refunded_on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // Nothing is owed on a converted deposit, however long after.
    set_today(&app, "2026-12-01");
    let supplier1 = app.login("supplier1").await;
    let mine = app
        .get("/api/v1/deposits?status=converted", Some(&supplier1))
        .await;
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["items"][0]["interest_owed"], "0.00");
    assert_eq!(mine.body["items"][0]["days_late"], 0);
    // A procedure without a deposit has nothing to convert.
    set_today(&app, "2026-03-02");
    let buyer = app.login("buyer1").await;
    let free = register(&app, &buyer, "NO-DEP", "1000.00", None).await.body["id"]
        .as_i64()
        .unwrap();
    event(
        &app,
        &buyer,
        free,
        json!({"event": "award_notice", "winner_supplier_id": s[1], "on": "2026-03-02"}),
    )
    .await
    .assert_status(StatusCode::OK);
    event(
        &app,
        &buyer,
        free,
        json!({"event": "contract_signed", "on": "2026-03-02", "convert_winner_deposit": true}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
}

#[tokio::test]
async fn the_refund_deadline_counts_working_days_over_labour_day() {
    let app = TestApp::spawn().await;
    // Registered before its deposits came in (nothing recorded predates the registration),
    // the history entered on 05-12.
    set_today(&app, "2026-04-27");
    let buyer = app.login("buyer1").await;
    let id = register(&app, &buyer, "LD-1", "1000000.00", Some("10000.00"))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    set_today(&app, "2026-05-12");
    let (s1, s2) = (
        org_of(&app, "supplier1").await,
        org_of(&app, "supplier2").await,
    );
    let buyer = app.login("buyer1").await;
    for s in [s1, s2] {
        pay_deposit(
            &app,
            &buyer,
            id,
            s,
            "10000.00",
            "bank_transfer",
            "2026-04-28",
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    // Award on Wed 04-29: Thu 04-30 is day 1; 05-01..05 are off; 05-06, 05-07, 05-08 are days
    // 2–4 and Saturday 05-09, an adjusted working day, is day 5. Weekends-only would say 05-06.
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": s1, "on": "2026-04-29"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let d = deposit_of(&r.body, s2);
    assert_eq!(d["refund_due_on"], "2026-05-09");
    assert_eq!(d["refund_due_provisional"], false);
    // On Tue 05-12 it is three days late (05-10, 05-11, 05-12): ¥10,000 × 5.22% / 365 × 3 = ¥4.29.
    let list = app
        .get(
            &format!("/api/v1/deposits?procedure_id={id}&status=refund_due"),
            Some(&buyer),
        )
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["days_late"], 3);
    assert_eq!(list.body["items"][0]["interest_owed"], "4.29");
}

#[tokio::test]
async fn a_deadline_in_a_year_not_loaded_is_provisional_with_a_warning_until_it_is() {
    let app = TestApp::spawn().await;
    set_today(&app, "2027-03-01");
    let buyer = app.login("buyer1").await;
    let id = register(&app, &buyer, "PROV-1", "500000.00", Some("10000.00"))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let (s1, s2) = (
        org_of(&app, "supplier1").await,
        org_of(&app, "supplier2").await,
    );
    let buyer = app.login("buyer1").await;
    for s in [s1, s2] {
        pay_deposit(&app, &buyer, id, s, "10000.00", "cheque", "2027-03-01")
            .await
            .assert_status(StatusCode::CREATED);
    }
    let r = event(
        &app,
        &buyer,
        id,
        json!({"event": "award_notice", "winner_supplier_id": s1, "on": "2027-03-01"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    let d = deposit_of(&r.body, s2);
    assert_eq!(d["refund_due_on"], "2027-03-08");
    assert_eq!(d["refund_due_provisional"], true);
    let open = warnings(&app, "buyer1", "").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["rule"], "calendar_year_missing");
    assert_eq!(open[0]["subject_id"], d["id"].as_i64().unwrap().to_string());
    assert!(open[0]["message"].as_str().unwrap().contains("2027"));
    assert_eq!(scan(&app).await["open_deposit_warnings"], 1);

    // The operator loads 2027 (invented: 03-03 and 03-04 off): the deadline moves and is final.
    let operator = app.login("operator").await;
    app.request(Method::PUT, "/api/v1/calendar/years/2027", Some(&operator),
        Some(&json!({"holidays": ["2027-01-01", "2027-03-03", "2027-03-04"], "workdays": [], "source": "测试用 2027 年安排 (test data)"})), &[])
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(scan(&app).await["open_deposit_warnings"], 0);
    let buyer = app.login("buyer1").await;
    let d = app
        .get(&format!("/api/v1/deposits/{}", d["id"]), Some(&buyer))
        .await;
    assert_eq!(d.body["refund_due_on"], "2027-03-10");
    assert_eq!(d.body["refund_due_provisional"], false);
    assert!(warnings(&app, "buyer1", "").await.is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.deadline_confirmed'")
            .await,
        1
    );
}

#[tokio::test]
async fn deposits_are_visible_only_to_their_parties() {
    let app = TestApp::spawn().await;
    let (id, s) = procedure_with_deposits(&app, &["supplier1", "supplier2"]).await;
    let buyer1 = app.login("buyer1").await;
    event(
        &app,
        &buyer1,
        id,
        json!({"event": "award_notice", "winner_supplier_id": s[0], "on": "2026-03-02"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let view = app
        .get(&format!("/api/v1/procedures/{id}"), Some(&buyer1))
        .await;
    let due = deposit_of(&view.body, s[1])["id"].as_i64().unwrap();
    let held = deposit_of(&view.body, s[0])["id"].as_i64().unwrap();

    // Another purchaser: nothing exists.
    let buyer2 = app.login("buyer2").await;
    app.get(&format!("/api/v1/procedures/{id}"), Some(&buyer2))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.get(&format!("/api/v1/deposits/{due}"), Some(&buyer2))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    pay_deposit(&app, &buyer2, id, s[1], "20000.00", "cheque", "2026-03-02")
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    event(
        &app,
        &buyer2,
        id,
        json!({"event": "terminated", "on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    refund(&app, &buyer2, due, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(
        app.get("/api/v1/deposits", Some(&buyer2)).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/procedures", Some(&buyer2)).await.body["total"],
        0
    );
    // A supplier without a deposit there: nothing exists either.
    let supplier3 = app.login("supplier3").await;
    app.get(&format!("/api/v1/procedures/{id}"), Some(&supplier3))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.get(&format!("/api/v1/deposits/{due}"), Some(&supplier3))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    refund(&app, &supplier3, due, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    // A supplier sees its own deposit only, and records nothing.
    let supplier2 = app.login("supplier2").await;
    let own = app
        .get(&format!("/api/v1/procedures/{id}"), Some(&supplier2))
        .await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.body["deposits"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["deposits"][0]["id"], due);
    app.get(&format!("/api/v1/deposits/{held}"), Some(&supplier2))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let list = app.get("/api/v1/deposits", Some(&supplier2)).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["supplier_id"], s[1]);
    refund(&app, &supplier2, due, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    event(
        &app,
        &supplier2,
        id,
        json!({"event": "terminated", "on": "2026-03-02"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    // The regulator sees everything and records nothing; the operator records.
    let regulator = app.login("regulator").await;
    assert_eq!(
        app.get("/api/v1/deposits", Some(&regulator)).await.body["total"],
        2
    );
    refund(&app, &regulator, due, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.post("/api/v1/deposits/scan", Some(&supplier2), &json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let operator = app.login("operator").await;
    let r = refund(&app, &operator, due, json!({"refunded_on": "2026-03-02"})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "refunded");
    // Unauthenticated: nothing.
    app.get("/api/v1/deposits", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

/// Places an ¥800,000 order for a supplier1 product (after raising the category's limit) and
/// has supplier1 confirm it; returns the order id and the contract id.
async fn contract_of_800k(app: &TestApp) -> (i64, i64) {
    let operator = app.login("operator").await;
    app.request(
        Method::PUT,
        "/api/v1/catalog/categories/A02010105/limit",
        Some(&operator),
        Some(&json!({"fiscal_year": 2026, "direct_purchase_limit": "1000000.00"})),
        &[],
    )
    .await
    .assert_status(StatusCode::OK);
    let buyer = app.login("buyer1").await;
    let line = app.new_budget_line(&buyer, "DEP-800K", "1000000.00").await;
    let product = app
        .listed_product("supplier1", "800000.00", 5, "A02010105")
        .await;
    let buyer = app.login("buyer1").await;
    let r = app
        .place_order(&buyer, "deposit-800k",
            &json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "江北区"}))
        .await;
    r.assert_status(StatusCode::CREATED);
    let order = r.body["orders"][0]["id"].as_i64().unwrap();
    let supplier = app.login("supplier1").await;
    app.order_action(&supplier, order, "confirm", json!({}))
        .await
        .assert_status(StatusCode::OK);
    let contracts = app.get("/api/v1/contracts", Some(&buyer)).await;
    assert_eq!(contracts.body["items"][0]["amount"], "800000.00");
    (order, contracts.body["items"][0]["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_performance_deposit_is_at_most_ten_percent_and_comes_back_after_acceptance() {
    let app = TestApp::spawn().await;
    let (order, contract) = contract_of_800k(&app).await;
    let buyer = app.login("buyer1").await;
    let path = format!("/api/v1/contracts/{contract}/performance-deposit");
    let body = |amount: &str, form: &str| json!({"amount": amount, "form": form, "received_on": "2026-03-02", "refund_days_after_completion": 10});
    // RULES.md: contract ¥800,000 → performance deposit ¥80,000 accepted, ¥80,001 rejected.
    let r = app
        .post(&path, Some(&buyer), &body("80001.00", "guarantee_letter"))
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_ABOVE_CAP");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("¥80,000.00")
    );
    app.post(&path, Some(&buyer), &body("80000.00", "cash"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_FORM_NOT_ALLOWED");
    // Only the contract's purchaser records it: another unit does not see the contract, and
    // a supplier is refused for its role.
    for (user, status, code) in [
        ("buyer2", StatusCode::NOT_FOUND, "NOT_FOUND"),
        ("supplier2", StatusCode::FORBIDDEN, "FORBIDDEN"),
    ] {
        let token = app.login(user).await;
        app.post(&path, Some(&token), &body("80000.00", "guarantee_letter"))
            .await
            .assert_error(status, code);
    }
    let supplier1 = app.login("supplier1").await;
    app.post(
        &path,
        Some(&supplier1),
        &body("80000.00", "guarantee_letter"),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let r = app
        .post(&path, Some(&buyer), &body("80000.00", "guarantee_letter"))
        .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["kind"], "performance");
    assert_eq!(r.body["contract_id"], contract);
    assert_eq!(r.body["status"], "held");
    assert_eq!(r.body["refund_days_after_acceptance"], 10);
    assert_eq!(r.body["late_interest"], "0.05% a day (statutory)");
    let deposit = r.body["id"].as_i64().unwrap();
    app.post(&path, Some(&buyer), &body("80000.00", "guarantee_letter"))
        .await
        .assert_error(StatusCode::CONFLICT, "DEPOSIT_EXISTS");
    // No acceptance yet: nothing to refund.
    refund(&app, &buyer, deposit, json!({"refunded_on": "2026-03-02"}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");

    // Delivered and accepted on 03-02: due back 10 days later, on 03-12.
    for (who, action) in [
        ("supplier1", "ship"),
        ("supplier1", "deliver"),
        ("buyer1", "accept"),
    ] {
        let token = app.login(who).await;
        app.order_action(&token, order, action, json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    let supplier1 = app.login("supplier1").await;
    let mine = app
        .get("/api/v1/deposits?kind=performance", Some(&supplier1))
        .await;
    assert_eq!(mine.body["total"], 1);
    let d = &mine.body["items"][0];
    assert_eq!(d["status"], "refund_due");
    assert_eq!(d["refund_trigger"], "contract_accepted");
    assert_eq!(d["trigger_on"], "2026-03-02");
    assert_eq!(d["refund_due_on"], "2026-03-12");

    // Refunded 10 days late at the contract's agreed liability (statutory 0.05% a day):
    // ¥80,000 × 0.05% × 10 = ¥400.00.
    set_today(&app, "2026-03-22");
    let supplier1 = app.login("supplier1").await;
    let owed = app
        .get(&format!("/api/v1/deposits/{deposit}"), Some(&supplier1))
        .await;
    assert_eq!(owed.body["days_late"], 10);
    assert_eq!(owed.body["interest_owed"], "400.00");
    assert_eq!(scan(&app).await["open_deposit_warnings"], 1);
    let buyer = app.login("buyer1").await;
    let r = refund(&app, &buyer, deposit, json!({"refunded_on": "2026-03-22"})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["interest_owed"], "400.00");
    assert_eq!(r.body["refund_amount"], "80000.00");
    assert!(
        warnings(&app, "supplier1", "")
            .await
            .iter()
            .all(|w| w["rule"] != "deposit_refund_overdue")
    );
}

#[tokio::test]
async fn the_deposit_api_is_documented() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await;
    doc.assert_status(StatusCode::OK);
    let paths = &doc.body["paths"];
    for (path, method) in [
        ("/api/v1/procedures", "get"),
        ("/api/v1/procedures", "post"),
        ("/api/v1/procedures/{id}", "get"),
        ("/api/v1/procedures/{id}/deposits", "post"),
        ("/api/v1/procedures/{id}/events", "post"),
        ("/api/v1/deposits", "get"),
        ("/api/v1/deposits/{id}", "get"),
        ("/api/v1/deposits/{id}/refund", "post"),
        ("/api/v1/deposits/scan", "post"),
        ("/api/v1/contracts/{id}/performance-deposit", "post"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} undocumented");
        assert_eq!(operation["tags"][0], "deposits", "{method} {path}");
    }
    let forms = &doc.body["components"]["schemas"]["DepositForm"]["enum"];
    assert!(
        !forms.as_array().unwrap().contains(&json!("cash")),
        "{forms}"
    );
}

/// A request in Chinese, as a Chinese browser or client sends it.
async fn post_in_chinese(app: &TestApp, token: &str, path: &str, body: &Value) -> TestResponse {
    app.request(
        Method::POST,
        path,
        Some(token),
        Some(body),
        &[("accept-language", "zh-CN")],
    )
    .await
}

#[tokio::test]
async fn refusals_are_in_the_readers_language_with_names_not_ids() {
    let app = TestApp::spawn().await;
    let (id, suppliers) = procedure_with_deposits(&app, &["supplier1"]).await;
    let buyer = app.login("buyer1").await;
    let supplier_name = gpmall::demo_data::suppliers()[0].name;
    let message = |r: &TestResponse| r.body["error"]["message"].as_str().unwrap().to_owned();

    // Above the cap: the cap and the budget in yuan with separators.
    let r = post_in_chinese(
        &app,
        &buyer,
        "/api/v1/procedures",
        &json!({"procedure_no": "ZH-1", "name": "办公家具采购", "budget": "1000000.00",
                "deposit_required": true, "deposit_amount": "20001.00"}),
    )
    .await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_ABOVE_CAP");
    assert_eq!(
        message(&r),
        "投标保证金不得超过采购项目预算金额 ¥1,000,000.00 的 2%，即 ¥20,000.00；¥20,001.00 超过了该限额。"
    );
    // Cash: refused, the forms named in Chinese.
    let r = post_in_chinese(
        &app,
        &buyer,
        &format!("/api/v1/procedures/{id}/deposits"),
        &json!({"supplier_id": suppliers[0], "amount": "20000.00", "form": "cash",
                "received_on": "2026-03-02"}),
    )
    .await;
    r.assert_error(StatusCode::BAD_REQUEST, "DEPOSIT_FORM_NOT_ALLOWED");
    assert!(message(&r).starts_with("不接受现金"), "{}", message(&r));
    assert!(
        message(&r).contains("银行转账；支票；汇票；本票；保函"),
        "{}",
        message(&r)
    );
    // The same supplier's deposit twice: named by its name, not its id.
    let r = post_in_chinese(
        &app,
        &buyer,
        &format!("/api/v1/procedures/{id}/deposits"),
        &json!({"supplier_id": suppliers[0], "amount": "20000.00", "form": "cheque",
                "received_on": "2026-03-02"}),
    )
    .await;
    r.assert_error(StatusCode::CONFLICT, "DEPOSIT_EXISTS");
    assert_eq!(
        message(&r),
        format!("{supplier_name}在采购项目 CQJB-2026-001 的保证金已经登记。")
    );
    // A refund before any trigger: the transition's refusal says what to do first.
    let deposit = app
        .scalar(&format!(
            "SELECT id FROM deposits WHERE procedure_id = {id}"
        ))
        .await;
    let r = post_in_chinese(
        &app,
        &buyer,
        &format!("/api/v1/deposits/{deposit}/refund"),
        &json!({"refunded_on": "2026-03-02"}),
    )
    .await;
    r.assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    assert_eq!(
        message(&r),
        "该保证金尚无退还事由，请先登记撤回投标、中标通知、合同签订或采购终止。"
    );
    // Signing before the award notice: the procedure's transition refuses it.
    let r = post_in_chinese(
        &app,
        &buyer,
        &format!("/api/v1/procedures/{id}/events"),
        &json!({"event": "contract_signed", "on": "2026-03-02"}),
    )
    .await;
    r.assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    assert_eq!(message(&r), "合同应在中标通知之后签订，请先登记中标通知。");
    // Without Accept-Language the API answers in English.
    let r = app
        .post(
            &format!("/api/v1/deposits/{deposit}/refund"),
            Some(&buyer),
            &json!({"refunded_on": "2026-03-02"}),
        )
        .await;
    assert!(message(&r).starts_with("The deposit has no refund trigger yet"));
}
