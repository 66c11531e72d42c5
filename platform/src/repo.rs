//! What every module's repositories share: a page of rows with their count, and the one shape
//! of a status change (a guarded `UPDATE`, exactly one row changed, an audit entry, the row
//! read back, all in the caller's transaction).

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, PrimaryKeyTrait, QuerySelect, Select,
    UpdateMany,
};

use crate::audit::{self, AuditEntry};
use crate::error::ApiError;
use crate::pagination::{ListResponse, PageRequest};

/// One page of `select` (in the order it was built with) and the number of rows it matches.
pub async fn paged<E, C>(
    conn: &C,
    select: Select<E>,
    page: PageRequest,
) -> Result<ListResponse<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let total = select.clone().count(conn).await?;
    let items = select
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(ListResponse::new(items, total, page))
}

/// A change of one row guarded in SQL: `update` must already be filtered by the row's id and
/// by the state it may change from (`WHERE id = ? AND status = ?`). If any other number of rows
/// changed, the row was not in that state (or changed meanwhile) and `conflict` is returned with
/// nothing written; otherwise the audit entry is written and the row is read back, both in the
/// same transaction as the update.
pub async fn change_one<E, C>(
    conn: &C,
    update: UpdateMany<E>,
    id: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    conflict: impl FnOnce() -> ApiError,
    audit: AuditEntry<'_>,
    at: DateTime<Utc>,
) -> Result<E::Model, ApiError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let changed = update.exec(conn).await?;
    if changed.rows_affected != 1 {
        return Err(conflict());
    }
    audit::record(conn, audit, at).await?;
    E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("a row changed under its guard is gone"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, QueryOrder};

    use super::*;
    use crate::entity::{audit_log, session};

    async fn db_with_sessions() -> sea_orm::DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        for ddl in [
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id BIGINT NOT NULL, \
             token_hash TEXT NOT NULL, csrf_token TEXT NOT NULL, kind TEXT NOT NULL, \
             expires_at TEXT NOT NULL, revoked_at TEXT, created_at TEXT NOT NULL)",
            "CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, actor_user_id BIGINT, \
             actor_org_id BIGINT, action TEXT NOT NULL, subject_type TEXT NOT NULL, \
             subject_id TEXT NOT NULL, before_state TEXT, after_state TEXT, at TEXT NOT NULL)",
        ] {
            db.execute_unprepared(ddl).await.unwrap();
        }
        for n in 1..=5 {
            db.execute_unprepared(&format!(
                "INSERT INTO sessions (user_id, token_hash, csrf_token, kind, expires_at, created_at) \
                 VALUES ({n}, 'h{n}', 'c', 'api', '2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z')"
            ))
            .await
            .unwrap();
        }
        db
    }

    #[tokio::test]
    async fn a_page_comes_with_the_count_of_every_match() {
        let db = db_with_sessions().await;
        let select = session::Entity::find()
            .filter(session::Column::UserId.gte(2))
            .order_by_asc(session::Column::Id);
        let page = paged(&db, select, PageRequest::parse(Some(2), Some(3)).unwrap())
            .await
            .unwrap();
        assert_eq!(page.total, 4);
        assert_eq!(
            page.items.iter().map(|s| s.user_id).collect::<Vec<_>>(),
            vec![5]
        );
    }

    #[tokio::test]
    async fn a_guarded_change_writes_once_and_audits_or_writes_nothing() {
        let db = db_with_sessions().await;
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let revoke = || {
            session::Entity::update_many()
                .col_expr(session::Column::RevokedAt, Expr::value(at))
                .filter(session::Column::Id.eq(1))
                .filter(session::Column::RevokedAt.is_null())
        };
        let entry = || AuditEntry {
            actor: None,
            action: "session.revoked",
            subject_type: "session",
            subject_id: "1".into(),
            before: None,
            after: None,
        };
        let changed = change_one(&db, revoke(), 1, || ApiError::validation("x"), entry(), at)
            .await
            .unwrap();
        assert_eq!(changed.revoked_at, Some(at));
        // The guard no longer holds: a conflict, and no second audit entry.
        let again = change_one(
            &db,
            revoke(),
            1,
            || ApiError::validation("again"),
            entry(),
            at,
        )
        .await
        .unwrap_err();
        assert_eq!(again.message, "again");
        assert_eq!(audit_log::Entity::find().all(&db).await.unwrap().len(), 1);
    }
}
