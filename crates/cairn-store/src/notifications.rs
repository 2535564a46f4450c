//! Watchers of items and the in-app notifications of users.

use crate::StoreError;
use crate::store::{Store, int, text};
use crate::value::Value;
use cairn_core::notify::NotifySetting;
use cairn_core::{ItemKey, Millis, Notification};

/// After this long a mail marked `sending` is taken to have been lost.
const STALE_SEND: Millis = 10 * 60 * 1000;

const NOTE_COLUMNS: &str = "n.id, n.handle, n.at, n.reason, i.key, n.actor, n.summary, n.read_at, \
     n.inbox, n.mail, n.mail_error";

fn note_row(r: &[Value]) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: int(&r[0], "id")?,
        handle: text(&r[1], "handle")?,
        at: int(&r[2], "at")?,
        reason: text(&r[3], "reason")?,
        item: text(&r[4], "key")?,
        actor: text(&r[5], "actor")?,
        summary: text(&r[6], "summary")?,
        read_at: r[7].as_i64(),
        inbox: r[8].as_i64() != Some(0),
        mail: r[9].as_str().map(str::to_string),
        mail_error: r[10].as_str().map(str::to_string),
    })
}

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
            "INSERT INTO notifications (handle, at, reason, item_id, actor, summary, read_at, \
             inbox, mail, mail_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                n.handle.as_str().into(),
                Value::Int(n.at),
                n.reason.as_str().into(),
                Value::Int(id),
                n.actor.as_str().into(),
                n.summary.as_str().into(),
                n.read_at.map_or(Value::Null, Value::Int),
                Value::Int(i64::from(n.inbox)),
                n.mail.as_deref().map_or(Value::Null, Into::into),
                n.mail_error.as_deref().map_or(Value::Null, Into::into),
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
        let mut sql = format!(
            "SELECT {NOTE_COLUMNS} FROM notifications n JOIN items i ON i.id = n.item_id WHERE 1 = 1"
        );
        let mut params = Vec::new();
        if let Some(h) = handle {
            sql.push_str(" AND n.handle = ? AND n.inbox = 1");
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
        rows.iter().map(|r| note_row(r)).collect()
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

    /// A user's stored notification settings (reasons they changed).
    pub fn notify_settings(&mut self, handle: &str) -> Result<Vec<NotifySetting>, StoreError> {
        let rows = self.b.query(
            "SELECT reason, inbox, email FROM notify_settings WHERE handle = ? ORDER BY reason",
            &[handle.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(NotifySetting {
                    reason: text(&r[0], "reason")?,
                    inbox: int(&r[1], "inbox")? != 0,
                    email: int(&r[2], "email")? != 0,
                })
            })
            .collect()
    }

    /// Every user's stored settings, for the dump: (handle, setting).
    pub fn all_notify_settings(&mut self) -> Result<Vec<(String, NotifySetting)>, StoreError> {
        let rows = self.b.query(
            "SELECT handle, reason, inbox, email FROM notify_settings ORDER BY handle, reason",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    text(&r[0], "handle")?,
                    NotifySetting {
                        reason: text(&r[1], "reason")?,
                        inbox: int(&r[2], "inbox")? != 0,
                        email: int(&r[3], "email")? != 0,
                    },
                ))
            })
            .collect()
    }

    pub fn set_notify_setting(
        &mut self,
        handle: &str,
        s: &NotifySetting,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM notify_settings WHERE handle = ? AND reason = ?",
            &[handle.into(), s.reason.as_str().into()],
        )?;
        self.b.execute(
            "INSERT INTO notify_settings (handle, reason, inbox, email) VALUES (?, ?, ?, ?)",
            &[
                handle.into(),
                s.reason.as_str().into(),
                Value::Int(i64::from(s.inbox)),
                Value::Int(i64::from(s.email)),
            ],
        )?;
        Ok(())
    }

    /// Notifications whose mail is due by `now`, oldest first, with how
    /// many times each was tried.
    pub fn mail_due(
        &mut self,
        now: Millis,
        limit: u32,
    ) -> Result<Vec<(Notification, i64)>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {NOTE_COLUMNS}, n.mail_tries FROM notifications n JOIN items i ON i.id = n.item_id \
                 WHERE (n.mail = 'pending' AND (n.mail_next IS NULL OR n.mail_next <= ?)) \
                 OR (n.mail = 'sending' AND n.mail_next <= ?) ORDER BY n.id LIMIT {limit}"
            ),
            &[Value::Int(now), Value::Int(now - STALE_SEND)],
        )?;
        rows.iter()
            .map(|r| Ok((note_row(r)?, int(&r[11], "mail_tries")?)))
            .collect()
    }

    /// How many mails wait to be sent.
    pub fn mail_pending(&mut self) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "SELECT COUNT(*) FROM notifications WHERE mail IN ('pending', 'sending')",
            &[],
        )?;
        rows.first().map_or(Ok(0), |r| int(&r[0], "count"))
    }

    /// Take a pending mail for sending; false when another sender has it.
    /// A send that never reported back (its process died) is taken again
    /// after ten minutes.
    pub fn claim_mail(&mut self, id: i64, now: Millis) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "UPDATE notifications SET mail = 'sending', mail_next = ? WHERE id = ? \
             AND (mail = 'pending' OR (mail = 'sending' AND mail_next <= ?))",
            &[
                Value::Int(now),
                Value::Int(id),
                Value::Int(now - STALE_SEND),
            ],
        )?;
        Ok(n == 1)
    }

    /// Record how a send went: `state` is sent, pending (to retry at
    /// `next`) or failed.
    pub fn mail_result(
        &mut self,
        id: i64,
        state: &str,
        tries: i64,
        next: Option<Millis>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE notifications SET mail = ?, mail_tries = ?, mail_next = ?, mail_error = ? WHERE id = ?",
            &[
                state.into(),
                Value::Int(tries),
                next.map_or(Value::Null, Value::Int),
                error.map_or(Value::Null, Into::into),
                Value::Int(id),
            ],
        )?;
        Ok(())
    }
}
