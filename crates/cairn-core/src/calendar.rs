//! The team's working-day calendar and the `[calendar]` and `[forecast]`
//! config sections (docs/forecasting.md).
//!
//! ```toml
//! [calendar]
//! working_days = ["mon", "tue", "wed", "thu", "fri"]
//! holidays = ["2026-12-25", "2026-12-26"]
//!
//! [forecast]
//! window = 90                 # calendar days of history to sample
//! trials = 10000
//! not_delivered = ["cancelled"]
//! ```

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

fn default_working_days() -> Vec<String> {
    WEEKDAYS[..5].iter().map(|(n, _)| n.to_string()).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Days of the week the team works: `mon` .. `sun`.
    #[serde(default = "default_working_days")]
    pub working_days: Vec<String>,
    /// Days nobody works, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            working_days: default_working_days(),
            holidays: Vec::new(),
        }
    }
}

fn default_window() -> u32 {
    90
}
fn default_trials() -> u32 {
    10_000
}
fn default_not_delivered() -> Vec<String> {
    vec!["cancelled".to_string()]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastConfig {
    /// Calendar days of history whose throughput the forecasts sample.
    #[serde(default = "default_window")]
    pub window: u32,
    /// Monte Carlo trials per forecast.
    #[serde(default = "default_trials")]
    pub trials: u32,
    /// Done-category states that do not count as delivered (not in
    /// throughput or cycle time), e.g. `cancelled`.
    #[serde(default = "default_not_delivered")]
    pub not_delivered: Vec<String>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            window: default_window(),
            trials: default_trials(),
            not_delivered: default_not_delivered(),
        }
    }
}

impl ForecastConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.window == 0 {
            return Err("[forecast] window must be at least 1 day".into());
        }
        check_trials(self.trials).map_err(|e| format!("[forecast] trials = {e}"))
    }
}

/// Monte Carlo trials must be between 100 and 1,000,000; the error starts
/// with the number, for the caller to prefix with where it came from.
pub fn check_trials(trials: u32) -> Result<(), String> {
    if (100..=1_000_000).contains(&trials) {
        Ok(())
    } else {
        Err(format!(
            "{trials}: use between 100 and 1000000 (10000 is the usual)"
        ))
    }
}

/// Which days the team works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Indexed by `Weekday::num_days_from_monday`.
    works: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            works: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
        }
    }
}

impl Calendar {
    /// Every day a working day: the calendar of weekly (no-history) forecasts.
    pub fn every_day() -> Calendar {
        Calendar {
            works: [true; 7],
            holidays: BTreeSet::new(),
        }
    }

    pub fn from_config(c: &CalendarConfig) -> Result<Calendar, String> {
        let mut works = [false; 7];
        for d in &c.working_days {
            let Some((_, w)) = WEEKDAYS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(d.trim()))
            else {
                return Err(format!(
                    "[calendar] working_days: `{d}` is not a day; use mon, tue, wed, thu, fri, sat, sun"
                ));
            };
            works[w.num_days_from_monday() as usize] = true;
        }
        if !works.iter().any(|w| *w) {
            return Err("[calendar] working_days is empty: name at least one day, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]".into());
        }
        let mut holidays = BTreeSet::new();
        for h in &c.holidays {
            let d = NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d").map_err(|_| {
                format!("[calendar] holidays: `{h}` is not a date; write YYYY-MM-DD")
            })?;
            holidays.insert(d);
        }
        Ok(Calendar { works, holidays })
    }

    pub fn is_working(&self, d: NaiveDate) -> bool {
        self.works[d.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&d)
    }

    /// The working day on or after `d`.
    pub fn on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        // At least one weekday works, and holidays are finite, so this ends.
        while !self.is_working(d) {
            d = d.succ_opt().unwrap_or(d);
            if d == NaiveDate::MAX {
                break;
            }
        }
        d
    }

    /// The working day on or before `d`.
    pub fn on_or_before(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        while !self.is_working(d) {
            d = d.pred_opt().unwrap_or(d);
            if d == NaiveDate::MIN {
                break;
            }
        }
        d
    }

    /// The first `n` working days on or after `start`.
    pub fn working_days_from(&self, start: NaiveDate, n: usize) -> Vec<NaiveDate> {
        let mut out = Vec::with_capacity(n);
        let mut d = start;
        while out.len() < n {
            if self.is_working(d) {
                out.push(d);
            }
            match d.succ_opt() {
                Some(x) => d = x,
                None => break,
            }
        }
        out
    }

    /// Working days in `from..=to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working(*d))
            .collect()
    }

    /// How many working days `from..=to` holds.
    pub fn count_between(&self, from: NaiveDate, to: NaiveDate) -> usize {
        if to < from {
            return 0;
        }
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working(*d))
            .count()
    }
}

/// Parse `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The UTC date of an instant.
pub fn date_of(ms: crate::Millis) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let c = Calendar::from_config(&CalendarConfig {
            working_days: default_working_days(),
            holidays: vec!["2026-12-25".into()],
        })
        .unwrap();
        // 2026-12-24 is a Thursday.
        assert_eq!(
            c.working_days_from(d("2026-12-24"), 3),
            vec![d("2026-12-24"), d("2026-12-28"), d("2026-12-29")]
        );
        assert_eq!(c.on_or_after(d("2026-12-25")), d("2026-12-28"));
        assert_eq!(c.on_or_before(d("2026-12-27")), d("2026-12-24"));
        assert_eq!(c.count_between(d("2026-12-21"), d("2026-12-27")), 4);
        assert_eq!(c.count_between(d("2026-12-27"), d("2026-12-21")), 0);
    }

    #[test]
    fn bad_calendars_say_why() {
        let e = Calendar::from_config(&CalendarConfig {
            working_days: vec!["monday".into()],
            holidays: vec![],
        })
        .unwrap_err();
        assert!(e.contains("`monday` is not a day"), "{e}");
        let e = Calendar::from_config(&CalendarConfig {
            working_days: vec![],
            holidays: vec![],
        })
        .unwrap_err();
        assert!(e.contains("empty"), "{e}");
        let e = Calendar::from_config(&CalendarConfig {
            working_days: default_working_days(),
            holidays: vec!["25/12/2026".into()],
        })
        .unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }
}
