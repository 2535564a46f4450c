//! Requirement intake from Markdown.

use cairn_formats::markdown::parse_markdown;
use cairn_formats::{FormatError, RequirementRecord};

const SPEC: &str = include_str!("data/payments-spec.md");

#[test]
fn realistic_spec_snapshot() {
    let records = parse_markdown(SPEC).unwrap();
    insta::assert_debug_snapshot!(records);
}

#[test]
fn every_id_form_is_recognised() {
    let records = parse_markdown(SPEC).unwrap();
    let ids: Vec<&str> = records.iter().filter_map(|r| r.ext_id.as_deref()).collect();
    assert_eq!(
        ids,
        vec![
            "R-12", "FR-3.1", "SEC-2", "NFR-7", "REQ-1", "REQ_12", "REQ-7"
        ]
    );
    for r in &records {
        if let Some(id) = &r.ext_id {
            assert!(!r.text.contains(id.as_str()), "{id} left in {:?}", r.text);
        }
    }
}

#[test]
fn ignored_content_stays_out() {
    let records = parse_markdown(SPEC).unwrap();
    for r in &records {
        for ignored in [
            "parsed from this block",
            "HTML comments",
            "99.9%",
            "Introduction",
            "QR code",
        ] {
            assert!(!r.text.contains(ignored), "{ignored:?} in {r:?}");
        }
    }
}

#[test]
fn crlf_gives_the_same_records() {
    let crlf = SPEC.replace('\n', "\r\n");
    assert_eq!(
        parse_markdown(&crlf).unwrap(),
        parse_markdown(SPEC).unwrap()
    );
}

#[test]
fn empty_and_requirement_free_documents_are_errors() {
    for text in [
        "",
        "\n\n",
        "# Title\n\nJust some prose.\n\n- a bullet\n",
        "```\nshall\n```\n",
    ] {
        let err = parse_markdown(text).unwrap_err();
        assert_eq!(err.line, None);
        assert!(err.message.starts_with("no requirements found"), "{err}");
    }
}

#[test]
fn duplicate_ids_name_both_lines() {
    let text = "# A\n\n1. R-1: First.\n2. R-2: Second.\n\n# B\n\n- r-1: The clone shall fail.\n";
    let err: FormatError = parse_markdown(text).unwrap_err();
    assert_eq!(err.line, Some(8));
    assert!(err.message.contains("lines 3 and 8"), "{err}");
    assert!(
        err.to_string()
            .starts_with("line 8: duplicate requirement ID r-1"),
        "{err}"
    );
}

#[test]
fn heading_paths_follow_levels() {
    let text = "# A\n## B\n### C\nThe system shall c.\n## D\nThe system shall d.\n# E\n1. e\n";
    let records = parse_markdown(text).unwrap();
    let paths: Vec<(usize, Vec<String>)> = records
        .iter()
        .map(|r| (r.line, r.heading_path.clone()))
        .collect();
    assert_eq!(
        paths,
        vec![
            (4, vec!["A".to_string(), "B".into(), "C".into()]),
            (6, vec!["A".into(), "D".into()]),
            (8, vec!["E".into()]),
        ]
    );
}

#[test]
fn sentences_get_their_own_lines() {
    let text = "Intro.\nThe first shall be.\n  The second must be, e.g. now.\n";
    let records = parse_markdown(text).unwrap();
    let got: Vec<(usize, &str)> = records.iter().map(|r| (r.line, r.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "The first shall be."),
            (3, "The second must be, e.g. now.")
        ]
    );
}

#[test]
fn long_titles_are_cut_at_a_word() {
    let records = parse_markdown(SPEC).unwrap();
    let long: &RequirementRecord = records
        .iter()
        .find(|r| r.text.starts_with("The service shall answer 95%"))
        .unwrap();
    assert!(long.title.ends_with('…'), "{}", long.title);
    assert!(long.title.chars().count() <= 101);
    assert!(long.text.len() > long.title.len());
}

#[test]
fn id_heading_without_paragraph_is_just_a_heading() {
    let text = "## R-9: Lonely\n\n- The system shall x.\n";
    let records = parse_markdown(text).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].ext_id, None);
    assert_eq!(records[0].heading_path, vec!["R-9: Lonely".to_string()]);
}
