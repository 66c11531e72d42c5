//! The settlement pages through the router, as a browser without JavaScript uses them: the
//! purchaser's contracts, payments (refused to the wrong account) and publication, the
//! supplier's contracts and collection account, the operator's reference rates and calendar,
//! payment performance, warnings, guarantee letters, tenant isolation and CSRF.

use axum::http::StatusCode;
use chrono::Duration;
use gpmall::guarantee_cli::{demo_issuer_key, sign_letter};
use gpmall_settlement::domain::guarantee::LetterKind;
use gpmall_settlement::service::guarantees::{DEMO_SM2_ISSUER, NewLetter};
use serde_json::{Value, json};

use crate::pages::Browser;
use crate::support::TestApp;

const BUYER1_UNIT: &str = "重庆市江北区第一实验小学";

/// Places an order for `price` × 1 from supplier1's new product; returns the order id.
async fn order(app: &TestApp, buyer: &str, price: &str) -> i64 {
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
        .place_order(
            &token,
            &uuid::Uuid::new_v4().to_string(),
            &json!({"budget_line_id": line, "lines": [{"product_id": product, "quantity": 1}],
                    "delivery_address": "江北区"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    r.body["orders"][0]["id"].as_i64().unwrap()
}

async fn advance(app: &TestApp, order_id: i64, actions: &[(&str, &str)]) {
    for (who, action) in actions {
        let token = app.login(who).await;
        let body = if *action == "accept" {
            json!({"acceptance_date": app.ctx.clock.today().to_string(), "notes": "合格"})
        } else {
            json!({})
        };
        app.order_action(&token, order_id, action, body)
            .await
            .assert_status(StatusCode::OK);
    }
}

/// The buyer's newest contract as the API shows it.
async fn contract_of(app: &TestApp, buyer: &str) -> Value {
    let token = app.login(buyer).await;
    let list = app.get("/api/v1/contracts", Some(&token)).await;
    list.assert_status(StatusCode::OK);
    list.body["items"][0].clone()
}

fn supplier1_name() -> &'static str {
    gpmall::demo_data::suppliers()[0].name
}

/// Ordered, confirmed, shipped, delivered and accepted today: one instalment due in 30 days.
async fn accepted_contract(app: &TestApp, buyer: &str, price: &str) -> Value {
    let id = order(app, buyer, price).await;
    advance(
        app,
        id,
        &[
            ("supplier1", "confirm"),
            ("supplier1", "ship"),
            ("supplier1", "deliver"),
            (buyer, "accept"),
        ],
    )
    .await;
    contract_of(app, buyer).await
}

#[tokio::test]
async fn the_buyer_pays_and_publishes_its_contract_through_the_pages() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer1", "100000.00").await;
    let id = contract["id"].as_i64().unwrap();
    let number = contract["contract_no"].as_str().unwrap().to_owned();
    let account = contract["collection_account"].as_str().unwrap().to_owned();
    let mut buyer = Browser::signed_in(&app, "buyer1").await;

    // The list: number, supplier, amount, status, the publication deadline with its button.
    let list = buyer.get("/contracts").await;
    list.assert_status(StatusCode::OK)
        .assert_shows("本单位合同")
        .assert_shows(&number)
        .assert_shows(supplier1_name())
        .assert_shows("¥100,000.00")
        .assert_shows("履行中")
        .assert_shows("须于 2026-03-04 前公开")
        .assert_shows(&format!("action=\"/contracts/{id}/publish\""))
        .assert_shows("href=\"/contracts\"");

    // The contract: terms in words, the instalment with its clock and due date.
    let page = buyer.get(&format!("/contracts/{id}")).await;
    page.assert_status(StatusCode::OK)
        .assert_shows("付款方式：一次性付款。")
        .assert_shows("验收后 30 日内支付合同金额的 100%")
        .assert_shows("每日万分之五")
        .assert_shows("验收后 30 日")
        .assert_shows("2026-04-01")
        .assert_shows("登记付款");
    assert_eq!(page.field("account"), account, "prefilled with the account");
    let key = page.field("key");
    let csrf = page.field("csrf");

    // A payment to another account is refused with the reason and the form as typed.
    let wrong = buyer
        .post(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("amount", "40000.00"),
                ("paid_on", "2026-03-02"),
                ("voucher_no", "PZ-1"),
                ("account", "6222000000000000"),
                ("instalment_seq", ""),
            ],
        )
        .await;
    wrong
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("data-code=\"WRONG_COLLECTION_ACCOUNT\"")
        .assert_shows("只能支付到合同约定的收款账户")
        .assert_shows(&account)
        .assert_shows("value=\"PZ-1\"")
        .assert_shows("value=\"6222000000000000\"");
    // …at the contract's own address, which can be reloaded.
    assert!(
        wrong
            .address
            .starts_with(&format!("/contracts/{id}?retry=")),
        "{}",
        wrong.address
    );
    buyer
        .get(&wrong.address.clone())
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("value=\"PZ-1\"");

    // To the collection account it is recorded.
    let paid = buyer
        .submit(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &csrf),
                ("key", &wrong.field("key")),
                ("amount", "40000.00"),
                ("paid_on", "2026-03-02"),
                ("voucher_no", "PZ-1"),
                ("account", &account),
                ("instalment_seq", "1"),
            ],
        )
        .await;
    paid.assert_status(StatusCode::OK)
        .assert_shows("付款已登记")
        .assert_shows("¥40,000.00")
        .assert_shows("¥60,000.00");
    let after = app
        .get(
            &format!("/api/v1/contracts/{id}"),
            Some(&app.login("buyer1").await),
        )
        .await;
    assert_eq!(after.body["paid"], "40000.00");

    // What is due within 30 days, with totals.
    buyer
        .get("/payments-due")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows(&number)
        .assert_shows("2026-04-01")
        .assert_shows("30 天后到期")
        .assert_shows("¥60,000.00");

    // Publication, from the list.
    let published = buyer
        .submit(
            &format!("/contracts/{id}/publish"),
            &[("csrf", &csrf), ("from", "list")],
        )
        .await;
    published
        .assert_shows("已登记合同公开")
        .assert_shows("已于 2026-03-02 公开")
        .assert_lacks(&format!("action=\"/contracts/{id}/publish\""));
    // Publishing twice is refused on the page, not with a crash.
    buyer
        .post(
            &format!("/contracts/{id}/publish"),
            &[("csrf", &csrf), ("from", "detail")],
        )
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_shows("data-code=\"INVALID_TRANSITION\"");

    // The rest, on time: the purchaser's on-time share is 100%.
    let page = buyer.get(&format!("/contracts/{id}")).await;
    buyer
        .submit(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &csrf),
                ("key", &page.field("key")),
                ("amount", "60000.00"),
                ("paid_on", "2026-03-02"),
                ("voucher_no", "PZ-2"),
                ("account", &account),
            ],
        )
        .await
        .assert_shows("已付清")
        .assert_lacks(&format!("action=\"/contracts/{id}/payments\""));
    buyer
        .get("/performance")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows(BUYER1_UNIT)
        .assert_shows("100.0%");
    let mut operator = Browser::signed_in(&app, "operator").await;
    operator
        .get("/performance")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("各采购单位")
        .assert_shows(BUYER1_UNIT)
        .assert_shows("100.0%");

    // The English switch.
    buyer.get(&format!("/lang/en?next=/contracts/{id}")).await;
    buyer
        .get(&format!("/contracts/{id}"))
        .await
        .assert_shows("<html lang=\"en\">")
        .assert_shows("Paid in full")
        .assert_shows("100% within 30 days after acceptance")
        .assert_shows("Interest owed")
        .assert_lacks("逾期利息");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer1", "1000.00").await;
    let id = contract["id"].as_i64().unwrap();
    let account = contract["collection_account"].as_str().unwrap().to_owned();
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    for csrf in [None, Some("0".repeat(64))] {
        let mut fields = vec![
            ("amount", "1000.00"),
            ("paid_on", "2026-03-02"),
            ("voucher_no", "PZ-9"),
            ("account", account.as_str()),
        ];
        if let Some(token) = &csrf {
            fields.push(("csrf", token));
        }
        buyer
            .post(&format!("/contracts/{id}/payments"), &fields)
            .await
            .assert_status(StatusCode::FORBIDDEN)
            .assert_shows("表单已失效，请刷新页面后重新提交");
        buyer
            .post(&format!("/contracts/{id}/publish"), &fields)
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let mut operator = Browser::signed_in(&app, "operator").await;
    operator
        .post(
            "/operator/rates",
            &[
                ("kind", "lpr_1y"),
                ("effective_from", "2026-03-20"),
                ("percent", "2.9"),
                ("announced_by", "x"),
            ],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let view = app
        .get(
            &format!("/api/v1/contracts/{id}"),
            Some(&app.login("buyer1").await),
        )
        .await;
    assert_eq!(view.body["paid"], "0.00");
    assert!(view.body["published_on"].is_null());
}

#[tokio::test]
async fn the_supplier_sees_what_is_owed_and_sets_its_collection_account() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer1", "5000.00").await;
    let id = contract["id"].as_i64().unwrap();
    let number = contract["contract_no"].as_str().unwrap().to_owned();
    let mut supplier = Browser::signed_in(&app, "supplier1").await;

    supplier
        .get("/contracts")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("我的合同")
        .assert_shows(&number)
        .assert_shows(BUYER1_UNIT)
        .assert_shows("2026-04-01")
        .assert_lacks("/publish\"");
    supplier
        .get(&format!("/contracts/{id}"))
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("2026-04-01")
        .assert_shows("¥5,000.00")
        .assert_lacks("/payments\"")
        .assert_shows("href=\"/supplier/account\"");
    supplier
        .get("/payments-due")
        .await
        .assert_shows("应收款项")
        .assert_shows(&number)
        .assert_shows(BUYER1_UNIT);

    // The collection account.
    let form = supplier.get("/supplier/account").await;
    form.assert_status(StatusCode::OK)
        .assert_shows("收款账户")
        .assert_shows(&number)
        .assert_shows(contract["collection_account"].as_str().unwrap());
    let csrf = form.field("csrf");
    let refused = supplier
        .post(
            "/supplier/account",
            &[
                ("csrf", &csrf),
                ("account_name", supplier1_name()),
                ("bank_name", "中国工商银行重庆江北支行"),
                ("account_no", "123"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("填写的内容有误")
        .assert_shows("value=\"123\"");
    supplier
        .submit(
            "/supplier/account",
            &[
                ("csrf", &csrf),
                ("account_name", supplier1_name()),
                ("bank_name", "中国工商银行重庆江北支行"),
                ("account_no", "6217 0000 1234 5678"),
            ],
        )
        .await
        .assert_shows("收款账户已保存");

    // Another supplier does not learn the contract exists; a supplier cannot pay.
    let mut other = Browser::signed_in(&app, "supplier2").await;
    other
        .get(&format!("/contracts/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other
        .get("/contracts")
        .await
        .assert_lacks(&number)
        .assert_shows("暂无合同");
    let csrf = supplier.csrf().await;
    supplier
        .post(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &csrf),
                ("amount", "1.00"),
                ("paid_on", "2026-03-02"),
                ("voucher_no", "X"),
                ("account", "6217000012345678"),
            ],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Buyers have no collection account page.
    let mut buyer = Browser::signed_in(&app, "buyer2").await;
    buyer
        .get(&format!("/contracts/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    buyer
        .get("/supplier/account")
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_operator_records_a_rate_and_loads_a_calendar_year() {
    let app = TestApp::spawn().await;
    let mut operator = Browser::signed_in(&app, "operator").await;
    let home = operator.get("/").await;
    home.assert_shows("href=\"/operator/rates\"")
        .assert_shows("href=\"/operator/calendar\"");

    let rates = operator.get("/operator/rates").await;
    rates
        .assert_status(StatusCode::OK)
        .assert_shows("一年期 LPR")
        .assert_shows("3.00%");
    let csrf = rates.field("csrf");
    operator
        .post(
            "/operator/rates",
            &[
                ("csrf", &csrf),
                ("kind", "lpr_1y"),
                ("effective_from", "2026-03-20"),
                ("percent", "abc"),
                ("announced_by", "全国银行间同业拆借中心公告"),
            ],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("最多四位小数的百分数")
        .assert_shows("value=\"abc\"");
    operator
        .submit(
            "/operator/rates",
            &[
                ("csrf", &csrf),
                ("kind", "lpr_1y"),
                ("effective_from", "2026-03-20"),
                ("percent", "2.95"),
                ("announced_by", "全国银行间同业拆借中心公告"),
            ],
        )
        .await
        .assert_shows("参考利率已录入")
        .assert_shows("2026-03-20")
        .assert_shows("2.95%")
        .assert_shows("全国银行间同业拆借中心公告");

    // A category's default terms: beyond the SME limit is refused with the clause.
    let csrf = operator.csrf().await;
    let terms = |days: &'static str| {
        [
            ("category", "A02010105"),
            ("days_after", days),
            ("acceptance_period_days", "5"),
            ("annual_percent", ""),
        ]
    };
    let mut fields = terms("45").to_vec();
    fields.push(("csrf", &csrf));
    operator
        .post("/operator/default-terms", &fields)
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("data-code=\"TERMS_INVALID\"")
        .assert_shows("付款条款不符合规定")
        .assert_shows("value=\"45\"");
    let mut fields = terms("20").to_vec();
    fields.push(("csrf", &csrf));
    operator
        .submit("/operator/default-terms", &fields)
        .await
        .assert_shows("默认付款条款已保存");
    let order_id = order(&app, "buyer1", "800.00").await;
    advance(&app, order_id, &[("supplier1", "confirm")]).await;
    let contract = contract_of(&app, "buyer1").await;
    assert_eq!(contract["terms"]["instalments"][0]["days_after"], 20);
    assert_eq!(contract["terms"]["acceptance_period_days"], 5);
    Browser::signed_in(&app, "buyer1")
        .await
        .get(&format!("/contracts/{}", contract["id"]))
        .await
        .assert_shows("验收后 20 日内支付合同金额的 100%")
        .assert_shows("验收期：送达后 5 日内。")
        .assert_shows("尚未起算");

    // The years loaded, with origin and source.
    let calendar = operator.get("/operator/calendar").await;
    calendar.assert_status(StatusCode::OK);
    for year in 2020..=2026 {
        calendar.assert_shows(&format!("<strong>{year}</strong>"));
    }
    calendar
        .assert_shows("系统内置")
        .assert_shows("国办发明电")
        .assert_shows("value=\"2027\"");
    // A weekday listed as an adjusted working day is refused with the reason.
    let csrf = calendar.field("csrf");
    operator
        .post(
            "/operator/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("holidays", "2027-01-01"),
                ("workdays", "2027-02-03"),
                ("source", "测试通知"),
            ],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("填写的内容有误")
        .assert_shows("2027-02-03");
    let loaded = operator
        .submit(
            "/operator/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("holidays", "2027-01-01\n2027-02-05, 2027-02-08"),
                ("workdays", "2027-02-06"),
                (
                    "source",
                    "国务院办公厅关于2027年部分节假日安排的通知（测试）",
                ),
            ],
        )
        .await;
    loaded
        .assert_shows("年度日历已载入")
        .assert_shows("<strong>2027</strong>")
        .assert_shows("运营人员上传")
        .assert_shows("2027年部分节假日安排");
    let working = app
        .get("/api/v1/calendar/is-working-day?date=2027-02-06", None)
        .await;
    assert_eq!(working.body["working"], true);

    // Other users cannot see or use these pages.
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get("/operator/rates")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    buyer
        .get("/")
        .await
        .assert_lacks("href=\"/operator/rates\"")
        .assert_shows("href=\"/contracts\"")
        .assert_shows("href=\"/payments-due\"");
    let csrf = buyer.csrf().await;
    buyer
        .post(
            "/operator/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2028"),
                ("holidays", "2028-01-03"),
                ("source", "x"),
            ],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn both_parties_see_an_overdue_payment_warning_until_it_is_paid() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer2", "2000.00").await;
    let id = contract["id"].as_i64().unwrap();
    let number = contract["contract_no"].as_str().unwrap().to_owned();
    let account = contract["collection_account"].as_str().unwrap().to_owned();
    // Ten days past the due date of 2026-04-01.
    app.clock
        .set(crate::support::start_time() + Duration::days(40));
    let operator = app.login("operator").await;
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await
        .assert_status(StatusCode::OK);

    let mut buyer = Browser::signed_in(&app, "buyer2").await;
    buyer
        .get("/contracts")
        .await
        .assert_shows("¥2,000.00")
        .assert_shows("¥10.00"); // 2000 × 0.05% × 10 days
    buyer
        .get("/payments-due")
        .await
        .assert_shows("已逾期 10 天")
        .assert_shows(&number);
    buyer
        .get("/warnings")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("付款逾期")
        .assert_shows(&number)
        .assert_shows(&format!("href=\"/contracts/{id}\""));
    // The message in the page's language, and in the API's.
    buyer
        .get("/warnings")
        .await
        .assert_shows(&format!("合同 {number} 第 1 期：¥2,000.00 已逾期 10 天"))
        .assert_lacks("overdue by");
    let buyer_token = app.login("buyer2").await;
    let api = app.get("/api/v1/warnings", Some(&buyer_token)).await;
    let overdue = api
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "payment_overdue")
        .unwrap();
    let message = overdue["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "Contract {number}, instalment 1: ¥2,000.00 overdue by 10 days"
        )),
        "{message}"
    );
    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    supplier.get("/warnings").await.assert_shows("付款逾期");
    Browser::signed_in(&app, "buyer1")
        .await
        .get("/warnings")
        .await
        .assert_lacks(&number);

    let page = buyer.get(&format!("/contracts/{id}")).await;
    page.assert_shows("已逾期").assert_shows("¥10.00");
    buyer
        .submit(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &page.field("csrf")),
                ("key", &page.field("key")),
                ("amount", "2000.00"),
                ("paid_on", "2026-04-11"),
                ("voucher_no", "PZ-OVERDUE"),
                ("account", &account),
            ],
        )
        .await
        .assert_shows("付款已登记");
    app.post("/api/v1/settlement/scan", Some(&operator), &json!({}))
        .await
        .assert_status(StatusCode::OK);
    // The payment warning is resolved; the contract is still unpublished.
    let open = buyer.get("/warnings").await;
    open.assert_lacks("付款逾期")
        .assert_shows("合同逾期未公开")
        .assert_shows("href=\"/warnings?resolved=1\"");
    buyer
        .submit(
            &format!("/contracts/{id}/publish"),
            &[("csrf", &open.field("csrf")), ("from", "detail")],
        )
        .await
        .assert_shows("已登记合同公开");
    buyer
        .get("/warnings")
        .await
        .assert_shows("没有未解除的预警");
    buyer
        .get("/warnings?resolved=1")
        .await
        .assert_shows("付款逾期")
        .assert_shows("合同逾期未公开")
        .assert_shows("已解除");
    // Paid 10 days late: none of the one instalment paid on time.
    Browser::signed_in(&app, "regulator")
        .await
        .get("/performance")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("0.0%");
}

#[tokio::test]
async fn a_supplier_registers_a_signed_guarantee_letter_on_the_page() {
    let app = TestApp::spawn().await;
    let buyer_org = app
        .get("/api/v1/auth/me", Some(&app.login("buyer1").await))
        .await
        .body["org_id"]
        .as_i64()
        .unwrap();
    let supplier_org = app
        .get("/api/v1/auth/me", Some(&app.login("supplier1").await))
        .await
        .body["org_id"]
        .as_i64()
        .unwrap();
    let letter = NewLetter {
        issuer: DEMO_SM2_ISSUER.to_owned(),
        letter_no: "BH-WEB-001".to_owned(),
        kind: LetterKind::Bid,
        beneficiary_org_id: buyer_org,
        applicant_org_id: supplier_org,
        amount: "20000.00".parse().unwrap(),
        valid_from: "2026-03-01".parse().unwrap(),
        valid_until: "2026-09-30".parse().unwrap(),
        project_ref: Some("JBCG-2026-017".to_owned()),
        signature: String::new(),
    };
    let signed = sign_letter(&demo_issuer_key(DEMO_SM2_ISSUER).unwrap(), letter).unwrap();
    let json_text = serde_json::to_string_pretty(&signed).unwrap();
    let mut tampered = serde_json::to_value(&signed).unwrap();
    tampered["amount"] = json!("200000.00");

    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    let page = supplier.get("/guarantees").await;
    // The hint names the supplier and its credit code, never its internal number.
    let me = &gpmall::demo_data::suppliers()[0];
    page.assert_status(StatusCode::OK)
        .assert_shows("暂无保函")
        .assert_shows(&format!(
            "保函的申请人须为本单位：{}，统一社会信用代码 {}。",
            me.name, me.credit_code
        ))
        .assert_lacks("本单位编号");
    assert!(!page.text.contains(&format!("：{supplier_org}。")));
    let csrf = page.field("csrf");
    // A refused letter comes back at the page's own address, with what was pasted.
    let refused = supplier
        .post("/guarantees", &[("csrf", &csrf), ("letter", "{not json")])
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("不是有效的 JSON")
        .assert_shows("{not json</textarea>");
    assert!(
        refused.address.starts_with("/guarantees?retry="),
        "{}",
        refused.address
    );
    supplier
        .get(&refused.address)
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("不是有效的 JSON");
    let refused = supplier
        .post(
            "/guarantees",
            &[("csrf", &csrf), ("letter", &tampered.to_string())],
        )
        .await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("data-code=\"SIGNATURE_INVALID\"")
        .assert_shows("保函内容或签名与出具机构公钥不符")
        .assert_shows("保函内容或签名与出具机构登记的 SM2 公钥不符");
    assert!(refused.address.starts_with("/guarantees?retry="));
    supplier
        .submit("/guarantees", &[("csrf", &csrf), ("letter", &json_text)])
        .await
        .assert_shows("保函验签通过，已登记")
        .assert_shows("BH-WEB-001")
        .assert_shows(DEMO_SM2_ISSUER)
        .assert_shows("¥20,000.00")
        .assert_shows("有效");

    // The beneficiary sees it too (no registration form); others do not.
    Browser::signed_in(&app, "buyer1")
        .await
        .get("/guarantees")
        .await
        .assert_shows("BH-WEB-001")
        .assert_shows("受益保函")
        .assert_lacks("name=\"letter\"");
    Browser::signed_in(&app, "buyer2")
        .await
        .get("/guarantees")
        .await
        .assert_lacks("BH-WEB-001");
    // Deposits: nothing recorded yet.
    supplier
        .get("/deposits")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("我的保证金")
        .assert_shows("暂无保证金");
}

#[tokio::test]
async fn settlement_pages_need_a_login() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for path in [
        "/contracts",
        "/contracts/1",
        "/payments-due",
        "/performance",
        "/warnings",
        "/supplier/account",
        "/operator/rates",
        "/operator/calendar",
        "/deposits",
        "/guarantees",
        "/contracts/1/performance-deposit",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), format!("/login?next={path}"));
    }
}

#[tokio::test]
async fn deposit_clause_forfeiture_documents_and_disputes_through_the_pages() {
    let app = TestApp::spawn().await;
    // The operator adds a performance deposit clause to a category's default terms.
    let mut operator = Browser::signed_in(&app, "operator").await;
    let csrf = operator.csrf().await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("category", "A02010105"),
        ("days_after", "30"),
        ("acceptance_period_days", "7"),
        ("annual_percent", ""),
        ("deposit_share_percent", "12"),
        ("deposit_refund_days", "10"),
        ("deposit_late_percent", ""),
        ("deposit_form_bank_transfer", "1"),
        (
            "deposit_forfeiture_cases",
            "逾期交货超过 15 日\n验收不合格且拒不更换",
        ),
    ];
    operator
        .post("/operator/default-terms", &fields)
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("履约保证金为合同金额的12%")
        .assert_lacks("performance_deposit.share_percent");
    fields[5] = ("deposit_share_percent", "5");
    operator.submit("/operator/default-terms", &fields).await;

    // Contract one: the deposit is lodged, then forfeited on the deposits page.
    let first = order(&app, "buyer1", "2000.00").await;
    advance(&app, first, &[("supplier1", "confirm")]).await;
    let contract = contract_of(&app, "buyer1").await;
    let cid = contract["id"].as_i64().unwrap();
    let token = app.login("buyer1").await;
    app.post(
        &format!("/api/v1/contracts/{cid}/performance-deposit"),
        Some(&token),
        &json!({"amount": "100.00", "form": "bank_transfer", "received_on": "2026-03-02"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get(&format!("/contracts/{cid}"))
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("履约保证金：合同金额的 5%，以银行转账形式缴纳")
        .assert_shows("采购标的")
        .assert_shows("逾期交货超过 15 日；验收不合格且拒不更换");
    let deposits = buyer.get("/deposits").await;
    deposits.assert_shows("不予退还（约定情形）");
    let csrf = deposits.field("csrf");
    let deposit_id = app
        .scalar(&format!(
            "SELECT id FROM deposits WHERE contract_id = {cid}"
        ))
        .await;
    let refused = buyer
        .post(
            &format!("/deposits/{deposit_id}/forfeit"),
            &[
                ("csrf", &csrf),
                ("case", "态度不好"),
                ("occurred_on", "2026-03-02"),
                ("notes", "未按时交货"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("“态度不好”不属于合同约定的不予退还情形")
        .assert_shows("逾期交货超过 15 日")
        // The form is open again with the note as typed.
        .assert_shows("<details class=\"forfeit\" open>")
        .assert_shows("未按时交货</textarea>");
    assert!(
        refused.address.starts_with("/deposits?retry="),
        "{}",
        refused.address
    );
    buyer
        .get(&refused.address)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("“态度不好”不属于合同约定的不予退还情形");
    buyer
        .submit(
            &format!("/deposits/{deposit_id}/forfeit"),
            &[
                ("csrf", &csrf),
                ("case", "逾期交货超过 15 日"),
                ("occurred_on", "2026-03-02"),
                ("notes", "3 月 1 日未交货"),
            ],
        )
        .await
        .assert_shows("履约保证金已登记为不予退还")
        .assert_shows("3 月 1 日未交货");
    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    supplier
        .get("/deposits")
        .await
        .assert_shows("不予退还")
        .assert_lacks("不予退还（约定情形）");

    // Contract two: accepted on the contract page with its documents, then disputed in part.
    let second = order(&app, "buyer1", "3000.00").await;
    advance(
        &app,
        second,
        &[
            ("supplier1", "confirm"),
            ("supplier1", "ship"),
            ("supplier1", "deliver"),
        ],
    )
    .await;
    let contract = contract_of(&app, "buyer1").await;
    let cid = contract["id"].as_i64().unwrap();
    let page = buyer.get(&format!("/contracts/{cid}")).await;
    page.assert_shows("name=\"attachments\"");
    let csrf = page.field("csrf");
    buyer
        .post(
            &format!("/orders/{second}/accept"),
            &[
                ("csrf", &csrf),
                ("from", "detail"),
                ("acceptance_date", "2026-03-02"),
                ("notes", "合格"),
                ("attachments", "验收单"),
            ],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    let accepted = buyer
        .post(
            &format!("/orders/{second}/accept"),
            &[
                ("csrf", &csrf),
                ("from", "detail"),
                ("acceptance_date", "2026-03-02"),
                ("notes", "合格"),
                (
                    "attachments",
                    "验收单 | YS-2026-0001\n检测报告 | https://archive.example.cn/r/9.pdf",
                ),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.text);
    let page = buyer.get(&format!("/contracts/{cid}")).await;
    page.assert_shows("YS-2026-0001")
        .assert_shows("href=\"https://archive.example.cn/r/9.pdf\"")
        .assert_shows("对部分款项提出争议");
    let key = page
        .text
        .split("name=\"key\" value=\"")
        .nth(2)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .unwrap();
    let disputed = buyer
        .submit(
            &format!("/contracts/{cid}/disputes"),
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("instalment_seq", "1"),
                ("amount", "500.00"),
                ("reason", "1 台外壳破损"),
            ],
        )
        .await;
    disputed
        .assert_shows("争议已登记")
        .assert_shows("1 台外壳破损")
        .assert_shows("争议中")
        .assert_shows("撤回争议");
    // What is due excludes the disputed part.
    buyer
        .get("/payments-due")
        .await
        .assert_shows("¥2,500.00")
        .assert_lacks("¥3,000.00");
    let page = supplier.get(&format!("/contracts/{cid}")).await;
    page.assert_shows("同意扣减").assert_lacks("撤回争议");
    let dispute_id = app
        .scalar(&format!(
            "SELECT id FROM contract_disputes WHERE contract_id = {cid}"
        ))
        .await;
    let csrf = page.field("csrf");
    supplier
        .submit(
            &format!("/contracts/{cid}/disputes/{dispute_id}/accept"),
            &[("csrf", &csrf), ("note", "同意")],
        )
        .await
        .assert_shows("争议已处理完毕")
        .assert_shows("已同意扣减")
        .assert_shows("¥2,500.00");
}

#[tokio::test]
async fn receivables_list_every_amount_owed_with_its_due_date_and_the_totals() {
    let app = TestApp::spawn().await;
    // Accepted today, due in 30 days; seen a week earlier it is due in 37 days, past the
    // 30-day window the page once had.
    let later = accepted_contract(&app, "buyer1", "21990.00").await;
    // Confirmed but not delivered: its clock starts at acceptance.
    let waiting_order = order(&app, "buyer1", "3000.00").await;
    advance(&app, waiting_order, &[("supplier1", "confirm")]).await;
    let waiting = contract_of(&app, "buyer1").await;
    assert_ne!(waiting["id"], later["id"]);
    app.clock.advance(Duration::days(-7));

    let supplier = app.login("supplier1").await;
    let owed = app.get("/api/v1/payments-due", Some(&supplier)).await;
    owed.assert_status(StatusCode::OK);
    let items = owed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", owed.body);
    assert_eq!(items[0]["contract_no"], later["contract_no"]);
    assert_eq!(items[0]["due_on"], "2026-04-01");
    assert_eq!(items[0]["purchaser_name"], BUYER1_UNIT);
    assert_eq!(items[1]["contract_no"], waiting["contract_no"]);
    assert_eq!(items[1]["due_on"], Value::Null);
    assert_eq!(items[1]["trigger"], "acceptance");
    assert_eq!(owed.body["total_payable"], "24990.00");
    assert_eq!(owed.body["total_not_yet_due"], "21990.00");
    assert_eq!(owed.body["total_awaiting_event"], "3000.00");
    assert_eq!(owed.body["total_overdue"], "0.00");

    let mut page = Browser::signed_in(&app, "supplier1").await;
    page.get("/payments-due")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("应收款项")
        .assert_shows(later["contract_no"].as_str().unwrap())
        .assert_shows("37 天后到期")
        .assert_shows(waiting["contract_no"].as_str().unwrap())
        .assert_shows("尚未到期：自验收起计算付款期限")
        .assert_shows("¥24,990.00")
        .assert_shows("¥21,990.00")
        .assert_shows("¥3,000.00")
        .assert_lacks("30 日内");

    // Another supplier is owed none of it; the purchaser owes both.
    let other = app.login("supplier2").await;
    let none = app.get("/api/v1/payments-due", Some(&other)).await;
    assert!(
        none.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["supplier_name"] != supplier1_name()),
        "{}",
        none.body
    );
    let buyer = app.login("buyer1").await;
    let owes = app.get("/api/v1/payments-due", Some(&buyer)).await;
    assert_eq!(owes.body["total_payable"], "24990.00");
}

#[tokio::test]
async fn the_contract_shows_its_parties_by_name_and_every_recorded_payment() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer1", "8000.00").await;
    let id = contract["id"].as_i64().unwrap();
    assert_eq!(contract["purchaser_name"], BUYER1_UNIT);
    assert_eq!(contract["supplier_name"], supplier1_name());
    assert_eq!(contract["payments"], json!([]));
    let account = contract["collection_account"].as_str().unwrap().to_owned();
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    let page = buyer.get(&format!("/contracts/{id}")).await;
    page.assert_shows("付款记录").assert_shows("尚未登记付款");
    let csrf = page.field("csrf");
    buyer
        .submit(
            &format!("/contracts/{id}/payments"),
            &[
                ("csrf", &csrf),
                ("key", &page.field("key")),
                ("amount", "3000.00"),
                ("paid_on", "2026-03-02"),
                ("voucher_no", "GK-2026-0042"),
                ("account", &account),
                ("instalment_seq", "1"),
            ],
        )
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("付款已登记");

    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    supplier
        .get(&format!("/contracts/{id}"))
        .await
        .assert_shows("付款记录")
        .assert_shows("GK-2026-0042")
        .assert_shows("¥3,000.00")
        .assert_shows(&account)
        .assert_shows(BUYER1_UNIT)
        .assert_lacks("尚未登记付款");
    let api = app
        .get(
            &format!("/api/v1/contracts/{id}"),
            Some(&app.login("supplier1").await),
        )
        .await;
    assert_eq!(api.body["payments"][0]["voucher_no"], "GK-2026-0042");
    assert_eq!(api.body["payments"][0]["amount"], "3000.00");
    assert_eq!(api.body["payments"][0]["instalment_seq"], 1);
}

#[tokio::test]
async fn the_purchaser_records_the_performance_deposit_a_contract_requires_on_its_page() {
    let app = TestApp::spawn().await;
    // The operator's default terms for the category require a 5% deposit by bank transfer.
    let mut operator = Browser::signed_in(&app, "operator").await;
    let csrf = operator.csrf().await;
    operator
        .submit(
            "/operator/default-terms",
            &[
                ("csrf", csrf.as_str()),
                ("category", "A02010105"),
                ("days_after", "30"),
                ("acceptance_period_days", "7"),
                ("annual_percent", ""),
                ("deposit_share_percent", "5"),
                ("deposit_refund_days", "10"),
                ("deposit_late_percent", ""),
                ("deposit_form_bank_transfer", "1"),
                ("deposit_form_guarantee_letter", "1"),
                ("deposit_forfeiture_cases", "逾期交货超过 15 日"),
            ],
        )
        .await;
    let id = order(&app, "buyer1", "2000.00").await;
    advance(&app, id, &[("supplier1", "confirm")]).await;
    let cid = contract_of(&app, "buyer1").await["id"].as_i64().unwrap();
    let page = format!("/contracts/{cid}/performance-deposit");

    // The contract page links to its deposit page, which says what the contract requires.
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get(&format!("/contracts/{cid}"))
        .await
        .assert_shows(&format!("href=\"{page}\""))
        .assert_shows("本合同的履约保证金");
    let form = buyer.get(&page).await;
    form.assert_status(StatusCode::OK)
        .assert_shows("履约保证金")
        .assert_shows("¥100.00")
        .assert_shows("银行转账；保函")
        .assert_shows("验收后 10 日内")
        .assert_shows("name=\"amount\" inputmode=\"decimal\" value=\"100.00\"")
        .assert_lacks("name=\"refund_days\"");
    let csrf = form.field("csrf");

    // A wrong amount is refused and shown again at the page's own address.
    let refused = buyer
        .post(
            &page,
            &[
                ("csrf", &csrf),
                ("amount", "150.00"),
                ("form", "bank_transfer"),
                ("received_on", "2026-03-02"),
                ("reference", "HD-2026-0302"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("data-code=\"DEPOSIT_AMOUNT_MISMATCH\"")
        .assert_shows("约定的履约保证金为 ¥100.00（合同金额 ¥2,000.00 的 5%），不是 ¥150.00")
        .assert_shows("value=\"150.00\"")
        .assert_shows("value=\"HD-2026-0302\"");
    assert!(
        refused.address.starts_with(&format!("{page}?retry=")),
        "{}",
        refused.address
    );
    buyer
        .get(&refused.address)
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("data-code=\"DEPOSIT_AMOUNT_MISMATCH\"");

    // The supplier sees what is required but has no form: the purchaser records it.
    Browser::signed_in(&app, "supplier1")
        .await
        .get(&page)
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("¥100.00")
        .assert_shows("尚未登记履约保证金")
        .assert_lacks("name=\"amount\"");
    // Another unit does not see the contract at all.
    assert_eq!(
        Browser::signed_in(&app, "buyer2")
            .await
            .get(&page)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The agreed amount is recorded; the page then shows the deposit instead of the form.
    buyer
        .submit(
            &page,
            &[
                ("csrf", &csrf),
                ("amount", "100.00"),
                ("form", "bank_transfer"),
                ("received_on", "2026-03-02"),
                ("reference", "HD-2026-0302"),
            ],
        )
        .await
        .assert_shows("履约保证金已登记。")
        .assert_shows("已登记的保证金")
        .assert_shows("HD-2026-0302")
        .assert_shows("收取中")
        .assert_lacks("name=\"amount\"");
    let token = app.login("buyer1").await;
    let listed = app
        .get("/api/v1/deposits?kind=performance", Some(&token))
        .await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(listed.body["items"][0]["contract_id"], cid);
    assert_eq!(listed.body["items"][0]["amount"], "100.00");
    assert_eq!(listed.body["items"][0]["reference"], "HD-2026-0302");
}

#[tokio::test]
async fn each_party_is_told_what_it_may_do_with_a_contract_and_the_page_offers_just_that() {
    let app = TestApp::spawn().await;
    let contract = accepted_contract(&app, "buyer1", "6000.00").await;
    let id = contract["id"].as_i64().unwrap();
    let actions = |user: &'static str| {
        let app = &app;
        async move {
            let token = app.login(user).await;
            app.get(&format!("/api/v1/contracts/{id}"), Some(&token))
                .await
                .body
                .clone()
        }
    };
    let buyer = actions("buyer1").await;
    assert_eq!(
        buyer["actions"],
        json!({"record_payment": true, "open_dispute": true, "record_milestone": false, "publish": true})
    );
    let supplier = actions("supplier1").await;
    assert_eq!(
        supplier["actions"],
        json!({"record_payment": false, "open_dispute": false, "record_milestone": false, "publish": false})
    );
    let operator = actions("operator").await;
    assert_eq!(operator["actions"]["record_payment"], false);

    // A dispute: the buyer may withdraw it, the supplier accept it, the operator decide it.
    let token = app.login("buyer1").await;
    app.post(
        &format!("/api/v1/contracts/{id}/disputes"),
        Some(&token),
        &json!({"instalment_seq": 1, "amount": "1000.00", "reason": "外包装破损"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let dispute_actions = |view: &Value| view["disputes"][0]["actions"].clone();
    assert_eq!(
        dispute_actions(&actions("buyer1").await),
        json!({"withdraw": true, "accept": false, "decide": false})
    );
    assert_eq!(
        dispute_actions(&actions("supplier1").await),
        json!({"withdraw": false, "accept": true, "decide": false})
    );
    assert_eq!(
        dispute_actions(&actions("operator").await),
        json!({"withdraw": false, "accept": false, "decide": true})
    );

    // Paid in full (the undisputed 5,000): nothing more to pay or dispute, and the page
    // offers neither form.
    let account = contract["collection_account"].as_str().unwrap();
    app.post(
        &format!("/api/v1/contracts/{id}/payments"),
        Some(&token),
        &json!({"amount": "5000.00", "paid_on": "2026-03-02", "voucher_no": "PZ-7", "account": account}),
    )
    .await
    .assert_status(StatusCode::OK);
    let after = actions("buyer1").await;
    assert_eq!(after["actions"]["record_payment"], false);
    assert_eq!(after["actions"]["open_dispute"], false);
    let mut page = Browser::signed_in(&app, "buyer1").await;
    page.get(&format!("/contracts/{id}"))
        .await
        .assert_lacks(&format!("action=\"/contracts/{id}/payments\""))
        .assert_lacks(&format!("action=\"/contracts/{id}/disputes\""))
        .assert_shows(&format!("action=\"/contracts/{id}/disputes/"));
}
