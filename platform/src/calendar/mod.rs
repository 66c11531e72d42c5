//! The official PRC working-day calendar: weekends off, statutory holidays off, adjusted working
//! days (调休) on. The calendar is data, one year at a time: the years shipped in `calendar/*.json`
//! are built in, a directory can add or replace years at start-up ([`install_directory`]), and an
//! operator uploads next year's schedule through the API once the State Council publishes it
//! (stored in `calendar_years`, overriding the other two). A date in a year that is not loaded
//! never fails: it falls back to weekends-only and the answer is marked provisional.
//!
//! Other modules compute deadlines with [`deadline`] (or [`current`] and the pure
//! [`WorkingCalendar`]).

mod builtin;
mod entity;
pub mod http;
mod schedule;
mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, LazyLock, RwLock};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

pub use builtin::builtin_years;
pub use schedule::{
    CalendarError, MAX_HOLIDAYS, MAX_SOURCE_CHARS, MAX_WORKDAYS, MAX_YEAR, MIN_YEAR, YearFile,
    YearSchedule, from_dir, parse_date, validate_year,
};
pub use store::{current, deadline, upload_year};

use crate::error::ApiError;
use crate::i18n::Text;
use schedule::is_weekend;

/// The most working days one computation may add (about 14 years).
pub const MAX_WORKING_DAYS: u32 = 3650;

/// Where a loaded year came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Shipped in the repository and embedded in the binary.
    BuiltIn,
    /// Read at start-up from the calendar directory.
    Directory,
    /// Uploaded by an operator through the API.
    Uploaded { at: DateTime<Utc>, by: Option<i64> },
}

impl Origin {
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::BuiltIn => "built_in",
            Origin::Directory => "directory",
            Origin::Uploaded { .. } => "uploaded",
        }
    }
}

/// A year in the calendar with its origin.
#[derive(Debug, Clone)]
pub struct LoadedYear {
    pub schedule: YearSchedule,
    pub origin: Origin,
}

/// Whether one date is worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayStatus {
    pub date: NaiveDate,
    pub working: bool,
    /// The date's year is not loaded: the answer assumes weekends-only.
    pub provisional: bool,
}

/// The result of counting working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Some day counted lies in a year that is not loaded (weekends-only was assumed); the date
    /// may move once that year is loaded.
    pub provisional: bool,
    /// The years that were missing, for the warning; empty when not provisional.
    pub missing_years: Vec<i32>,
}

/// The calendar: the loaded years, each one's holidays and adjusted working days. Pure and cheap
/// to clone; years not in it are weekends-only and provisional.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, LoadedYear>,
}

impl WorkingCalendar {
    /// A calendar with no year loaded: every answer is weekends-only and provisional.
    pub fn new() -> Self {
        WorkingCalendar::default()
    }

    /// The built-in years (`calendar/*.json`).
    pub fn builtin() -> Self {
        let mut calendar = WorkingCalendar::new();
        for schedule in builtin_years() {
            calendar.insert(schedule, Origin::BuiltIn);
        }
        calendar
    }

    /// Loads a year, replacing any schedule already loaded for it.
    pub fn insert(&mut self, schedule: YearSchedule, origin: Origin) {
        self.years
            .insert(schedule.year(), LoadedYear { schedule, origin });
    }

    pub fn year(&self, year: i32) -> Option<&LoadedYear> {
        self.years.get(&year)
    }

    /// The loaded years in order.
    pub fn years(&self) -> impl Iterator<Item = &LoadedYear> {
        self.years.values()
    }

    pub fn is_loaded(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `date` is worked: a listed holiday is off, a listed adjusted day is worked,
    /// otherwise Monday to Friday are worked. Provisional when the year is not loaded.
    pub fn is_working_day(&self, date: NaiveDate) -> DayStatus {
        match self.years.get(&date.year()) {
            Some(loaded) => DayStatus {
                date,
                working: loaded.schedule.is_working(date),
                provisional: false,
            },
            None => DayStatus {
                date,
                working: !is_weekend(date),
                provisional: true,
            },
        }
    }

    /// The date `n` working days after `from` (`from` itself is not counted; `n = 0` gives
    /// `from`). Mon 2024-03-04 + 5 is Mon 2024-03-11. Provisional when any day examined lies in a
    /// year that is not loaded. Fails only for `n` above [`MAX_WORKING_DAYS`] or past the last
    /// representable date; never panics.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<Deadline, CalendarError> {
        if n > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyDays { got: n });
        }
        let mut date = from;
        let mut remaining = n;
        let mut missing = BTreeSet::new();
        // Ends: a loaded year has at most MAX_HOLIDAYS days off besides weekends.
        while remaining > 0 {
            date = date.succ_opt().ok_or(CalendarError::DateOverflow)?;
            let status = self.is_working_day(date);
            if status.provisional {
                missing.insert(date.year());
            }
            if status.working {
                remaining -= 1;
            }
        }
        Ok(Deadline {
            date,
            provisional: !missing.is_empty(),
            missing_years: missing.into_iter().collect(),
        })
    }

    /// The years between `from` and `to` (inclusive, either order) that are not loaded.
    pub fn missing_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        let (low, high) = if from <= to {
            (from.year(), to.year())
        } else {
            (to.year(), from.year())
        };
        (low..=high).filter(|y| !self.is_loaded(*y)).collect()
    }
}

/// The process-wide base layer: built-in years, replaced per year by an installed directory.
/// Uploaded years are layered on top per request by [`current`].
static BASE: LazyLock<RwLock<Arc<WorkingCalendar>>> =
    LazyLock::new(|| RwLock::new(Arc::new(WorkingCalendar::builtin())));

/// The built-in years plus any installed directory, without uploaded years.
pub fn base() -> Arc<WorkingCalendar> {
    BASE.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Loads every `YYYY.json` in `dir` (see [`from_dir`]) over the built-in years, for the whole
/// process; call at start-up with the configured calendar directory (`GPMALL_CALENDAR_DIR`).
/// Returns the years read. On error nothing changes.
pub fn install_directory(dir: &Path) -> Result<Vec<i32>, CalendarError> {
    let years = from_dir(dir)?;
    let loaded: Vec<i32> = years.iter().map(YearSchedule::year).collect();
    let mut calendar = WorkingCalendar::builtin();
    for schedule in years {
        calendar.insert(schedule, Origin::Directory);
    }
    *BASE.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(calendar);
    tracing::info!(dir = %dir.display(), years = ?loaded, "calendar directory loaded");
    Ok(loaded)
}

impl From<CalendarError> for ApiError {
    fn from(error: CalendarError) -> Self {
        match calendar_text(&error) {
            Some(text) => ApiError::invalid(text).with_details(serde_json::json!({
                "problem": error.to_string(),
            })),
            None => ApiError::internal(error),
        }
    }
}

/// What is wrong with a schedule or a question, in words a person reads (`None` for a server's
/// own problem, such as an unreadable calendar file).
fn calendar_text(error: &CalendarError) -> Option<Text> {
    use CalendarError as E;
    let list = |field: &str| format!("calendar.list.{field}");
    Some(match error {
        E::YearOutOfRange(year) => Text::new("msg.calendar.year_range")
            .arg("year", year)
            .arg("min", MIN_YEAR)
            .arg("max", MAX_YEAR),
        E::BadDate {
            field,
            index,
            value,
        } => Text::new("msg.calendar.bad_date")
            .key_arg("list", list(field))
            .arg("n", index + 1)
            .arg("value", value),
        E::OutsideYear {
            field,
            index,
            date,
            year,
        } => Text::new("msg.calendar.outside_year")
            .key_arg("list", list(field))
            .arg("n", index + 1)
            .arg("date", date)
            .arg("year", year),
        E::Duplicate { field, index, date } => Text::new("msg.calendar.duplicate")
            .key_arg("list", list(field))
            .arg("n", index + 1)
            .arg("date", date),
        E::BothHolidayAndWorkday { date } => Text::new("msg.calendar.both").arg("date", date),
        E::WorkdayNotWeekend {
            index,
            date,
            weekday,
        } => Text::new("msg.calendar.workday_not_weekend")
            .arg("n", index + 1)
            .arg("date", date)
            .key_arg(
                "weekday",
                format!("weekday.{}", weekday.num_days_from_monday()),
            ),
        E::NoWeekdayHoliday => Text::new("msg.calendar.no_weekday_holiday"),
        E::TooMany { field, count, max } => Text::new("msg.calendar.too_many")
            .key_arg("list", list(field))
            .arg("count", count)
            .arg("max", max),
        E::BadSource => Text::new("msg.calendar.bad_source").arg("max", MAX_SOURCE_CHARS),
        E::TooManyDays { got } => Text::new("msg.calendar.too_many_days")
            .arg("got", got)
            .arg("max", MAX_WORKING_DAYS),
        E::DateOverflow => Text::new("msg.calendar.overflow"),
        E::File { .. } => return None,
    })
}

#[cfg(test)]
mod tests;
