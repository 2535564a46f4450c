//! Goal progress, rolled up from the work under each goal: the items
//! linked to it and everything below them in the hierarchy.
//!
//! Progress counts delivery work: stories, bugs, spikes and debt.
//! Requirements and epics are containers, and tasks are parts of stories,
//! so counting them too would count the same work twice. Items closed
//! without delivery (`[forecast] not_delivered`, e.g. `cancelled`) leave
//! both sides of the fraction. When every counted item is estimated the
//! fraction is of points, else of items.

use crate::{App, Result};
use cairn_core::{Category, KeyResult, Kind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Kinds whose items count towards a goal's progress.
pub const PROGRESS_KINDS: [Kind; 4] = [Kind::Story, Kind::Bug, Kind::Spike, Kind::Debt];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GoalProgress {
    pub name: String,
    pub description: String,
    pub key_results: Vec<KeyResult>,
    /// Counted items under the goal (in the products asked about).
    pub items: u64,
    pub done: u64,
    pub in_progress: u64,
    /// Points of the counted items, and of those done.
    pub points: f64,
    pub points_done: f64,
    /// Done share, 0 to 1: of points when every counted item is
    /// estimated, else of items. `None` when nothing is counted.
    pub progress: Option<f64>,
    /// `points` or `items`: what `progress` is a share of.
    pub basis: &'static str,
}

impl App {
    /// Progress of every goal over the items of `product` (or of every
    /// product the caller sees). Goals with no counted items are kept, with
    /// no progress, so a goal nobody works on shows as such.
    pub fn goal_progress(&mut self, product: Option<&str>) -> Result<Vec<GoalProgress>> {
        self.require_init()?;
        let product = match product {
            Some(p) => Some(self.resolve_product(Some(p))?.prefix),
            None => None,
        };
        let rows = self.store.goal_rollup()?;
        let not_delivered = self.config.forecast.not_delivered.clone();
        #[derive(Default)]
        struct Acc {
            items: u64,
            done: u64,
            in_progress: u64,
            estimated: u64,
            points: f64,
            points_done: f64,
        }
        let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
        for r in rows {
            let visible = match &product {
                Some(p) => r.product == *p,
                None => self.can_see_product(&r.product),
            };
            let counted = Kind::parse(&r.kind).is_some_and(|k| PROGRESS_KINDS.contains(&k));
            if !visible || !counted || not_delivered.contains(&r.state) {
                continue;
            }
            let a = acc.entry(r.goal).or_default();
            a.items += r.items;
            a.estimated += r.estimated;
            a.points += r.points;
            match Category::parse(&r.category) {
                Some(Category::Done) => {
                    a.done += r.items;
                    a.points_done += r.points;
                }
                Some(Category::InProgress) => a.in_progress += r.items,
                _ => {}
            }
        }
        let goals = self.store.goals()?;
        Ok(goals
            .into_iter()
            .map(|g| {
                let a = acc.remove(&g.name).unwrap_or_default();
                let by_points = a.items > 0 && a.estimated == a.items && a.points > 0.0;
                let progress = if by_points {
                    Some(a.points_done / a.points)
                } else if a.items > 0 {
                    Some(a.done as f64 / a.items as f64)
                } else {
                    None
                };
                GoalProgress {
                    name: g.name,
                    description: g.description,
                    key_results: g.key_results,
                    items: a.items,
                    done: a.done,
                    in_progress: a.in_progress,
                    points: a.points,
                    points_done: a.points_done,
                    progress,
                    basis: if by_points { "points" } else { "items" },
                }
            })
            .collect())
    }
}
