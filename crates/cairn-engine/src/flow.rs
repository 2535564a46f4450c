//! Flow history: daily throughput on the team's working-day calendar,
//! cycle-time percentiles, work-in-progress age and cumulative flow.
//!
//! Dates are UTC calendar dates. Cycle time counts calendar days from the
//! day work started to the day it was resolved, both included, so an item
//! started and finished on the same day took 1 day (the convention of most
//! flow tools).

use cairn_core::Calendar;
use chrono::NaiveDate;

/// One item as flow metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowItem {
    pub key: String,
    pub created: NaiveDate,
    /// First entry into an in-progress state, if any.
    pub started: Option<NaiveDate>,
    /// When it reached a done state, if it has.
    pub resolved: Option<NaiveDate>,
    /// Resolved in a state that counts as delivered (not e.g. cancelled).
    pub delivered: bool,
}

/// The confidence levels every forecast reports.
pub const LEVELS: [u8; 4] = [50, 70, 85, 95];

#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Items delivered on each working day of the window. Work resolved on
    /// a non-working day counts on the working day before it.
    pub throughput: Vec<(NaiveDate, u32)>,
    /// Delivered items resolved in the window with a start date: (key,
    /// resolved, cycle time in days), in resolved order.
    pub cycle_times: Vec<(String, NaiveDate, u32)>,
    /// Cycle-time percentiles at `LEVELS`; empty without cycle times.
    pub cycle_percentiles: Vec<(u8, u32)>,
    /// Items in progress on `to`: (key, age in days), oldest first.
    pub wip: Vec<(String, u32)>,
    /// Per calendar day of the window: (day, to do, in progress, done),
    /// counting every item created by then.
    pub cfd: Vec<(NaiveDate, u32, u32, u32)>,
}

impl History {
    pub fn delivered(&self) -> u32 {
        self.throughput.iter().map(|(_, n)| n).sum()
    }

    /// Average items per working day.
    pub fn mean_daily(&self) -> f64 {
        if self.throughput.is_empty() {
            0.0
        } else {
            f64::from(self.delivered()) / self.throughput.len() as f64
        }
    }

    /// The daily counts the Monte Carlo forecasts sample from.
    pub fn samples(&self) -> Vec<u32> {
        self.throughput.iter().map(|(_, n)| *n).collect()
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at
/// least `p` percent of the values at or below it.
pub fn nearest_rank(sorted: &[u32], p: u8) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (usize::from(p) * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

fn days(a: NaiveDate, b: NaiveDate) -> u32 {
    u32::try_from((b - a).num_days()).unwrap_or(0)
}

/// Flow history of `items` over `from..=to` (`to` is today).
pub fn history(items: &[FlowItem], cal: &Calendar, from: NaiveDate, to: NaiveDate) -> History {
    let working = cal.working_days_between(from, to);
    let mut throughput: Vec<(NaiveDate, u32)> = working.iter().map(|d| (*d, 0)).collect();
    let mut cycle_times = Vec::new();
    let mut wip = Vec::new();
    for it in items {
        match it.resolved {
            Some(r) if it.delivered && r >= from && r <= to => {
                let day = cal.on_or_before(r);
                if let Ok(i) = working.binary_search(&day) {
                    throughput[i].1 += 1;
                }
                if let Some(s) = it.started {
                    cycle_times.push((it.key.clone(), r, days(s.min(r), r) + 1));
                }
            }
            None => {
                if let Some(s) = it.started
                    && s <= to
                {
                    wip.push((it.key.clone(), days(s, to) + 1));
                }
            }
            _ => {}
        }
    }
    cycle_times.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let mut sorted: Vec<u32> = cycle_times.iter().map(|c| c.2).collect();
    sorted.sort_unstable();
    let cycle_percentiles = LEVELS
        .iter()
        .filter_map(|p| nearest_rank(&sorted, *p).map(|v| (*p, v)))
        .collect();
    wip.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    History {
        from,
        to,
        throughput,
        cycle_times,
        cycle_percentiles,
        wip,
        cfd: cumulative_flow(items, from, to),
    }
}

/// Per calendar day: how many items (created by the end of that day) were
/// to do, in progress and done. An item that skipped in-progress counts as
/// started when it was resolved.
fn cumulative_flow(
    items: &[FlowItem],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, u32, u32, u32)> {
    if to < from {
        return Vec::new();
    }
    let n = days(from, to) as usize + 1;
    // Arrivals, starts and finishes per day; before the window they fold into day 0.
    let mut add = vec![[0i64; 3]; n];
    let idx = |d: NaiveDate| -> Option<usize> {
        if d > to {
            None
        } else if d <= from {
            Some(0)
        } else {
            Some(days(from, d) as usize)
        }
    };
    for it in items {
        let started = match (it.started, it.resolved) {
            (Some(s), _) => Some(s),
            (None, r) => r,
        };
        for (slot, d) in [(0, Some(it.created)), (1, started), (2, it.resolved)] {
            if let Some(i) = d.and_then(idx) {
                add[i][slot] += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut acc = [0i64; 3];
    for (i, a) in add.iter().enumerate() {
        for k in 0..3 {
            acc[k] += a[k];
        }
        let day = from + chrono::Days::new(i as u64);
        let done = acc[2];
        let started = acc[1].max(done);
        let created = acc[0].max(started);
        let c = |v: i64| u32::try_from(v).unwrap_or(0);
        out.push((day, c(created - started), c(started - done), c(done)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        cairn_core::calendar::parse_date(s).unwrap()
    }

    fn item(key: &str, created: &str, started: Option<&str>, resolved: Option<&str>) -> FlowItem {
        FlowItem {
            key: key.into(),
            created: d(created),
            started: started.map(d),
            resolved: resolved.map(d),
            delivered: true,
        }
    }

    #[test]
    fn throughput_cycle_time_wip_and_cfd() {
        let cal = Calendar::default();
        let items = vec![
            item("A-1", "2026-03-01", Some("2026-03-02"), Some("2026-03-04")),
            item("A-2", "2026-03-01", Some("2026-03-03"), Some("2026-03-07")), // Saturday
            item("A-3", "2026-03-02", None, Some("2026-03-05")),
            item("A-4", "2026-03-02", Some("2026-03-05"), None),
            item("A-5", "2026-03-06", None, None),
            FlowItem {
                delivered: false,
                ..item("A-6", "2026-03-02", Some("2026-03-03"), Some("2026-03-04"))
            },
        ];
        let h = history(&items, &cal, d("2026-03-02"), d("2026-03-08"));
        assert_eq!(
            h.throughput,
            vec![
                (d("2026-03-02"), 0),
                (d("2026-03-03"), 0),
                (d("2026-03-04"), 1),
                (d("2026-03-05"), 1),
                (d("2026-03-06"), 1), // A-2, resolved on Saturday
            ]
        );
        assert_eq!(
            h.cycle_times,
            vec![
                ("A-1".to_string(), d("2026-03-04"), 3),
                ("A-2".to_string(), d("2026-03-07"), 5)
            ]
        );
        assert_eq!(
            h.cycle_percentiles,
            vec![(50, 3), (70, 5), (85, 5), (95, 5)]
        );
        assert_eq!(h.wip, vec![("A-4".to_string(), 4)]);
        let last = h.cfd.last().unwrap();
        assert_eq!(*last, (d("2026-03-08"), 1, 1, 4));
        let first = h.cfd.first().unwrap();
        // Day 0 folds in, created earlier: 5 created, 1 started.
        assert_eq!(*first, (d("2026-03-02"), 4, 1, 0));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=20).collect();
        assert_eq!(nearest_rank(&v, 50), Some(10));
        assert_eq!(nearest_rank(&v, 85), Some(17));
        assert_eq!(nearest_rank(&v, 95), Some(19));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 95), Some(7));
    }
}
