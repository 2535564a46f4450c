//! The roadmap: epics (the themes of work) by goal, in Now / Next / Later,
//! with a timeline drawn from the same forecast as the plan.
//!
//! - **Now**: a child is in progress, or it is 85 % likely to be done
//!   within six weeks.
//! - **Next**: 85 % likely to be done within the next window (90 days
//!   unless asked otherwise).
//! - **Later**: everything else, including epics too far down the
//!   backlog to forecast.

use crate::forecast::{ForecastRequest, GroupDates};
use crate::report::{human_date, plural, thousands};
use crate::{App, Result};
use cairn_core::{ItemKey, Kind};
use cairn_report::doc::{Block, Doc, Inline, Section};
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct RoadmapRequest {
    pub product: Option<String>,
    pub scope: Option<String>,
    pub seed: u64,
    /// Days ahead that count as Next (default 90).
    pub next_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Horizon {
    Now,
    Next,
    Later,
}

impl Horizon {
    pub fn as_str(self) -> &'static str {
        match self {
            Horizon::Now => "Now",
            Horizon::Next => "Next",
            Horizon::Later => "Later",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RoadmapEntry {
    pub key: String,
    pub title: String,
    /// The goal it serves (its own, else its ancestors'), if any.
    pub goal: Option<String>,
    /// Its first label.
    pub theme: Option<String>,
    pub release: Option<String>,
    pub horizon: Horizon,
    pub done: u64,
    pub in_progress: u64,
    #[serde(flatten)]
    pub dates: GroupDates,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoadmapReport {
    pub product: String,
    pub product_name: String,
    pub generated: String,
    pub scope: Option<String>,
    /// Now runs up to this date (or has work in progress); Next up to `next_until`.
    pub now_until: String,
    /// Next runs up to this date.
    pub next_until: String,
    pub entries: Vec<RoadmapEntry>,
    pub releases: Vec<GroupDates>,
    /// Open items in the forecast that are under no epic.
    pub outside_epics: usize,
    pub forecast_basis: String,
    pub forecast_ok: bool,
}

impl App {
    pub fn report_roadmap(&mut self, req: &RoadmapRequest) -> Result<RoadmapReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?;
        let prefix = product.prefix.clone();
        let today_d = self.today();
        let today = today_d.format("%Y-%m-%d").to_string();
        let next_until = today_d + Days::new(u64::from(req.next_days.unwrap_or(90)));
        let next_until_s = next_until.format("%Y-%m-%d").to_string();
        let now_until_s = (today_d + Days::new(NOW_DAYS))
            .format("%Y-%m-%d")
            .to_string();
        let freq = ForecastRequest {
            product: Some(prefix.clone()),
            query: req.scope.clone(),
            seed: req.seed,
            ..ForecastRequest::default()
        };
        let (groups, basis, ok) = match self.forecast_groups(&freq, true) {
            Ok(f) => {
                let basis = match (f.basis.pace.delivered, f.basis.pace.from.as_deref()) {
                    (Some(n), Some(from)) => format!(
                        "Dates replay the team's pace ({} delivered from {} to {}) over the ranked backlog, {} times; the 85 % date is the one 85 of every 100 simulated futures met.",
                        n,
                        human_date(from),
                        human_date(f.basis.pace.to.as_deref().unwrap_or(&today)),
                        thousands(u64::from(f.basis.trials))
                    ),
                    _ => "Dates come from the team's estimate of its weekly pace.".into(),
                };
                (Some(f), basis, true)
            }
            Err(e) => (
                None,
                format!("The roadmap cannot be forecast yet: {e}"),
                false,
            ),
        };
        let mut entries = Vec::new();
        let mut releases = Vec::new();
        let mut outside = 0;
        if let Some(f) = groups {
            let under: usize = f.epics.iter().map(|e| e.open_items).sum();
            outside = f.open_items.saturating_sub(under);
            releases = f.releases;
            for d in f.epics {
                let Ok(key) = d.name.parse::<ItemKey>() else {
                    continue;
                };
                let Ok(epic) = self.item(&key) else { continue };
                if epic.kind != Kind::Epic {
                    continue;
                }
                // The goal: the epic's own, else the nearest ancestor's.
                let mut goal = epic.goals.first().cloned();
                let mut up = epic.parent.clone();
                let mut hops = 0;
                while goal.is_none() && hops < 10 {
                    let Some(p) = up else { break };
                    let Ok(pi) = self.item(&p) else { break };
                    goal = pi.goals.first().cloned();
                    up = pi.parent.clone();
                    hops += 1;
                }
                let counts = self.count_children(&key)?;
                let horizon = if counts.1 > 0
                    || d.p85.as_deref().is_some_and(|p| p <= now_until_s.as_str())
                {
                    Horizon::Now
                } else if d.p85.as_deref().is_some_and(|p| p <= next_until_s.as_str()) {
                    Horizon::Next
                } else {
                    Horizon::Later
                };
                entries.push(RoadmapEntry {
                    key: key.to_string(),
                    title: epic.title.clone(),
                    goal,
                    theme: epic.labels.first().cloned(),
                    release: epic.release.clone(),
                    horizon,
                    done: counts.0,
                    in_progress: counts.1,
                    dates: d,
                });
            }
        }
        entries.sort_by(|a, b| {
            (a.horizon, a.dates.last_position).cmp(&(b.horizon, b.dates.last_position))
        });
        Ok(RoadmapReport {
            product: prefix,
            product_name: product.name,
            generated: today,
            scope: req.scope.clone(),
            next_until: next_until_s,
            now_until: now_until_s,
            entries,
            releases,
            outside_epics: outside,
            forecast_basis: basis,
            forecast_ok: ok,
        })
    }

    /// Done and in-progress children of an item.
    fn count_children(&mut self, key: &ItemKey) -> Result<(u64, u64)> {
        let done = self.compile_query(&format!("parent = {key} AND category = done"))?;
        let wip = self.compile_query(&format!("parent = {key} AND category = in-progress"))?;
        self.tx(|tx| Ok((tx.store.count(&done)?, tx.store.count(&wip)?)))
    }
}

fn parse(d: Option<&str>) -> Option<NaiveDate> {
    cairn_core::calendar::parse_date(d?)
}

/// An epic 85 % likely to be done within this many days is Now.
const NOW_DAYS: u64 = 42;

/// Rows drawn on the timeline at most; the table lists every epic.
const TIMELINE_ROWS: usize = 30;

impl RoadmapReport {
    pub fn doc(&self) -> Doc {
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = Vec::new();
        let today = parse(Some(&self.generated)).unwrap_or_default();

        // Now / Next / Later by goal.
        let mut by_goal: BTreeMap<String, [Vec<&RoadmapEntry>; 3]> = BTreeMap::new();
        for e in &self.entries {
            let g = e
                .goal
                .clone()
                .unwrap_or_else(|| "Not linked to a goal".into());
            let slot = by_goal.entry(g).or_default();
            slot[e.horizon as usize].push(e);
            items.push((e.key.clone(), e.title.clone()));
        }
        let cell = |v: &[&RoadmapEntry]| -> Vec<Inline> {
            let mut out = Vec::new();
            for (n, e) in v.iter().enumerate() {
                if n > 0 {
                    out.push(Inline::Text("; ".into()));
                }
                out.push(Inline::Text(format!("{} (", e.title)));
                out.push(Inline::Item(e.key.clone()));
                out.push(Inline::Text(")".into()));
            }
            if out.is_empty() {
                out.push(Inline::Text("—".into()));
            }
            out
        };
        let blocks = if by_goal.is_empty() {
            vec![Block::Para(vec![Inline::Text(if self.forecast_ok {
                "No epic has open work.".into()
            } else {
                self.forecast_basis.clone()
            })])]
        } else {
            let rows = by_goal
                .iter()
                .map(|(g, cols)| {
                    vec![
                        vec![Inline::Strong(g.clone())],
                        cell(&cols[0]),
                        cell(&cols[1]),
                        cell(&cols[2]),
                    ]
                })
                .collect();
            let mut b = vec![Block::Table {
                headers: vec![
                    "Goal".into(),
                    "Now: under way or done within 6 weeks".into(),
                    format!("Next: likely done by {}", human_date(&self.next_until)),
                    "Later".into(),
                ],
                rows,
            }];
            if self.outside_epics > 0 {
                b.push(Block::Note(format!(
                    "{} in the backlog {} under no epic and not shown here.",
                    plural(self.outside_epics, "open item", "open items"),
                    if self.outside_epics == 1 { "is" } else { "are" }
                )));
            }
            b
        };
        sections.push(Section {
            heading: "Now, next, later".into(),
            blocks,
        });

        // Timeline.
        if self.forecast_ok && !self.entries.is_empty() {
            let rows: Vec<cairn_report::TimelineRow> = self
                .entries
                .iter()
                .filter(|e| !e.dates.beyond_horizon)
                .filter_map(|e| {
                    let p50 = parse(e.dates.p50.as_deref())?;
                    let p85 = parse(e.dates.p85.as_deref())?;
                    let start = if e.horizon == Horizon::Now {
                        today
                    } else {
                        parse(e.dates.starts.as_deref()).unwrap_or(today)
                    };
                    Some(cairn_report::TimelineRow {
                        label: e.title.clone(),
                        start,
                        p50,
                        p85,
                        now: e.horizon == Horizon::Now,
                    })
                })
                .take(TIMELINE_ROWS)
                .collect();
            let markers: Vec<cairn_report::Marker> = self
                .releases
                .iter()
                .filter_map(|r| {
                    Some(cairn_report::Marker {
                        label: r.name.clone(),
                        date: parse(r.target_date.as_deref())?,
                    })
                })
                .collect();
            let drawn = rows.len();
            let mut blocks = vec![Block::Chart {
                svg: cairn_report::timeline(
                    &format!("{} roadmap", self.product),
                    today,
                    &rows,
                    &markers,
                ),
                caption: "Each bar runs from when the epic's work likely starts to when it is likely done: dark to the 50 % date, light to the 85 % date. Dashed lines are release targets.".into(),
            }];
            if drawn < self.entries.len() {
                blocks.push(Block::Note(format!(
                    "The timeline shows {drawn} of {} epics; the table below lists them all.",
                    self.entries.len()
                )));
            }
            sections.push(Section {
                heading: "Timeline".into(),
                blocks,
            });
        }

        // Detail.
        if !self.entries.is_empty() {
            let rows = self
                .entries
                .iter()
                .map(|e| {
                    let date = |d: &Option<String>| {
                        if e.dates.beyond_horizon {
                            "too far out".to_string()
                        } else {
                            d.as_deref().map(human_date).unwrap_or_else(|| "—".into())
                        }
                    };
                    vec![
                        vec![Inline::Item(e.key.clone())],
                        vec![Inline::Text(e.title.clone())],
                        vec![Inline::Text(e.horizon.as_str().into())],
                        vec![Inline::Text(format!(
                            "{} done, {} open",
                            e.done, e.dates.open_items
                        ))],
                        vec![Inline::Text(date(&e.dates.p50))],
                        vec![Inline::Text(date(&e.dates.p85))],
                        vec![Inline::Text(
                            e.release.clone().unwrap_or_else(|| "—".into()),
                        )],
                        vec![Inline::Text(e.theme.clone().unwrap_or_else(|| "—".into()))],
                    ]
                })
                .collect();
            sections.push(Section {
                heading: "Epics".into(),
                blocks: vec![
                    Block::Table {
                        headers: [
                            "Epic",
                            "Title",
                            "When",
                            "Work",
                            "Likely done (50 %)",
                            "85 % sure by",
                            "Release",
                            "Theme",
                        ]
                        .map(String::from)
                        .to_vec(),
                        rows,
                    },
                    Block::Note(self.forecast_basis.clone()),
                ],
            });
        }
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("{} roadmap", self.product_name),
            subtitle: format!(
                "{}{}",
                human_date(&self.generated),
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
