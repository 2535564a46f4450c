//! Planning over the blocks graph: the order a team pulls work in, sprint
//! plans that fill capacity, and the critical path with each item's slack.

use crate::order::Graph;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The scope depends on a cycle of blocks links (each as `a → b → … → a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycles(pub Vec<Vec<u32>>);

fn acyclic(g: &Graph) -> Result<(), Cycles> {
    if g.cycles.is_empty() {
        Ok(())
    } else {
        Err(Cycles(g.cycles.clone()))
    }
}

/// The order a team pulls items in: by `priority` (lower first, e.g. the
/// stored rank's position), except that no item comes before its
/// blockers, and a blocker is pulled as early as the most urgent item it
/// holds up (directly or through others) needs it. So a top item blocked
/// by something far down the backlog is not pushed to the end: its
/// blocker is pulled first, then the item.
///
/// It is the topological order by (inherited priority, own priority,
/// index), lowest first.
pub fn pull_order(g: &Graph, priority: &[u32]) -> Result<Vec<u32>, Cycles> {
    acyclic(g)?;
    let topo = topological(g, |v| (priority[v as usize], 0));
    let mut inherited: Vec<u32> = priority.to_vec();
    for &v in topo.iter().rev() {
        let vi = v as usize;
        for &w in g.succ(v) {
            inherited[vi] = inherited[vi].min(inherited[w as usize]);
        }
    }
    Ok(topological(g, |v| {
        (inherited[v as usize], priority[v as usize])
    }))
}

/// Kahn's algorithm: among the items whose blockers are all placed, the
/// lowest `key` (then index) goes next. `g` must be acyclic.
fn topological(g: &Graph, key: impl Fn(u32) -> (u32, u32)) -> Vec<u32> {
    let n = g.len();
    let mut waiting: Vec<u32> = (0..n as u32).map(|v| g.pred(v).len() as u32).collect();
    let mut heap: BinaryHeap<Reverse<((u32, u32), u32)>> = (0..n as u32)
        .filter(|v| waiting[*v as usize] == 0)
        .map(|v| Reverse((key(v), v)))
        .collect();
    let mut out = Vec::with_capacity(n);
    while let Some(Reverse((_, v))) = heap.pop() {
        out.push(v);
        for &w in g.succ(v) {
            waiting[w as usize] -= 1;
            if waiting[w as usize] == 0 {
                heap.push(Reverse((key(w), w)));
            }
        }
    }
    out
}

/// Why an item is not in the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unplaced {
    /// Planning by points, and the item has no estimate.
    NoEstimate,
    /// Bigger than any sprint's capacity: split it.
    TooBig { size: f64, largest: f64 },
    /// Held back by the caller (e.g. blocked by an open item outside the
    /// plan's scope).
    Held,
    /// Blocked by an item that is itself not in the plan.
    Blocked(u32),
    /// Fits a sprint, but the sprints filled up first.
    NoRoom,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SprintPlan {
    /// Items per sprint, in the order they were placed.
    pub sprints: Vec<Vec<u32>>,
    /// Capacity used per sprint.
    pub used: Vec<f64>,
    /// Items not placed, in pull order, with why.
    pub unplaced: Vec<(u32, Unplaced)>,
    /// Sprint of each item, if placed.
    pub sprint_of: Vec<Option<usize>>,
}

/// Fill sprints from `order` (a pull order: blockers first). `size` is
/// each item's size (points, or 1 when planning by count); `capacity` each
/// sprint's. An item goes into the first sprint where its blockers are all
/// planned (in that sprint or earlier) and it fits the room left; items
/// further down may fill room a bigger item could not use.
pub fn plan_sprints(
    g: &Graph,
    order: &[u32],
    size: &[Option<f64>],
    capacity: &[f64],
    held: &[bool],
) -> SprintPlan {
    let n = g.len();
    let largest = capacity.iter().copied().fold(0.0, f64::max);
    let mut sprint_of: Vec<Option<usize>> = vec![None; n];
    let mut sprints = vec![Vec::new(); capacity.len()];
    let mut used = vec![0.0; capacity.len()];
    // Items that can never be placed, decided up front.
    let mut out: Vec<Option<Unplaced>> = vec![None; n];
    for &v in order {
        let v = v as usize;
        out[v] = if held[v] {
            Some(Unplaced::Held)
        } else {
            match size[v] {
                None => Some(Unplaced::NoEstimate),
                Some(s) if s > largest + 1e-9 => Some(Unplaced::TooBig { size: s, largest }),
                _ => None,
            }
        };
    }
    let mut pending: Vec<u32> = order
        .iter()
        .copied()
        .filter(|v| out[*v as usize].is_none())
        .collect();
    for (s, cap) in capacity.iter().enumerate() {
        let mut room = *cap;
        pending.retain(|&v| {
            let vi = v as usize;
            let ready = g.pred(v).iter().all(|b| sprint_of[*b as usize].is_some());
            let sz = size[vi].unwrap_or(0.0);
            if ready && sz <= room + 1e-9 {
                room -= sz;
                used[s] += sz;
                sprint_of[vi] = Some(s);
                sprints[s].push(v);
                false
            } else {
                true
            }
        });
    }
    // Whatever is left: blocked by something unplaced, or out of room.
    let mut unplaced = Vec::new();
    for &v in order {
        let vi = v as usize;
        if sprint_of[vi].is_some() {
            continue;
        }
        let why = match out[vi] {
            Some(w) => w,
            None => match g.pred(v).iter().find(|b| sprint_of[**b as usize].is_none()) {
                Some(b) => Unplaced::Blocked(*b),
                None => Unplaced::NoRoom,
            },
        };
        unplaced.push((v, why));
    }
    SprintPlan {
        sprints,
        used,
        unplaced,
        sprint_of,
    }
}

/// Earliest and latest start and finish of every item, from durations.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub earliest_start: Vec<f64>,
    pub earliest_finish: Vec<f64>,
    pub latest_start: Vec<f64>,
    pub latest_finish: Vec<f64>,
    /// How much an item can slip without delaying the end.
    pub slack: Vec<f64>,
    /// One longest chain, first to last.
    pub path: Vec<u32>,
    /// Its length: the shortest possible time to finish everything.
    pub length: f64,
}

const EPS: f64 = 1e-9;

/// The critical path method over the blocks graph: a forward pass gives
/// earliest times, a backward pass latest times, and slack is the
/// difference. Items with zero slack form the critical path.
pub fn critical_path(g: &Graph, duration: &[f64]) -> Result<Schedule, Cycles> {
    let n = g.len();
    let topo = pull_order(g, &vec![0; n])?;
    let mut es = vec![0.0; n];
    let mut ef = vec![0.0; n];
    for &v in &topo {
        let vi = v as usize;
        es[vi] = g
            .pred(v)
            .iter()
            .map(|p| ef[*p as usize])
            .fold(0.0, f64::max);
        ef[vi] = es[vi] + duration[vi];
    }
    let length = ef.iter().copied().fold(0.0, f64::max);
    let mut lf = vec![length; n];
    let mut ls = vec![0.0; n];
    for &v in topo.iter().rev() {
        let vi = v as usize;
        lf[vi] = g
            .succ(v)
            .iter()
            .map(|s| ls[*s as usize])
            .fold(length, f64::min);
        ls[vi] = lf[vi] - duration[vi];
    }
    let slack: Vec<f64> = (0..n).map(|v| (ls[v] - es[v]).max(0.0)).collect();
    // Walk back from the item that finishes last through blockers that
    // finish exactly when it can start.
    let mut path = Vec::new();
    let mut cur = (0..n as u32)
        .filter(|v| (ef[*v as usize] - length).abs() < EPS && slack[*v as usize] < EPS)
        .max_by(|a, b| {
            duration[*a as usize]
                .total_cmp(&duration[*b as usize])
                .then(b.cmp(a))
        });
    while let Some(v) = cur {
        path.push(v);
        let start = es[v as usize];
        cur = g
            .pred(v)
            .iter()
            .copied()
            .filter(|p| (ef[*p as usize] - start).abs() < EPS && slack[*p as usize] < EPS)
            .min();
    }
    path.reverse();
    Ok(Schedule {
        earliest_start: es,
        earliest_finish: ef,
        latest_start: ls,
        latest_finish: lf,
        slack,
        path,
        length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_order_keeps_priority_but_puts_blockers_first() {
        // 3 blocks 0: 0 is wanted first, so 3 is pulled ahead of it.
        let g = Graph::new(4, &[(3, 0)]);
        assert_eq!(pull_order(&g, &[0, 1, 2, 3]).unwrap(), vec![3, 0, 1, 2]);
        // 0 blocks 3: nothing to inherit, the order is the priority.
        let g = Graph::new(4, &[(0, 3)]);
        assert_eq!(pull_order(&g, &[0, 1, 2, 3]).unwrap(), vec![0, 1, 2, 3]);
        let g = Graph::new(2, &[(0, 1), (1, 0)]);
        assert!(pull_order(&g, &[0, 1]).is_err());
    }

    #[test]
    fn sprints_fill_capacity_and_list_what_does_not_fit() {
        // 0 (5) blocks 2 (3); 1 (8) is too big; 3 has no estimate; 4 (2) fills room.
        let g = Graph::new(6, &[(0, 2)]);
        let size = [Some(5.0), Some(8.0), Some(3.0), None, Some(2.0), Some(4.0)];
        let p = plan_sprints(&g, &[0, 1, 2, 3, 4, 5], &size, &[6.0, 6.0], &[false; 6]);
        assert_eq!(p.sprints, vec![vec![0], vec![2, 4]]);
        assert_eq!(p.used, vec![5.0, 5.0]);
        assert_eq!(
            p.unplaced,
            vec![
                (
                    1,
                    Unplaced::TooBig {
                        size: 8.0,
                        largest: 6.0
                    }
                ),
                (3, Unplaced::NoEstimate),
                (5, Unplaced::NoRoom)
            ]
        );
    }

    #[test]
    fn blocked_by_unplaced_is_named() {
        let g = Graph::new(2, &[(0, 1)]);
        let p = plan_sprints(&g, &[0, 1], &[Some(1.0), Some(1.0)], &[5.0], &[true, false]);
        assert_eq!(
            p.unplaced,
            vec![(0, Unplaced::Held), (1, Unplaced::Blocked(0))]
        );
    }

    #[test]
    fn critical_path_and_slack() {
        // 0(3) → 1(2) → 3(4); 0 → 2(1) → 3.
        let g = Graph::new(4, &[(0, 1), (1, 3), (0, 2), (2, 3)]);
        let s = critical_path(&g, &[3.0, 2.0, 1.0, 4.0]).unwrap();
        assert_eq!(s.length, 9.0);
        assert_eq!(s.path, vec![0, 1, 3]);
        assert_eq!(s.slack, vec![0.0, 0.0, 1.0, 0.0]);
        assert_eq!(s.earliest_start, vec![0.0, 3.0, 3.0, 5.0]);
        assert_eq!(s.latest_start, vec![0.0, 3.0, 4.0, 5.0]);
    }
}
