//! Words, spans and stems: the small text toolkit the story parser, the
//! linter and the similarity index share.
//!
//! Spans are byte offsets into the text they came from (`start..end`, end
//! exclusive). `char_span` converts one to character offsets for output.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;

/// A half-open byte range into a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The spanned text, or "" when the span does not fit `text`.
    pub fn of<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// `span` (bytes) as character offsets into `text`.
pub fn char_span(text: &str, span: Span) -> (usize, usize) {
    let chars = |b: usize| {
        text.get(..b.min(text.len()))
            .map_or(0, |s| s.chars().count())
    };
    (chars(span.start), chars(span.end))
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// One word of a text: letters and digits, with inner apostrophes, hyphens
/// and dots (`user-friendly`, `don't`, `e.g`, `2.5`) kept inside the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'t> {
    pub text: &'t str,
    pub span: Span,
}

impl Word<'_> {
    pub fn lower(&self) -> String {
        self.text.to_lowercase()
    }

    pub fn is(&self, w: &str) -> bool {
        self.text.eq_ignore_ascii_case(w)
    }
}

fn joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '.' | '_')
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_alphanumeric() {
                end = j + d.len_utf8();
                chars.next();
            } else if joiner(d) {
                // Keep the joiner only when a letter or digit follows it.
                let next = text.get(j + d.len_utf8()..).and_then(|s| s.chars().next());
                if next.is_some_and(char::is_alphanumeric) {
                    chars.next();
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        out.push(Word {
            text: &text[i..end],
            span: Span::new(i, end),
        });
    }
    out
}

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// The English (Porter 2) stem of a lower-case word.
pub fn stem(word: &str) -> String {
    STEMMER.stem(word).into_owned()
}

/// Common English words that carry no topic.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
    "have", "he", "her", "his", "how", "i", "i'd", "i'm", "if", "in", "into", "is", "it", "its",
    "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too",
    "up", "us", "was", "we", "were", "what", "when", "where", "which", "while", "who", "will",
    "with", "would", "you", "your",
];

/// Words of the user-story template itself, which say nothing about the
/// feature (`As a … I want … so that …`).
pub const TEMPLATE_WORDS: &[&str] = &["want", "able", "like", "need", "order", "shall", "must"];

pub fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.binary_search(&lower).is_ok()
}

/// The topic terms of a text: lower-cased, stop and template words
/// dropped, stemmed. Each term comes with the word it was made from.
pub fn terms(text: &str) -> Vec<(String, Word<'_>)> {
    words(text)
        .into_iter()
        .filter_map(|w| {
            let lower = w.lower();
            let lower = lower.trim_end_matches(['\'', '’']).replace('’', "'");
            if lower.len() < 2 && !lower.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            if is_stop_word(&lower) || TEMPLATE_WORDS.contains(&lower.as_str()) {
                return None;
            }
            let base = lower.strip_suffix("'s").unwrap_or(&lower);
            Some((stem(base), w))
        })
        .collect()
}

/// Find `phrase` (words separated by single spaces, lower case) in `ws` as
/// consecutive whole words, from word index `from`. Returns the index of
/// its first word.
pub fn find_phrase(ws: &[Word<'_>], phrase: &[&str], from: usize) -> Option<usize> {
    if phrase.is_empty() || ws.len() < phrase.len() {
        return None;
    }
    (from..=ws.len() - phrase.len())
        .find(|&i| phrase.iter().enumerate().all(|(k, p)| ws[i + k].is(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn words_keep_inner_joiners() {
        let ws: Vec<_> = words("As a user, I don't want user-friendly e.g. 2.5 (tests).")
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(
            ws,
            [
                "As",
                "a",
                "user",
                "I",
                "don't",
                "want",
                "user-friendly",
                "e.g",
                "2.5",
                "tests"
            ]
        );
    }

    #[test]
    fn spans_and_lines() {
        let t = "héllo\nwörld x";
        let ws = words(t);
        assert_eq!(ws[1].span.of(t), "wörld");
        assert_eq!(char_span(t, ws[1].span), (6, 11));
        assert_eq!(line_col(t, ws[2].span.start), (2, 7));
    }

    #[test]
    fn terms_stem_and_drop_template_words() {
        let t: Vec<_> = terms("As a user, I want to export the reports")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(t, ["user", "export", "report"]);
    }
}
