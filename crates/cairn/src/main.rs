//! `cairn`: the command-line interface. A thin `main` that calls `run`.

mod cli;
mod evidence_cmd;
mod feedback_cmd;
mod forecast_cmd;
mod forecast_out;
mod git_cmd;
mod import_cmd;
mod notify_cmd;
mod output;
mod quality_cmd;
mod register_cmd;
mod req_cmd;
mod user_cmd;
mod webhook_cmd;

use cairn_app::csv_import::CsvOptions;
use cairn_app::{App, AppError, NewItem, Patch, Position};
use cairn_core::{ItemKey, KeyResult, Kind};
use cairn_store::Page;
use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// An error with the exit code it should produce.
struct Failure {
    code: u8,
    message: String,
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: msg.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let after = notify_cmd::After::of(&cli);
    match run(cli) {
        Ok(code) => {
            if code == 0 {
                after.deliver();
            }
            ExitCode::from(code)
        }
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

const WORKSPACE_DIR: &str = ".cairn";
const WORKSPACE_DB: &str = "cairn.db";

/// The database to use: --db / CAIRN_DB, else the nearest workspace.
pub(crate) fn find_db(cli: &Cli) -> Option<String> {
    if let Some(db) = &cli.db {
        return Some(db.clone());
    }
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(WORKSPACE_DIR).join(WORKSPACE_DB);
        if candidate.is_file() {
            return Some(candidate.display().to_string());
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn actor(cli: &Cli) -> String {
    cli.actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cairn".into())
}

/// Open the workspace, or create it here when `create` (init, demo).
fn open(cli: &Cli, create: bool) -> Result<App, Failure> {
    let url = match find_db(cli) {
        Some(u) => u,
        None if create => {
            let dir = PathBuf::from(WORKSPACE_DIR);
            std::fs::create_dir_all(&dir)
                .map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
            dir.join(WORKSPACE_DB).display().to_string()
        }
        None => {
            return Err(usage(
                "no Cairn workspace here: run `cairn init` (or `cairn demo`) in this folder, or pass --db URL / set CAIRN_DB",
            ));
        }
    };
    Ok(App::open(&url, &actor(cli))?)
}

fn key(s: &str) -> Result<ItemKey, Failure> {
    s.parse::<ItemKey>().map_err(|e| usage(e.to_string()))
}

fn kind(s: &str) -> Result<Kind, Failure> {
    Kind::parse(s).ok_or_else(|| {
        usage(format!(
            "`{s}` is not a kind; kinds are {}",
            Kind::names().join(", ")
        ))
    })
}

fn name_value(s: &str, what: &str) -> Result<(String, String), Failure> {
    s.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .filter(|(a, _)| !a.is_empty())
        .ok_or_else(|| usage(format!("{what} `{s}` should look like NAME=VALUE")))
}

fn key_result(s: &str) -> Result<KeyResult, Failure> {
    let parts: Vec<&str> = s.split(':').collect();
    let bad = || {
        usage(format!(
            "key result `{s}` should look like DESCRIPTION:TARGET:CURRENT[:UNIT], e.g. \"Checkout conversion:65:58:%\""
        ))
    };
    if !(3..=4).contains(&parts.len()) {
        return Err(bad());
    }
    Ok(KeyResult {
        description: parts[0].trim().to_string(),
        target: parts[1].trim().parse().map_err(|_| bad())?,
        current: parts[2].trim().parse().map_err(|_| bad())?,
        unit: parts.get(3).map(|u| u.trim().to_string()),
    })
}

/// A spinner for work of unknown size: `what`, and the time so far.
pub(crate) fn spinner(quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// A bar for work whose size is known: `what` so far of `len` `unit`.
pub(crate) fn count_bar(quiet: bool, what: &str, unit: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:32}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub(crate) fn progress_bar(quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {pos} lines ({per_sec}) {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_string());
    pb
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut out = std::io::stdout().lock();
    let o = &mut out;
    match &cli.command {
        Command::Init => {
            let mut app = open(&cli, true)?;
            let created = app.init()?;
            if !cli.quiet {
                let url = app.store().url().to_string();
                if created {
                    output::line(
                        o,
                        &format!(
                            "created a Cairn workspace at {url}\nnext: cairn product add PAY \"Payments\""
                        ),
                    );
                } else {
                    output::line(o, &format!("{url} is already a Cairn workspace"));
                }
            }
        }
        Command::Demo(a) => {
            let mut app = open(&cli, true)?;
            app.init()?;
            let s = cairn_app::demo::generate(&mut app, a.seed, &a.prefix)?;
            if !cli.quiet {
                output::demo_summary(o, fmt, &s, app.store().url());
            }
        }
        Command::Product(c) => {
            let mut app = open(&cli, false)?;
            match c {
                cli::ProductCmd::Add { prefix, name } => {
                    let p = app.product_add(prefix, name)?;
                    output::products(o, fmt, &[p], cli.quiet);
                }
                cli::ProductCmd::List => output::products(o, fmt, &app.products()?, false),
            }
        }
        Command::Person(c) => {
            let mut app = open(&cli, false)?;
            match c {
                cli::PersonCmd::Add {
                    handle,
                    name,
                    email,
                } => {
                    let p = app.person_add(handle, name, email.as_deref())?;
                    output::people(o, fmt, &[p], cli.quiet);
                }
                cli::PersonCmd::List => output::people(o, fmt, &app.people()?, false),
            }
        }
        Command::Release(c) => {
            let mut app = open(&cli, false)?;
            match c {
                cli::ReleaseCmd::Add {
                    name,
                    date,
                    product,
                } => {
                    let r = app.release_add(product.as_deref(), name, date.as_deref())?;
                    output::releases(o, fmt, &[r], cli.quiet);
                }
                cli::ReleaseCmd::List => output::releases(o, fmt, &app.releases()?, false),
            }
        }
        Command::Goal(c) => {
            let mut app = open(&cli, false)?;
            match c {
                cli::GoalCmd::Add {
                    name,
                    description,
                    key_results,
                } => {
                    let krs = key_results
                        .iter()
                        .map(|k| key_result(k))
                        .collect::<Result<Vec<_>, _>>()?;
                    let g = app.goal_add(name, description, krs)?;
                    output::goals(o, fmt, &[g], cli.quiet);
                }
                cli::GoalCmd::List => output::goals(o, fmt, &app.goals()?, false),
                cli::GoalCmd::Link { goal, key: k } | cli::GoalCmd::Unlink { goal, key: k } => {
                    let unlink = matches!(c, cli::GoalCmd::Unlink { .. });
                    let changed = app.goal_link(goal, &key(k)?, unlink)?;
                    if !cli.quiet {
                        let verb = if unlink { "unlinked from" } else { "linked to" };
                        let msg = if changed {
                            format!("{k} {verb} \"{goal}\"")
                        } else {
                            format!("{k} was already {verb} \"{goal}\"")
                        };
                        output::line(o, &msg);
                    }
                }
            }
        }
        Command::Item(c) => return item(&cli, c, o),
        Command::Link(a) | Command::Unlink(a) => {
            let mut app = open(&cli, false)?;
            let (from, to) = (key(&a.from)?, key(&a.to)?);
            let l = if matches!(cli.command, Command::Link(_)) {
                app.link(&from, &a.relation, &to, a.reason.as_deref())?
            } else {
                app.unlink(&from, &a.relation, &to, a.reason.as_deref())?
            };
            if !cli.quiet {
                let verb = if matches!(cli.command, Command::Link(_)) {
                    "linked"
                } else {
                    "unlinked"
                };
                output::line(o, &format!("{verb}: {} {} {}", l.src, l.kind, l.dst));
            }
        }
        Command::Query(a) => {
            let mut app = open(&cli, false)?;
            let r = app.query(
                &a.query,
                Page {
                    limit: a.limit,
                    offset: a.offset,
                },
            )?;
            output::query(o, fmt, &r);
        }
        Command::Rank(a) => {
            let mut app = open(&cli, false)?;
            let req = cairn_app::rank::RankRequest {
                model: a.model.clone(),
                query: Some(a.query.clone()).filter(|q| !q.trim().is_empty()),
                product: a.product.clone(),
            };
            if let Some(k) = &a.explain {
                let k = key(k)?;
                output::explanation(o, fmt, &app.rank_explain(&req, &k)?);
            } else if a.apply {
                let r = app.rank_apply(&req, a.reason.as_deref())?;
                output::rank_applied(o, fmt, &r, cli.quiet);
            } else {
                output::rank(o, fmt, &app.rank(&req)?, a.limit);
            }
        }
        Command::Forecast(c) => return forecast_cmd::forecast(&cli, c, o),
        Command::Plan(c) => return forecast_cmd::plan(&cli, c, o),
        Command::Kano(cli::KanoCmd::Import { file, apply }) => {
            let mut app = open(&cli, false)?;
            let f = std::fs::File::open(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let r = app.kano_import(
                std::io::BufReader::new(f),
                *apply,
                &file.display().to_string(),
            )?;
            output::kano(o, fmt, &r);
        }
        Command::Report(a) => return register_cmd::report(&cli, a, o),
        Command::Risk(c) => return register_cmd::risk(&cli, c, o),
        Command::Decision(c) => return register_cmd::decision(&cli, c, o),
        Command::Evidence(c) => return evidence_cmd::evidence(&cli, c, o),
        Command::Git(c) => return git_cmd::git(&cli, c, o),
        Command::Feedback(c) => return feedback_cmd::feedback(&cli, c, o),
        Command::Comment(c) => return feedback_cmd::comment(&cli, c, o),
        Command::Watch { key: k, stop } => {
            let mut app = open(&cli, false)?;
            let k = key(k)?;
            let ws = if *stop {
                app.unwatch(&k)?
            } else {
                app.watch(&k)?
            };
            match fmt {
                cli::Format::Json => output::json(
                    o,
                    &serde_json::json!({ "item": k.to_string(), "watchers": ws }),
                ),
                _ if !cli.quiet => output::line(
                    o,
                    &format!(
                        "{k} is watched by: {}",
                        if ws.is_empty() {
                            "nobody".to_string()
                        } else {
                            ws.join(", ")
                        }
                    ),
                ),
                _ => {}
            }
        }
        Command::Inbox {
            settings,
            unread,
            read,
            read_all,
        } => return notify_cmd::inbox(&cli, settings, *unread, read, *read_all, o),
        Command::Mail(c) => return notify_cmd::mail(&cli, c, o),
        Command::Webhook(c) => return webhook_cmd::webhook(&cli, c, o),
        Command::Trace(a) => return quality_cmd::trace(&cli, a, o),
        Command::Gate(c) => return quality_cmd::gate(&cli, c, o),
        Command::Baseline(c) => return quality_cmd::baseline(&cli, c, o),
        Command::Sign(a) => return quality_cmd::sign(&cli, a, o),
        Command::Signatures {
            key: k,
            baseline,
            product,
        } => {
            return quality_cmd::signatures(
                &cli,
                k.as_deref(),
                baseline.as_deref(),
                product.as_deref(),
                o,
            );
        }
        Command::Serve(a) => return user_cmd::serve(&cli, a),
        Command::User(c) => return user_cmd::user(&cli, c, o),
        Command::Req(c) => return req_cmd::req(&cli, c, o),
        Command::Suspect(c) => return req_cmd::suspect(&cli, c, o),
        Command::Lint(a) => return req_cmd::lint(&cli, a, o),
        Command::Dupes(a) => return req_cmd::dupes(&cli, a, o),
        Command::Decompose(a) => return req_cmd::decompose(&cli, a, o),
        Command::Check => {
            let mut app = open(&cli, false)?;
            let findings = app.check()?;
            output::findings(o, fmt, &findings);
            if !findings.is_empty() {
                return Ok(1);
            }
        }
        Command::History { key: k } => {
            let mut app = open(&cli, false)?;
            // `user:HANDLE` is an account's history; anything else is an item key.
            let target = match k.strip_prefix("user:") {
                Some(h) => format!("user:{}", h.trim().to_ascii_lowercase()),
                None => key(k)?.to_string(),
            };
            output::history(o, fmt, &app.history(&target)?);
        }
        Command::Audit(cli::AuditCmd::Verify) => {
            let mut app = open(&cli, false)?;
            let pb = progress_bar(cli.quiet, "verifying");
            let report = app.audit_verify(&mut |n| pb.set_position(n))?;
            pb.finish_and_clear();
            output::verify(o, fmt, &report);
            if !report.ok() {
                return Ok(1);
            }
        }
        Command::Config(c) => {
            let mut app = open(&cli, false)?;
            match c {
                cli::ConfigCmd::Show => output::raw(o, &app.config_text()?),
                cli::ConfigCmd::Apply { file, reason } => {
                    let text = read_file(file)?;
                    app.config_apply(&text, reason.as_deref())?;
                    if !cli.quiet {
                        output::line(
                            o,
                            &format!("applied the workspace config from {}", file.display()),
                        );
                    }
                }
            }
        }
        Command::Import(cli::ImportCmd::Dump { file }) => {
            let mut app = open(&cli, true)?;
            let f = std::fs::File::open(file)
                .map_err(|e| usage(format!("cannot open {}: {e}", file.display())))?;
            let mut r = BufReader::with_capacity(1 << 20, f);
            let pb = progress_bar(cli.quiet, "importing");
            let res = app.import_dump(&mut r, &mut |n| pb.set_position(n));
            pb.finish_and_clear();
            let s = res?;
            if !cli.quiet {
                output::import_summary(o, fmt, &s);
            }
        }
        Command::Import(cli::ImportCmd::Csv {
            file,
            product,
            map,
            skip_bad,
        }) => {
            let mut app = open(&cli, false)?;
            let map = map
                .iter()
                .map(|m| name_value(m, "--map"))
                .collect::<Result<Vec<_>, _>>()?;
            let f = std::fs::File::open(file)
                .map_err(|e| usage(format!("cannot open {}: {e}", file.display())))?;
            let opts = CsvOptions {
                product: product.clone(),
                map,
                skip_bad: *skip_bad,
            };
            let pb = progress_bar(cli.quiet, "importing");
            let res = app.import_csv(f, &opts, &mut |n| pb.set_position(n));
            pb.finish_and_clear();
            let report = res?;
            output::csv_report(o, fmt, &report, &file.display().to_string());
            if !report.bad.is_empty() && !*skip_bad {
                return Ok(2);
            }
        }
        Command::Import(c @ (cli::ImportCmd::Jira { .. } | cli::ImportCmd::Github { .. })) => {
            return import_cmd::run(&cli, c, o);
        }
        Command::Export(cli::ExportCmd::Dump { out: path }) => {
            let mut app = open(&cli, false)?;
            let pb = progress_bar(cli.quiet || path.is_none(), "exporting");
            match path {
                Some(p) => {
                    // Write beside the target and rename, so a failed export leaves no half file.
                    let tmp = p.with_extension("partial");
                    let f = std::fs::File::create(&tmp)
                        .map_err(|e| usage(format!("cannot create {}: {e}", tmp.display())))?;
                    let mut w = std::io::BufWriter::new(f);
                    let n = app.export_dump(&mut w, &mut |n| pb.set_position(n))?;
                    w.flush()
                        .map_err(|e| usage(format!("cannot write {}: {e}", tmp.display())))?;
                    drop(w);
                    std::fs::rename(&tmp, p)
                        .map_err(|e| usage(format!("cannot write {}: {e}", p.display())))?;
                    pb.finish_and_clear();
                    if !cli.quiet {
                        eprintln!("exported {n} records to {}", p.display());
                    }
                }
                None => {
                    let mut w = std::io::BufWriter::new(o);
                    app.export_dump(&mut w, &mut |_| {})?;
                }
            }
        }
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "cairn", o);
        }
        Command::Man { out: dir } => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut buf = Vec::new();
            man.render(&mut buf).map_err(|e| usage(e.to_string()))?;
            match dir {
                Some(d) => {
                    std::fs::create_dir_all(d)
                        .map_err(|e| usage(format!("cannot create {}: {e}", d.display())))?;
                    let p = d.join("cairn.1");
                    std::fs::write(&p, &buf)
                        .map_err(|e| usage(format!("cannot write {}: {e}", p.display())))?;
                }
                None => {
                    let _ = o.write_all(&buf);
                }
            }
        }
    }
    Ok(0)
}

fn read_file(p: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(p).map_err(|e| usage(format!("cannot read {}: {e}", p.display())))
}

fn item(cli: &Cli, c: &cli::ItemCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut app = open(cli, false)?;
    match c {
        cli::ItemCmd::Add(a) => {
            let fields = a
                .fields
                .iter()
                .map(|f| name_value(f, "--field"))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewItem {
                product: a.product.clone(),
                kind: Some(kind(&a.kind)?),
                title: a.title.clone(),
                description: a.description.clone(),
                state: a.state.clone(),
                assignee: a.assignee.clone(),
                labels: a.labels.clone(),
                estimate: a.estimate,
                acceptance: a.acceptance.clone(),
                fields,
                parent: a.parent.as_deref().map(key).transpose()?,
                release: a.release.clone(),
                goals: a.goals.clone(),
            };
            let item = app.item_add(new, a.reason.as_deref())?;
            if !cli.quiet {
                output::item_written(o, fmt, &item, "created");
            }
            req_cmd::warn_lint(&mut app, &item, cli.quiet);
        }
        cli::ItemCmd::Show { key: k } => {
            let v = app.item_view(&key(k)?)?;
            output::item_view(o, fmt, &v);
        }
        cli::ItemCmd::Edit(a) => {
            let mut p = Patch {
                kind: a.kind.as_deref().map(kind).transpose()?,
                title: a.title.clone(),
                description: a.description.clone(),
                acceptance: a.acceptance.clone(),
                add_labels: a.add_labels.clone(),
                remove_labels: a.remove_labels.clone(),
                ..Patch::default()
            };
            if a.unassign {
                p.assignee = Some(None);
            } else if let Some(x) = &a.assignee {
                p.assignee = Some(Some(x.clone()));
            }
            if !a.labels.is_empty() {
                p.labels = Some(a.labels.clone());
            }
            if a.no_estimate {
                p.estimate = Some(None);
            } else if let Some(e) = a.estimate {
                p.estimate = Some(Some(e));
            }
            for f in &a.fields {
                let (n, v) = name_value(f, "--field")?;
                p.fields.push((n, Some(v)));
            }
            for n in &a.clear_fields {
                p.fields.push((n.clone(), None));
            }
            if a.no_parent {
                p.parent = Some(None);
            } else if let Some(x) = &a.parent {
                p.parent = Some(Some(key(x)?));
            }
            if a.no_release {
                p.release = Some(None);
            } else if let Some(x) = &a.release {
                p.release = Some(Some(x.clone()));
            }
            let item = app.item_edit(
                &key(&a.key)?,
                p,
                a.common.if_version,
                a.common.reason.as_deref(),
            )?;
            if !cli.quiet {
                output::item_written(o, fmt, &item, "updated");
            }
            req_cmd::warn_lint(&mut app, &item, cli.quiet);
        }
        cli::ItemCmd::State {
            key: k,
            state,
            override_gate,
            common,
        } => {
            let p = Patch {
                state: Some(state.clone()),
                override_gate: *override_gate,
                ..Patch::default()
            };
            let item = app.item_edit(&key(k)?, p, common.if_version, common.reason.as_deref())?;
            if !cli.quiet {
                output::item_written(o, fmt, &item, "updated");
            }
        }
        cli::ItemCmd::Move(a) => {
            let to = if a.to.top {
                Position::Top
            } else if a.to.bottom {
                Position::Bottom
            } else if let Some(b) = &a.to.before {
                Position::Before(key(b)?)
            } else if let Some(b) = &a.to.after {
                Position::After(key(b)?)
            } else {
                return Err(usage(
                    "say where: --top, --bottom, --before KEY or --after KEY",
                ));
            };
            let item = app.item_move(
                &key(&a.key)?,
                &to,
                a.common.if_version,
                a.common.reason.as_deref(),
            )?;
            if !cli.quiet {
                output::item_written(o, fmt, &item, "moved");
            }
        }
        cli::ItemCmd::Rm { key: k, common } => {
            let k = key(k)?;
            app.item_rm(&k, common.if_version, common.reason.as_deref())?;
            if !cli.quiet {
                output::line(
                    o,
                    &format!(
                        "deleted {k} (its key will not be reused; `cairn history {k}` still shows it)"
                    ),
                );
            }
        }
    }
    Ok(0)
}
