//! Electronic signatures.

use crate::StoreError;
use crate::store::{Store, int, text};
use crate::value::{Row, Value};
use cairn_core::signature::{Meaning, Signature};

const COLUMNS: &str = "s.number, s.target_kind, s.target, s.content_hash, s.meaning, s.signer, \
     s.printed_name, s.signed_at, s.comment, s.hash";

fn signature(r: &Row) -> Result<Signature, StoreError> {
    let meaning = text(&r[4], "meaning")?;
    Ok(Signature {
        id: format!("S-{}", int(&r[0], "number")?),
        target_kind: text(&r[1], "target kind")?,
        target: text(&r[2], "target")?,
        content_hash: text(&r[3], "content hash")?,
        meaning: Meaning::parse(&meaning)
            .ok_or_else(|| crate::store::corrupt("signature meaning"))?,
        signer: text(&r[5], "signer")?,
        printed_name: text(&r[6], "printed name")?,
        signed_at: int(&r[7], "signed at")?,
        comment: text(&r[8], "comment")?,
        hash: text(&r[9], "hash")?,
    })
}

impl Store {
    /// The number the next signature gets (`S-n`).
    pub fn next_signature_number(&mut self) -> Result<i64, StoreError> {
        self.next_number("signatures")
    }

    pub fn insert_signature(&mut self, product: &str, s: &Signature) -> Result<(), StoreError> {
        let pid = self.product_row_id(product)?;
        let number: i64 =
            s.id.strip_prefix("S-")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| crate::store::corrupt("signature id"))?;
        self.b.execute(
            "INSERT INTO signatures (number, product_id, target_kind, target, content_hash, meaning, \
             signer, printed_name, signed_at, comment, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(number),
                Value::Int(pid),
                (&s.target_kind).into(),
                (&s.target).into(),
                (&s.content_hash).into(),
                s.meaning.as_str().into(),
                (&s.signer).into(),
                (&s.printed_name).into(),
                Value::Int(s.signed_at),
                (&s.comment).into(),
                (&s.hash).into(),
            ],
        )?;
        Ok(())
    }

    /// Signatures of one target, oldest first.
    pub fn signatures_of(
        &mut self,
        kind: &str,
        target: &str,
    ) -> Result<Vec<Signature>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {COLUMNS} FROM signatures s WHERE s.target_kind = ? AND s.target = ? ORDER BY s.number"
            ),
            &[kind.into(), target.into()],
        )?;
        rows.iter().map(signature).collect()
    }

    /// Every signature, oldest first: (product, signature).
    pub fn all_signatures(&mut self) -> Result<Vec<(String, Signature)>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {COLUMNS}, p.prefix FROM signatures s JOIN products p ON p.id = s.product_id ORDER BY s.number"
            ),
            &[],
        )?;
        rows.iter()
            .map(|r| Ok((text(&r[10], "product")?, signature(r)?)))
            .collect()
    }
}
