//! Outgoing webhooks. A change writes one `pending` delivery per matching
//! active webhook of its product inside its own transaction (so a change
//! that rolls back sends nothing); [`App::deliver_webhooks`] POSTs what is
//! due outside any transaction, signed with HMAC-SHA256, one thread per
//! webhook so a slow or dead receiver holds up only its own deliveries.
//! Failures are retried with exponential backoff and given up after
//! [`MAX_TRIES`]; a replay queues a new delivery with the same body.

use crate::access::forbidden;
use crate::{App, AppError, Result, Tx, invalid};
use cairn_core::audit::Change;
use cairn_core::webhook::{Delivery, EVENTS, QueuedBody, Webhook, check_url, parse_events};
use cairn_core::{Category, Item, ItemKey, Millis, Role, format_millis};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

/// How many deliveries one run sends at most.
pub const BATCH: u32 = 500;

/// Tries before a delivery is given up.
pub const MAX_TRIES: i64 = 8;
/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry waits thirty seconds, then twice as long each time, at most six hours.
const FIRST_RETRY: Millis = 30_000;

/// The wait before try `tries + 1`, after `tries` failed tries.
pub fn backoff(tries: i64) -> Millis {
    crate::mail::backoff_from(FIRST_RETRY, tries)
}

/// The signature header's value for a body: `sha256=<hex>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook as listed: the secret is never shown again.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookOut {
    pub id: i64,
    pub product: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub secret_set: bool,
    pub created: String,
}

impl From<&Webhook> for WebhookOut {
    fn from(w: &Webhook) -> Self {
        WebhookOut {
            id: w.id,
            product: w.product.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            active: w.active,
            secret_set: !w.secret.is_empty(),
            created: format_millis(w.created),
        }
    }
}

/// A new webhook, with its secret shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    pub secret: String,
}

/// What [`App::webhook_edit`] changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookEdit {
    pub url: Option<String>,
    /// A comma-separated list of events, or `*`.
    pub events: Option<String>,
    /// `false` pauses the webhook, `true` resumes it.
    pub active: Option<bool>,
    pub secret: Option<SecretChange>,
}

impl WebhookEdit {
    fn is_empty(&self) -> bool {
        self.url.is_none()
            && self.events.is_none()
            && self.active.is_none()
            && self.secret.is_none()
    }
}

/// A webhook's new secret: given, or generated.
#[derive(Debug, Clone)]
pub enum SecretChange {
    Set(String),
    Generate,
}

/// A changed webhook, with its new secret shown this once if it changed.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookEdited {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A delivery as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryOut {
    pub id: i64,
    pub webhook: i64,
    pub event: String,
    pub status: String,
    pub tries: i64,
    pub next_try: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created: String,
    pub delivered_at: Option<String>,
    pub payload: Json,
}

impl From<&Delivery> for DeliveryOut {
    fn from(d: &Delivery) -> Self {
        DeliveryOut {
            id: d.id,
            webhook: d.webhook,
            event: d.event.clone(),
            status: d.status.clone(),
            tries: d.tries,
            next_try: d
                .next_try
                .filter(|_| d.status == "pending")
                .map(format_millis),
            last_status: d.last_status,
            last_error: d.last_error.clone(),
            created: format_millis(d.created),
            delivered_at: d.delivered_at.map(format_millis),
            payload: serde_json::from_str(&d.payload).unwrap_or(Json::Null),
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WebhookRun {
    pub delivered: u32,
    /// Failed this time, to be tried again later.
    pub retrying: u32,
    /// Given up after too many tries.
    pub failed: u32,
    /// Still waiting, including retries not yet due.
    pub pending: i64,
    /// One line per failure: the delivery, the URL and what went wrong.
    pub errors: Vec<String>,
    /// The run sent as many as one run may: more may be due already.
    #[serde(skip)]
    pub full: bool,
}

impl Tx<'_> {
    /// Queue `event` for every active webhook of `product` that wants it.
    /// `body` adds the event's own fields (item, release, comment ...).
    pub(crate) fn emit(
        &mut self,
        product: &str,
        event: &str,
        body: impl FnOnce() -> serde_json::Map<String, Json>,
    ) -> Result<()> {
        if !self.store.webhook_wanted(product, event)? {
            return Ok(());
        }
        let mut payload = serde_json::Map::new();
        payload.insert("event".into(), json!(event));
        payload.insert("at".into(), json!(format_millis(self.now)));
        payload.insert("product".into(), json!(product));
        payload.insert("actor".into(), json!(self.actor));
        payload.extend(body());
        // The event id: a digest of the event and the audit position it
        // follows, so the same history gives the same ids on any backend.
        let (seq, _) = self.store.audit_head()?;
        let mut hasher = Sha256::new();
        hasher.update(format!("{seq}\n"));
        // The map serialises as the object would, without a copy of it.
        serde_json::to_writer(DigestWriter(&mut hasher), &payload)
            .map_err(|e| AppError::Invalid(format!("webhook body: {e}")))?;
        let digest = hasher.finalize();
        payload.insert(
            "id".into(),
            json!(format!("evt_{}", hex::encode(&digest[..12]))),
        );
        // One row, whatever the number of webhooks: the worker fans it
        // out (see `App::fan_out_webhook_events`), off the request path.
        let payload = Json::Object(payload).to_string();
        self.store
            .insert_webhook_event(product, event, &payload, self.now)?;
        Ok(())
    }

    /// After an item is created or changed: item.created, item.moved (a
    /// change of state), item.changed (anything else), and release.shipped
    /// when the last open item of a release is done.
    pub(crate) fn webhook_item(&mut self, before: Option<&Item>, after: &Item) -> Result<()> {
        let product = after.key.prefix.clone();
        let item = || serde_json::to_value(crate::wire::item_out(after)).unwrap_or(Json::Null);
        let Some(b) = before else {
            return self.emit(&product, "item.created", || {
                serde_json::Map::from_iter([("item".to_string(), item())])
            });
        };
        let changes = changes(b, after);
        if changes.is_empty() {
            return Ok(());
        }
        let event = if b.state != after.state {
            "item.moved"
        } else {
            "item.changed"
        };
        self.emit(&product, event, || {
            serde_json::Map::from_iter([
                ("item".to_string(), item()),
                ("changes".to_string(), Json::Array(changes)),
            ])
        })?;
        if let Some(r) = &after.release
            && after.category == Category::Done
            && (b.category != Category::Done || b.release.as_ref() != Some(r))
        {
            let (open, total) = self.store.release_progress(&product, r)?;
            if open == 0 {
                let key = after.key.to_string();
                self.emit(&product, "release.shipped", || {
                    serde_json::Map::from_iter([(
                        "release".to_string(),
                        json!({ "name": r, "items": total, "last_item": key }),
                    )])
                })?;
            }
        }
        Ok(())
    }

    /// After a comment is added to `item` (as loaded in the same
    /// transaction).
    pub(crate) fn webhook_comment(&mut self, item: &Item, c: &cairn_core::Comment) -> Result<()> {
        self.emit(&item.key.prefix, "comment.added", || {
            serde_json::Map::from_iter([
                (
                    "item".to_string(),
                    serde_json::to_value(crate::wire::item_out(item)).unwrap_or(Json::Null),
                ),
                (
                    "comment".to_string(),
                    json!({ "id": c.id, "author": c.author, "body": c.body, "reply_to": c.reply_to }),
                ),
            ])
        })
    }

    /// A gate refused a move, or `gate check` found unmet rules.
    pub(crate) fn webhook_gate(
        &mut self,
        key: &ItemKey,
        title: &str,
        gate: &str,
        state: Option<&str>,
        unmet: &[(String, String)],
    ) -> Result<()> {
        self.emit(&key.prefix, "gate.failed", || {
            serde_json::Map::from_iter([
                (
                    "item".to_string(),
                    json!({ "key": key.to_string(), "title": title }),
                ),
                (
                    "gate".to_string(),
                    json!({
                        "name": gate,
                        "state": state,
                        "unmet": unmet.iter().map(|(r, d)| json!({"rule": r, "detail": d})).collect::<Vec<_>>(),
                    }),
                ),
            ])
        })
    }
}

/// Feeds what is written into a digest.
struct DigestWriter<'a>(&'a mut Sha256);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A webhook's signing secret: the one given, checked, or a new one.
/// `hint` tells how to get one made when the given one is refused.
fn signing_secret(given: Option<&str>, hint: &str) -> Result<String> {
    match given.map(str::trim) {
        Some(s) if s.len() < 16 => {
            invalid(format!("secret: it must be at least 16 characters; {hint}"))
        }
        Some(s) => Ok(s.to_string()),
        None => Ok(format!("whsec_{}", crate::accounts::random_secret())),
    }
}

/// What changed between two versions of an item, cheaply: field, from, to.
fn changes(b: &Item, a: &Item) -> Vec<Json> {
    let mut out = Vec::new();
    let mut push = |field: &str, from: Json, to: Json| {
        if from != to {
            out.push(json!({ "field": field, "from": from, "to": to }));
        }
    };
    push("title", json!(b.title), json!(a.title));
    push("kind", json!(b.kind.as_str()), json!(a.kind.as_str()));
    push("state", json!(b.state), json!(a.state));
    push("assignee", json!(b.assignee), json!(a.assignee));
    push("estimate", json!(b.estimate), json!(a.estimate));
    push("labels", json!(b.labels), json!(a.labels));
    push(
        "parent",
        json!(b.parent.as_ref().map(ToString::to_string)),
        json!(a.parent.as_ref().map(ToString::to_string)),
    );
    push("release", json!(b.release), json!(a.release));
    push("rank", json!(b.rank), json!(a.rank));
    push("fields", json!(b.fields), json!(a.fields));
    // Long texts: only that they changed.
    if b.description != a.description {
        out.push(json!({ "field": "description" }));
    }
    if b.acceptance != a.acceptance {
        out.push(json!({ "field": "acceptance" }));
    }
    out
}

/// One send's outcome, reported from a webhook's thread.
enum Sent {
    /// Answered: the HTTP status.
    Status(u16),
    /// No answer: why.
    Error(String),
    /// Not tried this run: an earlier delivery to the same webhook failed.
    Skipped,
}

impl App {
    /// A gate refused a move: tell the product's webhooks. Best effort: the
    /// refusal is what the caller must see, whatever happens here.
    pub(crate) fn webhook_gate_refused(&mut self, item: &Item, r: &crate::gates::GateRefusal) {
        let unmet: Vec<(String, String)> = r
            .unmet
            .iter()
            .map(|u| (u.rule.clone(), u.detail.clone()))
            .collect();
        let _ =
            self.tx(|tx| tx.webhook_gate(&item.key, &item.title, &r.gate, Some(&r.state), &unmet));
    }

    /// `gate check` found unmet rules: one gate.failed per failing check.
    pub(crate) fn webhook_gate_checks(&mut self, checks: &[crate::gates::GateCheck]) {
        let failing: Vec<&crate::gates::GateCheck> = checks.iter().filter(|c| !c.passed).collect();
        if failing.is_empty() {
            return;
        }
        let _ = self.tx(|tx| {
            for c in failing {
                let unmet: Vec<(String, String)> = c
                    .rules
                    .iter()
                    .filter(|u| !u.ok)
                    .map(|u| (u.rule.clone(), u.detail.clone()))
                    .collect();
                tx.webhook_gate(&c.key, &c.title, &c.gate, None, &unmet)?;
            }
            Ok(())
        });
    }

    fn need_hook_owner(&self, product: &str, what: &str) -> Result<()> {
        match &self.access {
            None => Ok(()),
            Some(a) => match a.role(product) {
                None => Err(AppError::NotFound(format!("there is no product {product}"))),
                Some(Role::Owner) => Ok(()),
                Some(_) => Err(forbidden(what, Role::Owner)),
            },
        }
    }

    fn hook_visible(&mut self, id: i64) -> Result<Webhook> {
        match self.store.webhook(id)? {
            Some(w) if self.can_see_product(&w.product) => Ok(w),
            _ => Err(AppError::NotFound(format!(
                "there is no webhook {id}; list them with `cairn webhook list`"
            ))),
        }
    }

    /// Add a webhook to a product. The secret is generated when not given,
    /// and returned this once.
    pub fn webhook_add(
        &mut self,
        product: &str,
        url: &str,
        events: Option<&str>,
        secret: Option<&str>,
    ) -> Result<WebhookCreated> {
        self.require_init()?;
        let product = self.resolve_product(Some(product))?.prefix;
        self.need_hook_owner(&product, "add webhooks")?;
        let url = url.trim().to_string();
        check_url(&url).map_err(AppError::Invalid)?;
        let events = parse_events(events).map_err(AppError::Invalid)?;
        let secret = signing_secret(secret, "leave it out to have one generated")?;
        let w = self.tx(|tx| {
            let w = tx.store.insert_webhook(&Webhook {
                id: 0,
                product: product.clone(),
                url: url.clone(),
                secret: secret.clone(),
                events: events.clone(),
                active: true,
                created: tx.now,
            })?;
            tx.audit(
                "webhook.add",
                &product,
                Some(&format!("webhook {}", w.id)),
                &[
                    Change::new("url", (), &url),
                    Change::new("events", (), events.join(",")),
                ],
                None,
            )?;
            Ok(w)
        })?;
        Ok(WebhookCreated {
            webhook: WebhookOut::from(&w),
            secret,
        })
    }

    /// The webhooks of a product (or of every product the caller owns).
    pub fn webhooks(&mut self, product: Option<&str>) -> Result<Vec<WebhookOut>> {
        self.require_init()?;
        let hooks = match product {
            Some(p) => {
                let p = self.resolve_product(Some(p))?.prefix;
                self.need_hook_owner(&p, "see webhooks")?;
                self.store.webhooks(Some(&p))?
            }
            None => {
                let mut all = self.store.webhooks(None)?;
                all.retain(|w| {
                    self.access
                        .as_ref()
                        .is_none_or(|a| a.role(&w.product) == Some(Role::Owner))
                });
                all
            }
        };
        Ok(hooks.iter().map(WebhookOut::from).collect())
    }

    /// Change a webhook: its URL, its events, whether it is active
    /// (paused, it is sent nothing and no new deliveries are queued for it;
    /// resumed, what waited goes out on the next run), or its secret (the
    /// new one is returned this once). Only what `edit` names changes.
    pub fn webhook_edit(&mut self, id: i64, edit: &WebhookEdit) -> Result<WebhookEdited> {
        self.require_init()?;
        let w = self.hook_visible(id)?;
        self.need_hook_owner(&w.product, "change webhooks")?;
        if edit.is_empty() {
            return invalid(
                "nothing to change: give a new url, events, a secret (or ask for a new one), or pause or resume the webhook",
            );
        }
        let mut new = w.clone();
        if let Some(url) = &edit.url {
            let url = url.trim();
            check_url(url).map_err(AppError::Invalid)?;
            new.url = url.to_string();
        }
        if let Some(events) = &edit.events {
            new.events = parse_events(Some(events)).map_err(AppError::Invalid)?;
        }
        if let Some(active) = edit.active {
            new.active = active;
        }
        let secret = match &edit.secret {
            None => None,
            Some(SecretChange::Generate) => Some(signing_secret(None, "")?),
            Some(SecretChange::Set(s)) => Some(signing_secret(
                Some(s),
                "ask for a new one to have it generated",
            )?),
        };
        if let Some(s) = &secret {
            new.secret = s.clone();
        }
        let mut changes = Vec::new();
        if new.url != w.url {
            changes.push(Change::new("url", &w.url, &new.url));
        }
        if new.events != w.events {
            changes.push(Change::new(
                "events",
                w.events.join(","),
                new.events.join(","),
            ));
        }
        if new.active != w.active {
            changes.push(Change::new("active", w.active, new.active));
        }
        if secret.is_some() {
            // That it changed, never what it is.
            changes.push(Change::new("secret", (), "changed"));
        }
        let resumed = new.active && !w.active;
        // Events queued before a change of what the webhook wants are
        // fanned out as it was when they happened: a pause holds them
        // back, it does not lose them.
        if new.active != w.active || new.events != w.events {
            self.fan_out_webhook_events()?;
        }
        self.tx(|tx| {
            tx.store.update_webhook(&new)?;
            if resumed {
                tx.store.deliveries_due_now(id, tx.now)?;
            }
            if !changes.is_empty() {
                tx.audit(
                    "webhook.edit",
                    &w.product,
                    Some(&format!("webhook {id}")),
                    &changes,
                    None,
                )?;
            }
            Ok(())
        })?;
        Ok(WebhookEdited {
            webhook: WebhookOut::from(&new),
            secret,
        })
    }

    /// Delete a webhook and its delivery log.
    pub fn webhook_rm(&mut self, id: i64) -> Result<WebhookOut> {
        self.require_init()?;
        let w = self.hook_visible(id)?;
        self.need_hook_owner(&w.product, "delete webhooks")?;
        self.tx(|tx| {
            tx.store.delete_webhook(id)?;
            tx.audit(
                "webhook.rm",
                &w.product,
                Some(&format!("webhook {id}")),
                &[Change::new("url", &w.url, ())],
                None,
            )?;
            Ok(())
        })?;
        Ok(WebhookOut::from(&w))
    }

    /// The delivery log, newest first: of one webhook, or of every webhook
    /// the caller owns; only failed ones if asked.
    pub fn webhook_deliveries(
        &mut self,
        webhook: Option<i64>,
        failed_only: bool,
        limit: u32,
    ) -> Result<Vec<DeliveryOut>> {
        self.require_init()?;
        let ids: Vec<i64> = match webhook {
            Some(id) => {
                let w = self.hook_visible(id)?;
                self.need_hook_owner(&w.product, "see webhook deliveries")?;
                vec![id]
            }
            None => self.webhooks(None)?.iter().map(|w| w.id).collect(),
        };
        // Queued events show in the log as pending deliveries at once.
        self.fan_out_webhook_events()?;
        let ds = self
            .store
            .deliveries(Some(&ids), failed_only, limit.clamp(1, 1000))?;
        Ok(ds.iter().map(DeliveryOut::from).collect())
    }

    /// Remove the delivered and failed deliveries older than `[webhooks]
    /// keep_days` (none when it is 0), with the bodies no other delivery
    /// uses, [`PRUNE_BATCH`] a transaction, giving way to requests before
    /// each; how many were removed. Admins only.
    pub fn webhook_prune(&mut self) -> Result<u64> {
        self.require_init()?;
        self.need_admin("prune the webhook delivery log")?;
        let days = self.config().webhooks.keep_days;
        if days == 0 {
            return Ok(0);
        }
        let before = self.now() - i64::from(days) * 86_400_000;
        let mut removed = 0;
        loop {
            give_way(self.foreground.as_ref());
            let list = self.store.prunable_deliveries(before, PRUNE_BATCH)?;
            if list.is_empty() {
                return Ok(removed);
            }
            give_way(self.foreground.as_ref());
            self.in_store_tx(|store| {
                removed += store.remove_deliveries(&list)?;
                Ok(())
            })?;
            if list.len() < PRUNE_BATCH as usize {
                return Ok(removed);
            }
        }
    }

    /// Send a delivery again: a new pending delivery with the same body
    /// (and the same event id, so receivers can tell a replay), leaving the
    /// original in the log as it was.
    pub fn webhook_replay(&mut self, delivery: i64) -> Result<DeliveryOut> {
        self.require_init()?;
        let not_found = || {
            AppError::NotFound(format!(
                "there is no delivery {delivery}; list them with `cairn webhook deliveries`"
            ))
        };
        let d = self.store.delivery(delivery)?.ok_or_else(not_found)?;
        let w = self.hook_visible(d.webhook).map_err(|_| not_found())?;
        self.need_hook_owner(&w.product, "replay webhook deliveries")?;
        self.tx(|tx| {
            let new = Delivery {
                id: 0,
                status: "pending".into(),
                tries: 0,
                next_try: None,
                last_status: None,
                last_error: None,
                created: tx.now,
                delivered_at: None,
                ..d.clone()
            };
            let id = tx
                .store
                .replay_delivery(delivery, tx.now)?
                .ok_or_else(not_found)?;
            tx.audit(
                "webhook.replay",
                &w.product,
                Some(&format!("webhook {}", w.id)),
                &[
                    Change::new("delivery", (), delivery),
                    Change::new("replay", (), id),
                ],
                None,
            )?;
            Ok(DeliveryOut::from(&Delivery { id, ..new }))
        })
    }

    /// Turn queued events into one pending delivery per webhook of the
    /// event's product that wants it (as the webhooks are now: the worker
    /// does this within seconds of the change), [`FAN_OUT_BATCH`] events a
    /// transaction. An event no webhook wants any more is dropped with its
    /// body.
    pub fn fan_out_webhook_events(&mut self) -> Result<()> {
        loop {
            let mut more = false;
            give_way(self.foreground.as_ref());
            self.in_store_tx(|store| {
                let events = store.webhook_events(FAN_OUT_BATCH)?;
                more = events.len() == FAN_OUT_BATCH as usize;
                let Some(last) = events.last().map(|e| e.id) else {
                    return Ok(());
                };
                let mut hooks: HashMap<String, Vec<Webhook>> = HashMap::new();
                let mut rows = Vec::new();
                let mut unwanted = Vec::new();
                for e in &events {
                    if !hooks.contains_key(&e.product) {
                        let list = store.webhooks(Some(&e.product))?;
                        hooks.insert(e.product.clone(), list);
                    }
                    let wanting: Vec<i64> = hooks[&e.product]
                        .iter()
                        .filter(|w| w.wants(&e.event))
                        .map(|w| w.id)
                        .collect();
                    if wanting.is_empty() {
                        // Its webhooks were removed or changed since.
                        if let QueuedBody::Stored(id) = e.body {
                            unwanted.push(id);
                        }
                        continue;
                    }
                    // The body is stored once, however many webhooks want
                    // it; every delivery of it points there.
                    let body = match &e.body {
                        QueuedBody::Inline(text) => store.insert_webhook_payload(text)?,
                        QueuedBody::Stored(id) => *id,
                    };
                    for w in wanting {
                        rows.push((w, e.event.as_str(), body, e.created));
                    }
                }
                store.insert_pending_deliveries(&rows)?;
                store.delete_webhook_events_upto(last)?;
                store.delete_unused_payloads(&unwanted)?;
                Ok(())
            })?;
            if !more {
                return Ok(());
            }
            // In the server's worker, a change waiting for the write lock
            // gets it before the next batch does. A fan-out run for a
            // request or a command goes straight on.
            if self.foreground.is_some() {
                std::thread::sleep(FAN_OUT_PAUSE);
            }
        }
    }

    /// Send the deliveries that are due, waiting at most [`TIMEOUT`] for
    /// each receiver.
    pub fn deliver_webhooks(&mut self) -> Result<WebhookRun> {
        self.deliver_webhooks_within(TIMEOUT)
    }

    /// Send what is due, with `timeout` per request. Each webhook gets its
    /// own thread and receives its deliveries in order; after a failure the
    /// rest of that webhook's deliveries wait for the next retry. Results
    /// are recorded as they come in, never inside a transaction.
    pub fn deliver_webhooks_within(&mut self, timeout: Duration) -> Result<WebhookRun> {
        self.require_init()?;
        self.fan_out_webhook_events()?;
        let mut run = WebhookRun::default();
        let now = self.now();
        give_way(self.foreground.as_ref());
        let due = self.store.deliveries_due(now, BATCH)?;
        run.full = due.len() == BATCH as usize;
        if due.is_empty() {
            run.pending = self.store.deliveries_pending()?;
            return Ok(run);
        }
        // Claim, grouped by webhook in order, in one transaction: one
        // write for the whole run rather than one per delivery.
        let mut groups: Vec<(Webhook, Vec<Delivery>)> = Vec::new();
        give_way(self.foreground.as_ref());
        self.in_store_tx(|store| {
            let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
            let taken: std::collections::HashSet<i64> =
                store.claim_deliveries(&ids, now)?.into_iter().collect();
            for d in due {
                if !taken.contains(&d.id) {
                    continue;
                }
                match groups.iter_mut().find(|(w, _)| w.id == d.webhook) {
                    Some((_, list)) => list.push(d),
                    None => match store.webhook(d.webhook)? {
                        Some(w) => groups.push((w, vec![d])),
                        None => continue,
                    },
                }
            }
            Ok(())
        })?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .proxy(None)
            .user_agent("Cairn-Webhooks/1")
            .build()
            .into();
        let (send, recv) = mpsc::channel::<(Delivery, String, Sent)>();
        std::thread::scope(|s| -> Result<()> {
            let fg = self.foreground.clone();
            for (w, list) in &groups {
                let send = send.clone();
                let agent = agent.clone();
                let fg = fg.clone();
                let sender = std::thread::Builder::new().name("cairn-webhook".into());
                let started = sender.spawn_scoped(s, move || {
                    // Sending (signing, HTTP, waiting on the receiver) yields
                    // the processor to requests; the results are written by
                    // this run's own thread at normal priority, so a
                    // database lock is never held by a starved thread.
                    background_priority();
                    let mut failed = false;
                    for d in list {
                        let outcome = if failed || !w.active {
                            Sent::Skipped
                        } else {
                            give_way(fg.as_ref());
                            post(&agent, w, d)
                        };
                        if !matches!(outcome, Sent::Status(200..=299)) {
                            failed = true;
                        }
                        if send.send((d.clone(), w.url.clone(), outcome)).is_err() {
                            return;
                        }
                    }
                });
                if let Err(e) = started {
                    // The claimed deliveries are sent again when their
                    // claim runs out.
                    return Err(AppError::Store(cairn_store::StoreError::Db(format!(
                        "cannot start a webhook sender: {e}"
                    ))));
                }
            }
            drop(send);
            // Results are collected every RESULT_PAUSE and written a
            // batch at a time; this thread, at normal priority, wakes a
            // few times a second rather than once per delivery.
            let mut done: Vec<Delivery> = Vec::new();
            let mut senders_done = false;
            while !senders_done {
                std::thread::sleep(RESULT_PAUSE);
                loop {
                    match recv.try_recv() {
                        Ok((d, url, outcome)) => {
                            done.push(settle(d, &url, outcome, now, &mut run));
                        }
                        Err(mpsc::TryRecvError::Empty) => break,
                        Err(mpsc::TryRecvError::Disconnected) => {
                            senders_done = true;
                            break;
                        }
                    }
                }
                self.write_results(&mut done)?;
            }
            Ok(())
        })?;
        run.pending = self.store.deliveries_pending()?;
        Ok(run)
    }

    /// Write settled deliveries in one transaction.
    fn write_results(&mut self, done: &mut Vec<Delivery>) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let list = std::mem::take(done);
        give_way(self.foreground.as_ref());
        self.in_store_tx(|store| {
            for d in &list {
                store.delivery_result(d)?;
            }
            Ok(())
        })
    }

    /// Run `f` on the store in a transaction of its own (no audit entry:
    /// delivery bookkeeping is not a change to the workspace).
    fn in_store_tx(
        &mut self,
        f: impl FnOnce(&mut cairn_store::Store) -> std::result::Result<(), cairn_store::StoreError>,
    ) -> Result<()> {
        self.store.begin()?;
        match f(&mut self.store) {
            Ok(()) => Ok(self.store.commit()?),
            Err(e) => {
                let _ = self.store.rollback();
                Err(e.into())
            }
        }
    }
}

/// Deliveries removed from the log in one transaction, at most.
pub const PRUNE_BATCH: u32 = 500;

/// Events fanned out in one transaction, at most: with ten webhooks, five
/// hundred small rows, so the write lock is held for a millisecond or two.
const FAN_OUT_BATCH: u32 = 50;
/// The pause between two fan-out transactions of the server's worker.
const FAN_OUT_PAUSE: Duration = Duration::from_millis(5);
/// How often the results that have come in are written.
const RESULT_PAUSE: Duration = Duration::from_millis(250);

/// A delivery as one send left it: delivered, to be retried, or given up.
fn settle(
    mut d: Delivery,
    url: &str,
    outcome: Sent,
    now: Millis,
    run: &mut WebhookRun,
) -> Delivery {
    let why = match outcome {
        Sent::Skipped => {
            d.status = "pending".into();
            d.next_try = Some(now + backoff(d.tries.max(1)));
            return d;
        }
        Sent::Status(code) => {
            d.last_status = Some(i64::from(code));
            if (200..300).contains(&code) {
                d.tries += 1;
                d.status = "delivered".into();
                d.next_try = None;
                d.last_error = None;
                d.delivered_at = Some(now);
                run.delivered += 1;
                return d;
            }
            format!("the receiver answered HTTP {code}")
        }
        Sent::Error(e) => {
            d.last_status = None;
            e
        }
    };
    d.tries += 1;
    run.errors
        .push(format!("delivery {} ({}) to {url}: {why}", d.id, d.event));
    d.last_error = Some(why);
    if d.tries >= MAX_TRIES {
        d.status = "failed".into();
        d.next_try = None;
        run.failed += 1;
    } else {
        d.status = "pending".into();
        d.next_try = Some(now + backoff(d.tries));
        run.retrying += 1;
    }
    d
}

/// POST one delivery.
fn post(agent: &ureq::Agent, w: &Webhook, d: &Delivery) -> Sent {
    let r = agent
        .post(&w.url)
        .header("Content-Type", "application/json")
        .header("X-Cairn-Event", &d.event)
        .header("X-Cairn-Delivery", &d.id.to_string())
        .header(
            "X-Cairn-Signature-256",
            &signature(&w.secret, d.payload.as_bytes()),
        )
        .send(d.payload.as_bytes());
    match r {
        Ok(resp) => Sent::Status(resp.status().as_u16()),
        Err(ureq::Error::Timeout(t)) => Sent::Error(format!("no answer in time ({t})")),
        Err(e) => Sent::Error(format!("could not reach the receiver: {e}")),
    }
}

/// The event names, for help texts.
pub fn event_names() -> String {
    EVENTS.join(", ")
}

/// The requests a server has in flight on its database connections.
/// Webhook delivery gives way to them: before each send and each of its
/// transactions it waits until none is running, up to [`GIVE_WAY`], so
/// on a small machine the fan-out's work fills the gaps between requests
/// rather than running beside them; under constant load it goes on after
/// that wait, so it is slowed, never stopped.
///
/// A waiting thread sleeps until the last request in flight ends (the
/// request wakes it) or the wait is up: it does not poll, so ten senders
/// waiting cost the machine nothing while requests run.
#[derive(Debug, Clone, Default)]
pub struct Foreground(std::sync::Arc<Gate>);

/// What [`Foreground`] shares between requests and background work.
#[derive(Debug, Default)]
pub struct Gate {
    in_flight: std::sync::atomic::AtomicUsize,
    /// Requests started since the server did.
    started: std::sync::atomic::AtomicU64,
    /// Threads in [`Foreground::give_way`]: a request that ends with
    /// none waiting takes no lock.
    waiting: std::sync::atomic::AtomicUsize,
    lock: std::sync::Mutex<()>,
    idle: std::sync::Condvar,
}

/// A request in flight, from [`Foreground::enter`] until dropped.
pub struct InFlight(std::sync::Arc<Gate>);

impl Drop for InFlight {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering::SeqCst;
        // SeqCst on both counts: either a waiter sees this request gone
        // before it sleeps, or this sees the waiter and wakes it.
        if self.0.in_flight.fetch_sub(1, SeqCst) == 1 && self.0.waiting.load(SeqCst) > 0 {
            let _held = self.0.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.0.idle.notify_all();
        }
    }
}

/// The longest background work waits for a gap between requests.
pub const GIVE_WAY: Duration = Duration::from_millis(20);

impl Foreground {
    /// A request starts; it ends when the returned guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.0
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlight(std::sync::Arc::clone(&self.0))
    }

    /// How many requests have started, ever: two readings tell whether
    /// any came in between.
    pub fn started(&self) -> u64 {
        self.0.started.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many requests are in flight.
    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Wait until no request is in flight, at most [`GIVE_WAY`].
    pub fn give_way(&self) {
        self.give_way_within(GIVE_WAY);
    }

    /// Wait until no request is in flight, at most `limit`: whether that
    /// moment came before the limit.
    fn give_way_within(&self, limit: Duration) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        if self.in_flight() == 0 {
            return true;
        }
        let deadline = std::time::Instant::now() + limit;
        self.0.waiting.fetch_add(1, SeqCst);
        let mut held = self.0.lock.lock().unwrap_or_else(|e| e.into_inner());
        while self.in_flight() > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            held = match self.0.idle.wait_timeout(held, left) {
                Ok((h, _)) => h,
                Err(e) => e.into_inner().0,
            };
        }
        let gap = self.in_flight() == 0 && std::time::Instant::now() < deadline;
        drop(held);
        self.0.waiting.fetch_sub(1, SeqCst);
        gap
    }
}

/// Wait for a gap between requests, when there is a server to wait for.
pub(crate) fn give_way(fg: Option<&Foreground>) {
    if let Some(f) = fg {
        f.give_way();
    }
}

/// Put the calling thread in the background: on Linux under `SCHED_IDLE`,
/// so it runs when a processor would otherwise idle and a request that
/// wakes up takes the processor from it at once (a low nice value alone
/// lets the running thread finish its time slice first, a millisecond or
/// more added to a request). Elsewhere, or if the system refuses, the
/// lowest nice value. Work on such a thread still gets a sliver of a busy
/// machine, so it is delayed by load, never stopped by it.
pub fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
            set_thread_priority_and_policy, thread_native_id,
        };
        if set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        )
        .is_ok()
        {
            return;
        }
    }
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_in_flight_are_counted_until_their_guard_goes() {
        let fg = Foreground::default();
        assert_eq!(fg.in_flight(), 0);
        let a = fg.enter();
        let b = fg.clone().enter();
        assert_eq!(fg.in_flight(), 2);
        assert_eq!(fg.started(), 2);
        drop(a);
        assert_eq!(fg.in_flight(), 1);
        drop(b);
        assert_eq!(fg.in_flight(), 0);
        assert_eq!(fg.started(), 2, "ended requests still count as started");
    }

    #[test]
    fn giving_way_ends_when_the_request_does_or_the_wait_is_up() {
        let fg = Foreground::default();
        // Nothing in flight: straight on.
        fg.give_way();
        // A request that ends while background work waits for it.
        let running = fg.enter();
        let waiter = {
            let fg = fg.clone();
            std::thread::spawn(move || fg.give_way())
        };
        drop(running);
        waiter.join().unwrap();
        // A request that never ends holds background work up for a while
        // only: this returns with the request still in flight.
        let forever = fg.enter();
        fg.give_way();
        assert_eq!(fg.in_flight(), 1);
        drop(forever);
    }

    #[test]
    fn the_last_request_to_end_wakes_every_waiter() {
        use std::sync::atomic::Ordering::SeqCst;
        let fg = Foreground::default();
        let first = fg.enter();
        let second = fg.enter();
        // Waiters with a long limit, so each returns because it was woken:
        // `true` means it saw the gap, `false` that the limit ran out.
        let waiters: Vec<_> = (0..10)
            .map(|_| {
                let fg = fg.clone();
                std::thread::spawn(move || fg.give_way_within(Duration::from_secs(60)))
            })
            .collect();
        while fg.0.waiting.load(SeqCst) < 10 {
            std::thread::yield_now();
        }
        // One request ending is not yet a gap.
        drop(first);
        assert_eq!(fg.0.waiting.load(SeqCst), 10);
        drop(second);
        for w in waiters {
            assert!(w.join().unwrap(), "a waiter was not woken by the gap");
        }
        assert_eq!(fg.0.waiting.load(SeqCst), 0);
    }
}
