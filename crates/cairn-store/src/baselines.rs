//! Baselines: named, frozen copies of a scope's items.

use crate::StoreError;
use crate::store::{Store, corrupt, int, text};
use crate::value::{Row, Value};

/// A baseline's header.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRow {
    pub id: i64,
    pub product: String,
    pub name: String,
    pub query: String,
    pub description: String,
    pub created: i64,
    pub actor: String,
    pub hash: String,
    pub items: u64,
}

/// What a new baseline is made of.
pub struct NewBaseline<'a> {
    pub product: &'a str,
    pub name: &'a str,
    pub query: &'a str,
    pub description: &'a str,
    pub created: i64,
    pub actor: &'a str,
    pub hash: &'a str,
    /// (item key, content JSON, content hash)
    pub items: &'a [(String, String, String)],
}

const HEADER: &str = "SELECT b.id, p.prefix, b.name, b.query, b.description, b.created, b.actor, b.hash, \
     (SELECT COUNT(*) FROM baseline_items i WHERE i.baseline_id = b.id) \
     FROM baselines b JOIN products p ON p.id = b.product_id";

fn header(r: &Row) -> Result<BaselineRow, StoreError> {
    Ok(BaselineRow {
        id: int(&r[0], "baseline id")?,
        product: text(&r[1], "product")?,
        name: text(&r[2], "name")?,
        query: text(&r[3], "query")?,
        description: text(&r[4], "description")?,
        created: int(&r[5], "created")?,
        actor: text(&r[6], "actor")?,
        hash: text(&r[7], "hash")?,
        items: u64::try_from(int(&r[8], "count")?).unwrap_or(0),
    })
}

impl Store {
    pub fn insert_baseline(&mut self, b: &NewBaseline<'_>) -> Result<(), StoreError> {
        let pid = self.product_row_id(b.product)?;
        let rows = self.b.query(
            "INSERT INTO baselines (product_id, name, query, description, created, actor, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Value::Int(pid),
                b.name.into(),
                b.query.into(),
                b.description.into(),
                Value::Int(b.created),
                b.actor.into(),
                b.hash.into(),
            ],
        )?;
        let id = rows
            .first()
            .map(|r| int(&r[0], "baseline id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id for the new baseline"))?;
        let mut it = b
            .items
            .iter()
            .map(|(k, d, h)| -> Row { vec![Value::Int(id), k.into(), d.into(), h.into()] });
        self.b.bulk_insert(
            "baseline_items",
            &["baseline_id", "item_key", "data", "hash"],
            &mut it,
        )?;
        Ok(())
    }

    /// A product's baselines, oldest first.
    pub fn baselines(&mut self, product: &str) -> Result<Vec<BaselineRow>, StoreError> {
        let rows = self.b.query(
            &format!("{HEADER} WHERE p.prefix = ? ORDER BY b.created, b.id"),
            &[product.into()],
        )?;
        rows.iter().map(header).collect()
    }

    pub fn baseline(
        &mut self,
        product: &str,
        name: &str,
    ) -> Result<Option<BaselineRow>, StoreError> {
        let rows = self.b.query(
            &format!("{HEADER} WHERE p.prefix = ? AND b.name = ?"),
            &[product.into(), name.into()],
        )?;
        rows.first().map(header).transpose()
    }

    /// A baseline's items: (content JSON, content hash).
    pub fn baseline_items(&mut self, id: i64) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.b.query(
            "SELECT data, hash FROM baseline_items WHERE baseline_id = ?",
            &[Value::Int(id)],
        )?;
        rows.iter()
            .map(|r| Ok((text(&r[0], "data")?, text(&r[1], "hash")?)))
            .collect()
    }
}
