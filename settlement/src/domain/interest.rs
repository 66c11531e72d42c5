//! Late-payment interest, exact.
//!
//! Interest accrues from the day after the due date: on each day `d`, the principal still unpaid
//! (payments dated before `d` reduce it; a payment on day `d` stops accrual from `d + 1`) times
//! the daily rate. The sum is kept exact and rounded half-up to the fen once, in
//! [`round_to_fen`] — the one place rounding happens. Because it is a pure function of the
//! stored due dates and payments, running it twice on a day adds nothing and a restart loses
//! nothing.

use chrono::NaiveDate;
use gpmall_platform::Money;
use rust_decimal::{Decimal, RoundingStrategy};

/// A payment applied to an instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedPayment {
    pub paid_on: NaiveDate,
    pub amount: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterestOwed {
    /// Days the instalment has been (or was) overdue as of the date asked.
    pub overdue_days: i64,
    /// The interest, rounded half-up to the fen.
    pub interest: Money,
    /// Principal still unpaid as of the date asked.
    pub outstanding: Money,
}

/// The one rounding rule: half-up (away from zero) to the fen.
pub fn round_to_fen(exact_yuan: Decimal) -> Money {
    let rounded = exact_yuan.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Money::from_decimal(rounded).unwrap_or(Money::ZERO)
}

/// Interest owed as of `as_of` on `principal` due on `due`, with `payments` applied to it.
pub fn interest_owed(
    principal: Money,
    due: NaiveDate,
    daily_rate: Decimal,
    payments: &[AppliedPayment],
    as_of: NaiveDate,
) -> InterestOwed {
    let exact = exact_interest(principal, due, daily_rate, payments, as_of);
    let paid_by_as_of: i64 = payments
        .iter()
        .filter(|p| p.paid_on <= as_of)
        .map(|p| p.amount.fen())
        .sum();
    let outstanding = (principal.fen() - paid_by_as_of).max(0);
    let settled_on = settled_on(principal, payments).filter(|d| *d <= as_of);
    let last_day = settled_on.unwrap_or(as_of);
    InterestOwed {
        overdue_days: (last_day - due).num_days().max(0),
        interest: round_to_fen(exact),
        outstanding: Money::from_fen(outstanding),
    }
}

/// The date the principal was fully paid, if it was.
fn settled_on(principal: Money, payments: &[AppliedPayment]) -> Option<NaiveDate> {
    let mut sorted: Vec<&AppliedPayment> = payments.iter().collect();
    sorted.sort_by_key(|p| p.paid_on);
    let mut paid = 0i64;
    for p in sorted {
        paid += p.amount.fen();
        if paid >= principal.fen() {
            return Some(p.paid_on);
        }
    }
    None
}

/// Unrounded interest in yuan.
pub fn exact_interest(
    principal: Money,
    due: NaiveDate,
    daily_rate: Decimal,
    payments: &[AppliedPayment],
    as_of: NaiveDate,
) -> Decimal {
    if as_of <= due || daily_rate <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut sorted: Vec<&AppliedPayment> = payments.iter().collect();
    sorted.sort_by_key(|p| p.paid_on);
    // Walk the days after the due date in segments between payment dates.
    let mut outstanding = principal.as_decimal();
    let mut day = due; // last day already accounted for
    let mut total = Decimal::ZERO;
    for payment in sorted {
        if payment.paid_on <= due {
            outstanding -= payment.amount.as_decimal();
            continue;
        }
        let until = payment.paid_on.min(as_of);
        if until > day && outstanding > Decimal::ZERO {
            // Days day+1 ..= until accrue on the principal before this payment.
            total += outstanding * Decimal::from((until - day).num_days()) * daily_rate;
            day = until;
        }
        if payment.paid_on > as_of {
            break;
        }
        outstanding -= payment.amount.as_decimal();
    }
    if as_of > day && outstanding > Decimal::ZERO {
        total += outstanding * Decimal::from((as_of - day).num_days()) * daily_rate;
    }
    total.max(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::terms::LateInterest;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn one_million_paid_twenty_days_late_at_the_statutory_rate() {
        // RULES.md: ¥1,000,000 paid 20 days late, no agreed rate: ¥10,000.00.
        let due = date("2025-07-31");
        let paid = AppliedPayment {
            paid_on: date("2025-08-20"),
            amount: Money::from_yuan(1_000_000),
        };
        let owed = interest_owed(
            Money::from_yuan(1_000_000),
            due,
            LateInterest::Statutory.daily_rate(),
            &[paid],
            date("2025-09-30"),
        );
        assert_eq!(owed.interest.to_string(), "10000.00");
        assert_eq!(owed.overdue_days, 20);
        assert_eq!(owed.outstanding, Money::ZERO);
    }

    #[test]
    fn unpaid_keeps_accruing_and_nothing_before_the_due_date() {
        let due = date("2025-07-31");
        let rate = LateInterest::Statutory.daily_rate();
        let p = Money::from_yuan(1000);
        assert_eq!(interest_owed(p, due, rate, &[], due).interest, Money::ZERO);
        assert_eq!(
            interest_owed(p, due, rate, &[], date("2025-08-01"))
                .interest
                .to_string(),
            "0.50"
        );
        let owed = interest_owed(p, due, rate, &[], date("2025-08-10"));
        assert_eq!(owed.interest.to_string(), "5.00");
        assert_eq!(owed.overdue_days, 10);
    }

    #[test]
    fn partial_payments_reduce_the_base() {
        let due = date("2025-01-10");
        let rate = LateInterest::Statutory.daily_rate();
        // ¥10,000 due; ¥4,000 paid 5 days late; the rest 10 days late.
        let payments = [
            AppliedPayment {
                paid_on: date("2025-01-15"),
                amount: Money::from_yuan(4000),
            },
            AppliedPayment {
                paid_on: date("2025-01-20"),
                amount: Money::from_yuan(6000),
            },
        ];
        let owed = interest_owed(
            Money::from_yuan(10_000),
            due,
            rate,
            &payments,
            date("2025-02-01"),
        );
        // 10,000 × 5 days + 6,000 × 5 days, at 0.05%: 25 + 15.
        assert_eq!(owed.interest.to_string(), "40.00");
        assert_eq!(owed.overdue_days, 10);
    }

    #[test]
    fn agreed_annual_rate_uses_365_days_and_rounds_once_half_up() {
        let rate = LateInterest::AgreedAnnual {
            annual_percent: dec!(3.65),
        }
        .daily_rate();
        assert_eq!(rate, dec!(0.0001));
        let owed = interest_owed(
            Money::from_fen(12_345),
            date("2025-01-01"),
            rate,
            &[],
            date("2025-01-05"),
        );
        // 123.45 × 4 × 0.0001 = 0.04938 → 0.05.
        assert_eq!(owed.interest.to_string(), "0.05");
        assert_eq!(round_to_fen(dec!(0.005)).to_string(), "0.01");
        assert_eq!(round_to_fen(dec!(0.00499)).to_string(), "0.00");
    }

    #[test]
    fn a_payment_on_or_before_the_due_date_is_on_time() {
        let due = date("2025-03-01");
        let paid = AppliedPayment {
            paid_on: due,
            amount: Money::from_yuan(500),
        };
        let owed = interest_owed(
            Money::from_yuan(500),
            due,
            LateInterest::Statutory.daily_rate(),
            &[paid],
            date("2025-04-01"),
        );
        assert_eq!(owed.interest, Money::ZERO);
        assert_eq!(owed.overdue_days, 0);
    }

    fn day(n: u32) -> NaiveDate {
        date("2025-01-01") + chrono::Days::new(u64::from(n))
    }

    proptest! {
        #[test]
        fn interest_is_never_negative_and_grows_with_lateness(
            principal in 1i64..10_000_000_000,
            late_a in 0u32..400,
            late_b in 0u32..400,
            rate_bp in 1u32..100,
        ) {
            let rate = Decimal::new(i64::from(rate_bp), 5);
            let due = day(0);
            let (short, long) = (late_a.min(late_b), late_a.max(late_b));
            let a = interest_owed(Money::from_fen(principal), due, rate, &[], day(short));
            let b = interest_owed(Money::from_fen(principal), due, rate, &[], day(long));
            prop_assert!(a.interest >= Money::ZERO);
            prop_assert!(a.interest <= b.interest);
        }

        #[test]
        fn splitting_a_payment_changes_interest_by_at_most_a_fen(
            principal in 2i64..1_000_000_000,
            cut in 1i64..1000,
            late in 1u32..200,
            paid_after in 1u32..300,
        ) {
            let rate = LateInterest::Statutory.daily_rate();
            let due = day(0);
            let as_of = day(late.max(paid_after) + 10);
            let whole = [AppliedPayment { paid_on: day(paid_after), amount: Money::from_fen(principal) }];
            let first = principal * cut / 1000;
            let split = [
                AppliedPayment { paid_on: day(paid_after), amount: Money::from_fen(first) },
                AppliedPayment { paid_on: day(paid_after), amount: Money::from_fen(principal - first) },
            ];
            let a = interest_owed(Money::from_fen(principal), due, rate, &whole, as_of).interest.fen();
            let b = interest_owed(Money::from_fen(principal), due, rate, &split, as_of).interest.fen();
            prop_assert_eq!(a, b);
            // Splitting the principal into two instalments with the same due date and paying each
            // on the same day: the rounded parts differ from the rounded whole by at most a fen.
            let part_a = interest_owed(Money::from_fen(first), due, rate, &split[..1], as_of).interest.fen();
            let part_b = interest_owed(Money::from_fen(principal - first), due, rate, &split[1..], as_of).interest.fen();
            prop_assert!((part_a + part_b - a).abs() <= 1);
        }
    }
}
