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
        .report_release_notes(None, &NotesScope::Since(date("2025-11-01")))
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
        .report_release_notes(Some("PAY"), &NotesScope::Release(first.clone()))
        .unwrap();
    assert_eq!(r.period, format!("release {first}"));
    assert!(!r.features.is_empty() || !r.fixes.is_empty());
    let e = fx
        .app
        .report_release_notes(None, &NotesScope::Release("1999.1".into()))
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
            "R-3",
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
            "R-2",
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
    let r = fx.app.report_risks().unwrap();
    let ids: Vec<&str> = r.risks.iter().map(|x| x.risk.id.as_str()).collect();
    assert_eq!(ids, ["R-1", "R-3"], "open risks, highest score first");
    assert_eq!(r.closed, 1);
    assert_eq!(r.risks[1].direction, "rising");
    assert_eq!(r.risks[0].direction, "steady");
    assert_eq!(r.risks[0].mitigation_items[0].0, "PAY-96");
    assert_eq!(r.decisions_needed.len(), 1);
    let doc = r.doc();
    let html = cairn_report::doc::to_html(&doc, None);
    assert!(html.contains("Open risks by likelihood and impact"));
    assert!(html.contains("<a href=\"#item-PAY-96\">PAY-96</a>"));
    let md = cairn_report::doc::to_markdown(&doc, None);
    assert!(
        md.contains("2 open risks: 1 scored 15 or more, 1 rising. 1 closed or accepted."),
        "{md}"
    );
    assert!(
        md.contains("**D-1** Build or buy sanctions screening — options: Build, Buy"),
        "{md}"
    );
}

both!(
    release_notes_speak_to_customers,
    risk_report_ranks_trends_and_asks_for_decisions,
);
