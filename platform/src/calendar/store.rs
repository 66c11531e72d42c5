//! The effective calendar of a request: the base layer (built-in years and the calendar directory)
//! plus the years operators uploaded to `calendar_years`.
//!
//! Instances are stateless, so uploaded years live in the database. Each request reads them
//! through the shared cache under a key that carries a generation counter, which an upload bumps:
//! every instance sees an upload on its next request. A cached copy is also never used once it is
//! older than 30 s, in case the counter was lost (cache restart or eviction). When the cache cannot
//! answer, the table (a handful of rows) is read directly.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, QueryOrder, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::entity::{self, Column, Entity};
use super::{Deadline, LoadedYear, Origin, WorkingCalendar, YearFile, YearSchedule, base};
use crate::audit::{self, AuditEntry};
use crate::context::Ctx;
use crate::error::ApiError;
use crate::identity::{Identity, Role};

/// Bumped on every upload; part of the cache key of the uploaded years.
pub(crate) const GENERATION_KEY: &str = "calendar:generation";
/// The longest a cached copy of the uploaded years is used.
const MAX_STALENESS: Duration = Duration::from_secs(30);

/// The `schedule` column.
#[derive(Serialize, Deserialize)]
struct StoredSchedule {
    holidays: Vec<String>,
    workdays: Vec<String>,
}

/// One `calendar_years` row, as cached.
#[derive(Clone, Serialize, Deserialize)]
struct UploadedRow {
    year: i32,
    schedule: String,
    source: String,
    uploaded_by: Option<i64>,
    uploaded_at: DateTime<Utc>,
}

impl From<entity::Model> for UploadedRow {
    fn from(m: entity::Model) -> Self {
        UploadedRow {
            year: m.year,
            schedule: m.schedule,
            source: m.source,
            uploaded_by: m.uploaded_by,
            uploaded_at: m.uploaded_at,
        }
    }
}

impl UploadedRow {
    fn parse(&self) -> Result<YearSchedule, String> {
        let stored: StoredSchedule =
            serde_json::from_str(&self.schedule).map_err(|e| e.to_string())?;
        YearSchedule::parse(YearFile {
            year: self.year,
            holidays: stored.holidays,
            workdays: stored.workdays,
            source: self.source.clone(),
        })
        .map_err(|e| e.to_string())
    }
}

#[derive(Serialize, Deserialize)]
struct CachedRows {
    read_at: DateTime<Utc>,
    rows: Vec<UploadedRow>,
}

async fn uploaded_rows(ctx: &Ctx) -> Result<Vec<UploadedRow>, ApiError> {
    let now = ctx.clock.now();
    let key = ctx
        .cache
        .counter(GENERATION_KEY)
        .await
        .map(|generation| format!("calendar:uploaded:{generation}"));
    if let Some(key) = &key
        && let Some(text) = ctx.cache.get(key).await
        && let Ok(cached) = serde_json::from_str::<CachedRows>(&text)
        && let Ok(age) = (now - cached.read_at).to_std()
        && age <= MAX_STALENESS
    {
        return Ok(cached.rows);
    }
    let rows: Vec<UploadedRow> = Entity::find()
        .order_by_asc(Column::Year)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(UploadedRow::from)
        .collect();
    if let Some(key) = key
        && let Ok(text) = serde_json::to_string(&CachedRows {
            read_at: now,
            rows: rows.clone(),
        })
    {
        ctx.cache.set(&key, &text, MAX_STALENESS).await;
    }
    Ok(rows)
}

/// The calendar in force: built-in years, replaced by the calendar directory's, replaced by the
/// uploaded ones. The entry point for every module that counts working days.
pub async fn current(ctx: &Ctx) -> Result<Arc<WorkingCalendar>, ApiError> {
    let rows = uploaded_rows(ctx).await?;
    let base = base();
    if rows.is_empty() {
        return Ok(base);
    }
    let mut calendar = (*base).clone();
    for row in rows {
        match row.parse() {
            Ok(schedule) => calendar.insert(
                schedule,
                Origin::Uploaded {
                    at: row.uploaded_at,
                    by: row.uploaded_by,
                },
            ),
            // A row that no longer validates (rules tightened since) must not take the service
            // down: the year falls back to the base layer.
            Err(error) => {
                tracing::error!(year = row.year, %error, "uploaded calendar year is invalid; ignored")
            }
        }
    }
    Ok(Arc::new(calendar))
}

/// The date `working_days` working days after `from` under the calendar in force (see
/// [`WorkingCalendar::add_working_days`]), for a deadline the service will act on. A provisional
/// result raises a warning in the log and the `gpmall_calendar_provisional_deadlines_total`
/// counter; the caller stores `provisional` with the deadline and recomputes it once the missing
/// year is loaded.
pub async fn deadline(ctx: &Ctx, from: NaiveDate, working_days: u32) -> Result<Deadline, ApiError> {
    let deadline = current(ctx).await?.add_working_days(from, working_days)?;
    if deadline.provisional {
        tracing::warn!(
            %from,
            working_days,
            due = %deadline.date,
            missing_years = ?deadline.missing_years,
            "deadline counted without the official calendar for these years (weekends only); \
             provisional until an operator uploads them"
        );
        metrics::counter!("gpmall_calendar_provisional_deadlines_total").increment(1);
    }
    Ok(deadline)
}

fn audit_state(schedule: &YearSchedule, origin: &Origin) -> Value {
    let file = schedule.to_file();
    let mut state = json!({
        "origin": origin.as_str(),
        "source": file.source,
        "holidays": file.holidays,
        "workdays": file.workdays,
    });
    if let Origin::Uploaded { at, by } = origin {
        state["uploaded_at"] = json!(at);
        state["uploaded_by"] = json!(by);
    }
    state
}

/// Stores an operator's schedule for a year, replacing any built-in or earlier upload for it;
/// audited; every instance uses it from its next request.
#[tracing::instrument(skip_all, fields(year = file.year))]
pub async fn upload_year(
    ctx: &Ctx,
    actor: &Identity,
    file: YearFile,
) -> Result<LoadedYear, ApiError> {
    actor.require_role(Role::Operator)?;
    // The State Council publishes next year's schedule each autumn; no later year exists yet.
    let latest = ctx.clock.fiscal_year().saturating_add(1);
    if file.year > latest {
        crate::dates::year_within(
            crate::dates::Field::new("year", "field.calendar_year"),
            file.year,
            super::MIN_YEAR,
            latest,
        )?;
    }
    let schedule = YearSchedule::parse(file)?;
    let year = schedule.year();
    let now = ctx.clock.now();
    let published = schedule.to_file();
    let stored = serde_json::to_string(&StoredSchedule {
        holidays: published.holidays,
        workdays: published.workdays,
    })
    .map_err(ApiError::internal)?;
    let origin = Origin::Uploaded {
        at: now,
        by: Some(actor.user_id),
    };

    let txn = ctx.db.begin().await?;
    let before = match Entity::find_by_id(year).one(&txn).await? {
        Some(row) => {
            let row = UploadedRow::from(row);
            let origin = Origin::Uploaded {
                at: row.uploaded_at,
                by: row.uploaded_by,
            };
            match row.parse() {
                Ok(previous) => Some(audit_state(&previous, &origin)),
                Err(_) => Some(json!({"origin": "uploaded", "schedule": row.schedule})),
            }
        }
        None => base()
            .year(year)
            .map(|loaded| audit_state(&loaded.schedule, &loaded.origin)),
    };
    Entity::insert(entity::ActiveModel {
        year: Set(year),
        schedule: Set(stored),
        source: Set(schedule.source().to_owned()),
        uploaded_by: Set(Some(actor.user_id)),
        uploaded_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(Column::Year)
            .update_columns([
                Column::Schedule,
                Column::Source,
                Column::UploadedBy,
                Column::UploadedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor: Some(actor),
            action: "calendar.year_uploaded",
            subject_type: "calendar_year",
            subject_id: year.to_string(),
            before,
            after: Some(audit_state(&schedule, &origin)),
        },
        now,
    )
    .await?;
    txn.commit().await?;

    if ctx.cache.incr(GENERATION_KEY).await.is_none() {
        tracing::warn!(
            year,
            "cache unavailable: other instances pick up the uploaded calendar year within 30 s"
        );
    }
    tracing::info!(year, "calendar year uploaded");
    Ok(LoadedYear { schedule, origin })
}
