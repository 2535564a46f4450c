//! Planning use cases: sprint (cycle) plans that fill capacity from the
//! ranked backlog, release plans, and the critical path with slack.

use crate::forecast::cycle_error;
use crate::{App, Result, invalid};
use cairn_core::calendar::date_of;
use cairn_core::{ItemKey, Kind};
use cairn_engine::order::Graph;
use cairn_engine::plan::{Unplaced, critical_path, plan_sprints};
use chrono::{Days, NaiveDate};
use serde::Serialize;

/// What sprints are filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Estimates (story points or whatever the team estimates in).
    Points,
    /// Item counts.
    Items,
}

#[derive(Debug, Clone)]
pub struct SprintRequest {
    pub product: Option<String>,
    /// Narrows the backlog (default: the `[ranking] scope`).
    pub query: Option<String>,
    /// Plan only this release's items.
    pub release: Option<String>,
    pub capacity: f64,
    pub unit: Unit,
    pub sprints: u32,
    /// Working days per sprint.
    pub length: u32,
    /// First day of the first sprint (default: the next working day).
    pub start: Option<NaiveDate>,
    /// (sprint number from 1, capacity) for sprints with holidays or
    /// leave.
    pub overrides: Vec<(u32, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedItem {
    pub key: ItemKey,
    pub kind: Kind,
    pub title: String,
    pub size: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprintOut {
    pub number: u32,
    pub start: String,
    pub end: String,
    pub capacity: f64,
    pub used: f64,
    pub items: Vec<PlannedItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotPlanned {
    pub key: ItemKey,
    pub title: String,
    pub size: Option<f64>,
    /// `no-estimate`, `too-big`, `blocked`, `blocked-outside` or `no-room`.
    pub reason: &'static str,
    /// The reason in words, with what to do.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprintPlanReport {
    pub product: String,
    pub unit: Unit,
    pub sprints: Vec<SprintOut>,
    pub not_planned: Vec<NotPlanned>,
    pub release: Option<String>,
    pub release_target: Option<String>,
    /// For a release plan: does everything fit by the release's target date?
    pub fits: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct CriticalPathRequest {
    pub product: Option<String>,
    pub query: Option<String>,
    /// Used for items without an estimate; without it they are refused.
    pub default_estimate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledItem {
    pub key: ItemKey,
    pub title: String,
    pub estimate: f64,
    pub earliest_start: f64,
    pub earliest_finish: f64,
    pub latest_start: f64,
    pub latest_finish: f64,
    pub slack: f64,
    /// No slack: any slip delays the end.
    pub critical: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriticalPathReport {
    pub product: String,
    /// In estimate units: the shortest time to finish everything in scope
    /// if there were people enough to work every unblocked item at once.
    pub length: f64,
    pub path: Vec<ItemKey>,
    /// Every item, by earliest start.
    pub items: Vec<ScheduledItem>,
    pub warnings: Vec<String>,
}

impl App {
    /// Fill sprints from the ranked backlog.
    pub fn plan_sprints(&mut self, req: &SprintRequest) -> Result<SprintPlanReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        if req.sprints == 0 {
            return invalid("--sprints 0: plan at least one sprint");
        }
        if req.sprints > 500 {
            return invalid(format!(
                "--sprints {}: plan at most 500 sprints",
                req.sprints
            ));
        }
        if req.length == 0 {
            return invalid("--length 0: a sprint needs at least one working day");
        }
        if !req.capacity.is_finite() || req.capacity < 0.0 {
            return invalid(format!(
                "--capacity {} must be a number of {} of 0 or more",
                req.capacity,
                req.unit.as_str()
            ));
        }
        let mut capacity = vec![req.capacity; req.sprints as usize];
        for (n, c) in &req.overrides {
            if *n == 0 || *n > req.sprints {
                return invalid(format!(
                    "--override {n}={c}: there is no sprint {n}; sprints are numbered 1 to {}",
                    req.sprints
                ));
            }
            if !c.is_finite() || *c < 0.0 {
                return invalid(format!("--override {n}={c}: capacity must be 0 or more"));
            }
            capacity[*n as usize - 1] = *c;
        }
        if capacity.iter().all(|c| *c <= 0.0) {
            return invalid(format!(
                "zero capacity leaves no room for anything: give --capacity N, the {} the team finishes in a sprint",
                req.unit.as_str()
            ));
        }
        let mut release_target = None;
        let query = match &req.release {
            Some(r) => {
                let Some(rel) = self.store.release(&product, r)? else {
                    return invalid(format!(
                        "there is no release {r} in {product}; `cairn release list` shows the releases"
                    ));
                };
                release_target = rel.target_date;
                let q = crate::forecast::release_query(r);
                Some(
                    match req.query.as_deref().filter(|q| !q.trim().is_empty()) {
                        Some(user) => format!("({q}) AND ({user})"),
                        None => q,
                    },
                )
            }
            None => req.query.clone(),
        };
        let b = self.backlog(&product, query.as_deref())?;
        let n = b.items.len();
        let g = Graph::new(n, &b.edges);
        let size: Vec<Option<f64>> = b
            .items
            .iter()
            .map(|it| match req.unit {
                Unit::Items => Some(1.0),
                Unit::Points => it.estimate,
            })
            .collect();
        // Items blocked by open items outside the plan cannot be placed.
        let held: Vec<bool> = b.blocked_outside.iter().map(|o| !o.is_empty()).collect();
        let order: Vec<u32> = (0..n as u32).collect();
        let p = plan_sprints(&g, &order, &size, &capacity, &held);
        let cal = self.config.calendar();
        let start = cal.on_or_after(
            req.start
                .unwrap_or_else(|| date_of(self.now()) + Days::new(1)),
        );
        let days = cal.working_days_from(start, (req.sprints * req.length) as usize);
        let planned = |i: u32| {
            let it = &b.items[i as usize];
            PlannedItem {
                key: it.key.clone(),
                kind: it.kind,
                title: it.title.clone(),
                size: size[i as usize],
            }
        };
        let sprints: Vec<SprintOut> = p
            .sprints
            .iter()
            .enumerate()
            .map(|(s, items)| {
                let first = s * req.length as usize;
                let last = first + req.length as usize - 1;
                SprintOut {
                    number: s as u32 + 1,
                    start: days.get(first).map(|d| d.to_string()).unwrap_or_default(),
                    end: days.get(last).map(|d| d.to_string()).unwrap_or_default(),
                    capacity: capacity[s],
                    used: p.used[s],
                    items: items.iter().map(|i| planned(*i)).collect(),
                }
            })
            .collect();
        let not_planned = p
            .unplaced
            .iter()
            .map(|(v, why)| {
                let it = &b.items[*v as usize];
                let (reason, detail) = match why {
                    Unplaced::NoEstimate => (
                        "no-estimate",
                        format!(
                            "no estimate: set one with `cairn item edit {} --estimate N`",
                            it.key
                        ),
                    ),
                    Unplaced::TooBig { size, largest } => (
                        "too-big",
                        format!(
                            "{size} {} is more than any sprint holds ({largest}): split it",
                            req.unit.as_str()
                        ),
                    ),
                    Unplaced::Held => (
                        "blocked-outside",
                        format!(
                            "blocked by {}, open and outside this plan",
                            b.blocked_outside[*v as usize].join(", ")
                        ),
                    ),
                    Unplaced::Blocked(bk) => (
                        "blocked",
                        format!(
                            "blocked by {}, which is not planned",
                            b.items[*bk as usize].key
                        ),
                    ),
                    Unplaced::NoRoom => ("no-room", "the sprints are full".to_string()),
                };
                NotPlanned {
                    key: it.key.clone(),
                    title: it.title.clone(),
                    size: size[*v as usize],
                    reason,
                    detail,
                }
            })
            .collect::<Vec<_>>();
        let fits = req.release.as_ref().map(|_| {
            let last_used = sprints.iter().rposition(|s| !s.items.is_empty());
            not_planned.is_empty()
                && match (&release_target, last_used) {
                    (Some(t), Some(i)) => sprints[i].end.as_str() <= t.as_str(),
                    _ => true,
                }
        });
        Ok(SprintPlanReport {
            product,
            unit: req.unit,
            sprints,
            not_planned,
            release: req.release.clone(),
            release_target,
            fits,
        })
    }

    /// The critical path through the blocks links of a scope.
    pub fn plan_critical_path(&mut self, req: &CriticalPathRequest) -> Result<CriticalPathReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        if let Some(d) = req.default_estimate
            && !(d.is_finite() && d >= 0.0)
        {
            return invalid(format!("--default-estimate {d} must be 0 or more"));
        }
        let b = self.backlog(&product, req.query.as_deref())?;
        let n = b.items.len();
        let mut missing = Vec::new();
        let duration: Vec<f64> = b
            .items
            .iter()
            .map(|it| match (it.estimate, req.default_estimate) {
                (Some(e), _) => e,
                (None, Some(d)) => d,
                (None, None) => {
                    missing.push(it.key.to_string());
                    0.0
                }
            })
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
            return invalid(format!(
                "{} item{} in scope {} no estimate ({}{}): estimate them with `cairn item edit KEY --estimate N`, or pass --default-estimate N",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                if missing.len() == 1 { "has" } else { "have" },
                shown.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ));
        }
        let g = Graph::new(n, &b.edges);
        let s = critical_path(&g, &duration).map_err(|c| cycle_error(&c, &b.items))?;
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|a, c| {
            s.earliest_start[*a]
                .total_cmp(&s.earliest_start[*c])
                .then(s.slack[*a].total_cmp(&s.slack[*c]))
                .then(a.cmp(c))
        });
        Ok(CriticalPathReport {
            product,
            length: s.length,
            path: s
                .path
                .iter()
                .map(|v| b.items[*v as usize].key.clone())
                .collect(),
            items: idx
                .into_iter()
                .map(|v| ScheduledItem {
                    key: b.items[v].key.clone(),
                    title: b.items[v].title.clone(),
                    estimate: duration[v],
                    earliest_start: s.earliest_start[v],
                    earliest_finish: s.earliest_finish[v],
                    latest_start: s.latest_start[v],
                    latest_finish: s.latest_finish[v],
                    slack: s.slack[v],
                    critical: s.slack[v] < 1e-9,
                })
                .collect(),
            warnings: b.warnings,
        })
    }
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Points => "points",
            Unit::Items => "items",
        }
    }
}
