//! Empty and degenerate inputs, and escaping.

use cairn_report::{
    Band, BurnUp, ConePoint, CycleTimePoint, Histogram, burn_up, cumulative_flow,
    cycle_time_scatter, histogram, throughput_run_chart,
};
use chrono::NaiveDate;

use crate::wellformed::check;

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

fn assert_no_data(svg: &str) {
    check(svg).unwrap();
    assert!(svg.contains(">No data</text>"), "{svg}");
    assert!(svg.contains("<desc>"), "{svg}");
}

fn assert_chart(svg: &str) {
    check(svg).unwrap();
    assert!(!svg.contains(">No data</text>"), "{svg}");
}

fn hist(bars: Vec<(String, u32)>) -> Histogram {
    Histogram {
        title: "H".to_owned(),
        x_label: "x".to_owned(),
        y_label: "y".to_owned(),
        bars,
        markers: vec![("50%".to_owned(), 0)],
    }
}

#[test]
fn empty_inputs_say_no_data() {
    assert_no_data(&throughput_run_chart("T", &[], Some(1.0)));
    assert_no_data(&cumulative_flow("F", &[], &[]));
    assert_no_data(&cumulative_flow("F", &[date(1)], &[]));
    assert_no_data(&cycle_time_scatter("C", &[], &[(85, 9.0)]));
    assert_no_data(&histogram(&hist(vec![])));
    assert_no_data(&burn_up(&BurnUp {
        title: "B".to_owned(),
        history: vec![],
        cone: vec![],
        target: Some(date(1)),
    }));
}

#[test]
fn all_zero_and_single_values_draw_charts() {
    assert_chart(&throughput_run_chart(
        "T",
        &[(date(1), 0), (date(4), 0)],
        Some(0.0),
    ));
    assert_chart(&throughput_run_chart("T", &[(date(1), 7)], None));
    let zero = Band {
        name: "done".to_owned(),
        counts: vec![0],
    };
    assert_chart(&cumulative_flow("F", &[date(1)], &[zero.clone(), zero]));
    let point = CycleTimePoint {
        resolved: date(1),
        days: 0,
        key: "A-1".to_owned(),
    };
    assert_chart(&cycle_time_scatter("C", &[point], &[(50, 0.0)]));
    assert_chart(&histogram(&hist(vec![("only".to_owned(), 0)])));
    assert_chart(&burn_up(&BurnUp {
        title: "B".to_owned(),
        history: vec![(date(1), 0, 0)],
        cone: vec![],
        target: None,
    }));
    assert_chart(&burn_up(&BurnUp {
        title: "B".to_owned(),
        history: vec![],
        cone: vec![ConePoint {
            date: date(2),
            low: 1.0,
            mid: 2.0,
            high: 3.0,
        }],
        target: None,
    }));
}

#[test]
fn mismatched_band_lengths_are_padded_or_truncated() {
    let days = [date(1), date(2), date(3)];
    let svg = cumulative_flow(
        "F",
        &days,
        &[
            Band {
                name: "done".to_owned(),
                counts: vec![1],
            },
            Band {
                name: "to do".to_owned(),
                counts: vec![5, 4, 3, 2, 1],
            },
            Band {
                name: "empty".to_owned(),
                counts: vec![],
            },
        ],
    );
    assert_chart(&svg);
    assert!(svg.contains("On 2024-03-03, from the bottom band up: done 1, to do 3, empty 0."));
}

#[test]
fn all_text_is_escaped() {
    let nasty = "R&D <\"quoted\"> it's";
    let escaped = "R&amp;D &lt;&quot;quoted&quot;&gt; it&apos;s";
    let point = CycleTimePoint {
        resolved: date(1),
        days: 3,
        key: nasty.to_owned(),
    };
    let band = Band {
        name: nasty.to_owned(),
        counts: vec![1],
    };
    let svgs = [
        throughput_run_chart(nasty, &[(date(1), 1)], None),
        cumulative_flow(nasty, &[date(1)], &[band.clone(), band]),
        cycle_time_scatter(nasty, &[point], &[]),
        histogram(&Histogram {
            title: nasty.to_owned(),
            x_label: nasty.to_owned(),
            y_label: nasty.to_owned(),
            bars: vec![(nasty.to_owned(), 1)],
            markers: vec![(nasty.to_owned(), 0)],
        }),
        burn_up(&BurnUp {
            title: nasty.to_owned(),
            history: vec![(date(1), 1, 2)],
            cone: vec![],
            target: None,
        }),
        throughput_run_chart(nasty, &[], None),
    ];
    for svg in &svgs {
        check(svg).unwrap();
        assert!(svg.contains(&format!("<title>{escaped}</title>")), "{svg}");
        assert!(!svg.contains(nasty), "{svg}");
    }
    // Labels inside the chart are escaped too.
    assert!(svgs[2].contains(&format!("<title>{escaped}: 3 days</title>")));
    assert!(svgs[3].contains(&format!(">{escaped}</text>")));
}

#[test]
fn non_finite_and_extreme_values_never_reach_the_output() {
    let svg = throughput_run_chart("T", &[(date(1), u32::MAX)], Some(f64::INFINITY));
    check(&svg).unwrap();
    let svg = cycle_time_scatter(
        "C",
        &[
            CycleTimePoint {
                resolved: NaiveDate::MIN,
                days: u32::MAX,
                key: "K".to_owned(),
            },
            CycleTimePoint {
                resolved: NaiveDate::MAX,
                days: 0,
                key: "L".to_owned(),
            },
        ],
        &[(85, f64::NAN), (95, -3.0), (99, 1e300)],
    );
    check(&svg).unwrap();
    let svg = burn_up(&BurnUp {
        title: "B".to_owned(),
        history: vec![(date(1), 3, 2)],
        cone: vec![
            ConePoint {
                date: date(9),
                low: f64::NEG_INFINITY,
                mid: 1.0,
                high: 2.0,
            },
            ConePoint {
                date: date(10),
                low: -1.0,
                mid: 1e300,
                high: f64::MAX,
            },
        ],
        target: Some(date(2)),
    });
    check(&svg).unwrap();
}

#[test]
fn output_is_deterministic() {
    let days: Vec<(NaiveDate, u32)> = (1..20).map(|d| (date(d), d % 4)).collect();
    assert_eq!(
        throughput_run_chart("T", &days, Some(1.5)),
        throughput_run_chart("T", &days, Some(1.5))
    );
}
