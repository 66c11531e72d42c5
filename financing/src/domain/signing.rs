//! Request signatures of the bank protocol, both ways: the canonical string, HMAC-SHA256 and
//! SM2-with-SM3 signing and verification, the ±300 s timestamp window and each bank's key ring.
//!
//! The canonical string is five lines joined by a single `\n` (no trailing newline):
//!
//! ```text
//! METHOD
//! PATH?QUERY          (just PATH when the query is empty)
//! TIMESTAMP           (Unix seconds, as sent in X-GP-Timestamp)
//! NONCE               (as sent in X-GP-Nonce)
//! hex(SHA-256(raw body)), lowercase
//! ```
//!
//! The query is the raw query string exactly as sent on the wire (not re-ordered or re-encoded),
//! so the receiver signs what it received. Replayed nonces are refused by the caller of
//! [`KeyRing::verify`], which returns the nonce it checked.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};

/// The SM2 signer id (distinguishing identifier) both sides use: the GM/T 0009 default.
pub const SM2_SIGNER_ID: &str = "1234567812345678";
/// How far a request's timestamp may be from the receiver's clock, either way.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Active keys per bank: during a rotation the old and the new key both verify.
pub const MAX_ACTIVE_KEYS: usize = 2;
/// The shortest HMAC shared secret accepted (SHA-256's output size).
pub const MIN_HMAC_SECRET_BYTES: usize = 32;
const MAX_NONCE_LEN: usize = 64;
const MAX_KEY_ID_LEN: usize = 64;

/// The names of the four signature headers.
pub mod header {
    pub const KEY_ID: &str = "X-GP-Key-Id";
    pub const TIMESTAMP: &str = "X-GP-Timestamp";
    pub const NONCE: &str = "X-GP-Nonce";
    pub const SIGNATURE: &str = "X-GP-Signature";
}

/// A signing scheme a bank is registered with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum Scheme {
    #[serde(rename = "hmac-sha256")]
    /// HMAC-SHA256 with a shared secret; the signature is lowercase hex.
    HmacSha256,
    /// SM2 with SM3 and the signer id [`SM2_SIGNER_ID`]; the signature is base64 of its DER.
    #[serde(rename = "sm2-sm3")]
    Sm2Sm3,
}

impl Scheme {
    /// The stable stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::HmacSha256 => "hmac-sha256",
            Scheme::Sm2Sm3 => "sm2-sm3",
        }
    }

    /// Parses a stored value; `None` for anything unknown (the caller reports it, never
    /// defaults).
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "hmac-sha256" => Some(Scheme::HmacSha256),
            "sm2-sm3" => Some(Scheme::Sm2Sm3),
            _ => None,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of an HTTP request that are signed, as they are on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Upper case, as sent: `POST`.
    pub method: &'a str,
    /// Starts with `/`, without the query.
    pub path: &'a str,
    /// The raw query string without the `?`; empty when there is none.
    pub query: &'a str,
    /// The raw body bytes; empty for a GET.
    pub body: &'a [u8],
}

/// What is wrong with a request's signature headers or signed parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedPart {
    /// A signature header is absent or empty; holds the header's name.
    MissingHeader(&'static str),
    /// X-GP-Timestamp is not Unix seconds written as decimal digits.
    Timestamp,
    /// X-GP-Nonce is longer than 64 characters or has characters other than
    /// letters, digits, `-`, `_` and `.`.
    Nonce,
    /// X-GP-Key-Id has characters other than letters, digits, `-`, `_` and `.`, or is too long.
    KeyId,
    /// X-GP-Signature is not lowercase hex of 32 bytes (HMAC) or base64 of a DER signature (SM2).
    SignatureEncoding,
    /// The method is not upper-case letters.
    Method,
    /// The path does not start with `/` or contains whitespace, `?` or `#`.
    Path,
    /// The query contains whitespace or `#`.
    Query,
}

impl MalformedPart {
    fn describe(self) -> &'static str {
        match self {
            MalformedPart::MissingHeader(_) => "a signature header is missing",
            MalformedPart::Timestamp => "the timestamp is not Unix seconds",
            MalformedPart::Nonce => {
                "the nonce is too long or has characters outside A-Z a-z 0-9 - _ ."
            }
            MalformedPart::KeyId => {
                "the key id is too long or has characters outside A-Z a-z 0-9 - _ ."
            }
            MalformedPart::SignatureEncoding => {
                "the signature is not encoded as the key's scheme requires"
            }
            MalformedPart::Method => "the method is not upper-case letters",
            MalformedPart::Path => "the path does not start with / or contains whitespace, ? or #",
            MalformedPart::Query => "the query contains whitespace or #",
        }
    }
}

impl fmt::Display for MalformedPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedPart::MissingHeader(name) => write!(f, "the header {name} is missing"),
            other => f.write_str(other.describe()),
        }
    }
}

/// Why a signed request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signed request is malformed: {0}")]
    Malformed(MalformedPart),
    #[error("the key id is not an active key of any registered bank")]
    UnknownKey,
    #[error("the timestamp is {skew_secs} s from the receiver's clock; at most 300 s is allowed")]
    StaleTimestamp { skew_secs: i64 },
    #[error("the signature does not match the request and the key")]
    BadSignature,
}

impl VerifyError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "SIGNATURE_MALFORMED",
            VerifyError::UnknownKey => "SIGNATURE_UNKNOWN_KEY",
            VerifyError::StaleTimestamp { .. } => "SIGNATURE_STALE_TIMESTAMP",
            VerifyError::BadSignature => "SIGNATURE_BAD",
        }
    }
}

impl From<MalformedPart> for VerifyError {
    fn from(part: MalformedPart) -> Self {
        VerifyError::Malformed(part)
    }
}

/// Why a key could not be registered or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the key id is empty, longer than 64 characters or has characters outside A-Z a-z 0-9 - _ ."
    )]
    BadKeyId,
    #[error("the HMAC secret has {0} bytes; at least 32 are required")]
    HmacSecretTooShort(usize),
    #[error("the text is not hex")]
    NotHex,
    #[error("the text is not a PEM SubjectPublicKeyInfo of an SM2 public key")]
    NotSm2PublicKey,
    #[error("the bytes are not an SM2 private key (32 bytes, non-zero, below the curve order)")]
    NotSm2PrivateKey,
    #[error("the key id {0} is already in the key ring")]
    DuplicateKeyId(String),
    #[error("the key ring has no key")]
    Empty,
    #[error("the newest key is a public key, which can verify but not sign")]
    CannotSign,
}

/// An HMAC shared secret; never printed.
#[derive(Clone)]
pub struct HmacSecret(Vec<u8>);

impl HmacSecret {
    /// A secret of at least [`MIN_HMAC_SECRET_BYTES`] bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, KeyError> {
        if bytes.len() < MIN_HMAC_SECRET_BYTES {
            return Err(KeyError::HmacSecretTooShort(bytes.len()));
        }
        Ok(HmacSecret(bytes))
    }

    /// A secret written as hex, as registered by the operator.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        Self::new(hex::decode(text.trim()).map_err(|_| KeyError::NotHex)?)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; the length was checked at construction.
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSecret(..)")
    }
}

/// What a key can do: an HMAC secret signs and verifies; an SM2 public key verifies a bank's
/// requests; an SM2 private key signs the platform's own.
#[derive(Clone)]
pub enum KeyMaterial {
    Hmac(HmacSecret),
    Sm2Public(Box<sm2::dsa::VerifyingKey>),
    Sm2Private(Box<sm2::dsa::SigningKey>),
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyMaterial::Hmac(_) => f.write_str("Hmac(..)"),
            KeyMaterial::Sm2Public(key) => {
                write!(f, "Sm2Public({})", hex::encode(key.to_sec1_bytes()))
            }
            KeyMaterial::Sm2Private(_) => f.write_str("Sm2Private(..)"),
        }
    }
}

impl KeyMaterial {
    /// An SM2 public key from PEM SubjectPublicKeyInfo.
    pub fn sm2_public_pem(pem: &str) -> Result<Self, KeyError> {
        let key = sm2::PublicKey::from_public_key_pem(pem.trim())
            .map_err(|_| KeyError::NotSm2PublicKey)?;
        let key = sm2::dsa::VerifyingKey::new(SM2_SIGNER_ID, key)
            .map_err(|_| KeyError::NotSm2PublicKey)?;
        Ok(KeyMaterial::Sm2Public(Box::new(key)))
    }

    /// An SM2 private key from PEM PKCS#8.
    pub fn sm2_private_pem(pem: &str) -> Result<Self, KeyError> {
        let secret =
            sm2::SecretKey::from_pkcs8_pem(pem.trim()).map_err(|_| KeyError::NotSm2PrivateKey)?;
        let key = sm2::dsa::SigningKey::new(SM2_SIGNER_ID, &secret)
            .map_err(|_| KeyError::NotSm2PrivateKey)?;
        Ok(KeyMaterial::Sm2Private(Box::new(key)))
    }

    /// An SM2 private key from the hex of its 32-byte scalar.
    pub fn sm2_private_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::NotHex)?;
        let key = sm2::dsa::SigningKey::from_slice(SM2_SIGNER_ID, &bytes)
            .map_err(|_| KeyError::NotSm2PrivateKey)?;
        Ok(KeyMaterial::Sm2Private(Box::new(key)))
    }

    pub fn scheme(&self) -> Scheme {
        match self {
            KeyMaterial::Hmac(_) => Scheme::HmacSha256,
            KeyMaterial::Sm2Public(_) | KeyMaterial::Sm2Private(_) => Scheme::Sm2Sm3,
        }
    }

    /// The SM2 public key as uncompressed SEC1 hex (`04‖X‖Y`), for publishing; `None` for HMAC.
    pub fn sm2_public_sec1_hex(&self) -> Option<String> {
        match self {
            KeyMaterial::Hmac(_) => None,
            KeyMaterial::Sm2Public(key) => Some(hex::encode(key.to_sec1_bytes())),
            KeyMaterial::Sm2Private(key) => Some(hex::encode(key.verifying_key().to_sec1_bytes())),
        }
    }

    /// Signs a canonical string; `CannotSign` for a public key.
    pub fn sign(&self, canonical: &str) -> Result<String, KeyError> {
        match self {
            KeyMaterial::Hmac(secret) => {
                let mut mac = secret.mac();
                mac.update(canonical.as_bytes());
                Ok(hex::encode(mac.finalize().into_bytes()))
            }
            KeyMaterial::Sm2Private(key) => {
                let signature: sm2::dsa::Signature = key.sign(canonical.as_bytes());
                Ok(BASE64.encode(signature.to_der().as_bytes()))
            }
            KeyMaterial::Sm2Public(_) => Err(KeyError::CannotSign),
        }
    }

    /// Checks a signature over a canonical string; HMAC is compared in constant time.
    pub fn verify(&self, canonical: &str, signature: &str) -> Result<(), VerifyError> {
        match self {
            KeyMaterial::Hmac(secret) => {
                let expected =
                    decode_lowercase_hex_32(signature).ok_or(MalformedPart::SignatureEncoding)?;
                let mut mac = secret.mac();
                mac.update(canonical.as_bytes());
                mac.verify_slice(&expected)
                    .map_err(|_| VerifyError::BadSignature)
            }
            KeyMaterial::Sm2Public(key) => verify_sm2(key, canonical, signature),
            KeyMaterial::Sm2Private(key) => verify_sm2(key.verifying_key(), canonical, signature),
        }
    }
}

fn verify_sm2(
    key: &sm2::dsa::VerifyingKey,
    canonical: &str,
    signature: &str,
) -> Result<(), VerifyError> {
    let der = BASE64
        .decode(signature)
        .map_err(|_| MalformedPart::SignatureEncoding)?;
    // from_der refuses r or s of zero or not below the curve order.
    let parsed =
        sm2::dsa::Signature::from_der(&der).map_err(|_| MalformedPart::SignatureEncoding)?;
    key.verify(canonical.as_bytes(), &parsed)
        .map_err(|_| VerifyError::BadSignature)
}

fn decode_lowercase_hex_32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

fn is_token(text: &str, max_len: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_len
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Lowercase hex of the SHA-256 of the raw body.
pub fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The canonical string of a request, or which part makes it unsignable.
pub fn canonical_string(
    request: &Request<'_>,
    timestamp: i64,
    nonce: &str,
) -> Result<String, MalformedPart> {
    let method_ok =
        !request.method.is_empty() && request.method.bytes().all(|b| b.is_ascii_uppercase());
    if !method_ok {
        return Err(MalformedPart::Method);
    }
    let path_ok = request.path.starts_with('/')
        && !request
            .path
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'?' || b == b'#');
    if !path_ok {
        return Err(MalformedPart::Path);
    }
    if request
        .query
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'#')
    {
        return Err(MalformedPart::Query);
    }
    if !is_token(nonce, MAX_NONCE_LEN) {
        return Err(MalformedPart::Nonce);
    }
    if timestamp < 0 {
        return Err(MalformedPart::Timestamp);
    }
    let target = if request.query.is_empty() {
        request.path.to_owned()
    } else {
        format!("{}?{}", request.path, request.query)
    };
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}",
        request.method,
        target,
        timestamp,
        nonce,
        body_hash(request.body)
    ))
}

fn parse_timestamp(text: &str) -> Option<i64> {
    // Digits only: no sign, no spaces, no exponent; 12 digits reach the year 33658.
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The four signature headers as received; `None` when a header is absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignatureHeaders<'a> {
    pub key_id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// The signature headers to send with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub key_id: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

impl Signed {
    /// (header name, value) pairs, in the order they are documented.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (header::KEY_ID, self.key_id.clone()),
            (header::TIMESTAMP, self.timestamp.to_string()),
            (header::NONCE, self.nonce.clone()),
            (header::SIGNATURE, self.signature.clone()),
        ]
    }
}

/// A request whose signature checked out: the caller still refuses a nonce seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    pub key_id: &'a str,
    pub timestamp: i64,
    pub nonce: &'a str,
}

/// One registered key.
#[derive(Debug, Clone)]
pub struct Key {
    id: String,
    material: KeyMaterial,
}

impl Key {
    /// A key under the id the signer sends in `X-GP-Key-Id`.
    pub fn new(id: &str, material: KeyMaterial) -> Result<Self, KeyError> {
        if !is_token(id, MAX_KEY_ID_LEN) {
            return Err(KeyError::BadKeyId);
        }
        Ok(Key {
            id: id.to_owned(),
            material,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn material(&self) -> &KeyMaterial {
        &self.material
    }
}

/// One bank's active keys (or the platform's own signing keys), oldest first. At most two:
/// adding a third retires the oldest. Either key verifies; the newest signs.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// Adds the newest key; returns the id of the key it retired, if the ring was full.
    pub fn rotate_in(&mut self, key: Key) -> Result<Option<String>, KeyError> {
        if self.keys.iter().any(|k| k.id == key.id) {
            return Err(KeyError::DuplicateKeyId(key.id));
        }
        self.keys.push(key);
        if self.keys.len() > MAX_ACTIVE_KEYS {
            return Ok(Some(self.keys.remove(0).id));
        }
        Ok(None)
    }

    /// Retires a key before its successor replaces it (a leaked key); false if it was not here.
    pub fn retire(&mut self, key_id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.id != key_id);
        self.keys.len() != before
    }

    /// The active key ids, oldest first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    pub fn get(&self, key_id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == key_id)
    }

    /// Signs a request with the newest key.
    pub fn sign(
        &self,
        request: &Request<'_>,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Signed, SignError> {
        let key = self.keys.last().ok_or(SignError::Key(KeyError::Empty))?;
        let canonical = canonical_string(request, timestamp, nonce).map_err(SignError::Request)?;
        let signature = key.material.sign(&canonical).map_err(SignError::Key)?;
        Ok(Signed {
            key_id: key.id.clone(),
            timestamp,
            nonce: nonce.to_owned(),
            signature,
        })
    }

    /// Checks a received request's headers against the key they name, at `now` (Unix seconds
    /// from the platform clock).
    pub fn verify<'h>(
        &self,
        request: &Request<'_>,
        headers: &SignatureHeaders<'h>,
        now: i64,
    ) -> Result<Verified<'h>, VerifyError> {
        fn present<'x>(value: Option<&'x str>, name: &'static str) -> Result<&'x str, VerifyError> {
            value
                .filter(|v| !v.is_empty())
                .ok_or(VerifyError::Malformed(MalformedPart::MissingHeader(name)))
        }
        let key_id = present(headers.key_id, header::KEY_ID)?;
        let timestamp = present(headers.timestamp, header::TIMESTAMP)?;
        let nonce = present(headers.nonce, header::NONCE)?;
        let signature = present(headers.signature, header::SIGNATURE)?;
        if !is_token(key_id, MAX_KEY_ID_LEN) {
            return Err(MalformedPart::KeyId.into());
        }
        let timestamp = parse_timestamp(timestamp).ok_or(MalformedPart::Timestamp)?;
        let canonical = canonical_string(request, timestamp, nonce)?;
        let key = self.get(key_id).ok_or(VerifyError::UnknownKey)?;
        let skew_secs = timestamp.saturating_sub(now);
        if skew_secs.saturating_abs() > MAX_CLOCK_SKEW_SECS {
            return Err(VerifyError::StaleTimestamp { skew_secs });
        }
        key.material.verify(&canonical, signature)?;
        Ok(Verified {
            key_id,
            timestamp,
            nonce,
        })
    }
}

/// Why the platform could not sign an outgoing request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the request cannot be signed: {0}")]
    Request(MalformedPart),
    #[error(transparent)]
    Key(KeyError),
}

/// The fixed test vectors published in docs/bank-partner-api.md, for banks' developers, the
/// sandbox bank and tests. The keys are public test keys: never register them for a real bank.
pub mod test_vectors {
    use super::Request;

    pub const HMAC_KEY_ID: &str = "sandbox-hmac-1";
    pub const SM2_KEY_ID: &str = "sandbox-sm2-1";
    /// The ASCII text `gpmall-test-vector-secret-32byte`, as hex.
    pub const HMAC_SECRET_HEX: &str =
        "67706d616c6c2d746573742d766563746f722d7365637265742d333262797465";
    /// GB/T 32918.2's example private key (the scalar, hex).
    pub const SM2_PRIVATE_HEX: &str =
        "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
    /// 2026-01-01T00:00:00Z.
    pub const TIMESTAMP: i64 = 1_767_225_600;
    pub const NONCE: &str = "3f9c2a7e-5b1d-4c8e-9a60-2d7f1e4b8c05";
    pub const BODY: &str =
        r#"{"event_id":"EV-0001","kind":"approved","application_no":"FA-2026-000001"}"#;
    /// `POST /bank/v1/events` with [`BODY`].
    pub fn vector_request() -> Request<'static> {
        Request {
            method: "POST",
            path: "/bank/v1/events",
            query: "",
            body: BODY.as_bytes(),
        }
    }
    /// `GET /bank/v1/applications?status=approved&since=1767225600` with an empty body.
    pub fn vector_get_request() -> Request<'static> {
        Request {
            method: "GET",
            path: "/bank/v1/applications",
            query: "status=approved&since=1767225600",
            body: b"",
        }
    }
    /// HMAC-SHA256 of the vector request's canonical string under the secret.
    pub const HMAC_EXPECTED: &str =
        "e1c018575145554a8bb9bcc8f41ff777dcf5fcc66f8127f580944139b010b8fd";
    /// HMAC-SHA256 of [`vector_get_request`]'s canonical string under the secret.
    pub const HMAC_GET_EXPECTED: &str =
        "48b1b18a76395484b757d5b47ad9550e6143b4181e034044fdb224490f4e2bbe";
    /// [`SM2_PRIVATE_HEX`] as PEM PKCS#8, as OpenSSL reads it.
    pub const SM2_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgOUUgj3shRLE/NuOK
xtOflYiTk2koYLUaQvuB7033xbihRANCAAQJ+d8xHlQhoVDdfRYeS8XGchefrRgz
/AdrsI/zVvNQIMzqSQziZ3WlLcbqcYzBqmAK7QX7814ISmYy9gctqa0T
-----END PRIVATE KEY-----
";
    /// The public key of [`SM2_PRIVATE_HEX`], PEM SubjectPublicKeyInfo.
    pub const SM2_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAECfnfMR5UIaFQ3X0WHkvFxnIXn60Y
M/wHa7CP81bzUCDM6kkM4md1pS3G6nGMwapgCu0F+/NeCEpmMvYHLamtEw==
-----END PUBLIC KEY-----
";
    /// The same public key as uncompressed SEC1 (`04‖X‖Y`), hex.
    pub const SM2_PUBLIC_SEC1_HEX: &str = "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
    /// Made once by this code (the `sm2` crate derives k per RFC 6979); any valid signature works.
    pub const SM2_SIGNATURE_B64: &str = "MEUCIQDjMJFUmBoEXwb0SKVig0iwPAn9dQP4brt2Ye2m6gniCgIgNeNsSuIEk0qMdC4pUSoLvqXl6ceA73BACoGjzDLJ0/4=";
}

#[cfg(test)]
mod tests {
    use super::test_vectors::*;
    use super::*;

    fn hmac_ring() -> KeyRing {
        let mut ring = KeyRing::new();
        let secret = HmacSecret::from_hex(HMAC_SECRET_HEX).unwrap();
        ring.rotate_in(Key::new("bank-a-2026", KeyMaterial::Hmac(secret)).unwrap())
            .unwrap();
        ring
    }

    fn sm2_ring() -> KeyRing {
        let mut ring = KeyRing::new();
        let key = KeyMaterial::sm2_private_hex(SM2_PRIVATE_HEX).unwrap();
        ring.rotate_in(Key::new("bank-b-2026", key).unwrap())
            .unwrap();
        ring
    }

    fn headers<'a>(signed: &'a Signed, timestamp: &'a str) -> SignatureHeaders<'a> {
        SignatureHeaders {
            key_id: Some(&signed.key_id),
            timestamp: Some(timestamp),
            nonce: Some(&signed.nonce),
            signature: Some(&signed.signature),
        }
    }

    #[test]
    fn the_hmac_secret_is_the_documented_ascii_text() {
        assert_eq!(
            hex::decode(HMAC_SECRET_HEX).unwrap(),
            b"gpmall-test-vector-secret-32byte"
        );
    }

    #[test]
    fn canonical_string_joins_five_lines_and_omits_the_question_mark_without_a_query() {
        let canonical = canonical_string(&vector_request(), TIMESTAMP, NONCE).unwrap();
        assert_eq!(
            canonical,
            format!(
                "POST\n/bank/v1/events\n1767225600\n{NONCE}\n{}",
                body_hash(BODY.as_bytes())
            )
        );
        let get = Request {
            method: "GET",
            path: "/bank/v1/applications",
            query: "status=approved&since=2026-01-01",
            body: b"",
        };
        assert_eq!(
            canonical_string(&get, TIMESTAMP, NONCE).unwrap(),
            format!(
                "GET\n/bank/v1/applications?status=approved&since=2026-01-01\n1767225600\n{NONCE}\n\
                 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
    }

    #[test]
    fn body_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            body_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn canonical_string_refuses_parts_that_would_make_it_ambiguous() {
        let base = vector_request();
        let cases = [
            (
                Request {
                    method: "post",
                    ..base
                },
                NONCE,
                MalformedPart::Method,
            ),
            (Request { method: "", ..base }, NONCE, MalformedPart::Method),
            (
                Request {
                    path: "bank/v1",
                    ..base
                },
                NONCE,
                MalformedPart::Path,
            ),
            (
                Request {
                    path: "/a?b",
                    ..base
                },
                NONCE,
                MalformedPart::Path,
            ),
            (
                Request {
                    path: "/a\n/b",
                    ..base
                },
                NONCE,
                MalformedPart::Path,
            ),
            (
                Request {
                    query: "a=1\nb",
                    ..base
                },
                NONCE,
                MalformedPart::Query,
            ),
            (base, "", MalformedPart::Nonce),
            (base, "a\nb", MalformedPart::Nonce),
            (base, &"n".repeat(65), MalformedPart::Nonce),
        ];
        for (request, nonce, part) in cases {
            assert_eq!(
                canonical_string(&request, TIMESTAMP, nonce),
                Err(part),
                "{request:?} {nonce:?}"
            );
        }
    }

    #[test]
    fn hmac_vector_matches_the_expected_signature() {
        let signed = hmac_ring()
            .sign(&vector_request(), TIMESTAMP, NONCE)
            .unwrap();
        assert_eq!(signed.signature, HMAC_EXPECTED);
        assert_eq!(signed.key_id, "bank-a-2026");
    }

    #[test]
    fn hmac_round_trip_verifies_and_any_change_is_refused() {
        let ring = hmac_ring();
        let signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let ts = TIMESTAMP.to_string();
        let verified = ring
            .verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP + 10)
            .unwrap();
        assert_eq!(verified.nonce, NONCE);
        assert_eq!(verified.key_id, "bank-a-2026");

        let altered = Request {
            body: br#"{"event_id":"EV-0001","kind":"approved","application_no":"FA-2026-000002"}"#,
            ..vector_request()
        };
        assert_eq!(
            ring.verify(&altered, &headers(&signed, &ts), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
        let other_path = Request {
            path: "/bank/v1/event",
            ..vector_request()
        };
        assert_eq!(
            ring.verify(&other_path, &headers(&signed, &ts), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
        let later = (TIMESTAMP + 1).to_string();
        assert_eq!(
            ring.verify(&vector_request(), &headers(&signed, &later), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
        let mut flipped = signed.clone();
        flipped.signature.replace_range(
            0..1,
            if flipped.signature.starts_with('0') {
                "1"
            } else {
                "0"
            },
        );
        assert_eq!(
            ring.verify(&vector_request(), &headers(&flipped, &ts), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn hmac_signature_must_be_lowercase_hex_of_32_bytes() {
        let ring = hmac_ring();
        let signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let ts = TIMESTAMP.to_string();
        for bad in [
            signed.signature.to_uppercase(),
            signed.signature[..62].to_owned(),
            format!("{}00", signed.signature),
            "zz".repeat(32),
        ] {
            let bad = Signed {
                signature: bad,
                ..signed.clone()
            };
            assert_eq!(
                ring.verify(&vector_request(), &headers(&bad, &ts), TIMESTAMP),
                Err(VerifyError::Malformed(MalformedPart::SignatureEncoding))
            );
        }
    }

    #[test]
    fn timestamps_more_than_300_seconds_away_are_refused_both_ways() {
        let ring = hmac_ring();
        let signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let ts = TIMESTAMP.to_string();
        for now in [TIMESTAMP - 300, TIMESTAMP + 300] {
            assert!(
                ring.verify(&vector_request(), &headers(&signed, &ts), now)
                    .is_ok()
            );
        }
        assert_eq!(
            ring.verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP + 301),
            Err(VerifyError::StaleTimestamp { skew_secs: -301 })
        );
        assert_eq!(
            ring.verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP - 301),
            Err(VerifyError::StaleTimestamp { skew_secs: 301 })
        );
        assert!(matches!(
            ring.verify(&vector_request(), &headers(&signed, &ts), i64::MIN),
            Err(VerifyError::StaleTimestamp { .. })
        ));
    }

    #[test]
    fn malformed_headers_are_named() {
        let ring = hmac_ring();
        let signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let ts = TIMESTAMP.to_string();
        let good = headers(&signed, &ts);
        let check = |h: SignatureHeaders<'_>, part: MalformedPart| {
            assert_eq!(
                ring.verify(&vector_request(), &h, TIMESTAMP),
                Err(VerifyError::Malformed(part)),
                "{h:?}"
            );
        };
        check(
            SignatureHeaders {
                key_id: None,
                ..good
            },
            MalformedPart::MissingHeader(header::KEY_ID),
        );
        check(
            SignatureHeaders {
                timestamp: Some(""),
                ..good
            },
            MalformedPart::MissingHeader(header::TIMESTAMP),
        );
        check(
            SignatureHeaders {
                nonce: None,
                ..good
            },
            MalformedPart::MissingHeader(header::NONCE),
        );
        check(
            SignatureHeaders {
                signature: None,
                ..good
            },
            MalformedPart::MissingHeader(header::SIGNATURE),
        );
        for bad in [
            "-1767225600",
            "+1767225600",
            "1767225600.0",
            " 1767225600",
            "1e9",
            "9999999999999",
        ] {
            check(
                SignatureHeaders {
                    timestamp: Some(bad),
                    ..good
                },
                MalformedPart::Timestamp,
            );
        }
        check(
            SignatureHeaders {
                key_id: Some("bank a"),
                ..good
            },
            MalformedPart::KeyId,
        );
        check(
            SignatureHeaders {
                nonce: Some("n\nonce"),
                ..good
            },
            MalformedPart::Nonce,
        );
    }

    #[test]
    fn an_unknown_key_id_is_refused_before_the_signature_is_checked() {
        let ring = hmac_ring();
        let mut signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        signed.key_id = "bank-b-2026".into();
        let ts = TIMESTAMP.to_string();
        assert_eq!(
            ring.verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP),
            Err(VerifyError::UnknownKey)
        );
    }

    #[test]
    fn short_hmac_secrets_and_bad_key_ids_are_refused() {
        assert_eq!(
            HmacSecret::new(vec![7; 31]).unwrap_err(),
            KeyError::HmacSecretTooShort(31)
        );
        assert_eq!(HmacSecret::from_hex("xyz").unwrap_err(), KeyError::NotHex);
        let secret = HmacSecret::new(vec![7; 32]).unwrap();
        for id in ["", "a b", "é", &"k".repeat(65)] {
            assert_eq!(
                Key::new(id, KeyMaterial::Hmac(secret.clone())).unwrap_err(),
                KeyError::BadKeyId
            );
        }
        assert_eq!(
            KeyMaterial::sm2_private_hex(&"00".repeat(32)).unwrap_err(),
            KeyError::NotSm2PrivateKey
        );
        assert_eq!(
            KeyMaterial::sm2_private_hex(&"ff".repeat(32)).unwrap_err(),
            KeyError::NotSm2PrivateKey
        );
        assert_eq!(
            KeyMaterial::sm2_public_pem("not a key").unwrap_err(),
            KeyError::NotSm2PublicKey
        );
    }

    #[test]
    fn secrets_are_not_printed() {
        let ring = hmac_ring();
        let printed = format!("{ring:?}");
        assert!(!printed.contains(HMAC_SECRET_HEX), "{printed}");
        let printed = format!("{:?}", sm2_ring());
        assert!(!printed.contains(SM2_PRIVATE_HEX), "{printed}");
    }

    #[test]
    fn sm2_round_trip_verifies_with_the_public_key_alone() {
        let signer = sm2_ring();
        let signed = signer.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let mut verifier = KeyRing::new();
        let public = KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap();
        verifier
            .rotate_in(Key::new("bank-b-2026", public).unwrap())
            .unwrap();
        let ts = TIMESTAMP.to_string();
        assert!(
            verifier
                .verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP)
                .is_ok()
        );
        let altered = Request {
            method: "PUT",
            ..vector_request()
        };
        assert_eq!(
            verifier.verify(&altered, &headers(&signed, &ts), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verifier
                .sign(&vector_request(), TIMESTAMP, NONCE)
                .unwrap_err(),
            SignError::Key(KeyError::CannotSign)
        );
    }

    #[test]
    fn hmac_get_vector_signs_the_query_too() {
        let signed = hmac_ring()
            .sign(&vector_get_request(), TIMESTAMP, NONCE)
            .unwrap();
        assert_eq!(signed.signature, HMAC_GET_EXPECTED);
    }

    #[test]
    fn sm2_public_key_matches_the_private_key() {
        let private = KeyMaterial::sm2_private_hex(SM2_PRIVATE_HEX).unwrap();
        let from_pem = KeyMaterial::sm2_private_pem(SM2_PRIVATE_PEM).unwrap();
        let public = KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap();
        assert_eq!(private.sm2_public_sec1_hex().unwrap(), SM2_PUBLIC_SEC1_HEX);
        assert_eq!(from_pem.sm2_public_sec1_hex().unwrap(), SM2_PUBLIC_SEC1_HEX);
        assert_eq!(
            KeyMaterial::sm2_private_pem(SM2_PUBLIC_PEM).unwrap_err(),
            KeyError::NotSm2PrivateKey
        );
        assert_eq!(public.sm2_public_sec1_hex().unwrap(), SM2_PUBLIC_SEC1_HEX);
    }

    #[test]
    fn sm2_fixed_signature_verifies_and_fails_on_another_message() {
        let public = KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap();
        let canonical = canonical_string(&vector_request(), TIMESTAMP, NONCE).unwrap();
        assert_eq!(public.verify(&canonical, SM2_SIGNATURE_B64), Ok(()));
        let other = canonical_string(&vector_request(), TIMESTAMP, "another-nonce").unwrap();
        assert_eq!(
            public.verify(&other, SM2_SIGNATURE_B64),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn sm2_signature_must_be_base64_der() {
        let public = KeyMaterial::sm2_public_pem(SM2_PUBLIC_PEM).unwrap();
        let canonical = canonical_string(&vector_request(), TIMESTAMP, NONCE).unwrap();
        let der = BASE64.decode(SM2_SIGNATURE_B64).unwrap();
        let raw = sm2::dsa::Signature::from_der(&der).unwrap().to_bytes();
        for bad in [
            "not base64!".to_owned(),
            BASE64.encode(raw),
            BASE64.encode(&der[..der.len() - 1]),
            BASE64.encode([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
        ] {
            assert_eq!(
                public.verify(&canonical, &bad),
                Err(VerifyError::Malformed(MalformedPart::SignatureEncoding)),
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_keeps_two_keys_either_verifies_and_the_newest_signs() {
        let key = |id: &str, byte: u8| {
            Key::new(
                id,
                KeyMaterial::Hmac(HmacSecret::new(vec![byte; 32]).unwrap()),
            )
            .unwrap()
        };
        let mut ring = KeyRing::new();
        assert_eq!(
            ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap_err(),
            SignError::Key(KeyError::Empty)
        );
        assert_eq!(ring.rotate_in(key("k1", 1)).unwrap(), None);
        let old = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        assert_eq!(ring.rotate_in(key("k2", 2)).unwrap(), None);
        let new = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        assert_eq!(new.key_id, "k2");
        assert_ne!(old.signature, new.signature);
        let ts = TIMESTAMP.to_string();
        for signed in [&old, &new] {
            assert!(
                ring.verify(&vector_request(), &headers(signed, &ts), TIMESTAMP)
                    .is_ok()
            );
        }
        assert_eq!(
            ring.rotate_in(key("k2", 9)).unwrap_err(),
            KeyError::DuplicateKeyId("k2".into())
        );
        assert_eq!(ring.rotate_in(key("k3", 3)).unwrap(), Some("k1".into()));
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), ["k2", "k3"]);
        assert_eq!(
            ring.verify(&vector_request(), &headers(&old, &ts), TIMESTAMP),
            Err(VerifyError::UnknownKey)
        );
        assert!(
            ring.verify(&vector_request(), &headers(&new, &ts), TIMESTAMP)
                .is_ok()
        );
        assert!(ring.retire("k3"));
        assert!(!ring.retire("k3"));
        assert_eq!(
            ring.sign(&vector_request(), TIMESTAMP, NONCE)
                .unwrap()
                .key_id,
            "k2"
        );
    }

    #[test]
    fn a_signature_made_with_one_key_does_not_verify_under_another_key_id() {
        let mut ring = KeyRing::new();
        for (id, byte) in [("k1", 1u8), ("k2", 2)] {
            ring.rotate_in(
                Key::new(
                    id,
                    KeyMaterial::Hmac(HmacSecret::new(vec![byte; 32]).unwrap()),
                )
                .unwrap(),
            )
            .unwrap();
        }
        let mut signed = ring.sign(&vector_request(), TIMESTAMP, NONCE).unwrap();
        signed.key_id = "k1".into();
        let ts = TIMESTAMP.to_string();
        assert_eq!(
            ring.verify(&vector_request(), &headers(&signed, &ts), TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn scheme_stored_values_round_trip_and_unknown_values_are_none() {
        for scheme in [Scheme::HmacSha256, Scheme::Sm2Sm3] {
            assert_eq!(Scheme::parse(scheme.as_str()), Some(scheme));
        }
        assert_eq!(Scheme::parse("rsa"), None);
        assert_eq!(
            hmac_ring().get("bank-a-2026").unwrap().material().scheme(),
            Scheme::HmacSha256
        );
        assert_eq!(
            sm2_ring().get("bank-b-2026").unwrap().material().scheme(),
            Scheme::Sm2Sm3
        );
    }

    const PARTNER_DOC: &str = include_str!("../../../docs/bank-partner-api.md");

    /// The value of `name:` in the doc's vectors block.
    fn doc_field(name: &str) -> &'static str {
        let block = doc_block("vectors");
        let prefix = format!("{name}:");
        block
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("the vectors block has no {name}"))
            .trim()
    }

    /// The fenced block right after `<!-- marker -->`, without its fences.
    fn doc_block(marker: &str) -> &'static str {
        let tag = format!("<!-- {marker} -->");
        let after = &PARTNER_DOC[PARTNER_DOC.find(&tag).unwrap_or_else(|| panic!("no {tag}"))..];
        let open = after
            .find("```")
            .expect("a fenced block follows the marker");
        let body_start = open + after[open..].find('\n').unwrap() + 1;
        let body_len = after[body_start..].find("\n```").unwrap();
        &after[body_start..body_start + body_len]
    }

    #[test]
    fn the_partner_doc_vectors_are_the_ones_the_code_checks() {
        assert_eq!(doc_field("hmac_key_id"), HMAC_KEY_ID);
        assert_eq!(doc_field("hmac_secret_hex"), HMAC_SECRET_HEX);
        assert_eq!(doc_field("timestamp"), TIMESTAMP.to_string());
        assert_eq!(doc_field("nonce"), NONCE);
        assert_eq!(doc_field("body"), BODY);
        assert_eq!(doc_field("hmac_signature"), HMAC_EXPECTED);
        assert_eq!(doc_field("get_hmac_signature"), HMAC_GET_EXPECTED);
        assert_eq!(doc_field("sm2_key_id"), SM2_KEY_ID);
        assert_eq!(doc_field("sm2_private_hex"), SM2_PRIVATE_HEX);
        assert_eq!(doc_field("sm2_public_sec1_hex"), SM2_PUBLIC_SEC1_HEX);
        assert_eq!(doc_field("sm2_signature"), SM2_SIGNATURE_B64);
        assert_eq!(
            doc_block("vector:sm2-public-pem").trim(),
            SM2_PUBLIC_PEM.trim()
        );
        assert_eq!(
            doc_block("vector:sm2-private-pem").trim(),
            SM2_PRIVATE_PEM.trim()
        );
    }

    /// Checks the doc with nothing but its own text, so a bank's developer can trust it.
    #[test]
    fn the_partner_doc_vectors_verify_with_our_code() {
        let body = doc_field("body").as_bytes();
        assert_eq!(doc_field("body_sha256"), body_hash(body));
        assert_eq!(doc_field("query"), "(empty)");
        let post = Request {
            method: doc_field("method"),
            path: doc_field("path"),
            query: "",
            body,
        };
        let (get_path, get_query) = doc_field("get_target").split_once('?').unwrap();
        let get = Request {
            method: "GET",
            path: get_path,
            query: get_query,
            body: b"",
        };
        let timestamp: i64 = doc_field("timestamp").parse().unwrap();
        let nonce = doc_field("nonce");
        assert_eq!(
            canonical_string(&post, timestamp, nonce).unwrap(),
            doc_block("vector:canonical")
        );
        assert_eq!(
            canonical_string(&get, timestamp, nonce).unwrap(),
            doc_block("vector:canonical-get")
        );

        let ts = timestamp.to_string();
        let check = |ring: &KeyRing, request: &Request<'_>, key_id: &str, signature: &str| {
            let headers = SignatureHeaders {
                key_id: Some(key_id),
                timestamp: Some(&ts),
                nonce: Some(nonce),
                signature: Some(signature),
            };
            assert_eq!(
                ring.verify(request, &headers, timestamp).map(|v| v.nonce),
                Ok(nonce),
                "{key_id} {signature}"
            );
        };

        let mut hmac = KeyRing::new();
        let secret = HmacSecret::from_hex(doc_field("hmac_secret_hex")).unwrap();
        hmac.rotate_in(Key::new(doc_field("hmac_key_id"), KeyMaterial::Hmac(secret)).unwrap())
            .unwrap();
        for (request, field) in [(&post, "hmac_signature"), (&get, "get_hmac_signature")] {
            let signed = hmac.sign(request, timestamp, nonce).unwrap();
            assert_eq!(signed.signature, doc_field(field));
            check(&hmac, request, doc_field("hmac_key_id"), doc_field(field));
        }

        let public = KeyMaterial::sm2_public_pem(doc_block("vector:sm2-public-pem")).unwrap();
        assert_eq!(
            public.sm2_public_sec1_hex().unwrap(),
            doc_field("sm2_public_sec1_hex")
        );
        let mut sm2 = KeyRing::new();
        sm2.rotate_in(Key::new(doc_field("sm2_key_id"), public).unwrap())
            .unwrap();
        check(
            &sm2,
            &post,
            doc_field("sm2_key_id"),
            doc_field("sm2_signature"),
        );
        for private in [
            KeyMaterial::sm2_private_pem(doc_block("vector:sm2-private-pem")).unwrap(),
            KeyMaterial::sm2_private_hex(doc_field("sm2_private_hex")).unwrap(),
        ] {
            assert_eq!(
                private.sm2_public_sec1_hex().unwrap(),
                doc_field("sm2_public_sec1_hex")
            );
            let canonical = canonical_string(&post, timestamp, nonce).unwrap();
            check(
                &sm2,
                &post,
                doc_field("sm2_key_id"),
                &private.sign(&canonical).unwrap(),
            );
        }
    }

    fn token() -> impl proptest::strategy::Strategy<Value = String> {
        "[A-Za-z0-9._-]{1,64}"
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any well-formed request signed by either scheme verifies, and changing any one
        /// signed part (a body byte, the path, the query, the nonce, the timestamp) breaks it.
        /// 64 cases: SM2 is slow in debug builds.
        #[test]
        fn signatures_cover_every_signed_part(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            flip in proptest::prelude::any::<proptest::sample::Index>(),
            path in "(/[a-z0-9._~%-]{1,12}){1,4}",
            query in "([a-z0-9]{1,8}=[a-zA-Z0-9%._-]{0,12}&?){0,3}",
            nonce in token(),
            timestamp in 0i64..100_000_000_000,
            sm2 in proptest::prelude::any::<bool>(),
        ) {
            let ring = if sm2 { sm2_ring() } else { hmac_ring() };
            let request = Request { method: "POST", path: &path, query: &query, body: &body };
            let signed = ring.sign(&request, timestamp, &nonce).unwrap();
            let ts = timestamp.to_string();
            proptest::prop_assert!(ring.verify(&request, &headers(&signed, &ts), timestamp).is_ok());

            let mut other_body = body.clone();
            if other_body.is_empty() {
                other_body.push(0);
            } else {
                let i = flip.index(other_body.len());
                other_body[i] ^= 0x01;
            }
            let other_path = format!("{path}x");
            let other_query = format!("{query}x");
            let changed = [
                Request { body: &other_body, ..request },
                Request { path: &other_path, ..request },
                Request { query: &other_query, ..request },
                Request { method: "PUT", ..request },
            ];
            for changed in changed {
                proptest::prop_assert_eq!(
                    ring.verify(&changed, &headers(&signed, &ts), timestamp),
                    Err(VerifyError::BadSignature)
                );
            }
            let other_nonce = Signed { nonce: format!("{nonce}x").chars().take(64).collect(), ..signed.clone() };
            if other_nonce.nonce != signed.nonce {
                proptest::prop_assert_eq!(
                    ring.verify(&request, &headers(&other_nonce, &ts), timestamp),
                    Err(VerifyError::BadSignature)
                );
            }
            let next = (timestamp + 1).to_string();
            proptest::prop_assert_eq!(
                ring.verify(&request, &headers(&signed, &next), timestamp),
                Err(VerifyError::BadSignature)
            );
        }
    }

    /// Prints the values pasted above; run with `--ignored --nocapture` after changing a vector.
    #[test]
    #[ignore]
    fn print_vectors() {
        use sm2::pkcs8::EncodePublicKey as _;
        let canonical = canonical_string(&vector_request(), TIMESTAMP, NONCE).unwrap();
        println!("canonical:\n{canonical}");
        println!(
            "hmac: {}",
            hmac_ring()
                .sign(&vector_request(), TIMESTAMP, NONCE)
                .unwrap()
                .signature
        );
        let KeyMaterial::Sm2Private(key) = KeyMaterial::sm2_private_hex(SM2_PRIVATE_HEX).unwrap()
        else {
            unreachable!()
        };
        let public = sm2::PublicKey::from_sec1_bytes(&key.verifying_key().to_sec1_bytes()).unwrap();
        println!(
            "{}",
            public
                .to_public_key_pem(sm2::pkcs8::LineEnding::LF)
                .unwrap()
        );
        println!("sec1: {}", hex::encode(key.verifying_key().to_sec1_bytes()));
        use sm2::pkcs8::EncodePrivateKey as _;
        let secret = sm2::SecretKey::from_slice(&hex::decode(SM2_PRIVATE_HEX).unwrap()).unwrap();
        println!(
            "{}",
            secret
                .to_pkcs8_pem(sm2::pkcs8::LineEnding::LF)
                .unwrap()
                .as_str()
        );
        println!(
            "hmac get: {}",
            hmac_ring()
                .sign(&vector_get_request(), TIMESTAMP, NONCE)
                .unwrap()
                .signature
        );
        println!(
            "sm2: {}",
            sm2_ring()
                .sign(&vector_request(), TIMESTAMP, NONCE)
                .unwrap()
                .signature
        );
    }
}
