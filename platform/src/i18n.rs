//! Text people read, in Simplified Chinese (the default) and English. The strings live in
//! `locales/*.toml`, are embedded in the binary and parsed once; templates and error messages
//! ask a `Tr` for them. Messages take named arguments (`{name}`), which may themselves be
//! locale keys (a status, a clause) or amounts shown with thousands separators.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use crate::money::Money;

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

    /// The first language of an `Accept-Language` header that we have (`zh-Hans-CN;q=0.9, en`),
    /// in the order the client prefers.
    /// The language a request's `Accept-Language` asks for; English when it asks for none we have.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::En)
    }

    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(u16, Lang)> = header
            .split(',')
            .filter_map(|item| {
                let mut parts = item.trim().split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let lang = if tag == "zh" || tag.starts_with("zh-") {
                    Lang::ZhCn
                } else if tag == "en" || tag.starts_with("en-") {
                    Lang::En
                } else {
                    return None;
                };
                // Qualities have at most three decimals (RFC 9110), so this ranks them exactly.
                Some(((quality.clamp(0.0, 1.0) * 1000.0) as u16, lang))
            })
            .filter(|(q, _)| *q > 0)
            .collect();
        ranked.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
        ranked.first().map(|(_, lang)| *lang)
    }

    pub fn source(self) -> &'static str {
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

    pub fn lang(&self) -> Lang {
        self.lang
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

    /// A message with named arguments: `{name}` in the text is replaced by the argument's text in
    /// this language.
    pub fn render(&self, text: &Text) -> String {
        let mut out = self.t(&text.key).to_owned();
        for (name, arg) in &text.args {
            let value = match arg {
                Arg::Plain(value) => value.clone(),
                Arg::Key(key) => self.t(key).to_owned(),
                Arg::Money(amount) => amount.grouped(),
                Arg::Named { zh, en } => self.pick(zh, en).to_owned(),
            };
            out = out.replace(&format!("{{{name}}}"), &value);
        }
        out
    }

    /// An amount as people read it: `¥63,995,000.00`.
    pub fn money(&self, amount: impl AnAmount) -> String {
        amount.amount().grouped()
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

/// An amount, or a reference to one however deep (templates hand over `&&Money`).
pub trait AnAmount {
    fn amount(&self) -> Money;
}

impl AnAmount for Money {
    fn amount(&self) -> Money {
        *self
    }
}

impl<T: AnAmount + ?Sized> AnAmount for &T {
    fn amount(&self) -> Money {
        (**self).amount()
    }
}

/// A message to show a person: a locale key and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub key: std::borrow::Cow<'static, str>,
    pub args: Vec<(std::borrow::Cow<'static, str>, Arg)>,
}

/// One argument of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Arg {
    /// Shown as it is: a name, a number, a date.
    Plain(String),
    /// A locale key, shown in the reader's language (a status, a clause, a trigger).
    Key(String),
    /// An amount, shown with the yuan sign and thousands separators.
    Money(Money),
    /// A name that has a Chinese and an English form (a catalogue category).
    Named { zh: String, en: String },
}

impl Text {
    pub fn new(key: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Text {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Adds an argument shown as it is.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.args.push((name.into(), Arg::Plain(value.to_string())));
        self
    }

    /// Adds an argument that is itself a locale key.
    pub fn key_arg(mut self, name: &'static str, key: impl Into<String>) -> Self {
        self.args.push((name.into(), Arg::Key(key.into())));
        self
    }

    /// Adds a name that has a Chinese and an English form.
    pub fn named(
        mut self,
        name: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        self.args.push((
            name.into(),
            Arg::Named {
                zh: zh.into(),
                en: en.into(),
            },
        ));
        self
    }

    /// Adds an amount.
    pub fn money(mut self, name: &'static str, amount: Money) -> Self {
        self.args.push((name.into(), Arg::Money(amount)));
        self
    }
}

impl From<&'static str> for Text {
    fn from(key: &'static str) -> Self {
        Text::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_language_we_have() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_accept_language("fr, en-GB;q=0.7, zh;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.3, zh-Hans-CN"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(
            Lang::from_accept_language("zh;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }

    #[test]
    fn messages_take_named_arguments_in_the_readers_language() {
        let text = Text::new("error.generic")
            .arg("name", "台式计算机")
            .money("amount", Money::from_fen(6_399_500_000));
        let en = Tr::new(Lang::En);
        assert_eq!(en.render(&text), en.t("error.generic"));
        let mut custom = text.clone();
        custom.key = "order.status.accepted".into();
        assert_eq!(Tr::new(Lang::ZhCn).render(&custom), "已验收");
        assert_eq!(en.money(Money::from_fen(6_399_500_000)), "¥63,995,000.00");
    }
}
