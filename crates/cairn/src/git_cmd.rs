//! `cairn git`: link a repository's commits to the items their messages
//! name, and list an item's commits.

use crate::cli::{Cli, Format, GitCmd};
use crate::output::{csv_out, json, line, short, table};
use crate::{Failure, key, open};
use cairn_app::git::ScanReport;
use std::io::{IsTerminal, Write};
use std::path::Path;

fn progress(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reading commits: {pos} ({per_sec}) {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn report(o: &mut dyn Write, r: &ScanReport) {
    let head = r.head.get(..10).unwrap_or(&r.head);
    line(
        o,
        &format!(
            "{}{} at {head}: {} read, {} new, {} to items",
            if r.dry_run { "dry run of " } else { "scanned " },
            r.repo,
            plural(r.commits_read, "commit", "commits"),
            r.new_commits,
            plural(r.links_added, "link", "links"),
        ),
    );
    for m in &r.moved {
        line(
            o,
            &format!(
                "{} {} {} → {} (commit {})",
                if r.dry_run { "would move" } else { "moved" },
                m.key,
                m.from,
                m.to,
                m.commit.get(..10).unwrap_or(&m.commit)
            ),
        );
    }
    for m in &r.not_moved {
        line(
            o,
            &format!(
                "not moved: {} stays {} (commit {} says it fixes it): {}",
                m.key,
                m.state,
                m.commit.get(..10).unwrap_or(&m.commit),
                m.reason
            ),
        );
    }
    if !r.unknown_keys.is_empty() {
        line(
            o,
            &format!(
                "mentioned but not items here: {}",
                r.unknown_keys.join(", ")
            ),
        );
    }
    if r.dry_run {
        line(o, "nothing was written (dry run)");
    }
}

pub fn git(cli: &Cli, c: &GitCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut app = open(cli, false)?;
    match c {
        GitCmd::Scan { path, dry_run } => {
            let path = path.as_deref().unwrap_or(Path::new("."));
            let pb = progress(cli.quiet);
            let res = app.git_scan(path, *dry_run, &mut |n| pb.set_position(n));
            pb.finish_and_clear();
            let r = res?;
            match fmt {
                Format::Json => json(o, &r),
                _ if cli.quiet => {}
                _ => report(o, &r),
            }
        }
        GitCmd::Commits { key: k } => {
            let k = key(k)?;
            let cs = app.item_commits(&k)?;
            match fmt {
                Format::Json => json(
                    o,
                    &serde_json::json!({ "item": k.to_string(), "commits": cs }),
                ),
                Format::Csv => csv_out(
                    o,
                    &["hash", "at", "author", "email", "subject", "fixes", "repo"],
                    cs.iter()
                        .map(|c| {
                            vec![
                                c.hash.clone(),
                                c.at.clone(),
                                c.author.clone(),
                                c.email.clone(),
                                c.subject.clone(),
                                c.fixes.to_string(),
                                c.repo.clone(),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    if cs.is_empty() {
                        line(
                            o,
                            &format!(
                                "no commit mentions {k}; `cairn git scan PATH` reads a repository"
                            ),
                        );
                        return Ok(0);
                    }
                    let mut t = table(&["COMMIT", "DATE", "AUTHOR", "SUBJECT"]);
                    for c in &cs {
                        t.add_row(vec![
                            c.short.clone(),
                            c.at.get(..10).unwrap_or(&c.at).to_string(),
                            c.author.clone(),
                            format!(
                                "{}{}",
                                if c.fixes { "fixes: " } else { "" },
                                short(&c.subject, 70)
                            ),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
    }
    Ok(0)
}
