//! The traceability matrix: requirement → the work that implements it →
//! the tests that verify that work → each test's latest result, with the
//! gaps an auditor asks about.
//!
//! A requirement's work is everything below it in the hierarchy, and
//! every item that `implements` it with everything below that item.
//! Requirements below a requirement are rows of their own, not work. A
//! test covers a requirement when it verifies the requirement itself or
//! any item of its work. Cancelled work (a done state that does not
//! count as delivered) implements nothing.

use crate::{App, Result, day};
use cairn_core::{ItemKey, Kind};
use cairn_formats::junit::Outcome;
use cairn_store::evidence::{LatestResult, TraceNode};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct TraceRequest {
    pub product: Option<String>,
    /// Narrows the requirements (rows), in the query language.
    pub query: Option<String>,
}

/// A test as the matrix shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestLine {
    #[serde(skip)]
    case_id: i64,
    pub name: String,
    /// passed, failed, error, skipped, or "no result" (linked, never run).
    pub outcome: String,
    pub build: Option<String>,
    /// The day its latest result was imported.
    pub ran: Option<String>,
    /// Its latest result is older than `[evidence] stale_after_days`.
    pub stale: bool,
    pub message: Option<String>,
}

impl TestLine {
    fn passing(&self) -> bool {
        self.outcome == "passed" && !self.stale
    }
    fn failing(&self) -> bool {
        matches!(self.outcome.as_str(), "failed" | "error")
    }
}

/// An item of a requirement's work.
#[derive(Debug, Clone, Serialize)]
pub struct WorkLine {
    pub key: ItemKey,
    pub kind: String,
    pub title: String,
    pub state: String,
    /// The state's category: todo, in-progress or done.
    pub category: String,
    /// "child" (below the requirement) or "implements".
    pub via: String,
    pub tests: Vec<TestLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceRow {
    pub key: ItemKey,
    pub title: String,
    pub state: String,
    /// verified, in progress (tests pass, work still open), partly
    /// verified (a started story without a test, or a test stale or never
    /// run), failing, not tested, no work.
    pub status: String,
    pub work: Vec<WorkLine>,
    /// Tests linked to the requirement itself.
    pub tests: Vec<TestLine>,
    /// Items marked suspect because this requirement changed.
    pub suspects: Vec<ItemKey>,
}

impl TraceRow {
    /// Every test of the row, each once.
    pub fn all_tests(&self) -> Vec<&TestLine> {
        let mut seen = HashSet::new();
        self.tests
            .iter()
            .chain(self.work.iter().flat_map(|w| w.tests.iter()))
            .filter(|t| seen.insert(t.case_id))
            .collect()
    }
}

/// Something an auditor would ask about.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gap {
    /// no-work, untested, untested-story, failing-test, stale-test,
    /// no-result, suspect.
    pub kind: String,
    pub requirement: ItemKey,
    pub item: Option<ItemKey>,
    pub test: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TraceSummary {
    pub requirements: usize,
    pub verified: usize,
    pub failing: usize,
    pub partly: usize,
    /// Tested so far, with work still open.
    pub in_progress: usize,
    pub not_tested: usize,
    pub no_work: usize,
    /// Distinct tests in the matrix, and their latest results.
    pub tests: usize,
    pub passing_tests: usize,
    pub failing_tests: usize,
    pub stale_tests: usize,
    pub tests_without_result: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceMatrix {
    pub product: String,
    pub generated: String,
    pub stale_after_days: u32,
    pub rows: Vec<TraceRow>,
    pub gaps: Vec<Gap>,
    pub summary: TraceSummary,
}

/// Kinds that count as implementing work (an epic alone is a container).
fn is_work(kind: &str) -> bool {
    matches!(
        Kind::parse(kind),
        Some(Kind::Story | Kind::Task | Kind::Bug | Kind::Spike | Kind::Debt)
    )
}

impl App {
    pub fn trace_matrix(&mut self, req: &TraceRequest) -> Result<TraceMatrix> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        let wanted: Option<HashSet<ItemKey>> = match req.query.as_deref().map(str::trim) {
            Some(q) if !q.is_empty() => {
                let query = self.compile_query(&format!(
                    "product = {product} AND kind = requirement AND ({q})"
                ))?;
                let items = self.tx(|tx| crate::forecast::all_lean(tx.store, &query))?;
                Some(items.into_iter().map(|i| i.key).collect())
            }
            _ => None,
        };
        let not_delivered = self.config.forecast.not_delivered.clone();
        let now = self.now();
        let stale_days = self.config.evidence.stale_after_days;
        let stale_before = now - i64::from(stale_days) * 86_400_000;
        let (nodes, implements, links, latest, suspects, case_names) = self.tx(|tx| {
            let nodes = tx.store.trace_nodes(&product)?;
            let implements = tx.store.implements_pairs(&product)?;
            let links = tx.store.test_link_pairs(&product)?;
            let latest = tx.store.latest_results(&product)?;
            let suspects = tx.store.suspects()?;
            let names: HashMap<i64, String> = tx
                .store
                .test_case_ids(&product)?
                .into_iter()
                .map(|(n, id)| (id, n))
                .collect();
            Ok((nodes, implements, links, latest, suspects, names))
        })?;
        let by_id: HashMap<i64, &TraceNode> = nodes.iter().map(|n| (n.id, n)).collect();
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for n in &nodes {
            if let Some(p) = n.parent {
                children.entry(p).or_default().push(n.id);
            }
        }
        let mut implementers: HashMap<i64, Vec<i64>> = HashMap::new();
        for (src, dst) in &implements {
            implementers.entry(*dst).or_default().push(*src);
        }
        let results: HashMap<i64, &LatestResult> = latest.iter().map(|r| (r.case_id, r)).collect();
        let mut tests_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for (case, item) in &links {
            tests_of.entry(*item).or_default().push(*case);
        }
        let line = |case: i64| -> TestLine {
            let name = case_names.get(&case).cloned().unwrap_or_default();
            match results.get(&case) {
                Some(r) => TestLine {
                    case_id: case,
                    name,
                    outcome: r.outcome.clone(),
                    build: Some(r.build.clone()),
                    ran: Some(day(r.imported)),
                    stale: r.imported < stale_before,
                    message: r.message.clone(),
                },
                None => TestLine {
                    case_id: case,
                    name,
                    outcome: "no result".into(),
                    build: None,
                    ran: None,
                    stale: false,
                    message: None,
                },
            }
        };
        let lines: HashMap<i64, TestLine> = case_names.keys().map(|c| (*c, line(*c))).collect();
        let tests_for = |item: i64| -> Vec<TestLine> {
            let mut v: Vec<TestLine> = tests_of
                .get(&item)
                .map(|cs| cs.iter().filter_map(|c| lines.get(c).cloned()).collect())
                .unwrap_or_default();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        let mut suspects_of: HashMap<ItemKey, Vec<(ItemKey, String)>> = HashMap::new();
        for s in suspects {
            if s.requirement.prefix == product {
                suspects_of
                    .entry(s.requirement)
                    .or_default()
                    .push((s.item, s.reason));
            }
        }
        let mut rows = Vec::new();
        let mut gaps = Vec::new();
        let mut summary = TraceSummary::default();
        let mut counted: HashSet<i64> = HashSet::new();
        let reqs: Vec<&TraceNode> = nodes
            .iter()
            .filter(|n| n.kind == Kind::Requirement.as_str())
            .filter(|n| wanted.as_ref().is_none_or(|w| w.contains(&n.key)))
            .collect();
        for r in reqs {
            // The work: below the requirement, and what implements it
            // (with what is below that), never crossing into another
            // requirement.
            let mut work: Vec<(i64, &'static str)> = Vec::new();
            let mut seen: HashSet<i64> = HashSet::new();
            let mut stack: Vec<(i64, &'static str)> = Vec::new();
            for c in children.get(&r.id).into_iter().flatten() {
                stack.push((*c, "child"));
            }
            for s in implementers.get(&r.id).into_iter().flatten() {
                stack.push((*s, "implements"));
            }
            while let Some((id, via)) = stack.pop() {
                let Some(n) = by_id.get(&id) else { continue };
                // Cancelled work implements nothing, nor does what is
                // below it.
                if n.kind == Kind::Requirement.as_str()
                    || (n.category == "done" && not_delivered.contains(&n.state))
                    || !seen.insert(id)
                {
                    continue;
                }
                work.push((id, via));
                for c in children.get(&id).into_iter().flatten() {
                    stack.push((*c, via));
                }
            }
            work.sort_by_key(|(id, _)| (by_id[id].key.number, *id));
            // Work items with a test on themselves or below them.
            let mut covered: HashSet<i64> = HashSet::new();
            for (id, _) in &work {
                if tests_of.contains_key(id) {
                    let mut at = Some(*id);
                    while let Some(x) = at {
                        if !seen.contains(&x) || !covered.insert(x) {
                            break;
                        }
                        at = by_id.get(&x).and_then(|n| n.parent);
                    }
                }
            }
            // Stories started or finished without a test (one not started
            // yet is not expected to have one).
            let untested_stories: Vec<i64> = work
                .iter()
                .filter(|(id, _)| {
                    let n = by_id[id];
                    n.kind == Kind::Story.as_str() && n.category != "todo" && !covered.contains(id)
                })
                .map(|(id, _)| *id)
                .collect();
            let open_work = work
                .iter()
                .any(|(id, _)| is_work(&by_id[id].kind) && by_id[id].category != "done");
            let work: Vec<WorkLine> = work
                .into_iter()
                .map(|(id, via)| {
                    let n = by_id[&id];
                    WorkLine {
                        key: n.key.clone(),
                        kind: n.kind.clone(),
                        title: n.title.clone(),
                        state: n.state.clone(),
                        category: n.category.clone(),
                        via: via.into(),
                        tests: tests_for(id),
                    }
                })
                .collect();
            let mut row = TraceRow {
                key: r.key.clone(),
                title: r.title.clone(),
                state: r.state.clone(),
                status: String::new(),
                work,
                tests: tests_for(r.id),
                suspects: Vec::new(),
            };
            let gap =
                |kind: &str, item: Option<&ItemKey>, test: Option<&str>, detail: String| Gap {
                    kind: kind.into(),
                    requirement: r.key.clone(),
                    item: item.cloned(),
                    test: test.map(str::to_string),
                    detail,
                };
            let has_work = row.work.iter().any(|w| is_work(&w.kind));
            if !has_work {
                gaps.push(gap(
                    "no-work",
                    None,
                    None,
                    "no story, task, bug, spike or debt implements it".into(),
                ));
            }
            // Stories with no test on themselves or on the work below them.
            let untested_story = !untested_stories.is_empty();
            for id in &untested_stories {
                let n = by_id[id];
                gaps.push(gap(
                    "untested-story",
                    Some(&n.key),
                    None,
                    format!("{} ({}) has no test", n.key, n.state),
                ));
            }
            let (no_tests, any_failing, all_passing) = {
                let tests = row.all_tests();
                for t in &tests {
                    if counted.insert(t.case_id) {
                        if t.failing() {
                            summary.failing_tests += 1;
                        } else if t.outcome == "no result" {
                            summary.tests_without_result += 1;
                        } else if t.stale {
                            summary.stale_tests += 1;
                        } else if t.outcome == Outcome::Passed.as_str() {
                            summary.passing_tests += 1;
                        }
                    }
                }
                (
                    tests.is_empty(),
                    tests.iter().any(|t| t.failing()),
                    tests.iter().all(|t| t.passing()),
                )
            };
            if no_tests && has_work && !untested_story {
                gaps.push(gap(
                    "untested",
                    None,
                    None,
                    "no test verifies it or its work".into(),
                ));
            }
            // Each test's problems, once per requirement, against the
            // item it verifies.
            let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
            let owners = std::iter::once((&row.key, &row.tests))
                .chain(row.work.iter().map(|w| (&w.key, &w.tests)));
            for (item, ts) in owners {
                for t in ts {
                    let (kind, detail) = if t.failing() {
                        (
                            "failing-test",
                            format!(
                                "{} in build {}{}",
                                t.outcome,
                                t.build.as_deref().unwrap_or("?"),
                                t.message
                                    .as_deref()
                                    .map(|m| format!(": {m}"))
                                    .unwrap_or_default()
                            ),
                        )
                    } else if t.outcome == "no result" {
                        (
                            "no-result",
                            "linked, but no result was ever imported".to_string(),
                        )
                    } else if t.stale {
                        (
                            "stale-test",
                            format!(
                                "last ran {} (build {}), more than {stale_days} days ago",
                                t.ran.as_deref().unwrap_or("?"),
                                t.build.as_deref().unwrap_or("?")
                            ),
                        )
                    } else {
                        continue;
                    };
                    if reported.insert((t.name.clone(), item.to_string())) {
                        gaps.push(gap(kind, Some(item), Some(&t.name), detail));
                    }
                }
            }
            for (item, reason) in suspects_of.remove(&r.key).unwrap_or_default() {
                gaps.push(gap("suspect", Some(&item), None, reason));
                row.suspects.push(item);
            }
            row.status = if !has_work {
                "no work"
            } else if no_tests {
                "not tested"
            } else if any_failing {
                "failing"
            } else if untested_story || !all_passing {
                "partly verified"
            } else if open_work {
                "in progress"
            } else {
                "verified"
            }
            .to_string();
            match row.status.as_str() {
                "verified" => summary.verified += 1,
                "failing" => summary.failing += 1,
                "partly verified" => summary.partly += 1,
                "in progress" => summary.in_progress += 1,
                "not tested" => summary.not_tested += 1,
                _ => summary.no_work += 1,
            }
            rows.push(row);
        }
        rows.sort_by_key(|r| r.key.number);
        summary.requirements = rows.len();
        summary.tests = counted.len();
        Ok(TraceMatrix {
            product,
            generated: day(now),
            stale_after_days: stale_days,
            rows,
            gaps,
            summary,
        })
    }
}

impl TraceMatrix {
    /// The matrix as a report document (HTML or Markdown).
    pub fn doc(&self, product_name: &str) -> cairn_report::doc::Doc {
        use crate::report::{human_date, plural};
        use cairn_report::doc::{Block, Doc, Inline, Section};
        let s = &self.summary;
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = Vec::new();
        sections.push(Section {
            heading: "Summary".into(),
            blocks: vec![
                Block::List(vec![
                    vec![Inline::Text(format!(
                        "{}: {} verified, {} in progress, {} failing, {} partly verified, {} not tested, {} with no implementing work.",
                        plural(s.requirements, "requirement", "requirements"),
                        s.verified,
                        s.in_progress,
                        s.failing,
                        s.partly,
                        s.not_tested,
                        s.no_work
                    ))],
                    vec![Inline::Text(format!(
                        "{}: {} passing, {} failing, {} stale, {} never run.",
                        plural(s.tests, "test", "tests"),
                        s.passing_tests,
                        s.failing_tests,
                        s.stale_tests,
                        s.tests_without_result
                    ))],
                    vec![Inline::Text(format!(
                        "{} to look at.",
                        plural(self.gaps.len(), "gap", "gaps")
                    ))],
                ]),
                Block::Note(format!(
                    "A requirement is verified when its work is done, every story of that work has a test, and every test's latest result passed within {} days. Work is everything below the requirement and every item that implements it; cancelled work does not count.",
                    self.stale_after_days
                )),
            ],
        });
        let mut rows = Vec::new();
        for r in &self.rows {
            items.push((r.key.to_string(), r.title.clone()));
            let tests = r.all_tests();
            let passing = tests.iter().filter(|t| t.passing()).count();
            let mut work = Vec::new();
            for (n, w) in r.work.iter().enumerate() {
                items.push((w.key.to_string(), w.title.clone()));
                if n > 0 {
                    work.push(Inline::Text(", ".into()));
                }
                work.push(Inline::Item(w.key.to_string()));
            }
            if work.is_empty() {
                work.push(Inline::Text("—".into()));
            }
            rows.push(vec![
                vec![Inline::Item(r.key.to_string())],
                vec![Inline::Text(r.title.clone())],
                vec![Inline::Strong(r.status.clone())],
                work,
                vec![Inline::Text(format!(
                    "{passing} of {} passing",
                    tests.len()
                ))],
            ]);
        }
        sections.push(Section {
            heading: "Requirements".into(),
            blocks: vec![if rows.is_empty() {
                Block::Para(vec![Inline::Text(
                    "There are no requirements in scope.".into(),
                )])
            } else {
                Block::Table {
                    headers: ["Requirement", "Title", "Status", "Work", "Tests"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                }
            }],
        });
        let mut rows = Vec::new();
        for r in &self.rows {
            let mut push = |item: Option<&WorkLine>, t: Option<&TestLine>| {
                rows.push(vec![
                    vec![Inline::Item(r.key.to_string())],
                    item.map(|w| {
                        vec![
                            Inline::Item(w.key.to_string()),
                            Inline::Text(format!(" {} ({})", w.kind, w.state)),
                        ]
                    })
                    .unwrap_or_else(|| vec![Inline::Text("(the requirement)".into())]),
                    vec![Inline::Text(
                        t.map(|t| t.name.clone()).unwrap_or_else(|| "—".into()),
                    )],
                    vec![Inline::Text(match t {
                        Some(t) => format!(
                            "{}{}{}",
                            t.outcome,
                            t.build
                                .as_deref()
                                .map(|b| format!(", build {b}"))
                                .unwrap_or_default(),
                            t.ran
                                .as_deref()
                                .map(|d| format!(
                                    ", {}{}",
                                    human_date(d),
                                    if t.stale { " (stale)" } else { "" }
                                ))
                                .unwrap_or_default()
                        ),
                        None => "no test".into(),
                    })],
                ]);
            };
            for t in &r.tests {
                push(None, Some(t));
            }
            for w in &r.work {
                if w.tests.is_empty() {
                    // Tasks and spikes are parts of stories: a missing test
                    // is shown for stories and bugs only.
                    if matches!(w.kind.as_str(), "story" | "bug") {
                        push(Some(w), None);
                    }
                } else {
                    for t in &w.tests {
                        push(Some(w), Some(t));
                    }
                }
            }
            if r.tests.is_empty() && r.work.is_empty() {
                rows.push(vec![
                    vec![Inline::Item(r.key.to_string())],
                    vec![Inline::Text("no work".into())],
                    vec![Inline::Text("—".into())],
                    vec![Inline::Text("—".into())],
                ]);
            }
        }
        if !rows.is_empty() {
            sections.push(Section {
                heading: "Matrix".into(),
                blocks: vec![Block::Table {
                    headers: ["Requirement", "Work item", "Test", "Latest result"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                }],
            });
        }
        let blocks = if self.gaps.is_empty() {
            vec![Block::Para(vec![Inline::Text(
                "No gaps: every requirement in scope is verified.".into(),
            )])]
        } else {
            vec![Block::Table {
                headers: ["Gap", "Requirement", "Item", "Test", "Detail"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .gaps
                    .iter()
                    .map(|g| {
                        vec![
                            vec![Inline::Text(g.kind.clone())],
                            vec![Inline::Item(g.requirement.to_string())],
                            g.item
                                .as_ref()
                                .map(|k| vec![Inline::Item(k.to_string())])
                                .unwrap_or_default(),
                            vec![Inline::Text(g.test.clone().unwrap_or_default())],
                            vec![Inline::Text(g.detail.clone())],
                        ]
                    })
                    .collect(),
            }]
        };
        sections.push(Section {
            heading: "Gaps".into(),
            blocks,
        });
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("{product_name}: traceability matrix"),
            subtitle: format!("{} · {}", self.product, human_date(&self.generated)),
            sections,
            items,
            appendix: true,
        }
    }
}
