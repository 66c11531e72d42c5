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

/// The case: a small supplier's contract signed and accepted on 2026-12-04 with
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
