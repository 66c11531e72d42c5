//! Search relevance groups equal scores by catalogue category.
//!
//! Relevance reads a term's postings by score, then category code (the catalogue's own order:
//! desktops A02010105 and laptops A02010108 before tablets A02010109), then price. The rank
//! index follows, so a relevance page is still read in index order and stops early.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = "CREATE INDEX search_postings_rank_by_category ON search_postings \
    (term, visible, score DESC, category_code, price_fen, product_id) INCLUDE (sme)";
const POSTGRES_DOWN: &str = "CREATE INDEX search_postings_rank ON search_postings \
    (term, visible, score DESC, price_fen, product_id) INCLUDE (category_code, sme)";
const SQLITE_UP: &str = "CREATE INDEX search_postings_rank_by_category ON search_postings \
    (term, visible, score DESC, category_code, price_fen, product_id, sme)";
const SQLITE_DOWN: &str = "CREATE INDEX search_postings_rank ON search_postings \
    (term, visible, score DESC, price_fen, product_id, category_code, sme)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let create = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        conn.execute_unprepared(create).await?;
        conn.execute_unprepared("DROP INDEX search_postings_rank")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let create = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        conn.execute_unprepared(create).await?;
        conn.execute_unprepared("DROP INDEX search_postings_rank_by_category")
            .await?;
        Ok(())
    }
}
