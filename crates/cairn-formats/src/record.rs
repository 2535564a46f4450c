//! The record both requirement importers produce, and the text helpers they share.

use std::collections::HashMap;

use crate::FormatError;

/// One requirement read from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementRecord {
    /// The stable ID written in the source (`R-12`, `FR-3.1`, `REQ_12`, …), if any.
    pub ext_id: Option<String>,
    /// A short title: the first sentence, at most [`TITLE_MAX`] characters (cut at a word
    /// boundary, with `…`).
    pub title: String,
    /// The full text, inline markup stripped and whitespace collapsed, without the ID.
    pub text: String,
    /// 1-based line of the requirement in the source.
    pub line: usize,
    /// The headings (or CSV section parts) above the requirement, outermost first.
    pub heading_path: Vec<String>,
}

/// The longest title, in characters (without the `…`).
pub const TITLE_MAX: usize = 100;

/// Abbreviations after which a `.` does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "eg", "ie", "vs", "cf", "mr", "mrs", "ms", "dr", "prof", "no", "fig", "approx",
    "incl", "resp", "ca", "al", "min", "max", "sec", "nr", "ref", "para", "art", "vol", "z.b",
    "d.h", "u.a", "bzw", "ggf",
];

/// The byte ranges of the sentences of `text`, trimmed.
pub(crate) fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            // Closing quotes or brackets stay with the sentence.
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j].1, '"' | '\'' | ')' | ']' | '”' | '’' | '»')
            {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
            let followed_by_space = chars.get(j).is_none_or(|&(_, c)| c.is_whitespace());
            let next = chars[j..]
                .iter()
                .map(|&(_, c)| c)
                .find(|c| !c.is_whitespace());
            let starts_sentence = next.is_none_or(|n| {
                n.is_uppercase()
                    || n.is_numeric()
                    || matches!(n, '"' | '\'' | '(' | '[' | '“' | '‘' | '«')
            });
            let abbreviation = c == '.' && is_abbreviation(&text[start..pos]);
            if followed_by_space && starts_sentence && !abbreviation {
                push_trimmed(text, start, end, &mut out);
                start = end;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if !trimmed.is_empty() {
        out.push((start + lead, start + lead + trimmed.len()));
    }
}

/// Whether the word before a `.` (the end of `before`) is an abbreviation or an initial.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '[', '"', '\'']);
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true;
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Whether `text` has the word "shall" or "must" (case-insensitive, whole word), not merely
/// quoted (`the words "shall" and "must" …` talks about the words).
pub(crate) fn has_modal(text: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '\'' | '’');
    let is_quote = |c: Option<char>| matches!(c, Some('"' | '\'' | '“' | '”' | '‘' | '’' | '`'));
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, is_word(c) && i < text.len()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                let mut word = &text[s..i];
                // A closing quote is a word character (it'), so trim it off the word.
                let mut after = text[i..].chars().next();
                if let Some(w) = word.strip_suffix(['\'', '’']) {
                    after = word[w.len()..].chars().next();
                    word = w;
                }
                if !(word.eq_ignore_ascii_case("shall") || word.eq_ignore_ascii_case("must")) {
                    continue;
                }
                let before = text[..s].chars().next_back();
                if !(is_quote(before) && is_quote(after)) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// A short title for `text`: its first sentence, without a final `.`, cut to [`TITLE_MAX`]
/// characters at a word boundary with `…`.
pub(crate) fn make_title(text: &str) -> String {
    let first = sentences(text).first().map_or("", |&(s, e)| &text[s..e]);
    let first = first.strip_suffix('.').unwrap_or(first).trim();
    if first.chars().count() <= TITLE_MAX {
        return first.to_string();
    }
    let cut: String = first.chars().take(TITLE_MAX + 1).collect();
    // Cut at the last whitespace that keeps at most TITLE_MAX characters.
    let at = cut
        .char_indices()
        .rev()
        .find(|&(i, c)| c.is_whitespace() && cut[..i].chars().count() <= TITLE_MAX)
        .map(|(i, _)| i)
        .filter(|&i| i > 0);
    let short = match at {
        Some(i) => cut[..i].to_string(),
        None => cut.chars().take(TITLE_MAX).collect(),
    };
    let short = short.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{short}…")
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn collapse_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Refuses two records with the same ID (compared case-insensitively).
pub(crate) fn check_duplicate_ids(records: &[RequirementRecord]) -> Result<(), FormatError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in records {
        let Some(id) = &r.ext_id else { continue };
        if let Some(first) = seen.insert(id.to_uppercase(), r.line) {
            return Err(FormatError::at(
                r.line,
                format!(
                    "duplicate requirement ID {id} on lines {first} and {}: give each \
                     requirement its own ID",
                    r.line
                ),
            ));
        }
    }
    Ok(())
}

/// A requirement ID at the start of `text`: `R-12:`, `FR-3.1.`, `SEC-2)`, `[NFR-7]`, `REQ_12:`
/// (or `REQ-1` followed by a dash, or by a space when `bold` says the ID was written in bold).
/// Returns the ID and the byte length to remove (ID, delimiter and following whitespace).
pub(crate) fn split_id(text: &str, bold: bool) -> Option<(String, usize)> {
    let (inner, bracketed) = match text.strip_prefix('[') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let id_len = id_prefix_len(inner)?;
    let id = &inner[..id_len];
    let mut rest = &inner[id_len..];
    if bracketed {
        rest = rest.strip_prefix(']')?;
        // `[R-1]: …` is a link reference definition in Markdown, never an ID here.
        if rest.starts_with(':') && !bold {
            rest = &rest[1..];
        }
    } else if let Some(r) = rest.strip_prefix([':', ')', '.']) {
        if !(r.is_empty() || r.starts_with(char::is_whitespace)) {
            return None;
        }
        rest = r;
    } else if rest.is_empty() {
        // Just the ID.
    } else {
        let after_ws = rest.trim_start();
        if after_ws.len() == rest.len() {
            return None;
        }
        let dash = after_ws
            .strip_prefix(['-', '–', '—'])
            .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace));
        match dash {
            Some(r) => rest = r,
            None if bold => rest = after_ws,
            None => return None,
        }
    }
    let rest_trimmed = rest.trim_start();
    Some((id.to_string(), text.len() - rest_trimmed.len()))
}

/// The length of an ID at the start of `s`: letter runs joined by `-` or `_`, then `-` or `_`,
/// then digits with optional `.digits` parts.
fn id_prefix_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut segments = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == start || i - start > 12 {
            return None;
        }
        segments += 1;
        if segments > 3 {
            return None;
        }
        if i < b.len() && (b[i] == b'-' || b[i] == b'_') {
            i += 1;
        } else {
            return None;
        }
        if i < b.len() && b[i].is_ascii_digit() {
            break;
        }
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    while i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        digits(&mut i);
    }
    // An ID is not followed by more word characters (`R-12abc`).
    if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        return None;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Vec<&str> {
        sentences(t).into_iter().map(|(s, e)| &t[s..e]).collect()
    }

    #[test]
    fn sentence_split() {
        assert_eq!(
            split("The system shall log in. It must be fast! Why? Yes."),
            vec![
                "The system shall log in.",
                "It must be fast!",
                "Why?",
                "Yes."
            ]
        );
        assert_eq!(
            split("Use e.g. tokens, i.e. JWT. Version 1.5 is used. See J. Smith."),
            vec![
                "Use e.g. tokens, i.e. JWT.",
                "Version 1.5 is used.",
                "See J. Smith."
            ]
        );
        assert_eq!(
            split("Ends with (a note.) Next one"),
            vec!["Ends with (a note.)", "Next one"]
        );
        assert_eq!(
            split("lower. case continues"),
            vec!["lower. case continues"]
        );
        assert!(split("  ").is_empty());
    }

    #[test]
    fn modal_words() {
        assert!(has_modal("The system SHALL log."));
        assert!(has_modal("Users must, at least, log in"));
        assert!(!has_modal("A must-have feature"));
        assert!(!has_modal("Mustard and shallow water"));
        assert!(!has_modal(
            "The words \"shall\" and 'must' mark requirements"
        ));
        assert!(!has_modal("The words “shall” and ‘must’ mark requirements"));
        assert!(has_modal("It 'must' be, and it shall."));
        assert!(has_modal("The users' data must be kept"));
    }

    #[test]
    fn titles() {
        assert_eq!(make_title("Log in. Then more."), "Log in");
        let long = "word ".repeat(40);
        let t = make_title(&long);
        assert!(t.ends_with('…'));
        assert!(t.chars().count() <= TITLE_MAX + 1);
        assert!(!t.contains("wor…"));
        let unbroken = "x".repeat(150);
        assert_eq!(make_title(&unbroken).chars().count(), TITLE_MAX + 1);
    }

    #[test]
    fn ids() {
        fn id(t: &str) -> Option<(String, &str)> {
            split_id(t, false).map(|(id, n)| (id, &t[n..]))
        }
        assert_eq!(id("R-12: The system"), Some(("R-12".into(), "The system")));
        assert_eq!(
            id("FR-3.1. The system"),
            Some(("FR-3.1".into(), "The system"))
        );
        assert_eq!(
            id("SEC-2) The system"),
            Some(("SEC-2".into(), "The system"))
        );
        assert_eq!(
            id("[NFR-7] The system"),
            Some(("NFR-7".into(), "The system"))
        );
        assert_eq!(
            id("REQ_12: The system"),
            Some(("REQ_12".into(), "The system"))
        );
        assert_eq!(
            id("SYS-REQ-4 – The system"),
            Some(("SYS-REQ-4".into(), "The system"))
        );
        assert_eq!(id("REQ-1"), Some(("REQ-1".into(), "")));
        assert_eq!(id("ISO-9001 compliance"), None);
        assert_eq!(id("R-12abc: x"), None);
        assert_eq!(id("R-: x"), None);
        assert_eq!(id("The system"), None);
        assert_eq!(id("R-1:x"), None);
        assert_eq!(
            split_id("REQ-1 The system", true),
            Some(("REQ-1".into(), 6))
        );
    }
}
