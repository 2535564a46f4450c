//! Products, items, links, goals, releases and people.

use crate::Millis;
use crate::key::ItemKey;
use crate::kind::{Category, Kind, LinkKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub prefix: String,
    pub name: String,
    /// The number the next item will get; keys are never reused.
    pub next_number: i64,
    pub created: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub handle: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// A custom field's value, typed as the workspace config declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Number(f64),
    /// Text, dates (`YYYY-MM-DD`) and enum values.
    Text(String),
}

impl FieldValue {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            FieldValue::Number(_) => None,
        }
    }
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(*n),
            FieldValue::Text(_) => None,
        }
    }
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Text(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: ItemKey,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub state: String,
    pub category: Category,
    pub assignee: Option<String>,
    /// Sorted, without repeats.
    pub labels: Vec<String>,
    pub estimate: Option<f64>,
    pub acceptance: String,
    pub fields: BTreeMap<String, FieldValue>,
    pub created: Millis,
    pub updated: Millis,
    pub resolved: Option<Millis>,
    /// When work began: set on first entering an in-progress state, cleared
    /// if the item goes back to a to-do state. Cycle time runs from here to
    /// `resolved`.
    #[serde(default)]
    pub started: Option<Millis>,
    pub rank: String,
    pub parent: Option<ItemKey>,
    pub release: Option<String>,
    /// Names of the goals this item is linked to, sorted.
    pub goals: Vec<String>,
    /// Incremented by every change; updates must state the version they read.
    pub version: i64,
}

/// A stored link `src kind dst`, e.g. `PAY-1 blocks PAY-2`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Link {
    pub src: ItemKey,
    pub kind: LinkKind,
    pub dst: ItemKey,
}

/// A link as seen from one item: how it reads from here, and the other end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEnd {
    /// `blocks`, `blocked-by`, `implements`, `implemented-by`, ...
    pub relation: String,
    pub other: ItemKey,
    pub other_title: String,
    pub other_state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyResult {
    pub description: String,
    pub target: f64,
    pub current: f64,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub name: String,
    pub description: String,
    pub key_results: Vec<KeyResult>,
    pub created: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub product: String,
    pub name: String,
    /// `YYYY-MM-DD`
    pub target_date: Option<String>,
    pub created: Millis,
}

/// Normalise labels: trimmed, no empties, sorted, no repeats.
pub fn normalise_labels<I: IntoIterator<Item = S>, S: AsRef<str>>(labels: I) -> Vec<String> {
    let mut v: Vec<String> = labels
        .into_iter()
        .map(|s| s.as_ref().trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_normalised() {
        assert_eq!(normalise_labels([" b", "a", "", "b"]), vec!["a", "b"]);
    }
}

/// Where an imported requirement came from: the document, its line and
/// heading path, the stable id written in it, and a hash of its text (to
/// tell a changed requirement from an unchanged one on re-import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementSource {
    pub key: ItemKey,
    pub document: String,
    pub line: i64,
    pub heading_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_id: Option<String>,
    pub content_hash: String,
}

/// An item whose linked requirement changed since it was last reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspect {
    pub item: ItemKey,
    pub requirement: ItemKey,
    pub since: Millis,
    pub reason: String,
}
