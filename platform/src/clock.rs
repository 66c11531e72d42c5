//! The one clock the service reads time through, so tests can set it and deadlines are tested
//! without waiting. Storage is UTC; business dates are in Asia/Shanghai.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's business date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&Shanghai).date_naive()
    }

    /// The fiscal year (the calendar year in China) of today's business date.
    fn fiscal_year(&self) -> i32 {
        self.today().year()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests set and advance.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        TestClock(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_date_is_shanghai() {
        // 2025-12-31 17:30 UTC is already 2026-01-01 in Chongqing.
        let clock = TestClock::new(Utc.with_ymd_and_hms(2025, 12, 31, 17, 30, 0).unwrap());
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(clock.fiscal_year(), 2026);
        clock.advance(Duration::hours(-10));
        assert_eq!(clock.fiscal_year(), 2025);
    }
}
