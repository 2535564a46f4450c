//! Reads that only stakeholder reports need: goal progress rolled up
//! through the hierarchy, deleted items from the audit trail, and the
//! snapshots each recorded report leaves for the next.

use crate::StoreError;
use crate::store::{Store, int, text};
use crate::value::Value;

/// Items under a goal (linked directly, or below a linked item), counted
/// per product, kind and state.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalRollupRow {
    pub goal: String,
    pub product: String,
    pub kind: String,
    pub category: String,
    pub state: String,
    pub items: u64,
    /// Items with an estimate, and the sum of those estimates.
    pub estimated: u64,
    pub points: f64,
}

/// A recorded report: its day and what it said (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub day: String,
    pub created: i64,
    pub actor: String,
    pub data: String,
}

impl Store {
    /// Every goal's items, with each linked item's descendants, grouped.
    /// An item under a goal by two paths counts once.
    pub fn goal_rollup(&mut self) -> Result<Vec<GoalRollupRow>, StoreError> {
        let rows = self.b.query(
            "WITH RECURSIVE tree(goal_id, item_id) AS ( \
               SELECT goal_id, item_id FROM goal_items \
               UNION \
               SELECT t.goal_id, c.id FROM tree t JOIN items c ON c.parent_id = t.item_id \
             ) \
             SELECT g.name, p.prefix, i.kind, i.category, i.state, COUNT(*), COUNT(i.estimate), \
                    SUM(COALESCE(i.estimate, 0.0)) \
             FROM tree t JOIN items i ON i.id = t.item_id JOIN goals g ON g.id = t.goal_id \
               JOIN products p ON p.id = i.product_id \
             GROUP BY g.name, p.prefix, i.kind, i.category, i.state \
             ORDER BY g.name, p.prefix, i.kind, i.category, i.state",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(GoalRollupRow {
                    goal: text(&r[0], "goal")?,
                    product: text(&r[1], "product")?,
                    kind: text(&r[2], "kind")?,
                    category: text(&r[3], "category")?,
                    state: text(&r[4], "state")?,
                    items: u64::try_from(int(&r[5], "count")?).unwrap_or(0),
                    estimated: u64::try_from(int(&r[6], "count")?).unwrap_or(0),
                    points: r[7].as_f64().unwrap_or(0.0),
                })
            })
            .collect()
    }

    /// Items of `product` deleted at or after `since` (ms): key, when, and
    /// the title recorded in the audit trail when there is one.
    pub fn deleted_since(
        &mut self,
        product: &str,
        since: i64,
    ) -> Result<Vec<(String, i64, String)>, StoreError> {
        let rows = self.b.query(
            "SELECT target, at, changes FROM audit \
             WHERE action = 'item.delete' AND at >= ? AND target LIKE ? ORDER BY seq",
            &[Value::Int(since), format!("{product}-%").into()],
        )?;
        rows.iter()
            .map(|r| {
                let changes = text(&r[2], "changes")?;
                Ok((
                    text(&r[0], "target")?,
                    int(&r[1], "at")?,
                    title_in(&changes).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Kind and title of every item that is the parent of an item in
    /// `product`, in one read (the forecast groups work by epic).
    pub fn parents_of_product(
        &mut self,
        product: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = self.b.query(
            "SELECT p.key, p.kind, p.title FROM items p WHERE p.id IN ( \
               SELECT c.parent_id FROM items c \
               WHERE c.product_id = (SELECT id FROM products WHERE prefix = ?) \
                 AND c.parent_id IS NOT NULL)",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    text(&r[0], "key")?,
                    text(&r[1], "kind")?,
                    text(&r[2], "title")?,
                ))
            })
            .collect()
    }

    /// Record a report's snapshot, replacing one of the same day.
    pub fn save_snapshot(
        &mut self,
        product: &str,
        kind: &str,
        s: &Snapshot,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM report_snapshots WHERE kind = ? AND day = ? \
             AND product_id = (SELECT id FROM products WHERE prefix = ?)",
            &[kind.into(), s.day.as_str().into(), product.into()],
        )?;
        let n = self.b.execute(
            "INSERT INTO report_snapshots (product_id, kind, day, created, actor, data) \
             SELECT id, ?, ?, ?, ?, ? FROM products WHERE prefix = ?",
            &[
                kind.into(),
                s.day.as_str().into(),
                Value::Int(s.created),
                s.actor.as_str().into(),
                s.data.as_str().into(),
                product.into(),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("product {product}")));
        }
        Ok(())
    }

    /// The latest snapshot of `kind` recorded before `day` (YYYY-MM-DD).
    pub fn snapshot_before(
        &mut self,
        product: &str,
        kind: &str,
        day: &str,
    ) -> Result<Option<Snapshot>, StoreError> {
        let rows = self.b.query(
            "SELECT s.day, s.created, s.actor, s.data FROM report_snapshots s \
             JOIN products p ON p.id = s.product_id \
             WHERE p.prefix = ? AND s.kind = ? AND s.day < ? ORDER BY s.day DESC LIMIT 1",
            &[product.into(), kind.into(), day.into()],
        )?;
        rows.first()
            .map(|r| {
                Ok(Snapshot {
                    day: text(&r[0], "day")?,
                    created: int(&r[1], "created")?,
                    actor: text(&r[2], "actor")?,
                    data: text(&r[3], "data")?,
                })
            })
            .transpose()
    }
}

/// The `title` an audit entry's changes recorded as the old value.
fn title_in(changes: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(changes).ok()?;
    v.as_array()?.iter().find_map(|c| {
        (c.get("field")?.as_str()? == "title").then(|| {
            c.get("old")
                .and_then(|o| o.as_str())
                .or_else(|| c.get("new").and_then(|n| n.as_str()))
                .unwrap_or_default()
                .to_string()
        })
    })
}

impl Store {
    /// Every recorded report snapshot: (product, kind, snapshot), in byte
    /// order of product, kind and day (for the dump).
    pub fn all_snapshots(&mut self) -> Result<Vec<(String, String, Snapshot)>, StoreError> {
        let rows = self.b.query(
            "SELECT p.prefix, s.kind, s.day, s.created, s.actor, s.data FROM report_snapshots s \
             JOIN products p ON p.id = s.product_id",
            &[],
        )?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok((
                    text(&r[0], "product")?,
                    text(&r[1], "kind")?,
                    Snapshot {
                        day: text(&r[2], "day")?,
                        created: int(&r[3], "created")?,
                        actor: text(&r[4], "actor")?,
                        data: text(&r[5], "data")?,
                    },
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (&a.0, &a.1, &a.2.day).cmp(&(&b.0, &b.1, &b.2.day)));
        Ok(out)
    }
}
