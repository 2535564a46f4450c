//! Synthetic workloads for quality and traceability: JUnit reports.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// A JUnit XML report of at least `bytes` bytes, as Surefire writes one:
/// suites of 20 cases, about one in ten naming one of `keys`, one in
/// twenty failing with a message and a stack trace, one in fifty skipped.
pub fn junit_report(seed: u64, bytes: usize, keys: &[String]) -> (String, usize) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut s = String::with_capacity(bytes + 4096);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bench\">\n");
    let mut cases = 0;
    let mut suite = 0;
    while s.len() < bytes {
        suite += 1;
        let _ = writeln!(
            s,
            "  <testsuite name=\"com.example.pay.Suite{suite}Test\" tests=\"20\" time=\"3.2\" timestamp=\"2026-11-20T10:00:00\">"
        );
        for n in 0..20 {
            cases += 1;
            let name = if !keys.is_empty() && r.gen_bool(0.1) {
                format!("{} handles case {n}", keys[r.gen_range(0..keys.len())])
            } else {
                format!("handles case {n} of the ledger")
            };
            let _ = write!(
                s,
                "    <testcase classname=\"com.example.pay.Suite{suite}Test\" name=\"{name}\" time=\"{:.3}\"",
                r.gen_range(0.001..2.0)
            );
            match r.gen_range(0..100) {
                0..=4 => {
                    s.push_str(">\n      <failure message=\"expected 3 rows but was 2\" type=\"org.opentest4j.AssertionFailedError\">org.opentest4j.AssertionFailedError: expected 3 rows but was 2\n");
                    for f in 0..8 {
                        let _ = writeln!(
                            s,
                            "\tat com.example.pay.Suite{suite}Test.case{n}(Suite{suite}Test.java:{})",
                            40 + f
                        );
                    }
                    s.push_str("      </failure>\n    </testcase>\n");
                }
                5..=6 => s.push_str(
                    ">\n      <skipped message=\"not on this platform\"/>\n    </testcase>\n",
                ),
                _ => s.push_str("/>\n"),
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    (s, cases)
}

/// `reqs` requirements, then `stories` stories, story n implementing
/// requirement n / 2 (so two stories each): the items and the links.
pub fn trace_items(
    reqs: i64,
    stories: i64,
    at: cairn_core::Millis,
) -> (
    Vec<cairn_core::Item>,
    Vec<(cairn_core::Link, cairn_core::Millis)>,
) {
    use cairn_core::{Category, Item, ItemKey, Kind, Link, LinkKind};
    let item = |n: i64, kind: Kind, title: String| Item {
        key: ItemKey::new("PAY", n),
        kind,
        title,
        description: String::new(),
        state: "done".into(),
        category: Category::Done,
        assignee: None,
        labels: Vec::new(),
        estimate: None,
        acceptance: String::new(),
        fields: Default::default(),
        created: at,
        updated: at,
        resolved: Some(at),
        started: Some(at),
        rank: format!("r{n:08}"),
        parent: None,
        release: None,
        goals: Vec::new(),
        version: 1,
    };
    let mut items = Vec::with_capacity((reqs + stories) as usize);
    let mut links = Vec::with_capacity(stories as usize);
    for n in 1..=reqs {
        items.push(item(
            n,
            Kind::Requirement,
            format!("The platform shall handle refunds of kind {n}"),
        ));
    }
    for s in 0..stories {
        let n = reqs + 1 + s;
        items.push(item(
            n,
            Kind::Story,
            format!("As a clerk, I want refund case {n}, so that money flows"),
        ));
        links.push((
            Link {
                src: ItemKey::new("PAY", n),
                kind: LinkKind::Implements,
                dst: ItemKey::new("PAY", 1 + s % reqs),
            },
            at,
        ));
    }
    (items, links)
}

/// One JUnit test per key, naming it: 95 % pass, 4 % fail, 1 % skipped.
pub fn junit_per_key(seed: u64, keys: &[String]) -> (String, usize) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut s = String::with_capacity(keys.len() * 120);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"all\">\n");
    for k in keys {
        let _ = write!(
            s,
            "  <testcase classname=\"com.example.pay.RefundTest\" name=\"{k} refunds\" time=\"0.01\""
        );
        match r.gen_range(0..100) {
            0..=3 => s.push_str("><failure message=\"expected 3 rows but was 2\"/></testcase>\n"),
            4 => s.push_str("><skipped/></testcase>\n"),
            _ => s.push_str("/>\n"),
        }
    }
    s.push_str("</testsuite>\n");
    (s, keys.len())
}
