//! The web pages through the router, as a browser without JavaScript uses them: language,
//! the session cookie, CSRF, search, and the order flow from cart to acceptance through forms.

use axum::http::{StatusCode, header};

use crate::pages::{Browser, Html};
use crate::support::{TestApp, urlencode};

/// The supplier username selling the product shown on `page`.
fn supplier_of(page: &Html) -> &'static str {
    gpmall::demo_data::suppliers()
        .into_iter()
        .find(|s| page.text.contains(s.name))
        .map(|s| s.username)
        .expect("the product page names a demo supplier")
}

/// Buyer1 puts `quantity` of the first 电脑 search result in the cart; returns its id.
async fn add_a_computer(buyer: &mut Browser<'_>, quantity: &str) -> i64 {
    let results = buyer.get(&format!("/search?q={}", urlencode("电脑"))).await;
    let product = results.ids_after("/products/")[0];
    let page = buyer.get(&format!("/products/{product}")).await;
    page.assert_shows("加入购物车");
    let csrf = page.field("csrf");
    let cart = buyer
        .submit(
            "/cart/add",
            &[
                ("csrf", &csrf),
                ("product_id", &product.to_string()),
                ("quantity", quantity),
            ],
        )
        .await;
    cart.assert_shows("已加入购物车");
    product
}

#[tokio::test]
async fn login_page_is_in_simplified_chinese_by_default() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/login").await;
    page.assert_status(StatusCode::OK)
        .assert_shows("<html lang=\"zh-CN\">")
        .assert_shows("用户名")
        .assert_shows("密码")
        .assert_shows("政府采购电子商城");
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
    );
    assert!(!page.text.contains("Username"));
}

#[tokio::test]
async fn the_english_switch_changes_the_language_and_comes_back() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    let switch = browser.get("/lang/en?next=/search%3Fq%3Dprinter").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/search?q=printer");
    assert!(switch.set_cookie("lang").starts_with("lang=en"));

    let page = browser.get("/login").await;
    page.assert_shows("<html lang=\"en\">")
        .assert_shows("Username")
        .assert_shows("Password");
    assert!(!page.text.contains("用户名"));
    // The switch offers the way back, and a link from another site cannot send users elsewhere.
    let back = browser.get("/lang/zh?next=//evil.example/").await;
    assert_eq!(back.location(), "/login");
    browser.get("/login").await.assert_shows("用户名");
}

#[tokio::test]
async fn logging_in_sets_an_httponly_samesite_session_cookie() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    let login_csrf = form.set_cookie("gpmall_csrf");
    assert!(login_csrf.contains("HttpOnly") && login_csrf.contains("SameSite=Lax"));

    let response = browser
        .post(
            "/login",
            &[
                ("csrf", &form.field("csrf")),
                ("next", "/cart"),
                ("username", "buyer1"),
                ("password", "demo1234"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.location(), "/cart");
    let cookie = response.set_cookie("gpmall_session");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    // TestApp serves plain HTTP (cookie_secure = false); production sets Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");

    let home = browser.get("/").await;
    home.assert_shows("buyer1")
        .assert_shows("重庆市江北区第一实验小学")
        .assert_shows("退出登录")
        .assert_shows("购物车");

    // Logging out revokes the session itself, not just the cookie.
    let stolen = browser.cookies["gpmall_session"].clone();
    let csrf = browser.csrf().await;
    browser
        .submit("/logout", &[("csrf", &csrf)])
        .await
        .assert_shows("已退出登录");
    assert!(!browser.cookies.contains_key("gpmall_session"));
    browser.cookies.insert("gpmall_session".into(), stolen);
    let cart = browser.get("/cart").await;
    assert_eq!(cart.status, StatusCode::SEE_OTHER);
    assert_eq!(cart.location(), "/login?next=/cart");
}

#[tokio::test]
async fn a_wrong_password_shows_the_login_form_again_with_a_message() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", &form.field("csrf")),
                ("username", "buyer1"),
                ("password", "wrong"),
            ],
        )
        .await;
    page.assert_status(StatusCode::UNAUTHORIZED)
        .assert_shows("用户名或密码错误")
        .assert_shows("value=\"buyer1\"");
    assert!(!browser.cookies.contains_key("gpmall_session"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);

    // The login form's token comes from its own cookie: without the cookie, no login.
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", "forged"),
                ("username", "buyer1"),
                ("password", "demo1234"),
            ],
        )
        .await;
    page.assert_status(StatusCode::FORBIDDEN)
        .assert_shows("表单已失效");

    browser.log_in("buyer1").await;
    let product = app.find_product("电脑").await["id"].to_string();
    for csrf in [None, Some("0".repeat(64))] {
        let mut fields = vec![("product_id", product.as_str()), ("quantity", "1")];
        if let Some(token) = &csrf {
            fields.push(("csrf", token));
        }
        let page = browser.post("/cart/add", &fields).await;
        page.assert_status(StatusCode::FORBIDDEN)
            .assert_shows("表单已失效，请刷新页面后重新提交");
    }
    browser.get("/cart").await.assert_shows("购物车是空的");
}

#[tokio::test]
async fn pages_that_need_a_login_send_visitors_to_the_login_page() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for path in ["/cart", "/orders", "/supplier/products", "/review"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), format!("/login?next={path}"));
    }
    // Logging in from there comes back to the page.
    let form = browser.get("/login?next=/orders").await;
    let csrf = form.field("csrf");
    assert_eq!(form.field("next"), "/orders");
    let back = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", "/orders"),
                ("username", "buyer2"),
                ("password", "demo1234"),
            ],
        )
        .await;
    assert_eq!(back.location(), "/orders");
}

#[tokio::test]
async fn the_home_page_shows_the_catalogue_and_new_products() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let home = browser.get("/").await;
    home.assert_status(StatusCode::OK)
        .assert_shows("商品品目")
        .assert_shows("台式计算机")
        .assert_shows("href=\"/search?category=A02010105\"")
        .assert_shows("最新上架")
        .assert_shows("name=\"q\"");
    assert!(home.ids_after("/products/").len() >= 4);

    browser.get("/lang/en").await;
    browser.get("/").await.assert_shows("Desktop computers");
}

#[tokio::test]
async fn searching_for_computers_lists_them_with_filters() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser
        .get(&format!("/search?q={}", urlencode("电脑")))
        .await;
    page.assert_status(StatusCode::OK).assert_shows("¥");
    let titles: Vec<&str> = page
        .text
        .lines()
        .filter(|l| l.contains("<h3><a href=\"/products/"))
        .collect();
    assert_eq!(titles.len(), 20);
    assert!(titles.iter().all(|t| t.contains("电脑")), "{titles:#?}");
    let total = app
        .search(&format!("q={}&per_page=1", urlencode("电脑")))
        .await
        .body["total"]
        .as_u64()
        .unwrap();
    assert!(total > 20);
    page.assert_shows(&format!("共 {total} 件商品"))
        .assert_shows("下一页");

    let second = browser
        .get(&format!("/search?q={}&page=2", urlencode("电脑")))
        .await;
    second.assert_shows("上一页");
    assert_ne!(second.ids_after("/products/"), page.ids_after("/products/"));

    let laptops = browser
        .get(&format!(
            "/search?q={}&category=A02010108&sort=price_asc",
            urlencode("电脑")
        ))
        .await;
    laptops.assert_shows("笔记本电脑");
    assert!(!laptops.text.contains("台式电脑"));

    let none = browser
        .get(&format!("/search?q={}&max_price=1", urlencode("电脑")))
        .await;
    none.assert_shows("共 0 件商品").assert_shows("没有找到");

    let bad = browser
        .get(&format!("/search?q={}&min_price=abc", urlencode("电脑")))
        .await;
    bad.assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("填写的内容有误")
        .assert_shows("“最低价”须填写金额")
        .assert_shows("value=\"abc\"");
}

#[tokio::test]
async fn a_purchaser_orders_through_the_forms_and_the_supplier_fulfils_it() {
    let app = TestApp::spawn().await;
    let mut buyer = Browser::new(&app);
    buyer.log_in("buyer1").await;
    let product = add_a_computer(&mut buyer, "2").await;
    let supplier_name = {
        let page = buyer.get(&format!("/products/{product}")).await;
        supplier_of(&page)
    };

    let cart = buyer.get("/cart").await;
    cart.assert_shows("小计").assert_shows("value=\"2\"");
    let csrf = cart.field("csrf");
    let key = cart.field("key");
    assert_eq!(key.len(), 64);
    let budget_line = app.budget_lines(&app.login("buyer1").await).await[0]["id"].to_string();
    let checkout = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("budget_line_id", budget_line.as_str()),
        ("delivery_address", "重庆市江北区建新北路 1 号 信息中心"),
        ("note", "工作日送货"),
    ];
    let orders = buyer.submit("/checkout", &checkout).await;
    orders
        .assert_shows("订单已提交")
        .assert_shows("待供应商确认")
        .assert_shows("取消订单");
    let order = orders.ids_after("/orders/")[0];
    // The same form sent twice (a double click) is one order.
    buyer.submit("/checkout", &checkout).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
    buyer.get("/cart").await.assert_shows("购物车是空的");

    let mut supplier = Browser::new(&app);
    supplier.log_in(supplier_name).await;
    let incoming = supplier.get("/orders").await;
    incoming.assert_shows("收到的订单").assert_shows("确认订单");
    let csrf = incoming.field("csrf");
    supplier
        .submit(
            &format!("/orders/{order}/confirm"),
            &[("csrf", &csrf), ("from", "list")],
        )
        .await
        .assert_shows("订单已确认")
        .assert_shows("已确认");
    let shipped = supplier
        .submit(
            &format!("/orders/{order}/ship"),
            &[("csrf", &csrf), ("from", "list")],
        )
        .await;
    shipped.assert_shows("订单已发货");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {order} AND status = 'shipped'"
        ))
        .await,
        1
    );

    let detail = buyer.get(&format!("/orders/{order}")).await;
    detail
        .assert_shows("已发货")
        .assert_shows("2026-JB-EDU-001")
        .assert_shows("重庆市江北区建新北路 1 号 信息中心");
    let csrf = detail.field("csrf");
    let delivered = buyer
        .submit(
            &format!("/orders/{order}/deliver"),
            &[("csrf", &csrf), ("from", "detail")],
        )
        .await;
    delivered
        .assert_shows("订单已确认送达")
        .assert_shows("履约验收")
        .assert_shows("name=\"acceptance_date\"")
        .assert_shows("验收不合格");

    // A malformed date is explained, and what was typed stays in the form.
    let refused = buyer
        .post(
            &format!("/orders/{order}/accept"),
            &[
                ("csrf", &csrf),
                ("from", "detail"),
                ("acceptance_date", "2026-13-40"),
                ("notes", "数量规格一致"),
            ],
        )
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("验收日期须为 年-月-日 格式")
        .assert_shows("数量规格一致");

    let accepted = buyer
        .submit(
            &format!("/orders/{order}/accept"),
            &[
                ("csrf", &csrf),
                ("from", "detail"),
                ("acceptance_date", "2026-03-02"),
                ("notes", "数量规格一致，验收合格"),
            ],
        )
        .await;
    accepted
        .assert_shows("已登记验收合格")
        .assert_shows("履约验收记录")
        .assert_shows("已验收")
        .assert_shows("2026-03-02")
        .assert_shows("数量规格一致，验收合格");
    assert!(!accepted.text.contains("action=\"/orders/"));
    let status: i64 = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {order} AND status = 'accepted'"
        ))
        .await;
    assert_eq!(status, 1);
}

#[tokio::test]
async fn an_over_budget_checkout_says_the_budget_line_is_short() {
    let app = TestApp::spawn().await;
    let token = app.login("buyer1").await;
    let small_line = app
        .new_budget_line(&token, "2026-JB-EDU-SMALL", "100.00")
        .await;
    let mut buyer = Browser::new(&app);
    buyer.log_in("buyer1").await;
    add_a_computer(&mut buyer, "1").await;
    let cart = buyer.get("/cart").await;
    let page = buyer
        .post(
            "/checkout",
            &[
                ("csrf", &cart.field("csrf")),
                ("key", &cart.field("key")),
                ("budget_line_id", &small_line.to_string()),
                ("delivery_address", "重庆市江北区建新北路 1 号"),
                ("note", ""),
            ],
        )
        .await;
    page.assert_status(StatusCode::CONFLICT)
        .assert_shows("data-code=\"BUDGET_EXCEEDED\"")
        .assert_shows("预算指标余额不足，无法下单")
        .assert_shows("余额 ¥100.00，不足以支付订单金额")
        // The form keeps what was typed and the line chosen, and the cart is untouched.
        .assert_shows("重庆市江北区建新北路 1 号</textarea>")
        .assert_shows(&format!("value=\"{small_line}\" selected"))
        .assert_shows("本供应商小计");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);

    // Without a budget line chosen the form says so.
    let page = buyer
        .post(
            "/checkout",
            &[
                ("csrf", &cart.field("csrf")),
                ("key", &cart.field("key")),
                ("budget_line_id", ""),
                ("delivery_address", "重庆市江北区建新北路 1 号"),
            ],
        )
        .await;
    page.assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("请选择用于支付的预算指标");
}

#[tokio::test]
async fn a_checkout_above_the_direct_purchase_limit_names_the_limit() {
    let app = TestApp::spawn().await;
    let mut buyer = Browser::new(&app);
    buyer.log_in("buyer1").await;
    // Every demo computer costs over ¥2,000, so 300 of them pass the ¥500,000 limit.
    add_a_computer(&mut buyer, "300").await;
    let cart = buyer.get("/cart").await;
    let budget_line = app.budget_lines(&app.login("buyer1").await).await[0]["id"].to_string();
    let page = buyer
        .post(
            "/checkout",
            &[
                ("csrf", &cart.field("csrf")),
                ("key", &cart.field("key")),
                ("budget_line_id", &budget_line),
                ("delivery_address", "重庆市江北区建新北路 1 号"),
            ],
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_shows("超过该品目的直购限额")
        .assert_shows("的商城直购限额 ¥500,000.00，请改用委托集中采购机构代理采购");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
}

#[tokio::test]
async fn cart_quantities_change_and_lines_go() {
    let app = TestApp::spawn().await;
    let mut buyer = Browser::new(&app);
    buyer.log_in("buyer3").await;
    let product = add_a_computer(&mut buyer, "1").await.to_string();
    let csrf = buyer.csrf().await;
    let cart = buyer
        .submit(
            "/cart/update",
            &[("csrf", &csrf), ("product_id", &product), ("quantity", "3")],
        )
        .await;
    cart.assert_shows("购物车已更新")
        .assert_shows("value=\"3\"");
    let refused = buyer
        .post(
            "/cart/update",
            &[("csrf", &csrf), ("product_id", &product), ("quantity", "0")],
        )
        .await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("数量须为不小于 1 的整数。")
        .assert_lacks("quantity must be");
    buyer
        .submit("/cart/remove", &[("csrf", &csrf), ("product_id", &product)])
        .await
        .assert_shows("已从购物车移除")
        .assert_shows("购物车是空的");
}

#[tokio::test]
async fn a_supplier_lists_a_product_the_operator_approves_it_and_the_price_changes() {
    let app = TestApp::spawn().await;
    let mut supplier = Browser::new(&app);
    supplier.log_in("supplier3").await;
    let page = supplier.get("/supplier/products").await;
    page.assert_shows("发布新商品").assert_shows("A4黑白打印机");
    let csrf = page.field("csrf");
    let mut product = vec![
        ("csrf", csrf.as_str()),
        ("category", "A02021003"),
        ("name", "网页测试 激光打印机"),
        ("brand", "网页测试"),
        ("model", "WEB-1"),
        ("specification", "A4 黑白；双面打印"),
        ("unit", "台"),
        ("price", "abc"),
        ("reference_price", "1299.00"),
        ("stock", "40"),
        ("delivery_regions", "重庆市江北区"),
        ("lead_days", "3"),
    ];
    let refused = supplier.post("/supplier/products", &product).await;
    refused
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("“价格（元）”须填写金额")
        .assert_shows("value=\"网页测试 激光打印机\"");

    product[7] = ("price", "1399.00");
    supplier
        .post("/supplier/products", &product)
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("售价高于市场参考价");

    product[7] = ("price", "1199.00");
    let listed = supplier.submit("/supplier/products", &product).await;
    listed
        .assert_shows("商品已提交，等待审核")
        .assert_shows("网页测试 激光打印机")
        .assert_shows("待审核");

    let mut operator = Browser::new(&app);
    operator.log_in("operator").await;
    let queue = operator.get("/review").await;
    queue
        .assert_shows("网页测试 激光打印机")
        .assert_shows("待审核 1 件")
        .assert_shows(gpmall::demo_data::suppliers()[2].name);
    let id = queue.ids_after("/review/")[0];
    let csrf_op = queue.field("csrf");
    operator
        .post(
            &format!("/review/{id}/reject"),
            &[("csrf", &csrf_op), ("reason", "")],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_shows("驳回或下架须说明理由");
    operator
        .submit(&format!("/review/{id}/approve"), &[("csrf", &csrf_op)])
        .await
        .assert_shows("商品已审核通过并上架")
        .assert_shows("没有待审核的商品");

    let changed = supplier
        .submit(
            &format!("/supplier/products/{id}"),
            &[("csrf", &csrf), ("price", "1099.00"), ("stock", "55")],
        )
        .await;
    changed.assert_shows("商品已更新").assert_shows("¥1,099.00");
    let product_page = Browser::new(&app).get(&format!("/products/{id}")).await;
    product_page
        .assert_shows("¥1,099.00")
        .assert_shows("55 台")
        .assert_shows("登录后购买");

    // A cut of more than 20% against the window's first price (¥1,199) is on sale at once and
    // goes to review; the page says so, and a rejection restores ¥1,099.
    supplier
        .submit(
            &format!("/supplier/products/{id}"),
            &[("csrf", &csrf), ("price", "899.00"), ("stock", "55")],
        )
        .await
        .assert_shows("降价已生效，并已提交运营机构审核")
        .assert_shows("如被驳回，将恢复为 ¥1,099.00");
    Browser::new(&app)
        .get(&format!("/products/{id}"))
        .await
        .assert_shows("¥899.00");
    let queue = operator.get("/review").await;
    queue
        .assert_shows("价格变动待审核（1）")
        .assert_shows("¥899.00");
    operator
        .submit(
            &format!("/review/{id}/price_reject"),
            &[("csrf", &csrf_op), ("reason", "降价幅度异常")],
        )
        .await
        .assert_shows("价格变动已驳回");
    supplier
        .get("/supplier/products")
        .await
        .assert_shows("运营机构驳回了上次的价格变动：降价幅度异常")
        .assert_lacks("如被驳回");
    Browser::new(&app)
        .get(&format!("/products/{id}"))
        .await
        .assert_shows("¥1,099.00");

    // A buyer cannot reach the supplier's or the operator's pages.
    let mut buyer = Browser::new(&app);
    buyer.log_in("buyer2").await;
    buyer
        .get("/review")
        .await
        .assert_status(StatusCode::FORBIDDEN)
        .assert_shows("您的账号无权进行此操作");
    buyer
        .get("/supplier/products")
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn missing_things_get_a_page_not_an_error_body() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for path in ["/products/999999", "/products/abc", "/lang/fr"] {
        let page = browser.get(path).await;
        page.assert_status(StatusCode::NOT_FOUND)
            .assert_shows("没有找到该页面或记录")
            .assert_shows("返回首页");
    }
}

#[tokio::test]
async fn the_stylesheet_is_embedded_and_cacheable() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let home = browser.get("/").await;
    let href_start = home.text.find("/static/app.css?v=").unwrap();
    let href = &home.text[href_start..href_start + home.text[href_start..].find('"').unwrap()];
    let css = browser.get(href).await;
    css.assert_status(StatusCode::OK).assert_shows(".problem");
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert!(!home.text.contains("<script"));
    assert!(!home.text.contains("http://") && !home.text.contains("https://"));
}

#[tokio::test]
async fn an_unknown_address_is_a_page_in_the_readers_language_and_json_for_the_api() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/no-such-page").await;
    page.assert_status(StatusCode::NOT_FOUND)
        .assert_shows("<html lang=\"zh-CN\">")
        .assert_shows("没有这个页面或接口地址")
        .assert_shows("返回首页");
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    browser.get("/lang/en?next=/").await;
    browser
        .get("/no-such-page")
        .await
        .assert_status(StatusCode::NOT_FOUND)
        .assert_shows("No such page or API address");
    // API clients keep the JSON error, whatever they accept.
    let api = app.get("/api/v1/no-such-route", None).await;
    api.assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let mut html_api = Browser::new(&app);
    let r = html_api.get("/api/v1/no-such-route").await;
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn a_page_the_role_may_not_see_says_so_in_words() {
    let app = TestApp::spawn().await;
    let mut supplier = Browser::signed_in(&app, "supplier1").await;
    supplier
        .get("/review")
        .await
        .assert_status(StatusCode::FORBIDDEN)
        .assert_shows("您的账号无权进行此操作")
        .assert_shows("此操作需要“运营机构”角色")
        .assert_lacks("operator`");
}

#[tokio::test]
async fn the_order_page_names_its_budget_line_and_links_to_its_contract() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer1").await;
    let line = app
        .new_budget_line(&buyer, "2026-JB-EDU-077", "100000.00")
        .await;
    let product = app
        .listed_product("supplier1", "3000.00", 10, "A02010105")
        .await;
    let placed = app
        .place_order(
            &buyer,
            "link-1",
            &serde_json::json!({
                "budget_line_id": line,
                "lines": [{"product_id": product, "quantity": 1}],
                "delivery_address": "重庆市江北区建新北路 1 号",
            }),
        )
        .await;
    placed.assert_status(StatusCode::CREATED);
    let order = placed.body["orders"][0]["id"].as_i64().unwrap();
    let mut buyer_page = Browser::signed_in(&app, "buyer1").await;
    buyer_page
        .get(&format!("/orders/{order}"))
        .await
        .assert_shows("2026-JB-EDU-077")
        .assert_shows("供应商确认订单后生成")
        .assert_shows("台式计算机");
    let supplier = app.login("supplier1").await;
    let confirmed = app
        .order_action(&supplier, order, "confirm", serde_json::json!({}))
        .await;
    confirmed.assert_status(StatusCode::OK);
    let contract = confirmed.body["contract"].clone();
    let contract_id = contract["id"]
        .as_i64()
        .expect("the order names its contract");
    let contract_no = contract["contract_no"].as_str().unwrap().to_owned();
    buyer_page
        .get(&format!("/orders/{order}"))
        .await
        .assert_shows(&format!(
            "<a href=\"/contracts/{contract_id}\">{contract_no}</a>"
        ));
    // The operator sees the same line by its code, never by a number.
    let mut operator = Browser::signed_in(&app, "operator").await;
    operator
        .get(&format!("/orders/{order}"))
        .await
        .assert_shows("2026-JB-EDU-077")
        .assert_lacks(&format!("#{line}"));
}

/// Every page without an id in its address, for the navigation test.
const NAVIGABLE_PAGES: &[&str] = &[
    "/cart",
    "/orders",
    "/supplier/products",
    "/review",
    "/contracts",
    "/payments-due",
    "/deposits",
    "/guarantees",
    "/supplier/account",
    "/performance",
    "/warnings",
    "/budgets",
    "/operator/limits",
    "/operator/rates",
    "/operator/calendar",
    "/financing",
];

#[tokio::test]
async fn each_roles_navigation_reaches_every_page_it_may_read_and_no_other() {
    let app = TestApp::spawn().await;
    for user in ["buyer1", "supplier1", "operator", "regulator"] {
        let mut browser = Browser::signed_in(&app, user).await;
        let home = browser.get("/").await;
        home.assert_status(StatusCode::OK);
        for path in NAVIGABLE_PAGES {
            let page = browser.get(path).await;
            let linked = home.text.contains(&format!("href=\"{path}\""));
            let readable = page.status == StatusCode::OK;
            assert_eq!(
                linked,
                readable,
                "{user}: {path} answers {} but the navigation {} it",
                page.status,
                if linked { "links" } else { "does not link" }
            );
        }
    }
}
