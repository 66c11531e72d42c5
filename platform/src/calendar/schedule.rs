//! One year's schedule: the published form (a data file or an upload) and the validated form.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The earliest year a schedule may be loaded for.
pub const MIN_YEAR: i32 = 2000;
/// The latest year a schedule may be loaded for.
pub const MAX_YEAR: i32 = 2100;
/// More days off than any State Council notice has listed (2020, the longest, has 30 plus the
/// weekends inside the blocks): a longer list is a mistake such as every weekend of the year.
pub const MAX_HOLIDAYS: usize = 60;
/// More adjusted working days than any notice has listed (the most so far is 8).
pub const MAX_WORKDAYS: usize = 20;
/// The longest `source` accepted.
pub const MAX_SOURCE_CHARS: usize = 500;

/// A year as published: the format of `calendar/YYYY.json` and of an upload. Unvalidated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    pub year: i32,
    /// Every day off of each holiday block (statutory days, the days moved onto them, and the
    /// weekend days inside or joined to the block), as `YYYY-MM-DD`.
    pub holidays: Vec<String>,
    /// Adjusted working days (调休上班): Saturdays and Sundays that are worked.
    pub workdays: Vec<String>,
    /// The notice the dates come from, e.g. `国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号)`.
    pub source: String,
}

/// A validated year: every date inside the year, no date both off and worked, adjusted working
/// days only on weekends. Built only by [`YearSchedule::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    year: i32,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    source: String,
}

/// Why a schedule or a calendar directory was refused, or a computation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("year must be between {MIN_YEAR} and {MAX_YEAR} (got {0})")]
    YearOutOfRange(i32),
    #[error("{field}[{index}]: {value:?} is not a date in the form YYYY-MM-DD")]
    BadDate {
        field: &'static str,
        index: usize,
        value: String,
    },
    #[error("{field}[{index}]: {date} is not in {year}; each year is uploaded on its own")]
    OutsideYear {
        field: &'static str,
        index: usize,
        date: NaiveDate,
        year: i32,
    },
    #[error("{field}[{index}]: {date} is listed twice")]
    Duplicate {
        field: &'static str,
        index: usize,
        date: NaiveDate,
    },
    #[error("{date} is listed both in holidays and in workdays")]
    BothHolidayAndWorkday { date: NaiveDate },
    #[error(
        "workdays[{index}]: {date} is a {weekday}; adjusted working days are Saturdays or Sundays"
    )]
    WorkdayNotWeekend {
        index: usize,
        date: NaiveDate,
        weekday: Weekday,
    },
    #[error(
        "holidays has no weekday: a schedule lists the statutory days off, of which at least one \
         falls on a weekday every year; is the list complete?"
    )]
    NoWeekdayHoliday,
    #[error("{field} lists {count} dates, more than the {max} a year can have")]
    TooMany {
        field: &'static str,
        count: usize,
        max: usize,
    },
    #[error("source must name the State Council notice (1 to {MAX_SOURCE_CHARS} characters)")]
    BadSource,
    #[error("days must be between 0 and {max} (got {got})", max = super::MAX_WORKING_DAYS)]
    TooManyDays { got: u32 },
    #[error("the result lies beyond the dates this service can represent")]
    DateOverflow,
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

impl CalendarError {
    /// True when the error is about the input (a 400), false for a server-side problem.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, CalendarError::File { .. })
    }
}

/// Parses a strict `YYYY-MM-DD` date (four-digit year, two-digit month and day).
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn parse_dates(
    field: &'static str,
    values: &[String],
    year: i32,
    max: usize,
) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    if values.len() > max {
        return Err(CalendarError::TooMany {
            field,
            count: values.len(),
            max,
        });
    }
    let mut dates = BTreeSet::new();
    for (index, value) in values.iter().enumerate() {
        let date = parse_date(value.trim()).ok_or_else(|| CalendarError::BadDate {
            field,
            index,
            value: value.clone(),
        })?;
        if date.year() != year {
            return Err(CalendarError::OutsideYear {
                field,
                index,
                date,
                year,
            });
        }
        if !dates.insert(date) {
            return Err(CalendarError::Duplicate { field, index, date });
        }
    }
    Ok(dates)
}

impl YearSchedule {
    /// Validates a published year (see [`validate_year`]).
    pub fn parse(file: YearFile) -> Result<YearSchedule, CalendarError> {
        let year = file.year;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CalendarError::YearOutOfRange(year));
        }
        let source = file.source.trim().to_owned();
        if source.is_empty() || source.chars().count() > MAX_SOURCE_CHARS {
            return Err(CalendarError::BadSource);
        }
        let holidays = parse_dates("holidays", &file.holidays, year, MAX_HOLIDAYS)?;
        let workdays = parse_dates("workdays", &file.workdays, year, MAX_WORKDAYS)?;
        if let Some(date) = holidays.intersection(&workdays).next() {
            return Err(CalendarError::BothHolidayAndWorkday { date: *date });
        }
        for (index, date) in workdays.iter().enumerate() {
            if !is_weekend(*date) {
                return Err(CalendarError::WorkdayNotWeekend {
                    index,
                    date: *date,
                    weekday: date.weekday(),
                });
            }
        }
        if !holidays.iter().any(|d| !is_weekend(*d)) {
            return Err(CalendarError::NoWeekdayHoliday);
        }
        Ok(YearSchedule {
            year,
            holidays,
            workdays,
            source,
        })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// Every day off inside the holiday blocks.
    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    /// Adjusted working weekend days.
    pub fn workdays(&self) -> &BTreeSet<NaiveDate> {
        &self.workdays
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `date` (which must lie in this year) is worked under this schedule.
    pub(crate) fn is_working(&self, date: NaiveDate) -> bool {
        if self.holidays.contains(&date) {
            false
        } else if self.workdays.contains(&date) {
            true
        } else {
            !is_weekend(date)
        }
    }

    /// Back to the published form (dates sorted).
    pub fn to_file(&self) -> YearFile {
        YearFile {
            year: self.year,
            holidays: self.holidays.iter().map(|d| d.to_string()).collect(),
            workdays: self.workdays.iter().map(|d| d.to_string()).collect(),
            source: self.source.clone(),
        }
    }
}

/// Validates a published year: the year is in range; every date is `YYYY-MM-DD`, inside the year
/// and listed once; no date is both a holiday and a workday; workdays are Saturdays or Sundays;
/// holidays include at least one weekday; the lists are of plausible length; `source` is given.
pub fn validate_year(file: YearFile) -> Result<YearSchedule, CalendarError> {
    YearSchedule::parse(file)
}

/// Parses one data file's text.
pub fn parse_file(text: &str) -> Result<YearSchedule, String> {
    let file: YearFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    YearSchedule::parse(file).map_err(|e| e.to_string())
}

/// Reads every `*.json` in `dir` as a year file. Each file must be named after its year
/// (`2027.json` holds `"year": 2027`). Files are returned in year order; any bad file fails the
/// whole directory, so a typo cannot silently drop a year.
pub fn from_dir(dir: &Path) -> Result<Vec<YearSchedule>, CalendarError> {
    let file_error = |path: &Path, message: String| CalendarError::File {
        path: path.to_owned(),
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| file_error(dir, e.to_string()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| file_error(dir, e.to_string()))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut years = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e.to_string()))?;
        let schedule = parse_file(&text).map_err(|message| file_error(&path, message))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != schedule.year().to_string() {
            return Err(file_error(
                &path,
                format!(
                    "holds year {} but is not named {}.json",
                    schedule.year(),
                    schedule.year()
                ),
            ));
        }
        years.push(schedule);
    }
    years.sort_by_key(YearSchedule::year);
    Ok(years)
}
