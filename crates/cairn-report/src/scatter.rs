//! The cycle-time scatter plot.

use chrono::NaiveDate;

use crate::axis::{self, Linear, TimeScale};
use crate::frame::{Frame, LegendItem, Swatch, boxed_label, colour, no_data};
use crate::svg::El;
use crate::{clean, days_text};

/// One finished item: when it was resolved, its cycle time in days, and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleTimePoint {
    pub resolved: NaiveDate,
    pub days: u32,
    pub key: String,
}

/// Cycle-time scatter: x = resolved date, y = cycle time in days, one dot per item (with a
/// `<title>` tooltip "KEY: N days", or "KEY: 1 day"), plus horizontal dashed lines labelled with
/// each percentile, e.g. `(85, 9.0)` -> "85%: 9 days". Percentiles that are NaN or infinite are
/// left out; negative ones are drawn at 0.
pub fn cycle_time_scatter(
    title: &str,
    points: &[CycleTimePoint],
    percentiles: &[(u8, f64)],
) -> String {
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.resolved).min(),
        points.iter().map(|p| p.resolved).max(),
    ) else {
        return no_data(title);
    };
    let percentiles: Vec<(u8, f64)> = percentiles
        .iter()
        .filter_map(|(p, v)| clean(*v).map(|v| (*p, v)))
        .collect();
    let fastest = points.iter().map(|p| p.days).min().unwrap_or(0);
    let slowest = points.iter().map(|p| p.days).max().unwrap_or(0);

    let mut desc = format!(
        "Cycle time of {} {} resolved from {first} to {last}: from {} to {}.",
        points.len(),
        if points.len() == 1 { "item" } else { "items" },
        days_text(f64::from(fastest)),
        days_text(f64::from(slowest)),
    );
    for (p, v) in &percentiles {
        desc.push_str(&format!(" {p}% within {}.", days_text(*v)));
    }
    let mut legend = vec![LegendItem::new("item", Swatch::Dot(colour::BLUE))];
    if !percentiles.is_empty() {
        legend.push(LegendItem::new(
            "percentile",
            Swatch::Line(colour::VERMILLION, Some("6 4")),
        ));
    }

    let mut frame = Frame::new(title, &desc, &legend);
    let plot = frame.plot;
    let top = percentiles
        .iter()
        .map(|(_, v)| *v)
        .fold(f64::from(slowest), f64::max);
    let ticks = axis::count_ticks(top);
    let y = Linear::new(0.0, ticks.max, plot.bottom, plot.top);
    frame.push(axis::y_axis(&plot, &y, &ticks, "cycle time (days)"));

    let x = TimeScale::new(first, last, plot.left + 10.0, plot.right - 10.0);
    let mut dots = El::new("g")
        .attr("fill", colour::BLUE)
        .attr("fill-opacity", 0.6)
        .attr("stroke", colour::BLUE);
    for point in points {
        dots.push(
            El::new("circle")
                .attr("cx", x.map(point.resolved))
                .attr("cy", y.map(f64::from(point.days)))
                .attr("r", 4)
                .child(El::new("title").text(format!(
                    "{}: {}",
                    point.key,
                    days_text(f64::from(point.days))
                ))),
        );
    }
    frame.push(dots);

    if !percentiles.is_empty() {
        let mut lines = El::new("g")
            .attr("stroke", colour::VERMILLION)
            .attr("stroke-width", 1.5)
            .attr("stroke-dasharray", "6 4");
        let mut labels = El::new("g");
        // Label from the lowest line up, nudging a label up when it would overlap the one below.
        let mut order: Vec<usize> = (0..percentiles.len()).collect();
        order.sort_by(|a, b| {
            percentiles[*a]
                .1
                .total_cmp(&percentiles[*b].1)
                .then(a.cmp(b))
        });
        let mut previous = f64::INFINITY;
        for i in order {
            let (p, v) = percentiles[i];
            let ly = y.map(v);
            lines.push(
                El::new("line")
                    .attr("x1", plot.left)
                    .attr("y1", ly)
                    .attr("x2", plot.right)
                    .attr("y2", ly),
            );
            let label_y = (ly - 4.0).min(previous - 14.0);
            previous = label_y;
            labels.push(boxed_label(
                plot.right - 4.0,
                label_y,
                true,
                &format!("{p}%: {}", days_text(v)),
                colour::VERMILLION,
            ));
        }
        frame.push(lines);
        frame.push(labels);
    }

    frame.push(axis::x_axis(
        &plot,
        &x.ticks(&plot),
        &format!("resolved ({})", axis::year_span(first, last)),
    ));
    frame.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(day: u32, days: u32, key: &str) -> CycleTimePoint {
        CycleTimePoint {
            resolved: NaiveDate::from_ymd_opt(2024, 3, day).unwrap(),
            days,
            key: key.to_owned(),
        }
    }

    #[test]
    fn dots_have_tooltips_and_percentiles_have_labels() {
        let svg = cycle_time_scatter(
            "C",
            &[point(4, 1, "PAY-1"), point(5, 12, "PAY-2")],
            &[(50, 6.5), (85, 9.0)],
        );
        assert!(svg.contains("<title>PAY-1: 1 day</title>"));
        assert!(svg.contains("<title>PAY-2: 12 days</title>"));
        assert!(svg.contains(">50%: 6.5 days</text>"));
        assert!(svg.contains(">85%: 9 days</text>"));
    }

    #[test]
    fn no_points_say_no_data_and_bad_percentiles_are_dropped() {
        assert!(cycle_time_scatter("C", &[], &[(85, 9.0)]).contains(">No data</text>"));
        let svg = cycle_time_scatter("C", &[point(4, 0, "A-1")], &[(85, f64::NAN)]);
        assert!(!svg.contains("85%"));
    }
}
