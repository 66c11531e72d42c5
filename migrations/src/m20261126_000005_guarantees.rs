//! Electronic guarantee letters: the registered issuers with their public keys, and the letters
//! whose issuer signature verified, with their release, claim and expiry.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE guarantee_issuers (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('bank','insurer','guarantee_company')),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('sm2','rsa')),
    public_key_pem TEXT NOT NULL,
    credit_code TEXT,
    created_at {TS} NOT NULL
);
CREATE TABLE guarantee_letters (
    id {ID},
    issuer_id BIGINT NOT NULL REFERENCES guarantee_issuers(id),
    letter_no TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bid','performance','prepayment')),
    beneficiary_org_id BIGINT NOT NULL REFERENCES organizations(id),
    applicant_org_id BIGINT NOT NULL REFERENCES organizations(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    project_ref TEXT,
    signature TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('verified','released','claimed','claim_paid','claim_refused','expired')),
    registered_by BIGINT NOT NULL REFERENCES users(id),
    created_at {TS} NOT NULL,
    released_on TEXT,
    release_note TEXT,
    expired_on TEXT,
    claim_amount_fen BIGINT CHECK (claim_amount_fen > 0 AND claim_amount_fen <= amount_fen),
    claim_reason TEXT,
    claimed_on TEXT,
    claim_result_on TEXT,
    claim_result_note TEXT,
    UNIQUE (issuer_id, letter_no),
    CHECK (valid_from <= valid_until)
);
CREATE INDEX guarantee_letters_applicant ON guarantee_letters(applicant_org_id);
CREATE INDEX guarantee_letters_beneficiary ON guarantee_letters(beneficiary_org_id);
CREATE INDEX guarantee_letters_status ON guarantee_letters(status, valid_until)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["guarantee_letters", "guarantee_issuers"] {
            crate::run_ddl(manager, &format!("DROP TABLE IF EXISTS {table}")).await?;
        }
        Ok(())
    }
}
