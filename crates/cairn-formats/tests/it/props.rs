//! No parser panics, whatever the input.

use proptest::prelude::*;

use cairn_formats::{csv_req, gherkin, junit, markdown, reqif};

/// Text built from the pieces the parsers care about, so that the interesting paths are taken
/// far more often than with uniformly random strings.
fn structured() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Feature: f\n".to_string()),
        Just("Rule: r\n".to_string()),
        Just("Background:\n".to_string()),
        Just("Scenario: s\n".to_string()),
        Just("Scenario Outline: o\n".to_string()),
        Just("Examples:\n".to_string()),
        Just("  Given a\n".to_string()),
        Just("  And b\n".to_string()),
        Just("  * c\n".to_string()),
        Just("  Then d\n".to_string()),
        Just("  | a | b |\n".to_string()),
        Just("  | a |\n".to_string()),
        Just("  | a \\".to_string()),
        Just("\"\"\"\n".to_string()),
        Just("```\n".to_string()),
        Just("@t @u\n".to_string()),
        Just("@a b\n".to_string()),
        Just("# language: fr\n".to_string()),
        Just("# language: zz\n".to_string()),
        Just("# c\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("# H\n".to_string()),
        Just("## R-1: h\n".to_string()),
        Just("1. R-2: The system shall x.\n".to_string()),
        Just("- **REQ-3** must y. e.g. z. \n".to_string()),
        Just("   - nested [a](#b)\n".to_string()),
        Just("[NFR-7] It shall be. FR-3.1. \n".to_string()),
        Just("| t | u |\n|---|---|\n".to_string()),
        Just("id,text,section\n".to_string()),
        Just("R-1,\"The system, shall\",A > B\n".to_string()),
        Just(",,\n".to_string()),
        Just("\"unterminated\n".to_string()),
        Just("<testsuites>".to_string()),
        Just("<testsuite name=\"s\" tests=\"2\">".to_string()),
        Just("</testsuite>".to_string()),
        Just("<testcase classname=\"c\" name=\"PAY-1 n\" time=\"-1,2\">".to_string()),
        Just("<failure message=\"m\">t</failure>".to_string()),
        Just("<error/><skipped/><flakyFailure/>".to_string()),
        Just("</testcase>".to_string()),
        Just(
            "<properties><property name=\"requirement\" value=\"PAY-2\"/></properties>".to_string()
        ),
        Just("<![CDATA[x]]>&amp;&lol;&#0;".to_string()),
        Just("<!DOCTYPE x [<!ENTITY a \"b\">]>".to_string()),
        Just("<REQ-IF><CORE-CONTENT><REQ-IF-CONTENT>".to_string()),
        Just("<SPEC-OBJECTS><SPEC-OBJECT IDENTIFIER=\"a\"><VALUES>".to_string()),
        Just("<ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>d</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION><THE-VALUE><div>t<br/>u</div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>".to_string()),
        Just("</VALUES></SPEC-OBJECT></SPEC-OBJECTS>".to_string()),
        Just("<SPEC-RELATIONS><SPEC-RELATION IDENTIFIER=\"r\"><SOURCE><SPEC-OBJECT-REF>a</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>b</SPEC-OBJECT-REF></TARGET></SPEC-RELATION></SPEC-RELATIONS>".to_string()),
        Just("<SPECIFICATIONS><SPECIFICATION IDENTIFIER=\"s\"><CHILDREN><SPEC-HIERARCHY IDENTIFIER=\"h\"><OBJECT><SPEC-OBJECT-REF>a</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN></SPECIFICATION></SPECIFICATIONS>".to_string()),
        Just("</REQ-IF-CONTENT></CORE-CONTENT></REQ-IF>".to_string()),
        "[ -~\u{e9}\u{1F600}\t]{0,12}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn check_all(text: &str) {
    let _ = gherkin::parse(text);
    let _ = gherkin::parse_acceptance(text);
    let _ = markdown::parse_markdown(text);
    let _ = csv_req::parse_csv(text);
    if let Ok(r) = reqif::parse(text) {
        let reqs = r.requirements();
        assert_eq!(reqs.len(), r.objects.len());
    }
    if let Ok(r) = junit::parse(text) {
        let lines = text.split('\n').count();
        for c in &r.cases {
            assert!(c.line >= 1 && c.line <= lines, "{c:?}");
            assert!(c.duration.is_none_or(|d| d >= 0.0 && d.is_finite()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        check_all(&text);
    }

    #[test]
    fn structured_text_never_panics(text in structured()) {
        check_all(&text);
    }

    #[test]
    fn gherkin_errors_have_lines_in_the_text(text in structured()) {
        let lines = text.split('\n').count() + 1;
        for parse in [gherkin::parse, gherkin::parse_acceptance] {
            if let Err(errors) = parse(&text) {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.len() <= 11);
                for e in errors {
                    prop_assert!(e.line >= 1 && e.line <= lines, "{e:?} for {lines} lines");
                }
            }
        }
    }

    #[test]
    fn markdown_records_have_lines_in_the_text(text in structured()) {
        let lines = text.split('\n').count();
        if let Ok(records) = markdown::parse_markdown(&text) {
            for r in records {
                prop_assert!(r.line >= 1 && r.line <= lines, "{r:?}");
                prop_assert!(!r.text.is_empty());
                prop_assert!(r.title.chars().count() <= 101);
            }
        }
    }
}
