//! Discussions on both backends: replies, edits and deletes kept in the
//! audit trail, who may change what, and mentions and item keys.

use crate::harness::*;
use cairn_app::{Access, AppError};
use cairn_core::{Kind, Role};
use std::collections::BTreeMap;

fn as_user(fx: &mut Fx, user: &str, role: Role) {
    fx.app.set_access(Some(Access {
        user: user.into(),
        admin: false,
        roles: BTreeMap::from([("PAY".to_string(), role)]),
    }));
}

fn a_discussion_with_replies_edits_and_deletes(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    let b = fx.add(
        Kind::Story,
        "As a clerk, I want invoices by email, so that I need not log in",
    );
    fx.app
        .user_add("ada", "Ada Lovelace", None, "a long passphrase", false)
        .unwrap();
    as_user(fx, "sam", Role::Stakeholder);
    let q = fx
        .app
        .comment_add(
            &a,
            "Does this cover credit notes? @ada might know; see PAY-2 and PAY-99.",
            None,
        )
        .unwrap();
    let refs = fx.app.comment_refs(&q.body).unwrap();
    assert_eq!(refs.mentions, ["ada"], "sam is no user, ada is");
    // PAY-99 is no item, so it does not become a link.
    assert_eq!(refs.keys, ["PAY-2"]);

    as_user(fx, "ada", Role::Member);
    let r = fx
        .app
        .comment_add(&a, "Yes, credit notes too.", Some(q.id))
        .unwrap();
    assert_eq!(r.reply_to, Some(q.id));
    // A reply must answer a comment of the same item.
    let e = fx
        .app
        .comment_add(&b, "wrong thread", Some(q.id))
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let e = fx.app.comment_add(&a, "  ", Some(q.id)).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");

    // Only the author edits; the old text stays in the audit trail.
    let e = fx.app.comment_edit(q.id, "hijacked").unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let r2 = fx
        .app
        .comment_edit(r.id, "Yes, credit notes too (from March).")
        .unwrap();
    assert!(r2.edited.is_some());
    // A member may not delete another's comment; an owner may.
    let e = fx.app.comment_delete(q.id, None).unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    as_user(fx, "olga", Role::Owner);
    let gone = fx.app.comment_delete(q.id, Some("off topic")).unwrap();
    assert!(gone.deleted.is_some() && gone.body.is_empty());
    let e = fx
        .app
        .comment_add(&a, "late answer", Some(q.id))
        .unwrap_err();
    assert!(e.to_string().contains("was deleted"), "{e}");
    fx.app.set_access(None);

    // The thread keeps its shape; the reply stays.
    let cs = fx.app.comments(&a).unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[1].reply_to, Some(cs[0].id));
    assert_eq!(cs[1].body, "Yes, credit notes too (from March).");
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action IN ('comment.add', 'comment.edit', 'comment.delete')"
        ),
        4
    );
    let trail = fx.app.history(&a.to_string()).unwrap();
    let text = format!("{trail:?}");
    assert!(
        text.contains("Does this cover credit notes?"),
        "deleted text kept: {text}"
    );
    assert!(text.contains("Yes, credit notes too."), "edited text kept");
}

fn watchers_hear_of_comments_mentions_assignments_and_moves(fx: &mut Fx) {
    fx.workspace();
    for (h, n) in [
        ("ann", "Ann Lee"),
        ("ada", "Ada Lovelace"),
        ("ben", "Ben Okri"),
        ("cy", "Cy Young"),
    ] {
        fx.app
            .user_add(h, n, None, "a long passphrase", false)
            .unwrap();
        fx.app.person_add(h, n, None).unwrap();
    }
    as_user(fx, "ann", Role::Owner);
    let k = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    // Assigning tells the assignee, who now watches.
    fx.app
        .item_edit(
            &k,
            cairn_app::items::Patch {
                assignee: Some(Some("ada".into())),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    // Ben comments and mentions Cy: Cy hears of the mention; Ann (the
    // creator) and Ada (the assignee) of the comment; Ben of nothing.
    as_user(fx, "ben", Role::Stakeholder);
    fx.app
        .comment_add(&k, "Does this include credit notes, @cy?", None)
        .unwrap();
    as_user(fx, "ann", Role::Owner);
    fx.app
        .item_edit(
            &k,
            cairn_app::items::Patch {
                state: Some("in-progress".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    let reasons = |fx: &mut Fx, who: &str| -> Vec<String> {
        as_user(fx, who, Role::Stakeholder);
        let mut r: Vec<String> = fx
            .app
            .inbox(false)
            .unwrap()
            .into_iter()
            .map(|n| n.reason)
            .collect();
        r.sort();
        r
    };
    assert_eq!(reasons(fx, "ada"), ["assigned", "comment", "state"]);
    assert_eq!(
        reasons(fx, "cy"),
        ["mention", "state"],
        "a mention makes a watcher"
    );
    assert_eq!(reasons(fx, "ben"), ["state"], "commenting makes a watcher");
    assert_eq!(
        reasons(fx, "ann"),
        ["comment"],
        "no news of one's own doing"
    );
    as_user(fx, "cy", Role::Stakeholder);
    let n = fx.app.inbox(true).unwrap();
    assert!(
        n[0].summary.starts_with("ann moved PAY-1 to in-progress"),
        "{n:?}"
    );
    assert_eq!(fx.app.inbox_read(Some(&[n[0].id])).unwrap(), 1);
    assert_eq!(fx.app.inbox(true).unwrap().len(), 1);
    assert_eq!(fx.app.inbox_read(None).unwrap(), 1);
    assert!(fx.app.inbox(true).unwrap().is_empty());
    // Following and unfollowing by hand is audited.
    let ws = fx.app.unwatch(&k).unwrap();
    assert!(!ws.contains(&"cy".to_string()), "{ws:?}");
    fx.app.watch(&k).unwrap();
    fx.app.set_access(None);
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action IN ('watch.add', 'watch.remove')"
        ),
        2
    );
}

both!(
    a_discussion_with_replies_edits_and_deletes,
    watchers_hear_of_comments_mentions_assignments_and_moves,
);
