//! Guarantee letters (保函): the operator registers issuers and their public keys; the applicant
//! supplier registers a letter, which is kept only when the issuer's signature verifies; the
//! beneficiary purchasing unit releases it or claims under it; the operator records the
//! issuer's answer to a claim; a daily scan warns before expiry and marks expired letters.
//! Other modules ask [`usable_as_deposit`] whether a letter stands in for a cash deposit.
//!
//! One submodule per use case: [`issuers`], [`register`] (a letter verified and kept),
//! [`lifecycle`] (release, claim, claim result), [`scan`] (expiry), [`cover`] (a letter in place
//! of a cash deposit); [`letters`] reads them.

mod cover;
mod issuers;
mod letters;
mod lifecycle;
mod register;
mod scan;

pub use cover::{deposit_cover_refusal, usable_as_deposit};
pub use issuers::{IssuerView, NewIssuer, list_issuers, register_issuer, seed_demo_issuers};
pub use letters::{ClaimView, LetterView, NewLetter, get, list};
pub use lifecycle::{
    ClaimInput, ClaimResultInput, ReleaseInput, claim, record_claim_result, release,
};
pub use register::{RegisterPage, register_letter, register_page};
pub use scan::{GuaranteeScan, scan_guarantee_warnings};

/// The demo bank: signs with SM2 (its private key is `demo/issuers/ccb-jiangbei.sm2.key.pem`).
pub const DEMO_SM2_ISSUER: &str = "中国建设银行重庆江北支行";
/// The demo guarantee company: signs with RSA-2048 (`demo/issuers/sanxia-guarantee.rsa.key.pem`).
pub const DEMO_RSA_ISSUER: &str = "重庆三峡融资担保集团股份有限公司";

/// The warning raised while a letter in force nears its last valid day.
pub const EXPIRING_RULE: &str = "guarantee_expiring";
const SUBJECT: &str = "guarantee_letter";
