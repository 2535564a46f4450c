//! Ranking workloads: a synthetic backlog with WSJF inputs and blocks
//! links, scored and ordered by the engine exactly as `cairn rank` does.

use anyhow::{Result, bail};
use cairn_core::{Config, FieldValue};
use cairn_engine::order::{Graph, Ranked};
use cairn_engine::score::{ItemInputs, Model, ModelKind, Read};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::time::Instant;

const CONFIG: &str = r#"
[workflow]
states = [{ name = "todo", category = "todo" }, { name = "done", category = "done" }]
[fields.business_value]
type = "number"
[fields.time_criticality]
type = "number"
[fields.risk_reduction]
type = "number"
[fields.confidence]
type = "number"
[ranking.inputs]
job_size = "estimate"
"#;

const FIB: [f64; 7] = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0];

/// A synthetic backlog: each item's stored fields and estimate, its
/// creation time, and blocks links.
pub struct Backlog {
    pub fields: Vec<BTreeMap<String, FieldValue>>,
    pub estimate: Vec<Option<f64>>,
    pub created: Vec<i64>,
    pub edges: Vec<(u32, u32)>,
}

pub fn model() -> Result<Model> {
    let c = Config::parse(CONFIG)?;
    Model::new(ModelKind::Wsjf, &c, 20_000).map_err(anyhow::Error::msg)
}

/// `n` items, 95 % with every WSJF input; `links` blocks links, mostly
/// between nearby items (as in real backlogs), plus a few cycles.
pub fn generate(n: usize, links: usize, seed: u64) -> Backlog {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fields = Vec::with_capacity(n);
    let mut estimate = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    for i in 0..n {
        let mut f = BTreeMap::new();
        let fib = |rng: &mut ChaCha8Rng| FieldValue::Number(FIB[rng.gen_range(0..7)]);
        f.insert("business_value".to_string(), fib(&mut rng));
        f.insert("time_criticality".to_string(), fib(&mut rng));
        if rng.gen_bool(0.95) {
            f.insert("risk_reduction".to_string(), fib(&mut rng));
        }
        f.insert(
            "confidence".to_string(),
            FieldValue::Number([50.0, 80.0, 100.0][rng.gen_range(0..3)]),
        );
        fields.push(f);
        estimate.push(Some(FIB[rng.gen_range(0..6)]));
        created.push(1_700_000_000_000 + i as i64 * 60_000);
    }
    let mut edges = Vec::with_capacity(links);
    while edges.len() < links && n > 1 {
        let a = rng.gen_range(0..n - 1);
        let b = (a + rng.gen_range(1..=2_000)).min(n - 1);
        edges.push((a as u32, b as u32));
    }
    // A handful of cycles, which must be reported without stopping the ranking.
    for _ in 0..5.min(edges.len()) {
        let (a, b) = edges[rng.gen_range(0..edges.len())];
        edges.push((b, a));
    }
    Backlog {
        fields,
        estimate,
        created,
        edges,
    }
}

impl Backlog {
    pub fn inputs(&self, i: usize) -> ItemInputs<'_> {
        ItemInputs {
            fields: &self.fields[i],
            estimate: self.estimate[i],
            goals: 0,
            release: None,
        }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }
}

/// Score every item.
pub fn score_all(m: &Model, b: &Backlog) -> Result<Vec<Option<f64>>> {
    let mut scores = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        match m.score_item(&b.inputs(i)) {
            Ok(s) => scores.push(s.ok()),
            Err(p) => bail!("item {i}: {}", p[0].message),
        }
    }
    Ok(scores)
}

/// Score, build the graph and order: the whole of a `cairn rank` after
/// loading.
pub fn rank(m: &Model, b: &Backlog) -> Result<(Graph, Ranked)> {
    let scores = score_all(m, b)?;
    let g = Graph::new(b.len(), &b.edges);
    let r = g.rank(&scores, &b.created, false);
    Ok((g, r))
}

/// Is the order a permutation that respects every link outside a cycle?
pub fn check(g: &Graph, r: &Ranked, b: &Backlog) -> Result<()> {
    let mut seen = vec![false; b.len()];
    for &v in &r.order {
        if std::mem::replace(&mut seen[v as usize], true) {
            bail!("item {v} appears twice in the order");
        }
    }
    if r.order.len() != b.len() {
        bail!("the order has {} items, not {}", r.order.len(), b.len());
    }
    for &(a, c) in &b.edges {
        if !g.same_cycle(a, c) && r.position[a as usize] >= r.position[c as usize] {
            bail!("{a} blocks {c} but is ordered after it");
        }
    }
    Ok(())
}

/// Everything `cairn rank --explain` computes for one item once the
/// ranking exists: its terms, formula, inherited path, and what it takes
/// to pass each neighbour. Returns the number of suggested changes.
pub fn explain(m: &Model, g: &Graph, r: &Ranked, b: &Backlog, x: usize) -> usize {
    let Ok(Read::Values(v)) = m.read(&b.inputs(x)) else {
        return 0;
    };
    let v = &v;
    let _terms = m.terms(v);
    let _formula = m.formula(v);
    if let Some(src) = r.inherited_from[x] {
        let _ = g.path(x as u32, src);
    }
    let pos = r.position[x] as usize;
    let mut n = 0;
    if pos > 0 {
        let a = r.order[pos - 1];
        if !g.must_precede(a, x as u32)
            && let Some(t) = r.effective[a as usize]
        {
            n += m.what_it_takes(v, t, true).len();
        }
    }
    if pos + 1 < r.order.len() {
        let b = r.order[pos + 1];
        if !g.must_precede(x as u32, b)
            && let Some(t) = r.effective[b as usize]
        {
            n += m.what_it_takes(v, t, false).len();
        }
    }
    n
}

/// Time one full ranking of `n` items; prints one JSON line (used in a
/// child process, so the peak RSS is the ranking's alone).
pub fn child(n: usize, links: usize, seed: u64) -> Result<()> {
    let m = model()?;
    let b = generate(n, links, seed);
    let t = Instant::now();
    let (g, r) = rank(&m, &b)?;
    let elapsed = t.elapsed().as_secs_f64();
    check(&g, &r, &b)?;
    let unscored = r.effective.iter().filter(|e| e.is_none()).count();
    println!(
        "{}",
        serde_json::json!({
            "elapsed_s": elapsed,
            "vmhwm_kib": crate::vmhwm_kib()?,
            "items": n,
            "links": b.edges.len(),
            "cycles": g.cycles.len(),
            "unscored": unscored,
        })
    );
    Ok(())
}
