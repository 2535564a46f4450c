//! The traceability matrix on both backends: work found through the
//! hierarchy and `implements` links, tests through their links, statuses
//! and gaps worked out by hand, staleness, and narrowing by query.

use crate::harness::*;
use cairn_app::evidence::{EvidenceImport, ReportFile};
use cairn_app::trace::{TraceMatrix, TraceRequest};
use cairn_app::{NewItem, Patch};
use cairn_core::{ItemKey, Kind};

fn child(fx: &mut Fx, kind: Kind, title: &str, parent: &ItemKey) -> ItemKey {
    fx.app
        .item_add(
            NewItem {
                parent: Some(parent.clone()),
                ..new(kind, title)
            },
            None,
        )
        .unwrap()
        .key
}

fn done(fx: &mut Fx, key: &ItemKey) {
    fx.app
        .item_edit(
            key,
            Patch {
                state: Some("done".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap_or_else(|e| panic!("{key}: {e}"));
}

fn junit(fx: &mut Fx, build: &str, cases: &str) {
    fx.app
        .evidence_import(&EvidenceImport {
            product: None,
            build: build.into(),
            files: vec![ReportFile {
                name: "TEST-pay.xml".into(),
                text: format!("<testsuite name=\"pay\">\n{cases}\n</testsuite>"),
            }],
            skip_unknown_keys: false,
        })
        .unwrap();
}

fn matrix(fx: &mut Fx) -> TraceMatrix {
    fx.app.trace_matrix(&TraceRequest::default()).unwrap()
}

fn statuses(m: &TraceMatrix) -> Vec<(String, String)> {
    m.rows
        .iter()
        .map(|r| (r.key.to_string(), r.status.clone()))
        .collect()
}

fn gaps(m: &TraceMatrix) -> Vec<(String, String, String)> {
    m.gaps
        .iter()
        .map(|g| {
            (
                g.kind.clone(),
                g.requirement.to_string(),
                g.item.as_ref().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect()
}

fn the_matrix_follows_hierarchy_links_and_results(fx: &mut Fx) {
    fx.workspace();
    let r1 = fx.add(Kind::Requirement, "Refunds shall be logged"); // PAY-1
    let e1 = child(fx, Kind::Epic, "Refund logging", &r1); // PAY-2
    let s1 = child(fx, Kind::Story, "As a clerk, I want to see refunds", &e1); // PAY-3
    let s2 = child(fx, Kind::Story, "As an auditor, I want a log", &e1); // PAY-4
    let t1 = child(fx, Kind::Task, "Write the log table", &s2); // PAY-5
    let s3 = fx.add(Kind::Story, "As a merchant, I want a receipt"); // PAY-6
    fx.app.link(&s3, "implements", &r1, None).unwrap();
    let s4 = child(fx, Kind::Story, "As a clerk, I want to export refunds", &e1); // PAY-7
    fx.app
        .item_edit(
            &s4,
            Patch {
                state: Some("cancelled".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let r2 = fx.add(Kind::Requirement, "Refunds shall be fast"); // PAY-8
    let r3 = fx.add(Kind::Requirement, "Refund logs shall be kept a year"); // PAY-9
    let s5 = child(fx, Kind::Story, "As an auditor, I want old logs", &r3); // PAY-10
    for k in [&s1, &s2, &t1, &s3, &s5] {
        done(fx, k);
    }
    junit(
        fx,
        "1",
        &format!(
            r#"<testcase classname="log" name="{s1} lists refunds"/>
<testcase classname="log" name="{t1} creates the table"><failure message="no such table"/></testcase>
<testcase classname="log" name="receipt"><properties><property name="requirement" value="{s3}"/></properties></testcase>
<testcase classname="log" name="{s5} keeps a year"/>"#
        ),
    );
    let m = matrix(fx);
    assert_eq!(
        statuses(&m),
        vec![
            (r1.to_string(), "failing".to_string()),
            (r2.to_string(), "no work".to_string()),
            (r3.to_string(), "verified".to_string()),
        ]
    );
    // R1's work: the epic and everything below it, and the story that
    // implements it; not the cancelled story.
    let row = &m.rows[0];
    let work: Vec<(String, String)> = row
        .work
        .iter()
        .map(|w| (w.key.to_string(), w.via.clone()))
        .collect();
    assert_eq!(
        work,
        vec![
            (e1.to_string(), "child".into()),
            (s1.to_string(), "child".into()),
            (s2.to_string(), "child".into()),
            (t1.to_string(), "child".into()),
            (s3.to_string(), "implements".into()),
        ]
    );
    assert_eq!(row.all_tests().len(), 3);
    // S2 is covered by its task's test, so the only gaps are the failing
    // test and R2's missing work.
    assert_eq!(
        gaps(&m),
        vec![
            ("failing-test".into(), r1.to_string(), t1.to_string()),
            ("no-work".into(), r2.to_string(), String::new()),
        ]
    );
    assert!(
        m.gaps[0].detail.contains("no such table"),
        "{}",
        m.gaps[0].detail
    );
    assert_eq!(
        (
            m.summary.tests,
            m.summary.passing_tests,
            m.summary.failing_tests
        ),
        (4, 3, 1)
    );

    // The next build fixes the task: R1 is verified.
    fx.advance(DAY);
    junit(
        fx,
        "2",
        &format!(
            r#"<testcase classname="log" name="{s1} lists refunds"/>
<testcase classname="log" name="{t1} creates the table"/>
<testcase classname="log" name="receipt"/>
<testcase classname="log" name="{s5} keeps a year"/>"#
        ),
    );
    let m = matrix(fx);
    assert_eq!(m.rows[0].status, "verified");
    assert_eq!(
        gaps(&m),
        vec![("no-work".into(), r2.to_string(), String::new())]
    );

    // A story with no test makes its requirement partly verified; a test
    // linked by hand that never ran is a gap of its own.
    let s6 = child(fx, Kind::Story, "As a clerk, I want refund reasons", &e1);
    fx.app
        .evidence_link(None, "log.reasons are required", &s6)
        .unwrap();
    let m = matrix(fx);
    assert_eq!(m.rows[0].status, "partly verified");
    assert_eq!(
        gaps(&m)[0],
        ("no-result".into(), r1.to_string(), s6.to_string())
    );
    // Once it passes, open work keeps the requirement in progress; a
    // started story with no test is a gap.
    junit(
        fx,
        "3",
        r#"<testcase classname="log" name="reasons are required"/>"#,
    );
    assert_eq!(matrix(fx).rows[0].status, "in progress");
    let s7 = child(fx, Kind::Story, "As a clerk, I want refund notes", &e1);
    fx.app
        .item_edit(
            &s7,
            Patch {
                state: Some("in-progress".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let m = matrix(fx);
    assert_eq!(m.rows[0].status, "partly verified");
    assert!(gaps(&m).contains(&("untested-story".into(), r1.to_string(), s7.to_string())));
    done(fx, &s6);
    done(fx, &s7);

    // Thirty-one days on, every result is stale.
    fx.advance(31 * DAY);
    let m = matrix(fx);
    assert_eq!(m.rows[2].status, "partly verified");
    assert_eq!(m.summary.stale_tests, 5);
    assert!(
        m.gaps
            .iter()
            .any(|g| g.kind == "stale-test" && g.item.as_ref() == Some(&s5))
    );

    // A query narrows the rows.
    let m = fx
        .app
        .trace_matrix(&TraceRequest {
            query: Some("title ~ fast".into()),
            ..TraceRequest::default()
        })
        .unwrap();
    assert_eq!(statuses(&m), vec![(r2.to_string(), "no work".to_string())]);
    // The document names every requirement and gap.
    let doc = cairn_report::doc::to_markdown(&matrix(fx).doc("Payments"), None);
    assert!(doc.contains("# Payments: traceability matrix"), "{doc}");
    assert!(doc.contains("stale-test"), "{doc}");
}

fn the_demo_matrix_reads_for_an_auditor(fx: &mut Fx) {
    fx.app.init().unwrap();
    cairn_app::demo::generate(&mut fx.app, 7, "PAY").unwrap();
    fx.app.set_clock(Box::new(fx.clock.clone()));
    let m = matrix(fx);
    let s = &m.summary;
    assert_eq!(s.requirements, m.rows.len());
    assert_eq!(
        s.verified + s.in_progress + s.failing + s.partly + s.not_tested + s.no_work,
        s.requirements
    );
    assert_eq!(
        s.failing_tests, 2,
        "the demo's latest build fails two tests"
    );
    assert!(s.stale_tests > 0 && s.passing_tests > 0, "{s:?}");
    for g in &m.gaps {
        assert!(m.rows.iter().any(|r| r.key == g.requirement), "{g:?}");
    }
    let md = cairn_report::doc::to_markdown(&m.doc("Payments Platform"), None);
    insta::assert_snapshot!("trace_demo", md);
}

both!(
    the_matrix_follows_hierarchy_links_and_results,
    the_demo_matrix_reads_for_an_auditor
);
