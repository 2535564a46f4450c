//! Cairn's domain: keys, items, kinds, workflows, links, goals, releases,
//! the workspace config, fractional ranks and the audit-entry hash.
//!
//! This crate never does IO and never reads the clock: every instant is
//! passed in, so everything here can be tested with plain values.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod audit;
pub mod baseline;
pub mod calendar;
pub mod config;
pub mod decompose;
pub mod feedback;
pub mod gates;
pub mod git;
pub mod item;
pub mod key;
pub mod kind;
pub mod lint;
pub mod notify;
pub mod rank;
pub mod ranking;
pub mod register;
pub mod signature;
pub mod webhook;

pub use account::{ApiToken, Comment, Membership, Notification, Role, User};
pub use audit::{AuditEntry, Change};
pub use calendar::Calendar;
pub use config::{Config, ConfigError, FieldDecl, FieldType, StateDecl, Workflow};
pub use feedback::{Customer, Feedback, FeedbackConfig, Importance};
pub use git::{Commit, GitConfig};
pub use item::{
    FieldValue, Goal, Item, KeyResult, Link, LinkEnd, Person, Product, Release, RequirementSource,
    Suspect,
};
pub use key::{ItemKey, KeyError};
pub use kind::{Category, Kind, LinkKind};
pub use register::{Decision, DecisionOption, DecisionStatus, Risk, RiskStatus};

/// Instants are milliseconds since the Unix epoch, UTC. Both backends store
/// them as 64-bit integers, so they compare and sort the same everywhere.
pub type Millis = i64;

/// Format an instant as RFC 3339 UTC with millisecond precision.
pub fn format_millis(ms: Millis) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        None => ms.to_string(),
    }
}

/// Parse an RFC 3339 instant into milliseconds.
pub fn parse_millis(s: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within edit distance 2, if any.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
