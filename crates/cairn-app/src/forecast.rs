//! Forecasting use cases: flow history, Monte Carlo *when* and *how many*,
//! the cut line over the ranked backlog, and what-ifs (docs/forecasting.md).
//!
//! Everything here reads; nothing is written. The seed comes from the
//! caller, so the same seed and data give the same forecast.

use crate::{App, AppError, Result, invalid};
use cairn_core::calendar::{check_trials, date_of};
use cairn_core::{Calendar, Category, Config, Item, ItemKey, Kind};
use cairn_engine::flow::{self, FlowItem, History, LEVELS};
use cairn_engine::forecast::{
    self, CutLine, Estimate, ForecastError, Outcome, Pace, Scenario, Scope,
};
use cairn_engine::order::Graph;
use cairn_engine::plan::{Cycles, pull_order};
use cairn_query::Query;
use cairn_store::{Page, Store};
use chrono::{Days, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Longest simulated future: about 20 years of working days, 20 of weeks.
const MAX_DAYS: u32 = 5_000;
const MAX_WEEKS: u32 = 1_040;

/// A weekly throughput estimate as people write it: `LOW,HIGH` or
/// `LOW,MOST-LIKELY,HIGH`. The error says how to write it.
pub fn parse_throughput(s: &str) -> std::result::Result<(f64, Option<f64>, f64), String> {
    let bad = || "give weekly items as LOW,HIGH or LOW,MOST-LIKELY,HIGH, e.g. 1,3,10".to_string();
    let n: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    match n.as_slice() {
        [lo, hi] => Ok((*lo, None, *hi)),
        [lo, m, hi] => Ok((*lo, Some(*m), *hi)),
        _ => Err(bad()),
    }
}

/// Where the pace comes from.
#[derive(Debug, Clone, Default)]
pub struct PaceRequest {
    /// Days of history to sample (default: the config's `[forecast] window`).
    pub window: Option<u32>,
    /// A weekly throughput estimate (low, most likely, high) instead of
    /// history.
    pub estimate: Option<(f64, Option<f64>, f64)>,
}

/// What every forecast needs.
#[derive(Debug, Clone, Default)]
pub struct ForecastRequest {
    pub product: Option<String>,
    /// Narrows the cut line's backlog within the `[ranking] scope`. The
    /// pace always comes from the whole scope: what the team delivered.
    pub query: Option<String>,
    pub pace: PaceRequest,
    /// First day of the forecast (default: tomorrow).
    pub start: Option<NaiveDate>,
    pub trials: Option<u32>,
    pub seed: u64,
    /// What-ifs such as `add=10`, `throughput=0.8`, `people=-1`.
    pub what_if: Vec<String>,
}

/// The scope of a *when* forecast.
#[derive(Debug, Clone)]
pub enum WhenScope {
    Count(u32),
    /// The open items a query matches.
    Query(String),
    /// The open items of a release.
    Release(String),
    /// A story range and split-rate range (no-history style).
    Range {
        low: u32,
        high: u32,
        split_low: f64,
        split_high: f64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct PaceOut {
    /// `history` or `estimate`.
    pub source: &'static str,
    /// `working days` or `weeks`: the unit of every period below.
    pub unit: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    pub working_days: Option<usize>,
    pub delivered: Option<u32>,
    /// Items per period on average.
    pub mean: f64,
    pub low: Option<f64>,
    pub likely: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Basis {
    pub product: String,
    pub seed: u64,
    pub trials: u32,
    pub start: String,
    pub pace: PaceOut,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelOut {
    pub level: u8,
    /// Periods from the start (working days or weeks).
    pub periods: u32,
    pub date: String,
    /// Items, for *how many*.
    pub items: Option<u32>,
    /// ± this many periods (or items) at 95 % confidence, from sampling.
    pub error: u32,
    /// The simulation hit its horizon before this level was reached.
    pub beyond: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioOut {
    pub label: String,
    pub add: i64,
    pub scale: f64,
    pub levels: Vec<LevelOut>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhenReport {
    pub basis: Basis,
    /// What is forecast, in words.
    pub scope: String,
    pub items: Option<u32>,
    pub scenarios: Vec<ScenarioOut>,
    /// The first scenario's distribution: (periods, trials, date).
    pub histogram: Vec<(u32, u32, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HowManyReport {
    pub basis: Basis,
    pub date: String,
    pub periods: u32,
    pub scenarios: Vec<ScenarioOut>,
    /// The first scenario's distribution: (items, trials).
    pub histogram: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowReport {
    pub product: String,
    pub from: String,
    pub to: String,
    pub working_days: usize,
    pub delivered: u32,
    pub mean_per_day: f64,
    pub throughput: Vec<(String, u32)>,
    pub cycle_percentiles: Vec<(u8, u32)>,
    pub cycle_times: Vec<(String, String, u32)>,
    /// In-progress items, oldest first: key, title, state, age in days, and
    /// whether it is older than the 85th-percentile cycle time.
    pub wip: Vec<WipOut>,
    pub cfd: Vec<(String, u32, u32, u32)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WipOut {
    pub key: String,
    pub title: String,
    pub state: String,
    pub age: u32,
    pub past_85th: bool,
}

/// Items grouped by their chance of being done by the target date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Band {
    /// At least 85 % of trials.
    Likely,
    /// Between 15 % and 85 %.
    CoinFlip,
    /// At most 15 %.
    Unlikely,
}

impl Band {
    fn of(p: f64) -> Band {
        if p >= 0.85 {
            Band::Likely
        } else if p > 0.15 {
            Band::CoinFlip
        } else {
            Band::Unlikely
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Likely => "likely",
            Band::CoinFlip => "coin flip",
            Band::Unlikely => "unlikely",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CutItem {
    pub position: usize,
    pub key: ItemKey,
    pub kind: Kind,
    pub title: String,
    pub state: String,
    pub p50: Option<String>,
    pub p85: Option<String>,
    /// Chance (0..1) of being done by the target date.
    pub chance: f64,
    pub band: Band,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupOut {
    /// Epic key or release name.
    pub name: String,
    pub title: String,
    pub open_items: usize,
    pub p50: Option<String>,
    pub p85: Option<String>,
    pub chance: f64,
    /// A release's target date, if set.
    pub target_date: Option<String>,
    /// For a release with a target date: is its 85 % date on or before it?
    pub on_track: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutLineReport {
    pub basis: Basis,
    pub target: String,
    pub scenario: String,
    pub items: Vec<CutItem>,
    pub epics: Vec<GroupOut>,
    pub releases: Vec<GroupOut>,
    pub warnings: Vec<String>,
    /// Burn-up: (date, done, total) per day of history, then the forecast
    /// cone per working day: (date, 5th, 50th, 95th percentile of done).
    pub burn_history: Vec<(String, u32, u32)>,
    pub cone: Vec<(String, u32, u32, u32)>,
}

/// A pace with the calendar its periods run on.
struct Loaded {
    pace: Pace,
    out: PaceOut,
    cal: Calendar,
    weekly: bool,
    /// Distinct assignees of delivered items in the window.
    people: usize,
    history: Option<History>,
    /// The history's read, in rank order (open items and those resolved
    /// in the window): the backlog is built from it when no query
    /// narrows the backlog, instead of reading the open items again.
    read: Vec<Item>,
}

fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn forecast_err(e: ForecastError) -> AppError {
    AppError::Invalid(e.to_string())
}

/// Parse what-ifs: comma-separated `add=N`, `remove=N`, `throughput=F`
/// (or `F%`), `people=±N`.
fn scenarios(specs: &[String], people: usize) -> Result<Vec<(String, Scenario)>> {
    let mut out = vec![("as planned".to_string(), Scenario::default())];
    for spec in specs {
        let mut s = Scenario::default();
        let mut label_note = None;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                AppError::Invalid(format!(
                    "what-if `{part}` in `{spec}` is not understood; write add=N, remove=N, throughput=0.8 (or 80%) or people=-1, joined by commas"
                ))
            };
            let (k, v) = part.split_once('=').ok_or_else(bad)?;
            let v = v.trim();
            match k.trim() {
                "add" => s.add += v.parse::<i64>().map_err(|_| bad())?,
                "remove" => s.add -= v.parse::<i64>().map_err(|_| bad())?,
                "throughput" => {
                    let f = match v.strip_suffix('%') {
                        Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
                        None => v.parse::<f64>().map_err(|_| bad())?,
                    };
                    if !(f.is_finite() && f > 0.0) {
                        return invalid(format!(
                            "what-if `{part}`: throughput must be above 0 (1 = unchanged, 0.8 = 80 %)"
                        ));
                    }
                    s.scale *= f;
                }
                "people" => {
                    let d = v
                        .trim_start_matches('+')
                        .parse::<i64>()
                        .map_err(|_| bad())?;
                    if people == 0 {
                        return invalid(format!(
                            "what-if `{part}`: nobody is assigned to the items delivered in the history window, so the team size is unknown; use throughput=F instead (e.g. throughput=0.8)"
                        ));
                    }
                    let n = people as i64 + d;
                    if n <= 0 {
                        return invalid(format!(
                            "what-if `{part}`: the history shows {people} people; {d} would leave nobody"
                        ));
                    }
                    s.scale *= n as f64 / people as f64;
                    label_note = Some(format!("{people} → {n} people"));
                }
                _ => return Err(bad()),
            }
        }
        let label = match label_note {
            Some(n) => format!("{} ({n})", spec.trim()),
            None => spec.trim().to_string(),
        };
        out.push((label, s));
    }
    Ok(out)
}

/// Compile `product = P AND <extra> AND <ranking scope> [AND <query>]`.
/// Forecasts always stay within the scope (by default stories, bugs,
/// spikes and debt), so what is counted ahead is the same kind of thing
/// as the throughput it is divided by.
pub(crate) fn scoped_query(
    app: &mut App,
    product: &str,
    extra: &str,
    user: Option<&str>,
) -> Result<Query> {
    let base = app.compile_query(&format!("product = {product} AND {extra}"))?;
    let scope_text = app.config.ranking.scope().to_string();
    let scope = app.compile_query(&scope_text).map_err(|e| {
        AppError::Invalid(format!(
            "the workspace config's [ranking] scope is not a valid query: {e}"
        ))
    })?;
    let mut filters = vec![base.filter, scope.filter];
    if let Some(q) = user.filter(|q| !q.trim().is_empty()) {
        filters.push(app.compile_query(q)?.filter);
    }
    Ok(Query {
        filter: cairn_query::Filter::And(filters),
        order: base.order,
    })
}

pub(crate) fn all(store: &mut Store, q: &Query) -> Result<Vec<Item>> {
    Ok(store.query(
        q,
        Page {
            limit: usize::MAX / 2,
            offset: 0,
        },
    )?)
}

/// Every item `q` matches, lean: without description, acceptance
/// criteria, labels, fields or goals (see [`Store::query_lean`]). For
/// whole-backlog reads that use only keys, titles, states, dates,
/// estimates, parents and releases.
pub(crate) fn all_lean(store: &mut Store, q: &Query) -> Result<Vec<Item>> {
    Ok(store.query_lean(q)?)
}

pub(crate) fn delivered(config: &Config, it: &Item) -> bool {
    it.category == Category::Done && !config.forecast.not_delivered.contains(&it.state)
}

fn flow_items(config: &Config, items: &[Item]) -> Vec<FlowItem> {
    items
        .iter()
        .map(|it| FlowItem {
            key: it.key.to_string(),
            created: date_of(it.created),
            started: it.started.map(date_of),
            resolved: it.resolved.map(date_of),
            delivered: delivered(config, it),
        })
        .collect()
}

impl App {
    /// Today's date on the app's clock (UTC).
    pub fn today(&self) -> NaiveDate {
        date_of(self.now())
    }

    /// Load the history window's items and build the flow history.
    fn history_of(
        &mut self,
        product: &str,
        query: Option<&str>,
        window: Option<u32>,
    ) -> Result<(History, Vec<Item>)> {
        let window = window.unwrap_or(self.config.forecast.window);
        if window == 0 {
            return invalid("--window must be at least 1 day");
        }
        let to = self.today();
        let from = to - Days::new(u64::from(window - 1));
        let q = scoped_query(
            self,
            product,
            &format!(
                "(category != done OR resolved >= {}) ORDER BY rank",
                fmt_date(from)
            ),
            query,
        )?;
        let items = self.tx(|tx| all_lean(tx.store, &q))?;
        let cal = self.config.calendar();
        let h = flow::history(&flow_items(&self.config, &items), &cal, from, to);
        Ok((h, items))
    }

    fn pace(&mut self, product: &str, req: &ForecastRequest) -> Result<Loaded> {
        if let Some((low, likely, high)) = req.pace.estimate {
            let pace = Pace::Weekly { low, likely, high };
            pace.check().map_err(forecast_err)?;
            return Ok(Loaded {
                out: PaceOut {
                    source: "estimate",
                    unit: "weeks",
                    from: None,
                    to: None,
                    working_days: None,
                    delivered: None,
                    mean: pace.mean(),
                    low: Some(low),
                    likely,
                    high: Some(high),
                },
                pace,
                cal: Calendar::every_day(),
                weekly: true,
                people: 0,
                history: None,
                read: Vec::new(),
            });
        }
        let (h, items) = self.history_of(product, None, req.pace.window)?;
        let window = req.pace.window.unwrap_or(self.config.forecast.window);
        if h.delivered() == 0 {
            return invalid(format!(
                "no items were delivered in the last {window} days ({} to {}) among {}: widen --window, or give a weekly estimate with --throughput low,likely,high",
                fmt_date(h.from),
                fmt_date(h.to),
                self.config.ranking.scope()
            ));
        }
        let people = {
            let mut who: Vec<&str> = items
                .iter()
                .filter(|i| delivered(&self.config, i) && i.resolved.map(date_of) >= Some(h.from))
                .filter_map(|i| i.assignee.as_deref())
                .collect();
            who.sort_unstable();
            who.dedup();
            who.len()
        };
        Ok(Loaded {
            pace: Pace::Daily(h.samples()),
            out: PaceOut {
                source: "history",
                unit: "working days",
                from: Some(fmt_date(h.from)),
                to: Some(fmt_date(h.to)),
                working_days: Some(h.throughput.len()),
                delivered: Some(h.delivered()),
                mean: h.mean_daily(),
                low: None,
                likely: None,
                high: None,
            },
            cal: self.config.calendar(),
            weekly: false,
            people,
            history: Some(h),
            read: items,
        })
    }

    /// The first day of the forecast: `--start` (any date, so a past
    /// forecast can be checked against what happened), else tomorrow.
    /// Open items of the scope matching `query`.
    fn count_open(&mut self, product: &str, query: &str) -> Result<u32> {
        let q = scoped_query(self, product, "category != done", Some(query))?;
        let n = self.tx(|tx| Ok(tx.store.count(&q)?))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn start(&self, req: &ForecastRequest) -> Result<NaiveDate> {
        Ok(req.start.unwrap_or_else(|| self.today() + Days::new(1)))
    }

    fn trials(&self, req: &ForecastRequest) -> Result<u32> {
        let t = req.trials.unwrap_or(self.config.forecast.trials);
        check_trials(t).map_err(|e| AppError::Invalid(format!("--trials {e}")))?;
        Ok(t)
    }

    fn basis(
        &self,
        product: &str,
        req: &ForecastRequest,
        l: &Loaded,
        start: NaiveDate,
        trials: u32,
    ) -> Basis {
        Basis {
            product: product.to_string(),
            seed: req.seed,
            trials,
            start: fmt_date(start),
            pace: l.out.clone(),
        }
    }

    /// Flow history: throughput, cycle time, work in progress, cumulative flow.
    pub fn flow(
        &mut self,
        product: Option<&str>,
        query: Option<&str>,
        window: Option<u32>,
    ) -> Result<FlowReport> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        let (h, items) = self.history_of(&product, query, window)?;
        let p85 = h
            .cycle_percentiles
            .iter()
            .find(|(l, _)| *l == 85)
            .map(|(_, v)| *v);
        let by_key: HashMap<String, &Item> = items.iter().map(|i| (i.key.to_string(), i)).collect();
        Ok(FlowReport {
            product,
            from: fmt_date(h.from),
            to: fmt_date(h.to),
            working_days: h.throughput.len(),
            delivered: h.delivered(),
            mean_per_day: h.mean_daily(),
            throughput: h
                .throughput
                .iter()
                .map(|(d, n)| (fmt_date(*d), *n))
                .collect(),
            cycle_percentiles: h.cycle_percentiles.clone(),
            cycle_times: h
                .cycle_times
                .iter()
                .map(|(k, d, n)| (k.clone(), fmt_date(*d), *n))
                .collect(),
            wip: h
                .wip
                .iter()
                .map(|(k, age)| WipOut {
                    key: k.clone(),
                    title: by_key.get(k).map(|i| i.title.clone()).unwrap_or_default(),
                    state: by_key.get(k).map(|i| i.state.clone()).unwrap_or_default(),
                    age: *age,
                    past_85th: p85.is_some_and(|p| *age > p),
                })
                .collect(),
            cfd: h
                .cfd
                .iter()
                .map(|(d, a, b, c)| (fmt_date(*d), *a, *b, *c))
                .collect(),
        })
    }

    /// *When* will this scope be done?
    pub fn forecast_when(
        &mut self,
        scope: &WhenScope,
        req: &ForecastRequest,
    ) -> Result<WhenReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        let (sc, label, count) = match scope {
            WhenScope::Count(0) => {
                return invalid(
                    "--count 0: there is nothing to forecast; give how many items remain",
                );
            }
            WhenScope::Count(n) => (Scope::Count(*n), format!("{n} items"), Some(*n)),
            WhenScope::Range {
                low,
                high,
                split_low,
                split_high,
            } => (
                Scope::Range {
                    low: *low,
                    high: *high,
                    split_low: *split_low,
                    split_high: *split_high,
                },
                format!("{low}-{high} stories, each splitting into {split_low}-{split_high} items"),
                None,
            ),
            WhenScope::Query(q) => {
                let n = self.count_open(&product, q)?;
                if n == 0 {
                    return invalid(format!(
                        "no open items in {product} match `{q}`: nothing is left to forecast"
                    ));
                }
                (
                    Scope::Count(n),
                    format!("{n} open items matching `{q}`"),
                    Some(n),
                )
            }
            WhenScope::Release(r) => {
                if self.store.release(&product, r)?.is_none() {
                    return Err(AppError::NotFound(format!(
                        "release {r} in {product}; `cairn release list` shows the releases"
                    )));
                }
                let n = self.count_open(&product, &release_query(r))?;
                if n == 0 {
                    return invalid(format!(
                        "release {r} has no open items: nothing is left to forecast"
                    ));
                }
                (
                    Scope::Count(n),
                    format!("{n} open items of release {r}"),
                    Some(n),
                )
            }
        };
        sc.check().map_err(forecast_err)?;
        let l = self.pace(&product, req)?;
        let start = self.start(req)?;
        let trials = self.trials(req)?;
        let cap = if l.weekly { MAX_WEEKS } else { MAX_DAYS };
        let mut rng = ChaCha8Rng::seed_from_u64(req.seed);
        let mut outcomes = Vec::new();
        for (label, s) in scenarios(&req.what_if, l.people)? {
            let o = forecast::when(&l.pace, &sc, &s, trials as usize, cap, &mut rng)
                .map_err(forecast_err)?;
            outcomes.push((label, s, o));
        }
        let max = outcomes
            .iter()
            .filter_map(|(_, _, o)| o.samples.last())
            .max()
            .copied()
            .unwrap_or(1);
        let periods = Periods::new(&l, start, max);
        let out = outcomes
            .iter()
            .map(|(label, s, o)| ScenarioOut {
                label: label.clone(),
                add: s.add,
                scale: s.scale,
                levels: o
                    .finishes()
                    .iter()
                    .map(|e| periods.level(e, e.value >= cap))
                    .collect(),
            })
            .collect();
        let histogram = outcomes
            .first()
            .map(|(_, _, o)| {
                o.histogram()
                    .into_iter()
                    .map(|(p, n)| (p, n, fmt_date(periods.date(p))))
                    .collect()
            })
            .unwrap_or_default();
        Ok(WhenReport {
            basis: self.basis(&product, req, &l, start, trials),
            scope: label,
            items: count,
            scenarios: out,
            histogram,
        })
    }

    /// *How many* items will be done by `date`?
    pub fn forecast_how_many(
        &mut self,
        date: NaiveDate,
        req: &ForecastRequest,
    ) -> Result<HowManyReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        let start = self.start(req)?;
        if date < start {
            return invalid(format!(
                "the date {} is before the forecast starts ({}); give a later date",
                fmt_date(date),
                fmt_date(start)
            ));
        }
        let l = self.pace(&product, req)?;
        let trials = self.trials(req)?;
        let periods = if l.weekly {
            u32::try_from((date - start).num_days() / 7).unwrap_or(0)
        } else {
            l.cal.count_between(start, date) as u32
        };
        if periods == 0 {
            return invalid(format!(
                "there is no full {} between {} and {}; give a later date",
                if l.weekly { "week" } else { "working day" },
                fmt_date(start),
                fmt_date(date)
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(req.seed);
        let mut out = Vec::new();
        let mut first: Option<Outcome> = None;
        for (label, s) in scenarios(&req.what_if, l.people)? {
            if s.add != 0 {
                return invalid(format!(
                    "what-if `{label}`: adding or removing scope does not change how many items get done by a date; use throughput=F or people=±N, or `cairn forecast when` for scope changes"
                ));
            }
            let o = forecast::how_many(&l.pace, periods, &s, trials as usize, &mut rng)
                .map_err(forecast_err)?;
            let levels = o
                .counts()
                .iter()
                .map(|e| LevelOut {
                    level: e.level,
                    periods,
                    date: fmt_date(date),
                    items: Some(e.value),
                    error: e.error(),
                    beyond: false,
                })
                .collect();
            out.push(ScenarioOut {
                label,
                add: s.add,
                scale: s.scale,
                levels,
            });
            first.get_or_insert(o);
        }
        Ok(HowManyReport {
            basis: self.basis(&product, req, &l, start, trials),
            date: fmt_date(date),
            periods,
            scenarios: out,
            histogram: first.map(|o| o.histogram()).unwrap_or_default(),
        })
    }

    /// Which items of the ranked backlog will be done by `target`?
    pub fn forecast_cut_line(
        &mut self,
        target: NaiveDate,
        req: &ForecastRequest,
    ) -> Result<CutLineReport> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        let start = self.start(req)?;
        if target < start {
            return invalid(format!(
                "the target date {} is in the past or before the forecast starts ({}); give a later --by date",
                fmt_date(target),
                fmt_date(start)
            ));
        }
        if req.what_if.len() > 1 {
            return invalid(
                "the cut line takes one --what-if (combine changes with commas, e.g. add=5,throughput=0.8)",
            );
        }
        let mut l = self.pace(&product, req)?;
        let trials = self.trials(req)?;
        let backlog = self.backlog_after(&product, req.query.as_deref(), &mut l)?;
        let (label, s) = scenarios(&req.what_if, l.people)?.pop().unwrap_or_default();
        if s.add < 0 {
            return invalid(format!(
                "what-if `{label}`: the cut line works on the backlog as it is; to see it without some items, narrow it with a query or close them. add=N (unplanned work pulled ahead of the backlog) and throughput changes work"
            ));
        }
        // add=N: N unplanned items are pulled ahead of the backlog.
        let shift = s.add as usize;
        let n = backlog.items.len() + shift;
        let target_period = if l.weekly {
            u32::try_from((target - start).num_days() / 7).unwrap_or(0)
        } else {
            l.cal.count_between(start, target) as u32
        };
        let cap = if l.weekly { MAX_WEEKS } else { MAX_DAYS };
        let mut rng = ChaCha8Rng::seed_from_u64(req.seed);
        let cl: CutLine = forecast::cut_line(
            &l.pace,
            n,
            &s,
            trials as usize,
            (target_period > 0).then_some(target_period),
            cap,
            &mut rng,
        )
        .map_err(forecast_err)?;
        let periods = Periods::new(&l, start, cl.cone.len() as u32 + 1);
        let chance = |pos: usize| {
            if target_period == 0 {
                0.0
            } else {
                cl.by_target[pos + shift]
            }
        };
        let date_at =
            |lvl: usize, pos: usize| cl.finish[lvl][pos + shift].map(|p| fmt_date(periods.date(p)));
        let (i50, i85) = (level_index(50), level_index(85));
        let items: Vec<CutItem> = backlog
            .items
            .iter()
            .enumerate()
            .map(|(pos, it)| CutItem {
                position: pos + 1,
                key: it.key.clone(),
                kind: it.kind,
                title: it.title.clone(),
                state: it.state.clone(),
                p50: date_at(i50, pos),
                p85: date_at(i85, pos),
                chance: chance(pos),
                band: Band::of(chance(pos)),
            })
            .collect();
        let group =
            |name: String, title: String, positions: &[usize], target_date: Option<String>| {
                let last = positions.iter().copied().max().unwrap_or(0);
                let p85 = date_at(i85, last);
                let on_track = target_date
                    .as_ref()
                    .map(|t| p85.as_ref().is_some_and(|p| p <= t));
                GroupOut {
                    name,
                    title,
                    open_items: positions.len(),
                    p50: date_at(i50, last),
                    p85,
                    chance: chance(last),
                    target_date,
                    on_track,
                }
            };
        let mut epics = Vec::new();
        for (key, positions) in &backlog.epics {
            let title = backlog.titles.get(key).cloned().unwrap_or_default();
            epics.push(group(key.to_string(), title, positions, None));
        }
        let mut releases = Vec::new();
        for (name, positions) in &backlog.releases {
            let date = self
                .store
                .release(&product, name)?
                .and_then(|r| r.target_date);
            releases.push(group(name.clone(), String::new(), positions, date));
        }
        // Burn-up: history of done and total, then the cone.
        let mut burn_history = Vec::new();
        if let Some(h) = &l.history {
            for (d, todo, wip, done) in &h.cfd {
                burn_history.push((fmt_date(*d), *done, todo + wip + done));
            }
        }
        let base = burn_history.last().map(|b| b.1).unwrap_or(0);
        let cone = cl
            .cone
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    fmt_date(periods.date(i as u32 + 1)),
                    base + c[0],
                    base + c[2],
                    base + c[4],
                )
            })
            .collect();
        Ok(CutLineReport {
            basis: self.basis(&product, req, &l, start, trials),
            target: fmt_date(target),
            scenario: label,
            items,
            epics,
            releases,
            warnings: backlog.warnings,
            burn_history,
            cone,
        })
    }

    /// 50 % and 85 % dates of every release and (with `epics`) every epic
    /// with open items, from the same cut line as `forecast cut-line`, but
    /// simulated only as far as the last group needs, and never past
    /// [`GROUP_HORIZON`] backlog positions: a group that ends further down
    /// is reported as beyond the horizon instead of costing the whole
    /// backlog's simulation.
    pub fn forecast_groups(&mut self, req: &ForecastRequest, epics: bool) -> Result<GroupForecast> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        let start = self.start(req)?;
        let mut l = self.pace(&product, req)?;
        let trials = self.trials(req)?;
        let backlog = self.backlog_after(&product, req.query.as_deref(), &mut l)?;
        // (is epic, name, title, positions, target date)
        type Group = (bool, String, String, Vec<usize>, Option<String>);
        let mut groups: Vec<Group> = Vec::new();
        for (name, positions) in &backlog.releases {
            let date = self
                .store
                .release(&product, name)?
                .and_then(|r| r.target_date);
            groups.push((false, name.clone(), String::new(), positions.clone(), date));
        }
        if epics {
            for (key, positions) in &backlog.epics {
                let title = backlog.titles.get(key).cloned().unwrap_or_default();
                groups.push((true, key.to_string(), title, positions.clone(), None));
            }
        }
        let last = |p: &[usize]| p.iter().copied().max().unwrap_or(0);
        let n = groups
            .iter()
            .map(|g| last(&g.3) + 1)
            .filter(|n| *n <= GROUP_HORIZON)
            .max()
            .unwrap_or(0);
        let cap = if l.weekly { MAX_WEEKS } else { MAX_DAYS };
        let mut rng = ChaCha8Rng::seed_from_u64(req.seed);
        let cl = forecast::cut_line(
            &l.pace,
            n,
            &Scenario::default(),
            trials as usize,
            None,
            cap,
            &mut rng,
        )
        .map_err(forecast_err)?;
        let periods = Periods::new(&l, start, cl.cone.len() as u32 + 1);
        let date_at = |lvl: usize, pos: usize| {
            cl.finish
                .get(lvl)
                .and_then(|f| f.get(pos))
                .copied()
                .flatten()
                .map(|p| fmt_date(periods.date(p)))
        };
        let (i50, i85) = (level_index(50), level_index(85));
        let mut out = GroupForecast {
            basis: self.basis(&product, req, &l, start, trials),
            open_items: backlog.items.len(),
            releases: Vec::new(),
            epics: Vec::new(),
            warnings: backlog.warnings,
        };
        for (is_epic, name, title, positions, target_date) in groups {
            let end = last(&positions);
            let p85 = date_at(i85, end);
            let g = GroupDates {
                on_track: target_date
                    .as_ref()
                    .map(|t| p85.as_ref().is_some_and(|p| p <= t)),
                name,
                title,
                open_items: positions.len(),
                starts: match positions.iter().copied().min().unwrap_or(0) {
                    0 => Some(fmt_date(start)),
                    first => date_at(i50, first - 1),
                },
                first_position: positions.iter().copied().min().unwrap_or(0) + 1,
                last_position: end + 1,
                p50: date_at(i50, end),
                p85,
                target_date,
                beyond_horizon: end >= GROUP_HORIZON,
            };
            if is_epic {
                out.epics.push(g);
            } else {
                out.releases.push(g);
            }
        }
        Ok(out)
    }

    /// The open backlog in the order the team pulls it: in-progress items
    /// first, then by rank, never before a blocker.
    pub(crate) fn backlog(&mut self, product: &str, query: Option<&str>) -> Result<Backlog> {
        let q = scoped_query(self, product, "category != done ORDER BY rank", query)?;
        let items = self.tx(|tx| all_lean(tx.store, &q))?;
        self.backlog_of(product, query, items)
    }

    /// The backlog of a pace's product, from the pace's own read when no
    /// query narrows it (the same items, already in rank order).
    fn backlog_after(
        &mut self,
        product: &str,
        query: Option<&str>,
        l: &mut Loaded,
    ) -> Result<Backlog> {
        match query.filter(|q| !q.trim().is_empty()) {
            None if l.history.is_some() => {
                let open = std::mem::take(&mut l.read)
                    .into_iter()
                    .filter(|i| i.category != Category::Done)
                    .collect();
                self.backlog_of(product, None, open)
            }
            _ => self.backlog(product, query),
        }
    }

    /// Put `items` (open, in rank order) in pull order.
    fn backlog_of(
        &mut self,
        product: &str,
        query: Option<&str>,
        items: Vec<Item>,
    ) -> Result<Backlog> {
        // Blockers and parents in products the caller cannot see still
        // count, but are never named.
        let access = self.access().cloned();
        let sees = move |k: &ItemKey| access.as_ref().is_none_or(|a| a.can_see(&k.prefix));
        self.tx(|tx| {
            if items.is_empty() {
                return invalid(format!(
                    "{product} has no open items{} to forecast",
                    query.map(|q| format!(" matching `{q}`")).unwrap_or_default()
                ));
            }
            let index: HashMap<&ItemKey, u32> = items.iter().enumerate().map(|(i, it)| (&it.key, i as u32)).collect();
            let mut edges = Vec::new();
            // Open blockers outside the backlog: (key, kind, state) per
            // blocked item.
            let mut outside: BTreeMap<ItemKey, Vec<(ItemKey, String, String)>> = BTreeMap::new();
            for (src, kind, state, dst) in tx.store.open_blocks()? {
                match (index.get(&src), index.get(&dst)) {
                    (Some(a), Some(b)) => edges.push((*a, *b)),
                    (None, Some(_)) => outside.entry(dst).or_default().push((src, kind, state)),
                    _ => {}
                }
            }
            let g = Graph::new(items.len(), &edges);
            let priority: Vec<u32> = items
                .iter()
                .enumerate()
                .map(|(i, it)| i as u32 + if it.category == Category::InProgress { 0 } else { items.len() as u32 })
                .collect();
            let order = pull_order(&g, &priority).map_err(|c| cycle_error(&c, &items))?;
            let positions: Vec<u32> = {
                let mut p = vec![0u32; items.len()];
                for (pos, i) in order.iter().enumerate() {
                    p[*i as usize] = pos as u32;
                }
                p
            };
            let mut warnings = Vec::new();
            let mut blocked_outside = vec![Vec::new(); items.len()];
            for (blocked, blockers) in &outside {
                let mut open = Vec::new();
                let mut named = Vec::new();
                for (b, kind, state) in blockers {
                    if sees(b) {
                        named.push(format!("{b} ({kind} {state})"));
                        open.push(b.to_string());
                    } else {
                        named.push("an item in another product".to_string());
                        open.push("an item in another product".to_string());
                    }
                }
                if !open.is_empty() {
                    warnings.push(format!(
                        "{blocked} is blocked by {}, outside this backlog; its dates assume that is done in time",
                        named.join(", ")
                    ));
                    let at = positions[index[blocked] as usize] as usize;
                    blocked_outside[at] = open;
                }
            }
            let ordered: Vec<Item> = order.iter().map(|i| items[*i as usize].clone()).collect();
            let mut epics: BTreeMap<ItemKey, Vec<usize>> = BTreeMap::new();
            let mut releases: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            // Every parent's kind and title in one read.
            let mut titles: HashMap<ItemKey, (Kind, String)> = HashMap::new();
            for (k, kind, title) in tx.store.parents_of_product(product)? {
                if let (Ok(k), Some(kind)) = (k.parse::<ItemKey>(), Kind::parse(&kind)) {
                    titles.insert(k, (kind, title));
                }
            }
            for (pos, it) in ordered.iter().enumerate() {
                if let Some(p) = it.parent.as_ref().filter(|p| sees(p))
                    && titles.get(p).is_some_and(|(k, _)| *k == Kind::Epic)
                {
                    epics.entry(p.clone()).or_default().push(pos);
                }
                if let Some(r) = &it.release {
                    releases.entry(r.clone()).or_default().push(pos);
                }
            }
            let edges = edges.iter().map(|(a, b)| (positions[*a as usize], positions[*b as usize])).collect();
            Ok(Backlog {
                items: ordered,
                edges,
                epics,
                releases,
                titles: titles.into_iter().map(|(k, (_, t))| (k, t)).collect(),
                warnings,
                blocked_outside,
            })
        })
    }
}

/// Backlog positions beyond which group dates are not simulated.
pub const GROUP_HORIZON: usize = 5_000;

/// Forecast dates of a release or an epic.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupDates {
    /// Release name or epic key.
    pub name: String,
    /// The epic's title (empty for a release).
    pub title: String,
    pub open_items: usize,
    /// When its first open item is likely to start: the 50 % date of the
    /// item before it in the pull order (the forecast's first day when it
    /// is first).
    pub starts: Option<String>,
    /// Where its open items start and end in the pull order (1-based).
    pub first_position: usize,
    pub last_position: usize,
    pub p50: Option<String>,
    pub p85: Option<String>,
    pub target_date: Option<String>,
    /// Is the 85 % date on or before the target date?
    pub on_track: Option<bool>,
    /// Its last item is past [`GROUP_HORIZON`]: no dates were simulated.
    pub beyond_horizon: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupForecast {
    pub basis: Basis,
    pub open_items: usize,
    pub releases: Vec<GroupDates>,
    pub epics: Vec<GroupDates>,
    pub warnings: Vec<String>,
}

/// The open backlog in pull order.
pub(crate) struct Backlog {
    pub items: Vec<Item>,
    /// Blocks links between positions in `items`.
    pub edges: Vec<(u32, u32)>,
    pub epics: BTreeMap<ItemKey, Vec<usize>>,
    pub releases: BTreeMap<String, Vec<usize>>,
    pub titles: HashMap<ItemKey, String>,
    pub warnings: Vec<String>,
    /// Per position: open items outside the backlog that block it (their
    /// keys, or a stand-in for items the caller cannot see).
    pub blocked_outside: Vec<Vec<String>>,
}

/// The query for a release's items.
pub(crate) fn release_query(name: &str) -> String {
    format!("release = \"{}\"", name.replace('"', "\\\""))
}

pub(crate) fn cycle_error(c: &Cycles, items: &[Item]) -> AppError {
    let shown: Vec<String> =
        c.0.iter()
            .take(3)
            .map(|cy| {
                cy.iter()
                    .map(|i| items[*i as usize].key.to_string())
                    .collect::<Vec<_>>()
                    .join(" blocks ")
            })
            .collect();
    let first = c.0.first().and_then(|cy| {
        Some((
            items[*cy.first()? as usize].key.clone(),
            items[*cy.get(1)? as usize].key.clone(),
        ))
    });
    AppError::Invalid(format!(
        "the backlog depends on {} of blocks links, so no order can respect them: {}; break one, e.g. `cairn unlink {}`",
        if c.0.len() == 1 {
            "a cycle".to_string()
        } else {
            format!("{} cycles", c.0.len())
        },
        shown.join("; "),
        first
            .map(|(a, b)| format!("{a} blocks {b}"))
            .unwrap_or_default()
    ))
}

fn level_index(level: u8) -> usize {
    LEVELS.iter().position(|l| *l == level).unwrap_or(0)
}

/// The date each period of a forecast ends on.
struct Periods {
    weekly: bool,
    start: NaiveDate,
    /// Working days from the start, for daily forecasts.
    days: Vec<NaiveDate>,
}

impl Periods {
    fn new(l: &Loaded, start: NaiveDate, max: u32) -> Periods {
        Periods {
            weekly: l.weekly,
            start,
            days: if l.weekly {
                Vec::new()
            } else {
                l.cal.working_days_from(start, max as usize)
            },
        }
    }

    /// The date period `p` (1-based) ends on.
    fn date(&self, p: u32) -> NaiveDate {
        if self.weekly {
            // Week p ends the day before the (p + 1)th week starts.
            (self.start + Days::new(7 * u64::from(p)))
                .pred_opt()
                .unwrap_or(self.start)
        } else {
            let i = (p.max(1) as usize - 1).min(self.days.len().saturating_sub(1));
            self.days.get(i).copied().unwrap_or(self.start)
        }
    }

    fn level(&self, e: &Estimate, beyond: bool) -> LevelOut {
        LevelOut {
            level: e.level,
            periods: e.value,
            date: fmt_date(self.date(e.value)),
            items: None,
            error: e.error(),
            beyond,
        }
    }
}
