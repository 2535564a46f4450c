//! Forecasting and planning workloads, run on the engine exactly as
//! `cairn forecast` and `cairn plan` run them after loading the items.

use anyhow::{Result, bail};
use cairn_engine::forecast::{self, Pace, Scenario, Scope};
use cairn_engine::order::Graph;
use cairn_engine::plan::{critical_path, pull_order};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// A team's daily throughput over 64 working days (about 90 calendar
/// days): 0 to 6 items a day, 2.3 on average, like a team of six.
pub fn history(seed: u64) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    const WEIGHTS: [(u32, u32); 7] = [(0, 15), (1, 20), (2, 22), (3, 20), (4, 13), (5, 7), (6, 3)];
    let total: u32 = WEIGHTS.iter().map(|w| w.1).sum();
    (0..64)
        .map(|_| {
            let mut x = rng.gen_range(0..total);
            for (v, w) in WEIGHTS {
                if x < w {
                    return v;
                }
                x -= w;
            }
            0
        })
        .collect()
}

/// *When* for `items` items, `trials` trials: the elapsed time.
pub fn when(samples: &[u32], items: u32, trials: usize, seed: u64) -> Result<(Duration, u32)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t = Instant::now();
    let o = forecast::when(
        &Pace::Daily(samples.to_vec()),
        &Scope::Count(items),
        &Scenario::default(),
        trials,
        5_000,
        &mut rng,
    )?;
    let el = t.elapsed();
    Ok((el, o.finish(85).value))
}

/// Blocks links over `n` ranked items, acyclic: mostly between items
/// near each other in the ranking, and about a third of them pointing up
/// the ranking (a blocker ranked below what it blocks), which the pull
/// order has to fix.
pub fn backlog_links(n: usize, links: usize, seed: u64) -> Vec<(u32, u32)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The dependency order: the ranking, locally shuffled.
    let mut dep: Vec<u32> = (0..n as u32).collect();
    for i in 0..n.saturating_sub(1) {
        if rng.gen_bool(0.5) {
            let j = (i + rng.gen_range(1..8)).min(n - 1);
            dep.swap(i, j);
        }
    }
    (0..links)
        .filter_map(|_| {
            let a = rng.gen_range(0..n - 1);
            let reach = if rng.gen_bool(0.9) { 20 } else { n };
            let b = (a + rng.gen_range(1..=reach.min(n - 1 - a).max(1))).min(n - 1);
            (a != b).then(|| (dep[a], dep[b]))
        })
        .collect()
}

/// The cut line over `n` ranked items: pull order, simulation, and the
/// per-item dates at every level. Returns the elapsed time and how many
/// items are at least 85 % likely by period `target`.
pub fn cut_line(
    samples: &[u32],
    n: usize,
    links: usize,
    trials: usize,
    target: u32,
    seed: u64,
) -> Result<(Duration, usize)> {
    let edges = backlog_links(n, links, seed);
    let priority: Vec<u32> = (0..n as u32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t = Instant::now();
    let g = Graph::new(n, &edges);
    let order = match pull_order(&g, &priority) {
        Ok(o) => o,
        Err(_) => bail!("the synthetic backlog has a cycle"),
    };
    let cl = forecast::cut_line(
        &Pace::Daily(samples.to_vec()),
        order.len(),
        &Scenario::default(),
        trials,
        Some(target),
        5_000,
        &mut rng,
    )?;
    let el = t.elapsed();
    if cl.finish.iter().any(|l| l.len() != n) {
        bail!("the cut line lost items");
    }
    let likely = cl.by_target.iter().filter(|p| **p >= 0.85).count();
    Ok((el, likely))
}

/// Critical path over `n` items and `links` links (acyclic, estimates
/// 1-13): elapsed time and the path's length in items.
pub fn critical(n: usize, links: usize, seed: u64) -> Result<(Duration, usize)> {
    let edges = backlog_links(n, links, seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 1);
    let d: Vec<f64> = (0..n)
        .map(|_| [1.0, 2.0, 3.0, 5.0, 8.0, 13.0][rng.gen_range(0..6)])
        .collect();
    let t = Instant::now();
    let g = Graph::new(n, &edges);
    let s = match critical_path(&g, &d) {
        Ok(s) => s,
        Err(_) => bail!("the synthetic graph has a cycle"),
    };
    let el = t.elapsed();
    let total: f64 = s.path.iter().map(|v| d[*v as usize]).sum();
    if (total - s.length).abs() > 1e-6 {
        bail!("the critical path's estimates do not add up to its length");
    }
    Ok((el, s.path.len()))
}
