//! A real browser (headless Chromium through chromedriver) against the service on a TCP port:
//! a purchaser orders, the supplier confirms and ships, and the purchaser accepts, all by
//! clicking the pages' forms.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::support::{TempDir, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether the browser test may run here; it must when `GPMALL_REQUIRE_BROWSER=1` (CI).
fn browser_available() -> bool {
    let installed = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    assert!(
        installed || std::env::var("GPMALL_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "GPMALL_REQUIRE_BROWSER=1 but chromedriver or chromium is not installed \
         (apt-get install chromium chromium-driver)"
    );
    crate::support::runs_here(
        installed,
        "the browser test",
        "chromium and chromedriver (apt-get install chromium chromium-driver)",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening on {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh browser with its own profile directory, so sessions share no cookies.
async fn open_browser(driver: &str, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // chromedriver is plain HTTP on loopback: no TLS stack (and no process-wide crypto provider).
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("chromedriver starts a Chromium session")
}

/// Waits until the page shows `text` (after a click that navigates).
async fn wait_for_text(client: &Client, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let source = client.source().await.expect("page source");
        if source.contains(text) {
            return source;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed {text:?}; it shows:\n{source}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"));
    field.clear().await.expect("clear field");
    field.send_keys(text).await.expect("type into field");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing to click at {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn log_in(client: &Client, base: &str, username: &str) {
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("open login page");
    fill(client, "input[name=username]", username).await;
    fill(client, "input[name=password]", gpmall::seed::DEMO_PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for_text(client, &format!("{username} · ")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchaser_and_a_supplier_complete_an_order_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });

    let port = free_port();
    let mut chromedriver = tokio::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    wait_for_port(port).await;
    let driver = format!("http://127.0.0.1:{port}");
    let profiles = TempDir(
        std::env::temp_dir().join(format!("gpmall-browser-{}", uuid::Uuid::new_v4().simple())),
    );
    let profile = |name: &str| -> PathBuf {
        let dir = profiles.0.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };

    // The purchaser finds a computer, puts two in the cart and checks out.
    let buyer = open_browser(&driver, &profile("buyer")).await;
    log_in(&buyer, &base, "buyer1").await;
    fill(&buyer, "form.quick-search input[name=q]", "电脑").await;
    click(&buyer, "form.quick-search button[type=submit]").await;
    wait_for_text(&buyer, "件商品").await;
    click(&buyer, ".results .result h3 a").await;
    let product_page = wait_for_text(&buyer, "form method=\"post\" action=\"/cart/add\"").await;
    let supplier = gpmall::demo_data::suppliers()
        .into_iter()
        .find(|s| product_page.contains(s.name))
        .expect("the product page names its supplier");
    fill(&buyer, "input[name=quantity]", "2").await;
    click(&buyer, "form[action='/cart/add'] button[type=submit]").await;
    wait_for_text(&buyer, "已加入购物车").await;

    let options = buyer
        .find_all(Locator::Css("select[name=budget_line_id] option"))
        .await
        .unwrap();
    let budget_line = options[1]
        .attr("value")
        .await
        .unwrap()
        .expect("a budget line");
    buyer
        .find(Locator::Css("select[name=budget_line_id]"))
        .await
        .unwrap()
        .select_by_value(&budget_line)
        .await
        .unwrap();
    fill(
        &buyer,
        "textarea[name=delivery_address]",
        "重庆市江北区建新北路 1 号",
    )
    .await;
    click(&buyer, "form[action='/checkout'] button[type=submit]").await;
    let orders = wait_for_text(&buyer, "订单已提交").await;
    assert!(orders.contains("待供应商确认"));
    let order_href = buyer
        .find(Locator::Css("article.order h2 a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("the order links to its page");
    let order: i64 = order_href.trim_start_matches("/orders/").parse().unwrap();

    // The supplier, in its own browser, confirms and ships.
    let seller = open_browser(&driver, &profile("supplier")).await;
    log_in(&seller, &base, supplier.username).await;
    seller.goto(&format!("{base}/orders")).await.unwrap();
    wait_for_text(&seller, "收到的订单").await;
    click(
        &seller,
        &format!("form[action='/orders/{order}/confirm'] button"),
    )
    .await;
    wait_for_text(&seller, "订单已确认。").await;
    click(
        &seller,
        &format!("form[action='/orders/{order}/ship'] button"),
    )
    .await;
    wait_for_text(&seller, "订单已发货").await;
    seller.close().await.unwrap();

    // The purchaser takes delivery and records the acceptance.
    buyer.goto(&format!("{base}{order_href}")).await.unwrap();
    wait_for_text(&buyer, "已发货").await;
    click(
        &buyer,
        &format!("form[action='/orders/{order}/deliver'] button"),
    )
    .await;
    wait_for_text(&buyer, "订单已确认送达").await;
    fill(
        &buyer,
        "form.acceptance.accept textarea[name=notes]",
        "数量规格一致，验收合格",
    )
    .await;
    click(&buyer, "form.acceptance.accept button[type=submit]").await;
    let accepted = wait_for_text(&buyer, "已登记验收合格").await;
    assert!(accepted.contains("履约验收记录"));
    assert!(accepted.contains("数量规格一致，验收合格"));
    assert!(accepted.contains("已验收"));
    buyer.close().await.unwrap();

    let status = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {order} AND status = 'accepted'"
        ))
        .await;
    assert_eq!(status, 1, "order {order} is accepted in the database");

    chromedriver.kill().await.ok();
    server.abort();
    // Chromium may still be writing its profiles for a moment after its session closed.
    for _ in 0..50 {
        if std::fs::remove_dir_all(&profiles.0).is_ok() || !profiles.0.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
