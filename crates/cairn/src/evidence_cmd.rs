//! `cairn evidence`: JUnit reports per build, and the items tests verify.

use crate::cli::{Cli, EvidenceCmd, Format};
use crate::output::{csv_out, json, line, short, table};
use crate::{Failure, key, open, usage};
use cairn_app::evidence::{EvidenceImport, OutcomeCounts, ReportFile};
use std::io::Write;

fn counts(c: &OutcomeCounts) -> String {
    let mut parts = vec![format!("{} passed", c.passed)];
    if c.failed > 0 {
        parts.push(format!("{} failed", c.failed));
    }
    if c.errors > 0 {
        parts.push(format!("{} errors", c.errors));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    if c.flaky > 0 {
        parts.push(format!("{} flaky", c.flaky));
    }
    parts.join(", ")
}

pub fn evidence(cli: &Cli, c: &EvidenceCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        EvidenceCmd::Import {
            files,
            build,
            skip_unknown_keys,
            product,
        } => {
            let mut read = Vec::new();
            for f in files {
                let bytes = std::fs::read(f)
                    .map_err(|e| usage(format!("cannot read {}: {e}", f.display())))?;
                let text = String::from_utf8(bytes).map_err(|e| {
                    usage(format!(
                        "{}: not UTF-8 text (byte {}); JUnit reports are UTF-8 XML; nothing was imported",
                        f.display(),
                        e.utf8_error().valid_up_to()
                    ))
                })?;
                read.push(ReportFile {
                    name: f.display().to_string(),
                    text,
                });
            }
            let r = app.evidence_import(&EvidenceImport {
                product: product.clone(),
                build: build.clone(),
                files: read,
                skip_unknown_keys: *skip_unknown_keys,
            })?;
            match cli.format {
                Format::Json => json(o, &r),
                _ => {
                    for f in &r.files {
                        for w in &f.warnings {
                            eprintln!("warning: {}: {w}", f.file);
                        }
                    }
                    for u in &r.unknown_keys {
                        eprintln!(
                            "warning: {}:{}: test \"{}\" names {}, which is not an item; no link made",
                            u.file, u.line, u.test, u.key
                        );
                    }
                    if !cli.quiet {
                        let replaced = r.files.iter().filter(|f| f.replaced).count();
                        line(
                            o,
                            &format!(
                                "imported {} test{} of build {} into {} from {} file{}: {}",
                                r.results.total(),
                                if r.results.total() == 1 { "" } else { "s" },
                                r.build,
                                r.product,
                                r.files.len(),
                                if r.files.len() == 1 { "" } else { "s" },
                                counts(&r.results)
                            ),
                        );
                        if replaced > 0 {
                            line(
                                o,
                                &format!(
                                    "{replaced} file{} had been imported for this build before: {} results replaced",
                                    if replaced == 1 { "" } else { "s" },
                                    if replaced == 1 { "its" } else { "their" }
                                ),
                            );
                        }
                        line(
                            o,
                            &format!(
                                "{} new test{}, {} new link{} to items",
                                r.new_tests,
                                if r.new_tests == 1 { "" } else { "s" },
                                r.links_added.len(),
                                if r.links_added.len() == 1 { "" } else { "s" }
                            ),
                        );
                        for (test, k, how) in r.links_added.iter().take(20) {
                            line(o, &format!("  {k} verified by {test} (from its {how})"));
                        }
                        if r.links_added.len() > 20 {
                            line(o, &format!("  … and {} more", r.links_added.len() - 20));
                        }
                    }
                }
            }
        }
        EvidenceCmd::Runs { product } => {
            let runs = app.evidence_runs(product.as_deref())?;
            match cli.format {
                Format::Json => json(o, &runs),
                Format::Csv => csv_out(
                    o,
                    &[
                        "build", "file", "imported", "actor", "passed", "failed", "errors",
                        "skipped",
                    ],
                    runs.iter()
                        .map(|r| {
                            vec![
                                r.build.clone(),
                                r.file.clone(),
                                r.imported.clone(),
                                r.actor.clone(),
                                r.results.passed.to_string(),
                                r.results.failed.to_string(),
                                r.results.errors.to_string(),
                                r.results.skipped.to_string(),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    let mut t = table(&["BUILD", "FILE", "IMPORTED", "BY", "RESULTS"]);
                    for r in &runs {
                        t.add_row(vec![
                            r.build.clone(),
                            r.file.clone(),
                            r.imported.clone(),
                            r.actor.clone(),
                            counts(&r.results),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                    line(o, &format!("{} run(s)", runs.len()));
                }
            }
        }
        EvidenceCmd::Tests { outcome, product } => {
            let tests = app.evidence_tests(product.as_deref(), outcome.as_deref())?;
            let verifies = |v: &[cairn_core::ItemKey]| {
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            match cli.format {
                Format::Json => json(o, &tests),
                Format::Csv => csv_out(
                    o,
                    &[
                        "test", "outcome", "flaky", "build", "ran", "duration", "message",
                        "verifies",
                    ],
                    tests
                        .iter()
                        .map(|t| {
                            vec![
                                t.name.clone(),
                                t.outcome.clone(),
                                t.flaky.to_string(),
                                t.build.clone(),
                                t.ran.clone(),
                                t.duration.map(|d| d.to_string()).unwrap_or_default(),
                                t.message.clone().unwrap_or_default(),
                                verifies(&t.verifies),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    let mut t = table(&["TEST", "RESULT", "BUILD", "RAN", "VERIFIES", "MESSAGE"]);
                    for s in &tests {
                        t.add_row(vec![
                            short(&s.name, 60),
                            if s.flaky {
                                format!("{} (flaky)", s.outcome)
                            } else {
                                s.outcome.clone()
                            },
                            s.build.clone(),
                            s.ran.clone(),
                            verifies(&s.verifies),
                            short(s.message.as_deref().unwrap_or(""), 50),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                    line(o, &format!("{} test(s)", tests.len()));
                }
            }
        }
        EvidenceCmd::Show { test, product } => {
            let d = app.evidence_test(product.as_deref(), test)?;
            match cli.format {
                Format::Json => json(o, &d),
                _ => {
                    line(o, &d.name);
                    if d.verifies.is_empty() {
                        line(
                            o,
                            "Verifies: nothing yet (link it with `cairn evidence link`)",
                        );
                    } else {
                        line(o, "Verifies:");
                        for (k, how) in &d.verifies {
                            line(o, &format!("  {k} (from its {how})"));
                        }
                    }
                    let mut t = table(&["BUILD", "IMPORTED", "RESULT", "SECONDS", "MESSAGE"]);
                    for r in &d.history {
                        t.add_row(vec![
                            r.build.clone(),
                            r.imported.clone(),
                            r.outcome.clone(),
                            r.duration.map(|d| format!("{d:.3}")).unwrap_or_default(),
                            short(r.message.as_deref().unwrap_or(""), 60),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        EvidenceCmd::Link {
            test,
            key: k,
            product,
        } => {
            let k = key(k)?;
            app.evidence_link(product.as_deref(), test, &k)?;
            if !cli.quiet {
                line(o, &format!("{k} is verified by {test}"));
            }
        }
        EvidenceCmd::Unlink {
            test,
            key: k,
            product,
        } => {
            let k = key(k)?;
            app.evidence_unlink(product.as_deref(), test, &k)?;
            if !cli.quiet {
                line(o, &format!("{test} no longer verifies {k}"));
            }
        }
    }
    Ok(0)
}
