//! The signing code against an independent implementation: OpenSSL 3's command line computes
//! the HMAC, verifies our SM2 signatures and makes SM2 signatures that our code must accept.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use gpmall_financing::domain::signing::test_vectors::*;
use gpmall_financing::domain::signing::{
    HmacSecret, Key, KeyMaterial, KeyRing, Request, SM2_SIGNER_ID, SignatureHeaders,
    canonical_string,
};

/// True when OpenSSL 3 is on the PATH; otherwise says why the test is skipped, or fails the
/// test when GPMALL_REQUIRE_ALL is set (CI must not skip the oracle silently).
fn openssl_3(test: &str) -> bool {
    let version = Command::new("openssl").arg("version").output();
    let reason = match version {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text.starts_with("OpenSSL 3.") {
                return true;
            }
            format!("openssl is not version 3 ({})", text.trim())
        }
        _ => "openssl not installed".to_owned(),
    };
    if std::env::var_os("GPMALL_REQUIRE_ALL").is_some() {
        panic!("{test}: {reason}, and GPMALL_REQUIRE_ALL is set");
    }
    println!("skipping {test}: {reason}");
    false
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "gpmall-financing-{test}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs")
}

fn sign_with(ring: &KeyRing, request: &Request<'_>, nonce: &str) -> String {
    ring.sign(request, TIMESTAMP, nonce).unwrap().signature
}

fn ring(id: &str, material: KeyMaterial) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.rotate_in(Key::new(id, material).unwrap()).unwrap();
    ring
}

/// The vector requests plus one with a binary body and a query, so the oracle sees more than
/// the published cases.
fn requests() -> Vec<Request<'static>> {
    vec![
        vector_request(),
        vector_get_request(),
        Request {
            method: "POST",
            path: "/v1/payment-notices",
            query: "a=1&b=%E4%B8%AD",
            body: &[0, 159, 146, 150, 10, 13, 255],
        },
    ]
}

#[test]
fn hmac_equals_openssl_mac() {
    if !openssl_3("hmac_equals_openssl_mac") {
        return;
    }
    let dir = TempDir::new("hmac");
    let ring = ring(
        "k",
        KeyMaterial::Hmac(HmacSecret::from_hex(HMAC_SECRET_HEX).unwrap()),
    );
    for (i, request) in requests().iter().enumerate() {
        let canonical = canonical_string(request, TIMESTAMP, NONCE).unwrap();
        let msg = dir.write(&format!("msg{i}"), &canonical);
        let hexkey = format!("hexkey:{HMAC_SECRET_HEX}");
        let out = run(
            &[
                "mac",
                "-digest",
                "SHA256",
                "-macopt",
                &hexkey,
                "-in",
                msg.to_str().unwrap(),
                "HMAC",
            ],
            &dir.0,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = String::from_utf8(out.stdout).unwrap().trim().to_lowercase();
        assert_eq!(sign_with(&ring, request, NONCE), theirs, "{canonical}");
    }
}

#[test]
fn openssl_verifies_our_sm2_signatures() {
    if !openssl_3("openssl_verifies_our_sm2_signatures") {
        return;
    }
    let dir = TempDir::new("sm2-verify");
    let public = dir.write("pub.pem", SM2_PUBLIC_PEM);
    let ring = ring("k", KeyMaterial::sm2_private_hex(SM2_PRIVATE_HEX).unwrap());
    let mut cases: Vec<(String, String)> = requests()
        .iter()
        .map(|r| {
            (
                canonical_string(r, TIMESTAMP, NONCE).unwrap(),
                sign_with(&ring, r, NONCE),
            )
        })
        .collect();
    cases.push((
        canonical_string(&vector_request(), TIMESTAMP, NONCE).unwrap(),
        SM2_SIGNATURE_B64.to_owned(),
    ));
    for (i, (canonical, signature)) in cases.iter().enumerate() {
        let msg = dir.write(&format!("msg{i}"), canonical);
        let der = base64_decode(signature);
        let sig = dir.write(&format!("sig{i}.der"), &der);
        let verify = |distid: Option<&str>| {
            let distid = distid.map(|id| format!("distid:{id}"));
            let mut args = vec![
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                public.to_str().unwrap(),
                "-rawin",
                "-in",
                msg.to_str().unwrap(),
                "-sigfile",
                sig.to_str().unwrap(),
                "-digest",
                "sm3",
            ];
            if let Some(distid) = distid.as_deref() {
                args.extend(["-pkeyopt", distid]);
            }
            run(&args, &dir.0)
        };
        let out = verify(Some(SM2_SIGNER_ID));
        assert!(
            out.status.success(),
            "{canonical}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Without distid OpenSSL 3.0 hashes an empty signer id: the id must really be in ours.
        assert!(!verify(None).status.success(), "{canonical}");
    }
}

#[test]
fn our_code_verifies_openssl_sm2_signatures() {
    if !openssl_3("our_code_verifies_openssl_sm2_signatures") {
        return;
    }
    let dir = TempDir::new("sm2-sign");
    let private = dir.write("priv.pem", SM2_PRIVATE_PEM);
    let verifier = ring(
        "bank-b",
        KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap(),
    );
    for (i, request) in requests().iter().enumerate() {
        // OpenSSL picks a random k, so each run checks a fresh signature.
        let nonce = format!("oracle-nonce-{i}");
        let canonical = canonical_string(request, TIMESTAMP, &nonce).unwrap();
        let msg = dir.write(&format!("msg{i}"), &canonical);
        let sig = dir.0.join(format!("sig{i}.der"));
        let distid = format!("distid:{SM2_SIGNER_ID}");
        let out = run(
            &[
                "pkeyutl",
                "-sign",
                "-inkey",
                private.to_str().unwrap(),
                "-rawin",
                "-in",
                msg.to_str().unwrap(),
                "-out",
                sig.to_str().unwrap(),
                "-digest",
                "sm3",
                "-pkeyopt",
                &distid,
            ],
            &dir.0,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let signature = base64_encode(&std::fs::read(&sig).unwrap());
        let ts = TIMESTAMP.to_string();
        let headers = SignatureHeaders {
            key_id: Some("bank-b"),
            timestamp: Some(&ts),
            nonce: Some(&nonce),
            signature: Some(&signature),
        };
        let verified = verifier.verify(request, &headers, TIMESTAMP + 1);
        assert!(verified.is_ok(), "{canonical}\n{signature}: {verified:?}");
        let altered = Request {
            path: "/bank/v1/other",
            ..*request
        };
        assert!(verifier.verify(&altered, &headers, TIMESTAMP).is_err());
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const PARTNER_DOC: &str = include_str!("../../docs/bank-partner-api.md");

/// The fenced block right after `<!-- marker -->` in the partner doc, without its fences.
fn doc_block(marker: &str) -> &'static str {
    let tag = format!("<!-- {marker} -->");
    let start = PARTNER_DOC
        .find(&tag)
        .unwrap_or_else(|| panic!("the doc has no {tag}"));
    let after = &PARTNER_DOC[start..];
    let open = after.find("```").unwrap();
    let body_start = open + after[open..].find('\n').unwrap() + 1;
    let body_len = after[body_start..].find("\n```").unwrap();
    &after[body_start..body_start + body_len]
}

/// The value of the `X-GP-Signature:` line an example printed.
fn printed_signature(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("X-GP-Signature: "))
        .unwrap_or_else(|| panic!("no signature printed:\n{stdout}"))
        .to_owned()
}

fn python3(test: &str) -> bool {
    if Command::new("python3").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var_os("GPMALL_REQUIRE_ALL").is_some() {
        panic!("{test}: python3 not installed, and GPMALL_REQUIRE_ALL is set");
    }
    println!("skipping {test}: python3 not installed");
    false
}

/// The signing examples in docs/bank-partner-api.md run as printed and produce signatures
/// our code accepts: the HMAC ones equal the vector exactly.
#[test]
fn the_partner_doc_examples_sign_what_our_code_verifies() {
    let test = "the_partner_doc_examples_sign_what_our_code_verifies";
    if !openssl_3(test) {
        return;
    }
    let dir = TempDir::new("doc-examples");
    dir.write("sm2-private.pem", doc_block("vector:sm2-private-pem"));
    dir.write("sm2-public.pem", doc_block("vector:sm2-public-pem"));
    let sm2 = ring(
        SM2_KEY_ID,
        KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap(),
    );
    let ts = TIMESTAMP.to_string();
    let sm2_accepts = |signature: &str| {
        let headers = SignatureHeaders {
            key_id: Some(SM2_KEY_ID),
            timestamp: Some(&ts),
            nonce: Some(NONCE),
            signature: Some(signature),
        };
        sm2.verify(&vector_request(), &headers, TIMESTAMP).is_ok()
    };
    let shell = |name: &str| {
        let script = dir.write(&format!("{name}.sh"), doc_block(&format!("example:{name}")));
        Command::new("sh")
            .arg(&script)
            .current_dir(&dir.0)
            .output()
            .unwrap()
    };

    assert_eq!(printed_signature(&shell("shell-hmac")), HMAC_EXPECTED);
    let out = shell("shell-sm2");
    let signature = printed_signature(&out);
    assert!(sm2_accepts(&signature), "{signature}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));

    if !python3(test) {
        return;
    }
    let python = |name: &str| {
        let script = dir.write(&format!("{name}.py"), doc_block(&format!("example:{name}")));
        Command::new("python3")
            .arg(&script)
            .current_dir(&dir.0)
            .output()
            .unwrap()
    };
    assert_eq!(printed_signature(&python("python-hmac")), HMAC_EXPECTED);
    let signature = printed_signature(&python("python-sm2"));
    assert!(sm2_accepts(&signature), "{signature}");
}
