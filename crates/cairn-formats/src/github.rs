//! GitHub issues: the JSON of the REST API's issue list
//! (`GET /repos/{owner}/{repo}/issues?state=all`, one page or an array of
//! pages) and, optionally, the repository's comments
//! (`GET /repos/{owner}/{repo}/issues/comments`). Pull requests in the list
//! are left out. Links come from the bodies: "blocked by #5", "blocks #7",
//! "duplicate of #3".

use crate::FormatError;
use crate::issues::{
    ExtBatch, ExtComment, ExtIssue, ExtLink, ExtRelease, RecordProblem, date_of, json_error,
    parse_time,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct User {
    login: Option<String>,
}

impl User {
    /// GitHub shows a deleted account as `ghost`: nobody.
    fn shown(u: &Option<User>) -> Option<String> {
        u.as_ref()
            .and_then(|u| u.login.clone())
            .filter(|l| !l.is_empty() && l != "ghost")
    }
}

#[derive(Deserialize)]
struct Label {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Milestone {
    title: Option<String>,
    /// RFC 3339; GitHub keeps a due date as a time on that day (UTC).
    due_on: Option<String>,
}

#[derive(Deserialize)]
struct Issue {
    number: Option<u64>,
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
    user: Option<User>,
    #[serde(default)]
    labels: Vec<Label>,
    assignee: Option<User>,
    milestone: Option<Milestone>,
    created_at: Option<String>,
    closed_at: Option<String>,
    html_url: Option<String>,
    repository_url: Option<String>,
    pull_request: Option<Value>,
}

#[derive(Deserialize)]
struct Comment {
    id: Option<u64>,
    issue_url: Option<String>,
    user: Option<User>,
    body: Option<String>,
    created_at: Option<String>,
}

/// `owner/repo` from an API or web address.
fn repo_of(url: &str) -> Option<String> {
    let rest = url
        .split_once("/repos/")
        .map(|(_, r)| r)
        .or_else(|| url.split_once("github.com/").map(|(_, r)| r))?;
    let mut parts = rest.split('/');
    let (o, r) = (parts.next()?, parts.next()?);
    (!o.is_empty() && !r.is_empty()).then(|| format!("{o}/{r}"))
}

fn flatten(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) if a.iter().all(Value::is_array) => {
            a.into_iter().flat_map(flatten).collect()
        }
        Value::Array(a) => a,
        other => vec![other],
    }
}

/// Links written in a body: `blocked by #5`, `blocks #7`, `duplicate of
/// #3`, also with `owner/repo#N`.
fn body_links(body: &str, repo: &str) -> Vec<ExtLink> {
    let lower = body.to_lowercase();
    let mut out: Vec<ExtLink> = Vec::new();
    for (phrase, kind) in [
        ("blocked by ", "blocked-by"),
        ("depends on ", "blocked-by"),
        ("blocks ", "blocks"),
        ("duplicate of ", "duplicates"),
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(phrase) {
            let start = from + i + phrase.len();
            from = start;
            // Only a phrase at a word start counts ("unblocks #3" does not).
            let at = from - phrase.len();
            if at > 0
                && lower[..at]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let rest = &body[start..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '#' | '/' | '-' | '_' | '.'))
                .collect();
            let word = word.trim_end_matches('.');
            let other = if let Some(n) = word.strip_prefix('#') {
                n.parse::<u64>().ok().map(|n| format!("{repo}#{n}"))
            } else if let Some((r, n)) = word.split_once('#') {
                (r.contains('/') && n.parse::<u64>().is_ok()).then(|| word.to_string())
            } else {
                None
            };
            if let Some(other) = other
                && !out.iter().any(|l| l.other == other && l.kind == kind)
            {
                out.push(ExtLink {
                    kind: kind.into(),
                    other,
                });
            }
        }
    }
    out
}

/// Read GitHub's issues JSON, and its comments JSON when given. `repo`
/// (`owner/name`) names the repository when the issues do not carry it.
pub fn parse(
    issues: &str,
    comments: Option<&str>,
    repo: Option<&str>,
) -> Result<ExtBatch, FormatError> {
    let v: Value =
        serde_json::from_str(issues).map_err(|e| json_error(&e, "GitHub issues export"))?;
    if !v.is_array() {
        return Err(FormatError::whole(
            "this JSON is not a list of issues: export it with GET /repos/{owner}/{repo}/issues?state=all",
        ));
    }
    let mut batch = ExtBatch {
        system: "github".into(),
        ..ExtBatch::default()
    };
    for (n, raw) in flatten(v).into_iter().enumerate() {
        let hint = raw
            .get("number")
            .and_then(Value::as_u64)
            .map_or_else(|| format!("record {}", n + 1), |x| format!("#{x}"));
        let i: Issue = match serde_json::from_value(raw) {
            Ok(i) => i,
            Err(e) => {
                batch.problems.push(RecordProblem {
                    record: hint,
                    message: format!("not shaped like a GitHub issue: {e}"),
                });
                continue;
            }
        };
        if i.pull_request.is_some() {
            continue;
        }
        let bad = |m: &str| RecordProblem {
            record: hint.clone(),
            message: m.to_string(),
        };
        let Some(number) = i.number else {
            batch.problems.push(bad("it has no number"));
            continue;
        };
        let Some(r) = repo
            .map(str::to_string)
            .or_else(|| i.repository_url.as_deref().and_then(repo_of))
            .or_else(|| i.html_url.as_deref().and_then(repo_of))
        else {
            batch.problems.push(bad(
                "its repository is unknown: name it with --repo owner/name",
            ));
            continue;
        };
        let title = i.title.unwrap_or_default().trim().to_string();
        if title.is_empty() {
            batch.problems.push(bad("it has no title"));
            continue;
        }
        let Some(created) = i.created_at.as_deref().and_then(parse_time) else {
            batch.problems.push(bad("it has no readable created_at"));
            continue;
        };
        let closed = i.state.as_deref() == Some("closed");
        let body = i.body.unwrap_or_default().replace("\r\n", "\n");
        batch.issues.push(ExtIssue {
            key: format!("{r}#{number}"),
            kind: "issue".into(),
            title,
            links: body_links(&body, &r),
            description: body,
            status: if closed { "closed" } else { "open" }.into(),
            category: Some(if closed { "done" } else { "new" }.into()),
            reason: i.state_reason,
            priority: None,
            labels: i.labels.into_iter().filter_map(|l| l.name).collect(),
            points: None,
            parent: None,
            assignee: User::shown(&i.assignee),
            reporter: User::shown(&i.user),
            release: i.milestone.and_then(|m| {
                let name = m.title?.trim().to_string();
                (!name.is_empty()).then(|| ExtRelease {
                    name,
                    date: m.due_on.as_deref().and_then(date_of),
                })
            }),
            created,
            resolved: if closed {
                i.closed_at.as_deref().and_then(parse_time)
            } else {
                None
            },
            comments: Vec::new(),
            transitions: Vec::new(),
        });
    }
    if let Some(text) = comments {
        let v: Value =
            serde_json::from_str(text).map_err(|e| json_error(&e, "GitHub comments export"))?;
        for (n, raw) in flatten(v).into_iter().enumerate() {
            let c: Comment = match serde_json::from_value(raw) {
                Ok(c) => c,
                Err(e) => {
                    batch.problems.push(RecordProblem {
                        record: format!("comment {}", n + 1),
                        message: format!("not shaped like a GitHub comment: {e}"),
                    });
                    continue;
                }
            };
            let Some(url) = c.issue_url.as_deref() else {
                continue;
            };
            let Some(num) = url.rsplit('/').next().and_then(|x| x.parse::<u64>().ok()) else {
                continue;
            };
            let Some(r) = repo.map(str::to_string).or_else(|| repo_of(url)) else {
                continue;
            };
            let key = format!("{r}#{num}");
            // Comments on pull requests (left out above) are left out too.
            let Some(issue) = batch.issues.iter_mut().find(|i| i.key == key) else {
                continue;
            };
            issue.comments.push(ExtComment {
                id: c.id.map_or_else(|| format!("{}", n + 1), |i| i.to_string()),
                author: User::shown(&c.user),
                body: c.body.unwrap_or_default().replace("\r\n", "\n"),
                created: c
                    .created_at
                    .as_deref()
                    .and_then(parse_time)
                    .unwrap_or(issue.created),
            });
        }
    }
    Ok(batch)
}
