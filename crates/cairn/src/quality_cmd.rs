//! `cairn trace` (the traceability matrix), `cairn gate` (the Definition
//! of Ready and of Done) and `cairn baseline`.

use crate::cli::{BaselineCmd, Cli, Format, GateCmd, SignArgs, TraceArgs};
use crate::output::{csv_out, json, line, short, table};
use crate::{Failure, key, open, usage};
use cairn_app::trace::{TraceMatrix, TraceRequest};
use std::io::Write;

const CSV_HEADERS: &[&str] = &[
    "requirement",
    "requirement_title",
    "status",
    "item",
    "item_kind",
    "item_state",
    "via",
    "test",
    "outcome",
    "build",
    "ran",
    "stale",
];

/// One CSV row per requirement, work item and test: the matrix flat.
fn csv_rows(m: &TraceMatrix) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for r in &m.rows {
        let base = |item: Option<(&str, &str, &str, &str)>| {
            let (k, kind, state, via) = item.unwrap_or(("", "", "", ""));
            vec![
                r.key.to_string(),
                r.title.clone(),
                r.status.clone(),
                k.to_string(),
                kind.to_string(),
                state.to_string(),
                via.to_string(),
            ]
        };
        let test = |t: &cairn_app::trace::TestLine| {
            vec![
                t.name.clone(),
                t.outcome.clone(),
                t.build.clone().unwrap_or_default(),
                t.ran.clone().unwrap_or_default(),
                t.stale.to_string(),
            ]
        };
        let empty = || vec![String::new(); 5];
        let mut n = 0;
        for t in &r.tests {
            rows.push([base(None), test(t)].concat());
            n += 1;
        }
        for w in &r.work {
            let key = w.key.to_string();
            let item = Some((
                key.as_str(),
                w.kind.as_str(),
                w.state.as_str(),
                w.via.as_str(),
            ));
            if w.tests.is_empty() {
                rows.push([base(item), empty()].concat());
            }
            for t in &w.tests {
                rows.push([base(item), test(t)].concat());
            }
            n += 1;
        }
        if n == 0 {
            rows.push([base(None), empty()].concat());
        }
    }
    rows
}

pub fn trace(cli: &Cli, a: &TraceArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    let m = app.trace_matrix(&TraceRequest {
        product: a.product.clone(),
        query: Some(a.query.clone()).filter(|q| !q.trim().is_empty()),
    })?;
    let code = if a.fail_on_gaps && !m.gaps.is_empty() {
        1
    } else {
        0
    };
    if let Some(path) = &a.out {
        let product_name = app
            .products()?
            .into_iter()
            .find(|p| p.prefix == m.product)
            .map(|p| p.name)
            .unwrap_or_else(|| m.product.clone());
        let mut csv = Vec::new();
        csv_out(&mut csv, CSV_HEADERS, csv_rows(&m));
        write_doc(
            cli,
            path,
            &m.doc(&product_name),
            &m,
            Some(String::from_utf8_lossy(&csv).into_owned()),
            a.base_url.as_deref(),
        )?;
        return Ok(code);
    }
    match cli.format {
        Format::Json => json(o, &m),
        Format::Csv if a.gaps => csv_out(
            o,
            &["gap", "requirement", "item", "test", "detail"],
            m.gaps
                .iter()
                .map(|g| {
                    vec![
                        g.kind.clone(),
                        g.requirement.to_string(),
                        g.item.as_ref().map(ToString::to_string).unwrap_or_default(),
                        g.test.clone().unwrap_or_default(),
                        g.detail.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Csv => csv_out(o, CSV_HEADERS, csv_rows(&m)),
        Format::Table if a.gaps => {
            let mut t = table(&["GAP", "REQUIREMENT", "ITEM", "TEST", "DETAIL"]);
            for g in &m.gaps {
                t.add_row(vec![
                    g.kind.clone(),
                    g.requirement.to_string(),
                    g.item.as_ref().map(ToString::to_string).unwrap_or_default(),
                    short(g.test.as_deref().unwrap_or(""), 40),
                    short(&g.detail, 60),
                ]);
            }
            let _ = writeln!(o, "{t}");
            line(o, &format!("{} gap(s)", m.gaps.len()));
        }
        Format::Table => {
            let mut t = table(&["REQUIREMENT", "STATUS", "WORK", "TESTS", "TITLE"]);
            for r in &m.rows {
                let tests = r.all_tests();
                let passing = tests
                    .iter()
                    .filter(|t| t.outcome == "passed" && !t.stale)
                    .count();
                let work: Vec<String> = r.work.iter().map(|w| w.key.to_string()).collect();
                t.add_row(vec![
                    r.key.to_string(),
                    r.status.clone(),
                    short(&work.join(" "), 40),
                    format!("{passing}/{}", tests.len()),
                    short(&r.title, 50),
                ]);
            }
            let _ = writeln!(o, "{t}");
            let s = &m.summary;
            line(
                o,
                &format!(
                    "{} requirements: {} verified, {} in progress, {} failing, {} partly verified, {} not tested, {} with no work; {} gap(s) (`cairn trace --gaps`)",
                    s.requirements,
                    s.verified,
                    s.in_progress,
                    s.failing,
                    s.partly,
                    s.not_tested,
                    s.no_work,
                    m.gaps.len()
                ),
            );
        }
    }
    Ok(code)
}

pub fn gate(cli: &Cli, c: &GateCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    let GateCmd::Check {
        keys,
        release,
        gate,
        product,
    } = c;
    let gate = match gate {
        Some(g) => Some(
            cairn_core::gates::GateName::parse(g)
                .ok_or_else(|| usage(format!("--gate {g}: use ready or done")))?,
        ),
        None => None,
    };
    let checks = app.gate_check(&cairn_app::gates::GateCheckRequest {
        product: product.clone(),
        keys: keys.iter().map(|k| key(k)).collect::<Result<_, _>>()?,
        release: release.clone(),
        gate,
    })?;
    let failed = checks.iter().filter(|c| !c.passed).count();
    match cli.format {
        Format::Json => json(o, &checks),
        Format::Csv => csv_out(
            o,
            &["item", "gate", "rule", "ok", "detail"],
            checks
                .iter()
                .flat_map(|c| {
                    c.rules.iter().map(|r| {
                        vec![
                            c.key.to_string(),
                            c.gate.clone(),
                            r.rule.clone(),
                            r.ok.to_string(),
                            r.detail.clone(),
                        ]
                    })
                })
                .collect(),
        ),
        Format::Table => {
            for c in &checks {
                let title = cairn_core::gates::GateName::parse(&c.gate)
                    .map(|g| g.title())
                    .unwrap_or("gate");
                line(
                    o,
                    &format!(
                        "{} {} ({} {}): {title} {}",
                        c.key,
                        short(&c.title, 60),
                        c.kind,
                        c.state,
                        if c.passed { "met" } else { "NOT met" }
                    ),
                );
                for r in &c.rules {
                    if r.ok {
                        line(o, &format!("  ok    {}: {}", r.rule, r.asks));
                    } else {
                        line(o, &format!("  FAIL  {}: {}", r.rule, r.detail));
                    }
                }
            }
            line(o, &format!("{} check(s), {failed} not met", checks.len()));
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Write a document or data to `path`, by its extension: .html, .md,
/// .json, or .csv when a CSV form is given.
pub(crate) fn write_doc(
    cli: &Cli,
    path: &std::path::Path,
    doc: &cairn_report::doc::Doc,
    data: &impl serde::Serialize,
    csv: Option<String>,
    base: Option<&str>,
) -> Result<(), Failure> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let text = match ext.as_deref() {
        Some("html") | Some("htm") => cairn_report::doc::to_html(doc, base),
        Some("md") | Some("markdown") => cairn_report::doc::to_markdown(doc, base),
        Some("json") => serde_json::to_string_pretty(data).unwrap_or_default() + "\n",
        Some("csv") if csv.is_some() => csv.unwrap_or_default(),
        _ => {
            return Err(usage(format!(
                "--out {}: name the file .html, .md{} or .json",
                path.display(),
                if csv.is_some() { ", .csv" } else { "" }
            )));
        }
    };
    std::fs::write(path, text).map_err(|e| Failure {
        code: 3,
        message: format!("cannot write {}: {e}", path.display()),
    })?;
    if !cli.quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

pub fn baseline(cli: &Cli, c: &BaselineCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        BaselineCmd::Create {
            name,
            query,
            description,
            product,
        } => {
            let b = app.baseline_create(product.as_deref(), name, query.as_deref(), description)?;
            match cli.format {
                Format::Json => json(o, &b),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "baseline \"{}\" of {}: {} items (`{}`), hash {}",
                        b.name, b.product, b.items, b.query, b.hash
                    ),
                ),
                _ => {}
            }
        }
        BaselineCmd::List { product } => {
            let bs = app.baselines(product.as_deref())?;
            match cli.format {
                Format::Json => json(o, &bs),
                Format::Csv => csv_out(
                    o,
                    &[
                        "name",
                        "created",
                        "actor",
                        "items",
                        "query",
                        "hash",
                        "description",
                    ],
                    bs.iter()
                        .map(|b| {
                            vec![
                                b.name.clone(),
                                b.created.clone(),
                                b.actor.clone(),
                                b.items.to_string(),
                                b.query.clone(),
                                b.hash.clone(),
                                b.description.clone(),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    let mut t = table(&["NAME", "CREATED", "BY", "ITEMS", "SCOPE", "HASH"]);
                    for b in &bs {
                        t.add_row(vec![
                            b.name.clone(),
                            b.created.clone(),
                            b.actor.clone(),
                            b.items.to_string(),
                            short(&b.query, 40),
                            b.hash[..12.min(b.hash.len())].to_string(),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                    line(o, &format!("{} baseline(s)", bs.len()));
                }
            }
        }
        BaselineCmd::Show { name, product } => {
            let (b, items) = app.baseline(product.as_deref(), name)?;
            match cli.format {
                Format::Json => json(o, &serde_json::json!({ "baseline": b, "items": items })),
                _ => {
                    line(
                        o,
                        &format!(
                            "baseline \"{}\" of {}, {} by {}: {} items (`{}`)\nhash {} (every item checked against its own)",
                            b.name, b.product, b.created, b.actor, b.items, b.query, b.hash
                        ),
                    );
                    let mut t = table(&["KEY", "KIND", "STATE", "TITLE"]);
                    for f in &items {
                        t.add_row(vec![
                            f.key.to_string(),
                            f.kind.clone(),
                            f.state.clone(),
                            short(&f.title, 70),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        BaselineCmd::Diff {
            from,
            to,
            out,
            base_url,
            product,
        } => {
            let d = app.baseline_diff(product.as_deref(), from, to.as_deref())?;
            if let Some(path) = out {
                write_doc(cli, path, &d.doc(), &d, None, base_url.as_deref())?;
                return Ok(0);
            }
            match cli.format {
                Format::Json => json(o, &d),
                _ => {
                    let doc = d.doc();
                    crate::output::raw(o, &cairn_report::doc::to_markdown(&doc, None));
                }
            }
        }
    }
    Ok(0)
}

fn sign_target(
    key_arg: Option<&str>,
    baseline: Option<&str>,
    product: Option<&str>,
) -> Result<cairn_app::signature::SignTarget, Failure> {
    use cairn_app::signature::SignTarget;
    match (key_arg, baseline) {
        (Some(k), None) => Ok(SignTarget::Item(key(k)?)),
        (None, Some(b)) => Ok(SignTarget::Baseline {
            product: product.map(String::from),
            name: b.to_string(),
        }),
        _ => Err(usage(
            "name an item (KEY) or a baseline (--baseline NAME), not both",
        )),
    }
}

/// The signer's password, once: from the terminal, or one line of stdin.
fn signing_password() -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal};
    let p = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password (to sign): ")
            .map_err(|e| usage(format!("cannot read the password: {e}")))?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| usage(format!("cannot read the password from stdin: {e}")))?;
        s.trim_end_matches(['\n', '\r']).to_string()
    };
    if p.is_empty() {
        return Err(usage(
            "signing needs your password: type it when asked, or pipe it in on stdin",
        ));
    }
    Ok(p)
}

fn show_signature(o: &mut dyn Write, s: &cairn_app::signature::SignatureView) {
    let at = cairn_core::format_millis(s.signature.signed_at);
    line(
        o,
        &format!(
            "{} {} — {} ({}), {at}: \"{}\"{}",
            s.signature.id,
            if s.valid { "valid" } else { "INVALID" },
            s.signature.printed_name,
            s.signature.signer,
            s.statement,
            if s.signature.comment.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.signature.comment)
            }
        ),
    );
    line(
        o,
        &format!(
            "    {} {}, content {}{}",
            s.signature.meaning.as_str(),
            s.signature.target,
            &s.signature.content_hash[..16.min(s.signature.content_hash.len())],
            if s.note.is_empty() {
                String::new()
            } else {
                format!("; {}", s.note)
            }
        ),
    );
}

pub fn sign(cli: &Cli, a: &SignArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    let target = sign_target(
        a.key.as_deref(),
        a.baseline.as_deref(),
        a.product.as_deref(),
    )?;
    let meaning = cairn_app::signature::meaning(&a.meaning)?;
    let mut app = open(cli, false)?;
    let password = signing_password()?;
    let s = app.sign(&cairn_app::signature::SignRequest {
        target,
        meaning,
        signer: a.user.clone(),
        password,
        comment: a.comment.clone(),
    })?;
    match cli.format {
        Format::Json => json(o, &s),
        _ if !cli.quiet => show_signature(o, &s),
        _ => {}
    }
    Ok(0)
}

pub fn signatures(
    cli: &Cli,
    key_arg: Option<&str>,
    baseline: Option<&str>,
    product: Option<&str>,
    o: &mut dyn Write,
) -> Result<u8, Failure> {
    let target = sign_target(key_arg, baseline, product)?;
    let mut app = open(cli, false)?;
    let sigs = app.signatures(&target)?;
    match cli.format {
        Format::Json => json(o, &sigs),
        _ => {
            for s in &sigs {
                show_signature(o, s);
            }
            line(o, &format!("{} signature(s)", sigs.len()));
        }
    }
    Ok(0)
}
