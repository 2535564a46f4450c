//! One snapshot per chart, from small realistic inputs. Each is also checked for well-formedness.

use cairn_report::{
    Band, BurnUp, ConePoint, CycleTimePoint, Histogram, burn_up, cumulative_flow,
    cycle_time_scatter, histogram, throughput_run_chart,
};
use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::wellformed::check;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The working days (Monday to Friday) from `start`, `n` of them.
fn working_days(start: NaiveDate, n: usize) -> Vec<NaiveDate> {
    start
        .iter_days()
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .take(n)
        .collect()
}

fn checked(svg: String) -> String {
    check(&svg).unwrap();
    svg
}

#[test]
fn throughput_run_chart_of_three_weeks() {
    let counts = [3, 1, 0, 4, 2, 5, 2, 0, 3, 3, 1, 6, 2, 2, 4];
    let days: Vec<(NaiveDate, u32)> = working_days(date(2024, 3, 4), counts.len())
        .into_iter()
        .zip(counts)
        .collect();
    let average = f64::from(counts.iter().sum::<u32>()) / counts.len() as f64;
    insta::assert_snapshot!(checked(throughput_run_chart(
        "Team Payments: throughput",
        &days,
        Some(average)
    )));
}

#[test]
fn throughput_run_chart_of_a_quarter_labels_weeks() {
    let days: Vec<(NaiveDate, u32)> = working_days(date(2024, 1, 2), 60)
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d, (i * 7 % 5) as u32))
        .collect();
    let svg = checked(throughput_run_chart("Quarter", &days, None));
    let labels: Vec<&str> = svg
        .lines()
        .filter(|l| l.trim_start().starts_with("<text") && l.contains("y=\"366\""))
        .collect();
    insta::assert_snapshot!(labels.join("\n"));
}

#[test]
fn cumulative_flow_of_two_weeks() {
    let days: Vec<NaiveDate> = date(2024, 3, 4).iter_days().take(14).collect();
    let bands = vec![
        Band {
            name: "done".to_owned(),
            counts: vec![10, 11, 11, 13, 14, 14, 14, 15, 17, 18, 20, 21, 21, 21],
        },
        Band {
            name: "in progress".to_owned(),
            counts: vec![4, 5, 6, 5, 5, 5, 5, 6, 5, 5, 4, 5, 5, 5],
        },
        Band {
            name: "to do".to_owned(),
            counts: vec![12, 11, 12, 12, 11, 11, 11, 12, 12, 11, 12, 10, 10, 10],
        },
    ];
    insta::assert_snapshot!(checked(cumulative_flow(
        "Payments: cumulative flow",
        &days,
        &bands
    )));
}

#[test]
fn cycle_time_scatter_of_a_month() {
    let raw = [
        (4, 3, "PAY-101"),
        (5, 1, "PAY-98"),
        (7, 6, "PAY-104"),
        (11, 2, "PAY-107"),
        (12, 9, "PAY-95"),
        (14, 4, "PAY-110"),
        (18, 12, "PAY-99"),
        (19, 3, "PAY-113"),
        (21, 5, "PAY-115"),
        (25, 2, "PAY-118"),
        (27, 7, "PAY-116"),
        (28, 15, "PAY-102"),
    ];
    let points: Vec<CycleTimePoint> = raw
        .iter()
        .map(|(d, days, key)| CycleTimePoint {
            resolved: date(2024, 3, *d),
            days: *days,
            key: (*key).to_owned(),
        })
        .collect();
    insta::assert_snapshot!(checked(cycle_time_scatter(
        "Payments: cycle time",
        &points,
        &[(50, 4.5), (85, 9.0), (95, 13.4)],
    )));
}

#[test]
fn forecast_histogram_of_completion_dates() {
    let counts = [
        2, 5, 11, 24, 41, 63, 88, 102, 110, 97, 84, 69, 52, 38, 27, 16, 10, 6, 3, 2,
    ];
    let bars: Vec<(String, u32)> = date(2024, 4, 22)
        .iter_days()
        .zip(counts)
        .map(|(d, c)| (d.to_string(), c))
        .collect();
    let h = Histogram {
        title: "When will 40 items be done?".to_owned(),
        x_label: "completion date".to_owned(),
        y_label: "simulated runs".to_owned(),
        bars,
        markers: vec![
            ("50%".to_owned(), 8),
            ("85%".to_owned(), 12),
            ("95%".to_owned(), 14),
        ],
    };
    insta::assert_snapshot!(checked(histogram(&h)));
}

#[test]
fn burn_up_with_a_cone_and_a_target() {
    let start = date(2024, 1, 8);
    let done = [0, 4, 9, 12, 18, 22, 27, 31];
    let scope = [40, 40, 44, 46, 46, 50, 52, 52];
    let history: Vec<(NaiveDate, u32, u32)> = (0..8)
        .map(|w| (start + Days::new(7 * w as u64), done[w], scope[w]))
        .collect();
    let cone: Vec<ConePoint> = (1..=5u32)
        .map(|w| ConePoint {
            date: start + Days::new(7 * (7 + u64::from(w))),
            low: 31.0 + 2.5 * f64::from(w),
            mid: 31.0 + 4.25 * f64::from(w),
            high: 31.0 + 6.0 * f64::from(w),
        })
        .collect();
    let b = BurnUp {
        title: "Release 2.4 burn-up".to_owned(),
        history,
        cone,
        target: Some(date(2024, 3, 29)),
    };
    insta::assert_snapshot!(checked(burn_up(&b)));
}

#[test]
fn no_data() {
    insta::assert_snapshot!(checked(throughput_run_chart(
        "Team Payments: throughput",
        &[],
        None
    )));
}
