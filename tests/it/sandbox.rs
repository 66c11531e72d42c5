//! The sandbox clock: real time plus an offset the operator moves forward, stored in the
//! database (shared by instances, kept over restarts); the time-driven jobs run at once after a
//! move; every page says the clock is simulated. Outside sandbox mode none of it exists.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::law::{contract_for, order_from};
use crate::pages::Browser;
use crate::settlement::advance;
use crate::support::{Options, TestApp};

async fn sandbox_app() -> TestApp {
    TestApp::spawn_with(Options {
        sandbox: true,
        ..Options::default()
    })
    .await
}

async fn move_clock(
    app: &TestApp,
    token: Option<&str>,
    body: Value,
) -> crate::support::TestResponse {
    app.post("/api/v1/sandbox/clock", token, &body).await
}

#[tokio::test]
async fn outside_sandbox_mode_there_is_no_clock_to_move() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    app.get("/api/v1/sandbox/clock", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    move_clock(&app, Some(&operator), json!({"advance_days": 40}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let doc = app.get("/openapi.json", None).await;
    assert!(doc.body["paths"].get("/api/v1/sandbox/clock").is_none());
    let mut browser = Browser::signed_in(&app, "operator").await;
    browser
        .get("/")
        .await
        .assert_status(StatusCode::OK)
        .assert_lacks("sandbox-banner");
    assert_eq!(
        browser.get("/operator/sandbox").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_operator_moves_the_clock_forward_and_never_back() {
    let app = sandbox_app().await;
    let read = app.get("/api/v1/sandbox/clock", None).await;
    read.assert_status(StatusCode::OK);
    assert_eq!(read.body["today"], "2026-03-02");
    assert_eq!(read.body["offset_days"], 0);
    let doc = app.get("/openapi.json", None).await;
    assert!(doc.body["paths"]["/api/v1/sandbox/clock"]["post"].is_object());

    let buyer = app.login("buyer1").await;
    move_clock(&app, None, json!({"advance_days": 1}))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    move_clock(&app, Some(&buyer), json!({"advance_days": 1}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let operator = app.login("operator").await;
    for (body, status, code) in [
        (
            json!({"advance_days": 0}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({"advance_days": 367}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({"advance_days": -1}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (json!({}), StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        (
            json!({"advance_days": 1, "to": "2026-03-10"}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({"to": "2026-03-01"}),
            StatusCode::CONFLICT,
            "INVALID_TRANSITION",
        ),
        (
            json!({"days": 1}),
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
    ] {
        move_clock(&app, Some(&operator), body)
            .await
            .assert_error(status, code);
    }
    assert_eq!(
        app.get("/api/v1/sandbox/clock", None).await.body["offset_days"],
        0
    );

    // Forty days on; the operator's login (real time) still holds.
    let moved = move_clock(&app, Some(&operator), json!({"advance_days": 40})).await;
    moved.assert_status(StatusCode::OK);
    assert_eq!(moved.body["clock"]["today"], "2026-04-11");
    assert_eq!(moved.body["clock"]["offset_days"], 40);
    assert!(moved.body["jobs"]["accrual"].is_object(), "{}", moved.body);
    assert_eq!(
        app.get("/api/v1/sandbox/clock", None).await.body["today"],
        "2026-04-11"
    );
    app.get("/api/v1/auth/me", Some(&buyer))
        .await
        .assert_status(StatusCode::OK);
    let r = move_clock(&app, Some(&operator), json!({"to": "2026-04-01"})).await;
    r.assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-04-11")
    );
    move_clock(&app, Some(&operator), json!({"to": "2026-04-11"}))
        .await
        .assert_status(StatusCode::OK);
    let to = move_clock(&app, Some(&operator), json!({"to": "2027-01-15"})).await;
    to.assert_status(StatusCode::OK);
    assert_eq!(to.body["clock"]["today"], "2027-01-15");

    // A retried move with the same key moves once.
    let body = json!({"advance_days": 1});
    let retry = || {
        app.request(
            Method::POST,
            "/api/v1/sandbox/clock",
            Some(&operator),
            Some(&body),
            &[("idempotency-key", "move-once")],
        )
    };
    retry().await.assert_status(StatusCode::OK);
    let again = retry().await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["clock"]["today"], "2027-01-16");
    assert_eq!(
        app.get("/api/v1/sandbox/clock", None).await.body["today"],
        "2027-01-16"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'sandbox.clock_moved'")
            .await,
        3
    );
}

#[tokio::test]
async fn the_moved_clock_is_shared_by_instances_and_a_plain_service_refuses_its_database() {
    let app = sandbox_app().await;
    let other = app.second_instance();
    let operator = app.login("operator").await;
    move_clock(&app, Some(&operator), json!({"advance_days": 10}))
        .await
        .assert_status(StatusCode::OK);
    // The other instance (its own clock, nothing in process shared) reads it from the database.
    assert_eq!(
        other.get("/api/v1/sandbox/clock", None).await.body["today"],
        "2026-03-12"
    );
    // As does a restarted one.
    let restarted = app.second_instance();
    assert_eq!(
        restarted.get("/api/v1/sandbox/clock", None).await.body["offset_days"],
        10
    );

    // A service without sandbox mode does not start on a database whose clock was moved.
    let config = gpmall::config::Config {
        sandbox: Some(false),
        ..gpmall::config::Config::default()
    };
    let plain = gpmall::app::build_services(
        app.ctx.db.clone(),
        None,
        None,
        "plain:",
        config.settings(),
        Arc::new(app.clock.clone()),
        &config,
    )
    .unwrap();
    let refused = gpmall::app::check_sandbox(&config, &plain.ctx)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("GPMALL_SANDBOX=true"),
        "{refused}"
    );
    let sandboxed = sandbox_app().await;
    assert!(
        gpmall::app::check_sandbox(&config, &sandboxed.ctx)
            .await
            .is_ok()
    );
}

/// The README's walkthrough, through the API: buyer orders, the supplier confirms, ships and
/// delivers, the buyer accepts; the operator moves the clock 40 days; the contract is 10 days
/// overdue with interest, the job has stored it and the warning is raised.
#[tokio::test]
async fn watch_an_instalment_go_overdue_and_accrue_interest() {
    let app = sandbox_app().await;
    let id = order_from(&app, "buyer1", "supplier1", "100000.00").await;
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
    app.order_action(&buyer, id, "accept", json!({}))
        .await
        .assert_status(StatusCode::OK);
    let contract = contract_for(&app, &buyer, id).await;
    assert_eq!(contract["instalments"][0]["due_on"], "2026-04-01");
    assert_eq!(contract["overdue"], "0.00");

    let operator = app.login("operator").await;
    let moved = move_clock(&app, Some(&operator), json!({"advance_days": 40})).await;
    moved.assert_status(StatusCode::OK);
    // The jobs ran at once against the new date: 100,000.00 × 0.05% × 10 days.
    assert_eq!(moved.body["jobs"]["accrual"]["as_of"], "2026-04-11");
    assert_eq!(moved.body["jobs"]["accrual"]["overdue_instalments"], 1);
    assert_eq!(moved.body["jobs"]["accrual"]["interest"], "500.00");
    assert_eq!(moved.body["jobs"]["open_payment_warnings"], 1);

    let view = app
        .get(
            &format!("/api/v1/contracts/{}", contract["id"]),
            Some(&buyer),
        )
        .await;
    view.assert_status(StatusCode::OK);
    assert_eq!(view.body["as_of"], "2026-04-11");
    assert_eq!(view.body["overdue"], "100000.00");
    assert_eq!(view.body["instalments"][0]["overdue_days"], 10);
    assert_eq!(view.body["interest_owed"], "500.00");
    let warnings = app.get("/api/v1/warnings", Some(&buyer)).await;
    assert!(
        warnings
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["rule"] == "payment_overdue"),
        "{}",
        warnings.body
    );

    // Every page says the clock is simulated, with the simulated date.
    let mut page = Browser::signed_in(&app, "buyer1").await;
    page.get(&format!("/contracts/{}", contract["id"]))
        .await
        .assert_shows("sandbox-banner")
        .assert_shows("2026-04-11")
        .assert_shows("¥500.00");
}

#[tokio::test]
async fn the_operator_page_moves_the_clock_and_every_page_shows_it() {
    let app = sandbox_app().await;
    let mut visitor = Browser::new(&app);
    visitor
        .get("/")
        .await
        .assert_shows("演示环境：时钟为模拟时钟，今天按 2026-03-02 计。")
        .assert_lacks("/operator/sandbox");
    let mut operator = Browser::signed_in(&app, "operator").await;
    let page = operator.get("/operator/sandbox").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("模拟时钟")
        .assert_shows("向前拨");
    let csrf = page.field("csrf");
    operator
        .post(
            "/operator/sandbox",
            &[("csrf", &csrf), ("to", "2026-02-01")],
        )
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_shows("不能回到2026-02-01");
    operator
        .submit(
            "/operator/sandbox",
            &[("csrf", &csrf), ("advance_days", "40")],
        )
        .await
        .assert_shows("模拟时钟已向前拨动")
        .assert_shows("今天按 2026-04-11 计");
    // Others see the clock, not the forms.
    let mut buyer = Browser::signed_in(&app, "buyer1").await;
    buyer
        .get("/operator/sandbox")
        .await
        .assert_status(StatusCode::OK)
        .assert_shows("2026-04-11")
        .assert_lacks("name=\"advance_days\"");
    let own = buyer.csrf().await;
    buyer
        .post(
            "/operator/sandbox",
            &[("csrf", &own), ("advance_days", "1")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN)
        .assert_lacks("CSRF_FAILED");
    assert_eq!(
        app.get("/api/v1/sandbox/clock", None).await.body["today"],
        "2026-04-11"
    );
}
