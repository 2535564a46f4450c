//! Dependency graphs: finding cycles among `blocks` links.

use std::collections::HashMap;
use std::hash::Hash;

/// One cycle per strongly connected component that has one, each as a
/// path `a → b → ... → a` (first node repeated at the end), starting at
/// its smallest node. Runs in linear time (iterative Tarjan, so deep graphs
/// do not overflow the stack).
pub fn cycles<N: Clone + Eq + Hash + Ord>(edges: &[(N, N)]) -> Vec<Vec<N>> {
    let mut ids: HashMap<&N, usize> = HashMap::new();
    let mut nodes: Vec<&N> = Vec::new();
    for (a, b) in edges {
        for n in [a, b] {
            if !ids.contains_key(n) {
                ids.insert(n, nodes.len());
                nodes.push(n);
            }
        }
    }
    let n = nodes.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b) in edges {
        adj[ids[a]].push(ids[b]);
    }
    for v in adj.iter_mut() {
        v.sort_by(|x, y| nodes[*x].cmp(nodes[*y]));
        v.dedup();
    }

    // Iterative Tarjan.
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i < adj[v].len() {
                let w = adj[v][*i];
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(u, _)) = work.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut c = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = comps.len();
                        c.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comps.push(c);
                }
            }
        }
    }

    let mut out = Vec::new();
    for (ci, c) in comps.iter().enumerate() {
        let self_loop = c.len() == 1 && adj[c[0]].contains(&c[0]);
        if c.len() < 2 && !self_loop {
            continue;
        }
        let start = *c
            .iter()
            .min_by(|a, b| nodes[**a].cmp(nodes[**b]))
            .unwrap_or(&c[0]);
        // Breadth-first search inside the component for the shortest way back to start.
        let mut prev: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        'bfs: while let Some(v) = queue.pop_front() {
            for &w in &adj[v] {
                if comp[w] != ci {
                    continue;
                }
                if w == start {
                    end = Some(v);
                    break 'bfs;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        if let Some(mut v) = end {
            let mut path = vec![start];
            let mut back = vec![v];
            while v != start {
                v = prev[&v];
                if v != start {
                    back.push(v);
                }
            }
            back.reverse();
            if !(back.len() == 1 && back[0] == start) {
                path.extend(back);
            }
            path.push(start);
            out.push(path.into_iter().map(|i| nodes[i].clone()).collect());
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_each_cycle_with_its_path() {
        let e = [(1, 2), (2, 3), (3, 1), (3, 4), (5, 5), (6, 7)];
        assert_eq!(cycles(&e), vec![vec![1, 2, 3, 1], vec![5, 5]]);
        assert!(cycles(&[(1, 2), (2, 3)]).is_empty());
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let mut e: Vec<(u32, u32)> = (0..200_000).map(|i| (i, i + 1)).collect();
        e.push((200_000, 0));
        let c = cycles(&e);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), 200_002);
    }

    proptest! {
        #[test]
        fn every_reported_cycle_is_a_real_cycle(e in proptest::collection::vec((0u8..12, 0u8..12), 0..40)) {
            let set: std::collections::HashSet<(u8, u8)> = e.iter().copied().collect();
            for c in cycles(&e) {
                prop_assert!(c.len() >= 2);
                prop_assert_eq!(c.first(), c.last());
                for w in c.windows(2) {
                    prop_assert!(set.contains(&(w[0], w[1])));
                }
            }
        }

        #[test]
        fn acyclic_graphs_have_no_cycles(e in proptest::collection::vec((0u8..20, 0u8..20), 0..60)) {
            // Keep only forward edges: always acyclic.
            let fwd: Vec<(u8, u8)> = e.into_iter().filter(|(a, b)| a < b).collect();
            prop_assert!(cycles(&fwd).is_empty());
        }
    }
}
