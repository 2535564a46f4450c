//! Electronic signatures under 21 CFR Part 11: a user signs an item or a
//! baseline with a meaning by entering their password again (§11.200).
//! The signature is bound to a hash of exactly the content signed, shows
//! as invalid once that content changes, and is checked, with the audit
//! trail, by `cairn audit verify`.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::Change;
use cairn_core::baseline::Frozen;
use cairn_core::signature::{Meaning, Signature};
use cairn_core::{ItemKey, Role};
use serde::Serialize;

/// What is signed.
#[derive(Debug, Clone, PartialEq)]
pub enum SignTarget {
    Item(ItemKey),
    Baseline {
        product: Option<String>,
        name: String,
    },
}

#[derive(Debug, Clone)]
pub struct SignRequest {
    pub target: SignTarget,
    pub meaning: Meaning,
    /// The account signing. Signed-in callers sign as themselves; the
    /// local CLI names the account (default: the actor).
    pub signer: Option<String>,
    /// The signer's password, entered again for this signature.
    pub password: String,
    pub comment: String,
}

/// A signature with whether it still holds.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    #[serde(flatten)]
    pub signature: Signature,
    /// The meaning in words.
    pub statement: String,
    /// The content is still exactly what was signed.
    pub valid: bool,
    /// Why not, when not.
    pub note: String,
}

impl App {
    /// The target's kind and name as stored, and its content hash now.
    fn sign_target(&mut self, t: &SignTarget) -> Result<(String, String, String, String)> {
        match t {
            SignTarget::Item(k) => {
                let item = self.item(k)?;
                Ok((
                    "item".into(),
                    k.to_string(),
                    k.prefix.clone(),
                    Frozen::of(&item).hash(),
                ))
            }
            SignTarget::Baseline { product, name } => {
                let (b, _) = self.baseline(product.as_deref(), name)?;
                Ok((
                    "baseline".into(),
                    format!("{}/{}", b.product, b.name),
                    b.product,
                    b.hash,
                ))
            }
        }
    }

    /// Sign an item or a baseline with a meaning.
    pub fn sign(&mut self, req: &SignRequest) -> Result<SignatureView> {
        self.require_init()?;
        let (kind, target, product, content_hash) = self.sign_target(&req.target)?;
        self.need(&product, Role::Stakeholder, "sign records")?;
        let handle = match (self.access(), &req.signer) {
            (Some(a), Some(s)) if !s.trim().eq_ignore_ascii_case(&a.user) => {
                return Err(AppError::Forbidden(format!(
                    "you are signed in as {}: you can sign only as yourself",
                    a.user
                )));
            }
            (Some(a), _) => a.user.clone(),
            (None, Some(s)) => s.trim().to_ascii_lowercase(),
            (None, None) => self.actor().to_ascii_lowercase(),
        };
        let comment = req.comment.trim().to_string();
        if comment.chars().count() > 500 {
            return invalid("the comment is longer than 500 characters");
        }
        let rec = self.check_password(&handle, &req.password)?;
        let now = self.now();
        let printed_name = if rec.user.name.trim().is_empty() {
            rec.user.handle.clone()
        } else {
            rec.user.name.clone()
        };
        let meaning = req.meaning;
        let sig = self.tx(|tx| {
            let number = tx.store.next_signature_number()?;
            let mut s = Signature {
                id: format!("S-{number}"),
                target_kind: kind.clone(),
                target: target.clone(),
                content_hash: content_hash.clone(),
                meaning,
                signer: handle.clone(),
                printed_name: printed_name.clone(),
                signed_at: now,
                comment: comment.clone(),
                hash: String::new(),
            };
            s.hash = s.compute_hash();
            tx.store.insert_signature(&product, &s)?;
            tx.audit(
                "signature.add",
                &target,
                None,
                &[
                    Change::new("signature", (), &s.id),
                    Change::new("meaning", (), meaning.as_str()),
                    Change::new("signer", (), &s.signer),
                    Change::new("printed name", (), &s.printed_name),
                    Change::new("content hash", (), &s.content_hash),
                    Change::new("hash", (), &s.hash),
                ],
                Some(comment.as_str()).filter(|c| !c.is_empty()),
            )?;
            Ok(s)
        })?;
        Ok(SignatureView {
            statement: sig.meaning.statement().to_string(),
            signature: sig,
            valid: true,
            note: String::new(),
        })
    }

    /// The signatures of an item or a baseline, each marked valid while
    /// the content is still what was signed.
    pub fn signatures(&mut self, t: &SignTarget) -> Result<Vec<SignatureView>> {
        self.require_init()?;
        let (kind, target, _, now_hash) = self.sign_target(t)?;
        Ok(self
            .store
            .signatures_of(&kind, &target)?
            .into_iter()
            .map(|s| {
                let valid = s.content_hash == now_hash && s.compute_hash() == s.hash;
                SignatureView {
                    statement: s.meaning.statement().to_string(),
                    note: if valid {
                        String::new()
                    } else if s.compute_hash() != s.hash {
                        "invalid: the signature record was altered".into()
                    } else {
                        format!("invalid: {target} changed after it was signed")
                    },
                    valid,
                    signature: s,
                }
            })
            .collect())
    }

    /// Check every signature against its own hash, its audit entry, and
    /// (for items) the audit trail: content that changed after signing
    /// with no audited change was altered outside Cairn. Returns what is
    /// wrong, and how many signatures were checked.
    pub(crate) fn verify_signatures(&mut self) -> Result<(u64, Vec<String>)> {
        let mut problems = Vec::new();
        let all = self.store.all_signatures()?;
        for (_, s) in &all {
            if s.compute_hash() != s.hash {
                problems.push(format!(
                    "{} on {}: its fields do not match its hash; the signature record was altered outside Cairn",
                    s.id, s.target
                ));
                continue;
            }
            let entries = self.store.audit_for(&s.target)?;
            let field = |e: &cairn_core::AuditEntry, name: &str| -> Option<String> {
                let v: serde_json::Value = serde_json::from_str(&e.changes).ok()?;
                v.as_array()?
                    .iter()
                    .find(|c| c["field"] == name)
                    .and_then(|c| c["new"].as_str().map(str::to_string))
            };
            let Some(signed) = entries.iter().find(|e| {
                e.action == "signature.add"
                    && field(e, "signature").as_deref() == Some(s.id.as_str())
            }) else {
                problems.push(format!(
                    "{} on {}: no audit entry records it; it was added outside Cairn",
                    s.id, s.target
                ));
                continue;
            };
            if field(signed, "hash").as_deref() != Some(s.hash.as_str()) {
                problems.push(format!(
                    "{} on {}: it differs from what the audit trail recorded when it was made (entry #{})",
                    s.id, s.target, signed.seq
                ));
                continue;
            }
            if s.target_kind == "item"
                && let Ok(key) = s.target.parse::<ItemKey>()
                && let Some(item) = self.store.item(&key)?
                && Frozen::of(&item).hash() != s.content_hash
            {
                let audited = entries.iter().any(|e| {
                    e.seq > signed.seq
                        && matches!(
                            e.action.as_str(),
                            "item.update" | "item.state" | "item.create"
                        )
                });
                if !audited {
                    problems.push(format!(
                        "{key} changed after {} signed it, but the audit trail records no change: the item was altered outside Cairn",
                        s.id
                    ));
                }
            }
        }
        Ok((all.len() as u64, problems))
    }
}

/// The meaning named on a command line or in a request.
pub fn meaning(s: &str) -> Result<Meaning> {
    Meaning::parse(s).ok_or_else(|| {
        AppError::Invalid(format!(
            "`{s}` is not a meaning of signing; use {}",
            Meaning::ALL.map(|m| m.as_str()).join(", ")
        ))
    })
}
