//! Workflow states: categories, `resolved`, transitions and config changes.

use crate::harness::*;
use cairn_app::{AppError, NewItem, Patch};
use cairn_core::config::DEFAULT_CONFIG;
use cairn_core::{Category, Kind};

fn state(fx: &mut Fx, key: &cairn_core::ItemKey, s: &str) -> cairn_app::Result<cairn_core::Item> {
    fx.app.item_edit(
        key,
        Patch {
            state: Some(s.into()),
            ..Patch::default()
        },
        None,
        None,
    )
}

fn state_changes_set_and_clear_resolved(fx: &mut Fx) {
    fx.workspace();
    let key = fx.add(Kind::Story, "Refund a card payment");

    fx.advance(MINUTE);
    let i = state(fx, &key, "in-progress").unwrap();
    assert_eq!((i.category, i.resolved), (Category::InProgress, None));

    fx.advance(MINUTE);
    let done_at = fx.now();
    let i = state(fx, &key, "done").unwrap();
    assert_eq!((i.category, i.resolved), (Category::Done, Some(done_at)));
    let stored = fx.app.item(&key).unwrap();
    assert_eq!(
        (stored.state.as_str(), stored.category, stored.resolved),
        ("done", Category::Done, Some(done_at))
    );
    let last = fx.app.history("PAY-1").unwrap().pop().unwrap();
    assert_eq!(last.action, "item.state");
    let fields: Vec<String> = last.change_list().into_iter().map(|c| c.field).collect();
    assert_eq!(fields, vec!["state", "resolved"]);

    // done → cancelled: still done, resolved keeps its first time.
    fx.advance(MINUTE);
    let i = state(fx, &key, "cancelled").unwrap();
    assert_eq!((i.category, i.resolved), (Category::Done, Some(done_at)));

    // Leaving done clears it.
    fx.advance(MINUTE);
    let i = state(fx, &key, "in-review").unwrap();
    assert_eq!((i.category, i.resolved), (Category::InProgress, None));
    assert_eq!(fx.app.item(&key).unwrap().resolved, None);
    assert_eq!(q(&mut fx.app, "resolved IS EMPTY"), pay(&[1]));

    // Created straight into a done state: resolved at creation.
    let mut n = new(Kind::Bug, "Already fixed");
    n.state = Some("done".into());
    let b = fx.app.item_add(n, None).unwrap();
    assert_eq!((b.category, b.resolved), (Category::Done, Some(fx.now())));

    // An unknown state is refused with the list of states; nothing written.
    let before = fx.app.item(&key).unwrap();
    let e = err(state(fx, &key, "blocked"));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(
        &e.to_string(),
        &[
            "`blocked`",
            "states: todo, in-progress, in-review, done, cancelled",
        ],
    );
    assert_eq!(fx.app.item(&key).unwrap(), before);
    let mut n = new(Kind::Story, "Bad state");
    n.state = Some("later".into());
    assert_contains(
        &err(fx.app.item_add(n, None)).to_string(),
        &["states: todo, in-progress"],
    );
}

fn transitions_and_config_changes_recompute_categories(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(Kind::Story, "In review soon");
    let b = fx.add(Kind::Story, "Stays todo");
    state(fx, &a, "in-review").unwrap();
    assert_eq!(q(&mut fx.app, "category = in-progress"), pay(&[1]));

    // Make in-review a done state and restrict transitions for bugs.
    let cfg = DEFAULT_CONFIG.replace(
        "{ name = \"in-review\", category = \"in-progress\" }",
        "{ name = \"in-review\", category = \"done\" }",
    ) + r#"
[workflows.bug]
initial = "new"
states = [
  { name = "new", category = "todo" },
  { name = "fixing", category = "in-progress" },
  { name = "fixed", category = "done" },
]
transitions = { new = ["fixing"], fixing = ["fixed", "new"] }
"#;
    assert_ne!(cfg, DEFAULT_CONFIG);
    let audit_before = audit_count(&mut fx.app);
    fx.app
        .config_apply(&cfg, Some("review counts as done"))
        .unwrap();
    assert_eq!(audit_count(&mut fx.app), audit_before + 1);
    let i = fx.app.item(&a).unwrap();
    assert_eq!(
        (i.state.as_str(), i.category),
        ("in-review", Category::Done),
        "stored category recomputed"
    );
    assert_eq!(fx.app.item(&b).unwrap().category, Category::Todo);
    assert_eq!(q(&mut fx.app, "category = done"), pay(&[1]));
    assert_eq!(q(&mut fx.app, "category != done"), pay(&[2]));

    // Per-kind workflow: initial state and transitions.
    let bug = fx
        .app
        .item_add(new(Kind::Bug, "Crash on empty cart"), None)
        .unwrap();
    assert_eq!((bug.state.as_str(), bug.category), ("new", Category::Todo));
    let e = err(state(fx, &bug.key, "fixed"));
    assert_contains(
        &e.to_string(),
        &["does not allow new → fixed", "may go to: fixing"],
    );
    let e = err(state(fx, &bug.key, "todo"));
    assert_contains(
        &e.to_string(),
        &[
            "not a state of the bug workflow",
            "states: new, fixing, fixed",
        ],
    );
    state(fx, &bug.key, "fixing").unwrap();
    let fixed = state(fx, &bug.key, "fixed").unwrap();
    assert_eq!(fixed.category, Category::Done);
    assert!(fixed.resolved.is_some());

    // A config that drops a state in use is refused, and changes nothing.
    let without_review = cfg.replace("  { name = \"in-review\", category = \"done\" },\n", "");
    assert_ne!(without_review, cfg);
    let text_before = fx.app.config_text().unwrap();
    let e = err(fx.app.config_apply(&without_review, None));
    assert_contains(&e.to_string(), &["no state `in-review`"]);
    assert_eq!(fx.app.config_text().unwrap(), text_before);
    assert_eq!(fx.app.item(&a).unwrap().category, Category::Done);

    // An invalid config is refused with its reason.
    let e = err(fx.app.config_apply("[workflow]\nstates = []\n", None));
    assert_contains(&e.to_string(), &["at least one state"]);

    // A new App on the same database reads the applied config.
    let mut other = fx.second_app("bob");
    assert_eq!(
        other.config().category_of(Kind::Story, "in-review"),
        Some(Category::Done)
    );
    let mut n = NewItem {
        kind: Some(Kind::Bug),
        title: "Second bug".into(),
        ..NewItem::default()
    };
    n.state = None;
    assert_eq!(other.item_add(n, None).unwrap().state, "new");
}

/// Two processes on one database: one applies a config, the other (which
/// read the config before that) applies its own. The second must not
/// silently replace a config it never saw, as a stale item edit is refused.
fn a_config_applied_from_a_stale_view_is_refused(fx: &mut Fx) {
    fx.workspace();
    let mut bob = fx.second_app("bob");
    fx.app
        .config_apply(&crate::items::config_with_fields(), Some("ann's fields"))
        .unwrap();
    let anns = fx.app.config_text().unwrap();
    let bobs = format!("{DEFAULT_CONFIG}\n[fields.team]\ntype = \"text\"\n");
    let r = bob.config_apply(&bobs, Some("bob's field"));
    let stored = fx.app.store().load_config().unwrap().unwrap();
    assert!(
        r.is_err(),
        "bob's config (written from version 1) replaced ann's version 2 without a conflict; \
         stored now: version {} with fields {:?}; ann's text lost: {}",
        stored.1,
        cairn_core::Config::parse(&stored.0)
            .unwrap()
            .fields
            .keys()
            .collect::<Vec<_>>(),
        stored.0 != anns
    );
    assert_eq!(stored.0, anns);
}

both!(
    state_changes_set_and_clear_resolved,
    transitions_and_config_changes_recompute_categories,
    a_config_applied_from_a_stale_view_is_refused,
);
