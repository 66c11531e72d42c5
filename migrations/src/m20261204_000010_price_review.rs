//! Price changes under review.
//!
//! - `proposed_price_fen`: a rise beyond the monitoring threshold, held for the operator's
//!   review while the listed price stays on sale.
//! - `price_before_review_fen`: the price before a cut beyond the threshold; the cut is on sale
//!   at once, and a rejection restores this price.
//! - `price_review_note`: the operator's reason when it rejected the last price change, shown to
//!   the supplier.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
ALTER TABLE products ADD COLUMN proposed_price_fen BIGINT;
ALTER TABLE products ADD COLUMN price_before_review_fen BIGINT;
ALTER TABLE products ADD COLUMN price_review_note TEXT
"#;

const DOWN: &str = r#"
ALTER TABLE products DROP COLUMN price_review_note;
ALTER TABLE products DROP COLUMN price_before_review_fen;
ALTER TABLE products DROP COLUMN proposed_price_fen
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
