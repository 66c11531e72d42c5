//! Deposits: procurement procedures registered by purchasers (until the mall runs its own),
//! their events, and the bid/response and performance deposits held for them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Business dates are `YYYY-MM-DD` TEXT, money BIGINT fen. A bid deposit belongs to a procedure,
/// a performance deposit to a contract; one of each per supplier and procedure or contract.
const UP: &str = r#"
CREATE TABLE procedures (
    id {ID},
    procedure_no TEXT NOT NULL,
    name TEXT NOT NULL,
    purchaser_org_id BIGINT NOT NULL REFERENCES organizations(id),
    budget_fen BIGINT NOT NULL CHECK (budget_fen > 0),
    deposit_required BOOLEAN NOT NULL,
    deposit_amount_fen BIGINT CHECK (deposit_amount_fen IS NULL OR deposit_amount_fen > 0),
    status TEXT NOT NULL CHECK (status IN ('registered','awarded','contract_signed','terminated')),
    winner_supplier_id BIGINT REFERENCES organizations(id),
    award_notice_on TEXT,
    contract_signed_on TEXT,
    terminated_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {TS} NOT NULL,
    UNIQUE (purchaser_org_id, procedure_no),
    CHECK ((deposit_required AND deposit_amount_fen IS NOT NULL) OR (NOT deposit_required AND deposit_amount_fen IS NULL))
);
CREATE TABLE procedure_events (
    id {ID},
    procedure_id BIGINT NOT NULL REFERENCES procedures(id),
    event TEXT NOT NULL CHECK (event IN ('withdrawal','award_notice','contract_signed','terminated')),
    supplier_id BIGINT REFERENCES organizations(id),
    occurred_on TEXT NOT NULL,
    details TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at {TS} NOT NULL
);
CREATE INDEX procedure_events_procedure ON procedure_events(procedure_id);
CREATE TABLE deposits (
    id {ID},
    kind TEXT NOT NULL CHECK (kind IN ('bid','performance')),
    procedure_id BIGINT REFERENCES procedures(id),
    contract_id BIGINT REFERENCES contracts(id),
    purchaser_org_id BIGINT NOT NULL REFERENCES organizations(id),
    supplier_id BIGINT NOT NULL REFERENCES organizations(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    form TEXT NOT NULL CHECK (form IN ('bank_transfer','cheque','draft','promissory_note','guarantee_letter')),
    reference TEXT,
    received_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held','refund_due','refunded','converted')),
    refund_trigger TEXT CHECK (refund_trigger IS NULL OR refund_trigger IN ('withdrawal','award_notice','contract_signed','terminated','contract_accepted')),
    trigger_on TEXT,
    refund_due_on TEXT,
    refund_due_provisional BOOLEAN NOT NULL DEFAULT FALSE,
    refund_days_after_acceptance INTEGER,
    late_interest TEXT,
    refunded_on TEXT,
    refund_amount_fen BIGINT,
    interest_fen BIGINT CHECK (interest_fen IS NULL OR interest_fen >= 0),
    supplier_caused_delay BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at {TS} NOT NULL,
    UNIQUE (procedure_id, supplier_id, kind),
    UNIQUE (contract_id, kind),
    CHECK ((kind = 'bid' AND procedure_id IS NOT NULL AND contract_id IS NULL)
        OR (kind = 'performance' AND contract_id IS NOT NULL AND refund_days_after_acceptance IS NOT NULL)),
    CHECK (status <> 'refund_due' OR (refund_trigger IS NOT NULL AND refund_due_on IS NOT NULL)),
    CHECK (status <> 'refunded' OR (refunded_on IS NOT NULL AND refund_amount_fen IS NOT NULL AND interest_fen IS NOT NULL))
);
CREATE INDEX deposits_purchaser ON deposits(purchaser_org_id, status);
CREATE INDEX deposits_supplier ON deposits(supplier_id, status);
CREATE INDEX deposits_status_due ON deposits(status, refund_due_on)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["deposits", "procedure_events", "procedures"] {
            crate::run_ddl(manager, &format!("DROP TABLE IF EXISTS {table}")).await?;
        }
        Ok(())
    }
}
