//! The sandbox clock's offset: how far a sandbox deployment's simulated time runs ahead of real
//! time. One row, kept in the database so it survives restarts and every instance shares it; it
//! only grows (`platform::sandbox`). Outside sandbox mode it stays 0, and a service started
//! without sandbox mode refuses a database whose clock was moved.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE sandbox_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offset_seconds BIGINT NOT NULL CHECK (offset_seconds >= 0),
    updated_at {TS},
    updated_by BIGINT REFERENCES users(id)
);
INSERT INTO sandbox_clock (id, offset_seconds) VALUES (1, 0)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, "DROP TABLE sandbox_clock").await
    }
}
