//! Percent rates as people and the API write them (instalment shares, agreed interest rates,
//! reference rates): exact decimals from 0 to 100 with at most four decimals ("3.45", "0.0005"
//! is too fine, "30"). Each use adds its own narrower range; this is the bound every rate obeys,
//! so a rate's fraction always fits the 64-bit numerator and denominator it is stored as.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// The most decimals a percent may have.
pub const MAX_DECIMALS: u32 = 4;

/// The pattern of the text form, published in the API's schemas.
pub const PATTERN: &str = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    #[error("a percent is a number such as 3.45, without a sign or a percent sign")]
    NotANumber,
    #[error("a percent has at most 4 decimals")]
    TooPrecise,
    #[error("a percent is from 0 to 100")]
    OutOfRange,
}

/// Checks a percent already parsed (as the pages do): within 0–100, at most four decimals.
pub fn check(value: Decimal) -> Result<Decimal, PercentError> {
    let normalized = value.normalize();
    if normalized.scale() > MAX_DECIMALS {
        return Err(PercentError::TooPrecise);
    }
    if normalized.is_sign_negative() && !normalized.is_zero() || normalized > Decimal::ONE_HUNDRED {
        return Err(PercentError::OutOfRange);
    }
    Ok(value)
}

/// Parses the strict text form: digits, optionally a point and one to four digits.
pub fn parse(text: &str) -> Result<Decimal, PercentError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = whole.len() > 1 && whole.starts_with('0');
    if !digits(whole) || leading_zero || fraction.is_some_and(|f| !digits(f)) {
        return Err(PercentError::NotANumber);
    }
    if fraction.is_some_and(|f| f.len() > MAX_DECIMALS as usize) {
        return Err(PercentError::TooPrecise);
    }
    if whole.len() > 3 {
        return Err(PercentError::OutOfRange);
    }
    let value = Decimal::from_str(text).map_err(|_| PercentError::NotANumber)?;
    check(value)
}

/// `#[serde(deserialize_with = "gpmall_platform::percent::deserialize")]` on a `Decimal`
/// percent field: only the strict text form is accepted.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(|e| serde::de::Error::custom(format!("{e}: {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_strict_form_within_range_parses() {
        for (text, value) in [
            ("0", dec!(0)),
            ("3.45", dec!(3.45)),
            ("100", dec!(100)),
            ("0.0005", dec!(0.0005)),
            ("30.0000", dec!(30)),
        ] {
            assert_eq!(parse(text), Ok(value), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for (text, error) in [
            ("0.00005", PercentError::TooPrecise),
            ("3.14159265358979323846", PercentError::TooPrecise),
            ("100.0001", PercentError::OutOfRange),
            ("1000", PercentError::OutOfRange),
            ("-1", PercentError::NotANumber),
            ("+1", PercentError::NotANumber),
            ("03", PercentError::NotANumber),
            ("1e2", PercentError::NotANumber),
            (" 3", PercentError::NotANumber),
            ("3%", PercentError::NotANumber),
            (".5", PercentError::NotANumber),
            ("5.", PercentError::NotANumber),
            ("", PercentError::NotANumber),
        ] {
            assert_eq!(parse(text), Err(error), "{text:?}");
        }
        assert_eq!(check(dec!(-0.5)), Err(PercentError::OutOfRange));
        assert_eq!(check(dec!(1.23456)), Err(PercentError::TooPrecise));
        assert_eq!(check(dec!(1.20000)), Ok(dec!(1.20000)));
    }

    #[test]
    fn json_takes_strings_only() {
        #[derive(Deserialize)]
        struct Rate {
            #[serde(deserialize_with = "deserialize")]
            percent: Decimal,
        }
        let ok: Rate = serde_json::from_str(r#"{"percent":"3.5"}"#).unwrap();
        assert_eq!(ok.percent, dec!(3.5));
        assert!(serde_json::from_str::<Rate>(r#"{"percent":3.5}"#).is_err());
        assert!(serde_json::from_str::<Rate>(r#"{"percent":"3.55555"}"#).is_err());
    }
}
