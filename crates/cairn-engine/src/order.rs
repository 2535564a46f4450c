//! Dependency-aware ordering: scores in, an order out that respects every
//! `blocks` link.
//!
//! - A blocker inherits the score of the most valuable item it
//!   (transitively) unblocks, kept apart from its own score, so a low-value
//!   enabler that gates the top feature rises with it.
//! - Every blocker comes before what it blocks. Items in a cycle of blocks
//!   links are reported with the cycle; the links inside the cycle are set
//!   aside so the rest of the ranking still completes.
//! - Among items free to go next, the higher effective score goes first;
//!   ties break by age (older first), then by index (the caller numbers
//!   items in key order).
//!
//! Nodes are `u32` indices; the graph is built once ([`Graph::new`]) and can
//! order any number of score vectors, which is how a backlog is re-ranked
//! after one item's inputs change.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const NONE: u32 = u32::MAX;

/// The blocks graph in compressed form, with its strongly connected
/// components.
#[derive(Debug, Clone)]
pub struct Graph {
    n: usize,
    out_start: Vec<u32>,
    out: Vec<u32>,
    in_start: Vec<u32>,
    inn: Vec<u32>,
    /// Component of each node, numbered so an edge between components
    /// always goes from a higher number to a lower one.
    comp: Vec<u32>,
    /// Nodes grouped by component, components in increasing number.
    by_comp: Vec<u32>,
    comp_start: Vec<u32>,
    /// Each cycle as a path `a → b → … → a`.
    pub cycles: Vec<Vec<u32>>,
}

/// An order over the nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Nodes, first to last.
    pub order: Vec<u32>,
    /// Node → its place in `order`.
    pub position: Vec<u32>,
    /// The score each node is ordered by: its own or the inherited one,
    /// whichever is higher; `None` for an unscored item that unblocks
    /// nothing scored.
    pub effective: Vec<Option<f64>>,
    /// The node whose own score this one inherits, when that is higher
    /// than its own.
    pub inherited_from: Vec<Option<u32>>,
}

impl Graph {
    /// `edges` are `(blocker, blocked)` pairs over nodes `0..n`; repeats and
    /// self-loops are allowed (a self-loop is reported as a cycle).
    pub fn new(n: usize, edges: &[(u32, u32)]) -> Graph {
        let (out_start, out) = csr(n, edges.iter().map(|&(a, b)| (a, b)), edges.len());
        let (in_start, inn) = csr(n, edges.iter().map(|&(a, b)| (b, a)), edges.len());
        let mut g = Graph {
            n,
            out_start,
            out,
            in_start,
            inn,
            comp: Vec::new(),
            by_comp: Vec::new(),
            comp_start: Vec::new(),
            cycles: Vec::new(),
        };
        g.components();
        g
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The nodes `v` blocks.
    pub fn succ(&self, v: u32) -> &[u32] {
        &self.out[self.out_start[v as usize] as usize..self.out_start[v as usize + 1] as usize]
    }

    /// The nodes that block `v`.
    pub fn pred(&self, v: u32) -> &[u32] {
        &self.inn[self.in_start[v as usize] as usize..self.in_start[v as usize + 1] as usize]
    }

    /// Do `a` and `b` sit in the same cycle?
    pub fn same_cycle(&self, a: u32, b: u32) -> bool {
        self.comp[a as usize] == self.comp[b as usize]
    }

    /// Iterative Tarjan: components come out sinks first.
    fn components(&mut self) {
        let n = self.n;
        let mut index = vec![NONE; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut work: Vec<(u32, u32)> = Vec::new();
        let mut comp = vec![NONE; n];
        let mut by_comp = Vec::with_capacity(n);
        let mut comp_start = vec![0u32];
        let mut next = 0u32;
        for root in 0..n as u32 {
            if index[root as usize] != NONE {
                continue;
            }
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            work.push((root, self.out_start[root as usize]));
            while let Some(&mut (v, ref mut e)) = work.last_mut() {
                let vi = v as usize;
                if *e < self.out_start[vi + 1] {
                    let w = self.out[*e as usize];
                    *e += 1;
                    let wi = w as usize;
                    if index[wi] == NONE {
                        index[wi] = next;
                        low[wi] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[wi] = true;
                        work.push((w, self.out_start[wi]));
                    } else if on_stack[wi] {
                        low[vi] = low[vi].min(index[wi]);
                    }
                } else {
                    work.pop();
                    if let Some(&(u, _)) = work.last() {
                        low[u as usize] = low[u as usize].min(low[vi]);
                    }
                    if low[vi] == index[vi] {
                        let id = comp_start.len() as u32 - 1;
                        while let Some(w) = stack.pop() {
                            on_stack[w as usize] = false;
                            comp[w as usize] = id;
                            by_comp.push(w);
                            if w == v {
                                break;
                            }
                        }
                        comp_start.push(by_comp.len() as u32);
                    }
                }
            }
        }
        self.comp = comp;
        self.by_comp = by_comp;
        self.comp_start = comp_start;

        // Report each cycle with its path.
        for c in 0..self.comp_start.len() - 1 {
            let members =
                &self.by_comp[self.comp_start[c] as usize..self.comp_start[c + 1] as usize];
            let self_loop = members.len() == 1 && self.succ(members[0]).contains(&members[0]);
            if members.len() < 2 && !self_loop {
                continue;
            }
            let mut edges = Vec::new();
            for &u in members {
                for &w in self.succ(u) {
                    if self.comp[w as usize] == c as u32 {
                        edges.push((u, w));
                    }
                }
            }
            self.cycles.extend(crate::graph::cycles(&edges));
        }
        self.cycles.sort();
    }

    /// Order the nodes by `score` (an own score per node, `None` when
    /// unscored) and `created` (older first on ties), respecting every
    /// blocks link outside cycles. Unscored nodes that unblock nothing
    /// scored go last, or first when `unscored_first`.
    pub fn rank(&self, score: &[Option<f64>], created: &[i64], unscored_first: bool) -> Ranked {
        let n = self.n;
        debug_assert_eq!(score.len(), n);
        let own = |v: usize| score[v].unwrap_or(f64::NEG_INFINITY);
        // Best (value, source) each node carries: max of own and inherited.
        let mut best_val = vec![f64::NEG_INFINITY; n];
        let mut best_src = vec![NONE; n];
        let mut inherited_from: Vec<Option<u32>> = vec![None; n];
        let better = |a: (f64, u32), b: (f64, u32)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
        for c in 0..self.comp_start.len() - 1 {
            let members =
                &self.by_comp[self.comp_start[c] as usize..self.comp_start[c + 1] as usize];
            let mut down = (f64::NEG_INFINITY, NONE);
            for &u in members {
                for &w in self.succ(u) {
                    let wi = w as usize;
                    if self.comp[wi] != c as u32 {
                        let cand = (best_val[wi], best_src[wi]);
                        if better(cand, down) {
                            down = cand;
                        }
                    }
                }
            }
            // The two best own scores in the component, for "the best of the others".
            let (mut first, mut second) = ((f64::NEG_INFINITY, NONE), (f64::NEG_INFINITY, NONE));
            if members.len() > 1 {
                for &u in members {
                    let cand = (own(u as usize), u);
                    if better(cand, first) {
                        second = first;
                        first = cand;
                    } else if better(cand, second) {
                        second = cand;
                    }
                }
            }
            for &u in members {
                let ui = u as usize;
                let mut inh = down;
                if members.len() > 1 {
                    let other = if first.1 == u { second } else { first };
                    if better(other, inh) {
                        inh = other;
                    }
                }
                let mine = (own(ui), u);
                if inh.1 != NONE && inh.0 > mine.0 && inh.0 > f64::NEG_INFINITY {
                    inherited_from[ui] = Some(inh.1);
                    best_val[ui] = inh.0;
                    best_src[ui] = inh.1;
                } else if score[ui].is_some() {
                    best_val[ui] = mine.0;
                    best_src[ui] = u;
                }
            }
        }

        // Kahn's algorithm over links between components, best first.
        let mut indeg = vec![0u32; n];
        for (v, d) in indeg.iter_mut().enumerate() {
            let cv = self.comp[v];
            *d = self
                .pred(v as u32)
                .iter()
                .filter(|&&p| self.comp[p as usize] != cv)
                .count() as u32;
        }
        let key = |v: usize| {
            let has = best_val[v] > f64::NEG_INFINITY;
            let group = u8::from(has == unscored_first);
            let sk = if has {
                !ordered_bits(best_val[v])
            } else {
                u64::MAX
            };
            Reverse((group, sk, created[v], v as u32))
        };
        let mut heap: BinaryHeap<Reverse<(u8, u64, i64, u32)>> =
            BinaryHeap::with_capacity(n / 4 + 16);
        for (v, d) in indeg.iter().enumerate() {
            if *d == 0 {
                heap.push(key(v));
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut position = vec![0u32; n];
        while let Some(Reverse((_, _, _, v))) = heap.pop() {
            position[v as usize] = order.len() as u32;
            order.push(v);
            let cv = self.comp[v as usize];
            for &w in self.succ(v) {
                let wi = w as usize;
                if self.comp[wi] != cv {
                    indeg[wi] -= 1;
                    if indeg[wi] == 0 {
                        heap.push(key(wi));
                    }
                }
            }
        }
        let effective = best_val
            .iter()
            .map(|&v| (v > f64::NEG_INFINITY).then_some(v))
            .collect();
        Ranked {
            order,
            position,
            effective,
            inherited_from,
        }
    }

    /// The shortest chain of blocks links from `from` to `to`
    /// (`[from, …, to]`), if there is one.
    pub fn path(&self, from: u32, to: u32) -> Option<Vec<u32>> {
        if from == to {
            return Some(vec![from]);
        }
        let mut prev = vec![NONE; self.n];
        prev[from as usize] = from;
        let mut q = VecDeque::from([from]);
        while let Some(v) = q.pop_front() {
            for &w in self.succ(v) {
                if prev[w as usize] == NONE {
                    prev[w as usize] = v;
                    if w == to {
                        let mut p = vec![to];
                        let mut x = to;
                        while x != from {
                            x = prev[x as usize];
                            p.push(x);
                        }
                        p.reverse();
                        return Some(p);
                    }
                    q.push_back(w);
                }
            }
        }
        None
    }

    /// Must `a` come before `b`: does it block `b`, directly or through
    /// other items, outside a cycle they share?
    pub fn must_precede(&self, a: u32, b: u32) -> bool {
        !self.same_cycle(a, b) && self.path(a, b).is_some()
    }
}

/// A total-order key for an `f64`: larger numbers give larger keys.
fn ordered_bits(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Compressed adjacency lists from `(from, to)` pairs.
fn csr(
    n: usize,
    pairs: impl Iterator<Item = (u32, u32)> + Clone,
    m: usize,
) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for (a, _) in pairs.clone() {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![0u32; m];
    for (a, b) in pairs {
        adj[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    // Sorted lists make every walk deterministic.
    for v in 0..n {
        adj[start[v] as usize..start[v + 1] as usize].sort_unstable();
    }
    (start, adj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rank(scores: &[Option<f64>], edges: &[(u32, u32)]) -> (Graph, Ranked) {
        let g = Graph::new(scores.len(), edges);
        let created = vec![0; scores.len()];
        let r = g.rank(scores, &created, false);
        (g, r)
    }

    #[test]
    fn orders_by_score_then_age_then_index() {
        let g = Graph::new(4, &[]);
        let r = g.rank(
            &[Some(1.0), Some(5.0), Some(5.0), Some(5.0)],
            &[0, 30, 10, 10],
            false,
        );
        assert_eq!(r.order, vec![2, 3, 1, 0]);
    }

    #[test]
    fn a_low_value_blocker_rises_with_what_it_unblocks() {
        // 0 (score 1) blocks 1 (score 9); 2 has 5.
        let (_, r) = rank(&[Some(1.0), Some(9.0), Some(5.0)], &[(0, 1)]);
        assert_eq!(r.order, vec![0, 1, 2]);
        assert_eq!(r.effective[0], Some(9.0));
        assert_eq!(r.inherited_from[0], Some(1));
        assert_eq!(r.inherited_from[1], None);
    }

    #[test]
    fn inheritance_is_transitive_and_takes_the_best() {
        // 0 → 1 → 2 (score 8), 0 → 3 (score 4).
        let (g, r) = rank(
            &[Some(1.0), None, Some(8.0), Some(4.0)],
            &[(0, 1), (1, 2), (0, 3)],
        );
        assert_eq!(r.inherited_from[0], Some(2));
        assert_eq!(r.inherited_from[1], Some(2));
        assert_eq!(r.effective[1], Some(8.0));
        assert_eq!(r.order, vec![0, 1, 2, 3]);
        assert_eq!(g.path(0, 2), Some(vec![0, 1, 2]));
    }

    #[test]
    fn unscored_items_go_last_unless_they_unblock_something() {
        let (_, r) = rank(&[None, Some(2.0), None, Some(1.0)], &[(2, 3)]);
        assert_eq!(r.order, vec![1, 2, 3, 0]);
        assert_eq!(r.effective[0], None);
        let g = Graph::new(4, &[(2, 3)]);
        let first = g.rank(&[None, Some(2.0), None, Some(1.0)], &[0; 4], true);
        assert_eq!(first.order, vec![0, 1, 2, 3]);
    }

    #[test]
    fn cycles_are_reported_and_the_rest_completes() {
        // 0 → 1 → 2 → 0 is a cycle; 2 → 3; 4 alone.
        let (g, r) = rank(
            &[Some(1.0), Some(2.0), Some(3.0), Some(10.0), Some(0.5)],
            &[(0, 1), (1, 2), (2, 0), (2, 3), (4, 4)],
        );
        assert_eq!(g.cycles, vec![vec![0, 1, 2, 0], vec![4, 4]]);
        assert_eq!(r.order.len(), 5);
        // The whole cycle inherits 10 from 3 and precedes it.
        assert!(r.position[3] > r.position[0].max(r.position[1]).max(r.position[2]));
        assert_eq!(r.effective[0], Some(10.0));
    }

    type Input = (Vec<Option<f64>>, Vec<i64>, Vec<(u32, u32)>);

    fn graph_input() -> impl Strategy<Value = Input> {
        (1usize..40).prop_flat_map(|n| {
            (
                proptest::collection::vec(proptest::option::weighted(0.8, 0.0f64..100.0), n),
                proptest::collection::vec(0i64..5, n),
                proptest::collection::vec((0..n as u32, 0..n as u32), 0..n * 2),
            )
        })
    }

    proptest! {
        #[test]
        fn output_is_a_permutation_that_respects_acyclic_links((s, c, e) in graph_input(), first in any::<bool>()) {
            let g = Graph::new(s.len(), &e);
            let r = g.rank(&s, &c, first);
            let mut sorted = r.order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..s.len() as u32).collect::<Vec<_>>());
            for &(a, b) in &e {
                if !g.same_cycle(a, b) {
                    prop_assert!(r.position[a as usize] < r.position[b as usize], "{} blocks {}", a, b);
                }
            }
            // Same input, same order.
            prop_assert_eq!(g.rank(&s, &c, first), r.clone());
            // A blocker's effective score is at least that of what it blocks.
            for &(a, b) in &e {
                if let (Some(eb), ea) = (r.effective[b as usize], r.effective[a as usize]) {
                    prop_assert!(ea.is_some_and(|ea| ea >= eb));
                }
            }
        }

        #[test]
        fn without_links_it_is_a_sort((s, c, _) in graph_input()) {
            let g = Graph::new(s.len(), &[]);
            let r = g.rank(&s, &c, false);
            for w in r.order.windows(2) {
                let (a, b) = (w[0] as usize, w[1] as usize);
                let ka = (s[a].is_none(), s[a].map(|x| -x), c[a], a);
                let kb = (s[b].is_none(), s[b].map(|x| -x), c[b], b);
                prop_assert!(ka.partial_cmp(&kb) == Some(std::cmp::Ordering::Less));
            }
        }
    }
}
