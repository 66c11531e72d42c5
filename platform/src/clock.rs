//! The one clock the service reads time through, so tests can set it and deadlines are tested
//! without waiting. Storage is UTC; business dates are in Asia/Shanghai. A sandbox deployment
//! runs on [`SandboxClock`]: real time plus an offset the operator moves forward, so payment
//! deadlines, overdue interest and letter expiry can be watched without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
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

    /// Real time, for lifetimes that protect accounts (sessions): moving a sandbox clock moves
    /// business time, never a login's expiry.
    fn wall_now(&self) -> DateTime<Utc> {
        self.now()
    }

    /// The sandbox clock, when this is one (sandbox mode).
    fn sandbox(&self) -> Option<&SandboxClock> {
        None
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

/// Real time (or a test clock) plus an offset that only grows. The offset lives in the
/// database (`platform::sandbox`), so it survives restarts and every instance shares it; this
/// holds the last value read.
pub struct SandboxClock {
    base: Arc<dyn Clock>,
    offset_seconds: AtomicI64,
}

impl SandboxClock {
    pub fn new(base: Arc<dyn Clock>) -> Self {
        SandboxClock {
            base,
            offset_seconds: AtomicI64::new(0),
        }
    }

    /// How far the simulated time is ahead of real time.
    pub fn offset(&self) -> Duration {
        Duration::seconds(self.offset_seconds.load(Ordering::Acquire))
    }

    /// Takes an offset read from the database; an older (smaller) one never moves it back.
    pub fn observe(&self, offset_seconds: i64) {
        self.offset_seconds
            .fetch_max(offset_seconds, Ordering::AcqRel);
    }
}

impl Clock for SandboxClock {
    fn now(&self) -> DateTime<Utc> {
        self.base.now() + self.offset()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        self.base.wall_now()
    }

    fn sandbox(&self) -> Option<&SandboxClock> {
        Some(self)
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

    #[test]
    fn the_sandbox_clock_runs_ahead_and_never_back() {
        let real = TestClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
        let sandbox = SandboxClock::new(Arc::new(real.clone()));
        assert_eq!(sandbox.now(), real.now());
        sandbox.observe(40 * 86_400);
        assert_eq!(
            sandbox.today(),
            NaiveDate::from_ymd_opt(2026, 4, 11).unwrap()
        );
        assert_eq!(sandbox.wall_now(), real.now());
        // A stale read from another instance does not turn it back.
        sandbox.observe(86_400);
        assert_eq!(sandbox.offset(), Duration::days(40));
        real.advance(Duration::days(1));
        assert_eq!(
            sandbox.today(),
            NaiveDate::from_ymd_opt(2026, 4, 12).unwrap()
        );
        assert!(sandbox.sandbox().is_some() && real.sandbox().is_none());
    }
}
