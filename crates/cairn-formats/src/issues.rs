//! Issues from other trackers (Jira, GitHub), read into one neutral shape
//! that Cairn's importer maps onto its own items. Times are epoch ms (UTC).

use crate::FormatError;
use serde::Serialize;

/// One issue as the other tracker had it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtIssue {
    /// The tracker's key: `SHOP-12`, or `acme/shop-web#12` for GitHub.
    pub key: String,
    /// The issue type as named there: Epic, Story, Task, Bug, Sub-task, or
    /// `issue` for GitHub.
    pub kind: String,
    pub title: String,
    pub description: String,
    /// The status as named there.
    pub status: String,
    /// Jira's status category (`new`, `indeterminate`, `done`); GitHub's
    /// `open` / `closed` maps to `new` / `done`.
    pub category: Option<String>,
    /// Why a closed GitHub issue was closed (`completed`, `not_planned`).
    pub reason: Option<String>,
    pub priority: Option<String>,
    pub labels: Vec<String>,
    pub points: Option<f64>,
    /// The parent's key: an epic, or the story of a sub-task.
    pub parent: Option<String>,
    pub links: Vec<ExtLink>,
    /// Display names; `None` for nobody (or a deleted user).
    pub assignee: Option<String>,
    pub reporter: Option<String>,
    /// The release it is planned for: a GitHub milestone or a Jira fix
    /// version.
    pub release: Option<ExtRelease>,
    pub created: i64,
    pub resolved: Option<i64>,
    pub comments: Vec<ExtComment>,
    /// Status changes, oldest first.
    pub transitions: Vec<ExtTransition>,
}

/// A release as the other tracker names and dates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtRelease {
    pub name: String,
    /// Its due or release date, `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// A link from this issue to another, read from this issue's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtLink {
    /// `blocks`, `blocked-by`, `relates` or `duplicates`.
    pub kind: String,
    pub other: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtComment {
    /// The tracker's id, so a re-import adds each comment once.
    pub id: String,
    pub author: Option<String>,
    pub body: String,
    pub created: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtTransition {
    pub at: i64,
    pub from: Option<String>,
    pub to: String,
    pub by: Option<String>,
}

/// What a file held: the issues it could read, and the records it could
/// not, each with why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtBatch {
    /// `jira` or `github`: the system the keys belong to.
    pub system: String,
    pub issues: Vec<ExtIssue>,
    /// Records left out.
    pub problems: Vec<RecordProblem>,
    /// Records read with something lost (e.g. a parent outside the file).
    pub warnings: Vec<RecordProblem>,
}

/// A record the reader had to leave out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordProblem {
    /// The issue key when known, else its place (`record 7`, `line 12`).
    pub record: String,
    pub message: String,
}

/// A JSON error as a user reads it: where, what, and what to do.
pub(crate) fn json_error(e: &serde_json::Error, what: &str) -> FormatError {
    let hint = if e.is_eof() {
        format!("the file ends early: is the {what} complete? Export it again")
    } else if e.is_syntax() {
        format!("this is not valid JSON; is it a {what}?")
    } else {
        format!("this JSON is not shaped like a {what}")
    };
    FormatError {
        line: Some(e.line()),
        column: Some(e.column()),
        message: format!("{hint} ({e})"),
    }
}

/// A date, `YYYY-MM-DD`, from a date or a time (its day in UTC).
pub(crate) fn date_of(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    let t = chrono::DateTime::from_timestamp_millis(parse_time(s)?)?;
    Some(t.date_naive().format("%Y-%m-%d").to_string())
}

/// Parse RFC 3339 and Jira's `2026-02-09T10:15:30.995+0100`.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(s, f) {
            return Some(t.timestamp_millis());
        }
    }
    None
}
