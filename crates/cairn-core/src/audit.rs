//! Audit entries and their hash chain.
//!
//! Each entry records the hash of the entry before it, and its own hash
//! covers every field and that previous hash. Altering, deleting or
//! reordering any stored entry breaks the chain at that point.

use crate::Millis;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One field's change: old → new (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

impl Change {
    pub fn new(field: &str, old: impl Serialize, new: impl Serialize) -> Change {
        Change {
            field: field.to_string(),
            old: serde_json::to_value(old).unwrap_or(serde_json::Value::Null),
            new: serde_json::to_value(new).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, ... without gaps.
    pub seq: i64,
    pub at: Millis,
    pub actor: String,
    /// e.g. `item.create`, `item.update`, `link.add`, `config.apply`.
    pub action: String,
    /// What the change is about: an item key, a product prefix, a goal name.
    pub target: String,
    /// A second item the entry concerns (the other end of a link), so it
    /// shows in that item's history too.
    pub related: Option<String>,
    pub reason: Option<String>,
    /// The changes as stored: a JSON array of [`Change`].
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should have, from its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"cairn-audit-v1");
        let parts: [&[u8]; 9] = [
            &self.seq.to_be_bytes(),
            &self.at.to_be_bytes(),
            self.actor.as_bytes(),
            self.action.as_bytes(),
            self.target.as_bytes(),
            self.related.as_deref().unwrap_or("\u{0}none").as_bytes(),
            self.reason.as_deref().unwrap_or("\u{0}none").as_bytes(),
            self.changes.as_bytes(),
            self.prev_hash.as_bytes(),
        ];
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p);
        }
        hex::encode(h.finalize())
    }

    /// The parsed changes (empty when the stored text is not a change list).
    pub fn change_list(&self) -> Vec<Change> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Break {
    /// The entry's stored hash does not match its contents.
    Altered { seq: i64 },
    /// The entry does not follow the one before it (one was deleted,
    /// inserted or moved).
    Unlinked { seq: i64, expected_seq: i64 },
    /// The chain ends before the recorded head (entries removed at the end).
    Truncated { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its contents no longer match its hash"
            ),
            Break::Unlinked { seq, expected_seq } => write!(
                f,
                "entry {seq} does not follow entry {}: an entry was deleted, inserted or reordered before it (expected entry {expected_seq} here)",
                expected_seq - 1
            ),
            Break::Truncated { last_seq, head_seq } => write!(
                f,
                "the trail ends at entry {last_seq} but {head_seq} entries were written: entries after {last_seq} were deleted"
            ),
        }
    }
}

/// Walks a chain in seq order and reports the first break.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    prev_hash: Option<String>,
    next_seq: i64,
    pub checked: u64,
}

impl ChainVerifier {
    pub fn new() -> Self {
        ChainVerifier {
            prev_hash: None,
            next_seq: 1,
            checked: 0,
        }
    }

    /// Check the next entry. Returns the first break found.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), Break> {
        let expected_prev = self.prev_hash.as_deref().unwrap_or(GENESIS);
        if e.seq != self.next_seq || e.prev_hash != expected_prev {
            return Err(Break::Unlinked {
                seq: e.seq,
                expected_seq: self.next_seq,
            });
        }
        if e.compute_hash() != e.hash {
            return Err(Break::Altered { seq: e.seq });
        }
        self.prev_hash = Some(e.hash.clone());
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Check the end of the chain against the head the store recorded.
    pub fn finish(&self, head_seq: i64) -> Result<(), Break> {
        let last = self.next_seq - 1;
        if last < head_seq {
            return Err(Break::Truncated {
                last_seq: last,
                head_seq,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: 1_700_000_000_000 + seq,
                    actor: "ann".into(),
                    action: "item.update".into(),
                    target: format!("PAY-{seq}"),
                    related: None,
                    reason: None,
                    changes: serde_json::to_string(&[Change::new("title", "a", "b")]).unwrap(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: i64) -> Result<(), Break> {
        let mut v = ChainVerifier::new();
        for e in entries {
            v.check(e)?;
        }
        v.finish(head)
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5), 5), Ok(()));
    }

    #[test]
    fn alteration_deletion_reordering_and_truncation_are_found() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        assert_eq!(verify(&c, 5), Err(Break::Altered { seq: 3 }));

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c, 5),
            Err(Break::Unlinked {
                seq: 3,
                expected_seq: 2
            })
        );

        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(
            verify(&c, 5),
            Err(Break::Unlinked {
                seq: 3,
                expected_seq: 2
            })
        );

        let c = chain(5);
        assert_eq!(
            verify(&c[..4], 5),
            Err(Break::Truncated {
                last_seq: 4,
                head_seq: 5
            })
        );
    }

    #[test]
    fn rehashing_an_altered_entry_still_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].actor = "mallory".into();
        c[1].hash = c[1].compute_hash();
        assert_eq!(
            verify(&c, 4),
            Err(Break::Unlinked {
                seq: 3,
                expected_seq: 3
            })
        );
    }
}
