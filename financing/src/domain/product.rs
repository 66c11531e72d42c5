//! A bank's loan product and the limits an application must keep: the product's maximum, its
//! share of what is still unpaid on the contract, its term range and the enterprise sizes it
//! lends to. Shares and rates are exact percents, stored as parts per million.

use gpmall_platform::Money;
use gpmall_platform::identity::EnterpriseSize;
use rust_decimal::Decimal;

/// Parts per million in one percent.
const PPM_PER_PERCENT: i64 = 10_000;
/// The longest term a product may offer, in months.
pub const MAX_TERM_MONTHS: u32 = 120;

/// A percent as parts per million (3.45% is 34,500): exact for the four decimals a percent has.
pub fn percent_to_ppm(percent: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (percent * Decimal::from(PPM_PER_PERCENT))
        .trunc()
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// Parts per million as a percent, normalized ("80", "3.45").
pub fn ppm_to_percent(ppm: i64) -> Decimal {
    (Decimal::from(ppm) / Decimal::from(PPM_PER_PERCENT)).normalize()
}

/// What a product allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductLimits {
    pub max_amount: Money,
    /// At most this share of the contract's unpaid amount, in ppm (80% is 800,000).
    pub max_share_ppm: i64,
    pub rate_min_ppm: i64,
    pub rate_max_ppm: i64,
    pub term_min_months: u32,
    pub term_max_months: u32,
    pub eligible_sizes: Vec<EnterpriseSize>,
}

/// Why a product's own definition cannot stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProductInvalid {
    #[error("the maximum amount must be above zero")]
    NoMaximum,
    #[error("the share of the unpaid amount must be above 0% and at most 100%")]
    Share,
    #[error("the lowest rate is above the highest")]
    RateRange,
    #[error("terms run from 1 month to the longest, at most 120 months")]
    TermRange,
    #[error("a product lends to at least one enterprise size")]
    NoSizes,
}

/// Why an application does not fit the product.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefusal {
    #[error("the amount must be above zero")]
    NoAmount,
    #[error("{amount} is above the product's maximum of {max}")]
    OverProductMaximum { amount: Money, max: Money },
    #[error("{amount} is above {ceiling}, the product's share of the {unpaid} unpaid")]
    OverUnpaidShare {
        amount: Money,
        ceiling: Money,
        unpaid: Money,
    },
    #[error("a term of {months} months is outside {min}–{max} months")]
    TermOutOfRange { months: u32, min: u32, max: u32 },
    #[error("the product does not lend to this enterprise size")]
    SizeNotEligible,
}

impl ProductLimits {
    pub fn check(&self) -> Result<(), ProductInvalid> {
        if !self.max_amount.is_positive() {
            return Err(ProductInvalid::NoMaximum);
        }
        if self.max_share_ppm <= 0 || self.max_share_ppm > 100 * PPM_PER_PERCENT {
            return Err(ProductInvalid::Share);
        }
        if self.rate_min_ppm > self.rate_max_ppm {
            return Err(ProductInvalid::RateRange);
        }
        if self.term_min_months == 0
            || self.term_min_months > self.term_max_months
            || self.term_max_months > MAX_TERM_MONTHS
        {
            return Err(ProductInvalid::TermRange);
        }
        if self.eligible_sizes.is_empty() {
            return Err(ProductInvalid::NoSizes);
        }
        Ok(())
    }

    /// The most a supplier may borrow against `unpaid`: the product's maximum or its share of
    /// the unpaid amount (rounded down to the fen), whichever is lower.
    pub fn ceiling(&self, unpaid: Money) -> Money {
        let share = i128::from(unpaid.fen().max(0)) * i128::from(self.max_share_ppm)
            / i128::from(100 * PPM_PER_PERCENT);
        let share = Money::from_fen(i64::try_from(share).unwrap_or(i64::MAX));
        share.min(self.max_amount)
    }

    /// Whether `size` may borrow under the product; an enterprise of unknown size may not.
    pub fn lends_to(&self, size: Option<EnterpriseSize>) -> bool {
        size.is_some_and(|s| self.eligible_sizes.contains(&s))
    }

    /// Checks an application's amount, term and the supplier's size against the product.
    pub fn admit(
        &self,
        amount: Money,
        term_months: u32,
        unpaid: Money,
        size: Option<EnterpriseSize>,
    ) -> Result<(), RequestRefusal> {
        if !self.lends_to(size) {
            return Err(RequestRefusal::SizeNotEligible);
        }
        if !amount.is_positive() {
            return Err(RequestRefusal::NoAmount);
        }
        if amount > self.max_amount {
            return Err(RequestRefusal::OverProductMaximum {
                amount,
                max: self.max_amount,
            });
        }
        let ceiling = self.ceiling(unpaid);
        if amount > ceiling {
            return Err(RequestRefusal::OverUnpaidShare {
                amount,
                ceiling,
                unpaid,
            });
        }
        if term_months < self.term_min_months || term_months > self.term_max_months {
            return Err(RequestRefusal::TermOutOfRange {
                months: term_months,
                min: self.term_min_months,
                max: self.term_max_months,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn product() -> ProductLimits {
        ProductLimits {
            max_amount: Money::from_yuan(1_000_000),
            max_share_ppm: 800_000,
            rate_min_ppm: 34_500,
            rate_max_ppm: 45_000,
            term_min_months: 3,
            term_max_months: 12,
            eligible_sizes: vec![EnterpriseSize::Small, EnterpriseSize::Micro],
        }
    }

    #[test]
    fn percents_and_ppm_convert_exactly() {
        assert_eq!(percent_to_ppm(dec!(3.45)), 34_500);
        assert_eq!(percent_to_ppm(dec!(80)), 800_000);
        assert_eq!(percent_to_ppm(dec!(0.0001)), 1);
        assert_eq!(ppm_to_percent(34_500), dec!(3.45));
        assert_eq!(ppm_to_percent(800_000).to_string(), "80");
    }

    #[test]
    fn the_ceiling_is_the_lower_of_the_maximum_and_the_share_of_the_unpaid() {
        let p = product();
        assert_eq!(
            p.ceiling(Money::from_yuan(500_000)),
            Money::from_yuan(400_000)
        );
        assert_eq!(
            p.ceiling(Money::from_yuan(5_000_000)),
            Money::from_yuan(1_000_000)
        );
        // 80% of ¥0.03 is ¥0.024: rounded down to the fen.
        assert_eq!(p.ceiling(Money::from_fen(3)), Money::from_fen(2));
        assert_eq!(p.ceiling(Money::ZERO), Money::ZERO);
    }

    #[test]
    fn an_application_is_checked_against_every_limit() {
        let p = product();
        let unpaid = Money::from_yuan(500_000);
        let small = Some(EnterpriseSize::Small);
        let cases = [
            (Money::from_yuan(400_000), 6, small, Ok(())),
            (Money::from_yuan(400_001), 6, small, Err("share")),
            (Money::from_yuan(1_000_001), 6, small, Err("maximum")),
            (Money::ZERO, 6, small, Err("amount")),
            (Money::from_yuan(1_000), 2, small, Err("term")),
            (Money::from_yuan(1_000), 13, small, Err("term")),
            (
                Money::from_yuan(1_000),
                12,
                Some(EnterpriseSize::Large),
                Err("size"),
            ),
            (Money::from_yuan(1_000), 12, None, Err("size")),
        ];
        for (amount, term, size, expected) in cases {
            let got = p.admit(amount, term, unpaid, size).map_err(|e| match e {
                RequestRefusal::OverUnpaidShare { .. } => "share",
                RequestRefusal::OverProductMaximum { .. } => "maximum",
                RequestRefusal::NoAmount => "amount",
                RequestRefusal::TermOutOfRange { .. } => "term",
                RequestRefusal::SizeNotEligible => "size",
            });
            assert_eq!(got, expected, "{amount} over {term} months for {size:?}");
        }
    }

    #[test]
    fn a_product_must_define_sensible_limits() {
        assert_eq!(product().check(), Ok(()));
        let broken = [
            (
                ProductLimits {
                    max_amount: Money::ZERO,
                    ..product()
                },
                ProductInvalid::NoMaximum,
            ),
            (
                ProductLimits {
                    max_share_ppm: 1_000_001,
                    ..product()
                },
                ProductInvalid::Share,
            ),
            (
                ProductLimits {
                    rate_min_ppm: 50_000,
                    ..product()
                },
                ProductInvalid::RateRange,
            ),
            (
                ProductLimits {
                    term_max_months: 121,
                    ..product()
                },
                ProductInvalid::TermRange,
            ),
            (
                ProductLimits {
                    term_min_months: 0,
                    ..product()
                },
                ProductInvalid::TermRange,
            ),
            (
                ProductLimits {
                    eligible_sizes: vec![],
                    ..product()
                },
                ProductInvalid::NoSizes,
            ),
        ];
        for (limits, error) in broken {
            assert_eq!(limits.check(), Err(error));
        }
    }
}
