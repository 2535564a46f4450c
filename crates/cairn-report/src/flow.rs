//! The cumulative flow diagram.

use chrono::NaiveDate;

use crate::axis::{self, Linear, TimeScale};
use crate::frame::{Frame, LegendItem, Swatch, colour, no_data};
use crate::svg::{El, path_data};

/// A band of a cumulative flow diagram: a name ("done", "in progress", "to do") and one
/// cumulative count per day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub name: String,
    pub counts: Vec<u32>,
}

impl Band {
    /// The band's count on day `i`. A band shorter than the days is padded with its last count
    /// (0 if it has none), since the counts are cumulative; counts past the last day are ignored.
    fn count(&self, i: usize) -> u32 {
        self.counts
            .get(i)
            .or(self.counts.last())
            .copied()
            .unwrap_or(0)
    }
}

/// Cumulative flow diagram: stacked areas, bands given bottom first (done first), each coloured
/// from the Okabe–Ito palette in order. Every band should have `days.len()` counts: a shorter
/// band is padded with its last count, a longer one truncated. Days are expected in ascending
/// order. A single day is drawn as a narrow stacked column.
pub fn cumulative_flow(title: &str, days: &[NaiveDate], bands: &[Band]) -> String {
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
        return no_data(title);
    };
    if bands.is_empty() {
        return no_data(title);
    }
    let (first, last) = (*first, *last);
    let n = days.len();
    // stacks[b][i]: the top of band b on day i.
    let mut stacks: Vec<Vec<u64>> = Vec::with_capacity(bands.len());
    for (b, band) in bands.iter().enumerate() {
        let row = (0..n)
            .map(|i| {
                let below = if b == 0 { 0 } else { stacks[b - 1][i] };
                below + u64::from(band.count(i))
            })
            .collect();
        stacks.push(row);
    }
    let max = stacks
        .last()
        .and_then(|s| s.iter().max())
        .copied()
        .unwrap_or(0);

    let last_day = n - 1;
    let latest: Vec<String> = bands
        .iter()
        .map(|b| format!("{} {}", b.name, b.count(last_day)))
        .collect();
    let desc = format!(
        "Cumulative flow from {first} to {last}, {n} {}. On {}, from the bottom band up: {}.",
        if n == 1 { "day" } else { "days" },
        days[last_day],
        latest.join(", "),
    );
    let legend: Vec<LegendItem> = bands
        .iter()
        .enumerate()
        .map(|(b, band)| LegendItem::new(band.name.as_str(), Swatch::Fill(band_colour(b), 1.0)))
        .collect();

    let mut frame = Frame::new(title, &desc, &legend);
    let plot = frame.plot;
    let ticks = axis::count_ticks(max as f64);
    let y = Linear::new(0.0, ticks.max, plot.bottom, plot.top);
    frame.push(axis::y_axis(&plot, &y, &ticks, "items"));

    let x = TimeScale::new(first, last, plot.left, plot.right);
    // Sample x positions and their day indexes; one day becomes a 40-unit-wide column.
    let samples: Vec<(f64, usize)> = if n == 1 {
        let c = x.map(first);
        vec![(c - 20.0, 0), (c + 20.0, 0)]
    } else {
        days.iter()
            .enumerate()
            .map(|(i, d)| (x.map(*d), i))
            .collect()
    };
    let mut areas = El::new("g")
        .attr("stroke", colour::BACKGROUND)
        .attr("stroke-width", 0.5);
    for (b, band) in bands.iter().enumerate() {
        let mut outline: Vec<(f64, f64)> = samples
            .iter()
            .map(|(px, i)| (*px, y.map(stacks[b][*i] as f64)))
            .collect();
        outline.extend(samples.iter().rev().map(|(px, i)| {
            let below = if b == 0 { 0 } else { stacks[b - 1][*i] };
            (*px, y.map(below as f64))
        }));
        areas.push(
            El::new("path")
                .attr("d", path_data(&outline, true))
                .attr("fill", band_colour(b))
                .child(El::new("title").text(band.name.as_str())),
        );
    }
    frame.push(areas);
    frame.push(axis::x_axis(
        &plot,
        &x.ticks(&plot),
        &format!("date ({})", axis::year_span(first, last)),
    ));
    frame.finish()
}

fn band_colour(b: usize) -> &'static str {
    colour::SERIES[b % colour::SERIES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(name: &str, counts: &[u32]) -> Band {
        Band {
            name: name.to_owned(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn short_bands_are_padded_with_their_last_count() {
        let b = band("done", &[1, 2]);
        assert_eq!((b.count(0), b.count(1), b.count(5)), (1, 2, 2));
        assert_eq!(band("x", &[]).count(3), 0);
    }

    #[test]
    fn no_days_or_no_bands_say_no_data() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
        assert!(cumulative_flow("F", &[], &[band("done", &[1])]).contains(">No data</text>"));
        assert!(cumulative_flow("F", &[day], &[]).contains(">No data</text>"));
    }

    #[test]
    fn mismatched_lengths_do_not_panic() {
        let days: Vec<NaiveDate> = (4..9)
            .map(|d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap())
            .collect();
        let svg = cumulative_flow(
            "F",
            &days,
            &[band("done", &[1, 2, 3, 4, 5, 6, 7]), band("to do", &[3])],
        );
        assert!(svg.contains("On 2024-03-08, from the bottom band up: done 5, to do 3."));
    }
}
