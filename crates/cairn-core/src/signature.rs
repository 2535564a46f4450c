//! Electronic signatures (21 CFR Part 11 §11.50, §11.70, §11.200).
//!
//! A signature names its signer's printed name, the time and the meaning
//! of signing (§11.50). It is bound to a SHA-256 hash of exactly the
//! content signed, and its own fields are hashed together with that
//! content hash (§11.70), so it can neither be moved to other content nor
//! altered without the change showing.

use crate::Millis;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a signature means (§11.50(a)(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Meaning {
    Authorship,
    Review,
    Approval,
    Responsibility,
}

impl Meaning {
    pub const ALL: [Meaning; 4] = [
        Meaning::Authorship,
        Meaning::Review,
        Meaning::Approval,
        Meaning::Responsibility,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Meaning::Authorship => "authorship",
            Meaning::Review => "review",
            Meaning::Approval => "approval",
            Meaning::Responsibility => "responsibility",
        }
    }

    pub fn parse(s: &str) -> Option<Meaning> {
        Meaning::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim().to_ascii_lowercase())
    }

    /// The words shown with the signature.
    pub fn statement(self) -> &'static str {
        match self {
            Meaning::Authorship => "I am the author of this record",
            Meaning::Review => "I have reviewed this record",
            Meaning::Approval => "I approve this record",
            Meaning::Responsibility => "I take responsibility for this record",
        }
    }
}

/// A signature as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// `S-n`.
    pub id: String,
    /// `item` or `baseline`.
    pub target_kind: String,
    /// An item key, or `PAY/baseline name`.
    pub target: String,
    /// SHA-256 of the content signed.
    pub content_hash: String,
    pub meaning: Meaning,
    /// The account that signed.
    pub signer: String,
    /// The signer's full name when signing (§11.50(a)(1)).
    pub printed_name: String,
    /// When (§11.50(a)(2)).
    pub signed_at: Millis,
    pub comment: String,
    /// SHA-256 over every field above (§11.70).
    pub hash: String,
}

impl Signature {
    /// The hash binding the signature's fields to the content hash.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"cairn-signature-v1");
        for part in [
            self.id.as_bytes(),
            self.target_kind.as_bytes(),
            self.target.as_bytes(),
            self.content_hash.as_bytes(),
            self.meaning.as_str().as_bytes(),
            self.signer.as_bytes(),
            self.printed_name.as_bytes(),
            &self.signed_at.to_be_bytes(),
            self.comment.as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field() {
        let s = Signature {
            id: "S-1".into(),
            target_kind: "item".into(),
            target: "PAY-12".into(),
            content_hash: "ab".repeat(32),
            meaning: Meaning::Approval,
            signer: "ada".into(),
            printed_name: "Ada Lovelace".into(),
            signed_at: 1_767_607_200_000,
            comment: String::new(),
            hash: String::new(),
        };
        let h = s.compute_hash();
        let mut t = s.clone();
        t.meaning = Meaning::Review;
        assert_ne!(t.compute_hash(), h);
        let mut t = s.clone();
        t.content_hash = "cd".repeat(32);
        assert_ne!(t.compute_hash(), h);
        let mut t = s.clone();
        t.signed_at += 1;
        assert_ne!(t.compute_hash(), h);
        assert_eq!(Meaning::parse("Approval"), Some(Meaning::Approval));
        assert!(Meaning::parse("ok").is_none());
    }
}
