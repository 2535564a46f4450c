//! `cairn req`, `cairn suspect`, `cairn lint`, `cairn dupes` and
//! `cairn decompose`: requirements and story quality.

use crate::cli::{
    Cli, DecomposeArgs, DupesArgs, Format, LintArgs, ReqCmd, ReqFormatArg, SuspectCmd,
};
use crate::output::{csv_out, json, line, short, table};
use crate::{Failure, key, open, usage};
use cairn_app::lint::{FindingView, LintReport, TextStory, lint_text};
use cairn_app::requirements::{ClassView, ImportReport, ReqFormat, class_view};
use cairn_core::lint::{RULES, Severity};
use serde_json::json;
use std::io::Write;
use std::path::Path;

fn read(path: &Path) -> Result<String, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        usage(format!(
            "{}: byte {} is not UTF-8; save the file as UTF-8 and import it again",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

pub fn req(cli: &Cli, c: &ReqCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    match c {
        ReqCmd::Import {
            file,
            product,
            doc_format,
        } => {
            let name = file.display().to_string();
            let zipped = name.to_ascii_lowercase().ends_with(".reqifz");
            let format = match doc_format {
                Some(ReqFormatArg::Md) => ReqFormat::Markdown,
                Some(ReqFormatArg::Csv) => ReqFormat::Csv,
                Some(ReqFormatArg::Reqif) => ReqFormat::ReqIf,
                None if zipped => ReqFormat::ReqIf,
                None => ReqFormat::from_path(&name).ok_or_else(|| {
                    usage(format!(
                        "{name}: cannot tell the format from the file name; name it .md, .csv, .reqif or .reqifz, or pass --as md|csv|reqif"
                    ))
                })?,
            };
            let text = if zipped {
                let bytes =
                    std::fs::read(file).map_err(|e| usage(format!("cannot read {name}: {e}")))?;
                cairn_formats::reqif::unzip_reqifz(&bytes)
                    .map_err(|e| usage(format!("{name}: {e}")))?
                    .1
            } else {
                read(file)?
            };
            let mut app = open(cli, false)?;
            let r = app.req_import(&name, &text, format, product.as_deref())?;
            if !cli.quiet {
                import_report(o, fmt, &r);
            }
        }
        ReqCmd::Export {
            query,
            out,
            product,
        } => {
            let mut app = open(cli, false)?;
            let (text, n) = app.req_export(product.as_deref(), query.as_deref())?;
            match out {
                Some(p) => {
                    let zipped = p
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| e.eq_ignore_ascii_case("reqifz"));
                    let bytes = if zipped {
                        let inner = p
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .map(|s| format!("{s}.reqif"))
                            .unwrap_or_else(|| "requirements.reqif".into());
                        cairn_formats::reqif::zip_reqifz(&inner, &text).map_err(|e| Failure {
                            code: 3,
                            message: e.to_string(),
                        })?
                    } else {
                        text.into_bytes()
                    };
                    std::fs::write(p, &bytes).map_err(|e| Failure {
                        code: 3,
                        message: format!("cannot write {}: {e}", p.display()),
                    })?;
                    if !cli.quiet {
                        eprintln!("wrote {} ({n} requirements)", p.display());
                    }
                }
                None => crate::output::raw(o, &text),
            }
        }
        ReqCmd::Classify { query, text } => {
            let rows = match text {
                Some(t) => {
                    let c = cairn_engine::classify::Model::builtin().classify(t);
                    vec![class_view("-", t, &c)]
                }
                None => open(cli, false)?.req_classify(query.as_deref())?,
            };
            classes(o, fmt, &rows);
        }
    }
    Ok(0)
}

fn import_report(o: &mut dyn Write, f: Format, r: &ImportReport) {
    if f == Format::Json {
        return json(o, r);
    }
    let groups = [
        ("added", &r.added),
        ("updated", &r.updated),
        ("unchanged", &r.unchanged),
        ("removed", &r.removed),
    ];
    if f == Format::Csv {
        let rows = groups
            .iter()
            .flat_map(|(what, v)| {
                v.iter().map(move |c| {
                    vec![
                        what.to_string(),
                        c.key.clone(),
                        c.line.to_string(),
                        c.ext_id.clone().unwrap_or_default(),
                        c.matched_by.clone(),
                        c.changed.join(" "),
                        c.title.clone(),
                    ]
                })
            })
            .collect();
        return csv_out(
            o,
            &[
                "change",
                "key",
                "line",
                "id",
                "matched_by",
                "changed",
                "title",
            ],
            rows,
        );
    }
    line(
        o,
        &format!(
            "{}: {} added, {} updated, {} unchanged, {} removed; {} items marked suspect",
            r.document,
            r.added.len(),
            r.updated.len(),
            r.unchanged.len(),
            r.removed.len(),
            r.suspects.len()
        ),
    );
    if !r.links_added.is_empty() {
        line(
            o,
            &format!(
                "{} relation(s) linked: {}",
                r.links_added.len(),
                r.links_added
                    .iter()
                    .map(|(a, b)| format!("{a} relates {b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    for w in &r.warnings {
        eprintln!("warning: {}: {w}", r.document);
    }
    let mut t = table(&["change", "key", "line", "id", "matched by", "title"]);
    let mut any = false;
    for (what, v) in groups {
        if what == "unchanged" {
            continue;
        }
        for c in v {
            any = true;
            let what = if c.changed.is_empty() {
                what.to_string()
            } else {
                format!("{what} ({})", c.changed.join(", "))
            };
            t.add_row(vec![
                what,
                c.key.clone(),
                c.line.to_string(),
                c.ext_id.clone().unwrap_or_default(),
                c.matched_by.clone(),
                short(&c.title, 60),
            ]);
        }
    }
    if any {
        line(o, &t.to_string());
    }
    for s in &r.suspects {
        line(o, &format!("suspect: {} ({})", s.item, s.reason));
    }
    if !r.suspects.is_empty() {
        line(
            o,
            "review them, then: cairn suspect clear KEY --reason \"...\"",
        );
    }
}

fn classes(o: &mut dyn Write, f: Format, rows: &[ClassView]) {
    match f {
        Format::Json => json(o, &rows),
        Format::Csv => csv_out(
            o,
            &["key", "kind", "class", "confidence", "evidence", "title"],
            rows.iter()
                .map(|r| {
                    vec![
                        r.key.clone(),
                        r.kind.to_string(),
                        r.class.to_string(),
                        format!("{:.3}", r.confidence),
                        r.evidence.join(" "),
                        r.title.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&[
                "key",
                "kind",
                "class",
                "conf.",
                "runner-up",
                "because of",
                "title",
            ]);
            for r in rows {
                t.add_row(vec![
                    r.key.clone(),
                    r.kind.to_string(),
                    r.class.to_string(),
                    format!("{:.0}%", r.confidence * 100.0),
                    r.second
                        .map(|(c, p)| format!("{c} {:.0}%", p * 100.0))
                        .unwrap_or_default(),
                    r.evidence
                        .iter()
                        .take(4)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    short(&r.title, 50),
                ]);
            }
            line(o, &t.to_string());
        }
    }
}

pub fn suspect(cli: &Cli, c: &SuspectCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        SuspectCmd::List => {
            let rows = app.suspect_list()?;
            match cli.format {
                Format::Json => json(o, &rows),
                Format::Csv => csv_out(
                    o,
                    &["item", "requirement", "since", "reason", "title"],
                    rows.iter()
                        .map(|r| {
                            vec![
                                r.item.clone(),
                                r.requirement.clone(),
                                r.since.clone(),
                                r.reason.clone(),
                                r.item_title.clone(),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    if rows.is_empty() {
                        line(o, "no suspect items");
                        return Ok(0);
                    }
                    let mut t = table(&["item", "title", "requirement", "since", "why"]);
                    for r in &rows {
                        t.add_row(vec![
                            r.item.clone(),
                            short(&r.item_title, 40),
                            r.requirement.clone(),
                            r.since.chars().take(10).collect(),
                            r.reason.clone(),
                        ]);
                    }
                    line(o, &t.to_string());
                }
            }
        }
        SuspectCmd::Clear { key: k, reason } => {
            let k = key(k)?;
            let cleared = app.suspect_clear(&k, reason.as_deref())?;
            if !cli.quiet {
                let reqs: Vec<String> = cleared.iter().map(|s| s.requirement.to_string()).collect();
                line(
                    o,
                    &format!(
                        "{k} reviewed: cleared suspect marks from {}",
                        reqs.join(", ")
                    ),
                );
            }
        }
    }
    Ok(0)
}

pub fn lint(cli: &Cli, a: &LintArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    if a.rules {
        return rules(o, cli.format);
    }
    let (report, file) = match &a.file {
        Some(path) => {
            let text = read(path)?;
            let stories: Vec<TextStory> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| TextStory {
                    id: format!("line {}", n + 1),
                    title: l.trim_end().to_string(),
                })
                .collect();
            if stories.is_empty() {
                return Err(usage(format!(
                    "{}: no stories found; write one story per line",
                    path.display()
                )));
            }
            // The workspace's [lint] settings apply when there is one.
            let cfg = crate::find_db(cli)
                .and_then(|_| open(cli, false).ok())
                .map(|app| app.config().lint.clone())
                .unwrap_or_default();
            (lint_text(&stories, &cfg), Some(path.display().to_string()))
        }
        None => (open(cli, false)?.lint(a.query.as_deref())?, None),
    };
    if let Some(path) = &a.sarif {
        let doc = sarif(&report, file.as_deref());
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        if path.as_os_str() == "-" {
            line(o, &text);
        } else {
            std::fs::write(path, text + "\n")
                .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    if a.sarif.as_ref().is_none_or(|p| p.as_os_str() != "-") && !cli.quiet {
        lint_report(o, cli.format, &report);
    }
    Ok(u8::from(report.errors > 0))
}

fn rules(o: &mut dyn Write, f: Format) -> Result<u8, Failure> {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.group.as_str().to_string(),
                r.severity.to_string(),
                r.summary.to_string(),
            ]
        })
        .collect();
    match f {
        Format::Json => json(
            o,
            &RULES
                .iter()
                .map(|r| json!({"id": r.id, "group": r.group.as_str(), "severity": r.severity, "summary": r.summary}))
                .collect::<Vec<_>>(),
        ),
        Format::Csv => csv_out(o, &["id", "group", "severity", "summary"], rows),
        Format::Table => {
            let mut t = table(&["rule", "group", "default", "checks"]);
            for r in rows {
                t.add_row(r);
            }
            line(o, &t.to_string());
        }
    }
    Ok(0)
}

fn where_(f: &FindingView) -> String {
    match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", f.field),
        (Some(l), None) => format!("{}:{l}", f.field),
        _ => f.field.to_string(),
    }
}

fn lint_report(o: &mut dyn Write, f: Format, r: &LintReport) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &[
                "key", "rule", "severity", "field", "line", "column", "excerpt", "message", "fix",
            ],
            r.findings
                .iter()
                .map(|x| {
                    vec![
                        x.key.clone(),
                        x.rule.to_string(),
                        x.severity.to_string(),
                        x.field.to_string(),
                        x.line.map(|l| l.to_string()).unwrap_or_default(),
                        x.column.map(|l| l.to_string()).unwrap_or_default(),
                        x.excerpt.clone(),
                        x.message.clone(),
                        x.fix.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            for x in &r.findings {
                line(
                    o,
                    &format!(
                        "{} {}[{}] {}: {}",
                        x.key,
                        x.severity,
                        x.rule,
                        where_(x),
                        x.message
                    ),
                );
                line(o, &format!("    fix: {}", x.fix));
            }
            let per = r.per_rule();
            let rules: Vec<String> = per.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let scenarios: usize = r.items.iter().map(|i| i.scenarios).sum();
            line(
                o,
                &format!(
                    "{} items checked ({} acceptance scenarios): {} errors, {} warnings, {} notes{}",
                    r.items.len(),
                    scenarios,
                    r.errors,
                    r.warnings,
                    r.notes,
                    if rules.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", rules.join(", "))
                    }
                ),
            );
        }
    }
}

fn level(s: Severity) -> &'static str {
    s.as_str()
}

/// The findings as a SARIF 2.1.0 log. Stored items have logical locations
/// (the item key and field); stories from a file also have physical ones.
pub fn sarif(r: &LintReport, file: Option<&str>) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|x| {
            json!({
                "id": x.id,
                "name": x.id.split('-').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default() }).collect::<String>(),
                "shortDescription": {"text": x.summary},
                "defaultConfiguration": {"level": level(x.severity)},
                "properties": {"tags": [x.group.as_str()]},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|x| {
            let index = RULES.iter().position(|y| y.id == x.rule).unwrap_or(0);
            let mut location = json!({
                "logicalLocations": [{"name": x.key, "fullyQualifiedName": format!("{}/{}", x.key, x.field), "kind": "object"}],
            });
            if let Some(file) = file {
                // Each story is one line of the file; its id is "line N".
                let story_line: usize = x.key.trim_start_matches("line ").parse().unwrap_or(1);
                let mut region = json!({"startLine": story_line});
                if let (Some(c), Some(s), Some(e)) = (x.column, x.start, x.end) {
                    region["startColumn"] = json!(c);
                    region["endColumn"] = json!(c + (e - s));
                    region["snippet"] = json!({"text": x.excerpt});
                }
                location["physicalLocation"] = json!({"artifactLocation": {"uri": file}, "region": region});
            }
            let fingerprint = format!("{}:{}:{}:{}", x.key, x.rule, x.field, x.excerpt);
            json!({
                "ruleId": x.rule,
                "ruleIndex": index,
                "level": level(x.severity),
                "message": {"text": format!("{} ({}). Fix: {}", x.message, x.key, x.fix)},
                "locations": [location],
                "partialFingerprints": {"cairnFinding/v1": fingerprint},
                "properties": {"item": x.key, "field": x.field, "fix": x.fix, "related": x.related},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cairn", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
        }],
    })
}

pub fn dupes(cli: &Cli, a: &DupesArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    let pairs = app.dupes(a.query.as_deref(), a.threshold)?;
    match cli.format {
        Format::Json => json(o, &pairs),
        Format::Csv => csv_out(
            o,
            &["a", "b", "similarity", "shared_terms", "a_title", "b_title"],
            pairs
                .iter()
                .map(|p| {
                    vec![
                        p.a.clone(),
                        p.b.clone(),
                        format!("{:.3}", p.similarity),
                        p.shared_terms.join(" "),
                        p.a_title.clone(),
                        p.b_title.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            if pairs.is_empty() {
                line(o, "no near-duplicates");
                return Ok(0);
            }
            let mut t = table(&["a", "b", "similarity", "shared terms", "titles"]);
            for p in &pairs {
                t.add_row(vec![
                    p.a.clone(),
                    p.b.clone(),
                    format!("{:.2}", p.similarity),
                    p.shared_terms.join(", "),
                    format!("{}\n{}", short(&p.a_title, 50), short(&p.b_title, 50)),
                ]);
            }
            line(o, &t.to_string());
        }
    }
    Ok(0)
}

pub fn decompose(cli: &Cli, a: &DecomposeArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    let k = key(&a.key)?;
    let plan = app.decompose(&k, a.class.as_deref(), a.apply)?;
    if cli.format == Format::Json {
        json(o, &plan);
        return Ok(0);
    }
    if cli.quiet {
        return Ok(0);
    }
    line(
        o,
        &format!(
            "{} ({}, {:.0}% confidence{}): {}",
            plan.requirement,
            plan.class,
            plan.confidence * 100.0,
            if plan.class_given { ", as asked" } else { "" },
            plan.requirement_title
        ),
    );
    for p in &plan.items {
        let key = p.key.clone().map(|k| format!("{k} ")).unwrap_or_default();
        let under = p
            .parent
            .map(|i| format!("  (under #{})", i + 1))
            .unwrap_or_default();
        line(
            o,
            &format!("\n#{} {key}{} {}{under}", p.index + 1, p.kind, p.title),
        );
        for l in p.acceptance.lines() {
            line(o, &format!("    {l}"));
        }
    }
    if plan.applied {
        line(
            o,
            &format!(
                "\ncreated {} items; each implements {}",
                plan.items.len(),
                plan.requirement
            ),
        );
    } else {
        line(
            o,
            &format!(
                "\npreview only: add --apply to create these {} items",
                plan.items.len()
            ),
        );
    }
    Ok(0)
}

/// Show an item's lint findings as warnings after create and edit. A lint
/// failure never fails the write that already happened.
pub fn warn_lint(app: &mut cairn_app::App, item: &cairn_core::Item, quiet: bool) {
    if quiet {
        return;
    }
    if let Ok(findings) = app.lint_item(item) {
        for f in findings {
            eprintln!(
                "{} {}[{}] {}: {}\n    fix: {}",
                f.key,
                f.severity,
                f.rule,
                where_(&f),
                f.message,
                f.fix
            );
        }
    }
}
