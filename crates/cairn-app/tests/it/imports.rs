//! Importing Jira and GitHub exports on both backends, from the samples in
//! crates/cairn-formats/tests/data (shaped like the public API docs, with
//! their awkward parts): statuses mapped onto the workflow, history giving
//! started and resolved times, parents, links (also to issues outside the
//! export), comments, deleted users, Unicode; dry runs, re-imports that
//! update instead of duplicating, and import → export → re-import.

use crate::harness::*;
use cairn_app::import_ext::{ImportOptions, ImportReport, UnknownStatus};
use cairn_formats::issues::ExtBatch;
use cairn_formats::{github, jira};

fn data(rel: &str) -> String {
    let p = format!(
        "{}/../cairn-formats/tests/data/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn jira_pages() -> ExtBatch {
    let text = format!(
        "[{}, {}]",
        data("jira/search.json"),
        data("jira/search-page2.json")
    );
    jira::parse_json(&text, &jira::JiraFields::default()).unwrap()
}

fn run(fx: &mut Fx, batch: ExtBatch, opts: &ImportOptions) -> ImportReport {
    fx.app.import_issues(batch, opts, &mut |_, _| {}).unwrap()
}

fn key_of(r: &ImportReport, ext: &str) -> cairn_core::ItemKey {
    let k = r
        .created
        .iter()
        .chain(&r.updated)
        .find(|(e, _)| e == ext)
        .unwrap_or_else(|| panic!("{ext} not imported: {r:?}"));
    k.1.parse().unwrap()
}

fn jira_json_with_history_links_and_reimport(fx: &mut Fx) {
    fx.workspace();
    let opts = ImportOptions {
        product: Some("PAY".into()),
        ..Default::default()
    };
    // A status with no category and no state of its name stops the import.
    let mut odd = jira_pages();
    for i in odd.issues.iter_mut().filter(|i| i.key == "SHOP-5") {
        i.category = None;
    }
    let e = fx
        .app
        .import_issues(odd, &opts, &mut |_, _| {})
        .unwrap_err();
    assert_contains(
        &e.to_string(),
        &[
            "`Blocked by Vendor` (1 issue(s): SHOP-5)",
            "--status",
            "nothing was imported",
        ],
    );
    assert_eq!(item_count(&mut fx.app), 0);

    // A dry run reports what would happen and writes nothing.
    let dry = run(
        fx,
        jira_pages(),
        &ImportOptions {
            dry_run: true,
            ..opts.clone()
        },
    );
    assert_eq!(dry.created.len(), 15, "{dry:?}");
    assert_eq!(dry.releases_added, ["2026.1.3", "2026.2", "2026.3"]);
    assert_eq!(item_count(&mut fx.app), 0);
    assert!(fx.app.releases().unwrap().is_empty(), "a dry run adds none");

    let r = run(fx, jira_pages(), &opts);
    assert_eq!(
        (r.created.len(), r.updated.len(), r.unchanged),
        (15, 0, 0),
        "{r:?}"
    );
    assert_eq!(r.statuses["Blocked by Vendor"], "in-progress");
    assert_eq!(r.statuses["In Review"], "in-review");
    // The link to an issue outside the export is reported, not fatal.
    assert!(
        r.warnings
            .iter()
            .any(|w| w.record == "SHOP-5" && w.message.contains("OPS-77")),
        "{:?}",
        r.warnings
    );
    let by = |fx: &mut Fx, ext: &str| fx.app.item(&key_of(&r, ext)).unwrap();
    let epic = by(fx, "SHOP-1");
    assert_eq!(epic.kind, cairn_core::Kind::Epic);
    let s2 = by(fx, "SHOP-2");
    assert_eq!(s2.title, "Zahlungsbestätigung für Kunden in Österreich");
    assert_eq!((s2.state.as_str(), s2.estimate), ("done", Some(5.0)));
    assert_eq!(s2.parent.as_ref(), Some(&epic.key), "the epic link");
    assert!(s2.started.is_some() && s2.resolved.is_some());
    assert!(s2.started < s2.resolved && s2.created < s2.started.unwrap());
    assert_eq!(
        cairn_core::format_millis(s2.resolved.unwrap()),
        "2026-02-09T09:15:30.995Z"
    );
    // Fix versions: the product's releases, dated as Jira dated them.
    assert_eq!(s2.release.as_deref(), Some("2026.2"));
    let rels: Vec<(String, Option<String>)> = fx
        .app
        .releases()
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.target_date))
        .collect();
    assert_eq!(
        rels,
        [
            ("2026.1.3".to_string(), Some("2026-02-24".to_string())),
            ("2026.2".to_string(), Some("2026-02-27".to_string())),
            ("2026.3".to_string(), None),
        ]
    );
    let sub = by(fx, "SHOP-4");
    assert_eq!(
        sub.release.as_deref(),
        Some("2026.1.3"),
        "the backport ships first"
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.record == "SHOP-4" && w.message.contains("not kept: 2026.2")),
        "{:?}",
        r.warnings
    );
    assert_eq!(sub.kind, cairn_core::Kind::Task);
    assert_eq!(
        sub.parent,
        Some(key_of(&r, "SHOP-3")),
        "a sub-task's parent"
    );
    // Reopened and not resolved again: no resolved time.
    let s6 = by(fx, "SHOP-6");
    assert_eq!(s6.state, "in-progress");
    assert_eq!(s6.resolved, None);
    // A deleted user is nobody; a live one becomes a person.
    assert_eq!(by(fx, "SHOP-11").assignee, None);
    assert!(
        r.people_added.contains(&"yuki-tanaka".to_string()),
        "{:?}",
        r.people_added
    );
    assert!(by(fx, "SHOP-10").labels.contains(&"café-ü".to_string()));
    let links = fx.app.item_view(&key_of(&r, "SHOP-2")).unwrap().links;
    assert!(
        links.iter().any(|l| l.other == key_of(&r, "SHOP-10")),
        "SHOP-10 blocks SHOP-2: {links:?}"
    );
    assert!(r.comments > 0 && r.links > 0);
    // The history is in the audit trail.
    assert!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action = 'item.create' AND changes LIKE '%\"history\"%'"
        ) >= 10
    );

    // Importing again changes nothing and adds nothing.
    let items = item_count(&mut fx.app);
    let again = run(fx, jira_pages(), &opts);
    assert_eq!(
        (
            again.created.len(),
            again.updated.len(),
            again.unchanged,
            again.comments,
            again.links
        ),
        (0, 0, 15, 0, 0),
        "{again:?}"
    );
    assert!(again.releases_added.is_empty(), "{again:?}");
    assert_eq!(item_count(&mut fx.app), items);
    // A release planned in Cairn for an issue Jira plans into none
    // survives a re-import.
    fx.app
        .item_edit(
            &epic.key,
            cairn_app::Patch {
                release: Some(Some("2026.3".into())),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    let kept = run(fx, jira_pages(), &opts);
    assert_eq!((kept.updated.len(), kept.unchanged), (0, 15), "{kept:?}");
    assert_eq!(by(fx, "SHOP-1").release.as_deref(), Some("2026.3"));
    // A changed issue is updated in place.
    let mut changed = jira_pages();
    changed.issues[1].title = "Payment confirmation for Austrian customers".into();
    let up = run(fx, changed, &opts);
    assert_eq!(up.updated, [("SHOP-2".to_string(), s2.key.to_string())]);
    assert_eq!(
        by(fx, "SHOP-2").title,
        "Payment confirmation for Austrian customers"
    );

    // Import → export → import into a fresh database → the same items, and
    // importing the export of Jira once more there still updates in place.
    let dump = crate::dump::export(&mut fx.app);
    let mut other = Fx::new(fx.backend, &format!("imports::copy_{}", fx.backend.name()));
    other
        .app
        .import_dump(&mut dump.as_bytes(), &mut |_| {})
        .unwrap();
    assert_eq!(crate::dump::export(&mut other.app), dump);
    let there = run(&mut other, jira_pages(), &opts);
    assert_eq!(
        (there.created.len(), there.updated.len()),
        (0, 1),
        "{there:?}"
    );
}

fn jira_csv_and_a_truncated_file(fx: &mut Fx) {
    fx.workspace();
    let e =
        jira::parse_json(&data("jira/truncated.json"), &jira::JiraFields::default()).unwrap_err();
    assert!(e.line.is_some() && e.message.contains("ends early"), "{e}");
    let batch = jira::parse_csv(&data("jira/export.csv")).unwrap();
    assert_eq!(batch.issues.len(), 8, "{:?}", batch.problems);
    let r = run(
        fx,
        batch,
        &ImportOptions {
            product: Some("PAY".into()),
            ..Default::default()
        },
    );
    assert_eq!(r.created.len(), 8, "{r:?}");
    let s7 = fx.app.item(&key_of(&r, "SHOP-7")).unwrap();
    assert_eq!(s7.title, "商品検索の日本語対応");
    assert_eq!(s7.estimate, Some(13.0));
    assert_eq!(s7.labels, ["i18n", "priority:medium", "search"]);
    let comments = fx.app.comments(&s7.key).unwrap();
    assert!(comments[0].body.starts_with("いいですね"), "{comments:?}");
    let sub = fx.app.item(&key_of(&r, "SHOP-4")).unwrap();
    assert_eq!(sub.parent, Some(key_of(&r, "SHOP-3")), "Parent id → key");
}

fn github_issues_and_comments(fx: &mut Fx) {
    fx.workspace();
    let batch = github::parse(
        &data("github/issues.json"),
        Some(&data("github/comments.json")),
        None,
    )
    .unwrap();
    assert_eq!(batch.issues.len(), 8, "the pull request is left out");
    let r = run(
        fx,
        batch,
        &ImportOptions {
            product: Some("PAY".into()),
            unknown_status: UnknownStatus::Fail,
            ..Default::default()
        },
    );
    assert_eq!(r.created.len(), 8, "{r:?}");
    let one = fx.app.item(&key_of(&r, "acme/shop-web#1")).unwrap();
    assert_eq!(one.state, "done");
    assert!(one.resolved.is_some());
    // The milestone is the item's release, due when it was due.
    assert_eq!(one.release.as_deref(), Some("v1.2"));
    assert!(!one.labels.iter().any(|l| l.starts_with("milestone")));
    let v12 = fx
        .app
        .releases()
        .unwrap()
        .into_iter()
        .find(|r| r.name == "v1.2")
        .unwrap();
    assert_eq!(v12.target_date.as_deref(), Some("2026-01-31"));
    assert_eq!(r.releases_added, ["v1.2", "v1.3", "v1.4"]);
    let six = fx.app.item(&key_of(&r, "acme/shop-web#6")).unwrap();
    assert_eq!(six.state, "cancelled", "closed as not planned");
    let two = key_of(&r, "acme/shop-web#2");
    let links = fx.app.item_view(&two).unwrap().links;
    assert!(
        links
            .iter()
            .any(|l| l.other == key_of(&r, "acme/shop-web#5")),
        "blocked by #5: {links:?}"
    );
    assert!(r.comments >= 8, "{r:?}");
    let again = run(
        fx,
        github::parse(
            &data("github/issues.json"),
            Some(&data("github/comments.json")),
            None,
        )
        .unwrap(),
        &ImportOptions {
            product: Some("PAY".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        (again.created.len(), again.updated.len(), again.comments),
        (0, 0, 0)
    );
}

fn repeated_issues_parent_loops_and_moves(fx: &mut Fx) {
    fx.workspace();
    // Epics may sit under epics here, so two epics can name each other.
    fx.app
        .config_apply(&crate::items::config_with_fields(), None)
        .unwrap();
    let opts = ImportOptions {
        product: Some("PAY".into()),
        ..Default::default()
    };
    let mut batch = jira_pages();
    let epic = batch
        .issues
        .iter()
        .find(|i| i.key == "SHOP-1")
        .unwrap()
        .clone();
    let mut a = epic.clone();
    a.key = "SHOP-90".into();
    a.parent = Some("SHOP-91".into());
    let mut b = epic.clone();
    b.key = "SHOP-91".into();
    b.parent = Some("SHOP-90".into());
    // A page fetched twice: the later copy wins, once.
    let mut again = batch.issues[1].clone();
    again.title = "The later copy".into();
    batch.issues.extend([a, b, again]);
    let r = run(fx, batch, &opts);
    assert_eq!(r.created.len(), 17, "{r:?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.record == "SHOP-2" && w.message.contains("more than once")),
        "{:?}",
        r.warnings
    );
    let cut: Vec<&str> = r
        .warnings
        .iter()
        .filter(|w| w.message.contains("leads back to it"))
        .map(|w| w.record.as_str())
        .collect();
    assert!(!cut.is_empty(), "{:?}", r.warnings);
    let s2 = fx.app.item(&key_of(&r, "SHOP-2")).unwrap();
    assert_eq!(s2.title, "The later copy");
    // No item is its own ancestor.
    for ext in ["SHOP-90", "SHOP-91"] {
        let mut seen = 0;
        let mut cur = fx.app.item(&key_of(&r, ext)).unwrap().parent;
        while let Some(p) = cur {
            seen += 1;
            assert!(seen < 3, "{ext} loops");
            cur = fx.app.item(&p).unwrap().parent;
        }
    }
    // The parent is part of the item's creation in the audit trail.
    let created = scalar(
        &mut fx.app,
        &format!(
            "SELECT COUNT(*) FROM audit WHERE action = 'item.create' AND target = '{}' AND changes LIKE '%\"parent\"%'",
            s2.key
        ),
    );
    assert_eq!(created, 1);

    // Re-imported under another epic: moved, and the move is audited.
    let mut moved = jira_pages();
    for i in moved.issues.iter_mut().filter(|i| i.key == "SHOP-2") {
        i.parent = Some("SHOP-90".into());
    }
    let up = run(fx, moved, &opts);
    assert!(up.updated.iter().any(|(e, _)| e == "SHOP-2"), "{up:?}");
    assert_eq!(
        fx.app.item(&s2.key).unwrap().parent,
        Some(key_of(&r, "SHOP-90"))
    );
    let audited = scalar(
        &mut fx.app,
        &format!(
            "SELECT COUNT(*) FROM audit WHERE action = 'item.import' AND target = '{}' AND changes LIKE '%\"parent\"%'",
            s2.key
        ),
    );
    assert_eq!(audited, 1);
    // An epic re-imported under its own child is refused that parent.
    let mut looped = jira_pages();
    for i in looped.issues.iter_mut().filter(|i| i.key == "SHOP-1") {
        i.parent = Some("SHOP-90".into());
    }
    let mut e90 = epic.clone();
    e90.key = "SHOP-90".into();
    e90.parent = Some("SHOP-1".into());
    looped.issues.push(e90);
    let r3 = run(fx, looped, &opts);
    let ancestors = |fx: &mut Fx, k: cairn_core::ItemKey| {
        let mut n = 0;
        let mut cur = fx.app.item(&k).unwrap().parent;
        while let Some(p) = cur {
            n += 1;
            assert!(n < 5, "{k} loops: {:?}", r3.warnings);
            cur = fx.app.item(&p).unwrap().parent;
        }
        n
    };
    ancestors(fx, key_of(&r, "SHOP-1"));
    ancestors(fx, key_of(&r, "SHOP-90"));
    assert!(
        r3.warnings.iter().any(|w| w.message.contains("cycle")),
        "{:?}",
        r3.warnings
    );
}

both!(
    repeated_issues_parent_loops_and_moves,
    jira_json_with_history_links_and_reimport,
    jira_csv_and_a_truncated_file,
    github_issues_and_comments,
);
