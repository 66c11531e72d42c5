use chrono::{Datelike, NaiveDate};

use super::*;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap_or_else(|| panic!("bad test date {s}"))
}

fn file(year: i32, holidays: &[&str], workdays: &[&str]) -> YearFile {
    YearFile {
        year,
        holidays: holidays.iter().map(|s| s.to_string()).collect(),
        workdays: workdays.iter().map(|s| s.to_string()).collect(),
        source: "test notice".to_owned(),
    }
}

/// A 2027 schedule shaped like a real one (invented dates, for tests only).
fn year_2027() -> YearSchedule {
    YearSchedule::parse(file(
        2027,
        &["2027-01-01", "2027-01-02", "2027-01-03"],
        &["2027-01-09"],
    ))
    .unwrap()
}

#[test]
fn known_cases_against_the_shipped_years() {
    let calendar = WorkingCalendar::builtin();
    // (from, working days, expected)
    let cases = [
        // RULES.md: an award notice on Mon 2024-03-04 makes refunds due by Mon 2024-03-11.
        ("2024-03-04", 5, "2024-03-11"),
        ("2024-03-04", 0, "2024-03-04"),
        // National Day 2024: Sat 09-28 off, Sun 09-29 worked, 10-01..07 off, Sat 10-12 worked.
        ("2024-09-27", 1, "2024-09-29"),
        ("2024-09-29", 1, "2024-09-30"),
        ("2024-09-30", 1, "2024-10-08"),
        ("2024-10-11", 1, "2024-10-12"),
        ("2024-10-11", 2, "2024-10-14"),
        // Spring Festival 2024: 02-10..17 off, Sun 02-04 and Sun 02-18 worked; New Year's Eve
        // (Fri 02-09) was only encouraged off, officially worked.
        ("2024-02-02", 1, "2024-02-04"),
        ("2024-02-08", 1, "2024-02-09"),
        ("2024-02-09", 1, "2024-02-18"),
        ("2024-02-18", 1, "2024-02-19"),
        // Leap day.
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-02-29", 1, "2024-03-01"),
        // Spring Festival 2025: Sat 01-25 off, Sun 01-26 worked, 01-28..02-04 off, Sat 02-08 worked.
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-24", 2, "2025-01-27"),
        ("2025-01-24", 3, "2025-02-05"),
        ("2025-02-07", 1, "2025-02-08"),
        // New Year 2025 (Wed) is a single day off, no adjusted day.
        ("2024-12-31", 1, "2025-01-02"),
        // Year boundary into 2026: 01-01..03 off, Sun 01-04 worked.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        // Spring Festival 2026: Sat 02-14 worked, 02-15..23 off, Sat 02-28 worked.
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-27", 1, "2026-02-28"),
        // Labour Day 2026: 05-01..05 off, Sat 05-09 worked.
        ("2026-04-30", 1, "2026-05-06"),
        ("2026-05-08", 1, "2026-05-09"),
        // National Day 2026: Sun 09-20 worked, Mid-Autumn 09-25..27 off, 10-01..07 off, Sat 10-10 worked.
        ("2026-09-18", 1, "2026-09-20"),
        ("2026-09-24", 1, "2026-09-28"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-10-09", 1, "2026-10-10"),
        // 2020: Spring Festival extended to 02-02 (so Sat 02-01 was no longer worked).
        ("2020-01-23", 1, "2020-02-03"),
        ("2020-01-17", 1, "2020-01-19"),
        // 2023: 01-21..27 off, Sat 01-28 and Sun 01-29 worked.
        ("2023-01-20", 1, "2023-01-28"),
        ("2023-01-20", 2, "2023-01-29"),
    ];
    for (from, n, expected) in cases {
        let deadline = calendar.add_working_days(d(from), n).unwrap();
        assert_eq!(deadline.date, d(expected), "{from} + {n}");
        assert!(
            !deadline.provisional,
            "{from} + {n} should not be provisional"
        );
        assert!(deadline.missing_years.is_empty());
    }
}

#[test]
fn day_status_follows_holidays_and_adjusted_days() {
    let calendar = WorkingCalendar::builtin();
    let cases = [
        ("2024-02-04", true),  // Sunday, adjusted
        ("2024-02-10", false), // Saturday inside the Spring Festival
        ("2024-02-12", false), // Monday inside the Spring Festival
        ("2024-10-12", true),  // Saturday, adjusted
        ("2024-03-09", false), // ordinary Saturday
        ("2024-03-08", true),  // ordinary Friday
        ("2025-01-01", false),
        ("2025-01-26", true),
        ("2026-06-19", false), // Dragon Boat, Friday
        ("2026-09-20", true),  // Sunday, adjusted
        ("2026-12-25", true),  // after the last date `chinese_holiday` knows
        ("2026-12-31", true),
    ];
    for (date, working) in cases {
        let status = calendar.is_working_day(d(date));
        assert_eq!(status.working, working, "{date}");
        assert!(!status.provisional, "{date}");
    }
}

#[test]
fn unloaded_years_fall_back_to_weekends_and_are_provisional() {
    let calendar = WorkingCalendar::builtin();
    let saturday = calendar.is_working_day(d("2030-01-05"));
    assert!(!saturday.working && saturday.provisional);
    let monday = calendar.is_working_day(d("2030-01-07"));
    assert!(monday.working && monday.provisional);

    let deadline = calendar.add_working_days(d("2030-01-04"), 1).unwrap();
    assert_eq!(deadline.date, d("2030-01-07"));
    assert!(deadline.provisional);
    assert_eq!(deadline.missing_years, vec![2030]);

    // From a loaded year into one that is not: 2027-01-01 (Fri) counted weekends-only.
    let crossing = calendar.add_working_days(d("2026-12-30"), 2).unwrap();
    assert_eq!(crossing.date, d("2027-01-01"));
    assert!(crossing.provisional);
    assert_eq!(crossing.missing_years, vec![2027]);

    // Staying inside the loaded year is not provisional even near its end.
    let inside = calendar.add_working_days(d("2026-12-30"), 1).unwrap();
    assert_eq!(inside.date, d("2026-12-31"));
    assert!(!inside.provisional);

    // Nothing loaded at all: still answers.
    let empty = WorkingCalendar::new();
    let deadline = empty.add_working_days(d("2024-03-04"), 5).unwrap();
    assert_eq!(deadline.date, d("2024-03-11"));
    assert!(deadline.provisional);
    assert_eq!(deadline.missing_years, vec![2024]);
}

#[test]
fn loading_a_year_removes_the_provisional_mark_and_applies_it() {
    let mut calendar = WorkingCalendar::builtin();
    assert_eq!(
        calendar.add_working_days(d("2026-12-31"), 1).unwrap().date,
        d("2027-01-01")
    );
    calendar.insert(
        year_2027(),
        Origin::Uploaded {
            at: chrono::Utc::now(),
            by: Some(1),
        },
    );
    let deadline = calendar.add_working_days(d("2026-12-31"), 1).unwrap();
    assert_eq!(deadline.date, d("2027-01-04"));
    assert!(!deadline.provisional);
    let adjusted = calendar.is_working_day(d("2027-01-09"));
    assert!(adjusted.working && !adjusted.provisional);
    assert!(
        calendar
            .missing_years(d("2026-01-01"), d("2027-12-31"))
            .is_empty()
    );
}

#[test]
fn a_later_layer_replaces_the_year() {
    let mut calendar = WorkingCalendar::builtin();
    // Replace 2024 with a schedule that only has New Year's Day.
    let replacement = YearSchedule::parse(file(2024, &["2024-01-01"], &[])).unwrap();
    calendar.insert(replacement, Origin::Directory);
    assert_eq!(calendar.year(2024).unwrap().origin, Origin::Directory);
    // 2024-10-01 is now an ordinary Tuesday.
    assert_eq!(
        calendar.add_working_days(d("2024-09-30"), 1).unwrap().date,
        d("2024-10-01")
    );
}

#[test]
fn missing_years_lists_the_gaps_in_either_order() {
    let calendar = WorkingCalendar::builtin();
    assert_eq!(
        calendar.missing_years(d("2025-06-01"), d("2028-01-01")),
        vec![2027, 2028]
    );
    assert_eq!(
        calendar.missing_years(d("2028-01-01"), d("2025-06-01")),
        vec![2027, 2028]
    );
    assert_eq!(
        calendar.missing_years(d("2019-12-31"), d("2020-01-01")),
        vec![2019]
    );
    assert!(
        calendar
            .missing_years(d("2020-01-01"), d("2026-12-31"))
            .is_empty()
    );
}

#[test]
fn bounds_and_extremes_never_panic() {
    let calendar = WorkingCalendar::builtin();
    assert!(matches!(
        calendar.add_working_days(d("2024-03-04"), MAX_WORKING_DAYS + 1),
        Err(CalendarError::TooManyDays { .. })
    ));
    assert!(matches!(
        calendar.add_working_days(d("2024-03-04"), u32::MAX),
        Err(CalendarError::TooManyDays { .. })
    ));
    let far = calendar
        .add_working_days(d("2024-03-04"), MAX_WORKING_DAYS)
        .unwrap();
    assert!(far.date.year() >= 2038 && far.provisional);
    assert!(matches!(
        calendar.add_working_days(NaiveDate::MAX, 1),
        Err(CalendarError::DateOverflow)
    ));
    assert_eq!(
        calendar.add_working_days(NaiveDate::MAX, 0).unwrap().date,
        NaiveDate::MAX
    );
    let status = calendar.is_working_day(NaiveDate::MIN);
    assert!(status.provisional);
    assert_eq!(
        calendar.missing_years(NaiveDate::MIN, NaiveDate::MIN),
        vec![NaiveDate::MIN.year()]
    );
}

/// For every start date across the loaded years and their edges: the result is a working day,
/// later than the start, and exactly `n` working days lie in between.
#[test]
fn results_are_working_days_after_the_start() {
    let calendar = WorkingCalendar::builtin();
    let mut from = d("2019-12-01");
    let end = d("2027-02-01");
    while from <= end {
        for n in [0u32, 1, 2, 3, 5, 7, 10, 15, 30] {
            let deadline = calendar.add_working_days(from, n).unwrap();
            if n == 0 {
                assert_eq!(deadline.date, from);
                continue;
            }
            assert!(deadline.date > from, "{from} + {n}");
            assert!(
                calendar.is_working_day(deadline.date).working,
                "{from} + {n}"
            );
            let counted = from
                .iter_days()
                .skip(1)
                .take_while(|day| *day <= deadline.date)
                .filter(|day| calendar.is_working_day(*day).working)
                .count();
            assert_eq!(counted, n as usize, "{from} + {n}");
            let expect_provisional = !calendar
                .missing_years(from.succ_opt().unwrap(), deadline.date)
                .is_empty();
            assert_eq!(deadline.provisional, expect_provisional, "{from} + {n}");
        }
        from = from.succ_opt().unwrap();
    }
}

#[test]
fn every_shipped_file_parses_and_validates() {
    assert_eq!(builtin::FILES.len(), 7);
    for (name, text) in builtin::FILES {
        let schedule = schedule::parse_file(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(format!("{}.json", schedule.year()), *name);
        assert!(schedule.source().contains("国办发明电"), "{name}");
        // Every listed adjusted day is a weekend and every list is sorted on disk.
        let raw: YearFile = serde_json::from_str(text).unwrap();
        let mut sorted = raw.holidays.clone();
        sorted.sort();
        assert_eq!(raw.holidays, sorted, "{name} holidays sorted");
    }
    let years: Vec<i32> = builtin_years().iter().map(YearSchedule::year).collect();
    assert_eq!(years, (2020..=2026).collect::<Vec<_>>());
}

#[test]
fn shipped_data_matches_the_notices() {
    let calendar = WorkingCalendar::builtin();
    let off = |s: &str| {
        let status = calendar.is_working_day(d(s));
        assert!(!status.provisional, "{s}");
        !status.working
    };
    let range = |a: &str, b: &str| {
        let end = d(b);
        d(a).iter_days().take_while(move |x| *x <= end)
    };
    // 2024 Spring Festival and National Day.
    assert!(range("2024-02-10", "2024-02-17").all(|x| off(&x.to_string())));
    assert!(!off("2024-02-04") && !off("2024-02-18"));
    assert!(range("2024-10-01", "2024-10-07").all(|x| off(&x.to_string())));
    assert!(!off("2024-09-29") && !off("2024-10-12"));
    // 2025 Spring Festival.
    assert!(range("2025-01-28", "2025-02-04").all(|x| off(&x.to_string())));
    assert!(!off("2025-01-26") && !off("2025-02-08"));
    // 2026, 国办发明电〔2025〕7号.
    let y2026 = &calendar.year(2026).unwrap().schedule;
    let workdays: Vec<String> = y2026.workdays().iter().map(|x| x.to_string()).collect();
    assert_eq!(
        workdays,
        [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10"
        ]
    );
    for (a, b) in [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ] {
        assert!(
            range(a, b).all(|x| y2026.holidays().contains(&x)),
            "{a}..{b}"
        );
    }
    assert_eq!(y2026.holidays().len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
}

#[test]
fn validation_names_what_is_wrong() {
    let cases: Vec<(YearFile, &str)> = vec![
        (file(1999, &["1999-01-01"], &[]), "year must be between"),
        (file(2101, &["2101-01-03"], &[]), "year must be between"),
        (file(2027, &["2027-1-1"], &[]), "holidays[0]"),
        (
            file(2027, &["2027-01-01", "2027-02-30"], &[]),
            "holidays[1]",
        ),
        (file(2027, &["2027-01-01"], &["not a date"]), "workdays[0]"),
        (file(2027, &["2026-12-31"], &[]), "is not in 2027"),
        (
            file(2027, &["2027-01-01", "2027-01-01"], &[]),
            "listed twice",
        ),
        (
            file(2027, &["2027-01-01", "2027-01-09"], &["2027-01-09"]),
            "both in holidays and in workdays",
        ),
        // 2027-01-04 is a Monday.
        (
            file(2027, &["2027-01-01"], &["2027-01-04"]),
            "Saturdays or Sundays",
        ),
        // Only weekend days: not a real schedule.
        (file(2027, &["2027-01-02", "2027-01-03"], &[]), "no weekday"),
        (file(2027, &[], &[]), "no weekday"),
    ];
    for (input, expected) in cases {
        let error = validate_year(input.clone()).unwrap_err().to_string();
        assert!(
            error.contains(expected),
            "{input:?}: {error:?} lacks {expected:?}"
        );
    }
    let mut no_source = file(2027, &["2027-01-01"], &[]);
    no_source.source = "  ".to_owned();
    assert!(matches!(
        validate_year(no_source),
        Err(CalendarError::BadSource)
    ));
    let many: Vec<String> = d("2027-01-01")
        .iter_days()
        .take(MAX_HOLIDAYS + 1)
        .map(|x| x.to_string())
        .collect();
    let too_many = YearFile {
        holidays: many,
        ..file(2027, &[], &[])
    };
    assert!(matches!(
        validate_year(too_many),
        Err(CalendarError::TooMany { .. })
    ));
    // Unsorted input is accepted and comes back sorted.
    let ok = validate_year(file(2027, &["2027-01-03", "2027-01-01"], &[])).unwrap();
    assert_eq!(ok.to_file().holidays, ["2027-01-01", "2027-01-03"]);
}

#[test]
fn strict_date_parsing() {
    assert_eq!(parse_date("2024-02-29"), Some(d("2024-02-29")));
    for bad in [
        "2023-02-29",
        "2024-2-29",
        "24-02-29",
        "2024/02/29",
        "+2024-02-29",
        "2024-02-29T00:00:00",
        "",
        "２０２４-02-29",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn unknown_fields_in_a_file_are_refused() {
    let text = r#"{"year":2027,"holidays":["2027-01-01"],"workdays":[],"source":"x","extra":1}"#;
    assert!(schedule::parse_file(text).is_err());
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("gpmall-calendar-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_directory_of_year_files_loads() {
    let dir = TempDir::new();
    let text = serde_json::to_string(&year_2027().to_file()).unwrap();
    std::fs::write(dir.0.join("2027.json"), &text).unwrap();
    std::fs::write(dir.0.join("README.md"), "not a year").unwrap();
    for (name, text) in builtin::FILES.iter().take(2) {
        std::fs::write(dir.0.join(name), text).unwrap();
    }
    let years: Vec<i32> = from_dir(&dir.0)
        .unwrap()
        .iter()
        .map(YearSchedule::year)
        .collect();
    assert_eq!(years, [2020, 2021, 2027]);

    // A file named after another year fails the whole directory, naming the file.
    std::fs::write(dir.0.join("2028.json"), &text).unwrap();
    let error = from_dir(&dir.0).unwrap_err().to_string();
    assert!(
        error.contains("2028.json") && error.contains("not named 2027.json"),
        "{error}"
    );
    std::fs::remove_file(dir.0.join("2028.json")).unwrap();

    // So does an invalid one.
    std::fs::write(dir.0.join("2029.json"), r#"{"year":2029}"#).unwrap();
    let error = from_dir(&dir.0).unwrap_err();
    assert!(!error.is_input_error());
    assert!(error.to_string().contains("2029.json"), "{error}");

    let missing = from_dir(&dir.0.join("nope")).unwrap_err();
    assert!(matches!(missing, CalendarError::File { .. }));
}
