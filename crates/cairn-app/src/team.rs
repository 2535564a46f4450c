//! The team report, for the engineers and their lead: what is blocked and
//! by what chain, what has been in progress too long, what the quality
//! lint finds in the open backlog, how much of the work is technical debt,
//! and throughput and cycle time with their charts.

use crate::forecast::{FlowReport, WipOut, scoped_query};
use crate::report::{date_of, human_date, item_ref, plural};
use crate::{App, Result};
use cairn_core::{Category, Item, Kind};
use cairn_report::doc::{Block, Doc, Inline, Section};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct TeamRequest {
    pub product: Option<String>,
    /// Days of flow history (default: the config's `[forecast] window`).
    pub window: Option<u32>,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockedItem {
    pub key: String,
    pub title: String,
    pub state: String,
    /// Open blockers: (key, state).
    pub blocked_by: Vec<(String, String)>,
    /// The longest chain of open blockers ending here, first blocker first.
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    pub rule: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintLine {
    pub key: String,
    pub title: String,
    pub errors: usize,
    pub warnings: usize,
    /// The first finding's message.
    pub first: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DebtShare {
    /// Open items, and those that are debt (kind `debt` or label `tech-debt`).
    pub open: usize,
    pub open_debt: usize,
    /// Delivered in the flow window, and those that were debt.
    pub delivered: usize,
    pub delivered_debt: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamReport {
    pub product: String,
    pub product_name: String,
    pub generated: String,
    pub scope: Option<String>,
    pub blocked: Vec<BlockedItem>,
    /// In-progress items, oldest first (at most 15), flagged when older
    /// than the 85th-percentile cycle time.
    pub aging: Vec<WipOut>,
    pub in_progress: usize,
    pub lint_checked: usize,
    pub lint_errors: usize,
    pub lint_warnings: usize,
    pub lint_rules: Vec<RuleCount>,
    /// Items with the most serious findings, worst first (at most 10).
    pub lint_items: Vec<LintLine>,
    pub debt: DebtShare,
    pub flow: FlowReport,
}

/// In-progress items listed, oldest first.
const AGING_SHOWN: usize = 15;

fn is_debt(i: &Item) -> bool {
    i.kind == Kind::Debt || i.labels.iter().any(|l| l == "tech-debt" || l == "debt")
}

impl App {
    pub fn report_team(&mut self, req: &TeamRequest) -> Result<TeamReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?;
        let prefix = product.prefix.clone();
        let scope = req.scope.as_deref();
        let flow = self.flow(Some(&prefix), scope, req.window)?;

        // Open items (all kinds, so tasks blocking stories show too).
        let mut q = format!("product = {prefix} AND category != done");
        if let Some(s) = scope {
            self.compile_query(s)?;
            q = format!("{q} AND ({s})");
        }
        let q = self.compile_query(&format!("{q} ORDER BY rank"))?;
        let open = self.tx(|tx| crate::forecast::all(tx.store, &q))?;
        let index: HashMap<String, usize> = open
            .iter()
            .enumerate()
            .map(|(i, it)| (it.key.to_string(), i))
            .collect();
        let mut blockers: Vec<Vec<usize>> = vec![Vec::new(); open.len()];
        for (link, _) in self.store.links(Some(cairn_core::LinkKind::Blocks))? {
            if let (Some(a), Some(b)) = (
                index.get(&link.src.to_string()),
                index.get(&link.dst.to_string()),
            ) {
                blockers[*b].push(*a);
            }
        }
        // Longest chain of open blockers ending at each item (the graph is
        // acyclic among open items unless someone made a cycle; depth is
        // bounded by the item count either way).
        let mut memo: Vec<Option<Vec<usize>>> = vec![None; open.len()];
        fn chain(
            i: usize,
            blockers: &[Vec<usize>],
            memo: &mut Vec<Option<Vec<usize>>>,
            depth: usize,
        ) -> Vec<usize> {
            if let Some(c) = &memo[i] {
                return c.clone();
            }
            let mut best: Vec<usize> = Vec::new();
            if depth < blockers.len() {
                for b in &blockers[i] {
                    let c = chain(*b, blockers, memo, depth + 1);
                    if c.len() > best.len() {
                        best = c;
                    }
                }
            }
            best.push(i);
            memo[i] = Some(best.clone());
            best
        }
        let mut blocked = Vec::new();
        for (i, it) in open.iter().enumerate() {
            if blockers[i].is_empty() {
                continue;
            }
            let c = chain(i, &blockers, &mut memo, 0);
            blocked.push(BlockedItem {
                key: it.key.to_string(),
                title: it.title.clone(),
                state: it.state.clone(),
                blocked_by: blockers[i]
                    .iter()
                    .map(|b| (open[*b].key.to_string(), open[*b].state.clone()))
                    .collect(),
                chain: c.iter().map(|x| open[*x].key.to_string()).collect(),
            });
        }
        blocked.sort_by_key(|b| std::cmp::Reverse(b.chain.len()));

        // Quality lint over the open backlog in the lint scope.
        let lint_scope = self.config.lint.scope().to_string();
        let mut lq = format!("product = {prefix} AND ({lint_scope})");
        if let Some(s) = scope {
            lq = format!("{lq} AND ({s})");
        }
        let lint = self.lint(Some(&lq))?;
        let mut per_item: BTreeMap<&str, (usize, usize, &str)> = BTreeMap::new();
        for f in &lint.findings {
            let e = per_item.entry(&f.key).or_insert((0, 0, &f.message));
            match f.severity {
                cairn_core::lint::Severity::Error => e.0 += 1,
                cairn_core::lint::Severity::Warning => e.1 += 1,
                _ => {}
            }
        }
        let titles: HashMap<&str, &str> = lint
            .items
            .iter()
            .map(|i| (i.key.as_str(), i.title.as_str()))
            .collect();
        let mut lint_items: Vec<LintLine> = per_item
            .iter()
            .filter(|(_, (e, w, _))| e + w > 0)
            .map(|(k, (e, w, m))| LintLine {
                key: k.to_string(),
                title: titles.get(k).copied().unwrap_or_default().to_string(),
                errors: *e,
                warnings: *w,
                first: m.to_string(),
            })
            .collect();
        lint_items.sort_by_key(|l| std::cmp::Reverse((l.errors, l.warnings)));
        lint_items.truncate(10);
        let mut lint_rules: Vec<RuleCount> = lint
            .per_rule()
            .into_iter()
            .map(|(r, n)| RuleCount {
                rule: r.to_string(),
                count: n,
            })
            .collect();
        lint_rules.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(&b.rule)));

        // Technical debt: the open backlog in the forecast scope, and what
        // was delivered in the window.
        let sq = scoped_query(self, &prefix, "category != done", scope)?;
        let open_scoped = self.tx(|tx| crate::forecast::all(tx.store, &sq))?;
        let dq = scoped_query(
            self,
            &prefix,
            &format!("category = done AND resolved >= {}", flow.from),
            scope,
        )?;
        let done = self.tx(|tx| crate::forecast::all(tx.store, &dq))?;
        let done: Vec<&Item> = done
            .iter()
            .filter(|i| crate::forecast::delivered(&self.config, i))
            .collect();
        let debt = DebtShare {
            open: open_scoped.len(),
            open_debt: open_scoped.iter().filter(|i| is_debt(i)).count(),
            delivered: done.len(),
            delivered_debt: done.iter().filter(|i| is_debt(i)).count(),
        };
        let in_progress = open_scoped
            .iter()
            .filter(|i| i.category == Category::InProgress)
            .count();
        let aging = flow.wip.iter().take(AGING_SHOWN).cloned().collect();
        Ok(TeamReport {
            product: prefix,
            product_name: product.name,
            generated: date_of(self.now()),
            scope: req.scope.clone(),
            blocked,
            aging,
            in_progress,
            lint_checked: lint.items.len(),
            lint_errors: lint.errors,
            lint_warnings: lint.warnings,
            lint_rules,
            lint_items,
            debt,
            flow,
        })
    }
}

fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.0} %", part as f64 * 100.0 / whole as f64)
    }
}

impl TeamReport {
    pub fn doc(&self) -> Doc {
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = Vec::new();
        let f = &self.flow;
        let p = |lvl: u8| {
            f.cycle_percentiles
                .iter()
                .find(|(l, _)| *l == lvl)
                .map(|(_, v)| *v)
        };
        let mut summary = vec![
            vec![Inline::Text(format!(
                "Delivered {} in {} working days ({:.1} a day) from {} to {}.",
                plural(f.delivered as usize, "item", "items"),
                f.working_days,
                f.mean_per_day,
                human_date(&f.from),
                human_date(&f.to)
            ))],
            vec![Inline::Text(match (p(50), p(85)) {
                (Some(a), Some(b)) => format!(
                    "Cycle time: half of the items took {} or less, 85 % took {} or less.",
                    plural(a as usize, "working day", "working days"),
                    plural(b as usize, "working day", "working days")
                ),
                _ => "No cycle times yet: nothing was started and finished in the window.".into(),
            })],
            vec![Inline::Text(format!(
                "{} in progress, {} of them in progress longer than 85 % of finished items took; {} blocked by open work.",
                plural(self.in_progress, "item", "items"),
                self.aging.iter().filter(|w| w.past_85th).count(),
                plural(self.blocked.len(), "item", "items")
            ))],
            vec![Inline::Text(format!(
                "Quality lint: {} and {} over {} open items.",
                plural(self.lint_errors, "error", "errors"),
                plural(self.lint_warnings, "warning", "warnings"),
                self.lint_checked
            ))],
            vec![Inline::Text(format!(
                "Technical debt is {} of the open backlog ({} of {}) and {} of what was delivered ({} of {}).",
                share(self.debt.open_debt, self.debt.open),
                self.debt.open_debt,
                self.debt.open,
                share(self.debt.delivered_debt, self.debt.delivered),
                self.debt.delivered_debt,
                self.debt.delivered
            ))],
        ];
        if let Some(s) = &self.scope {
            summary.push(vec![Inline::Text(format!("Scope: {s}."))]);
        }
        sections.push(Section {
            heading: "Summary".into(),
            blocks: vec![Block::List(summary)],
        });

        // Blocked.
        let blocks = if self.blocked.is_empty() {
            vec![Block::Para(vec![Inline::Text(
                "Nothing open is blocked by open work.".into(),
            )])]
        } else {
            let rows = self
                .blocked
                .iter()
                .map(|b| {
                    items.push((b.key.clone(), b.title.clone()));
                    let mut by = Vec::new();
                    for (n, (k, s)) in b.blocked_by.iter().enumerate() {
                        if n > 0 {
                            by.push(Inline::Text(", ".into()));
                        }
                        by.push(Inline::Item(k.clone()));
                        by.push(Inline::Text(format!(" ({s})")));
                    }
                    let mut chain = Vec::new();
                    for (n, k) in b.chain.iter().enumerate() {
                        if n > 0 {
                            chain.push(Inline::Text(" → ".into()));
                        }
                        chain.push(Inline::Item(k.clone()));
                    }
                    vec![
                        vec![Inline::Item(b.key.clone())],
                        vec![Inline::Text(b.title.clone())],
                        vec![Inline::Text(b.state.clone())],
                        by,
                        chain,
                    ]
                })
                .collect();
            vec![
                Block::Table {
                    headers: ["Item", "Title", "State", "Blocked by", "Longest chain"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                },
                Block::Note(
                    "A chain runs from the first open blocker to the blocked item; the longest come first."
                        .into(),
                ),
            ]
        };
        sections.push(Section {
            heading: "Blocked work".into(),
            blocks,
        });

        // Aging.
        let blocks = if self.aging.is_empty() {
            vec![Block::Para(vec![Inline::Text(
                "Nothing is in progress.".into(),
            )])]
        } else {
            let rows = self
                .aging
                .iter()
                .map(|w| {
                    items.push((w.key.clone(), w.title.clone()));
                    vec![
                        vec![Inline::Item(w.key.clone())],
                        vec![Inline::Text(w.title.clone())],
                        vec![Inline::Text(w.state.clone())],
                        vec![Inline::Text(plural(
                            w.age as usize,
                            "working day",
                            "working days",
                        ))],
                        vec![Inline::Text(
                            if w.past_85th {
                                "older than 85 % of finished items"
                            } else {
                                "within the usual range"
                            }
                            .into(),
                        )],
                    ]
                })
                .collect();
            vec![
                Block::Table {
                    headers: ["Item", "Title", "State", "In progress for", "Age"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                },
                Block::Note(format!(
                    "Oldest first. An item older than the 85th-percentile cycle time ({}) needs attention: split it, swarm on it or ask what is in the way.",
                    p(85)
                        .map(|v| plural(v as usize, "working day", "working days"))
                        .unwrap_or_else(|| "unknown".into())
                )),
            ]
        };
        sections.push(Section {
            heading: "Aging work in progress".into(),
            blocks,
        });

        // Quality.
        let mut blocks = Vec::new();
        if self.lint_rules.is_empty() {
            blocks.push(Block::Para(vec![Inline::Text(format!(
                "No lint findings in the {} open items checked.",
                self.lint_checked
            ))]));
        } else {
            blocks.push(Block::Table {
                headers: ["Rule", "Findings"].map(String::from).to_vec(),
                rows: self
                    .lint_rules
                    .iter()
                    .map(|r| {
                        vec![
                            vec![Inline::Text(r.rule.clone())],
                            vec![Inline::Text(r.count.to_string())],
                        ]
                    })
                    .collect(),
            });
            if !self.lint_items.is_empty() {
                blocks.push(Block::Para(vec![Inline::Strong(
                    "Items to fix first:".into(),
                )]));
                blocks.push(Block::List(
                    self.lint_items
                        .iter()
                        .map(|l| {
                            items.push((l.key.clone(), l.title.clone()));
                            let mut v = item_ref(&l.key, &l.title);
                            v.push(Inline::Text(format!(
                                ": {}, {}. {}",
                                plural(l.errors, "error", "errors"),
                                plural(l.warnings, "warning", "warnings"),
                                l.first
                            )));
                            v
                        })
                        .collect(),
                ));
            }
            blocks.push(Block::Note(
                "`cairn lint` shows every finding with its line, column and fix.".into(),
            ));
        }
        sections.push(Section {
            heading: "Backlog quality".into(),
            blocks,
        });

        // Flow charts.
        sections.push(Section {
            heading: "Throughput and cycle time".into(),
            blocks: vec![
                Block::Chart {
                    svg: crate::charts::throughput_chart(f),
                    caption: format!(
                        "Items delivered per working day, {} to {}.",
                        human_date(&f.from),
                        human_date(&f.to)
                    ),
                },
                Block::Chart {
                    svg: crate::charts::cycle_chart(f),
                    caption: "Each dot is a delivered item: when it finished and how many working days it took; the lines are the 50th, 85th and 95th percentiles.".into(),
                },
            ],
        });
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("{}: team report", self.product_name),
            subtitle: format!(
                "{} · flow over the last {} working days",
                human_date(&self.generated),
                f.working_days
            ),
            sections,
            items,
            appendix: true,
        }
    }
}
