//! The burn-up chart with a forecast cone.

use chrono::NaiveDate;

use crate::axis::{self, Linear, TimeScale};
use crate::frame::{Frame, LegendItem, Swatch, boxed_label, colour, no_data, text_width};
use crate::svg::{El, label_num, path_data};

/// One forecast date: the low, most likely (mid) and high count of items done by then.
#[derive(Debug, Clone, PartialEq)]
pub struct ConePoint {
    pub date: NaiveDate,
    pub low: f64,
    pub mid: f64,
    pub high: f64,
}

/// A burn-up: history of (date, cumulative done, total scope), a forecast cone, a target date.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnUp {
    pub title: String,
    pub history: Vec<(NaiveDate, u32, u32)>,
    pub cone: Vec<ConePoint>,
    pub target: Option<NaiveDate>,
}

const SCOPE_DASH: &str = "8 3 2 3";
const MID_DASH: &str = "6 4";
const TARGET_DASH: &str = "3 3";

/// Burn-up: history lines of cumulative done (2nd tuple field) and total scope (3rd) per date;
/// from the last history date a forecast cone (shaded area between low and high, a dashed line
/// for mid) of future done counts; an optional vertical target-date line labelled
/// "target YYYY-MM-DD".
///
/// History and cone are expected in date order. The cone starts at the last done count (when
/// its first point is later than the last history date); cone points with a NaN or infinite
/// value are left out and negative values are drawn at 0. "No data" only when there is neither
/// history nor cone.
pub fn burn_up(b: &BurnUp) -> String {
    let cone: Vec<ConePoint> = b
        .cone
        .iter()
        .filter_map(|p| {
            Some(ConePoint {
                date: p.date,
                low: crate::clean(p.low)?,
                mid: crate::clean(p.mid)?,
                high: crate::clean(p.high)?,
            })
        })
        .collect();
    let dates = b
        .history
        .iter()
        .map(|h| h.0)
        .chain(cone.iter().map(|p| p.date))
        .chain(b.target);
    let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else {
        return no_data(&b.title);
    };
    if b.history.is_empty() && cone.is_empty() {
        return no_data(&b.title);
    }

    // The cone, anchored at the last history point.
    let mut band: Vec<ConePoint> = Vec::with_capacity(cone.len() + 1);
    if let (Some((date, done, _)), Some(head)) = (b.history.last(), cone.first()) {
        if head.date > *date {
            let done = f64::from(*done);
            band.push(ConePoint {
                date: *date,
                low: done,
                mid: done,
                high: done,
            });
        }
    }
    band.extend(cone.iter().cloned());

    let desc = describe(b, &cone);
    let mut legend = Vec::new();
    if !b.history.is_empty() {
        legend.push(LegendItem::new("done", Swatch::Line(colour::BLUE, None)));
        legend.push(LegendItem::new(
            "scope",
            Swatch::Line(colour::BLACK, Some(SCOPE_DASH)),
        ));
    }
    if !cone.is_empty() {
        legend.push(LegendItem::new(
            "forecast range",
            Swatch::Fill(colour::ORANGE, 0.35),
        ));
        legend.push(LegendItem::new(
            "forecast, most likely",
            Swatch::Line(colour::VERMILLION, Some(MID_DASH)),
        ));
    }
    if b.target.is_some() {
        legend.push(LegendItem::new(
            "target",
            Swatch::Line(colour::PURPLE, Some(TARGET_DASH)),
        ));
    }

    let mut frame = Frame::new(&b.title, &desc, &legend);
    let plot = frame.plot;
    let top = b
        .history
        .iter()
        .map(|h| f64::from(h.1.max(h.2)))
        .chain(cone.iter().map(|p| p.low.max(p.mid).max(p.high)))
        .fold(0.0, f64::max);
    let ticks = axis::count_ticks(top);
    let y = Linear::new(0.0, ticks.max, plot.bottom, plot.top);
    frame.push(axis::y_axis(&plot, &y, &ticks, "items"));
    let x = TimeScale::new(first, last, plot.left, plot.right);

    if !band.is_empty() {
        let mut outline: Vec<(f64, f64)> = band
            .iter()
            .map(|p| (x.map(p.date), y.map(p.high)))
            .collect();
        outline.extend(band.iter().rev().map(|p| (x.map(p.date), y.map(p.low))));
        let mid: Vec<(f64, f64)> = band.iter().map(|p| (x.map(p.date), y.map(p.mid))).collect();
        frame.push(
            El::new("g")
                .child(
                    El::new("path")
                        .attr("d", path_data(&outline, true))
                        .attr("fill", colour::ORANGE)
                        .attr("fill-opacity", 0.35)
                        .attr("stroke", colour::ORANGE),
                )
                .child(
                    El::new("path")
                        .attr("d", path_data(&mid, false))
                        .attr("fill", "none")
                        .attr("stroke", colour::VERMILLION)
                        .attr("stroke-width", 2)
                        .attr("stroke-dasharray", MID_DASH),
                ),
        );
    }

    if let Some((date, done, _)) = b.history.last() {
        let scope: Vec<(f64, f64)> = b
            .history
            .iter()
            .map(|h| (x.map(h.0), y.map(f64::from(h.2))))
            .collect();
        let done_line: Vec<(f64, f64)> = b
            .history
            .iter()
            .map(|h| (x.map(h.0), y.map(f64::from(h.1))))
            .collect();
        frame.push(
            El::new("g")
                .attr("fill", "none")
                .child(
                    El::new("path")
                        .attr("d", path_data(&scope, false))
                        .attr("stroke", colour::BLACK)
                        .attr("stroke-width", 1.5)
                        .attr("stroke-dasharray", SCOPE_DASH),
                )
                .child(
                    El::new("path")
                        .attr("d", path_data(&done_line, false))
                        .attr("stroke", colour::BLUE)
                        .attr("stroke-width", 2.5),
                )
                .child(
                    El::new("circle")
                        .attr("cx", x.map(*date))
                        .attr("cy", y.map(f64::from(*done)))
                        .attr("r", 3.5)
                        .attr("fill", colour::BLUE)
                        .child(El::new("title").text(format!("{date}: {done} done"))),
                ),
        );
    }

    if let Some(target) = b.target {
        let tx = x.map(target);
        let label = format!("target {target}");
        let right_side = tx + 4.0 + text_width(&label, 12.0) <= plot.right;
        frame.push(
            El::new("g")
                .child(
                    El::new("line")
                        .attr("x1", tx)
                        .attr("y1", plot.top)
                        .attr("x2", tx)
                        .attr("y2", plot.bottom)
                        .attr("stroke", colour::PURPLE)
                        .attr("stroke-width", 2)
                        .attr("stroke-dasharray", TARGET_DASH),
                )
                .child(boxed_label(
                    if right_side { tx + 4.0 } else { tx - 4.0 },
                    plot.top + 12.0,
                    !right_side,
                    &label,
                    colour::TEXT,
                )),
        );
    }

    frame.push(axis::x_axis(
        &plot,
        &x.ticks(&plot),
        &format!("date ({})", axis::year_span(first, last)),
    ));
    frame.finish()
}

fn describe(b: &BurnUp, cone: &[ConePoint]) -> String {
    let mut parts = Vec::new();
    if let (Some((start, _, _)), Some((end, done, scope))) = (b.history.first(), b.history.last()) {
        parts.push(format!(
            "Burn-up from {start} to {end}: {done} of {scope} items done on {end}."
        ));
    }
    if let Some(p) = cone.last() {
        parts.push(format!(
            "Forecast to {}: between {} and {} items done, {} most likely.",
            p.date,
            label_num(p.low),
            label_num(p.high),
            label_num(p.mid),
        ));
    }
    if let Some(target) = b.target {
        parts.push(format!("Target date {target}."));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    #[test]
    fn the_cone_starts_at_the_last_done_count() {
        let b = BurnUp {
            title: "B".to_owned(),
            history: vec![(d(3, 1), 2, 10), (d(3, 8), 5, 12)],
            cone: vec![ConePoint {
                date: d(3, 15),
                low: 6.0,
                mid: 8.0,
                high: 10.0,
            }],
            target: Some(d(3, 20)),
        };
        let svg = burn_up(&b);
        assert!(svg.contains(">target 2024-03-20</text>"));
        assert!(
            svg.contains("Forecast to 2024-03-15: between 6 and 10 items done, 8 most likely.")
        );
        // The mid line has two points: the anchor and the one cone point.
        assert!(
            svg.lines()
                .any(|l| l.contains("stroke-dasharray=\"6 4\"") && l.matches('L').count() == 1)
        );
    }

    #[test]
    fn nothing_to_draw_says_no_data() {
        let b = BurnUp {
            title: "B".to_owned(),
            history: vec![],
            cone: vec![ConePoint {
                date: d(3, 15),
                low: f64::NAN,
                mid: 1.0,
                high: 2.0,
            }],
            target: Some(d(3, 20)),
        };
        assert!(burn_up(&b).contains(">No data</text>"));
    }
}
