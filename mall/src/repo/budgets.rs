//! Budget line changes that are more than an entity update.

use gpmall_platform::Money;
use gpmall_platform::db::{execute, stmt};
use sea_orm::{ConnectionTrait, DbErr};

/// Adds `delta_fen` to the line's amount and to what remains, only if neither goes below zero
/// and the amount stays within [`Money::MAX_FEN`]: the bound is in the statement, so a
/// concurrent change cannot pass it either. Whether the line changed.
pub async fn adjust<C: ConnectionTrait>(conn: &C, id: i64, delta_fen: i64) -> Result<bool, DbErr> {
    let changed = execute(
        conn,
        stmt(
            conn.get_database_backend(),
            "UPDATE budget_lines SET amount_fen = amount_fen + ?, remaining_fen = remaining_fen + ? \
             WHERE id = ? AND remaining_fen + ? >= 0 AND amount_fen + ? >= 0 AND amount_fen + ? <= ?",
            [
                delta_fen.into(),
                delta_fen.into(),
                id.into(),
                delta_fen.into(),
                delta_fen.into(),
                delta_fen.into(),
                Money::MAX_FEN.into(),
            ],
        ),
    )
    .await?;
    Ok(changed == 1)
}
