//! Monte Carlo delivery forecasts.
//!
//! Each trial replays the future one period at a time (a working day from
//! history, or a week from an estimate), drawing that period's throughput,
//! until the scope is done (*when*) or the periods run out (*how many*).
//! The percentiles of many trials are the forecast. Randomness comes in
//! as a seeded RNG, so the same seed gives the same forecast.

use crate::flow::LEVELS;
use rand::Rng;
use rand::distributions::{Distribution, Uniform};

/// How fast items get done.
#[derive(Debug, Clone, PartialEq)]
pub enum Pace {
    /// Items delivered on each working day of the history window; every
    /// simulated day draws one of them at random (with replacement).
    Daily(Vec<u32>),
    /// No usable history: a weekly throughput estimate. With `likely` the
    /// draw is triangular(low, likely, high), else uniform(low, high).
    Weekly {
        low: f64,
        likely: Option<f64>,
        high: f64,
    },
}

/// What has to be done.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scope {
    Count(u32),
    /// A story-count range and a split-rate range (how many items each
    /// story becomes once the team works on it); each trial draws a count
    /// uniformly from `low..=high` and a split rate uniformly from
    /// `split_low..=split_high`, and needs ⌈count × split⌉ items.
    Range {
        low: u32,
        high: u32,
        split_low: f64,
        split_high: f64,
    },
}

/// A what-if: scope added (or removed, when negative) and throughput
/// scaled (0.8 = a fifth slower, e.g. one person fewer in five).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    pub add: i64,
    pub scale: f64,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario { add: 0, scale: 1.0 }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("the history has no delivered items, so it says nothing about pace")]
    NoThroughput,
    #[error("{0}")]
    BadEstimate(String),
    #[error("{0}")]
    BadScope(String),
    #[error("throughput scale {0} must be above 0 (1 = unchanged, 0.8 = a fifth slower)")]
    BadScale(f64),
}

impl Pace {
    pub fn check(&self) -> Result<(), ForecastError> {
        match self {
            Pace::Daily(v) => {
                if v.iter().all(|n| *n == 0) {
                    return Err(ForecastError::NoThroughput);
                }
            }
            Pace::Weekly { low, likely, high } => {
                let ok = |x: f64| x.is_finite() && x >= 0.0;
                if !ok(*low) || !ok(*high) || likely.is_some_and(|m| !ok(m)) {
                    return Err(ForecastError::BadEstimate(
                        "weekly throughput must be numbers of items, 0 or more".into(),
                    ));
                }
                if *high <= 0.0 {
                    return Err(ForecastError::BadEstimate(
                        "the high weekly throughput must be above 0".into(),
                    ));
                }
                let m = likely.unwrap_or(*low);
                if !(low <= &m && m <= *high) {
                    return Err(ForecastError::BadEstimate(format!(
                        "weekly throughput must be ordered low ≤ likely ≤ high; got {low}, {}, {high}",
                        likely.map_or("-".to_string(), |m| m.to_string())
                    )));
                }
            }
        }
        Ok(())
    }

    /// Average items per period.
    pub fn mean(&self) -> f64 {
        match self {
            Pace::Daily(v) if v.is_empty() => 0.0,
            Pace::Daily(v) => v.iter().map(|n| f64::from(*n)).sum::<f64>() / v.len() as f64,
            Pace::Weekly { low, likely, high } => match likely {
                Some(m) => (low + m + high) / 3.0,
                None => (low + high) / 2.0,
            },
        }
    }
}

/// A pace ready to draw from many times, with the what-if's scale applied.
enum Sampler {
    /// History days, pre-scaled; an empty history draws 0.
    Daily {
        values: Vec<f64>,
        pick: Uniform<u32>,
    },
    Weekly {
        low: f64,
        likely: Option<f64>,
        high: f64,
        scale: f64,
    },
}

impl Sampler {
    fn new(pace: &Pace, scale: f64) -> Sampler {
        match pace {
            Pace::Daily(v) => {
                let mut values: Vec<f64> = v.iter().map(|x| f64::from(*x) * scale).collect();
                if values.is_empty() {
                    values.push(0.0);
                }
                let pick = Uniform::new(0, values.len() as u32);
                Sampler::Daily { values, pick }
            }
            Pace::Weekly { low, likely, high } => Sampler::Weekly {
                low: *low,
                likely: *likely,
                high: *high,
                scale,
            },
        }
    }

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Sampler::Daily { ref values, pick } => values[pick.sample(rng) as usize],
            Sampler::Weekly {
                low,
                likely,
                high,
                scale,
            } => {
                if high <= low {
                    return low * scale;
                }
                let u: f64 = rng.r#gen();
                scale
                    * match likely {
                        None => low + u * (high - low),
                        Some(m) => triangular(u, low, m, high),
                    }
            }
        }
    }
}

/// The inverse CDF of the triangular distribution at `u` in [0, 1).
fn triangular(u: f64, a: f64, c: f64, b: f64) -> f64 {
    let f = (c - a) / (b - a);
    if u < f {
        a + (u * (b - a) * (c - a)).sqrt()
    } else {
        b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
    }
}

impl Scope {
    pub fn check(&self) -> Result<(), ForecastError> {
        if let Scope::Range {
            low,
            high,
            split_low,
            split_high,
        } = *self
        {
            if low > high {
                return Err(ForecastError::BadScope(format!(
                    "the story range {low}-{high} is backwards; write low-high"
                )));
            }
            if !(split_low.is_finite() && split_high.is_finite())
                || split_low < 1.0
                || split_low > split_high
            {
                return Err(ForecastError::BadScope(format!(
                    "the split rate {split_low}-{split_high} must be low-high with low at least 1 (1 = stories are not split)"
                )));
            }
        }
        Ok(())
    }

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        match *self {
            Scope::Count(n) => n,
            Scope::Range {
                low,
                high,
                split_low,
                split_high,
            } => {
                let stories = rng.gen_range(low..=high);
                let split = if split_high > split_low {
                    rng.gen_range(split_low..=split_high)
                } else {
                    split_low
                };
                // Saturating float-to-int conversion.
                (f64::from(stories) * split).ceil() as u32
            }
        }
    }
}

/// Percentile with its sampling error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// The confidence level, e.g. 85.
    pub level: u8,
    pub value: u32,
    /// The 95 % confidence interval of this percentile over reruns with
    /// other seeds (distribution-free, from order statistics).
    pub low: u32,
    pub high: u32,
}

impl Estimate {
    /// Half the width of the 95 % interval, rounded up: "± this much".
    pub fn error(&self) -> u32 {
        (self.high - self.low).div_ceil(2)
    }
}

/// The sorted results of every trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub samples: Vec<u32>,
    /// Trials that had not finished within the period cap.
    pub capped: usize,
}

impl Outcome {
    fn new(mut samples: Vec<u32>, capped: usize) -> Outcome {
        samples.sort_unstable();
        Outcome { samples, capped }
    }

    /// The value at quantile `q` (0..1) by nearest rank, with a 95 %
    /// order-statistic interval.
    fn quantile(&self, level: u8, q: f64) -> Estimate {
        let n = self.samples.len();
        if n == 0 {
            return Estimate {
                level,
                value: 0,
                low: 0,
                high: 0,
            };
        }
        let nf = n as f64;
        let at = |r: f64| self.samples[(r.ceil().max(1.0) as usize).min(n) - 1];
        let spread = 1.96 * (nf * q * (1.0 - q)).sqrt();
        Estimate {
            level,
            value: at(nf * q),
            low: at(nf * q - spread),
            high: at(nf * q + spread + 1.0),
        }
    }

    /// *When*: the period by which `level` percent of trials finished.
    pub fn finish(&self, level: u8) -> Estimate {
        self.quantile(level, f64::from(level) / 100.0)
    }

    /// *How many*: the count at least `level` percent of trials reached.
    pub fn at_least(&self, level: u8) -> Estimate {
        let q = 1.0 - f64::from(level) / 100.0;
        let n = self.samples.len();
        if n == 0 {
            return self.quantile(level, q);
        }
        // The largest count c with P(count ≥ c) ≥ level: sorted[floor(q·n)].
        let nf = n as f64;
        let idx = |r: f64| (r.floor().max(0.0) as usize).min(n - 1);
        let spread = 1.96 * (nf * q * (1.0 - q)).sqrt();
        Estimate {
            level,
            value: self.samples[idx(nf * q)],
            low: self.samples[idx(nf * q - spread - 1.0)],
            high: self.samples[idx(nf * q + spread)],
        }
    }

    /// Estimates at the standard levels.
    pub fn finishes(&self) -> Vec<Estimate> {
        LEVELS.iter().map(|l| self.finish(*l)).collect()
    }

    pub fn counts(&self) -> Vec<Estimate> {
        LEVELS.iter().map(|l| self.at_least(*l)).collect()
    }

    /// (value, trials) pairs, ascending.
    pub fn histogram(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for v in &self.samples {
            match out.last_mut() {
                Some((x, c)) if x == v => *c += 1,
                _ => out.push((*v, 1)),
            }
        }
        out
    }
}

fn check_scale(s: &Scenario) -> Result<(), ForecastError> {
    if !(s.scale.is_finite() && s.scale > 0.0) {
        return Err(ForecastError::BadScale(s.scale));
    }
    Ok(())
}

/// *When*: periods (working days or weeks) until the scope is done, per
/// trial. A trial still running after `cap` periods stops there and
/// counts as `cap`.
pub fn when<R: Rng + ?Sized>(
    pace: &Pace,
    scope: &Scope,
    what_if: &Scenario,
    trials: usize,
    cap: u32,
    rng: &mut R,
) -> Result<Outcome, ForecastError> {
    pace.check()?;
    scope.check()?;
    check_scale(what_if)?;
    let sampler = Sampler::new(pace, what_if.scale);
    let mut out = Vec::with_capacity(trials);
    let mut capped = 0;
    for _ in 0..trials {
        let n = i64::from(scope.draw(rng)) + what_if.add;
        let need = n.max(0) as f64;
        let mut done = 0.0;
        let mut periods = 0u32;
        while done < need && periods < cap {
            done += sampler.draw(rng);
            periods += 1;
        }
        if done < need {
            capped += 1;
        }
        out.push(periods);
    }
    Ok(Outcome::new(out, capped))
}

/// *How many* items are done after `periods` periods, per trial. Scope
/// changes (`what_if.add`) do not change how many get done; only the
/// scale applies.
pub fn how_many<R: Rng + ?Sized>(
    pace: &Pace,
    periods: u32,
    what_if: &Scenario,
    trials: usize,
    rng: &mut R,
) -> Result<Outcome, ForecastError> {
    pace.check()?;
    check_scale(what_if)?;
    let sampler = Sampler::new(pace, what_if.scale);
    let mut out = Vec::with_capacity(trials);
    for _ in 0..trials {
        let mut done = 0.0;
        for _ in 0..periods {
            done += sampler.draw(rng);
        }
        out.push(done.floor().min(f64::from(u32::MAX)) as u32);
    }
    Ok(Outcome::new(out, 0))
}

/// The ranked backlog worked through in order: when each position is done.
#[derive(Debug, Clone, PartialEq)]
pub struct CutLine {
    /// For each of `LEVELS`, per position (0-based) the period by which the
    /// item there is done in that share of trials; `None` past the cap.
    pub finish: Vec<Vec<Option<u32>>>,
    /// Per position, the share of trials in which it is done by the
    /// target period.
    pub by_target: Vec<f64>,
    /// Per period from 1: items done at the 5th, 15th, 50th, 85th and 95th
    /// percentiles of trials (the burn-up cone), at most `n`.
    pub cone: Vec<[u32; 5]>,
}

/// Per position, the share of trials whose count reached it.
fn chances(done: &[f64], by_target: &mut [f64]) {
    let mut sorted: Vec<u64> = done.iter().map(|d| d.floor() as u64).collect();
    sorted.sort_unstable();
    let tf = done.len() as f64;
    for (k, p) in by_target.iter_mut().enumerate() {
        // Trials whose count reached k + 1.
        let below = sorted.partition_point(|c| *c < k as u64 + 1);
        *p = (done.len() - below) as f64 / tf;
    }
}

/// The cone's quantiles, as shares of trials.
pub const CONE: [f64; 5] = [0.05, 0.15, 0.5, 0.85, 0.95];

/// Simulate working through `n` ranked items, `trials` times, for up to
/// `cap` periods. Items finish in order (the order already puts blockers
/// first), so position `k` is done once a trial's cumulative count reaches
/// `k + 1`. All trials advance together one period at a time; after each
/// period the per-level quantiles of the cumulative counts give which
/// positions are done at each confidence.
pub fn cut_line<R: Rng + ?Sized>(
    pace: &Pace,
    n: usize,
    what_if: &Scenario,
    trials: usize,
    target: Option<u32>,
    cap: u32,
    rng: &mut R,
) -> Result<CutLine, ForecastError> {
    pace.check()?;
    check_scale(what_if)?;
    let trials = trials.max(1);
    let sampler = Sampler::new(pace, what_if.scale);
    let mut done = vec![0f64; trials];
    let mut finish = vec![vec![None; n]; LEVELS.len()];
    let mut next = [0usize; LEVELS.len()];
    let mut by_target = vec![0.0; n];
    let mut cone = Vec::new();
    let tf = trials as f64;
    // Index of the `level` quantile of "done at least": floor((1 - level)·trials).
    let level_idx: Vec<usize> = LEVELS
        .iter()
        .map(|l| (((1.0 - f64::from(*l) / 100.0) * tf).floor() as usize).min(trials - 1))
        .collect();
    let cone_idx: Vec<usize> = CONE
        .iter()
        .map(|q| ((q * tf).floor() as usize).min(trials - 1))
        .collect();
    let mut period = 0u32;
    let mut measured = false;
    while period < cap {
        period += 1;
        for d in done.iter_mut() {
            *d += sampler.draw(rng);
        }
        for (li, idx) in level_idx.iter().enumerate() {
            let (_, v, _) = done.select_nth_unstable_by(*idx, f64::total_cmp);
            let reached = (v.floor() as usize).min(n);
            while next[li] < reached {
                finish[li][next[li]] = Some(period);
                next[li] += 1;
            }
        }
        let mut c = [0u32; 5];
        for (slot, idx) in cone_idx.iter().enumerate() {
            let (_, v, _) = done.select_nth_unstable_by(*idx, f64::total_cmp);
            c[slot] = v.floor().min(n as f64) as u32;
        }
        cone.push(c);
        // Every trial has finished everything: later days change nothing.
        let finished = c[0] as usize >= n && done.iter().all(|d| d.floor() as usize >= n);
        if Some(period) == target || (finished && target.is_some_and(|t| t > period)) {
            chances(&done, &mut by_target);
            measured = true;
        }
        let all_done = next.iter().all(|x| *x >= n);
        if finished || (all_done && target.is_none_or(|t| period >= t)) {
            break;
        }
    }
    // A target past the horizon: the chances at the horizon, a lower bound.
    if target.is_some() && !measured {
        chances(&done, &mut by_target);
    }
    Ok(CutLine {
        finish,
        by_target,
        cone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(42)
    }

    #[test]
    fn constant_throughput_finishes_on_the_ceiling_day_at_every_level() {
        for (k, n) in [(1, 10), (3, 10), (2, 2), (5, 101), (4, 1)] {
            let o = when(
                &Pace::Daily(vec![k; 20]),
                &Scope::Count(n),
                &Scenario::default(),
                500,
                10_000,
                &mut rng(),
            )
            .unwrap();
            for e in o.finishes() {
                assert_eq!(e.value, n.div_ceil(k), "k={k} n={n} level={}", e.level);
                assert_eq!(e.error(), 0);
            }
        }
    }

    #[test]
    fn how_many_with_constant_throughput_is_exact() {
        let o = how_many(
            &Pace::Daily(vec![3]),
            7,
            &Scenario::default(),
            200,
            &mut rng(),
        )
        .unwrap();
        assert!(o.counts().iter().all(|e| e.value == 21));
    }

    #[test]
    fn zero_history_is_refused() {
        let e = when(
            &Pace::Daily(vec![0, 0]),
            &Scope::Count(3),
            &Scenario::default(),
            10,
            100,
            &mut rng(),
        )
        .unwrap_err();
        assert_eq!(e, ForecastError::NoThroughput);
    }

    #[test]
    fn bad_estimates_and_scopes_say_why() {
        let e = Pace::Weekly {
            low: 5.0,
            likely: Some(3.0),
            high: 10.0,
        }
        .check()
        .unwrap_err();
        assert!(e.to_string().contains("low ≤ likely ≤ high"), "{e}");
        let e = Scope::Range {
            low: 9,
            high: 3,
            split_low: 1.0,
            split_high: 1.0,
        }
        .check()
        .unwrap_err();
        assert!(e.to_string().contains("backwards"), "{e}");
    }

    #[test]
    fn the_cut_line_agrees_with_when_for_each_position() {
        let pace = Pace::Daily(vec![0, 1, 1, 2, 3]);
        let cl = cut_line(
            &pace,
            30,
            &Scenario::default(),
            4000,
            Some(10),
            1000,
            &mut rng(),
        )
        .unwrap();
        // Position 19 (the 20th item) at 85 % vs a direct *when* of 20 items.
        let w = when(
            &pace,
            &Scope::Count(20),
            &Scenario::default(),
            4000,
            1000,
            &mut rng(),
        )
        .unwrap();
        let direct = w.finish(85);
        let via = cl.finish[2][19].unwrap();
        assert!(
            via.abs_diff(direct.value) <= direct.error() + 1,
            "cut line {via}, when {direct:?}"
        );
        // Probabilities fall along the backlog.
        assert!(cl.by_target.windows(2).all(|w| w[0] >= w[1]));
        assert!(cl.by_target[0] > 0.9 && cl.by_target[29] < 0.1);
        // Levels are ordered: more confidence, later.
        for k in 0..30 {
            let f: Vec<u32> = (0..4).map(|l| cl.finish[l][k].unwrap()).collect();
            assert!(f.windows(2).all(|w| w[0] <= w[1]), "{f:?}");
        }
    }

    #[test]
    fn triangular_stays_in_range() {
        for i in 0..1000 {
            let u = f64::from(i) / 1000.0;
            let x = triangular(u, 1.0, 3.0, 10.0);
            assert!((1.0..=10.0).contains(&x));
        }
        assert!((triangular(0.5, 0.0, 5.0, 10.0) - 5.0).abs() < 1e-9);
    }
}
