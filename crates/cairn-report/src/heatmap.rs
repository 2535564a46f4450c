//! The risk heat map: a 5 × 5 grid of likelihood (across) by impact (up),
//! each cell coloured by its score band and labelled with the risks in it.

use crate::frame::{HEIGHT, WIDTH, colour, root};
use crate::svg::El;

/// One risk on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatRisk {
    pub id: String,
    pub likelihood: u8,
    pub impact: u8,
}

/// Score bands people read at a glance: low (1–4), medium (5–9), high
/// (10–16), severe (20–25).
fn band_colour(score: u8) -> &'static str {
    match score {
        0..=4 => "#DCEFE5",
        5..=9 => "#FBEFC4",
        10..=16 => "#F8D1A8",
        _ => "#F1A9A0",
    }
}

pub fn risk_heat_map(title: &str, risks: &[HeatRisk]) -> String {
    let live: Vec<&HeatRisk> = risks
        .iter()
        .filter(|r| (1..=5).contains(&r.likelihood) && (1..=5).contains(&r.impact))
        .collect();
    let desc = if live.is_empty() {
        format!("{title}: no risks.")
    } else {
        let mut parts: Vec<String> = live
            .iter()
            .map(|r| format!("{} likelihood {} impact {}", r.id, r.likelihood, r.impact))
            .collect();
        parts.sort();
        format!("{title}: {}.", parts.join("; "))
    };
    let mut svg = root(title, &desc);
    let (left, top) = (150.0, 44.0);
    let cell_w = (WIDTH - left - 40.0) / 5.0;
    let cell_h = (HEIGHT - top - 56.0) / 5.0;
    for impact in 1..=5u8 {
        for likelihood in 1..=5u8 {
            let x = left + f64::from(likelihood - 1) * cell_w;
            let y = top + f64::from(5 - impact) * cell_h;
            svg.push(
                El::new("rect")
                    .attr("x", x)
                    .attr("y", y)
                    .attr("width", cell_w)
                    .attr("height", cell_h)
                    .attr("fill", band_colour(likelihood * impact))
                    .attr("stroke", colour::BACKGROUND)
                    .attr("stroke-width", 2.0),
            );
            let ids: Vec<&str> = live
                .iter()
                .filter(|r| r.likelihood == likelihood && r.impact == impact)
                .map(|r| r.id.as_str())
                .collect();
            if !ids.is_empty() {
                let text = if ids.len() > 3 {
                    format!("{} +{}", ids[..2].join(" "), ids.len() - 2)
                } else {
                    ids.join(" ")
                };
                svg.push(
                    El::new("text")
                        .attr("x", x + cell_w / 2.0)
                        .attr("y", y + cell_h / 2.0 + 5.0)
                        .attr("text-anchor", "middle")
                        .attr("font-size", 14)
                        .attr("font-weight", "bold")
                        .attr("fill", colour::TEXT)
                        .text(text),
                );
            }
        }
    }
    for n in 1..=5u8 {
        svg.push(
            El::new("text")
                .attr("x", left + (f64::from(n) - 0.5) * cell_w)
                .attr("y", top + 5.0 * cell_h + 18.0)
                .attr("text-anchor", "middle")
                .attr("fill", colour::MUTED)
                .text(n.to_string()),
        );
        svg.push(
            El::new("text")
                .attr("x", left - 10.0)
                .attr("y", top + (5.0 - f64::from(n) + 0.5) * cell_h + 4.0)
                .attr("text-anchor", "end")
                .attr("fill", colour::MUTED)
                .text(n.to_string()),
        );
    }
    svg.push(
        El::new("text")
            .attr("x", left + 2.5 * cell_w)
            .attr("y", HEIGHT - 12.0)
            .attr("text-anchor", "middle")
            .attr("fill", colour::TEXT)
            .text("likelihood (1 rare … 5 almost certain)"),
    );
    let mid = top + 2.5 * cell_h;
    svg.push(
        El::new("text")
            .attr("x", 100.0)
            .attr("y", mid)
            .attr("text-anchor", "middle")
            .attr("transform", format!("rotate(-90 100 {mid})"))
            .attr("fill", colour::TEXT)
            .text("impact (1 negligible … 5 severe)"),
    );
    svg.render()
}
