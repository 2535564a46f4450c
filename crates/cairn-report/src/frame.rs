//! What every chart shares: the canvas size, the palette, the root element with its
//! accessible title and description, the legend, and the "No data" chart.

use crate::svg::El;

/// Width of every chart, in SVG user units (and the default pixel width).
pub const WIDTH: f64 = 800.0;
/// Height of every chart, in SVG user units (and the default pixel height).
pub const HEIGHT: f64 = 400.0;

const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 24.0;
const MARGIN_BOTTOM: f64 = 52.0;
const TITLE_BASELINE: f64 = 24.0;
const PLOT_TOP_NO_LEGEND: f64 = 40.0;
const LEGEND_FIRST_BASELINE: f64 = 46.0;
const LEGEND_ROW: f64 = 18.0;

/// The Okabe–Ito palette (colour-blind safe), plus neutral greys for axes and grid.
pub(crate) mod colour {
    pub(crate) const BLACK: &str = "#000000";
    pub(crate) const ORANGE: &str = "#E69F00";
    pub(crate) const SKY_BLUE: &str = "#56B4E9";
    pub(crate) const GREEN: &str = "#009E73";
    pub(crate) const YELLOW: &str = "#F0E442";
    pub(crate) const BLUE: &str = "#0072B2";
    pub(crate) const VERMILLION: &str = "#D55E00";
    pub(crate) const PURPLE: &str = "#CC79A7";
    pub(crate) const TEXT: &str = "#222222";
    pub(crate) const MUTED: &str = "#555555";
    pub(crate) const AXIS: &str = "#333333";
    pub(crate) const GRID: &str = "#DDDDDD";
    pub(crate) const BACKGROUND: &str = "#FFFFFF";

    /// Colours for a sequence of series, in order (the cumulative flow bands use these).
    pub(crate) const SERIES: [&str; 7] =
        [GREEN, ORANGE, SKY_BLUE, BLUE, VERMILLION, PURPLE, YELLOW];
}

/// The plot area, in SVG user units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) right: f64,
    pub(crate) bottom: f64,
}

impl Plot {
    pub(crate) fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled square with the given fill opacity.
    Fill(&'static str, f64),
    /// A line with an optional dash pattern.
    Line(&'static str, Option<&'static str>),
    /// A dot.
    Dot(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub(crate) label: String,
    pub(crate) swatch: Swatch,
}

impl LegendItem {
    pub(crate) fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        Self {
            label: label.into(),
            swatch,
        }
    }
}

/// A chart under construction: the root element and the plot area left for the data.
pub(crate) struct Frame {
    pub(crate) root: El,
    pub(crate) plot: Plot,
}

impl Frame {
    /// Starts a chart: root, accessible title and description, visible title, and the legend
    /// (drawn only when it has more than one entry; the plot starts below it).
    pub(crate) fn new(title: &str, desc: &str, legend: &[LegendItem]) -> Self {
        let mut root = root(title, desc);
        let mut top = PLOT_TOP_NO_LEGEND;
        if legend.len() > 1 {
            let (group, rows) = legend_group(legend);
            root.push(group);
            top = LEGEND_FIRST_BASELINE + (rows as f64 - 1.0) * LEGEND_ROW + 16.0;
        }
        Self {
            root,
            plot: Plot {
                left: MARGIN_LEFT,
                top,
                right: WIDTH - MARGIN_RIGHT,
                bottom: HEIGHT - MARGIN_BOTTOM,
            },
        }
    }

    pub(crate) fn push(&mut self, el: El) {
        self.root.push(el);
    }

    pub(crate) fn finish(self) -> String {
        self.root.render()
    }
}

/// A chart with nothing to show: the title and "No data" in the middle.
pub(crate) fn no_data(title: &str) -> String {
    let desc = if title.is_empty() {
        "No data.".to_owned()
    } else {
        format!("{title}: no data.")
    };
    root(title, &desc)
        .child(
            El::new("text")
                .attr("x", WIDTH / 2.0)
                .attr("y", HEIGHT / 2.0)
                .attr("text-anchor", "middle")
                .attr("font-size", 16)
                .attr("fill", colour::MUTED)
                .text("No data"),
        )
        .render()
}

/// A text label on a translucent white box, so it stays readable over lines, bars and dots.
/// `end_anchored` right-aligns the text at `x`; otherwise it starts at `x`.
pub(crate) fn boxed_label(
    x: f64,
    y: f64,
    end_anchored: bool,
    text: &str,
    fill: &'static str,
) -> El {
    let width = text_width(text, 12.0) + 6.0;
    let box_x = if end_anchored {
        x - width + 3.0
    } else {
        x - 3.0
    };
    El::new("g")
        .child(
            El::new("rect")
                .attr("x", box_x)
                .attr("y", y - 11.5)
                .attr("width", width)
                .attr("height", 15)
                .attr("fill", colour::BACKGROUND)
                .attr("fill-opacity", 0.85),
        )
        .child(
            El::new("text")
                .attr("x", x)
                .attr("y", y)
                .attr("text-anchor", if end_anchored { "end" } else { "start" })
                .attr("fill", fill)
                .text(text),
        )
}

/// Estimated width of a text run (average glyph width of a sans-serif face).
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.6
}

pub(crate) fn root(title: &str, desc: &str) -> El {
    root_sized(title, desc, HEIGHT)
}

/// The root of a chart whose height is not the usual one (the timeline's
/// grows with its rows).
pub(crate) fn root_sized(title: &str, desc: &str, height: f64) -> El {
    El::new("svg")
        .attr("xmlns", "http://www.w3.org/2000/svg")
        .attr("viewBox", format!("0 0 {WIDTH} {height}"))
        .attr("width", WIDTH)
        .attr("height", height)
        .attr("role", "img")
        .attr("font-family", "system-ui, sans-serif")
        .attr("font-size", 12)
        .child(El::new("title").text(title))
        .child(El::new("desc").text(desc))
        .child(
            El::new("rect")
                .attr("width", WIDTH)
                .attr("height", height)
                .attr("fill", colour::BACKGROUND),
        )
        .child(
            El::new("text")
                .attr("x", MARGIN_LEFT)
                .attr("y", TITLE_BASELINE)
                .attr("font-size", 16)
                .attr("font-weight", "bold")
                .attr("fill", colour::TEXT)
                .text(title),
        )
}

/// The legend as one group, laid out left to right and wrapped into rows; returns the row count.
pub(crate) fn legend_group(items: &[LegendItem]) -> (El, usize) {
    let mut group = El::new("g").attr("fill", colour::TEXT);
    let (mut x, mut y, mut rows) = (MARGIN_LEFT, LEGEND_FIRST_BASELINE, 1);
    for item in items {
        let width = 20.0 + text_width(&item.label, 12.0) + 16.0;
        if x > MARGIN_LEFT && x + width > WIDTH - MARGIN_RIGHT {
            x = MARGIN_LEFT;
            y += LEGEND_ROW;
            rows += 1;
        }
        let mid = y - 4.0;
        let swatch = match item.swatch {
            Swatch::Fill(fill, opacity) => El::new("rect")
                .attr("x", x)
                .attr("y", mid - 5.0)
                .attr("width", 14)
                .attr("height", 10)
                .attr("fill", fill)
                .attr("fill-opacity", opacity),
            Swatch::Line(stroke, dash) => {
                let line = El::new("line")
                    .attr("x1", x)
                    .attr("y1", mid)
                    .attr("x2", x + 14.0)
                    .attr("y2", mid)
                    .attr("stroke", stroke)
                    .attr("stroke-width", 2);
                match dash {
                    Some(dash) => line.attr("stroke-dasharray", dash),
                    None => line,
                }
            }
            Swatch::Dot(fill) => El::new("circle")
                .attr("cx", x + 7.0)
                .attr("cy", mid)
                .attr("r", 4)
                .attr("fill", fill),
        };
        group.push(swatch);
        group.push(
            El::new("text")
                .attr("x", x + 20.0)
                .attr("y", y)
                .text(item.label.as_str()),
        );
        x += width;
    }
    (group, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_data_is_a_titled_svg_with_a_message() {
        let svg = no_data("Throughput & more");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title>Throughput &amp; more</title>"));
        assert!(svg.contains(">No data</text>"));
    }

    #[test]
    fn a_single_legend_entry_is_not_drawn() {
        let one = Frame::new("t", "d", &[LegendItem::new("a", Swatch::Dot(colour::BLUE))]);
        assert_eq!(one.plot.top, PLOT_TOP_NO_LEGEND);
        assert!(!one.finish().contains("<circle"));
    }

    #[test]
    fn a_long_legend_wraps_and_pushes_the_plot_down() {
        let items: Vec<LegendItem> = (0..12)
            .map(|i| {
                LegendItem::new(
                    format!("series number {i}"),
                    Swatch::Fill(colour::GREEN, 1.0),
                )
            })
            .collect();
        let frame = Frame::new("t", "d", &items);
        assert!(frame.plot.top > LEGEND_FIRST_BASELINE + LEGEND_ROW);
        assert!(frame.plot.top < frame.plot.bottom);
    }
}
