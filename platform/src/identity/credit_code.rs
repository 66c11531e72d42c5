//! Unified social credit code (统一社会信用代码) per GB 32100-2015: 18 characters from a
//! 31-character alphabet, the last a check character over the first 17.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters, this has {0}")]
    WrongLength(usize),
    #[error("character {0:?} at position {1} is not allowed (I, O, S, V, Z are never used)")]
    BadCharacter(char, usize),
    #[error("the check character should be {expected:?}, not {found:?}")]
    CheckFailed { expected: char, found: char },
}

/// A validated unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::WrongLength(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, c) in chars.iter().enumerate() {
            values[i] = ALPHABET
                .iter()
                .position(|a| char::from(*a) == *c)
                .ok_or(CreditCodeError::BadCharacter(*c, i + 1))? as u32;
        }
        let expected = check_character(&values[..17]);
        if chars[17] != expected {
            return Err(CreditCodeError::CheckFailed {
                expected,
                found: chars[17],
            });
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_character(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    char::from(ALPHABET[check as usize])
}

impl CreditCodeError {
    /// The 400 `CREDIT_CODE_INVALID` a person sees for `code`, saying what is wrong with it.
    pub fn refusal(&self, code: &str) -> crate::error::ApiError {
        use crate::i18n::Text;
        let text = match self {
            CreditCodeError::WrongLength(n) => {
                Text::new("msg.admin.credit_code_length").arg("n", n)
            }
            CreditCodeError::BadCharacter(c, at) => Text::new("msg.admin.credit_code_char")
                .arg("char", c)
                .arg("at", at),
            CreditCodeError::CheckFailed { expected, found } => {
                Text::new("msg.admin.credit_code_check")
                    .arg("expected", format!("'{expected}'"))
                    .arg("found", format!("'{found}'"))
            }
        };
        crate::error::ApiError::say(
            axum::http::StatusCode::BAD_REQUEST,
            "CREDIT_CODE_INVALID",
            text,
        )
        .with_details(serde_json::json!({ "code": code }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_codes_pass() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(
            CreditCode::parse("91350100m000100y43").is_ok(),
            "lowercase is normalized"
        );
    }

    #[test]
    fn wrong_check_character_is_named() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckFailed {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn length_and_alphabet_are_checked() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::WrongLength(17))
        );
        assert_eq!(
            CreditCode::parse("91350100M0001O0Y43"),
            Err(CreditCodeError::BadCharacter('O', 14))
        );
    }
}
