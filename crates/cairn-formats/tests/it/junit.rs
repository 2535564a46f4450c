//! The JUnit reader on real runners' reports from ../shared/data/junit (from the Jenkins JUnit
//! plugin's test resources, MIT licence), and on hostile XML.

use cairn_formats::junit::{Outcome, Report, parse};
use std::path::PathBuf;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/junit");

fn read(name: &str) -> Report {
    let path = PathBuf::from(SAMPLES).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); it lives in shared/data/junit",
            path.display()
        )
    });
    parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (file, suites, cases, failed, errors, skipped, flaky, warnings): the counts each file
/// states, where its statements agree with its contents; where they do not, the warnings say
/// so.
type Expected = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);
const EXPECTED: &[Expected] = &[
    // States tests=3 failures=2 for one case that failed twice and passed on the third run.
    ("TEST-io.olamy.FlakyTest.xml", 1, 1, 0, 0, 0, 1, 1),
    ("TESTS-TestSuites.xml", 2, 3, 0, 0, 0, 0, 0),
    // States tests=456 but holds 5 cases.
    ("junit-report-1233.xml", 1, 5, 0, 0, 0, 0, 1),
    ("junit-report-1463.xml", 1, 6, 0, 0, 0, 0, 0),
    ("junit-report-20090516.xml", 1, 8, 0, 3, 0, 0, 0),
    ("junit-report-2874.xml", 1, 1, 0, 0, 0, 0, 0),
    ("junit-report-494.xml", 1, 2, 1, 0, 0, 0, 0),
    // No test case: the suite itself errored (tests="1" errors="1").
    ("junit-report-6700.xml", 1, 1, 0, 1, 0, 0, 0),
    // A negative duration; states tests=1 but holds the same case twice.
    ("junit-report-bad-duration.xml", 1, 2, 0, 0, 0, 0, 2),
    // A case with an empty name.
    ("junit-report-empty-testcasename.xml", 1, 1, 1, 0, 0, 0, 1),
    // States tests=2 but holds 1 case.
    ("junit-report-errror-details.xml", 1, 1, 0, 1, 0, 0, 1),
    ("junit-report-nested-testsuites.xml", 4, 3, 0, 1, 0, 0, 0),
    ("junit-report-testsuite-time-attrs.xml", 4, 8, 0, 0, 0, 0, 0),
    (
        "junit-report-testsuite-various-timestamps.xml",
        9,
        12,
        0,
        0,
        0,
        0,
        0,
    ),
    ("junit-report-with-properties.xml", 1, 2, 1, 0, 0, 0, 0),
    ("skippedTestResult.xml", 1, 1, 0, 0, 1, 0, 0),
];

#[test]
fn every_shared_report_reads_with_its_counts() {
    let mut names: Vec<String> = std::fs::read_dir(SAMPLES)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(names, listed, "every sample has its expected counts");
    for &(file, suites, cases, failed, errors, skipped, flaky, warnings) in EXPECTED {
        let r = read(file);
        let c = r.counts();
        let got = (
            r.suites,
            c.tests,
            c.failures,
            c.errors,
            c.skipped,
            r.cases.iter().filter(|c| c.flaky).count(),
            r.warnings.len(),
        );
        assert_eq!(
            got,
            (suites, cases, failed, errors, skipped, flaky, warnings),
            "{file}: {:?}",
            r.warnings
        );
        for case in &r.cases {
            assert!(case.line > 0, "{file}: {case:?}");
            assert!(case.duration.is_none_or(|d| d >= 0.0));
        }
    }
}

#[test]
fn details_runners_write() {
    // The suite-level error keeps its message, under the suite's name.
    let r = read("junit-report-6700.xml");
    assert_eq!(
        r.cases[0].full_name(),
        "gda.device.detector.XHDetectorTest.(suite)"
    );
    assert_eq!(
        r.cases[0].message.as_deref(),
        Some("gda/device/detector/DAServer")
    );
    // Cases nested three deep keep their suite path.
    let r = read("junit-report-nested-testsuites.xml");
    let deep = r
        .cases
        .iter()
        .find(|c| c.outcome == Outcome::Error)
        .unwrap();
    assert_eq!(
        deep.suites,
        vec!["test.AutomatedTests", "test.db.DatabaseTest"]
    );
    assert_eq!(deep.classname, "test.3rdlevel");
    // Properties: the case's own first, then its suite's; a property may hold text.
    let r = read("junit-report-with-properties.xml");
    let a = &r.cases[0];
    assert_eq!(
        a.properties[0],
        ("description".into(), "description of test testCaseA".into())
    );
    assert!(
        a.properties
            .iter()
            .any(|(k, v)| k == "prop1" && v == "value1")
    );
    assert!(
        a.properties
            .iter()
            .any(|(k, v)| k == "multiline" && v.starts_with("Config line 1"))
    );
    assert_eq!(a.message.as_deref(), Some("expected: [a] but was: [b]"));
    // A skipped case's message comes from its text when it has no attribute.
    let r = read("skippedTestResult.xml");
    assert!(
        r.cases[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("Given skip This Test")
    );
    // Durations with a thousands separator; a negative one is left out with a warning.
    let r = read("junit-report-bad-duration.xml");
    assert_eq!(r.cases[0].duration, None);
    assert_eq!(r.cases[1].duration, Some(100.0));
    let w = r
        .warnings
        .iter()
        .find(|w| w.message.contains("-345345"))
        .unwrap();
    assert_eq!(w.line, 4);
    // A name that already includes the class is not doubled.
    let r = read("junit-report-20090516.xml");
    assert_eq!(
        r.cases[0].full_name(),
        "org.twia.vendor.VendorManagerTest.testGetVendorFirmKeyForVendorRep"
    );
}

#[test]
fn hostile_xml_is_refused_without_expanding_anything() {
    // A billion-laughs bomb: refused at the declaration, before any expansion.
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        bomb.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<testsuite name=\"&lol9;\"/>\n");
    let e = parse(&bomb).unwrap_err();
    assert!(e.message.contains("<!DOCTYPE"), "{e}");
    assert_eq!(e.line, Some(2));
    // External entities (XXE), SYSTEM and PUBLIC.
    for decl in [
        "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">",
        "<!ENTITY xxe PUBLIC \"-//x//y\" \"http://127.0.0.1:1/evil.dtd\">",
    ] {
        let doc =
            format!("<?xml version=\"1.0\"?>\n<!DOCTYPE t [{decl}]>\n<testsuite name=\"&xxe;\"/>");
        assert!(parse(&doc).is_err());
    }
    // An external DTD with no internal subset.
    assert!(parse("<!DOCTYPE testsuite SYSTEM \"http://127.0.0.1:1/x.dtd\"><testsuite/>").is_err());
}
