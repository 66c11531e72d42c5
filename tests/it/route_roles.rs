//! Who may call which route: every operation in the OpenAPI document, tried by every role,
//! against the table below. The table is the specification; a route added to the document
//! without a row fails the test.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;

/// Every operation and the roles that may call it; the others get 401 (anonymous) or 403.
/// The roles, one user each: anonymous (`A`), a buyer without the finance role (`B`), a finance
/// officer without the buyer role (`F`), a supplier's seller (`S`), the operator (`O`) and the
/// regulator (`R`). `*` means anyone, logged in or not.
const TABLE: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/auth/login", "*"),
    ("POST", "/api/v1/auth/logout", "BFSOR"),
    ("GET", "/api/v1/auth/me", "BFSOR"),
    ("POST", "/api/v1/admin/organizations", "O"),
    ("POST", "/api/v1/admin/users", "O"),
    // Catalogue: public reading, the operator sets limits.
    ("GET", "/api/v1/catalog/categories", "*"),
    ("PUT", "/api/v1/catalog/categories/{code}/limit", "O"),
    ("GET", "/api/v1/catalog/products", "*"),
    ("GET", "/api/v1/catalog/products/{id}", "*"),
    // A supplier's own listings.
    ("GET", "/api/v1/supplier/products", "S"),
    ("POST", "/api/v1/supplier/products", "S"),
    ("GET", "/api/v1/supplier/products/{id}", "S"),
    ("PATCH", "/api/v1/supplier/products/{id}", "S"),
    ("POST", "/api/v1/supplier/products/{id}/{action}", "S"),
    ("GET", "/api/v1/supplier/products/{id}/price-history", "S"),
    // The operator's review queue.
    ("GET", "/api/v1/review/products", "O"),
    ("POST", "/api/v1/review/products/{id}/{action}", "O"),
    ("GET", "/api/v1/review/price-changes", "O"),
    ("POST", "/api/v1/review/products/{id}/price/{decision}", "O"),
    // Budgets: the unit's staff read their own and supervision every unit's; the finance
    // officer or the operator keeps them.
    ("GET", "/api/v1/budgets", "BFOR"),
    ("GET", "/api/v1/budgets/{id}", "BFOR"),
    ("GET", "/api/v1/purchasing-units", "OR"),
    ("POST", "/api/v1/budgets", "FO"),
    ("POST", "/api/v1/budgets/{id}/adjustments", "FO"),
    // Buying.
    ("GET", "/api/v1/cart", "B"),
    ("POST", "/api/v1/cart", "B"),
    ("PUT", "/api/v1/cart/{product_id}", "B"),
    ("DELETE", "/api/v1/cart/{product_id}", "B"),
    ("POST", "/api/v1/orders", "B"),
    ("GET", "/api/v1/orders", "BFSOR"),
    ("GET", "/api/v1/orders/{id}", "BFSOR"),
    ("POST", "/api/v1/orders/{id}/{action}", "BS"),
    // Settlement.
    ("GET", "/api/v1/contracts", "BFSOR"),
    ("GET", "/api/v1/contracts/{id}", "BFSOR"),
    ("GET", "/api/v1/payments-due", "BFSOR"),
    ("POST", "/api/v1/contracts/{id}/payments", "BF"),
    ("POST", "/api/v1/contracts/{id}/disputes", "BF"),
    (
        "POST",
        "/api/v1/contracts/{id}/disputes/{dispute_id}/{action}",
        "BFSO",
    ),
    ("POST", "/api/v1/contracts/{id}/publish", "B"),
    ("POST", "/api/v1/contracts/{id}/milestones", "B"),
    ("POST", "/api/v1/contracts/{id}/performance-deposit", "BF"),
    ("GET", "/api/v1/settlement/payment-performance", "BFOR"),
    ("GET", "/api/v1/settlement/collection-account", "S"),
    ("PUT", "/api/v1/settlement/collection-account", "S"),
    ("GET", "/api/v1/settlement/reference-rates", "BFSOR"),
    ("POST", "/api/v1/settlement/reference-rates", "O"),
    ("PUT", "/api/v1/settlement/default-terms/{category}", "O"),
    ("GET", "/api/v1/warnings", "BFSOR"),
    ("POST", "/api/v1/settlement/scan", "OR"),
    // Procedures and deposits.
    ("GET", "/api/v1/procedures", "BFSOR"),
    ("POST", "/api/v1/procedures", "BO"),
    ("GET", "/api/v1/procedures/{id}", "BFSOR"),
    ("POST", "/api/v1/procedures/{id}/deposits", "BFO"),
    ("POST", "/api/v1/procedures/{id}/events", "BO"),
    ("GET", "/api/v1/deposits", "BFSOR"),
    ("GET", "/api/v1/deposits/{id}", "BFSOR"),
    ("POST", "/api/v1/deposits/{id}/forfeit", "BF"),
    ("POST", "/api/v1/deposits/{id}/refund", "BFO"),
    ("POST", "/api/v1/deposits/scan", "OR"),
    // Guarantee letters.
    ("GET", "/api/v1/guarantee-issuers", "BFSOR"),
    ("POST", "/api/v1/guarantee-issuers", "O"),
    ("GET", "/api/v1/guarantee-letters", "BFSOR"),
    ("POST", "/api/v1/guarantee-letters", "S"),
    ("GET", "/api/v1/guarantee-letters/{id}", "BFSOR"),
    ("POST", "/api/v1/guarantee-letters/{id}/release", "BF"),
    ("POST", "/api/v1/guarantee-letters/{id}/claim", "BF"),
    ("POST", "/api/v1/guarantee-letters/{id}/claim-result", "O"),
    ("POST", "/api/v1/guarantee-letters/scan", "OR"),
    // The working-day calendar: public reading, the operator loads years.
    ("GET", "/api/v1/calendar/add-working-days", "*"),
    ("GET", "/api/v1/calendar/is-working-day", "*"),
    ("GET", "/api/v1/calendar/years", "*"),
    ("GET", "/api/v1/calendar/years/{year}", "*"),
    ("PUT", "/api/v1/calendar/years/{year}", "O"),
    // Financing: the operator's bank registry, products compared, suppliers' applications.
    ("GET", "/api/v1/financing/banks", "OR"),
    ("POST", "/api/v1/financing/banks", "O"),
    ("POST", "/api/v1/financing/banks/{id}/keys", "O"),
    ("GET", "/api/v1/financing/products", "SOR"),
    ("POST", "/api/v1/financing/products", "O"),
    ("GET", "/api/v1/financing/applications", "SOR"),
    ("POST", "/api/v1/financing/applications", "S"),
    ("GET", "/api/v1/financing/applications/{id}", "SOR"),
    ("POST", "/api/v1/financing/applications/{id}/withdraw", "S"),
];

/// Values for a path parameter: every action of the parameter's enum, else a plausible id.
fn path_values(operation: &Value, name: &str, doc: &Value) -> Vec<String> {
    let parameter = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name && p["in"] == "path")
        .unwrap_or_else(|| panic!("path parameter {name} is not documented"));
    let mut schema = parameter["schema"].clone();
    if let Some(reference) = schema["$ref"].as_str().map(str::to_owned) {
        let name = reference.rsplit('/').next().unwrap();
        schema = doc["components"]["schemas"][name].clone();
        assert!(!schema.is_null(), "{reference} does not resolve");
    }
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
    }
    vec![
        match name {
            "code" | "category" => "A02010105",
            "year" => "2026",
            _ => "1",
        }
        .to_owned(),
    ]
}

#[tokio::test]
async fn every_route_checks_the_role_as_the_table_says() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let buyer1 = app.login("buyer1").await;
    let unit = app.get("/api/v1/auth/me", Some(&buyer1)).await.body["org_id"].clone();
    for (username, role) in [("buyer-only", "buyer"), ("finance-only", "finance")] {
        app.post(
            "/api/v1/admin/users",
            Some(&operator),
            &json!({"org_id": unit, "username": username, "display_name": username,
                    "password": gpmall::seed::DEMO_PASSWORD, "roles": [role]}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let mut tokens = Vec::new();
    for (role, username) in [
        ('B', "buyer-only"),
        ('F', "finance-only"),
        ('S', "supplier1"),
        ('O', "operator"),
        ('R', "regulator"),
    ] {
        tokens.push((role, Some(app.login(username).await)));
    }
    tokens.insert(0, ('A', None));

    let doc = app.get("/openapi.json", None).await.body;
    let mut documented = BTreeSet::new();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            documented.insert((method.to_uppercase(), path.clone()));
            operations.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    let specified: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented.difference(&specified).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes in the document without a row in the table"
    );
    assert_eq!(
        specified.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows in the table for routes the document does not have"
    );
    // Logging out ends the session the rest of the walk uses, so it goes last.
    operations.sort_by_key(|(_, path, _)| path == "/api/v1/auth/logout");

    let mut wrong = Vec::new();
    for (method, path, operation) in &operations {
        let allowed = TABLE
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .unwrap()
            .2;
        let mut uris = vec![path.clone()];
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let values = path_values(operation, name, &doc);
            uris = uris
                .iter()
                .flat_map(|uri| {
                    values
                        .iter()
                        .map(move |v| uri.replace(&format!("{{{name}}}"), v))
                })
                .collect();
        }
        for uri in &uris {
            walk(&app, &tokens, method, uri, operation, allowed, &mut wrong).await;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} results differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Sends one request per role and notes every result that differs from `allowed`.
async fn walk(
    app: &TestApp,
    tokens: &[(char, Option<String>)],
    method: &str,
    uri: &str,
    operation: &Value,
    allowed: &str,
    wrong: &mut Vec<String>,
) {
    for (role, token) in tokens {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(uri)
            .header("idempotency-key", format!("walk-{role}-{method}-{uri}"));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        // A body the role guard must not need to read: a purchaser sending nonsense to an
        // operator's route is refused for its role, not its body.
        let request = if operation.get("requestBody").is_some() {
            request
                .header("content-type", "application/json")
                .body(Body::from("{\"not\": \"what this route takes\""))
        } else {
            request.body(Body::empty())
        }
        .unwrap();
        let status = app.send(request).await.status;
        let may = allowed == "*" || allowed.contains(*role);
        let expected_refusal = if *role == 'A' {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::FORBIDDEN
        };
        let ok = if may {
            status != StatusCode::UNAUTHORIZED
                && status != StatusCode::FORBIDDEN
                && !status.is_server_error()
        } else {
            status == expected_refusal
        };
        if !ok {
            wrong.push(format!(
                "{role} {method} {uri}: {status} (allowed: {allowed})"
            ));
        }
    }
}

/// Every `$ref` in `value`, with where it was found.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref"
                    && let Some(target) = inner.as_str()
                {
                    out.push((at.clone(), target));
                }
                refs(inner, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                refs(inner, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_document_resolves_and_lists_every_error_status() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await.body;
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(found.len() > 100, "the document has its references");
    let dangling: Vec<String> = found
        .iter()
        .filter(|(_, target)| {
            let pointer = target.strip_prefix('#').unwrap_or("?");
            doc.pointer(pointer).is_none()
        })
        .map(|(at, target)| format!("{at} -> {target}"))
        .collect();
    assert!(dangling.is_empty(), "dangling $refs: {dangling:#?}");

    let mut missing = Vec::new();
    for (method, path, allowed) in TABLE {
        let operation = &doc["paths"][path][method.to_lowercase()];
        let responses = &operation["responses"];
        let mut expected = Vec::new();
        if operation.get("parameters").is_some() || operation.get("requestBody").is_some() {
            expected.push("400");
        }
        if *allowed != "*" {
            expected.push("401");
            if operation["security"][0].get("bearer").is_none() {
                missing.push(format!("{method} {path}: no bearer security requirement"));
            }
        }
        if *allowed != "*" && *allowed != "BFSOR" {
            expected.push("403");
        }
        if path.contains('{') {
            expected.push("404");
        }
        if operation.get("requestBody").is_some() {
            expected.extend(["413", "415"]);
        }
        for status in expected {
            if responses.get(status).is_none() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
        for (status, response) in responses.as_object().unwrap() {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if status.starts_with('4') && schema != "#/components/schemas/ErrorBody" {
                missing.push(format!("{method} {path}: {status} without the error body"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
    let limited = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"];
    assert!(limited["headers"].get("Retry-After").is_some());
}
