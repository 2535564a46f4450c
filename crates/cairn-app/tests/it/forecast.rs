//! Forecasting and planning: flow history, Monte Carlo *when* and *how
//! many*, the cut line, sprint and release plans and the critical path.
//!
//! Histories are built day by day with the simulated clock, so every
//! number is known in advance: a team that delivers exactly two items
//! every working day finishes nine items on the fifth working day at
//! every confidence level, with no sampling error.

use crate::harness::*;
use cairn_app::Patch;
use cairn_app::forecast::{Band, CutLineReport, ForecastRequest, LevelOut, PaceRequest, WhenScope};
use cairn_app::plan::{CriticalPathRequest, SprintPlanReport, SprintRequest, Unit};
use cairn_core::calendar::date_of;
use cairn_core::{ItemKey, Kind, Millis};
use chrono::NaiveDate;

// ---- helpers ---------------------------------------------------------------

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 10:00 UTC on a date.
fn at(s: &str) -> Millis {
    date(s)
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// Move the clock to a day (never backwards: several events may fall on it).
fn on(fx: &mut Fx, day: &str) {
    fx.set_time(at(day).max(fx.now()));
}

fn set_state(fx: &mut Fx, key: &ItemKey, state: &str) {
    fx.advance(MINUTE);
    let patch = Patch {
        state: Some(state.to_string()),
        ..Patch::default()
    };
    fx.app
        .item_edit(key, patch, None, None)
        .unwrap_or_else(|e| panic!("{key} → {state}: {e}"));
}

/// Add an item with an estimate, parent and release.
fn item(
    fx: &mut Fx,
    kind: Kind,
    title: &str,
    estimate: Option<f64>,
    parent: Option<&ItemKey>,
    release: Option<&str>,
) -> ItemKey {
    fx.advance(MINUTE);
    let mut n = new(kind, title);
    n.estimate = estimate;
    n.parent = parent.cloned();
    n.release = release.map(str::to_string);
    fx.app
        .item_add(n, None)
        .unwrap_or_else(|e| panic!("item add {title}: {e}"))
        .key
}

fn story(fx: &mut Fx, title: &str) -> ItemKey {
    item(fx, Kind::Story, title, None, None, None)
}

fn blocks(fx: &mut Fx, a: &ItemKey, b: &ItemKey) {
    fx.app.link(a, "blocks", b, None).unwrap();
}

/// Add `[calendar] holidays` to the workspace config.
fn holidays(fx: &mut Fx, days: &[&str]) {
    let list: Vec<String> = days.iter().map(|d| format!("\"{d}\"")).collect();
    let text = format!(
        "{}\n[calendar]\nholidays = [{}]\n",
        fx.app.config_text().unwrap(),
        list.join(", ")
    );
    fx.app.config_apply(&text, None).unwrap();
}

/// A delivered history: `per_day[i]` stories done on each of the last
/// `per_day.len()` weekdays up to Friday 2026-01-16 (at most five, so no
/// weekend inside), by ann and bob in turn. Leaves the clock on that
/// Friday and returns the window (calendar days) that covers exactly
/// those days.
fn history(fx: &mut Fx, per_day: &[u32]) -> u32 {
    assert!(per_day.len() <= 5);
    fx.app.person_add("ann", "Ann", None).unwrap();
    fx.app.person_add("bob", "Bob", None).unwrap();
    let first = 16 - per_day.len() + 1;
    let mut n = 0;
    for (i, count) in per_day.iter().enumerate() {
        on(fx, &format!("2026-01-{:02}", first + i));
        for _ in 0..*count {
            n += 1;
            let mut it = new(Kind::Story, &format!("Delivered {n}"));
            it.assignee = Some(if n % 2 == 0 { "bob" } else { "ann" }.to_string());
            let key = fx.app.item_add(it, None).unwrap().key;
            set_state(fx, &key, "in-progress");
            set_state(fx, &key, "done");
        }
    }
    on(fx, "2026-01-16");
    per_day.len() as u32
}

/// A forecast from the history window, starting Monday 2026-01-19.
fn req(window: u32, seed: u64) -> ForecastRequest {
    ForecastRequest {
        pace: PaceRequest {
            window: Some(window),
            estimate: None,
        },
        start: Some(date("2026-01-19")),
        trials: Some(1_000),
        seed,
        ..ForecastRequest::default()
    }
}

fn with_what_if(mut r: ForecastRequest, specs: &[&str]) -> ForecastRequest {
    r.what_if = specs.iter().map(|s| s.to_string()).collect();
    r
}

/// Every level of a scenario lands on the same date, `periods` from the
/// start, with no sampling error.
#[track_caller]
fn exact(levels: &[LevelOut], periods: u32, day: &str) {
    assert_eq!(
        levels.iter().map(|l| l.level).collect::<Vec<_>>(),
        vec![50, 70, 85, 95]
    );
    for l in levels {
        assert_eq!(
            (l.periods, l.date.as_str(), l.error, l.beyond),
            (periods, day, 0, false),
            "level {}",
            l.level
        );
    }
}

fn keys(r: &CutLineReport) -> Vec<ItemKey> {
    r.items.iter().map(|i| i.key.clone()).collect()
}

fn sprint_keys(r: &SprintPlanReport) -> Vec<Vec<ItemKey>> {
    r.sprints
        .iter()
        .map(|s| s.items.iter().map(|i| i.key.clone()).collect())
        .collect()
}

fn not_planned(r: &SprintPlanReport) -> Vec<(ItemKey, &'static str)> {
    r.not_planned
        .iter()
        .map(|n| (n.key.clone(), n.reason))
        .collect()
}

fn sprints(capacity: f64, count: u32) -> SprintRequest {
    SprintRequest {
        product: None,
        query: None,
        release: None,
        capacity,
        unit: Unit::Points,
        sprints: count,
        length: 5,
        start: Some(date("2026-01-19")),
        overrides: Vec::new(),
    }
}

// ---- flow history ------------------------------------------------------------

fn flow_history_is_exact(fx: &mut Fx) {
    fx.workspace();
    holidays(fx, &["2026-01-07"]); // a Wednesday
    // Nine stories on Monday 2026-01-05; one more on the 15th.
    let [a, b, c, d, e, f, g, h, _i] =
        ["A", "B", "C", "D", "E", "F", "G", "H", "I"].map(|t| story(fx, t));
    on(fx, "2026-01-05");
    set_state(fx, &a, "in-progress");
    set_state(fx, &b, "in-progress");
    on(fx, "2026-01-06");
    set_state(fx, &c, "in-progress");
    set_state(fx, &a, "done");
    on(fx, "2026-01-07"); // the holiday: counts on Tuesday
    set_state(fx, &b, "done");
    on(fx, "2026-01-08");
    set_state(fx, &d, "in-progress");
    on(fx, "2026-01-09");
    set_state(fx, &g, "in-progress");
    on(fx, "2026-01-10"); // Saturday: counts on Friday
    set_state(fx, &c, "done");
    on(fx, "2026-01-12");
    set_state(fx, &d, "done");
    set_state(fx, &e, "in-progress");
    set_state(fx, &h, "in-progress");
    set_state(fx, &g, "in-review"); // still in progress: its start stays
    on(fx, "2026-01-13");
    set_state(fx, &e, "cancelled"); // not delivered
    assert_eq!(
        fx.app.item(&h).unwrap().started.map(date_of),
        Some(date("2026-01-12"))
    );
    set_state(fx, &h, "todo");
    assert_eq!(
        fx.app.item(&h).unwrap().started,
        None,
        "back to to-do clears the start"
    );
    on(fx, "2026-01-14");
    set_state(fx, &f, "done"); // straight from to-do: no start, no cycle time
    on(fx, "2026-01-15");
    story(fx, "J");
    set_state(fx, &h, "in-review");
    assert_eq!(
        fx.app.item(&h).unwrap().started.map(date_of),
        Some(date("2026-01-15"))
    );
    assert_eq!(
        fx.app.item(&g).unwrap().started.map(date_of),
        Some(date("2026-01-09"))
    );
    on(fx, "2026-01-16");

    let r = fx.app.flow(None, None, Some(12)).unwrap();
    assert_eq!(r.product, "PAY");
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2026-01-05", "2026-01-16")
    );
    // Two weekend days and the holiday are not working days.
    assert_eq!(r.working_days, 9);
    assert_eq!(r.delivered, 5);
    assert!((r.mean_per_day - 5.0 / 9.0).abs() < 1e-12);
    let tp: Vec<(&str, u32)> = r.throughput.iter().map(|(d, n)| (d.as_str(), *n)).collect();
    assert_eq!(
        tp,
        vec![
            ("2026-01-05", 0),
            ("2026-01-06", 2), // A, and B done on the holiday
            ("2026-01-08", 0),
            ("2026-01-09", 1), // C, done on Saturday
            ("2026-01-12", 1), // D
            ("2026-01-13", 0), // E was cancelled
            ("2026-01-14", 1), // F
            ("2026-01-15", 0),
            ("2026-01-16", 0),
        ]
    );
    // Calendar days from start to done, both included.
    let ct: Vec<(String, &str, u32)> = r
        .cycle_times
        .iter()
        .map(|(k, d, n)| (k.clone(), d.as_str(), *n))
        .collect();
    assert_eq!(
        ct,
        vec![
            (a.to_string(), "2026-01-06", 2),
            (b.to_string(), "2026-01-07", 3),
            (c.to_string(), "2026-01-10", 5),
            (d.to_string(), "2026-01-12", 5),
        ]
    );
    // Nearest rank over [2, 3, 5, 5].
    assert_eq!(
        r.cycle_percentiles,
        vec![(50, 3), (70, 5), (85, 5), (95, 5)]
    );
    let wip: Vec<(String, &str, &str, u32, bool)> = r
        .wip
        .iter()
        .map(|w| {
            (
                w.key.clone(),
                w.title.as_str(),
                w.state.as_str(),
                w.age,
                w.past_85th,
            )
        })
        .collect();
    assert_eq!(
        wip,
        vec![
            (g.to_string(), "G", "in-review", 8, true),
            (h.to_string(), "H", "in-review", 2, false),
        ]
    );
    // Cumulative flow per calendar day: (to do, in progress, done). The
    // cancelled item is done; F counts as started when it was done.
    let cfd: Vec<(&str, u32, u32, u32)> = r
        .cfd
        .iter()
        .map(|(d, a, b, c)| (d.as_str(), *a, *b, *c))
        .collect();
    assert_eq!(
        cfd,
        vec![
            ("2026-01-05", 7, 2, 0),
            ("2026-01-06", 6, 2, 1),
            ("2026-01-07", 6, 1, 2),
            ("2026-01-08", 5, 2, 2),
            ("2026-01-09", 4, 3, 2),
            ("2026-01-10", 4, 2, 3),
            ("2026-01-11", 4, 2, 3),
            ("2026-01-12", 3, 2, 4),
            ("2026-01-13", 3, 1, 5),
            ("2026-01-14", 2, 1, 6),
            ("2026-01-15", 2, 2, 6),
            ("2026-01-16", 2, 2, 6),
        ]
    );

    // A shorter window sees only this week.
    let r = fx.app.flow(None, None, Some(5)).unwrap();
    assert_eq!(r.from, "2026-01-12");
    assert_eq!(
        r.throughput.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        vec![1, 0, 1, 0, 0]
    );
    assert_eq!(r.delivered, 2);
    assert_eq!(r.cycle_times.len(), 1);
    assert_eq!(r.cycle_times[0].0, d.to_string());

    // The default window is the config's 90 days, and a query narrows the items.
    let r = fx.app.flow(None, None, None).unwrap();
    assert_eq!((r.from.as_str(), r.delivered), ("2025-10-19", 5));
    let r = fx.app.flow(None, Some("title = C"), Some(12)).unwrap();
    assert_eq!(r.delivered, 1);
    assert!(r.wip.is_empty());
}

// ---- when and how many -------------------------------------------------------

fn when_with_a_constant_pace_is_exact(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    fx.app
        .release_add(None, "2026.1", Some("2026-02-27"))
        .unwrap();
    for n in 1..=4 {
        item(
            fx,
            Kind::Story,
            &format!("R{n}"),
            None,
            None,
            Some("2026.1"),
        );
    }
    let mut labelled = new(Kind::Bug, "Checkout times out");
    labelled.labels = vec!["checkout".into()];
    fx.app.item_add(labelled, None).unwrap();

    // Two a day: nine items take five working days, Monday to Friday.
    let r = fx
        .app
        .forecast_when(&WhenScope::Count(9), &req(window, 7))
        .unwrap();
    let b = &r.basis;
    assert_eq!(
        (b.product.as_str(), b.seed, b.trials, b.start.as_str()),
        ("PAY", 7, 1_000, "2026-01-19")
    );
    let p = &b.pace;
    assert_eq!((p.source, p.unit), ("history", "working days"));
    assert_eq!(
        (p.from.as_deref(), p.to.as_deref()),
        (Some("2026-01-12"), Some("2026-01-16"))
    );
    assert_eq!(
        (p.working_days, p.delivered, p.mean),
        (Some(5), Some(10), 2.0)
    );
    assert_eq!((r.scope.as_str(), r.items), ("9 items", Some(9)));
    assert_eq!(r.scenarios.len(), 1);
    assert_eq!(r.scenarios[0].label, "as planned");
    exact(&r.scenarios[0].levels, 5, "2026-01-23");
    assert_eq!(r.histogram, vec![(5, 1_000, "2026-01-23".to_string())]);

    // The same seed gives the same report, every field of it.
    let again = fx
        .app
        .forecast_when(&WhenScope::Count(9), &req(window, 7))
        .unwrap();
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::to_value(&again).unwrap()
    );

    // Without --start the forecast starts tomorrow, a Saturday; the
    // weekend is skipped.
    let mut tomorrow = req(window, 7);
    tomorrow.start = None;
    let r = fx
        .app
        .forecast_when(&WhenScope::Count(9), &tomorrow)
        .unwrap();
    assert_eq!(r.basis.start, "2026-01-17");
    exact(&r.scenarios[0].levels, 5, "2026-01-23");

    // What-ifs: three more items take a sixth day; half the pace, or one
    // person of the two who delivered, takes nine days.
    let r = fx
        .app
        .forecast_when(
            &WhenScope::Count(9),
            &with_what_if(
                req(window, 7),
                &["add=3", "throughput=0.5", "people=-1", "remove=1"],
            ),
        )
        .unwrap();
    let labels: Vec<&str> = r.scenarios.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "as planned",
            "add=3",
            "throughput=0.5",
            "people=-1 (2 → 1 people)",
            "remove=1"
        ]
    );
    assert_eq!(
        r.scenarios
            .iter()
            .map(|s| (s.add, s.scale))
            .collect::<Vec<_>>(),
        vec![(0, 1.0), (3, 1.0), (0, 0.5), (0, 0.5), (-1, 1.0)]
    );
    exact(&r.scenarios[0].levels, 5, "2026-01-23");
    exact(&r.scenarios[1].levels, 6, "2026-01-26");
    exact(&r.scenarios[2].levels, 9, "2026-01-29");
    exact(&r.scenarios[3].levels, 9, "2026-01-29");
    exact(&r.scenarios[4].levels, 4, "2026-01-22");

    // A release's open items, and a query's.
    let r = fx
        .app
        .forecast_when(&WhenScope::Release("2026.1".into()), &req(window, 7))
        .unwrap();
    assert_eq!(
        (r.scope.as_str(), r.items),
        ("4 open items of release 2026.1", Some(4))
    );
    exact(&r.scenarios[0].levels, 2, "2026-01-20");
    let r = fx
        .app
        .forecast_when(
            &WhenScope::Query("label = checkout".into()),
            &req(window, 7),
        )
        .unwrap();
    assert_eq!(r.items, Some(1));
    exact(&r.scenarios[0].levels, 1, "2026-01-19");

    // A holiday in the forecast pushes the date a working day later.
    holidays(fx, &["2026-01-21"]);
    let r = fx
        .app
        .forecast_when(&WhenScope::Count(9), &req(window, 7))
        .unwrap();
    exact(&r.scenarios[0].levels, 5, "2026-01-26");

    // A weekly estimate instead of history: two a week, so five weeks,
    // the fifth ending the day before a sixth would start.
    let mut est = req(window, 7);
    est.pace = PaceRequest {
        window: None,
        estimate: Some((2.0, Some(2.0), 2.0)),
    };
    let r = fx.app.forecast_when(&WhenScope::Count(10), &est).unwrap();
    assert_eq!(
        (r.basis.pace.source, r.basis.pace.unit),
        ("estimate", "weeks")
    );
    exact(&r.scenarios[0].levels, 5, "2026-02-22");
}

fn how_many_with_a_constant_pace_is_exact(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    story(fx, "Open work");
    let r = fx
        .app
        .forecast_how_many(date("2026-01-23"), &req(window, 3))
        .unwrap();
    assert_eq!((r.date.as_str(), r.periods), ("2026-01-23", 5));
    assert_eq!(r.basis.start, "2026-01-19");
    let levels = &r.scenarios[0].levels;
    assert_eq!(levels.len(), 4);
    for l in levels {
        assert_eq!(
            (l.items, l.error, l.periods),
            (Some(10), 0, 5),
            "level {}",
            l.level
        );
    }
    assert_eq!(r.histogram, vec![(10, 1_000)]);

    // Two weeks (a weekend between) is ten working days; a Sunday target
    // counts up to the Friday before it.
    for (day, items) in [("2026-01-30", 20), ("2026-01-25", 10), ("2026-01-19", 2)] {
        let r = fx
            .app
            .forecast_how_many(date(day), &req(window, 3))
            .unwrap();
        assert!(
            r.scenarios[0].levels.iter().all(|l| l.items == Some(items)),
            "{day}: {:?}",
            r.scenarios[0].levels
        );
    }

    // Half the pace halves the count.
    let r = fx
        .app
        .forecast_how_many(
            date("2026-01-23"),
            &with_what_if(req(window, 3), &["throughput=50%", "people=-1"]),
        )
        .unwrap();
    for s in &r.scenarios[1..] {
        assert!(
            s.levels.iter().all(|l| l.items == Some(5)),
            "{}: {:?}",
            s.label,
            s.levels
        );
    }
}

// ---- the cut line ------------------------------------------------------------

fn cut_line_pulls_in_order_with_groups(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    fx.app
        .release_add(None, "2026.1", Some("2026-01-21"))
        .unwrap();
    fx.app
        .release_add(None, "2026.2", Some("2026-01-21"))
        .unwrap();
    fx.app.release_add(None, "2026.3", None).unwrap();
    let e1 = item(fx, Kind::Epic, "Refunds", None, None, None);
    let e2 = item(fx, Kind::Epic, "Disputes", None, None, None);
    let b1 = item(
        fx,
        Kind::Story,
        "Top, but blocked",
        None,
        Some(&e1),
        Some("2026.1"),
    );
    let b2 = story(fx, "Second");
    let b3 = story(fx, "Blocker");
    let b4 = story(fx, "Already started");
    let b5 = item(fx, Kind::Story, "Fifth", None, None, Some("2026.1"));
    let b6 = item(fx, Kind::Story, "Sixth", None, Some(&e1), None);
    let b7 = item(fx, Kind::Story, "Seventh", None, None, Some("2026.3"));
    let b8 = item(fx, Kind::Story, "Eighth", None, Some(&e2), None);
    let b9 = item(fx, Kind::Story, "Ninth", None, None, Some("2026.2"));
    // A task is outside the [ranking] scope, so outside the backlog.
    let task = item(fx, Kind::Task, "Migrate the ledger", None, None, None);
    blocks(fx, &b3, &b1);
    blocks(fx, &task, &b7);
    set_state(fx, &b4, "in-progress");

    let r = fx
        .app
        .forecast_cut_line(date("2026-01-21"), &req(window, 11))
        .unwrap();
    assert_eq!(
        (r.target.as_str(), r.scenario.as_str()),
        ("2026-01-21", "as planned")
    );
    // Work in progress first; then by rank, except that the top item's
    // blocker is pulled just ahead of it.
    assert_eq!(
        keys(&r),
        vec![
            b4.clone(),
            b3.clone(),
            b1.clone(),
            b2.clone(),
            b5.clone(),
            b6.clone(),
            b7.clone(),
            b8.clone(),
            b9.clone()
        ]
    );
    assert_eq!(
        r.items.iter().map(|i| i.position).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );
    assert_eq!(r.items[0].state, "in-progress");
    // Two a day from Monday: positions 1-2 Monday, 3-4 Tuesday, ...
    let days = [
        "2026-01-19",
        "2026-01-19",
        "2026-01-20",
        "2026-01-20",
        "2026-01-21",
        "2026-01-21",
        "2026-01-22",
        "2026-01-22",
        "2026-01-23",
    ];
    for (i, d) in r.items.iter().zip(days) {
        assert_eq!(
            (i.p50.as_deref(), i.p85.as_deref()),
            (Some(d), Some(d)),
            "{}",
            i.key
        );
    }
    // Six items by Wednesday in every trial, the rest in none.
    assert_eq!(
        r.items.iter().map(|i| i.chance).collect::<Vec<_>>(),
        vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    );
    assert!(r.items[..6].iter().all(|i| i.band == Band::Likely));
    assert!(r.items[6..].iter().all(|i| i.band == Band::Unlikely));

    // Epics: done when their last open item is done.
    let epics: Vec<_> = r
        .epics
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                g.title.as_str(),
                g.open_items,
                g.p50.as_deref(),
                g.p85.as_deref(),
                g.chance,
                g.on_track,
            )
        })
        .collect();
    assert_eq!(
        epics,
        vec![
            (
                e1.to_string(),
                "Refunds",
                2,
                Some("2026-01-21"),
                Some("2026-01-21"),
                1.0,
                None
            ),
            (
                e2.to_string(),
                "Disputes",
                1,
                Some("2026-01-22"),
                Some("2026-01-22"),
                0.0,
                None
            ),
        ]
    );
    // Releases: on track when the 85 % date is on or before the target.
    let releases: Vec<_> = r
        .releases
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.open_items,
                g.p50.as_deref(),
                g.p85.as_deref(),
                g.target_date.as_deref(),
                g.on_track,
            )
        })
        .collect();
    assert_eq!(
        releases,
        vec![
            (
                "2026.1",
                2,
                Some("2026-01-21"),
                Some("2026-01-21"),
                Some("2026-01-21"),
                Some(true)
            ),
            (
                "2026.2",
                1,
                Some("2026-01-23"),
                Some("2026-01-23"),
                Some("2026-01-21"),
                Some(false)
            ),
            (
                "2026.3",
                1,
                Some("2026-01-22"),
                Some("2026-01-22"),
                None,
                None
            ),
        ]
    );
    assert_eq!(
        r.warnings,
        vec![format!(
            "{b7} is blocked by {task} (task todo), outside this backlog; its dates assume that is done in time"
        )]
    );
    // Burn-up: done and total per day of history, then the forecast cone
    // on top of what is done.
    let burn: Vec<(&str, u32, u32)> = r
        .burn_history
        .iter()
        .map(|(d, a, b)| (d.as_str(), *a, *b))
        .collect();
    assert_eq!(
        burn,
        vec![
            ("2026-01-12", 2, 2),
            ("2026-01-13", 4, 4),
            ("2026-01-14", 6, 6),
            ("2026-01-15", 8, 8),
            ("2026-01-16", 10, 19),
        ]
    );
    let cone: Vec<(&str, u32, u32, u32)> = r
        .cone
        .iter()
        .map(|(d, a, b, c)| (d.as_str(), *a, *b, *c))
        .collect();
    assert_eq!(
        cone,
        vec![
            ("2026-01-19", 12, 12, 12),
            ("2026-01-20", 14, 14, 14),
            ("2026-01-21", 16, 16, 16),
            ("2026-01-22", 18, 18, 18),
            ("2026-01-23", 19, 19, 19),
        ]
    );

    // Half the pace: one a day, so three by Wednesday.
    let r = fx
        .app
        .forecast_cut_line(
            date("2026-01-21"),
            &with_what_if(req(window, 11), &["throughput=0.5"]),
        )
        .unwrap();
    assert_eq!(r.scenario, "throughput=0.5");
    assert_eq!(
        r.items.iter().map(|i| i.band).collect::<Vec<_>>(),
        [vec![Band::Likely; 3], vec![Band::Unlikely; 6]].concat()
    );
    assert_eq!(r.items[8].p85.as_deref(), Some("2026-01-29"));

    // A query narrows the backlog; a blocker left outside it is named.
    let mut narrow = req(window, 11);
    narrow.query = Some("release = \"2026.1\"".into());
    let r = fx
        .app
        .forecast_cut_line(date("2026-01-21"), &narrow)
        .unwrap();
    assert_eq!(keys(&r), vec![b1.clone(), b5]);
    assert_eq!(
        r.warnings,
        vec![format!(
            "{b1} is blocked by {b3} (story todo), outside this backlog; its dates assume that is done in time"
        )]
    );
}

/// A team that does one item or three on a day, evenly: after three days
/// it has done 3, 5, 7 or 9 items with chances 1/8, 3/8, 3/8, 1/8.
fn cut_line_bands_follow_the_chances(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[1, 3, 1, 3]);
    for n in 1..=12 {
        story(fx, &format!("Story {n}"));
    }
    let mut r = req(window, 42);
    r.trials = Some(10_000);
    let r = fx.app.forecast_cut_line(date("2026-01-21"), &r).unwrap();
    assert_eq!(
        (
            r.basis.pace.delivered,
            r.basis.pace.working_days,
            r.basis.pace.mean
        ),
        (Some(8), Some(4), 2.0)
    );
    let want = [
        1.0, 1.0, 1.0, 0.875, 0.875, 0.5, 0.5, 0.125, 0.125, 0.0, 0.0, 0.0,
    ];
    for (i, w) in r.items.iter().zip(want) {
        assert!(
            (i.chance - w).abs() < 0.02,
            "position {}: chance {} not near {w}",
            i.position,
            i.chance
        );
    }
    let bands: Vec<Band> = r.items.iter().map(|i| i.band).collect();
    assert_eq!(
        bands,
        [
            vec![Band::Likely; 5],
            vec![Band::CoinFlip; 2],
            vec![Band::Unlikely; 5]
        ]
        .concat()
    );
    // Chances fall along the backlog, and the 85 % date is never before the 50 % one.
    assert!(r.items.windows(2).all(|w| w[0].chance >= w[1].chance));
    for i in &r.items {
        assert!(i.p50.is_some() && i.p85.is_some());
        assert!(i.p50 <= i.p85, "{}: {:?} > {:?}", i.key, i.p50, i.p85);
    }
    // The first item is done on the first day at every level.
    assert_eq!(r.items[0].p85.as_deref(), Some("2026-01-19"));
}

/// The cut line as a document: a fixed seed on a fixed history gives the
/// same table and JSON every time, on either backend.
fn cut_line_document(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[1, 3, 1, 3]);
    fx.app
        .release_add(None, "2026.1", Some("2026-01-23"))
        .unwrap();
    let epic = item(fx, Kind::Epic, "Partial refunds", None, None, None);
    let titles = [
        "Refund part of a card payment",
        "Show partial refunds on the statement",
        "Ledger schema for partial refunds",
        "Refund webhook sent twice",
        "Export refunds by settlement date",
        "Refund reasons",
        "Dispute evidence upload",
        "Payout schedule per merchant",
    ];
    let mut ks = Vec::new();
    for (n, t) in titles.iter().enumerate() {
        let kind = if t.contains("twice") {
            Kind::Bug
        } else {
            Kind::Story
        };
        let parent = (n < 3).then_some(&epic);
        let release = (n < 5).then_some("2026.1");
        ks.push(item(fx, kind, t, None, parent, release));
    }
    blocks(fx, &ks[2], &ks[0]);
    set_state(fx, &ks[3], "in-progress");
    let r = fx
        .app
        .forecast_cut_line(date("2026-01-21"), &req(window, 42))
        .unwrap();
    let b = &r.basis;
    let mut doc = format!(
        "Cut line for {}: {} open items of {}\nPace: {} items over {} working days, {} to {}\nStart {}, {} trials, seed {}\n",
        r.target,
        r.items.len(),
        b.product,
        b.pace.delivered.unwrap_or(0),
        b.pace.working_days.unwrap_or(0),
        b.pace.from.as_deref().unwrap_or(""),
        b.pace.to.as_deref().unwrap_or(""),
        b.start,
        b.trials,
        b.seed
    );
    for band in [Band::Likely, Band::CoinFlip, Band::Unlikely] {
        doc.push_str(&format!("{}:\n", band.as_str()));
        for i in r.items.iter().filter(|i| i.band == band) {
            doc.push_str(&format!(
                "  {:>2} {:<7} {:<5} {:>5.1} % {} {} {} ({})\n",
                i.position,
                i.key.to_string(),
                i.kind.to_string(),
                i.chance * 100.0,
                i.p50.as_deref().unwrap_or("beyond"),
                i.p85.as_deref().unwrap_or("beyond"),
                i.title,
                i.state
            ));
        }
    }
    for (what, groups) in [("epic", &r.epics), ("release", &r.releases)] {
        for g in groups.iter() {
            let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
            doc.push_str(&format!(
                "{what} {} {:?}: {} open, P50 {}, P85 {}, {:.1} % by the target, release target {}, on track {}\n",
                g.name,
                g.title,
                g.open_items,
                or_dash(&g.p50),
                or_dash(&g.p85),
                g.chance * 100.0,
                or_dash(&g.target_date),
                g.on_track.map_or("—".to_string(), |t| t.to_string())
            ));
        }
    }
    doc.push('\n');
    doc.push_str(&serde_json::to_string_pretty(&r).unwrap());
    insta::assert_snapshot!("cut_line_document", doc);
}

// ---- plans -------------------------------------------------------------------

fn sprints_fill_capacity_blockers_first(fx: &mut Fx) {
    fx.workspace();
    let est = |fx: &mut Fx, t: &str, e: Option<f64>| item(fx, Kind::Story, t, e, None, None);
    let s1 = est(fx, "S1", Some(3.0));
    let s2 = est(fx, "S2", Some(5.0));
    let s3 = est(fx, "S3 unestimated", None);
    let s4 = est(fx, "S4", Some(4.0));
    let s5 = est(fx, "S5 huge", Some(20.0));
    let s6 = est(fx, "S6", Some(2.0));
    let s7 = est(fx, "S7", Some(3.0));
    let s8 = est(fx, "S8", Some(6.0));
    let s9 = est(fx, "S9", Some(8.0));
    let s10 = est(fx, "S10", Some(1.0));
    let outside = item(fx, Kind::Task, "Outside task", None, None, None);
    blocks(fx, &s4, &s2);
    blocks(fx, &outside, &s6);
    blocks(fx, &s8, &s10);

    // Three sprints of 8 points, the second cut to 4 (holidays).
    let mut rq = sprints(8.0, 3);
    rq.overrides = vec![(2, 4.0)];
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(r.product, "PAY");
    let shape: Vec<(u32, &str, &str, f64, f64)> = r
        .sprints
        .iter()
        .map(|s| {
            (
                s.number,
                s.start.as_str(),
                s.end.as_str(),
                s.capacity,
                s.used,
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (1, "2026-01-19", "2026-01-23", 8.0, 7.0),
            (2, "2026-01-26", "2026-01-30", 4.0, 3.0),
            (3, "2026-02-02", "2026-02-06", 8.0, 5.0),
        ]
    );
    // S2 waits for S4; S7 fills the small sprint S2 does not fit.
    assert_eq!(
        sprint_keys(&r),
        vec![
            vec![s1.clone(), s4.clone()],
            vec![s7.clone()],
            vec![s2.clone()]
        ]
    );
    assert_eq!(
        not_planned(&r),
        vec![
            (s3.clone(), "no-estimate"),
            (s5.clone(), "too-big"),
            (s6.clone(), "blocked-outside"),
            (s8.clone(), "no-room"),
            (s9.clone(), "no-room"),
            (s10.clone(), "blocked"),
        ]
    );
    let detail = |k: &ItemKey| {
        r.not_planned
            .iter()
            .find(|n| &n.key == k)
            .unwrap()
            .detail
            .clone()
    };
    assert_eq!(
        detail(&s3),
        format!("no estimate: set one with `cairn item edit {s3} --estimate N`")
    );
    assert_eq!(
        detail(&s5),
        "20 points is more than any sprint holds (8): split it"
    );
    assert_eq!(
        detail(&s6),
        format!("blocked by {outside}, open and outside this plan")
    );
    assert_eq!(
        detail(&s10),
        format!("blocked by {s8}, which is not planned")
    );
    assert_eq!(detail(&s8), "the sprints are full");
    assert_eq!((r.release.as_ref(), r.fits), (None, None));

    // Without the override S2 joins S7 in the second sprint: still after S4.
    let r = fx.app.plan_sprints(&sprints(8.0, 2)).unwrap();
    assert_eq!(
        sprint_keys(&r),
        vec![vec![s1.clone(), s4.clone()], vec![s2.clone(), s7.clone()]]
    );
    assert_eq!(
        r.sprints.iter().map(|s| s.used).collect::<Vec<_>>(),
        vec![7.0, 8.0]
    );

    // Never before a blocker, whatever the capacity: a blocker's sprint
    // is at or before the sprint of what it blocks.
    for cap in [3.0, 4.0, 5.0, 9.0, 12.0, 40.0] {
        let r = fx.app.plan_sprints(&sprints(cap, 4)).unwrap();
        let sprint_of = |k: &ItemKey| {
            r.sprints
                .iter()
                .position(|s| s.items.iter().any(|i| &i.key == k))
        };
        for (a, b) in [(&s4, &s2), (&s8, &s10)] {
            if let Some(sb) = sprint_of(b) {
                let sa = sprint_of(a).unwrap_or_else(|| panic!("{b} planned without {a}"));
                assert!(sa <= sb, "capacity {cap}: {a} in sprint {sa}, {b} in {sb}");
            }
        }
        for s in &r.sprints {
            assert!(s.used <= s.capacity + 1e-9);
        }
    }

    // By item count, unestimated items fit too.
    let mut rq = sprints(3.0, 2);
    rq.unit = Unit::Items;
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(
        sprint_keys(&r),
        vec![vec![s1.clone(), s4.clone(), s2.clone()], vec![s3, s5, s7]]
    );
    assert_eq!(
        not_planned(&r),
        vec![
            (s6, "blocked-outside"),
            (s8.clone(), "no-room"),
            (s9, "no-room"),
            (s10, "blocked")
        ]
    );

    // Without --start the plan begins on the next working day (Tuesday).
    let mut rq = sprints(8.0, 1);
    rq.start = None;
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(
        (r.sprints[0].start.as_str(), r.sprints[0].end.as_str()),
        ("2026-01-06", "2026-01-12")
    );
}

fn release_plan_says_whether_it_fits(fx: &mut Fx) {
    fx.workspace();
    fx.app
        .release_add(None, "2026.1", Some("2026-01-23"))
        .unwrap();
    let other = item(fx, Kind::Story, "Not in the release", Some(1.0), None, None);
    let r1 = item(fx, Kind::Story, "R1", Some(3.0), None, Some("2026.1"));
    let r2 = item(fx, Kind::Story, "R2", Some(5.0), None, Some("2026.1"));
    let r3 = item(fx, Kind::Story, "R3", Some(4.0), None, Some("2026.1"));
    let mut rq = sprints(8.0, 3);
    rq.release = Some("2026.1".into());
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(r.release.as_deref(), Some("2026.1"));
    assert_eq!(r.release_target.as_deref(), Some("2026-01-23"));
    assert_eq!(
        sprint_keys(&r),
        vec![vec![r1.clone(), r2.clone()], vec![r3.clone()], vec![]]
    );
    assert!(r.not_planned.is_empty());
    // Everything is planned, but the second sprint ends after the target.
    assert_eq!(r.fits, Some(false));
    assert!(!sprint_keys(&r).concat().contains(&other));

    rq.capacity = 12.0;
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(sprint_keys(&r)[0], vec![r1, r2, r3]);
    assert_eq!(r.fits, Some(true));

    // Something left out means it does not fit, whatever the dates.
    rq.capacity = 4.0;
    let r = fx.app.plan_sprints(&rq).unwrap();
    assert_eq!(r.not_planned.len(), 1);
    assert_eq!(r.not_planned[0].reason, "too-big");
    assert_eq!(r.fits, Some(false));

    rq.release = Some("2099.9".into());
    let e = err(fx.app.plan_sprints(&rq));
    assert_contains(&e.to_string(), &["no release 2099.9", "cairn release list"]);
}

fn critical_path_and_slack(fx: &mut Fx) {
    fx.workspace();
    let est = |fx: &mut Fx, t: &str, e: f64| item(fx, Kind::Story, t, Some(e), None, None);
    // X(3) → Y(2) → W(4) and X → Z(1) → W; V(2) stands alone.
    let x = est(fx, "X", 3.0);
    let y = est(fx, "Y", 2.0);
    let z = est(fx, "Z", 1.0);
    let w = est(fx, "W", 4.0);
    let v = est(fx, "V", 2.0);
    blocks(fx, &x, &y);
    blocks(fx, &y, &w);
    blocks(fx, &x, &z);
    blocks(fx, &z, &w);
    let rq = CriticalPathRequest {
        product: None,
        query: None,
        default_estimate: None,
    };
    let r = fx.app.plan_critical_path(&rq).unwrap();
    assert_eq!(r.length, 9.0);
    assert_eq!(r.path, vec![x.clone(), y.clone(), w.clone()]);
    // key, estimate, earliest start and finish, latest start and finish, slack, critical
    type Row = (ItemKey, f64, f64, f64, f64, f64, f64, bool);
    let rows: Vec<Row> = r
        .items
        .iter()
        .map(|i| {
            (
                i.key.clone(),
                i.estimate,
                i.earliest_start,
                i.earliest_finish,
                i.latest_start,
                i.latest_finish,
                i.slack,
                i.critical,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (x.clone(), 3.0, 0.0, 3.0, 0.0, 3.0, 0.0, true),
            (v.clone(), 2.0, 0.0, 2.0, 7.0, 9.0, 7.0, false),
            (y.clone(), 2.0, 3.0, 5.0, 3.0, 5.0, 0.0, true),
            (z.clone(), 1.0, 3.0, 4.0, 4.0, 5.0, 1.0, false),
            (w.clone(), 4.0, 5.0, 9.0, 5.0, 9.0, 0.0, true),
        ]
    );
    assert!(r.warnings.is_empty());

    // An item without an estimate is refused, unless a default is given.
    let u = story(fx, "U");
    let e = err(fx.app.plan_critical_path(&rq));
    assert_eq!(e.exit_code(), 2);
    assert_contains(
        &e.to_string(),
        &[
            &format!("1 item in scope has no estimate ({u})"),
            "--estimate N",
            "--default-estimate N",
        ],
    );
    let r = fx
        .app
        .plan_critical_path(&CriticalPathRequest {
            default_estimate: Some(1.0),
            ..rq.clone()
        })
        .unwrap();
    assert_eq!(r.length, 9.0);
    let ui = r.items.iter().find(|i| i.key == u).unwrap();
    assert_eq!((ui.estimate, ui.slack, ui.critical), (1.0, 8.0, false));
    // A longer default makes the lone item the critical path.
    let r = fx
        .app
        .plan_critical_path(&CriticalPathRequest {
            default_estimate: Some(10.0),
            ..rq
        })
        .unwrap();
    assert_eq!((r.length, r.path.clone()), (10.0, vec![u]));
}

// ---- bad input ---------------------------------------------------------------

fn bad_forecast_input_is_named(fx: &mut Fx) {
    fx.workspace();
    let a = story(fx, "A");
    story(fx, "B");
    let plain = ForecastRequest {
        start: Some(date("2026-01-19")),
        trials: Some(1_000),
        ..ForecastRequest::default()
    };
    // Nothing delivered in the window: say how to widen it or estimate.
    let e = err(fx.app.forecast_when(&WhenScope::Count(5), &plain));
    assert_eq!(e.exit_code(), 2);
    assert_contains(
        &e.to_string(),
        &[
            "no items were delivered in the last 90 days",
            "--window",
            "--throughput",
        ],
    );
    let e = err(fx.app.forecast_cut_line(date("2026-02-27"), &plain));
    assert_contains(&e.to_string(), &["--window", "--throughput"]);
    let e = err(fx.app.forecast_how_many(date("2026-02-27"), &plain));
    assert_contains(&e.to_string(), &["--window", "--throughput"]);
    let e = err(fx.app.flow(None, None, Some(0)));
    assert_contains(&e.to_string(), &["--window must be at least 1 day"]);

    let est = ForecastRequest {
        pace: PaceRequest {
            window: None,
            estimate: Some((1.0, Some(2.0), 4.0)),
        },
        ..plain.clone()
    };
    let e = err(fx.app.forecast_when(&WhenScope::Count(0), &est));
    assert_contains(&e.to_string(), &["--count 0", "nothing to forecast"]);
    let e = err(fx
        .app
        .forecast_when(&WhenScope::Query("title = Z".into()), &est));
    assert_contains(&e.to_string(), &["no open items in PAY match `title = Z`"]);
    let e = err(fx
        .app
        .forecast_when(&WhenScope::Release("9.9".into()), &est));
    assert_eq!(e.code(), "not_found");
    // Target and date before the start.
    let e = err(fx.app.forecast_cut_line(date("2026-01-10"), &est));
    assert_contains(
        &e.to_string(),
        &[
            "2026-01-10",
            "before the forecast starts (2026-01-19)",
            "--by",
        ],
    );
    let e = err(fx.app.forecast_how_many(date("2026-01-18"), &est));
    assert_contains(
        &e.to_string(),
        &["2026-01-18", "before the forecast starts"],
    );
    // Unknown and impossible what-ifs.
    let e = err(fx.app.forecast_when(
        &WhenScope::Count(5),
        &with_what_if(est.clone(), &["speed=2"]),
    ));
    assert_contains(
        &e.to_string(),
        &["what-if `speed=2`", "add=N", "throughput=0.8"],
    );
    let e = err(fx.app.forecast_when(
        &WhenScope::Count(5),
        &with_what_if(est.clone(), &["add=2,throughput=0"]),
    ));
    assert_contains(&e.to_string(), &["throughput=0", "must be above 0"]);
    let e = err(fx.app.forecast_cut_line(
        date("2026-02-27"),
        &with_what_if(est.clone(), &["add=1", "add=2"]),
    ));
    assert_contains(&e.to_string(), &["one --what-if"]);
    // Bad estimates and trials.
    let e = err(fx.app.forecast_when(
        &WhenScope::Count(5),
        &ForecastRequest {
            pace: PaceRequest {
                window: None,
                estimate: Some((5.0, None, 1.0)),
            },
            ..plain.clone()
        },
    ));
    assert_contains(&e.to_string(), &["low ≤ likely ≤ high"]);
    let e = err(fx.app.forecast_when(
        &WhenScope::Count(5),
        &ForecastRequest {
            trials: Some(5),
            ..est.clone()
        },
    ));
    assert_contains(&e.to_string(), &["--trials 5"]);
    let e = err(fx.app.forecast_when(
        &WhenScope::Range {
            low: 9,
            high: 3,
            split_low: 1.0,
            split_high: 1.0,
        },
        &est,
    ));
    assert_contains(&e.to_string(), &["9-3", "backwards"]);
    let e = err(fx.app.forecast_when(
        &WhenScope::Range {
            low: 3,
            high: 9,
            split_low: 0.5,
            split_high: 1.0,
        },
        &est,
    ));
    assert_contains(&e.to_string(), &["split rate 0.5-1", "at least 1"]);

    // A history nobody was assigned to: the team size is unknown.
    on(fx, "2026-01-16");
    set_state(fx, &a, "done");
    let hist = ForecastRequest {
        pace: PaceRequest {
            window: Some(5),
            estimate: None,
        },
        ..plain
    };
    fx.app
        .forecast_when(&WhenScope::Count(5), &hist)
        .expect("one item delivered is a pace");
    let e = err(fx
        .app
        .forecast_when(&WhenScope::Count(5), &with_what_if(hist, &["people=-1"])));
    assert_contains(
        &e.to_string(),
        &["people=-1", "nobody is assigned", "throughput=0.8"],
    );
}

fn bad_plan_input_and_cycles_are_named(fx: &mut Fx) {
    fx.workspace();
    let a = item(fx, Kind::Story, "A", Some(1.0), None, None);
    let b = item(fx, Kind::Story, "B", Some(1.0), None, None);
    let c = item(fx, Kind::Story, "C", Some(1.0), None, None);
    let e = err(fx.app.plan_sprints(&sprints(0.0, 3)));
    assert_eq!(e.exit_code(), 2);
    assert_contains(&e.to_string(), &["zero capacity", "--capacity N"]);
    let mut rq = sprints(5.0, 3);
    rq.overrides = vec![(1, 0.0), (2, 0.0), (3, 0.0)];
    assert_contains(
        &err(fx.app.plan_sprints(&rq)).to_string(),
        &["zero capacity"],
    );
    rq.overrides = vec![(4, 2.0)];
    assert_contains(
        &err(fx.app.plan_sprints(&rq)).to_string(),
        &["--override 4=2", "no sprint 4", "1 to 3"],
    );
    assert_contains(
        &err(fx.app.plan_sprints(&sprints(5.0, 0))).to_string(),
        &["--sprints 0"],
    );
    assert_contains(
        &err(fx.app.plan_sprints(&sprints(-1.0, 2))).to_string(),
        &["--capacity -1"],
    );
    let mut rq = sprints(5.0, 2);
    rq.length = 0;
    assert_contains(&err(fx.app.plan_sprints(&rq)).to_string(), &["--length 0"]);
    let mut rq = sprints(5.0, 2);
    rq.query = Some("kind = bug".into());
    assert_contains(
        &err(fx.app.plan_sprints(&rq)).to_string(),
        &["PAY has no open items matching `kind = bug`"],
    );
    let cp = CriticalPathRequest {
        product: None,
        query: None,
        default_estimate: Some(-1.0),
    };
    assert_contains(
        &err(fx.app.plan_critical_path(&cp)).to_string(),
        &["--default-estimate -1"],
    );

    // A cycle of blocks links: no order can respect it, and it is named.
    blocks(fx, &a, &b);
    blocks(fx, &b, &c);
    blocks(fx, &c, &a);
    let cycle = format!("{a} blocks {b} blocks {c} blocks {a}");
    let est = ForecastRequest {
        pace: PaceRequest {
            window: None,
            estimate: Some((1.0, None, 3.0)),
        },
        start: Some(date("2026-01-19")),
        trials: Some(1_000),
        ..ForecastRequest::default()
    };
    let e = err(fx.app.forecast_cut_line(date("2026-02-27"), &est));
    assert_eq!(e.exit_code(), 2);
    assert_contains(
        &e.to_string(),
        &[
            "a cycle of blocks links",
            &cycle,
            &format!("cairn unlink {a} blocks {b}"),
        ],
    );
    assert_contains(
        &err(fx.app.plan_sprints(&sprints(5.0, 2))).to_string(),
        &[&cycle],
    );
    let cp = CriticalPathRequest {
        default_estimate: None,
        ..cp
    };
    assert_contains(&err(fx.app.plan_critical_path(&cp)).to_string(), &[&cycle]);
}

/// A release's epics are containers, not work: `when --release`, the cut
/// line's release group and `plan release` all count only the release's
/// open stories (the [ranking] scope), like the throughput they use.
fn release_scopes_leave_out_epics(fx: &mut Fx) {
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    fx.app
        .release_add(None, "2026.1", Some("2026-02-27"))
        .unwrap();
    let epic = item(fx, Kind::Epic, "Refunds", None, None, Some("2026.1"));
    item(
        fx,
        Kind::Story,
        "R1",
        Some(3.0),
        Some(&epic),
        Some("2026.1"),
    );
    item(
        fx,
        Kind::Story,
        "R2",
        Some(3.0),
        Some(&epic),
        Some("2026.1"),
    );
    let cl = fx
        .app
        .forecast_cut_line(date("2026-02-27"), &req(window, 1))
        .unwrap();
    assert_eq!(cl.releases[0].open_items, 2);
    let w = fx
        .app
        .forecast_when(&WhenScope::Release("2026.1".into()), &req(window, 1))
        .unwrap();
    assert_eq!(w.items, Some(2), "{}", w.scope);
    let mut rq = sprints(10.0, 2);
    rq.release = Some("2026.1".into());
    let p = fx.app.plan_sprints(&rq).unwrap();
    assert!(p.not_planned.is_empty(), "{:?}", not_planned(&p));
    assert_eq!(p.fits, Some(true));
    // A query within the scope cannot reach the epic either.
    let e = err(fx
        .app
        .forecast_when(&WhenScope::Query("kind = epic".into()), &req(window, 1)));
    assert_contains(
        &e.to_string(),
        &["no open items in PAY match `kind = epic`"],
    );
}

fn forecasts_on_the_demo(fx: &mut Fx) {
    fx.app.init().unwrap();
    cairn_app::demo::generate(&mut fx.app, 7, "PAY").unwrap();
    // The demo's history ends at the fixture's "now"; read it from there.
    fx.app.set_clock(Box::new(fx.clock.clone()));
    let rq = ForecastRequest {
        trials: Some(2_000),
        seed: 5,
        ..ForecastRequest::default()
    };
    let flow = fx.app.flow(None, None, None).unwrap();
    assert!(flow.delivered > 10, "{}", flow.delivered);
    assert_eq!(
        flow.delivered,
        flow.throughput.iter().map(|(_, n)| n).sum::<u32>()
    );
    let w = fx.app.forecast_when(&WhenScope::Count(10), &rq).unwrap();
    let dates: Vec<&str> = w.scenarios[0]
        .levels
        .iter()
        .map(|l| l.date.as_str())
        .collect();
    assert!(dates.windows(2).all(|d| d[0] <= d[1]), "{dates:?}");
    // Three years out, everything open is likely done.
    let far = date_of(fx.app.now()) + chrono::Days::new(3 * 365);
    let cl = fx.app.forecast_cut_line(far, &rq).unwrap();
    assert!(!cl.items.is_empty());
    assert!(cl.items.iter().all(|i| i.band == Band::Likely));
    // Every blocks link between backlog items is respected.
    for (link, _) in fx
        .app
        .store()
        .links(Some(cairn_core::LinkKind::Blocks))
        .unwrap()
    {
        let pos = |k: &ItemKey| cl.items.iter().position(|i| &i.key == k);
        if let (Some(a), Some(b)) = (pos(&link.src), pos(&link.dst)) {
            assert!(a < b, "{} blocks {} but comes after it", link.src, link.dst);
        }
    }
}

both!(
    flow_history_is_exact,
    when_with_a_constant_pace_is_exact,
    how_many_with_a_constant_pace_is_exact,
    cut_line_pulls_in_order_with_groups,
    cut_line_bands_follow_the_chances,
    cut_line_document,
    sprints_fill_capacity_blockers_first,
    release_plan_says_whether_it_fits,
    critical_path_and_slack,
    bad_forecast_input_is_named,
    bad_plan_input_and_cycles_are_named,
    release_scopes_leave_out_epics,
    forecasts_on_the_demo,
);

// ---- what-ifs and horizons (SQLite only) -------------------------------------

fn sqlite(name: &str) -> Fx {
    Fx::new(Backend::Sqlite, name)
}

/// Scope changes do not change how many items get done by a date, so
/// how-many refuses them and says what to use instead.
#[test]
fn how_many_refuses_scope_what_ifs() {
    let mut fx = sqlite("how_many_refuses_scope_what_ifs");
    let fx = &mut fx;
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    story(fx, "Open work");
    for spec in ["remove=3", "add=3"] {
        let e = fx
            .app
            .forecast_how_many(date("2026-01-23"), &with_what_if(req(window, 3), &[spec]))
            .unwrap_err();
        assert_contains(&e.to_string(), &[spec, "throughput=F", "forecast when"]);
    }
    let r = fx
        .app
        .forecast_how_many(
            date("2026-01-23"),
            &with_what_if(req(window, 3), &["throughput=0.5"]),
        )
        .unwrap();
    assert_eq!(r.scenarios[0].levels[0].items, Some(10));
    assert_eq!(r.scenarios[1].levels[0].items, Some(5));
}

/// `add=N` puts N unplanned items ahead of the backlog, so every date
/// moves later; `remove=N` is refused.
#[test]
fn cut_line_add_what_if_is_used_or_refused() {
    let mut fx = sqlite("cut_line_add_what_if_is_used_or_refused");
    let fx = &mut fx;
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    for n in 1..=6 {
        story(fx, &format!("S{n}"));
    }
    let plain = fx
        .app
        .forecast_cut_line(date("2026-01-21"), &req(window, 1))
        .unwrap();
    match fx.app.forecast_cut_line(
        date("2026-01-21"),
        &with_what_if(req(window, 1), &["add=4"]),
    ) {
        Err(e) => assert_contains(&e.to_string(), &["add"]),
        Ok(r) => {
            assert_eq!(r.scenario, "add=4");
            let dates = |r: &CutLineReport| -> Vec<Option<String>> {
                r.items.iter().map(|i| i.p85.clone()).collect()
            };
            assert_ne!(
                dates(&r),
                dates(&plain),
                "add=4 changes nothing in the cut line"
            );
        }
    }
}

/// A target past the simulation's horizon (5000 working days): items done
/// within days are likely.
#[test]
fn cut_line_target_beyond_the_horizon_is_likely() {
    let mut fx = sqlite("cut_line_target_beyond_the_horizon_is_likely");
    let fx = &mut fx;
    fx.workspace();
    let window = history(fx, &[2, 2, 2, 2, 2]);
    story(fx, "S1");
    let r = fx
        .app
        .forecast_cut_line(date("2060-01-01"), &req(window, 1))
        .unwrap();
    assert_eq!(r.items[0].p85.as_deref(), Some("2026-01-19"));
    assert_eq!(
        (r.items[0].chance, r.items[0].band),
        (1.0, Band::Likely),
        "done on the first day, yet"
    );
}
