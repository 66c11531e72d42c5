//! Tokenizing for Chinese search.
//!
//! Indexing stores every CJK character, every adjacent CJK pair (bigram) and every run of three
//! (trigram) of a product's text, plus lower-cased Latin words and numbers (kept space-separated
//! in `products.search_tokens`). A query is segmented with jieba into words; a word of one or
//! two characters is itself a term, and a longer word becomes the trigrams that cover it (复印纸
//! is one term, 笔记本电脑 the two terms 笔记本 and 本电脑). So 电脑 finds 联想台式电脑, 联想电脑
//! finds 联想 启天 台式电脑 (the words need not be adjacent), 复印纸 finds only text with 复印纸 in
//! it, and `ThinkPad X1` becomes the words `thinkpad` and `x1`. A hyphenated model number is
//! indexed whole and by its parts, so `KFR-35GW` is one term and `35GW` finds it too. All query
//! terms must match.
//!
//! The tokens are stored as search postings (one row per token and product, with a relevance
//! score, see [`postings`]) in the `search_postings` table, which `repo::search` reads in index
//! order on both databases.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// At most this many terms from one query are used.
pub const MAX_QUERY_TERMS: usize = 16;

/// The version of the tokens [`postings`] produces. Stored postings written by an older version
/// are rewritten when the service migrates (`repo::search::bring_index_up_to_date`): 1 indexed
/// characters and bigrams, 2 adds trigrams and hyphenated Latin words whole, 3 scores the
/// name's head noun above the rest of the name.
pub const TOKENIZER_VERSION: i64 = 3;

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

/// Splits normalized text into runs: `(is_cjk, text)`; punctuation and spaces separate runs,
/// except a hyphen between Latin letters or digits, which stays in its run (a model number such
/// as `kfr-35gw`).
fn runs(text: &str) -> Vec<(bool, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(bool, String)> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let joins_latin = c == '-'
            && matches!(out.last(), Some((false, run)) if run.ends_with(|p: char| p.is_ascii_alphanumeric()))
            && chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric);
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() || joins_latin {
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

/// Every run of `n` adjacent characters of `chars`.
fn ngrams(chars: &[char], n: usize) -> impl Iterator<Item = String> + '_ {
    chars.windows(n).map(|w| w.iter().collect())
}

/// The terms a query word must match: the word itself up to two characters, else the trigrams
/// that cover it, from the start every three characters and the last three (so 笔记本电脑 is
/// 笔记本 and 本电脑: every character of the word is in a term, and each term is in the index).
fn word_terms(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 2 {
        return vec![word.to_owned()];
    }
    let mut starts: Vec<usize> = (0..chars.len() - 2).step_by(3).collect();
    if starts.last() != Some(&(chars.len() - 3)) {
        starts.push(chars.len() - 3);
    }
    starts
        .into_iter()
        .map(|i| chars[i..i + 3].iter().collect())
        .collect()
}

/// Adds the tokens of one field: every CJK character, adjacent pair and run of three, every
/// Latin word, and a hyphenated Latin word both whole and by its parts.
fn field_tokens(field: &str, tokens: &mut BTreeSet<String>) {
    for (cjk, run) in runs(&normalize(field)) {
        if cjk {
            let chars: Vec<char> = run.chars().collect();
            for n in 1..=3 {
                tokens.extend(ngrams(&chars, n));
            }
        } else {
            if run.contains('-') {
                tokens.extend(run.split('-').map(str::to_owned));
            }
            tokens.insert(run);
        }
    }
}

/// The tokens stored for a product, space-separated.
pub fn index_tokens(fields: &[&str]) -> String {
    let mut tokens = BTreeSet::new();
    for field in fields {
        field_tokens(field, &mut tokens);
    }
    tokens.into_iter().collect::<Vec<_>>().join(" ")
}

/// The term every product is posted under, so a search without words (a category listing) is
/// read from the same index as a search with words.
pub const ALL_PRODUCTS_TERM: &str = "";

/// Score of a term that ends a Chinese phrase of the product name, where Chinese puts what a
/// thing is (电脑 in 联想 启天 M437 台式电脑 i5, but not in 电脑包): see [`head_tokens`].
pub const SCORE_NAME_HEAD: i32 = 4;
/// Score of a term found elsewhere in the product name.
pub const SCORE_NAME: i32 = 3;
/// Score of a term found in the brand or model but not the name.
pub const SCORE_BRAND_MODEL: i32 = 2;
/// Score of a term found only in the category name or the specification.
pub const SCORE_OTHER: i32 = 1;

/// The tokens that end a Chinese phrase of a product name: the last one, two and three
/// characters of each run of Chinese characters. Chinese puts the head of a noun phrase last,
/// so these say what the product is: 电脑 ends 台式电脑 and 平板电脑, but not 电脑包.
pub fn head_tokens(name: &str) -> BTreeSet<String> {
    let mut heads = BTreeSet::new();
    for (cjk, run) in runs(&normalize(name)) {
        if cjk {
            let chars: Vec<char> = run.chars().collect();
            for n in 1..=3.min(chars.len()) {
                heads.insert(chars[chars.len() - n..].iter().collect());
            }
        }
    }
    heads
}

/// The search postings of a product: each index token (the same set as [`index_tokens`] of
/// name, brand, model, category name and specification) with its relevance score —
/// [`SCORE_NAME_HEAD`] if it ends a phrase of the name, else [`SCORE_NAME`] if it is in the name,
/// else [`SCORE_BRAND_MODEL`] if in the brand or model, else [`SCORE_OTHER`] — plus
/// [`ALL_PRODUCTS_TERM`] with score 0. Sorted by term.
pub fn postings(
    name: &str,
    brand: &str,
    model: &str,
    category_name: &str,
    specification: &str,
) -> Vec<(String, i32)> {
    let mut in_name = BTreeSet::new();
    field_tokens(name, &mut in_name);
    let heads = head_tokens(name);
    let mut in_brand_model = BTreeSet::new();
    field_tokens(brand, &mut in_brand_model);
    field_tokens(model, &mut in_brand_model);
    let mut other = BTreeSet::new();
    field_tokens(category_name, &mut other);
    field_tokens(specification, &mut other);
    let mut out: Vec<(String, i32)> = Vec::new();
    out.push((ALL_PRODUCTS_TERM.to_owned(), 0));
    let mut all: BTreeSet<&String> = in_name.iter().collect();
    all.extend(in_brand_model.iter());
    all.extend(other.iter());
    for term in all {
        let score = if heads.contains(term) {
            SCORE_NAME_HEAD
        } else if in_name.contains(term) {
            SCORE_NAME
        } else if in_brand_model.contains(term) {
            SCORE_BRAND_MODEL
        } else {
            SCORE_OTHER
        };
        out.push((term.clone(), score));
    }
    out
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
                for term in word_terms(word.word) {
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
    fn postings_score_the_name_above_brand_model_and_the_rest() {
        let name = "联想 启天 M437 台式电脑";
        let spec = "i5-12500/16G/512G；含键盘";
        let postings = postings(name, "联想", "启天 M437", "台式计算机", spec);
        let score = |t: &str| postings.iter().find(|(term, _)| term == t).map(|p| p.1);
        assert_eq!(score(ALL_PRODUCTS_TERM), Some(0));
        assert_eq!(score("电脑"), Some(SCORE_NAME_HEAD));
        assert_eq!(score("台式"), Some(SCORE_NAME));
        assert_eq!(score("m437"), Some(SCORE_NAME));
        assert_eq!(score("计算"), Some(SCORE_OTHER));
        assert_eq!(score("键盘"), Some(SCORE_OTHER));
        assert_eq!(score("打印"), None);
        let terms: Vec<&str> = postings[1..].iter().map(|(t, _)| t.as_str()).collect();
        let tokens = index_tokens(&[name, "联想", "启天 M437", "台式计算机", spec]);
        assert_eq!(terms, tokens.split(' ').collect::<Vec<_>>());
        let only_model = postings_score_model();
        assert_eq!(only_model, Some(SCORE_BRAND_MODEL));
    }

    fn postings_score_model() -> Option<i32> {
        postings("得力 复印纸", "得力", "莱茵河", "纸张", "70g")
            .into_iter()
            .find(|(t, _)| t == "莱茵")
            .map(|p| p.1)
    }

    #[test]
    fn longer_words_match_as_written() {
        assert_eq!(query_terms("得力 复印纸"), vec!["得力", "复印纸"]);
        assert!(matches("得力 莱茵河 A4 70g 复印纸 500张/包", "得力 复印纸"));
        // Both bigrams of 复印纸 are here, but not the word.
        assert!(!matches("复印 打印纸", "复印纸"));
        assert_eq!(word_terms("笔记本电脑"), vec!["笔记本", "本电脑"]);
        assert_eq!(word_terms("多功能一体机"), vec!["多功能", "一体机"]);
        assert_eq!(
            word_terms("平板式微型计算机"),
            vec!["平板式", "微型计", "计算机"]
        );
        assert!(matches("联想 小新 笔记本电脑 16英寸", "笔记本电脑"));
        assert!(!matches("得力 A5 笔记本 100页", "笔记本电脑"));
        let tokens = index_tokens(&["复印纸"]);
        assert_eq!(tokens.split(' ').count(), 6, "{tokens}");
    }

    #[test]
    fn hyphenated_model_numbers_are_one_term() {
        assert_eq!(query_terms("格力 KFR-35GW"), vec!["格力", "kfr-35gw"]);
        assert_eq!(
            query_terms("i5-12500 -x y- a--b"),
            vec!["i5-12500", "x", "y", "a", "b"]
        );
        let product = "格力 KFR-35GW 云佳 壁挂式空调";
        assert!(matches(product, "KFR-35GW"));
        assert!(matches(product, "35GW"));
        assert!(matches(product, "kfr 35gw"));
        assert!(!matches("格力 KFR-72LW 云逸 立柜式空调", "KFR-35GW"));
    }

    #[test]
    fn single_characters_and_punctuation() {
        assert!(matches("晨光 中性笔 0.5mm 黑色", "笔"));
        assert!(query_terms("  ,,, ").is_empty());
        assert_eq!(query_terms("x1 X1"), vec!["x1"]);
    }

    #[test]
    fn the_head_noun_says_what_the_product_is() {
        let heads = head_tokens("联想 启天 M437 台式电脑 i5/16G/512G 23.8英寸");
        assert!(heads.contains("电脑") && heads.contains("式电脑") && heads.contains("英寸"));
        assert!(!heads.contains("台式"));
        assert!(head_tokens("得力 A4 复印纸 70g").contains("复印纸"));
        assert!(head_tokens("ThinkPad X1").is_empty());
        let score = |name: &str, term: &str| {
            postings(name, "", "", "", "")
                .into_iter()
                .find(|(t, _)| t == term)
                .map(|(_, s)| s)
        };
        // 电脑 is what a desktop is, but only what a computer bag is for.
        assert_eq!(score("联想 台式电脑", "电脑"), Some(SCORE_NAME_HEAD));
        assert_eq!(score("双肩 电脑包", "电脑"), Some(SCORE_NAME));
    }
}
