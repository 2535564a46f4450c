//! Text similarity: TF-IDF vectors over stemmed topic terms, cosine
//! similarity, and an exact all-pairs search above a threshold.
//!
//! The all-pairs search uses prefix filtering: each document indexes only
//! its rarest terms, up to the point where the rest of its vector has a norm
//! below the threshold. Two documents whose cosine reaches the threshold
//! must share a term in one of those prefixes, so probing every document's
//! full vector against the prefix index finds every such pair and no dot
//! product is computed for pairs that cannot qualify.

use crate::text::terms;
use std::collections::HashMap;

/// A set of documents ready for similarity queries.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    ids: HashMap<String, u32>,
    /// Term id → the word it was first seen as (for explanations).
    surface: Vec<String>,
    /// Term id → how many documents contain it.
    df: Vec<u32>,
    /// Unit-length TF-IDF vectors, sorted by term id.
    docs: Vec<Vec<(u32, f32)>>,
}

/// Two similar documents (`a < b`, indexes into the corpus).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub score: f64,
}

impl Corpus {
    pub fn build<S: AsRef<str>>(texts: &[S]) -> Corpus {
        let mut c = Corpus::default();
        let mut counts: Vec<Vec<(u32, u32)>> = Vec::with_capacity(texts.len());
        for t in texts {
            let mut tf: HashMap<u32, u32> = HashMap::new();
            for (stem, word) in terms(t.as_ref()) {
                let next = c.surface.len() as u32;
                let id = *c.ids.entry(stem).or_insert_with(|| {
                    c.surface.push(word.lower());
                    c.df.push(0);
                    next
                });
                *tf.entry(id).or_insert(0) += 1;
            }
            let mut v: Vec<_> = tf.into_iter().collect();
            v.sort_unstable();
            for &(id, _) in &v {
                c.df[id as usize] += 1;
            }
            counts.push(v);
        }
        let n = texts.len();
        c.docs = counts.into_iter().map(|v| c.weigh(&v, n)).collect();
        c
    }

    fn idf(&self, id: u32, n: usize) -> f64 {
        ((n as f64 + 1.0) / (f64::from(self.df[id as usize]) + 1.0)).ln() + 1.0
    }

    fn weigh(&self, counts: &[(u32, u32)], n: usize) -> Vec<(u32, f32)> {
        let raw: Vec<(u32, f64)> = counts
            .iter()
            .map(|&(id, tf)| (id, (1.0 + f64::from(tf).ln()) * self.idf(id, n)))
            .collect();
        let norm = raw.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Vec::new();
        }
        raw.into_iter()
            .map(|(id, w)| (id, (w / norm) as f32))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Cosine similarity of two documents of the corpus.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        match (self.docs.get(a), self.docs.get(b)) {
            (Some(x), Some(y)) => dot(x, y),
            _ => 0.0,
        }
    }

    /// The terms two documents share, strongest contribution first, as
    /// the words they were written with.
    pub fn shared_terms(&self, a: usize, b: usize, limit: usize) -> Vec<String> {
        let (Some(x), Some(y)) = (self.docs.get(a), self.docs.get(b)) else {
            return Vec::new();
        };
        let mut shared = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            match x[i].0.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared.push((x[i].1 * y[j].1, x[i].0));
                    i += 1;
                    j += 1;
                }
            }
        }
        shared.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
        shared
            .into_iter()
            .take(limit)
            .map(|(_, id)| self.surface[id as usize].clone())
            .collect()
    }

    /// The terms a group of documents has in common, as written: those
    /// found in at least half of them (and in two or more), by their summed
    /// weight.
    pub fn group_terms(&self, docs: &[usize], limit: usize) -> Vec<String> {
        let mut sum: HashMap<u32, (u32, f64)> = HashMap::new();
        for &d in docs {
            for &(id, w) in self.docs.get(d).map_or(&[][..], |v| v.as_slice()) {
                let e = sum.entry(id).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += f64::from(w);
            }
        }
        let need = (docs.len() as u32).div_ceil(2).max(2);
        let mut common: Vec<(u32, f64)> = sum
            .into_iter()
            .filter(|(_, (n, _))| *n >= need)
            .map(|(id, (_, w))| (id, w))
            .collect();
        common.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        common
            .into_iter()
            .take(limit)
            .map(|(id, _)| self.surface[id as usize].clone())
            .collect()
    }

    /// Every pair of documents with cosine ≥ `threshold`, most similar first.
    pub fn pairs(&self, threshold: f64) -> Vec<Pair> {
        let t = threshold.clamp(1e-6, 1.0);
        // Global order: rarest terms first.
        let mut order: Vec<u32> = (0..self.surface.len() as u32).collect();
        order.sort_by_key(|&id| (self.df[id as usize], id));
        let mut position = vec![0u32; order.len()];
        for (p, &id) in order.iter().enumerate() {
            position[id as usize] = p as u32;
        }
        // The largest weight each term has in any document.
        let mut maxw = vec![0f32; self.surface.len()];
        for v in &self.docs {
            for &(id, w) in v {
                maxw[id as usize] = maxw[id as usize].max(w);
            }
        }
        let mut index: Vec<Vec<(u32, f32)>> = vec![Vec::new(); self.surface.len()];
        // Per document: what its unindexed rest can add to a dot product.
        let mut rest_bound = vec![0f64; self.docs.len()];
        let mut feats: Vec<(u32, f32)> = Vec::new();
        for (d, v) in self.docs.iter().enumerate() {
            feats.clear();
            feats.extend_from_slice(v);
            feats.sort_by_key(|&(id, _)| position[id as usize]);
            // What the rest of the vector can add to any dot product: at
            // most its norm (Cauchy-Schwarz), and at most the sum of its
            // weights times each term's largest weight anywhere.
            let sq = |w: f32| f64::from(w) * f64::from(w);
            let mut norm2: f64 = feats.iter().map(|&(_, w)| sq(w)).sum();
            let mut by_max: f64 = feats
                .iter()
                .map(|&(id, w)| f64::from(w) * f64::from(maxw[id as usize]))
                .sum();
            for &(id, w) in &feats {
                let bound = norm2.max(0.0).sqrt().min(by_max);
                if bound < t - 1e-9 {
                    break;
                }
                index[id as usize].push((d as u32, w));
                norm2 -= sq(w);
                by_max -= f64::from(w) * f64::from(maxw[id as usize]);
            }
            rest_bound[d] = norm2.max(0.0).sqrt().min(by_max.max(0.0));
        }
        let mut out = Vec::new();
        // Partial dot products over indexed terms, per candidate.
        let mut acc = vec![0f64; self.docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (b, v) in self.docs.iter().enumerate() {
            for &(id, wb) in v {
                for &(a, wa) in &index[id as usize] {
                    if a as usize >= b {
                        break;
                    }
                    if acc[a as usize] == 0.0 {
                        touched.push(a);
                    }
                    acc[a as usize] += f64::from(wa) * f64::from(wb);
                }
            }
            for &a in &touched {
                let a = a as usize;
                if acc[a] + rest_bound[a] >= t - 1e-9 {
                    let score = dot(&self.docs[a], v);
                    if score >= t - 1e-9 {
                        out.push(Pair {
                            a,
                            b,
                            score: score.min(1.0),
                        });
                    }
                }
                acc[a] = 0.0;
            }
            touched.clear();
        }
        out.sort_by(|p, q| {
            q.score
                .total_cmp(&p.score)
                .then((p.a, p.b).cmp(&(q.a, q.b)))
        });
        out
    }

    /// The `limit` documents most similar to `text` (which need not be in
    /// the corpus; its unknown terms are ignored), most similar first.
    pub fn nearest(&self, text: &str, limit: usize) -> Vec<(usize, f64)> {
        let mut tf: HashMap<u32, u32> = HashMap::new();
        for (stem, _) in terms(text) {
            if let Some(&id) = self.ids.get(&stem) {
                *tf.entry(id).or_insert(0) += 1;
            }
        }
        let mut v: Vec<_> = tf.into_iter().collect();
        v.sort_unstable();
        let q = self.weigh(&v, self.docs.len());
        let mut scored: Vec<(usize, f64)> = self
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| (i, dot(&q, d)))
            .filter(|&(_, s)| s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored
    }
}

fn dot(x: &[(u32, f32)], y: &[(u32, f32)]) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0.0f64);
    while i < x.len() && j < y.len() {
        match x[i].0.cmp(&y[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += f64::from(x[i].1) * f64::from(y[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn near_duplicates_are_found_with_their_shared_terms() {
        let c = Corpus::build(&[
            "As a clerk, I want to export invoices to PDF",
            "As a clerk, I want to export the invoices as PDF files",
            "As a manager, I want to approve holiday requests",
            "",
        ]);
        let pairs = c.pairs(0.6);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].a, pairs[0].b), (0, 1));
        let shared = c.shared_terms(0, 1, 3);
        assert!(shared.contains(&"invoices".to_string()), "{shared:?}");
        assert_eq!(c.nearest("approve a holiday request", 1)[0].0, 2);
        assert_eq!(c.similarity(0, 3), 0.0);
    }

    proptest! {
        /// Prefix filtering finds exactly the pairs a brute-force scan finds.
        #[test]
        fn pairs_match_brute_force(
            docs in proptest::collection::vec(
                proptest::collection::vec(prop::sample::select(vec!["alpha", "beta", "gamma", "delta", "report", "export", "invoice", "user"]), 0..6),
                0..25),
            t in 0.2f64..1.0,
        ) {
            let texts: Vec<String> = docs.iter().map(|d| d.join(" ")).collect();
            let c = Corpus::build(&texts);
            let got: Vec<(usize, usize)> = {
                let mut v: Vec<_> = c.pairs(t).iter().map(|p| (p.a, p.b)).collect();
                v.sort_unstable();
                v
            };
            let mut want = Vec::new();
            for b in 0..texts.len() {
                for a in 0..b {
                    if c.similarity(a, b) >= t - 1e-9 {
                        want.push((a, b));
                    }
                }
            }
            want.sort_unstable();
            prop_assert_eq!(got, want);
        }
    }
}
