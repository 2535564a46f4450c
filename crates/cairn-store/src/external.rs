//! External references: which item (or comment) an issue of another
//! tracker became, so re-imports update rather than duplicate.

use crate::StoreError;
use crate::store::{Store, int, text};
use crate::value::Value;
use cairn_core::ItemKey;

/// One reference, for the dump.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalRef {
    pub system: String,
    pub ext_key: String,
    pub item: String,
    /// 0 for the item itself.
    pub comment_id: i64,
}

impl Store {
    /// Every reference of a system: ext key → (item key, comment id).
    pub fn external_refs(&mut self, system: Option<&str>) -> Result<Vec<ExternalRef>, StoreError> {
        let mut sql = "SELECT r.system, r.ext_key, i.key, r.comment_id FROM external_refs r \
                       JOIN items i ON i.id = r.item_id"
            .to_string();
        let mut params = Vec::new();
        if let Some(s) = system {
            sql.push_str(" WHERE r.system = ?");
            params.push(s.into());
        }
        sql.push_str(" ORDER BY r.system, r.ext_key");
        let rows = self.b.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                Ok(ExternalRef {
                    system: text(&r[0], "system")?,
                    ext_key: text(&r[1], "ext_key")?,
                    item: text(&r[2], "key")?,
                    comment_id: int(&r[3], "comment_id")?,
                })
            })
            .collect()
    }

    pub fn add_external_ref(
        &mut self,
        system: &str,
        ext_key: &str,
        item: &ItemKey,
        comment_id: i64,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "INSERT INTO external_refs (system, ext_key, item_id, comment_id) \
             SELECT ?, ?, id, ? FROM items WHERE key = ?",
            &[
                system.into(),
                ext_key.into(),
                Value::Int(comment_id),
                item.to_string().into(),
            ],
        )?;
        Ok(())
    }

    /// Record many references at once: (system, ext key, item row id,
    /// comment id or 0).
    pub fn add_external_refs(&mut self, refs: &[(&str, &str, i64, i64)]) -> Result<(), StoreError> {
        let mut rows = refs.iter().map(|(system, ext_key, item, comment)| {
            vec![
                (*system).into(),
                (*ext_key).into(),
                Value::Int(*item),
                Value::Int(*comment),
            ]
        });
        self.b.bulk_insert(
            "external_refs",
            &["system", "ext_key", "item_id", "comment_id"],
            &mut rows,
        )?;
        Ok(())
    }

    /// The references of one item, for `cairn item show`.
    pub fn refs_of(&mut self, item: &ItemKey) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.b.query(
            "SELECT r.system, r.ext_key FROM external_refs r JOIN items i ON i.id = r.item_id \
             WHERE i.key = ? AND r.comment_id = 0 ORDER BY r.system, r.ext_key",
            &[item.to_string().into()],
        )?;
        rows.iter()
            .map(|r| Ok((text(&r[0], "system")?, text(&r[1], "ext_key")?)))
            .collect()
    }

    /// Back-date an item to when it was created elsewhere (imports).
    pub fn set_item_created(&mut self, item: &ItemKey, created: i64) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE items SET created = ? WHERE key = ?",
            &[Value::Int(created), item.to_string().into()],
        )?;
        Ok(())
    }
}
