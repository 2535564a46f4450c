//! The import suite: a Jira REST search result of 100,000 issues with
//! their changelogs and comments, generated in memory, read with the Jira
//! reader and imported into a fresh SQLite workspace; then the same file
//! imported again, which should change nothing.
//!
//! The mix follows a real Jira project: about 5 % epics, most stories in
//! an epic, one issue in ten a sub-task, 2-4 status transitions per issue,
//! 0-2 comments, one issue in ten blocking another, and each done issue
//! with the fix version of the fortnightly release after it was resolved.

use crate::{Measurement, Report, feedback, remove_sqlite};
use anyhow::Result;
use cairn_app::App;
use cairn_app::import_ext::ImportOptions;
use cairn_formats::jira::{JiraFields, parse_json};
use chrono::{FixedOffset, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// Default size of the export, as promised: 100,000 issues.
pub const ISSUES: usize = 100_000;
/// The promise: the whole import in at most 30 s.
const TARGET_S: f64 = 30.0;
const PROJECT: &str = "SHOP";

const STATUSES: [(&str, &str); 4] = [
    ("To Do", "new"),
    ("In Progress", "indeterminate"),
    ("In Review", "indeterminate"),
    ("Done", "done"),
];
const LABELS: [&str; 8] = [
    "checkout",
    "payments",
    "search",
    "mobile",
    "q2-goal",
    "accessibility",
    "performance",
    "customer-request",
];
const FIRST: [&str; 10] = [
    "Lena", "Marco", "Aisha", "Tomás", "Yuki", "Priya", "Jonas", "Fatima", "Oliver", "Mei",
];
const LAST: [&str; 5] = ["Hoffmann", "Rossi", "Okafor", "Silva", "Tanaka"];
const POINTS: [f64; 6] = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0];

/// Jira's time format: `2026-02-09T10:15:30.995+0100`.
/// Releases every two weeks (ms).
const RELEASE_EVERY: i64 = 14 * 86_400_000;

fn jira_time(ms: i64) -> String {
    let Some(tz) = FixedOffset::east_opt(3600) else {
        return String::new();
    };
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string())
        .unwrap_or_default()
}

fn person(rng: &mut ChaCha8Rng) -> Value {
    let name = format!(
        "{} {}",
        FIRST[rng.gen_range(0..FIRST.len())],
        LAST[rng.gen_range(0..LAST.len())]
    );
    json!({ "displayName": name, "active": true })
}

/// A Jira search result (`/rest/api/2/search?expand=changelog`) of `n`
/// issues, as one JSON text.
pub fn jira_search_json(n: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let vocab = feedback::Vocabulary::new(5_000, seed ^ 0x7172);
    // 2024-01-01 to 2026-01-01, one issue after another.
    let start: i64 = 1_704_067_200_000;
    let span: i64 = 730 * 86_400_000;
    let step = span / n.max(1) as i64;
    let mut epics: Vec<usize> = Vec::new();
    let mut parents: Vec<usize> = Vec::new();
    let mut comment_id = 10_000u64;
    let mut out = String::with_capacity(n * 2_200 + 100);
    out.push_str(&format!(
        "{{\"expand\":\"schema,names\",\"startAt\":0,\"maxResults\":{n},\"total\":{n},\"issues\":["
    ));
    for i in 1..=n {
        let key = format!("{PROJECT}-{i}");
        let created = start + (i as i64 - 1) * step + rng.gen_range(0..step.max(1));
        let roll = rng.gen_range(0..100);
        let (ty, subtask) = if i == 1 || roll < 5 {
            ("Epic", false)
        } else if roll < 15 && !parents.is_empty() {
            ("Sub-task", true)
        } else if roll < 65 {
            ("Story", false)
        } else if roll < 82 {
            ("Bug", false)
        } else {
            ("Task", false)
        };
        // Where it ended: a quarter still to do, nearly half done.
        let end = match rng.gen_range(0..100) {
            0..=24 => 0,
            25..=39 => 1,
            40..=54 => 2,
            _ => 3,
        };
        // The way there: forward to its status, with a step back and
        // forth when that makes fewer than two transitions (or by chance).
        let mut path: Vec<(usize, usize)> = (0..end).map(|s| (s, s + 1)).collect();
        while path.len() < 2 || (path.len() + 2 <= 4 && rng.gen_bool(0.25)) {
            let at = path.last().map_or(0, |p| p.1);
            let other = if at == 0 { 1 } else { at - 1 };
            path.push((at, other));
            path.push((other, at));
        }
        let mut t = created;
        let mut histories = Vec::with_capacity(path.len());
        for (from, to) in &path {
            t += rng.gen_range(3_600_000..5 * 86_400_000);
            histories.push(json!({
                "id": format!("{}", i * 10 + histories.len()),
                "author": person(&mut rng),
                "created": jira_time(t),
                "items": [{
                    "field": "status",
                    "fieldtype": "jira",
                    "fromString": STATUSES[*from].0,
                    "toString": STATUSES[*to].0,
                }],
            }));
        }
        let resolved = (end == 3).then(|| jira_time(t));
        // A done issue shipped in the fortnightly release after it was
        // resolved (no random draw, so the rest of the data stays as it was).
        let fix_versions = if end == 3 {
            let window = t.div_euclid(RELEASE_EVERY) + 1;
            let day = chrono::DateTime::from_timestamp_millis(window * RELEASE_EVERY)
                .map(|d| d.format("%Y-%m-%d").to_string());
            json!([{
                "id": format!("{}", 30_000 + window),
                "name": format!("R{window}"),
                "archived": false,
                "released": true,
                "releaseDate": day,
            }])
        } else {
            json!([])
        };
        let mut comments = Vec::new();
        for _ in 0..rng.gen_range(0..=2) {
            comment_id += 1;
            let words = rng.gen_range(8..=25);
            comments.push(json!({
                "id": comment_id.to_string(),
                "author": person(&mut rng),
                "body": vocab.sentence(&mut rng, words),
                "created": jira_time(created + rng.gen_range(60_000..10 * 86_400_000)),
            }));
        }
        let mut links = Vec::new();
        if n > 1 && rng.gen_bool(0.1) {
            let mut other = rng.gen_range(1..=n);
            if other == i {
                other = if i == n { 1 } else { i + 1 };
            }
            links.push(json!({
                "id": format!("{}", 20_000 + i),
                "type": { "name": "Blocks", "inward": "is blocked by", "outward": "blocks" },
                "outwardIssue": { "key": format!("{PROJECT}-{other}") },
            }));
        }
        let labels: Vec<&str> = (0..rng.gen_range(0..=2))
            .map(|_| LABELS[rng.gen_range(0..LABELS.len())])
            .collect();
        let (tn, dn) = (rng.gen_range(5..=10), rng.gen_range(15..=45));
        let summary = vocab.sentence(&mut rng, tn);
        let description = vocab.sentence(&mut rng, dn);
        let epic_link = match ty {
            "Story" | "Bug" | "Task" if !epics.is_empty() && rng.gen_bool(0.7) => {
                // Mostly one of the recent epics.
                let back = rng.gen_range(0..epics.len().min(20));
                Some(format!("{PROJECT}-{}", epics[epics.len() - 1 - back]))
            }
            _ => None,
        };
        let mut fields = json!({
            "summary": summary,
            "description": description,
            "issuetype": { "name": ty, "subtask": subtask },
            "status": {
                "name": STATUSES[end].0,
                "statusCategory": { "key": STATUSES[end].1 },
            },
            "priority": { "name": "Medium" },
            "labels": labels,
            "fixVersions": fix_versions,
            "customfield_10016": if ty == "Story" { json!(POINTS[rng.gen_range(0..POINTS.len())]) } else { Value::Null },
            "customfield_10014": epic_link,
            "issuelinks": links,
            "created": jira_time(created),
            "resolutiondate": resolved,
            "assignee": if end == 0 && rng.gen_bool(0.3) { Value::Null } else { person(&mut rng) },
            "reporter": person(&mut rng),
            "comment": { "comments": comments, "maxResults": comments.len(), "total": comments.len(), "startAt": 0 },
        });
        if subtask {
            // A sub-task of one of the recent stories.
            let back = rng.gen_range(0..parents.len().min(50));
            let p = parents[parents.len() - 1 - back];
            fields["parent"] = json!({ "key": format!("{PROJECT}-{p}") });
        }
        match ty {
            "Epic" => epics.push(i),
            // Cairn's hierarchy puts tasks under stories, as most
            // Jira projects do.
            "Story" => parents.push(i),
            _ => {}
        }
        let issue = json!({
            "expand": "operations,changelog",
            "id": format!("{}", 10_000 + i),
            "key": key,
            "fields": fields,
            "changelog": { "startAt": 0, "maxResults": histories.len(), "total": histories.len(), "histories": histories },
        });
        if i > 1 {
            out.push(',');
        }
        out.push_str(&issue.to_string());
    }
    out.push_str("]}");
    out
}

/// Where to import: a SQLite file in a folder, or a fresh database on a
/// PostgreSQL server (given by its admin URL).
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

pub fn suite(
    targets: &[Target],
    seed: u64,
    issues: usize,
    keep: bool,
    report: &mut Report,
) -> Result<()> {
    eprintln!("generating a Jira search result of {issues} issues ...");
    let t = Instant::now();
    let text = jira_search_json(issues, seed);
    eprintln!(
        "generated {} MiB in {:.1} s",
        text.len() >> 20,
        t.elapsed().as_secs_f64()
    );
    for target in targets {
        match target {
            Target::Sqlite(dir) => {
                let path = dir.join(format!("cairn-bench-import-{seed}-{issues}.db"));
                remove_sqlite(&path)?;
                let url = format!("sqlite:{}", path.display());
                run(&url, "sqlite", &text, issues, report)?;
                if !keep {
                    remove_sqlite(&path)?;
                }
            }
            Target::Postgres(admin) => {
                let url = crate::fresh_pg_database(admin)?;
                run(&url, "postgres", &text, issues, report)?;
                if !keep {
                    crate::drop_pg_database(admin)?;
                }
            }
        }
    }
    Ok(())
}

fn run(
    url: &str,
    backend: &'static str,
    text: &str,
    issues: usize,
    report: &mut Report,
) -> Result<()> {
    eprintln!("\n== {backend} ==");
    let mut app = App::open(url, "bench")?;
    app.init()?;
    app.product_add(PROJECT, "Acme Shop")?;
    let opts = ImportOptions {
        product: Some(PROJECT.into()),
        ..ImportOptions::default()
    };

    eprintln!("importing ...");
    let t = Instant::now();
    let batch = parse_json(text, &JiraFields::default())?;
    let parse_s = t.elapsed().as_secs_f64();
    let read = batch.issues.len();
    let (comments, transitions, links) = batch.issues.iter().fold((0, 0, 0), |a, i| {
        (
            a.0 + i.comments.len(),
            a.1 + i.transitions.len(),
            a.2 + i.links.len(),
        )
    });
    let t2 = Instant::now();
    let r = app.import_issues(batch, &opts, &mut |_, _| {})?;
    let import_s = t2.elapsed().as_secs_f64();
    let total_s = t.elapsed().as_secs_f64();
    let mib = text.len() as f64 / f64::from(1 << 20);
    report.add(Measurement {
        backend,
        name: "jira_parse",
        value: parse_s,
        unit: "s",
        target: None,
        detail: format!(
            "{issues} issues, {mib:.0} MiB of Jira search JSON: {read} read, {} left out; {transitions} status transitions, {comments} comments, {links} links",
            r.skipped.len()
        ),
    });
    report.add(Measurement {
        backend,
        name: "jira_import",
        value: import_s,
        unit: "s",
        target: None,
        detail: format!(
            "App::import_issues into a fresh workspace: {} created, {} updated, {} unchanged, {} links, {} comments, {} people and {} releases added, {} warnings; one transaction",
            r.created.len(),
            r.updated.len(),
            r.unchanged,
            r.links,
            r.comments,
            r.people_added.len(),
            r.releases_added.len(),
            r.warnings.len()
        ),
    });
    report.add(Measurement {
        backend,
        name: "jira_import_total",
        value: total_s,
        unit: "s",
        target: Some(TARGET_S),
        detail: format!("read and import of {issues} Jira issues with changelogs"),
    });
    report.add(Measurement {
        backend,
        name: "jira_import_rate",
        value: read as f64 / total_s.max(1e-9),
        unit: "/s",
        target: None,
        detail: "issues a second, read and import".into(),
    });
    if !r.warnings.is_empty() {
        eprintln!(
            "first warnings: {}",
            r.warnings
                .iter()
                .take(3)
                .map(|w| format!("{}: {}", w.record, w.message))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }

    // The same file again: nothing should change.
    eprintln!("importing the same file again ...");
    let t = Instant::now();
    let batch = parse_json(text, &JiraFields::default())?;
    let r = app.import_issues(batch, &opts, &mut |_, _| {})?;
    let again_s = t.elapsed().as_secs_f64();
    report.add(Measurement {
        backend,
        name: "jira_reimport",
        value: again_s,
        unit: "s",
        target: None,
        detail: format!(
            "the same {issues} issues again (read and import): {} unchanged, {} updated, {} created",
            r.unchanged,
            r.updated.len(),
            r.created.len()
        ),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_export_reads_without_problems() {
        let text = jira_search_json(300, 1);
        let b = parse_json(&text, &JiraFields::default()).unwrap();
        assert_eq!(b.issues.len(), 300);
        assert!(b.problems.is_empty(), "{:?}", b.problems);
        assert!(
            b.issues
                .iter()
                .all(|i| (2..=4).contains(&i.transitions.len()))
        );
        assert!(b.issues.iter().any(|i| i.kind == "Epic"));
        assert!(
            b.issues
                .iter()
                .any(|i| i.kind == "Sub-task" && i.parent.is_some())
        );
        assert!(
            b.issues
                .iter()
                .any(|i| i.kind == "Story" && i.parent.is_some())
        );
        assert!(b.issues.iter().any(|i| !i.links.is_empty()));
    }

    #[test]
    fn jira_times_carry_their_offset() {
        assert_eq!(jira_time(1_770_628_530_995), "2026-02-09T10:15:30.995+0100");
    }
}
