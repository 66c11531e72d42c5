//! The payment rules of the law that contracts must keep: the SME payment limit binds every
//! instalment whatever starts its clock; milestones are recorded events; dates that cannot be
//! right are refused.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::settlement::{advance, contract_of};
use crate::support::TestApp;

/// Places an order for `price` × 1 from `supplier`'s new product (category A02010105) and
/// returns the order id.
pub(crate) async fn order_from(app: &TestApp, buyer: &str, supplier: &str, price: &str) -> i64 {
    let token = app.login(buyer).await;
    let line = app
        .new_budget_line(
            &token,
            &format!("L-{}", uuid::Uuid::new_v4().simple()),
            "10000000.00",
        )
        .await;
    let product = app.listed_product(supplier, price, 100, "A02010105").await;
    let r = app
        .place_order(&token, &uuid::Uuid::new_v4().to_string(),
            &json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}], "delivery_address": "江北区"}))
        .await;
    r.assert_status(StatusCode::CREATED);
    r.body["orders"][0]["id"].as_i64().unwrap()
}

pub(crate) async fn put_default_terms(
    app: &TestApp,
    terms: &Value,
    lang: &str,
) -> crate::support::TestResponse {
    let operator = app.login("operator").await;
    app.request(
        Method::PUT,
        "/api/v1/settlement/default-terms/A02010105",
        Some(&operator),
        Some(terms),
        &[("accept-language", lang)],
    )
    .await
}

fn instalments(list: &[(&str, &str, u32)]) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|(share, trigger, days)| {
            let mut item = json!({"share_percent": share, "trigger": trigger, "days_after": days});
            if *trigger == "milestone" {
                item["milestone"] = json!("安装调试完成");
            }
            item
        })
        .collect();
    json!({
        "method": if list.len() == 2 { "prepayment_and_balance" } else { "milestones" },
        "instalments": items,
        "late_interest": {"kind": "statutory"},
        "acceptance_period_days": 7,
    })
}

#[tokio::test]
async fn category_defaults_keep_the_sme_limit_for_every_trigger() {
    let app = TestApp::spawn().await;
    // 90 days after signing was accepted before: the limit bound delivery and acceptance only.
    let r = put_default_terms(
        &app,
        &instalments(&[("30", "signing", 90), ("70", "acceptance", 30)]),
        "en",
    )
    .await;
    r.assert_error(StatusCode::BAD_REQUEST, "TERMS_INVALID");
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "instalments[0].days_after"
    );
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Instalment 1 (90 days after signing)"),
        "{message}"
    );
    assert!(message.contains("within 30 days"), "{message}");
    assert!(
        !message.contains("days_after") && !message.contains("instalments"),
        "{message}"
    );
    let r = put_default_terms(
        &app,
        &instalments(&[("30", "signing", 90), ("70", "acceptance", 30)]),
        "zh-CN",
    )
    .await;
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("第1期款（合同签订后90日）"),
        "{message}"
    );

    // 90 days after a milestone: refused, the milestone named.
    let milestone = instalments(&[("50", "acceptance", 10), ("50", "milestone", 90)]);
    let r = put_default_terms(&app, &milestone, "zh-CN").await;
    r.assert_error(StatusCode::BAD_REQUEST, "TERMS_INVALID");
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "instalments[1].days_after"
    );
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("第2期款（里程碑“安装调试完成”后90日）"),
        "{message}"
    );

    // Agreeing a longer term allows 60 days, never more, whatever the trigger.
    let mut agreed = instalments(&[("30", "signing", 60), ("70", "acceptance", 60)]);
    agreed["extended_term_agreed"] = json!(true);
    put_default_terms(&app, &agreed, "en")
        .await
        .assert_status(StatusCode::OK);
    agreed["instalments"][1]["days_after"] = json!(61);
    let r = put_default_terms(&app, &agreed, "en").await;
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "instalments[1].days_after"
    );
    put_default_terms(
        &app,
        &instalments(&[("30", "signing", 10), ("70", "milestone", 30)]),
        "en",
    )
    .await
    .assert_status(StatusCode::OK);
}

/// The issue's case: a small supplier's contract signed and accepted on 2026-12-04 with
/// "180 days after signing" (terms stored before the limit bound signing) came out due on
/// 2027-06-02. The stored due date is capped at the limit counted from delivery.
#[tokio::test]
async fn a_small_suppliers_instalment_never_falls_due_after_the_limit() {
    let app = TestApp::spawn().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap());
    let id = order_from(&app, "buyer1", "supplier5", "8000.00").await;
    advance(&app, id, &[("supplier5", "confirm")]).await;
    let buyer = app.login("buyer1").await;
    let contract = contract_of(&app, &buyer).await;
    assert_eq!(contract["supplier_is_sme"], true);
    let cid = contract["id"].as_i64().unwrap();
    // Terms signed under the old check.
    let mut legacy = instalments(&[("100", "signing", 180)]);
    legacy["method"] = json!("one_payment");
    let backend = app.ctx.db.get_database_backend();
    use sea_orm::ConnectionTrait;
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "UPDATE contracts SET terms = ? WHERE id = ?",
            [legacy.to_string().into(), cid.into()],
        ))
        .await
        .unwrap();
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "UPDATE contract_instalments SET trigger_event = 'signing', days_after = 180, due_on = '2027-06-02' WHERE contract_id = ?",
            [cid.into()],
        ))
        .await
        .unwrap();
    let stored = |date: &'static str| {
        let app = &app;
        async move {
            app.scalar(&format!(
                "SELECT COUNT(*) FROM contract_instalments WHERE contract_id = {cid} AND due_on = '{date}'"
            ))
            .await
        }
    };
    advance(&app, id, &[("supplier5", "ship"), ("supplier5", "deliver")]).await;
    // Delivered on 2026-12-04: due within 30 days of delivery, not 180 days after signing; the
    // accrual reads the stored date.
    assert_eq!(stored("2027-01-03").await, 1);
    // Rows stored before the fix are capped when the service migrates.
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "UPDATE contract_instalments SET due_on = '2027-06-02' WHERE contract_id = ?",
            [cid.into()],
        ))
        .await
        .unwrap();
    gpmall_settlement::service::contracts::cap_sme_due_dates(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(
        stored("2027-06-02").await,
        0,
        "a due date beyond the limit stayed stored"
    );
    assert_eq!(stored("2027-01-03").await, 1);
    let buyer = app.login("buyer1").await;
    app.order_action(
        &buyer,
        id,
        "accept",
        json!({"acceptance_date": "2026-12-04"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let view = app
        .get(&format!("/api/v1/contracts/{cid}"), Some(&buyer))
        .await;
    let instalment = &view.body["instalments"][0];
    assert_eq!(instalment["clock_started_on"], "2026-12-04");
    assert_eq!(instalment["due_on"], "2027-01-03", "{}", view.body);
    assert_eq!(instalment["due_at_sme_limit"], true);
    assert_eq!(stored("2027-01-03").await, 1);

    // A category default stored before the check is refused when the next contract is signed.
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "INSERT INTO default_payment_terms (category_code, terms, updated_by, updated_at) VALUES ('A02010105', ?, 1, ?)",
            [legacy.to_string().into(), gpmall_platform::clock::Clock::now(&app.clock).into()],
        ))
        .await
        .unwrap();
    let next = order_from(&app, "buyer2", "supplier5", "500.00").await;
    let supplier = app.login("supplier5").await;
    let r = app
        .order_action(&supplier, next, "confirm", json!({}))
        .await;
    r.assert_error(StatusCode::CONFLICT, "TERMS_INVALID");
    assert_eq!(
        r.body["error"]["details"]["clause"],
        "instalments[0].days_after"
    );
}

/// The contract made from `order_id`, as `token` sees it.
pub(crate) async fn contract_for(app: &TestApp, token: &str, order_id: i64) -> Value {
    let list = app.get("/api/v1/contracts?per_page=100", Some(token)).await;
    list.assert_status(StatusCode::OK);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["order_id"] == order_id)
        .cloned()
        .expect("the order's contract")
}

/// Half on acceptance (10 days), half 20 days after the milestone "安装调试完成".
async fn milestone_terms(app: &TestApp) {
    put_default_terms(
        app,
        &instalments(&[("50", "acceptance", 10), ("50", "milestone", 20)]),
        "en",
    )
    .await
    .assert_status(StatusCode::OK);
}

/// An order from `supplier` delivered and accepted today; returns the contract id.
async fn accepted_contract(app: &TestApp, supplier: &str, price: &str) -> i64 {
    let id = order_from(app, "buyer1", supplier, price).await;
    advance(
        app,
        id,
        &[
            (supplier, "confirm"),
            (supplier, "ship"),
            (supplier, "deliver"),
        ],
    )
    .await;
    let buyer = app.login("buyer1").await;
    app.order_action(&buyer, id, "accept", json!({}))
        .await
        .assert_status(StatusCode::OK);
    contract_for(app, &buyer, id).await["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_milestone_is_recorded_once_and_the_sme_limit_binds_it_until_then() {
    let app = TestApp::spawn().await;
    milestone_terms(&app).await;
    // Signed, delivered and accepted on 2026-03-02.
    let small = accepted_contract(&app, "supplier5", "10000.00").await;
    let unrecorded = accepted_contract(&app, "supplier6", "10000.00").await;
    let large = accepted_contract(&app, "supplier1", "10000.00").await;
    let buyer = app.login("buyer1").await;
    let view = |id: i64| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/contracts/{id}"), Some(&buyer))
                .await;
            r.assert_status(StatusCode::OK);
            r.body
        }
    };
    // Not recorded: an SME's milestone instalment falls due at the limit, 30 days after
    // acceptance; a large enterprise's waits for the milestone.
    let before = view(small).await;
    let second = &before["instalments"][1];
    assert_eq!(second["milestone"], "安装调试完成");
    assert!(second["clock_started_on"].is_null());
    assert_eq!(second["due_on"], "2026-04-01");
    assert_eq!(second["due_at_sme_limit"], true);
    assert!(view(large).await["instalments"][1]["due_on"].is_null());

    let record = |id: i64, token: String, body: Value| {
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/contracts/{id}/milestones"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    // The supplier's role may not record milestones; another unit does not see the contract.
    let supplier = app.login("supplier5").await;
    let other_unit = app.login("buyer2").await;
    for (token, status, code) in [
        (supplier, StatusCode::FORBIDDEN, "FORBIDDEN"),
        (other_unit, StatusCode::NOT_FOUND, "NOT_FOUND"),
    ] {
        record(
            small,
            token,
            json!({"instalment_seq": 2, "reached_on": "2026-03-02"}),
        )
        .await
        .assert_error(status, code);
    }
    let refused = [
        (
            json!({"instalment_seq": 2, "reached_on": "2026-03-01"}),
            "before",
        ),
        (
            json!({"instalment_seq": 2, "reached_on": "2026-03-03"}),
            "after today",
        ),
        (
            json!({"instalment_seq": 2, "reached_on": "0001-01-01"}),
            "cannot be right",
        ),
        (
            json!({"instalment_seq": 1, "reached_on": "2026-03-02"}),
            "not paid on a milestone",
        ),
        (
            json!({"instalment_seq": 9, "reached_on": "2026-03-02"}),
            "no instalment 9",
        ),
    ];
    for (body, says) in refused {
        let r = record(small, buyer.clone(), body.clone()).await;
        r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {message}");
    }
    let audited =
        || app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'contract.milestone_reached'");
    assert_eq!(audited().await, 0);

    // Reached on 03-04, recorded on 03-05: due 20 days after the milestone.
    app.clock.advance(chrono::Duration::days(3));
    let buyer = app.login("buyer1").await;
    let body = json!({"instalment_seq": 2, "reached_on": "2026-03-04"});
    let r = record(small, buyer.clone(), body.clone()).await;
    r.assert_status(StatusCode::OK);
    let second = &r.body["instalments"][1];
    assert_eq!(second["milestone_reached_on"], "2026-03-04");
    assert_eq!(second["clock_started_on"], "2026-03-04");
    assert_eq!(second["due_on"], "2026-03-24");
    assert_eq!(second["due_at_sme_limit"], false);
    assert_eq!(audited().await, 1);
    // Twice is harmless; another date is refused.
    record(small, buyer.clone(), body)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(audited().await, 1);
    record(
        small,
        buyer.clone(),
        json!({"instalment_seq": 2, "reached_on": "2026-03-05"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");

    // Never recorded: overdue from the limit (04-01), with interest from there.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 4, 11, 2, 0, 0).unwrap());
    let operator = app.login("operator").await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await
        .assert_status(StatusCode::OK);
    let buyer = app.login("buyer1").await;
    let r = app
        .get(&format!("/api/v1/contracts/{unrecorded}"), Some(&buyer))
        .await;
    let second = &r.body["instalments"][1];
    assert_eq!(second["overdue_days"], 10);
    // 5,000.00 × 0.05% × 10 days.
    assert_eq!(second["interest_owed"], "25.00");
    assert_eq!(
        app.scalar(&format!(
            "SELECT interest_fen FROM contract_instalments WHERE contract_id = {unrecorded} AND seq = 2"
        ))
        .await,
        2500,
        "the accrual works from the stored due date"
    );
    let r = app
        .get(&format!("/api/v1/contracts/{large}"), Some(&buyer))
        .await;
    assert!(r.body["instalments"][1]["due_on"].is_null());
}

#[tokio::test]
async fn the_contract_page_records_a_milestone() {
    let app = TestApp::spawn().await;
    milestone_terms(&app).await;
    let id = accepted_contract(&app, "supplier5", "10000.00").await;
    app.clock.advance(chrono::Duration::days(2));
    let mut buyer = crate::pages::Browser::signed_in(&app, "buyer1").await;
    let page = buyer.get(&format!("/contracts/{id}")).await;
    page.assert_status(StatusCode::OK)
        .assert_shows("记录里程碑达成")
        .assert_shows("中小企业付款期限")
        .assert_shows("里程碑尚未记录");
    let csrf = page.field("csrf");
    let path = format!("/contracts/{id}/milestones");
    buyer
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("instalment_seq", "2"),
                ("reached_on", "2026-02-27"),
            ],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("里程碑达成日期（2026-02-27）不能早于")
        .assert_shows("value=\"2026-02-27\"");
    buyer
        .submit(
            &path,
            &[
                ("csrf", &csrf),
                ("instalment_seq", "2"),
                ("reached_on", "2026-03-03"),
            ],
        )
        .await
        .assert_shows("里程碑已记录")
        .assert_shows("2026-03-23")
        .assert_lacks("记录里程碑达成");
    // The supplier sees the contract but has no such form.
    let mut supplier = crate::pages::Browser::signed_in(&app, "supplier5").await;
    supplier
        .get(&format!("/contracts/{id}"))
        .await
        .assert_status(StatusCode::OK)
        .assert_lacks("记录里程碑达成");
}

/// A refusal of a date: 400, the field in the details, a message with the date given that
/// never names the field by its path.
#[track_caller]
fn refused_date(r: &crate::support::TestResponse, field: &str, given: &str) {
    r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["error"]["details"]["field"], field, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains(given), "{message}");
    if field.contains('_') {
        assert!(!message.contains(field), "{message}");
    }
}

async fn org_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/auth/me", Some(token)).await.body["org_id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn deposit_dates_before_the_procedure_or_in_year_one_are_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let r = app
        .post(
            "/api/v1/procedures",
            Some(&buyer),
            &json!({"procedure_no": "CQJB-2026-LAW", "name": "江北区办公设备采购", "budget": "1000000.00",
                    "deposit_required": true, "deposit_amount": "20000.00"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let procedure = r.body["id"].as_i64().unwrap();
    let supplier = org_id(&app, &app.login("supplier1").await).await;
    let pay = |received_on: &'static str| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.post(
                &format!("/api/v1/procedures/{procedure}/deposits"),
                Some(&buyer),
                &json!({"supplier_id": supplier, "amount": "20000.00", "form": "guarantee_letter",
                        "received_on": received_on}),
            )
            .await
        }
    };
    // Registered on 2026-03-02: a deposit received in year 0001, or before registration, is a
    // typing slip.
    refused_date(&pay("0001-01-01").await, "received_on", "0001-01-01");
    refused_date(&pay("2026-02-27").await, "received_on", "2026-02-27");
    refused_date(&pay("2026-03-03").await, "received_on", "2026-03-03");
    let deposit = pay("2026-03-02").await;
    deposit.assert_status(StatusCode::CREATED);
    let deposit = deposit.body["id"].as_i64().unwrap();
    let event = |body: Value| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.post(
                &format!("/api/v1/procedures/{procedure}/events"),
                Some(&buyer),
                &body,
            )
            .await
        }
    };
    refused_date(
        &event(json!({"event": "withdrawal", "supplier_id": supplier, "on": "0001-01-01"})).await,
        "on",
        "0001-01-01",
    );
    event(json!({"event": "withdrawal", "supplier_id": supplier, "on": "2026-03-02"}))
        .await
        .assert_status(StatusCode::OK);
    let r = app
        .post(
            &format!("/api/v1/deposits/{deposit}/refund"),
            Some(&buyer),
            &json!({"refunded_on": "0001-01-01"}),
        )
        .await;
    refused_date(&r, "refunded_on", "0001-01-01");

    // A performance deposit is lodged after the award, at most 30 days before signing.
    let id = order_from(&app, "buyer1", "supplier1", "2000.00").await;
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let contract = contract_for(&app, &buyer, id).await["id"].as_i64().unwrap();
    let lodge = |received_on: &'static str| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.post(
                &format!("/api/v1/contracts/{contract}/performance-deposit"),
                Some(&buyer),
                &json!({"amount": "100.00", "form": "bank_transfer", "received_on": received_on,
                        "refund_days_after_completion": 10}),
            )
            .await
        }
    };
    refused_date(&lodge("0001-01-01").await, "received_on", "0001-01-01");
    refused_date(&lodge("2026-01-30").await, "received_on", "2026-01-30");
    lodge("2026-02-28").await.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn acceptance_before_delivery_and_payments_before_signing_are_refused() {
    let app = TestApp::spawn().await;
    let id = order_from(&app, "buyer1", "supplier1", "1000.00").await;
    advance(&app, id, &[("supplier1", "confirm"), ("supplier1", "ship")]).await;
    // Delivered on 03-04, two days after the order.
    app.clock.advance(chrono::Duration::days(2));
    advance(&app, id, &[("supplier1", "deliver")]).await;
    let buyer = app.login("buyer1").await;
    let accept = |date: &'static str| {
        let app = &app;
        let buyer = buyer.clone();
        async move {
            app.order_action(&buyer, id, "accept", json!({"acceptance_date": date}))
                .await
        }
    };
    let r = accept("2026-03-03").await;
    refused_date(&r, "acceptance_date", "2026-03-03");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("delivery"),
        "{}",
        r.body
    );
    refused_date(&accept("2026-03-05").await, "acceptance_date", "2026-03-05");
    refused_date(&accept("0001-01-01").await, "acceptance_date", "0001-01-01");
    // Nothing was half-written: the order still waits for acceptance.
    let order = app.get(&format!("/api/v1/orders/{id}"), Some(&buyer)).await;
    assert_eq!(order.body["status"], "delivered");
    accept("2026-03-04").await.assert_status(StatusCode::OK);

    let contract = contract_for(&app, &buyer, id).await;
    let cid = contract["id"].as_i64().unwrap();
    let pay = |paid_on: &'static str| {
        let app = &app;
        let buyer = buyer.clone();
        let account = contract["collection_account"].clone();
        async move {
            app.post(
                &format!("/api/v1/contracts/{cid}/payments"),
                Some(&buyer),
                &json!({"amount": "1.00", "paid_on": paid_on, "voucher_no": "V-1", "account": account}),
            )
            .await
        }
    };
    let r = pay("2026-03-01").await;
    refused_date(&r, "paid_on", "2026-03-01");
    let zh = app
        .request(
            Method::POST,
            &format!("/api/v1/contracts/{cid}/payments"),
            Some(&buyer),
            Some(
                &json!({"amount": "1.00", "paid_on": "2026-03-01", "voucher_no": "V-1",
                         "account": contract["collection_account"]}),
            ),
            &[("accept-language", "zh-CN")],
        )
        .await;
    assert_eq!(
        zh.body["error"]["message"],
        "付款日期（2026-03-01）不能早于合同签订日（2026-03-02）。"
    );
    refused_date(&pay("0001-01-01").await, "paid_on", "0001-01-01");
    refused_date(&pay("2026-03-05").await, "paid_on", "2026-03-05");
    pay("2026-03-02").await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn calendar_rates_budgets_and_letters_take_only_plausible_dates() {
    let app = TestApp::spawn().await;
    refused_date(
        &app.get("/api/v1/calendar/is-working-day?date=0001-01-01", None)
            .await,
        "date",
        "0001-01-01",
    );
    refused_date(
        &app.get(
            "/api/v1/calendar/add-working-days?from=2999-01-01&days=5",
            None,
        )
        .await,
        "from",
        "2999-01-01",
    );
    let operator = app.login("operator").await;
    // 2026 now: next year's schedule can exist, 2030's cannot.
    let r = app
        .request(
            Method::PUT,
            "/api/v1/calendar/years/2030",
            Some(&operator),
            Some(&json!({"holidays": ["2030-01-01"], "workdays": [], "source": "测试"})),
            &[],
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2027"),
        "{}",
        r.body
    );
    let rate = |from: &'static str| {
        let app = &app;
        let operator = operator.clone();
        async move {
            app.post(
                "/api/v1/settlement/reference-rates",
                Some(&operator),
                &json!({"kind": "lpr1y", "effective_from": from, "percent": "2.9", "announced_by": "全国银行间同业拆借中心"}),
            )
            .await
        }
    };
    refused_date(&rate("0001-01-01").await, "effective_from", "0001-01-01");
    refused_date(&rate("2027-03-02").await, "effective_from", "2027-03-02");
    let buyer = app.login("buyer1").await;
    let me = org_id(&app, &buyer).await;
    let r = app
        .post(
            "/api/v1/budgets",
            Some(&operator),
            &json!({"org_id": me, "code": "B-2100", "fiscal_year": 2100, "fund_source": "一般公共预算", "amount": "1000.00"}),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(r.body["error"]["details"]["field"], "fiscal_year");

    // A guarantee letter valid until 9999 secures nothing real.
    use gpmall::guarantee_cli::{demo_issuer_key, sign_letter};
    use gpmall_settlement::domain::guarantee::LetterKind;
    use gpmall_settlement::service::guarantees::{DEMO_SM2_ISSUER, NewLetter};
    let supplier = app.login("supplier1").await;
    let letter = |until: &str| NewLetter {
        issuer: DEMO_SM2_ISSUER.to_owned(),
        letter_no: "JB-LAW-0001".to_owned(),
        kind: LetterKind::Bid,
        beneficiary_org_id: me,
        applicant_org_id: 0,
        amount: "20000.00".parse().unwrap(),
        valid_from: "2026-03-01".parse().unwrap(),
        valid_until: until.parse().unwrap(),
        project_ref: None,
        signature: String::new(),
    };
    let applicant = org_id(&app, &supplier).await;
    for (until, ok) in [
        ("9999-12-31", false),
        ("2026-03-01", false),
        ("2027-03-01", true),
    ] {
        let mut unsigned = letter(until);
        unsigned.applicant_org_id = applicant;
        let signed = sign_letter(&demo_issuer_key(DEMO_SM2_ISSUER).unwrap(), unsigned).unwrap();
        let r = app
            .post(
                "/api/v1/guarantee-letters",
                Some(&supplier),
                &serde_json::to_value(&signed).unwrap(),
            )
            .await;
        if ok {
            r.assert_status(StatusCode::CREATED);
        } else {
            refused_date(&r, "valid_until", until);
        }
    }
}
