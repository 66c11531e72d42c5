//! Bounds for the dates people type. A date that records something that happened (a payment,
//! an acceptance, a deposit received) is not in the future, not before the thing it follows (the
//! contract's signing, the delivery, the procedure's registration) and not before
//! [`EARLIEST`]; the refusals are 400 `VALIDATION_FAILED` with a locale text naming the field in
//! words and the machine field in the details.

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::error::ApiError;
use crate::i18n::Text;

/// No business date on the platform is earlier: electronic government procurement (and every
/// rule in RULES.md) postdates it, so an earlier date is a typing slip (year 0001, 1926).
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date,
    None => panic!("2000-01-01 is a date"),
};

/// A date field: the machine name (`paid_on`) and the locale key of its name in words.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
}

impl Field {
    pub const fn new(name: &'static str, label: &'static str) -> Self {
        Field { name, label }
    }
}

fn refuse(field: Field, date: NaiveDate, text: Text) -> ApiError {
    ApiError::say(StatusCode::BAD_REQUEST, "VALIDATION_FAILED", text)
        .with_details(json!({ "field": field.name, "given": date }))
}

/// A date of something that happened: from [`EARLIEST`] to `today`.
pub fn happened(field: Field, date: NaiveDate, today: NaiveDate) -> Result<(), ApiError> {
    if date > today {
        return Err(refuse(
            field,
            date,
            Text::new("msg.date.future")
                .key_arg("field", field.label)
                .arg("date", date)
                .arg("today", today),
        ));
    }
    not_too_early(field, date)
}

/// Any date the platform records: not before [`EARLIEST`].
pub fn not_too_early(field: Field, date: NaiveDate) -> Result<(), ApiError> {
    if date < EARLIEST {
        return Err(refuse(
            field,
            date,
            Text::new("msg.date.too_early")
                .key_arg("field", field.label)
                .arg("date", date)
                .arg("earliest", EARLIEST),
        ));
    }
    Ok(())
}

/// Not before `bound`, the date of the event named by the locale key `bound_label`.
pub fn not_before(
    field: Field,
    date: NaiveDate,
    bound: NaiveDate,
    bound_label: &'static str,
) -> Result<(), ApiError> {
    if date < bound {
        return Err(refuse(
            field,
            date,
            Text::new("msg.date.before")
                .key_arg("field", field.label)
                .arg("date", date)
                .key_arg("bound_name", bound_label)
                .arg("bound", bound),
        ));
    }
    Ok(())
}

/// Not after `latest` (a date ahead of today that is still plausible, e.g. a letter's end).
pub fn not_after(field: Field, date: NaiveDate, latest: NaiveDate) -> Result<(), ApiError> {
    if date > latest {
        return Err(refuse(
            field,
            date,
            Text::new("msg.date.too_late")
                .key_arg("field", field.label)
                .arg("date", date)
                .arg("latest", latest),
        ));
    }
    Ok(())
}

/// A year people type (a fiscal year, a calendar year): within `earliest..=latest`.
pub fn year_within(field: Field, year: i32, earliest: i32, latest: i32) -> Result<(), ApiError> {
    if (earliest..=latest).contains(&year) {
        return Ok(());
    }
    Err(ApiError::say(
        StatusCode::BAD_REQUEST,
        "VALIDATION_FAILED",
        Text::new("msg.date.year_range")
            .key_arg("field", field.label)
            .arg("year", year)
            .arg("earliest", earliest)
            .arg("latest", latest),
    )
    .with_details(json!({ "field": field.name, "given": year })))
}

/// `date` plus whole years, the last day of February where the day does not exist.
pub fn years_after(date: NaiveDate, years: i32) -> NaiveDate {
    let year = date.year().saturating_add(years);
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Tr};

    const PAID_ON: Field = Field::new("paid_on", "field.paid_on");

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_of_events_are_between_2000_and_today() {
        let today = date("2026-03-02");
        assert!(happened(PAID_ON, today, today).is_ok());
        assert!(happened(PAID_ON, EARLIEST, today).is_ok());
        let future = happened(PAID_ON, date("2026-03-03"), today).unwrap_err();
        assert_eq!(future.status, StatusCode::BAD_REQUEST);
        assert_eq!(future.details.as_ref().unwrap()["field"], "paid_on");
        let ancient = happened(PAID_ON, date("0001-01-01"), today).unwrap_err();
        let en = ancient.message_in(Lang::En);
        assert!(
            en.contains("0001-01-01") && en.contains("2000-01-01"),
            "{en}"
        );
        assert!(!en.contains("paid_on"), "{en}");
        let zh = ancient.message_in(Lang::ZhCn);
        assert!(
            zh.starts_with(Tr::new(Lang::ZhCn).t("field.paid_on")),
            "{zh}"
        );
    }

    #[test]
    fn bounds_name_the_event_they_follow() {
        let error = not_before(
            PAID_ON,
            date("2026-03-01"),
            date("2026-03-02"),
            "field.signed_on",
        )
        .unwrap_err();
        let en = error.message_in(Lang::En);
        assert!(
            en.contains("2026-03-01") && en.contains("2026-03-02"),
            "{en}"
        );
        assert!(
            not_before(
                PAID_ON,
                date("2026-03-02"),
                date("2026-03-02"),
                "field.signed_on"
            )
            .is_ok()
        );
        assert!(not_after(PAID_ON, date("2026-03-03"), date("2026-03-02")).is_err());
        assert!(year_within(PAID_ON, 2026, 2000, 2027).is_ok());
        assert!(year_within(PAID_ON, 1, 2000, 2027).is_err());
        assert_eq!(years_after(date("2024-02-29"), 1), date("2025-02-28"));
    }
}
