//! Outgoing webhooks and their delivery log (migration 0014).

use crate::StoreError;
use crate::store::{Store, corrupt, int, text};
use crate::value::Value;
use cairn_core::Millis;
use cairn_core::webhook::{Delivery, QueuedBody, QueuedEvent, Webhook, names_event};

/// After this long a delivery marked `sending` is taken to have been lost.
const STALE_SEND: Millis = 10 * 60 * 1000;

const HOOK_COLUMNS: &str = "id, product, url, secret, events, active, created";
/// A delivery's columns, its body from `webhook_payloads` (migration 0018):
/// select them `FROM` [`DELIVERIES`].
const DELIVERY_COLUMNS: &str = "d.id, d.webhook, d.event, p.payload, d.status, d.tries, \
     d.next_try, d.last_status, d.last_error, d.created, d.delivered_at";
const DELIVERIES: &str = "webhook_deliveries d JOIN webhook_payloads p ON p.id = d.payload_id";
/// A body that no delivery and no queued event uses.
const UNUSED_PAYLOAD: &str = "NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
     WHERE d.payload_id = webhook_payloads.id) \
     AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.payload_id = webhook_payloads.id)";

fn hook_row(r: &[Value]) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: int(&r[0], "webhook id")?,
        product: text(&r[1], "webhook product")?,
        url: text(&r[2], "webhook url")?,
        secret: text(&r[3], "webhook secret")?,
        events: text(&r[4], "webhook events")?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
        active: int(&r[5], "webhook active")? != 0,
        created: int(&r[6], "webhook created")?,
    })
}

fn delivery_row(r: &[Value]) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: int(&r[0], "delivery id")?,
        webhook: int(&r[1], "delivery webhook")?,
        event: text(&r[2], "delivery event")?,
        payload: text(&r[3], "delivery payload")?,
        status: text(&r[4], "delivery status")?,
        tries: int(&r[5], "delivery tries")?,
        next_try: r[6].as_i64(),
        last_status: r[7].as_i64(),
        last_error: r[8].as_str().map(str::to_string),
        created: int(&r[9], "delivery created")?,
        delivered_at: r[10].as_i64(),
    })
}

impl Store {
    /// Store a webhook; returns it with its id.
    pub fn insert_webhook(&mut self, w: &Webhook) -> Result<Webhook, StoreError> {
        let rows = self.b.query(
            "INSERT INTO webhooks (product, url, secret, events, active, created) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                w.product.as_str().into(),
                w.url.as_str().into(),
                w.secret.as_str().into(),
                w.events.join(",").into(),
                Value::Int(i64::from(w.active)),
                Value::Int(w.created),
            ],
        )?;
        let id = rows
            .first()
            .map(|r| int(&r[0], "webhook id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new webhook"))?;
        Ok(Webhook { id, ..w.clone() })
    }

    /// Webhooks of one product (or all), oldest first.
    pub fn webhooks(&mut self, product: Option<&str>) -> Result<Vec<Webhook>, StoreError> {
        let rows = match product {
            Some(p) => self.b.query(
                &format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE product = ? ORDER BY id"),
                &[p.into()],
            )?,
            None => self.b.query(
                &format!("SELECT {HOOK_COLUMNS} FROM webhooks ORDER BY id"),
                &[],
            )?,
        };
        rows.iter().map(|r| hook_row(r)).collect()
    }

    /// Does an active webhook of `product` want `event`? Asked for every
    /// change a webhook could be told of, inside its transaction, so it
    /// reads one short column of the product's active webhooks only.
    pub fn webhook_wanted(&mut self, product: &str, event: &str) -> Result<bool, StoreError> {
        let rows = self.b.query(
            "SELECT events FROM webhooks WHERE product = ? AND active <> 0",
            &[product.into()],
        )?;
        Ok(rows.iter().any(|r| {
            r[0].as_str()
                .is_some_and(|events| names_event(events.split(','), event))
        }))
    }

    pub fn webhook(&mut self, id: i64) -> Result<Option<Webhook>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first().map(|r| hook_row(r)).transpose()
    }

    /// Change a webhook's URL, secret, events and whether it is active.
    pub fn update_webhook(&mut self, w: &Webhook) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE webhooks SET url = ?, secret = ?, events = ?, active = ? WHERE id = ?",
            &[
                w.url.as_str().into(),
                w.secret.as_str().into(),
                w.events.join(",").into(),
                Value::Int(i64::from(w.active)),
                Value::Int(w.id),
            ],
        )?;
        Ok(())
    }

    /// A webhook's pending deliveries become due at `now` (when it is
    /// resumed, what waited while it was paused goes out on the next run);
    /// how many.
    pub fn deliveries_due_now(&mut self, webhook: i64, now: Millis) -> Result<u64, StoreError> {
        self.b.execute(
            "UPDATE webhook_deliveries SET next_try = ? WHERE webhook = ? AND status = 'pending'",
            &[Value::Int(now), Value::Int(webhook)],
        )
    }

    /// Delete a webhook and its delivery log, with the bodies no other
    /// webhook's deliveries share.
    pub fn delete_webhook(&mut self, id: i64) -> Result<(), StoreError> {
        // Only this webhook's bodies can become unused: those are checked,
        // not every body in the log.
        let bodies: Vec<i64> = self
            .b
            .query(
                "SELECT DISTINCT payload_id FROM webhook_deliveries \
                 WHERE webhook = ? AND payload_id IS NOT NULL",
                &[Value::Int(id)],
            )?
            .iter()
            .filter_map(|r| r[0].as_i64())
            .collect();
        self.b.execute(
            "DELETE FROM webhook_deliveries WHERE webhook = ?",
            &[Value::Int(id)],
        )?;
        self.delete_unused_payloads(&bodies)?;
        self.b
            .execute("DELETE FROM webhooks WHERE id = ?", &[Value::Int(id)])?;
        Ok(())
    }

    /// Forget those of these bodies that no delivery or queued event uses
    /// (a webhook's removed deliveries, or events no webhook wanted by the
    /// time they were fanned out), a few hundred a statement.
    pub fn delete_unused_payloads(&mut self, bodies: &[i64]) -> Result<(), StoreError> {
        for chunk in bodies.chunks(500) {
            let ids: Vec<Value> = chunk.iter().map(|b| Value::Int(*b)).collect();
            let marks = vec!["?"; ids.len()].join(", ");
            self.b.execute(
                &format!("DELETE FROM webhook_payloads WHERE id IN ({marks}) AND {UNUSED_PAYLOAD}"),
                &ids,
            )?;
        }
        Ok(())
    }

    /// Up to `limit` delivered or failed deliveries created before
    /// `before`, oldest first: their ids and body ids. Read outside a
    /// transaction (on SQLite one would hold the write lock through the
    /// scan); [`Store::remove_deliveries`] removes them.
    pub fn prunable_deliveries(
        &mut self,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT id, payload_id FROM webhook_deliveries \
                 WHERE created < ? AND status IN ('delivered', 'failed') ORDER BY id LIMIT {limit}"
            ),
            &[Value::Int(before)],
        )?;
        rows.iter()
            .map(|r| Ok((int(&r[0], "delivery id")?, r[1].as_i64())))
            .collect()
    }

    /// Remove these deliveries (those still delivered or failed), then the
    /// bodies among theirs that nothing else uses; how many were removed.
    pub fn remove_deliveries(&mut self, list: &[(i64, Option<i64>)]) -> Result<u64, StoreError> {
        if list.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Value> = list.iter().map(|(id, _)| Value::Int(*id)).collect();
        let marks = vec!["?"; ids.len()].join(", ");
        let n = self.b.execute(
            &format!(
                "DELETE FROM webhook_deliveries WHERE id IN ({marks}) \
                 AND status IN ('delivered', 'failed')"
            ),
            &ids,
        )?;
        let mut bodies: Vec<i64> = list.iter().filter_map(|(_, b)| *b).collect();
        bodies.sort_unstable();
        bodies.dedup();
        self.delete_unused_payloads(&bodies)?;
        Ok(n)
    }

    /// Queue an event for fan-out (migration 0017), its body in the same
    /// row (migration 0020): a change writes one row for its event.
    pub fn insert_webhook_event(
        &mut self,
        product: &str,
        event: &str,
        payload: &str,
        created: Millis,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "INSERT INTO webhook_events (product, event, payload, created) VALUES (?, ?, ?, ?)",
            &[
                product.into(),
                event.into(),
                payload.into(),
                Value::Int(created),
            ],
        )?;
        Ok(())
    }

    /// The oldest events waiting for fan-out, with their bodies.
    pub fn webhook_events(&mut self, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT id, product, event, payload, payload_id, created FROM webhook_events \
                 ORDER BY id LIMIT {limit}"
            ),
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let body = match (r[3].as_str(), r[4].as_i64()) {
                    (Some(p), _) => QueuedBody::Inline(p.to_string()),
                    (None, Some(id)) => QueuedBody::Stored(id),
                    (None, None) => {
                        return Err(corrupt(&format!(
                            "queued webhook event {} has no body",
                            r[0].as_i64().unwrap_or(0)
                        )));
                    }
                };
                Ok(QueuedEvent {
                    id: int(&r[0], "event id")?,
                    product: text(&r[1], "event product")?,
                    event: text(&r[2], "event name")?,
                    body,
                    created: int(&r[5], "event created")?,
                })
            })
            .collect()
    }

    /// Forget the events up to `id`, once fanned out.
    pub fn delete_webhook_events_upto(&mut self, id: i64) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM webhook_events WHERE id <= ?",
            &[Value::Int(id)],
        )?;
        Ok(())
    }

    /// Store an event's body once for all its deliveries; returns its id.
    pub fn insert_webhook_payload(&mut self, payload: &str) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "INSERT INTO webhook_payloads (payload) VALUES (?) RETURNING id",
            &[payload.into()],
        )?;
        rows.first()
            .map(|r| int(&r[0], "payload id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new webhook payload"))
    }

    /// Store a delivery of the body `payload` (from
    /// [`Store::insert_webhook_payload`]; `d.payload` is not read);
    /// returns its id.
    pub fn insert_delivery(&mut self, d: &Delivery, payload: i64) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "INSERT INTO webhook_deliveries (webhook, event, payload_id, status, tries, next_try, \
             last_status, last_error, created, delivered_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Value::Int(d.webhook),
                d.event.as_str().into(),
                Value::Int(payload),
                d.status.as_str().into(),
                Value::Int(d.tries),
                d.next_try.map_or(Value::Null, Value::Int),
                d.last_status.map_or(Value::Null, Value::Int),
                d.last_error.as_deref().map_or(Value::Null, Into::into),
                Value::Int(d.created),
                d.delivered_at.map_or(Value::Null, Value::Int),
            ],
        )?;
        rows.first()
            .map(|r| int(&r[0], "delivery id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new delivery"))
    }

    /// Store new pending deliveries, each `(webhook, event, body, created)`
    /// with the body from [`Store::insert_webhook_payload`], through the
    /// backend's bulk insert: the fan-out of a thousand events to ten
    /// webhooks is ten thousand rows.
    pub fn insert_pending_deliveries(
        &mut self,
        rows: &[(i64, &str, i64, Millis)],
    ) -> Result<(), StoreError> {
        let mut rows = rows.iter().map(|&(webhook, event, payload, created)| {
            vec![
                Value::Int(webhook),
                event.into(),
                Value::Int(payload),
                "pending".into(),
                Value::Int(0),
                Value::Int(created),
            ]
        });
        self.b.bulk_insert(
            "webhook_deliveries",
            &[
                "webhook",
                "event",
                "payload_id",
                "status",
                "tries",
                "created",
            ],
            &mut rows,
        )?;
        Ok(())
    }

    /// Queue delivery `id` again as a new pending delivery of the same
    /// body to the same webhook; returns the new delivery's id, or `None`
    /// when there is no delivery `id`.
    pub fn replay_delivery(&mut self, id: i64, now: Millis) -> Result<Option<i64>, StoreError> {
        let rows = self.b.query(
            "INSERT INTO webhook_deliveries (webhook, event, payload_id, status, tries, created) \
             SELECT webhook, event, payload_id, 'pending', 0, ? FROM webhook_deliveries \
             WHERE id = ? RETURNING id",
            &[Value::Int(now), Value::Int(id)],
        )?;
        rows.first().map(|r| int(&r[0], "delivery id")).transpose()
    }

    pub fn delivery(&mut self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {DELIVERY_COLUMNS} FROM {DELIVERIES} WHERE d.id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first().map(|r| delivery_row(r)).transpose()
    }

    /// The delivery log, newest first: of some webhooks (or all), only
    /// the failed ones if asked, at most `limit`.
    pub fn deliveries(
        &mut self,
        webhooks: Option<&[i64]>,
        failed_only: bool,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM {DELIVERIES} WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(ids) = webhooks {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(
                " AND d.webhook IN ({})",
                vec!["?"; ids.len()].join(", ")
            ));
            params.extend(ids.iter().map(|i| Value::Int(*i)));
        }
        if failed_only {
            sql.push_str(" AND d.status = 'failed'");
        }
        sql.push_str(&format!(" ORDER BY d.id DESC LIMIT {limit}"));
        let rows = self.b.query(&sql, &params)?;
        rows.iter().map(|r| delivery_row(r)).collect()
    }

    /// Every delivery, oldest first, for the dump.
    pub fn all_deliveries(&mut self) -> Result<Vec<Delivery>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {DELIVERY_COLUMNS} FROM {DELIVERIES} ORDER BY d.id"),
            &[],
        )?;
        rows.iter().map(|r| delivery_row(r)).collect()
    }

    /// The deliveries due to be sent, oldest first: pending ones whose
    /// retry time has come, and sends claimed long ago by a sender that
    /// never reported back. The search reads only the open deliveries'
    /// index (migration 0019), and only the chosen ones' bodies.
    pub fn deliveries_due(&mut self, now: Millis, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM (SELECT id FROM webhook_deliveries \
                 WHERE status IN ('pending', 'sending') \
                 AND ((status = 'pending' AND (next_try IS NULL OR next_try <= ?)) \
                 OR (status = 'sending' AND next_try <= ?)) \
                 AND webhook IN (SELECT id FROM webhooks WHERE active <> 0) \
                 ORDER BY id LIMIT {limit}) due \
                 JOIN webhook_deliveries d ON d.id = due.id \
                 JOIN webhook_payloads p ON p.id = d.payload_id ORDER BY d.id"
            ),
            &[Value::Int(now), Value::Int(now - STALE_SEND)],
        )?;
        rows.iter().map(|r| delivery_row(r)).collect()
    }

    /// How many deliveries wait to be sent (an event not yet fanned out
    /// counts as one).
    pub fn deliveries_pending(&mut self) -> Result<i64, StoreError> {
        // Events not yet fanned out count once each.
        let rows = self.b.query(
            "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'sending')) \
             + (SELECT COUNT(*) FROM webhook_events)",
            &[],
        )?;
        rows.first().map_or(Ok(0), |r| int(&r[0], "count"))
    }

    /// Take deliveries for sending, in one statement; returns the ids
    /// taken (another sender may have taken some of them first).
    pub fn claim_deliveries(&mut self, ids: &[i64], now: Millis) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let mut params = vec![Value::Int(now)];
        params.extend(ids.iter().map(|&id| Value::Int(id)));
        params.push(Value::Int(now - STALE_SEND));
        let rows = self.b.query(
            &format!(
                "UPDATE webhook_deliveries SET status = 'sending', next_try = ? \
                 WHERE id IN ({marks}) \
                 AND (status = 'pending' OR (status = 'sending' AND next_try <= ?)) RETURNING id"
            ),
            &params,
        )?;
        rows.iter().map(|r| int(&r[0], "delivery id")).collect()
    }

    /// Record how a send went.
    pub fn delivery_result(&mut self, d: &Delivery) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE webhook_deliveries SET status = ?, tries = ?, next_try = ?, last_status = ?, \
             last_error = ?, delivered_at = ? WHERE id = ?",
            &[
                d.status.as_str().into(),
                Value::Int(d.tries),
                d.next_try.map_or(Value::Null, Value::Int),
                d.last_status.map_or(Value::Null, Value::Int),
                d.last_error.as_deref().map_or(Value::Null, Into::into),
                d.delivered_at.map_or(Value::Null, Value::Int),
                Value::Int(d.id),
            ],
        )?;
        Ok(())
    }

    /// How many items of a release are not done, and how many it has.
    pub fn release_progress(
        &mut self,
        product: &str,
        release: &str,
    ) -> Result<(i64, i64), StoreError> {
        let rows = self.b.query(
            "SELECT COUNT(*), SUM(CASE WHEN i.category = 'done' THEN 0 ELSE 1 END) FROM items i \
             JOIN releases r ON r.id = i.release_id JOIN products p ON p.id = r.product_id \
             WHERE p.prefix = ? AND r.name = ?",
            &[product.into(), release.into()],
        )?;
        let Some(r) = rows.first() else {
            return Ok((0, 0));
        };
        Ok((r[1].as_i64().unwrap_or(0), int(&r[0], "count")?))
    }
}
