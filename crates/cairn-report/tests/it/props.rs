//! A property-style sweep: a few hundred generated inputs per chart, from a fixed-seed generator,
//! including empty, zero, huge, NaN and infinite values, far-apart dates and markup in text.
//! Every output must be well-formed and the same on a second run.

use cairn_report::{
    Band, BurnUp, ConePoint, CycleTimePoint, Histogram, burn_up, cumulative_flow,
    cycle_time_scatter, histogram, throughput_run_chart,
};
use chrono::{Days, NaiveDate};

use crate::wellformed::check;

/// A small deterministic generator (SplitMix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn len(&mut self) -> usize {
        match self.below(10) {
            0 => 0,
            1 => 1,
            2 => 200 + self.below(400) as usize,
            _ => self.below(40) as usize,
        }
    }

    fn count(&mut self) -> u32 {
        match self.below(10) {
            0 => 0,
            1 => u32::MAX,
            2 => self.below(1_000_000) as u32,
            _ => self.below(30) as u32,
        }
    }

    fn float(&mut self) -> f64 {
        match self.below(12) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -0.0,
            4 => -(self.below(100) as f64) / 3.0,
            5 => 1e300,
            6 => 0.0,
            _ => self.below(10_000) as f64 / 7.0,
        }
    }

    fn date(&mut self) -> NaiveDate {
        match self.below(20) {
            0 => NaiveDate::MIN,
            1 => NaiveDate::MAX,
            2 => base()
                .checked_add_days(Days::new(self.below(3_000_000)))
                .unwrap_or(NaiveDate::MAX),
            _ => base()
                .checked_add_days(Days::new(self.below(400)))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// Ascending dates starting somewhere, with small or large steps.
    fn dates(&mut self, n: usize) -> Vec<NaiveDate> {
        let mut d = self.date();
        let step = [1, 1, 7, 30, 4000][self.below(5) as usize];
        (0..n)
            .map(|_| {
                let out = d;
                d = d
                    .checked_add_days(Days::new(1 + self.below(step)))
                    .unwrap_or(d);
                out
            })
            .collect()
    }

    fn text(&mut self) -> String {
        const CHARS: [char; 14] = [
            'a', 'Z', '7', ' ', '&', '<', '>', '"', '\'', '\u{1}', 'é', '–', '\n', '%',
        ];
        let n = self.below(12);
        (0..n)
            .map(|_| CHARS[self.below(CHARS.len() as u64) as usize])
            .collect()
    }
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 11, 27).unwrap()
}

fn assert_ok(case: usize, chart: &str, first: &str, second: &str) {
    if let Err(e) = check(first) {
        panic!("case {case}, {chart}: {e}\n{first}");
    }
    assert_eq!(first, second, "case {case}, {chart}: not deterministic");
}

#[test]
fn every_generated_chart_is_well_formed_and_deterministic() {
    let mut g = Gen(0x00C0_FFEE);
    for case in 0..300 {
        let title = g.text();

        let n = g.len();
        let days: Vec<(NaiveDate, u32)> = g.dates(n).into_iter().map(|d| (d, 0)).collect();
        let days: Vec<(NaiveDate, u32)> = days.into_iter().map(|(d, _)| (d, g.count())).collect();
        let average = if g.below(3) == 0 {
            None
        } else {
            Some(g.float())
        };
        let render = || throughput_run_chart(&title, &days, average);
        assert_ok(case, "throughput", &render(), &render());

        let n = g.len();
        let dates = g.dates(n);
        let bands: Vec<Band> = (0..g.below(5))
            .map(|_| {
                let len = if g.below(4) == 0 { g.len() } else { n };
                Band {
                    name: g.text(),
                    counts: (0..len).map(|_| g.count()).collect(),
                }
            })
            .collect();
        let render = || cumulative_flow(&title, &dates, &bands);
        assert_ok(case, "cumulative flow", &render(), &render());

        let n = g.len();
        let points: Vec<CycleTimePoint> = (0..n)
            .map(|_| CycleTimePoint {
                resolved: g.date(),
                days: g.count(),
                key: g.text(),
            })
            .collect();
        let percentiles: Vec<(u8, f64)> = (0..g.below(5))
            .map(|_| (g.below(101) as u8, g.float()))
            .collect();
        let render = || cycle_time_scatter(&title, &points, &percentiles);
        assert_ok(case, "scatter", &render(), &render());

        let n = g.len();
        let h = Histogram {
            title: title.clone(),
            x_label: g.text(),
            y_label: g.text(),
            bars: (0..n).map(|_| (g.text(), g.count())).collect(),
            markers: (0..g.below(4))
                .map(|_| (g.text(), g.below(n as u64 + 3) as usize))
                .collect(),
        };
        assert_ok(case, "histogram", &histogram(&h), &histogram(&h));

        let n = g.len();
        let history: Vec<(NaiveDate, u32, u32)> =
            g.dates(n).into_iter().map(|d| (d, 0, 0)).collect();
        let history = history
            .into_iter()
            .map(|(d, _, _)| (d, g.count(), g.count()))
            .collect();
        let m = g.len();
        let cone = g
            .dates(m)
            .into_iter()
            .map(|date| ConePoint {
                date,
                low: g.float(),
                mid: g.float(),
                high: g.float(),
            })
            .collect();
        let target = if g.below(2) == 0 {
            None
        } else {
            Some(g.date())
        };
        let b = BurnUp {
            title: title.clone(),
            history,
            cone,
            target,
        };
        assert_ok(case, "burn-up", &burn_up(&b), &burn_up(&b));
    }
}
