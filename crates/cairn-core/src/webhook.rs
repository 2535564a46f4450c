//! Outgoing webhooks: what a product sends to a receiver's URL when
//! something happens to its backlog, and the log of each delivery.

use crate::Millis;
use serde::{Deserialize, Serialize};

/// The events a webhook can subscribe to (`*` means all of them).
pub const EVENTS: &[&str] = &[
    "item.created",
    "item.changed",
    "item.moved",
    "comment.added",
    "release.shipped",
    "gate.failed",
];

/// `[webhooks]`: how long the delivery log keeps what is done with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Delivered and failed deliveries older than this many days are
    /// removed, with the bodies no other delivery uses; 0 keeps them all.
    #[serde(default = "default_keep_days")]
    pub keep_days: u32,
}

/// The delivery log's default retention, in days.
pub const KEEP_DAYS: u32 = 30;

fn default_keep_days() -> u32 {
    KEEP_DAYS
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            keep_days: KEEP_DAYS,
        }
    }
}

impl WebhooksConfig {
    pub fn is_default(&self) -> bool {
        *self == WebhooksConfig::default()
    }
}

/// A receiver of one product's events. The secret signs every body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: i64,
    pub product: String,
    pub url: String,
    pub secret: String,
    /// Event names, or `["*"]`.
    pub events: Vec<String>,
    pub active: bool,
    pub created: Millis,
}

impl Webhook {
    /// Does this hook want `event`?
    pub fn wants(&self, event: &str) -> bool {
        self.active && names_event(self.events.iter().map(String::as_str), event)
    }
}

/// Whether a webhook's list of events (`*` for all of them) names `event`.
pub fn names_event<'a>(events: impl IntoIterator<Item = &'a str>, event: &str) -> bool {
    events.into_iter().any(|e| e == "*" || e == event)
}

/// An event a change queued, not yet fanned out into deliveries.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedEvent {
    pub id: i64,
    pub product: String,
    pub event: String,
    /// The JSON body every webhook receives: in the event's own row, as
    /// the change queued it, or (queued before migration 0020) already
    /// stored in `webhook_payloads`.
    pub body: QueuedBody,
    pub created: Millis,
}

/// Where a queued event's body is.
#[derive(Debug, Clone, PartialEq)]
pub enum QueuedBody {
    /// In the queued event's row: the fan-out stores it once in
    /// `webhook_payloads` for all the deliveries it makes of it.
    Inline(String),
    /// Already in `webhook_payloads`, with this id.
    Stored(i64),
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub webhook: i64,
    pub event: String,
    /// The exact JSON body that is signed and sent.
    pub payload: String,
    /// pending, sending, delivered or failed.
    pub status: String,
    pub tries: i64,
    pub next_try: Option<Millis>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created: Millis,
    pub delivered_at: Option<Millis>,
}

pub const STATUSES: &[&str] = &["pending", "sending", "delivered", "failed"];

/// Parse a comma-separated event list; `None` or empty means `*`.
pub fn parse_events(s: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for e in s.unwrap_or("*").split(',').map(str::trim) {
        if e.is_empty() {
            continue;
        }
        if e != "*" && !EVENTS.contains(&e) {
            return Err(format!(
                "events: `{e}` is not an event; use * or some of {}",
                EVENTS.join(", ")
            ));
        }
        if !out.iter().any(|x| x == e) {
            out.push(e.to_string());
        }
    }
    if out.is_empty() || out.iter().any(|e| e == "*") {
        return Ok(vec!["*".to_string()]);
    }
    Ok(out)
}

/// Check a receiver URL: `http://host[:port][/path]`. HTTPS is refused
/// because this build has no TLS stack.
pub fn check_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.starts_with("https://") {
        return Err(format!(
            "url: `{url}` uses https, but this build of Cairn has no TLS support; use an http:// URL (for example through a local TLS-terminating proxy)"
        ));
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(format!(
            "url: `{url}` is not an http URL; give one like http://hooks.example.com/cairn"
        ));
    };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (host_port, None),
    };
    if host.is_empty()
        || host.contains('@')
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_[]:".contains(c))
    {
        return Err(format!(
            "url: `{url}` has no valid host; give one like http://hooks.example.com/cairn"
        ));
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!(
            "url: `{p}` in `{url}` is not a port number (1-65535)"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("url: `{url}` contains spaces; encode them as %20"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://hooks.example.com").is_ok());
        assert!(
            check_url("https://x.example.com")
                .unwrap_err()
                .contains("TLS")
        );
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("http://:80/").is_err());
        assert!(check_url("http://x:99999/").is_err());
        assert!(check_url("http://u@x/").is_err());
    }

    #[test]
    fn events() {
        assert_eq!(parse_events(None).unwrap(), ["*"]);
        assert_eq!(
            parse_events(Some("item.created, comment.added,item.created")).unwrap(),
            ["item.created", "comment.added"]
        );
        assert!(
            parse_events(Some("item.deleted"))
                .unwrap_err()
                .contains("item.deleted")
        );
        assert_eq!(parse_events(Some("item.moved,*")).unwrap(), ["*"]);
    }
}
