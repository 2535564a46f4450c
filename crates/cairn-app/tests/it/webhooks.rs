//! Outgoing webhooks on both backends, received by a real HTTP receiver
//! (`receiver.rs`) that checks each signature itself: signed bodies,
//! retries with backoff, giving up, replay, event filters, a refused change
//! sending nothing, bad input, and dead receivers not holding up a healthy one.

use crate::harness::*;
use crate::receiver::{Receiver, black_hole, dead_port};
use cairn_app::webhooks::{MAX_TRIES, backoff};
use cairn_app::{Access, AppError, Patch};
use cairn_core::{Kind, Role};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const SECRET: &str = "a-shared-secret-of-some-length";

fn as_user(fx: &mut Fx, user: &str, role: Role) {
    fx.app.set_access(Some(Access {
        user: user.into(),
        admin: false,
        roles: BTreeMap::from([("PAY".to_string(), role)]),
    }));
}

fn deliver(fx: &mut Fx) -> cairn_app::webhooks::WebhookRun {
    fx.app
        .deliver_webhooks_within(Duration::from_secs(2))
        .unwrap()
}

fn move_to(fx: &mut Fx, key: &cairn_core::ItemKey, state: &str) -> Result<(), AppError> {
    fx.app
        .item_edit(
            key,
            Patch {
                state: Some(state.into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .map(|_| ())
}

fn signed_deliveries_retry_give_up_and_replay(fx: &mut Fx) {
    fx.workspace();
    let rx = Receiver::start(SECRET, 2);
    let hook = fx
        .app
        .webhook_add("pay", &rx.url(), Some("item.created"), Some(SECRET))
        .unwrap();
    assert_eq!(hook.secret, SECRET);
    assert_eq!(hook.webhook.product, "PAY");
    let a = fx.add(Kind::Story, "Refunds by bank transfer");
    // Nothing is sent inside the change: the delivery waits.
    assert!(rx.got().is_empty());
    let ds = fx.app.webhook_deliveries(None, false, 50).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].status, "pending");

    // First try: the receiver answers 500, so it is retried after a backoff.
    let run = deliver(fx);
    assert_eq!((run.delivered, run.retrying, run.pending), (0, 1, 1));
    assert!(run.errors[0].contains("HTTP 500"), "{:?}", run.errors);
    assert_eq!(deliver(fx).retrying, 0, "not due again before the backoff");
    fx.advance(backoff(1));
    assert_eq!(deliver(fx).retrying, 1);
    fx.advance(backoff(2) - 1);
    assert_eq!(deliver(fx).retrying, 0);
    fx.advance(1);
    let run = deliver(fx);
    assert_eq!((run.delivered, run.pending), (1, 0));

    let got = rx.got();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got.iter().map(|g| g.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    for g in &got {
        assert!(g.verified, "signature not verified: {g:?}");
        assert_eq!(g.event, "item.created");
        assert_eq!(g.content_type, "application/json");
        assert_eq!(g.delivery, ds[0].id.to_string());
        assert_eq!(g.body, got[0].body, "every try sends the same bytes");
    }
    let body: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["event"], "item.created");
    assert_eq!(body["product"], "PAY");
    assert_eq!(body["actor"], fx.app.actor());
    assert_eq!(body["item"]["key"], a.to_string());
    assert_eq!(body["item"]["title"], "Refunds by bank transfer");
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    let d = &fx.app.webhook_deliveries(None, false, 50).unwrap()[0];
    assert_eq!(
        (d.status.as_str(), d.tries, d.last_status),
        ("delivered", 3, Some(200))
    );

    // A receiver nobody answers: given up after MAX_TRIES.
    let dead = fx
        .app
        .webhook_add(
            "PAY",
            &format!("http://127.0.0.1:{}/x", dead_port()),
            None,
            None,
        )
        .unwrap();
    assert!(dead.secret.starts_with("whsec_") && dead.secret.len() > 30);
    fx.add(Kind::Bug, "Double charge on retry");
    let mut failed = 0;
    for t in 1..=MAX_TRIES {
        let run = deliver(fx);
        failed += run.failed;
        if t < MAX_TRIES {
            assert_eq!(run.retrying, 1, "try {t}");
        }
        fx.advance(backoff(t));
    }
    assert_eq!(failed, 1);
    let f = fx
        .app
        .webhook_deliveries(Some(dead.webhook.id), true, 10)
        .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].tries, MAX_TRIES);
    assert!(
        f[0].last_error
            .as_deref()
            .unwrap()
            .contains("could not reach"),
        "{f:?}"
    );
    // The healthy hook got its one event and nothing more (filtered).
    assert_eq!(rx.got().len(), 4);

    // Replay the first delivery: a new delivery with the same body.
    let again = fx.app.webhook_replay(ds[0].id).unwrap();
    assert_ne!(again.id, ds[0].id);
    assert_eq!(again.status, "pending");
    deliver(fx);
    let got = rx.got();
    assert_eq!(got.len(), 5);
    assert_eq!(got[4].body, got[0].body);
    assert_eq!(got[4].delivery, again.id.to_string());
    assert!(got[4].verified);
    let audit: Vec<String> = fx
        .app
        .history("PAY")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.iter().any(|a| a == "webhook.replay"), "{audit:?}");
    assert!(audit.iter().any(|a| a == "webhook.add"));
}

fn events_are_filtered_and_refused_changes_send_nothing(fx: &mut Fx) {
    fx.workspace();
    let rx = Receiver::start(SECRET, 0);
    let all = Receiver::start(SECRET, 0);
    fx.app
        .webhook_add(
            "PAY",
            &rx.url(),
            Some("item.moved, comment.added"),
            Some(SECRET),
        )
        .unwrap();
    fx.app
        .webhook_add("PAY", &all.url(), Some("*"), Some(SECRET))
        .unwrap();
    fx.app.release_add(Some("PAY"), "2026.1", None).unwrap();
    let a = fx.add(Kind::Story, "Export invoices");
    let b = fx.add(Kind::Task, "Write the exporter");
    for k in [&a, &b] {
        fx.app
            .item_edit(
                k,
                Patch {
                    release: Some(Some("2026.1".into())),
                    ..Patch::default()
                },
                None,
                None,
            )
            .unwrap();
    }
    // A stale edit is refused inside its transaction: nothing queued.
    let before = fx.app.webhook_deliveries(None, false, 500).unwrap().len();
    let stale = fx.app.item_edit(
        &a,
        Patch {
            title: Some("Export invoices as PDF".into()),
            ..Patch::default()
        },
        Some(1),
        None,
    );
    assert!(stale.is_err());
    assert_eq!(
        fx.app.webhook_deliveries(None, false, 500).unwrap().len(),
        before
    );
    move_to(fx, &a, "done").unwrap();
    fx.app
        .comment_add(&a, "Shipped to the pilot customers", None)
        .unwrap();
    move_to(fx, &b, "done").unwrap();
    deliver(fx);
    let events = |r: &Receiver| r.got().iter().map(|g| g.event.clone()).collect::<Vec<_>>();
    assert_eq!(events(&rx), ["item.moved", "comment.added", "item.moved"]);
    assert_eq!(
        events(&all),
        [
            "item.created",
            "item.created",
            "item.changed",
            "item.changed",
            "item.moved",
            "comment.added",
            "item.moved",
            "release.shipped",
        ]
    );
    let got = all.got();
    let changed: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(changed["changes"][0]["field"], "release");
    assert_eq!(changed["changes"][0]["to"], "2026.1");
    let moved: Value = serde_json::from_str(&got[4].body).unwrap();
    assert_eq!(moved["changes"][0]["from"], "todo");
    assert_eq!(moved["changes"][0]["to"], "done");
    let comment: Value = serde_json::from_str(&got[5].body).unwrap();
    assert_eq!(comment["comment"]["body"], "Shipped to the pilot customers");
    let shipped: Value = serde_json::from_str(&got[7].body).unwrap();
    assert_eq!(shipped["release"]["name"], "2026.1");
    assert_eq!(shipped["release"]["items"], 2);
    assert!(got.iter().all(|g| g.verified));

    // A gate refusing a move tells the hooks, though the move is refused.
    let cfg = fx.app.config_text().unwrap();
    fx.app
        .config_apply(
            &format!(
                "{cfg}\n[gates.ready]\nstates = [\"in-progress\"]\n[gates.ready.rules]\nstory = [\"estimated\"]\n"
            ),
            None,
        )
        .unwrap();
    let c = fx.add(Kind::Story, "Dunning letters");
    assert!(matches!(
        move_to(fx, &c, "in-progress"),
        Err(AppError::Gate(_))
    ));
    deliver(fx);
    let got = all.got();
    let last: Value = serde_json::from_str(&got.last().unwrap().body).unwrap();
    assert_eq!(last["event"], "gate.failed");
    assert_eq!(last["item"]["key"], c.to_string());
    assert_eq!(last["gate"]["name"], "ready");
    assert_eq!(last["gate"]["unmet"][0]["rule"], "estimated");
}

fn bad_input_and_who_may(fx: &mut Fx) {
    fx.workspace();
    for (url, events, secret, says) in [
        ("https://hooks.example.com/x", None, None, "no TLS support"),
        ("ftp://hooks.example.com/x", None, None, "url: `ftp://"),
        ("http:///x", None, None, "no valid host"),
        ("http://h.example.com:0/", None, None, "not a port"),
        (
            "http://h.example.com/",
            Some("item.created,item.deleted"),
            None,
            "events: `item.deleted` is not an event",
        ),
        ("http://h.example.com/", None, Some("short"), "secret:"),
    ] {
        let e = fx.app.webhook_add("PAY", url, events, secret).unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{url}: {e}");
        assert!(e.to_string().contains(says), "{url}: {e}");
    }
    let e = fx
        .app
        .webhook_add("NOPE", "http://h.example.com/", None, None)
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e}");
    let h = fx
        .app
        .webhook_add("PAY", "http://h.example.com/", None, None)
        .unwrap();
    let listed = serde_json::to_string(&fx.app.webhooks(Some("PAY")).unwrap()).unwrap();
    assert!(!listed.contains(&h.secret), "the secret is never listed");
    assert!(listed.contains("\"secret_set\":true"));

    as_user(fx, "mo", Role::Member);
    for e in [
        fx.app
            .webhook_add("PAY", "http://h.example.com/", None, None)
            .unwrap_err(),
        fx.app.webhooks(Some("PAY")).unwrap_err(),
        fx.app.webhook_rm(h.webhook.id).unwrap_err(),
    ] {
        assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    }
    assert!(fx.app.webhooks(None).unwrap().is_empty());
    as_user(fx, "olive", Role::Owner);
    assert_eq!(fx.app.webhooks(None).unwrap().len(), 1);
    fx.app.webhook_rm(h.webhook.id).unwrap();
    assert!(fx.app.webhooks(Some("PAY")).unwrap().is_empty());
    assert!(matches!(
        fx.app.webhook_rm(h.webhook.id).unwrap_err(),
        AppError::NotFound(_)
    ));
    assert!(matches!(
        fx.app.webhook_replay(999).unwrap_err(),
        AppError::NotFound(_)
    ));
}

fn dead_receivers_do_not_hold_up_a_healthy_one(fx: &mut Fx) {
    fx.workspace();
    let rx = Receiver::start(SECRET, 0);
    for url in [
        format!("http://127.0.0.1:{}/never-answers", black_hole()),
        format!("http://127.0.0.1:{}/nobody-home", dead_port()),
        rx.url(),
    ] {
        fx.app.webhook_add("PAY", &url, None, Some(SECRET)).unwrap();
    }
    for n in 0..3 {
        fx.add(Kind::Task, &format!("Task {n}"));
    }
    // One run with a 2 s limit: the healthy receiver gets all three; each
    // dead one fails its first and leaves the rest for the next retry.
    let run = deliver(fx);
    assert_eq!(run.delivered, 3, "{run:?}");
    assert_eq!(run.retrying, 2, "{run:?}");
    assert_eq!(run.pending, 6);
    assert_eq!(rx.got().len(), 3);
    assert!(run.errors.iter().any(|e| e.contains("never-answers")));
    assert!(run.errors.iter().any(|e| e.contains("nobody-home")));
}

/// A change queues one event, not one delivery per webhook; the fan-out
/// makes the deliveries, for the webhooks of that moment that want it.
fn one_event_per_change_fanned_out_later(fx: &mut Fx) {
    fx.workspace();
    for n in 0..3 {
        fx.app
            .webhook_add("PAY", &format!("http://127.0.0.1:9/hook-{n}"), None, None)
            .unwrap();
    }
    fx.add(Kind::Task, "Fan out");
    let count = |fx: &mut Fx, table: &str| {
        let rows = fx
            .app
            .store()
            .backend()
            .query(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .unwrap();
        rows[0][0].as_i64().unwrap()
    };
    // The change wrote one row: the event, with its body.
    assert_eq!(count(fx, "webhook_events"), 1);
    assert_eq!(count(fx, "webhook_deliveries"), 0);
    assert_eq!(count(fx, "webhook_payloads"), 0);
    // Counted as waiting, so the CLI delivers after the change.
    assert_eq!(fx.app.store().deliveries_pending().unwrap(), 1);
    // A webhook that wants only comments gets nothing from an item.
    fx.app
        .webhook_add(
            "PAY",
            "http://127.0.0.1:9/comments",
            Some("comment.added"),
            None,
        )
        .unwrap();
    fx.app.fan_out_webhook_events().unwrap();
    assert_eq!(count(fx, "webhook_events"), 0);
    assert_eq!(count(fx, "webhook_deliveries"), 3);
    let ds = fx.app.webhook_deliveries(None, false, 50).unwrap();
    assert_eq!(ds.len(), 3);
    assert!(
        ds.iter()
            .all(|d| d.status == "pending" && d.event == "item.created")
    );
    // The body is stored once for the three deliveries, and each of them
    // sends it whole.
    assert_eq!(count(fx, "webhook_payloads"), 1);
    let body = fx.app.store().delivery(ds[0].id).unwrap().unwrap().payload;
    assert!(body.contains("\"Fan out\""), "{body}");
    for d in &ds {
        let got = fx.app.store().delivery(d.id).unwrap().unwrap();
        assert_eq!(got.payload, body);
    }
    // Fanning out again makes nothing new.
    fx.app.fan_out_webhook_events().unwrap();
    assert_eq!(count(fx, "webhook_deliveries"), 3);
    // A replay shares the body too.
    fx.app.webhook_replay(ds[0].id).unwrap();
    assert_eq!(count(fx, "webhook_deliveries"), 4);
    assert_eq!(count(fx, "webhook_payloads"), 1);
    // Removing a webhook keeps the body while others' deliveries use it;
    // removing the last one that does removes it.
    let hooks = fx.app.webhooks(Some("PAY")).unwrap();
    assert_eq!(hooks.len(), 4);
    // The first three got the item's deliveries; the fourth wants comments.
    for (w, left) in hooks.iter().zip([1, 1, 0, 0]) {
        fx.app.webhook_rm(w.id).unwrap();
        assert_eq!(
            count(fx, "webhook_payloads"),
            left,
            "after removing {}",
            w.url
        );
    }
    // An event queued for a webhook removed before the fan-out goes with
    // its body, which is never stored apart.
    let w = fx
        .app
        .webhook_add("PAY", "http://127.0.0.1:9/brief", None, None)
        .unwrap();
    fx.add(Kind::Task, "Nobody left to tell");
    fx.app.webhook_rm(w.webhook.id).unwrap();
    assert_eq!(count(fx, "webhook_events"), 1);
    assert_eq!(count(fx, "webhook_payloads"), 0);
    fx.app.fan_out_webhook_events().unwrap();
    assert_eq!(count(fx, "webhook_events"), 0);
    assert_eq!(count(fx, "webhook_payloads"), 0);
    assert_eq!(count(fx, "webhook_deliveries"), 0);
}

/// A delivery log written before bodies were stored once (schema 17)
/// keeps every delivery's body through the upgrades, an event queued then
/// is delivered with its body after them, and new deliveries get ids of
/// their own.
fn a_delivery_log_keeps_its_bodies_through_the_upgrade(backend: Backend) {
    use cairn_store::Value as V;
    let bodies = ["{\"n\":1}", "{\"n\":2,\"é\":\"ü\"}"];
    let queued = "{\"n\":4,\"queued\":\"before the upgrade\"}";
    let mut ids = Vec::new();
    let mut fx = Fx::prepared(backend, "webhooks::upgrade", |url| {
        let mut store = cairn_store::Store::open_migrated_to(url, T0, 17).unwrap();
        let b = store.backend();
        let hook = b
            .query(
                "INSERT INTO webhooks (product, url, secret, events, active, created) \
                 VALUES ('PAY', 'http://127.0.0.1:9/old', 's', '*', 1, 0) RETURNING id",
                &[],
            )
            .unwrap()[0][0]
            .as_i64()
            .unwrap();
        for (body, status) in bodies.iter().zip(["delivered", "failed"]) {
            let rows = b
                .query(
                    "INSERT INTO webhook_deliveries (webhook, event, payload, status, tries, created) \
                     VALUES (?, 'item.created', ?, ?, 1, 0) RETURNING id",
                    &[V::Int(hook), (*body).into(), status.into()],
                )
                .unwrap();
            ids.push(rows[0][0].as_i64().unwrap());
        }
        b.execute(
            "INSERT INTO webhook_events (product, event, payload, created) \
             VALUES ('PAY', 'item.changed', ?, 0)",
            &[queued.into()],
        )
        .unwrap();
    });
    let store = fx.app.store();
    assert_eq!(store.delivery(ids[0]).unwrap().unwrap().payload, bodies[0]);
    let old = store.delivery(ids[1]).unwrap().unwrap();
    assert_eq!(old.payload, bodies[1]);
    assert_eq!(old.status, "failed");
    // A replay after the upgrade: a new id, the same body.
    let id = store.replay_delivery(ids[1], T0).unwrap().unwrap();
    assert!(id > ids[1]);
    assert_eq!(store.delivery(id).unwrap().unwrap().payload, old.payload);
    // New bodies get ids of their own (PostgreSQL's sequence was moved on).
    let body = store.insert_webhook_payload("{\"n\":3}").unwrap();
    assert!(
        body > ids[1],
        "a new body must not reuse a migrated id: {body}"
    );
    // The queued event is fanned out to the webhook with its body, which
    // is not any migrated delivery's.
    fx.app.fan_out_webhook_events().unwrap();
    let ds = fx.app.store().deliveries(None, false, 50).unwrap();
    let d = ds.iter().find(|d| d.event == "item.changed").unwrap();
    assert_eq!(d.status, "pending");
    assert_eq!(d.payload, queued);
    assert_eq!(
        fx.app.store().delivery(ids[0]).unwrap().unwrap().payload,
        bodies[0]
    );
    let later = fx.app.store().insert_webhook_payload("{\"n\":5}").unwrap();
    assert!(later > body);
}

#[test]
fn sqlite_a_delivery_log_keeps_its_bodies_through_the_upgrade() {
    a_delivery_log_keeps_its_bodies_through_the_upgrade(Backend::Sqlite);
}

#[test]
fn postgres_a_delivery_log_keeps_its_bodies_through_the_upgrade() {
    a_delivery_log_keeps_its_bodies_through_the_upgrade(Backend::Postgres);
}

/// An edit that pauses (`false`) or resumes (`true`) a webhook.
fn set_active(active: bool) -> cairn_app::webhooks::WebhookEdit {
    cairn_app::webhooks::WebhookEdit {
        active: Some(active),
        ..Default::default()
    }
}

/// A paused webhook is sent nothing and gets no new deliveries; what it
/// had waiting goes out when it is resumed, to its new address and signed
/// with its new secret. The audit trail says what changed, never the secret.
fn paused_resumed_and_changed(fx: &mut Fx) {
    use cairn_app::webhooks::{SecretChange, WebhookEdit};
    fx.workspace();
    let rx = Receiver::start(SECRET, 0);
    let id = fx
        .app
        .webhook_add("PAY", &rx.url(), None, Some(SECRET))
        .unwrap()
        .webhook
        .id;
    fx.add(Kind::Story, "Before the pause");
    deliver(fx);
    assert_eq!(rx.got().len(), 1);
    // Queued before the pause: held, not sent, while paused.
    fx.add(Kind::Story, "Queued before the pause");
    let paused = fx.app.webhook_edit(id, &set_active(false)).unwrap();
    assert!(!paused.webhook.active);
    assert!(paused.secret.is_none());
    let run = deliver(fx);
    assert_eq!(run.delivered, 0, "{run:?}");
    assert_eq!(rx.got().len(), 1);
    // Made while paused: nothing queued for it.
    fx.add(Kind::Story, "Made while paused");
    let log =
        serde_json::to_string(&fx.app.webhook_deliveries(Some(id), false, 50).unwrap()).unwrap();
    assert!(log.contains("Queued before the pause"), "{log}");
    assert!(!log.contains("Made while paused"), "{log}");
    deliver(fx);
    assert_eq!(rx.got().len(), 1);

    // Bad changes are refused whole: nothing changes.
    for (edit, says) in [
        (WebhookEdit::default(), "nothing to change"),
        (
            WebhookEdit {
                url: Some("https://h.example.com/".into()),
                active: Some(true),
                ..WebhookEdit::default()
            },
            "no TLS support",
        ),
        (
            WebhookEdit {
                events: Some("item.created,item.gone".into()),
                ..WebhookEdit::default()
            },
            "`item.gone` is not an event",
        ),
        (
            WebhookEdit {
                secret: Some(SecretChange::Set("short".into())),
                active: Some(true),
                ..WebhookEdit::default()
            },
            "at least 16 characters",
        ),
    ] {
        let e = fx.app.webhook_edit(id, &edit).unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    assert!(!fx.app.webhooks(Some("PAY")).unwrap()[0].active);
    assert!(matches!(
        fx.app.webhook_edit(999, &set_active(true)).unwrap_err(),
        AppError::NotFound(_)
    ));

    // Resumed at a new address with a new secret: what waited goes out at
    // once (not after its retry time), signed with the new secret.
    let other_secret = "another-secret-for-the-new-address";
    let rx2 = Receiver::start(other_secret, 0);
    let resumed = fx
        .app
        .webhook_edit(
            id,
            &WebhookEdit {
                url: Some(rx2.url()),
                events: Some("item.created, comment.added".into()),
                active: Some(true),
                secret: Some(SecretChange::Set(other_secret.into())),
            },
        )
        .unwrap();
    assert!(resumed.webhook.active);
    assert_eq!(resumed.secret.as_deref(), Some(other_secret));
    assert_eq!(resumed.webhook.events, ["item.created", "comment.added"]);
    let run = deliver(fx);
    assert_eq!(run.delivered, 1, "{run:?}");
    let got = rx2.got();
    assert_eq!(got.len(), 1);
    assert!(got[0].body.contains("Queued before the pause"));
    assert!(got[0].verified, "signed with the new secret");
    assert_eq!(rx.got().len(), 1);

    // A generated secret is returned once, and differs.
    let fresh = fx
        .app
        .webhook_edit(
            id,
            &WebhookEdit {
                secret: Some(SecretChange::Generate),
                ..WebhookEdit::default()
            },
        )
        .unwrap();
    let fresh = fresh.secret.unwrap();
    assert!(fresh.starts_with("whsec_") && fresh != other_secret);

    let edits: Vec<_> = fx
        .app
        .history("PAY")
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "webhook.edit")
        .collect();
    assert_eq!(
        edits.len(),
        3,
        "one entry per change made, none for refusals"
    );
    let trail = edits
        .iter()
        .map(|e| e.changes.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        trail.contains("\"active\"") && trail.contains(&rx2.url()),
        "{trail}"
    );
    assert!(
        !trail.contains(other_secret) && !trail.contains(&fresh),
        "{trail}"
    );

    // Only owners change webhooks.
    as_user(fx, "mo", Role::Member);
    let e = fx.app.webhook_edit(id, &set_active(false)).unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
}

/// A run sends at most `BATCH` and says it was full, so the server's
/// worker knows more are due; the next run sends the rest.
fn a_run_sends_a_batch_and_says_when_more_are_due(fx: &mut Fx) {
    use cairn_app::webhooks::BATCH;
    fx.workspace();
    let rx = Receiver::start(SECRET, 0);
    fx.app
        .webhook_add("PAY", &rx.url(), Some("comment.added"), Some(SECRET))
        .unwrap();
    let key = fx.add(Kind::Story, "Much discussed");
    let n = BATCH as usize + 10;
    for i in 0..n {
        fx.app
            .comment_add(&key, &format!("Comment {i}"), None)
            .unwrap();
    }
    let first = deliver(fx);
    assert!(first.full, "{first:?}");
    assert_eq!(first.delivered, BATCH);
    assert_eq!(first.pending, 10);
    let second = deliver(fx);
    assert!(!second.full, "{second:?}");
    assert_eq!(second.delivered, 10);
    assert_eq!(rx.got().len(), n);
}

/// The log keeps 30 days unless told otherwise: older delivered and failed
/// deliveries go, with bodies nothing else uses; waiting ones stay however
/// old, a replay keeps its original's body, and `keep_days = 0` keeps all.
fn the_delivery_log_is_pruned_after_its_retention(fx: &mut Fx) {
    const DAY: i64 = 86_400_000;
    fx.workspace();
    let rx = Receiver::start(SECRET, 0);
    fx.app
        .webhook_add("PAY", &rx.url(), Some("item.created"), Some(SECRET))
        .unwrap();
    fx.app
        .webhook_add(
            "PAY",
            &format!("http://127.0.0.1:{}/gone", dead_port()),
            Some("item.created"),
            None,
        )
        .unwrap();
    let body_count = |fx: &mut Fx| scalar(&mut fx.app, "SELECT COUNT(*) FROM webhook_payloads");
    fx.add(Kind::Task, "Old news");
    fx.add(Kind::Task, "Old, replayed later");
    deliver(fx);
    let old = fx.app.webhook_deliveries(None, false, 50).unwrap();
    assert_eq!(old.len(), 4);
    let delivered: Vec<i64> = old
        .iter()
        .filter(|d| d.status == "delivered")
        .map(|d| d.id)
        .collect();
    assert_eq!(delivered.len(), 2);
    assert_eq!(body_count(fx), 2);

    // 29 days on, nothing is old enough; then one is replayed.
    fx.advance(29 * DAY);
    assert_eq!(fx.app.webhook_prune().unwrap(), 0);
    let replayed = delivered[0].max(delivered[1]);
    let replay = fx.app.webhook_replay(replayed).unwrap();
    fx.advance(2 * DAY);
    fx.add(Kind::Task, "Fresh");
    let removed = fx.app.webhook_prune().unwrap();
    // The two old delivered ones; the dead receiver's are still waiting.
    assert_eq!(removed, 2);
    let store = fx.app.store();
    for id in &delivered {
        assert!(store.delivery(*id).unwrap().is_none(), "{id} kept");
    }
    let kept = store.delivery(replay.id).unwrap().unwrap();
    assert!(
        kept.payload.contains("Old, replayed later"),
        "{}",
        kept.payload
    );
    // No body went that a delivery still uses: "Old news" waits for the
    // dead receiver, the replay has the other ("Fresh" is not fanned out).
    assert_eq!(body_count(fx), 2);
    // Waiting: the dead receiver's two, the replay, and both of "Fresh".
    let waiting = fx.app.webhook_deliveries(None, false, 50).unwrap();
    assert_eq!(
        waiting.iter().filter(|d| d.status == "pending").count(),
        5,
        "{waiting:?}"
    );
    assert_eq!(fx.app.webhook_prune().unwrap(), 0);

    // Only admins prune.
    fx.app.set_access(Some(Access {
        user: "owner".into(),
        admin: false,
        roles: BTreeMap::from([("PAY".to_string(), Role::Owner)]),
    }));
    let e = fx.app.webhook_prune().unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    fx.app.set_access(None);

    // keep_days = 0 keeps everything, however old.
    let text = format!(
        "{}\n[webhooks]\nkeep_days = 0\n",
        cairn_core::config::DEFAULT_CONFIG
    );
    fx.app.config_apply(&text, None).unwrap();
    deliver(fx);
    fx.advance(400 * DAY);
    assert_eq!(fx.app.webhook_prune().unwrap(), 0);
    assert!(fx.app.store().delivery(replay.id).unwrap().is_some());
    // A bad value is refused, showing the line and what was expected.
    let bad = format!(
        "{}\n[webhooks]\nkeep_days = -3\n",
        cairn_core::config::DEFAULT_CONFIG
    );
    let e = fx.app.config_apply(&bad, None).unwrap_err().to_string();
    assert!(
        e.contains("keep_days = -3") && e.contains("expected u32"),
        "{e}"
    );
}

both!(
    the_delivery_log_is_pruned_after_its_retention,
    one_event_per_change_fanned_out_later,
    signed_deliveries_retry_give_up_and_replay,
    events_are_filtered_and_refused_changes_send_nothing,
    bad_input_and_who_may,
    dead_receivers_do_not_hold_up_a_healthy_one,
    paused_resumed_and_changed,
    a_run_sends_a_batch_and_says_when_more_are_due,
);
