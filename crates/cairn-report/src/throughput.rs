//! The daily throughput run chart.

use chrono::NaiveDate;

use crate::axis::{self, BandScale, Linear};
use crate::frame::{Frame, LegendItem, Swatch, colour, no_data};
use crate::svg::{El, label_num};

/// Daily throughput run chart: one bar per working day with its count of finished items, in the
/// order given (days are slots, so weekends left out leave no gaps); optional average line.
///
/// An average that is NaN or infinite is not drawn; a negative one is drawn at 0.
pub fn throughput_run_chart(
    title: &str,
    days: &[(NaiveDate, u32)],
    average: Option<f64>,
) -> String {
    let (Some(first), Some(last)) = (
        days.iter().map(|d| d.0).min(),
        days.iter().map(|d| d.0).max(),
    ) else {
        return no_data(title);
    };
    let average = average.and_then(crate::clean);
    let total: u64 = days.iter().map(|d| u64::from(d.1)).sum();
    let max = days.iter().map(|d| d.1).max().unwrap_or(0);
    let min = days.iter().map(|d| d.1).min().unwrap_or(0);

    let mut desc = format!(
        "Daily throughput from {first} to {last}: {} {}, {total} items finished in total, from {min} to {max} a day.",
        days.len(),
        if days.len() == 1 { "day" } else { "days" },
    );
    let mut legend = vec![LegendItem::new(
        "items finished",
        Swatch::Fill(colour::BLUE, 1.0),
    )];
    if let Some(avg) = average {
        desc.push_str(&format!(" Average {} a day.", label_num(avg)));
        legend.push(LegendItem::new(
            format!("average ({} a day)", label_num(avg)),
            Swatch::Line(colour::VERMILLION, Some("6 4")),
        ));
    }

    let mut frame = Frame::new(title, &desc, &legend);
    let plot = frame.plot;
    let ticks = axis::count_ticks(f64::from(max).max(average.unwrap_or(0.0)));
    let y = Linear::new(0.0, ticks.max, plot.bottom, plot.top);
    frame.push(axis::y_axis(&plot, &y, &ticks, "items finished"));

    let band = BandScale::new(days.len(), plot.left, plot.right);
    let width = band.bar_width();
    let mut bars = El::new("g").attr("fill", colour::BLUE);
    for (i, (date, count)) in days.iter().enumerate() {
        let top = y.map(f64::from(*count));
        bars.push(
            El::new("rect")
                .attr("x", band.center(i) - width / 2.0)
                .attr("y", top)
                .attr("width", width)
                .attr("height", plot.bottom - top)
                .child(El::new("title").text(format!("{date}: {count} finished"))),
        );
    }
    frame.push(bars);

    if let Some(avg) = average {
        // Labelled in the legend, so the line carries only a tooltip.
        let ay = y.map(avg);
        frame.push(
            El::new("line")
                .attr("x1", plot.left)
                .attr("y1", ay)
                .attr("x2", plot.right)
                .attr("y2", ay)
                .attr("stroke", colour::VERMILLION)
                .attr("stroke-width", 2)
                .attr("stroke-dasharray", "6 4")
                .child(El::new("title").text(format!("average {} a day", label_num(avg)))),
        );
    }

    let dates: Vec<NaiveDate> = days.iter().map(|d| d.0).collect();
    let x_ticks = axis::band_date_ticks(&dates, &band, &plot);
    frame.push(axis::x_axis(
        &plot,
        &x_ticks,
        &format!("working day ({})", axis::year_span(first, last)),
    ));
    frame.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, day).unwrap()
    }

    #[test]
    fn empty_days_say_no_data() {
        assert!(throughput_run_chart("T", &[], Some(2.0)).contains(">No data</text>"));
    }

    #[test]
    fn all_zero_counts_and_one_day_draw_a_chart() {
        let svg = throughput_run_chart("T", &[(d(4), 0)], None);
        assert!(svg.contains("<title>2024-03-04: 0 finished</title>"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn the_average_gets_a_line_and_a_legend() {
        let svg = throughput_run_chart("T", &[(d(4), 1), (d(5), 3)], Some(2.0));
        assert!(svg.contains("average (2 a day)"));
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
        let none = throughput_run_chart("T", &[(d(4), 1)], Some(f64::NAN));
        assert!(!none.contains("average"));
    }
}
