//! Operations endpoints, API docs and cache degradation.

use axum::http::StatusCode;

use crate::support::{Options, TestApp};

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = TestApp::spawn().await;
    app.get("/healthz", None)
        .await
        .assert_status(StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    ready.assert_status(StatusCode::OK);
    assert_eq!(ready.body["database"], "ok");
    assert_eq!(ready.body["status"], "ok");
    app.search("q=%E7%94%B5%E8%84%91")
        .await
        .assert_status(StatusCode::OK);
    let metrics = app.get("/metrics", None).await;
    metrics.assert_status(StatusCode::OK);
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("gpmall_http_requests_total"), "{text}");
    assert!(
        text.contains("route=\"/api/v1/catalog/products\""),
        "{text}"
    );
    assert!(
        text.contains("gpmall_http_request_duration_seconds"),
        "{text}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", None).await;
    assert!(r.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn openapi_documents_the_routes_and_error_codes() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await;
    doc.assert_status(StatusCode::OK);
    let paths = doc.body["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/catalog/products",
        "/api/v1/catalog/products/{id}",
        "/api/v1/orders",
        "/api/v1/orders/{id}/{action}",
        "/api/v1/budgets",
        "/api/v1/cart",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    // Every operation id is unique, as OpenAPI requires (two modules once both had
    // `create_product`).
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(id) = operation["operationId"].as_str() {
                assert!(
                    ids.insert(id.to_owned()),
                    "{method} {path}: operationId {id} is not unique"
                );
            }
        }
    }
    let description = doc.body["info"]["description"].as_str().unwrap();
    assert!(description.contains("BUDGET_EXCEEDED"));
    let docs = app.get("/docs/", None).await;
    docs.assert_status(StatusCode::OK);
    assert!(docs.body.as_str().unwrap().contains("swagger"));
}

#[tokio::test]
async fn a_redis_outage_degrades_but_keeps_serving() {
    let app = TestApp::spawn_with(Options {
        redis_url: Some("redis://127.0.0.1:1/".into()),
        ..Options::default()
    })
    .await;
    let ready = app.get("/readyz", None).await;
    ready.assert_status(StatusCode::OK);
    assert_eq!(ready.body["status"], "degraded");
    assert_eq!(ready.body["cache"]["status"], "degraded");
    let found = app.search("q=%E7%94%B5%E8%84%91").await;
    found.assert_status(StatusCode::OK);
    assert!(found.body["total"].as_u64().unwrap() > 0);
    // Logins still work (rate limits fall back to this instance).
    let token = app.login("buyer1").await;
    app.get("/api/v1/budgets", Some(&token))
        .await
        .assert_status(StatusCode::OK);
}

/// On PostgreSQL orders go through the pipelined pool: if it cannot reach the database the
/// instance is not ready, even while sea-orm's pool can.
#[tokio::test]
async fn readiness_needs_the_pipelined_pool_too() {
    let app = TestApp::spawn().await;
    if !crate::support::runs_here(
        app.ctx.pipeline.is_some(),
        "the pipelined-pool readiness test",
        "PostgreSQL, where the pipelined pool exists",
    ) {
        return;
    }
    let mut broken = app.second_instance();
    let mut ctx = broken.ctx.clone();
    ctx.pipeline = Some(
        gpmall_platform::pipeline::PgPipeline::new("postgres://postgres@127.0.0.1:1/test", 1)
            .unwrap(),
    );
    broken.router = gpmall::app::router(ctx, &gpmall::config::Config::default());
    let ready = broken.get("/readyz", None).await;
    ready.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["database"], "down");
    app.get("/readyz", None).await.assert_status(StatusCode::OK);
}

/// URLs the pipelined pool cannot honour leave orders on the sea-orm path instead of stopping
/// the service (sea-orm checks certificates and ignores parameters tokio-postgres refuses).
#[test]
fn urls_the_pipelined_pool_cannot_honour_fall_back_to_sea_orm() {
    use gpmall::app::pipeline_for;
    assert!(pipeline_for("sqlite://./data/gpmall.db", 5).is_none());
    assert!(pipeline_for("postgres://u@db:5432/gpmall?sslmode=verify-full", 5).is_none());
    assert!(
        pipeline_for(
            "postgres://u@db:5432/gpmall?sslmode=require&sslrootcert=/ca.pem",
            5
        )
        .is_none()
    );
    assert!(pipeline_for("postgres://u@db:5432/gpmall?statement-cache-capacity=10", 5).is_none());
    assert!(pipeline_for("postgres://u@db:5432/gpmall?sslmode=require", 5).is_some());
    assert!(
        pipeline_for(
            "postgres://u@db:5432/gpmall?options=-c%20search_path%3Dt",
            5
        )
        .is_some()
    );
}

/// After a batch fails, the transaction takes no more work: a `COMMIT` would come back as
/// `ROLLBACK` without an error, and must not read as success.
#[tokio::test]
async fn a_pipelined_transaction_refuses_work_after_a_failed_batch() {
    use gpmall_platform::pipeline::{Step, Txn};
    use sea_orm::{DbBackend, Statement};
    let app = TestApp::spawn().await;
    if !crate::support::runs_here(
        app.ctx.pipeline.is_some(),
        "the failed-batch test",
        "PostgreSQL, where the pipelined pool exists",
    ) {
        return;
    }
    let Some(pipeline) = app.ctx.pipeline.as_ref() else {
        return;
    };
    let mut txn = Txn::begin(&app.ctx.db, Some(pipeline)).await.unwrap();
    let fails = Step::query(Statement::from_string(
        DbBackend::Postgres,
        "SELECT 1 / (SELECT COUNT(*) FROM users WHERE id < 0) AS n",
    ));
    assert!(txn.run(vec![fails]).await.is_err());
    let commit = txn.run_and_commit(Vec::new()).await;
    assert!(commit.is_err(), "a failed transaction must not commit");
    // The connection is usable again once the rollback has run.
    let mut next = Txn::begin(&app.ctx.db, Some(pipeline)).await.unwrap();
    let one = Step::query(Statement::from_string(
        DbBackend::Postgres,
        "SELECT 1::bigint AS n",
    ));
    let rows = next.run(vec![one]).await.unwrap();
    assert_eq!(rows[0].rows[0].get::<i64>("n").unwrap(), 1);
}
