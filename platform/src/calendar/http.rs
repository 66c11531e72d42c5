//! The calendar's API: public working-day answers and year listings; operators upload a year.

use crate::i18n::Text;
use crate::identity::guard::Operator;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{LoadedYear, MAX_WORKING_DAYS, Origin, YearFile, parse_date};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiError, Ctx};

/// Routes under `/api/v1/calendar`; merge into the API router.
pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(add_working_days))
        .routes(routes!(is_working_day))
        .routes(routes!(list_years))
        .routes(routes!(get_year, put_year))
}

/// A date to count from or look up: `YYYY-MM-DD` within the years a calendar can hold
/// (2000–2100; year 0001 is a typing slip, not a question).
fn date_param(field: &'static str, value: &str) -> ApiResult<NaiveDate> {
    let date = parse_date(value.trim()).ok_or_else(|| {
        let label = if field == "from" {
            "field.calendar_from"
        } else {
            "field.calendar_date"
        };
        ApiError::invalid(
            Text::new("msg.calendar.param_date")
                .key_arg("field", label)
                .arg("value", value),
        )
        .with_details(serde_json::json!({ "field": field }))
    })?;
    let field = crate::dates::Field::new(field, "field.calendar_date");
    crate::dates::not_too_early(field, date)?;
    let last = NaiveDate::from_ymd_opt(super::MAX_YEAR, 12, 31).unwrap_or(NaiveDate::MAX);
    crate::dates::not_after(field, date, last)?;
    Ok(date)
}

fn year_param(value: &str) -> ApiResult<i32> {
    value
        .trim()
        .parse::<i32>()
        .map_err(|_| ApiError::invalid(Text::new("msg.calendar.param_year").arg("value", value)))
}

fn warning(missing_years: &[i32]) -> Option<String> {
    if missing_years.is_empty() {
        return None;
    }
    let years: Vec<String> = missing_years.iter().map(i32::to_string).collect();
    Some(format!(
        "the official calendar for {} is not loaded: weekends only were assumed, so the answer \
         may change once an operator uploads the State Council's schedule",
        years.join(", ")
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AddWorkingDaysQuery {
    /// The start date, `YYYY-MM-DD`; it is not counted itself.
    pub from: String,
    /// How many working days to add, 0 to 3650.
    #[param(value_type = u32)]
    pub days: String,
}

/// `n` working days after a date.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadlineView {
    pub date: NaiveDate,
    /// A day counted lies in a year whose official calendar is not loaded (weekends only were
    /// assumed): the date may move once it is.
    pub provisional: bool,
    /// The years that are not loaded (only when provisional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_years: Vec<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar",
    params(AddWorkingDaysQuery),
    responses((status = 200, body = DeadlineView,
               description = "The date `days` working days after `from`; 2024-03-04 + 5 is 2024-03-11"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED")))]
pub async fn add_working_days(
    State(ctx): State<Ctx>,
    ApiQuery(query): ApiQuery<AddWorkingDaysQuery>,
) -> ApiResult<Json<DeadlineView>> {
    let from = date_param("from", &query.from)?;
    let days = query
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (0..=i64::from(MAX_WORKING_DAYS)).contains(d))
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| {
            ApiError::invalid(
                Text::new("msg.calendar.param_days")
                    .arg("max", MAX_WORKING_DAYS)
                    .arg("value", &query.days),
            )
        })?;
    // Public and anonymous: a provisional answer is counted, not logged (callers could flood
    // the log); deadlines the service acts on go through `calendar::deadline`, which warns.
    let deadline = super::current(&ctx).await?.add_working_days(from, days)?;
    if deadline.provisional {
        metrics::counter!("gpmall_calendar_provisional_answers_total").increment(1);
    }
    Ok(Json(DeadlineView {
        date: deadline.date,
        provisional: deadline.provisional,
        warning: warning(&deadline.missing_years),
        missing_years: deadline.missing_years,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IsWorkingDayQuery {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
}

/// Whether a date is worked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayStatusView {
    pub date: NaiveDate,
    pub working: bool,
    /// The year's official calendar is not loaded: weekends only were assumed.
    pub provisional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/calendar/is-working-day", tag = "calendar",
    params(IsWorkingDayQuery),
    responses((status = 200, body = DayStatusView),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED")))]
pub async fn is_working_day(
    State(ctx): State<Ctx>,
    ApiQuery(query): ApiQuery<IsWorkingDayQuery>,
) -> ApiResult<Json<DayStatusView>> {
    let date = date_param("date", &query.date)?;
    let status = super::current(&ctx).await?.is_working_day(date);
    if status.provisional {
        metrics::counter!("gpmall_calendar_provisional_answers_total").increment(1);
    }
    let missing: &[i32] = if status.provisional {
        &[chrono::Datelike::year(&date)]
    } else {
        &[]
    };
    Ok(Json(DayStatusView {
        date: status.date,
        working: status.working,
        provisional: status.provisional,
        warning: warning(missing),
    }))
}

/// A loaded year in the listing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct YearSummary {
    pub year: i32,
    /// The State Council notice the dates come from.
    pub source: String,
    /// `built_in` (shipped with the service), `directory` (read at start-up) or `uploaded`.
    pub origin: String,
    pub holiday_count: usize,
    pub workday_count: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<DateTime<Utc>>,
}

/// A loaded year with its dates.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct YearView {
    pub year: i32,
    pub source: String,
    /// `built_in`, `directory` or `uploaded`.
    pub origin: String,
    /// Every day off of each holiday block.
    pub holidays: Vec<NaiveDate>,
    /// Adjusted working weekend days (调休上班).
    pub workdays: Vec<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<i64>,
}

fn uploaded(origin: &Origin) -> (Option<DateTime<Utc>>, Option<i64>) {
    match origin {
        Origin::Uploaded { at, by } => (Some(*at), *by),
        _ => (None, None),
    }
}

impl From<&LoadedYear> for YearSummary {
    fn from(loaded: &LoadedYear) -> Self {
        YearSummary {
            year: loaded.schedule.year(),
            source: loaded.schedule.source().to_owned(),
            origin: loaded.origin.as_str().to_owned(),
            holiday_count: loaded.schedule.holidays().len(),
            workday_count: loaded.schedule.workdays().len(),
            uploaded_at: uploaded(&loaded.origin).0,
        }
    }
}

impl From<&LoadedYear> for YearView {
    fn from(loaded: &LoadedYear) -> Self {
        let (uploaded_at, uploaded_by) = uploaded(&loaded.origin);
        YearView {
            year: loaded.schedule.year(),
            source: loaded.schedule.source().to_owned(),
            origin: loaded.origin.as_str().to_owned(),
            holidays: loaded.schedule.holidays().iter().copied().collect(),
            workdays: loaded.schedule.workdays().iter().copied().collect(),
            uploaded_at,
            uploaded_by,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar",
    responses((status = 200, body = Vec<YearSummary>,
               description = "The loaded years; any other year is counted weekends-only and provisional")))]
pub async fn list_years(State(ctx): State<Ctx>) -> ApiResult<Json<Vec<YearSummary>>> {
    let calendar = super::current(&ctx).await?;
    Ok(Json(calendar.years().map(YearSummary::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/calendar/years/{year}", tag = "calendar",
    params(("year" = i32, Path, description = "e.g. 2026")),
    responses((status = 200, body = YearView),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED"),
              (status = 404, body = ErrorBody, description = "The year is not loaded")))]
pub async fn get_year(
    State(ctx): State<Ctx>,
    ApiPath(year): ApiPath<String>,
) -> ApiResult<Json<YearView>> {
    let year = year_param(&year)?;
    let calendar = super::current(&ctx).await?;
    calendar
        .year(year)
        .map(|loaded| Json(YearView::from(loaded)))
        .ok_or_else(|| ApiError::not_found(&format!("calendar year {year}")))
}

/// A year's schedule as the State Council published it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadYear {
    /// Every day off of each holiday block, `YYYY-MM-DD`, including the weekend days inside it.
    pub holidays: Vec<String>,
    /// Adjusted working days (Saturdays or Sundays that are worked), `YYYY-MM-DD`.
    pub workdays: Vec<String>,
    /// The notice, e.g. `国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号)`.
    pub source: String,
}

#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar",
    params(("year" = i32, Path, description = "e.g. 2027")),
    request_body = UploadYear,
    responses((status = 200, body = YearView, description = "Stored; in force on every instance"),
              (status = 400, body = ErrorBody, description = "VALIDATION_FAILED: the message names the field"),
              (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "Operators only")))]
pub async fn put_year(
    State(ctx): State<Ctx>,
    Operator(actor): Operator,
    ApiPath(year): ApiPath<String>,
    ApiJson(input): ApiJson<UploadYear>,
) -> ApiResult<Json<YearView>> {
    let year = year_param(&year)?;
    let loaded = super::upload_year(
        &ctx,
        &actor,
        YearFile {
            year,
            holidays: input.holidays,
            workdays: input.workdays,
            source: input.source,
        },
    )
    .await?;
    Ok(Json(YearView::from(&loaded)))
}
