//! Baselines: a frozen copy of a scope's items, and the diff of two.
//!
//! An item is frozen as the fields that make up its content (not its
//! rank, version or timestamps), with a SHA-256 hash of exactly those
//! fields, so a signature can be bound to the content and a diff can say
//! which fields changed.

use crate::{FieldValue, Item, ItemKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// An item's content as a baseline keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frozen {
    pub key: ItemKey,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub state: String,
    pub acceptance: String,
    pub estimate: Option<f64>,
    pub labels: Vec<String>,
    pub fields: BTreeMap<String, FieldValue>,
    pub parent: Option<ItemKey>,
    pub release: Option<String>,
}

impl Frozen {
    pub fn of(i: &Item) -> Frozen {
        let mut labels = i.labels.clone();
        labels.sort();
        Frozen {
            key: i.key.clone(),
            kind: i.kind.to_string(),
            title: i.title.clone(),
            description: i.description.clone(),
            state: i.state.clone(),
            acceptance: i.acceptance.clone(),
            estimate: i.estimate,
            labels,
            fields: i.fields.clone(),
            parent: i.parent.clone(),
            release: i.release.clone(),
        }
    }

    /// The canonical JSON of the content (fields in a fixed order).
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SHA-256 of the canonical JSON, as hex.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"cairn-item-content-v1\n");
        h.update(self.canonical().as_bytes());
        hex::encode(h.finalize())
    }

    /// Each field as text, for diffs: (name, value).
    fn field_texts(&self) -> Vec<(String, String)> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut v = vec![
            ("kind".to_string(), self.kind.clone()),
            ("title".to_string(), self.title.clone()),
            ("description".to_string(), self.description.clone()),
            ("state".to_string(), self.state.clone()),
            ("acceptance".to_string(), self.acceptance.clone()),
            (
                "estimate".to_string(),
                self.estimate.map(|e| e.to_string()).unwrap_or_default(),
            ),
            ("labels".to_string(), self.labels.join(", ")),
            (
                "parent".to_string(),
                opt(&self.parent.as_ref().map(ToString::to_string)),
            ),
            ("release".to_string(), opt(&self.release)),
        ];
        for (k, f) in &self.fields {
            v.push((
                format!("fields.{k}"),
                match f {
                    FieldValue::Text(t) => t.clone(),
                    FieldValue::Number(n) => n.to_string(),
                },
            ));
        }
        v
    }
}

/// The hash of a whole baseline: of its items' hashes in key order.
pub fn baseline_hash(items: &[Frozen]) -> String {
    let mut keyed: Vec<(ItemKey, String)> =
        items.iter().map(|i| (i.key.clone(), i.hash())).collect();
    keyed.sort_by(|a, b| (&a.0.prefix, a.0.number).cmp(&(&b.0.prefix, b.0.number)));
    let mut h = Sha256::new();
    h.update(b"cairn-baseline-v1\n");
    for (k, x) in keyed {
        h.update(format!("{k} {x}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// What differs between two frozen scopes.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Diff {
    pub added: Vec<Frozen>,
    pub removed: Vec<Frozen>,
    /// Items in both whose content differs, with each changed field.
    pub changed: Vec<(Frozen, Vec<FieldChange>)>,
    pub unchanged: usize,
}

/// Compare `from` with `to` (both any order); results in key order.
pub fn diff(from: &[Frozen], to: &[Frozen]) -> Diff {
    let order = |k: &ItemKey| (k.prefix.clone(), k.number);
    let a: BTreeMap<_, &Frozen> = from.iter().map(|f| (order(&f.key), f)).collect();
    let b: BTreeMap<_, &Frozen> = to.iter().map(|f| (order(&f.key), f)).collect();
    let mut d = Diff::default();
    for (k, old) in &a {
        match b.get(k) {
            None => d.removed.push((*old).clone()),
            Some(new) if old == new => d.unchanged += 1,
            Some(new) => {
                let of = old.field_texts();
                let nf = new.field_texts();
                let mut changes = Vec::new();
                let names: std::collections::BTreeSet<&String> =
                    of.iter().chain(nf.iter()).map(|(n, _)| n).collect();
                for n in names {
                    let o = of
                        .iter()
                        .find(|(x, _)| x == n)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    let w = nf
                        .iter()
                        .find(|(x, _)| x == n)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    if o != w {
                        changes.push(FieldChange {
                            field: n.clone(),
                            old: o,
                            new: w,
                        });
                    }
                }
                d.changed.push(((*new).clone(), changes));
            }
        }
    }
    for (k, new) in &b {
        if !a.contains_key(k) {
            d.added.push((*new).clone());
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: i64, title: &str, state: &str) -> Frozen {
        Frozen {
            key: ItemKey::new("PAY", n),
            kind: "requirement".into(),
            title: title.into(),
            description: String::new(),
            state: state.into(),
            acceptance: String::new(),
            estimate: None,
            labels: vec![],
            fields: BTreeMap::new(),
            parent: None,
            release: Some("2.0".into()),
        }
    }

    #[test]
    fn diffs_name_each_changed_field() {
        let a = vec![
            f(1, "Refunds", "todo"),
            f(2, "Payouts", "todo"),
            f(3, "Fees", "todo"),
        ];
        let mut b = vec![
            f(1, "Partial refunds", "done"),
            f(3, "Fees", "todo"),
            f(4, "Disputes", "todo"),
        ];
        b[0].fields.insert("risk".into(), FieldValue::Number(3.0));
        let d = diff(&a, &b);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.removed[0].key, ItemKey::new("PAY", 2));
        assert_eq!(d.unchanged, 1);
        let fields: Vec<(&str, &str, &str)> = d.changed[0]
            .1
            .iter()
            .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("fields.risk", "", "3"),
                ("state", "todo", "done"),
                ("title", "Refunds", "Partial refunds")
            ]
        );
    }

    #[test]
    fn hashes_follow_content_only() {
        let a = f(1, "Refunds", "todo");
        let mut b = a.clone();
        assert_eq!(a.hash(), b.hash());
        b.title.push('!');
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        // Order of items does not change a baseline's hash.
        let x = vec![f(1, "A", "todo"), f(2, "B", "todo")];
        let y = vec![f(2, "B", "todo"), f(1, "A", "todo")];
        assert_eq!(baseline_hash(&x), baseline_hash(&y));
    }
}
