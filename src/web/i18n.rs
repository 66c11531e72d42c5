//! Interface text in Simplified Chinese (the default) and English. The strings live in
//! `locales/*.toml`, are embedded in the binary and parsed once; templates ask a `Tr` for them.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

const ZH_CN_SOURCE: &str = include_str!("../../locales/zh-CN.toml");
const EN_SOURCE: &str = include_str!("../../locales/en.toml");

/// The languages the pages come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    /// The BCP 47 tag, used in `<html lang>` and in the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Accepts the tag or the short form used in `/lang/{zh|en}`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::ZhCn => ZH_CN_SOURCE,
            Lang::En => EN_SOURCE,
        }
    }
}

pub type Table = HashMap<String, String>;

/// Parses a locale file into flat `a.b.c → text` pairs (dotted TOML keys are nested tables).
pub fn parse_locale(source: &str) -> Result<Table, String> {
    let root: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = Table::new();
    flatten("", root, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, table: toml::Table, out: &mut Table) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(full, text);
            }
            toml::Value::Table(inner) => flatten(&full, inner, out)?,
            other => {
                return Err(format!(
                    "{full}: expected text, found a {}",
                    other.type_str()
                ));
            }
        }
    }
    Ok(())
}

fn table(lang: Lang) -> &'static Table {
    static ZH_CN: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    let cell = match lang {
        Lang::ZhCn => &ZH_CN,
        Lang::En => &EN,
    };
    cell.get_or_init(|| {
        parse_locale(lang.source()).unwrap_or_else(|error| {
            // The unit tests parse both files, so this only happens to a broken build.
            tracing::error!(lang = lang.code(), %error, "locale file does not parse");
            Table::new()
        })
    })
}

/// The translator handed to every template: `{{ tr.t("nav.search") }}`.
#[derive(Clone, Copy)]
pub struct Tr {
    lang: Lang,
    table: &'static Table,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr {
            lang,
            table: table(lang),
        }
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// The text for `key`; the key itself when missing, so a gap is visible rather than blank.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.table.get(key).map_or(key, String::as_str)
    }

    /// The text for `key` if the locale has it.
    pub fn find(&self, key: &str) -> Option<&'static str> {
        self.table.get(key).map(String::as_str)
    }

    /// The text for `key` with `{}` replaced by `value`.
    pub fn f(&self, key: &str, value: impl Display) -> String {
        self.t(key).replace("{}", &value.to_string())
    }

    /// The label of a stored value such as an order status: `group.value`, else the value.
    pub fn of<'a>(&self, group: &str, value: &'a str) -> &'a str {
        self.find(&format!("{group}.{value}")).unwrap_or(value)
    }

    /// A timestamp as a Chongqing wall-clock time.
    pub fn datetime(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Picks the Chinese or the English name of a catalogue entry.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() && !en.is_empty() {
            en
        } else {
            zh
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

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
