//! Search over the postings table: the capped total, relevance order, filters combined with
//! words, multi-word AND, pagination, and products leaving the results when they are delisted
//! or their supplier is penalized.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, urlencode};

/// Which products of the unfiltered results a filter keeps.
type Keep = Box<dyn Fn(&Value) -> bool>;

/// Every match of `query`, page by page (`per_page` each), in order.
async fn all_pages(app: &TestApp, query: &str, per_page: u64) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let r = app
            .search(&format!("{query}&per_page={per_page}&page={page}"))
            .await;
        r.assert_status(StatusCode::OK);
        assert_eq!(r.body["total_exact"], true, "{query}");
        let items = r.body["items"].as_array().unwrap().clone();
        let total = r.body["total"].as_u64().unwrap();
        if items.is_empty() {
            assert_eq!(total, out.len() as u64, "{query}: total past the end");
            break;
        }
        out.extend(items);
        assert!(
            out.len() as u64 <= total,
            "{query}: more items than the total"
        );
        assert!(page < 1_000);
    }
    out
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

fn fen(p: &Value) -> i64 {
    let price = p["price"].as_str().unwrap();
    let (yuan, cents) = price.split_once('.').unwrap_or((price, "0"));
    yuan.parse::<i64>().unwrap() * 100 + format!("{cents:0<2}").parse::<i64>().unwrap()
}

/// A supplier lists a product with the given text and the operator approves it.
async fn list(app: &TestApp, supplier: &str, product: Value) -> i64 {
    let token = app.login(supplier).await;
    let mut body = json!({"category": "A02010105", "brand": "测试", "model": "T-1",
        "unit": "台", "stock": 5, "delivery_regions": "重庆市全域", "lead_days": 3});
    for (k, v) in product.as_object().unwrap() {
        body[k] = v.clone();
    }
    if body.get("reference_price").is_none() {
        body["reference_price"] = body["price"].clone();
    }
    let r = app
        .post("/api/v1/supplier/products", Some(&token), &body)
        .await;
    r.assert_status(StatusCode::CREATED);
    let id = r.body["id"].as_i64().unwrap();
    review(app, id, "approve", json!({})).await;
    id
}

/// The operator takes a review action (`approve`, `delist`, …) on a product.
async fn review(app: &TestApp, id: i64, action: &str, body: Value) {
    let operator = app.login("operator").await;
    app.post(
        &format!("/api/v1/review/products/{id}/{action}"),
        Some(&operator),
        &body,
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn relevance_ranks_name_above_brand_or_model_above_specification_then_price() {
    let app = TestApp::spawn().await;
    let in_spec = list(
        &app,
        "supplier1",
        json!({"name": "办公 显示器 甲", "specification": "含 qzvrel 支架", "price": "10.00"}),
    )
    .await;
    let in_model = list(
        &app,
        "supplier1",
        json!({"name": "办公 显示器 乙", "model": "QZVREL-2", "price": "20.00"}),
    )
    .await;
    let in_name_dear = list(
        &app,
        "supplier2",
        json!({"name": "qzvrel 显示器 丙", "price": "900.00"}),
    )
    .await;
    let in_name_cheap = list(
        &app,
        "supplier3",
        json!({"name": "显示器 QZVREL 丁", "price": "500.00"}),
    )
    .await;
    let r = app.search("q=qzvrel").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["total"], 4);
    assert_eq!(r.body["total_exact"], true);
    assert_eq!(
        ids(r.body["items"].as_array().unwrap()),
        vec![in_name_cheap, in_name_dear, in_model, in_spec]
    );
    let by_price = app.search("q=qzvrel&sort=price_desc").await;
    assert_eq!(
        ids(by_price.body["items"].as_array().unwrap()),
        vec![in_name_dear, in_name_cheap, in_model, in_spec]
    );
    // A change of the name moves the product in the results.
    let supplier = app.login("supplier1").await;
    app.request(
        axum::http::Method::PATCH,
        &format!("/api/v1/supplier/products/{in_spec}"),
        Some(&supplier),
        Some(&json!({"name": "qzvrel 显示器 甲", "specification": "无"})),
        &[],
    )
    .await
    .assert_status(StatusCode::OK);
    let after = app.search("q=qzvrel&per_page=10").await;
    assert_eq!(
        ids(after.body["items"].as_array().unwrap()),
        vec![in_spec, in_name_cheap, in_name_dear, in_model]
    );
    let stand = app
        .search(&format!("q={}&per_page=100", urlencode("支架")))
        .await;
    assert!(
        !ids(stand.body["items"].as_array().unwrap()).contains(&in_spec),
        "the old specification is no longer indexed"
    );
}

#[tokio::test]
async fn searching_for_computers_lists_computers_before_tablets_and_accessories() {
    let app = TestApp::spawn().await;
    let bag = list(
        &app,
        "supplier1",
        json!({"name": "双肩 电脑包 15.6英寸", "category": "A02010105", "price": "99.00"}),
    )
    .await;
    let r = app
        .search(&format!("q={}&per_page=100", urlencode("电脑")))
        .await;
    r.assert_status(StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    let categories: Vec<&str> = items
        .iter()
        .map(|p| p["category"].as_str().unwrap())
        .collect();
    let first_tablet = categories.iter().position(|c| *c == "A02010109").unwrap();
    // Desktops and laptops (their names end in 电脑) come before tablets, each group cheapest
    // first; a bag whose name only mentions 电脑 comes after every computer and tablet.
    assert!(first_tablet > 0);
    assert!(
        categories[..first_tablet]
            .iter()
            .all(|c| *c == "A02010105" || *c == "A02010108"),
        "{categories:?}"
    );
    let bag_at = items.iter().position(|p| p["id"] == bag).unwrap();
    let last_tablet = categories.iter().rposition(|c| *c == "A02010109").unwrap();
    assert!(
        bag_at > last_tablet,
        "the bag is at {bag_at}, the last tablet at {last_tablet}"
    );
    // Asking for relevance is the same as asking for nothing.
    let relevance = app
        .search(&format!(
            "q={}&per_page=100&sort=relevance",
            urlencode("电脑")
        ))
        .await;
    assert_eq!(relevance.body["items"], r.body["items"]);
}

#[tokio::test]
async fn filters_with_words_match_exactly_the_filtered_word_results() {
    let app = TestApp::spawn().await;
    let q = urlencode("电脑");
    let everything = all_pages(&app, &format!("q={q}"), 100).await;
    assert!(everything.len() > 20);
    let cases: Vec<(String, Keep)> = vec![
        (
            "category=A0201".into(),
            Box::new(|p| p["category"].as_str().unwrap().starts_with("A0201")),
        ),
        (
            "category=A020101&min_price=3000.00&max_price=6000.00".into(),
            Box::new(|p| {
                p["category"].as_str().unwrap().starts_with("A020101")
                    && (300_000..=600_000).contains(&fen(p))
            }),
        ),
        (
            "sme_only=true".into(),
            Box::new(|p| p["enterprise_size"] != "large"),
        ),
        (
            "sme_only=true&max_price=5000.00".into(),
            Box::new(|p| p["enterprise_size"] != "large" && fen(p) <= 500_000),
        ),
        ("category=Z9".into(), Box::new(|_| false)),
    ];
    for (filters, keep) in cases {
        let expected: BTreeSet<i64> = everything
            .iter()
            .filter(|p| keep(p))
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        for sort in ["relevance", "price_asc", "price_desc", "newest"] {
            let query = format!("q={q}&{filters}&sort={sort}");
            let found = all_pages(&app, &query, 7).await;
            let found_ids = ids(&found);
            let unique: BTreeSet<i64> = found_ids.iter().copied().collect();
            assert_eq!(unique.len(), found_ids.len(), "{query}: duplicates");
            assert_eq!(unique, expected, "{query}");
            let prices: Vec<i64> = found.iter().map(fen).collect();
            match sort {
                "price_asc" => assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{query}"),
                "price_desc" => assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{query}"),
                "newest" => assert!(found_ids.windows(2).all(|w| w[0] > w[1]), "{query}"),
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn several_words_must_all_match() {
    let app = TestApp::spawn().await;
    let one = |w: &str| format!("q={}", urlencode(w));
    let lenovo: BTreeSet<i64> = ids(&all_pages(&app, &one("联想"), 100).await)
        .into_iter()
        .collect();
    let computer: BTreeSet<i64> = ids(&all_pages(&app, &one("电脑"), 100).await)
        .into_iter()
        .collect();
    let both: BTreeSet<i64> = lenovo.intersection(&computer).copied().collect();
    assert!(!both.is_empty());
    assert!(both.len() < lenovo.len() || both.len() < computer.len());
    for query in ["联想 电脑", "电脑 联想"] {
        let found = ids(&all_pages(&app, &one(query), 9).await);
        assert_eq!(
            found.iter().copied().collect::<BTreeSet<_>>(),
            both,
            "{query}"
        );
    }
    let none = app.search(&one("联想 qzvnothing")).await;
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);
}

/// The choice of driving term is remembered; a choice made when a word had no postings must
/// not hide a product listed afterwards.
#[tokio::test]
async fn remembered_driving_terms_never_hide_a_new_product() {
    let app = TestApp::spawn().await;
    let query = format!("q={}", urlencode("联想 ZQ9REMEMBER"));
    let before = app.search(&query).await;
    before.assert_status(StatusCode::OK);
    assert_eq!(before.body["total"], 0);
    let id = list(
        &app,
        "supplier1",
        json!({"name": "联想 ZQ9REMEMBER 台式电脑", "price": "4000.00"}),
    )
    .await;
    let after = app.search(&query).await;
    assert_eq!(after.body["total"], 1, "{}", after.body);
    assert_eq!(after.body["items"][0]["id"], id);
    // The same words in the other order, and with a filter that must be bound rather than
    // written into the SQL (a category prefix outside ASCII).
    let reversed = app
        .search(&format!("q={}", urlencode("zq9remember 联想")))
        .await;
    assert_eq!(reversed.body["items"][0]["id"], id);
    let bound = app
        .search(&format!("{query}&category={}", urlencode("办公")))
        .await;
    bound.assert_status(StatusCode::OK);
    assert_eq!(bound.body["total"], 0);
    assert_eq!(bound.body["total_exact"], true);
}

#[tokio::test]
async fn pages_are_stable_and_agree_with_the_total() {
    let app = TestApp::spawn().await;
    let q = format!("q={}", urlencode("电脑"));
    let first = app.search(&format!("{q}&per_page=100")).await;
    let total = first.body["total"].as_u64().unwrap();
    for sort in ["relevance", "price_asc", "price_desc"] {
        let big = all_pages(&app, &format!("{q}&sort={sort}"), 100).await;
        let small = all_pages(&app, &format!("{q}&sort={sort}"), 6).await;
        assert_eq!(ids(&big), ids(&small), "sort={sort}");
        assert_eq!(big.len() as u64, total);
        for page in [1, 2, 3] {
            let r = app
                .search(&format!("{q}&sort={sort}&per_page=6&page={page}"))
                .await;
            assert_eq!(r.body["total"], total);
        }
    }
    let listing = all_pages(&app, "category=A02", 9).await;
    let ids = ids(&listing);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[tokio::test]
async fn delisted_products_and_penalized_suppliers_leave_the_results() {
    let app = TestApp::spawn().await;
    let mine = list(
        &app,
        "supplier3",
        json!({"name": "qzvgone 碎纸机", "price": "300.00"}),
    )
    .await;
    let other = list(
        &app,
        "supplier5",
        json!({"name": "qzvgone 碎纸机 二号", "price": "400.00"}),
    )
    .await;
    let third = list(
        &app,
        "supplier5",
        json!({"name": "qzvgone 碎纸机 三号", "price": "500.00"}),
    )
    .await;
    let r = app.search("q=qzvgone").await;
    assert_eq!(
        ids(r.body["items"].as_array().unwrap()),
        vec![mine, other, third]
    );

    review(&app, mine, "delist", json!({"reason": "资质到期"})).await;
    let r = app.search("q=qzvgone").await;
    assert_eq!(r.body["total"], 2);
    assert_eq!(ids(r.body["items"].as_array().unwrap()), vec![other, third]);

    // A penalty written straight to the database (no cache invalidation: ask with other
    // parameters so the answer comes from the database).
    app.penalize("supplier5").await;
    let r = app.search("q=qzvgone&per_page=21").await;
    assert_eq!(r.body["total"], 0);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
    let listing = app.search("category=A02010105&per_page=100&page=1").await;
    assert!(
        listing.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != other && p["id"] != third)
    );
    // Relisted products come back.
    let supplier = app.login("supplier3").await;
    app.post(
        &format!("/api/v1/supplier/products/{mine}/resubmit"),
        Some(&supplier),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    review(&app, mine, "approve", json!({})).await;
    let r = app.search("q=qzvgone&per_page=22").await;
    assert_eq!(ids(r.body["items"].as_array().unwrap()), vec![mine]);
}

#[tokio::test]
async fn beyond_a_thousand_matches_the_total_is_a_lower_bound() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let supplier = app
        .scalar("SELECT org_id FROM users WHERE username = 'supplier3'")
        .await;
    // 1,050 listed products straight into the table, then indexed as the demo seed does.
    for batch in 0..21 {
        let rows: Vec<String> = (0..50)
            .map(|i| {
                let n = batch * 50 + i;
                format!(
                    "({supplier}, 'A02010105', 'qzvmany 台式电脑 {n}', '测试', 'M{n}', '', '台', \
                     {price}, {price}, 1, '重庆', 1, 'listed', FALSE, '', \
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    price = 10_000 + n
                )
            })
            .collect();
        app.ctx
            .db
            .execute_unprepared(&format!(
                "INSERT INTO products (supplier_id, category_code, name, brand, model, \
                 specification, unit, price_fen, reference_price_fen, stock, delivery_regions, \
                 lead_days, status, price_flagged, search_tokens, created_at, updated_at) \
                 VALUES {}",
                rows.join(", ")
            ))
            .await
            .unwrap();
    }
    gpmall_mall::repo::search::reindex_all(&app.ctx.db)
        .await
        .unwrap();

    let r = app.search("q=qzvmany").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["total"], 1000);
    assert_eq!(r.body["total_exact"], false);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 20);
    // Up to the cap, pages are full and the bound holds.
    let page50 = app.search("q=qzvmany&page=50").await;
    assert_eq!(page50.body["items"].as_array().unwrap().len(), 20);
    assert_eq!(page50.body["total"], 1000);
    assert_eq!(page50.body["total_exact"], false);
    // Further on the total counts at least to the end of the page asked for.
    let page52 = app.search("q=qzvmany&page=52").await;
    assert_eq!(page52.body["items"].as_array().unwrap().len(), 20);
    assert_eq!(page52.body["total"], 1040);
    assert_eq!(page52.body["total_exact"], false);
    // The last, short page knows the exact total; so does a page past the end.
    let last = app.search("q=qzvmany&page=53").await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 10);
    assert_eq!(last.body["total"], 1050);
    assert_eq!(last.body["total_exact"], true);
    let past = app.search("q=qzvmany&page=60").await;
    assert_eq!(past.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(past.body["total"], 1050);
    assert_eq!(past.body["total_exact"], true);
    // Narrower searches count exactly.
    let narrow = app.search("q=qzvmany&max_price=104.99").await;
    assert_eq!(narrow.body["total"], 500);
    assert_eq!(narrow.body["total_exact"], true);
    let cheapest = app.search("q=qzvmany&sort=price_asc&per_page=3").await;
    assert_eq!(
        cheapest.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["price"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        vec!["100.00", "100.01", "100.02"]
    );
    // Deep pages in price order read the same rows as the listing by price.
    let deep = app
        .search("q=qzvmany&sort=price_asc&per_page=100&page=11")
        .await;
    assert_eq!(deep.body["items"].as_array().unwrap().len(), 50);
    assert_eq!(deep.body["items"][0]["price"], "110.00");
    assert_eq!(deep.body["total"], 1050);
}

#[tokio::test]
async fn openapi_documents_total_exact() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await;
    doc.assert_status(StatusCode::OK);
    let schema = &doc.body["components"]["schemas"]["SearchResults"];
    assert_eq!(schema["properties"]["total_exact"]["type"], "boolean");
    assert!(
        schema["properties"]["total"]["description"]
            .as_str()
            .unwrap()
            .contains("lower bound")
    );
    let ok = &doc.body["paths"]["/api/v1/catalog/products"]["get"]["responses"]["200"];
    assert!(
        ok["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .ends_with("/SearchResults")
    );
}

/// Every posting as comparable values.
async fn postings_snapshot(app: &TestApp) -> Vec<(String, i64, i32, i64, String, i32, i32)> {
    use sea_orm::ConnectionTrait;
    let backend = app.ctx.db.get_database_backend();
    app.ctx
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT term, product_id, score, price_fen, category_code, \
             CASE WHEN sme THEN 1 ELSE 0 END AS s, CASE WHEN visible THEN 1 ELSE 0 END AS v \
             FROM search_postings ORDER BY term, product_id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "term").unwrap(),
                r.try_get("", "product_id").unwrap(),
                r.try_get("", "score").unwrap(),
                r.try_get("", "price_fen").unwrap(),
                r.try_get("", "category_code").unwrap(),
                r.try_get("", "s").unwrap(),
                r.try_get("", "v").unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_migration_fills_the_postings_of_existing_products() {
    use gpmall_migrations::{Migrator, MigratorTrait};
    let app = TestApp::spawn().await;
    let mine = list(
        &app,
        "supplier3",
        json!({"name": "qzvmig 碎纸机", "price": "300.00"}),
    )
    .await;
    review(&app, mine, "delist", json!({"reason": "资质到期"})).await;
    app.penalize("supplier5").await;
    let before = postings_snapshot(&app).await;
    assert!(before.len() > 1_000);
    assert!(before.iter().any(|p| p.6 == 0), "some postings are hidden");
    // Back to before the postings table, then forward again: migration 7 fills it with the
    // tokenizer of its day, and migrating rewrites that for the current one.
    Migrator::down(&app.ctx.db, Some(2)).await.unwrap();
    gpmall::app::migrate(&app.ctx.db).await.unwrap();
    let after = postings_snapshot(&app).await;
    assert_eq!(before.len(), after.len());
    assert!(
        before == after,
        "the backfill matches what the service wrote"
    );
    let r = app.search("q=qzvmig&per_page=23").await;
    assert_eq!(r.body["total"], 0);
}

/// Postings written by an older tokenizer are rewritten once, by whichever instance migrates
/// first; until then a word of three characters finds nothing.
#[tokio::test]
async fn migrating_rewrites_postings_of_an_older_tokenizer_once() {
    use gpmall_mall::repo::search::bring_index_up_to_date;
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let id = list(
        &app,
        "supplier2",
        json!({"name": "qzvver 碎纸机 静音", "price": "500.00"}),
    )
    .await;
    let query = format!("q={}", urlencode("qzvver 碎纸机"));
    assert_eq!(app.search(&query).await.body["items"][0]["id"], id);
    assert_eq!(bring_index_up_to_date(&app.ctx.db).await.unwrap(), None);
    // As version 1 left it: no trigrams.
    for sql in [
        "DELETE FROM search_postings WHERE term = '碎纸机'",
        "UPDATE search_index_state SET tokenizer_version = 1",
    ] {
        app.ctx.db.execute_unprepared(sql).await.unwrap();
    }
    gpmall_mall::service::catalog_cache::invalidate(&app.ctx, None).await;
    assert_eq!(app.search(&query).await.body["total"], 0);
    let rewritten = bring_index_up_to_date(&app.ctx.db).await.unwrap();
    assert!(rewritten.is_some_and(|n| n > 300), "{rewritten:?}");
    assert_eq!(bring_index_up_to_date(&app.ctx.db).await.unwrap(), None);
    gpmall_mall::service::catalog_cache::invalidate(&app.ctx, None).await;
    let found = app.search(&query).await;
    assert_eq!(found.body["total"], 1, "{}", found.body);
    assert_eq!(found.body["items"][0]["id"], id);
}

/// Counts are shared by the searches of one catalogue generation (other pages, other orders);
/// a product change starts a new generation, and the next count includes the change.
#[tokio::test]
async fn shared_counts_follow_every_product_change() {
    let app = TestApp::spawn().await;
    let query = format!("q={}&per_page=2", urlencode("qzvshare 碎纸机"));
    for n in 0..3 {
        list(
            &app,
            "supplier1",
            json!({"name": format!("qzvshare 碎纸机 {n}号"), "price": "600.00"}),
        )
        .await;
    }
    let first = app.search(&query).await;
    assert_eq!(first.body["total"], 3, "{}", first.body);
    let by_price = app.search(&format!("{query}&sort=price_desc")).await;
    assert_eq!(by_price.body["total"], 3);
    let fourth = list(
        &app,
        "supplier2",
        json!({"name": "qzvshare 碎纸机 四号", "price": "650.00"}),
    )
    .await;
    let after = app.search(&query).await;
    assert_eq!(after.body["total"], 4, "{}", after.body);
    review(&app, fourth, "delist", json!({"reason": "停产"})).await;
    assert_eq!(app.search(&query).await.body["total"], 3);
}
