//! Commits linked to items: the `[git]` section of the workspace config,
//! the commit records `cairn git scan` keeps, and the reading of item keys
//! and "fixes KEY" out of commit messages.

use crate::key::{ItemKey, keys_in};
use crate::{Category, Millis};
use serde::{Deserialize, Serialize};

/// The words that, just before a key, say a commit finishes the item.
pub const DEFAULT_KEYWORDS: &[&str] = &[
    "fix", "fixes", "fixed", "close", "closes", "closed", "resolve", "resolves", "resolved",
];

/// `[git]`: what a "fixes KEY" commit does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitConfig {
    /// The state a commit saying "fixes KEY" (or another keyword) moves the
    /// item to. Unset: commits are linked, never move items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixes_state: Option<String>,
    /// The keywords, matched without regard to case.
    #[serde(default = "default_keywords")]
    pub keywords: Vec<String>,
}

fn default_keywords() -> Vec<String> {
    DEFAULT_KEYWORDS.iter().map(|s| s.to_string()).collect()
}

impl Default for GitConfig {
    fn default() -> Self {
        GitConfig {
            fixes_state: None,
            keywords: default_keywords(),
        }
    }
}

impl GitConfig {
    /// Check the section; `is_state` says whether a name is a state of any
    /// workflow.
    pub fn validate(&self, is_state: impl Fn(&str) -> bool) -> Result<(), String> {
        if let Some(s) = &self.fixes_state
            && !is_state(s)
        {
            return Err(format!(
                "[git] fixes_state = \"{s}\" is not a state of any workflow; name one of the workflow states, or leave fixes_state out so commits never move items"
            ));
        }
        for k in &self.keywords {
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(format!(
                    "[git] keywords: `{k}` is not a word; keywords are letters only (e.g. \"fixes\")"
                ));
            }
        }
        Ok(())
    }
}

/// A commit as Cairn keeps it: enough to show and find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// The full object id, lower-case hex.
    pub hash: String,
    /// The repository it was first read from (the path given to the scan,
    /// made absolute).
    pub repo: String,
    pub author: String,
    pub email: String,
    /// Author time.
    pub at: Millis,
    /// The first line of the message.
    pub subject: String,
}

impl Commit {
    /// The abbreviated hash shown to people.
    pub fn short(&self) -> &str {
        self.hash.get(..10).unwrap_or(&self.hash)
    }
}

/// What a commit message says about items: every key it mentions, and
/// the keys it says it fixes (a subset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    pub keys: Vec<ItemKey>,
    pub fixes: Vec<ItemKey>,
}

/// Read a commit message: the keys of `prefixes` it mentions (word-bounded,
/// case-sensitive, as [`keys_in`]) and those a keyword names: "Fixes
/// PAY-12", "closes: PAY-3", "Resolves PAY-4, PAY-5 and PAY-6".
pub fn mentions(message: &str, prefixes: &[&str], keywords: &[String]) -> Mentions {
    let keys = keys_in(message, prefixes);
    if keys.is_empty() {
        return Mentions::default();
    }
    let mut fixes: Vec<ItemKey> = Vec::new();
    let b = message.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            j += 1;
        }
        let word = &message[i..j];
        let is_keyword = j < b.len()
            && !b[j].is_ascii_digit()
            && keywords.iter().any(|k| k.eq_ignore_ascii_case(word));
        if is_keyword {
            let mut k = skip(message, j, &[' ', '\t', ':', '#']);
            while let Some(key) = key_at(&message[k..], prefixes) {
                k += key.to_string().len();
                if !fixes.contains(&key) {
                    fixes.push(key);
                }
                // A list goes on after ',', '&' or "and": "PAY-1, PAY-2 and PAY-3".
                let mut n = skip(message, k, &[' ', '\t']);
                let rest = &message[n..];
                if rest.starts_with([',', '&']) {
                    n += 1;
                } else if !rest.starts_with("and ") {
                    break;
                }
                n = skip(message, n, &[' ', '\t']);
                if message[n..].starts_with("and ") {
                    n += 3;
                }
                k = skip(message, n, &[' ', '\t', '#']);
            }
            i = k.max(j);
            continue;
        }
        i = j;
    }
    Mentions { keys, fixes }
}

/// The first byte at or after `from` that is not one of `chars`.
fn skip(s: &str, from: usize, chars: &[char]) -> usize {
    s[from..]
        .find(|c: char| !chars.contains(&c))
        .map_or(s.len(), |i| from + i)
}

/// A key of `prefixes` right at the start of `s`, standing apart from what follows.
fn key_at(s: &str, prefixes: &[&str]) -> Option<ItemKey> {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
        .map_or(s.len(), |(i, _)| i);
    keys_in(&s[..end], prefixes)
        .into_iter()
        .next()
        .filter(|k| k.to_string().len() == end)
}

/// Should a fixing commit move an item that is in `current` (of category
/// `current_cat`) to `target` (of `target_cat`)? Never backwards: an item
/// already there, or further along, stays.
pub fn moves_forward(
    current: &str,
    current_cat: Category,
    target: &str,
    target_cat: Category,
) -> bool {
    current != target && current_cat < target_cat
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(msg: &str) -> (Vec<String>, Vec<String>) {
        let kw = default_keywords();
        let r = mentions(msg, &["PAY", "OPS"], &kw);
        (
            r.keys.iter().map(ToString::to_string).collect(),
            r.fixes.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn keys_and_fixes() {
        assert_eq!(m("PAY-3 refund rounding"), (vec!["PAY-3".into()], vec![]));
        assert_eq!(
            m("Fixes PAY-12: refunds round half up"),
            (vec!["PAY-12".into()], vec!["PAY-12".into()])
        );
        assert_eq!(
            m("refunds\n\ncloses: PAY-1, PAY-2 and OPS-3; relates to PAY-4"),
            (
                vec![
                    "PAY-1".into(),
                    "PAY-2".into(),
                    "OPS-3".into(),
                    "PAY-4".into()
                ],
                vec!["PAY-1".into(), "PAY-2".into(), "OPS-3".into()]
            )
        );
        assert_eq!(m("RESOLVED PAY-7").1, vec!["PAY-7".to_string()]);
        assert_eq!(m("Fixes #PAY-8").1, vec!["PAY-8".to_string()]);
    }

    #[test]
    fn keywords_must_stand_alone() {
        // Not a keyword: part of a longer word, or the key is not next.
        assert!(m("prefixes PAY-1").1.is_empty());
        assert!(m("fixes the PAY-1 rounding").1.is_empty());
        assert!(m("fixes XPAY-1 and PAY-123x").0.is_empty());
        assert!(m("fixes PAY-12x").1.is_empty());
        assert_eq!(m("fixes PAY-12.").1, vec!["PAY-12".to_string()]);
        assert!(m("Fixes pay-3").0.is_empty());
    }

    #[test]
    fn config_is_checked() {
        let c = GitConfig {
            fixes_state: Some("shipped".into()),
            ..GitConfig::default()
        };
        let e = c.validate(|s| s == "done").unwrap_err();
        assert!(e.contains("\"shipped\" is not a state"), "{e}");
        let c = GitConfig {
            keywords: vec!["fix-es".into()],
            ..GitConfig::default()
        };
        assert!(c.validate(|_| true).is_err());
    }

    #[test]
    fn never_backwards() {
        use Category::*;
        assert!(moves_forward("todo", Todo, "done", Done));
        assert!(moves_forward("in-review", InProgress, "done", Done));
        assert!(!moves_forward("done", Done, "done", Done));
        assert!(!moves_forward("cancelled", Done, "done", Done));
        assert!(!moves_forward("done", Done, "in-review", InProgress));
    }
}
