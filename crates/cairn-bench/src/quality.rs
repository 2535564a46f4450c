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
