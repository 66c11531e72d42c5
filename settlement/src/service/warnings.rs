//! The one warnings store: rule, subject, responsible organization, due date, open or resolved.
//! Raising is idempotent per (rule, subject); a warning resolves itself when its condition clears.

use chrono::{DateTime, NaiveDate, Utc};
use gpmall_platform::db::{execute, query_all, stmt};
use gpmall_platform::i18n::{Lang, Text, Tr};
use gpmall_platform::identity::{Identity, OrgKind};
use gpmall_platform::{ApiError, Ctx};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

/// A warning's message as stored: the locale text as JSON, so each reader sees it in their own
/// language. Messages stored as plain text before are shown as they are.
pub fn stored(text: &Text) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| text.key.to_string())
}

/// A stored message in `lang`.
pub fn shown(stored: &str, lang: Lang) -> String {
    match serde_json::from_str::<Text>(stored) {
        Ok(text) => Tr::new(lang).render(&text),
        Err(_) => stored.to_owned(),
    }
}

pub struct Raise<'a> {
    pub rule: &'a str,
    pub subject_type: &'a str,
    pub subject_id: String,
    pub responsible_org_id: i64,
    pub counterparty_org_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub message: String,
}

/// Opens the warning, or re-opens it with the new message; a no-op when it is already open.
pub async fn raise<C: ConnectionTrait>(
    conn: &C,
    w: Raise<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let backend = conn.get_database_backend();
    let updated = execute(
        conn,
        stmt(
            backend,
            "UPDATE warnings SET state = 'open', message = ?, due_on = ?, resolved_at = NULL \
             WHERE rule = ? AND subject_type = ? AND subject_id = ?",
            [
                w.message.clone().into(),
                w.due_on.map(|d| d.to_string()).into(),
                w.rule.into(),
                w.subject_type.into(),
                w.subject_id.clone().into(),
            ],
        ),
    )
    .await?;
    if updated == 0 {
        execute(
            conn,
            stmt(
                backend,
                "INSERT INTO warnings (rule, subject_type, subject_id, responsible_org_id, counterparty_org_id, \
                 due_on, message, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) \
                 ON CONFLICT (rule, subject_type, subject_id) DO NOTHING",
                [
                    w.rule.into(),
                    w.subject_type.into(),
                    w.subject_id.into(),
                    w.responsible_org_id.into(),
                    w.counterparty_org_id.into(),
                    w.due_on.map(|d| d.to_string()).into(),
                    w.message.into(),
                    now.into(),
                ],
            ),
        )
        .await?;
    }
    Ok(())
}

/// Resolves the warning if it is open.
pub async fn resolve<C: ConnectionTrait>(
    conn: &C,
    rule: &str,
    subject_type: &str,
    subject_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    execute(
        conn,
        stmt(
            conn.get_database_backend(),
            "UPDATE warnings SET state = 'resolved', resolved_at = ? \
             WHERE rule = ? AND subject_type = ? AND subject_id = ? AND state = 'open'",
            [
                now.into(),
                rule.into(),
                subject_type.into(),
                subject_id.into(),
            ],
        ),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WarningView {
    pub id: i64,
    pub rule: String,
    pub subject_type: String,
    pub subject_id: String,
    pub responsible_org_id: i64,
    pub due_on: Option<String>,
    /// In the reader's language.
    pub message: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// Warnings the caller's organization is responsible for or is the counterparty of; all for
/// the operator and the regulator. Messages are in `lang`.
pub async fn list(
    ctx: &Ctx,
    actor: &Identity,
    only_open: bool,
    lang: Lang,
) -> Result<Vec<WarningView>, ApiError> {
    let mut sql = String::from(
        "SELECT id, rule, subject_type, subject_id, responsible_org_id, due_on, message, state, created_at \
         FROM warnings WHERE 1 = 1",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if !matches!(actor.org_kind, OrgKind::Operator | OrgKind::Regulator) {
        sql.push_str(" AND (responsible_org_id = ? OR counterparty_org_id = ?)");
        values.push(actor.org_id.into());
        values.push(actor.org_id.into());
    }
    if only_open {
        sql.push_str(" AND state = 'open'");
    }
    sql.push_str(" ORDER BY id DESC LIMIT 500");
    let rows = query_all(&ctx.db, stmt(ctx.db.get_database_backend(), &sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(WarningView {
                id: r.try_get("", "id")?,
                rule: r.try_get("", "rule")?,
                subject_type: r.try_get("", "subject_type")?,
                subject_id: r.try_get("", "subject_id")?,
                responsible_org_id: r.try_get("", "responsible_org_id")?,
                due_on: r.try_get("", "due_on")?,
                message: shown(&r.try_get::<String>("", "message")?, lang),
                state: r.try_get("", "state")?,
                created_at: r.try_get("", "created_at")?,
            })
        })
        .collect()
}
