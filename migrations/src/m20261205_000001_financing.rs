//! The financing gateway: partner banks with their signing keys, their loan products, and the
//! suppliers' loan applications with a timeline of everything that happened to each.
//!
//! - `bank_keys`: at most two active keys per bank (rotation); HMAC keys hold the shared secret
//!   as hex, SM2 keys the bank's public key as PEM.
//! - `loan_products`: shares and annual rates in parts per million (the percent times 10,000: 3.45% is 34500), terms in months.
//! - `loan_applications`: one undecided-or-running application per contract and bank, held by
//!   a partial unique index so two concurrent applications cannot both pass.
//! - `loan_application_events`: the timeline; a bank event's id is unique per bank.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE bank_partners (
    id {ID},
    org_id BIGINT NOT NULL UNIQUE REFERENCES organizations(id),
    code TEXT NOT NULL UNIQUE,
    base_url TEXT NOT NULL,
    scheme TEXT NOT NULL CHECK (scheme IN ('hmac-sha256','sm2-sm3')),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {TS} NOT NULL
);
CREATE TABLE bank_keys (
    id {ID},
    bank_id BIGINT NOT NULL REFERENCES bank_partners(id),
    key_id TEXT NOT NULL UNIQUE,
    material TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at {TS} NOT NULL,
    retired_at {TS}
);
CREATE INDEX bank_keys_by_bank ON bank_keys (bank_id, active);
CREATE TABLE loan_products (
    id {ID},
    bank_id BIGINT NOT NULL REFERENCES bank_partners(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    max_amount_fen BIGINT NOT NULL CHECK (max_amount_fen > 0),
    max_share_ppm BIGINT NOT NULL CHECK (max_share_ppm > 0 AND max_share_ppm <= 1000000),
    rate_min_ppm BIGINT NOT NULL CHECK (rate_min_ppm >= 0),
    rate_max_ppm BIGINT NOT NULL CHECK (rate_max_ppm >= rate_min_ppm AND rate_max_ppm <= 1000000),
    term_min_months INTEGER NOT NULL CHECK (term_min_months > 0),
    term_max_months INTEGER NOT NULL CHECK (term_max_months >= term_min_months AND term_max_months <= 120),
    eligible_sizes TEXT NOT NULL,
    created_at {TS} NOT NULL,
    UNIQUE (bank_id, code)
);
CREATE TABLE loan_applications (
    id {ID},
    application_no TEXT NOT NULL UNIQUE,
    supplier_org_id BIGINT NOT NULL REFERENCES organizations(id),
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    contract_no TEXT NOT NULL,
    purchaser_org_id BIGINT NOT NULL REFERENCES organizations(id),
    bank_id BIGINT NOT NULL REFERENCES bank_partners(id),
    product_id BIGINT NOT NULL REFERENCES loan_products(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    term_months INTEGER NOT NULL CHECK (term_months > 0),
    unpaid_at_application_fen BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted','delivered','approved','rejected','agreement_signed','disbursed','repaid','closed','withdrawn','expired')),
    consented_by BIGINT NOT NULL REFERENCES users(id),
    consented_at {TS} NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL
);
CREATE UNIQUE INDEX loan_applications_one_running ON loan_applications (contract_id, bank_id)
    WHERE status NOT IN ('rejected','withdrawn','expired','closed');
CREATE INDEX loan_applications_by_supplier ON loan_applications (supplier_org_id, id);
CREATE TABLE loan_application_events (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES loan_applications(id),
    kind TEXT NOT NULL,
    status_after TEXT NOT NULL,
    bank_id BIGINT REFERENCES bank_partners(id),
    bank_event_id TEXT,
    actor_user_id BIGINT REFERENCES users(id),
    note TEXT,
    at {TS} NOT NULL,
    UNIQUE (bank_id, bank_event_id)
);
CREATE INDEX loan_application_events_by_application ON loan_application_events (application_id, id)
"#;

const DOWN: &str = r#"
DROP TABLE loan_application_events;
DROP TABLE loan_applications;
DROP TABLE loan_products;
DROP TABLE bank_keys;
DROP TABLE bank_partners
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, DOWN).await
    }
}
