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

#[test]
fn a_low_ranked_blocker_of_the_top_item_is_pulled_first() {
    // 0 is the top item, blocked by 3, the last; 1 and 2 are free.
    let g = Graph::new(4, &[(3, 0)]);
    assert_eq!(pull_order(&g, &[0, 1, 2, 3]).unwrap(), vec![3, 0, 1, 2]);
    // A chain: 2 blocks 3 blocks 0.
    let g = Graph::new(4, &[(2, 3), (3, 0)]);
    assert_eq!(pull_order(&g, &[0, 1, 2, 3]).unwrap(), vec![2, 3, 0, 1]);
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
    fn a_blocker_is_pulled_no_later_than_the_items_it_holds_up_need((size, edges, prio, _cap) in backlog()) {
        let n = size.len();
        let g = Graph::new(n, &edges);
        let order = pull_order(&g, &prio).unwrap();
        let mut pos = vec![0usize; n];
        for (i, v) in order.iter().enumerate() { pos[*v as usize] = i; }
        // Every item is preceded only by items that are more urgent
        // than it, or that block (directly or not) something that is.
        for v in 0..n {
            let reach = |a: usize, b: usize| a == b || g.path(a as u32, b as u32).is_some();
            let urgency = |u: usize| (0..n).filter(|w| reach(u, *w)).map(|w| prio[w]).min().unwrap();
            for &u in &order[..pos[v]] {
                let u = u as usize;
                prop_assert!(
                    urgency(u) <= urgency(v) || reach(u, v),
                    "{} (urgency {}) pulled before {} (urgency {})", u, urgency(u), v, urgency(v)
                );
            }
        }
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
