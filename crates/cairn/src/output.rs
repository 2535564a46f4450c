//! Human tables, JSON (stable field names, documented in docs/cli.md) and CSV.

use crate::cli::Format;
use cairn_app::check::Finding;
use cairn_app::csv_import::CsvReport;
use cairn_app::demo::DemoSummary;
use cairn_app::dump::ImportSummary;
use cairn_app::items::{ItemView, QueryResult};
use cairn_app::kano::KanoReport;
use cairn_app::rank::{ApplyOutcome, Explanation, RankReport, RankedItem};
use cairn_app::workspace::VerifyReport;
use cairn_core::{AuditEntry, Goal, Item, Person, Product, Release, format_millis};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use serde::Serialize;
use std::io::Write;

pub use cairn_app::wire::{ItemOut, item_out};

pub fn line(o: &mut dyn Write, s: &str) {
    let _ = writeln!(o, "{s}");
}

pub fn raw(o: &mut dyn Write, s: &str) {
    let _ = write!(o, "{s}");
}

pub(crate) fn json(o: &mut dyn Write, v: &impl Serialize) {
    let _ = serde_json::to_writer_pretty(&mut *o, v);
    let _ = writeln!(o);
}

pub(crate) fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_BORDERS_ONLY);
    t.set_header(headers.to_vec());
    t
}

pub(crate) fn csv_out(o: &mut dyn Write, headers: &[&str], rows: Vec<Vec<String>>) {
    let mut w = csv::Writer::from_writer(o);
    let _ = w.write_record(headers);
    for r in rows {
        let _ = w.write_record(&r);
    }
    let _ = w.flush();
}

pub(crate) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn est(e: Option<f64>) -> String {
    e.map(|x| x.to_string()).unwrap_or_default()
}

const ITEM_CSV: &[&str] = &[
    "key", "kind", "state", "category", "title", "assignee", "estimate", "labels", "parent",
    "release", "rank", "created", "updated", "resolved",
];

fn item_csv_row(i: &Item) -> Vec<String> {
    vec![
        i.key.to_string(),
        i.kind.to_string(),
        i.state.clone(),
        i.category.to_string(),
        i.title.clone(),
        i.assignee.clone().unwrap_or_default(),
        est(i.estimate),
        i.labels.join(";"),
        i.parent
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        i.release.clone().unwrap_or_default(),
        i.rank.clone(),
        format_millis(i.created),
        format_millis(i.updated),
        i.resolved.map(format_millis).unwrap_or_default(),
    ]
}

pub fn query(o: &mut dyn Write, f: Format, r: &QueryResult) {
    match f {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                total: u64,
                offset: usize,
                items: Vec<ItemOut<'a>>,
            }
            json(
                o,
                &Out {
                    total: r.total,
                    offset: r.offset,
                    items: r.items.iter().map(item_out).collect(),
                },
            );
        }
        Format::Csv => csv_out(o, ITEM_CSV, r.items.iter().map(item_csv_row).collect()),
        Format::Table => {
            let mut t = table(&["KEY", "KIND", "STATE", "EST", "ASSIGNEE", "TITLE"]);
            for i in &r.items {
                t.add_row(vec![
                    i.key.to_string(),
                    i.kind.to_string(),
                    i.state.clone(),
                    est(i.estimate),
                    i.assignee.clone().unwrap_or_default(),
                    short(&i.title, 70),
                ]);
            }
            let _ = writeln!(o, "{t}");
            let shown = r.items.len();
            let _ = if (r.total as usize) > r.offset + shown {
                writeln!(
                    o,
                    "{}–{} of {} items (next page: --offset {})",
                    r.offset + 1,
                    r.offset + shown,
                    r.total,
                    r.offset + shown
                )
            } else {
                writeln!(o, "{} item(s)", r.total)
            };
        }
    }
}

pub fn item_written(o: &mut dyn Write, f: Format, i: &Item, verb: &str) {
    match f {
        Format::Json => json(o, &item_out(i)),
        Format::Csv => csv_out(o, ITEM_CSV, vec![item_csv_row(i)]),
        Format::Table => line(
            o,
            &format!(
                "{verb} {} ({}, {}, version {}): {}",
                i.key, i.kind, i.state, i.version, i.title
            ),
        ),
    }
}

pub fn item_view(o: &mut dyn Write, f: Format, v: &ItemView) {
    let i = &v.item;
    match f {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                #[serde(flatten)]
                item: ItemOut<'a>,
                links: &'a [cairn_core::LinkEnd],
                children: Vec<String>,
            }
            json(
                o,
                &Out {
                    item: item_out(i),
                    links: &v.links,
                    children: v.children.iter().map(ToString::to_string).collect(),
                },
            );
        }
        Format::Csv => csv_out(o, ITEM_CSV, vec![item_csv_row(i)]),
        Format::Table => {
            let _ = writeln!(o, "{}  {}", i.key, i.title);
            let mut t = Table::new();
            t.load_style(comfy_table::presets::NOTHING);
            let mut row = |k: &str, v: String| {
                if !v.is_empty() {
                    t.add_row(vec![k.to_string(), v]);
                }
            };
            row("kind", i.kind.to_string());
            row("state", format!("{} ({})", i.state, i.category));
            row("assignee", i.assignee.clone().unwrap_or_default());
            row("estimate", est(i.estimate));
            row("labels", i.labels.join(", "));
            row(
                "parent",
                i.parent
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            );
            row("release", i.release.clone().unwrap_or_default());
            row("goals", i.goals.join(", "));
            for (k, v) in &i.fields {
                row(k, v.to_string());
            }
            row("created", format_millis(i.created));
            row("updated", format_millis(i.updated));
            row(
                "resolved",
                i.resolved.map(format_millis).unwrap_or_default(),
            );
            row("rank", i.rank.clone());
            row("version", i.version.to_string());
            let _ = writeln!(o, "{t}");
            if !i.description.is_empty() {
                let _ = writeln!(o, "\n{}", i.description);
            }
            if !i.acceptance.is_empty() {
                let _ = writeln!(o, "\nAcceptance criteria:\n{}", i.acceptance);
            }
            if !v.links.is_empty() {
                let _ = writeln!(o, "\nLinks:");
                for l in &v.links {
                    let _ = writeln!(
                        o,
                        "  {} {} ({}): {}",
                        l.relation,
                        l.other,
                        l.other_state,
                        short(&l.other_title, 60)
                    );
                }
            }
            if !v.children.is_empty() {
                let c: Vec<String> = v.children.iter().map(ToString::to_string).collect();
                let _ = writeln!(o, "\nChildren: {}", c.join(", "));
            }
        }
    }
}

pub fn products(o: &mut dyn Write, f: Format, ps: &[Product], quiet: bool) {
    if quiet {
        return;
    }
    match f {
        Format::Json => json(o, &ps),
        Format::Csv => csv_out(
            o,
            &["prefix", "name", "next_number", "created"],
            ps.iter()
                .map(|p| {
                    vec![
                        p.prefix.clone(),
                        p.name.clone(),
                        p.next_number.to_string(),
                        format_millis(p.created),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&["PREFIX", "NAME", "NEXT KEY"]);
            for p in ps {
                t.add_row(vec![
                    p.prefix.clone(),
                    p.name.clone(),
                    format!("{}-{}", p.prefix, p.next_number),
                ]);
            }
            let _ = writeln!(o, "{t}");
        }
    }
}

pub fn people(o: &mut dyn Write, f: Format, ps: &[Person], quiet: bool) {
    if quiet {
        return;
    }
    match f {
        Format::Json => json(o, &ps),
        Format::Csv => csv_out(
            o,
            &["handle", "name", "email"],
            ps.iter()
                .map(|p| {
                    vec![
                        p.handle.clone(),
                        p.name.clone(),
                        p.email.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&["HANDLE", "NAME", "EMAIL"]);
            for p in ps {
                t.add_row(vec![
                    p.handle.clone(),
                    p.name.clone(),
                    p.email.clone().unwrap_or_default(),
                ]);
            }
            let _ = writeln!(o, "{t}");
        }
    }
}

pub fn releases(o: &mut dyn Write, f: Format, rs: &[Release], quiet: bool) {
    if quiet {
        return;
    }
    match f {
        Format::Json => json(o, &rs),
        Format::Csv => csv_out(
            o,
            &["product", "name", "target_date"],
            rs.iter()
                .map(|r| {
                    vec![
                        r.product.clone(),
                        r.name.clone(),
                        r.target_date.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&["PRODUCT", "RELEASE", "TARGET DATE"]);
            for r in rs {
                t.add_row(vec![
                    r.product.clone(),
                    r.name.clone(),
                    r.target_date.clone().unwrap_or_default(),
                ]);
            }
            let _ = writeln!(o, "{t}");
        }
    }
}

pub fn goals(o: &mut dyn Write, f: Format, gs: &[Goal], quiet: bool) {
    if quiet {
        return;
    }
    match f {
        Format::Json => json(o, &gs),
        Format::Csv => csv_out(
            o,
            &["goal", "key_result", "target", "current", "unit"],
            gs.iter()
                .flat_map(|g| {
                    g.key_results.iter().map(move |k| {
                        vec![
                            g.name.clone(),
                            k.description.clone(),
                            k.target.to_string(),
                            k.current.to_string(),
                            k.unit.clone().unwrap_or_default(),
                        ]
                    })
                })
                .collect(),
        ),
        Format::Table => {
            for g in gs {
                let _ = writeln!(o, "{}", g.name);
                if !g.description.is_empty() {
                    let _ = writeln!(o, "  {}", g.description);
                }
                for k in &g.key_results {
                    let unit = k.unit.as_deref().unwrap_or("");
                    let _ = writeln!(
                        o,
                        "  - {}: {}{unit} of {}{unit}",
                        k.description, k.current, k.target
                    );
                }
            }
        }
    }
}

pub fn findings(o: &mut dyn Write, f: Format, fs: &[Finding]) {
    match f {
        Format::Json => json(o, &fs),
        Format::Csv => csv_out(
            o,
            &["severity", "code", "message", "keys"],
            fs.iter()
                .map(|x| {
                    vec![
                        x.severity.into(),
                        x.code.into(),
                        x.message.clone(),
                        x.keys.join(";"),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            if fs.is_empty() {
                line(o, "no problems found");
            }
            for x in fs {
                let _ = writeln!(o, "{} [{}] {}", x.severity, x.code, x.message);
            }
        }
    }
}

pub fn history(o: &mut dyn Write, f: Format, es: &[AuditEntry]) {
    match f {
        Format::Json => {
            let v: Vec<_> = es.iter().map(cairn_app::wire::audit_out).collect();
            json(o, &v);
        }
        Format::Csv => {
            let mut rows = Vec::new();
            for e in es {
                for c in e.change_list() {
                    rows.push(vec![
                        e.seq.to_string(),
                        format_millis(e.at),
                        e.actor.clone(),
                        e.action.clone(),
                        e.target.clone(),
                        c.field,
                        value_text(&c.old),
                        value_text(&c.new),
                        e.reason.clone().unwrap_or_default(),
                    ]);
                }
            }
            csv_out(
                o,
                &[
                    "seq", "at", "actor", "action", "target", "field", "old", "new", "reason",
                ],
                rows,
            );
        }
        Format::Table => {
            for e in es {
                let when = format_millis(e.at);
                let other = e
                    .related
                    .as_deref()
                    .map(|r| format!(" → {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "#{} {} {} {} {}{other}",
                    e.seq,
                    &when[..16.min(when.len())].replace('T', " "),
                    e.actor,
                    e.action,
                    e.target
                );
                for c in e.change_list() {
                    let _ = writeln!(
                        o,
                        "    {}: {} → {}",
                        c.field,
                        short(&value_text(&c.old), 60),
                        short(&value_text(&c.new), 60)
                    );
                }
                if let Some(r) = &e.reason {
                    let _ = writeln!(o, "    reason: {r}");
                }
            }
        }
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "∅".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn verify(o: &mut dyn Write, f: Format, r: &VerifyReport) {
    match f {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                ok: bool,
                checked: u64,
                head_seq: i64,
                broken: &'a Option<cairn_core::audit::Break>,
                signatures: u64,
                problems: &'a [String],
                message: &'a str,
            }
            json(
                o,
                &Out {
                    ok: r.ok(),
                    checked: r.checked,
                    head_seq: r.head_seq,
                    broken: &r.broken,
                    signatures: r.signatures,
                    problems: &r.problems,
                    message: &r.message,
                },
            );
        }
        _ => line(o, &r.message),
    }
}

pub fn import_summary(o: &mut dyn Write, f: Format, s: &ImportSummary) {
    match f {
        Format::Json => json(o, s),
        _ => line(
            o,
            &format!(
                "imported {} product(s), {} people, {} release(s), {} goal(s), {} items, {} links, {} audit entries",
                s.products, s.people, s.releases, s.goals, s.items, s.links, s.audit_entries
            ),
        ),
    }
}

pub fn csv_report(o: &mut dyn Write, f: Format, r: &CsvReport, file: &str) {
    match f {
        Format::Json => json(o, r),
        _ => {
            for b in &r.bad {
                eprintln!("{file}:{}: {}", b.line, b.reason);
            }
            if !r.bad.is_empty() && r.imported.is_empty() {
                eprintln!(
                    "{} bad row(s): nothing was imported. Fix them, or pass --skip-bad to import the good rows.",
                    r.bad.len()
                );
            } else {
                let first = r
                    .imported
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let last = r
                    .imported
                    .last()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                line(
                    o,
                    &format!(
                        "imported {} item(s) ({first} … {last}); skipped {} bad row(s)",
                        r.imported.len(),
                        r.bad.len()
                    ),
                );
            }
        }
    }
}

pub fn demo_summary(o: &mut dyn Write, f: Format, s: &DemoSummary, url: &str) {
    match f {
        Format::Json => json(o, s),
        _ => {
            line(
                o,
                &format!(
                    "created demo product {} ({}) at {url}: {} items, {} links, {} goals, {} releases, {} audit entries over {} days (seed {})",
                    s.prefix,
                    s.name,
                    s.items,
                    s.links,
                    s.goals,
                    s.releases,
                    s.audit_entries,
                    s.days,
                    s.seed
                ),
            );
            line(
                o,
                &format!(
                    "try: cairn query 'category != done AND label = payments ORDER BY rank'\n     cairn item show {}-1\n     cairn rank --model rice   (also wsjf, ice, moscow, kano, weighted)\n     cairn rank --explain KEY\n     cairn check",
                    s.prefix
                ),
            );
        }
    }
}

fn score_text(s: Option<f64>) -> String {
    s.map(cairn_engine::score::fmt_num)
        .unwrap_or_else(|| "–".into())
}

fn movement(current: usize, proposed: usize) -> String {
    match current.cmp(&proposed) {
        std::cmp::Ordering::Greater => format!("↑{}", current - proposed),
        std::cmp::Ordering::Less => format!("↓{}", proposed - current),
        std::cmp::Ordering::Equal => "·".into(),
    }
}

fn rank_note(i: &RankedItem) -> String {
    let mut notes = Vec::new();
    if !i.missing.is_empty() {
        notes.push(format!("missing {}", i.missing.join(", ")));
    }
    if let Some(c) = i.needs_spike {
        notes.push(format!(
            "needs a spike ({} %)",
            cairn_engine::score::fmt_num(c)
        ));
    }
    notes.join("; ")
}

pub fn rank(o: &mut dyn Write, f: Format, r: &RankReport, limit: usize) {
    let shown: Vec<&RankedItem> = if limit == 0 {
        r.items.iter().collect()
    } else {
        r.items.iter().take(limit).collect()
    };
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &[
                "position",
                "current_position",
                "key",
                "kind",
                "score",
                "own_score",
                "inherited_from",
                "missing",
                "needs_spike",
                "title",
            ],
            shown
                .iter()
                .map(|i| {
                    vec![
                        i.position.to_string(),
                        i.current_position.to_string(),
                        i.key.to_string(),
                        i.kind.to_string(),
                        i.score.map(|s| s.to_string()).unwrap_or_default(),
                        i.own_score.map(|s| s.to_string()).unwrap_or_default(),
                        i.inherited_from
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        i.missing.join(";"),
                        i.needs_spike.map(|s| s.to_string()).unwrap_or_default(),
                        i.title.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&[
                "#", "KEY", "KIND", "SCORE", "OWN", "VIA", "NOW", "MOVE", "TITLE", "NOTE",
            ]);
            for i in &shown {
                t.add_row(vec![
                    i.position.to_string(),
                    i.key.to_string(),
                    i.kind.to_string(),
                    score_text(i.score),
                    if i.inherited_from.is_some() || i.own_score.is_none() {
                        score_text(i.own_score)
                    } else {
                        String::new()
                    },
                    i.inherited_from
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    i.current_position.to_string(),
                    movement(i.current_position, i.position),
                    short(&i.title, 56),
                    rank_note(i),
                ]);
            }
            let _ = writeln!(o, "{t}");
            let up = r
                .items
                .iter()
                .filter(|i| i.current_position > i.position)
                .count();
            let down = r
                .items
                .iter()
                .filter(|i| i.current_position < i.position)
                .count();
            let unscored = r.unscored().count();
            let _ = writeln!(
                o,
                "{} {} item(s) ranked by {}{}: {up} would move up, {down} down.",
                r.product,
                r.items.len(),
                r.model_title,
                if shown.len() < r.items.len() {
                    format!(" (first {} shown)", shown.len())
                } else {
                    String::new()
                },
            );
            let _ = writeln!(
                o,
                "SCORE is what an item is ordered by: its own score (OWN) or, when higher, the score it inherits from the item it unblocks (VIA)."
            );
            if unscored > 0 {
                let _ = writeln!(
                    o,
                    "{unscored} item(s) lack inputs and are unscored (NOTE names what is missing); they are placed after the scored ones unless they unblock one."
                );
            }
            for c in &r.cycles {
                let path: Vec<String> = c.iter().map(ToString::to_string).collect();
                let _ = writeln!(
                    o,
                    "cycle of blocks links: {} (the links inside it are ignored for ordering; break one with `cairn unlink`)",
                    path.join(" → ")
                );
            }
            for w in &r.warnings {
                let _ = writeln!(o, "warning: {w}");
            }
            if up + down > 0 {
                let _ = writeln!(
                    o,
                    "Explain a place with `cairn rank --model {} --explain KEY`; write this order with `--apply`.",
                    r.model
                );
            }
        }
    }
}

pub fn rank_applied(o: &mut dyn Write, f: Format, r: &ApplyOutcome, quiet: bool) {
    match f {
        Format::Json => json(o, r),
        _ if quiet => {}
        _ => {
            let _ = writeln!(
                o,
                "applied the {} order to {} {} item(s): {} moved, {} already in place",
                r.report.model_title,
                r.report.product,
                r.report.items.len(),
                r.moved,
                r.kept
            );
            for w in &r.report.warnings {
                let _ = writeln!(o, "warning: {w}");
            }
        }
    }
}

pub fn explanation(o: &mut dyn Write, f: Format, e: &Explanation) {
    use cairn_engine::score::fmt_num;
    if f == Format::Json {
        return json(o, e);
    }
    let _ = writeln!(o, "{}  {}", e.key, e.title);
    let _ = writeln!(
        o,
        "{} place {} of {} (now {})",
        e.model_title, e.position, e.total, e.current_position
    );
    let _ = writeln!(o);
    match (&e.formula, e.own_score) {
        (Some(formula), Some(_)) => {
            let _ = writeln!(o, "Own score: {formula}");
            let mut t = Table::new();
            t.load_style(comfy_table::presets::NOTHING);
            for term in &e.terms {
                let mut source = term.source.clone();
                if let Some(n) = &term.note {
                    source = format!("{source}: {n}");
                }
                t.add_row(vec![
                    format!("  {}", term.input),
                    term.value.clone(),
                    term.effect.clone(),
                    source,
                ]);
            }
            let _ = writeln!(o, "{t}");
        }
        _ => {
            let _ = writeln!(
                o,
                "Own score: none. {} is unscored: it lacks {}.",
                e.key,
                e.missing.join(", ")
            );
        }
    }
    if let Some(i) = &e.inherited {
        let path: Vec<String> = i.path.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            o,
            "Inherited: {} from {} \"{}\", which it unblocks ({}). It is ordered by {}.",
            fmt_num(i.score),
            i.from,
            short(&i.from_title, 60),
            path.join(" → "),
            fmt_num(i.score)
        );
    } else if e.own_score.is_some() {
        let _ = writeln!(
            o,
            "Inherited: nothing higher; it is ordered by its own score."
        );
    }
    for (label, n) in [("Above", &e.above), ("Below", &e.below)] {
        let Some(n) = n else {
            let _ = writeln!(
                o,
                "{label}: nothing; it is {}.",
                if label == "Above" { "first" } else { "last" }
            );
            continue;
        };
        let _ = writeln!(
            o,
            "{label}: {} (score {}) {}",
            n.key,
            score_text(n.score),
            short(&n.title, 60)
        );
        if !n.changes.is_empty() {
            let verb = if label == "Above" {
                "to pass it"
            } else {
                "to drop below it"
            };
            let parts: Vec<String> = n
                .changes
                .iter()
                .map(|c| format!("{} {} → {}", c.input, c.from, c.to))
                .collect();
            let _ = writeln!(o, "  {verb}, one of: {}", parts.join("; "));
        }
        if let Some(note) = &n.note {
            let _ = writeln!(o, "  {note}");
        }
    }
    if let Some(s) = &e.needs_spike {
        let _ = writeln!(o, "Flag: {s}");
    }
    if let Some(c) = &e.cycle {
        let path: Vec<String> = c.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            o,
            "Cycle: {} — the blocks links inside it are ignored for ordering.",
            path.join(" → ")
        );
    }
}

pub fn kano(o: &mut dyn Write, f: Format, r: &KanoReport) {
    use cairn_engine::score::fmt_num;
    let opt = |x: Option<f64>| x.map(fmt_num).unwrap_or_else(|| "–".into());
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &[
                "key",
                "class",
                "respondents",
                "must_be",
                "one_dimensional",
                "attractive",
                "indifferent",
                "reverse",
                "questionable",
                "better",
                "worse",
            ],
            r.results
                .iter()
                .map(|x| {
                    let mut row = vec![
                        x.key.to_string(),
                        x.class.clone(),
                        x.respondents.to_string(),
                    ];
                    for c in [
                        "must-be",
                        "one-dimensional",
                        "attractive",
                        "indifferent",
                        "reverse",
                        "questionable",
                    ] {
                        row.push(x.counts.get(c).copied().unwrap_or(0).to_string());
                    }
                    row.push(x.better.map(|v| v.to_string()).unwrap_or_default());
                    row.push(x.worse.map(|v| v.to_string()).unwrap_or_default());
                    row
                })
                .collect(),
        ),
        Format::Table => {
            let mut t = table(&[
                "KEY", "CLASS", "N", "M", "O", "A", "I", "R", "Q", "BETTER", "WORSE", "TITLE",
            ]);
            for x in &r.results {
                let c = |k: &str| x.counts.get(k).copied().unwrap_or(0).to_string();
                t.add_row(vec![
                    x.key.to_string(),
                    x.class.clone(),
                    x.respondents.to_string(),
                    c("must-be"),
                    c("one-dimensional"),
                    c("attractive"),
                    c("indifferent"),
                    c("reverse"),
                    c("questionable"),
                    opt(x.better),
                    opt(x.worse),
                    short(&x.title, 50),
                ]);
            }
            let _ = writeln!(o, "{t}");
            let _ = writeln!(
                o,
                "{} answer pair(s) for {} item(s). M must-be, O one-dimensional, A attractive, I indifferent, R reverse, Q questionable; better = (A+O)/(A+O+M+I), worse = -(O+M)/(A+O+M+I).",
                r.answers,
                r.results.len()
            );
            let _ = if r.applied {
                writeln!(
                    o,
                    "Stored in each item's Kano fields; rank with `cairn rank --model kano`."
                )
            } else {
                writeln!(
                    o,
                    "Nothing stored yet: add --apply to write the classes to the items."
                )
            };
        }
    }
}
