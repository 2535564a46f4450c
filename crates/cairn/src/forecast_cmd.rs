//! `cairn forecast` and `cairn plan`: flags to requests, reports to output
//! and charts.

use crate::cli::{
    Cli, FlowChart, ForecastCmd, ForecastOpts, PlanCmd, PlanUnit, SprintArgs, WhenArgs,
};
use crate::{Failure, forecast_out, open, usage};
use cairn_app::forecast::{ForecastRequest, PaceRequest, WhenScope};
use cairn_app::plan::{CriticalPathRequest, SprintRequest, Unit};
use chrono::NaiveDate;
use std::io::Write;
use std::path::Path;

fn date(flag: &str, s: &str) -> Result<NaiveDate, Failure> {
    cairn_core::calendar::parse_date(s).ok_or_else(|| {
        usage(format!(
            "{flag} `{s}` is not a date; write YYYY-MM-DD, e.g. 2026-12-31"
        ))
    })
}

fn number(flag: &str, s: &str) -> Result<f64, Failure> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| usage(format!("{flag}: `{s}` is not a number")))
}

/// `LOW,HIGH` or `LOW,LIKELY,HIGH`.
fn throughput(s: &str) -> Result<(f64, Option<f64>, f64), Failure> {
    cairn_app::forecast::parse_throughput(s).map_err(|m| usage(format!("--throughput `{s}`: {m}")))
}

/// `LOW-HIGH` (or a single value).
fn range(flag: &str, s: &str) -> Result<(f64, f64), Failure> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    Ok((number(flag, a)?, number(flag, b)?))
}

fn request(o: &ForecastOpts, query: Option<&str>) -> Result<ForecastRequest, Failure> {
    Ok(ForecastRequest {
        product: o.product.clone(),
        query: query.filter(|q| !q.trim().is_empty()).map(str::to_string),
        pace: PaceRequest {
            window: o.window,
            estimate: o.throughput.as_deref().map(throughput).transpose()?,
        },
        start: o.start.as_deref().map(|s| date("--start", s)).transpose()?,
        trials: o.trials,
        seed: o.seed.unwrap_or_else(rand::random),
        what_if: o.what_if.clone(),
    })
}

fn write_chart(path: &Path, svg: &str) -> Result<(), Failure> {
    std::fs::write(path, svg).map_err(|e| Failure {
        code: 3,
        message: format!("cannot write the chart to {}: {e}", path.display()),
    })
}

fn when_scope(a: &WhenArgs) -> Result<WhenScope, Failure> {
    if let Some(n) = a.count {
        return Ok(WhenScope::Count(n));
    }
    if let Some(r) = &a.release {
        return Ok(WhenScope::Release(r.clone()));
    }
    if let Some(s) = &a.stories {
        let (lo, hi) = range("--stories", s)?;
        let (slo, shi) = match &a.split {
            Some(x) => range("--split", x)?,
            None => (1.0, 1.0),
        };
        let whole = |x: f64| x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX);
        if !whole(lo) || !whole(hi) {
            return Err(usage(format!(
                "--stories `{s}`: give whole numbers LOW-HIGH, e.g. 20-25"
            )));
        }
        return Ok(WhenScope::Range {
            low: lo as u32,
            high: hi as u32,
            split_low: slo,
            split_high: shi,
        });
    }
    if a.query.trim().is_empty() {
        return Err(usage(
            "say what to forecast: a query ('release = \"2.0\"'), --count N, --release NAME or --stories LOW-HIGH",
        ));
    }
    Ok(WhenScope::Query(a.query.clone()))
}

pub fn forecast(cli: &Cli, cmd: &ForecastCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut app = open(cli, false)?;
    match cmd {
        ForecastCmd::History(a) => {
            let q = Some(a.query.as_str()).filter(|q| !q.trim().is_empty());
            let r = app.flow(a.product.as_deref(), q, a.window)?;
            if let Some(path) = &a.chart {
                let svg = match a.chart_type {
                    FlowChart::Throughput => forecast_out::throughput_chart(&r),
                    FlowChart::Cfd => forecast_out::cfd_chart(&r),
                    FlowChart::CycleTime => forecast_out::cycle_chart(&r),
                };
                write_chart(path, &svg)?;
            }
            forecast_out::flow(o, fmt, &r);
        }
        ForecastCmd::When(a) => {
            let scope = when_scope(a)?;
            let r = app.forecast_when(&scope, &request(&a.opts, None)?)?;
            if let Some(path) = &a.opts.chart {
                write_chart(path, &forecast_out::when_chart(&r))?;
            }
            forecast_out::when(o, fmt, &r);
        }
        ForecastCmd::HowMany(a) => {
            let d = date("the date", &a.date)?;
            let r = app.forecast_how_many(d, &request(&a.opts, None)?)?;
            if let Some(path) = &a.opts.chart {
                write_chart(path, &forecast_out::how_many_chart(&r))?;
            }
            forecast_out::how_many(o, fmt, &r);
        }
        ForecastCmd::CutLine(a) => {
            let d = date("--by", &a.by)?;
            let r = app.forecast_cut_line(d, &request(&a.opts, Some(&a.query))?)?;
            if let Some(path) = &a.opts.chart {
                write_chart(path, &forecast_out::burn_up_chart(&r))?;
            }
            forecast_out::cut_line(o, fmt, &r, a.limit);
        }
    }
    Ok(0)
}

fn sprint_request(a: &SprintArgs, release: Option<&str>) -> Result<SprintRequest, Failure> {
    let mut overrides = Vec::new();
    for s in &a.overrides {
        let bad = || {
            usage(format!(
                "--override `{s}`: write SPRINT=CAPACITY, e.g. 3=12"
            ))
        };
        let (n, c) = s.split_once('=').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        overrides.push((n, number("--override", c)?));
    }
    Ok(SprintRequest {
        product: a.product.clone(),
        query: Some(a.query.clone()).filter(|q| !q.trim().is_empty()),
        release: release.map(str::to_string),
        capacity: a.capacity,
        unit: match a.unit {
            PlanUnit::Points => Unit::Points,
            PlanUnit::Items => Unit::Items,
        },
        sprints: a.sprints,
        length: a.length,
        start: a.start.as_deref().map(|s| date("--start", s)).transpose()?,
        overrides,
    })
}

pub fn plan(cli: &Cli, cmd: &PlanCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut app = open(cli, false)?;
    match cmd {
        PlanCmd::Sprints(a) => {
            let r = app.plan_sprints(&sprint_request(a, None)?)?;
            forecast_out::sprints(o, fmt, &r);
        }
        PlanCmd::Release { name, sprint } => {
            let r = app.plan_sprints(&sprint_request(sprint, Some(name))?)?;
            forecast_out::sprints(o, fmt, &r);
            // A release that does not fit is a finding, like a failed gate.
            if r.fits == Some(false) {
                return Ok(1);
            }
        }
        PlanCmd::CriticalPath {
            query,
            product,
            default_estimate,
        } => {
            let r = app.plan_critical_path(&CriticalPathRequest {
                product: product.clone(),
                query: Some(query.clone()).filter(|q| !q.trim().is_empty()),
                default_estimate: *default_estimate,
            })?;
            forecast_out::critical_path(o, fmt, &r);
        }
    }
    Ok(0)
}
