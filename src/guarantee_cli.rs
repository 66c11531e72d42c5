//! `gpmall guarantee …`: sign a guarantee letter as a demo issuer (or with any issuer key), so a
//! new user can register and verify one, and make key pairs for new issuers.
//!
//! The demo issuers' private keys are compiled in from `demo/issuers/`: they are demo-only and
//! public, and the matching public keys are what the demo data registers.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use gpmall_platform::Money;
use gpmall_settlement::domain::guarantee::{Algorithm, IssuerSigningKey, LetterKind};
use gpmall_settlement::service::guarantees::{DEMO_RSA_ISSUER, DEMO_SM2_ISSUER, NewLetter};

/// The demo issuers' names and their (demo-only) PKCS#8 private keys.
pub const DEMO_ISSUER_KEYS: [(&str, &str); 2] = [
    (
        DEMO_SM2_ISSUER,
        include_str!("../demo/issuers/ccb-jiangbei.sm2.key.pem"),
    ),
    (
        DEMO_RSA_ISSUER,
        include_str!("../demo/issuers/sanxia-guarantee.rsa.key.pem"),
    ),
];

#[derive(Args)]
pub struct GuaranteeArgs {
    #[command(subcommand)]
    command: GuaranteeCommand,
}

#[derive(Subcommand)]
enum GuaranteeCommand {
    /// Sign a letter as its issuer and print the JSON body for POST /api/v1/guarantee-letters.
    Issue(IssueArgs),
    /// Make a key pair for a new issuer: writes PREFIX.key.pem (PKCS#8, keep it secret) and
    /// PREFIX.pub.pem (register it with POST /api/v1/guarantee-issuers).
    Keygen {
        #[arg(long, value_enum)]
        algorithm: KeyAlgorithm,
        /// Path prefix of the two files written.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyAlgorithm {
    /// SM2 with SM3 (signer id 1234567812345678).
    Sm2,
    /// RSA-3072, PKCS#1 v1.5 with SHA-256.
    Rsa,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Bid,
    Performance,
    Prepayment,
}

#[derive(Args)]
struct IssueArgs {
    /// The issuer's registered name; a demo issuer ("中国建设银行重庆江北支行",
    /// "重庆三峡融资担保集团股份有限公司") signs with its demo key unless --key is given.
    #[arg(long)]
    issuer: String,
    /// The issuer's PKCS#8 PEM private key (SM2 or RSA) when it is not a demo issuer.
    #[arg(long)]
    key: Option<PathBuf>,
    #[arg(long)]
    letter_no: String,
    #[arg(long, value_enum)]
    kind: KindArg,
    /// The purchasing unit's organization id (`GET /api/v1/auth/me` as its buyer shows it).
    #[arg(long)]
    beneficiary_org_id: i64,
    /// The supplier's organization id.
    #[arg(long)]
    applicant_org_id: i64,
    /// In yuan, e.g. 20000.00.
    #[arg(long)]
    amount: Money,
    /// YYYY-MM-DD.
    #[arg(long)]
    valid_from: NaiveDate,
    /// YYYY-MM-DD, the last day a claim may be made.
    #[arg(long)]
    valid_until: NaiveDate,
    /// The procurement procedure number or contract number covered.
    #[arg(long)]
    project_ref: Option<String>,
}

/// The signing key of a demo issuer, by its registered name.
pub fn demo_issuer_key(issuer: &str) -> Option<IssuerSigningKey> {
    DEMO_ISSUER_KEYS
        .iter()
        .find(|(name, _)| *name == issuer)
        .and_then(|(_, pem)| IssuerSigningKey::from_pkcs8_pem(pem).ok())
}

/// Signs a letter: fills in `signature` over the canonical content of `letter`'s fields.
pub fn sign_letter(key: &IssuerSigningKey, mut letter: NewLetter) -> anyhow::Result<NewLetter> {
    let content = letter.content();
    content
        .validate()
        .map_err(|e| anyhow::anyhow!("the letter cannot be signed: {e}"))?;
    letter.signature = key.sign(&content)?;
    Ok(letter)
}

pub fn run(args: GuaranteeArgs) -> anyhow::Result<()> {
    match args.command {
        GuaranteeCommand::Issue(issue) => {
            let key = match &issue.key {
                Some(path) => {
                    let pem = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    IssuerSigningKey::from_pkcs8_pem(&pem)
                        .with_context(|| format!("{}", path.display()))?
                }
                None => demo_issuer_key(&issue.issuer).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{} is not a demo issuer ({DEMO_SM2_ISSUER}, {DEMO_RSA_ISSUER}); pass its private key with --key",
                        issue.issuer
                    )
                })?,
            };
            let letter = NewLetter {
                issuer: issue.issuer,
                letter_no: issue.letter_no,
                kind: match issue.kind {
                    KindArg::Bid => LetterKind::Bid,
                    KindArg::Performance => LetterKind::Performance,
                    KindArg::Prepayment => LetterKind::Prepayment,
                },
                beneficiary_org_id: issue.beneficiary_org_id,
                applicant_org_id: issue.applicant_org_id,
                amount: issue.amount,
                valid_from: issue.valid_from,
                valid_until: issue.valid_until,
                project_ref: issue.project_ref,
                signature: String::new(),
            };
            let signed = sign_letter(&key, letter)?;
            println!("{}", serde_json::to_string_pretty(&signed)?);
            Ok(())
        }
        GuaranteeCommand::Keygen { algorithm, out } => {
            let key = IssuerSigningKey::generate(match algorithm {
                KeyAlgorithm::Sm2 => Algorithm::Sm2,
                KeyAlgorithm::Rsa => Algorithm::Rsa,
            });
            let private_path = PathBuf::from(format!("{}.key.pem", out.display()));
            let public_path = PathBuf::from(format!("{}.pub.pem", out.display()));
            write_new(&private_path, &key.to_pkcs8_pem()?)?;
            write_new(&public_path, &key.public_key_pem()?)?;
            println!(
                "wrote {} (private: keep it with the issuer) and {} (register it as the issuer's public_key_pem)",
                private_path.display(),
                public_path.display()
            );
            Ok(())
        }
    }
}

/// Writes a file that must not exist yet, so a key is never overwritten.
fn write_new(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_issuers_have_their_keys() {
        assert_eq!(
            demo_issuer_key(DEMO_SM2_ISSUER).unwrap().algorithm(),
            Algorithm::Sm2
        );
        assert_eq!(
            demo_issuer_key(DEMO_RSA_ISSUER).unwrap().algorithm(),
            Algorithm::Rsa
        );
        assert!(demo_issuer_key("某银行").is_none());
    }
}
