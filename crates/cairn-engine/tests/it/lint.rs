//! The linter over the nine real backlogs in ../shared/data/user-stories,
//! and over arbitrary text.

use cairn_core::lint::LintConfig;
use cairn_engine::lint::{LintItem, lint};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Each backlog's stories, without the data set's `#G02#` project tags.
pub fn load_backlogs() -> Vec<(String, Vec<String>)> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/user-stories/backlogs"
    ));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the shared data must sit beside the repository",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let stories = text
                .lines()
                .map(|l| {
                    let l = l.trim();
                    match l.strip_prefix('#').and_then(|r| r.split_once('#')) {
                        Some((_, rest)) => rest.trim().to_string(),
                        None => l.to_string(),
                    }
                })
                .filter(|l| !l.is_empty())
                .collect();
            (
                f.file_stem().unwrap().to_string_lossy().into_owned(),
                stories,
            )
        })
        .collect()
}

/// Findings per rule over each backlog (each linted as one backlog, so
/// `unique` and `uniform` compare within it).
pub fn counts_per_rule() -> (usize, BTreeMap<&'static str, usize>) {
    let mut counts = BTreeMap::new();
    let mut total = 0;
    for (_, stories) in load_backlogs() {
        let keys: Vec<String> = (1..=stories.len()).map(|n| format!("S-{n}")).collect();
        let items: Vec<LintItem<'_>> = stories
            .iter()
            .zip(&keys)
            .map(|(s, k)| LintItem {
                key: k,
                kind: "story",
                title: s,
                target: true,
                ..LintItem::default()
            })
            .collect();
        total += items.len();
        for f in lint(&items, &LintConfig::default()) {
            *counts.entry(f.rule).or_insert(0) += 1;
        }
    }
    (total, counts)
}

#[test]
fn nine_real_backlogs_lint_without_a_crash() {
    let backlogs = load_backlogs();
    assert_eq!(backlogs.len(), 9);
    let (total, counts) = counts_per_rule();
    assert!(total > 550, "{total} stories");
    println!("{total} stories");
    for (rule, n) in &counts {
        println!("{rule:20} {n}");
    }
    // None of these backlogs has acceptance criteria on its stories.
    assert_eq!(counts["acceptance-criteria"], total);
    // Almost every story is written in the template.
    assert!(
        counts.get("well-formed").copied().unwrap_or(0) * 20 < total,
        "{counts:?}"
    );
    for rule in [
        "atomic",
        "minimal",
        "unambiguous",
        "unique",
        "uniform",
        "problem-oriented",
    ] {
        assert!(
            counts.get(rule).copied().unwrap_or(0) > 0,
            "{rule} never fires: {counts:?}"
        );
    }
}

proptest! {
    #[test]
    fn lint_and_parsing_never_panic(title in "\\PC{0,120}", acceptance in "\\PC{0,80}", n in 1usize..4) {
        let items: Vec<LintItem<'_>> = (0..n)
            .map(|_| LintItem { key: "X-1", kind: "story", title: &title, acceptance: &acceptance, estimate: Some(40.0), blockers: 9, target: true, ..LintItem::default() })
            .collect();
        let _ = cairn_engine::story::parse(&title);
        for f in lint(&items, &LintConfig::default()) {
            if let Some(sp) = f.span {
                let text = if f.field == cairn_engine::lint::Field::Title { &title } else { &acceptance };
                prop_assert!(text.get(sp.start..sp.end).is_some(), "span {:?} outside {:?}", sp, text);
            }
        }
    }

    #[test]
    fn story_like_text_never_panics(s in "(As|as) (a|an|the)? ?\\PC{0,20}(,)? ?(I want to|I can|I'd like)? ?\\PC{0,30}(so that|in order to|, so)? ?\\PC{0,20}") {
        let _ = cairn_engine::story::parse(&s);
        let it = LintItem { key: "X-1", kind: "story", title: &s, target: true, ..LintItem::default() };
        let _ = lint(&[it], &LintConfig::default());
    }
}
