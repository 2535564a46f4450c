//! Customer feedback: what a customer asked for, where it came from, who
//! asked and how much it matters to them, and the items it belongs to.
//! Feedback is numbered per workspace (`F-12`) and belongs to a product.
//! Customers (organisations) are shared by every product: their segment
//! and revenue weight are kept once.

use crate::Millis;
use serde::{Deserialize, Serialize};

/// How much the request matters to the customer who made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Importance {
    NiceToHave,
    Important,
    Critical,
}

impl Importance {
    pub const ALL: [Importance; 3] = [
        Importance::NiceToHave,
        Importance::Important,
        Importance::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Importance::NiceToHave => "nice-to-have",
            Importance::Important => "important",
            Importance::Critical => "critical",
        }
    }

    /// Accepts the name with spaces, hyphens or underscores, and the usual
    /// short forms (`nice`, `low`, `medium`, `high`, `blocker`).
    pub fn parse(s: &str) -> Option<Importance> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        match s.as_str() {
            "nice-to-have" | "nice" | "low" | "minor" | "1" => Some(Importance::NiceToHave),
            "important" | "medium" | "normal" | "major" | "high" | "2" => {
                Some(Importance::Important)
            }
            "critical" | "blocker" | "urgent" | "3" => Some(Importance::Critical),
            _ => None,
        }
    }

    /// The weight a request of this importance adds to demand.
    pub fn weight(self) -> f64 {
        match self {
            Importance::NiceToHave => 1.0,
            Importance::Important => 2.0,
            Importance::Critical => 3.0,
        }
    }
}

/// The sources every workspace knows; `[feedback] sources` adds more.
pub const SOURCES: &[&str] = &[
    "support",
    "sales",
    "interview",
    "survey",
    "app-review",
    "intake",
    "email",
    "other",
];

/// A customer organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub segment: Option<String>,
    /// A relative weight (annual revenue, seats, or any scale the team
    /// picks); absent counts as 1 in demand.
    pub revenue: Option<f64>,
}

/// One piece of feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// `F-12`: numbered per workspace, never reused.
    pub id: String,
    pub product: String,
    pub text: String,
    pub source: String,
    /// The record's id in the source system (ticket, CRM note, review).
    pub source_id: Option<String>,
    /// The customer organisation, with its segment and revenue weight.
    pub customer: Option<Customer>,
    /// The person who asked (name or address).
    pub requester: Option<String>,
    /// The day the feedback was given, `YYYY-MM-DD`.
    pub received: String,
    pub importance: Importance,
    /// Set when this record was merged into another as a duplicate: its
    /// customer and vote then count for the record it was merged into.
    pub merged_into: Option<String>,
    /// The items it asks for (keys), in key order.
    pub items: Vec<String>,
    pub created: Millis,
    pub updated: Millis,
    pub version: i64,
}

/// The demand measures the prioritisation models can read as number
/// fields, with what each one is.
pub const DEMAND_FIELDS: &[(&str, &str)] = &[
    (
        "demand.requests",
        "requests: linked feedback and its merged duplicates",
    ),
    ("demand.customers", "unique customers"),
    ("demand.revenue", "revenue-weighted demand"),
    ("demand.recent", "recency-weighted demand"),
    (
        "demand.share",
        "revenue-weighted demand as a share of the product's largest, 0 to 1",
    ),
    (
        "demand.fibonacci",
        "demand.share on the Fibonacci scale 1 to 20 (WSJF user-business value)",
    ),
];

/// Is `name` one of the demand measures?
pub fn is_demand_field(name: &str) -> bool {
    DEMAND_FIELDS.iter().any(|(n, _)| *n == name)
}

/// `F-7` (or `7`) → 7.
pub fn feedback_number(id: &str) -> Option<i64> {
    let id = id.trim();
    let n = match id.split_once('-') {
        Some((p, n)) if p.eq_ignore_ascii_case("F") => n,
        Some(_) => return None,
        None => id,
    };
    n.parse().ok().filter(|n| *n > 0)
}

/// The `[feedback]` section of the workspace config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackConfig {
    /// Products (prefixes) whose public intake form is switched on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intake: Vec<String>,
    /// How many submissions one address may make to the intake form per hour.
    #[serde(default = "default_intake_per_hour")]
    pub intake_per_hour: u32,
    /// Recency-weighted demand halves every this many days.
    #[serde(default = "default_half_life")]
    pub half_life_days: u32,
    /// Sources beyond the built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Cosine similarity (0–1) at which two pieces of feedback are grouped
    /// into one theme.
    #[serde(default = "default_theme_threshold")]
    pub theme_threshold: f64,
}

fn default_intake_per_hour() -> u32 {
    5
}
fn default_half_life() -> u32 {
    90
}
fn default_theme_threshold() -> f64 {
    0.4
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        FeedbackConfig {
            intake: Vec::new(),
            intake_per_hour: default_intake_per_hour(),
            half_life_days: default_half_life(),
            sources: Vec::new(),
            theme_threshold: default_theme_threshold(),
        }
    }
}

impl FeedbackConfig {
    /// Every allowed source, built-in first.
    pub fn sources(&self) -> Vec<&str> {
        let mut all: Vec<&str> = SOURCES.to_vec();
        for s in &self.sources {
            if !all.contains(&s.as_str()) {
                all.push(s);
            }
        }
        all
    }

    /// The source as stored (lower case, spaces as hyphens), when allowed.
    pub fn source(&self, s: &str) -> Result<String, String> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        if self.sources().contains(&norm.as_str()) {
            Ok(norm)
        } else {
            Err(format!(
                "`{}` is not a feedback source; use one of {}, or add it to [feedback] sources",
                s.trim(),
                self.sources().join(", ")
            ))
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.half_life_days == 0 {
            return Err("[feedback] half_life_days must be at least 1".into());
        }
        if !(0.05..=1.0).contains(&self.theme_threshold) {
            return Err(format!(
                "[feedback] theme_threshold = {} is out of range: use 0.05 to 1",
                self.theme_threshold
            ));
        }
        for s in &self.sources {
            let ok = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(format!(
                    "[feedback] source `{s}`: write sources in lower case with hyphens, e.g. `partner-portal`"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importance_reads_the_usual_words() {
        assert_eq!(
            Importance::parse("Nice to have"),
            Some(Importance::NiceToHave)
        );
        assert_eq!(Importance::parse("HIGH"), Some(Importance::Important));
        assert_eq!(Importance::parse("blocker"), Some(Importance::Critical));
        assert_eq!(Importance::parse("whenever"), None);
        for i in Importance::ALL {
            assert_eq!(Importance::parse(i.as_str()), Some(i));
        }
    }

    #[test]
    fn ids_and_sources() {
        assert_eq!(feedback_number("F-12"), Some(12));
        assert_eq!(feedback_number("f-3"), Some(3));
        assert_eq!(feedback_number("12"), Some(12));
        assert_eq!(feedback_number("R-1"), None);
        assert_eq!(feedback_number("F-0"), None);
        let c = FeedbackConfig {
            sources: vec!["partner".into()],
            ..FeedbackConfig::default()
        };
        assert_eq!(c.source("App Review").unwrap(), "app-review");
        assert_eq!(c.source("partner").unwrap(), "partner");
        let e = c.source("fax").unwrap_err();
        assert!(
            e.contains("support") && e.contains("[feedback] sources"),
            "{e}"
        );
    }
}
