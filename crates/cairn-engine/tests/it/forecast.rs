use cairn_engine::forecast::{Pace, Scenario, Scope, when};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// P(Binomial(t, p) ≥ n).
fn at_least(t: u32, p: f64, n: u32) -> f64 {
    // Sum the lower tail in log space to stay stable for large t.
    let mut below = 0.0;
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut log_choose = 0.0; // ln C(t, 0)
    for k in 0..n.min(t + 1) {
        if k > 0 {
            log_choose += f64::from(t - k + 1).ln() - f64::from(k).ln();
        }
        below += (log_choose + f64::from(k) * lp + f64::from(t - k) * lq).exp();
    }
    1.0 - below
}

/// The exact `q` quantile of the day the `n`-th success arrives
/// (negative binomial): the first t with P(T ≤ t) ≥ q.
fn negbin_quantile(n: u32, p: f64, q: f64) -> u32 {
    (n..).find(|t| at_least(*t, p, n) >= q).unwrap()
}

#[test]
fn bernoulli_throughput_matches_the_negative_binomial() {
    for (ones, n) in [(3usize, 20u32), (5, 40), (1, 5)] {
        let mut days = vec![0u32; 10];
        days[..ones].fill(1);
        let p = ones as f64 / 10.0;
        let o = when(
            &Pace::Daily(days),
            &Scope::Count(n),
            &Scenario::default(),
            10_000,
            100_000,
            &mut ChaCha8Rng::seed_from_u64(7),
        )
        .unwrap();
        for e in o.finishes() {
            let exact = negbin_quantile(n, p, f64::from(e.level) / 100.0);
            assert!(
                e.low <= exact && exact <= e.high,
                "p={p} n={n} level {}: simulated {} (95% interval {}..={}), exact {exact}",
                e.level,
                e.value,
                e.low,
                e.high
            );
        }
    }
}

fn weeks(pace: Pace, scope: Scope, seed: u64) -> Vec<(u8, u32)> {
    when(
        &pace,
        &scope,
        &Scenario::default(),
        10_000,
        10_000,
        &mut ChaCha8Rng::seed_from_u64(seed),
    )
    .unwrap()
    .finishes()
    .iter()
    .map(|e| (e.level, e.value))
    .collect()
}

/// Troy Magennis' throughput forecaster, case (a): 20-25 stories, split
/// 1-1.5, weekly throughput 1 / most often 3 / 10 → 7, 8, 9 weeks at 50, 85
/// and 95 %. Within one week at every level, for several seeds.
#[test]
fn magennis_case_a() {
    for seed in [1, 2, 3, 42] {
        let got = weeks(
            Pace::Weekly {
                low: 1.0,
                likely: Some(3.0),
                high: 10.0,
            },
            Scope::Range {
                low: 20,
                high: 25,
                split_low: 1.0,
                split_high: 1.5,
            },
            seed,
        );
        for (level, want) in [(50, 7), (85, 8), (95, 9)] {
            let w = got.iter().find(|(l, _)| *l == level).unwrap().1;
            assert!(
                w.abs_diff(want) <= 1,
                "seed {seed} level {level}: {w} weeks, published {want}"
            );
        }
    }
}

/// Case (b): 50-58 stories, split 1-2, weekly throughput 3-6 → 19, 23, 25.
#[test]
fn magennis_case_b() {
    for seed in [1, 2, 3, 42] {
        let got = weeks(
            Pace::Weekly {
                low: 3.0,
                likely: None,
                high: 6.0,
            },
            Scope::Range {
                low: 50,
                high: 58,
                split_low: 1.0,
                split_high: 2.0,
            },
            seed,
        );
        for (level, want) in [(50, 19), (85, 23), (95, 25)] {
            let w = got.iter().find(|(l, _)| *l == level).unwrap().1;
            assert!(
                w.abs_diff(want) <= 1,
                "seed {seed} level {level}: {w} weeks, published {want}"
            );
        }
    }
}
