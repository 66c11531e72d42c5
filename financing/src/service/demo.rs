//! The embedded demo's two partner banks, one signing with HMAC-SHA256 and one with SM2, with
//! the published test-vector keys (docs/bank-partner-api.md) and a product each.

use chrono::{DateTime, Utc};
use gpmall_platform::identity::EnterpriseSize;
use gpmall_platform::ids::{OrgId, UserId};
use gpmall_platform::{ApiError, Money};
use sea_orm::ConnectionTrait;

use crate::domain::signing::{Scheme, test_vectors};
use crate::repo::banks::{self, NewBankRow, NewProductRow};

/// A demo bank: its organization and the username of its integration user.
pub struct DemoBank {
    pub org_id: OrgId,
    pub username: &'static str,
    pub name: &'static str,
}

struct Seed {
    name: &'static str,
    credit_code: &'static str,
    code: &'static str,
    scheme: Scheme,
    key_id: &'static str,
    key: &'static str,
    username: &'static str,
    product_code: &'static str,
    product_name: &'static str,
    max_yuan: i64,
    share_ppm: i64,
    rate_ppm: (i64, i64),
    months: (i32, i32),
    sizes: &'static [EnterpriseSize],
}

/// Seeds the demo banks; their base URLs point at the sandbox bank on this machine.
pub async fn seed_demo_banks<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    operator: UserId,
) -> Result<Vec<DemoBank>, ApiError> {
    use EnterpriseSize as S;
    let seeds = [
        Seed {
            name: "重庆农村商业银行江北支行",
            credit_code: "91500105MA5U7XQ2BE",
            code: "cqrcb-jb",
            scheme: Scheme::HmacSha256,
            key_id: test_vectors::HMAC_KEY_ID,
            key: test_vectors::HMAC_SECRET_HEX,
            username: "bank1",
            product_code: "ZCD-XY",
            product_name: "政采贷·信用贷",
            max_yuan: 3_000_000,
            share_ppm: 800_000,
            rate_ppm: (34_500, 43_500),
            months: (3, 12),
            sizes: &[S::Medium, S::Small, S::Micro],
        },
        Seed {
            name: "中国建设银行重庆江北支行",
            credit_code: "91500000MA5YJ6BQ8B",
            code: "ccb-jb",
            scheme: Scheme::Sm2Sm3,
            key_id: test_vectors::SM2_KEY_ID,
            key: test_vectors::SM2_PUBLIC_PEM,
            username: "bank2",
            product_code: "ZCED",
            product_name: "政采e贷",
            max_yuan: 10_000_000,
            share_ppm: 700_000,
            rate_ppm: (31_000, 39_500),
            months: (1, 12),
            sizes: &[S::Large, S::Medium, S::Small, S::Micro],
        },
    ];
    let mut banks_made = Vec::new();
    for seed in seeds {
        let base_url = format!("http://127.0.0.1:8080/sandbox-bank/{}", seed.code);
        let bank = banks::insert(
            conn,
            NewBankRow {
                name: seed.name,
                credit_code: seed.credit_code,
                region: "重庆市江北区",
                code: seed.code,
                base_url: &base_url,
                scheme: seed.scheme.as_str(),
                created_by: operator,
            },
            now,
        )
        .await?;
        banks::insert_key(conn, bank.id, seed.key_id, seed.key, now).await?;
        let sizes: Vec<&str> = seed.sizes.iter().map(|s| s.as_str()).collect();
        banks::insert_product(
            conn,
            NewProductRow {
                bank_id: bank.id,
                code: seed.product_code,
                name: seed.product_name,
                max_amount_fen: Money::from_yuan(seed.max_yuan).fen(),
                max_share_ppm: seed.share_ppm,
                rate_min_ppm: seed.rate_ppm.0,
                rate_max_ppm: seed.rate_ppm.1,
                term_min_months: seed.months.0,
                term_max_months: seed.months.1,
                eligible_sizes: &sizes.join(","),
            },
            now,
        )
        .await?;
        banks_made.push(DemoBank {
            org_id: bank.org_id,
            username: seed.username,
            name: seed.name,
        });
    }
    Ok(banks_made)
}
