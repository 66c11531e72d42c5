//! The working-day calendar API: public answers over holidays and adjusted days, provisional
//! answers for years not loaded, operator uploads, and input errors.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;

async fn add(app: &TestApp, from: &str, days: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/calendar/add-working-days?from={from}&days={days}"),
            None,
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.body
}

async fn day(app: &TestApp, date: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/calendar/is-working-day?date={date}"),
            None,
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.body
}

async fn put_year(
    app: &TestApp,
    token: Option<&str>,
    year: &str,
    body: &Value,
) -> crate::support::TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/calendar/years/{year}"),
        token,
        Some(body),
        &[],
    )
    .await
}

/// A 2027 schedule for tests (invented: the State Council had not published 2027's yet).
fn schedule_2027() -> Value {
    json!({
        "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
        "workdays": ["2027-01-09"],
        "source": "测试用 2027 年安排 (test data)"
    })
}

#[tokio::test]
async fn counts_working_days_over_holidays_and_adjusted_days_without_login() {
    let app = TestApp::spawn().await;
    for (from, days, expected) in [
        // RULES.md: an award notice on Mon 2024-03-04 makes refunds due by Mon 2024-03-11.
        ("2024-03-04", "5", "2024-03-11"),
        ("2024-03-04", "0", "2024-03-04"),
        // National Day 2024: Sun 09-29 worked, 10-01..07 off, Sat 10-12 worked.
        ("2024-09-27", "1", "2024-09-29"),
        ("2024-09-30", "1", "2024-10-08"),
        ("2024-10-11", "1", "2024-10-12"),
        // Spring Festival 2024: 02-10..17 off, Sun 02-18 worked.
        ("2024-02-09", "1", "2024-02-18"),
        // Spring Festival 2025: Sun 01-26 worked, 01-28..02-04 off.
        ("2025-01-24", "1", "2025-01-26"),
        ("2025-01-24", "3", "2025-02-05"),
        // Into 2026: 01-01..03 off, Sun 01-04 worked.
        ("2025-12-31", "1", "2026-01-04"),
        // Spring Festival 2026: Sat 02-14 worked, 02-15..23 off.
        ("2026-02-13", "2", "2026-02-24"),
    ] {
        let body = add(&app, from, days).await;
        assert_eq!(
            body,
            json!({"date": expected, "provisional": false}),
            "{from} + {days}"
        );
    }

    for (date, working) in [
        ("2024-02-04", true),
        ("2024-02-12", false),
        ("2024-03-09", false),
        ("2024-10-12", true),
        ("2026-10-05", false),
        ("2026-10-10", true),
    ] {
        assert_eq!(
            day(&app, date).await,
            json!({"date": date, "working": working, "provisional": false}),
            "{date}"
        );
    }
}

#[tokio::test]
async fn a_year_not_loaded_is_provisional_until_an_operator_uploads_it() {
    let app = TestApp::spawn().await;
    // 2027 is not shipped: weekends only, marked provisional, with a warning.
    let before = add(&app, "2026-12-31", "1").await;
    assert_eq!(before["date"], "2027-01-01");
    assert_eq!(before["provisional"], true);
    assert_eq!(before["missing_years"], json!([2027]));
    assert!(before["warning"].as_str().unwrap().contains("2027"));
    let status = day(&app, "2027-01-01").await;
    assert_eq!(status["working"], true);
    assert_eq!(status["provisional"], true);
    app.get("/api/v1/calendar/years/2027", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");

    // The same through the service other modules use.
    let new_year_eve = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let deadline = gpmall_platform::calendar::deadline(&app.ctx, new_year_eve, 1)
        .await
        .unwrap();
    assert!(deadline.provisional);
    assert_eq!(deadline.missing_years, vec![2027]);

    let operator = app.login("operator").await;
    let r = put_year(&app, Some(&operator), "2027", &schedule_2027()).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["year"], 2027);
    assert_eq!(r.body["origin"], "uploaded");
    assert_eq!(r.body["workdays"], json!(["2027-01-09"]));

    assert_eq!(
        add(&app, "2026-12-31", "1").await,
        json!({"date": "2027-01-04", "provisional": false})
    );
    let deadline = gpmall_platform::calendar::deadline(&app.ctx, new_year_eve, 1)
        .await
        .unwrap();
    assert_eq!(
        deadline.date,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()
    );
    assert!(!deadline.provisional && deadline.missing_years.is_empty());
    assert_eq!(
        day(&app, "2027-01-09").await,
        json!({"date": "2027-01-09", "working": true, "provisional": false})
    );

    let years = app.get("/api/v1/calendar/years", None).await;
    years.assert_status(StatusCode::OK);
    let listed: Vec<(i64, String)> = years
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap(),
                y["origin"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected: Vec<(i64, String)> = (2020..=2026).map(|y| (y, "built_in".into())).collect();
    expected.push((2027, "uploaded".into()));
    assert_eq!(listed, expected);
    assert!(
        years.body[4]["source"]
            .as_str()
            .unwrap()
            .contains("国办发明电〔2023〕7号")
    );

    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.year_uploaded' \
             AND subject_id = '2027'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_upload_replaces_the_built_in_year() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    // A (fictitious) correction: National Day 2024 cut to 10-01..03.
    let r = put_year(
        &app,
        Some(&operator),
        "2024",
        &json!({"holidays": ["2024-10-01", "2024-10-02", "2024-10-03"], "workdays": [],
                "source": "correction (test)"}),
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        add(&app, "2024-09-30", "1").await,
        json!({"date": "2024-10-04", "provisional": false})
    );
    let year = app.get("/api/v1/calendar/years/2024", None).await;
    year.assert_status(StatusCode::OK);
    assert_eq!(year.body["origin"], "uploaded");
    assert_eq!(year.body["source"], "correction (test)");
    // The audit keeps what it replaced.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.year_uploaded' \
             AND subject_id = '2024' AND CAST(before_state AS TEXT) LIKE '%built_in%'"
        )
        .await,
        1
    );
}

/// Another instance's upload lands in the shared database and bumps the shared generation
/// counter; without the bump (a cache blip) it still shows within 30 seconds.
#[tokio::test]
async fn uploads_elsewhere_are_seen_promptly() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    assert_eq!(add(&app, "2026-12-31", "1").await["provisional"], true);

    let backend = app.ctx.db.get_database_backend();
    let schedule = r#"{"holidays":["2027-01-01","2027-01-02","2027-01-03"],"workdays":[]}"#;
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "INSERT INTO calendar_years (year, schedule, source, uploaded_by, uploaded_at) \
             VALUES (?, ?, ?, NULL, ?)",
            [
                2027.into(),
                schedule.into(),
                "written by another instance".into(),
                gpmall_platform::clock::Clock::now(&app.clock).into(),
            ],
        ))
        .await
        .unwrap();

    // The counter was not bumped: the cached copy may serve for up to 30 s.
    app.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(
        add(&app, "2026-12-31", "1").await,
        json!({"date": "2027-01-04", "provisional": false})
    );

    // A bumped counter is seen at once.
    app.ctx
        .db
        .execute_raw(gpmall_platform::db::stmt(
            backend,
            "UPDATE calendar_years SET schedule = ? WHERE year = ?",
            [
                r#"{"holidays":["2027-01-01","2027-01-04"],"workdays":[]}"#.into(),
                2027.into(),
            ],
        ))
        .await
        .unwrap();
    app.ctx.cache.incr("calendar:generation").await;
    assert_eq!(
        add(&app, "2026-12-31", "1").await,
        json!({"date": "2027-01-05", "provisional": false})
    );
}

#[tokio::test]
async fn only_operators_upload() {
    let app = TestApp::spawn().await;
    put_year(&app, None, "2027", &schedule_2027())
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    let buyer = app.login("buyer1").await;
    put_year(&app, Some(&buyer), "2027", &schedule_2027())
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    assert_eq!(
        add(&app, "2026-12-31", "1").await["provisional"],
        true,
        "a refused upload changes nothing"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM calendar_years").await, 0);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("from=2024-02-30&days=1", "from"),
        ("from=2024-3-4&days=1", "from"),
        ("from=&days=1", "from"),
        ("from=2024-03-04&days=-1", "days"),
        ("from=2024-03-04&days=3651", "days"),
        ("from=2024-03-04&days=99999999999999999999", "days"),
        ("from=2024-03-04&days=two", "days"),
        ("from=2024-03-04&days=1.5", "days"),
        ("from=2024-03-04", "days"),
        ("days=5", "from"),
        ("from=2024-03-04&days=1&extra=1", "extra"),
    ] {
        let r = app
            .get(&format!("/api/v1/calendar/add-working-days?{query}"), None)
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        // The message names the field in words; the details name it for programs.
        assert!(
            r.body["error"]["message"].as_str().unwrap().contains(field)
                || r.body["error"]["details"]["field"] == field,
            "{query}: {}",
            r.body
        );
    }
    assert_eq!(
        add(&app, "2024-03-04", "3650").await["provisional"],
        true,
        "the maximum is accepted"
    );
    for query in ["date=2024/03/04", "date=", ""] {
        let r = app
            .get(&format!("/api/v1/calendar/is-working-day?{query}"), None)
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("date")
        );
    }

    let operator = app.login("operator").await;
    let upload = |holidays: Value, workdays: Value| json!({"holidays": holidays, "workdays": workdays, "source": "test"});
    for (year, body, needle) in [
        (
            "2027",
            upload(json!(["2027-01-01"]), json!(["2027-01-04"])),
            "Entry 1 of the adjusted working days, 2027-01-04, is a Monday",
        ),
        (
            "2027",
            upload(json!(["2027-13-01"]), json!([])),
            "Entry 1 of the holidays",
        ),
        (
            "2027",
            upload(json!(["2026-12-31"]), json!([])),
            "not in 2027",
        ),
        (
            "2027",
            upload(json!(["2027-01-09"]), json!(["2027-01-09"])),
            "both",
        ),
        ("1999", upload(json!(["1999-01-01"]), json!([])), "year"),
        ("abc", upload(json!(["2027-01-01"]), json!([])), "year"),
        (
            "2027",
            json!({"holidays": ["2027-01-01"], "workdays": [], "source": ""}),
            "State Council notice",
        ),
    ] {
        let r = put_year(&app, Some(&operator), year, &body).await;
        r.assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{year} {body}: {}", r.body);
        assert!(!message.contains('['), "a field path in {message}");
    }
    // In Chinese for a reader who asks for it.
    let zh = app
        .request(
            axum::http::Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&operator),
            Some(&upload(json!(["2027-01-01"]), json!(["2027-01-04"]))),
            &[("accept-language", "zh-CN")],
        )
        .await;
    assert_eq!(
        zh.body["error"]["message"],
        "调休上班日期第 1 项 2027-01-04 是星期一；调休上班日只能是周六或周日。"
    );
    put_year(
        &app,
        Some(&operator),
        "2027",
        &json!({"holidays": ["2027-01-01"], "workdays": [], "source": "x", "year": 2028}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM calendar_years").await, 0);
}

#[tokio::test]
async fn the_calendar_api_is_documented() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await;
    doc.assert_status(StatusCode::OK);
    let paths = &doc.body["paths"];
    for path in [
        "/api/v1/calendar/add-working-days",
        "/api/v1/calendar/is-working-day",
        "/api/v1/calendar/years",
    ] {
        assert!(paths[path]["get"].is_object(), "{path} undocumented");
    }
    assert!(paths["/api/v1/calendar/years/{year}"]["put"].is_object());
    assert!(paths["/api/v1/calendar/years/{year}"]["get"].is_object());
}
