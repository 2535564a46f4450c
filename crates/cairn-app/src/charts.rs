//! SVG charts of forecast and flow reports (cairn-report draws them); the
//! CLI writes them to files, the web app inlines them.

use crate::forecast::{CutLineReport, FlowReport, HowManyReport, LevelOut, WhenReport};
use cairn_core::calendar::parse_date;
use cairn_report as chart;
use chrono::NaiveDate;

fn dates(v: &[(String, u32)]) -> Vec<(NaiveDate, u32)> {
    v.iter()
        .filter_map(|(d, n)| Some((parse_date(d)?, *n)))
        .collect()
}

pub fn throughput_chart(r: &FlowReport) -> String {
    chart::throughput_run_chart(
        &format!(
            "{} throughput per working day, {} to {}",
            r.product, r.from, r.to
        ),
        &dates(&r.throughput),
        Some(r.mean_per_day),
    )
}

pub fn cfd_chart(r: &FlowReport) -> String {
    let days: Vec<NaiveDate> = r.cfd.iter().filter_map(|c| parse_date(&c.0)).collect();
    let band = |name: &str, f: fn(&(String, u32, u32, u32)) -> u32| chart::Band {
        name: name.into(),
        counts: r.cfd.iter().map(f).collect(),
    };
    chart::cumulative_flow(
        &format!("{} cumulative flow, {} to {}", r.product, r.from, r.to),
        &days,
        &[
            band("done", |c| c.3),
            band("in progress", |c| c.2),
            band("to do", |c| c.1),
        ],
    )
}

pub fn cycle_chart(r: &FlowReport) -> String {
    let points: Vec<chart::CycleTimePoint> = r
        .cycle_times
        .iter()
        .filter_map(|(k, d, n)| {
            Some(chart::CycleTimePoint {
                resolved: parse_date(d)?,
                days: *n,
                key: k.clone(),
            })
        })
        .collect();
    let ps: Vec<(u8, f64)> = r
        .cycle_percentiles
        .iter()
        .map(|(l, v)| (*l, f64::from(*v)))
        .collect();
    chart::cycle_time_scatter(
        &format!("{} cycle time, {} to {}", r.product, r.from, r.to),
        &points,
        &ps,
    )
}

fn markers<T: PartialEq>(
    levels: &[LevelOut],
    bars: &[T],
    at: impl Fn(&LevelOut) -> T,
) -> Vec<(String, usize)> {
    levels
        .iter()
        .filter_map(|l| {
            let x = at(l);
            bars.iter()
                .position(|b| *b == x)
                .map(|i| (format!("{}%", l.level), i))
        })
        .collect()
}

pub fn when_chart(r: &WhenReport) -> String {
    let keys: Vec<u32> = r.histogram.iter().map(|h| h.0).collect();
    chart::histogram(&chart::Histogram {
        title: format!("When will {} be done? ({} trials)", r.scope, r.basis.trials),
        x_label: "completion date".into(),
        y_label: "trials".into(),
        bars: r
            .histogram
            .iter()
            .map(|(_, n, d)| (d.clone(), *n))
            .collect(),
        markers: r
            .scenarios
            .first()
            .map(|s| markers(&s.levels, &keys, |l| l.periods))
            .unwrap_or_default(),
    })
}

pub fn how_many_chart(r: &HowManyReport) -> String {
    let keys: Vec<u32> = r.histogram.iter().map(|h| h.0).collect();
    chart::histogram(&chart::Histogram {
        title: format!("Items done by {} ({} trials)", r.date, r.basis.trials),
        x_label: "items done".into(),
        y_label: "trials".into(),
        bars: r
            .histogram
            .iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect(),
        markers: r
            .scenarios
            .first()
            .map(|s| markers(&s.levels, &keys, |l| l.items.unwrap_or(0)))
            .unwrap_or_default(),
    })
}

pub fn burn_up_chart(r: &CutLineReport) -> String {
    let target = parse_date(&r.target);
    chart::burn_up(&chart::BurnUp {
        title: format!("{} burn-up with forecast to {}", r.basis.product, r.target),
        history: r
            .burn_history
            .iter()
            .filter_map(|(d, done, total)| Some((parse_date(d)?, *done, *total)))
            .collect(),
        cone: r
            .cone
            .iter()
            .filter_map(|(d, lo, mid, hi)| {
                let date = parse_date(d)?;
                // Stop the cone a little past the target so the chart stays readable.
                if target.is_some_and(|t| date > t + chrono::Days::new(28)) {
                    return None;
                }
                Some(chart::ConePoint {
                    date,
                    low: f64::from(*lo),
                    mid: f64::from(*mid),
                    high: f64::from(*hi),
                })
            })
            .collect(),
        target,
    })
}
