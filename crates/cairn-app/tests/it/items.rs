//! Workspace set-up and the item life cycle: add, show, edit, custom
//! fields, hierarchy rules, parent cycles, versions and removal.

use crate::harness::*;
use cairn_app::{AppError, NewItem, Patch, Position};
use cairn_core::config::DEFAULT_CONFIG;
use cairn_core::{Category, FieldValue, Kind};
use cairn_store::StoreError;

/// The default config plus three custom fields, and epics allowed under
/// epics (so a parent cycle can be attempted).
pub fn config_with_fields() -> String {
    let mut c = DEFAULT_CONFIG.replace(
        "epic = [\"story\", \"task\", \"bug\", \"spike\", \"debt\"]",
        "epic = [\"epic\", \"story\", \"task\", \"bug\", \"spike\", \"debt\"]",
    );
    assert_ne!(
        c, DEFAULT_CONFIG,
        "the default hierarchy changed; update this test's config"
    );
    c.push_str(
        r#"
[fields.customer_value]
type = "number"
description = "Value to customers, 1-10"

[fields.risk]
type = "enum"
values = ["low", "medium", "high"]

[fields.due]
type = "date"
"#,
    );
    c
}

fn init_product_and_item_add_show_edit(fx: &mut Fx) {
    // An uninitialised database refuses writes and says what to do.
    let e = err(fx.app.product_add("PAY", "Payments"));
    assert_contains(&e.to_string(), &["cairn init"]);
    assert!(fx.app.init().unwrap());
    assert!(!fx.app.init().unwrap(), "init twice is a no-op");

    // Products.
    let e = err(fx.app.product_add("pay", "Payments"));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    let p = fx.app.product_add("PAY", "Payments").unwrap();
    assert_eq!(
        (p.prefix.as_str(), p.next_number, p.created),
        ("PAY", 1, T0)
    );
    let e = err(fx.app.product_add("PAY", "Again"));
    assert_contains(&e.to_string(), &["PAY already exists"]);
    fx.app
        .person_add("ann", "Ann Lee", Some("ann@example.com"))
        .unwrap();

    // Custom fields.
    fx.app
        .config_apply(&config_with_fields(), Some("add fields"))
        .unwrap();
    assert_eq!(fx.app.config().fields.len(), 3);

    fx.advance(MINUTE);
    let added = fx
        .app
        .item_add(
            NewItem {
                kind: Some(Kind::Story),
                title: "  Refund a card payment ".into(),
                description: "Customers ask for their money back.".into(),
                acceptance: "Given a settled payment\nWhen I refund it\nThen the card is credited"
                    .into(),
                assignee: Some("ann".into()),
                labels: vec!["refunds".into(), " payments".into(), "refunds".into()],
                estimate: Some(2.5),
                fields: vec![
                    ("customer_value".into(), "8".into()),
                    ("risk".into(), "high".into()),
                    ("due".into(), "2026-03-01".into()),
                ],
                ..NewItem::default()
            },
            Some("from the workshop"),
        )
        .unwrap();
    let key = k("PAY-1");
    assert_eq!(added.key, key);
    assert_eq!(added.title, "Refund a card payment", "titles are trimmed");
    assert_eq!(
        added.labels,
        vec!["payments", "refunds"],
        "labels are sorted without repeats"
    );
    assert_eq!(
        (added.state.as_str(), added.category),
        ("todo", Category::Todo)
    );
    assert_eq!(
        (added.version, added.created, added.updated, added.resolved),
        (1, T0 + MINUTE, T0 + MINUTE, None)
    );

    // What was stored is what was returned.
    let view = fx.app.item_view(&key).unwrap();
    assert_eq!(view.item, added);
    assert_eq!(
        view.item.fields.get("customer_value"),
        Some(&FieldValue::Number(8.0))
    );
    assert_eq!(
        view.item.fields.get("risk"),
        Some(&FieldValue::Text("high".into()))
    );
    assert_eq!(
        view.item.fields.get("due"),
        Some(&FieldValue::Text("2026-03-01".into()))
    );
    assert_eq!(view.item.estimate, Some(2.5));
    assert_eq!(view.item.assignee.as_deref(), Some("ann"));
    assert!(view.links.is_empty() && view.children.is_empty());
    assert_eq!(next_number(&mut fx.app, "PAY"), 2);
    let h = fx.app.history("PAY-1").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].action.as_str(), h[0].reason.as_deref()),
        ("item.create", Some("from the workshop"))
    );

    // Bad values are refused with what to do.
    for (field, value, want) in [
        ("risk", "extreme", "takes one of low, medium, high"),
        ("customer_value", "lots", "takes a number"),
        ("due", "2026-02-30", "YYYY-MM-DD"),
        (
            "colour",
            "red",
            "declared fields: customer_value, due, risk",
        ),
    ] {
        let mut n = new(Kind::Story, "Bad field");
        n.fields = vec![(field.into(), value.into())];
        let e = err(fx.app.item_add(n, None));
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
        assert_contains(&e.to_string(), &[want]);
    }
    let mut n = new(Kind::Story, "Bad label");
    n.labels = vec!["two words".into()];
    assert_contains(&err(fx.app.item_add(n, None)).to_string(), &["two words"]);
    let mut n = new(Kind::Story, "Bad estimate");
    n.estimate = Some(-1.0);
    assert_contains(&err(fx.app.item_add(n, None)).to_string(), &["estimate -1"]);
    assert_contains(
        &err(fx.app.item_add(new(Kind::Story, "   "), None)).to_string(),
        &["needs a title"],
    );
    assert_eq!(
        next_number(&mut fx.app, "PAY"),
        2,
        "refused adds take no number"
    );

    // Edit: labels added and removed, estimate and a field cleared, a field set.
    fx.advance(MINUTE);
    let edited = fx
        .app
        .item_edit(
            &key,
            Patch {
                title: Some("Refund a card payment in full".into()),
                add_labels: vec!["cards".into()],
                remove_labels: vec!["refunds".into()],
                estimate: Some(None),
                fields: vec![
                    ("risk".into(), None),
                    ("customer_value".into(), Some("9.5".into())),
                ],
                ..Patch::default()
            },
            Some(1),
            Some("refined"),
        )
        .unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(edited.updated, T0 + 2 * MINUTE);
    assert_eq!(edited.created, T0 + MINUTE);
    let stored = fx.app.item(&key).unwrap();
    assert_eq!(stored, edited);
    assert_eq!(stored.title, "Refund a card payment in full");
    assert_eq!(stored.labels, vec!["cards", "payments"]);
    assert_eq!(stored.estimate, None);
    assert_eq!(stored.fields.get("risk"), None);
    assert_eq!(
        stored.fields.get("customer_value"),
        Some(&FieldValue::Number(9.5))
    );
    assert_eq!(
        stored.fields.get("due"),
        Some(&FieldValue::Text("2026-03-01".into()))
    );
    let h = fx.app.history("PAY-1").unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].action, "item.update");
    let changed: Vec<String> = h[1].change_list().into_iter().map(|c| c.field).collect();
    assert_eq!(
        changed,
        vec![
            "title",
            "labels",
            "estimate",
            "fields.customer_value",
            "fields.risk"
        ]
    );

    // An edit that changes nothing writes nothing.
    let audit_before = audit_count(&mut fx.app);
    let same = fx
        .app
        .item_edit(&key, Patch::default(), None, None)
        .unwrap();
    assert_eq!(same.version, 2);
    assert_eq!(audit_count(&mut fx.app), audit_before);

    // Clearing the assignee.
    let cleared = fx
        .app
        .item_edit(
            &key,
            Patch {
                assignee: Some(None),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_eq!((cleared.assignee, cleared.version), (None, 3));
    assert_eq!(fx.app.item(&key).unwrap().assignee, None);
}

fn hierarchy_rules_and_parent_cycles(fx: &mut Fx) {
    fx.workspace();
    let story = fx.add(Kind::Story, "Refund a card payment");
    let mut t = new(Kind::Task, "Write the refunds endpoint");
    t.parent = Some(story.clone());
    let task = fx.app.item_add(t, None).unwrap();
    assert_eq!(task.parent.as_ref(), Some(&story));
    assert_eq!(
        fx.app.item_view(&story).unwrap().children,
        vec![task.key.clone()]
    );

    // A story under a task is refused, naming the parents a story may have.
    let mut s = new(Kind::Story, "Story under a task");
    s.parent = Some(task.key.clone());
    let before = next_number(&mut fx.app, "PAY");
    let e = err(fx.app.item_add(s, None));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(
        &e.to_string(),
        &[
            "a story cannot be a child of a task (PAY-2)",
            "a story's parent may be: requirement, epic",
        ],
    );
    assert_eq!(next_number(&mut fx.app, "PAY"), before);
    // The same rule on edit.
    let other = fx.add(Kind::Story, "Another story");
    let e = err(fx.app.item_edit(
        &other,
        Patch {
            parent: Some(Some(task.key.clone())),
            ..Patch::default()
        },
        None,
        None,
    ));
    assert_contains(
        &e.to_string(),
        &["cannot be a child of a task", "requirement, epic"],
    );
    // A parent that does not exist.
    let mut s = new(Kind::Task, "Orphan");
    s.parent = Some(k("PAY-99"));
    assert!(matches!(
        err(fx.app.item_add(s, None)),
        AppError::NotFound(_)
    ));
    // A kind change that would leave a child under a parent that may not hold it.
    let e = err(fx.app.item_edit(
        &story,
        Patch {
            kind: Some(Kind::Requirement),
            ..Patch::default()
        },
        None,
        None,
    ));
    assert_contains(&e.to_string(), &["its child PAY-2 is a task"]);
    assert_eq!(fx.app.item(&story).unwrap().kind, Kind::Story);

    // Parent cycles (epics may hold epics in this config).
    fx.app.config_apply(&config_with_fields(), None).unwrap();
    let e1 = fx.add(Kind::Epic, "Epic one");
    let mut n = new(Kind::Epic, "Epic two");
    n.parent = Some(e1.clone());
    let e2 = fx.app.item_add(n, None).unwrap().key;
    let mut n = new(Kind::Epic, "Epic three");
    n.parent = Some(e2.clone());
    let e3 = fx.app.item_add(n, None).unwrap().key;
    let v = fx.app.item(&e1).unwrap().version;
    let audit_before = audit_count(&mut fx.app);
    let e = err(fx.app.item_edit(
        &e1,
        Patch {
            parent: Some(Some(e3.clone())),
            ..Patch::default()
        },
        None,
        None,
    ));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(
        &e.to_string(),
        &[&format!(
            "making {e3} the parent of {e1} would create a cycle: {e1} → {e3} → {e2} → {e1}"
        )],
    );
    let e = err(fx.app.item_edit(
        &e1,
        Patch {
            parent: Some(Some(e1.clone())),
            ..Patch::default()
        },
        None,
        None,
    ));
    assert_contains(&e.to_string(), &["cannot be its own parent"]);
    assert_eq!(fx.app.item(&e1).unwrap().parent, None);
    assert_eq!(fx.app.item(&e1).unwrap().version, v);
    assert_eq!(audit_count(&mut fx.app), audit_before);

    // Re-parenting without a cycle works; a parent is cleared with Some(None).
    let moved = fx
        .app
        .item_edit(
            &e3,
            Patch {
                parent: Some(Some(e1.clone())),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_eq!(moved.parent.as_ref(), Some(&e1));
    assert_eq!(
        fx.app.item_view(&e1).unwrap().children,
        vec![e2.clone(), e3.clone()]
    );
    let top = fx
        .app
        .item_edit(
            &e3,
            Patch {
                parent: Some(None),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_eq!(top.parent, None);
    assert_eq!(fx.app.item_view(&e1).unwrap().children, vec![e2]);

    // An item with children cannot be removed.
    let e = err(fx.app.item_rm(&story, None, None));
    assert_contains(&e.to_string(), &["has children (PAY-2)"]);
    assert!(fx.app.item(&story).is_ok());
}

fn stale_versions_are_refused_and_write_nothing(fx: &mut Fx) {
    fx.workspace();
    let key = fx.add(Kind::Story, "Refund a card payment");
    let other = fx.add(Kind::Story, "Other");
    fx.app
        .item_edit(
            &key,
            Patch {
                title: Some("Refund a payment".into()),
                ..Patch::default()
            },
            Some(1),
            None,
        )
        .unwrap();
    let before = fx.app.item(&key).unwrap();
    assert_eq!(before.version, 2);
    let audit_before = audit_count(&mut fx.app);

    // Another user read version 1 and edits now.
    fx.advance(MINUTE);
    let e = err(fx.app.item_edit(
        &key,
        Patch {
            title: Some("Stale edit".into()),
            ..Patch::default()
        },
        Some(1),
        None,
    ));
    match &e {
        AppError::Store(StoreError::Conflict {
            key: k,
            expected,
            current,
        }) => {
            assert_eq!((k.as_str(), *expected, *current), ("PAY-1", 1, 2));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_contains(&e.to_string(), &["PAY-1", "version 1", "version 2"]);
    assert_eq!(e.code(), "version_conflict");
    assert_eq!(e.exit_code(), 2);

    // The same for a move and a removal.
    let e = err(fx.app.item_move(&key, &Position::Bottom, Some(1), None));
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Conflict {
                expected: 1,
                current: 2,
                ..
            })
        ),
        "{e:?}"
    );
    let e = err(fx.app.item_rm(&key, Some(1), None));
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Conflict {
                expected: 1,
                current: 2,
                ..
            })
        ),
        "{e:?}"
    );

    // Nothing was written.
    assert_eq!(fx.app.item(&key).unwrap(), before);
    assert_eq!(audit_count(&mut fx.app), audit_before);
    assert_eq!(
        q(&mut fx.app, "ORDER BY rank"),
        vec![key.to_string(), other.to_string()]
    );

    // The current version is accepted.
    let ok = fx
        .app
        .item_edit(
            &key,
            Patch {
                title: Some("Fresh edit".into()),
                ..Patch::default()
            },
            Some(2),
            None,
        )
        .unwrap();
    assert_eq!(ok.version, 3);
    assert_eq!(audit_count(&mut fx.app), audit_before + 1);
}

fn a_second_process_sees_writes_and_conflicts(fx: &mut Fx) {
    fx.workspace();
    let key = fx.add(Kind::Story, "Shared item");
    let mut bob = fx.second_app("bob");
    assert!(
        bob.is_initialised(),
        "the second process reads the stored config"
    );
    let read_by_bob = bob.item(&key).unwrap();
    fx.app
        .item_edit(
            &key,
            Patch {
                title: Some("Ann's title".into()),
                ..Patch::default()
            },
            Some(1),
            None,
        )
        .unwrap();
    let e = err(bob.item_edit(
        &key,
        Patch {
            title: Some("Bob's title".into()),
            ..Patch::default()
        },
        Some(read_by_bob.version),
        None,
    ));
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Conflict {
                expected: 1,
                current: 2,
                ..
            })
        ),
        "{e:?}"
    );
    let mine = bob
        .item_edit(
            &key,
            Patch {
                description: Some("bob was here".into()),
                ..Patch::default()
            },
            Some(2),
            None,
        )
        .unwrap();
    assert_eq!(mine.version, 3);
    let h = fx.app.history("PAY-1").unwrap();
    let actors: Vec<&str> = h.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(actors, vec!["ann", "ann", "bob"]);
    drop(bob);
    assert!(fx.app.audit_verify(&mut |_| {}).unwrap().ok());
}

fn keys_are_never_reused(fx: &mut Fx) {
    fx.workspace();
    for t in ["One", "Two", "Three"] {
        fx.add(Kind::Story, t);
    }
    fx.advance(MINUTE);
    fx.app
        .item_rm(&k("PAY-3"), Some(1), Some("duplicate"))
        .unwrap();
    assert!(matches!(
        err(fx.app.item(&k("PAY-3"))),
        AppError::NotFound(_)
    ));
    assert_eq!(q(&mut fx.app, ""), pay(&[1, 2]));
    let four = fx.add(Kind::Story, "Four");
    assert_eq!(four, k("PAY-4"), "the removed item's number is not reused");
    assert_eq!(next_number(&mut fx.app, "PAY"), 5);
    assert_eq!(q(&mut fx.app, ""), pay(&[1, 2, 4]));

    // The removed item's history stays, ending with its deletion.
    let h = fx.app.history("PAY-3").unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["item.create", "item.delete"]);
    assert_eq!(h[1].reason.as_deref(), Some("duplicate"));
    assert_eq!(h[1].at, T0 + MINUTE);
    let snapshot = &h[1].change_list()[0];
    assert_eq!(snapshot.field, "item");
    assert_eq!(snapshot.old["title"], "Three");
    assert!(matches!(
        err(fx.app.history("PAY-99")),
        AppError::NotFound(_)
    ));

    // Removing it again: not found.
    assert!(matches!(
        err(fx.app.item_rm(&k("PAY-3"), None, None)),
        AppError::NotFound(_)
    ));

    // Keys are per product.
    fx.app.product_add("OPS", "Operations").unwrap();
    let mut n = new(Kind::Task, "Rotate keys");
    n.product = Some("OPS".into());
    assert_eq!(fx.app.item_add(n, None).unwrap().key, k("OPS-1"));
    // With two products an item must say which.
    let e = err(fx.app.item_add(new(Kind::Story, "Which product?"), None));
    assert_contains(&e.to_string(), &["several products (OPS, PAY)"]);
}

both!(
    init_product_and_item_add_show_edit,
    hierarchy_rules_and_parent_cycles,
    stale_versions_are_refused_and_write_nothing,
    a_second_process_sees_writes_and_conflicts,
    keys_are_never_reused,
);
