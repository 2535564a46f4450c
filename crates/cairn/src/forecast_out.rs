//! Output of `cairn forecast` and `cairn plan`: tables, JSON, CSV, and the
//! SVG charts behind `--chart`.

use crate::cli::Format;
use crate::output::{csv_out, json, line, short, table};
use cairn_app::forecast::{
    Band, Basis, CutItem, CutLineReport, FlowReport, GroupOut, HowManyReport, LevelOut,
    ScenarioOut, WhenReport,
};
use cairn_app::plan::{CriticalPathReport, SprintPlanReport};
use cairn_core::calendar::parse_date;
use chrono::Datelike;
use std::io::Write;

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn items(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn pace_line(b: &Basis) -> String {
    let p = &b.pace;
    let pace = if p.source == "estimate" {
        match p.likely {
            Some(m) => format!(
                "an estimate of {} / {} / {} items a week (low / most likely / high)",
                num(p.low.unwrap_or(0.0)),
                num(m),
                num(p.high.unwrap_or(0.0))
            ),
            None => format!(
                "an estimate of {} to {} items a week",
                num(p.low.unwrap_or(0.0)),
                num(p.high.unwrap_or(0.0))
            ),
        }
    } else {
        format!(
            "{} items delivered over {} working days, {} to {} ({:.2} a day)",
            p.delivered.unwrap_or(0),
            p.working_days.unwrap_or(0),
            p.from.as_deref().unwrap_or(""),
            p.to.as_deref().unwrap_or(""),
            p.mean
        )
    };
    format!(
        "Pace: {pace}\nStart {}, {} trials, seed {} (rerun with --seed {} for the same forecast)",
        b.start, b.trials, b.seed, b.seed
    )
}

fn unit_short(b: &Basis, n: u32) -> String {
    if b.pace.unit == "weeks" {
        format!("{n} week{}", if n == 1 { "" } else { "s" })
    } else {
        format!("{n} working day{}", if n == 1 { "" } else { "s" })
    }
}

fn when_cell(b: &Basis, l: &LevelOut) -> String {
    if l.beyond {
        return format!("after {} (beyond the horizon)", l.date);
    }
    format!("{} · {} ±{}", l.date, unit_short(b, l.periods), l.error)
}

fn scenario_table(
    o: &mut dyn Write,
    scenarios: &[ScenarioOut],
    cell: impl Fn(&LevelOut) -> String,
) {
    let mut headers = vec!["confidence".to_string()];
    headers.extend(scenarios.iter().map(|s| s.label.clone()));
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = table(&h);
    let levels = scenarios.first().map(|s| s.levels.len()).unwrap_or(0);
    for i in 0..levels {
        let mut row = vec![format!("{} %", scenarios[0].levels[i].level)];
        row.extend(scenarios.iter().map(|s| cell(&s.levels[i])));
        t.add_row(row);
    }
    line(o, &t.to_string());
}

fn scenario_csv(o: &mut dyn Write, scenarios: &[ScenarioOut]) {
    csv_out(
        o,
        &[
            "scenario", "level", "periods", "date", "items", "error", "beyond",
        ],
        scenarios
            .iter()
            .flat_map(|s| {
                s.levels.iter().map(|l| {
                    vec![
                        s.label.clone(),
                        l.level.to_string(),
                        l.periods.to_string(),
                        l.date.clone(),
                        l.items.map(|i| i.to_string()).unwrap_or_default(),
                        l.error.to_string(),
                        l.beyond.to_string(),
                    ]
                })
            })
            .collect(),
    );
}

pub fn when(o: &mut dyn Write, f: Format, r: &WhenReport) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => scenario_csv(o, &r.scenarios),
        Format::Table => {
            line(
                o,
                &format!("When will {} in {} be done?", r.scope, r.basis.product),
            );
            line(o, &pace_line(&r.basis));
            scenario_table(o, &r.scenarios, |l| when_cell(&r.basis, l));
            line(
                o,
                "Each date is done in that share of trials; ± is the sampling error (95 % confidence).",
            );
        }
    }
}

pub fn how_many(o: &mut dyn Write, f: Format, r: &HowManyReport) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => scenario_csv(o, &r.scenarios),
        Format::Table => {
            line(
                o,
                &format!(
                    "How many items of {} will be done by {} ({})?",
                    r.basis.product,
                    r.date,
                    unit_short(&r.basis, r.periods)
                ),
            );
            line(o, &pace_line(&r.basis));
            scenario_table(o, &r.scenarios, |l| {
                format!("at least {} items ±{}", l.items.unwrap_or(0), l.error)
            });
            line(
                o,
                "Each count is reached in at least that share of trials; ± is the sampling error (95 % confidence).",
            );
        }
    }
}

pub fn flow(o: &mut dyn Write, f: Format, r: &FlowReport) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &["date", "delivered"],
            r.throughput
                .iter()
                .map(|(d, n)| vec![d.clone(), n.to_string()])
                .collect(),
        ),
        Format::Table => {
            line(
                o,
                &format!(
                    "Flow of {} from {} to {} ({} working days)",
                    r.product, r.from, r.to, r.working_days
                ),
            );
            line(
                o,
                &format!(
                    "Delivered: {} items, {:.2} a working day",
                    r.delivered, r.mean_per_day
                ),
            );
            if r.cycle_percentiles.is_empty() {
                line(
                    o,
                    "Cycle time: no delivered item in the window has a start date",
                );
            } else {
                let ps: Vec<String> = r
                    .cycle_percentiles
                    .iter()
                    .map(|(l, d)| format!("{l} %: {d} days"))
                    .collect();
                line(
                    o,
                    &format!(
                        "Cycle time (start to done, calendar days, {} items): {}",
                        r.cycle_times.len(),
                        ps.join(" · ")
                    ),
                );
            }
            // Weekly totals keep the table short; --format csv gives each day.
            let mut t = table(&["week of", "delivered", ""]);
            let mut weeks: Vec<(String, u32)> = Vec::new();
            for (d, n) in &r.throughput {
                let monday = parse_date(d)
                    .map(|x| x - chrono::Days::new(u64::from(x.weekday().num_days_from_monday())))
                    .map(|x| x.to_string())
                    .unwrap_or_default();
                match weeks.last_mut() {
                    Some((w, c)) if *w == monday => *c += n,
                    _ => weeks.push((monday, *n)),
                }
            }
            for (w, n) in &weeks {
                t.add_row(vec![w.clone(), n.to_string(), "▇".repeat(*n as usize)]);
            }
            line(o, &t.to_string());
            if r.wip.is_empty() {
                line(o, "Work in progress: none");
            } else {
                line(
                    o,
                    &format!("Work in progress ({}, oldest first):", items(r.wip.len())),
                );
                let mut t = table(&["key", "state", "age (days)", "", "title"]);
                for w in &r.wip {
                    t.add_row(vec![
                        w.key.clone(),
                        w.state.clone(),
                        w.age.to_string(),
                        if w.past_85th {
                            "older than 85 % of finished items".into()
                        } else {
                            String::new()
                        },
                        short(&w.title, 50),
                    ]);
                }
                line(o, &t.to_string());
            }
        }
    }
}

fn band_title(b: Band) -> &'static str {
    match b {
        Band::Likely => "Likely (at least 85 % of trials)",
        Band::CoinFlip => "Coin flips (15–85 %)",
        Band::Unlikely => "Unlikely (15 % or less)",
    }
}

fn group_table(o: &mut dyn Write, title: &str, groups: &[GroupOut], release: bool, start: &str) {
    if groups.is_empty() {
        return;
    }
    line(o, title);
    let headers: &[&str] = if release {
        &[
            "release",
            "open",
            "P50",
            "P85",
            "by target date",
            "release target",
            "on track",
        ]
    } else {
        &["epic", "open", "P50", "P85", "by target date", "title"]
    };
    let mut t = table(headers);
    for g in groups {
        let mut row = vec![
            g.name.clone(),
            g.open_items.to_string(),
            g.p50.clone().unwrap_or_else(|| "beyond".into()),
            g.p85.clone().unwrap_or_else(|| "beyond".into()),
            pct(g.chance),
        ];
        if release {
            row.push(g.target_date.clone().unwrap_or_else(|| "—".into()));
            row.push(match g.on_track {
                _ if g.target_date.as_deref().is_some_and(|t| t < start) => "overdue".into(),
                Some(true) => "yes".into(),
                Some(false) => "at risk".into(),
                None => "—".into(),
            });
        } else {
            row.push(short(&g.title, 40));
        }
        t.add_row(row);
    }
    line(o, &t.to_string());
}

pub fn cut_line(o: &mut dyn Write, f: Format, r: &CutLineReport, limit: usize) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &[
                "position", "key", "kind", "state", "chance", "band", "p50", "p85", "title",
            ],
            r.items
                .iter()
                .map(|i| {
                    vec![
                        i.position.to_string(),
                        i.key.to_string(),
                        i.kind.to_string(),
                        i.state.clone(),
                        format!("{:.3}", i.chance),
                        i.band.as_str().into(),
                        i.p50.clone().unwrap_or_default(),
                        i.p85.clone().unwrap_or_default(),
                        i.title.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            line(
                o,
                &format!(
                    "Cut line for {}: {} open items of {} in the order the team pulls them{}",
                    r.target,
                    r.items.len(),
                    r.basis.product,
                    if r.scenario == "as planned" {
                        String::new()
                    } else {
                        format!(", what if {}", r.scenario)
                    }
                ),
            );
            line(o, &pace_line(&r.basis));
            let shown = if limit == 0 { r.items.len() } else { limit };
            for band in [Band::Likely, Band::CoinFlip, Band::Unlikely] {
                let list: Vec<&CutItem> = r.items.iter().filter(|i| i.band == band).collect();
                line(o, &format!("{}: {}", band_title(band), items(list.len())));
                if list.is_empty() {
                    continue;
                }
                let mut t = table(&["#", "key", "kind", "chance", "P50", "P85", "title"]);
                for i in list.iter().take(shown) {
                    t.add_row(vec![
                        i.position.to_string(),
                        i.key.to_string(),
                        i.kind.to_string(),
                        pct(i.chance),
                        i.p50.clone().unwrap_or_else(|| "beyond".into()),
                        i.p85.clone().unwrap_or_else(|| "beyond".into()),
                        short(&i.title, 50),
                    ]);
                }
                line(o, &t.to_string());
                if list.len() > shown {
                    line(
                        o,
                        &format!("… and {} more (--limit 0 shows all)", list.len() - shown),
                    );
                }
            }
            group_table(o, "Epics:", &r.epics, false, &r.basis.start);
            group_table(o, "Releases:", &r.releases, true, &r.basis.start);
            for w in &r.warnings {
                line(o, &format!("warning: {w}"));
            }
        }
    }
}

pub fn sprints(o: &mut dyn Write, f: Format, r: &SprintPlanReport) {
    let unit = r.unit.as_str();
    match f {
        Format::Json => json(o, r),
        Format::Csv => {
            let mut rows: Vec<Vec<String>> = Vec::new();
            for s in &r.sprints {
                for i in &s.items {
                    rows.push(vec![
                        s.number.to_string(),
                        s.start.clone(),
                        s.end.clone(),
                        i.key.to_string(),
                        i.size.map(num).unwrap_or_default(),
                        String::new(),
                        i.title.clone(),
                    ]);
                }
            }
            for n in &r.not_planned {
                rows.push(vec![
                    String::new(),
                    String::new(),
                    String::new(),
                    n.key.to_string(),
                    n.size.map(num).unwrap_or_default(),
                    n.reason.into(),
                    n.title.clone(),
                ]);
            }
            csv_out(
                o,
                &[
                    "sprint",
                    "start",
                    "end",
                    "key",
                    "size",
                    "not_planned",
                    "title",
                ],
                rows,
            );
        }
        Format::Table => {
            if let Some(rel) = &r.release {
                line(
                    o,
                    &format!(
                        "Release {rel} of {}{}",
                        r.product,
                        r.release_target
                            .as_ref()
                            .map(|t| format!(", target {t}"))
                            .unwrap_or_default()
                    ),
                );
            }
            for s in &r.sprints {
                line(
                    o,
                    &format!(
                        "Sprint {} · {} to {} · {} of {} {unit}",
                        s.number,
                        s.start,
                        s.end,
                        num(s.used),
                        num(s.capacity)
                    ),
                );
                if s.items.is_empty() {
                    line(o, "  (nothing fits)");
                }
                for i in &s.items {
                    line(
                        o,
                        &format!(
                            "  {:<10} {:<6} {:>4}  {}",
                            i.key.to_string(),
                            i.kind.to_string(),
                            i.size.map(num).unwrap_or_default(),
                            short(&i.title, 60)
                        ),
                    );
                }
            }
            if r.not_planned.is_empty() {
                line(o, "Everything in scope fits.");
            } else {
                line(
                    o,
                    &format!("Does not fit ({}):", items(r.not_planned.len())),
                );
                let mut t = table(&["key", "size", "why", "title"]);
                for n in &r.not_planned {
                    t.add_row(vec![
                        n.key.to_string(),
                        n.size.map(num).unwrap_or_default(),
                        n.detail.clone(),
                        short(&n.title, 40),
                    ]);
                }
                line(o, &t.to_string());
            }
            match r.fits {
                Some(true) => line(o, "The release fits."),
                Some(false) => line(
                    o,
                    "The release does not fit: cut scope, add sprints, or move the date.",
                ),
                None => {}
            }
        }
    }
}

pub fn critical_path(o: &mut dyn Write, f: Format, r: &CriticalPathReport) {
    match f {
        Format::Json => json(o, r),
        Format::Csv => csv_out(
            o,
            &[
                "key",
                "estimate",
                "earliest_start",
                "earliest_finish",
                "latest_start",
                "latest_finish",
                "slack",
                "critical",
                "title",
            ],
            r.items
                .iter()
                .map(|i| {
                    vec![
                        i.key.to_string(),
                        num(i.estimate),
                        num(i.earliest_start),
                        num(i.earliest_finish),
                        num(i.latest_start),
                        num(i.latest_finish),
                        num(i.slack),
                        i.critical.to_string(),
                        i.title.clone(),
                    ]
                })
                .collect(),
        ),
        Format::Table => {
            let path: Vec<String> = r.path.iter().map(ToString::to_string).collect();
            line(
                o,
                &format!(
                    "Critical path of {}: {} estimate units over {} items: {}",
                    r.product,
                    num(r.length),
                    path.len(),
                    path.join(" → ")
                ),
            );
            line(
                o,
                "Times are in estimate units from the start, with everything unblocked worked at once; slack is how far an item can slip without moving the end.",
            );
            let mut t = table(&[
                "key",
                "estimate",
                "start",
                "finish",
                "latest start",
                "slack",
                "",
                "title",
            ]);
            for i in &r.items {
                t.add_row(vec![
                    i.key.to_string(),
                    num(i.estimate),
                    num(i.earliest_start),
                    num(i.earliest_finish),
                    num(i.latest_start),
                    num(i.slack),
                    if i.critical {
                        "critical".into()
                    } else {
                        String::new()
                    },
                    short(&i.title, 40),
                ]);
            }
            line(o, &t.to_string());
            for w in &r.warnings {
                line(o, &format!("warning: {w}"));
            }
        }
    }
}

pub use cairn_app::charts::{
    burn_up_chart, cfd_chart, cycle_chart, how_many_chart, throughput_chart, when_chart,
};
