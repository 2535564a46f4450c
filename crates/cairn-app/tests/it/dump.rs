//! The full-fidelity dump: export on one backend, import on the other,
//! export again, same bytes; refusals write nothing.

use crate::harness::*;
use crate::items::config_with_fields;
use cairn_app::{App, AppError, NewItem, Patch, Position};
use cairn_core::{KeyResult, Kind};
use cairn_store::Page;

/// A workspace using every record type and every item field, with history.
pub fn rich_workspace(fx: &mut Fx) {
    fx.workspace();
    fx.app
        .config_apply(
            &format!("{}\n[git]\nfixes_state = \"done\"\n", config_with_fields()),
            Some("fields"),
        )
        .unwrap();
    fx.app.product_add("OPS", "Operations").unwrap();
    fx.app
        .person_add("ann", "Ann Lee", Some("ann@example.com"))
        .unwrap();
    fx.app.person_add("bob", "Bob", None).unwrap();
    fx.app.person_add("Zoe.K", "Zoë Kowalski", None).unwrap();
    fx.app
        .release_add(Some("PAY"), "2026.1", Some("2026-03-31"))
        .unwrap();
    fx.app
        .release_add(Some("PAY"), "2026.2", Some("2026-06-30"))
        .unwrap();
    fx.app
        .release_add(Some("OPS"), "2026.1", Some("2026-02-28"))
        .unwrap();
    fx.app
        .goal_add(
            "Faster refunds",
            "Refund within two days",
            vec![
                KeyResult {
                    description: "Median refund time".into(),
                    target: 2.0,
                    current: 5.5,
                    unit: Some("days".into()),
                },
                KeyResult {
                    description: "Refund complaints".into(),
                    target: 0.3,
                    current: 1.0,
                    unit: None,
                },
            ],
        )
        .unwrap();
    fx.app.goal_add("Grow card volume", "", vec![]).unwrap();
    fx.advance(MINUTE);

    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let items = vec![
        NewItem {
            description: "Money back within 90 days".into(),
            ..new(Kind::Requirement, "Customers get refunds")
        },
        NewItem {
            parent: Some(k("PAY-1")),
            labels: s(&["refunds"]),
            ..new(Kind::Epic, "Refunds")
        },
        NewItem {
            parent: Some(k("PAY-2")),
            description:
                "Line one\nline two\twith a tab, a backslash \\ and \"quotes\"\r\nCafé ☕ – naïve"
                    .into(),
            acceptance: "Given a settled payment\nWhen I refund it\nThen the card is credited"
                .into(),
            assignee: Some("ann".into()),
            labels: s(&["payments", "refunds", "cards"]),
            estimate: Some(2.5),
            fields: vec![
                ("customer_value".into(), "7.25".into()),
                ("risk".into(), "high".into()),
                ("due".into(), "2026-03-01".into()),
            ],
            release: Some("2026.1".into()),
            goals: s(&["Grow card volume", "Faster refunds"]),
            ..new(Kind::Story, "Refund a card payment")
        },
        NewItem {
            parent: Some(k("PAY-3")),
            assignee: Some("Zoe.K".into()),
            estimate: Some(0.1),
            fields: vec![("customer_value".into(), "0.3".into())],
            ..new(Kind::Task, "Write the endpoint")
        },
        NewItem {
            state: Some("in-progress".into()),
            estimate: Some(1.0),
            ..new(Kind::Bug, "Double refund on retry")
        },
        new(Kind::Story, "Removed later"),
        NewItem {
            release: Some("2026.2".into()),
            ..new(Kind::Story, "Partial refunds")
        },
    ];
    for mut it in items {
        it.product = Some("PAY".into());
        fx.advance(MINUTE);
        fx.app.item_add(it, None).unwrap();
    }
    fx.advance(MINUTE);
    let mut ops = new(Kind::Task, "Rotate the refund API keys");
    ops.product = Some("OPS".into());
    ops.release = Some("2026.1".into());
    ops.assignee = Some("bob".into());
    fx.app.item_add(ops, None).unwrap();

    fx.app
        .link(&k("PAY-3"), "implements", &k("PAY-1"), None)
        .unwrap();
    fx.app
        .link(&k("PAY-4"), "verifies", &k("PAY-3"), None)
        .unwrap();
    fx.app
        .link(&k("PAY-5"), "blocks", &k("PAY-3"), Some("fix first"))
        .unwrap();
    fx.app
        .link(&k("PAY-7"), "relates", &k("OPS-1"), None)
        .unwrap();
    fx.app
        .link(&k("PAY-7"), "duplicates", &k("PAY-6"), None)
        .unwrap();
    fx.advance(DAY);
    fx.app
        .item_edit(
            &k("PAY-3"),
            Patch {
                state: Some("done".into()),
                ..Patch::default()
            },
            None,
            Some("shipped"),
        )
        .unwrap();
    fx.app
        .item_move(&k("PAY-7"), &Position::Top, None, None)
        .unwrap();
    fx.app
        .item_move(&k("PAY-5"), &Position::After(k("PAY-1")), None, None)
        .unwrap();
    fx.app
        .goal_link("Faster refunds", &k("PAY-7"), false)
        .unwrap();
    fx.app
        .item_rm(&k("PAY-6"), None, Some("duplicate"))
        .unwrap();
    fx.app
        .item_edit(
            &k("PAY-4"),
            Patch {
                title: Some("Write the refund endpoint".into()),
                add_labels: vec!["api".into()],
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let first = fx
        .app
        .comment_add(
            &k("PAY-3"),
            "Finance wants the **CSV** first.\nThen the PDF.",
            None,
        )
        .unwrap();
    fx.app
        .comment_add(
            &k("OPS-1"),
            "Ask the on-call team, \"quoted\" and ünïcode.",
            None,
        )
        .unwrap();
    // A discussion: a reply, edited; another, deleted.
    let reply = fx
        .app
        .comment_add(&k("PAY-3"), "@ann agreed, PAY-4 first", Some(first.id))
        .unwrap();
    fx.app
        .comment_edit(reply.id, "@ann agreed: PAY-4 first")
        .unwrap();
    let gone = fx
        .app
        .comment_add(&k("PAY-3"), "wrong item", Some(first.id))
        .unwrap();
    fx.app
        .comment_delete(gone.id, Some("posted by mistake"))
        .unwrap();
    let r = fx
        .app
        .risk_add(cairn_app::register::NewRisk {
            product: Some("PAY".into()),
            title: "Card scheme certification slips".into(),
            likelihood: 3,
            impact: 5,
            owner: Some("ann".into()),
            mitigations: vec![k("PAY-3")],
            ..Default::default()
        })
        .unwrap();
    fx.app
        .risk_update(
            &r.id,
            cairn_app::register::RiskPatch {
                likelihood: Some(2),
                ..Default::default()
            },
            None,
            Some("booked the lab"),
        )
        .unwrap();
    let d = fx
        .app
        .decision_add(cairn_app::register::NewDecision {
            product: Some("PAY".into()),
            title: "Build or buy screening".into(),
            context: "Payouts need screening by March.".into(),
            options: vec![cairn_core::DecisionOption {
                name: "Buy".into(),
                pros: vec!["fast".into()],
                cons: vec!["fees".into()],
            }],
            items: vec![k("PAY-1")],
            ..Default::default()
        })
        .unwrap();
    fx.app
        .decision_update(
            &d.id,
            cairn_core::DecisionStatus::Accepted,
            Some("Buy"),
            Some("ann"),
            Some("2026-01-20"),
            None,
        )
        .unwrap();
    // Verification: test evidence over two builds, a baseline, a signature,
    // and a recorded exec report.
    fx.advance(MINUTE);
    for (build, outcome) in [("41", "<failure message=\"off by a cent\"/>"), ("42", "")] {
        fx.app
            .evidence_import(&cairn_app::evidence::EvidenceImport {
                product: Some("PAY".into()),
                build: build.into(),
                files: vec![cairn_app::evidence::ReportFile {
                    name: "TEST-refunds.xml".into(),
                    text: format!(
                        "<testsuite name=\"r\"><testcase classname=\"refunds\" name=\"PAY-3 partial\" time=\"0.25\">{outcome}</testcase><testcase classname=\"refunds\" name=\"ünïcode &amp; more\"><skipped/></testcase></testsuite>"
                    ),
                }],
                skip_unknown_keys: false,
            })
            .unwrap();
        fx.advance(MINUTE);
    }
    fx.app
        .evidence_link(Some("PAY"), "refunds.ünïcode & more", &k("PAY-1"))
        .unwrap();
    fx.app
        .baseline_create(
            Some("PAY"),
            "v1 scope",
            Some("kind IN (requirement, story)"),
            "agreed",
        )
        .unwrap();
    fx.app
        .user_add(
            "ann",
            "Ann Lee",
            Some("ann@example.com"),
            "a long passphrase",
            false,
        )
        .unwrap();
    // Ann's notification settings, and a mention waiting to be mailed.
    let cfg = fx.app.config_text().unwrap();
    fx.app
        .config_apply(
            &format!("{cfg}\n[mail]\nsmtp = \"127.0.0.1:1\"\nfrom = \"cairn@example.com\"\n"),
            None,
        )
        .unwrap();
    fx.app.set_access(Some(cairn_app::Access {
        user: "ann".into(),
        admin: false,
        roles: std::collections::BTreeMap::from([("PAY".to_string(), cairn_core::Role::Owner)]),
    }));
    fx.app
        .set_notify_settings(&[cairn_core::notify::NotifySetting {
            reason: "comment".into(),
            inbox: false,
            email: true,
        }])
        .unwrap();
    fx.app.set_access(None);
    fx.app
        .comment_add(&k("PAY-4"), "@ann can you review this?", None)
        .unwrap();
    // A webhook (its secret travels in the dump) and a delivery in its log.
    fx.app
        .webhook_add(
            "PAY",
            "http://127.0.0.1:1/hooks",
            Some("comment.added"),
            Some("a-secret-for-the-dump"),
        )
        .unwrap();
    fx.app
        .comment_add(&k("PAY-4"), "Queued for the webhook", None)
        .unwrap();
    fx.app
        .sign(&cairn_app::signature::SignRequest {
            target: cairn_app::signature::SignTarget::Item(k("PAY-1")),
            meaning: cairn_core::signature::Meaning::Approval,
            signer: Some("ann".into()),
            password: "a long passphrase".into(),
            comment: "scope agreed".into(),
        })
        .unwrap();
    let r = fx
        .app
        .report_exec(&cairn_app::exec::ExecRequest {
            product: Some("PAY".into()),
            since: fx.app.today() - chrono::Days::new(14),
            scope: None,
            seed: 1,
        })
        .unwrap();
    fx.app.record_exec(&r).unwrap();
    // Customer feedback: customers, links, a merged duplicate, a record
    // told that its item shipped.
    let fb = |text: &str, customer: Option<&str>, items: Vec<cairn_core::ItemKey>| {
        cairn_app::feedback::NewFeedback {
            product: Some("PAY".into()),
            text: text.into(),
            source: Some("support".into()),
            source_id: Some(format!("T-{}", text.len())),
            customer: customer.map(String::from),
            segment: customer.map(|_| "enterprise".to_string()),
            revenue: customer.map(|_| 1200.5),
            requester: Some("jo@example.test".into()),
            received: Some("2026-01-02".into()),
            importance: Some(cairn_core::Importance::Critical),
            items,
        }
    };
    let f1 = fx
        .app
        .feedback_add(fb(
            "Refunds take too long — ünïcode",
            Some("Acme"),
            vec![k("PAY-3")],
        ))
        .unwrap();
    let f2 = fx
        .app
        .feedback_add(fb("Refunds are far too slow", Some("Globex"), vec![]))
        .unwrap();
    fx.app.feedback_merge(&f2.id, &f1.id).unwrap();
    fx.app
        .feedback_add(fb("Dark mode please", None, vec![]))
        .unwrap();
    let _ = fx
        .app
        .feedback_mark_told(&cairn_app::feedback::TellOptions {
            product: Some("PAY".into()),
            ..Default::default()
        });
    // Commits from a git scan: links, one that fixes (and moves) PAY-5,
    // and the tip the scan read up to.
    fx.advance(MINUTE);
    let r = fx
        .app
        .git_scan(crate::git::dump_repo(), false, &mut |_| {})
        .unwrap();
    assert_eq!(r.moved.len(), 1, "{r:?}");
}

pub fn export(app: &mut App) -> String {
    let mut out = Vec::new();
    app.export_dump(&mut out, &mut |_| {}).unwrap();
    String::from_utf8(out).expect("a dump is UTF-8")
}

fn import(app: &mut App, dump: &str) -> cairn_app::Result<cairn_app::dump::ImportSummary> {
    app.import_dump(&mut dump.as_bytes(), &mut |_| {})
}

/// Equal dumps, or a panic naming the first line that differs.
#[track_caller]
fn assert_same_dump(want: &str, got: &str, what: &str) {
    if want == got {
        return;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for (n, (a, b)) in w.iter().zip(&g).enumerate() {
        if a != b {
            panic!(
                "{what}: the dumps differ first at line {}:\n  want {a}\n  got  {b}",
                n + 1
            );
        }
    }
    panic!(
        "{what}: the dumps differ in length: {} lines wanted, {} got; extra lines:\n{}",
        w.len(),
        g.len(),
        if g.len() > w.len() {
            g[w.len()..].join("\n")
        } else {
            w[g.len()..].join("\n")
        }
    );
}

/// The dump without its last line when that line is the `dump.import`
/// audit entry an import appends.
fn without_import_entry(dump: &str) -> String {
    let mut lines: Vec<&str> = dump.lines().collect();
    if lines.last().is_some_and(|l| {
        l.starts_with("{\"type\":\"audit\"") && l.contains("\"action\":\"dump.import\"")
    }) {
        lines.pop();
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Every item, sorted by key here (not by the database).
fn all_items(app: &mut App) -> Vec<cairn_core::Item> {
    let mut items = app
        .query(
            "",
            Page {
                limit: 1000,
                offset: 0,
            },
        )
        .unwrap()
        .items;
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

/// Build on `from`, import into a fresh `to`, export again; then back into
/// a fresh `from`.
fn round_trip(from: Backend, to: Backend) {
    let name = format!("dump::round_trip::{}_to_{}", from.name(), to.name());
    let mut src = Fx::new(from, &name);
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    let lines = dump.lines().count();
    assert!(lines > 40, "{lines} lines");

    let mut dst = Fx::new(to, &name);
    let summary = import(&mut dst.app, &dump).unwrap();
    assert_eq!(
        (
            summary.products,
            summary.people,
            summary.releases,
            summary.goals,
            summary.items,
            summary.links
        ),
        (2, 3, 3, 2, 7, 4)
    );
    assert!(dst.app.is_initialised(), "the imported config is in use");
    assert_eq!(dst.app.config().fields.len(), 3);
    let again = export(&mut dst.app);
    // Everything the source held comes back byte for byte (the import's
    // own audit entry aside, checked last).
    assert_same_dump(
        &dump,
        &without_import_entry(&again),
        &format!("{} → {}", from.name(), to.name()),
    );

    // The imported workspace reads like the original.
    assert_eq!(all_items(&mut dst.app), all_items(&mut src.app));
    assert_eq!(
        q(&mut dst.app, "ORDER BY rank"),
        q(&mut src.app, "ORDER BY rank")
    );
    for key in ["PAY-3", "PAY-6", "OPS-1"] {
        assert_eq!(
            dst.app.history(key).unwrap(),
            src.app.history(key).unwrap(),
            "history of {key}"
        );
    }
    assert_eq!(
        dst.app.item_view(&k("PAY-3")).unwrap().links,
        src.app.item_view(&k("PAY-3")).unwrap().links
    );
    assert_eq!(dst.app.risks().unwrap(), src.app.risks().unwrap());
    assert_eq!(dst.app.decisions().unwrap(), src.app.decisions().unwrap());
    assert_eq!(dst.app.risk_trend("R-1").unwrap().len(), 2);
    for key in ["PAY-3", "OPS-1"] {
        let c = dst.app.comments(&k(key)).unwrap();
        assert_eq!(
            c.len(),
            if key == "PAY-3" { 3 } else { 1 },
            "comments of {key} after import"
        );
        assert_eq!(c, src.app.comments(&k(key)).unwrap(), "comments of {key}");
    }
    for query in [
        "text ~ refund",
        "text ~ credited",
        "childrenOf(PAY-2)",
        "goal = \"Faster refunds\"",
        "release = 2026.1",
    ] {
        assert_eq!(
            q(&mut dst.app, query),
            q(&mut src.app, query),
            "`{query}` after import"
        );
    }
    let r = dst.app.audit_verify(&mut |_| {}).unwrap();
    assert!(r.ok(), "{}", r.message);
    assert_eq!(r.signatures, 1);
    // Verification records read back the same.
    assert_eq!(
        format!("{:?}", dst.app.evidence_tests(Some("PAY"), None).unwrap()),
        format!("{:?}", src.app.evidence_tests(Some("PAY"), None).unwrap())
    );
    assert_eq!(
        dst.app.baseline(Some("PAY"), "v1 scope").unwrap(),
        src.app.baseline(Some("PAY"), "v1 scope").unwrap()
    );
    let sig = cairn_app::signature::SignTarget::Item(k("PAY-1"));
    assert!(dst.app.signatures(&sig).unwrap()[0].valid);
    let all = cairn_store::feedback::FeedbackFilter {
        merged: true,
        ..Default::default()
    };
    assert_eq!(dst.app.feedback_list(&all).unwrap().len(), 3);
    assert_eq!(
        dst.app.feedback_list(&all).unwrap(),
        src.app.feedback_list(&all).unwrap()
    );
    assert_eq!(dst.app.customers().unwrap(), src.app.customers().unwrap());
    // (Recency depends on each fixture's clock, so it is left out.)
    let demand = |app: &mut App| -> Vec<(String, u32, u32, f64)> {
        app.demand(Some("PAY"))
            .unwrap()
            .into_iter()
            .map(|d| (d.key, d.requests, d.customers, d.revenue))
            .collect()
    };
    assert_eq!(demand(&mut dst.app), demand(&mut src.app));

    // And back into a fresh database of the first backend.
    let mut back = Fx::new(from, &name);
    import(&mut back.app, &again).unwrap();
    let back_again = export(&mut back.app);
    assert_same_dump(
        &again,
        &without_import_entry(&back_again),
        &format!("{} → {} → {}", from.name(), to.name(), from.name()),
    );

    // The documented contract (dump.rs): export, import into another
    // backend, export again gives the same bytes.
    assert_same_dump(
        &dump,
        &again,
        &format!("{} → {}, whole dump", from.name(), to.name()),
    );
}

#[test]
fn sqlite_to_postgres_and_back_gives_the_same_bytes() {
    round_trip(Backend::Sqlite, Backend::Postgres);
}

#[test]
fn postgres_to_sqlite_and_back_gives_the_same_bytes() {
    round_trip(Backend::Postgres, Backend::Sqlite);
}

fn an_imported_workspace_takes_new_writes(fx: &mut Fx) {
    let mut src = Fx::new(
        Backend::Sqlite,
        "dump::an_imported_workspace_takes_new_writes::src",
    );
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    import(&mut fx.app, &dump).unwrap();

    // Keys continue after the highest ever taken (PAY-6 was removed, PAY-7 exists).
    let added = fx
        .app
        .item_add(
            NewItem {
                product: Some("PAY".into()),
                ..new(Kind::Story, "After the import zanzibar")
            },
            None,
        )
        .unwrap();
    assert_eq!(added.key, k("PAY-8"));
    assert_eq!(
        added.created,
        fx.now(),
        "the app keeps its clock across an import"
    );
    assert_eq!(
        q(&mut fx.app, "text ~ zanzibar"),
        vec!["PAY-8".to_string()],
        "search index maintained after import"
    );
    fx.app
        .item_edit(
            &added.key,
            Patch {
                title: Some("Renamed quokka".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_eq!(q(&mut fx.app, "text ~ zanzibar"), Vec::<String>::new());
    assert_eq!(q(&mut fx.app, "text ~ quokka"), vec!["PAY-8".to_string()]);
    fx.app
        .link(&added.key, "blocked-by", &k("PAY-3"), None)
        .unwrap();
    fx.app
        .item_move(&added.key, &Position::Top, None, None)
        .unwrap();
    fx.app.item_rm(&k("PAY-7"), None, None).unwrap();
    let r = fx.app.audit_verify(&mut |_| {}).unwrap();
    assert!(r.ok(), "{}", r.message);
}

fn import_refuses_a_non_empty_database(fx: &mut Fx) {
    let mut src = Fx::new(
        Backend::Sqlite,
        "dump::import_refuses_a_non_empty_database::src",
    );
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    fx.workspace();
    let before = export(&mut fx.app);
    let e = err(import(&mut fx.app, &dump));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(&e.to_string(), &["only be imported into an empty database"]);
    assert_eq!(export(&mut fx.app), before);
}

fn assert_still_empty(app: &mut App) {
    assert!(app.store().is_empty().unwrap());
    assert!(!app.is_initialised());
    assert_eq!(
        app.store().load_config().unwrap(),
        None,
        "the config record was written"
    );
    assert!(app.products().unwrap().is_empty());
    assert!(app.people().unwrap().is_empty());
    assert_eq!(item_count(app), 0);
}

fn a_tampered_dump_is_refused_and_writes_nothing(fx: &mut Fx) {
    let mut src = Fx::new(Backend::Sqlite, "dump::a_tampered_dump_is_refused::src");
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    let mut lines: Vec<String> = dump.lines().map(String::from).collect();
    let (n, line) = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("{\"type\":\"audit\""))
        .nth(5)
        .map(|(n, l)| (n, l.clone()))
        .expect("an audit line");
    assert!(line.contains("\"actor\":\"ann\""), "{line}");
    lines[n] = line.replace("\"actor\":\"ann\"", "\"actor\":\"mallory\"");
    let tampered = lines.join("\n") + "\n";

    let e = err(import(&mut fx.app, &tampered));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(
        &e.to_string(),
        &[
            &format!("dump line {}:", n + 1),
            "entry 6 was altered",
            "altered after export",
        ],
    );
    assert_still_empty(&mut fx.app);

    // A dropped audit line is refused too.
    let mut dropped = dump.lines().map(String::from).collect::<Vec<_>>();
    dropped.remove(n);
    let e = err(import(&mut fx.app, &(dropped.join("\n") + "\n")));
    assert_contains(
        &e.to_string(),
        &[&format!("dump line {}:", n + 1), "does not verify"],
    );
    assert_still_empty(&mut fx.app);

    // The database is still usable: the untampered dump imports, and the
    // search index (rebuilt by the import) follows new writes.
    import(&mut fx.app, &dump).unwrap();
    assert_same_dump(
        &dump,
        &without_import_entry(&export(&mut fx.app)),
        "after a refused import",
    );
    let mut n = new(Kind::Story, "Quokka after a refused import");
    n.product = Some("PAY".into());
    let key = fx.app.item_add(n, None).unwrap().key;
    assert_eq!(q(&mut fx.app, "text ~ quokka"), vec![key.to_string()]);
    let mut found = q(&mut fx.app, "text ~ refund");
    found.sort();
    assert_eq!(
        found,
        [
            "OPS-1", "PAY-1", "PAY-2", "PAY-3", "PAY-4", "PAY-5", "PAY-7"
        ]
    );
}

fn a_bad_line_is_named_and_writes_nothing(fx: &mut Fx) {
    let mut src = Fx::new(Backend::Sqlite, "dump::a_bad_line_is_named::src");
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    let mut lines: Vec<&str> = dump.lines().collect();
    lines[4] = "{\"type\":\"person\", this is not json";
    let e = err(import(&mut fx.app, &(lines.join("\n") + "\n")));
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
    assert_contains(&e.to_string(), &["dump line 5:"]);
    assert_still_empty(&mut fx.app);

    // Other broken dumps: each names its line and writes nothing.
    let item_line = dump
        .lines()
        .position(|l| l.starts_with("{\"type\":\"item\""))
        .unwrap();
    let cases: Vec<(String, String)> = vec![
        ("not a dump\n".to_string(), "dump line 1:".to_string()),
        (
            dump.replacen("\"version\":1", "\"version\":99", 1),
            "dump line 1:".to_string(),
        ),
        (
            {
                let mut l: Vec<String> = dump.lines().map(String::from).collect();
                l[item_line] =
                    l[item_line].replacen("\"state\":\"todo\"", "\"state\":\"nowhere\"", 1);
                l.join("\n") + "\n"
            },
            format!("dump line {}:", item_line + 1),
        ),
        (
            {
                let mut l: Vec<String> = dump.lines().map(String::from).collect();
                // Move the last link to just after the first audit entry.
                let first_audit = l
                    .iter()
                    .position(|x| x.starts_with("{\"type\":\"audit\""))
                    .unwrap();
                let last_link = l
                    .iter()
                    .rposition(|x| x.starts_with("{\"type\":\"link\""))
                    .unwrap();
                let link = l.remove(last_link);
                l.insert(first_audit, link);
                l.join("\n") + "\n"
            },
            format!(
                "dump line {}: a link record after audit records",
                dump.lines()
                    .position(|x| x.starts_with("{\"type\":\"audit\""))
                    .unwrap()
                    + 1
            ),
        ),
    ];
    for (text, want) in cases {
        let e = err(import(&mut fx.app, &text));
        assert_contains(&e.to_string(), &[&want]);
        assert_still_empty(&mut fx.app);
    }
    import(&mut fx.app, "")
        .map(drop)
        .expect_err("an empty dump is refused");
    assert_still_empty(&mut fx.app);
}

/// The same use cases on both backends, with the same simulated clock,
/// leave the same workspace: their dumps are byte-identical.
#[test]
fn the_same_story_on_both_backends_exports_the_same_bytes() {
    let mut lite = Fx::new(Backend::Sqlite, "dump::the_same_story");
    let mut pg = Fx::new(Backend::Postgres, "dump::the_same_story");
    rich_workspace(&mut lite);
    rich_workspace(&mut pg);
    assert_same_dump(
        &export(&mut lite.app),
        &export(&mut pg.app),
        "sqlite vs postgres",
    );
}

/// Releases without a target date, people and labels whose order depends
/// on case: listed in the same order on both backends.
fn undated_and_mixed_case(fx: &mut Fx) {
    fx.workspace();
    fx.app
        .release_add(None, "2026.1", Some("2026-03-31"))
        .unwrap();
    fx.app.release_add(None, "Someday", None).unwrap();
    fx.app
        .release_add(None, "2025.9", Some("2025-09-30"))
        .unwrap();
    for h in ["zed", "Amy", "bob"] {
        fx.app.person_add(h, h, None).unwrap();
    }
    let mut n = new(Kind::Story, "Mixed-case labels");
    n.labels = vec!["Zeta".into(), "alpha".into(), "Beta".into()];
    n.release = Some("Someday".into());
    fx.app.item_add(n, None).unwrap();
}

#[test]
fn undated_releases_and_mixed_case_names_export_the_same_on_both_backends() {
    let mut lite = Fx::new(Backend::Sqlite, "dump::undated");
    let mut pg = Fx::new(Backend::Postgres, "dump::undated");
    undated_and_mixed_case(&mut lite);
    undated_and_mixed_case(&mut pg);
    let names = |fx: &mut Fx| {
        fx.app
            .releases()
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&mut pg),
        names(&mut lite),
        "Store::releases orders by target_date, and the backends sort NULL dates differently"
    );
    assert_same_dump(
        &export(&mut lite.app),
        &export(&mut pg.app),
        "sqlite vs postgres",
    );
}

/// PostgreSQL databases are often made with a linguistic default collation
/// (en_US.UTF-8 and friends), where `ORDER BY` on text is not byte order.
/// Labels, goals and people must still come back in the order Cairn (and
/// SQLite) use, or items change when read back and dumps differ.
#[test]
fn a_postgres_database_with_a_linguistic_collation_orders_like_sqlite() {
    let mut lite = Fx::new(Backend::Sqlite, "dump::linguistic_collation");
    let mut pg = Fx::postgres_with(
        "dump::linguistic_collation",
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
    );
    let mut added = Vec::new();
    for fx in [&mut lite, &mut pg] {
        fx.workspace();
        for h in ["zed", "Amy", "bob"] {
            fx.app.person_add(h, h, None).unwrap();
        }
        fx.app.goal_add("b goal", "", vec![]).unwrap();
        fx.app.goal_add("A goal", "", vec![]).unwrap();
        let mut n = new(Kind::Story, "Mixed-case labels");
        n.labels = vec!["Zeta".into(), "alpha".into(), "Beta".into()];
        n.goals = vec!["b goal".into(), "A goal".into()];
        added.push(fx.app.item_add(n, None).unwrap());
    }
    assert_eq!(added[0], added[1]);
    assert_eq!(
        added[1].labels,
        ["Beta", "Zeta", "alpha"],
        "labels are kept in byte order"
    );
    assert_eq!(lite.app.item(&k("PAY-1")).unwrap(), added[0]);
    assert_eq!(
        pg.app.item(&k("PAY-1")).unwrap(),
        added[1],
        "the item read back differs from the item written"
    );
    assert_same_dump(
        &export(&mut lite.app),
        &export(&mut pg.app),
        "sqlite vs postgres (en-US collation)",
    );
}

fn order_by_key_is_the_same_after_a_restore(fx: &mut Fx) {
    // Products made out of alphabetical order.
    fx.workspace();
    fx.app.product_add("OPS", "Operations").unwrap();
    for p in ["PAY", "OPS", "PAY"] {
        let mut n = new(Kind::Story, "Item");
        n.product = Some(p.into());
        fx.app.item_add(n, None).unwrap();
    }
    let before = q(&mut fx.app, "ORDER BY key");
    let by_product = q(&mut fx.app, "ORDER BY product, key DESC");
    let dump = export(&mut fx.app);
    let mut restored = Fx::new(
        fx.backend,
        "dump::order_by_key_is_the_same_after_a_restore::restored",
    );
    import(&mut restored.app, &dump).unwrap();
    assert_eq!(
        q(&mut restored.app, "ORDER BY key"),
        before,
        "`ORDER BY key` changed with a restore"
    );
    assert_eq!(
        q(&mut restored.app, "ORDER BY product, key DESC"),
        by_product,
        "`ORDER BY product` changed with a restore"
    );
}

fn a_workspace_whose_config_dropped_a_field_still_round_trips(fx: &mut Fx) {
    fx.workspace();
    fx.app.config_apply(&config_with_fields(), None).unwrap();
    let mut n = new(Kind::Story, "Risky");
    n.fields = vec![
        ("risk".into(), "high".into()),
        ("customer_value".into(), "3".into()),
    ];
    fx.app.item_add(n, None).unwrap();
    // Drop every custom field. Refusing (fields in use) would be fine; if
    // the config is accepted, the workspace must still export and import.
    match fx
        .app
        .config_apply(cairn_core::config::DEFAULT_CONFIG, None)
    {
        Err(e) => assert_contains(&e.to_string(), &["drops field", "item(s) use"]),
        Ok(()) => {
            let dump = export(&mut fx.app);
            let mut restored = Fx::new(
                fx.backend,
                "dump::a_workspace_whose_config_dropped_a_field::restored",
            );
            if let Err(e) = import(&mut restored.app, &dump) {
                panic!(
                    "config_apply accepted a config without the fields item PAY-1 still has, \
                     and now the workspace's own dump does not import: {e}"
                );
            }
        }
    }
}

both!(
    an_imported_workspace_takes_new_writes,
    import_refuses_a_non_empty_database,
    a_tampered_dump_is_refused_and_writes_nothing,
    a_bad_line_is_named_and_writes_nothing,
    order_by_key_is_the_same_after_a_restore,
    a_workspace_whose_config_dropped_a_field_still_round_trips,
);

/// The PostgreSQL bulk load drops keys and indexes and rebuilds them; the
/// schema afterwards must be exactly the migrated one.
#[test]
fn a_postgres_import_leaves_the_schema_as_migrated() {
    fn schema(app: &mut App) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
            "SELECT c.conname || ': ' || pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() ORDER BY c.conname",
        ] {
            for r in app.store().backend().query(sql, &[]).unwrap() {
                out.push(r[0].as_str().unwrap().to_string());
            }
        }
        out
    }
    let mut src = Fx::new(Backend::Sqlite, "dump::schema_as_migrated::src");
    rich_workspace(&mut src);
    let dump = export(&mut src.app);
    let mut fresh = Fx::new(Backend::Postgres, "dump::schema_as_migrated::fresh");
    let mut restored = Fx::new(Backend::Postgres, "dump::schema_as_migrated::restored");
    import(&mut restored.app, &dump).unwrap();
    let want = schema(&mut fresh.app);
    assert!(
        want.iter().any(|s| s.starts_with("items_search")),
        "{want:?}"
    );
    assert_eq!(schema(&mut restored.app), want);
}
