//! Story-quality lint and duplicate detection over stored items.
//!
//! The rules are in `cairn-engine/src/lint.rs`; this module loads the items
//! to check and the backlog around them (for `unique` and `uniform`),
//! counts each item's open blockers, parses Gherkin acceptance criteria
//! with `cairn-formats`, and turns byte spans into lines and characters.

use crate::{App, Result};
use cairn_core::lint::Severity;
use cairn_core::{Category, Item, LinkKind};
use cairn_engine::lint::{AcceptanceCheck, Field, GherkinProblem, LintItem, ScenarioSummary};
use cairn_engine::similarity::Corpus;
use cairn_engine::text::{char_span, line_col};
use cairn_store::Page;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One finding, ready for people and machines.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub key: String,
    pub rule: &'static str,
    pub severity: Severity,
    /// `title`, `acceptance`, `estimate` or `links`.
    pub field: &'static str,
    /// 1-based line and column (characters) in the field's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Character offsets of the offending span in the field's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// The offending text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
    pub message: String,
    pub fix: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

/// A linted item and how many acceptance scenarios it has.
#[derive(Debug, Clone, Serialize)]
pub struct LintedItem {
    pub key: String,
    pub kind: String,
    pub title: String,
    /// Gherkin scenarios in the acceptance criteria (0 when they are not Gherkin).
    pub scenarios: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub items: Vec<LintedItem>,
    pub findings: Vec<FindingView>,
    /// Findings per severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl LintReport {
    pub fn per_rule(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.rule).or_insert(0) += 1;
        }
        m
    }
}

/// A story given as plain text (`cairn lint --file`), with where it came from.
#[derive(Debug, Clone)]
pub struct TextStory {
    pub id: String,
    pub title: String,
}

/// Does an acceptance text look like Gherkin (rather than a plain list)?
pub fn looks_like_gherkin(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        [
            "Feature:",
            "Scenario:",
            "Scenario Outline:",
            "Background:",
            "Rule:",
            "Example:",
        ]
        .iter()
        .any(|k| l.starts_with(k))
            || ["Given ", "When ", "Then "]
                .iter()
                .any(|k| l.starts_with(k))
    })
}

/// Parse Gherkin acceptance criteria into what the linter needs.
pub fn check_acceptance(text: &str) -> Option<AcceptanceCheck> {
    if !looks_like_gherkin(text) {
        return None;
    }
    Some(match cairn_formats::gherkin::parse_acceptance(text) {
        Ok(doc) => AcceptanceCheck {
            errors: Vec::new(),
            scenarios: doc
                .scenarios()
                .iter()
                .map(|s| ScenarioSummary {
                    name: s.name.clone(),
                    line: s.line,
                    has_then: s.has_then(),
                })
                .collect(),
        },
        Err(errors) => AcceptanceCheck {
            errors: errors
                .into_iter()
                .map(|e| GherkinProblem {
                    line: e.line,
                    column: e.column,
                    message: e.message,
                })
                .collect(),
            scenarios: Vec::new(),
        },
    })
}

fn view(
    f: cairn_engine::lint::Finding,
    key: &str,
    title: &str,
    acceptance: &str,
    keys: &[String],
) -> FindingView {
    let text = match f.field {
        Field::Title => title,
        Field::Acceptance => acceptance,
        _ => "",
    };
    let (mut line, mut column, mut start, mut end, mut excerpt) =
        (f.line, f.column, None, None, String::new());
    if let Some(sp) = f.span {
        let (l, c) = line_col(text, sp.start);
        let (s, e) = char_span(text, sp);
        line = Some(l);
        column = Some(c);
        start = Some(s);
        end = Some(e);
        excerpt = sp.of(text).to_string();
    }
    FindingView {
        key: key.to_string(),
        rule: f.rule,
        severity: f.severity,
        field: f.field.as_str(),
        line,
        column,
        start,
        end,
        excerpt,
        message: f.message,
        fix: f.fix,
        related: f
            .related
            .iter()
            .filter_map(|&i| keys.get(i).cloned())
            .collect(),
    }
}

fn report(
    items: &[LintItem<'_>],
    found: Vec<cairn_engine::lint::Finding>,
    targets: Vec<LintedItem>,
) -> LintReport {
    let keys: Vec<String> = items.iter().map(|i| i.key.to_string()).collect();
    let findings: Vec<FindingView> = found
        .into_iter()
        .map(|f| {
            let it = &items[f.item];
            view(f, it.key, it.title, it.acceptance, &keys)
        })
        .collect();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    LintReport {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        items: targets,
        findings,
    }
}

impl App {
    /// Lint the items a query selects (default: the `[lint] scope`). The
    /// rest of the open backlog is context for `unique` and `uniform`.
    pub fn lint(&mut self, query: Option<&str>) -> Result<LintReport> {
        self.require_init()?;
        let scope = self.config().lint.scope().to_string();
        let q = self.compile_query(query.unwrap_or(&scope))?;
        let targets = self.store.query(
            &q,
            Page {
                limit: usize::MAX,
                offset: 0,
            },
        )?;
        self.lint_items(targets)
    }

    /// Lint one item against its backlog (the warnings shown on create and edit).
    pub fn lint_item(&mut self, item: &Item) -> Result<Vec<FindingView>> {
        Ok(self.lint_items(vec![item.clone()])?.findings)
    }

    fn lint_items(&mut self, targets: Vec<Item>) -> Result<LintReport> {
        let kinds = self.config().lint.story_kinds();
        let ctx_q = self.compile_query(&format!(
            "category != done AND kind IN ({})",
            kinds.join(", ")
        ))?;
        let mut context = self.store.query(
            &ctx_q,
            Page {
                limit: usize::MAX,
                offset: 0,
            },
        )?;
        let target_keys: HashSet<String> = targets.iter().map(|i| i.key.to_string()).collect();
        let target_products: HashSet<&str> =
            targets.iter().map(|i| i.key.prefix.as_str()).collect();
        context.retain(|i| {
            !target_keys.contains(&i.key.to_string())
                && target_products.contains(i.key.prefix.as_str())
        });

        // Open blockers per item.
        let open_q = self.compile_query("category != done")?;
        let open: HashSet<String> = self
            .store
            .query(
                &open_q,
                Page {
                    limit: usize::MAX,
                    offset: 0,
                },
            )?
            .into_iter()
            .map(|i| i.key.to_string())
            .collect();
        let mut blockers: HashMap<String, u32> = HashMap::new();
        for (l, _) in self.store.links(Some(LinkKind::Blocks))? {
            if open.contains(&l.src.to_string()) {
                *blockers.entry(l.dst.to_string()).or_insert(0) += 1;
            }
        }

        let keys: Vec<String> = targets
            .iter()
            .chain(&context)
            .map(|i| i.key.to_string())
            .collect();
        let kinds_s: Vec<&str> = targets
            .iter()
            .chain(&context)
            .map(|i| i.kind.as_str())
            .collect();
        let checks: Vec<Option<AcceptanceCheck>> = targets
            .iter()
            .map(|i| check_acceptance(&i.acceptance))
            .collect();
        let mut items: Vec<LintItem<'_>> = Vec::with_capacity(keys.len());
        for (n, it) in targets.iter().chain(&context).enumerate() {
            let is_target = n < targets.len();
            items.push(LintItem {
                key: &keys[n],
                kind: kinds_s[n],
                title: &it.title,
                acceptance: &it.acceptance,
                estimate: it.estimate,
                blockers: if it.category == Category::Done {
                    0
                } else {
                    blockers.get(&keys[n]).copied().unwrap_or(0)
                },
                acceptance_check: if is_target { checks[n].clone() } else { None },
                target: is_target,
            });
        }
        let found = cairn_engine::lint::lint(&items, &self.config().lint);
        let linted = targets
            .iter()
            .zip(&checks)
            .map(|(i, c)| LintedItem {
                key: i.key.to_string(),
                kind: i.kind.to_string(),
                title: i.title.clone(),
                scenarios: c.as_ref().map_or(0, |c| c.scenarios.len()),
            })
            .collect();
        Ok(report(&items, found, linted))
    }

    /// Pairs of items whose text is at least `threshold` similar (cosine
    /// of TF-IDF vectors over title and description), with the terms they
    /// share. Default selection: open requirements and stories.
    pub fn dupes(&mut self, query: Option<&str>, threshold: Option<f64>) -> Result<Vec<DupePair>> {
        self.require_init()?;
        let t = threshold.unwrap_or_else(|| self.config().lint.duplicate_threshold());
        if !(t > 0.0 && t <= 1.0) {
            return crate::invalid(format!(
                "threshold {t} is out of range: give a similarity above 0 and at most 1 (e.g. 0.8)"
            ));
        }
        let q = self
            .compile_query(query.unwrap_or("category != done AND kind IN (requirement, story)"))?;
        let items = self.store.query(
            &q,
            Page {
                limit: usize::MAX,
                offset: 0,
            },
        )?;
        let texts: Vec<String> = items
            .iter()
            .map(|i| format!("{}\n{}", i.title, i.description))
            .collect();
        let corpus = Corpus::build(&texts);
        Ok(corpus
            .pairs(t)
            .into_iter()
            .map(|p| DupePair {
                a: items[p.a].key.to_string(),
                a_title: items[p.a].title.clone(),
                b: items[p.b].key.to_string(),
                b_title: items[p.b].title.clone(),
                similarity: (p.score * 1000.0).round() / 1000.0,
                shared_terms: corpus.shared_terms(p.a, p.b, 6),
            })
            .collect())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DupePair {
    pub a: String,
    pub a_title: String,
    pub b: String,
    pub b_title: String,
    pub similarity: f64,
    pub shared_terms: Vec<String>,
}

/// Lint stories given as text (one per line of a file), without a
/// database: the `cairn lint --file` path, for CI over a backlog export.
pub fn lint_text(stories: &[TextStory], cfg: &cairn_core::lint::LintConfig) -> LintReport {
    let items: Vec<LintItem<'_>> = stories
        .iter()
        .map(|s| LintItem {
            key: &s.id,
            kind: "story",
            title: &s.title,
            target: true,
            ..LintItem::default()
        })
        .collect();
    let mut found = cairn_engine::lint::lint(&items, cfg);
    // A text file has no acceptance criteria to check.
    found.retain(|f| f.rule != "acceptance-criteria");
    let linted = stories
        .iter()
        .map(|s| LintedItem {
            key: s.id.clone(),
            kind: "story".into(),
            title: s.title.clone(),
            scenarios: 0,
        })
        .collect();
    report(&items, found, linted)
}
