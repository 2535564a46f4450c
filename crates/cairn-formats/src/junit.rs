//! JUnit XML test reports, as written by JUnit / Surefire, pytest, cargo-nextest, jest, Cucumber
//! and most CI runners.
//!
//! The format has no single schema, so the reader takes what runners actually write:
//! - a `<testsuites>` or a bare `<testsuite>` root, suites nested to any depth;
//! - `<testcase>` with `classname`, `name`, `time`, and a `<failure>`, `<error>` or `<skipped>`
//!   child (Surefire's `<flakyFailure>` / `<rerunFailure>` mark a test that passed on a rerun);
//! - an `<error>` or `<failure>` directly under a suite (a suite that failed to start) becomes
//!   a case named `(suite)`, so the failure is not lost;
//! - properties on suites and cases; `time` with thousands separators (`2,503.1`).
//!
//! What it refuses: anything that is not well-formed XML, and any document type declaration.
//! A test report never needs a DTD, and refusing it is what keeps external entities and entity
//! expansion bombs out. Oddities that do not stop the import (a negative duration, a suite whose
//! stated counts disagree with its cases, a case with no name) come back as warnings with their
//! line.

use crate::error::FormatError;
use roxmltree::{Document, Node, ParsingOptions};

/// How a test case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Passed,
    /// Skipped or disabled: no evidence either way.
    Skipped,
    /// An assertion failed.
    Failed,
    /// The test could not run to its assertions (an exception, a setup error).
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "passed" => Some(Outcome::Passed),
            "skipped" => Some(Outcome::Skipped),
            "failed" => Some(Outcome::Failed),
            "error" => Some(Outcome::Error),
            _ => None,
        }
    }

    /// Did the test fail or error?
    pub fn is_bad(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Error)
    }
}

/// One test case of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Enclosing suite names, outermost first.
    pub suites: Vec<String>,
    pub classname: String,
    pub name: String,
    pub outcome: Outcome,
    /// Seconds, when the report gave a usable one.
    pub duration: Option<f64>,
    /// The failure, error or skip message (its `message` attribute, else the first line of its
    /// text), at most [`MESSAGE_MAX`] characters.
    pub message: Option<String>,
    /// The case's own properties, then its suites' (innermost first).
    pub properties: Vec<(String, String)>,
    /// Failed on a first run, passed on a rerun.
    pub flaky: bool,
    /// 1-based line of the `<testcase>` element.
    pub line: usize,
}

impl TestCase {
    /// The case's identity across builds: `classname.name`, or just one of them when the
    /// other is empty or already contains it.
    pub fn full_name(&self) -> String {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            self.name.as_str()
        };
        if self.classname.is_empty() || name.starts_with(&format!("{}.", self.classname)) {
            name.to_string()
        } else {
            format!("{}.{name}", self.classname)
        }
    }
}

/// Counts a suite element states in its attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

/// Something odd that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `<testsuite>` elements, at any depth.
    pub suites: usize,
    pub cases: Vec<TestCase>,
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Cases by outcome.
    pub fn counts(&self) -> Counts {
        let n = |o: Outcome| self.cases.iter().filter(|c| c.outcome == o).count();
        Counts {
            tests: self.cases.len(),
            failures: n(Outcome::Failed),
            errors: n(Outcome::Error),
            skipped: n(Outcome::Skipped),
        }
    }
}

/// Longest message kept, in characters.
pub const MESSAGE_MAX: usize = 500;

/// Read a JUnit XML report.
pub fn parse(text: &str) -> Result<Report, FormatError> {
    if text.trim().is_empty() {
        return Err(FormatError::whole(
            "the report is empty: expected JUnit XML with a <testsuites> or <testsuite> root",
        ));
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| xml_error(text, e))?;
    let root = doc.root_element();
    let lines = Lines::new(text);
    let doc = &lines;
    let mut r = Report {
        suites: 0,
        cases: Vec::new(),
        warnings: Vec::new(),
    };
    match root.tag_name().name() {
        "testsuites" => {
            for child in root.children().filter(Node::is_element) {
                match child.tag_name().name() {
                    "testsuite" => suite(doc, child, &[], &[], &mut r),
                    // Some runners put cases straight under <testsuites>.
                    "testcase" => case(doc, child, &[], &[], &mut r),
                    _ => {}
                }
            }
        }
        "testsuite" => suite(doc, root, &[], &[], &mut r),
        other => {
            return Err(FormatError::at(
                line_of(doc, root),
                format!(
                    "the root element is <{other}>: a JUnit report starts with <testsuites> or <testsuite>"
                ),
            ));
        }
    }
    Ok(r)
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

pub(crate) fn xml_error(text: &str, e: roxmltree::Error) -> FormatError {
    let pos = e.pos();
    let (mut line, mut column) = (Some(pos.row as usize), Some(pos.col as usize));
    let message = match e {
        roxmltree::Error::DtdDetected => {
            line = text.find("<!DOCTYPE").map(|at| line_at(text, at));
            column = None;
            "the report declares a document type (<!DOCTYPE>): test reports never need one, and it is refused so that external entities and entity expansion cannot be used against the importer; remove the declaration".to_string()
        }
        roxmltree::Error::UnknownEntityReference(name, _) => format!(
            "unknown entity &{name}; (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)"
        ),
        roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
            line = Some(line_at(text, text.trim_end().len()));
            column = None;
            "the report ends before its root element is closed: is the file truncated?".to_string()
        }
        other => format!("not well-formed XML: {other}"),
    };
    FormatError {
        line,
        column,
        message,
    }
}

/// Lines of nodes by their byte offset, from an index of line starts built
/// once (roxmltree's own position lookup rescans the text every time).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }
}

fn line_of(lines: &Lines, n: Node) -> usize {
    lines.0.partition_point(|nl| *nl < n.range().start) + 1
}

fn properties(n: Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for props in n.children().filter(|c| c.has_tag_name("properties")) {
        for p in props.children().filter(|c| c.has_tag_name("property")) {
            if let Some(name) = p.attribute("name") {
                let value = match p.attribute("value") {
                    Some(v) => v.to_string(),
                    None => p.text().unwrap_or("").trim().to_string(),
                };
                out.push((name.to_string(), value));
            }
        }
    }
    out
}

/// Seconds from a `time` attribute: `1.5`, `2,503.1`; `None` (with a warning) when negative or
/// not a number.
fn seconds(doc: &Lines, n: Node, r: &mut Report) -> Option<f64> {
    let raw = n.attribute("time")?;
    let cleaned: String = raw.chars().filter(|c| *c != ',' && *c != '_').collect();
    match cleaned.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
        _ => {
            r.warnings.push(Warning {
                line: line_of(doc, n),
                message: format!(
                    "time=\"{raw}\" is not a duration in seconds; the duration is left out"
                ),
            });
            None
        }
    }
}

fn count_attr(n: Node, name: &str) -> Option<usize> {
    n.attribute(name).and_then(|v| v.trim().parse().ok())
}

fn suite(doc: &Lines, n: Node, path: &[String], inherited: &[(String, String)], r: &mut Report) {
    r.suites += 1;
    let name = n.attribute("name").unwrap_or("").to_string();
    let mut path = path.to_vec();
    path.push(name.clone());
    let mut props = properties(n);
    props.extend(inherited.iter().cloned());
    let before = r.cases.len();
    let before_warnings = r.warnings.len();
    for child in n.children().filter(Node::is_element) {
        match child.tag_name().name() {
            "testsuite" => suite(doc, child, &path, &props, r),
            "testcase" => case(doc, child, &path, &props, r),
            // A suite that failed as a whole (e.g. it could not load).
            tag @ ("error" | "failure") => r.cases.push(TestCase {
                suites: path[..path.len() - 1].to_vec(),
                classname: name.clone(),
                name: "(suite)".to_string(),
                outcome: if tag == "error" {
                    Outcome::Error
                } else {
                    Outcome::Failed
                },
                duration: None,
                message: message_of(child),
                properties: props.clone(),
                flaky: false,
                line: line_of(doc, child),
            }),
            _ => {}
        }
    }
    // Stated counts that disagree with the cases point at a truncated or merged report.
    if let Some(tests) = count_attr(n, "tests") {
        let found = r.cases.len() - before;
        if tests != found {
            r.warnings.insert(
                before_warnings,
                Warning {
                    line: line_of(doc, n),
                    message: format!(
                        "suite \"{name}\" states tests=\"{tests}\" but holds {found} test case{}; the cases found are imported",
                        if found == 1 { "" } else { "s" }
                    ),
                },
            );
        }
    }
}

fn message_of(n: Node) -> Option<String> {
    let m = match n.attribute("message").filter(|m| !m.trim().is_empty()) {
        Some(m) => m.trim().to_string(),
        None => {
            let text: String = n
                .descendants()
                .filter(Node::is_text)
                .filter_map(|t| t.text())
                .collect();
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .to_string()
        }
    };
    if m.is_empty() {
        return None;
    }
    Some(if m.chars().count() > MESSAGE_MAX {
        let mut s: String = m.chars().take(MESSAGE_MAX - 1).collect();
        s.push('…');
        s
    } else {
        m
    })
}

fn case(doc: &Lines, n: Node, path: &[String], inherited: &[(String, String)], r: &mut Report) {
    let line = line_of(doc, n);
    let name = n.attribute("name").unwrap_or("").trim().to_string();
    if name.is_empty() {
        r.warnings.push(Warning {
            line,
            message: "a test case has no name; it is imported as \"(unnamed)\"".to_string(),
        });
    }
    let mut outcome = Outcome::Passed;
    let mut message = None;
    let mut flaky = false;
    for child in n.children().filter(Node::is_element) {
        let o = match child.tag_name().name() {
            "failure" => Outcome::Failed,
            "error" => Outcome::Error,
            "skipped" => Outcome::Skipped,
            "flakyFailure" | "flakyError" | "rerunFailure" | "rerunError" => {
                flaky = true;
                continue;
            }
            _ => continue,
        };
        // The worst outcome wins when a runner writes several.
        if o > outcome {
            outcome = o;
            message = message_of(child);
        }
    }
    let mut properties = properties(n);
    properties.extend(inherited.iter().cloned());
    let duration = seconds(doc, n, r);
    r.cases.push(TestCase {
        suites: path.to_vec(),
        classname: n.attribute("classname").unwrap_or("").trim().to_string(),
        name,
        outcome,
        duration,
        message,
        properties,
        // A rerun that then failed is a failure, not a flaky pass.
        flaky: flaky && outcome == Outcome::Passed,
        line,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_suite_with_each_outcome() {
        let r = parse(
            r#"<?xml version="1.0"?>
<testsuite name="pay" tests="4">
  <testcase classname="pay.Refunds" name="PAY-12 refunds part" time="0.5"/>
  <testcase classname="pay.Refunds" name="rejects" time="1,200.5"><failure message="expected 3">trace</failure></testcase>
  <testcase classname="pay.Refunds" name="boom"><error>NullPointer
 at x</error></testcase>
  <testcase classname="pay.Refunds" name="later"><skipped/></testcase>
</testsuite>"#,
        )
        .unwrap();
        assert_eq!(r.suites, 1);
        let o: Vec<_> = r.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(
            o,
            vec![
                Outcome::Passed,
                Outcome::Failed,
                Outcome::Error,
                Outcome::Skipped
            ]
        );
        assert_eq!(r.cases[1].duration, Some(1200.5));
        assert_eq!(r.cases[1].message.as_deref(), Some("expected 3"));
        assert_eq!(r.cases[2].message.as_deref(), Some("NullPointer"));
        assert_eq!(r.cases[0].full_name(), "pay.Refunds.PAY-12 refunds part");
        assert_eq!(r.cases[3].line, 7);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<testsuite name="x"><testcase name="&lol2;"/></testsuite>"#;
        let e = parse(bomb).unwrap_err();
        assert!(e.message.contains("document type"), "{e}");
        assert_eq!(e.line, Some(2));
        let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite name="&xxe;"/>"#;
        assert!(parse(xxe).is_err());
        let e = parse(r#"<testsuite name="&xxe;"/>"#).unwrap_err();
        assert!(e.message.contains("unknown entity &xxe;"), "{e}");
    }

    #[test]
    fn truncated_and_foreign_documents_say_where() {
        let e = parse("<testsuite name=\"a\">\n<testcase name=\"b\">").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = parse("<html><body/></html>").unwrap_err();
        assert!(e.message.contains("root element is <html>"), "{e}");
        assert!(parse("   ").is_err());
    }
}
