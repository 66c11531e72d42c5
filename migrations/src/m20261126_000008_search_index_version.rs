//! Search postings, second step.
//!
//! - `search_index_state`: which version of the service's tokenizer wrote the postings. They
//!   are derived from each product's text; when the tokenizer changes, the service rewrites them
//!   as it migrates (`gpmall_mall::repo::search::bring_index_up_to_date`), so a migration need
//!   not carry a copy of the tokenizer. Migration 7 filled the postings with version 1.
//! - PostgreSQL: the primary key `(term, product_id)` carries `visible`, so the visible postings
//!   of two terms can be merged in product order from the key alone (a search's count). On
//!   SQLite the table is its key (`WITHOUT ROWID`) and holds every column already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE search_index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tokenizer_version BIGINT NOT NULL
);
INSERT INTO search_index_state (id, tokenizer_version) VALUES (1, 1)
"#;

const POSTGRES_KEY_UP: &str = "ALTER TABLE search_postings DROP CONSTRAINT search_postings_pkey, \
    ADD CONSTRAINT search_postings_pkey PRIMARY KEY (term, product_id) INCLUDE (visible)";

const POSTGRES_KEY_DOWN: &str = "ALTER TABLE search_postings \
    DROP CONSTRAINT search_postings_pkey, \
    ADD CONSTRAINT search_postings_pkey PRIMARY KEY (term, product_id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_KEY_UP)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_KEY_DOWN)
                .await?;
        }
        crate::run_ddl(manager, "DROP TABLE search_index_state").await
    }
}
