//! `cairn risk` and `cairn decision`: the risk register and the decision log.

use crate::cli::{Cli, DecisionCmd, Format, ReportArgs, ReportKind, RiskCmd};
use crate::output::{json, line, table};
use crate::{Failure, key, open, usage};
use cairn_app::register::{NewDecision, NewRisk, RiskPatch};
use cairn_core::{DecisionOption, DecisionStatus, RiskStatus, format_millis};
use std::io::Write;

fn risk_status(s: &str) -> Result<RiskStatus, Failure> {
    RiskStatus::parse(s).ok_or_else(|| {
        usage(format!(
            "`{s}` is not a risk status; use open, mitigating, accepted or closed"
        ))
    })
}

pub(crate) fn keys(v: &[String]) -> Result<Vec<cairn_core::ItemKey>, Failure> {
    v.iter().map(|k| key(k)).collect()
}

/// `NAME: +pro, -con` → an option.
fn option(s: &str) -> Result<DecisionOption, Failure> {
    let (name, rest) = s.split_once(':').unwrap_or((s, ""));
    let mut o = DecisionOption {
        name: name.trim().to_string(),
        pros: Vec::new(),
        cons: Vec::new(),
    };
    if o.name.is_empty() {
        return Err(usage(format!(
            "--option `{s}` needs a name: 'NAME: +pro, -con', e.g. 'Build in-house: +full control, -three months longer'"
        )));
    }
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(p) = part.strip_prefix('+') {
            o.pros.push(p.trim().to_string());
        } else if let Some(c) = part.strip_prefix('-') {
            o.cons.push(c.trim().to_string());
        } else {
            return Err(usage(format!(
                "--option `{s}`: start each trade-off with + (for) or - (against), e.g. '+cheaper'"
            )));
        }
    }
    Ok(o)
}

pub fn risk(cli: &Cli, c: &RiskCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        RiskCmd::Add {
            title,
            likelihood,
            impact,
            owner,
            description,
            mitigations,
            status,
            product,
        } => {
            let r = app.risk_add(NewRisk {
                product: product.clone(),
                title: title.clone(),
                description: description.clone().unwrap_or_default(),
                likelihood: *likelihood,
                impact: *impact,
                owner: owner.clone(),
                status: status.as_deref().map(risk_status).transpose()?,
                mitigations: keys(mitigations)?,
            })?;
            match cli.format {
                Format::Json => json(o, &r),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "recorded {} (score {} = likelihood {} × impact {})",
                        r.id,
                        r.score(),
                        r.likelihood,
                        r.impact
                    ),
                ),
                _ => {}
            }
        }
        RiskCmd::List { all } => {
            let mut rs = app.risks()?;
            if !all {
                rs.retain(|r| r.status.is_live());
            }
            match cli.format {
                Format::Json => json(o, &rs),
                _ => {
                    let mut t = table(&[
                        "ID",
                        "SCORE",
                        "L",
                        "I",
                        "STATUS",
                        "OWNER",
                        "TITLE",
                        "MITIGATIONS",
                    ]);
                    for r in &rs {
                        t.add_row(vec![
                            r.id.clone(),
                            r.score().to_string(),
                            r.likelihood.to_string(),
                            r.impact.to_string(),
                            r.status.as_str().to_string(),
                            r.owner.clone().unwrap_or_default(),
                            r.title.clone(),
                            r.mitigations.join(" "),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        RiskCmd::Show { id } => {
            let r = app.risk(id)?;
            let trend = app.risk_trend(id)?;
            match cli.format {
                Format::Json => json(o, &serde_json::json!({ "risk": r, "trend": trend })),
                _ => {
                    line(o, &format!("{} {}", r.id, r.title));
                    line(
                        o,
                        &format!(
                            "score {} (likelihood {} × impact {}), {}, owner {}",
                            r.score(),
                            r.likelihood,
                            r.impact,
                            r.status.as_str(),
                            r.owner.as_deref().unwrap_or("none")
                        ),
                    );
                    if !r.description.is_empty() {
                        line(o, &r.description);
                    }
                    line(
                        o,
                        &format!(
                            "mitigations: {}",
                            if r.mitigations.is_empty() {
                                "none".to_string()
                            } else {
                                r.mitigations.join(", ")
                            }
                        ),
                    );
                    line(o, "trend:");
                    for p in &trend {
                        line(
                            o,
                            &format!(
                                "  {}  score {:>2}  (L{} × I{})  {}",
                                format_millis(p.at),
                                p.score,
                                p.likelihood,
                                p.impact,
                                p.status
                            ),
                        );
                    }
                }
            }
        }
        RiskCmd::Update {
            id,
            likelihood,
            impact,
            status,
            owner,
            title,
            add_mitigations,
            remove_mitigations,
            if_version,
            reason,
        } => {
            let r = app.risk_update(
                id,
                RiskPatch {
                    title: title.clone(),
                    description: None,
                    likelihood: *likelihood,
                    impact: *impact,
                    owner: owner.clone().map(Some),
                    status: status.as_deref().map(risk_status).transpose()?,
                    add_mitigations: keys(add_mitigations)?,
                    remove_mitigations: keys(remove_mitigations)?,
                },
                *if_version,
                reason.as_deref(),
            )?;
            match cli.format {
                Format::Json => json(o, &r),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "{} is now score {} ({}), version {}",
                        r.id,
                        r.score(),
                        r.status.as_str(),
                        r.version
                    ),
                ),
                _ => {}
            }
        }
    }
    Ok(0)
}

pub fn decision(cli: &Cli, c: &DecisionCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        DecisionCmd::Add {
            title,
            context,
            options,
            decision,
            consequences,
            decider,
            date,
            items,
            product,
        } => {
            let d = app.decision_add(NewDecision {
                product: product.clone(),
                title: title.clone(),
                context: context.clone().unwrap_or_default(),
                options: options
                    .iter()
                    .map(|s| option(s))
                    .collect::<Result<_, _>>()?,
                decision: decision.clone().unwrap_or_default(),
                consequences: consequences.clone().unwrap_or_default(),
                status: None,
                decided_on: date.clone(),
                decider: decider.clone(),
                items: keys(items)?,
            })?;
            match cli.format {
                Format::Json => json(o, &d),
                _ if !cli.quiet => line(o, &format!("recorded {} ({})", d.id, d.status.as_str())),
                _ => {}
            }
        }
        DecisionCmd::List => {
            let ds = app.decisions()?;
            match cli.format {
                Format::Json => json(o, &ds),
                _ => {
                    let mut t = table(&[
                        "ID", "STATUS", "DATE", "DECIDER", "TITLE", "DECISION", "ITEMS",
                    ]);
                    for d in &ds {
                        t.add_row(vec![
                            d.id.clone(),
                            d.status.as_str().to_string(),
                            d.decided_on.clone().unwrap_or_default(),
                            d.decider.clone().unwrap_or_default(),
                            d.title.clone(),
                            d.decision.clone(),
                            d.items.join(" "),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        DecisionCmd::Decide {
            id,
            decision,
            status,
            decider,
            date,
            reason,
        } => {
            let st = DecisionStatus::parse(status).ok_or_else(|| {
                usage(format!(
                    "`{status}` is not a decision status; use accepted, rejected or superseded"
                ))
            })?;
            let d = app.decision_update(
                id,
                st,
                decision.as_deref(),
                decider.as_deref(),
                date.as_deref(),
                reason.as_deref(),
            )?;
            match cli.format {
                Format::Json => json(o, &d),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "{} is {} ({})",
                        d.id,
                        d.status.as_str(),
                        d.decided_on.as_deref().unwrap_or("")
                    ),
                ),
                _ => {}
            }
        }
    }
    Ok(0)
}

/// `2026-11-01`, `2w` or `10d` (back from today).
fn since(s: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, Failure> {
    cairn_app::report::parse_since(s, today).map_err(|e| usage(format!("--since {e}")))
}

pub fn report(cli: &Cli, a: &ReportArgs, o: &mut dyn Write) -> Result<u8, Failure> {
    use cairn_app::report::{ReportKind as K, ReportRequest};
    let mut app = open(cli, false)?;
    let kind = match a.kind {
        ReportKind::Exec => K::Exec,
        ReportKind::Team => K::Team,
        ReportKind::Roadmap => K::Roadmap,
        ReportKind::ReleaseNotes => K::ReleaseNotes,
        ReportKind::Risks => K::Risks,
        ReportKind::Trace => K::Trace,
        ReportKind::Feedback => K::Feedback,
    };
    let since_date = since(
        a.since.as_deref().unwrap_or(kind.default_since()),
        app.today(),
    )?;
    match (&a.release, &a.since) {
        (Some(_), _) if kind != K::ReleaseNotes => {
            return Err(usage(
                "--release is for release notes; the other reports cover the whole product",
            ));
        }
        (Some(_), Some(_)) => return Err(usage("give --since or --release, not both")),
        _ => {}
    }
    let r = app.report(
        kind,
        &ReportRequest {
            product: a.product.clone(),
            since: since_date,
            release: a.release.clone(),
            scope: a.scope.clone(),
            window: a.window,
            record: !a.no_record,
        },
    )?;
    let (json_value, doc) = (r.data, r.doc);
    let base = a.base_url.as_deref();
    let ext = a
        .out
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let text = match (ext.as_deref(), cli.format) {
        (Some("html") | Some("htm"), _) => cairn_report::doc::to_html(&doc, base),
        (Some("json"), _) | (None, Format::Json) => {
            serde_json::to_string_pretty(&json_value).unwrap_or_default() + "\n"
        }
        (Some("md") | Some("markdown"), _) | (None, _) => {
            cairn_report::doc::to_markdown(&doc, base)
        }
        (Some(other), _) => {
            return Err(usage(format!(
                "--out: cannot tell the format from .{other}; name the file .html, .md or .json"
            )));
        }
    };
    match &a.out {
        Some(p) => {
            std::fs::write(p, &text).map_err(|e| Failure {
                code: 3,
                message: format!("cannot write {}: {e}", p.display()),
            })?;
            if !cli.quiet {
                eprintln!("wrote {}", p.display());
            }
        }
        None => crate::output::raw(o, &text),
    }
    Ok(0)
}
