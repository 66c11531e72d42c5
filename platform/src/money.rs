//! Money: exact yuan amounts with two decimals, stored as BIGINT fen.

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
    #[error("amount out of range")]
    OutOfRange,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

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
        if exact.abs() > Decimal::new(i64::MAX / 100, 0) {
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

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.fen().checked_add(other.fen()).map(Money::from_fen)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.fen().checked_sub(other.fen()).map(Money::from_fen)
    }

    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.fen().checked_mul(quantity).map(Money::from_fen)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::NotANumber)?;
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
            .description(Some("Amount in yuan with two decimals, e.g. \"3999.00\""))
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
    fn arithmetic_is_checked() {
        let price = Money::from_fen(399_900);
        assert_eq!(price.checked_mul(3).unwrap().to_string(), "11997.00");
        assert!(Money::from_fen(i64::MAX).checked_add(price).is_none());
        assert!(Money::from_fen(i64::MAX / 2).checked_mul(3).is_none());
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
