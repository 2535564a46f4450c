//! The Gherkin parser against the official Cucumber parser test corpus, and
//! `parse_acceptance` on the text stored on items.

use std::fs;
use std::path::{Path, PathBuf};

use cairn_formats::gherkin::{self, GherkinError, StepType};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/gherkin");

/// The `.feature` files of one corpus folder, sorted; fails if the folder is missing or empty.
fn features(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(CORPUS).join(kind);
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the Gherkin corpus folder {} is missing ({e}); it lives in shared/data/gherkin",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "feature"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .feature files in {}", dir.display());
    files
}

#[test]
fn every_good_file_parses() {
    let files = features("good");
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        if let Err(errors) = gherkin::parse(&text) {
            failures.push(format!("{}: {errors:?}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} good files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(
        files.len() >= 49,
        "expected the whole corpus, found {} good files",
        files.len()
    );
}

/// One expected error of a `.errors.ndjson` file.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    line: usize,
    column: Option<usize>,
    /// The message without its `(line:column): ` prefix.
    message: String,
}

fn expected_errors(path: &Path) -> Vec<Expected> {
    let ndjson = fs::read_to_string(path.with_extension("feature.errors.ndjson"))
        .unwrap_or_else(|e| panic!("{}: no errors file ({e})", path.display()));
    ndjson
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let e = &v["parseError"];
            let loc = &e["source"]["location"];
            let message = e["message"].as_str().unwrap();
            let message = message.split_once("): ").map_or(message, |(_, m)| m);
            Expected {
                line: usize::try_from(loc["line"].as_u64().unwrap()).unwrap(),
                column: loc["column"].as_u64().map(|c| usize::try_from(c).unwrap()),
                message: message.to_string(),
            }
        })
        .collect()
}

#[test]
fn every_bad_file_gives_the_expected_errors() {
    let files = features("bad");
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let expected = expected_errors(path);
        let errors: Vec<GherkinError> = match gherkin::parse(&text) {
            Ok(_) => {
                failures.push(format!("{}: parsed without errors", path.display()));
                continue;
            }
            Err(e) => e,
        };
        let got: Vec<(usize, Option<usize>)> = errors.iter().map(|e| (e.line, e.column)).collect();
        let want: Vec<(usize, Option<usize>)> =
            expected.iter().map(|e| (e.line, e.column)).collect();
        if got != want {
            failures.push(format!(
                "{}: expected {want:?}, got {errors:?}",
                path.display()
            ));
            continue;
        }
        // Messages start with the reference parsers' wording, then say what to do.
        for (e, x) in errors.iter().zip(&expected) {
            if !e.message.starts_with(&x.message) {
                failures.push(format!(
                    "{}: line {}: message {:?} does not start with {:?}",
                    path.display(),
                    e.line,
                    e.message,
                    x.message
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(
        files.len() >= 12,
        "expected the whole corpus, found {} bad files",
        files.len()
    );
}

#[test]
fn i18n_files_use_their_language() {
    let text = fs::read_to_string(Path::new(CORPUS).join("good/i18n_fr.feature")).unwrap();
    let doc = gherkin::parse(&text).unwrap();
    assert_eq!(doc.language, "fr");
    let f = doc.feature.unwrap();
    assert!(f.scenarios.len() > 5);
    assert!(f.scenarios.iter().all(|s| !s.steps.is_empty()));
}

#[test]
fn rules_are_flattened() {
    let text = fs::read_to_string(Path::new(CORPUS).join("good/rule.feature")).unwrap();
    let doc = gherkin::parse(&text).unwrap();
    let f = doc.feature.unwrap();
    assert_eq!(f.rules.len(), 2);
    assert!(f.scenarios.len() >= 2);
    assert!(f.scenarios.iter().all(|s| s.rule.is_some()));
}

#[test]
fn acceptance_without_feature_line() {
    let text = "\
# criteria for CAIRN-12
@smoke
Scenario: successful login
  Given a registered user
  And a valid password
  When the user logs in
  But the network is slow
  Then the dashboard is shown
  And a welcome message appears

Scenario: forgotten password
  Given a registered user
  When the user asks for a reset link
";
    let doc = gherkin::parse_acceptance(text).unwrap();
    let f = doc.feature.as_ref().unwrap();
    assert_eq!(f.line, 0);
    assert_eq!(f.name, "");
    let s = doc.scenarios();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].name, "successful login");
    assert_eq!(s[0].line, 3);
    assert_eq!(s[0].tags, vec!["@smoke"]);
    let types: Vec<StepType> = s[0].steps.iter().map(|s| s.ty).collect();
    use StepType::{Given, Then, When};
    assert_eq!(types, vec![Given, Given, When, When, Then, Then]);
    let keywords: Vec<&str> = s[0].steps.iter().map(|s| s.keyword.as_str()).collect();
    assert_eq!(keywords, vec!["Given", "And", "When", "But", "Then", "And"]);
    let lines: Vec<usize> = s[0].steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(s[0].steps[0].column, 3);
    assert_eq!(s[0].steps[0].text, "a registered user");
    assert!(s[0].has_then());
    assert_eq!(s[1].line, 11);
    assert!(!s[1].has_then(), "the second scenario has no Then");
}

#[test]
fn acceptance_errors_use_the_lines_of_the_given_text() {
    let text = "Scenario: a\n  Given x\n  stray text\n  Then y\n  | a | b |\n  | c |\n";
    let errors = gherkin::parse_acceptance(text).unwrap_err();
    let at: Vec<(usize, Option<usize>)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(at, vec![(3, Some(3)), (6, Some(3))]);
    assert!(
        errors[0].message.contains("got 'stray text'"),
        "{}",
        errors[0].message
    );
    assert!(errors[1].message.starts_with("inconsistent cell count"));
    assert_eq!(
        errors[0].to_string().split(':').next(),
        Some("line 3, column 3")
    );
}

#[test]
fn acceptance_with_a_feature_line_is_a_whole_document() {
    let text = "@epic\nFeature: Login\n  Scenario: a\n    Given x\n    Then y\n";
    let doc = gherkin::parse_acceptance(text).unwrap();
    let f = doc.feature.unwrap();
    assert_eq!((f.name.as_str(), f.line), ("Login", 2));
    assert_eq!(f.tags, vec!["@epic"]);
    assert_eq!(f.scenarios[0].line, 3);
}

#[test]
fn acceptance_in_another_language_and_with_background() {
    let text = "# language: fr\nContexte:\n  Soit un utilisateur\nScénario: connexion\n  Quand il se connecte\n  Et attend\n  Alors il voit le tableau de bord\n";
    let doc = gherkin::parse_acceptance(text).unwrap();
    assert_eq!(doc.language, "fr");
    let f = doc.feature.as_ref().unwrap();
    assert_eq!(f.background.len(), 1);
    let s = &doc.scenarios()[0];
    assert_eq!(s.line, 4);
    assert_eq!(
        s.steps.iter().map(|s| s.ty).collect::<Vec<_>>(),
        vec![StepType::When, StepType::When, StepType::Then]
    );
}

#[test]
fn acceptance_of_empty_or_free_text() {
    let doc = gherkin::parse_acceptance("").unwrap();
    assert!(doc.feature.is_some());
    assert!(doc.scenarios().is_empty());
    let doc = gherkin::parse_acceptance("As a user I want to log in.\n- quickly\n").unwrap();
    let f = doc.feature.unwrap();
    assert!(f.scenarios.is_empty());
    assert!(f.description.starts_with("As a user"));
}

#[test]
fn outlines_count_example_rows() {
    let text = "Scenario Outline: add\n  Given <a> and <b>\n  Then <c>\n  Examples: small\n    | a | b | c |\n    | 1 | 2 | 3 |\n    | 2 | 2 | 4 |\n  @big\n  Examples: big\n    | a | b | c |\n    | 9 | 9 | 18 |\n";
    let doc = gherkin::parse_acceptance(text).unwrap();
    let s = &doc.scenarios()[0];
    assert!(s.outline);
    assert_eq!(s.examples, 3);
}

#[test]
fn unsupported_language_is_named() {
    let errors = gherkin::parse("# language: xx-yy\nFeature: a\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .message
            .starts_with("Language not supported: xx-yy")
    );
    assert!(gherkin::languages().any(|l| l.code == "fr" && l.native == "français"));
}
