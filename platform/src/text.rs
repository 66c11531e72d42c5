//! Free text typed by people: names and notes. No control characters, no bidirectional
//! overrides or isolates (which make "txt.exe" read as "exe.txt"), no zero-width or other
//! invisible characters (which make two names look the same). Names are one line; notes may have
//! line breaks. Every request body is checked once for the invisible ones (`check_body`), and
//! each name field through [`clean_name`], which also trims and bounds its length.

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::i18n::Text;

/// Characters no text field may hold, beyond the control characters: bidirectional embeddings,
/// overrides, isolates and marks; zero-width and other invisible format characters; line and
/// paragraph separators; the byte-order mark; interlinear annotation marks.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Whether `c` may appear in a note (a multi-line text): anything visible, spaces, line breaks
/// and tabs.
pub fn allowed_in_note(c: char) -> bool {
    !is_invisible(c) && (!c.is_control() || matches!(c, '\n' | '\r' | '\t'))
}

/// Whether `c` may appear in a name (one line).
pub fn allowed_in_name(c: char) -> bool {
    !is_invisible(c) && !c.is_control()
}

fn code_of(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

fn refused(field: &str, c: char) -> ApiError {
    let text = if matches!(c, '\n' | '\r' | '\t') {
        Text::new("msg.text.one_line").key_arg("field", field)
    } else {
        Text::new("msg.text.invisible")
            .key_arg("field", field)
            .arg("char", code_of(c))
    };
    ApiError::say(StatusCode::BAD_REQUEST, "TEXT_INVALID", text)
        .with_details(serde_json::json!({ "character": code_of(c) }))
}

/// A required one-line name: trimmed, not empty, at most `max_len` characters, nothing
/// invisible. `field` is the locale key of the field's label (e.g. `field.name`).
pub fn clean_name(field: &'static str, value: &str, max_len: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::say(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.text.required").key_arg("field", field),
        ));
    }
    check_length(field, value, max_len)?;
    if let Some(c) = value.chars().find(|c| !allowed_in_name(*c)) {
        return Err(refused(field, c));
    }
    Ok(value.to_owned())
}

/// An optional one-line name: empty means none.
pub fn clean_optional_name(
    field: &'static str,
    value: Option<&str>,
    max_len: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => clean_name(field, v, max_len).map(Some),
        None => Ok(None),
    }
}

/// A note that may span lines: trimmed, at most `max_len` characters, line breaks as `\n`.
pub fn clean_note(field: &str, value: &str, max_len: usize) -> Result<String, ApiError> {
    let value = value.trim().replace("\r\n", "\n");
    check_length(field, &value, max_len)?;
    if let Some(c) = value.chars().find(|c| !allowed_in_note(*c)) {
        return Err(refused(field, c));
    }
    Ok(value)
}

fn check_length(field: &str, value: &str, max_len: usize) -> Result<(), ApiError> {
    if value.chars().count() > max_len {
        return Err(ApiError::say(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            Text::new("msg.text.too_long")
                .key_arg("field", field)
                .arg("max", max_len),
        ));
    }
    Ok(())
}

/// Checks every string of a JSON request body, keys included, for characters no text may
/// hold (line breaks and tabs are left to each field: names refuse them, notes keep them).
pub fn check_body(body: &serde_json::Value) -> Result<(), ApiError> {
    let bad = |s: &str| s.chars().find(|c| !allowed_in_note(*c));
    let found = match body {
        serde_json::Value::String(s) => bad(s),
        serde_json::Value::Array(items) => return items.iter().try_for_each(check_body),
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if let Some(c) = bad(key) {
                    return Err(refused("field.text", c));
                }
                check_body(value)?;
            }
            None
        }
        _ => None,
    };
    match found {
        Some(c) => Err(refused("field.text", c)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_controls_overrides_and_invisible_characters() {
        for bad in [
            "abc\u{0}def",
            "invoice\u{202E}fdp.exe",
            "零\u{200B}宽",
            "a\u{2066}b",
            "\u{FEFF}bom",
            "two\nlines",
            "tab\there",
            "del\u{7F}",
            "c1\u{85}x",
        ] {
            let error = clean_name("field.name", bad, 200).unwrap_err();
            assert_eq!(error.code, "TEXT_INVALID", "{bad:?}");
        }
        assert_eq!(
            clean_name("field.name", "  联想 ThinkCentre M920t  ", 200).unwrap(),
            "联想 ThinkCentre M920t"
        );
        assert_eq!(
            clean_name("field.name", "  ", 200).unwrap_err().code,
            "VALIDATION_FAILED"
        );
        assert_eq!(
            clean_name("field.name", "长名字", 2).unwrap_err().code,
            "VALIDATION_FAILED"
        );
    }

    #[test]
    fn notes_keep_line_breaks_only() {
        assert_eq!(
            clean_note("field.note", "第一行\r\n第二行\n", 100).unwrap(),
            "第一行\n第二行"
        );
        assert!(clean_note("field.note", "a\u{202E}b", 100).is_err());
        assert!(clean_note("field.note", "a\u{0}b", 100).is_err());
    }

    #[test]
    fn bodies_are_checked_everywhere_inside() {
        let ok = serde_json::json!({"name": "联想", "lines": [{"note": "两行\n文字"}]});
        assert!(check_body(&ok).is_ok());
        let nested = serde_json::json!({"lines": [{"note": "x\u{200B}y"}]});
        assert_eq!(check_body(&nested).unwrap_err().code, "TEXT_INVALID");
        let key = serde_json::json!({"na\u{202E}me": "x"});
        assert!(check_body(&key).is_err());
        let nul = serde_json::json!({"name": "a\u{0}"});
        assert!(check_body(&nul).is_err());
    }
}
