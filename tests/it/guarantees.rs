//! Guarantee letters: registered when the issuer's signature verifies (SM2 and RSA demo
//! issuers), refused when tampered; claims within validity, release, expiry warnings and
//! expiry; tenants see only their own letters; a verified letter stands in for a deposit.

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use gpmall::guarantee_cli::{demo_issuer_key, sign_letter};
use gpmall_platform::Money;
use gpmall_settlement::domain::guarantee::{
    Algorithm, DepositPurpose, IssuerSigningKey, LetterKind,
};
use gpmall_settlement::service::guarantees::{
    DEMO_RSA_ISSUER, DEMO_SM2_ISSUER, NewLetter, usable_as_deposit,
};
use serde_json::{Value, json};

use crate::support::{TestApp, start_time};

const LETTERS: &str = "/api/v1/guarantee-letters";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn org_of(app: &TestApp, token: &str) -> i64 {
    let me = app.get("/api/v1/auth/me", Some(token)).await;
    me.assert_status(StatusCode::OK);
    me.body["org_id"].as_i64().unwrap()
}

/// The parties of most tests: buyer1's unit in favour of which supplier1 applies.
struct Parties {
    buyer: String,
    supplier: String,
    buyer_org: i64,
    supplier_org: i64,
}

async fn parties(app: &TestApp) -> Parties {
    let buyer = app.login("buyer1").await;
    let supplier = app.login("supplier1").await;
    Parties {
        buyer_org: org_of(app, &buyer).await,
        supplier_org: org_of(app, &supplier).await,
        buyer,
        supplier,
    }
}

fn letter(p: &Parties, issuer: &str, letter_no: &str, amount: &str, until: &str) -> NewLetter {
    NewLetter {
        issuer: issuer.to_owned(),
        letter_no: letter_no.to_owned(),
        kind: LetterKind::Bid,
        beneficiary_org_id: p.buyer_org,
        applicant_org_id: p.supplier_org,
        amount: amount.parse().unwrap(),
        valid_from: day("2026-03-01"),
        valid_until: day(until),
        project_ref: Some("JBCG-2026-017".to_owned()),
        signature: String::new(),
    }
}

/// Signs as the demo issuer, exactly as `gpmall guarantee issue` does.
fn signed(letter: NewLetter) -> NewLetter {
    let key = demo_issuer_key(&letter.issuer).expect("a demo issuer");
    sign_letter(&key, letter).unwrap()
}

fn body(letter: &NewLetter) -> Value {
    serde_json::to_value(letter).unwrap()
}

/// Registers a letter signed by the SM2 demo bank and returns its id.
async fn registered(app: &TestApp, p: &Parties, letter_no: &str, until: &str) -> i64 {
    let r = app
        .post(
            LETTERS,
            Some(&p.supplier),
            &body(&signed(letter(
                p,
                DEMO_SM2_ISSUER,
                letter_no,
                "20000.00",
                until,
            ))),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    r.body["id"].as_i64().unwrap()
}

async fn open_warnings(app: &TestApp, token: &str, letter_id: i64) -> Vec<Value> {
    let r = app.get("/api/v1/warnings?open=true", Some(token)).await;
    r.assert_status(StatusCode::OK);
    let subject = letter_id.to_string();
    r.body
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| {
            w["rule"] == "guarantee_expiring"
                && w["subject_type"] == "guarantee_letter"
                && w["subject_id"] == subject.as_str()
        })
        .cloned()
        .collect()
}

async fn scan(app: &TestApp) -> Value {
    let operator = app.login("operator").await;
    let r = app
        .post(&format!("{LETTERS}/scan"), Some(&operator), &json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    r.body.clone()
}

#[tokio::test]
async fn letters_signed_by_each_demo_issuer_verify() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;

    let issuers = app
        .get("/api/v1/guarantee-issuers", Some(&p.supplier))
        .await;
    issuers.assert_status(StatusCode::OK);
    let by_name = |name: &str| {
        issuers
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} is seeded: {}", issuers.body))
    };
    assert_eq!(by_name(DEMO_SM2_ISSUER)["algorithm"], "sm2");
    assert_eq!(by_name(DEMO_SM2_ISSUER)["kind"], "bank");
    assert_eq!(by_name(DEMO_RSA_ISSUER)["algorithm"], "rsa");
    assert_eq!(by_name(DEMO_RSA_ISSUER)["kind"], "guarantee_company");

    let sm2 = app
        .post(
            LETTERS,
            Some(&p.supplier),
            &body(&signed(letter(
                &p,
                DEMO_SM2_ISSUER,
                "JB-2026-0001",
                "20000.00",
                "2026-09-30",
            ))),
        )
        .await;
    sm2.assert_status(StatusCode::CREATED);
    assert_eq!(sm2.body["status"], "verified");
    assert_eq!(sm2.body["issuer"], DEMO_SM2_ISSUER);
    assert_eq!(sm2.body["algorithm"], "sm2");
    assert_eq!(sm2.body["amount"], "20000.00");
    assert_eq!(sm2.body["valid_until"], "2026-09-30");
    // 2026-03-02 to 2026-09-30.
    assert_eq!(sm2.body["days_to_expiry"], 212);
    assert_eq!(sm2.body["beneficiary_org_id"], p.buyer_org);

    let mut performance = letter(
        &p,
        DEMO_RSA_ISSUER,
        "SX-BH-2026-88",
        "80000.00",
        "2027-03-31",
    );
    performance.kind = LetterKind::Performance;
    performance.project_ref = None;
    let rsa = app
        .post(LETTERS, Some(&p.supplier), &body(&signed(performance)))
        .await;
    rsa.assert_status(StatusCode::CREATED);
    assert_eq!(rsa.body["status"], "verified");
    assert_eq!(rsa.body["algorithm"], "rsa");
    assert_eq!(rsa.body["kind"], "performance");
    assert!(rsa.body["project_ref"].is_null());

    // Each party lists the letter; others do not.
    for (user, expected) in [
        ("supplier1", 2),
        ("buyer1", 2),
        ("operator", 2),
        ("regulator", 2),
        ("supplier2", 0),
        ("buyer2", 0),
    ] {
        let token = app.login(user).await;
        let list = app.get(LETTERS, Some(&token)).await;
        list.assert_status(StatusCode::OK);
        assert_eq!(list.body["total"], expected, "{user}: {}", list.body);
    }
    let list = app.get(LETTERS, Some(&p.buyer)).await;
    assert_eq!(
        list.body["items"][0]["letter_no"], "JB-2026-0001",
        "soonest expiry first"
    );
    let verified = app
        .get(&format!("{LETTERS}?status=claimed"), Some(&p.buyer))
        .await;
    assert_eq!(verified.body["total"], 0);

    // The same letter twice is refused.
    app.post(
        LETTERS,
        Some(&p.supplier),
        &body(&signed(letter(
            &p,
            DEMO_SM2_ISSUER,
            "JB-2026-0001",
            "20000.00",
            "2026-09-30",
        ))),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "LETTER_EXISTS");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'guarantee_letter.registered'")
            .await,
        2
    );
}

#[tokio::test]
async fn tampered_or_foreign_letters_are_refused_and_not_stored() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    let good = signed(letter(
        &p,
        DEMO_SM2_ISSUER,
        "JB-2026-0002",
        "20000.00",
        "2026-09-30",
    ));
    let good_rsa = signed(letter(
        &p,
        DEMO_RSA_ISSUER,
        "SX-2026-0002",
        "20000.00",
        "2026-09-30",
    ));

    let mut more = good.clone();
    more.amount = "200000.00".parse().unwrap();
    let mut longer = good.clone();
    longer.valid_until = day("2027-09-30");
    let mut renumbered = good.clone();
    renumbered.letter_no = "JB-2026-0003".to_owned();
    let mut rsa_more = good_rsa.clone();
    rsa_more.amount = "20000.01".parse().unwrap();
    // Signed by the RSA guarantee company but presented as the SM2 bank's.
    let mut wrong_issuer = good_rsa.clone();
    wrong_issuer.issuer = DEMO_SM2_ISSUER.to_owned();
    let mut garbage = good.clone();
    garbage.signature = "bm90IGEgc2lnbmF0dXJl".to_owned();
    for tampered in [more, longer, renumbered, rsa_more, wrong_issuer, garbage] {
        let r = app.post(LETTERS, Some(&p.supplier), &body(&tampered)).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "SIGNATURE_INVALID");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("does not match") || message.contains("not an encoded"),
            "{message}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM guarantee_letters").await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'guarantee_letter.refused'")
            .await,
        6
    );

    // Other refusals name what is wrong.
    let mut unknown_issuer = good.clone();
    unknown_issuer.issuer = "某某银行".to_owned();
    app.post(LETTERS, Some(&p.supplier), &body(&unknown_issuer))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ISSUER_NOT_REGISTERED");
    let supplier2 = app.login("supplier2").await;
    app.post(LETTERS, Some(&supplier2), &body(&good))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    app.post(LETTERS, Some(&p.buyer), &body(&good))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let mut with_status = body(&good);
    with_status["status"] = json!("claim_paid");
    app.post(LETTERS, Some(&p.supplier), &with_status)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let expired = signed(letter(
        &p,
        DEMO_SM2_ISSUER,
        "JB-2025-0001",
        "20000.00",
        "2026-03-01",
    ));
    app.post(LETTERS, Some(&p.supplier), &body(&expired))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    let mut to_supplier = letter(
        &p,
        DEMO_SM2_ISSUER,
        "JB-2026-0004",
        "20000.00",
        "2026-09-30",
    );
    to_supplier.beneficiary_org_id = org_of(&app, &supplier2).await;
    app.post(LETTERS, Some(&p.supplier), &body(&signed(to_supplier)))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM guarantee_letters").await,
        0
    );

    // The untouched letters verify.
    app.post(LETTERS, Some(&p.supplier), &body(&good))
        .await
        .assert_status(StatusCode::CREATED);
    app.post(LETTERS, Some(&p.supplier), &body(&good_rsa))
        .await
        .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn a_claim_within_validity_is_recorded_and_its_result_tracked() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    let id = registered(&app, &p, "JB-2026-0010", "2026-09-30").await;
    let claim = format!("{LETTERS}/{id}/claim");

    app.post(
        &claim,
        Some(&p.buyer),
        &json!({"amount": "20000.01", "reason": "中标后拒签合同"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    app.post(
        &claim,
        Some(&p.buyer),
        &json!({"amount": "100.00", "reason": " "}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    // The applicant cannot claim under its own letter.
    app.post(
        &claim,
        Some(&p.supplier),
        &json!({"amount": "100.00", "reason": "x"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");

    app.clock.advance(Duration::days(30));
    let buyer = app.login("buyer1").await;
    let r = app
        .post(
            &claim,
            Some(&buyer),
            &json!({"amount": "15000.00", "reason": "中标后无正当理由拒签合同"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "claimed");
    assert_eq!(r.body["claim"]["amount"], "15000.00");
    assert_eq!(r.body["claim"]["claimed_on"], "2026-04-01");
    assert!(r.body["claim"]["result_on"].is_null());
    assert!(r.body["days_to_expiry"].is_null());
    // Once claimed, neither a second claim nor a release.
    app.post(
        &claim,
        Some(&buyer),
        &json!({"amount": "1.00", "reason": "again"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    app.post(&format!("{LETTERS}/{id}/release"), Some(&buyer), &json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");

    // The operator records the issuer's answer.
    let result = format!("{LETTERS}/{id}/claim-result");
    app.post(&result, Some(&buyer), &json!({"paid": true}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let operator = app.login("operator").await;
    let r = app
        .post(
            &result,
            Some(&operator),
            &json!({"paid": true, "note": "银行已于4月3日付款"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "claim_paid");
    assert_eq!(r.body["claim"]["result_on"], "2026-04-01");
    app.post(&result, Some(&operator), &json!({"paid": false}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let supplier = app.login("supplier1").await;
    let seen = app.get(&format!("{LETTERS}/{id}"), Some(&supplier)).await;
    assert_eq!(seen.body["status"], "claim_paid");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE subject_type = 'guarantee_letter' AND action IN ('guarantee_letter.claimed', 'guarantee_letter.claim_result')")
            .await,
        2
    );

    // A refused claim is tracked too.
    let p = parties(&app).await;
    let other = registered(&app, &p, "JB-2026-0011", "2026-09-30").await;
    app.post(
        &format!("{LETTERS}/{other}/claim"),
        Some(&buyer),
        &json!({"amount": "20000.00", "reason": "未履约"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let r = app
        .post(
            &format!("{LETTERS}/{other}/claim-result"),
            Some(&operator),
            &json!({"paid": false, "note": "索赔材料不符"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "claim_refused");
    assert_eq!(r.body["claim"]["result_note"], "索赔材料不符");
}

#[tokio::test]
async fn expiry_warns_30_days_before_then_expires_and_refuses_late_claims() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    // Valid until 2026-05-31: the warning window opens on 2026-05-01.
    let id = registered(&app, &p, "JB-2026-0020", "2026-05-31").await;
    assert!(open_warnings(&app, &p.supplier, id).await.is_empty());

    app.clock.set(start_time() + Duration::days(59)); // 2026-04-30: 31 days left
    assert_eq!(scan(&app).await["expiring"], 0);
    let supplier = app.login("supplier1").await;
    assert!(open_warnings(&app, &supplier, id).await.is_empty());

    app.clock.advance(Duration::days(1)); // 2026-05-01: 30 days left
    assert_eq!(scan(&app).await["expiring"], 1);
    let supplier = app.login("supplier1").await;
    let warnings = open_warnings(&app, &supplier, id).await;
    assert_eq!(warnings.len(), 1, "the applicant is warned");
    assert_eq!(warnings[0]["due_on"], "2026-05-31");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("JB-2026-0020"),
        "{}",
        warnings[0]
    );
    let buyer = app.login("buyer1").await;
    assert_eq!(
        open_warnings(&app, &buyer, id).await.len(),
        1,
        "the beneficiary sees it"
    );
    let buyer2 = app.login("buyer2").await;
    assert!(open_warnings(&app, &buyer2, id).await.is_empty());
    let letter = app.get(&format!("{LETTERS}/{id}"), Some(&supplier)).await;
    assert_eq!(letter.body["days_to_expiry"], 30);
    // Scanning again changes nothing.
    assert_eq!(scan(&app).await["expiring"], 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM warnings WHERE rule = 'guarantee_expiring'")
            .await,
        1
    );

    // On the last valid day a claim is still in time; the day after it is not.
    app.clock.set(start_time() + Duration::days(91)); // 2026-06-01
    let buyer = app.login("buyer1").await;
    app.post(
        &format!("{LETTERS}/{id}/claim"),
        Some(&buyer),
        &json!({"amount": "20000.00", "reason": "未履约"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    let scanned = scan(&app).await;
    assert_eq!(scanned["expired"], 1);
    assert_eq!(scanned["expiring"], 0);
    let letter = app.get(&format!("{LETTERS}/{id}"), Some(&buyer)).await;
    assert_eq!(letter.body["status"], "expired");
    assert_eq!(letter.body["expired_on"], "2026-06-01");
    assert!(
        open_warnings(&app, &buyer, id).await.is_empty(),
        "resolved at expiry"
    );
    assert_eq!(scan(&app).await["expired"], 0, "idempotent");
    app.post(&format!("{LETTERS}/{id}/release"), Some(&buyer), &json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
}

#[tokio::test]
async fn release_ends_the_letter_and_resolves_its_warning() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    // Registered 20 days before its end: the warning opens at once.
    let id = registered(&app, &p, "JB-2026-0030", "2026-03-22").await;
    assert_eq!(open_warnings(&app, &p.supplier, id).await.len(), 1);

    // Only the beneficiary releases.
    app.post(
        &format!("{LETTERS}/{id}/release"),
        Some(&p.supplier),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let r = app
        .post(
            &format!("{LETTERS}/{id}/release"),
            Some(&p.buyer),
            &json!({"note": "合同已签订"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "released");
    assert_eq!(r.body["released_on"], "2026-03-02");
    assert_eq!(r.body["release_note"], "合同已签订");
    assert!(open_warnings(&app, &p.supplier, id).await.is_empty());
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM warnings WHERE rule = 'guarantee_expiring' AND state = 'resolved'"
        )
        .await,
        1
    );
    assert_eq!(
        scan(&app).await["expiring"],
        0,
        "a released letter is not warned about"
    );

    // Released is final.
    app.post(
        &format!("{LETTERS}/{id}/release"),
        Some(&p.buyer),
        &json!({}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    app.post(
        &format!("{LETTERS}/{id}/claim"),
        Some(&p.buyer),
        &json!({"amount": "1.00", "reason": "x"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    // The refusal says why, in the reader's language, from the one transition function.
    let r = app
        .request(
            axum::http::Method::POST,
            &format!("{LETTERS}/{id}/claim"),
            Some(&p.buyer),
            Some(&json!({"amount": "1.00", "reason": "未履约"})),
            &[("accept-language", "zh-CN")],
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "INVALID_TRANSITION");
    assert_eq!(
        r.body["error"]["message"],
        "该保函状态为“已解除”，已经终结，不能索赔。"
    );
    // A release needs no body at all.
    let other = registered(&app, &p, "JB-2026-0031", "2026-09-30").await;
    let r = app
        .request(
            axum::http::Method::POST,
            &format!("{LETTERS}/{other}/release"),
            Some(&p.buyer),
            None,
            &[],
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert!(r.body["release_note"].is_null());
}

#[tokio::test]
async fn other_tenants_get_404() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    let id = registered(&app, &p, "JB-2026-0040", "2026-09-30").await;
    let buyer2 = app.login("buyer2").await;
    let supplier2 = app.login("supplier2").await;
    // Another unit does not see the letter; a supplier may not release or claim at all.
    for (token, status, code) in [
        (&buyer2, StatusCode::NOT_FOUND, "NOT_FOUND"),
        (&supplier2, StatusCode::FORBIDDEN, "FORBIDDEN"),
    ] {
        app.get(&format!("{LETTERS}/{id}"), Some(token))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
        app.post(&format!("{LETTERS}/{id}/release"), Some(token), &json!({}))
            .await
            .assert_error(status, code);
        app.post(
            &format!("{LETTERS}/{id}/claim"),
            Some(token),
            &json!({"amount": "1.00", "reason": "x"}),
        )
        .await
        .assert_error(status, code);
    }
    app.get(&format!("{LETTERS}/{}", id + 1000), Some(&p.buyer))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.get(&format!("{LETTERS}/{id}"), None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    app.post(&format!("{LETTERS}/scan"), Some(&p.supplier), &json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let letter = app.get(&format!("{LETTERS}/{id}"), Some(&p.buyer)).await;
    assert_eq!(letter.body["status"], "verified");
}

#[tokio::test]
async fn the_operator_registers_issuers_whose_letters_then_verify() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    let operator = app.login("operator").await;
    let key = IssuerSigningKey::generate(Algorithm::Sm2);
    let issuer = json!({"name": "重庆农村商业银行江北支行", "kind": "bank", "algorithm": "sm2",
                        "public_key_pem": key.public_key_pem().unwrap()});
    app.post("/api/v1/guarantee-issuers", Some(&p.supplier), &issuer)
        .await
        .assert_error(StatusCode::FORBIDDEN, "FORBIDDEN");
    let mut mismatched = issuer.clone();
    mismatched["algorithm"] = json!("rsa");
    app.post("/api/v1/guarantee-issuers", Some(&operator), &mismatched)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "KEY_INVALID");
    let mut bad_code = issuer.clone();
    bad_code["credit_code"] = json!("not-a-credit-code");
    app.post("/api/v1/guarantee-issuers", Some(&operator), &bad_code)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "CREDIT_CODE_INVALID");
    let r = app
        .post("/api/v1/guarantee-issuers", Some(&operator), &issuer)
        .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["algorithm"], "sm2");
    app.post("/api/v1/guarantee-issuers", Some(&operator), &issuer)
        .await
        .assert_error(StatusCode::CONFLICT, "ISSUER_EXISTS");
    let listed = app.get("/api/v1/guarantee-issuers", Some(&p.buyer)).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 3);

    let mut unsigned = letter(
        &p,
        "重庆农村商业银行江北支行",
        "CQRCB-1",
        "5000.00",
        "2026-12-31",
    );
    unsigned.kind = LetterKind::Prepayment;
    let own = sign_letter(&key, unsigned.clone()).unwrap();
    let r = app.post(LETTERS, Some(&p.supplier), &body(&own)).await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.body["kind"], "prepayment");
    // The demo bank's signature does not pass for the new bank.
    let mut foreign = unsigned;
    foreign.letter_no = "CQRCB-2".to_owned();
    foreign.signature = sign_letter(&demo_issuer_key(DEMO_SM2_ISSUER).unwrap(), foreign.clone())
        .unwrap()
        .signature;
    app.post(LETTERS, Some(&p.supplier), &body(&foreign))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "SIGNATURE_INVALID");
}

#[tokio::test]
async fn a_verified_letter_stands_in_for_a_deposit_of_the_same_purpose_and_amount() {
    let app = TestApp::spawn().await;
    let p = parties(&app).await;
    let id = registered(&app, &p, "JB-2026-0050", "2026-09-30").await;
    let db = &app.ctx.db;
    let on = day("2026-03-10");
    let yuan = |s: &str| s.parse::<Money>().unwrap();
    let usable =
        |supplier: i64, beneficiary: i64, purpose: DepositPurpose, amount: &str, on: NaiveDate| {
            usable_as_deposit(db, id, supplier, beneficiary, purpose, yuan(amount), on)
        };
    assert!(
        usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            "20000.00",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            "15000.00",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        !usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            "20000.01",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        !usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Performance,
            "20000.00",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        !usable(
            p.supplier_org + 1,
            p.buyer_org,
            DepositPurpose::Bid,
            "20000.00",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        !usable(
            p.supplier_org,
            p.buyer_org + 1,
            DepositPurpose::Bid,
            "20000.00",
            on
        )
        .await
        .unwrap()
    );
    assert!(
        !usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            "20000.00",
            day("2026-10-01")
        )
        .await
        .unwrap()
    );
    assert!(
        !usable_as_deposit(
            db,
            id + 1000,
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            yuan("1.00"),
            on
        )
        .await
        .unwrap()
    );
    app.post(
        &format!("{LETTERS}/{id}/release"),
        Some(&p.buyer),
        &json!({}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert!(
        !usable(
            p.supplier_org,
            p.buyer_org,
            DepositPurpose::Bid,
            "20000.00",
            on
        )
        .await
        .unwrap()
    );
}
