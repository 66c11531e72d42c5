//! Documents attached to an acceptance record (验收材料): references to documents kept elsewhere
//! (the unit's document system, an e-archive, a signed PDF's address), never the files
//! themselves. A reference may carry the document's SHA-256 so it can be checked later.

use serde::{Deserialize, Serialize};

/// At most this many attachments on one acceptance record.
pub const MAX_ATTACHMENTS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// What the document is, e.g. "验收单" or "检测报告", 1–200 characters.
    pub name: String,
    /// Where it is kept: a URL or a document number, 1–500 characters, no spaces.
    pub reference: String,
    /// The document's SHA-256 in hex (64 characters), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Trims and checks attachments; the error says which one and what to fix.
pub fn clean_attachments(attachments: Vec<AttachmentRef>) -> Result<Vec<AttachmentRef>, String> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(format!(
            "at most {MAX_ATTACHMENTS} attachments, not {}",
            attachments.len()
        ));
    }
    attachments
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let n = i + 1;
            let name = a.name.trim().to_owned();
            let reference = a.reference.trim().to_owned();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(format!("attachments[{n}].name is 1 to 200 characters"));
            }
            if reference.is_empty()
                || reference.chars().count() > 500
                || reference.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!(
                    "attachments[{n}].reference is a URL or document number of 1 to 500 characters without spaces"
                ));
            }
            let sha256 = match a.sha256.map(|h| h.trim().to_ascii_lowercase()) {
                Some(h) if h.is_empty() => None,
                Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Some(h),
                Some(_) => {
                    return Err(format!(
                        "attachments[{n}].sha256 is 64 hexadecimal characters"
                    ));
                }
                None => None,
            };
            Ok(AttachmentRef {
                name,
                reference,
                sha256,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str, reference: &str, sha256: Option<&str>) -> AttachmentRef {
        AttachmentRef {
            name: name.into(),
            reference: reference.into(),
            sha256: sha256.map(Into::into),
        }
    }

    #[test]
    fn attachments_are_checked_one_by_one() {
        let hash = "A".repeat(64);
        let cases = [
            (attachment(" 验收单 ", "DOC-2026-001", None), true),
            (
                attachment("检测报告", "https://files.example.cn/r/1.pdf", Some(&hash)),
                true,
            ),
            (attachment("", "DOC-1", None), false),
            (attachment("验收单", "", None), false),
            (attachment("验收单", "two words", None), false),
            (attachment("验收单", "DOC-1", Some("abc")), false),
            (attachment(&"名".repeat(201), "DOC-1", None), false),
        ];
        for (a, ok) in cases {
            let got = clean_attachments(vec![a.clone()]);
            assert_eq!(got.is_ok(), ok, "{a:?}: {got:?}");
        }
        let cleaned =
            clean_attachments(vec![attachment(" 验收单 ", "DOC-1", Some(&hash))]).unwrap();
        assert_eq!(cleaned[0].name, "验收单");
        assert_eq!(cleaned[0].sha256.as_deref(), Some("a".repeat(64).as_str()));
    }

    #[test]
    fn too_many_attachments_are_refused() {
        let many = vec![attachment("验收单", "DOC-1", None); MAX_ATTACHMENTS + 1];
        assert!(clean_attachments(many).unwrap_err().contains("at most 20"));
    }
}
