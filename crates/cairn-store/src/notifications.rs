//! Watchers of items and the in-app notifications of users.

use crate::StoreError;
use crate::store::{Store, int, text};
use crate::value::Value;
use cairn_core::{ItemKey, Millis, Notification};

impl Store {
    fn item_row(&mut self, key: &str) -> Result<i64, StoreError> {
        let rows = self
            .b
            .query("SELECT id FROM items WHERE key = ?", &[key.into()])?;
        rows.first()
            .map(|r| int(&r[0], "item id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(key.to_string()))
    }

    /// Add a watcher; false when they already watch the item.
    pub fn watch(&mut self, key: &ItemKey, handle: &str, at: Millis) -> Result<bool, StoreError> {
        let id = self.item_row(&key.to_string())?;
        let n = self.b.execute(
            "INSERT INTO watchers (item_id, handle, since) SELECT ?, ?, ? WHERE NOT EXISTS \
             (SELECT 1 FROM watchers WHERE item_id = ? AND handle = ?)",
            &[
                Value::Int(id),
                handle.into(),
                Value::Int(at),
                Value::Int(id),
                handle.into(),
            ],
        )?;
        Ok(n > 0)
    }

    pub fn unwatch(&mut self, key: &ItemKey, handle: &str) -> Result<bool, StoreError> {
        let id = self.item_row(&key.to_string())?;
        let n = self.b.execute(
            "DELETE FROM watchers WHERE item_id = ? AND handle = ?",
            &[Value::Int(id), handle.into()],
        )?;
        Ok(n > 0)
    }

    /// Who watches an item, by handle.
    pub fn watchers(&mut self, key: &ItemKey) -> Result<Vec<String>, StoreError> {
        let rows = self.b.query(
            "SELECT w.handle FROM watchers w JOIN items i ON i.id = w.item_id WHERE i.key = ? ORDER BY w.handle",
            &[key.to_string().into()],
        )?;
        rows.iter().map(|r| text(&r[0], "handle")).collect()
    }

    /// Every watcher, for the dump: (item, handle, since).
    pub fn all_watchers(&mut self) -> Result<Vec<(String, String, Millis)>, StoreError> {
        let rows = self.b.query(
            "SELECT i.key, w.handle, w.since FROM watchers w JOIN items i ON i.id = w.item_id \
             JOIN products p ON p.id = i.product_id ORDER BY p.prefix, i.number, w.handle",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    text(&r[0], "key")?,
                    text(&r[1], "handle")?,
                    int(&r[2], "since")?,
                ))
            })
            .collect()
    }

    pub fn add_notification(&mut self, n: &Notification) -> Result<(), StoreError> {
        let id = self.item_row(&n.item)?;
        self.b.execute(
            "INSERT INTO notifications (handle, at, reason, item_id, actor, summary, read_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                n.handle.as_str().into(),
                Value::Int(n.at),
                n.reason.as_str().into(),
                Value::Int(id),
                n.actor.as_str().into(),
                n.summary.as_str().into(),
                n.read_at.map_or(Value::Null, Value::Int),
            ],
        )?;
        Ok(())
    }

    /// A user's notifications, newest first (every user's when `handle`
    /// is `None`, oldest first, for the dump).
    pub fn notifications(
        &mut self,
        handle: Option<&str>,
        unread_only: bool,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut sql =
            "SELECT n.id, n.handle, n.at, n.reason, i.key, n.actor, n.summary, n.read_at \
             FROM notifications n JOIN items i ON i.id = n.item_id WHERE 1 = 1"
                .to_string();
        let mut params = Vec::new();
        if let Some(h) = handle {
            sql.push_str(" AND n.handle = ?");
            params.push(h.into());
        }
        if unread_only {
            sql.push_str(" AND n.read_at IS NULL");
        }
        sql.push_str(if handle.is_some() {
            " ORDER BY n.id DESC"
        } else {
            " ORDER BY n.id"
        });
        let rows = self.b.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    id: int(&r[0], "id")?,
                    handle: text(&r[1], "handle")?,
                    at: int(&r[2], "at")?,
                    reason: text(&r[3], "reason")?,
                    item: text(&r[4], "key")?,
                    actor: text(&r[5], "actor")?,
                    summary: text(&r[6], "summary")?,
                    read_at: r[7].as_i64(),
                })
            })
            .collect()
    }

    /// Mark a user's notifications read (the ones named, or all).
    pub fn mark_read(
        &mut self,
        handle: &str,
        ids: Option<&[i64]>,
        at: Millis,
    ) -> Result<u64, StoreError> {
        match ids {
            None => self.b.execute(
                "UPDATE notifications SET read_at = ? WHERE handle = ? AND read_at IS NULL",
                &[Value::Int(at), handle.into()],
            ),
            Some(ids) => {
                let mut n = 0;
                for id in ids {
                    n += self.b.execute(
                        "UPDATE notifications SET read_at = ? WHERE handle = ? AND id = ? AND read_at IS NULL",
                        &[Value::Int(at), handle.into(), Value::Int(*id)],
                    )?;
                }
                Ok(n)
            }
        }
    }
}
