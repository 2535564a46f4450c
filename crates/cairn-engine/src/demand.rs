//! Demand scores: how many asked for an item, how many different
//! customers, how much revenue stands behind it and how recent the asking
//! is. Pure functions of plain votes, so they can be checked by hand.
//!
//! - `requests`: every vote (a piece of feedback, duplicates merged into
//!   it included).
//! - `customers`: distinct customers; a vote with no organisation counts
//!   its requester as the customer, and a vote with neither counts none.
//! - `revenue`: over distinct customers, the customer's revenue weight
//!   (1 when unknown) times the largest importance weight among that
//!   customer's votes (nice to have 1, important 2, critical 3). A customer
//!   asking twice does not count twice.
//! - `recent`: over votes, the importance weight halved every half-life
//!   of age, so this quarter's requests outweigh last year's.

use std::collections::HashMap;

/// One request for an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote<'a> {
    /// The customer organisation, or else the requester; `None` for
    /// anonymous feedback.
    pub customer: Option<&'a str>,
    /// The customer's revenue weight, when known.
    pub revenue: Option<f64>,
    /// The importance weight (1, 2 or 3).
    pub weight: f64,
    /// Days between the feedback and today (0 or more).
    pub age_days: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Demand {
    pub requests: u32,
    pub customers: u32,
    pub revenue: f64,
    pub recent: f64,
}

/// The demand of one item from its votes.
pub fn demand(votes: &[Vote<'_>], half_life_days: f64) -> Demand {
    let mut by_customer: HashMap<String, (f64, f64)> = HashMap::new();
    let mut recent = 0.0;
    for v in votes {
        let age = v.age_days.max(0.0);
        recent += v.weight * 0.5f64.powf(age / half_life_days.max(1e-9));
        if let Some(c) = v.customer {
            let e = by_customer
                .entry(c.trim().to_lowercase())
                .or_insert((0.0, 1.0));
            e.0 = e.0.max(v.weight);
            if let Some(r) = v.revenue.filter(|r| r.is_finite() && *r >= 0.0) {
                e.1 = r;
            }
        }
    }
    Demand {
        requests: votes.len() as u32,
        customers: by_customer.len() as u32,
        revenue: by_customer.values().map(|(w, r)| w * r).sum(),
        recent,
    }
}

/// The Fibonacci value (1–20) of a share of the largest demand (0–1):
/// the smallest number of the scale that reaches `share × 20`, at least 1.
/// WSJF's user-business value reads it.
pub fn fibonacci_of(share: f64) -> f64 {
    let target = (share.clamp(0.0, 1.0) * 20.0).max(1.0);
    crate::score::FIBONACCI
        .iter()
        .copied()
        .find(|f| *f + 1e-9 >= target)
        .unwrap_or(20.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(customer: Option<&str>, revenue: Option<f64>, weight: f64, age: f64) -> Vote<'_> {
        Vote {
            customer,
            revenue,
            weight,
            age_days: age,
        }
    }

    #[test]
    fn scores_by_hand() {
        // Acme (revenue 50) asks twice, once critical; Globex (unknown
        // revenue, so 1) asks once as important; one anonymous vote.
        let votes = [
            v(Some("Acme"), Some(50.0), 1.0, 0.0),
            v(Some("acme "), Some(50.0), 3.0, 90.0),
            v(Some("Globex"), None, 2.0, 180.0),
            v(None, None, 1.0, 0.0),
        ];
        let d = demand(&votes, 90.0);
        assert_eq!(d.requests, 4);
        assert_eq!(d.customers, 2);
        // 50 × 3 (Acme's largest weight) + 1 × 2 = 152.
        assert_eq!(d.revenue, 152.0);
        // 1 + 3 × ½ + 2 × ¼ + 1 = 4.
        assert!((d.recent - 4.0).abs() < 1e-9, "{}", d.recent);
        assert_eq!(demand(&[], 90.0), Demand::default());
    }

    #[test]
    fn fibonacci_scale() {
        assert_eq!(fibonacci_of(0.0), 1.0);
        assert_eq!(fibonacci_of(0.1), 2.0);
        assert_eq!(fibonacci_of(0.2), 5.0);
        assert_eq!(fibonacci_of(0.5), 13.0);
        assert_eq!(fibonacci_of(1.0), 20.0);
    }

    proptest! {
        /// More votes never lower any demand figure, and revenue never
        /// exceeds the sum of every vote's own weight × revenue.
        #[test]
        fn demand_is_monotone(
            votes in proptest::collection::vec((0usize..4, 0u8..3, 1u8..4, 0u32..400), 0..12),
            extra in (0usize..4, 0u8..3, 1u8..4, 0u32..400),
        ) {
            let names = ["a", "b", "c", "d"];
            let mk = |&(c, r, w, age): &(usize, u8, u8, u32)| Vote {
                customer: if c == 3 { None } else { Some(names[c]) },
                revenue: if r == 0 { None } else { Some(f64::from(r) * 10.0) },
                weight: f64::from(w),
                age_days: f64::from(age),
            };
            // One revenue per customer, as the store keeps it.
            let fix = |mut v: Vote<'static>| { v.revenue = v.customer.map(|c| c.len() as f64 * 10.0); v };
            let base: Vec<Vote> = votes.iter().map(mk).map(fix).collect();
            let mut more = base.clone();
            more.push(fix(mk(&extra)));
            let (a, b) = (demand(&base, 90.0), demand(&more, 90.0));
            prop_assert!(b.requests == a.requests + 1);
            prop_assert!(b.customers >= a.customers);
            prop_assert!(b.revenue + 1e-9 >= a.revenue);
            prop_assert!(b.recent > a.recent);
            let cap: f64 = more.iter().map(|v| v.weight * v.revenue.unwrap_or(1.0)).sum();
            prop_assert!(b.revenue <= cap + 1e-9);
        }
    }
}
