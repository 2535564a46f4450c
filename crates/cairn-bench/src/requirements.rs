//! The requirements-quality workloads: lint 10,000 synthetic stories with
//! every rule (duplicates included), and classify 10,000 synthetic
//! requirements.

use cairn_core::lint::LintConfig;
use cairn_engine::classify::Model;
use cairn_engine::lint::{LintItem, lint};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

const ROLES: &[&str] = &[
    "merchant",
    "cashier",
    "finance analyst",
    "support agent",
    "site visitor",
    "data publisher",
    "developer",
    "auditor",
    "camp counsellor",
    "nurse",
];
const MEANS: &[&str] = &[
    "I want to",
    "I want to",
    "I want to",
    "I can",
    "I would like to",
];
const VERBS: &[&str] = &[
    "export", "refund", "view", "filter", "approve", "upload", "search", "share", "archive",
    "print", "schedule", "compare", "tag", "download", "publish",
];
const OBJECTS: &[&str] = &[
    "payouts",
    "invoices",
    "disputes",
    "receipts",
    "the settlement report",
    "card payments",
    "datasets",
    "patient notes",
    "event listings",
    "audit logs",
    "refund requests",
    "price plans",
    "course bookings",
    "team calendars",
    "API keys",
];
const QUALIFIERS: &[&str] = &[
    "by month",
    "for one merchant",
    "as CSV",
    "from the dashboard",
    "for the last 90 days",
    "per currency",
    "with their status",
    "by customer",
    "",
    "",
    "",
];
const ENDS: &[&str] = &[
    "I can reconcile them",
    "I can answer customers",
    "nothing is lost",
    "I can plan the week",
    "audits pass",
    "",
    "I save time",
];
const FLAWS: &[&str] = &[
    " and delete them",
    " quickly",
    " (see the old system)",
    " using a dropdown",
    " etc.",
    "",
];

/// `n` stories built from templates; a fifth carry a flaw.
pub fn stories(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let pick = |rng: &mut ChaCha8Rng, v: &[&'static str]| -> &'static str {
                v.choose(rng).copied().unwrap_or("")
            };
            let mut s = format!(
                "As a {}, {} {} {} {}",
                pick(&mut rng, ROLES),
                pick(&mut rng, MEANS),
                pick(&mut rng, VERBS),
                pick(&mut rng, OBJECTS),
                pick(&mut rng, QUALIFIERS)
            );
            if rng.gen_bool(0.2) {
                s.push_str(pick(&mut rng, FLAWS));
            }
            let e = pick(&mut rng, ENDS);
            if !e.is_empty() {
                s = format!("{}, so that {e}", s.trim_end());
            }
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// Lint the stories as one backlog; (time, findings).
pub fn lint_stories(stories: &[String]) -> (Duration, usize) {
    let keys: Vec<String> = (1..=stories.len()).map(|i| format!("B-{i}")).collect();
    let t = Instant::now();
    let items: Vec<LintItem<'_>> = stories
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (s, k))| LintItem {
            key: k,
            kind: "story",
            title: s,
            acceptance: if i % 3 == 0 {
                ""
            } else {
                "Scenario: x\n  Given a\n  When b\n  Then c"
            },
            estimate: Some((i % 21) as f64),
            blockers: (i % 5) as u32,
            acceptance_check: None,
            target: true,
        })
        .collect();
    let found = lint(&items, &LintConfig::default());
    let total = t.elapsed();
    (total, found.len())
}

const REQ: &[&str] = &[
    "The system shall {v} {o} within {n} seconds",
    "Only authorised users shall {v} {o}",
    "The system shall allow the clerk to {v} {o}",
    "The product shall be available {n} hours a day for {o}",
    "The interface shall use the corporate colours when showing {o}",
    "The system shall keep {o} for {n} years to comply with the retention law",
    "The application shall let users {v} {o} in fewer than {n} clicks",
];

pub fn requirements(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let t = REQ.choose(&mut rng).copied().unwrap_or(REQ[0]);
            t.replace("{v}", VERBS.choose(&mut rng).copied().unwrap_or("view"))
                .replace(
                    "{o}",
                    OBJECTS.choose(&mut rng).copied().unwrap_or("invoices"),
                )
                .replace("{n}", &rng.gen_range(1..60).to_string())
        })
        .collect()
}

/// Classify every requirement; (time, how many came out non-functional).
pub fn classify(reqs: &[String]) -> (Duration, usize) {
    let model = Model::builtin();
    let t = Instant::now();
    let nfr = reqs
        .iter()
        .filter(|r| !model.classify(r).functional)
        .count();
    (t.elapsed(), nfr)
}

/// The story parser against the hand-annotated Persona and Benefit spans.
pub fn story_spans(
    dir: &std::path::Path,
) -> anyhow::Result<(
    cairn_engine::story::SpanScore,
    cairn_engine::story::SpanScore,
)> {
    use anyhow::Context;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the story annotations in {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut stories = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f)?
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| f.display().to_string())?;
            let spans = |label: &str| -> Vec<(usize, usize)> {
                v["entities"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|e| e["label"] == label)
                            .map(|e| {
                                (
                                    e["start_offset"].as_u64().unwrap_or(0) as usize,
                                    e["end_offset"].as_u64().unwrap_or(0) as usize,
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            stories.push(cairn_engine::story::Annotated {
                text: v["text"].as_str().unwrap_or("").to_string(),
                persona: spans("Persona"),
                benefit: spans("Benefit"),
            });
        }
    }
    Ok(cairn_engine::story::evaluate(&stories))
}
