//! SVG charts for Cairn's CLI, web app and stakeholder reports.
//!
//! Every chart is a pure function from plain values to a standalone SVG 1.1 document: no IO,
//! no clock, no randomness, and the same input always gives byte-identical output (numbers
//! have at most two decimals and never read `-0`, `NaN` or `inf`). The SVG is hand-written
//! through a small element builder, so there is no chart library underneath.
//!
//! Every chart is 800 × 400, has a `<title>` and a `<desc>` that describes the data in words
//! for screen readers, uses the Okabe–Ito colour-blind-safe palette on a white background,
//! and draws a legend when it shows more than one series. Empty input gives a valid chart
//! that says "No data"; degenerate input (all zeros, one day, one bar) never panics.
//!
//! | chart | function |
//! |---|---|
//! | daily throughput run chart | [`throughput_run_chart`] |
//! | cumulative flow diagram | [`cumulative_flow`] |
//! | cycle-time scatter with percentile lines | [`cycle_time_scatter`] |
//! | forecast histogram with markers | [`histogram`] |
//! | burn-up with a forecast cone | [`burn_up`] |
//! | risk heat map, likelihood by impact | [`risk_heat_map`] |
//! | roadmap timeline with release targets (grows with its rows) | [`timeline`] |
//!
//! Reports are [`doc::Doc`]s rendered to self-contained HTML or Markdown.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod axis;
mod burnup;
pub mod doc;
mod flow;
mod frame;
mod heatmap;
mod histogram;
mod scatter;
mod svg;
mod throughput;
mod timeline;

pub use burnup::{BurnUp, ConePoint, burn_up};
pub use flow::{Band, cumulative_flow};
pub use frame::{HEIGHT, WIDTH};
pub use heatmap::{HeatRisk, risk_heat_map};
pub use histogram::{Histogram, histogram};
pub use scatter::{CycleTimePoint, cycle_time_scatter};
pub use throughput::throughput_run_chart;
pub use timeline::{Marker, TimelineRow, timeline};

/// "day" or "days" for a number of days, and the number as people read it ("9 days", "1 day").
pub(crate) fn days_text(v: f64) -> String {
    let n = svg::label_num(v);
    if n == "1" {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// A finite, non-negative value, or `None`.
pub(crate) fn clean(v: f64) -> Option<f64> {
    v.is_finite().then_some(v.max(0.0))
}
