//! Stakeholder reports on the demo product, on both backends: release
//! notes in customer words and the risk register with its heat map.

use crate::harness::*;
use cairn_app::AppError;
use cairn_app::register::{NewDecision, NewRisk, RiskPatch};
use cairn_app::report::NotesScope;

/// The demo on the fixture's fixed clock, so reports are the same on
/// every day the tests run.
fn demo(fx: &mut Fx) {
    fx.app.init().unwrap();
    cairn_app::demo::generate(&mut fx.app, 7, "PAY").unwrap();
    fx.app.set_clock(Box::new(fx.clock.clone()));
}

fn date(s: &str) -> chrono::NaiveDate {
    cairn_core::calendar::parse_date(s).unwrap()
}

fn release_notes_speak_to_customers(fx: &mut Fx) {
    demo(fx);
    let n = fx
        .app
        .report_release_notes(None, &NotesScope::Since(date("2025-11-01")), None)
        .unwrap();
    assert!(!n.features.is_empty() && !n.fixes.is_empty(), "{n:?}");
    assert!(n.internal > 0, "tasks and epics are left out");
    for l in n.features.iter().chain(&n.fixes) {
        let item = fx.app.item(&k(&l.key)).unwrap();
        assert!(l.resolved.as_str() >= "2025-11-01", "{l:?}");
        assert!(
            !matches!(
                item.kind,
                cairn_core::Kind::Task
                    | cairn_core::Kind::Epic
                    | cairn_core::Kind::Spike
                    | cairn_core::Kind::Debt
            ),
            "{} is internal",
            l.key
        );
        assert!(
            !l.text.starts_with("As a"),
            "story wording leaked: {}",
            l.text
        );
    }
    assert!(
        n.fixes
            .iter()
            .all(|l| fx.app.item(&k(&l.key)).unwrap().kind == cairn_core::Kind::Bug)
    );
    assert!(
        n.features.iter().any(|l| l.text.contains(" can now ")),
        "{:?}",
        n.features
    );
    let md = cairn_report::doc::to_markdown(&n.doc(), None);
    insta::assert_snapshot!("release_notes_demo", md);
    // By release, and an unknown release named.
    // The demo's first release is behind it by now.
    let first = fx.app.releases().unwrap()[0].name.clone();
    let r = fx
        .app
        .report_release_notes(Some("PAY"), &NotesScope::Release(first.clone()), None)
        .unwrap();
    assert_eq!(r.period, format!("release {first}"));
    assert!(!r.features.is_empty() || !r.fixes.is_empty());
    let e = fx
        .app
        .report_release_notes(None, &NotesScope::Release("1999.1".into()), None)
        .unwrap_err();
    assert!(
        matches!(e, AppError::NotFound(_)) && e.to_string().contains("no release 1999.1"),
        "{e}"
    );
}

fn risk_report_ranks_trends_and_asks_for_decisions(fx: &mut Fx) {
    demo(fx);
    let new = |title: &str, l, i| NewRisk {
        title: title.into(),
        likelihood: l,
        impact: i,
        ..NewRisk::default()
    };
    fx.app
        .risk_add(NewRisk {
            owner: Some("ada".into()),
            mitigations: vec![k("PAY-96")],
            ..new("Card network certification slips past the launch", 3, 5)
        })
        .unwrap();
    fx.app
        .risk_add(new("Sanctions provider changes its API", 2, 3))
        .unwrap();
    fx.app
        .risk_add(new("Fraud rules block good customers", 2, 2))
        .unwrap();
    fx.app
        .risk_update(
            "R-7",
            RiskPatch {
                likelihood: Some(4),
                ..RiskPatch::default()
            },
            None,
            None,
        )
        .unwrap();
    fx.app
        .risk_update(
            "R-6",
            RiskPatch {
                status: Some(cairn_core::RiskStatus::Closed),
                ..RiskPatch::default()
            },
            None,
            None,
        )
        .unwrap();
    fx.app
        .decision_add(NewDecision {
            title: "Build or buy sanctions screening".into(),
            options: vec![
                cairn_core::DecisionOption {
                    name: "Build".into(),
                    pros: vec![],
                    cons: vec![],
                },
                cairn_core::DecisionOption {
                    name: "Buy".into(),
                    pros: vec![],
                    cons: vec![],
                },
            ],
            ..NewDecision::default()
        })
        .unwrap();
    let r = fx.app.report_risks(None).unwrap();
    let ids: Vec<&str> = r.risks.iter().map(|x| x.risk.id.as_str()).collect();
    assert_eq!(
        ids,
        ["R-1", "R-2", "R-5", "R-3", "R-7", "R-4"],
        "open risks, highest score first"
    );
    let row = |id: &str| r.risks.iter().find(|x| x.risk.id == id).unwrap();
    assert_eq!(r.closed, 1);
    assert_eq!(row("R-7").direction, "rising");
    assert_eq!(
        row("R-1").direction,
        "rising",
        "the demo's scheme risk grew"
    );
    assert_eq!(row("R-2").direction, "falling");
    assert_eq!(row("R-5").direction, "steady");
    assert_eq!(row("R-5").mitigation_items[0].0, "PAY-96");
    assert_eq!(r.decisions_needed.len(), 3, "the demo's two and this one");
    let doc = r.doc();
    let html = cairn_report::doc::to_html(&doc, None);
    assert!(html.contains("Open risks by likelihood and impact"));
    assert!(html.contains("<a href=\"#item-PAY-96\">PAY-96</a>"));
    let md = cairn_report::doc::to_markdown(&doc, None);
    assert!(
        md.contains("6 open risks: 3 scored 15 or more, 2 rising. 1 closed or accepted."),
        "{md}"
    );
    assert!(
        md.contains("**D-4** Build or buy sanctions screening — options: Build, Buy"),
        "{md}"
    );
}

const DAY: i64 = 86_400_000;

fn exec_req(since: &str) -> cairn_app::exec::ExecRequest {
    cairn_app::exec::ExecRequest {
        product: None,
        since: date(since),
        scope: None,
        seed: cairn_app::report::REPORT_SEED,
    }
}

fn state(fx: &mut Fx, key: &str, to: &str) {
    fx.app
        .item_edit(
            &k(key),
            cairn_app::Patch {
                state: Some(to.into()),
                ..cairn_app::Patch::default()
            },
            None,
            None,
        )
        .unwrap();
}

fn exec_report_tells_leaders_what_moved(fx: &mut Fx) {
    demo(fx);
    let r = fx.app.report_exec(&exec_req("2025-12-22")).unwrap();
    assert!(r.forecast_ok, "{}", r.forecast_basis);
    assert_eq!(r.goals.len(), 3);
    assert!(r.compared_with.is_none(), "nothing recorded yet");
    assert!(!r.releases.is_empty());
    assert!(
        r.releases
            .iter()
            .all(|l| l.dates.p85.is_some() && l.moved_days.is_none())
    );
    assert_eq!(r.risks[0].id, "R-1", "highest score first");
    assert_eq!(r.decisions_needed.len(), 2);
    let md = cairn_report::doc::to_markdown(&r.doc(), None);
    insta::assert_snapshot!("exec_demo", md);
    for word in ["p85", "WIP", "velocity", "story points", "backlog"] {
        assert!(
            !md.contains(word),
            "jargon `{word}` in the exec report:\n{md}"
        );
    }
    fx.app.record_exec(&r).unwrap();
    // Recording again the same day replaces the snapshot; the same day's
    // report never compares with itself.
    fx.app.record_exec(&r).unwrap();
    assert!(
        fx.app
            .report_exec(&exec_req("2025-12-22"))
            .unwrap()
            .compared_with
            .is_none()
    );

    // A week later: the top of the 2026.3 release slipped (new work was
    // pulled ahead of it), one story was finished and one cancelled.
    fx.advance(7 * DAY);
    let before: Vec<(String, Option<String>)> = r
        .releases
        .iter()
        .map(|l| (l.dates.name.clone(), l.dates.p85.clone()))
        .collect();
    for n in 0..6 {
        let it = fx
            .app
            .item_add(
                cairn_app::NewItem {
                    kind: Some(cairn_core::Kind::Story),
                    title: format!("As a merchant, I want urgent fix {n}, so that payouts work"),
                    ..cairn_app::NewItem::default()
                },
                None,
            )
            .unwrap();
        fx.app
            .item_move(&it.key, &cairn_app::Position::Top, None, None)
            .unwrap();
    }
    let open = fx
        .app
        .query_items(
            "kind = story AND category = todo ORDER BY rank",
            cairn_store::Page {
                limit: 50,
                offset: 0,
            },
        )
        .unwrap();
    let cancel = open.last().unwrap().key.to_string();
    state(fx, &cancel, "cancelled");
    let r2 = fx.app.report_exec(&exec_req("2026-01-05")).unwrap();
    assert_eq!(r2.compared_with.as_deref(), Some("2026-01-05"));
    assert_eq!(r2.added.count, 6, "{:?}", r2.added);
    assert!(
        r2.removed.items.iter().any(|i| i.key == cancel),
        "{:?}",
        r2.removed
    );
    let mut later = 0;
    for l in &r2.releases {
        let prev = before
            .iter()
            .find(|(n, _)| *n == l.dates.name)
            .and_then(|(_, p)| p.clone());
        assert_eq!(l.previous_p85, prev, "{}", l.dates.name);
        if let (Some(a), Some(b), Some(m)) = (&prev, &l.dates.p85, l.moved_days) {
            let a = date(a);
            let b = date(b);
            assert_eq!(m, (b - a).num_days());
            if m > 0 {
                later += 1;
            }
        }
    }
    assert!(
        later > 0,
        "six items pulled ahead push some release later: {:?}",
        r2.releases
    );
    let md = cairn_report::doc::to_markdown(&r2.doc(), None);
    assert!(
        md.contains("compared with the report of 5 Jan 2026"),
        "{md}"
    );
    assert!(md.contains(" later"), "{md}");
    // The HTML links every item to the web app when a URL is given.
    let html = cairn_report::doc::to_html(&r2.doc(), Some("https://cairn.example.com"));
    assert!(
        html.contains("href=\"https://cairn.example.com/items/PAY-"),
        "{html}"
    );
}

fn goal_progress_rolls_up_through_the_hierarchy(fx: &mut Fx) {
    fx.workspace();
    fx.app.goal_add("Grow", "", vec![]).unwrap();
    fx.app.goal_add("Idle", "", vec![]).unwrap();
    let add = |fx: &mut Fx,
               kind,
               title: &str,
               parent: Option<&cairn_core::ItemKey>,
               est: Option<f64>,
               goals: &[&str]| {
        fx.app
            .item_add(
                cairn_app::NewItem {
                    kind: Some(kind),
                    title: title.into(),
                    parent: parent.cloned(),
                    estimate: est,
                    goals: goals.iter().map(|g| g.to_string()).collect(),
                    ..cairn_app::NewItem::default()
                },
                None,
            )
            .unwrap()
            .key
    };
    use cairn_core::Kind::*;
    let req = add(
        fx,
        Requirement,
        "The platform shall grow",
        None,
        None,
        &["Grow"],
    );
    let epic = add(fx, Epic, "Growth epic", Some(&req), None, &[]);
    let s1 = add(fx, Story, "Story one", Some(&epic), Some(3.0), &[]);
    let s2 = add(fx, Story, "Story two", Some(&epic), Some(5.0), &[]);
    let _t = add(fx, Task, "Task of one", Some(&s1), Some(8.0), &[]);
    let s3 = add(fx, Story, "Story three", Some(&epic), Some(13.0), &[]);
    // Linked directly as well as through the requirement: counted once.
    let bug = add(fx, Bug, "Bug", None, Some(2.0), &["Grow"]);
    fx.app.goal_link("Grow", &s2, false).unwrap();
    state(fx, &s1.to_string(), "done");
    state(fx, &s3.to_string(), "cancelled");
    state(fx, &bug.to_string(), "in-progress");
    let g = fx.app.goal_progress(None).unwrap();
    let grow = g.iter().find(|g| g.name == "Grow").unwrap();
    // Counted: s1 (3, done), s2 (5), bug (2, in progress). Not the task
    // (part of a story), the requirement or epic (containers), or s3
    // (cancelled).
    assert_eq!(
        (grow.items, grow.done, grow.in_progress),
        (3, 1, 1),
        "{grow:?}"
    );
    assert_eq!(grow.basis, "points");
    assert!(
        (grow.progress.unwrap() - 0.3).abs() < 1e-9,
        "3 of 10 points: {grow:?}"
    );
    let idle = g.iter().find(|g| g.name == "Idle").unwrap();
    assert_eq!((idle.items, idle.progress), (0, None));
    // One unestimated item: progress falls back to counting items.
    let _ = add(fx, Story, "Unsized", Some(&epic), None, &[]);
    let grow = fx
        .app
        .goal_progress(Some("PAY"))
        .unwrap()
        .into_iter()
        .find(|g| g.name == "Grow")
        .unwrap();
    assert_eq!((grow.basis, grow.items, grow.done), ("items", 4, 1));
    assert!((grow.progress.unwrap() - 0.25).abs() < 1e-9);
}

fn team_report_shows_what_is_stuck(fx: &mut Fx) {
    demo(fx);
    // An item the lint should catch.
    fx.app
        .item_add(
            cairn_app::NewItem {
                kind: Some(cairn_core::Kind::Story),
                title: "Improve the reports page etc".into(),
                ..cairn_app::NewItem::default()
            },
            None,
        )
        .unwrap();
    let r = fx
        .app
        .report_team(&cairn_app::team::TeamRequest {
            product: None,
            window: None,
            scope: None,
        })
        .unwrap();
    assert!(!r.blocked.is_empty());
    let longest = &r.blocked[0];
    assert!(longest.chain.len() >= 3, "{longest:?}");
    assert_eq!(longest.chain.last(), Some(&longest.key));
    assert!(r.lint_errors + r.lint_warnings > 0, "{:?}", r.lint_rules);
    assert!(
        r.lint_items
            .iter()
            .any(|l| l.title.starts_with("Improve the reports page"))
    );
    assert!(r.debt.delivered_debt > 0 && r.debt.delivered >= r.debt.delivered_debt);
    assert!(r.flow.delivered > 0);
    let doc = r.doc();
    let md = cairn_report::doc::to_markdown(&doc, None);
    insta::assert_snapshot!("team_demo", md);
    let html = cairn_report::doc::to_html(&doc, None);
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "throughput and cycle-time charts"
    );
}

fn roadmap_puts_epics_in_now_next_later(fx: &mut Fx) {
    demo(fx);
    let r = fx
        .app
        .report_roadmap(&cairn_app::roadmap::RoadmapRequest {
            product: None,
            scope: None,
            seed: cairn_app::report::REPORT_SEED,
            next_days: None,
        })
        .unwrap();
    assert!(r.forecast_ok, "{}", r.forecast_basis);
    assert!(!r.entries.is_empty());
    use cairn_app::roadmap::Horizon;
    for e in &r.entries {
        let p85 = e.dates.p85.clone().unwrap_or_default();
        match e.horizon {
            Horizon::Now => assert!(e.in_progress > 0 || p85 <= r.now_until, "{e:?}"),
            Horizon::Next => assert!(p85 > r.now_until && p85 <= r.next_until, "{e:?}"),
            Horizon::Later => assert!(p85.is_empty() || p85 > r.next_until, "{e:?}"),
        }
        assert!(e.goal.is_some(), "every demo epic serves a goal: {e:?}");
    }
    let doc = r.doc();
    let md = cairn_report::doc::to_markdown(&doc, None);
    insta::assert_snapshot!("roadmap_demo", md);
    let html = cairn_report::doc::to_html(&doc, None);
    assert!(
        html.contains("roadmap</title>") || html.contains("roadmap"),
        "{html}"
    );
    assert_eq!(html.matches("<svg").count(), 1, "the timeline");
}

fn risk_report_on_the_demo(fx: &mut Fx) {
    demo(fx);
    let md = cairn_report::doc::to_markdown(&fx.app.report_risks(None).unwrap().doc(), None);
    insta::assert_snapshot!("risks_demo", md);
}

fn feedback_report_on_the_demo(fx: &mut Fx) {
    demo(fx);
    let ins = fx
        .app
        .feedback_insights(Some("PAY"), Some("2025-06-01"))
        .unwrap();
    assert!(ins.feedback >= 30, "{}", ins.feedback);
    assert!(
        ins.themes
            .iter()
            .any(|t| t.terms.contains(&"klarna".to_string()))
    );
    assert!(ins.inbox.iter().any(|f| f.text.contains("Klarna")));
    assert_eq!(ins.segments[0].segment, "enterprise");
    assert!(!ins.top_items.is_empty());
    // The demo told Apple Pay's requesters; the other shipped asks wait.
    let told = fx
        .app
        .feedback_tell(&cairn_app::feedback::TellOptions {
            include_told: true,
            ..Default::default()
        })
        .unwrap();
    assert!(told.iter().any(|t| t.told_at.is_some()));
    assert!(told.iter().any(|t| t.told_at.is_none()));
    let md = cairn_report::doc::to_markdown(&ins.doc("Payments"), None);
    insta::assert_snapshot!("feedback_demo", md);
}

both!(
    feedback_report_on_the_demo,
    release_notes_speak_to_customers,
    risk_report_ranks_trends_and_asks_for_decisions,
    exec_report_tells_leaders_what_moved,
    goal_progress_rolls_up_through_the_hierarchy,
    team_report_shows_what_is_stuck,
    roadmap_puts_epics_in_now_next_later,
    risk_report_on_the_demo,
);
