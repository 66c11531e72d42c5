//! The working-day calendar: years an operator uploads at run time. The shipped years are built
//! into the binary; a row here overrides the built-in year of the same number.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `schedule` is the JSON document `{"holidays":[…],"workdays":[…]}` with ISO dates, kept as
/// TEXT on both backends: it is read whole and never queried inside.
const UP: &str = r#"
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    schedule TEXT NOT NULL,
    source TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    uploaded_at {TS} NOT NULL
)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, "DROP TABLE IF EXISTS calendar_years").await
    }
}
