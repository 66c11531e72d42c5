//! Tokenizing for Chinese search.
//!
//! Indexing stores every CJK character and every adjacent CJK pair (bigram) of a product's
//! text, plus lower-cased Latin words and numbers, space-separated; the database's own full-text
//! engine indexes those tokens (FTS5 on SQLite, a GIN tsvector on PostgreSQL). A query is
//! segmented with jieba into words, and each word becomes the bigrams it contains, so 电脑 finds
//! 联想台式电脑 and 联想电脑 finds 联想 启天 台式电脑 (the words need not be adjacent), while
//! `ThinkPad X1` becomes the words `thinkpad` and `x1`. All query terms must match.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// At most this many terms from one query are used.
pub const MAX_QUERY_TERMS: usize = 16;

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Loads the segmentation dictionary ahead of the first query.
pub fn warm_up() {
    let _ = jieba();
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Full-width Latin letters and digits to ASCII, then lower case.
fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits normalized text into runs: `(is_cjk, text)`; punctuation and spaces separate runs.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((last_kind, run))) if *last_kind == k && !run.is_empty() => run.push(c),
            (Some(k), _) => out.push((k, c.to_string())),
            (None, Some((_, run))) if !run.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, run)| !run.is_empty());
    out
}

fn bigrams(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        return vec![run.to_owned()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The tokens stored for a product, space-separated.
pub fn index_tokens(fields: &[&str]) -> String {
    let mut tokens = BTreeSet::new();
    for field in fields {
        for (cjk, run) in runs(&normalize(field)) {
            if cjk {
                tokens.extend(run.chars().map(String::from));
                if run.chars().count() > 1 {
                    tokens.extend(bigrams(&run));
                }
            } else {
                tokens.insert(run);
            }
        }
    }
    tokens.into_iter().collect::<Vec<_>>().join(" ")
}

/// The terms a query must all match, in query order, without duplicates.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut push = |t: String| {
        if !terms.contains(&t) {
            terms.push(t);
        }
    };
    for (cjk, run) in runs(&normalize(query)) {
        if cjk {
            for word in jieba().cut(&run, true) {
                for term in bigrams(word.word) {
                    push(term);
                }
            }
        } else {
            push(run);
        }
    }
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(product: &str, query: &str) -> bool {
        let index = index_tokens(&[product]);
        let tokens: BTreeSet<&str> = index.split(' ').collect();
        let terms = query_terms(query);
        !terms.is_empty() && terms.iter().all(|t| tokens.contains(t.as_str()))
    }

    #[test]
    fn two_character_query_finds_longer_words() {
        assert!(matches("联想台式电脑", "电脑"));
        assert!(matches("联想 启天 M437 台式电脑 i5/16G/512G", "联想电脑"));
        assert!(matches("联想 启天 M437 台式电脑", "台式电脑"));
        assert!(!matches("得力 A4 复印纸", "电脑"));
    }

    #[test]
    fn brand_and_model_queries_match() {
        assert!(matches(
            "联想 ThinkPad X1 Carbon 2024 笔记本电脑",
            "ThinkPad X1"
        ));
        assert!(matches("联想 ThinkPad X1 Carbon", "thinkpad x1 carbon"));
        assert!(matches("联想 ThinkPad X1 Carbon", "ＴｈｉｎｋＰａｄ"));
        assert!(!matches("联想 ThinkPad E14", "ThinkPad X1"));
    }

    #[test]
    fn single_characters_and_punctuation() {
        assert!(matches("晨光 中性笔 0.5mm 黑色", "笔"));
        assert!(query_terms("  ,,, ").is_empty());
        assert_eq!(query_terms("x1 X1"), vec!["x1"]);
    }
}
