//! Settlement: contracts, their instalments and payments, suppliers' collection accounts,
//! operator-maintained reference rates and default terms, and the warnings store.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE supplier_collection_accounts (
    supplier_id BIGINT PRIMARY KEY REFERENCES organizations(id),
    account_name TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    account_no TEXT NOT NULL,
    updated_at {TS} NOT NULL
);
CREATE TABLE reference_rates (
    kind TEXT NOT NULL CHECK (kind IN ('lpr_1y','pboc_lending_1y')),
    effective_from TEXT NOT NULL,
    percent TEXT NOT NULL,
    announced_by TEXT NOT NULL,
    PRIMARY KEY (kind, effective_from)
);
CREATE TABLE default_payment_terms (
    category_code TEXT PRIMARY KEY REFERENCES categories(code),
    terms TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at {TS} NOT NULL
);
CREATE TABLE contracts (
    id {ID},
    contract_no TEXT NOT NULL UNIQUE,
    order_id BIGINT UNIQUE REFERENCES orders(id),
    purchaser_org_id BIGINT NOT NULL REFERENCES organizations(id),
    supplier_id BIGINT NOT NULL REFERENCES organizations(id),
    supplier_is_sme BOOLEAN NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    signed_on TEXT NOT NULL,
    terms TEXT NOT NULL,
    lpr_percent_at_signing TEXT NOT NULL,
    late_rate_num BIGINT NOT NULL CHECK (late_rate_num >= 0),
    late_rate_den BIGINT NOT NULL CHECK (late_rate_den > 0),
    collection_account TEXT NOT NULL,
    publish_by TEXT NOT NULL,
    publish_by_provisional BOOLEAN NOT NULL DEFAULT FALSE,
    published_on TEXT,
    shipped_on TEXT,
    delivered_on TEXT,
    accepted_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('active','completed','terminated')),
    created_at {TS} NOT NULL
);
CREATE INDEX contracts_purchaser ON contracts(purchaser_org_id);
CREATE INDEX contracts_supplier ON contracts(supplier_id);
CREATE TABLE contract_instalments (
    id {ID},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    seq INTEGER NOT NULL,
    principal_fen BIGINT NOT NULL CHECK (principal_fen >= 0),
    paid_fen BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= principal_fen),
    trigger_event TEXT NOT NULL,
    days_after INTEGER NOT NULL,
    milestone TEXT,
    due_on TEXT,
    interest_fen BIGINT NOT NULL DEFAULT 0 CHECK (interest_fen >= 0),
    interest_as_of TEXT,
    UNIQUE (contract_id, seq)
);
CREATE INDEX contract_instalments_due ON contract_instalments(due_on);
CREATE INDEX contract_instalments_accruing ON contract_instalments(due_on)
    WHERE paid_fen < principal_fen OR interest_as_of IS NULL;
CREATE TABLE contract_payments (
    id {ID},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    instalment_id BIGINT NOT NULL REFERENCES contract_instalments(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on TEXT NOT NULL,
    voucher_no TEXT NOT NULL,
    account TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at {TS} NOT NULL
);
CREATE INDEX contract_payments_contract ON contract_payments(contract_id);
CREATE UNIQUE INDEX contract_payments_voucher ON contract_payments(contract_id, voucher_no, instalment_id);
CREATE TABLE warnings (
    id {ID},
    rule TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    responsible_org_id BIGINT NOT NULL REFERENCES organizations(id),
    counterparty_org_id BIGINT REFERENCES organizations(id),
    due_on TEXT,
    message TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open','resolved')),
    created_at {TS} NOT NULL,
    resolved_at {TS},
    UNIQUE (rule, subject_type, subject_id)
);
CREATE INDEX warnings_org ON warnings(responsible_org_id, state);
INSERT INTO reference_rates (kind, effective_from, percent, announced_by) VALUES
    ('lpr_1y', '2023-08-21', '3.45', 'National Interbank Funding Center'),
    ('lpr_1y', '2024-07-22', '3.35', 'National Interbank Funding Center'),
    ('lpr_1y', '2024-10-21', '3.10', 'National Interbank Funding Center'),
    ('lpr_1y', '2025-05-20', '3.00', 'National Interbank Funding Center'),
    ('pboc_lending_1y', '2015-10-24', '4.35', 'People''s Bank of China')
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "warnings",
            "contract_payments",
            "contract_instalments",
            "contracts",
            "default_payment_terms",
            "reference_rates",
            "supplier_collection_accounts",
        ] {
            crate::run_ddl(manager, &format!("DROP TABLE IF EXISTS {table}")).await?;
        }
        Ok(())
    }
}
