//! The CLI end to end, as a user runs it: exit codes, messages, formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .current_dir(dir)
        .env_remove("CAIRN_DB")
        .env("CAIRN_ACTOR", "tester")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = cairn(dir, args);
    assert_eq!(r.code, 0, "cairn {args:?} failed: {}{}", r.stdout, r.stderr);
    r.stdout
}

fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    ok(d.path(), &["init"]);
    ok(d.path(), &["product", "add", "PAY", "Payments"]);
    d
}

#[test]
fn no_workspace_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let r = cairn(d.path(), &["query", "kind = story"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no Cairn workspace here"), "{}", r.stderr);
    assert!(r.stderr.contains("cairn init"), "{}", r.stderr);
}

#[test]
fn demo_creates_a_realistic_product() {
    let d = tempfile::tempdir().unwrap();
    let out = ok(d.path(), &["demo", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["items"].as_u64().unwrap() >= 150, "{v}");
    assert!(v["links"].as_u64().unwrap() >= 20, "{v}");
    assert!(v["days"].as_i64().unwrap() >= 180, "{v}");
    // Same seed, same product: a second workspace gives identical titles and states.
    let d2 = tempfile::tempdir().unwrap();
    ok(d2.path(), &["demo"]);
    let q = ["query", "", "--limit", "500", "--format", "csv"];
    let strip = |s: String| -> Vec<String> {
        s.lines()
            .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(strip(ok(d.path(), &q)), strip(ok(d2.path(), &q)));
    // Resolved dates span months.
    let done = ok(
        d.path(),
        &[
            "query",
            "resolved < -90d",
            "--format",
            "json",
            "--limit",
            "1",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&done).unwrap();
    assert!(v["total"].as_u64().unwrap() > 10, "{v}");
    assert!(ok(d.path(), &["audit", "verify"]).contains("intact"));
    assert_eq!(cairn(d.path(), &["check"]).code, 0);
    // Running it twice in one workspace is refused, and writes nothing.
    let r = cairn(d.path(), &["demo"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("already has a product PAY"),
        "{}",
        r.stderr
    );
}

#[test]
fn item_lifecycle_with_json_output() {
    let d = workspace();
    let p = d.path();
    let out = ok(
        p,
        &[
            "item",
            "add",
            "story",
            "Refund part of a payment",
            "-e",
            "3",
            "-l",
            "refunds",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for field in [
        "key",
        "kind",
        "title",
        "description",
        "state",
        "category",
        "assignee",
        "labels",
        "estimate",
        "acceptance",
        "fields",
        "created",
        "updated",
        "resolved",
        "rank",
        "parent",
        "release",
        "goals",
        "version",
    ] {
        assert!(v.get(field).is_some(), "missing {field} in {v}");
    }
    assert_eq!(v["key"], "PAY-1");
    assert_eq!(v["version"], 1);
    ok(p, &["item", "state", "PAY-1", "done"]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(p, &["item", "show", "PAY-1", "--format", "json"])).unwrap();
    assert_eq!(v["category"], "done");
    assert!(v["resolved"].is_string());
    let hist = ok(p, &["history", "PAY-1"]);
    assert!(
        hist.contains("item.create") && hist.contains("todo → done"),
        "{hist}"
    );
}

#[test]
fn stale_version_is_refused_naming_both_versions() {
    let d = workspace();
    let p = d.path();
    ok(p, &["item", "add", "story", "A story"]);
    ok(p, &["item", "edit", "PAY-1", "--title", "A better story"]);
    let r = cairn(
        p,
        &[
            "item",
            "edit",
            "PAY-1",
            "--title",
            "Mine",
            "--if-version",
            "1",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("version 1") && r.stderr.contains("version 2"),
        "{}",
        r.stderr
    );
    assert!(ok(p, &["item", "show", "PAY-1"]).contains("A better story"));
}

#[test]
fn malformed_query_points_at_the_column() {
    let d = workspace();
    let r = cairn(d.path(), &["query", "kind = story AND"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains('^'), "{}", r.stderr);
    let r = cairn(d.path(), &["query", "colour = red"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown field") && r.stderr.contains("kind"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_input_gets_exit_2_and_a_fix() {
    let d = workspace();
    let p = d.path();
    let cases: &[(&[&str], &str)] = &[
        (&["item", "show", "PAY-99"], "no item PAY-99"),
        (&["item", "show", "banana"], "not an item key"),
        (&["item", "add", "stroy", "x"], "not a kind"),
        (
            &["item", "add", "story", "x", "--assignee", "nobody"],
            "cairn person add",
        ),
        (
            &["item", "add", "story", "x", "--state", "doing"],
            "not a state",
        ),
        (
            &["item", "add", "story", "x", "--field", "colour=red"],
            "no custom field",
        ),
        (&["link", "PAY-1", "blocks", "PAY-2"], "no item"),
        (
            &["product", "add", "pay", "Lower"],
            "not a valid product prefix",
        ),
    ];
    for (args, want) in cases {
        let r = cairn(p, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(want),
            "{args:?}: wanted {want:?} in {}",
            r.stderr
        );
    }
    // Nothing was half-written: the product's next key is still PAY-1.
    assert!(ok(p, &["product", "list"]).contains("PAY-1"));
}

#[test]
fn unknown_config_field_is_refused() {
    let d = workspace();
    let cfg = d.path().join("bad.toml");
    std::fs::write(&cfg, "[workflow]\nstates = [{ name = \"todo\", category = \"todo\" }, { name = \"done\", category = \"done\" }]\ncolour = 1\n").unwrap();
    let r = cairn(d.path(), &["config", "apply", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("colour") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
}

#[test]
fn unreachable_database_fails_clearly() {
    let d = tempfile::tempdir().unwrap();
    let r = cairn(
        d.path(),
        &["--db", "postgres://postgres@127.0.0.1:1/none", "query", ""],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("cannot open the database"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_reports_a_blocks_cycle_with_exit_1() {
    let d = workspace();
    let p = d.path();
    for t in ["a", "b", "c"] {
        ok(p, &["item", "add", "story", t]);
    }
    ok(p, &["link", "PAY-1", "blocks", "PAY-2"]);
    ok(p, &["link", "PAY-3", "blocked-by", "PAY-2"]);
    ok(p, &["link", "PAY-3", "blocks", "PAY-1"]);
    let r = cairn(p, &["check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("PAY-1 blocks PAY-2 blocks PAY-3 blocks PAY-1"),
        "{}",
        r.stdout
    );
}

#[test]
fn csv_import_is_all_or_nothing_unless_skip_bad() {
    let d = workspace();
    let p = d.path();
    let csv = p.join("items.csv");
    std::fs::write(
        &csv,
        "Summary,Type,Story Points,Labels\nRefund a payment,story,3,refunds;payments\nBroken,stroy,2,\nExport refunds,story,lots,\nPay out daily,story,5,payouts\n",
    )
    .unwrap();
    let r = cairn(p, &["import", "csv", csv.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(":3:") && r.stderr.contains("stroy"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(":4:") && r.stderr.contains("lots"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&ok(p, &["query", "", "--format", "json"])).unwrap();
    assert_eq!(v["total"], 0);
    let out = ok(p, &["import", "csv", csv.to_str().unwrap(), "--skip-bad"]);
    assert!(out.contains("imported 2 item(s)"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(p, &["item", "show", "PAY-1", "--format", "json"])).unwrap();
    assert_eq!(v["labels"], serde_json::json!(["payments", "refunds"]));
    assert_eq!(v["estimate"], 3.0);
}

#[test]
fn dump_round_trip_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    ok(p, &["demo"]);
    ok(p, &["export", "dump", "--out", "a.jsonl"]);
    ok(p, &["--db", "sqlite:b.db", "import", "dump", "a.jsonl"]);
    ok(
        p,
        &["--db", "sqlite:b.db", "export", "dump", "--out", "b.jsonl"],
    );
    let a = std::fs::read_to_string(p.join("a.jsonl")).unwrap();
    let b = std::fs::read_to_string(p.join("b.jsonl")).unwrap();
    assert!(a == b, "export → import → export changed the dump");
    assert!(ok(p, &["--db", "sqlite:b.db", "audit", "verify"]).contains("intact"));
    // Full-text search works on the imported items and on new ones (the
    // index was rebuilt and its triggers restored).
    let found = ok(
        p,
        &[
            "--db",
            "sqlite:b.db",
            "query",
            "text ~ refunds",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert!(v["total"].as_u64().unwrap() > 5, "{v}");
    ok(
        p,
        &[
            "--db",
            "sqlite:b.db",
            "item",
            "add",
            "bug",
            "Zebra stripes in the statement PDF",
        ],
    );
    let found = ok(
        p,
        &[
            "--db",
            "sqlite:b.db",
            "query",
            "text ~ zebra",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!(v["total"], 1, "{v}");
}

#[test]
fn completions_and_man_page_are_generated() {
    let d = tempfile::tempdir().unwrap();
    assert!(ok(d.path(), &["completions", "bash"]).contains("cairn"));
    assert!(ok(d.path(), &["man"]).contains(".TH"));
}

#[test]
fn rank_compare_explain_and_apply_on_the_demo() {
    let d = tempfile::tempdir().unwrap();
    ok(d.path(), &["demo", "-q"]);
    let table = ok(d.path(), &["rank", "--model", "rice"]);
    assert!(table.contains("ranked by RICE"), "{table}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(d.path(), &["rank", "--format", "json"])).unwrap();
    assert_eq!(v["model"], "wsjf");
    let items = v["items"].as_array().unwrap();
    assert!(items.len() > 10);
    let first = items[0]["key"].as_str().unwrap().to_string();
    for field in [
        "position",
        "current_position",
        "score",
        "own_score",
        "inherited_from",
        "missing",
    ] {
        assert!(
            items[0].get(field).is_some(),
            "{field} missing from {}",
            items[0]
        );
    }
    let explain = ok(d.path(), &["rank", "--explain", &first]);
    assert!(explain.contains("WSJF place 1 of"), "{explain}");
    assert!(explain.contains("cost of delay"), "{explain}");
    let applied = ok(d.path(), &["rank", "--apply", "--reason", "planning"]);
    assert!(applied.contains("applied the WSJF order"), "{applied}");
    let hist = ok(d.path(), &["history", &first]);
    assert!(hist.contains("ranked by WSJF: planning"), "{hist}");
    // Bad model and bad field values exit 2 with a fix.
    let r = cairn(d.path(), &["rank", "--model", "rise"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `rice`"), "{}", r.stderr);
    ok(d.path(), &["item", "edit", &first, "--field", "impact=7"]);
    let r = cairn(d.path(), &["rank", "--model", "rice"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("{first}: impact = 7")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("0.25, 0.5, 1, 2, 3"), "{}", r.stderr);
}

#[test]
fn kano_import_reports_bad_lines_and_applies() {
    let d = tempfile::tempdir().unwrap();
    ok(d.path(), &["demo", "-q"]);
    let key = {
        let v: serde_json::Value =
            serde_json::from_str(&ok(d.path(), &["rank", "--format", "json"])).unwrap();
        v["items"][0]["key"].as_str().unwrap().to_string()
    };
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("item,functional,dysfunctional\n{key},like,dislike\n{key},sometimes,dislike\n"),
    )
    .unwrap();
    let r = cairn(
        d.path(),
        &["kano", "import", bad.to_str().unwrap(), "--apply"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("line 3, column functional: `sometimes`"),
        "{}",
        r.stderr
    );
    let good = d.path().join("good.csv");
    std::fs::write(&good, format!("item,functional,dysfunctional\n{key},like,neutral\n{key},like,neutral\n{key},neutral,dislike\n")).unwrap();
    let out = ok(
        d.path(),
        &["kano", "import", good.to_str().unwrap(), "--apply"],
    );
    assert!(out.contains("attractive"), "{out}");
    let shown = ok(d.path(), &["item", "show", &key, "--format", "json"]);
    assert!(shown.contains("\"kano\": \"attractive\""), "{shown}");
}

// ---- forecasting and planning ------------------------------------------------

fn demo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    ok(d.path(), &["demo", "-q"]);
    d
}

/// The table row of a confidence level.
fn level_row<'a>(out: &'a str, level: &str) -> &'a str {
    out.lines()
        .find(|l| l.trim_start_matches('│').trim_start().starts_with(level))
        .unwrap_or_else(|| panic!("no {level} row in:\n{out}"))
}

#[test]
fn forecast_when_is_reproducible_with_a_seed() {
    let d = demo();
    let p = d.path();
    let args = ["forecast", "when", "--count", "10", "--seed", "7"];
    let first = ok(p, &args);
    assert_eq!(first, ok(p, &args), "the same seed gave another forecast");
    assert!(
        first.contains("When will 10 items in PAY be done?"),
        "{first}"
    );
    assert!(first.contains("seed 7 (rerun with --seed 7"), "{first}");
    for level in ["50 %", "70 %", "85 %", "95 %"] {
        assert!(level_row(&first, level).contains("working days"), "{first}");
    }

    let json = [&args[..], &["--format", "json"]].concat();
    let out = ok(p, &json);
    assert_eq!(out, ok(p, &json));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["basis"]["seed"], 7);
    assert_eq!(v["basis"]["trials"], 10_000);
    assert_eq!(v["basis"]["product"], "PAY");
    assert_eq!(v["basis"]["pace"]["source"], "history");
    assert_eq!(v["basis"]["pace"]["unit"], "working days");
    assert!(v["basis"]["pace"]["delivered"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["items"], 10);
    let scenarios = v["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1);
    assert_eq!(scenarios[0]["label"], "as planned");
    let levels = scenarios[0]["levels"].as_array().unwrap();
    assert_eq!(
        levels
            .iter()
            .map(|l| l["level"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![50, 70, 85, 95]
    );
    let start =
        chrono::NaiveDate::parse_from_str(v["basis"]["start"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let mut last = start;
    for l in levels {
        let day = chrono::NaiveDate::parse_from_str(l["date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{l}: {e}"));
        assert!(day >= last, "dates go backwards: {levels:?}");
        last = day;
        for field in ["periods", "error", "beyond", "items"] {
            assert!(l.get(field).is_some(), "{field} missing from {l}");
        }
    }
    assert!(v["histogram"].as_array().is_some_and(|h| !h.is_empty()));

    // A what-if adds a column; the plain forecast stays the same.
    let w = ok(p, &[&args[..], &["--what-if", "add=20"]].concat());
    assert!(w.contains("add=20"), "{w}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(p, &[&json[..], &["--what-if", "add=20"]].concat())).unwrap();
    assert_eq!(v["scenarios"][0]["levels"].as_array(), Some(levels));
    assert!(
        v["scenarios"][1]["levels"][2]["periods"].as_u64() > levels[2]["periods"].as_u64(),
        "{v}"
    );
}

#[test]
fn forecast_when_reproduces_the_throughput_forecaster() {
    // Troy Magennis' published case: 20-25 stories splitting 1-1.5, 1/3/10 a week.
    let d = workspace();
    let p = d.path();
    let args = [
        "forecast",
        "when",
        "--stories",
        "20-25",
        "--split",
        "1-1.5",
        "--throughput",
        "1,3,10",
        "--start",
        "2021-01-01",
        "--seed",
        "1",
    ];
    let out = ok(p, &args);
    assert!(level_row(&out, "50 %").contains(" 7 weeks"), "{out}");
    assert!(level_row(&out, "85 %").contains(" 8 weeks"), "{out}");
    assert!(level_row(&out, "95 %").contains(" 9 weeks"), "{out}");
    assert!(level_row(&out, "50 %").contains("2021-02-18"), "{out}");
    assert!(
        out.contains("an estimate of 1 / 3 / 10 items a week"),
        "{out}"
    );

    let chart = p.join("when.svg");
    let with_chart = [&args[..], &["--chart", chart.to_str().unwrap()]].concat();
    assert_eq!(ok(p, &with_chart), out, "--chart changed the table");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("85%"), "the chart marks the levels");
}

#[test]
fn forecast_charts_and_formats_on_the_demo() {
    let d = demo();
    let p = d.path();
    for kind in ["throughput", "cfd", "cycle-time"] {
        let file = p.join(format!("{kind}.svg"));
        let out = ok(
            p,
            &[
                "forecast",
                "history",
                "--chart",
                file.to_str().unwrap(),
                "--chart-type",
                kind,
            ],
        );
        assert!(out.contains("Flow of PAY"), "{out}");
        let svg = std::fs::read_to_string(&file).unwrap();
        assert!(svg.starts_with("<svg"), "{kind}");
    }
    let burn = p.join("burn.svg");
    let by = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let out = ok(
        p,
        &[
            "forecast",
            "cut-line",
            "--by",
            &by,
            "--seed",
            "42",
            "--chart",
            burn.to_str().unwrap(),
        ],
    );
    assert!(out.contains(&format!("Cut line for {by}")), "{out}");
    assert!(out.contains("Likely (at least 85 % of trials)"), "{out}");
    assert!(std::fs::read_to_string(&burn).unwrap().starts_with("<svg"));
    // CSV: one row per item, with a header.
    let csv = ok(
        p,
        &[
            "forecast", "cut-line", "--by", &by, "--seed", "42", "--format", "csv",
        ],
    );
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "position,key,kind,state,chance,band,p50,p85,title"
    );
    assert!(lines.next().unwrap().starts_with("1,PAY-"), "{csv}");
    let v: serde_json::Value = serde_json::from_str(&ok(
        p,
        &[
            "forecast", "how-many", &by, "--seed", "3", "--format", "json",
        ],
    ))
    .unwrap();
    let items: Vec<u64> = v["scenarios"][0]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["items"].as_u64().unwrap())
        .collect();
    assert!(items.windows(2).all(|w| w[0] >= w[1]), "{items:?}");
}

#[test]
fn forecast_and_plan_bad_input_exit_2() {
    let d = demo();
    let p = d.path();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["forecast", "cut-line", "--by", "2020-01-01"],
            &["2020-01-01", "before the forecast starts", "--by"],
        ),
        (
            &["plan", "sprints", "--capacity", "0"],
            &["zero capacity", "--capacity N"],
        ),
        (
            &["forecast", "when"],
            &["say what to forecast", "--count N", "--release NAME"],
        ),
        (
            &["forecast", "when", "--count", "5", "--what-if", "speed=2"],
            &["what-if `speed=2`", "add=N"],
        ),
        (
            &["forecast", "when", "--count", "5", "--throughput", "5,1"],
            &["low ≤ likely ≤ high"],
        ),
        (
            &["forecast", "when", "--count", "5", "--throughput", "many"],
            &["--throughput `many`", "1,3,10"],
        ),
        (
            &["forecast", "how-many", "next-week"],
            &["`next-week` is not a date", "YYYY-MM-DD"],
        ),
        (
            &["forecast", "when", "--release", "1999.9"],
            &["release 1999.9", "cairn release list"],
        ),
        (
            &["plan", "sprints", "--capacity", "5", "--override", "9=1"],
            &["no sprint 9"],
        ),
    ];
    for (args, wants) in cases {
        let r = cairn(p, args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
        for want in *wants {
            assert!(
                r.stderr.contains(want),
                "{args:?}: wanted {want:?} in {}",
                r.stderr
            );
        }
    }

    // Nothing delivered yet: say how to widen the window or estimate.
    let d = workspace();
    ok(d.path(), &["item", "add", "story", "First story"]);
    let r = cairn(d.path(), &["forecast", "when", "--count", "5"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no items were delivered")
            && r.stderr.contains("--window")
            && r.stderr.contains("--throughput"),
        "{}",
        r.stderr
    );
    // A cycle of blocks links is named.
    ok(d.path(), &["item", "add", "story", "Second story"]);
    ok(d.path(), &["link", "PAY-1", "blocks", "PAY-2"]);
    ok(d.path(), &["link", "PAY-2", "blocks", "PAY-1"]);
    let r = cairn(
        d.path(),
        &["plan", "critical-path", "--default-estimate", "1"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("PAY-1 blocks PAY-2 blocks PAY-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn plan_release_exits_1_when_it_does_not_fit() {
    let d = workspace();
    let p = d.path();
    ok(p, &["release", "add", "2099.1", "--date", "2099-12-31"]);
    ok(
        p,
        &["item", "add", "story", "Not in the release", "-e", "1"],
    );
    ok(
        p,
        &[
            "item",
            "add",
            "story",
            "Refund a payment",
            "-e",
            "3",
            "--release",
            "2099.1",
        ],
    );
    ok(
        p,
        &[
            "item",
            "add",
            "story",
            "Partial refunds",
            "-e",
            "5",
            "--release",
            "2099.1",
        ],
    );
    ok(p, &["link", "PAY-2", "blocks", "PAY-3"]);
    let out = ok(
        p,
        &[
            "plan",
            "release",
            "2099.1",
            "--capacity",
            "8",
            "--start",
            "2099-01-05",
        ],
    );
    assert!(
        out.contains("Release 2099.1 of PAY, target 2099-12-31"),
        "{out}"
    );
    assert!(
        out.contains("Sprint 1 · 2099-01-05 to 2099-01-16 · 8 of 8 points"),
        "{out}"
    );
    assert!(out.contains("The release fits."), "{out}");
    assert!(
        !out.contains("PAY-1 "),
        "an item outside the release was planned:\n{out}"
    );

    // Too small a sprint: PAY-3 does not fit, so the release does not.
    let r = cairn(p, &["plan", "release", "2099.1", "--capacity", "4"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("5 points is more than any sprint holds (4): split it"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("The release does not fit"),
        "{}",
        r.stdout
    );
    let r = cairn(
        p,
        &[
            "plan",
            "release",
            "2099.1",
            "--capacity",
            "4",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["fits"], false);
    assert_eq!(v["release_target"], "2099-12-31");
    assert_eq!(v["not_planned"][0]["key"], "PAY-3");
    assert_eq!(v["not_planned"][0]["reason"], "too-big");

    // Plain sprint plans and the critical path exit 0.
    let out = ok(p, &["plan", "sprints", "--capacity", "8", "--sprints", "2"]);
    assert!(out.contains("Everything in scope fits."), "{out}");
    let out = ok(p, &["plan", "critical-path"]);
    assert!(
        out.contains("Critical path of PAY: 8 estimate units over 2 items: PAY-2 → PAY-3"),
        "{out}"
    );
}

#[test]
fn lint_gates_ci_with_exit_1_and_writes_sarif() {
    let d = workspace();
    let p = d.path();
    // A clean story: exit 0.
    ok(
        p,
        &[
            "item",
            "add",
            "story",
            "As a cashier, I want to void a card payment, so that a mistaken charge is undone",
            "--acceptance",
            "Scenario: void\n  Given a payment\n  When I void it\n  Then nobody is charged",
        ],
    );
    ok(p, &["lint"]);
    // A compound, oversized story warns on create, and fails the lint gate.
    let r = cairn(
        p,
        &[
            "item",
            "add",
            "story",
            "As a cashier, I want to create and delete refunds quickly",
            "--estimate",
            "21",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning[atomic]"), "{}", r.stderr);
    assert!(r.stderr.contains("error[too-big]"), "{}", r.stderr);
    let r = cairn(p, &["lint", "--sarif", "out.sarif"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("PAY-2 warning[atomic] title:1:32"),
        "{}",
        r.stdout
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "atomic"));
    let results = run["results"].as_array().unwrap();
    let atomic = results.iter().find(|r| r["ruleId"] == "atomic").unwrap();
    assert_eq!(atomic["level"], "warning");
    assert_eq!(
        rules[atomic["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "atomic"
    );
    assert_eq!(
        atomic["locations"][0]["logicalLocations"][0]["name"],
        "PAY-2"
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "too-big" && r["level"] == "error")
    );
    // Lint a plain file of stories: physical locations with lines and columns.
    std::fs::write(
        p.join("stories.txt"),
        "As a clerk, I want a fast export\n\nexport invoices\n",
    )
    .unwrap();
    let r = cairn(p, &["lint", "--file", "stories.txt", "--sarif", "-"]);
    assert_eq!(r.code, 1, "well-formed is an error: {}", r.stdout);
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let vague = results
        .iter()
        .find(|r| r["ruleId"] == "unambiguous")
        .unwrap();
    let loc = &vague["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "stories.txt");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 22);
    assert!(results.iter().any(|r| r["ruleId"] == "well-formed"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 3));
    // The rule catalogue.
    assert!(ok(p, &["lint", "--rules"]).contains("problem-oriented"));
}

#[test]
fn requirements_import_reimport_and_bad_documents() {
    let d = workspace();
    let p = d.path();
    std::fs::write(p.join("empty.md"), "# Notes\n\nNothing required here.\n").unwrap();
    let r = cairn(p, &["req", "import", "empty.md"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("empty.md") && r.stderr.contains("no requirements found"),
        "{}",
        r.stderr
    );
    std::fs::write(p.join("reqs.csv"), "id,title\nR-1,Login\n").unwrap();
    let r = cairn(p, &["req", "import", "reqs.csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("reqs.csv"), "{}", r.stderr);
    std::fs::write(p.join("notes.txt"), "x").unwrap();
    assert_eq!(cairn(p, &["req", "import", "notes.txt"]).code, 2);
    std::fs::write(p.join("spec.md"), "# Spec\n\n1. R-1: The system shall allow the clerk to create and approve invoices.\n2. R-2: Only finance staff shall see payroll data.\n").unwrap();
    let out = ok(p, &["req", "import", "spec.md"]);
    assert!(out.contains("2 added"), "{out}");
    let classes = ok(p, &["--format", "json", "req", "classify"]);
    let v: serde_json::Value = serde_json::from_str(&classes).unwrap();
    assert_eq!(v[0]["class"], "functional");
    assert_eq!(v[1]["kind"], "non-functional");
    let preview = ok(p, &["decompose", "PAY-1"]);
    assert!(
        preview.contains("As a clerk, I want to approve invoices"),
        "{preview}"
    );
    assert!(preview.contains("preview only"), "{preview}");
    ok(p, &["decompose", "PAY-1", "--apply"]);
    std::fs::write(p.join("spec.md"), "# Spec\n\n1. R-1: The system shall allow the clerk to create, approve and void invoices.\n2. R-2: Only finance staff shall see payroll data.\n").unwrap();
    let out = ok(p, &["req", "import", "spec.md"]);
    assert!(
        out.contains("1 updated") && out.contains("marked suspect"),
        "{out}"
    );
    let list = ok(p, &["suspect", "list"]);
    assert!(list.contains("PAY-3") && list.contains("PAY-1"), "{list}");
    ok(p, &["suspect", "clear", "PAY-3", "--reason", "still right"]);
    assert_eq!(cairn(p, &["suspect", "clear", "PAY-3"]).code, 2);
    let dupes = ok(p, &["dupes", "--threshold", "0.3"]);
    assert!(dupes.contains("PAY-"), "{dupes}");
}

fn cairn_stdin(dir: &Path, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .current_dir(dir)
        .env_remove("CAIRN_DB")
        .env("CAIRN_ACTOR", "tester")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn users_roles_and_tokens_from_the_cli() {
    let d = workspace();
    let r = cairn_stdin(
        d.path(),
        &["user", "add", "ada", "--name", "Ada Lovelace", "--admin"],
        "correct horse battery\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("created user ada (admin)"),
        "{}",
        r.stdout
    );
    // A short password, an unknown role or product, a duplicate: exit 2 with a fix.
    let r = cairn_stdin(d.path(), &["user", "add", "bob"], "short\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at least 10 characters"), "{}", r.stderr);
    let r = cairn_stdin(
        d.path(),
        &["user", "add", "bob", "--role", "PAY=boss"],
        "correct horse battery\n",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a role"), "{}", r.stderr);
    let r = cairn_stdin(
        d.path(),
        &["user", "add", "bob", "--role", "NOPE=owner"],
        "correct horse battery\n",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no product NOPE"), "{}", r.stderr);
    let r = cairn_stdin(d.path(), &["user", "add", "ada"], "correct horse battery\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let r = cairn_stdin(
        d.path(),
        &["user", "add", "sam", "--role", "PAY=stakeholder"],
        "another good password\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    ok(d.path(), &["user", "grant", "sam", "pay", "member"]);
    let list = ok(d.path(), &["user", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v[1]["handle"], "sam");
    assert_eq!(v[1]["roles"][0]["role"], "member");
    assert!(
        !list.contains("argon2"),
        "password hashes never leave the database"
    );
    // Tokens: the secret is printed once; the list never shows it.
    let secret = ok(d.path(), &["user", "token", "add", "sam", "ci"]);
    assert!(secret.trim().starts_with("cairn_"), "{secret}");
    let tokens = ok(d.path(), &["user", "token", "list", "sam"]);
    assert!(tokens.contains("ci") && !tokens.contains(secret.trim()));
    ok(d.path(), &["user", "token", "revoke", "sam", "1"]);
    assert!(ok(d.path(), &["user", "token", "list", "sam"]).contains("revoked"));
    // The last admin cannot be disabled.
    let r = cairn(d.path(), &["user", "disable", "ada"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("last admin"), "{}", r.stderr);
    // Every account change is audited, without secrets.
    let audit = ok(d.path(), &["history", "user:sam", "--format", "json"]);
    assert!(
        audit.contains("user.create")
            && audit.contains("user.role")
            && audit.contains("token.create")
    );
    assert!(!audit.contains(secret.trim()));
}

#[test]
fn reports_and_the_register_from_the_cli() {
    let d = demo();
    let r = cairn(
        d.path(),
        &[
            "risk",
            "add",
            "Card certification slips",
            "-L",
            "3",
            "-I",
            "5",
            "--mitigation",
            "PAY-96",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("recorded R-5 (score 15"), "{}", r.stdout);
    let r = cairn(d.path(), &["risk", "add", "x", "-L", "7", "-I", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("likelihood 7 is out of range"),
        "{}",
        r.stderr
    );
    ok(
        d.path(),
        &["risk", "update", "R-5", "-L", "2", "--reason", "lab booked"],
    );
    assert!(ok(d.path(), &["risk", "show", "R-5"]).contains("score 15  (L3 × I5)"));
    ok(
        d.path(),
        &[
            "decision",
            "add",
            "Build or buy screening",
            "--option",
            "Buy: +two weeks, -fees",
        ],
    );
    let r = cairn(d.path(), &["decision", "add", "y", "--option", "Buy: fees"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("start each trade-off with +"),
        "{}",
        r.stderr
    );

    let md = ok(d.path(), &["report", "risks"]);
    assert!(md.starts_with("# Risk register"), "{md}");
    assert!(
        md.contains("**D-4** Build or buy screening — options: Buy"),
        "{md}"
    );
    let json = ok(
        d.path(),
        &[
            "report",
            "release-notes",
            "--since",
            "8w",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["features"].as_array().unwrap().len() + v["fixes"].as_array().unwrap().len() > 0,
        "{json}"
    );
    let out = d.path().join("notes.html");
    ok(
        d.path(),
        &[
            "report",
            "release-notes",
            "--since",
            "8w",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("release notes"));
    let r = cairn(d.path(), &["report", "risks", "--out", "x.pdf"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".html, .md or .json"), "{}", r.stderr);
    let r = cairn(d.path(), &["report", "release-notes", "--since", "soon"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("such as 2w or 10d"), "{}", r.stderr);

    // The exec report: JSON with every release's dates, recorded for the
    // next report unless --no-record.
    let json = ok(d.path(), &["report", "exec", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["forecast_ok"].as_bool().unwrap(), "{json}");
    let releases = v["releases"].as_array().unwrap();
    assert!(
        !releases.is_empty() && releases.iter().all(|r| r["p85"].is_string()),
        "{json}"
    );
    assert_eq!(v["goals"].as_array().unwrap().len(), 3, "{json}");
    assert!(v["compared_with"].is_null(), "{json}");
    let md = ok(d.path(), &["report", "exec", "--scope", "label = payments"]);
    assert!(
        md.contains("update for leadership") && md.contains("scope: label = payments"),
        "{md}"
    );
    let r = cairn(d.path(), &["report", "exec", "--scope", "labl = x"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("labl"), "{}", r.stderr);
    let r = cairn(d.path(), &["report", "team", "--release", "2026.3"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--release is for release notes"),
        "{}",
        r.stderr
    );
    let team = ok(d.path(), &["report", "team"]);
    assert!(
        team.contains("## Blocked work") && team.contains("## Throughput and cycle time"),
        "{team}"
    );
    let out = d.path().join("roadmap.html");
    ok(
        d.path(),
        &["report", "roadmap", "--out", out.to_str().unwrap()],
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<svg") && html.contains("Now, next, later"),
        "{html}"
    );
}

#[test]
fn evidence_and_the_trace_matrix_from_the_cli() {
    let d = demo();
    let report = d.path().join("TEST-refunds.xml");
    std::fs::write(
        &report,
        r#"<?xml version="1.0"?>
<testsuite name="refunds" tests="3">
  <testcase classname="refunds" name="PAY-96 logs every card token read" time="0.2"/>
  <testcase classname="refunds" name="[PAY-90] shows a clear decline message"><failure message="no message shown"/></testcase>
  <testcase classname="api" name="sandbox"><properties><property name="requirement" value="PAY-127"/></properties></testcase>
</testsuite>
"#,
    )
    .unwrap();
    let out = ok(
        d.path(),
        &["evidence", "import", "TEST-refunds.xml", "--build", "1500"],
    );
    assert!(
        out.contains("imported 3 tests of build 1500 into PAY from 1 file: 2 passed, 1 failed"),
        "{out}"
    );
    assert!(
        out.contains("PAY-127 verified by api.sandbox (from its property)"),
        "{out}"
    );
    // Again for the same build: replaced, not doubled.
    let out = ok(
        d.path(),
        &["evidence", "import", "TEST-refunds.xml", "--build", "1500"],
    );
    assert!(out.contains("results replaced"), "{out}");
    let out = ok(
        d.path(),
        &[
            "evidence",
            "tests",
            "--outcome",
            "failed",
            "--format",
            "csv",
        ],
    );
    assert!(
        out.contains("refunds.[PAY-90] shows a clear decline message,failed"),
        "{out}"
    );
    // An unknown key refuses the import with the file and line.
    std::fs::write(
        d.path().join("bad.xml"),
        "<testsuite>\n<testcase name=\"PAY-9999 refunds\"/>\n</testsuite>\n",
    )
    .unwrap();
    let r = cairn(
        d.path(),
        &["evidence", "import", "bad.xml", "--build", "1501"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("bad.xml:2: test \"PAY-9999 refunds\" names PAY-9999, which is not an item"),
        "{}",
        r.stderr
    );
    // Hostile XML.
    std::fs::write(
        d.path().join("xxe.xml"),
        "<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<testsuite name=\"&x;\"/>\n",
    )
    .unwrap();
    let r = cairn(
        d.path(),
        &["evidence", "import", "xxe.xml", "--build", "1501"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("xxe.xml: line 1: the report declares a document type"),
        "{}",
        r.stderr
    );
    // The matrix: a table, gaps for CI, and files.
    let out = ok(d.path(), &["trace"]);
    assert!(out.contains("10 requirements:"), "{out}");
    let r = cairn(d.path(), &["trace", "--gaps", "--fail-on-gaps"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("failing-test"), "{}", r.stdout);
    for f in ["trace.html", "trace.csv", "trace.md", "trace.json"] {
        let r = cairn(d.path(), &["trace", "--out", f]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            std::fs::metadata(d.path().join(f)).unwrap().len() > 500,
            "{f}"
        );
    }
    let csv = std::fs::read_to_string(d.path().join("trace.csv")).unwrap();
    assert!(
        csv.starts_with("requirement,requirement_title,status,item"),
        "{csv}"
    );
    let r = cairn(d.path(), &["trace", "--out", "trace.pdf"]);
    assert_eq!(r.code, 2);
    let r = cairn(d.path(), &["trace", "kind = = x"]);
    assert_eq!(r.code, 2);
}

#[test]
fn gates_refuse_moves_and_explain_from_the_cli() {
    let d = demo();
    let config = ok(d.path(), &["config", "show"]);
    std::fs::write(
        d.path().join("gates.toml"),
        format!(
            "{config}\n[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nstory = [\"tests-passed\", \"children-done\"]\n"
        ),
    )
    .unwrap();
    ok(d.path(), &["config", "apply", "gates.toml"]);
    // PAY-14's test fails in the demo's latest build.
    let r = cairn(d.path(), &["gate", "check", "PAY-14"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("Definition of Done NOT met"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("FAIL  tests-passed"), "{}", r.stdout);
    let r = cairn(
        d.path(),
        &["gate", "check", "--release", "2026.3", "--format", "csv"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with("item,gate,rule,ok,detail"),
        "{}",
        r.stdout
    );
    let r = cairn(d.path(), &["gate", "check", "PAY-90", "--gate", "finished"]);
    assert_eq!(r.code, 2);
    // A move into done is refused, naming the rule; an override needs a reason.
    let r = cairn(d.path(), &["item", "state", "PAY-90", "done"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("PAY-90 cannot move to done"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("tests-passed: no test verifies PAY-90"),
        "{}",
        r.stderr
    );
    let r = cairn(
        d.path(),
        &["item", "state", "PAY-90", "done", "--override-gate"],
    );
    assert_eq!(r.code, 2);
    ok(
        d.path(),
        &[
            "item",
            "state",
            "PAY-90",
            "done",
            "--override-gate",
            "--reason",
            "verified in staging",
        ],
    );
    let h = ok(d.path(), &["history", "PAY-90"]);
    assert!(h.contains("gate.override"), "{h}");
    // A bad gate config is refused and changes nothing.
    std::fs::write(
        d.path().join("bad.toml"),
        format!("{config}\n[gates.done]\nstates = [\"shipped\"]\n"),
    )
    .unwrap();
    let r = cairn(d.path(), &["config", "apply", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`shipped` is not a state"),
        "{}",
        r.stderr
    );
}

#[test]
fn baselines_and_signatures_from_the_cli() {
    let d = demo();
    let out = ok(
        d.path(),
        &[
            "baseline",
            "create",
            "2026.3 scope",
            "kind = requirement",
            "--description",
            "agreed",
        ],
    );
    assert!(
        out.contains("baseline \"2026.3 scope\" of PAY: 10 items"),
        "{out}"
    );
    let r = cairn(d.path(), &["baseline", "create", "2026.3 scope"]);
    assert_eq!(r.code, 2);
    ok(
        d.path(),
        &[
            "item",
            "edit",
            "PAY-1",
            "--title",
            "Screen merchants against EU and UN lists",
        ],
    );
    let diff = ok(d.path(), &["baseline", "diff", "2026.3 scope"]);
    assert!(
        diff.contains("0 added, 0 removed, 1 changed, 9 unchanged"),
        "{diff}"
    );
    assert!(diff.contains("| PAY-1 | title |"), "{diff}");
    let r = cairn(
        d.path(),
        &["baseline", "diff", "2026.3 scope", "--out", "diff.html"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(d.path().join("diff.html"))
            .unwrap()
            .contains("<table")
    );
    // Sign with the password on stdin.
    let r = cairn_stdin(
        d.path(),
        &["user", "add", "freya", "--name", "Freya Nilsen"],
        "a long passphrase\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = cairn_stdin(
        d.path(),
        &["sign", "PAY-93", "--meaning", "approval", "--user", "freya"],
        "wrong\n",
    );
    assert_eq!(r.code, 2);
    let r = cairn_stdin(
        d.path(),
        &["sign", "PAY-93", "--meaning", "approval", "--user", "freya"],
        "a long passphrase\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("S-1 valid — Freya Nilsen (freya)"),
        "{}",
        r.stdout
    );
    let r = cairn_stdin(
        d.path(),
        &[
            "sign",
            "--baseline",
            "2026.3 scope",
            "--meaning",
            "review",
            "--user",
            "freya",
        ],
        "a long passphrase\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = cairn(d.path(), &["sign", "PAY-93", "--meaning", "ok"]);
    assert_eq!(r.code, 2);
    ok(
        d.path(),
        &[
            "item",
            "edit",
            "PAY-93",
            "--title",
            "Log and review card data access",
        ],
    );
    let out = ok(d.path(), &["signatures", "PAY-93"]);
    assert!(out.contains("S-1 INVALID"), "{out}");
    let out = ok(d.path(), &["audit", "verify"]);
    assert!(
        out.contains("2 electronic signatures match their records"),
        "{out}"
    );
}

#[test]
fn reqif_import_and_export_from_the_cli() {
    let d = workspace();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/reqif/org.eclipse.rmf-01_specRelationTest.reqif"
    );
    let out = ok(d.path(), &["req", "import", sample]);
    assert!(out.contains("2 added"), "{out}");
    assert!(
        out.contains("1 relation(s) linked: PAY-1 relates PAY-2")
            || out.contains("relation(s) linked"),
        "{out}"
    );
    let r = cairn(d.path(), &["req", "export", "--out", "pay.reqif"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    ok(d.path(), &["product", "add", "RT", "Round trip"]);
    let out = ok(d.path(), &["req", "import", "pay.reqif", "--product", "RT"]);
    assert!(
        out.contains("2 added") && out.contains("relation(s) linked"),
        "{out}"
    );
    // A dangling relation: exit 2, the relation named, nothing imported.
    let text = std::fs::read_to_string(d.path().join("pay.reqif")).unwrap();
    let bad = text.replacen(
        "<TARGET><SPEC-OBJECT-REF>",
        "<TARGET><SPEC-OBJECT-REF>gone-",
        1,
    );
    std::fs::write(d.path().join("bad.reqif"), bad).unwrap();
    let r = cairn(d.path(), &["req", "import", "bad.reqif", "--product", "RT"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("dangling reference"), "{}", r.stderr);
    let r = cairn(d.path(), &["req", "export", "kind = bug"]);
    assert_eq!(r.code, 2);
    // Zipped: .reqifz out and in.
    let r = cairn(
        d.path(),
        &["req", "export", "--out", "pay.reqifz", "--product", "PAY"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    ok(d.path(), &["product", "add", "ZIP", "Zipped"]);
    let out = ok(
        d.path(),
        &["req", "import", "pay.reqifz", "--product", "ZIP"],
    );
    assert!(out.contains("2 added"), "{out}");
    std::fs::write(d.path().join("junk.reqifz"), "not a zip").unwrap();
    let r = cairn(
        d.path(),
        &["req", "import", "junk.reqifz", "--product", "PAY"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("junk.reqifz: not a .reqifz archive"),
        "{}",
        r.stderr
    );
}

#[test]
fn feedback_from_the_cli_on_the_demo() {
    let d = demo();
    let p = d.path();
    // Record, with suggestions; link; demand; themes; insights.
    let out = ok(
        p,
        &[
            "feedback",
            "add",
            "The 3-D Secure challenge is cut off on my small phone screen",
            "--customer",
            "Acme",
            "--segment",
            "enterprise",
            "--revenue",
            "50000",
            "--importance",
            "critical",
        ],
    );
    assert!(out.contains("recorded F-38"), "{out}");
    assert!(
        out.contains("3-D Secure challenge window is cut off"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&ok(
        p,
        &[
            "--format", "json", "feedback", "suggest", "F-38", "--limit", "1",
        ],
    ))
    .unwrap();
    let key = v[0]["key"].as_str().unwrap().to_string();
    ok(p, &["feedback", "link", "F-38", &key]);
    let demand = ok(p, &["--format", "csv", "feedback", "demand"]);
    assert!(
        demand.starts_with("key,state,requests,customers,revenue"),
        "{demand}"
    );
    assert!(demand.contains(&format!("{key},")), "{demand}");
    let themes = ok(p, &["feedback", "themes"]);
    assert!(themes.contains("klarna"), "{themes}");
    let html = p.join("feedback.html");
    ok(
        p,
        &["feedback", "insights", "--out", html.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("Top themes by demand") && text.contains("Inbox"));
    let report = ok(p, &["report", "feedback"]);
    assert!(report.contains("Most demanded items"), "{report}");

    // Who to tell, as CSV, then marked.
    let csv = ok(p, &["--format", "csv", "feedback", "tell"]);
    assert!(csv.starts_with("item,title,release,customer"), "{csv}");
    let waiting = csv.lines().count() - 1;
    assert!(waiting > 0, "{csv}");
    ok(p, &["feedback", "tell", "--mark"]);
    let after = ok(p, &["--format", "csv", "feedback", "tell"]);
    assert_eq!(after.lines().count(), 1, "{after}");

    // A CSV with bad rows: exit 2, each row and field named, nothing in.
    let file = p.join("fb.csv");
    std::fs::write(
        &file,
        "ticket,comment,date\nT-1,Export to PDF,2026-01-02\nT-2,,2026-01-02\nT-3,Dark mode,yesterday\n",
    )
    .unwrap();
    let r = cairn(
        p,
        &[
            "feedback",
            "import",
            file.to_str().unwrap(),
            "--map",
            "source_id=ticket",
        ],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("nothing was imported: 2 rows are bad"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("line 3: text"), "{}", r.stderr);
    assert!(
        r.stderr.contains("line 4: received: `yesterday`"),
        "{}",
        r.stderr
    );
    std::fs::write(
        &file,
        "ticket,comment,date\nT-1,Export to PDF,2026-01-02\nT-2,Dark mode,2026-01-03\n",
    )
    .unwrap();
    let args = [
        "feedback",
        "import",
        file.to_str().unwrap(),
        "--map",
        "source_id=ticket",
        "--source",
        "survey",
    ];
    let out = ok(p, &args);
    assert!(out.contains("2 added, 0 updated, 0 unchanged"), "{out}");
    let out = ok(p, &args);
    assert!(out.contains("0 added, 0 updated, 2 unchanged"), "{out}");
    let r = cairn(p, &["feedback", "add", " "]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("has no text"), "{}", r.stderr);
    let r = cairn(p, &["feedback", "link", "F-1", "PAY-9999"]);
    assert_eq!(r.code, 2);
}

#[test]
fn discussions_from_the_cli() {
    let d = workspace();
    let p = d.path();
    ok(p, &["item", "add", "story", "Refund a payment"]);
    ok(p, &["item", "add", "story", "Refund in part"]);
    ok(p, &["person", "add", "ada", "Ada Lovelace"]);
    let out = ok(
        p,
        &["comment", "add", "PAY-1", "Does PAY-2 cover this? @ada"],
    );
    assert!(out.contains("comment #1 on PAY-1"), "{out}");
    assert!(
        out.contains("mentions: ada") && out.contains("refers to: PAY-2"),
        "{out}"
    );
    ok(
        p,
        &["comment", "add", "PAY-1", "It does.", "--reply-to", "1"],
    );
    ok(p, &["comment", "edit", "2", "It does, since March."]);
    let out = ok(p, &["comment", "list", "PAY-1"]);
    let first = out.find("#1 tester").unwrap();
    let reply = out.find("  #2 tester").unwrap();
    assert!(first < reply && out.contains("(edited)"), "{out}");
    ok(p, &["comment", "rm", "1", "--reason", "moved to PAY-2"]);
    let out = ok(p, &["comment", "list", "PAY-1"]);
    assert!(
        out.contains("(deleted)") && out.contains("It does, since March."),
        "{out}"
    );
    let r = cairn(p, &["comment", "add", "PAY-1", "late", "--reply-to", "1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("was deleted"), "{}", r.stderr);
    let h = ok(p, &["history", "PAY-1"]);
    assert!(
        h.contains("comment.delete") && h.contains("Does PAY-2 cover this?"),
        "{h}"
    );
}

#[test]
fn watching_and_the_inbox_from_the_cli() {
    let d = workspace();
    let p = d.path();
    ok(p, &["item", "add", "story", "Refund a payment"]);
    let user = |h: &str| {
        let r = cairn_stdin(p, &["user", "add", h], "a long passphrase\n");
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    user("ada");
    // As ada: watch; then tester's comment reaches ada's inbox.
    let as_ada = |args: &[&str]| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(args)
            .current_dir(p)
            .env_remove("CAIRN_DB")
            .env("CAIRN_ACTOR", "ada")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = as_ada(&["watch", "PAY-1"]);
    assert!(out.contains("PAY-1 is watched by: ada, tester"), "{out}");
    ok(p, &["comment", "add", "PAY-1", "Refunds go live Monday."]);
    let out = as_ada(&["inbox", "--unread"]);
    assert!(
        out.contains("tester commented on PAY-1: Refunds go live Monday."),
        "{out}"
    );
    as_ada(&["inbox", "--read-all"]);
    assert!(as_ada(&["inbox", "--unread"]).contains("nothing new"));
    // Ada's settings: comments by mail too.
    let out = as_ada(&["inbox", "settings", "--email", "comment=on"]);
    assert!(
        out.contains("comment") && out.contains("no mail is sent"),
        "{out}"
    );
    let r = cairn(p, &["inbox", "settings", "--email", "gossip=on"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`gossip` is not a reason"),
        "{}",
        r.stderr
    );
    let r = cairn(p, &["user", "email", "ada", "ada at example"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not an email address"), "{}", r.stderr);
    ok(p, &["user", "email", "ada", "ada@example.com"]);
    // A mail server that is down: the comment is made, the mail waits.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = ok(p, &["config", "show"]);
    let file = p.join("with-mail.toml");
    std::fs::write(
        &file,
        format!("{cfg}\n[mail]\nsmtp = \"127.0.0.1:{dead}\"\nfrom = \"cairn@example.com\"\n"),
    )
    .unwrap();
    ok(p, &["config", "apply", file.to_str().unwrap()]);
    let r = cairn(p, &["comment", "add", "PAY-1", "Refunds slip a day."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning: mail not sent"), "{}", r.stderr);
    // Not due again until its backoff has passed.
    let r = cairn(p, &["mail", "send"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("still waiting 1"), "{}", r.stdout);
    let out = as_ada(&["watch", "PAY-1", "--stop"]);
    assert!(out.contains("watched by: tester"), "{out}");
}

#[test]
fn jira_and_github_imports_from_the_cli_on_the_demo() {
    let d = demo();
    let p = d.path();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../cairn-formats/tests/data");
    let page1 = format!("{data}/jira/search.json");
    let page2 = format!("{data}/jira/search-page2.json");
    // A truncated export: refused with where, and nothing imported.
    let r = cairn(
        p,
        &["import", "jira", &format!("{data}/jira/truncated.json")],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("ends early") && r.stderr.contains("nothing was imported"),
        "{}",
        r.stderr
    );
    let before = ok(
        p,
        &["query", "--format", "json", "kind = epic OR kind != epic"],
    )
    .len();
    let out = ok(p, &["import", "jira", &page1, &page2, "--dry-run"]);
    assert!(
        out.contains("15 created") && out.contains("nothing was changed"),
        "{out}"
    );
    assert_eq!(
        ok(
            p,
            &["query", "--format", "json", "kind = epic OR kind != epic"]
        )
        .len(),
        before
    );
    let out = ok(p, &["import", "jira", &page1, &page2]);
    assert!(out.contains("jira import: 15 created"), "{out}");
    assert!(out.contains("Blocked by Vendor → in-progress"), "{out}");
    assert!(out.contains("OPS-77"), "{out}");
    // Fix versions the demo has not got become releases; 2026.2 and
    // 2026.3 are the demo's own and keep their dates.
    assert!(
        out.contains("releases that were added: 2026.1.3\n"),
        "{out}"
    );
    let releases = ok(p, &["release", "list", "--format", "json"]);
    let rs: serde_json::Value = serde_json::from_str(&releases).unwrap();
    let names: Vec<&str> = rs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "2026.2").count(),
        1,
        "{releases}"
    );
    assert!(names.contains(&"2026.1.3"), "{releases}");
    let out = ok(p, &["import", "jira", &page1, &page2]);
    assert!(out.contains("0 created, 0 updated, 15 unchanged"), "{out}");
    assert!(!out.contains("releases that"), "{out}");
    // A status map that names no state is refused.
    let r = cairn(p, &["import", "jira", &page1, "--status", "Done=shipped"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("`shipped` is not a state"),
        "{}",
        r.stderr
    );
    let out = ok(
        p,
        &[
            "import",
            "github",
            &format!("{data}/github/issues.json"),
            "--comments",
            &format!("{data}/github/comments.json"),
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["created"].as_array().unwrap().len(), 8, "{out}");
}

/// `git` in `dir`, isolated from the machine's git config, at a fixed time.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Dev One")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev One")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", "2026-03-02T09:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-03-02T09:00:00Z")
        .output()
        .expect("the tests need the `git` command");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn git_scan_links_commits_on_the_demo() {
    let d = demo();
    let p = d.path();
    // Two open items of the demo product.
    let open = ok(
        p,
        &[
            "query",
            "category = todo ORDER BY rank",
            "--format",
            "json",
            "--limit",
            "2",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&open).unwrap();
    let keys: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect();
    let (a, b) = (&keys[0], &keys[1]);
    let mut config = ok(p, &["config", "show"]);
    config.push_str("\n[git]\nfixes_state = \"done\"\n");
    std::fs::write(p.join("git.toml"), config).unwrap();
    ok(p, &["config", "apply", "git.toml"]);

    let repo = p.join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for m in [
        format!("{a}: first cut"),
        format!("Fixes {b}: the last piece\n\nAlso {a}."),
        "PAY-99999 is not an item".to_string(),
    ] {
        git(&repo, &["commit", "-q", "--allow-empty", "-m", &m]);
    }

    // A dry run says what would happen and writes nothing.
    let out = ok(p, &["git", "scan", "repo", "--dry-run"]);
    assert!(out.contains("3 commits read, 2 new, 3 links"), "{out}");
    assert!(
        out.contains(&format!("would move {b} todo → done")),
        "{out}"
    );
    assert!(out.contains("PAY-99999"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    let out = ok(p, &["git", "commits", a]);
    assert!(out.contains("no commit mentions"), "{out}");

    let out = ok(p, &["git", "scan", "repo", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["commits_read"], 3, "{r}");
    assert_eq!(r["new_commits"], 2, "{r}");
    assert_eq!(r["links_added"], 3, "{r}");
    assert_eq!(r["moved"][0]["key"], b.as_str(), "{r}");
    assert_eq!(r["unknown_keys"][0], "PAY-99999", "{r}");
    let shown = ok(p, &["item", "show", b, "--format", "json"]);
    assert!(
        shown.contains("\"state\": \"done\"") || shown.contains("\"state\":\"done\""),
        "{shown}"
    );

    let out = ok(p, &["git", "commits", a]);
    assert!(
        out.contains("first cut") && out.contains("the last piece"),
        "{out}"
    );
    assert!(
        out.contains("Dev One") && out.contains("2026-03-02"),
        "{out}"
    );
    let out = ok(p, &["git", "commits", b, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["commits"][0]["fixes"], true, "{v}");

    // Again: nothing new. Then one new commit is picked up.
    let out = ok(p, &["git", "scan", "repo"]);
    assert!(out.contains("0 commits read, 0 new, 0 links"), "{out}");
    git(
        &repo,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &format!("{a} polish"),
        ],
    );
    let out = ok(p, &["git", "scan", "repo"]);
    assert!(out.contains("1 commit read, 1 new, 1 link"), "{out}");

    // Not a repository: exit 2 and a message that names the folder.
    let r = cairn(p, &["git", "scan", ".cairn"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".cairn is not a git repository"),
        "{}",
        r.stderr
    );
}

/// A receiver answering 200 to every request; returns its port and the
/// requests it got (head and body).
fn http_receiver() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut head = String::new();
            let mut len = 0;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&h);
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = (&s)
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = tx.send(format!("{head}\n{}", String::from_utf8_lossy(&body)));
        }
    });
    (port, rx)
}

#[test]
fn webhooks_from_the_cli_on_the_demo() {
    let d = demo();
    let p = d.path();
    let (port, got) = http_receiver();
    let r = cairn(p, &["webhook", "add", "PAY", "https://hooks.example.com/x"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no TLS support"), "{}", r.stderr);
    let r = cairn(
        p,
        &[
            "webhook",
            "add",
            "PAY",
            "http://h.example.com/",
            "--events",
            "item.gone",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("events: `item.gone` is not an event"),
        "{}",
        r.stderr
    );
    let url = format!("http://127.0.0.1:{port}/cairn");
    let out = ok(
        p,
        &[
            "webhook",
            "add",
            "pay",
            &url,
            "--events",
            "item.created,comment.added",
        ],
    );
    assert!(
        out.contains("webhook 1 of PAY") && out.contains("secret: whsec_"),
        "{out}"
    );
    let list = ok(p, &["webhook", "list"]);
    assert!(list.contains(&url) && list.contains("set"), "{list}");
    assert!(!list.contains("whsec_"), "{list}");
    // The change is made, then delivered by the same command.
    ok(p, &["item", "add", "story", "Webhook from the CLI"]);
    let req = got
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    let lower = req.to_ascii_lowercase();
    assert!(lower.contains("x-cairn-event: item.created"), "{req}");
    assert!(lower.contains("x-cairn-signature-256: sha256="), "{req}");
    assert!(req.contains("Webhook from the CLI"), "{req}");
    let out = ok(p, &["--format", "json", "webhook", "deliveries"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["status"], "delivered", "{out}");
    let id = v[0]["id"].as_i64().unwrap().to_string();
    let out = ok(p, &["webhook", "replay", &id]);
    assert!(out.contains("queued again"), "{out}");
    let again = got
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    assert!(again.contains("Webhook from the CLI"));
    let out = ok(p, &["webhook", "deliver"]);
    assert!(out.contains("still waiting 0"), "{out}");
    // Paused, it is sent nothing and nothing is queued for it.
    let out = ok(p, &["webhook", "edit", "1", "--pause"]);
    assert!(out.contains("(paused)"), "{out}");
    assert!(ok(p, &["webhook", "list"]).contains("paused"));
    ok(p, &["item", "add", "story", "Added while paused"]);
    let log = ok(p, &["--format", "json", "webhook", "deliveries"]);
    assert!(!log.contains("Added while paused"), "{log}");
    let r = cairn(p, &["webhook", "edit", "1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nothing to change"), "{}", r.stderr);
    let r = cairn(
        p,
        &["webhook", "edit", "1", "--url", "ftp://h.example.com/"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not an http URL"), "{}", r.stderr);
    let r = cairn(p, &["webhook", "edit", "1", "--secret", "short"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("at least 16 characters"), "{}", r.stderr);
    // Resumed with a new secret: the next delivery is signed with it.
    let out = ok(p, &["webhook", "edit", "1", "--resume", "--new-secret"]);
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("new secret: "))
        .unwrap_or_else(|| panic!("no new secret in {out}"))
        .to_string();
    assert!(!ok(p, &["webhook", "list"]).contains("paused"));
    ok(p, &["item", "add", "story", "Added after resuming"]);
    let req = got
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    let (head, body) = req.split_once("\r\n\n").unwrap();
    assert!(body.contains("Added after resuming"), "{req}");
    let want = format!(
        "x-cairn-signature-256: {}",
        cairn_app::webhooks::signature(&secret, body.as_bytes())
    );
    assert!(head.to_ascii_lowercase().contains(&want), "{head}");
    // Pruning keeps the last 30 days: everything here is newer.
    let out = ok(p, &["webhook", "prune"]);
    assert!(
        out.contains("removed 0 delivered or failed deliveries older than 30 days"),
        "{out}"
    );
    let out = ok(p, &["--format", "json", "webhook", "prune"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["removed"].as_i64(), v["keep_days"].as_i64()),
        (Some(0), Some(30))
    );
    ok(p, &["webhook", "rm", "1"]);
    assert!(!ok(p, &["webhook", "list"]).contains(&url));
}
