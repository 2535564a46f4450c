//! The forecast histogram.

use crate::axis::{self, BandScale, Linear};
use crate::frame::{Frame, boxed_label, colour, no_data, text_width};
use crate::svg::El;

/// A histogram: bars in order with their labels, axis titles, and marker lines at bar indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub bars: Vec<(String, u32)>,
    pub markers: Vec<(String, usize)>,
}

/// Forecast histogram: bars in the given order with their labels (e.g. dates or item counts;
/// only every k-th x label is shown when they would not fit), and vertical dashed marker lines
/// at the given bar indexes labelled e.g. "50%", "85%". Markers whose index is past the last
/// bar are left out.
pub fn histogram(h: &Histogram) -> String {
    if h.bars.is_empty() {
        return no_data(&h.title);
    }
    let n = h.bars.len();
    let max = h.bars.iter().map(|b| b.1).max().unwrap_or(0);
    let total: u64 = h.bars.iter().map(|b| u64::from(b.1)).sum();
    let markers: Vec<&(String, usize)> = h.markers.iter().filter(|m| m.1 < n).collect();

    let mut desc = format!(
        "Histogram of {} by {}: {n} {}, from \"{}\" to \"{}\", {total} in total.",
        h.y_label,
        h.x_label,
        if n == 1 { "bar" } else { "bars" },
        h.bars[0].0,
        h.bars[n - 1].0,
    );
    if let Some((label, count)) = h.bars.iter().find(|b| b.1 == max) {
        desc.push_str(&format!(" Highest: \"{label}\" with {count}."));
    }
    if !markers.is_empty() {
        let list: Vec<String> = markers
            .iter()
            .map(|(name, i)| format!("{name} at \"{}\"", h.bars[*i].0))
            .collect();
        desc.push_str(&format!(" Markers: {}.", list.join(", ")));
    }

    let mut frame = Frame::new(&h.title, &desc, &[]);
    let plot = frame.plot;
    let ticks = axis::count_ticks(f64::from(max));
    let y = Linear::new(0.0, ticks.max, plot.bottom, plot.top);
    frame.push(axis::y_axis(&plot, &y, &ticks, &h.y_label));

    let band = BandScale::new(n, plot.left, plot.right);
    let width = band.bar_width();
    let mut bars = El::new("g")
        .attr("fill", colour::SKY_BLUE)
        .attr("stroke", colour::BLUE);
    for (i, (label, count)) in h.bars.iter().enumerate() {
        let top = y.map(f64::from(*count));
        bars.push(
            El::new("rect")
                .attr("x", band.center(i) - width / 2.0)
                .attr("y", top)
                .attr("width", width)
                .attr("height", plot.bottom - top)
                .child(El::new("title").text(format!("{label}: {count}"))),
        );
    }
    frame.push(bars);

    if !markers.is_empty() {
        let mut lines = El::new("g")
            .attr("stroke", colour::VERMILLION)
            .attr("stroke-width", 2)
            .attr("stroke-dasharray", "6 4");
        let mut labels = El::new("g")
            .attr("fill", colour::VERMILLION)
            .attr("font-weight", "bold");
        let mut placed: Vec<f64> = Vec::new();
        for (name, i) in &markers {
            let x = band.center(*i);
            lines.push(
                El::new("line")
                    .attr("x1", x)
                    .attr("y1", plot.top)
                    .attr("x2", x)
                    .attr("y2", plot.bottom),
            );
            // Stack labels of markers that sit close together.
            let near = placed.iter().filter(|p| (**p - x).abs() < 40.0).count();
            placed.push(x);
            let right_side = x + 4.0 + text_width(name, 12.0) <= plot.right;
            labels.push(boxed_label(
                if right_side { x + 4.0 } else { x - 4.0 },
                plot.top + 12.0 + 14.0 * near as f64,
                !right_side,
                name,
                colour::VERMILLION,
            ));
        }
        frame.push(lines);
        frame.push(labels);
    }

    // Show every k-th label so that the widest label fits its share of the axis.
    let widest = h
        .bars
        .iter()
        .map(|b| text_width(&b.0, 12.0))
        .fold(0.0, f64::max)
        + 8.0;
    let every = ((widest / band.width()).ceil() as usize).max(1);
    let x_ticks: Vec<(f64, String)> = h
        .bars
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, b)| (band.center(i), b.0.clone()))
        .collect();
    frame.push(axis::x_axis(&plot, &x_ticks, &h.x_label));
    frame.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(bars: usize, markers: Vec<(String, usize)>) -> Histogram {
        Histogram {
            title: "H".to_owned(),
            x_label: "items".to_owned(),
            y_label: "runs".to_owned(),
            bars: (0..bars)
                .map(|i| (format!("2024-04-{:02}", i % 28 + 1), i as u32))
                .collect(),
            markers,
        }
    }

    #[test]
    fn many_bars_thin_out_the_labels() {
        let svg = histogram(&hist(60, vec![]));
        let labels = svg
            .lines()
            .filter(|l| l.contains("<text") && l.contains(">2024-04-"))
            .count();
        assert!(labels < 20, "{labels} labels");
        assert!(svg.matches("<rect x=").count() == 60);
    }

    #[test]
    fn markers_out_of_range_are_dropped() {
        let svg = histogram(&hist(3, vec![("50%".to_owned(), 1), ("85%".to_owned(), 7)]));
        assert!(svg.contains(">50%</text>"));
        assert!(!svg.contains("85%"));
    }

    #[test]
    fn no_bars_say_no_data() {
        assert!(histogram(&hist(0, vec![("50%".to_owned(), 0)])).contains(">No data</text>"));
    }
}
