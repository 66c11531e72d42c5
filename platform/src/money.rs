//! Money: exact yuan amounts with two decimals, stored as BIGINT fen. Every amount is at most
//! [`Money::MAX`] in size, so sums of thousands of them never overflow the fen count.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of renminbi, exact to the fen. Inside it is a `Decimal` with scale 2; in JSON a
/// string in yuan such as `"3999.00"`; in every database a `BIGINT` count of fen.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("not a decimal amount in yuan")]
    NotANumber,
    #[error("an amount in yuan has at most two decimals (fen)")]
    TooPrecise,
    #[error("an amount is at most 100,000,000,000.00 yuan")]
    OutOfRange,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// The largest amount accepted anywhere: ¥100 billion, far above any procurement, and small
    /// enough that 90 million such amounts still add up within a 64-bit fen count.
    pub const MAX_FEN: i64 = 10_000_000_000_000;
    pub const MAX: Money = Money(Decimal::from_parts(1_316_134_912, 2_328, 0, false, 2));

    /// From a count of fen, the unit every database stores.
    pub fn from_fen(fen: i64) -> Self {
        Money(Decimal::new(fen, 2))
    }

    /// From whole yuan.
    pub fn from_yuan(yuan: i64) -> Self {
        Money::from_fen(yuan * 100)
    }

    /// From a decimal that must already be exact to the fen: more decimals are refused, never
    /// rounded silently.
    pub fn from_decimal(value: Decimal) -> Result<Self, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let mut exact = normalized;
        exact.rescale(2);
        if exact.abs() > Money::MAX.0 {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Money(exact))
    }

    /// Count of fen for storage.
    pub fn fen(self) -> i64 {
        // Scale is always 2 and the magnitude was range-checked, so the mantissa fits an i64.
        i64::try_from(self.0.mantissa()).unwrap_or(i64::MAX)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }

    /// The sum, or `None` beyond [`Money::MAX`].
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.fen().checked_add(other.fen()).and_then(Money::bounded)
    }

    /// The difference, or `None` beyond [`Money::MAX`].
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.fen().checked_sub(other.fen()).and_then(Money::bounded)
    }

    /// The amount times a quantity, or `None` beyond [`Money::MAX`].
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.fen().checked_mul(quantity).and_then(Money::bounded)
    }

    /// A fen count within [`Money::MAX`] as money.
    pub fn bounded(fen: i64) -> Option<Money> {
        (fen.checked_abs()? <= Money::MAX_FEN).then(|| Money::from_fen(fen))
    }

    pub fn is_negative(self) -> bool {
        self.0 < Decimal::ZERO
    }

    /// As people read it: `¥63,995,000.00`, `-¥5.00`.
    pub fn grouped(self) -> String {
        let text = format!("{:.2}", self.0.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.is_negative() { "-" } else { "" };
        format!("{sign}¥{grouped}.{fraction}")
    }
}

/// The strict text form of an amount: an optional `-`, digits without leading zeros, and at
/// most two decimals after a point that has digits on both sides (`"3999"`, `"0.50"`,
/// `"-5000.00"`). No spaces, signs of `+`, separators, exponents or bare points.
fn is_strict_amount(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(|f| digits(f) && f.len() <= 2)
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !is_strict_amount(s) {
            let unsigned = s.strip_prefix('-').unwrap_or(s);
            let too_precise = unsigned.split_once('.').is_some_and(|(whole, fraction)| {
                is_strict_amount(whole)
                    && fraction.len() > 2
                    && fraction.bytes().all(|b| b.is_ascii_digit())
            });
            return Err(if too_precise {
                MoneyError::TooPrecise
            } else {
                MoneyError::NotANumber
            });
        }
        let value = Decimal::from_str_exact(s).map_err(|_| MoneyError::OutOfRange)?;
        Money::from_decimal(value)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e: MoneyError| serde::de::Error::custom(format!("{e}: {text:?}")))
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Amount in yuan with at most two decimals, e.g. \"3999.00\": an optional `-`, \
                 digits, then optionally a point and one or two digits. At most \
                 100000000000.00 in size.",
            ))
            .pattern(Some(r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"))
            .max_length(Some(16))
            .examples(["3999.00"])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fen_round_trip_and_display() {
        assert_eq!(Money::from_fen(399_900).to_string(), "3999.00");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!("3999".parse::<Money>().unwrap().fen(), 399_900);
        assert_eq!("0.1".parse::<Money>().unwrap().to_string(), "0.10");
        assert_eq!(Money::from_decimal(dec!(12.340)).unwrap().fen(), 1234);
    }

    #[test]
    fn refuses_fractions_of_a_fen_and_garbage() {
        assert_eq!("1.001".parse::<Money>(), Err(MoneyError::TooPrecise));
        assert_eq!("abc".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("1e3".parse::<Money>(), Err(MoneyError::NotANumber));
    }

    #[test]
    fn only_the_strict_form_parses() {
        for bad in [
            "1_0.00", " 1.00", "1.00 ", "+1.00", ".50", "100.", "", "-", "01.00", "1,000.00",
            "１.00", "1.0.0", "--1", "0x10", "NaN", "¥1.00",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} parsed");
        }
        for (good, fen) in [
            ("0", 0),
            ("0.5", 50),
            ("-5000.00", -500_000),
            ("100000000000.00", Money::MAX_FEN),
        ] {
            assert_eq!(good.parse::<Money>().map(Money::fen), Ok(fen), "{good:?}");
        }
        assert_eq!(
            "100000000000.01".parse::<Money>(),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(
            "90000000000000000".parse::<Money>(),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(
            "99999999999999999999999999999999".parse::<Money>(),
            Err(MoneyError::OutOfRange)
        );
    }

    #[test]
    fn sums_stop_at_the_maximum() {
        assert_eq!(Money::MAX.fen(), Money::MAX_FEN);
        assert!(Money::MAX.checked_add(Money::from_fen(1)).is_none());
        assert!(
            Money::from_fen(-Money::MAX_FEN)
                .checked_sub(Money::from_fen(1))
                .is_none()
        );
        assert!(Money::from_yuan(1_000_000).checked_mul(1_000_000).is_none());
        assert_eq!(Money::MAX.checked_sub(Money::MAX), Some(Money::ZERO));
    }

    #[test]
    fn grouped_for_people() {
        assert_eq!(Money::from_fen(6_399_500_000).grouped(), "¥63,995,000.00");
        assert_eq!(Money::from_fen(5).grouped(), "¥0.05");
        assert_eq!(Money::from_fen(99_999).grouped(), "¥999.99");
        assert_eq!(Money::from_fen(100_000).grouped(), "¥1,000.00");
        assert_eq!(Money::from_fen(-500_000).grouped(), "-¥5,000.00");
    }

    #[test]
    fn arithmetic_is_checked() {
        let price = Money::from_fen(399_900);
        assert_eq!(price.checked_mul(3).unwrap().to_string(), "11997.00");
        assert!(Money::MAX.checked_add(price).is_none());
        assert!(Money::from_fen(Money::MAX_FEN / 2).checked_mul(3).is_none());
    }

    #[test]
    fn json_is_a_string_in_yuan() {
        let json = serde_json::to_string(&Money::from_fen(100)).unwrap();
        assert_eq!(json, "\"1.00\"");
        let back: Money = serde_json::from_str("\"2.50\"").unwrap();
        assert_eq!(back.fen(), 250);
        assert!(serde_json::from_str::<Money>("2.5").is_err());
    }
}
