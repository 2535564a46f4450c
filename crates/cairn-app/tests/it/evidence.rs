//! Test evidence on both backends: the shared runners' reports imported
//! per build, links by name, property and hand, all-or-nothing imports,
//! and who may import.

use crate::harness::*;
use cairn_app::evidence::{EvidenceImport, ReportFile};
use cairn_app::{Access, AppError};
use cairn_core::{Kind, Role};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/junit");

fn shared_reports() -> Vec<ReportFile> {
    let mut names: Vec<String> = std::fs::read_dir(SAMPLES)
        .unwrap_or_else(|e| panic!("{SAMPLES} is missing ({e}); it lives in shared/data/junit"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| ReportFile {
            text: std::fs::read_to_string(format!("{SAMPLES}/{n}")).unwrap(),
            name: n,
        })
        .collect()
}

fn import(build: &str, files: Vec<ReportFile>) -> EvidenceImport {
    EvidenceImport {
        product: None,
        build: build.into(),
        files,
        skip_unknown_keys: false,
    }
}

fn file(name: &str, text: &str) -> ReportFile {
    ReportFile {
        name: name.into(),
        text: text.into(),
    }
}

fn suite(cases: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<testsuite name=\"pay\">\n{cases}\n</testsuite>\n")
}

fn the_shared_reports_import_per_build(fx: &mut Fx) {
    fx.workspace();
    let r = fx
        .app
        .evidence_import(&import("41", shared_reports()))
        .unwrap();
    assert_eq!(r.files.len(), 16);
    // 57 cases in the files; DummyTest.testDummyMethod is in two files
    // and twice in one of them: it counts once, with its worst result.
    assert_eq!(r.results.total(), 55);
    assert_eq!(
        (
            r.results.failed,
            r.results.errors,
            r.results.skipped,
            r.results.flaky
        ),
        (3, 6, 1, 1)
    );
    assert_eq!(r.new_tests, 55);
    assert!(r.links_added.is_empty());
    let warnings: usize = r.files.iter().map(|f| f.warnings.len()).sum();
    assert!(warnings >= 6, "{:?}", r.files);
    // Importing the same build again replaces it: same counts, no new rows.
    let audit = audit_count(&mut fx.app);
    let again = fx
        .app
        .evidence_import(&import("41", shared_reports()))
        .unwrap();
    assert!(again.files.iter().all(|f| f.replaced));
    assert_eq!(again.new_tests, 0);
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM test_results"), 55);
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM test_runs"), 16);
    assert_eq!(audit_count(&mut fx.app), audit + 1);
    // A second build keeps the first as history.
    fx.advance(DAY);
    fx.app
        .evidence_import(&import("42", shared_reports()))
        .unwrap();
    assert_eq!(
        scalar(&mut fx.app, "SELECT COUNT(*) FROM test_results"),
        110
    );
    let runs = fx.app.evidence_runs(None).unwrap();
    assert_eq!(runs.len(), 32);
    assert_eq!(runs[0].build, "42");
    let tests = fx.app.evidence_tests(None, None).unwrap();
    assert_eq!(tests.len(), 55);
    assert!(tests.iter().all(|t| t.build == "42"));
    let failing = fx.app.evidence_tests(None, Some("failed")).unwrap();
    assert_eq!(failing.len(), 3);
    let d = fx
        .app
        .evidence_test(None, "io.jenkins.example.AnExampleTestClass.testCaseA")
        .unwrap();
    assert_eq!(d.history.len(), 2);
    assert_eq!(d.history[0].build, "42");
    assert_eq!(
        d.history[0].message.as_deref(),
        Some("expected: [a] but was: [b]")
    );
}

fn tests_link_by_name_property_and_hand(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(Kind::Story, "Refund part of a payment");
    let b = fx.add(Kind::Requirement, "Refunds are logged");
    let c = fx.add(Kind::Story, "Sandbox payments");
    let cases = format!(
        r#"<testcase classname="refunds" name="{a} refunds part"/>
<testcase classname="refunds" name="[{b}] logs the refund and {a}"><failure message="no log line"/></testcase>
<testcase classname="api" name="HTTP-2 upgrade"><properties><property name="requirement" value="{c}"/></properties></testcase>"#
    );
    let r = fx
        .app
        .evidence_import(&import("7", vec![file("r.xml", &suite(&cases))]))
        .unwrap();
    let links: Vec<(String, String, String)> = r
        .links_added
        .iter()
        .map(|(t, k, h)| (t.clone(), k.to_string(), h.clone()))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                format!("refunds.{a} refunds part"),
                a.to_string(),
                "name".into()
            ),
            (
                format!("refunds.[{b}] logs the refund and {a}"),
                b.to_string(),
                "name".into()
            ),
            (
                format!("refunds.[{b}] logs the refund and {a}"),
                a.to_string(),
                "name".into()
            ),
            (
                "api.HTTP-2 upgrade".into(),
                c.to_string(),
                "property".into()
            ),
        ]
    );
    // By hand, then off again; a second link is refused.
    fx.app
        .evidence_link(None, "api.HTTP-2 upgrade", &a)
        .unwrap();
    let e = fx
        .app
        .evidence_link(None, "api.HTTP-2 upgrade", &a)
        .unwrap_err();
    assert!(e.to_string().contains("already verifies"), "{e}");
    let t = fx.app.evidence_test(None, "api.HTTP-2 upgrade").unwrap();
    assert_eq!(
        t.verifies,
        vec![
            (a.clone(), "explicit".into()),
            (c.clone(), "property".into())
        ]
    );
    fx.app
        .evidence_unlink(None, "api.HTTP-2 upgrade", &a)
        .unwrap();
    assert!(
        fx.app
            .evidence_unlink(None, "api.HTTP-2 upgrade", &a)
            .is_err()
    );
    // A test that has not run yet can be linked: it has no result.
    fx.app
        .evidence_link(None, "refunds.partial in yen", &a)
        .unwrap();
    assert_eq!(fx.app.evidence_tests(None, None).unwrap().len(), 3);
    // Deleting an item removes its test links.
    let v = fx.app.item(&c).unwrap().version;
    fx.app.item_rm(&c, Some(v), None).unwrap();
    let t = fx.app.evidence_test(None, "api.HTTP-2 upgrade").unwrap();
    assert!(t.verifies.is_empty());
}

fn bad_reports_import_nothing(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(Kind::Story, "Refund part of a payment");
    let good = file("good.xml", &suite(&format!("<testcase name=\"{a} ok\"/>")));
    // A truncated file among good ones: nothing at all.
    let e = fx
        .app
        .evidence_import(&import(
            "1",
            vec![
                good.clone(),
                file("cut.xml", "<testsuite name=\"x\">\n<testcase name=\"y\">"),
            ],
        ))
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    assert!(e.to_string().starts_with("cut.xml: line 2"), "{e}");
    assert!(e.to_string().contains("nothing was imported"), "{e}");
    // An unknown key: named by file, line and test; nothing imported.
    let unknown = file(
        "unknown.xml",
        &suite("<testcase name=\"x\"/>\n<testcase name=\"PAY-999 refunds\"/>"),
    );
    let e = fx
        .app
        .evidence_import(&import("1", vec![good.clone(), unknown.clone()]))
        .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "unknown.xml:4: test \"PAY-999 refunds\" names PAY-999, which is not an item"
        ),
        "{e}"
    );
    // A hostile one.
    let bomb = file(
        "bomb.xml",
        "<!DOCTYPE t [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<testsuite name=\"&b;\"/>",
    );
    let e = fx
        .app
        .evidence_import(&import("1", vec![bomb]))
        .unwrap_err();
    assert!(e.to_string().contains("DOCTYPE"), "{e}");
    // An empty build.
    assert!(
        fx.app
            .evidence_import(&import(" ", vec![good.clone()]))
            .is_err()
    );
    for table in ["test_runs", "test_results", "test_cases", "test_links"] {
        assert_eq!(
            scalar(&mut fx.app, &format!("SELECT COUNT(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    // Skipping unknown keys imports the rest and lists them.
    let mut req = import("1", vec![good, unknown]);
    req.skip_unknown_keys = true;
    let r = fx.app.evidence_import(&req).unwrap();
    assert_eq!(r.results.total(), 3);
    assert_eq!(r.unknown_keys.len(), 1);
    assert_eq!(r.links_added.len(), 1);
}

fn stakeholders_cannot_import(fx: &mut Fx) {
    fx.workspace();
    fx.app.set_access(Some(Access {
        user: "sam".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Stakeholder)]
            .into_iter()
            .collect(),
    }));
    let e = fx
        .app
        .evidence_import(&import(
            "1",
            vec![file("r.xml", &suite("<testcase name=\"x\"/>"))],
        ))
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    // They can read.
    assert!(fx.app.evidence_runs(None).unwrap().is_empty());
}

both!(
    the_shared_reports_import_per_build,
    tests_link_by_name_property_and_hand,
    bad_reports_import_nothing,
    stakeholders_cannot_import,
);
