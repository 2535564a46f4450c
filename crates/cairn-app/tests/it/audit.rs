//! The audit trail: one entry per change, chained by hashes, and
//! `audit verify` finding alteration, deletion, reordering and truncation
//! done behind Cairn's back.

use crate::harness::*;
use cairn_app::{App, Patch, Position};
use cairn_core::audit::{Break, GENESIS};
use cairn_core::{AuditEntry, KeyResult, Kind};
use cairn_store::Value;

fn entries(app: &mut App) -> Vec<AuditEntry> {
    app.store().audit_after(0, 100_000).unwrap()
}

fn exec(app: &mut App, sql: &str) -> u64 {
    app.store()
        .backend()
        .execute(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Put an entry back verbatim (after a test deleted it).
fn reinsert(app: &mut App, e: &AuditEntry) {
    let n = app
        .store()
        .backend()
        .execute(
            "INSERT INTO audit (seq, at, actor, action, target, related, reason, changes, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(e.seq),
                Value::Int(e.at),
                e.actor.clone().into(),
                e.action.clone().into(),
                e.target.clone().into(),
                e.related.clone().into(),
                e.reason.clone().into(),
                e.changes.clone().into(),
                e.prev_hash.clone().into(),
                e.hash.clone().into(),
            ],
        )
        .unwrap();
    assert_eq!(n, 1);
}

fn verify(app: &mut App) -> cairn_app::workspace::VerifyReport {
    let mut calls = 0;
    let r = app.audit_verify(&mut |_| calls += 1).unwrap();
    assert!(
        calls >= 1 || r.checked == 0 || r.broken.is_some(),
        "progress was never reported"
    );
    r
}

/// Run a use case and check it appended exactly one entry with this action.
fn one_entry<T>(fx: &mut Fx, action: &str, f: impl FnOnce(&mut App) -> cairn_app::Result<T>) {
    let before = audit_count(&mut fx.app);
    fx.advance(MINUTE);
    f(&mut fx.app).unwrap_or_else(|e| panic!("{action}: {e}"));
    assert_eq!(
        audit_count(&mut fx.app),
        before + 1,
        "{action} must append exactly one entry"
    );
    let last = entries(&mut fx.app).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.at, last.actor.as_str()),
        (action, fx.now(), "ann")
    );
}

fn build_history(fx: &mut Fx) {
    one_entry(fx, "workspace.init", |a| a.init());
    one_entry(fx, "product.create", |a| a.product_add("PAY", "Payments"));
    one_entry(fx, "person.create", |a| a.person_add("ann", "Ann", None));
    one_entry(fx, "release.create", |a| {
        a.release_add(None, "2026.1", Some("2026-03-31"))
    });
    one_entry(fx, "goal.create", |a| {
        a.goal_add(
            "Faster refunds",
            "Refund within two days",
            vec![KeyResult {
                description: "Median refund time".into(),
                target: 2.0,
                current: 5.0,
                unit: Some("days".into()),
            }],
        )
    });
    one_entry(fx, "item.create", |a| {
        a.item_add(new(Kind::Story, "Refund a card payment"), None)
    });
    one_entry(fx, "item.create", |a| {
        a.item_add(new(Kind::Story, "Settle"), None)
    });
    one_entry(fx, "item.update", |a| {
        a.item_edit(
            &k("PAY-1"),
            Patch {
                labels: Some(vec!["payments".into()]),
                ..Patch::default()
            },
            None,
            None,
        )
    });
    one_entry(fx, "item.state", |a| {
        a.item_edit(
            &k("PAY-1"),
            Patch {
                state: Some("done".into()),
                ..Patch::default()
            },
            None,
            Some("shipped"),
        )
    });
    one_entry(fx, "item.rank", |a| {
        a.item_move(&k("PAY-2"), &Position::Top, None, None)
    });
    one_entry(fx, "link.add", |a| {
        a.link(&k("PAY-1"), "relates", &k("PAY-2"), None)
    });
    one_entry(fx, "link.remove", |a| {
        a.unlink(&k("PAY-1"), "relates", &k("PAY-2"), None)
    });
    one_entry(fx, "goal.link", |a| {
        a.goal_link("Faster refunds", &k("PAY-1"), false)
    });
    one_entry(fx, "config.apply", |a| {
        a.config_apply(&crate::items::config_with_fields(), None)
    });
    one_entry(fx, "item.delete", |a| a.item_rm(&k("PAY-2"), None, None));
}

fn every_change_appends_one_chained_entry(fx: &mut Fx) {
    build_history(fx);
    let all = entries(&mut fx.app);
    assert_eq!(all.len(), 15);
    for (n, e) in all.iter().enumerate() {
        assert_eq!(e.seq, n as i64 + 1, "seqs have no gaps");
        assert_eq!(e.hash, e.compute_hash(), "entry {} hash", e.seq);
        let prev = if n == 0 {
            GENESIS
        } else {
            all[n - 1].hash.as_str()
        };
        assert_eq!(
            e.prev_hash, prev,
            "entry {} chains to the one before",
            e.seq
        );
    }
    assert!(
        all.windows(2).all(|w| w[0].at < w[1].at),
        "entries carry the simulated clock"
    );
    assert_eq!(all[8].reason.as_deref(), Some("shipped"));
    assert_eq!(
        fx.app.store().audit_head().unwrap(),
        (15, all[14].hash.clone())
    );

    // Refused or no-op use cases append nothing.
    let before = audit_count(&mut fx.app);
    assert!(
        fx.app
            .item_edit(&k("PAY-1"), Patch::default(), None, None)
            .is_ok()
    );
    assert!(
        fx.app
            .goal_link("Faster refunds", &k("PAY-1"), false)
            .is_ok_and(|changed| !changed)
    );
    assert!(fx.app.item_add(new(Kind::Story, ""), None).is_err());
    assert!(
        fx.app
            .link(&k("PAY-1"), "blocks", &k("PAY-2"), None)
            .is_err()
    );
    assert!(!fx.app.init().unwrap());
    assert_eq!(audit_count(&mut fx.app), before);

    let r = verify(&mut fx.app);
    assert!(r.ok(), "{}", r.message);
    assert_eq!((r.checked, r.head_seq), (15, 15));
    assert_contains(&r.message, &["intact", "15 entries"]);
}

fn verify_finds_tampering_behind_cairns_back(fx: &mut Fx) {
    build_history(fx);
    let original = entries(&mut fx.app);
    let n = original.len() as i64;
    assert!(verify(&mut fx.app).ok());

    // Altered.
    assert_eq!(
        exec(
            &mut fx.app,
            "UPDATE audit SET actor = 'mallory' WHERE seq = 3"
        ),
        1
    );
    let r = verify(&mut fx.app);
    assert_eq!(r.broken, Some(Break::Altered { seq: 3 }), "{}", r.message);
    assert!(!r.ok());
    assert_contains(&r.message, &["entry 3 was altered"]);
    assert_eq!(r.checked, 2, "entries before the break verified");
    // Writes go on, but the break stays reported.
    fx.app
        .item_add(new(Kind::Task, "After the tampering"), None)
        .unwrap();
    assert_eq!(verify(&mut fx.app).broken, Some(Break::Altered { seq: 3 }));
    let after = entries(&mut fx.app).pop().unwrap();
    assert_eq!(
        exec(
            &mut fx.app,
            &format!("DELETE FROM audit WHERE seq = {}", after.seq)
        ),
        1
    );
    assert_eq!(
        exec(
            &mut fx.app,
            &format!(
                "UPDATE audit_head SET seq = {n}, hash = '{}'",
                original[n as usize - 1].hash
            )
        ),
        1
    );
    assert_eq!(
        exec(
            &mut fx.app,
            &format!(
                "UPDATE audit SET actor = '{}' WHERE seq = 3",
                original[2].actor
            )
        ),
        1
    );
    assert!(verify(&mut fx.app).ok(), "restored");

    // Altered and re-hashed: the next entry no longer follows it.
    let e3 = original[2].clone();
    assert_eq!(
        e3.reason, None,
        "entry 3 is restored below by clearing its reason"
    );
    let mut forged = e3.clone();
    forged.reason = Some("forged".into());
    forged.hash = forged.compute_hash();
    exec(
        &mut fx.app,
        &format!(
            "UPDATE audit SET reason = 'forged', hash = '{}' WHERE seq = 3",
            forged.hash
        ),
    );
    let r = verify(&mut fx.app);
    assert_eq!(
        r.broken,
        Some(Break::Unlinked {
            seq: 4,
            expected_seq: 4
        }),
        "{}",
        r.message
    );
    exec(
        &mut fx.app,
        &format!(
            "UPDATE audit SET reason = NULL, hash = '{}' WHERE seq = 3",
            e3.hash
        ),
    );
    assert!(verify(&mut fx.app).ok(), "restored");

    // Deleted.
    assert_eq!(exec(&mut fx.app, "DELETE FROM audit WHERE seq = 4"), 1);
    let r = verify(&mut fx.app);
    assert_eq!(
        r.broken,
        Some(Break::Unlinked {
            seq: 5,
            expected_seq: 4
        }),
        "{}",
        r.message
    );
    assert_contains(&r.message, &["entry 5 does not follow entry 3", "deleted"]);
    reinsert(&mut fx.app, &original[3]);
    assert!(verify(&mut fx.app).ok(), "restored");

    // Reordered: entries 5 and 6 swap places.
    exec(&mut fx.app, "UPDATE audit SET seq = -6 WHERE seq = 6");
    exec(&mut fx.app, "UPDATE audit SET seq = 6 WHERE seq = 5");
    exec(&mut fx.app, "UPDATE audit SET seq = 5 WHERE seq = -6");
    let r = verify(&mut fx.app);
    assert_eq!(
        r.broken,
        Some(Break::Unlinked {
            seq: 5,
            expected_seq: 5
        }),
        "{}",
        r.message
    );
    assert_contains(&r.message, &["entry 5", "reordered"]);
    exec(&mut fx.app, "UPDATE audit SET seq = -5 WHERE seq = 5");
    exec(&mut fx.app, "UPDATE audit SET seq = 5 WHERE seq = 6");
    exec(&mut fx.app, "UPDATE audit SET seq = 6 WHERE seq = -5");
    assert!(verify(&mut fx.app).ok(), "restored");

    // Truncated: the last two entries deleted.
    assert_eq!(
        exec(
            &mut fx.app,
            &format!("DELETE FROM audit WHERE seq > {}", n - 2)
        ),
        2
    );
    let r = verify(&mut fx.app);
    assert_eq!(
        r.broken,
        Some(Break::Truncated {
            last_seq: n - 2,
            head_seq: n
        }),
        "{}",
        r.message
    );
    assert_contains(
        &r.message,
        &[
            &format!("ends at entry {}", n - 2),
            &format!("after {} were deleted", n - 2),
        ],
    );
    // Everything deleted.
    exec(&mut fx.app, "DELETE FROM audit");
    let r = verify(&mut fx.app);
    assert_eq!(
        r.broken,
        Some(Break::Truncated {
            last_seq: 0,
            head_seq: n
        }),
        "{}",
        r.message
    );
    for e in &original {
        reinsert(&mut fx.app, e);
    }
    let r = verify(&mut fx.app);
    assert!(r.ok(), "{}", r.message);
    assert_eq!(r.checked, n as u64);
}

both!(
    every_change_appends_one_chained_entry,
    verify_finds_tampering_behind_cairns_back
);
