//! Scales, ticks and axes, written once for every chart: "nice" count ticks (1, 2 or 5 × 10ⁿ),
//! calendar-aligned date ticks, and the drawing of the y axis (with grid) and the x axis.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::frame::{Plot, colour, text_width};
use crate::svg::{El, label_num};

/// Gap kept between neighbouring x tick labels.
const LABEL_GAP: f64 = 8.0;
/// Room one date label needs on a time axis ("Mar 2024" plus a gap).
const DATE_LABEL_ROOM: f64 = 80.0;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A linear map from a value domain to a pixel range; a zero-width domain maps to the middle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Linear {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Linear {
    pub(crate) fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        Self { d0, d1, r0, r1 }
    }

    pub(crate) fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 || !span.is_finite() || !v.is_finite() {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// Evenly spaced slots, one per category (a bar per day or per histogram bin).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandScale {
    n: usize,
    r0: f64,
    r1: f64,
}

impl BandScale {
    pub(crate) fn new(n: usize, r0: f64, r1: f64) -> Self {
        Self {
            n: n.max(1),
            r0,
            r1,
        }
    }

    pub(crate) fn width(&self) -> f64 {
        (self.r1 - self.r0) / self.n as f64
    }

    pub(crate) fn center(&self, i: usize) -> f64 {
        self.r0 + (i as f64 + 0.5) * self.width()
    }

    /// Width of a bar: 80% of the slot, at least a hairline.
    pub(crate) fn bar_width(&self) -> f64 {
        (self.width() * 0.8).max(0.5)
    }
}

/// A time scale over whole days; a single-day domain maps to the middle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeScale {
    start: NaiveDate,
    end: NaiveDate,
    days: Linear,
}

impl TimeScale {
    pub(crate) fn new(start: NaiveDate, end: NaiveDate, r0: f64, r1: f64) -> Self {
        let span = (end - start).num_days() as f64;
        Self {
            start,
            end,
            days: Linear::new(0.0, span, r0, r1),
        }
    }

    pub(crate) fn map(&self, date: NaiveDate) -> f64 {
        self.days.map((date - self.start).num_days() as f64)
    }

    /// Calendar-aligned ticks that fit the plot width, positioned in pixels.
    pub(crate) fn ticks(&self, plot: &Plot) -> Vec<(f64, String)> {
        date_ticks(self.start, self.end, max_date_ticks(plot), true)
            .into_iter()
            .map(|(date, label)| (self.map(date), label))
            .collect()
    }
}

/// The y ticks of a count axis: from 0 to a nice maximum at or above the data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    pub(crate) values: Vec<f64>,
    pub(crate) max: f64,
}

/// Nice ticks for counts from 0 to `max` (about five steps of 1, 2 or 5 × 10ⁿ, at least 1 apart).
/// A maximum of 0 (or anything not finite or negative) gives the axis 0..1.
pub(crate) fn count_ticks(max: f64) -> Ticks {
    if !max.is_finite() || max <= 0.0 {
        return Ticks {
            values: vec![0.0, 1.0],
            max: 1.0,
        };
    }
    let step = nice_step(max / 5.0).max(1.0);
    let top = ((max / step).ceil() * step).max(step);
    let count = (top / step).round() as usize;
    let values = (0..=count.min(50)).map(|i| i as f64 * step).collect();
    Ticks { values, max: top }
}

fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let normalised = raw / magnitude;
    let nice = if normalised <= 1.0 {
        1.0
    } else if normalised <= 2.0 {
        2.0
    } else if normalised <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A count as a tick label: plain below 10 000, then k, M, G.
pub(crate) fn count_label(v: f64) -> String {
    let abs = v.abs();
    if abs < 10_000.0 {
        label_num(v)
    } else if abs < 1e6 {
        format!("{}k", label_num(v / 1e3))
    } else if abs < 1e9 {
        format!("{}M", label_num(v / 1e6))
    } else {
        format!("{}G", label_num(v / 1e9))
    }
}

/// How many date labels fit along the plot.
pub(crate) fn max_date_ticks(plot: &Plot) -> usize {
    ((plot.width() / DATE_LABEL_ROOM).floor() as usize).max(2)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Days(u64),
    Weeks(u64),
    Months(u32),
    Years(i32),
}

impl Step {
    fn approx_days(self) -> f64 {
        match self {
            Step::Days(n) => n as f64,
            Step::Weeks(n) => 7.0 * n as f64,
            Step::Months(n) => 30.44 * f64::from(n),
            Step::Years(n) => 365.25 * f64::from(n),
        }
    }
}

/// Calendar-aligned date ticks between `start` and `end` (inclusive), at most `max_ticks` of them:
/// every day or every other day (when `allow_days`), Mondays weekly or fortnightly, month starts
/// every 1, 3 or 6 months, or January 1sts every 1, 2, 5, 10, … years. Never empty.
pub(crate) fn date_ticks(
    start: NaiveDate,
    end: NaiveDate,
    max_ticks: usize,
    allow_days: bool,
) -> Vec<(NaiveDate, String)> {
    let (start, end) = if start <= end {
        (start, end)
    } else {
        (end, start)
    };
    let span = (end - start).num_days() as f64;
    let step = choose_step(span, max_ticks.max(1), allow_days);
    let mut ticks = Vec::new();
    let mut next = first_tick(start, step);
    while let Some(date) = next {
        if date > end || ticks.len() > max_ticks {
            break;
        }
        ticks.push((date, date_label(date, step)));
        next = advance(date, step);
    }
    if ticks.is_empty() {
        ticks.push((start, date_label(start, Step::Days(1))));
    }
    ticks
}

fn choose_step(span: f64, max_ticks: usize, allow_days: bool) -> Step {
    let mut candidates = Vec::new();
    if allow_days {
        candidates.extend([Step::Days(1), Step::Days(2)]);
    }
    candidates.extend([
        Step::Weeks(1),
        Step::Weeks(2),
        Step::Months(1),
        Step::Months(3),
        Step::Months(6),
    ]);
    let mut years = 1;
    while years <= 100_000 {
        candidates.extend([
            Step::Years(years),
            Step::Years(years * 2),
            Step::Years(years * 5),
        ]);
        years *= 10;
    }
    candidates
        .iter()
        .copied()
        .find(|step| span / step.approx_days() + 1.0 <= max_ticks as f64)
        .unwrap_or(Step::Years(1_000_000))
}

fn first_tick(start: NaiveDate, step: Step) -> Option<NaiveDate> {
    match step {
        Step::Days(_) => Some(start),
        Step::Weeks(_) => {
            let ahead = (7 - start.weekday().num_days_from_monday()) % 7;
            start.checked_add_days(Days::new(u64::from(ahead)))
        }
        Step::Months(n) => {
            let mut date = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)?;
            if date < start {
                date = date.checked_add_months(Months::new(1))?;
            }
            while date.month0() % n != 0 {
                date = date.checked_add_months(Months::new(1))?;
            }
            Some(date)
        }
        Step::Years(n) => {
            let mut year = start.year();
            if start.ordinal() > 1 {
                year = year.checked_add(1)?;
            }
            let rem = year.rem_euclid(n);
            if rem != 0 {
                year = year.checked_add(n - rem)?;
            }
            NaiveDate::from_ymd_opt(year, 1, 1)
        }
    }
}

fn advance(date: NaiveDate, step: Step) -> Option<NaiveDate> {
    match step {
        Step::Days(n) => date.checked_add_days(Days::new(n)),
        Step::Weeks(n) => date.checked_add_days(Days::new(7 * n)),
        Step::Months(n) => date.checked_add_months(Months::new(n)),
        Step::Years(n) => NaiveDate::from_ymd_opt(date.year().checked_add(n)?, 1, 1),
    }
}

fn date_label(date: NaiveDate, step: Step) -> String {
    let month = MONTHS[date.month0() as usize % 12];
    match step {
        Step::Days(_) | Step::Weeks(_) => format!("{month} {}", date.day()),
        Step::Months(_) => format!("{month} {}", date.year()),
        Step::Years(_) => date.year().to_string(),
    }
}

/// A short day label ("Mar 4"), as used for one label per day.
pub(crate) fn day_label(date: NaiveDate) -> String {
    date_label(date, Step::Days(1))
}

/// Tick labels for one slot per date: every date when they all fit, else the first slot on or
/// after each calendar tick (weekly, monthly, …).
pub(crate) fn band_date_ticks(
    dates: &[NaiveDate],
    band: &BandScale,
    plot: &Plot,
) -> Vec<(f64, String)> {
    let room = text_width("Mar 30", 12.0) + LABEL_GAP;
    if band.width() >= room {
        return dates
            .iter()
            .enumerate()
            .map(|(i, d)| (band.center(i), day_label(*d)))
            .collect();
    }
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Vec::new();
    };
    let ticks = date_ticks(*first, *last, max_date_ticks(plot), false);
    let mut out = Vec::new();
    let mut k = 0;
    for (i, date) in dates.iter().enumerate() {
        if k < ticks.len() && *date >= ticks[k].0 {
            out.push((band.center(i), ticks[k].1.clone()));
            while k < ticks.len() && *date >= ticks[k].0 {
                k += 1;
            }
        }
    }
    out
}

/// The years a date range covers, for axis titles: "2024" or "2024–2025".
pub(crate) fn year_span(start: NaiveDate, end: NaiveDate) -> String {
    let (a, b) = (start.year().min(end.year()), start.year().max(end.year()));
    if a == b {
        a.to_string()
    } else {
        format!("{a}–{b}")
    }
}

/// Draws horizontal grid lines, count labels and the rotated axis title. Call before the data,
/// so the data is drawn over the grid.
pub(crate) fn y_axis(plot: &Plot, scale: &Linear, ticks: &Ticks, title: &str) -> El {
    let mut grid = El::new("g")
        .attr("stroke", colour::GRID)
        .attr("stroke-width", 1);
    let mut labels = El::new("g")
        .attr("fill", colour::MUTED)
        .attr("text-anchor", "end");
    for v in &ticks.values {
        let y = scale.map(*v);
        grid.push(
            El::new("line")
                .attr("x1", plot.left)
                .attr("y1", y)
                .attr("x2", plot.right)
                .attr("y2", y),
        );
        labels.push(
            El::new("text")
                .attr("x", plot.left - 6.0)
                .attr("y", y + 4.0)
                .text(count_label(*v)),
        );
    }
    let mid = (plot.top + plot.bottom) / 2.0;
    El::new("g").child(grid).child(labels).child(
        El::new("text")
            .attr("x", 16)
            .attr("y", mid)
            .attr(
                "transform",
                format!("rotate(-90 16 {})", crate::svg::num(mid)),
            )
            .attr("text-anchor", "middle")
            .attr("fill", colour::TEXT)
            .text(title),
    )
}

/// Draws the x axis line, tick marks and labels (dropping any that would overlap the previous
/// one) and the axis title. Call after the data, so the axis line sits on top.
pub(crate) fn x_axis(plot: &Plot, ticks: &[(f64, String)], title: &str) -> El {
    let mut marks = El::new("g")
        .attr("stroke", colour::AXIS)
        .attr("stroke-width", 1);
    marks.push(
        El::new("line")
            .attr("x1", plot.left)
            .attr("y1", plot.bottom)
            .attr("x2", plot.right)
            .attr("y2", plot.bottom),
    );
    let mut labels = El::new("g")
        .attr("fill", colour::MUTED)
        .attr("text-anchor", "middle");
    let mut last_right = f64::NEG_INFINITY;
    for (x, label) in ticks {
        let half = text_width(label, 12.0) / 2.0;
        // Skip a label that would overlap the previous one or stick out past the plot's right.
        if x - half < last_right + LABEL_GAP || x + half > plot.right + LABEL_GAP {
            continue;
        }
        last_right = x + half;
        marks.push(
            El::new("line")
                .attr("x1", *x)
                .attr("y1", plot.bottom)
                .attr("x2", *x)
                .attr("y2", plot.bottom + 4.0),
        );
        labels.push(
            El::new("text")
                .attr("x", *x)
                .attr("y", plot.bottom + 18.0)
                .text(label.as_str()),
        );
    }
    El::new("g").child(marks).child(labels).child(
        El::new("text")
            .attr("x", (plot.left + plot.right) / 2.0)
            .attr("y", plot.bottom + 40.0)
            .attr("text-anchor", "middle")
            .attr("fill", colour::TEXT)
            .text(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn count_ticks_are_nice() {
        assert_eq!(count_ticks(0.0).values, vec![0.0, 1.0]);
        assert_eq!(count_ticks(f64::NAN).max, 1.0);
        assert_eq!(count_ticks(3.0).values, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(count_ticks(7.0).values, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(count_ticks(14.0).values, vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(count_ticks(100.0).max, 100.0);
        assert_eq!(count_ticks(101.0).max, 150.0);
        assert_eq!(count_ticks(0.4).values, vec![0.0, 1.0]);
        let big = count_ticks(f64::from(u32::MAX));
        assert!(big.values.len() <= 7);
        assert!(big.max >= f64::from(u32::MAX));
    }

    #[test]
    fn count_labels_are_compact() {
        assert_eq!(count_label(9000.0), "9000");
        assert_eq!(count_label(15000.0), "15k");
        assert_eq!(count_label(2_500_000.0), "2.5M");
        assert_eq!(count_label(4e9), "4G");
    }

    #[test]
    fn short_ranges_tick_daily() {
        let ticks = date_ticks(d(2024, 3, 4), d(2024, 3, 8), 9, true);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["Mar 4", "Mar 5", "Mar 6", "Mar 7", "Mar 8"]);
    }

    #[test]
    fn weeks_tick_on_mondays() {
        let ticks = date_ticks(d(2024, 3, 1), d(2024, 4, 10), 9, true);
        assert!(ticks.iter().all(|(date, _)| date.weekday() == Weekday::Mon));
        assert_eq!(ticks[0].1, "Mar 4");
    }

    #[test]
    fn long_ranges_tick_on_month_or_year_starts() {
        let months = date_ticks(d(2024, 1, 15), d(2024, 9, 1), 9, true);
        assert_eq!(months[0].1, "Feb 2024");
        assert!(months.len() <= 9);
        let years = date_ticks(d(2000, 6, 1), d(2030, 1, 1), 9, true);
        let labels: Vec<&str> = years.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["2005", "2010", "2015", "2020", "2025", "2030"]);
        let huge = date_ticks(NaiveDate::MIN, NaiveDate::MAX, 9, true);
        assert!(!huge.is_empty() && huge.len() <= 10);
    }

    #[test]
    fn a_single_day_still_gets_a_tick() {
        assert_eq!(
            date_ticks(d(2024, 3, 6), d(2024, 3, 6), 9, false),
            vec![(d(2024, 3, 6), "Mar 6".to_owned())]
        );
    }

    #[test]
    fn degenerate_scales_map_to_the_middle() {
        assert_eq!(Linear::new(1.0, 1.0, 0.0, 10.0).map(1.0), 5.0);
        let t = TimeScale::new(d(2024, 1, 1), d(2024, 1, 1), 0.0, 10.0);
        assert_eq!(t.map(d(2024, 1, 1)), 5.0);
    }

    #[test]
    fn year_span_uses_an_en_dash() {
        assert_eq!(year_span(d(2024, 1, 1), d(2024, 5, 1)), "2024");
        assert_eq!(year_span(d(2024, 12, 1), d(2025, 1, 5)), "2024–2025");
    }
}
