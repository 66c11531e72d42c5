//! Interface text in Simplified Chinese (the default) and English: the locale tables live in the
//! platform crate (service errors are rendered from them too); this module keeps the checks
//! that every template and stored value has its text.

pub use gpmall_platform::i18n::{Lang, Tr};

#[cfg(test)]
use gpmall_platform::i18n::parse_locale;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use chrono::Utc;

    const LANGS: [Lang; 2] = [Lang::ZhCn, Lang::En];

    fn keys(lang: Lang) -> BTreeSet<String> {
        parse_locale(lang.source())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", lang.code()))
            .into_keys()
            .collect()
    }

    #[test]
    fn both_locales_have_exactly_the_same_keys() {
        let zh = keys(Lang::ZhCn);
        let en = keys(Lang::En);
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "keys only in zh-CN: {only_zh:?}; keys only in en: {only_en:?}"
        );
        assert!(zh.len() > 100, "suspiciously few keys: {}", zh.len());
    }

    #[test]
    fn no_text_is_empty() {
        for lang in LANGS {
            for (key, text) in parse_locale(lang.source()).unwrap() {
                assert!(!text.trim().is_empty(), "{}: {key} is empty", lang.code());
            }
        }
    }

    /// Every `tr.t("…")` / `tr.f("…", …)` key used in a template exists.
    #[test]
    fn every_key_used_in_templates_exists() {
        let zh = keys(Lang::ZhCn);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["tr.t(\"", "tr.f(\""] {
                for (start, _) in text.match_indices(call) {
                    let rest = &text[start + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    assert!(zh.contains(key), "{}: unknown key {key}", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "only {checked} keys found in templates");
    }

    /// Templates carry no Chinese text of their own: all of it comes from the locale files.
    #[test]
    fn templates_have_no_chinese_literals() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let cjk: String = text
                .chars()
                .filter(|c| {
                    ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c)
                })
                .collect();
            assert!(cjk.is_empty(), "{}: literal text {cjk:?}", path.display());
        }
    }

    /// Labels looked up from stored values exist for every value.
    #[test]
    fn every_status_and_error_code_has_a_label() {
        use gpmall_mall::domain::order::{OrderAction, OrderStatus};
        use gpmall_mall::domain::product::ProductStatus;
        for lang in LANGS {
            let tr = Tr::new(lang);
            for status in OrderStatus::ALL {
                assert!(
                    tr.find(&format!("order.status.{}", status.as_str()))
                        .is_some()
                );
            }
            for status in ProductStatus::ALL {
                assert!(
                    tr.find(&format!("product.status.{}", status.as_str()))
                        .is_some()
                );
            }
            for (code, _) in gpmall_platform::error::ERROR_CODES {
                assert!(
                    tr.find(&format!("error.{code}")).is_some(),
                    "{}: error.{code} missing",
                    lang.code()
                );
            }
            for action in OrderAction::ALL {
                assert!(
                    tr.find(&format!("order.action.{}", action.verb()))
                        .is_some()
                );
                assert!(tr.find(&format!("flash.order_{}", action.verb())).is_some());
            }
            for verb in ["accept", "reject"] {
                assert!(tr.find(&format!("order.form.{verb}")).is_some());
            }
            for size in ["large", "medium", "small", "micro"] {
                assert!(tr.find(&format!("size.{size}")).is_some());
            }
            for sort in crate::web::shop::SORTS {
                assert!(tr.find(&format!("sort.{sort}")).is_some());
            }
        }
    }

    #[test]
    fn formats_and_falls_back() {
        let zh = Tr::new(Lang::ZhCn);
        let en = Tr::new(Lang::En);
        assert_eq!(zh.t("no.such.key"), "no.such.key");
        assert_eq!(en.f("search.total", 3), "3 products");
        assert_eq!(zh.of("order.status", "accepted"), "已验收");
        assert_eq!(
            en.pick("台式计算机", "Desktop computers"),
            "Desktop computers"
        );
        assert_eq!(Lang::parse("zh"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("fr"), None);
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 2, 0, 0).unwrap();
        assert_eq!(zh.datetime(&at), "2026-03-02 10:00");
    }
}
