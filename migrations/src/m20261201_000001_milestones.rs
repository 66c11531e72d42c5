//! Milestones: the day the purchaser recorded an instalment's milestone as reached. Until then a
//! milestone instalment is not due, except that for an SME it falls due at the payment limit
//! counted from delivery or acceptance (`settlement::domain::terms::instalment_due`).
//!
//! The stored due dates of existing SME contracts whose terms could exceed the limit are
//! recomputed by the service after migrating (`settlement::service::contracts::cap_sme_due_dates`):
//! that needs the terms' JSON, which plain DDL cannot read.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "ALTER TABLE contract_instalments ADD COLUMN milestone_reached_on TEXT";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(
            manager,
            "ALTER TABLE contract_instalments DROP COLUMN milestone_reached_on",
        )
        .await
    }
}
