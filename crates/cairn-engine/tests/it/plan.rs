use cairn_engine::order::Graph;
use cairn_engine::plan::{critical_path, plan_sprints, pull_order};
use proptest::prelude::*;

/// A random acyclic backlog: sizes (some missing), blocks edges from a
/// lower to a higher node, a shuffled priority, sprint capacities.
/// Sizes, blocks edges, priorities, capacities.
type Backlog = (Vec<Option<f64>>, Vec<(u32, u32)>, Vec<u32>, Vec<f64>);

fn backlog() -> impl Strategy<Value = Backlog> {
    (1usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(prop::option::weighted(0.9, 0.0f64..13.0), n),
            prop::collection::vec((0..n as u32, 0..n as u32), 0..n * 2),
            Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle(),
            prop::collection::vec(0.0f64..20.0, 0..6),
        )
            .prop_map(|(s, e, p, c)| {
                let edges = e
                    .into_iter()
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| (a.min(b), a.max(b)))
                    .collect();
                (s, edges, p, c)
            })
    })
}

proptest! {
    #[test]
    fn plans_never_break_a_blocks_link_or_exceed_capacity((size, edges, prio, cap) in backlog()) {
        let n = size.len();
        let g = Graph::new(n, &edges);
        let order = pull_order(&g, &prio).unwrap();
        // The pull order is a permutation with blockers first.
        let mut pos = vec![usize::MAX; n];
        for (i, v) in order.iter().enumerate() { pos[*v as usize] = i; }
        prop_assert!(pos.iter().all(|p| *p != usize::MAX));
        for (a, b) in &edges { prop_assert!(pos[*a as usize] < pos[*b as usize]); }
        let held: Vec<bool> = (0..n).map(|v| v % 7 == 3).collect();
        let p = plan_sprints(&g, &order, &size, &cap, &held);
        for (s, items) in p.sprints.iter().enumerate() {
            let total: f64 = items.iter().map(|v| size[*v as usize].unwrap()).sum();
            prop_assert!(total <= cap[s] + 1e-6, "sprint {} holds {} > {}", s, total, cap[s]);
        }
        for (a, b) in &edges {
            if let Some(sb) = p.sprint_of[*b as usize] {
                let sa = p.sprint_of[*a as usize];
                prop_assert!(sa.is_some_and(|sa| sa <= sb), "{} placed in {} before its blocker {}", b, sb, a);
            }
        }
        for (v, _) in &p.unplaced { prop_assert!(p.sprint_of[*v as usize].is_none()); }
        let placed = p.sprint_of.iter().filter(|s| s.is_some()).count();
        prop_assert_eq!(placed + p.unplaced.len(), n);
        for (v, h) in held.iter().enumerate() { if *h { prop_assert!(p.sprint_of[v].is_none()); } }
    }

    #[test]
    fn critical_path_is_a_chain_with_zero_slack((size, edges, _prio, _cap) in backlog()) {
        let n = size.len();
        let g = Graph::new(n, &edges);
        let d: Vec<f64> = size.iter().map(|s| s.unwrap_or(1.0)).collect();
        let s = critical_path(&g, &d).unwrap();
        let total: f64 = s.path.iter().map(|v| d[*v as usize]).sum();
        prop_assert!((total - s.length).abs() < 1e-6);
        for w in s.path.windows(2) { prop_assert!(edges.contains(&(w[0], w[1]))); }
        for v in &s.path { prop_assert!(s.slack[*v as usize] < 1e-9); }
        for (a, b) in &edges {
            prop_assert!(s.earliest_finish[*a as usize] <= s.earliest_start[*b as usize] + 1e-9);
        }
        for v in 0..n { prop_assert!(s.slack[v] >= 0.0 && s.earliest_finish[v] <= s.length + 1e-9); }
    }
}
