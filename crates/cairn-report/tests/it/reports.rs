//! The risk heat map and report documents: well-formed SVG, escaping in
//! HTML and Markdown, self-contained HTML, links to items.

use cairn_report::doc::{Block, Doc, Inline, Section, to_html, to_markdown};
use cairn_report::{HeatRisk, risk_heat_map};

fn risk(id: &str, l: u8, i: u8) -> HeatRisk {
    HeatRisk {
        id: id.into(),
        likelihood: l,
        impact: i,
    }
}

#[test]
fn heat_map_places_each_risk_in_its_cell() {
    let svg = risk_heat_map(
        "Open risks",
        &[
            risk("R-1", 3, 5),
            risk("R-2", 3, 5),
            risk("R-3", 1, 1),
            risk("R-9", 0, 7),
        ],
    );
    crate::wellformed::check(&svg).unwrap();
    assert!(svg.contains(">R-1 R-2<"), "{svg}");
    assert!(svg.contains(">R-3<"));
    // Out-of-range risks are left off, not drawn outside the grid.
    assert!(!svg.contains("R-9"));
    assert!(svg.contains("<desc>Open risks: R-1 likelihood 3 impact 5; R-2 likelihood 3 impact 5; R-3 likelihood 1 impact 1.</desc>"));
    // 25 cells.
    assert_eq!(svg.matches("<rect").count(), 26, "background and 25 cells");
    let empty = risk_heat_map("None", &[]);
    crate::wellformed::check(&empty).unwrap();
    assert!(empty.contains("None: no risks."));
    // Many risks in one cell are summarised.
    let many: Vec<HeatRisk> = (1..=6).map(|n| risk(&format!("R-{n}"), 5, 5)).collect();
    assert!(risk_heat_map("x", &many).contains(">R-1 R-2 +4<"));
}

fn doc() -> Doc {
    Doc {
        title: "Release <notes> & more".into(),
        subtitle: "Changes since 2026-11-01".into(),
        sections: vec![Section {
            heading: "New | *stars*".into(),
            blocks: vec![
                Block::Para(vec![
                    Inline::Text("Hello <script>alert(1)</script> ".into()),
                    Inline::Strong("bold_text".into()),
                    Inline::Text(" see ".into()),
                    Inline::Item("PAY-7".into()),
                ]),
                Block::List(vec![vec![Inline::Text("one [x](javascript:y)".into())]]),
                Block::Table {
                    headers: vec!["A|B".into(), "C".into()],
                    rows: vec![vec![
                        vec![Inline::Text("1|2".into())],
                        vec![Inline::Item("PAY-8".into())],
                    ]],
                },
                Block::Chart {
                    svg: risk_heat_map("Heat", &[risk("R-1", 2, 2)]),
                    caption: "A heat map".into(),
                },
                Block::Note("Method: counted.".into()),
            ],
        }],
        items: vec![("PAY-7".into(), "Refund <part> of a payment".into())],
        appendix: true,
    }
}

#[test]
fn html_is_self_contained_escaped_and_linked() {
    let h = to_html(&doc(), None);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("<title>Release &lt;notes&gt; &amp; more</title>"));
    assert!(!h.contains("<script"), "{h}");
    assert!(h.contains("Hello &lt;script&gt;"));
    // No external requests: no src= or href= to another host, no @import.
    for bad in ["src=\"http", "href=\"http", "@import", "<link", "<script"] {
        assert!(!h.contains(bad), "{bad} in {h}");
    }
    // Items link to the report's own item list without a web-app address…
    assert!(h.contains("<a href=\"#item-PAY-7\">PAY-7</a>"));
    assert!(h.contains(
        "<tr id=\"item-PAY-7\"><td>PAY-7</td><td>Refund &lt;part&gt; of a payment</td></tr>"
    ));
    // …and to the web app with one.
    let w = to_html(&doc(), Some("https://cairn.example.com/"));
    assert!(w.contains("<a href=\"https://cairn.example.com/items/PAY-7\">PAY-7</a>"));
    assert!(!w.contains("Items in this report"));
    // The chart is inline SVG; print rules are present.
    assert!(h.contains("<figure>\n<svg"));
    assert!(h.contains("@media print"));
    // Without an appendix (documents for customers) keys are plain text.
    let plain = to_html(
        &Doc {
            appendix: false,
            ..doc()
        },
        None,
    );
    assert!(plain.contains(" see PAY-7</p>") && !plain.contains("Items in this report"));
}

#[test]
fn markdown_escapes_what_markdown_would_read() {
    let m = to_markdown(&doc(), Some("https://cairn.example.com"));
    assert!(m.starts_with("# Release \\<notes\\> & more\n"), "{m}");
    assert!(m.contains("## New \\| \\*stars\\*"));
    assert!(m.contains("**bold\\_text**"));
    assert!(m.contains("[PAY-7](https://cairn.example.com/items/PAY-7)"));
    assert!(m.contains("one \\[x\\](javascript:y)"));
    assert!(m.contains(
        "| A\\|B | C |\n|---|---|\n| 1\\|2 | [PAY-8](https://cairn.example.com/items/PAY-8) |"
    ));
    assert!(m.contains("_Chart: A heat map (in the HTML report)._"));
    // Without an address, items are plain keys.
    assert!(to_markdown(&doc(), None).contains(" see PAY-7"));
}

#[test]
fn timeline_draws_every_row_and_keeps_markers_on_the_chart() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let rows: Vec<cairn_report::TimelineRow> = (0..40)
        .map(|i| cairn_report::TimelineRow {
            label: format!("Epic number {i} with a rather long name that will be cut"),
            start: d("2026-03-01") + chrono::Days::new(i * 3),
            p50: d("2026-03-20") + chrono::Days::new(i * 4),
            p85: d("2026-04-01") + chrono::Days::new(i * 5),
            now: i < 3,
        })
        .collect();
    let markers = [
        cairn_report::Marker {
            label: "past".into(),
            date: d("2026-01-10"),
        },
        cairn_report::Marker {
            label: "2026.9".into(),
            date: d("2026-09-30"),
        },
    ];
    let svg = cairn_report::timeline("Roadmap", d("2026-03-01"), &rows, &markers);
    assert!(svg.starts_with("<svg"), "{svg}");
    // It grows with its rows: 40 rows of 26 units, plus margins.
    assert!(svg.contains("height=\"1158\""), "{}", &svg[..300]);
    // Every bar and every marker lies within the 800-unit width.
    for cap in svg.split(" x=\"").skip(1) {
        let x: f64 = cap.split('"').next().unwrap().parse().unwrap();
        assert!((0.0..=800.0).contains(&x), "x = {x}");
    }
    assert!(svg.contains("Epic number 0 with a rather long name…"));
    // No data, no panic.
    let empty = cairn_report::timeline("Roadmap", d("2026-03-01"), &[], &[]);
    assert!(empty.contains("No data"));
}
