//! Customer feedback, customers, feedback ↔ item links, who has been told,
//! and the full-text candidates for matching feedback to items.

use crate::StoreError;
use crate::backend::Dialect;
use crate::store::{Store, corrupt, int, text};
use crate::value::{Row, Value};
use cairn_core::feedback::feedback_number;
use cairn_core::{Customer, Feedback, Importance, Millis};
use std::collections::HashMap;

const COLUMNS: &str = "f.id, f.number, p.prefix, f.body, f.source, f.source_id, c.name, c.segment, \
     c.revenue, f.requester, f.received, f.importance, m.number, f.created, f.updated, f.version";
const FROM: &str = "feedback f JOIN products p ON p.id = f.product_id \
     LEFT JOIN customers c ON c.id = f.customer_id LEFT JOIN feedback m ON m.id = f.merged_into";

/// Which feedback to list.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    pub product: Option<String>,
    /// Only feedback linked to no item (and not merged into another).
    pub unlinked: bool,
    /// Feedback received on or after this day (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// Include records merged into others (default: only the records
    /// that stand for themselves).
    pub merged: bool,
}

/// One request for an item, as demand reads it: the item, and the
/// feedback itself or a duplicate merged into it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteRow {
    pub item: String,
    pub feedback: String,
    pub customer: Option<String>,
    pub revenue: Option<f64>,
    pub segment: Option<String>,
    pub requester: Option<String>,
    pub importance: Importance,
    pub received: String,
}

/// A feedback record told that an item shipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Told {
    pub feedback: String,
    pub item: String,
    pub at: Millis,
    pub by: String,
}

/// An item that may match a text, as the full-text index ranked it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: String,
    pub title: String,
    pub description: String,
    pub state: String,
    pub category: String,
}

fn opt_text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn row_feedback(r: &Row) -> Result<(i64, Feedback), StoreError> {
    let customer = opt_text(&r[6]).map(|name| Customer {
        name,
        segment: opt_text(&r[7]),
        revenue: r[8].as_f64(),
    });
    let imp = text(&r[11], "importance")?;
    Ok((
        int(&r[0], "feedback id")?,
        Feedback {
            id: format!("F-{}", int(&r[1], "number")?),
            product: text(&r[2], "product")?,
            text: text(&r[3], "feedback text")?,
            source: text(&r[4], "source")?,
            source_id: opt_text(&r[5]),
            customer,
            requester: opt_text(&r[9]),
            received: text(&r[10], "received")?,
            importance: Importance::parse(&imp).ok_or_else(|| corrupt("importance"))?,
            merged_into: r[12].as_i64().map(|n| format!("F-{n}")),
            items: Vec::new(),
            created: int(&r[13], "created")?,
            updated: int(&r[14], "updated")?,
            version: int(&r[15], "version")?,
        },
    ))
}

/// A customer from `name, segment, revenue`.
fn customer_row(r: &Row) -> Result<Customer, StoreError> {
    Ok(Customer {
        name: text(&r[0], "customer")?,
        segment: opt_text(&r[1]),
        revenue: r[2].as_f64(),
    })
}

/// How customers are matched: case and surrounding spaces do not count.
pub fn customer_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Store {
    // ---- customers ------------------------------------------------------

    pub fn customer(&mut self, name: &str) -> Result<Option<Customer>, StoreError> {
        let rows = self.b.query(
            "SELECT name, segment, revenue FROM customers WHERE name_key = ?",
            &[customer_key(name).into()],
        )?;
        rows.first().map(customer_row).transpose()
    }

    pub fn customers(&mut self) -> Result<Vec<Customer>, StoreError> {
        let rows = self.b.query(
            "SELECT name, segment, revenue FROM customers ORDER BY name_key",
            &[],
        )?;
        rows.iter().map(customer_row).collect()
    }

    /// Store a customer, or replace the segment and revenue of the one
    /// with the same name.
    pub fn put_customer(&mut self, c: &Customer) -> Result<(), StoreError> {
        let params = [
            c.segment.clone().into(),
            c.revenue.map_or(Value::Null, Value::Real),
            customer_key(&c.name).into(),
        ];
        let n = self.b.execute(
            "UPDATE customers SET segment = ?, revenue = ? WHERE name_key = ?",
            &params,
        )?;
        if n == 0 {
            self.b.execute(
                "INSERT INTO customers (segment, revenue, name_key, name) VALUES (?, ?, ?, ?)",
                &[
                    params[0].clone(),
                    params[1].clone(),
                    params[2].clone(),
                    c.name.trim().into(),
                ],
            )?;
        }
        Ok(())
    }

    // ---- feedback -------------------------------------------------------

    fn customer_row(&mut self, c: &Option<Customer>) -> Result<Value, StoreError> {
        let Some(c) = c else { return Ok(Value::Null) };
        let rows = self.b.query(
            "SELECT id FROM customers WHERE name_key = ?",
            &[customer_key(&c.name).into()],
        )?;
        match rows.first() {
            Some(r) => Ok(Value::Int(int(&r[0], "customer id")?)),
            None => Err(StoreError::NotFound(format!("customer {}", c.name))),
        }
    }

    fn feedback_row_id(&mut self, id: &str) -> Result<i64, StoreError> {
        let n = feedback_number(id).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let rows = self
            .b
            .query("SELECT id FROM feedback WHERE number = ?", &[Value::Int(n)])?;
        rows.first()
            .map(|r| int(&r[0], "feedback id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// Store new feedback (its customer must exist); its `id` is assigned
    /// here (`F-n`) unless it already has one (a dump being loaded).
    pub fn insert_feedback(&mut self, f: &mut Feedback) -> Result<(), StoreError> {
        let number = match feedback_number(&f.id) {
            Some(n) if !f.id.is_empty() => n,
            _ => self.next_number("feedback")?,
        };
        let pid = self.product_row_id(&f.product)?;
        let cid = self.customer_row(&f.customer)?;
        let merged = match &f.merged_into {
            Some(m) => Value::Int(self.feedback_row_id(m)?),
            None => Value::Null,
        };
        self.b.execute(
            "INSERT INTO feedback (number, product_id, body, source, source_id, customer_id, requester, \
             received, importance, merged_into, created, updated, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(number),
                Value::Int(pid),
                (&f.text).into(),
                (&f.source).into(),
                f.source_id.clone().into(),
                cid,
                f.requester.clone().into(),
                (&f.received).into(),
                f.importance.as_str().into(),
                merged,
                Value::Int(f.created),
                Value::Int(f.updated),
                Value::Int(f.version.max(1)),
            ],
        )?;
        f.id = format!("F-{number}");
        f.version = f.version.max(1);
        Ok(())
    }

    /// Write changed feedback; refused when it is no longer at `f.version`.
    pub fn update_feedback(&mut self, f: &Feedback) -> Result<(), StoreError> {
        let number = feedback_number(&f.id).ok_or_else(|| StoreError::NotFound(f.id.clone()))?;
        let cid = self.customer_row(&f.customer)?;
        let merged = match &f.merged_into {
            Some(m) => Value::Int(self.feedback_row_id(m)?),
            None => Value::Null,
        };
        let n = self.b.execute(
            "UPDATE feedback SET body = ?, source = ?, source_id = ?, customer_id = ?, requester = ?, \
             received = ?, importance = ?, merged_into = ?, updated = ?, version = version + 1 \
             WHERE number = ? AND version = ?",
            &[
                (&f.text).into(),
                (&f.source).into(),
                f.source_id.clone().into(),
                cid,
                f.requester.clone().into(),
                (&f.received).into(),
                f.importance.as_str().into(),
                merged,
                Value::Int(f.updated),
                Value::Int(number),
                Value::Int(f.version),
            ],
        )?;
        if n == 0 {
            return match self.feedback(&f.id)? {
                Some(now) => Err(StoreError::Conflict {
                    key: f.id.clone(),
                    expected: f.version,
                    current: now.version,
                }),
                None => Err(StoreError::NotFound(f.id.clone())),
            };
        }
        Ok(())
    }

    /// Attach the linked item keys to feedback rows (by row id).
    fn with_items(&mut self, rows: Vec<(i64, Feedback)>) -> Result<Vec<Feedback>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut keys: HashMap<i64, Vec<String>> = HashMap::new();
        let sql = if rows.len() == 1 {
            "SELECT fi.feedback_id, i.key FROM feedback_items fi JOIN items i ON i.id = fi.item_id \
             WHERE fi.feedback_id = ? ORDER BY i.product_id, i.number"
        } else {
            "SELECT fi.feedback_id, i.key FROM feedback_items fi JOIN items i ON i.id = fi.item_id \
             ORDER BY i.product_id, i.number"
        };
        let params = if rows.len() == 1 {
            vec![Value::Int(rows[0].0)]
        } else {
            vec![]
        };
        for r in self.b.query(sql, &params)? {
            keys.entry(int(&r[0], "feedback id")?)
                .or_default()
                .push(text(&r[1], "key")?);
        }
        Ok(rows
            .into_iter()
            .map(|(id, mut f)| {
                f.items = keys.remove(&id).unwrap_or_default();
                f
            })
            .collect())
    }

    pub fn feedback(&mut self, id: &str) -> Result<Option<Feedback>, StoreError> {
        let Some(n) = feedback_number(id) else {
            return Ok(None);
        };
        let rows = self.b.query(
            &format!("SELECT {COLUMNS} FROM {FROM} WHERE f.number = ?"),
            &[Value::Int(n)],
        )?;
        let rows = rows
            .iter()
            .map(row_feedback)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.with_items(rows)?.pop())
    }

    /// The feedback a source record became, if it was imported before.
    pub fn feedback_by_source(
        &mut self,
        product: &str,
        source: &str,
        source_id: &str,
    ) -> Result<Option<Feedback>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE p.prefix = ? AND f.source = ? AND f.source_id = ?"
            ),
            &[product.into(), source.into(), source_id.into()],
        )?;
        let rows = rows
            .iter()
            .map(row_feedback)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.with_items(rows)?.pop())
    }

    /// Feedback, newest first (by the day it was given, then number).
    pub fn feedback_list(&mut self, filter: &FeedbackFilter) -> Result<Vec<Feedback>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(p) = &filter.product {
            sql.push_str(" AND p.prefix = ?");
            params.push(p.as_str().into());
        }
        if let Some(s) = &filter.since {
            sql.push_str(" AND f.received >= ?");
            params.push(s.as_str().into());
        }
        if !filter.merged || filter.unlinked {
            sql.push_str(" AND f.merged_into IS NULL");
        }
        if filter.unlinked {
            sql.push_str(
                " AND NOT EXISTS (SELECT 1 FROM feedback_items fi WHERE fi.feedback_id = f.id)",
            );
        }
        sql.push_str(" ORDER BY f.received DESC, f.number DESC");
        let rows = self.b.query(&sql, &params)?;
        let rows = rows
            .iter()
            .map(row_feedback)
            .collect::<Result<Vec<_>, _>>()?;
        self.with_items(rows)
    }

    /// Link feedback to an item; false when it already was.
    pub fn link_feedback(&mut self, id: &str, key: &str, at: Millis) -> Result<bool, StoreError> {
        let fid = self.feedback_row_id(id)?;
        let rows = self
            .b
            .query("SELECT id FROM items WHERE key = ?", &[key.into()])?;
        let iid = rows
            .first()
            .map(|r| int(&r[0], "item id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(key.to_string()))?;
        let exists = self.b.query(
            "SELECT 1 FROM feedback_items WHERE feedback_id = ? AND item_id = ?",
            &[Value::Int(fid), Value::Int(iid)],
        )?;
        if !exists.is_empty() {
            return Ok(false);
        }
        self.b.execute(
            "INSERT INTO feedback_items (feedback_id, item_id, linked) VALUES (?, ?, ?)",
            &[Value::Int(fid), Value::Int(iid), Value::Int(at)],
        )?;
        Ok(true)
    }

    /// Unlink feedback from an item; false when it was not linked.
    pub fn unlink_feedback(&mut self, id: &str, key: &str) -> Result<bool, StoreError> {
        let fid = self.feedback_row_id(id)?;
        let n = self.b.execute(
            "DELETE FROM feedback_items WHERE feedback_id = ? AND item_id = (SELECT id FROM items WHERE key = ?)",
            &[Value::Int(fid), key.into()],
        )?;
        Ok(n > 0)
    }

    /// Every feedback link with when it was made, by feedback id.
    pub fn feedback_links(&mut self) -> Result<HashMap<String, Vec<(String, Millis)>>, StoreError> {
        let rows = self.b.query(
            "SELECT f.number, i.key, fi.linked FROM feedback_items fi JOIN feedback f ON f.id = fi.feedback_id \
             JOIN items i ON i.id = fi.item_id ORDER BY f.number, i.product_id, i.number",
            &[],
        )?;
        let mut out: HashMap<String, Vec<(String, Millis)>> = HashMap::new();
        for r in rows {
            out.entry(format!("F-{}", int(&r[0], "number")?))
                .or_default()
                .push((text(&r[1], "key")?, int(&r[2], "linked")?));
        }
        Ok(out)
    }

    /// Set what a loaded record was merged into, as a dump holds it (no
    /// new version).
    pub fn restore_feedback_merge(&mut self, id: &str, into: &str) -> Result<(), StoreError> {
        let n = feedback_number(id).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let target = self.feedback_row_id(into)?;
        self.b.execute(
            "UPDATE feedback SET merged_into = ? WHERE number = ?",
            &[Value::Int(target), Value::Int(n)],
        )?;
        Ok(())
    }

    /// Every feedback record merged into `id`.
    pub fn merged_into(&mut self, id: &str) -> Result<Vec<String>, StoreError> {
        let fid = self.feedback_row_id(id)?;
        let rows = self.b.query(
            "SELECT number FROM feedback WHERE merged_into = ? ORDER BY number",
            &[Value::Int(fid)],
        )?;
        rows.iter()
            .map(|r| Ok(format!("F-{}", int(&r[0], "number")?)))
            .collect()
    }

    /// Every request for the items of a product (or of every product): each
    /// linked feedback record and each duplicate merged into one.
    pub fn feedback_votes(&mut self, product: Option<&str>) -> Result<Vec<VoteRow>, StoreError> {
        let cols =
            "i.key, f.number, c.name, c.revenue, c.segment, f.requester, f.importance, f.received";
        let filter = if product.is_some() {
            " WHERE p.prefix = ?"
        } else {
            ""
        };
        let from = "FROM feedback_items fi JOIN items i ON i.id = fi.item_id \
                    JOIN products p ON p.id = i.product_id";
        let sql = format!(
            "SELECT {cols} {from} JOIN feedback f ON f.id = fi.feedback_id \
             LEFT JOIN customers c ON c.id = f.customer_id{filter} \
             UNION ALL SELECT {cols} {from} JOIN feedback f ON f.merged_into = fi.feedback_id \
             LEFT JOIN customers c ON c.id = f.customer_id{filter}"
        );
        let params: Vec<Value> = product.map_or_else(Vec::new, |p| vec![p.into(), p.into()]);
        let rows = self.b.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                let imp = text(&r[6], "importance")?;
                Ok(VoteRow {
                    item: text(&r[0], "key")?,
                    feedback: format!("F-{}", int(&r[1], "number")?),
                    customer: opt_text(&r[2]),
                    revenue: r[3].as_f64(),
                    segment: opt_text(&r[4]),
                    requester: opt_text(&r[5]),
                    importance: Importance::parse(&imp).ok_or_else(|| corrupt("importance"))?,
                    received: text(&r[7], "received")?,
                })
            })
            .collect()
    }

    // ---- closing the loop -------------------------------------------------

    /// Record that the people behind a feedback record were told an item
    /// shipped; false when they already had been.
    pub fn mark_told(
        &mut self,
        id: &str,
        key: &str,
        at: Millis,
        by: &str,
    ) -> Result<bool, StoreError> {
        let fid = self.feedback_row_id(id)?;
        let n = self.b.execute(
            "INSERT INTO feedback_told (feedback_id, item_id, told_at, told_by) \
             SELECT ?, i.id, ?, ? FROM items i WHERE i.key = ? AND NOT EXISTS \
             (SELECT 1 FROM feedback_told t WHERE t.feedback_id = ? AND t.item_id = i.id)",
            &[
                Value::Int(fid),
                Value::Int(at),
                by.into(),
                key.into(),
                Value::Int(fid),
            ],
        )?;
        Ok(n > 0)
    }

    /// Who was told about which item (every item when `key` is `None`).
    pub fn told(&mut self, key: Option<&str>) -> Result<Vec<Told>, StoreError> {
        let mut sql = "SELECT f.number, i.key, t.told_at, t.told_by FROM feedback_told t \
             JOIN feedback f ON f.id = t.feedback_id JOIN items i ON i.id = t.item_id"
            .to_string();
        let mut params = Vec::new();
        if let Some(k) = key {
            sql.push_str(" WHERE i.key = ?");
            params.push(k.into());
        }
        sql.push_str(" ORDER BY i.product_id, i.number, f.number");
        let rows = self.b.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                Ok(Told {
                    feedback: format!("F-{}", int(&r[0], "number")?),
                    item: text(&r[1], "key")?,
                    at: int(&r[2], "told at")?,
                    by: text(&r[3], "told by")?,
                })
            })
            .collect()
    }

    // ---- matching ---------------------------------------------------------

    /// The words (of (word, stem) pairs) to match on: those in at most one
    /// item in twenty, or the three rarest when every word is common. A
    /// stem the index does not know (it stems a little differently) counts
    /// as rare.
    fn rare_words(&mut self, words: Vec<(String, String)>) -> Result<Vec<String>, StoreError> {
        let mut params: Vec<Value> = words.iter().map(|(_, s)| s.as_str().into()).collect();
        params.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        params.dedup();
        let marks = vec!["?"; params.len()].join(", ");
        let df: HashMap<String, i64> = self
            .b
            .query(
                &format!("SELECT term, doc FROM items_fts_terms WHERE term IN ({marks})"),
                &params,
            )?
            .iter()
            .map(|r| Ok((text(&r[0], "term")?, int(&r[1], "doc")?)))
            .collect::<Result<_, StoreError>>()?;
        let n = self
            .b
            .query("SELECT MAX(id) FROM items", &[])?
            .first()
            .and_then(|r| r[0].as_i64())
            .unwrap_or(0);
        let cap = (n / 20).max(50);
        let mut scored: Vec<(i64, String)> = words
            .into_iter()
            .map(|(w, s)| (df.get(&s).copied().unwrap_or(0), w))
            .collect();
        scored.sort();
        let rare: Vec<String> = scored
            .iter()
            .filter(|(d, _)| *d <= cap)
            .map(|(_, w)| w.clone())
            .collect();
        Ok(if rare.is_empty() {
            scored.into_iter().take(3).map(|(_, w)| w).collect()
        } else {
            rare
        })
    }

    /// Items of a product sharing words with a text, best first by the
    /// backend's full-text ranking (BM25 on SQLite, `ts_rank` on
    /// PostgreSQL), titles weighing most. `words` are (word, English stem)
    /// pairs; the words are reduced to letters and digits here, so no text
    /// reaches the match syntax. On SQLite, words found in more than one
    /// item in twenty are left out while rarer ones remain (they change the
    /// ranking little and make the match set huge).
    pub fn text_candidates(
        &mut self,
        product: &str,
        words: &[(String, String)],
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let mut clean: Vec<(String, String)> = words
            .iter()
            .flat_map(|(w, stem)| {
                crate::sql::fts_words(w)
                    .into_iter()
                    .map(move |x| (x, stem.to_lowercase()))
            })
            .collect();
        clean.sort();
        clean.dedup_by(|a, b| a.0 == b.0);
        if clean.is_empty() {
            return Ok(Vec::new());
        }
        let limit = Value::Int(limit.min(10_000) as i64);
        let cols = "i.key, i.title, i.description, i.state, i.category";
        let rows = match self.dialect() {
            Dialect::Sqlite => {
                let clean = self.rare_words(clean)?;
                let m: Vec<String> = clean.iter().map(|w| format!("\"{w}\"")).collect();
                self.b.query(
                    &format!(
                        "SELECT {cols} FROM (SELECT rowid AS id, rank AS r FROM items_fts \
                         WHERE items_fts MATCH ? AND rank MATCH 'bm25(4.0, 1.0, 0.5)' ORDER BY rank LIMIT ?) x \
                         JOIN items i ON i.id = x.id JOIN products p ON p.id = i.product_id \
                         WHERE p.prefix = ? ORDER BY x.r, i.id"
                    ),
                    &[m.join(" OR ").into(), limit, product.into()],
                )?
            }
            Dialect::Postgres => {
                let q = clean
                    .iter()
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ");
                self.b.query(
                    &format!(
                        "SELECT {cols} FROM items i JOIN products p ON p.id = i.product_id \
                         WHERE p.prefix = ? AND i.search @@ to_tsquery('english', ?) \
                         ORDER BY ts_rank(i.search, to_tsquery('english', ?)) DESC, i.id LIMIT ?"
                    ),
                    &[product.into(), q.clone().into(), q.into(), limit],
                )?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(Candidate {
                    key: text(&r[0], "key")?,
                    title: text(&r[1], "title")?,
                    description: text(&r[2], "description")?,
                    state: text(&r[3], "state")?,
                    category: text(&r[4], "category")?,
                })
            })
            .collect()
    }
}
