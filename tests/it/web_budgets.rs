//! Budget lines and direct-purchase limits on pages: a unit sees what is left and its finance
//! officer manages its lines, the operator manages every unit's and the limits, the regulator
//! reads them; a refused form comes back on a page that can be reloaded.

use axum::http::StatusCode;

use crate::pages::Browser;
use crate::support::TestApp;

#[tokio::test]
async fn a_unit_sees_its_budget_lines_with_what_is_left_and_adjusts_them() {
    let app = TestApp::spawn().await;
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    let page = buyer.get("/budgets").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("2026-JB-EDU-001")
        .assert_shows("¥1,200,000.00")
        .assert_shows("一般公共预算")
        // Another unit's lines are not shown.
        .assert_lacks("2026-JB-HLT-001");
    let line = page.ids_after("/budgets/")[0];
    let csrf = page.field("csrf");
    // A cut larger than what is left is refused; the page comes back at an address that can be
    // reloaded, with what was typed.
    let refused = buyer
        .post(
            &format!("/budgets/{line}/adjust"),
            &[
                ("csrf", &csrf),
                ("delta", "-9000000.00"),
                ("reason", "调减"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::CONFLICT)
        .assert_shows("data-code=\"BUDGET_EXCEEDED\"")
        .assert_shows("value=\"-9000000.00\"");
    assert!(
        refused.address.starts_with("/budgets?retry="),
        "{}",
        refused.address
    );
    buyer
        .get(&refused.address)
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_shows("data-code=\"BUDGET_EXCEEDED\"");
    // Another browser cannot read someone else's refused form.
    let mut other = Browser::signed_in(&app, "buyer1").await;
    other
        .get(&refused.address)
        .await
        .assert_status(StatusCode::OK)
        .assert_lacks("data-code=\"BUDGET_EXCEEDED\"");
    // A cut that fits, with its reason in the history.
    let done = buyer
        .submit(
            &format!("/budgets/{line}/adjust"),
            &[
                ("csrf", &csrf),
                ("delta", "-200000.00"),
                ("reason", "年中调减"),
            ],
        )
        .await;
    done.assert_shows("预算指标已调整")
        .assert_shows("¥1,000,000.00")
        .assert_shows("年中调减")
        .assert_shows("-¥200,000.00");
    // A new line for the unit (buyer1 has the finance role).
    buyer
        .submit(
            "/budgets",
            &[
                ("csrf", &csrf),
                ("code", "2026-JB-EDU-009"),
                ("fiscal_year", "2026"),
                ("fund_source", "上级补助"),
                ("amount", "50000"),
            ],
        )
        .await
        .assert_shows("预算指标已新增")
        .assert_shows("2026-JB-EDU-009")
        .assert_shows("¥50,000.00");
}

#[tokio::test]
async fn the_operator_manages_every_units_lines_and_the_regulator_reads_them() {
    let app = TestApp::spawn().await;
    let mut operator = Browser::signed_in(&app, "operator").await;
    let page = operator.get("/budgets").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("重庆市江北区第一实验小学")
        .assert_shows("重庆市江北区人民医院")
        .assert_shows("2026-JB-HLT-001");
    let hospital = app.org_id_of("buyer2").await;
    let csrf = page.field("csrf");
    operator
        .submit(
            "/budgets",
            &[
                ("csrf", &csrf),
                ("org_id", &hospital.to_string()),
                ("code", "2026-JB-HLT-007"),
                ("fiscal_year", "2026"),
                ("fund_source", "一般公共预算"),
                ("amount", "80000.00"),
            ],
        )
        .await
        .assert_shows("2026-JB-HLT-007");
    let filtered = operator.get(&format!("/budgets?org={hospital}")).await;
    filtered
        .assert_shows("2026-JB-HLT-007")
        .assert_lacks("2026-JB-EDU-001");

    let mut regulator = Browser::signed_in(&app, "regulator").await;
    regulator
        .get("/budgets")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("2026-JB-HLT-007")
        .assert_lacks("/adjust\"");
    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    supplier
        .get("/budgets")
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_operator_sets_a_categorys_direct_purchase_limit_on_a_page() {
    let app = TestApp::spawn().await;
    let mut operator = Browser::signed_in(&app, "operator").await;
    let page = operator.get("/operator/limits").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("台式计算机")
        .assert_shows("¥500,000.00");
    let csrf = page.field("csrf");
    let refused = operator
        .post(
            "/operator/limits",
            &[
                ("csrf", &csrf),
                ("category", "A02010105"),
                ("fiscal_year", "2026"),
                ("limit", "0"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("直购限额须大于零");
    assert!(refused.address.starts_with("/operator/limits?retry="));
    operator
        .submit(
            "/operator/limits",
            &[
                ("csrf", &csrf),
                ("category", "A02010105"),
                ("fiscal_year", "2026"),
                ("limit", "300000"),
            ],
        )
        .await
        .assert_shows("直购限额已保存")
        .assert_shows("¥300,000.00");
    let categories = app.get("/api/v1/catalog/categories", None).await;
    let desktops = categories
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "A02010105")
        .unwrap()
        .clone();
    assert_eq!(desktops["direct_purchase_limit"], "300000.00");

    let mut regulator = Browser::signed_in(&app, "regulator").await;
    regulator
        .get("/operator/limits")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("¥300,000.00")
        .assert_lacks("action=\"/operator/limits\"");
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get("/operator/limits")
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
