//! Jira exports: the JSON of the REST search API (`/rest/api/2/search` or
//! `/rest/api/3/search` with `expand=changelog`, one page or several
//! concatenated into a JSON array of pages) and the CSV export ("all
//! fields"). Unknown custom fields are ignored; story points and the epic
//! link are found by the field names the export carries, or by the usual
//! Jira Cloud ids.

use crate::FormatError;
use crate::issues::{
    ExtBatch, ExtComment, ExtIssue, ExtLink, ExtRelease, ExtTransition, RecordProblem, date_of,
    json_error, parse_time,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// Where Jira keeps story points and the epic link when the export does
/// not name its fields.
#[derive(Debug, Clone)]
pub struct JiraFields {
    pub points: Vec<String>,
    pub epic: Vec<String>,
}

impl Default for JiraFields {
    fn default() -> Self {
        JiraFields {
            points: [
                "customfield_10016",
                "customfield_10026",
                "customfield_10002",
            ]
            .map(String::from)
            .to_vec(),
            epic: vec!["customfield_10014".into()],
        }
    }
}

const POINT_NAMES: [&str; 3] = ["story points", "story point estimate", "points"];
const EPIC_NAMES: [&str; 1] = ["epic link"];

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
    #[serde(default)]
    subtask: Option<bool>,
    #[serde(default, rename = "hierarchyLevel")]
    hierarchy: Option<i64>,
}

#[derive(Deserialize)]
struct Version {
    name: Option<String>,
    #[serde(rename = "releaseDate")]
    release_date: Option<String>,
}

/// The one release an issue gets from its fix versions: the first to
/// ship (dated before undated, then as listed). An issue fixed in more
/// than one (a backport) is noted in `warnings`, naming the others.
fn first_release(
    key: &str,
    versions: Vec<ExtRelease>,
    warnings: &mut Vec<RecordProblem>,
) -> Option<ExtRelease> {
    let mut v: Vec<ExtRelease> = Vec::with_capacity(versions.len());
    for r in versions {
        if !v.iter().any(|x| x.name == r.name) {
            v.push(r);
        }
    }
    // Stable: equal dates, and the undated, keep the export's order.
    v.sort_by(|a, b| match (&a.date, &b.date) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut v = v.into_iter();
    let first = v.next()?;
    let rest: Vec<String> = v.map(|r| r.name).collect();
    if !rest.is_empty() {
        warnings.push(RecordProblem {
            record: key.to_string(),
            message: format!(
                "it has more than one fix version: its release is {}, the first to ship; not kept: {}",
                first.name,
                rest.join(", ")
            ),
        });
    }
    Some(first)
}

#[derive(Deserialize)]
struct Status {
    name: Option<String>,
    #[serde(rename = "statusCategory")]
    category: Option<StatusCategory>,
}

#[derive(Deserialize)]
struct StatusCategory {
    key: Option<String>,
}

#[derive(Deserialize)]
struct User {
    #[serde(rename = "displayName")]
    name: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

impl User {
    /// A deleted user ("Former user", inactive) is nobody.
    fn shown(u: &Option<User>) -> Option<String> {
        let u = u.as_ref()?;
        let name = u.name.as_deref()?.trim();
        if name.is_empty() || (u.active == Some(false) && name.eq_ignore_ascii_case("former user"))
        {
            return None;
        }
        Some(name.to_string())
    }
}

#[derive(Deserialize)]
struct Other {
    key: Option<String>,
}

#[derive(Deserialize)]
struct LinkType {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(rename = "type")]
    ty: Option<LinkType>,
    #[serde(rename = "inwardIssue")]
    inward: Option<Other>,
    #[serde(rename = "outwardIssue")]
    outward: Option<Other>,
}

#[derive(Deserialize)]
struct Parent {
    key: Option<String>,
}

#[derive(Deserialize)]
struct Comment {
    id: Option<String>,
    author: Option<User>,
    body: Option<Value>,
    created: Option<String>,
}

#[derive(Deserialize)]
struct Comments {
    #[serde(default)]
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Fields {
    summary: Option<String>,
    description: Option<Value>,
    issuetype: Option<Named>,
    status: Option<Status>,
    priority: Option<Named>,
    #[serde(default)]
    labels: Option<Vec<String>>,
    parent: Option<Parent>,
    #[serde(default)]
    issuelinks: Option<Vec<Link>>,
    created: Option<String>,
    resolutiondate: Option<String>,
    assignee: Option<User>,
    reporter: Option<User>,
    comment: Option<Comments>,
    #[serde(default, rename = "fixVersions")]
    fix_versions: Option<Vec<Version>>,
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct ChangeItem {
    field: Option<String>,
    #[serde(rename = "fromString")]
    from: Option<String>,
    #[serde(rename = "toString")]
    to: Option<String>,
}

#[derive(Deserialize)]
struct History {
    author: Option<User>,
    created: Option<String>,
    #[serde(default)]
    items: Vec<ChangeItem>,
}

#[derive(Deserialize)]
struct Changelog {
    #[serde(default)]
    histories: Vec<History>,
}

#[derive(Deserialize)]
struct Issue {
    key: Option<String>,
    fields: Option<Fields>,
    changelog: Option<Changelog>,
}

/// A serde error without its " at line L column C": positions inside
/// one record's text would point nowhere useful in the file.
fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) if e.line() > 0 => s[..i].to_string(),
        _ => s,
    }
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    issues: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

/// Text of a description or comment: a string (API v2) or Atlassian
/// Document Format (API v3), whose text nodes are joined.
fn text_of(v: &Option<Value>) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => out.push_str(s),
            Value::Object(m) => {
                if let Some(Value::String(t)) = m.get("text") {
                    out.push_str(t);
                }
                if let Some(Value::Array(c)) = m.get("content") {
                    for x in c {
                        walk(x, out);
                    }
                    if matches!(m.get("type"), Some(Value::String(t)) if t == "paragraph" || t == "heading")
                    {
                        out.push('\n');
                    }
                }
            }
            _ => {}
        }
    }
    let mut s = String::new();
    if let Some(v) = v {
        walk(v, &mut s);
    }
    s.replace("\r\n", "\n").trim().to_string()
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Read the JSON of Jira's search API: one page (`{"issues": [...]}`) or
/// an array of pages. A record that cannot be read is reported and left
/// out; a file that is not such JSON is an error with its position.
pub fn parse_json(text: &str, fields: &JiraFields) -> Result<ExtBatch, FormatError> {
    // Checked whole first (a truncated file is named by line), then read
    // issue by issue from the text itself: no tree of the whole file.
    let top: &RawValue =
        serde_json::from_str(text).map_err(|e| json_error(&e, "Jira search export"))?;
    let pages: Vec<&RawValue> = match top.get().trim_start().as_bytes().first() {
        Some(b'[') => {
            serde_json::from_str(top.get()).map_err(|e| json_error(&e, "Jira search export"))?
        }
        Some(b'{') => vec![top],
        _ => {
            return Err(FormatError::whole(
                "this JSON is neither a Jira search result ({\"issues\": [...]}) nor an array of them",
            ));
        }
    };
    let mut batch = ExtBatch {
        system: "jira".into(),
        ..ExtBatch::default()
    };
    let mut n = 0;
    for (pi, page) in pages.into_iter().enumerate() {
        let page: Page = serde_json::from_str(page.get()).map_err(|e| {
            FormatError::whole(format!("page {} is not a Jira search result: {e}", pi + 1))
        })?;
        let Some(issues) = page.issues else {
            return Err(FormatError::whole(format!(
                "page {} has no \"issues\" list: is this the JSON of Jira's search API (/rest/api/2/search)?",
                pi + 1
            )));
        };
        let mut points = fields.points.clone();
        let mut epic = fields.epic.clone();
        for (id, name) in &page.names {
            let l = name.to_lowercase();
            if POINT_NAMES.contains(&l.as_str()) {
                points.insert(0, id.clone());
            }
            if EPIC_NAMES.contains(&l.as_str()) {
                epic.insert(0, id.clone());
            }
        }
        for raw in issues {
            n += 1;
            let hint = || {
                serde_json::from_str::<Value>(raw.get())
                    .ok()
                    .and_then(|v| v.get("key").and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| format!("record {n}"))
            };
            match serde_json::from_str::<Issue>(raw.get()) {
                Ok(i) => match issue(i, &points, &epic, &mut batch.warnings) {
                    Ok(x) => batch.issues.push(x),
                    Err(message) => batch.problems.push(RecordProblem {
                        record: hint(),
                        message,
                    }),
                },
                Err(e) => batch.problems.push(RecordProblem {
                    record: hint(),
                    message: format!("not shaped like a Jira issue: {}", without_position(&e)),
                }),
            }
        }
    }
    Ok(batch)
}

fn issue(
    i: Issue,
    points: &[String],
    epic: &[String],
    warnings: &mut Vec<RecordProblem>,
) -> Result<ExtIssue, String> {
    let key = i
        .key
        .filter(|k| !k.trim().is_empty())
        .ok_or("it has no key")?;
    let f = i.fields.ok_or("it has no fields")?;
    let title = f.summary.unwrap_or_default().trim().to_string();
    if title.is_empty() {
        return Err("it has no summary".into());
    }
    let created = match f.created.as_deref() {
        Some(c) => parse_time(c).ok_or_else(|| format!("created `{c}` is not a date"))?,
        None => return Err("it has no created date".into()),
    };
    let resolved = match f.resolutiondate.as_deref() {
        Some(r) => {
            Some(parse_time(r).ok_or_else(|| format!("resolutiondate `{r}` is not a date"))?)
        }
        None => None,
    };
    let status = f.status.ok_or("it has no status")?;
    let kind = f
        .issuetype
        .as_ref()
        .and_then(|t| t.name.clone())
        .unwrap_or_else(|| "Task".into());
    let is_subtask = f
        .issuetype
        .as_ref()
        .is_some_and(|t| t.subtask == Some(true) || t.hierarchy == Some(-1));
    let _ = is_subtask;
    let epic_link = epic
        .iter()
        .find_map(|id| f.other.get(id).and_then(Value::as_str).map(str::to_string));
    let parent = f.parent.and_then(|p| p.key).or(epic_link);
    let mut links = Vec::new();
    for l in f.issuelinks.unwrap_or_default() {
        let name = l.ty.and_then(|t| t.name).unwrap_or_default().to_lowercase();
        let (other, inward) = match (l.inward.and_then(|o| o.key), l.outward.and_then(|o| o.key)) {
            (Some(o), _) => (o, true),
            (None, Some(o)) => (o, false),
            (None, None) => continue,
        };
        let kind = match (name.as_str(), inward) {
            ("blocks", false) => "blocks",
            ("blocks", true) => "blocked-by",
            ("duplicate", false) => "duplicates",
            ("duplicate", true) => "duplicated-by",
            _ => "relates",
        };
        links.push(ExtLink {
            kind: kind.into(),
            other,
        });
    }
    let mut comments = Vec::new();
    for (ci, c) in f
        .comment
        .map(|c| c.comments)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let created = c
            .created
            .as_deref()
            .and_then(parse_time)
            .ok_or_else(|| format!("comment {} has no readable created date", ci + 1))?;
        comments.push(ExtComment {
            id: c.id.unwrap_or_else(|| format!("{}", ci + 1)),
            author: User::shown(&c.author),
            body: text_of(&c.body),
            created,
        });
    }
    let mut transitions = Vec::new();
    for h in i.changelog.map(|c| c.histories).unwrap_or_default() {
        let Some(at) = h.created.as_deref().and_then(parse_time) else {
            continue;
        };
        for it in &h.items {
            if it.field.as_deref() == Some("status")
                && let Some(to) = &it.to
            {
                transitions.push(ExtTransition {
                    at,
                    from: it.from.clone(),
                    to: to.clone(),
                    by: User::shown(&h.author),
                });
            }
        }
    }
    transitions.sort_by_key(|t| t.at);
    let versions = f
        .fix_versions
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| {
            let name = v.name?.trim().to_string();
            (!name.is_empty()).then(|| ExtRelease {
                name,
                date: v.release_date.as_deref().and_then(date_of),
            })
        })
        .collect();
    // Warnings are pushed only once the issue is known to be readable.
    let mut noted = Vec::new();
    let release = first_release(&key, versions, &mut noted);
    warnings.extend(noted);
    Ok(ExtIssue {
        key,
        kind,
        title,
        description: text_of(&f.description),
        status: status.name.unwrap_or_default(),
        category: status.category.and_then(|c| c.key),
        reason: None,
        priority: f.priority.and_then(|p| p.name),
        labels: f.labels.unwrap_or_default(),
        points: points.iter().find_map(|id| number(f.other.get(id))),
        parent,
        links,
        assignee: User::shown(&f.assignee),
        reporter: User::shown(&f.reporter),
        release,
        created,
        resolved,
        comments,
        transitions,
    })
}

/// Jira's CSV dates: `20/Feb/26 12:04 PM`, in the exporting user's time
/// zone, which the file does not say: read as UTC.
fn csv_time(s: &str) -> Option<i64> {
    let s = s.trim();
    for f in [
        "%d/%b/%y %I:%M %p",
        "%d/%b/%Y %I:%M %p",
        "%d/%b/%y %H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    parse_time(s)
}

/// Read Jira's CSV export. Repeated columns (Labels, Comment, links,
/// Sprint) are read by position. Comments are `date;author;body`.
pub fn parse_csv(text: &str) -> Result<ExtBatch, FormatError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| FormatError::whole(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let cols = |name: &str| -> Vec<usize> {
        headers
            .iter()
            .enumerate()
            .filter(|(_, h)| *h == name)
            .map(|(i, _)| i)
            .collect()
    };
    let (Some(c_key), Some(c_summary)) = (col("issue key"), col("summary")) else {
        return Err(FormatError::at(
            1,
            "the header has no `Issue key` and `Summary` columns: is this Jira's CSV export (all fields)?",
        ));
    };
    let c_id = col("issue id");
    let c_parent = col("parent id");
    let c_type = col("issue type");
    let c_status = col("status");
    let c_cat = col("status category");
    let c_priority = col("priority");
    let c_assignee = col("assignee");
    let c_reporter = col("reporter");
    let c_created = col("created");
    let c_resolved = col("resolved");
    let c_desc = col("description");
    let c_points = [
        "custom field (story points)",
        "custom field (story point estimate)",
    ]
    .iter()
    .find_map(|n| col(n));
    let c_epic = col("custom field (epic link)");
    let c_labels = cols("labels");
    let c_versions: Vec<usize> = cols("fix version/s")
        .into_iter()
        .chain(cols("fix versions"))
        .collect();
    let c_comments = cols("comment");
    let link_cols: Vec<(usize, &'static str)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let rest = h.strip_suffix(')')?;
            let (dir, ty) = rest.split_once(" issue link (")?;
            let kind = match (dir, ty) {
                ("outward", "blocks") => "blocks",
                ("inward", "blocks") => "blocked-by",
                ("outward", "duplicate") => "duplicates",
                ("inward", "duplicate") => "duplicated-by",
                _ => "relates",
            };
            Some((i, kind))
        })
        .collect();
    let mut batch = ExtBatch {
        system: "jira".into(),
        ..ExtBatch::default()
    };
    let mut id_to_key: BTreeMap<String, String> = BTreeMap::new();
    let mut parents: Vec<(usize, String)> = Vec::new();
    for rec in rdr.records() {
        let r = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                batch.problems.push(RecordProblem {
                    record: format!("line {line}"),
                    message: format!("unreadable CSV: {e}"),
                });
                continue;
            }
        };
        let line = r.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| {
            c.and_then(|i| r.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(key) = get(Some(c_key)) else {
            batch.problems.push(RecordProblem {
                record: format!("line {line}"),
                message: "no issue key".into(),
            });
            continue;
        };
        let bad = |m: String| RecordProblem {
            record: key.to_string(),
            message: m,
        };
        let Some(title) = get(Some(c_summary)) else {
            batch.problems.push(bad("no summary".into()));
            continue;
        };
        let created = match get(c_created) {
            Some(c) => match csv_time(c) {
                Some(t) => t,
                None => {
                    batch
                        .problems
                        .push(bad(format!("Created `{c}` is not a date")));
                    continue;
                }
            },
            None => {
                batch.problems.push(bad("no Created date".into()));
                continue;
            }
        };
        let resolved = get(c_resolved).and_then(csv_time);
        if let Some(id) = get(c_id) {
            id_to_key.insert(id.to_string(), key.to_string());
        }
        if let Some(p) = get(c_parent) {
            parents.push((batch.issues.len(), p.to_string()));
        }
        let mut comments = Vec::new();
        for (ci, i) in c_comments.iter().enumerate() {
            let Some(c) = get(Some(*i)) else { continue };
            let mut parts = c.splitn(3, ';');
            let (d, a, b) = (parts.next(), parts.next(), parts.next());
            let (at, author, body) = match (d.and_then(csv_time), b) {
                (Some(at), Some(b)) => (at, a.map(str::to_string), b.to_string()),
                _ => (created, None, c.to_string()),
            };
            comments.push(ExtComment {
                id: format!("csv-{}", ci + 1),
                author: author.filter(|a| !a.is_empty()),
                body,
                created: at,
            });
        }
        let category = get(c_cat).map(|c| match c.to_lowercase().as_str() {
            "to do" | "new" => "new".to_string(),
            "in progress" | "indeterminate" => "indeterminate".to_string(),
            "done" | "complete" => "done".to_string(),
            other => other.to_string(),
        });
        let versions = c_versions
            .iter()
            .filter_map(|i| get(Some(*i)))
            .map(|name| ExtRelease {
                name: name.to_string(),
                date: None,
            })
            .collect();
        let release = first_release(key, versions, &mut batch.warnings);
        batch.issues.push(ExtIssue {
            key: key.to_string(),
            kind: get(c_type).unwrap_or("Task").to_string(),
            title: title.to_string(),
            description: get(c_desc).unwrap_or("").replace("\r\n", "\n"),
            status: get(c_status).unwrap_or("").to_string(),
            category,
            reason: None,
            priority: get(c_priority).map(str::to_string),
            labels: c_labels
                .iter()
                .filter_map(|i| get(Some(*i)))
                .map(str::to_string)
                .collect(),
            points: get(c_points).and_then(|p| p.parse().ok()),
            parent: get(c_epic).map(str::to_string),
            links: link_cols
                .iter()
                .filter_map(|(i, kind)| {
                    get(Some(*i)).map(|o| ExtLink {
                        kind: (*kind).into(),
                        other: o.to_string(),
                    })
                })
                .collect(),
            assignee: get(c_assignee).map(str::to_string),
            reporter: get(c_reporter).map(str::to_string),
            release,
            created,
            resolved,
            comments,
            transitions: Vec::new(),
        });
    }
    // Parent id names the parent's Issue id: turn it into its key.
    for (i, pid) in parents {
        let key = id_to_key.get(&pid).cloned();
        match key {
            Some(k) => batch.issues[i].parent = Some(k),
            None => batch.warnings.push(RecordProblem {
                record: batch.issues[i].key.clone(),
                message: format!(
                    "its parent (Issue id {pid}) is not in this export; imported without its parent"
                ),
            }),
        }
    }
    Ok(batch)
}
