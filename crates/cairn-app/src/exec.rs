//! The executive report: where each goal stands, when each release will
//! likely be ready and how that moved since the last report, what was
//! added to and taken out of the plan, the top risks and the decisions
//! leaders need to make. Written in plain words, with every figure linked
//! to the items behind it.
//!
//! "Since the last report" needs memory: recording a report
//! ([`App::record_exec`]) keeps its release dates and goal progress as a
//! snapshot, one per product and day, and the next report compares with
//! the latest snapshot from an earlier day.

use crate::forecast::{ForecastRequest, GroupDates, scoped_query};
use crate::goals::GoalProgress;
use crate::report::{date_of, human_date, item_ref, plural, thousands};
use crate::{App, Result};
use cairn_core::calendar::parse_date;
use cairn_core::{Decision, DecisionStatus, Item, Role};
use cairn_report::doc::{Block, Doc, Inline, Section};
use cairn_store::reports::Snapshot;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an exec report covers.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    pub product: Option<String>,
    /// Start of the period for scope changes and work finished.
    pub since: NaiveDate,
    /// Narrows the items (forecasts, scope changes) with a query.
    pub scope: Option<String>,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseLine {
    #[serde(flatten)]
    pub dates: GroupDates,
    /// The 85 % date in the report compared with, if it had this release.
    pub previous_p85: Option<String>,
    /// Days the 85 % date moved since then (positive: later).
    pub moved_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    pub key: String,
    pub title: String,
    pub kind: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ScopeChange {
    pub count: usize,
    pub points: f64,
    /// The first 15, newest first.
    pub items: Vec<ItemLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskLine {
    pub id: String,
    pub title: String,
    pub score: u8,
    pub owner: Option<String>,
    /// (key, title, progress in words) of each mitigating item.
    pub mitigations: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalLine {
    #[serde(flatten)]
    pub progress: GoalProgress,
    /// Its done share in the report compared with.
    pub previous: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecReport {
    pub product: String,
    pub product_name: String,
    /// Today, YYYY-MM-DD.
    pub generated: String,
    pub since: String,
    pub scope: Option<String>,
    /// The day of the recorded report this one compares with.
    pub compared_with: Option<String>,
    pub goals: Vec<GoalLine>,
    pub releases: Vec<ReleaseLine>,
    /// How the dates were forecast, in words; or why they could not be.
    pub forecast_basis: String,
    pub forecast_ok: bool,
    /// Delivery work finished in the period.
    pub finished: ScopeChange,
    pub added: ScopeChange,
    pub removed: ScopeChange,
    pub open_risks: usize,
    pub risks: Vec<RiskLine>,
    pub decisions_needed: Vec<Decision>,
    /// The open items customers ask for most (revenue-weighted).
    pub demand: Vec<DemandLine>,
    /// Themes of the last 90 days' feedback that no item answers yet:
    /// (words, customers, requests).
    pub unanswered: Vec<(String, u32, u32)>,
}

/// An open item customers ask for.
#[derive(Debug, Clone, Serialize)]
pub struct DemandLine {
    pub key: String,
    pub title: String,
    pub state: String,
    pub release: Option<String>,
    pub customers: u32,
    pub requests: u32,
    pub revenue: f64,
}

/// What a recorded exec report remembers.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct ExecSnapshot {
    releases: BTreeMap<String, Option<String>>,
    goals: BTreeMap<String, Option<f64>>,
}

const SHOWN: usize = 15;

fn line(i: &Item) -> ItemLine {
    ItemLine {
        key: i.key.to_string(),
        title: i.title.clone(),
        kind: i.kind.to_string(),
        state: i.state.clone(),
    }
}

fn change_of(items: &[Item]) -> ScopeChange {
    ScopeChange {
        count: items.len(),
        points: items.iter().filter_map(|i| i.estimate).sum(),
        items: items.iter().rev().take(SHOWN).map(line).collect(),
    }
}

fn days_between(a: &str, b: &str) -> Option<i64> {
    let a = parse_date(a)?;
    let b = parse_date(b)?;
    Some((b - a).num_days())
}

impl App {
    pub fn report_exec(&mut self, req: &ExecRequest) -> Result<ExecReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?;
        let prefix = product.prefix.clone();
        if let Some(q) = &req.scope {
            self.compile_query(q)?;
        }
        let today = date_of(self.now());
        let since = req.since.format("%Y-%m-%d").to_string();
        let previous: Option<(String, ExecSnapshot)> = self
            .store
            .snapshot_before(&prefix, "exec", &today)?
            .and_then(|s| {
                serde_json::from_str::<ExecSnapshot>(&s.data)
                    .ok()
                    .map(|d| (s.day, d))
            });
        let (compared_with, prev) = match previous {
            Some((day, d)) => (Some(day), d),
            None => (None, ExecSnapshot::default()),
        };

        // Goals.
        let goals = self
            .goal_progress(Some(&prefix))?
            .into_iter()
            .filter(|g| g.items > 0)
            .map(|g| GoalLine {
                previous: prev.goals.get(&g.name).copied().flatten(),
                progress: g,
            })
            .collect();

        // Release dates.
        let freq = ForecastRequest {
            product: Some(prefix.clone()),
            query: req.scope.clone(),
            seed: req.seed,
            ..ForecastRequest::default()
        };
        let (releases, forecast_basis, forecast_ok) = match self.forecast_groups(&freq, false) {
            Ok(f) => {
                let basis = match (f.basis.pace.delivered, f.basis.pace.from.as_deref()) {
                    (Some(n), Some(from)) => format!(
                        "Dates come from the pace the team actually kept: {} finished between {} and {}, replayed {} times in simulation. \"Likely ready by\" is the date by which 85 of every 100 simulated futures were done.",
                        plural(n as usize, "piece of work", "pieces of work"),
                        human_date(from),
                        human_date(f.basis.pace.to.as_deref().unwrap_or(&today)),
                        thousands(u64::from(f.basis.trials))
                    ),
                    _ => "Dates come from the team's estimate of its weekly pace.".to_string(),
                };
                let lines = f
                    .releases
                    .into_iter()
                    .map(|d| {
                        let previous_p85 = prev.releases.get(&d.name).cloned().flatten();
                        let moved_days = match (&previous_p85, &d.p85) {
                            (Some(a), Some(b)) => days_between(a, b),
                            _ => None,
                        };
                        ReleaseLine {
                            dates: d,
                            previous_p85,
                            moved_days,
                        }
                    })
                    .collect();
                (lines, basis, true)
            }
            Err(e) => (
                Vec::new(),
                format!("Release dates cannot be forecast yet: {e}"),
                false,
            ),
        };

        // Scope: finished, added and removed in the period.
        let get = |app: &mut App, extra: &str| -> Result<Vec<Item>> {
            let q = scoped_query(app, &prefix, extra, req.scope.as_deref())?;
            app.tx(|tx| crate::forecast::all_lean(tx.store, &q))
        };
        let done = get(
            self,
            &format!("category = done AND resolved >= {since} ORDER BY resolved"),
        )?;
        let (finished, cancelled): (Vec<Item>, Vec<Item>) = done
            .into_iter()
            .partition(|i| crate::forecast::delivered(&self.config, i));
        let added = get(self, &format!("created >= {since} ORDER BY created"))?;
        let since_ms = req
            .since
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0);
        let mut removed = change_of(&cancelled);
        for (key, _, title) in self.store.deleted_since(&prefix, since_ms)? {
            removed.count += 1;
            if removed.items.len() < SHOWN {
                removed.items.push(ItemLine {
                    key,
                    title,
                    kind: String::new(),
                    state: "deleted".into(),
                });
            }
        }

        // Risks and decisions of this product.
        let mut live: Vec<_> = self
            .risks()?
            .into_iter()
            .filter(|r| r.product == prefix && r.status.is_live())
            .collect();
        live.sort_by(|a, b| b.score().cmp(&a.score()).then(a.id.cmp(&b.id)));
        let open_risks = live.len();
        let mut risks = Vec::new();
        for r in live.into_iter().take(5) {
            let mut mitigations = Vec::new();
            for k in &r.mitigations {
                if let Ok(key) = k.parse()
                    && let Ok(i) = self.item(&key)
                {
                    let progress = match i.category {
                        cairn_core::Category::Todo => "not started",
                        cairn_core::Category::InProgress => "under way",
                        cairn_core::Category::Done => "done",
                    };
                    mitigations.push((k.clone(), i.title, progress.to_string()));
                }
            }
            risks.push(RiskLine {
                score: r.score(),
                id: r.id,
                title: r.title,
                owner: r.owner,
                mitigations,
            });
        }
        let decisions_needed = self
            .decisions()?
            .into_iter()
            .filter(|d| d.product == prefix && d.status == DecisionStatus::Proposed)
            .collect();

        // Customer demand: the open items asked for most, and what
        // customers keep asking that no item answers.
        let mut demand = Vec::new();
        for d in self.demand(Some(&prefix))? {
            if demand.len() == 5 {
                break;
            }
            let Ok(key) = d.key.parse::<cairn_core::ItemKey>() else {
                continue;
            };
            let it = self.item(&key)?;
            if it.category == cairn_core::Category::Done {
                continue;
            }
            demand.push(DemandLine {
                key: d.key,
                title: d.title,
                state: d.state,
                release: it.release,
                customers: d.customers,
                requests: d.requests,
                revenue: d.revenue,
            });
        }
        let since90 = crate::day(self.now() - 90 * 86_400_000);
        let mut themes = self.feedback_themes(&crate::feedback::ThemeOptions {
            product: Some(prefix.clone()),
            since: Some(since90),
            unlinked: true,
            threshold: None,
        })?;
        themes.sort_by(|a, b| {
            b.revenue
                .total_cmp(&a.revenue)
                .then(b.customers.cmp(&a.customers))
        });
        let unanswered = themes
            .into_iter()
            .take(3)
            .map(|t| (t.label, t.customers, t.requests))
            .collect();
        Ok(ExecReport {
            product: prefix,
            product_name: product.name,
            generated: today,
            since,
            scope: req.scope.clone(),
            compared_with,
            goals,
            releases,
            forecast_basis,
            forecast_ok,
            demand,
            unanswered,
            finished: change_of(&finished),
            added: change_of(&added),
            removed,
            open_risks,
            risks,
            decisions_needed,
        })
    }

    /// Keep this report's dates and progress, so the next report can say
    /// how they moved. One per product and day; the same day replaces.
    pub fn record_exec(&mut self, r: &ExecReport) -> Result<()> {
        self.require_init()?;
        self.need(&r.product, Role::Member, "record reports")?;
        let snap = ExecSnapshot {
            releases: r
                .releases
                .iter()
                .map(|l| (l.dates.name.clone(), l.dates.p85.clone()))
                .collect(),
            goals: r
                .goals
                .iter()
                .map(|g| (g.progress.name.clone(), g.progress.progress))
                .collect(),
        };
        let s = Snapshot {
            day: r.generated.clone(),
            created: self.now(),
            actor: self.actor().to_string(),
            data: serde_json::to_string(&snap).unwrap_or_default(),
        };
        let product = r.product.clone();
        self.tx(|tx| Ok(tx.store.save_snapshot(&product, "exec", &s)?))
    }
}

fn pct(f: f64) -> String {
    format!("{:.0} %", (f * 100.0).round())
}

fn moved_words(days: i64) -> String {
    let n = days.abs();
    let span = if n >= 14 && n % 7 == 0 {
        plural((n / 7) as usize, "week", "weeks")
    } else {
        plural(n as usize, "day", "days")
    };
    match days {
        0 => "no change".into(),
        d if d > 0 => format!("{span} later"),
        _ => format!("{span} earlier"),
    }
}

impl ExecReport {
    pub fn doc(&self) -> Doc {
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = Vec::new();

        // In short.
        let mut short: Vec<Vec<Inline>> = Vec::new();
        short.push(vec![Inline::Text(format!(
            "Since {}, the team finished {}{}.",
            human_date(&self.since),
            plural(self.finished.count, "piece of work", "pieces of work"),
            if self.added.count + self.removed.count > 0 {
                format!(
                    "; {} added to the plan and {} taken out",
                    self.added.count, self.removed.count
                )
            } else {
                String::new()
            }
        ))]);
        let late: Vec<&ReleaseLine> = self
            .releases
            .iter()
            .filter(|r| r.dates.on_track == Some(false))
            .collect();
        if self.forecast_ok && !self.releases.is_empty() {
            if late.is_empty() {
                short.push(vec![Inline::Text(format!(
                    "{} on track for its target date.",
                    if self.releases.len() == 1 {
                        "The one planned release is".to_string()
                    } else {
                        format!("All {} planned releases are", self.releases.len())
                    }
                ))]);
            } else {
                for r in late {
                    let d = &r.dates;
                    let passed = d
                        .target_date
                        .as_deref()
                        .is_some_and(|t| t < self.generated.as_str());
                    let likely = d.p85.as_deref().map(human_date);
                    short.push(vec![Inline::Text(match (passed, likely) {
                        (true, Some(l)) => format!(
                            "Release {} missed its target date of {}; it is now likely ready by {l}.",
                            d.name,
                            target_words(d)
                        ),
                        (false, Some(l)) => format!(
                            "Release {} is not likely to be ready by its target date of {}: likely by {l}.",
                            d.name,
                            target_words(d)
                        ),
                        (_, None) => format!(
                            "Release {} is too far out to forecast against its target date of {}.",
                            d.name,
                            target_words(d)
                        ),
                    })]);
                }
            }
        }
        if let Some(d) = self.demand.first() {
            short.push(vec![
                Inline::Text("Most asked for: ".into()),
                Inline::Item(d.key.clone()),
                Inline::Text(format!(
                    " ({}), by {}.",
                    d.title,
                    plural(d.customers as usize, "customer", "customers")
                )),
            ]);
        }
        if let Some(r) = self.risks.first() {
            short.push(vec![Inline::Text(format!(
                "Biggest risk: {} ({}).",
                r.title,
                severity(r.score)
            ))]);
        }
        if !self.decisions_needed.is_empty() {
            short.push(vec![Inline::Text(format!(
                "{} waiting for a decision.",
                plural(self.decisions_needed.len(), "question is", "questions are")
            ))]);
        }
        sections.push(Section {
            heading: "In short".into(),
            blocks: vec![Block::List(short)],
        });

        // Goals.
        let mut rows = Vec::new();
        for g in &self.goals {
            let p = &g.progress;
            let done = match p.progress {
                Some(f) => {
                    let mut s = pct(f);
                    if let Some(prev) = g.previous {
                        let d = ((f - prev) * 100.0).round() as i64;
                        if d != 0 {
                            s.push_str(&format!(" ({d:+} since last report)"));
                        }
                    }
                    s
                }
                None => "not started".into(),
            };
            let work = format!(
                "{} of {} finished, {} under way{}",
                p.done,
                plural(p.items as usize, "piece of work", "pieces of work"),
                p.in_progress,
                if p.basis == "points" {
                    "; share by estimated size"
                } else {
                    ""
                }
            );
            let krs: Vec<String> = p
                .key_results
                .iter()
                .map(|k| {
                    let unit = k.unit.as_deref().unwrap_or("");
                    let sp = if unit.is_empty() { "" } else { " " };
                    format!(
                        "{}: {}{sp}{unit} now, aiming for {}{sp}{unit}",
                        k.description,
                        num(k.current),
                        num(k.target)
                    )
                })
                .collect();
            rows.push(vec![
                vec![Inline::Strong(p.name.clone())],
                vec![Inline::Text(done)],
                vec![Inline::Text(work)],
                vec![Inline::Text(if krs.is_empty() {
                    "none set".into()
                } else {
                    krs.join("; ")
                })],
            ]);
        }
        sections.push(Section {
            heading: "Goals".into(),
            blocks: if rows.is_empty() {
                vec![Block::Para(vec![Inline::Text(
                    "No work in this product is linked to a goal yet.".into(),
                )])]
            } else {
                vec![
                    Block::Table {
                        headers: ["Goal", "Done", "Work", "Measures of success"]
                            .map(String::from)
                            .to_vec(),
                        rows,
                    },
                    Block::Note(
                        "Progress counts the stories, bugs, spikes and technical-debt items under each goal, including those under its requirements and epics."
                            .into(),
                    ),
                ]
            },
        });

        // Releases.
        let mut blocks = Vec::new();
        if self.releases.is_empty() {
            blocks.push(Block::Para(vec![Inline::Text(if self.forecast_ok {
                "No release has open work.".into()
            } else {
                self.forecast_basis.clone()
            })]));
        } else {
            let rows = self
                .releases
                .iter()
                .map(|r| {
                    let d = &r.dates;
                    let likely = if d.beyond_horizon {
                        "too far out to forecast".to_string()
                    } else {
                        d.p85
                            .as_deref()
                            .map(human_date)
                            .unwrap_or_else(|| "more than 20 years away".into())
                    };
                    let moved = match (&r.previous_p85, r.moved_days) {
                        (_, Some(m)) => moved_words(m),
                        (None, _) if self.compared_with.is_some() => "new since last report".into(),
                        _ => "—".into(),
                    };
                    let passed = d
                        .target_date
                        .as_deref()
                        .is_some_and(|t| t < self.generated.as_str());
                    let status = match d.on_track {
                        Some(false) if passed => "late: target passed",
                        Some(true) => "on track",
                        Some(false) => "at risk",
                        None => "no target date",
                    };
                    vec![
                        vec![Inline::Strong(d.name.clone())],
                        vec![Inline::Text(target_words(d))],
                        vec![Inline::Text(likely)],
                        vec![Inline::Text(moved)],
                        vec![Inline::Text(status.into())],
                        vec![Inline::Text(d.open_items.to_string())],
                    ]
                })
                .collect();
            blocks.push(Block::Table {
                headers: [
                    "Release",
                    "Target",
                    "Likely ready by",
                    "Since last report",
                    "Status",
                    "Work left",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            });
            blocks.push(Block::Note(self.forecast_basis.clone()));
        }
        sections.push(Section {
            heading: "Release dates".into(),
            blocks,
        });

        // Scope changes.
        let mut blocks = vec![Block::Para(vec![Inline::Text(format!(
            "{} added to the plan{}, {} taken out (cancelled or deleted).",
            plural(self.added.count, "piece of work was", "pieces of work were"),
            if self.added.points > 0.0 {
                format!(" ({} points of estimated size)", num(self.added.points))
            } else {
                String::new()
            },
            self.removed.count
        ))])];
        for (label, c) in [("Added", &self.added), ("Taken out", &self.removed)] {
            if c.items.is_empty() {
                continue;
            }
            let mut list: Vec<Vec<Inline>> = c
                .items
                .iter()
                .map(|i| {
                    if i.state != "deleted" {
                        items.push((i.key.clone(), i.title.clone()));
                        item_ref(&i.key, &i.title)
                    } else {
                        vec![Inline::Text(format!("{} ({}, deleted)", i.title, i.key))]
                    }
                })
                .collect();
            if c.count > c.items.len() {
                list.push(vec![Inline::Text(format!(
                    "and {} more",
                    c.count - c.items.len()
                ))]);
            }
            blocks.push(Block::Para(vec![Inline::Strong(format!("{label}:"))]));
            blocks.push(Block::List(list));
        }
        sections.push(Section {
            heading: "Changes to the plan".into(),
            blocks,
        });

        // Risks.
        let blocks = if self.risks.is_empty() {
            vec![Block::Para(vec![Inline::Text(
                "No open risks are recorded for this product.".into(),
            )])]
        } else {
            let mut list: Vec<Vec<Inline>> = Vec::new();
            for r in &self.risks {
                let mut l = vec![
                    Inline::Strong(r.title.clone()),
                    Inline::Text(format!(
                        " — {} ({}), owner {}. ",
                        severity(r.score),
                        r.id,
                        r.owner.as_deref().unwrap_or("not assigned")
                    )),
                ];
                if r.mitigations.is_empty() {
                    l.push(Inline::Text("No mitigation planned yet.".into()));
                } else {
                    l.push(Inline::Text("Mitigation: ".into()));
                    for (n, (k, t, s)) in r.mitigations.iter().enumerate() {
                        if n > 0 {
                            l.push(Inline::Text("; ".into()));
                        }
                        l.push(Inline::Text(format!("{t} (")));
                        l.push(Inline::Item(k.clone()));
                        l.push(Inline::Text(format!("), {s}")));
                        items.push((k.clone(), t.clone()));
                    }
                    l.push(Inline::Text(".".into()));
                }
                list.push(l);
            }
            let mut b = vec![Block::List(list)];
            if self.open_risks > self.risks.len() {
                b.push(Block::Note(format!(
                    "The {} highest of {} open risks; `cairn report risks` has the full register.",
                    self.risks.len(),
                    self.open_risks
                )));
            }
            b
        };
        sections.push(Section {
            heading: "Top risks".into(),
            blocks,
        });

        // Customer demand.
        if !self.demand.is_empty() || !self.unanswered.is_empty() {
            let mut blocks = Vec::new();
            if !self.demand.is_empty() {
                let rows = self
                    .demand
                    .iter()
                    .map(|d| {
                        items.push((d.key.clone(), d.title.clone()));
                        vec![
                            vec![Inline::Item(d.key.clone())],
                            vec![Inline::Text(d.title.clone())],
                            vec![Inline::Text(d.customers.to_string())],
                            vec![Inline::Text(d.state.clone())],
                            vec![Inline::Text(
                                d.release.clone().unwrap_or_else(|| "—".into()),
                            )],
                        ]
                    })
                    .collect();
                blocks.push(Block::Table {
                    headers: ["Most asked for", "", "Customers", "State", "Release"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                });
            }
            if !self.unanswered.is_empty() {
                let list = self
                    .unanswered
                    .iter()
                    .map(|(words, customers, requests)| {
                        vec![
                            Inline::Strong(words.clone()),
                            Inline::Text(format!(
                                ": {} from {}.",
                                plural(*requests as usize, "request", "requests"),
                                plural(*customers as usize, "customer", "customers")
                            )),
                        ]
                    })
                    .collect();
                blocks.push(Block::Para(vec![Inline::Text(
                    "Asked for in the last 90 days, with no work planned for it yet:".into(),
                )]));
                blocks.push(Block::List(list));
            }
            blocks.push(Block::Note(
                "Ranked by revenue-weighted demand from the customer feedback linked to each item. The feedback report has the themes, segments and every unanswered request.".into(),
            ));
            sections.push(Section {
                heading: "Customer demand".into(),
                blocks,
            });
        }

        // Decisions.
        if !self.decisions_needed.is_empty() {
            let list = self
                .decisions_needed
                .iter()
                .map(|d| {
                    let mut l = vec![
                        Inline::Strong(d.title.clone()),
                        Inline::Text(format!(" ({})", d.id)),
                    ];
                    if !d.options.is_empty() {
                        let names: Vec<&str> = d.options.iter().map(|o| o.name.as_str()).collect();
                        l.push(Inline::Text(format!(". Options: {}.", names.join("; "))));
                    }
                    for k in &d.items {
                        l.push(Inline::Text(" Affects ".into()));
                        l.push(Inline::Item(k.clone()));
                        l.push(Inline::Text(".".into()));
                        items.push((k.clone(), String::new()));
                    }
                    l
                })
                .collect();
            sections.push(Section {
                heading: "Decisions needed".into(),
                blocks: vec![Block::List(list)],
            });
        }
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("{}: update for leadership", self.product_name),
            subtitle: format!(
                "{} · covers {} to {}{}{}",
                human_date(&self.generated),
                human_date(&self.since),
                human_date(&self.generated),
                self.compared_with
                    .as_deref()
                    .map(|d| format!(" · compared with the report of {}", human_date(d)))
                    .unwrap_or_default(),
                self.scope
                    .as_deref()
                    .map(|q| format!(" · scope: {q}"))
                    .unwrap_or_default()
            ),
            sections,
            items,
            appendix: true,
        }
    }
}

fn target_words(d: &GroupDates) -> String {
    d.target_date
        .as_deref()
        .map(human_date)
        .unwrap_or_else(|| "none set".into())
}

/// A risk score (likelihood × impact, 1–25) in words.
fn severity(score: u8) -> String {
    let w = match score {
        15.. => "severe",
        8..=14 => "serious",
        4..=7 => "moderate",
        _ => "minor",
    };
    format!("{w}, {score} of 25")
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
