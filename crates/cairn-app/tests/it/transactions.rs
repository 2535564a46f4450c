//! Every use case is one transaction: when it fails, nothing it wrote stays.

use crate::harness::*;
use cairn_app::{App, AppError, NewItem, Patch, Position};
use cairn_core::Kind;

/// The state a failed use case must leave untouched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    next_number: i64,
    items: i64,
    labels: i64,
    fields: i64,
    links: i64,
    audit: i64,
    head: (i64, String),
    config: String,
    backlog: Vec<cairn_core::Item>,
}

fn snapshot(app: &mut App) -> Snapshot {
    Snapshot {
        next_number: next_number(app, "PAY"),
        items: item_count(app),
        labels: scalar(app, "SELECT COUNT(*) FROM item_labels"),
        fields: scalar(app, "SELECT COUNT(*) FROM item_fields"),
        links: scalar(app, "SELECT COUNT(*) FROM links"),
        audit: audit_count(app),
        head: app.store().audit_head().unwrap(),
        config: app.config_text().unwrap(),
        backlog: app
            .query(
                "",
                cairn_store::Page {
                    limit: 1000,
                    offset: 0,
                },
            )
            .unwrap()
            .items,
    }
}

/// Make the next audit append fail: a row already holds the next seq, so
/// the use case fails at its very last write, after all the others.
fn block_next_audit_append(app: &mut App) -> i64 {
    let (head, _) = app.store().audit_head().unwrap();
    let seq = head + 1;
    app.store()
        .backend()
        .execute(
            &format!(
                "INSERT INTO audit (seq, at, actor, action, target, related, reason, changes, prev_hash, hash) \
                 VALUES ({seq}, 0, 'x', 'x', 'x', NULL, NULL, '[]', 'x', 'x')"
            ),
            &[],
        )
        .unwrap();
    seq
}

fn unblock(app: &mut App, seq: i64) {
    let n = app
        .store()
        .backend()
        .execute(&format!("DELETE FROM audit WHERE seq = {seq}"), &[])
        .unwrap();
    assert_eq!(n, 1);
}

fn refused_input_writes_nothing(fx: &mut Fx) {
    fx.workspace();
    fx.add(Kind::Story, "Existing");
    let before = snapshot(&mut fx.app);
    let e = err(fx.app.item_add(
        NewItem {
            assignee: Some("nobody".into()),
            ..new(Kind::Story, "Assigned to a ghost")
        },
        None,
    ));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(
        &e.to_string(),
        &["there is no person `nobody`", "cairn person add nobody"],
    );
    let e = err(fx.app.item_add(
        NewItem {
            release: Some("2099.1".into()),
            ..new(Kind::Story, "Unknown release")
        },
        None,
    ));
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let e = err(fx.app.item_add(
        NewItem {
            goals: vec!["World peace".into()],
            ..new(Kind::Story, "Unknown goal")
        },
        None,
    ));
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert_eq!(snapshot(&mut fx.app), before);
}

fn a_use_case_failing_at_its_last_write_leaves_nothing(fx: &mut Fx) {
    fx.workspace();
    fx.app
        .config_apply(&crate::items::config_with_fields(), None)
        .unwrap();
    fx.app.person_add("ann", "Ann", None).unwrap();
    let a = fx.add(Kind::Story, "Refund a card payment");
    let b = fx.add(Kind::Story, "Settle payments");
    fx.app
        .item_edit(
            &a,
            Patch {
                labels: Some(vec!["payments".into()]),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    fx.app.link(&b, "blocks", &a, None).unwrap();
    let before = snapshot(&mut fx.app);

    let seq = block_next_audit_append(&mut fx.app);
    let mut with_everything = new(Kind::Story, "Searchable zanzibar item");
    with_everything.labels = vec!["new".into()];
    with_everything.fields = vec![("risk".into(), "low".into())];
    with_everything.assignee = Some("ann".into());
    type Attempt = Box<dyn FnOnce(&mut App) -> cairn_app::Result<()>>;
    let attempts: Vec<(&str, Attempt)> = vec![
        (
            "item add",
            Box::new(move |app| app.item_add(with_everything, None).map(drop)),
        ),
        (
            "item edit",
            Box::new(|app| {
                app.item_edit(
                    &k("PAY-1"),
                    Patch {
                        title: Some("Zanzibar title".into()),
                        labels: Some(vec!["other".into()]),
                        fields: vec![("risk".into(), Some("high".into()))],
                        state: Some("done".into()),
                        ..Patch::default()
                    },
                    None,
                    None,
                )
                .map(drop)
            }),
        ),
        (
            "item move",
            Box::new(|app| {
                app.item_move(&k("PAY-1"), &Position::Bottom, None, None)
                    .map(drop)
            }),
        ),
        (
            "item rm",
            Box::new(|app| app.item_rm(&k("PAY-1"), None, None)),
        ),
        (
            "link",
            Box::new(|app| {
                app.link(&k("PAY-1"), "relates", &k("PAY-2"), None)
                    .map(drop)
            }),
        ),
        (
            "unlink",
            Box::new(|app| {
                app.unlink(&k("PAY-2"), "blocks", &k("PAY-1"), None)
                    .map(drop)
            }),
        ),
        (
            "product add",
            Box::new(|app| app.product_add("OPS", "Operations").map(drop)),
        ),
        (
            "config apply",
            Box::new(|app| app.config_apply(cairn_core::config::DEFAULT_CONFIG, None)),
        ),
    ];
    for (what, f) in attempts {
        let e = match f(&mut fx.app) {
            Ok(()) => panic!("{what} succeeded although its audit entry could not be written"),
            Err(e) => e,
        };
        assert!(matches!(e, AppError::Store(_)), "{what}: {e:?}");
        let mut after = snapshot(&mut fx.app);
        // The blocking row itself is the one extra audit row.
        after.audit -= 1;
        assert_eq!(after, before, "{what} left a partial write behind");
        assert_eq!(
            fx.app.config().fields.len(),
            3,
            "{what}: the in-memory config changed"
        );
        assert!(
            fx.app.products().unwrap().iter().all(|p| p.prefix != "OPS"),
            "{what}"
        );
        assert_eq!(
            q(&mut fx.app, "text ~ zanzibar"),
            Vec::<String>::new(),
            "{what}: search index written"
        );
    }
    unblock(&mut fx.app, seq);

    // With the obstacle gone the same add succeeds and takes the number the
    // failed one did not keep.
    let ok = fx
        .app
        .item_add(new(Kind::Story, "Searchable zanzibar item"), None)
        .unwrap();
    assert_eq!(ok.key.number, before.next_number);
    assert_eq!(q(&mut fx.app, "text ~ zanzibar"), vec![ok.key.to_string()]);
    let r = fx.app.audit_verify(&mut |_| {}).unwrap();
    assert!(r.ok(), "{}", r.message);
}

both!(
    refused_input_writes_nothing,
    a_use_case_failing_at_its_last_write_leaves_nothing
);
