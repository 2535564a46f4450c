//! The roadmap timeline: one row per piece of work (an epic, say), a bar
//! from when it starts to its 50 % date, a lighter bar on to its 85 %
//! date, a line for today and dashed lines for release target dates.
//! Unlike the other charts its height grows with the rows (800 wide, 400
//! high at least).

use crate::axis::TimeScale;
use crate::frame::{LegendItem, Swatch, WIDTH, colour, no_data, text_width};
use crate::svg::El;
use chrono::NaiveDate;

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub label: String,
    pub start: NaiveDate,
    /// Done in half of the simulated futures.
    pub p50: NaiveDate,
    /// Done in 85 of every 100.
    pub p85: NaiveDate,
    /// Work has started.
    pub now: bool,
}

/// A dated marker: a release's target date.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub label: String,
    pub date: NaiveDate,
}

const LABEL_W: f64 = 250.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 74.0;
const BOTTOM: f64 = 44.0;

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn timeline(title: &str, today: NaiveDate, rows: &[TimelineRow], markers: &[Marker]) -> String {
    if rows.is_empty() {
        return no_data(title);
    }
    let start = rows
        .iter()
        .map(|r| r.start)
        .chain(markers.iter().map(|m| m.date))
        .min()
        .unwrap_or(today)
        .min(today);
    let end = rows
        .iter()
        .map(|r| r.p85.max(r.p50))
        .chain(markers.iter().map(|m| m.date))
        .max()
        .unwrap_or(today)
        .max(start + chrono::Days::new(7));
    let height = (TOP + rows.len() as f64 * ROW_H + BOTTOM).max(crate::HEIGHT);
    let mut desc: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}: from {} to {} (50 %) or {} (85 %)",
                r.label, r.start, r.p50, r.p85
            )
        })
        .collect();
    for m in markers {
        desc.push(format!("{} target {}", m.label, m.date));
    }
    let mut svg =
        crate::frame::root_sized(title, &format!("{title}: {}.", desc.join("; ")), height);
    let legend = [
        LegendItem::new("likely (50 %)", Swatch::Fill(colour::BLUE, 1.0)),
        LegendItem::new("85 % sure", Swatch::Fill(colour::SKY_BLUE, 0.6)),
        LegendItem::new(
            "release target",
            Swatch::Line(colour::VERMILLION, Some("5 4")),
        ),
    ];
    svg.push(crate::frame::legend_group(&legend).0);
    let left = LABEL_W;
    let right = WIDTH - 24.0;
    let bottom = TOP + rows.len() as f64 * ROW_H;
    let scale = TimeScale::new(start, end, left, right);
    let plot = crate::frame::Plot {
        left,
        top: TOP,
        right,
        bottom,
    };
    // Row bands and bars.
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        if i % 2 == 0 {
            svg.push(
                El::new("rect")
                    .attr("x", 0)
                    .attr("y", y)
                    .attr("width", WIDTH)
                    .attr("height", ROW_H)
                    .attr("fill", "#F5F7FA"),
            );
        }
        svg.push(
            El::new("text")
                .attr("x", left - 8.0)
                .attr("y", y + ROW_H / 2.0 + 4.0)
                .attr("text-anchor", "end")
                .attr("fill", colour::TEXT)
                .text(short(&r.label, 38)),
        );
        let x0 = scale.map(r.start.max(start));
        let x50 = scale.map(r.p50).max(x0 + 2.0);
        let x85 = scale.map(r.p85).max(x50);
        svg.push(
            El::new("rect")
                .attr("x", x0)
                .attr("y", y + 6.0)
                .attr("width", x50 - x0)
                .attr("height", ROW_H - 12.0)
                .attr("fill", colour::BLUE)
                .attr("rx", 3),
        );
        if x85 > x50 {
            svg.push(
                El::new("rect")
                    .attr("x", x50)
                    .attr("y", y + 6.0)
                    .attr("width", x85 - x50)
                    .attr("height", ROW_H - 12.0)
                    .attr("fill", colour::SKY_BLUE)
                    .attr("fill-opacity", 0.6)
                    .attr("rx", 3),
            );
        }
        if r.now {
            svg.push(
                El::new("text")
                    .attr("x", x0 + 4.0)
                    .attr("y", y + ROW_H / 2.0 + 4.0)
                    .attr("fill", colour::BACKGROUND)
                    .attr("font-size", 10)
                    .text(if x50 - x0 > text_width("under way", 10.0) + 8.0 {
                        "under way"
                    } else {
                        ""
                    }),
            );
        }
    }
    // Release targets.
    for (i, m) in markers.iter().enumerate() {
        let x = scale.map(m.date);
        svg.push(
            El::new("line")
                .attr("x1", x)
                .attr("y1", TOP - 6.0)
                .attr("x2", x)
                .attr("y2", bottom)
                .attr("stroke", colour::VERMILLION)
                .attr("stroke-dasharray", "5 4"),
        );
        // Labels near the right edge end at their line instead of
        // running off the chart.
        let near_end = x + text_width(&m.label, 12.0) + 6.0 > WIDTH;
        svg.push(crate::frame::boxed_label(
            if near_end { x - 3.0 } else { x + 3.0 },
            TOP - 8.0 - (i % 2) as f64 * 12.0,
            near_end,
            &m.label,
            colour::VERMILLION,
        ));
    }
    // Today.
    let xt = scale.map(today);
    svg.push(
        El::new("line")
            .attr("x1", xt)
            .attr("y1", TOP - 6.0)
            .attr("x2", xt)
            .attr("y2", bottom)
            .attr("stroke", colour::TEXT)
            .attr("stroke-width", 1.5),
    );
    svg.push(
        El::new("text")
            .attr("x", xt)
            .attr("y", bottom + 36.0)
            .attr("text-anchor", "middle")
            .attr("fill", colour::TEXT)
            .attr("font-weight", "bold")
            .text("today"),
    );
    svg.push(crate::axis::x_axis(&plot, &scale.ticks(&plot), ""));
    svg.render()
}
