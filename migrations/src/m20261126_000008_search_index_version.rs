//! Search postings, second step.
//!
//! - `search_index_state`: which version of the service's tokenizer wrote the postings. They
//!   are derived from each product's text; when the tokenizer changes, the service rewrites them
//!   as it migrates (`gpmall_mall::repo::search::bring_index_up_to_date`), so a migration need
//!   not carry a copy of the tokenizer. Migration 7 filled the postings with version 1.
//! - PostgreSQL: the primary key `(term, product_id)` carries `visible`, so the visible postings
//!   of two terms can be merged in product order from the key alone (a search's count). On
//!   SQLite the table is its key (`WITHOUT ROWID`) and holds every column already.
//! - PostgreSQL: `ANALYZE` samples `term` with a statistics target of 1,000, so the planner
//!   knows the posting counts of the thousand most common terms rather than assuming an
//!   average for them when it chooses how to join several terms' postings.

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

const POSTGRES_UP: &str = "ALTER TABLE search_postings DROP CONSTRAINT search_postings_pkey, \
    ADD CONSTRAINT search_postings_pkey PRIMARY KEY (term, product_id) INCLUDE (visible), \
    ALTER COLUMN term SET STATISTICS 1000";

const POSTGRES_DOWN: &str = "ALTER TABLE search_postings \
    DROP CONSTRAINT search_postings_pkey, \
    ADD CONSTRAINT search_postings_pkey PRIMARY KEY (term, product_id), \
    ALTER COLUMN term SET STATISTICS -1";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, UP).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_UP)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_DOWN)
                .await?;
        }
        crate::run_ddl(manager, "DROP TABLE search_index_state").await
    }
}
