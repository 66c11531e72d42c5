//! Settlement, second step: disputed parts of payments, documents attached to acceptance records,
//! forfeiture of performance deposits (a deposit status `forfeited` with the agreed case), and
//! an accrual that updates overdue instalments in place (see `settlement::service::accrual`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A dispute holds back part of an instalment: `disputed_fen` on the instalment is the sum of its
/// open disputes, so a payment is checked against `principal - paid - disputed` in one condition.
/// Each instalment carries its contract's daily late rate (an exact fraction, fixed at signing),
/// so the accrual reads instalments alone; a terminated contract's instalments have no due date.
const UP: &str = r#"
ALTER TABLE acceptances ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contracts ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contract_instalments ADD COLUMN disputed_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contract_instalments ADD COLUMN deducted_fen BIGINT NOT NULL DEFAULT 0;
CREATE TABLE contract_disputes (
    id {ID},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    instalment_id BIGINT NOT NULL REFERENCES contract_instalments(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('open','withdrawn','accepted','decided')),
    deducted_fen BIGINT CHECK (deducted_fen IS NULL OR (deducted_fen >= 0 AND deducted_fen <= amount_fen)),
    resolved_on TEXT,
    resolution_note TEXT,
    resolved_by BIGINT REFERENCES users(id),
    created_at {TS} NOT NULL,
    CHECK ((status = 'open') = (resolved_on IS NULL)),
    CHECK ((status = 'open') = (deducted_fen IS NULL))
);
CREATE INDEX contract_disputes_contract ON contract_disputes(contract_id);
ALTER TABLE contract_instalments ADD COLUMN accrual_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contract_instalments ADD COLUMN late_rate_num BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contract_instalments ADD COLUMN late_rate_den BIGINT NOT NULL DEFAULT 1;
UPDATE contract_instalments SET
    late_rate_num = (SELECT c.late_rate_num FROM contracts c WHERE c.id = contract_instalments.contract_id),
    late_rate_den = (SELECT c.late_rate_den FROM contracts c WHERE c.id = contract_instalments.contract_id);
UPDATE contract_instalments SET accrual_pending = TRUE WHERE interest_as_of IS NULL AND paid_fen >= principal_fen;
DROP INDEX contract_instalments_accruing;
CREATE INDEX contract_instalments_accruing ON contract_instalments(due_on)
    WHERE paid_fen < principal_fen OR accrual_pending;
CREATE INDEX contract_payments_instalment ON contract_payments(instalment_id);
CREATE INDEX contract_disputes_open ON contract_disputes(instalment_id) WHERE status = 'open'
"#;

/// Free space on every page, so the daily accrual's updates stay on their page (HOT).
const POSTGRES_INSTALMENTS: &str = "ALTER TABLE contract_instalments SET (fillfactor = 80)";

const DEPOSIT_STATUSES: &str = "'held','refund_due','refunded','converted','forfeited'";

const POSTGRES_DEPOSITS: &str = r#"
ALTER TABLE deposits DROP CONSTRAINT deposits_status_check;
ALTER TABLE deposits ADD CONSTRAINT deposits_status_check CHECK (status IN ({STATUSES}));
ALTER TABLE deposits ADD COLUMN forfeiture_case TEXT;
ALTER TABLE deposits ADD COLUMN forfeited_on TEXT;
ALTER TABLE deposits ADD COLUMN forfeiture_notes TEXT;
ALTER TABLE deposits ADD CONSTRAINT deposits_forfeiture_check
    CHECK (status <> 'forfeited' OR (forfeiture_case IS NOT NULL AND forfeited_on IS NOT NULL))
"#;

/// SQLite cannot change a CHECK constraint in place, so the table is rebuilt (nothing references
/// `deposits`, so dropping the old one is safe with foreign keys on).
const SQLITE_DEPOSITS: &str = r#"
CREATE TABLE deposits_v2 (
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
    status TEXT NOT NULL CHECK (status IN ({STATUSES})),
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
    forfeiture_case TEXT,
    forfeited_on TEXT,
    forfeiture_notes TEXT,
    UNIQUE (procedure_id, supplier_id, kind),
    UNIQUE (contract_id, kind),
    CHECK ((kind = 'bid' AND procedure_id IS NOT NULL AND contract_id IS NULL)
        OR (kind = 'performance' AND contract_id IS NOT NULL AND refund_days_after_acceptance IS NOT NULL)),
    CHECK (status <> 'refund_due' OR (refund_trigger IS NOT NULL AND refund_due_on IS NOT NULL)),
    CHECK (status <> 'refunded' OR (refunded_on IS NOT NULL AND refund_amount_fen IS NOT NULL AND interest_fen IS NOT NULL)),
    CHECK (status <> 'forfeited' OR (forfeiture_case IS NOT NULL AND forfeited_on IS NOT NULL))
);
INSERT INTO deposits_v2 (id, kind, procedure_id, contract_id, purchaser_org_id, supplier_id, amount_fen, form,
    reference, received_on, status, refund_trigger, trigger_on, refund_due_on, refund_due_provisional,
    refund_days_after_acceptance, late_interest, refunded_on, refund_amount_fen, interest_fen,
    supplier_caused_delay, recorded_by, created_at)
    SELECT id, kind, procedure_id, contract_id, purchaser_org_id, supplier_id, amount_fen, form,
    reference, received_on, status, refund_trigger, trigger_on, refund_due_on, refund_due_provisional,
    refund_days_after_acceptance, late_interest, refunded_on, refund_amount_fen, interest_fen,
    supplier_caused_delay, recorded_by, created_at FROM deposits;
DROP TABLE deposits;
ALTER TABLE deposits_v2 RENAME TO deposits;
CREATE INDEX deposits_purchaser ON deposits(purchaser_org_id, status);
CREATE INDEX deposits_supplier ON deposits(supplier_id, status);
CREATE INDEX deposits_status_due ON deposits(status, refund_due_on)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await?;
        let deposits = match manager.get_database_backend() {
            DbBackend::Postgres => {
                crate::run_ddl(manager, POSTGRES_INSTALMENTS).await?;
                POSTGRES_DEPOSITS
            }
            _ => SQLITE_DEPOSITS,
        };
        crate::run_ddl(manager, &deposits.replace("{STATUSES}", DEPOSIT_STATUSES)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, "DROP TABLE IF EXISTS contract_disputes").await
    }
}
