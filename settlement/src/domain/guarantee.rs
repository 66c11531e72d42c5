//! Electronic guarantee letters (电子保函): the canonical content an issuer signs, the check of
//! that signature against the issuer's registered public key, the letter's lifecycle as one
//! transition function, and when a letter can stand in for a cash deposit.
//!
//! # Canonical content (format `gpmall-guarantee-letter/1`)
//!
//! The issuer signs the UTF-8 bytes of one JSON object. It has exactly these ten members, in
//! this order (the keys' ascending byte order), with no whitespace anywhere between tokens:
//!
//! | key | value |
//! |---|---|
//! | `amount` | string: the amount in yuan with exactly two decimals, no sign, no grouping (`"20000.00"`) |
//! | `applicant_org_id` | integer: the applicant supplier's organization id on the platform |
//! | `beneficiary_org_id` | integer: the beneficiary purchasing unit's organization id |
//! | `format` | the string `"gpmall-guarantee-letter/1"` |
//! | `issuer` | string: the issuer's name exactly as registered on the platform |
//! | `kind` | `"bid"`, `"performance"` or `"prepayment"` |
//! | `letter_no` | string: the letter number exactly as printed on the letter |
//! | `project_ref` | string (the procurement procedure or contract number covered) or `null` |
//! | `valid_from` | string `YYYY-MM-DD` |
//! | `valid_until` | string `YYYY-MM-DD`, the last day (inclusive) a claim may be made |
//!
//! Integers are plain decimal. Strings are written as raw UTF-8 (Chinese included, never
//! `\u` escapes); `"` and `\` are backslash-escaped; control characters are not allowed in any
//! field. Example:
//!
//! ```text
//! {"amount":"20000.00","applicant_org_id":7,"beneficiary_org_id":3,"format":"gpmall-guarantee-letter/1","issuer":"中国建设银行重庆江北支行","kind":"bid","letter_no":"JB-2026-0001","project_ref":null,"valid_from":"2026-03-01","valid_until":"2026-09-30"}
//! ```
//!
//! This is what Python's `json.dumps(fields, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False).encode("utf-8")` produces, so an issuer's system can build it with any
//! JSON library that sorts keys and writes compact, non-ASCII-escaped output.
//!
//! The platform never stores the signed bytes: it recomputes them from the submitted fields,
//! so a letter whose amount, date, number, party or issuer was changed after signing fails.
//!
//! # Signatures
//!
//! Base64 (standard alphabet, padded) of:
//! - `sm2`: an SM2 signature with SM3 (GM/T 0003.2, GB/T 32918.2) under the default signer id
//!   `1234567812345678`, DER-encoded `SEQUENCE { r, s }` (GM/T 0009); the raw 64-byte `r ‖ s`
//!   form is also accepted;
//! - `rsa`: an RSASSA-PKCS1-v1_5 signature with SHA-256 (RFC 8017), at least 2048-bit keys.
//!
//! Public keys are PEM `SubjectPublicKeyInfo` (`-----BEGIN PUBLIC KEY-----`); signing keys PEM
//! PKCS#8 (`-----BEGIN PRIVATE KEY-----`), as OpenSSL writes them
//! (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Datelike, NaiveDate};
use gpmall_platform::Money;
use gpmall_platform::i18n::Text;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _};
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts as _;
use serde::{Deserialize, Serialize};
use sm2::dsa::signature::{Signer as _, Verifier as _};

/// The `format` member of the canonical content.
pub const CANONICAL_FORMAT: &str = "gpmall-guarantee-letter/1";

/// The SM2 signer's distinguishing identifier (the default of GM/T 0009).
pub const SM2_SIGNER_ID: &str = "1234567812345678";

/// Smallest RSA modulus accepted for an issuer's key.
pub const RSA_MIN_BITS: usize = 2048;

/// Days before `valid_until` from which the applicant is warned that its letter expires.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Who stands behind a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssuerKind {
    Bank,
    Insurer,
    GuaranteeCompany,
}

impl IssuerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerKind::Bank => "bank",
            IssuerKind::Insurer => "insurer",
            IssuerKind::GuaranteeCompany => "guarantee_company",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bank" => IssuerKind::Bank,
            "insurer" => IssuerKind::Insurer,
            "guarantee_company" => IssuerKind::GuaranteeCompany,
            _ => return None,
        })
    }
}

/// The issuer's signature algorithm: `sm2` is SM2 with SM3, `rsa` is RSA PKCS#1 v1.5 with SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    Sm2,
    Rsa,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sm2 => "sm2",
            Algorithm::Rsa => "rsa",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sm2" => Algorithm::Sm2,
            "rsa" => Algorithm::Rsa,
            _ => return None,
        })
    }
}

/// What a letter secures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// 投标保函: stands in for a bid/response deposit.
    Bid,
    /// 履约保函: stands in for a performance deposit.
    Performance,
    /// 预付款保函: secures a prepayment.
    Prepayment,
}

impl LetterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Bid => "bid",
            LetterKind::Performance => "performance",
            LetterKind::Prepayment => "prepayment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bid" => LetterKind::Bid,
            "performance" => LetterKind::Performance,
            "prepayment" => LetterKind::Prepayment,
            _ => return None,
        })
    }
}

/// A letter's status. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// Registered with a valid issuer signature; in force within its validity.
    Verified,
    /// The beneficiary released it: the obligation it covered ended.
    Released,
    /// The beneficiary claimed under it; the issuer's answer is awaited.
    Claimed,
    ClaimPaid,
    ClaimRefused,
    /// Its validity ended while it was in force.
    Expired,
}

impl LetterStatus {
    pub const ALL: [LetterStatus; 6] = [
        LetterStatus::Verified,
        LetterStatus::Released,
        LetterStatus::Claimed,
        LetterStatus::ClaimPaid,
        LetterStatus::ClaimRefused,
        LetterStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterStatus::Verified => "verified",
            LetterStatus::Released => "released",
            LetterStatus::Claimed => "claimed",
            LetterStatus::ClaimPaid => "claim_paid",
            LetterStatus::ClaimRefused => "claim_refused",
            LetterStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "verified" => LetterStatus::Verified,
            "released" => LetterStatus::Released,
            "claimed" => LetterStatus::Claimed,
            "claim_paid" => LetterStatus::ClaimPaid,
            "claim_refused" => LetterStatus::ClaimRefused,
            "expired" => LetterStatus::Expired,
            _ => return None,
        })
    }
}

/// What can happen to a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterEvent {
    /// The beneficiary releases it when the covered obligation ends.
    Release,
    /// The beneficiary claims under it.
    Claim,
    /// The operator records that the issuer paid the claim.
    ClaimPaid,
    /// The operator records that the issuer refused the claim.
    ClaimRefused,
    /// The validity ended (the daily scan).
    Expire,
}

impl LetterEvent {
    pub const ALL: [LetterEvent; 5] = [
        LetterEvent::Release,
        LetterEvent::Claim,
        LetterEvent::ClaimPaid,
        LetterEvent::ClaimRefused,
        LetterEvent::Expire,
    ];

    fn describe(self) -> &'static str {
        match self {
            LetterEvent::Release => "released",
            LetterEvent::Claim => "claimed under",
            LetterEvent::ClaimPaid | LetterEvent::ClaimRefused => "given a claim result",
            LetterEvent::Expire => "expired",
        }
    }

    /// The locale key naming what the event does to a letter.
    pub fn action_key(self) -> &'static str {
        match self {
            LetterEvent::Release => "guarantees.action.release",
            LetterEvent::Claim => "guarantees.action.claim",
            LetterEvent::ClaimPaid | LetterEvent::ClaimRefused => "guarantees.action.claim_result",
            LetterEvent::Expire => "guarantees.action.expire",
        }
    }
}

/// The days a letter is in force, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Validity {
    pub fn contains(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }

    /// Days from `today` to the last valid day: 0 on that day, negative after it.
    pub fn days_to_expiry(self, today: NaiveDate) -> i64 {
        (self.until - today).num_days()
    }
}

/// Why a letter's status does not allow an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterRefusal {
    /// A claim after the last valid day.
    ClaimAfterValidity { until: NaiveDate },
    /// A claim before the first valid day.
    ClaimBeforeValidity { from: NaiveDate },
    /// Expiry while the letter is still valid.
    StillValid { until: NaiveDate },
    /// A claim result with no claim made.
    NoClaim,
    /// Anything but the result while a claim awaits the issuer's answer.
    ClaimPending,
    /// The status is final.
    Final,
}

impl fmt::Display for LetterRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LetterRefusal::ClaimAfterValidity { until } => write!(
                f,
                "it was valid until {until}; a claim must be made within the validity"
            ),
            LetterRefusal::ClaimBeforeValidity { from } => write!(
                f,
                "it is valid only from {from}; a claim must be made within the validity"
            ),
            LetterRefusal::StillValid { until } => write!(f, "it is valid until {until}"),
            LetterRefusal::NoClaim => f.write_str("no claim has been made under it"),
            LetterRefusal::ClaimPending => {
                f.write_str("a claim under it awaits the issuer's answer")
            }
            LetterRefusal::Final => f.write_str("its status is final"),
        }
    }
}

/// A transition the letter's status does not allow, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {} letter cannot be {}: {reason}", from.as_str(), event.describe())]
pub struct TransitionError {
    pub from: LetterStatus,
    pub event: LetterEvent,
    pub reason: LetterRefusal,
}

impl TransitionError {
    /// The message in the reader's language: the letter's status, what was tried, and why not.
    pub fn text(&self) -> Text {
        let text = match self.reason {
            LetterRefusal::ClaimAfterValidity { until } => {
                Text::new("msg.guarantee.claim_after_validity").arg("until", until)
            }
            LetterRefusal::ClaimBeforeValidity { from } => {
                Text::new("msg.guarantee.claim_before_validity").arg("from", from)
            }
            LetterRefusal::StillValid { until } => {
                Text::new("msg.guarantee.still_valid").arg("until", until)
            }
            LetterRefusal::NoClaim => Text::new("msg.guarantee.no_claim"),
            LetterRefusal::ClaimPending => Text::new("msg.guarantee.claim_pending"),
            LetterRefusal::Final => Text::new("msg.guarantee.final"),
        };
        text.key_arg(
            "status",
            format!("guarantees.status.{}", self.from.as_str()),
        )
        .key_arg("action", self.event.action_key())
    }
}

/// The lifecycle, in one place: verified → released | claimed | expired; claimed → claim_paid |
/// claim_refused. A claim is allowed only within the validity; expiry only after it. Released,
/// claim_paid, claim_refused and expired are final.
pub fn transition(
    from: LetterStatus,
    event: LetterEvent,
    validity: Validity,
    today: NaiveDate,
) -> Result<LetterStatus, TransitionError> {
    use LetterEvent as E;
    use LetterRefusal as R;
    use LetterStatus as S;
    let refuse = |reason: LetterRefusal| {
        Err(TransitionError {
            from,
            event,
            reason,
        })
    };
    match (from, event) {
        (S::Verified, E::Release) => Ok(S::Released),
        (S::Verified, E::Claim) if today > validity.until => refuse(R::ClaimAfterValidity {
            until: validity.until,
        }),
        (S::Verified, E::Claim) if today < validity.from => refuse(R::ClaimBeforeValidity {
            from: validity.from,
        }),
        (S::Verified, E::Claim) => Ok(S::Claimed),
        (S::Verified, E::Expire) if today > validity.until => Ok(S::Expired),
        (S::Verified, E::Expire) => refuse(R::StillValid {
            until: validity.until,
        }),
        (S::Claimed, E::ClaimPaid) => Ok(S::ClaimPaid),
        (S::Claimed, E::ClaimRefused) => Ok(S::ClaimRefused),
        (S::Verified, E::ClaimPaid | E::ClaimRefused) => refuse(R::NoClaim),
        (S::Claimed, E::Release | E::Claim | E::Expire) => refuse(R::ClaimPending),
        (S::Released | S::ClaimPaid | S::ClaimRefused | S::Expired, _) => refuse(R::Final),
    }
}

/// The fields an issuer signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterContent {
    /// The issuer's name exactly as registered.
    pub issuer: String,
    pub letter_no: String,
    pub kind: LetterKind,
    /// The purchasing unit the letter is in favour of.
    pub beneficiary_org_id: i64,
    /// The supplier whose obligation the letter secures.
    pub applicant_org_id: i64,
    pub amount: Money,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// The procurement procedure number or contract number the letter covers.
    pub project_ref: Option<String>,
}

/// A field of a letter that cannot be signed or registered as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ContentError {
    pub field: &'static str,
    pub problem: ContentProblem,
}

/// What is wrong with a field of a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContentProblem {
    #[error("is empty")]
    Empty,
    #[error("has more than {0} characters")]
    TooLong(usize),
    #[error("has leading or trailing spaces (the signed text must match exactly)")]
    Spaces,
    #[error("contains control characters")]
    Control,
    #[error("must be a positive organization id")]
    NoOrganization,
    #[error("must be greater than zero")]
    NotPositive,
    #[error("must be a date in the years 2000–9999")]
    YearOutOfRange,
    #[error("is before valid_from")]
    BeforeValidFrom,
}

impl ContentError {
    /// The locale key of the field's label.
    fn label(&self) -> &'static str {
        match self.field {
            "issuer" => "guarantees.issuer",
            "letter_no" => "guarantees.letter_no",
            "project_ref" => "guarantees.project_ref",
            "beneficiary_org_id" => "guarantees.beneficiary",
            "applicant_org_id" => "guarantees.applicant",
            "amount" => "field.amount",
            "valid_from" => "field.valid_from",
            _ => "field.valid_until",
        }
    }

    /// The message in the reader's language, naming the field by its label.
    pub fn text(&self) -> Text {
        let text = match self.problem {
            ContentProblem::Empty => Text::new("msg.guarantee.content.empty"),
            ContentProblem::TooLong(max) => {
                Text::new("msg.guarantee.content.too_long").arg("max", max)
            }
            ContentProblem::Spaces => Text::new("msg.guarantee.content.spaces"),
            ContentProblem::Control => Text::new("msg.guarantee.content.control"),
            ContentProblem::NoOrganization => Text::new("msg.guarantee.content.organization"),
            ContentProblem::NotPositive => Text::new("msg.guarantee.content.positive"),
            ContentProblem::YearOutOfRange => Text::new("msg.guarantee.content.year"),
            ContentProblem::BeforeValidFrom => Text::new("msg.guarantee.content.before_from"),
        };
        text.key_arg("field", self.label())
    }
}

/// The serialization of canonical form 1; the field order is the keys' byte order.
#[derive(Serialize)]
struct CanonicalV1<'a> {
    amount: String,
    applicant_org_id: i64,
    beneficiary_org_id: i64,
    format: &'static str,
    issuer: &'a str,
    kind: &'static str,
    letter_no: &'a str,
    project_ref: Option<&'a str>,
    valid_from: String,
    valid_until: String,
}

fn check_text(field: &'static str, value: &str, max_chars: usize) -> Result<(), ContentError> {
    let problem = if value.is_empty() {
        ContentProblem::Empty
    } else if value.chars().count() > max_chars {
        ContentProblem::TooLong(max_chars)
    } else if value.trim() != value {
        ContentProblem::Spaces
    } else if value.chars().any(char::is_control) {
        ContentProblem::Control
    } else {
        return Ok(());
    };
    Err(ContentError { field, problem })
}

impl LetterContent {
    /// The rules every letter's fields meet before it is signed or registered.
    pub fn validate(&self) -> Result<(), ContentError> {
        check_text("issuer", &self.issuer, 100)?;
        check_text("letter_no", &self.letter_no, 64)?;
        if let Some(project) = &self.project_ref {
            check_text("project_ref", project, 64)?;
        }
        if self.beneficiary_org_id <= 0 {
            return Err(ContentError {
                field: "beneficiary_org_id",
                problem: ContentProblem::NoOrganization,
            });
        }
        if self.applicant_org_id <= 0 {
            return Err(ContentError {
                field: "applicant_org_id",
                problem: ContentProblem::NoOrganization,
            });
        }
        if !self.amount.is_positive() {
            return Err(ContentError {
                field: "amount",
                problem: ContentProblem::NotPositive,
            });
        }
        for (field, date) in [
            ("valid_from", self.valid_from),
            ("valid_until", self.valid_until),
        ] {
            if !(2000..=9999).contains(&date.year()) {
                return Err(ContentError {
                    field,
                    problem: ContentProblem::YearOutOfRange,
                });
            }
        }
        if self.valid_until < self.valid_from {
            return Err(ContentError {
                field: "valid_until",
                problem: ContentProblem::BeforeValidFrom,
            });
        }
        Ok(())
    }

    pub fn validity(&self) -> Validity {
        Validity {
            from: self.valid_from,
            until: self.valid_until,
        }
    }

    /// The bytes the issuer signs (see the module documentation).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let canonical = CanonicalV1 {
            amount: self.amount.to_string(),
            applicant_org_id: self.applicant_org_id,
            beneficiary_org_id: self.beneficiary_org_id,
            format: CANONICAL_FORMAT,
            issuer: &self.issuer,
            kind: self.kind.as_str(),
            letter_no: &self.letter_no,
            project_ref: self.project_ref.as_deref(),
            valid_from: self.valid_from.format("%Y-%m-%d").to_string(),
            valid_until: self.valid_until.format("%Y-%m-%d").to_string(),
        };
        // A struct of strings and integers always serializes.
        serde_json::to_vec(&canonical).unwrap_or_default()
    }
}

/// A key that cannot be used as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "not a PEM SubjectPublicKeyInfo SM2 public key (-----BEGIN PUBLIC KEY----- with the SM2 curve)"
    )]
    NotSm2PublicKey,
    #[error("not a PEM SubjectPublicKeyInfo RSA public key (-----BEGIN PUBLIC KEY-----)")]
    NotRsaPublicKey,
    #[error("the RSA key has {0} bits; at least 2048 are required")]
    RsaTooSmall(usize),
    #[error("not a PEM PKCS#8 SM2 or RSA private key (-----BEGIN PRIVATE KEY-----)")]
    NotPrivateKey,
    #[error("the key could not be used: {0}")]
    Unusable(String),
}

impl KeyError {
    /// The message in the reader's language.
    pub fn text(&self) -> Text {
        match self {
            KeyError::NotSm2PublicKey => Text::new("msg.guarantee.key.not_sm2"),
            KeyError::NotRsaPublicKey => Text::new("msg.guarantee.key.not_rsa"),
            KeyError::RsaTooSmall(bits) => Text::new("msg.guarantee.key.rsa_small")
                .arg("bits", bits)
                .arg("min", RSA_MIN_BITS),
            KeyError::NotPrivateKey => Text::new("msg.guarantee.key.not_private"),
            KeyError::Unusable(_) => Text::new("msg.guarantee.key.unusable"),
        }
    }
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is not base64")]
    NotBase64,
    #[error("the signature is not an encoded {0} signature")]
    Malformed(&'static str),
    #[error(
        "the letter's content or signature does not match the issuer's registered {0} key: the content was altered after signing or the issuer did not sign it"
    )]
    Mismatch(&'static str),
}

impl SignatureError {
    /// The message in the reader's language.
    pub fn text(&self) -> Text {
        match self {
            SignatureError::NotBase64 => Text::new("msg.guarantee.signature.not_base64"),
            SignatureError::Malformed(algorithm) => {
                Text::new("msg.guarantee.signature.malformed").arg("algorithm", algorithm)
            }
            SignatureError::Mismatch(algorithm) => {
                Text::new("msg.guarantee.signature.mismatch").arg("algorithm", algorithm)
            }
        }
    }
}

/// An issuer's registered public key, ready to verify.
#[derive(Debug, Clone)]
pub enum IssuerPublicKey {
    Sm2(Box<sm2::dsa::VerifyingKey>),
    Rsa(Box<rsa::PublicKey>),
}

impl IssuerPublicKey {
    /// Parses a PEM SubjectPublicKeyInfo for the algorithm (RSA keys: at least 2048 bits).
    pub fn from_pem(algorithm: Algorithm, pem: &str) -> Result<Self, KeyError> {
        match algorithm {
            Algorithm::Sm2 => {
                let key = sm2::PublicKey::from_public_key_pem(pem.trim())
                    .map_err(|_| KeyError::NotSm2PublicKey)?;
                let verifying = sm2::dsa::VerifyingKey::new(SM2_SIGNER_ID, key)
                    .map_err(|e| KeyError::Unusable(e.to_string()))?;
                Ok(IssuerPublicKey::Sm2(Box::new(verifying)))
            }
            Algorithm::Rsa => {
                let key = rsa::PublicKey::from_public_key_pem(pem.trim())
                    .map_err(|_| KeyError::NotRsaPublicKey)?;
                let bits = key.n().bit_width() as usize;
                if bits < RSA_MIN_BITS {
                    return Err(KeyError::RsaTooSmall(bits));
                }
                Ok(IssuerPublicKey::Rsa(Box::new(key)))
            }
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            IssuerPublicKey::Sm2(_) => Algorithm::Sm2,
            IssuerPublicKey::Rsa(_) => Algorithm::Rsa,
        }
    }

    /// Checks `signature` (base64) over the letter's canonical content.
    pub fn verify(&self, content: &LetterContent, signature: &str) -> Result<(), SignatureError> {
        let bytes = BASE64
            .decode(signature.trim())
            .map_err(|_| SignatureError::NotBase64)?;
        let message = content.canonical_bytes();
        match self {
            IssuerPublicKey::Sm2(key) => {
                let parsed = if bytes.len() == 64 {
                    sm2::dsa::Signature::from_slice(&bytes)
                } else {
                    sm2::dsa::Signature::from_der(&bytes)
                }
                .map_err(|_| SignatureError::Malformed("SM2"))?;
                key.verify(&message, &parsed)
                    .map_err(|_| SignatureError::Mismatch("SM2"))
            }
            IssuerPublicKey::Rsa(key) => {
                if bytes.len() != key.size() {
                    return Err(SignatureError::Malformed("RSA"));
                }
                key.pkcs1v15_verify::<Sha256>(&message, &bytes)
                    .map_err(|_| SignatureError::Mismatch("RSA"))
            }
        }
    }
}

/// An issuer's signing key: what a bank's or guarantee company's own system holds. The
/// platform uses it only for the demo issuers (`gpmall guarantee issue`) and in tests.
pub enum IssuerSigningKey {
    Sm2(sm2::SecretKey),
    Rsa(Box<rsa::PrivateKey>),
}

impl IssuerSigningKey {
    /// Parses a PEM PKCS#8 private key, SM2 or RSA.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        if let Ok(key) = sm2::SecretKey::from_pkcs8_pem(pem) {
            return Ok(IssuerSigningKey::Sm2(key));
        }
        rsa::PrivateKey::from_pkcs8_pem(pem)
            .map(|key| IssuerSigningKey::Rsa(Box::new(key)))
            .map_err(|_| KeyError::NotPrivateKey)
    }

    /// A fresh key pair: SM2, or RSA with 3072 bits.
    pub fn generate(algorithm: Algorithm) -> Self {
        use sm2::elliptic_curve::Generate as _;
        match algorithm {
            Algorithm::Sm2 => IssuerSigningKey::Sm2(sm2::SecretKey::generate()),
            Algorithm::Rsa => IssuerSigningKey::Rsa(Box::new(rsa::PrivateKey::generate())),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            IssuerSigningKey::Sm2(_) => Algorithm::Sm2,
            IssuerSigningKey::Rsa(_) => Algorithm::Rsa,
        }
    }

    /// The private key as PEM PKCS#8.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
        let pem = match self {
            IssuerSigningKey::Sm2(key) => key.to_pkcs8_pem(LineEnding::LF),
            IssuerSigningKey::Rsa(key) => key.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map(|p| p.to_string())
            .map_err(|e| KeyError::Unusable(e.to_string()))
    }

    /// The public key to register for the issuer, as PEM SubjectPublicKeyInfo.
    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        use rsa::pkcs8::LineEnding;
        match self {
            IssuerSigningKey::Sm2(key) => key.public_key().to_public_key_pem(LineEnding::LF),
            IssuerSigningKey::Rsa(key) => key.to_public_key().to_public_key_pem(LineEnding::LF),
        }
        .map_err(|e| KeyError::Unusable(e.to_string()))
    }

    /// Signs the letter's canonical content; returns the signature in base64 (SM2: DER).
    pub fn sign(&self, content: &LetterContent) -> Result<String, KeyError> {
        let message = content.canonical_bytes();
        let bytes = match self {
            IssuerSigningKey::Sm2(key) => {
                let signer = sm2::dsa::SigningKey::new(SM2_SIGNER_ID, key)
                    .map_err(|e| KeyError::Unusable(e.to_string()))?;
                let signature: sm2::dsa::Signature = signer.sign(&message);
                signature.to_der().to_vec()
            }
            IssuerSigningKey::Rsa(key) => key
                .pkcs1v15_sign::<Sha256>(&message)
                .map_err(|e| KeyError::Unusable(e.to_string()))?,
        };
        Ok(BASE64.encode(bytes))
    }
}

impl fmt::Debug for IssuerSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuerSigningKey({}, ..)", self.algorithm().as_str())
    }
}

/// The cash deposit a letter is offered in place of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepositPurpose {
    /// A bid/response deposit (投标/响应保证金): covered by a bid letter.
    Bid,
    /// A performance deposit (履约保证金): covered by a performance letter.
    Performance,
}

impl DepositPurpose {
    /// The kind of letter that covers this deposit.
    pub fn letter_kind(self) -> LetterKind {
        match self {
            DepositPurpose::Bid => LetterKind::Bid,
            DepositPurpose::Performance => LetterKind::Performance,
        }
    }
}

/// The facts of a registered letter that decide whether it covers a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterFacts {
    pub status: LetterStatus,
    pub kind: LetterKind,
    pub applicant_org_id: i64,
    pub beneficiary_org_id: i64,
    pub amount: Money,
    pub validity: Validity,
}

/// The deposit a supplier owes a purchasing unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositNeed {
    pub supplier_id: i64,
    pub beneficiary_org_id: i64,
    pub purpose: DepositPurpose,
    pub amount: Money,
    /// The day the letter must be in force on.
    pub on: NaiveDate,
}

/// Why a letter cannot stand in for a deposit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverRefusal {
    #[error("the letter is {}, not verified and in force", .0.as_str())]
    NotInForce(LetterStatus),
    #[error("the letter's applicant is another supplier")]
    OtherApplicant,
    #[error("the letter is in favour of another purchasing unit")]
    OtherBeneficiary,
    #[error("a {} letter does not cover a {} deposit", .letter.as_str(), .needed.as_str())]
    WrongKind {
        letter: LetterKind,
        needed: LetterKind,
    },
    #[error("the letter covers {letter}, less than the deposit of {needed}")]
    TooSmall { letter: Money, needed: Money },
    #[error("the letter is valid from {} to {}, not on {on}", .validity.from, .validity.until)]
    NotValidOn { validity: Validity, on: NaiveDate },
}

/// A verified letter stands in for a cash deposit of the same purpose: same supplier and
/// purchasing unit, bid ↔ bid deposit and performance ↔ performance deposit, an amount at least
/// the deposit's, and in force on the day.
pub fn check_deposit_cover(letter: &LetterFacts, need: &DepositNeed) -> Result<(), CoverRefusal> {
    if letter.status != LetterStatus::Verified {
        return Err(CoverRefusal::NotInForce(letter.status));
    }
    if letter.applicant_org_id != need.supplier_id {
        return Err(CoverRefusal::OtherApplicant);
    }
    if letter.beneficiary_org_id != need.beneficiary_org_id {
        return Err(CoverRefusal::OtherBeneficiary);
    }
    let needed = need.purpose.letter_kind();
    if letter.kind != needed {
        return Err(CoverRefusal::WrongKind {
            letter: letter.kind,
            needed,
        });
    }
    if letter.amount < need.amount {
        return Err(CoverRefusal::TooSmall {
            letter: letter.amount,
            needed: need.amount,
        });
    }
    if !letter.validity.contains(need.on) {
        return Err(CoverRefusal::NotValidOn {
            validity: letter.validity,
            on: need.on,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SM2_KEY: &str = include_str!("../../../demo/issuers/ccb-jiangbei.sm2.key.pem");
    const SM2_PUB: &str = include_str!("../../../demo/issuers/ccb-jiangbei.sm2.pub.pem");
    const RSA_KEY: &str = include_str!("../../../demo/issuers/sanxia-guarantee.rsa.key.pem");
    const RSA_PUB: &str = include_str!("../../../demo/issuers/sanxia-guarantee.rsa.pub.pem");

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn letter() -> LetterContent {
        LetterContent {
            issuer: "中国建设银行重庆江北支行".to_owned(),
            letter_no: "JB-2026-0001".to_owned(),
            kind: LetterKind::Bid,
            beneficiary_org_id: 3,
            applicant_org_id: 7,
            amount: Money::from_yuan(20_000),
            valid_from: day("2026-03-01"),
            valid_until: day("2026-09-30"),
            project_ref: None,
        }
    }

    #[test]
    fn canonical_form_is_exact() {
        let text = String::from_utf8(letter().canonical_bytes()).unwrap();
        assert_eq!(
            text,
            r#"{"amount":"20000.00","applicant_org_id":7,"beneficiary_org_id":3,"format":"gpmall-guarantee-letter/1","issuer":"中国建设银行重庆江北支行","kind":"bid","letter_no":"JB-2026-0001","project_ref":null,"valid_from":"2026-03-01","valid_until":"2026-09-30"}"#
        );
        let with_ref = LetterContent {
            project_ref: Some("JBCG-2026-\"017\"".to_owned()),
            amount: Money::from_fen(5),
            valid_from: day("2026-01-09"),
            ..letter()
        };
        let text = String::from_utf8(with_ref.canonical_bytes()).unwrap();
        assert!(text.starts_with(r#"{"amount":"0.05","#), "{text}");
        assert!(
            text.contains(r#""project_ref":"JBCG-2026-\"017\"","valid_from":"2026-01-09","#),
            "{text}"
        );
    }

    #[test]
    fn canonical_keys_are_sorted_and_complete() {
        let value: serde_json::Value = serde_json::from_slice(&letter().canonical_bytes()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let text = String::from_utf8(letter().canonical_bytes()).unwrap();
        let mut positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap())
            .collect();
        let in_text_order = positions.clone();
        positions.sort();
        assert_eq!(positions, in_text_order, "keys appear in byte order");
        assert_eq!(keys.len(), 10);
    }

    #[test]
    fn every_field_changes_the_canonical_bytes() {
        let base = letter().canonical_bytes();
        let variants = [
            LetterContent {
                issuer: "中国建设银行重庆渝北支行".to_owned(),
                ..letter()
            },
            LetterContent {
                letter_no: "JB-2026-0002".to_owned(),
                ..letter()
            },
            LetterContent {
                kind: LetterKind::Performance,
                ..letter()
            },
            LetterContent {
                beneficiary_org_id: 4,
                ..letter()
            },
            LetterContent {
                applicant_org_id: 8,
                ..letter()
            },
            LetterContent {
                amount: Money::from_fen(2_000_001),
                ..letter()
            },
            LetterContent {
                valid_from: day("2026-03-02"),
                ..letter()
            },
            LetterContent {
                valid_until: day("2026-10-01"),
                ..letter()
            },
            LetterContent {
                project_ref: Some("P-1".to_owned()),
                ..letter()
            },
        ];
        for variant in variants {
            assert_ne!(variant.canonical_bytes(), base, "{variant:?}");
        }
    }

    #[test]
    fn sm2_sign_then_verify_and_tampering_fails() {
        let signer = IssuerSigningKey::from_pkcs8_pem(SM2_KEY).unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Sm2);
        let key = IssuerPublicKey::from_pem(Algorithm::Sm2, SM2_PUB).unwrap();
        let signature = signer.sign(&letter()).unwrap();
        key.verify(&letter(), &signature).unwrap();
        // The raw r‖s form verifies too.
        let der = BASE64.decode(&signature).unwrap();
        let raw = sm2::dsa::Signature::from_der(&der).unwrap().to_bytes();
        key.verify(&letter(), &BASE64.encode(raw)).unwrap();

        let tampered = [
            LetterContent {
                amount: Money::from_yuan(200_000),
                ..letter()
            },
            LetterContent {
                valid_until: day("2027-09-30"),
                ..letter()
            },
            LetterContent {
                letter_no: "JB-2026-0009".to_owned(),
                ..letter()
            },
        ];
        for content in &tampered {
            assert_eq!(
                key.verify(content, &signature),
                Err(SignatureError::Mismatch("SM2"))
            );
        }
    }

    #[test]
    fn rsa_sign_then_verify_and_tampering_fails() {
        let signer = IssuerSigningKey::from_pkcs8_pem(RSA_KEY).unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Rsa);
        let key = IssuerPublicKey::from_pem(Algorithm::Rsa, RSA_PUB).unwrap();
        let content = LetterContent {
            issuer: "重庆三峡融资担保集团股份有限公司".to_owned(),
            kind: LetterKind::Performance,
            project_ref: Some("HT20260302000001".to_owned()),
            ..letter()
        };
        let signature = signer.sign(&content).unwrap();
        key.verify(&content, &signature).unwrap();
        for tampered in [
            LetterContent {
                amount: Money::from_fen(2_000_100),
                ..content.clone()
            },
            LetterContent {
                valid_from: day("2026-02-28"),
                ..content.clone()
            },
            LetterContent {
                letter_no: "JB-2026-0001A".to_owned(),
                ..content.clone()
            },
            LetterContent {
                project_ref: None,
                ..content.clone()
            },
        ] {
            assert_eq!(
                key.verify(&tampered, &signature),
                Err(SignatureError::Mismatch("RSA"))
            );
        }
        // One flipped bit in the signature fails as well.
        let mut bytes = BASE64.decode(&signature).unwrap();
        bytes[10] ^= 1;
        assert_eq!(
            key.verify(&content, &BASE64.encode(bytes)),
            Err(SignatureError::Mismatch("RSA"))
        );
    }

    /// Signatures made by OpenSSL 3.0 over the example canonical content:
    /// `openssl dgst -sm3 -sign ccb-jiangbei.sm2.key.pem -sigopt distid:1234567812345678` and
    /// `openssl dgst -sha256 -sign sanxia-guarantee.rsa.key.pem`, so an issuer's own tooling works.
    #[test]
    fn openssl_signatures_verify() {
        const SM2_SIG: &str = "MEUCIQCwC2spSwAL3k5pHFwpL6eSmR+ZJ1vzijM7H+wW+wBp0AIgRHxZJzlVli4ih8IwuwkdbFqfjZDl97t9RYzX3a4OlqE=";
        const RSA_SIG: &str = "AUWAmQHcQCnao4hET8gtR81Y3yMmCsDBFTywEHQ0tMON1W3Ep1rutsCp3Q1JbZJPYYKLOaVgaW5ibUHc2GhXJ/vXs3aiTiKeVbW+vF7Lgb2IKMFzWD8XEdjRqd+DrbiXrZ0PXENJLD2f0NnTEVFRhpl1HNomZ45NXi7IS3nJouI52NYpPGjDtW+t9g1wH4lJPdrR6GWrH1g0GnRAiVr8nrHirxhpSPKsEPXxbwNBdl2Bm5tmYqfpY/GFTn+CuTso8x0LJPaSMmfjCKb0XXpgf3N5mBEobIZzfyVjWDobnerZ4HPJqTGRPzJlaesZHP89wdmm/YMfgQRNDmM8tPrpcQ==";
        let sm2_key = IssuerPublicKey::from_pem(Algorithm::Sm2, SM2_PUB).unwrap();
        sm2_key.verify(&letter(), SM2_SIG).unwrap();
        let rsa_key = IssuerPublicKey::from_pem(Algorithm::Rsa, RSA_PUB).unwrap();
        rsa_key.verify(&letter(), RSA_SIG).unwrap();
        let altered = LetterContent {
            beneficiary_org_id: 4,
            ..letter()
        };
        assert!(sm2_key.verify(&altered, SM2_SIG).is_err());
        assert!(rsa_key.verify(&altered, RSA_SIG).is_err());
    }

    #[test]
    fn a_wrong_key_fails() {
        let sm2_signature = IssuerSigningKey::from_pkcs8_pem(SM2_KEY)
            .unwrap()
            .sign(&letter())
            .unwrap();
        let other = IssuerSigningKey::generate(Algorithm::Sm2);
        let other_key =
            IssuerPublicKey::from_pem(Algorithm::Sm2, &other.public_key_pem().unwrap()).unwrap();
        assert_eq!(
            other_key.verify(&letter(), &sm2_signature),
            Err(SignatureError::Mismatch("SM2"))
        );
        // An RSA signature under an SM2 key, and the reverse, are malformed for that key.
        let rsa_signature = IssuerSigningKey::from_pkcs8_pem(RSA_KEY)
            .unwrap()
            .sign(&letter())
            .unwrap();
        let sm2_key = IssuerPublicKey::from_pem(Algorithm::Sm2, SM2_PUB).unwrap();
        assert!(sm2_key.verify(&letter(), &rsa_signature).is_err());
        let rsa_key = IssuerPublicKey::from_pem(Algorithm::Rsa, RSA_PUB).unwrap();
        assert_eq!(
            rsa_key.verify(&letter(), &sm2_signature),
            Err(SignatureError::Malformed("RSA"))
        );
        assert_eq!(
            rsa_key.verify(&letter(), "not base64!"),
            Err(SignatureError::NotBase64)
        );
    }

    #[test]
    fn keys_are_checked_against_the_algorithm() {
        assert!(IssuerPublicKey::from_pem(Algorithm::Sm2, SM2_PUB).is_ok());
        assert_eq!(
            IssuerPublicKey::from_pem(Algorithm::Rsa, SM2_PUB).unwrap_err(),
            KeyError::NotRsaPublicKey
        );
        assert_eq!(
            IssuerPublicKey::from_pem(Algorithm::Sm2, RSA_PUB).unwrap_err(),
            KeyError::NotSm2PublicKey
        );
        assert_eq!(
            IssuerPublicKey::from_pem(Algorithm::Sm2, "hello").unwrap_err(),
            KeyError::NotSm2PublicKey
        );
        assert!(IssuerSigningKey::from_pkcs8_pem(SM2_PUB).is_err());
    }

    #[test]
    fn generated_keys_round_trip_through_pem() {
        let key = IssuerSigningKey::generate(Algorithm::Sm2);
        let again = IssuerSigningKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(
            key.public_key_pem().unwrap(),
            again.public_key_pem().unwrap()
        );
        let public =
            IssuerPublicKey::from_pem(Algorithm::Sm2, &again.public_key_pem().unwrap()).unwrap();
        public
            .verify(&letter(), &key.sign(&letter()).unwrap())
            .unwrap();
    }

    #[test]
    fn content_rules() {
        assert_eq!(letter().validate(), Ok(()));
        let bad = [
            (
                LetterContent {
                    letter_no: " JB-1".to_owned(),
                    ..letter()
                },
                "letter_no",
            ),
            (
                LetterContent {
                    letter_no: String::new(),
                    ..letter()
                },
                "letter_no",
            ),
            (
                LetterContent {
                    letter_no: "JB\n1".to_owned(),
                    ..letter()
                },
                "letter_no",
            ),
            (
                LetterContent {
                    amount: Money::ZERO,
                    ..letter()
                },
                "amount",
            ),
            (
                LetterContent {
                    valid_until: day("2026-02-28"),
                    ..letter()
                },
                "valid_until",
            ),
            (
                LetterContent {
                    project_ref: Some(String::new()),
                    ..letter()
                },
                "project_ref",
            ),
            (
                LetterContent {
                    applicant_org_id: 0,
                    ..letter()
                },
                "applicant_org_id",
            ),
        ];
        for (content, field) in bad {
            assert_eq!(content.validate().unwrap_err().field, field, "{content:?}");
        }
    }

    #[test]
    fn transitions_as_a_table() {
        use LetterEvent as E;
        use LetterRefusal as R;
        use LetterStatus as S;
        let validity = Validity {
            from: day("2026-03-01"),
            until: day("2026-09-30"),
        };
        let before = day("2026-02-28");
        let within = day("2026-06-01");
        let last_day = day("2026-09-30");
        let after = day("2026-10-01");
        let until = validity.until;
        // Every status, every event, on each day that matters to it (before, within, on the
        // last day and after the validity).
        let mut table: Vec<(S, E, NaiveDate, Result<S, R>)> = Vec::new();
        for today in [before, within, last_day, after] {
            let claim = if today > until {
                Err(R::ClaimAfterValidity { until })
            } else if today < validity.from {
                Err(R::ClaimBeforeValidity {
                    from: validity.from,
                })
            } else {
                Ok(S::Claimed)
            };
            let expire = if today > until {
                Ok(S::Expired)
            } else {
                Err(R::StillValid { until })
            };
            table.extend([
                (S::Verified, E::Release, today, Ok(S::Released)),
                (S::Verified, E::Claim, today, claim),
                (S::Verified, E::ClaimPaid, today, Err(R::NoClaim)),
                (S::Verified, E::ClaimRefused, today, Err(R::NoClaim)),
                (S::Verified, E::Expire, today, expire),
                (S::Claimed, E::Release, today, Err(R::ClaimPending)),
                (S::Claimed, E::Claim, today, Err(R::ClaimPending)),
                (S::Claimed, E::ClaimPaid, today, Ok(S::ClaimPaid)),
                (S::Claimed, E::ClaimRefused, today, Ok(S::ClaimRefused)),
                (S::Claimed, E::Expire, today, Err(R::ClaimPending)),
            ]);
            for status in [S::Released, S::ClaimPaid, S::ClaimRefused, S::Expired] {
                for event in E::ALL {
                    table.push((status, event, today, Err(R::Final)));
                }
            }
        }
        // The concrete days of the old table, spelled out.
        assert!(table.contains(&(S::Verified, E::Claim, last_day, Ok(S::Claimed))));
        assert!(table.contains(&(
            S::Verified,
            E::Expire,
            last_day,
            Err(R::StillValid { until })
        )));
        assert_eq!(table.len(), 4 * S::ALL.len() * E::ALL.len());
        for status in S::ALL {
            for event in E::ALL {
                assert_eq!(
                    table
                        .iter()
                        .filter(|(s, e, ..)| (*s, *e) == (status, event))
                        .count(),
                    4,
                    "{status:?} {event:?}"
                );
            }
        }
        for (from, event, today, expected) in &table {
            let got = transition(*from, *event, validity, *today);
            assert_eq!(
                got.clone().map_err(|e| e.reason),
                *expected,
                "{from:?} + {event:?} on {today}"
            );
            if let Err(refusal) = got {
                crate::domain::deposits::tests::assert_phrased(&refusal.text());
            }
        }
        let late = transition(S::Verified, E::Claim, validity, after).unwrap_err();
        assert_eq!(
            late.to_string(),
            "a verified letter cannot be claimed under: it was valid until 2026-09-30; a claim must be made within the validity"
        );
        let zh =
            gpmall_platform::i18n::Tr::new(gpmall_platform::i18n::Lang::ZhCn).render(&late.text());
        assert!(zh.contains("2026-09-30"), "{zh}");
    }

    #[test]
    fn statuses_round_trip_their_stored_names() {
        for s in [
            LetterStatus::Verified,
            LetterStatus::Released,
            LetterStatus::Claimed,
            LetterStatus::ClaimPaid,
            LetterStatus::ClaimRefused,
            LetterStatus::Expired,
        ] {
            assert_eq!(LetterStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for k in [
            LetterKind::Bid,
            LetterKind::Performance,
            LetterKind::Prepayment,
        ] {
            assert_eq!(LetterKind::parse(k.as_str()), Some(k));
        }
        for k in [
            IssuerKind::Bank,
            IssuerKind::Insurer,
            IssuerKind::GuaranteeCompany,
        ] {
            assert_eq!(IssuerKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn deposit_cover_rules() {
        let facts = LetterFacts {
            status: LetterStatus::Verified,
            kind: LetterKind::Bid,
            applicant_org_id: 7,
            beneficiary_org_id: 3,
            amount: Money::from_yuan(20_000),
            validity: Validity {
                from: day("2026-03-01"),
                until: day("2026-09-30"),
            },
        };
        let need = DepositNeed {
            supplier_id: 7,
            beneficiary_org_id: 3,
            purpose: DepositPurpose::Bid,
            amount: Money::from_yuan(20_000),
            on: day("2026-03-10"),
        };
        assert_eq!(check_deposit_cover(&facts, &need), Ok(()));
        let smaller = DepositNeed {
            amount: Money::from_yuan(15_000),
            ..need
        };
        assert_eq!(check_deposit_cover(&facts, &smaller), Ok(()));
        let cases = [
            (
                LetterFacts {
                    status: LetterStatus::Released,
                    ..facts
                },
                need,
            ),
            (
                LetterFacts {
                    status: LetterStatus::Expired,
                    ..facts
                },
                need,
            ),
            (
                facts,
                DepositNeed {
                    supplier_id: 8,
                    ..need
                },
            ),
            (
                facts,
                DepositNeed {
                    beneficiary_org_id: 4,
                    ..need
                },
            ),
            (
                facts,
                DepositNeed {
                    purpose: DepositPurpose::Performance,
                    ..need
                },
            ),
            (
                facts,
                DepositNeed {
                    amount: Money::from_fen(2_000_001),
                    ..need
                },
            ),
            (
                facts,
                DepositNeed {
                    on: day("2026-10-01"),
                    ..need
                },
            ),
            (
                LetterFacts {
                    kind: LetterKind::Prepayment,
                    ..facts
                },
                need,
            ),
        ];
        for (letter, need) in cases {
            let refusal = check_deposit_cover(&letter, &need).unwrap_err();
            assert!(!refusal.to_string().is_empty());
        }
    }
}
