//! `TestApp`: the service in-process with a settable clock and domain verbs for tests.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use gpmall::app::{build_services, migrate, router};
use gpmall::config::Config;
use gpmall_platform::Ctx;
use gpmall_platform::clock::TestClock;
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub ctx: Ctx,
    pub clock: TestClock,
    /// Redis key prefix shared by every instance of this app.
    pub cache_prefix: String,
    pub options: Options,
    /// Keeps the SQLite file alive for the test's duration.
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

impl TestResponse {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.code(),
            code,
            "unexpected error code; body: {}",
            self.body
        );
        assert!(
            !self.body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "error without a message: {}",
            self.body
        );
        self
    }
}

/// Whether a test that needs something this run may lack (PostgreSQL, Redis, a browser) goes
/// on. Without it the test is skipped with a line saying why; with `GPMALL_REQUIRE_ALL=1` (the
/// PostgreSQL run of `.ci/run`) a skip is a failure, so nothing passes there by not running.
#[track_caller]
pub fn runs_here(available: bool, test: &str, needs: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var("GPMALL_REQUIRE_ALL").as_deref() != Ok("1"),
        "GPMALL_REQUIRE_ALL=1 but {test} cannot run: it needs {needs}"
    );
    eprintln!("skipping {test}: it needs {needs}");
    false
}

pub fn postgres_url() -> Option<String> {
    std::env::var("GPMALL_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn redis_url() -> Option<String> {
    std::env::var("GPMALL_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The instant every test starts at: Monday 2 March 2026, 10:00 in Chongqing.
pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

#[derive(Clone)]
pub struct Options {
    pub max_connections: u32,
    pub redis_url: Option<String>,
    pub login_max_attempts: u32,
    pub login_max_attempts_per_ip: u32,
    /// Take the client address from `X-Forwarded-For`, as behind the load balancer.
    pub trust_forwarded_for: bool,
    /// Run on a sandbox clock over the test clock (`GPMALL_SANDBOX=true`).
    pub sandbox: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_connections: 5,
            redis_url: redis_url(),
            login_max_attempts: 1000,
            login_max_attempts_per_ip: 1000,
            trust_forwarded_for: false,
            sandbox: false,
        }
    }
}

/// The service's clock over the test clock: the test clock itself, or a sandbox clock on it.
fn service_clock(clock: &TestClock, sandbox: bool) -> Arc<dyn gpmall_platform::clock::Clock> {
    if sandbox {
        Arc::new(gpmall_platform::clock::SandboxClock::new(Arc::new(
            clock.clone(),
        )))
    } else {
        Arc::new(clock.clone())
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (url, dir) = match postgres_url() {
            Some(admin_url) => {
                let schema = format!("t_{id}");
                let admin = gpmall_platform::db::connect(&admin_url, 1)
                    .await
                    .expect("connect to the test PostgreSQL");
                sea_orm::ConnectionTrait::execute_unprepared(
                    &admin,
                    &format!("CREATE SCHEMA {schema}"),
                )
                .await
                .expect("create test schema");
                admin.close().await.ok();
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                (
                    format!("{admin_url}{separator}options=-c%20search_path%3D{schema}"),
                    None,
                )
            }
            None => {
                let dir = std::env::temp_dir().join(format!("gpmall-test-{id}"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display());
                (url, Some(TempDir(dir)))
            }
        };
        let db = gpmall_platform::db::connect(&url, options.max_connections)
            .await
            .expect("connect to the test database");
        migrate(&db).await.expect("migrate");
        let clock = TestClock::new(start_time());
        let config = Config {
            login_max_attempts: options.login_max_attempts,
            login_max_attempts_per_ip: options.login_max_attempts_per_ip,
            trust_forwarded_for: options.trust_forwarded_for,
            cookie_secure: false,
            ..Config::default()
        };
        let cache_prefix = format!("test:{id}:");
        let pipeline = gpmall::app::pipeline_for(&url, options.max_connections);
        let services = build_services(
            db,
            pipeline,
            options.redis_url.as_deref(),
            &cache_prefix,
            config.settings(),
            service_clock(&clock, options.sandbox),
            &config,
        )
        .expect("build services");
        gpmall::seed::demo(&services.ctx)
            .await
            .expect("seed demo data");
        let router = router(services.ctx.clone(), &config);
        TestApp {
            router,
            ctx: services.ctx,
            clock,
            cache_prefix,
            options,
            _dir: dir,
        }
    }

    /// A second instance of the service over the same database and Redis, as behind a load
    /// balancer: nothing in process is shared with the first.
    pub fn second_instance(&self) -> TestApp {
        let config = Config {
            login_max_attempts: self.options.login_max_attempts,
            login_max_attempts_per_ip: self.options.login_max_attempts_per_ip,
            trust_forwarded_for: self.options.trust_forwarded_for,
            cookie_secure: false,
            ..Config::default()
        };
        let services = build_services(
            self.ctx.db.clone(),
            self.ctx.pipeline.clone(),
            self.options.redis_url.as_deref(),
            &self.cache_prefix,
            config.settings(),
            service_clock(&self.clock, self.options.sandbox),
            &config,
        )
        .expect("build services");
        TestApp {
            router: router(services.ctx.clone(), &config),
            ctx: services.ctx,
            clock: self.clock.clone(),
            cache_prefix: self.cache_prefix.clone(),
            options: self.options.clone(),
            _dir: None,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_vec(body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.request(Method::POST, path, token, Some(body), &[])
            .await
    }

    /// Logs a demo user in and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": gpmall::seed::DEMO_PASSWORD}),
            )
            .await;
        response.assert_status(StatusCode::OK);
        response.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn search(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/v1/catalog/products?{query}"), None)
            .await
    }

    /// The first listed product whose search for `q` matches.
    pub async fn find_product(&self, q: &str) -> Value {
        let r = self.search(&format!("q={}", urlencode(q))).await;
        r.assert_status(StatusCode::OK);
        r.body["items"][0].clone()
    }

    pub async fn budget_lines(&self, token: &str) -> Vec<Value> {
        let r = self.get("/api/v1/budgets", Some(token)).await;
        r.assert_status(StatusCode::OK);
        r.body["items"].as_array().unwrap().clone()
    }

    pub async fn budget_line(&self, token: &str, id: i64) -> Value {
        self.budget_lines(token)
            .await
            .into_iter()
            .find(|b| b["id"] == id)
            .expect("budget line visible")
    }

    /// A supplier's change to its product.
    pub async fn patch_product(&self, token: &str, id: i64, body: Value) -> TestResponse {
        self.request(
            Method::PATCH,
            &format!("/api/v1/supplier/products/{id}"),
            Some(token),
            Some(&body),
            &[],
        )
        .await
    }

    /// The price buyers see on the product page, `None` when it is not on sale.
    pub async fn listed_price(&self, id: i64) -> Option<String> {
        let page = self
            .get(&format!("/api/v1/catalog/products/{id}"), None)
            .await;
        page.body["price"].as_str().map(str::to_owned)
    }

    /// Raises a product's reference market price (the supplier's own change).
    pub async fn set_reference_price(&self, supplier: &str, id: i64, reference: &str) {
        let token = self.login(supplier).await;
        self.patch_product(&token, id, json!({"reference_price": reference}))
            .await
            .assert_status(StatusCode::OK);
    }

    pub async fn place_order(&self, token: &str, key: &str, body: &Value) -> TestResponse {
        self.request(
            Method::POST,
            "/api/v1/orders",
            Some(token),
            Some(body),
            &[("idempotency-key", key)],
        )
        .await
    }

    pub async fn order_action(
        &self,
        token: &str,
        id: i64,
        action: &str,
        body: Value,
    ) -> TestResponse {
        self.post(&format!("/api/v1/orders/{id}/{action}"), Some(token), &body)
            .await
    }

    /// Creates a budget line for buyer's unit with an exact amount (via the operator).
    pub async fn new_budget_line(&self, buyer_token: &str, code: &str, amount: &str) -> i64 {
        let me = self.get("/api/v1/auth/me", Some(buyer_token)).await;
        let operator = self.login("operator").await;
        let r = self
            .post(
                "/api/v1/budgets",
                Some(&operator),
                &json!({"org_id": me.body["org_id"], "code": code, "fiscal_year": 2026,
                        "fund_source": "一般公共预算", "amount": amount}),
            )
            .await;
        r.assert_status(StatusCode::CREATED);
        r.body["id"].as_i64().unwrap()
    }

    /// A supplier lists a product and the operator approves it; returns its id.
    pub async fn listed_product(
        &self,
        supplier: &str,
        price: &str,
        stock: i64,
        category: &str,
    ) -> i64 {
        let token = self.login(supplier).await;
        let r = self
            .post(
                "/api/v1/supplier/products",
                Some(&token),
                &json!({"category": category, "name": format!("测试商品 台式电脑 {price}"),
                        "brand": "测试", "model": "T-1", "unit": "台", "price": price,
                        "reference_price": price, "stock": stock,
                        "delivery_regions": "重庆市全域", "lead_days": 3}),
            )
            .await;
        r.assert_status(StatusCode::CREATED);
        let id = r.body["id"].as_i64().unwrap();
        let operator = self.login("operator").await;
        self.post(
            &format!("/api/v1/review/products/{id}/approve"),
            Some(&operator),
            &json!({}),
        )
        .await
        .assert_status(StatusCode::OK);
        id
    }

    /// Sets a supplier's credit status directly (penalties arrive with a later issue).
    pub async fn penalize(&self, supplier_username: &str) {
        use sea_orm::ConnectionTrait;
        let backend = self.ctx.db.get_database_backend();
        self.ctx
            .db
            .execute_raw(gpmall_platform::db::stmt(
                backend,
                "UPDATE organizations SET credit_status = 'penalized' \
                 WHERE id = (SELECT org_id FROM users WHERE username = ?)",
                [supplier_username.into()],
            ))
            .await
            .unwrap();
    }

    /// A single number from SQL, for checking rows directly.
    /// The organization id of a demo user.
    pub async fn org_id_of(&self, username: &str) -> i64 {
        self.scalar(&format!(
            "SELECT org_id FROM users WHERE username = '{username}'"
        ))
        .await
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        use sea_orm::ConnectionTrait;
        let backend = self.ctx.db.get_database_backend();
        let row = self
            .ctx
            .db
            .query_one_raw(sea_orm::Statement::from_string(backend, sql.to_owned()))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
