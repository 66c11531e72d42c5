//! The audit log: one row per change, with actor, time, and the state before and after.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryTrait, Set, Statement};
use serde_json::Value;

use crate::entity::audit_log;
use crate::identity::Identity;

pub struct AuditEntry<'a> {
    pub actor: Option<&'a Identity>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    entry: AuditEntry<'_>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(insert_statement(conn.get_database_backend(), entry, at))
        .await?;
    Ok(())
}

/// The `INSERT` of one entry, for a batch.
pub fn insert_statement(backend: DbBackend, entry: AuditEntry<'_>, at: DateTime<Utc>) -> Statement {
    audit_log::Entity::insert(audit_log::ActiveModel {
        actor_user_id: Set(entry.actor.map(|a| a.user_id)),
        actor_org_id: Set(entry.actor.map(|a| a.org_id)),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        before_state: Set(entry.before),
        after_state: Set(entry.after),
        at: Set(at),
        ..Default::default()
    })
    .build(backend)
}
