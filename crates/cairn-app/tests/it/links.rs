//! Typed links: direction, kind rules, duplicates, unlink, and the blocks
//! cycle check.

use crate::harness::*;
use cairn_app::AppError;
use cairn_core::{Kind, Link, LinkKind};

fn relations(fx: &mut Fx, key: &cairn_core::ItemKey) -> Vec<(String, String)> {
    fx.app
        .item_view(key)
        .unwrap()
        .links
        .into_iter()
        .map(|l| (l.relation, l.other.to_string()))
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

fn links_have_direction_rules_and_both_ends(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(Kind::Story, "Refund a card payment"); // PAY-1
    let b = fx.add(Kind::Story, "Settle payments"); // PAY-2
    let req = fx.add(Kind::Requirement, "Money back"); // PAY-3
    let task = fx.add(Kind::Task, "Test refunds"); // PAY-4
    let task2 = fx.add(Kind::Task, "Another task"); // PAY-5
    let epic = fx.add(Kind::Epic, "Refunds"); // PAY-6

    // `A blocked-by B` is stored as `B blocks A`.
    let audit_before = audit_count(&mut fx.app);
    let l = fx
        .app
        .link(&a, "blocked-by", &b, Some("needs settlement"))
        .unwrap();
    assert_eq!(
        l,
        Link {
            src: b.clone(),
            kind: LinkKind::Blocks,
            dst: a.clone()
        }
    );
    assert_eq!(audit_count(&mut fx.app), audit_before + 1);
    let stored: Vec<Link> = fx
        .app
        .store()
        .links(None)
        .unwrap()
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(
        stored,
        vec![Link {
            src: b.clone(),
            kind: LinkKind::Blocks,
            dst: a.clone()
        }]
    );
    assert_eq!(relations(fx, &a), vec![pair("blocked-by", "PAY-2")]);
    assert_eq!(relations(fx, &b), vec![pair("blocks", "PAY-1")]);
    let view = fx.app.item_view(&a).unwrap();
    assert_eq!(
        (
            view.links[0].other_title.as_str(),
            view.links[0].other_state.as_str()
        ),
        ("Settle payments", "todo")
    );
    // The link shows in both items' history.
    assert_eq!(
        fx.app.history("PAY-1").unwrap().last().unwrap().action,
        "link.add"
    );
    assert_eq!(
        fx.app.history("PAY-2").unwrap().last().unwrap().action,
        "link.add"
    );

    // Duplicates are refused, in either spelling.
    let e = err(fx.app.link(&b, "blocks", &a, None));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(&e.to_string(), &["PAY-2 already blocks PAY-1"]);
    let e = err(fx.app.link(&a, "blocked-by", &b, None));
    assert_contains(&e.to_string(), &["already blocks"]);
    assert_eq!(fx.app.store().links(None).unwrap().len(), 1);

    // Kind rules for verifies and implements.
    let e = err(fx.app.link(&task, "verifies", &task2, None));
    assert_contains(
        &e.to_string(),
        &[
            "PAY-5 is a task",
            "`verifies` links point at a requirement or a story",
        ],
    );
    fx.app.link(&task, "verifies", &req, None).unwrap();
    fx.app.link(&task, "verifies", &a, None).unwrap();
    let e = err(fx.app.link(&a, "implements", &b, None));
    assert_contains(
        &e.to_string(),
        &["PAY-2 is a story", "point at a requirement or an epic"],
    );
    fx.app.link(&a, "implements", &req, None).unwrap();
    // `implemented-by` is the reverse spelling and obeys the same rule.
    fx.app.link(&epic, "implemented-by", &b, None).unwrap();
    let e = err(fx.app.link(&b, "implemented-by", &a, None));
    assert_contains(&e.to_string(), &["PAY-2 is a story"]);

    // Other refusals.
    assert_contains(
        &err(fx.app.link(&a, "blocks", &a, None)).to_string(),
        &["cannot link to itself"],
    );
    assert_contains(
        &err(fx.app.link(&a, "fixes", &b, None)).to_string(),
        &["`fixes` is not a link kind", "blocked-by"],
    );
    assert!(matches!(
        err(fx.app.link(&a, "blocks", &k("PAY-99"), None)),
        AppError::NotFound(_)
    ));

    assert_eq!(
        relations(fx, &a),
        vec![
            pair("blocked-by", "PAY-2"),
            pair("implements", "PAY-3"),
            pair("verified-by", "PAY-4")
        ]
    );
    assert_eq!(
        relations(fx, &req),
        vec![
            pair("implemented-by", "PAY-1"),
            pair("verified-by", "PAY-4")
        ]
    );
    assert_eq!(relations(fx, &epic), vec![pair("implemented-by", "PAY-2")]);

    // Unlink, by either spelling; a missing link is not found.
    let audit_before = audit_count(&mut fx.app);
    let gone = fx.app.unlink(&b, "blocks", &a, None).unwrap();
    assert_eq!(gone.kind, LinkKind::Blocks);
    assert_eq!(audit_count(&mut fx.app), audit_before + 1);
    assert_eq!(relations(fx, &b), vec![pair("implements", "PAY-6")]);
    assert!(matches!(
        err(fx.app.unlink(&a, "blocked-by", &b, None)),
        AppError::NotFound(_)
    ));
    fx.app.unlink(&req, "verified-by", &task, None).unwrap();
    assert_eq!(relations(fx, &req), vec![pair("implemented-by", "PAY-1")]);
    assert_eq!(audit_count(&mut fx.app), audit_before + 2);

    // Removing an item removes its links from the other ends, and the
    // removal's history names them.
    fx.app.item_rm(&task, None, None).unwrap();
    assert_eq!(relations(fx, &a), vec![pair("implements", "PAY-3")]);
    let del = fx.app.history("PAY-4").unwrap().pop().unwrap();
    assert!(del.changes.contains("verifies PAY-1"), "{}", del.changes);
}

fn check_reports_blocks_cycles_with_their_path(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(Kind::Story, "A");
    let b = fx.add(Kind::Story, "B");
    let c = fx.add(Kind::Story, "C");
    let d = fx.add(Kind::Story, "D");
    fx.app.link(&a, "blocks", &b, None).unwrap();
    fx.app.link(&b, "blocks", &c, None).unwrap();
    fx.app.link(&c, "blocks", &d, None).unwrap();
    assert!(
        fx.app
            .check()
            .unwrap()
            .iter()
            .all(|f| f.code != "blocks-cycle")
    );

    // Close the cycle through C blocks A (written as A blocked-by C).
    fx.app.link(&a, "blocked-by", &c, None).unwrap();
    let findings = fx.app.check().unwrap();
    let cycles: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "blocks-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{findings:?}");
    assert_eq!(cycles[0].severity, "error");
    assert_contains(
        &cycles[0].message,
        &["PAY-1 blocks PAY-2 blocks PAY-3 blocks PAY-1"],
    );
    assert_eq!(cycles[0].keys, pay(&[1, 2, 3]));

    // Done but still blocked by an open item.
    fx.app
        .item_edit(
            &d,
            cairn_app::Patch {
                state: Some("done".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    let findings = fx.app.check().unwrap();
    let f = findings
        .iter()
        .find(|f| f.code == "done-but-blocked")
        .expect("done-but-blocked finding");
    assert_eq!(f.keys, pay(&[4, 3]));

    // Breaking the cycle clears the finding.
    fx.app.unlink(&b, "blocks", &c, None).unwrap();
    assert!(
        fx.app
            .check()
            .unwrap()
            .iter()
            .all(|f| f.code != "blocks-cycle")
    );
}

both!(
    links_have_direction_rules_and_both_ends,
    check_reports_blocks_cycles_with_their_path
);
