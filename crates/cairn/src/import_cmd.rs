//! `cairn import jira` and `cairn import github`: read another tracker's
//! export, map it, and import it (or show what a dry run would do).

use crate::cli::{Cli, ExtImportArgs, Format, ImportCmd, UnknownStatusArg};
use crate::output::{json, line};
use crate::{Failure, count_bar, name_value, open, spinner, usage};
use cairn_app::import_ext::{ImportOptions, ImportReport, UnknownStatus};
use cairn_formats::issues::ExtBatch;
use cairn_formats::{github, jira};
use std::io::Write;
use std::path::PathBuf;

fn read(p: &PathBuf) -> Result<String, Failure> {
    std::fs::read_to_string(p).map_err(|e| usage(format!("cannot read {}: {e}", p.display())))
}

/// Several JSON pages as one array of pages.
fn pages(files: &[PathBuf]) -> Result<String, Failure> {
    if files.len() == 1 {
        return read(&files[0]);
    }
    let mut all = String::from("[");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            all.push(',');
        }
        all.push_str(&read(f)?);
    }
    all.push(']');
    Ok(all)
}

fn bad_file(files: &[PathBuf], e: cairn_formats::FormatError) -> Failure {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Failure {
        code: 2,
        message: format!("{}: {e}; nothing was imported", names.join(", ")),
    }
}

fn options(a: &ExtImportArgs) -> Result<ImportOptions, Failure> {
    Ok(ImportOptions {
        product: a.product.clone(),
        status_map: a
            .status
            .iter()
            .map(|s| name_value(s, "--status"))
            .collect::<Result<_, _>>()?,
        kind_map: a
            .kind
            .iter()
            .map(|s| name_value(s, "--type"))
            .collect::<Result<_, _>>()?,
        unknown_status: match a.unknown_status {
            UnknownStatusArg::Fail => UnknownStatus::Fail,
            UnknownStatusArg::Skip => UnknownStatus::Skip,
            UnknownStatusArg::Initial => UnknownStatus::Initial,
        },
        dry_run: a.dry_run,
    })
}

pub fn run(cli: &Cli, c: &ImportCmd, o: &mut impl Write) -> Result<u8, Failure> {
    let reading = spinner(cli.quiet, "reading the export");
    let read_res = read_export(c);
    reading.finish_and_clear();
    let (batch, args) = read_res?;
    let opts = options(args)?;
    let mut app = open(cli, false)?;
    let pb = count_bar(cli.quiet, "importing", "issues");
    let res = app.import_issues(batch, &opts, &mut |n, total| {
        pb.set_length(total);
        pb.set_position(n);
    });
    pb.finish_and_clear();
    let r = res?;
    match cli.format {
        Format::Json => json(o, &r),
        _ => summary(o, &r),
    }
    Ok(0)
}

fn read_export(c: &ImportCmd) -> Result<(ExtBatch, &ExtImportArgs), Failure> {
    let (batch, args): (ExtBatch, &ExtImportArgs) = match c {
        ImportCmd::Jira { files, opts } => {
            let csv = files
                .iter()
                .all(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")));
            let b = if csv {
                let mut all = ExtBatch::default();
                for f in files {
                    let b = jira::parse_csv(&read(f)?).map_err(|e| bad_file(files, e))?;
                    all.system = b.system;
                    all.issues.extend(b.issues);
                    all.problems.extend(b.problems);
                    all.warnings.extend(b.warnings);
                }
                all
            } else {
                jira::parse_json(&pages(files)?, &jira::JiraFields::default())
                    .map_err(|e| bad_file(files, e))?
            };
            (b, opts)
        }
        ImportCmd::Github {
            files,
            comments,
            repo,
            opts,
        } => {
            let comments = if comments.is_empty() {
                None
            } else {
                Some(pages(comments)?)
            };
            let b = github::parse(&pages(files)?, comments.as_deref(), repo.as_deref())
                .map_err(|e| bad_file(files, e))?;
            (b, opts)
        }
        _ => return Err(usage("not an issue import")),
    };
    Ok((batch, args))
}

fn summary(o: &mut impl Write, r: &ImportReport) {
    let verb = if r.dry_run { "would be" } else { "were" };
    line(
        o,
        &format!(
            "{} {}: {} created, {} updated, {} unchanged; {} links and {} comments added; {} left out{}",
            r.system,
            if r.dry_run { "dry run" } else { "import" },
            r.created.len(),
            r.updated.len(),
            r.unchanged,
            r.links,
            r.comments,
            r.skipped.len(),
            if r.dry_run {
                " (nothing was changed)"
            } else {
                ""
            }
        ),
    );
    if !r.statuses.is_empty() {
        let m: Vec<String> = r
            .statuses
            .iter()
            .map(|(a, b)| format!("{a} → {b}"))
            .collect();
        line(o, &format!("statuses: {}", m.join(", ")));
    }
    if !r.people_added.is_empty() {
        line(
            o,
            &format!("people who {verb} added: {}", r.people_added.join(", ")),
        );
    }
    if !r.releases_added.is_empty() {
        line(
            o,
            &format!(
                "releases that {verb} added: {}",
                r.releases_added.join(", ")
            ),
        );
    }
    for (e, k) in r.created.iter().take(20) {
        line(o, &format!("  + {k} ← {e}"));
    }
    if r.created.len() > 20 {
        line(o, &format!("  … and {} more", r.created.len() - 20));
    }
    for (e, k) in r.updated.iter().take(20) {
        line(o, &format!("  ~ {k} ← {e}"));
    }
    for p in &r.skipped {
        line(o, &format!("left out {}: {}", p.record, p.message));
    }
    for p in &r.warnings {
        line(o, &format!("note {}: {}", p.record, p.message));
    }
}
