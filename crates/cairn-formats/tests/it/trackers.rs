//! The Jira and GitHub readers on bad input: each broken record is named
//! by its key and left out, a broken file is refused whole with where it
//! broke, and no cut or changed export makes a reader panic.

use cairn_formats::{github, jira};
use proptest::prelude::*;

fn data(rel: &str) -> String {
    let p = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn a_broken_jira_record_is_named_and_left_out() {
    let text = r#"{"issues": [
        {"key": "SHOP-1", "fields": {"summary": "Fine", "issuetype": {"name": "Story"},
         "status": {"name": "To Do", "statusCategory": {"key": "new"}},
         "created": "2026-01-05T10:00:00.000+0100"}},
        {"key": "SHOP-2", "fields": "not an object"}
    ]}"#;
    let b = jira::parse_json(text, &jira::JiraFields::default()).unwrap();
    assert_eq!(b.issues.len(), 1);
    assert_eq!(b.problems.len(), 1, "{:?}", b.problems);
    let p = &b.problems[0];
    assert_eq!(p.record, "SHOP-2");
    assert!(
        p.message.starts_with("not shaped like a Jira issue"),
        "{p:?}"
    );
    // A position inside the record would point nowhere in the file.
    assert!(!p.message.contains(" at line "), "{p:?}");
}

#[test]
fn a_file_that_is_not_a_search_result_is_refused_whole() {
    let e = jira::parse_json(r#"{"total": 3}"#, &jira::JiraFields::default()).unwrap_err();
    assert!(e.message.contains("no \"issues\" list"), "{e}");
    let e = jira::parse_json(
        r#"[{"issues": []}, {"names": {}}]"#,
        &jira::JiraFields::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("page 2"), "{e}");
    let e = jira::parse_json("42", &jira::JiraFields::default()).unwrap_err();
    assert!(e.message.contains("neither a Jira search result"), "{e}");
    let e =
        jira::parse_json(&data("jira/truncated.json"), &jira::JiraFields::default()).unwrap_err();
    assert!(e.line.is_some() && e.message.contains("ends early"), "{e}");
}

/// Each issue's key and the release it is planned for: (name, date).
type Releases = Vec<(String, Option<(String, Option<String>)>)>;

fn releases(b: &cairn_formats::issues::ExtBatch) -> Releases {
    b.issues
        .iter()
        .map(|i| {
            (
                i.key.clone(),
                i.release.as_ref().map(|r| (r.name.clone(), r.date.clone())),
            )
        })
        .collect()
}

fn release_of<'a>(list: &'a Releases, key: &str) -> Option<(&'a str, Option<&'a str>)> {
    let (_, r) = list.iter().find(|(k, _)| k == key).expect(key);
    r.as_ref().map(|(n, d)| (n.as_str(), d.as_deref()))
}

#[test]
fn fix_versions_and_milestones_become_releases() {
    // Jira JSON: one fix version with its release date; one not dated
    // yet; a backport (two versions) gets the first to ship, noted.
    let b = jira::parse_json(&data("jira/search.json"), &jira::JiraFields::default()).unwrap();
    let r = releases(&b);
    assert_eq!(
        release_of(&r, "SHOP-2"),
        Some(("2026.2", Some("2026-02-27")))
    );
    assert_eq!(release_of(&r, "SHOP-3"), Some(("2026.3", None)));
    assert_eq!(
        release_of(&r, "SHOP-4"),
        Some(("2026.1.3", Some("2026-02-24")))
    );
    assert_eq!(release_of(&r, "SHOP-1"), None);
    let w: Vec<_> = b.warnings.iter().filter(|w| w.record == "SHOP-4").collect();
    assert_eq!(w.len(), 1, "{:?}", b.warnings);
    assert!(
        w[0].message.contains("release is 2026.1.3") && w[0].message.contains("not kept: 2026.2"),
        "{w:?}"
    );

    // Jira CSV: the repeated Fix Version/s columns carry no dates, so the
    // first listed wins.
    let b = jira::parse_csv(&data("jira/export.csv")).unwrap();
    let r = releases(&b);
    assert_eq!(release_of(&r, "SHOP-2"), Some(("2026.2", None)));
    assert_eq!(release_of(&r, "SHOP-4"), Some(("2026.2", None)));
    assert_eq!(release_of(&r, "SHOP-7"), None);
    assert!(
        b.warnings
            .iter()
            .any(|w| w.record == "SHOP-4" && w.message.contains("not kept: 2026.1.3")),
        "{:?}",
        b.warnings
    );

    // GitHub: the milestone's title, due on its day in UTC.
    let b = github::parse(&data("github/issues.json"), None, None).unwrap();
    let r = releases(&b);
    assert_eq!(
        release_of(&r, "acme/shop-web#1"),
        Some(("v1.2", Some("2026-01-31")))
    );
    assert!(
        r.iter().any(|(_, rel)| rel.is_none()),
        "an issue without a milestone has no release: {r:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Cut anywhere, or with one byte changed, an export is read or
    /// refused, never a panic; whatever is read has a key and a title.
    #[test]
    fn cut_or_changed_exports_never_panic(cut in 0.0f64..1.0, at in 0.0f64..1.0, byte in 0u8..128) {
        let samples = [
            data("jira/search.json"),
            data("jira/export.csv"),
            data("github/issues.json"),
        ];
        for (n, text) in samples.iter().enumerate() {
            let mut bytes = text.as_bytes().to_vec();
            let i = ((bytes.len() as f64) * at) as usize;
            if i < bytes.len() {
                bytes[i] = byte;
            }
            bytes.truncate(((bytes.len() as f64) * cut) as usize + 1);
            let text = String::from_utf8_lossy(&bytes);
            let read = match n {
                0 => jira::parse_json(&text, &jira::JiraFields::default()),
                1 => jira::parse_csv(&text),
                _ => github::parse(&text, None, None),
            };
            if let Ok(b) = read {
                for i in &b.issues {
                    prop_assert!(!i.key.is_empty());
                }
            }
        }
    }
}
