//! Stakeholder reports for the API and the Reports page: one builder, so
//! both give the same report for the same parameters as `cairn report`.

use crate::error::ApiError;
use cairn_app::App;
use cairn_app::report::{ReportKind, ReportRequest, parse_since};
use cairn_report::doc::Doc;
use serde::Deserialize;
use serde_json::Value;

/// The kinds of report, as they appear in URLs.
pub const KINDS: [(&str, &str); 7] = [
    (
        "exec",
        "For executives: goals, release dates and how they moved, scope changes, risks, decisions",
    ),
    (
        "team",
        "For the team: blocked work, aging work in progress, lint findings, tech debt, flow",
    ),
    (
        "roadmap",
        "Now / Next / Later by goal, with a forecast timeline",
    ),
    (
        "release-notes",
        "For customers: what is new, improved and fixed",
    ),
    (
        "risks",
        "The risk register with its heat map and the decisions needed",
    ),
    (
        "trace",
        "For auditors: each requirement's work, the tests that verify it and their latest results, with the gaps",
    ),
    (
        "feedback",
        "Customer feedback: top themes by demand, the most demanded items, segments and the inbox",
    ),
];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportParams {
    pub product: Option<String>,
    /// A date (YYYY-MM-DD) or a span such as 2w (default 2w; 26w for feedback).
    pub since: Option<String>,
    /// A query narrowing the items.
    pub scope: Option<String>,
    /// Release notes of one release.
    pub release: Option<String>,
    /// Team: days of flow history.
    pub window: Option<u32>,
    /// json (default), html or md.
    pub format: Option<String>,
}

/// A trimmed value, when there is one.
pub(crate) fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Check a kind named in a URL.
pub fn kind(k: &str) -> Result<&'static str, ApiError> {
    ReportKind::parse(k).map(ReportKind::as_str).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no report `{k}`; reports: {}",
            KINDS.map(|(n, _)| n).join(", ")
        ))
    })
}

/// Build a report: its data (the JSON form) and its document. With
/// `record`, an exec report is also kept for the next one to compare with.
pub fn build(
    app: &mut App,
    kind: &str,
    p: &ReportParams,
    record: bool,
) -> Result<(Value, Doc), ApiError> {
    let k = ReportKind::parse(kind)
        .ok_or_else(|| ApiError::not_found(format!("there is no report `{kind}`")))?;
    let since_text = nonempty(&p.since);
    let since = parse_since(
        since_text.as_deref().unwrap_or(k.default_since()),
        app.today(),
    )
    .map_err(|e| ApiError::bad_input("since", e))?;
    let release = nonempty(&p.release);
    match (&release, &since_text) {
        (Some(_), _) if k != ReportKind::ReleaseNotes => {
            return Err(ApiError::bad_input(
                "release",
                "release is for release notes; the other reports cover the whole product",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_input(
                "release",
                "give since or release, not both",
            ));
        }
        _ => {}
    }
    let r = app.report(
        k,
        &ReportRequest {
            product: nonempty(&p.product),
            since,
            release,
            scope: nonempty(&p.scope),
            window: p.window,
            record,
        },
    )?;
    Ok((r.data, r.doc))
}

/// The policy a downloaded HTML report is served with: its own inline
/// styles and SVG, nothing else, no script.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
