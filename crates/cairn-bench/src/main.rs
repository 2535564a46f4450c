//! `cairn-bench`: generate a synthetic backlog, import it into SQLite and/or
//! PostgreSQL, and measure the operations the product promises to be fast.
//!
//! Prints one JSON line per measurement on stdout and a table on stderr.
//! It is a measurement, not a test: a missed target is reported as MISSED
//! but the exit code stays 0. Errors (a database that cannot be reached, a
//! broken audit chain) exit non-zero.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod classify;
mod feedback;
mod forecasting;
mod generate;
mod gitscan;
mod import;
mod quality;
mod ranking;
mod requirements;
mod server;
mod webhooks;

use anyhow::{Context, Result, anyhow, bail};
use cairn_app::{App, Position};
use cairn_core::ItemKey;
use cairn_store::{Dialect, Page, Value};
use clap::{Parser, Subcommand, ValueEnum};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// A measured query: its page fetch has a target, its count is reported.
struct QuerySpec {
    name: &'static str,
    count_name: &'static str,
    src: &'static str,
    target_ms: f64,
}

const QUERIES: [QuerySpec; 2] = [
    QuerySpec {
        name: "query_first_page",
        count_name: "query_count",
        src: "category != done AND label = \"payments\" ORDER BY rank",
        target_ms: 20.0,
    },
    QuerySpec {
        name: "fulltext_first_page",
        count_name: "fulltext_count",
        src: "text ~ \"refund\"",
        target_ms: 50.0,
    },
];
const PG_DATABASE: &str = "cairn_bench";

#[derive(Parser, Debug)]
#[command(
    name = "cairn-bench",
    about = "Measure Cairn on a synthetic backlog: dump import, queries, rank moves, audit verification",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Number of items to generate.
    #[arg(long, default_value_t = 1_000_000)]
    items: u64,
    /// Number of links to generate (distinct `blocks`/`relates` pairs).
    #[arg(long, default_value_t = 1_000_000)]
    links: u64,
    /// Seed of the synthetic data; the same seed gives the same dump.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The shared data folder (real backlogs, annotations, PROMISE NFR)
    /// for the requirements suite's quality figures.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Which database to measure.
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
    /// A PostgreSQL server to use; the benchmark (re)creates the database
    /// `cairn_bench` on it.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Folder for the dump file and the SQLite database.
    #[arg(long, default_value = "/tmp")]
    dir: PathBuf,
    /// Number of rank moves to time.
    #[arg(long, default_value_t = 200)]
    moves: usize,
    /// Keep the dump, the SQLite file and the PostgreSQL database afterwards.
    #[arg(long)]
    keep: bool,
    /// Server suite: reuse its SQLite database from an earlier `--keep` run
    /// instead of generating and importing it again.
    #[arg(long)]
    reuse: bool,
    /// Print the import's progress (dump line reached, seconds) to stderr,
    /// to see which section takes the time.
    #[arg(long)]
    trace: bool,
    /// Print the query plans of the measured queries to stderr (SQLite:
    /// EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE).
    #[arg(long)]
    explain: bool,
    /// Which measurements to run: the storage suite (import, queries,
    /// moves, audit) on the chosen backends, the ranking engine, or both.
    #[arg(long, value_enum, default_value_t = Suite::All)]
    suite: Suite,
    /// Items and blocks links of the large ranking workload.
    #[arg(long, default_value_t = 1_000_000)]
    rank_items: usize,
    #[arg(long, default_value_t = 2_000_000)]
    rank_links: usize,
    /// Issues in the Jira export of the import suite.
    #[arg(long, default_value_t = import::ISSUES)]
    jira_issues: usize,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Suite {
    Storage,
    Ranking,
    Forecast,
    Requirements,
    /// `cairn serve` on loopback over a 1,000,000-item SQLite database
    /// (not part of `all`: it builds its own database).
    Server,
    /// Stakeholder reports over a 100,000-item product (builds its own
    /// SQLite database; not part of `all`).
    Reports,
    /// Quality and traceability: JUnit import (builds its own SQLite
    /// database; not part of `all`).
    Quality,
    /// Customer feedback: suggestions among 100,000 items and themes over
    /// 50,000 records (builds its own SQLite database; not part of `all`).
    Feedback,
    /// `cairn git scan` of a 100,000-commit repository, then incremental
    /// re-scans (builds its own repository and SQLite database; not part
    /// of `all`).
    Git,
    /// Import of a 100,000-issue Jira search export with changelogs, then
    /// the same file again (builds its own SQLite database; not part of
    /// `all`).
    Import,
    /// Webhook fan-out of 1,000 events to 10 local receivers under API
    /// read load, against the same load without webhooks (builds its own
    /// SQLite database and serves it; not part of `all`).
    Webhooks,
    All,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Import a dump and print the elapsed time and peak RSS as JSON
    /// (run by the benchmark in a child process).
    #[command(hide = true)]
    ImportChild {
        #[arg(long)]
        url: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        trace: bool,
    },
    /// Rank a synthetic backlog and print the elapsed time and peak RSS as
    /// JSON (run by the benchmark in a child process).
    #[command(hide = true)]
    RankChild {
        #[arg(long)]
        items: usize,
        #[arg(long)]
        links: usize,
        #[arg(long)]
        seed: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
    Both,
}

fn selected_backends(b: BackendArg) -> Vec<Dialect> {
    match b {
        BackendArg::Sqlite => vec![Dialect::Sqlite],
        BackendArg::Postgres => vec![Dialect::Postgres],
        BackendArg::Both => vec![Dialect::Sqlite, Dialect::Postgres],
    }
}

/// One measurement, printed as one JSON line.
struct Measurement {
    backend: &'static str,
    name: &'static str,
    value: f64,
    unit: &'static str,
    /// None for informational figures.
    target: Option<f64>,
    detail: String,
}

impl Measurement {
    fn pass(&self) -> Option<bool> {
        self.target.map(|t| self.value <= t)
    }
}

struct Report {
    rows: Vec<Measurement>,
}

impl Report {
    fn add(&mut self, m: Measurement) {
        let value = (m.value * 1000.0).round() / 1000.0;
        let line = json!({
            "backend": m.backend,
            "name": m.name,
            "value": value,
            "unit": m.unit,
            "target": m.target,
            "pass": m.pass(),
            "detail": m.detail,
        });
        println!("{line}");
        let _ = std::io::stdout().flush();
        if m.pass() == Some(false) {
            eprintln!(
                "MISSED: {} {} = {value} {} (target {} {})",
                m.backend,
                m.name,
                m.unit,
                m.target.unwrap_or_default(),
                m.unit
            );
        }
        self.rows.push(m);
    }

    fn table(&self) {
        let mut out = String::new();
        out.push_str(&format!(
            "\n{:<9} {:<22} {:>12} {:<4} {:>9}  {:<7} {}\n",
            "backend", "measurement", "value", "unit", "target", "result", "detail"
        ));
        for m in &self.rows {
            let result = match m.pass() {
                Some(true) => "ok",
                Some(false) => "MISSED",
                None => "info",
            };
            let target = m
                .target
                .map_or_else(|| "-".to_string(), |t| format!("≤ {t}"));
            out.push_str(&format!(
                "{:<9} {:<22} {:>12.3} {:<4} {:>9}  {:<7} {}\n",
                m.backend, m.name, m.value, m.unit, target, result, m.detail
            ));
        }
        let missed = self.rows.iter().filter(|m| m.pass() == Some(false)).count();
        if missed > 0 {
            out.push_str(&format!("\n{missed} target(s) MISSED\n"));
        } else {
            out.push_str("\nall targets met\n");
        }
        eprint!("{out}");
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cairn-bench: error: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match &cli.cmd {
        Some(Cmd::ImportChild { url, file, trace }) => {
            return import_child(url, file, *trace).map(|()| ExitCode::SUCCESS);
        }
        Some(Cmd::RankChild { items, links, seed }) => {
            return ranking::child(*items, *links, *seed).map(|()| ExitCode::SUCCESS);
        }
        None => {}
    }
    let mut report = Report { rows: Vec::new() };
    let mut ok = true;
    if cli.suite == Suite::Server {
        server_suite(&cli, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Reports {
        reports_suite(&cli, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Feedback {
        feedback_suite(&cli, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Git {
        gitscan::suite(&cli.dir, cli.seed, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Import {
        let mut targets = Vec::new();
        for d in selected_backends(cli.backend) {
            targets.push(match d {
                Dialect::Sqlite => import::Target::Sqlite(cli.dir.clone()),
                Dialect::Postgres => {
                    pg_admin(&cli.pg_url)?;
                    import::Target::Postgres(cli.pg_url.clone())
                }
            });
        }
        import::suite(&targets, cli.seed, cli.jira_issues, cli.keep, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Webhooks {
        webhooks::suite(&cli.dir, cli.seed, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if cli.suite == Suite::Quality {
        quality_suite(&cli, &mut report)?;
        report.table();
        return Ok(ExitCode::SUCCESS);
    }
    if matches!(cli.suite, Suite::Requirements | Suite::All) {
        eprintln!("requirements: seed {}", cli.seed);
        requirements_suite(&cli, &mut report)?;
        if cli.suite == Suite::Requirements {
            report.table();
            return Ok(ExitCode::SUCCESS);
        }
    }
    if matches!(cli.suite, Suite::Forecast | Suite::All) {
        eprintln!("forecasting: seed {}", cli.seed);
        forecast_suite(&cli, &mut report)?;
        if cli.suite == Suite::Forecast {
            report.table();
            return Ok(ExitCode::SUCCESS);
        }
    }
    if cli.suite != Suite::Storage {
        eprintln!(
            "ranking: seed {}; {} items with {} blocks links",
            cli.seed, cli.rank_items, cli.rank_links
        );
        ok &= rank_suite(&cli, &mut report)?;
        if cli.suite == Suite::Ranking {
            report.table();
            return Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
    }
    if !cli.dir.is_dir() {
        bail!("--dir {} is not a folder", cli.dir.display());
    }
    eprintln!(
        "cairn-bench: seed {} ({} items, {} links); rerun with --seed {} for the same data",
        cli.seed, cli.items, cli.links, cli.seed
    );
    let backends = selected_backends(cli.backend);
    // Fail before spending minutes on generation if PostgreSQL is down.
    if backends.contains(&Dialect::Postgres) {
        pg_admin(&cli.pg_url)?;
    }

    let dump = cli.dir.join(format!(
        "cairn-bench-{}-{}-{}.jsonl",
        cli.seed, cli.items, cli.links
    ));
    eprintln!("generating {} ...", dump.display());
    let t = Instant::now();
    let g = generate::write_dump(&dump, cli.seed, cli.items, cli.links)?;
    eprintln!(
        "generated in {:.1} s: {} MiB, {} items ({} done/cancelled, {} labelled payments, {} mention refund), {} links, {} audit entries",
        t.elapsed().as_secs_f64(),
        g.bytes >> 20,
        g.items,
        g.done_items,
        g.payments_items,
        g.refund_items,
        g.links,
        g.audit_entries
    );

    let r = bench_all(&cli, &backends, &dump, &g, &mut report);
    if !cli.keep {
        let _ = std::fs::remove_file(&dump);
    }
    // Show what was measured even when a later backend failed.
    report.table();
    Ok(if r? && ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Measure each backend in turn; false when a correctness check failed.
fn bench_all(
    cli: &Cli,
    backends: &[Dialect],
    dump: &Path,
    g: &generate::Generated,
    report: &mut Report,
) -> Result<bool> {
    let mut failed = false;
    for &d in backends {
        let url = match d {
            Dialect::Sqlite => {
                let path = cli
                    .dir
                    .join(format!("cairn-bench-{}-{}.db", cli.seed, cli.items));
                remove_sqlite(&path)?;
                format!("sqlite:{}", path.display())
            }
            Dialect::Postgres => fresh_pg_database(&cli.pg_url)?,
        };
        eprintln!("\n== {} ==", d.name());
        let ok = bench_backend(cli, d, &url, dump, g, report)?;
        failed |= !ok;
        if !cli.keep {
            match d {
                Dialect::Sqlite => remove_sqlite(Path::new(url.trim_start_matches("sqlite:")))?,
                Dialect::Postgres => drop_pg_database(&cli.pg_url)?,
            }
        }
    }
    Ok(!failed)
}

/// Run every measurement on one backend. Returns false when a correctness
/// check failed (not when a target was missed).
fn bench_backend(
    cli: &Cli,
    d: Dialect,
    url: &str,
    dump: &Path,
    g: &generate::Generated,
    report: &mut Report,
) -> Result<bool> {
    let backend = d.name();
    let mut ok = true;

    // 1. Import, in a child process so its peak RSS is the import's alone.
    eprintln!("importing in a child process ...");
    let child = run_import_child(url, dump, cli.trace)?;
    let entries = child.audit_entries;
    report.add(Measurement {
        backend,
        name: "import_dump",
        value: child.elapsed_s,
        unit: "s",
        target: Some(60.0),
        detail: format!(
            "{} items, {} links, {} audit entries; dump {} MiB",
            child.items,
            child.links,
            entries,
            g.bytes >> 20
        ),
    });
    report.add(Measurement {
        backend,
        name: "import_peak_rss",
        value: child.vmhwm_kib as f64 / 1024.0,
        unit: "MiB",
        target: Some(1024.0),
        detail: "VmHWM of the importing process (open + import_dump)".into(),
    });
    if child.items != g.items || child.links != g.links || entries != g.audit_entries {
        eprintln!(
            "import counts differ from the generated ones: {} items, {} links, {} audit entries imported",
            child.items, child.links, entries
        );
        ok = false;
    }

    let mut app = App::open(url, "bench").with_context(|| format!("cannot open {url}"))?;
    if d == Dialect::Sqlite {
        let path = url.trim_start_matches("sqlite:");
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        eprintln!("database file: {} MiB", size >> 20);
    }

    // 2. Queries: time the page fetch itself; the count separately.
    for spec in &QUERIES {
        query_bench(&mut app, backend, spec, cli.explain, report)?;
    }

    // 3. Rank moves.
    ok &= move_bench(&mut app, backend, cli, report)?;

    // 4. Audit verification over the whole trail.
    let t = Instant::now();
    let r = app.audit_verify(&mut |_| {})?;
    let secs = t.elapsed().as_secs_f64();
    let per_million = if r.checked > 0 {
        secs / (r.checked as f64 / 1e6)
    } else {
        0.0
    };
    let detail = if r.ok() {
        format!(
            "{} entries verified; {per_million:.2} s per 1M entries",
            r.checked
        )
    } else {
        ok = false;
        format!("BROKEN after {} entries: {}", r.checked, r.message)
    };
    report.add(Measurement {
        backend,
        name: "audit_verify",
        value: secs,
        unit: "s",
        target: Some(5.0),
        detail,
    });
    if !r.ok() {
        eprintln!("audit chain does not verify: {}", r.message);
    }
    Ok(ok)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn query_bench(
    app: &mut App,
    backend: &'static str,
    spec: &QuerySpec,
    explain_plans: bool,
    report: &mut Report,
) -> Result<()> {
    let src = spec.src;
    let q = app
        .compile_query(src)
        .map_err(|e| anyhow!("cannot compile `{src}`: {e}"))?;
    let page = Page {
        limit: 50,
        offset: 0,
    };
    let t = Instant::now();
    let first = app.store().query(&q, page)?;
    let cold = ms(t.elapsed());
    let mut times = Vec::with_capacity(20);
    for _ in 0..20 {
        let t = Instant::now();
        let rows = app.store().query(&q, page)?;
        times.push(ms(t.elapsed()));
        if rows.len() != first.len() {
            bail!("`{src}` returned {} rows, then {}", first.len(), rows.len());
        }
    }
    let p95 = percentile(&mut times, 0.95);
    let med = median(&mut times);
    let mut counts = Vec::new();
    let mut total = 0;
    for _ in 0..3 {
        let t = Instant::now();
        total = app.store().count(&q)?;
        counts.push(ms(t.elapsed()));
    }
    report.add(Measurement {
        backend,
        name: spec.name,
        value: med,
        unit: "ms",
        target: Some(spec.target_ms),
        detail: format!(
            "`{src}`: {} rows of {total}; median of 20 after 1 warm-up ({cold:.1} ms), p95 {p95:.2} ms",
            first.len()
        ),
    });
    report.add(Measurement {
        backend,
        name: spec.count_name,
        value: median(&mut counts),
        unit: "ms",
        target: None,
        detail: format!(
            "COUNT of `{src}` = {total} (App::query runs it with every page); median of 3"
        ),
    });
    if explain_plans {
        explain(app, &q);
    }
    Ok(())
}

/// Print the plan of the page query to stderr (the store's SQL shape:
/// filter and order from `cairn_store::sql`, its item columns and joins).
fn explain(app: &mut App, q: &cairn_query::Query) {
    let store = app.store();
    let d = store.dialect();
    let mut s = cairn_store::sql::Sql::default();
    s.text.push_str(" WHERE ");
    cairn_store::sql::filter(&q.filter, d, &mut s);
    cairn_store::sql::order(&q.order, &mut s);
    s.text.push_str(" LIMIT ? OFFSET ?");
    s.params.push(Value::Int(50));
    s.params.push(Value::Int(0));
    let select = "SELECT i.id, i.key, i.kind, i.title, i.description, i.state, i.category, i.assignee, \
                  i.estimate, i.acceptance, i.created, i.updated, i.resolved, i.rank, p.key, r.name, i.version \
                  FROM items i LEFT JOIN items p ON p.id = i.parent_id LEFT JOIN releases r ON r.id = i.release_id";
    let (prefix, col) = match d {
        Dialect::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
        Dialect::Postgres => ("EXPLAIN (ANALYZE, BUFFERS) ", 0),
    };
    let sql = format!("{prefix}{select}{}", s.text);
    match store.backend().query(&sql, &s.params) {
        Ok(rows) => {
            eprintln!("  plan:");
            for r in rows {
                if let Some(line) = r.get(col).and_then(|v| v.as_str()) {
                    eprintln!("    {line}");
                }
            }
        }
        Err(e) => eprintln!("  (no plan: {e})"),
    }
}

/// (rank, version) of every item by id.
fn snapshot(app: &mut App) -> Result<HashMap<i64, (String, i64)>> {
    let rows = app
        .store()
        .backend()
        .query("SELECT id, rank, version FROM items", &[])?;
    let mut m = HashMap::with_capacity(rows.len());
    for r in rows {
        let id = r[0]
            .as_i64()
            .ok_or_else(|| anyhow!("items.id is not an integer"))?;
        let rank = r[1].as_str().unwrap_or_default().to_string();
        let version = r[2]
            .as_i64()
            .ok_or_else(|| anyhow!("items.version is not an integer"))?;
        m.insert(id, (rank, version));
    }
    Ok(m)
}

fn move_bench(
    app: &mut App,
    backend: &'static str,
    cli: &Cli,
    report: &mut Report,
) -> Result<bool> {
    let n = cli.items;
    if n < 2 || cli.moves == 0 {
        return Ok(true);
    }
    let mut rng = generate::move_rng(cli.seed);
    let pairs: Vec<(ItemKey, ItemKey)> = (0..cli.moves)
        .map(|_| {
            let a = rng.gen_range(1..=n);
            let mut b = rng.gen_range(1..n);
            if b >= a {
                b += 1;
            }
            (
                ItemKey::new(generate::PREFIX, a as i64),
                ItemKey::new(generate::PREFIX, b as i64),
            )
        })
        .collect();

    let before = snapshot(app)?;
    let (head_before, _) = app.store().audit_head()?;
    let mut times = Vec::with_capacity(pairs.len());
    let mut written = 0u64;
    let mut moved_keys = std::collections::HashSet::new();
    for (a, b) in &pairs {
        let old = app.store().item(a)?.map(|i| i.version);
        let t = Instant::now();
        let item = app.item_move(a, &Position::Before(b.clone()), None, None)?;
        times.push(ms(t.elapsed()));
        if Some(item.version) != old {
            written += 1;
            moved_keys.insert(a.to_string());
        }
    }
    let after = snapshot(app)?;
    let (head_after, _) = app.store().audit_head()?;

    // Which rows changed, over the whole table: a move must write its own
    // row and no other (no renumbering).
    let mut changed_ids = Vec::new();
    for (id, now) in &after {
        if before.get(id) != Some(now) {
            changed_ids.push(*id);
        }
    }
    let mut changed_keys = std::collections::HashSet::new();
    for id in &changed_ids {
        let rows = app
            .store()
            .backend()
            .query("SELECT key FROM items WHERE id = ?", &[Value::Int(*id)])?;
        if let Some(k) = rows.first().and_then(|r| r[0].as_str()) {
            changed_keys.insert(k.to_string());
        }
    }
    let version_sum = |m: &HashMap<i64, (String, i64)>| m.values().map(|(_, v)| *v).sum::<i64>();
    let version_delta = version_sum(&after) - version_sum(&before);
    let audit_delta = head_after - head_before;
    let exact = changed_keys == moved_keys
        && version_delta == written as i64
        && audit_delta == written as i64;

    let p95 = percentile(&mut times, 0.95);
    let max = times.iter().copied().fold(0.0, f64::max);
    let med = median(&mut times);
    let check = if exact {
        "one item row + one audit entry per move, no other row changed".to_string()
    } else {
        format!(
            "UNEXPECTED WRITES: {} rows changed for {} distinct moved items, versions +{version_delta}, audit +{audit_delta}",
            changed_ids.len(),
            moved_keys.len()
        )
    };
    report.add(Measurement {
        backend,
        name: "move_rank",
        value: med,
        unit: "ms",
        target: Some(5.0),
        detail: format!(
            "{} moves (Position::Before a random item), {written} wrote; p95 {p95:.2} ms, max {max:.2} ms; \
             {} rows changed in {} items, audit +{audit_delta}: {check}",
            pairs.len(),
            changed_ids.len(),
            after.len()
        ),
    });
    if !exact {
        eprintln!("move_rank: {check}");
    }
    Ok(exact)
}

// ---- ranking ------------------------------------------------------------

/// The ranking engine's figures: a full ranking of the large backlog (in a
/// child process, for its peak RSS), then re-rank and explain on 100,000.
fn rank_suite(cli: &Cli, report: &mut Report) -> Result<bool> {
    let exe = std::env::current_exe().context("cannot find the cairn-bench executable")?;
    let out = Command::new(exe)
        .arg("rank-child")
        .args(["--items", &cli.rank_items.to_string()])
        .args(["--links", &cli.rank_links.to_string()])
        .args(["--seed", &cli.seed.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start the ranking child process")?;
    if !out.status.success() {
        bail!(
            "the ranking child failed ({}); its error is above",
            out.status
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .with_context(|| format!("the ranking child printed `{stdout}`, not JSON"))?;
    let f = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::NAN)
    };
    let detail = format!(
        "WSJF; {} items, {} blocks links, {} cycles reported, {} unscored; order checked",
        f("items"),
        f("links"),
        f("cycles"),
        f("unscored")
    );
    report.add(Measurement {
        backend: "engine",
        name: "rank_1m",
        value: f("elapsed_s"),
        unit: "s",
        target: Some(2.0),
        detail: format!("score + graph + order; {detail}"),
    });
    report.add(Measurement {
        backend: "engine",
        name: "rank_1m_peak_rss",
        value: f("vmhwm_kib") / 1024.0,
        unit: "MiB",
        target: Some(1024.0),
        detail: "VmHWM of the ranking process, its synthetic inputs included".into(),
    });

    // 100,000 items with 200,000 links.
    let m = ranking::model()?;
    let n = 100_000;
    let mut b = ranking::generate(n, 2 * n, cli.seed);
    let (g, r) = ranking::rank(&m, &b)?;
    ranking::check(&g, &r, &b)?;
    let mut scores = ranking::score_all(&m, &b)?;
    let mut rng = generate::move_rng(cli.seed);
    let mut times = Vec::new();
    let mut ok = true;
    for _ in 0..30 {
        // One item's business value changes: re-score it and re-order.
        let i = rng.gen_range(0..n);
        let t = Instant::now();
        let bv = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0][rng.gen_range(0..7)];
        b.fields[i].insert("business_value".into(), cairn_core::FieldValue::Number(bv));
        scores[i] = m
            .score_item(&b.inputs(i))
            .map_err(|p| anyhow!("{}", p[0].message))?
            .ok();
        let r2 = g.rank(&scores, &b.created, false);
        times.push(ms(t.elapsed()));
        if r2.order.len() != n {
            ok = false;
        }
    }
    let (med, p95) = (median(&mut times.clone()), percentile(&mut times, 95.0));
    report.add(Measurement {
        backend: "engine",
        name: "rerank_100k",
        value: med,
        unit: "ms",
        target: Some(50.0),
        detail: format!("one item's input changed: re-score it and re-order 100,000 items with 200,000 links (graph kept); median of 30, p95 {p95:.2} ms"),
    });

    let r = g.rank(&scores, &b.created, false);
    let mut times = Vec::new();
    let mut changes = 0;
    for _ in 0..200 {
        let x = rng.gen_range(0..n);
        let t = Instant::now();
        changes += ranking::explain(&m, &g, &r, &b, x);
        times.push(ms(t.elapsed()));
    }
    let (med, p95) = (median(&mut times.clone()), percentile(&mut times, 95.0));
    report.add(Measurement {
        backend: "engine",
        name: "explain_100k",
        value: med,
        unit: "ms",
        target: Some(10.0),
        detail: format!("terms, inherited path and what it takes to pass each neighbour, on the computed ranking; median of 200, p95 {p95:.2} ms; {changes} suggestions"),
    });
    Ok(ok)
}

fn requirements_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    let stories = requirements::stories(10_000, cli.seed);
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let (t, n) = requirements::lint_stories(&stories);
        times.push(t.as_secs_f64());
        found = n;
    }
    report.add(Measurement {
        backend: "engine",
        name: "lint_10k_stories",
        value: median(&mut times),
        unit: "s",
        target: Some(1.0),
        detail: format!("10,000 synthetic stories, every rule including unique (all-pairs similarity) and uniform; median of 5; {found} findings"),
    });
    let reqs = requirements::requirements(10_000, cli.seed);
    let mut times = Vec::new();
    let mut nfr = 0;
    for _ in 0..5 {
        let (t, n) = requirements::classify(&reqs);
        times.push(t.as_secs_f64());
        nfr = n;
    }
    report.add(Measurement {
        backend: "engine",
        name: "classify_10k_requirements",
        value: median(&mut times),
        unit: "s",
        target: Some(1.0),
        detail: format!("10,000 synthetic requirements through the shipped model, one core; median of 5; {nfr} non-functional"),
    });
    // Quality figures on the real data (informational: no target).
    let (persona, benefit) = requirements::story_spans(&cli.data.join("user-stories/annotations"))?;
    for (name, v, s) in [
        ("persona_precision", persona.precision(), persona),
        ("persona_recall", persona.recall(), persona),
        ("benefit_precision", benefit.precision(), benefit),
        ("benefit_recall", benefit.recall(), benefit),
    ] {
        report.add(Measurement {
            backend: "engine",
            name,
            value: v,
            unit: "ratio",
            target: None,
            detail: format!("story parser against the hand-annotated spans: {} matched of {} predicted, {} annotated", s.matched, s.predicted, s.gold),
        });
    }
    for v in classify::run(&cli.data.join("promise-nfr/nfr.csv"))? {
        let name = v["name"].as_str().unwrap_or("");
        report.add(Measurement {
            backend: "engine",
            name: Box::leak(name.to_string().into_boxed_str()),
            value: v["value"].as_f64().unwrap_or(f64::NAN),
            unit: if v["unit"] == "s" { "s" } else { "ratio" },
            target: None,
            detail: v["detail"].as_str().unwrap_or("").to_string(),
        });
    }
    Ok(())
}

fn forecast_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    let samples = forecasting::history(cli.seed);
    let mean = f64::from(samples.iter().sum::<u32>()) / samples.len() as f64;
    let mut times = Vec::new();
    let mut p85 = 0;
    for i in 0..5 {
        let (t, v) = forecasting::when(&samples, 500, 100_000, cli.seed + i)?;
        times.push(ms(t));
        p85 = v;
    }
    report.add(Measurement {
        backend: "engine",
        name: "when_500_100k_trials",
        value: median(&mut times),
        unit: "ms",
        target: Some(200.0),
        detail: format!("100,000 trials of a 500-item forecast on one core, history of 64 working days ({mean:.2} items a day); median of 5; 85 %: {p85} working days"),
    });
    let mut times = Vec::new();
    let mut likely = 0;
    for i in 0..3 {
        let (t, l) = forecasting::cut_line(&samples, 5_000, 5_000, 10_000, 500, cli.seed + i)?;
        times.push(t.as_secs_f64());
        likely = l;
    }
    report.add(Measurement {
        backend: "engine",
        name: "cut_line_5k",
        value: median(&mut times),
        unit: "s",
        target: Some(3.0),
        detail: format!("10,000 trials over a 5,000-item ranked backlog with 5,000 blocks links: pull order, simulation to the last item at 95 %, every item's dates; median of 3; {likely} items likely within 500 working days"),
    });
    let mut times = Vec::new();
    let mut path = 0;
    for i in 0..3 {
        let (t, p) = forecasting::critical(100_000, 200_000, cli.seed + i)?;
        times.push(t.as_secs_f64());
        path = p;
    }
    report.add(Measurement {
        backend: "engine",
        name: "critical_path_100k",
        value: median(&mut times),
        unit: "s",
        target: Some(1.0),
        detail: format!("100,000 items, 200,000 blocks links: graph, forward and backward pass, slack, path; median of 3; path of {path} items"),
    });
    Ok(())
}

// ---- the reports suite ---------------------------------------------------

/// The exec report over a 100,000-item product on SQLite: synthetic items
/// with a year of history, three releases holding 300 items, three goals
/// linked to 300 items, ten risks, and a report recorded a week earlier to
/// compare with.
fn reports_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    const ITEMS: u64 = 100_000;
    const DAY: i64 = 86_400_000;
    let path = cli
        .dir
        .join(format!("cairn-bench-reports-{}-{ITEMS}.db", cli.seed));
    let url = format!("sqlite:{}", path.display());
    remove_sqlite(&path)?;
    let dump = cli
        .dir
        .join(format!("cairn-bench-reports-{}-{ITEMS}.jsonl", cli.seed));
    eprintln!("generating {} ...", dump.display());
    generate::write_dump(&dump, cli.seed, ITEMS, ITEMS)?;
    let child = run_import_child(&url, &dump, cli.trace)?;
    let _ = std::fs::remove_file(&dump);
    eprintln!("imported {} items in {:.1} s", child.items, child.elapsed_s);
    let clock = std::sync::Arc::new(cairn_app::SimClock::new(generate::END - 7 * DAY));
    let mut app = App::open_with_clock(&url, "bench", Box::new(clock.clone()))?;
    let p = generate::PREFIX;
    // Releases and goals over the top of the ranked backlog.
    let open = app.query_items(
        &format!("product = {p} AND category != done AND kind IN (story, bug) ORDER BY rank"),
        Page {
            limit: 600,
            offset: 0,
        },
    )?;
    let day = |d: i64| {
        chrono::DateTime::from_timestamp_millis(generate::END + d * DAY)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    for (n, name) in ["2026.1", "2026.2", "2026.3"].iter().enumerate() {
        app.release_add(Some(p), name, Some(&day(30 * (n as i64 + 1))))?;
    }
    let goals = ["Grow revenue", "Cut support load", "Pass the audit"];
    for g in goals {
        app.goal_add(g, "", Vec::new())?;
    }
    for (n, it) in open.iter().take(300).enumerate() {
        app.item_edit(
            &it.key,
            cairn_app::Patch {
                release: Some(Some(["2026.1", "2026.2", "2026.3"][n / 100].to_string())),
                ..cairn_app::Patch::default()
            },
            None,
            None,
        )?;
    }
    for (n, it) in open.iter().skip(100).take(300).enumerate() {
        app.goal_link(goals[n % 3], &it.key, false)?;
    }
    for n in 0..10u8 {
        app.risk_add(cairn_app::register::NewRisk {
            product: Some(p.into()),
            title: format!("Risk {n}"),
            likelihood: n % 5 + 1,
            impact: (n + 2) % 5 + 1,
            mitigations: vec![open[n as usize].key.clone()],
            ..Default::default()
        })?;
    }
    let req = |since| cairn_app::exec::ExecRequest {
        product: Some(p.into()),
        since,
        scope: None,
        seed: cairn_app::report::REPORT_SEED,
    };
    let first = app.report_exec(&req(app.today() - chrono::Days::new(14)))?;
    app.record_exec(&first)?;
    clock.set(generate::END);
    let since = app.today() - chrono::Days::new(14);
    if cli.trace {
        // Where the time goes: the report's parts, one at a time.
        let t = Instant::now();
        app.goal_progress(Some(p))?;
        eprintln!("goals: {:.3} s", t.elapsed().as_secs_f64());
        let freq = cairn_app::forecast::ForecastRequest {
            product: Some(p.into()),
            seed: cairn_app::report::REPORT_SEED,
            ..Default::default()
        };
        let t = Instant::now();
        app.flow(Some(p), None, None)?;
        eprintln!(
            "flow history (the pace): {:.3} s",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        app.forecast_groups(&freq, false)?;
        eprintln!("forecast groups: {:.3} s", t.elapsed().as_secs_f64());
    }
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = app.report_exec(&req(since))?;
        let html = cairn_report::doc::to_html(&r.doc(), None);
        times.push(t.elapsed().as_secs_f64());
        last = Some((r, html.len()));
    }
    let (r, bytes) = last.ok_or_else(|| anyhow!("no exec report was made"))?;
    let dated = r.releases.iter().filter(|l| l.dates.p85.is_some()).count();
    let moved = r.releases.iter().filter(|l| l.moved_days.is_some()).count();
    report.add(Measurement {
        backend: "sqlite",
        name: "exec_report_100k",
        value: median(&mut times),
        unit: "s",
        target: Some(1.0),
        detail: format!(
            "{ITEMS} items, {} links; exec report to HTML ({bytes} bytes): {} goals, {dated} of {} releases dated at 85 % ({moved} compared with the report of {}), {} finished, {} added, {} open risks; forecast: {}; median of 5",
            child.links,
            r.goals.len(),
            r.releases.len(),
            r.compared_with.as_deref().unwrap_or("none"),
            r.finished.count,
            r.added.count,
            r.open_risks,
            if r.forecast_ok { "ok" } else { r.forecast_basis.as_str() }
        ),
    });
    if !cli.keep {
        drop(app);
        remove_sqlite(&path)?;
    }
    Ok(())
}

// ---- the feedback suite --------------------------------------------------

fn feedback_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    const ITEMS: usize = 100_000;
    const FEEDBACK: usize = 50_000;
    let path = cli
        .dir
        .join(format!("cairn-bench-feedback-{}.db", cli.seed));
    remove_sqlite(&path)?;
    let url = format!("sqlite:{}", path.display());
    let clock = std::sync::Arc::new(cairn_app::SimClock::new(generate::END));
    let mut app = App::open_with_clock(&url, "bench", Box::new(clock.clone()))?;
    app.init()?;
    app.product_add("PAY", "Payments")?;
    let vocab = feedback::Vocabulary::new(20_000, cli.seed);
    eprintln!("generating {ITEMS} items ...");
    let items = feedback::load_items(&mut app, &vocab, ITEMS, "PAY", cli.seed)?;
    // Suggestions: new feedback about a random item, 30 times.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cli.seed ^ 0xfeed);
    let mut times = Vec::new();
    let mut found = 0;
    let runs = 30;
    for _ in 0..runs {
        let it = &items[rng.gen_range(0..items.len())];
        let text = feedback::feedback_about(&vocab, it, &mut rng);
        let t = Instant::now();
        let s = app.feedback_suggest(Some("PAY"), &text, 5)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if s.iter().any(|x| x.key == it.key.to_string()) {
            found += 1;
        }
    }
    report.add(Measurement {
        backend: "sqlite",
        name: "feedback_suggest_100k_items",
        value: median(&mut times),
        unit: "ms",
        target: Some(50.0),
        detail: format!(
            "{ITEMS} items (titles and descriptions from a 20,000-word Zipf vocabulary); new feedback about a random item, the 5 most likely items, median of {runs}; p95 {:.1} ms; the item the feedback was written about was among the 5 in {found} of {runs}",
            percentile(&mut times, 0.95)
        ),
    });
    // Themes over 50,000 records.
    eprintln!("importing {FEEDBACK} pieces of feedback ...");
    let csv = feedback::feedback_csv(&vocab, FEEDBACK, 2_000, cli.seed);
    let t = Instant::now();
    let r = app.feedback_import_csv(
        csv.as_bytes(),
        &cairn_app::feedback::FeedbackCsvOptions {
            product: Some("PAY".into()),
            map: vec![],
            source: Some("support".into()),
        },
    )?;
    let import_s = t.elapsed().as_secs_f64();
    let mut times = Vec::new();
    let mut themes = 0;
    let mut members = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let ts = app.feedback_themes(&cairn_app::feedback::ThemeOptions {
            product: Some("PAY".into()),
            ..Default::default()
        })?;
        times.push(t.elapsed().as_secs_f64());
        themes = ts.len();
        members = ts.iter().map(|t| t.feedback.len()).sum::<usize>();
    }
    report.add(Measurement {
        backend: "sqlite",
        name: "feedback_themes_50k",
        value: median(&mut times),
        unit: "s",
        target: Some(10.0),
        detail: format!(
            "{} records about 2,000 topics, read from the store and grouped at the default threshold (0.4), median of 3: {themes} themes holding {members} records; importing them from CSV took {import_s:.1} s",
            r.added.len()
        ),
    });
    if !cli.keep {
        drop(app);
        remove_sqlite(&path)?;
    }
    Ok(())
}

fn quality_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    const ITEMS: usize = 2_000;
    let path = cli.dir.join(format!("cairn-bench-quality-{}.db", cli.seed));
    remove_sqlite(&path)?;
    let url = format!("sqlite:{}", path.display());
    let mut app = App::open(&url, "bench")?;
    app.init()?;
    app.product_add("PAY", "Payments")?;
    let mut keys = Vec::new();
    for n in 0..ITEMS {
        let it = app.item_add(
            cairn_app::NewItem {
                kind: Some(cairn_core::Kind::Story),
                title: format!("As a merchant, I want refunds case {n}, so that money flows"),
                ..cairn_app::NewItem::default()
            },
            None,
        )?;
        keys.push(it.key.to_string());
    }
    let (xml, cases) = quality::junit_report(cli.seed, 1 << 20, &keys);
    let import = |build: String| cairn_app::evidence::EvidenceImport {
        product: None,
        build,
        files: vec![cairn_app::evidence::ReportFile {
            name: "TEST-bench.xml".into(),
            text: xml.clone(),
        }],
        skip_unknown_keys: false,
    };
    // The first import also creates every test and link; later builds
    // only add results.
    let t = Instant::now();
    let first = app.evidence_import(&import("1".into()))?;
    let first_s = t.elapsed().as_secs_f64();
    let mut times = Vec::new();
    for b in 2..=6 {
        let t = Instant::now();
        app.evidence_import(&import(b.to_string()))?;
        times.push(t.elapsed().as_secs_f64());
    }
    report.add(Measurement {
        backend: "sqlite",
        name: "junit_import_1mb",
        value: median(&mut times) * 1000.0,
        unit: "ms",
        target: Some(200.0),
        detail: format!(
            "{} bytes, {cases} test cases ({} failed, {} skipped), {} linked to {ITEMS} items by key; a new build of known tests, parse and store, median of 5; the first import (creating the tests and links) took {:.0} ms",
            xml.len(),
            first.results.failed,
            first.results.skipped,
            first.links_added.len(),
            first_s * 1000.0
        ),
    });
    if !cli.keep {
        drop(app);
        remove_sqlite(&path)?;
    }
    trace_matrix_bench(cli, report)
}

/// The trace matrix over 50,000 requirements, 100,000 stories that
/// implement them (100,000 links) and 100,000 tests that verify the
/// stories (100,000 more links), each with a result.
fn trace_matrix_bench(cli: &Cli, report: &mut Report) -> Result<()> {
    const REQS: i64 = 50_000;
    const STORIES: i64 = 100_000;
    let path = cli.dir.join(format!("cairn-bench-trace-{}.db", cli.seed));
    remove_sqlite(&path)?;
    let url = format!("sqlite:{}", path.display());
    let clock = std::sync::Arc::new(cairn_app::SimClock::new(generate::END));
    let mut app = App::open_with_clock(&url, "bench", Box::new(clock.clone()))?;
    app.init()?;
    app.product_add("PAY", "Payments")?;
    let t = Instant::now();
    let (items, links) = quality::trace_items(REQS, STORIES, generate::END);
    let st = app.store();
    st.begin()?;
    st.bulk_begin()?;
    st.bulk_items(&items)?;
    st.bulk_links(&links)?;
    st.bulk_end()?;
    st.commit()?;
    let keys: Vec<String> = items
        .iter()
        .filter(|i| i.kind == cairn_core::Kind::Story)
        .map(|i| i.key.to_string())
        .collect();
    let (xml, cases) = quality::junit_per_key(cli.seed, &keys);
    let imported = app.evidence_import(&cairn_app::evidence::EvidenceImport {
        product: None,
        build: "1".into(),
        files: vec![cairn_app::evidence::ReportFile {
            name: "TEST-all.xml".into(),
            text: xml,
        }],
        skip_unknown_keys: false,
    })?;
    eprintln!(
        "trace data: {} items, {} links, {cases} tests ({} links) in {:.1} s",
        items.len(),
        links.len(),
        imported.links_added.len(),
        t.elapsed().as_secs_f64()
    );
    if cli.trace {
        let st = app.store();
        let t = Instant::now();
        st.trace_nodes("PAY")?;
        eprintln!("trace nodes: {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        st.implements_pairs("PAY")?;
        eprintln!("implements links: {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        st.test_link_pairs("PAY")?;
        eprintln!("test links: {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        st.latest_results("PAY")?;
        eprintln!("latest results: {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        st.test_case_ids("PAY")?;
        eprintln!("test names: {:.3} s", t.elapsed().as_secs_f64());
    }
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let m = app.trace_matrix(&cairn_app::trace::TraceRequest::default())?;
        times.push(t.elapsed().as_secs_f64());
        last = Some(m);
    }
    let m = last.ok_or_else(|| anyhow!("no matrix was made"))?;
    report.add(Measurement {
        backend: "sqlite",
        name: "trace_matrix_50k",
        value: median(&mut times),
        unit: "s",
        target: Some(2.0),
        detail: format!(
            "{} requirements, {} links ({} implements, {} test links), {} test results; {} verified, {} failing, {} partly verified; {} gaps; median of 3",
            m.summary.requirements,
            links.len() + imported.links_added.len(),
            links.len(),
            imported.links_added.len(),
            imported.results.total(),
            m.summary.verified,
            m.summary.failing,
            m.summary.partly,
            m.gaps.len()
        ),
    });
    if !cli.keep {
        drop(app);
        remove_sqlite(&path)?;
    }
    Ok(())
}

// ---- the import child -------------------------------------------------

struct ChildResult {
    elapsed_s: f64,
    vmhwm_kib: u64,
    items: u64,
    links: u64,
    audit_entries: u64,
}

fn run_import_child(url: &str, dump: &Path, trace: bool) -> Result<ChildResult> {
    let exe = std::env::current_exe()
        .context("cannot find the cairn-bench executable to run the import child")?;
    let mut cmd = Command::new(exe);
    cmd.arg("import-child")
        .arg("--url")
        .arg(url)
        .arg("--file")
        .arg(dump);
    if trace {
        cmd.arg("--trace");
    }
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start the import child process")?;
    if !out.status.success() {
        bail!(
            "the import child failed ({}); its error is above",
            out.status
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .last()
        .ok_or_else(|| anyhow!("the import child printed nothing"))?;
    let v: serde_json::Value = serde_json::from_str(line)
        .with_context(|| format!("the import child printed `{line}`, not JSON"))?;
    let num = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| anyhow!("the import child's JSON lacks {k}"))
    };
    Ok(ChildResult {
        elapsed_s: v
            .get("elapsed_s")
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| anyhow!("no elapsed_s"))?,
        vmhwm_kib: num("vmhwm_kib")?,
        items: num("items")?,
        links: num("links")?,
        audit_entries: num("audit_entries")?,
    })
}

/// Peak resident set size of this process, in KiB.
fn vmhwm_kib() -> Result<u64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("/proc/self/status has no VmHWM line"))
}

fn import_child(url: &str, file: &Path, trace: bool) -> Result<()> {
    let mut app = App::open(url, "bench").with_context(|| format!("cannot open {url}"))?;
    let f = std::fs::File::open(file)
        .with_context(|| format!("cannot open the dump {}", file.display()))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let t = Instant::now();
    let mut bucket = 0;
    let mut progress = |line: u64| {
        if !trace {
            return;
        }
        if line == u64::MAX {
            eprintln!(
                "  import: committed and analysed at {:.1} s",
                t.elapsed().as_secs_f64()
            );
        } else if line / 250_000 > bucket {
            bucket = line / 250_000;
            eprintln!(
                "  import: dump line {line} at {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
    };
    let s = app.import_dump(&mut r, &mut progress)?;
    let elapsed = t.elapsed().as_secs_f64();
    let line = json!({
        "elapsed_s": elapsed,
        "vmhwm_kib": vmhwm_kib()?,
        "items": s.items,
        "links": s.links,
        "audit_entries": s.audit_entries,
    });
    println!("{line}");
    Ok(())
}

// ---- database set-up --------------------------------------------------

fn remove_sqlite(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    Ok(())
}

fn pg_admin(url: &str) -> Result<postgres::Client> {
    postgres::Client::connect(url, postgres::NoTls).with_context(|| {
        format!(
            "cannot connect to PostgreSQL at {}; start it or pass --pg-url (or run with --backend sqlite)",
            cairn_store::postgres::redact(url)
        )
    })
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| anyhow!("--pg-url {url} is not a postgres:// URL"))?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    let mut out = format!("{scheme}://{authority}/{db}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

pub(crate) fn drop_pg_database(admin_url: &str) -> Result<()> {
    let mut c = pg_admin(admin_url)?;
    let sql = format!("DROP DATABASE IF EXISTS {PG_DATABASE}");
    if c.batch_execute(&format!("{sql} WITH (FORCE)")).is_err() {
        c.batch_execute(&sql)
            .with_context(|| format!("cannot drop the database {PG_DATABASE}"))?;
    }
    Ok(())
}

/// Drop and create the benchmark database; returns its URL.
pub(crate) fn fresh_pg_database(admin_url: &str) -> Result<String> {
    drop_pg_database(admin_url)?;
    let mut c = pg_admin(admin_url)?;
    c.batch_execute(&format!("CREATE DATABASE {PG_DATABASE}"))
        .with_context(|| format!("cannot create the database {PG_DATABASE}"))?;
    with_database(admin_url, PG_DATABASE)
}

// ---- the server suite ---------------------------------------------------

fn server_suite(cli: &Cli, report: &mut Report) -> Result<()> {
    let path = cli
        .dir
        .join(format!("cairn-bench-server-{}-{}.db", cli.seed, cli.items));
    let url = format!("sqlite:{}", path.display());
    if !(cli.reuse && path.exists()) {
        remove_sqlite(&path)?;
        let dump = cli.dir.join(format!(
            "cairn-bench-{}-{}-{}.jsonl",
            cli.seed, cli.items, cli.links
        ));
        eprintln!("generating {} ...", dump.display());
        let g = generate::write_dump(&dump, cli.seed, cli.items, cli.links)?;
        eprintln!("importing {} items ...", g.items);
        let child = run_import_child(&url, &dump, cli.trace)?;
        let _ = std::fs::remove_file(&dump);
        eprintln!("imported in {:.1} s", child.elapsed_s);
    } else {
        eprintln!("reusing {}", path.display());
    }
    let password = "bench password 123";
    let token = server::prepare(&url, password)?;
    let srv = server::start(&url, 8)?;
    eprintln!("serving on {}", srv.base);
    let cookie = server::sign_in(&srv.base, password)?;
    let bearer = format!("Bearer {token}");
    let items = cli.items.max(1);

    // Warm up the connections and the page cache a little.
    let _ = server::sequential(
        &srv.base,
        ("Authorization", &bearer),
        "/api/v1/items/BEN-1",
        50,
    )?;

    // 1. GET one item at 1,000 requests a second for 10 s.
    let seed = cli.seed;
    let key_path: std::sync::Arc<dyn Fn(u64) -> String + Send + Sync> =
        std::sync::Arc::new(move |i: u64| {
            let n = (i.wrapping_mul(2_654_435_761).wrapping_add(seed)) % items + 1;
            format!("/api/v1/items/BEN-{n}")
        });
    let (mut lat, mut st, failed) = server::open_loop(&srv.base, &token, 1_000, 10, 16, key_path);
    let n = lat.len();
    let p50 = server::percentile(&mut lat, 50.0);
    let p99 = server::percentile(&mut lat, 99.0);
    let p999 = server::percentile(&mut lat, 99.9);
    let s99 = server::percentile(&mut st, 99.0);
    report.add(Measurement {
        backend: "sqlite",
        name: "server_get_item_p99",
        value: p99,
        unit: "ms",
        target: Some(10.0),
        detail: format!(
            "{n} GET /api/v1/items/KEY at 1,000/s for 10 s (open loop, 16 client threads, keep-alive), random keys of {items}; p50 {p50:.2} ms, p99.9 {p999:.2} ms; server time p99 {s99:.2} ms; {failed} not 200"
        ),
    });

    // 2. The query API's first page.
    let q = "/api/v1/items?q=category%20!%3D%20done%20AND%20label%20%3D%20%22payments%22%20ORDER%20BY%20rank&limit=50";
    let (mut lat, mut st, bytes) =
        server::sequential(&srv.base, ("Authorization", &bearer), q, 200)?;
    let p99 = server::percentile(&mut lat, 99.0);
    let sp50 = server::percentile(&mut st, 50.0);
    report.add(Measurement {
        backend: "sqlite",
        name: "server_query_first_page_p99",
        value: p99,
        unit: "ms",
        target: Some(50.0),
        detail: format!(
            "200 GET /api/v1/items?q=category != done AND label = \"payments\" ORDER BY rank&limit=50 (the page and whether there is a next one), sequential; server median {sp50:.2} ms; {bytes} bytes"
        ),
    });
    let qt = format!("{q}&total=true");
    let (mut lat, mut st, _) = server::sequential(&srv.base, ("Authorization", &bearer), &qt, 100)?;
    let p99 = server::percentile(&mut lat, 99.0);
    let sp50 = server::percentile(&mut st, 50.0);
    report.add(Measurement {
        backend: "sqlite",
        name: "server_query_with_total_p99",
        value: p99,
        unit: "ms",
        target: None,
        detail: format!(
            "the same with total=true (matches counted up to 500), 100 sequential; server median {sp50:.2} ms"
        ),
    });

    // 3. The backlog page, 100 rows of the million-item product.
    let (mut lat, mut st, bytes) =
        server::sequential(&srv.base, ("Cookie", &cookie), "/backlog?product=BEN", 100)?;
    let s50 = server::percentile(&mut st, 50.0);
    let s99 = server::percentile(&mut st, 99.0);
    let c50 = server::percentile(&mut lat, 50.0);
    report.add(Measurement {
        backend: "sqlite",
        name: "server_backlog_page",
        value: s50,
        unit: "ms",
        target: Some(30.0),
        detail: format!(
            "GET /backlog (100 rows of the open backlog of a 1,000,000-item product, with its count), server time median of 100; p99 {s99:.2} ms; client median {c50:.2} ms; {bytes} bytes"
        ),
    });

    // 4. The board of a product with 2,000 cards.
    let (mut lat, mut st, bytes) =
        server::sequential(&srv.base, ("Cookie", &cookie), "/board?product=BRD", 50)?;
    let s50 = server::percentile(&mut st, 50.0);
    let s99 = server::percentile(&mut st, 99.0);
    let c50 = server::percentile(&mut lat, 50.0);
    report.add(Measurement {
        backend: "sqlite",
        name: "server_board_page",
        value: s50,
        unit: "ms",
        target: Some(100.0),
        detail: format!(
            "GET /board of a product with 2,000 cards in 5 columns (first 50 per column, the rest on demand), server time median of 50; p99 {s99:.2} ms; client median {c50:.2} ms; {bytes} bytes"
        ),
    });
    drop(srv);
    if !cli.keep {
        remove_sqlite(&path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x").unwrap(),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x").unwrap(),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://h:5432", "x").unwrap(),
            "postgresql://h:5432/x"
        );
    }

    #[test]
    fn percentiles() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(median(&mut v), 3.0);
        assert_eq!(percentile(&mut v, 0.95), 5.0);
    }
}
