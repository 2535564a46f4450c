//! Baselines on both backends: freeze a scope, diff it against now and
//! against another baseline field by field, refuse duplicates and empty
//! scopes, and catch a baseline edited behind Cairn's back.

use crate::harness::*;
use cairn_app::Patch;
use cairn_core::Kind;
use cairn_store::Value;

fn title(fx: &mut Fx, key: &cairn_core::ItemKey, t: &str) {
    fx.app
        .item_edit(
            key,
            Patch {
                title: Some(t.into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
}

fn baselines_freeze_and_diff(fx: &mut Fx) {
    fx.workspace();
    let r1 = fx.add(Kind::Requirement, "Refunds shall be partial or full");
    let r2 = fx.add(Kind::Requirement, "Payouts shall be daily");
    let r3 = fx.add(Kind::Requirement, "Fees shall be shown before paying");
    fx.add(
        Kind::Story,
        "As a clerk, I want to refund, so that customers are paid",
    );
    let b = fx
        .app
        .baseline_create(None, "v1 requirements", None, "agreed at the review")
        .unwrap();
    assert_eq!((b.items, b.query.as_str()), (3, "kind = requirement"));
    assert_eq!(b.hash.len(), 64);
    // Duplicates and empty scopes are refused; nothing is written.
    let e = fx
        .app
        .baseline_create(None, "v1 requirements", None, "")
        .unwrap_err();
    assert!(e.to_string().contains("already has a baseline"), "{e}");
    let e = fx
        .app
        .baseline_create(None, "nothing", Some("kind = bug"), "")
        .unwrap_err();
    assert!(e.to_string().contains("matches no item"), "{e}");
    assert!(fx.app.baseline_create(None, " ", None, "").is_err());
    assert_eq!(fx.app.baselines(None).unwrap().len(), 1);

    // Change one, delete one, add one.
    fx.advance(DAY);
    title(
        fx,
        &r1,
        "Refunds shall be partial, full or split across cards",
    );
    fx.app
        .item_edit(
            &r1,
            Patch {
                estimate: Some(Some(5.0)),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let v = fx.app.item(&r2).unwrap().version;
    fx.app.item_rm(&r2, Some(v), None).unwrap();
    let r4 = fx.add(Kind::Requirement, "Disputes shall be answered in time");
    let d = fx.app.baseline_diff(None, "v1 requirements", None).unwrap();
    assert_eq!(
        d.diff
            .added
            .iter()
            .map(|f| f.key.clone())
            .collect::<Vec<_>>(),
        vec![r4.clone()]
    );
    assert_eq!(
        d.diff
            .removed
            .iter()
            .map(|f| f.key.clone())
            .collect::<Vec<_>>(),
        vec![r2.clone()]
    );
    assert_eq!(d.diff.unchanged, 1);
    let (item, changes) = &d.diff.changed[0];
    assert_eq!(item.key, r1);
    let fields: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("estimate", "", "5"),
            (
                "title",
                "Refunds shall be partial or full",
                "Refunds shall be partial, full or split across cards"
            ),
        ]
    );
    // A second baseline, and the diff between the two.
    let b2 = fx
        .app
        .baseline_create(None, "v2 requirements", None, "")
        .unwrap();
    assert_ne!(b2.hash, b.hash);
    let d2 = fx
        .app
        .baseline_diff(None, "v1 requirements", Some("v2 requirements"))
        .unwrap();
    assert_eq!(
        (
            d2.diff.added.len(),
            d2.diff.removed.len(),
            d2.diff.changed.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(d2.to.as_ref().unwrap().name, "v2 requirements");
    let md = cairn_report::doc::to_markdown(&d2.doc(), None);
    insta::assert_snapshot!("baseline_diff", md);
    // Unchanged since v2.
    let d3 = fx.app.baseline_diff(None, "v2 requirements", None).unwrap();
    assert!(d3.diff.changed.is_empty() && d3.diff.added.is_empty() && d3.diff.removed.is_empty());
    assert!(fx.app.baseline_diff(None, "v9", None).is_err());
    let _ = r3;
}

fn a_tampered_baseline_is_refused(fx: &mut Fx) {
    fx.workspace();
    fx.add(Kind::Requirement, "Refunds shall be partial or full");
    fx.add(Kind::Requirement, "Payouts shall be daily");
    fx.app.baseline_create(None, "v1", None, "").unwrap();
    assert!(fx.app.baseline(None, "v1").is_ok());
    // Rewrite one item's content behind Cairn's back.
    let n = fx
        .app
        .store()
        .backend()
        .execute(
            "UPDATE baseline_items SET data = REPLACE(data, 'daily', 'weekly') WHERE item_key = ?",
            &[Value::Text("PAY-2".into())],
        )
        .unwrap();
    assert_eq!(n, 1);
    let e = fx.app.baseline(None, "v1").unwrap_err();
    assert!(
        e.to_string().contains("PAY-2 does not match its hash"),
        "{e}"
    );
    assert!(fx.app.baseline_diff(None, "v1", None).is_err());
    // Deleting an item row is caught by the baseline's own hash.
    fx.app.baseline_create(None, "v2", None, "").unwrap();
    fx.app
        .store()
        .backend()
        .execute(
            "DELETE FROM baseline_items WHERE item_key = ? AND baseline_id = (SELECT MAX(id) FROM baselines)",
            &[Value::Text("PAY-1".into())],
        )
        .unwrap();
    let e = fx.app.baseline(None, "v2").unwrap_err();
    assert!(e.to_string().contains("do not match its hash"), "{e}");
}

both!(baselines_freeze_and_diff, a_tampered_baseline_is_refused);
