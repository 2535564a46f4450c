//! Acceptance criteria in Gherkin.
//!
//! # Why a parser of our own
//!
//! The obvious candidate, the cucumber-rs `gherkin` crate (0.16.0, the latest), was evaluated
//! against the official Cucumber parser test corpus (`shared/data/gherkin`) before this module
//! was written. It rejected 8 of the 50 valid files (`empty`, `escaped_pipes`,
//! `extra_table_content`, `incomplete_feature_3`, `trim_space`, `trim_tab`,
//! `step_with_datatable_and_docstring`, `scenario_outline_with_value_with_trailing_backslash`),
//! and, being a PEG parser, it stops at the first error and reports it at the PEG's failure
//! position with no message: none of the 12 invalid files got the expected errors (for example
//! `inconsistent_cell_count` was reported at 9:3 instead of 6:7 and 14:5, `invalid_language` at
//! 7:1). Its keyword tables are private, and it pulls in `peg`, `typed-builder`, `textwrap` and a
//! `syn`/`serde_json` build script. Combining it with our own checks would still have needed a
//! second parser for error recovery, so Cairn has this one instead.
//!
//! This module follows the official Gherkin grammar (`gherkin.berp` of cucumber/gherkin, the
//! grammar every official implementation is generated from): a line-based token matcher
//! (`#FeatureLine`, `#RuleLine`, `#BackgroundLine`, `#ScenarioLine`, `#ExamplesLine`, `#StepLine`,
//! `#DocStringSeparator`, `#TableRow`, `#TagLine`, `#Language`, `#Comment`, `#Empty`, `#Other`,
//! `#EOF`) feeding a state machine with equivalent states (the reference's feature-level and
//! rule-level copies merged), the same look-ahead for tags and the same error recovery: an
//! unexpected line is recorded and parsing goes on in the same state, so one pass reports every
//! error (at most 11, as the reference parsers do). Error messages start with the reference wording
//! (`expected: #EOF, …, got '…'`, `unexpected end of file, …`, `inconsistent cell count within the
//! table`, `Language not supported: …`, `A tag may not contain whitespace`) followed by what to do.
//! Every language of the official `gherkin-languages.json` is supported (see
//! `gherkin/languages.rs`). The whole corpus passes: see `tests/it/gherkin.rs`. During development
//! it was also run side by side with the official Python parser (`gherkin-official`) on 22,000
//! generated documents: the same error lines, columns and messages, and for the valid ones the same
//! scenarios, steps and example rows.
//!
//! The parser works on `&str` and never panics; line and column numbers are 1-based and columns
//! count characters.

mod languages;

use std::fmt;

use languages::{DIALECTS, Dialect};

/// The most errors one parse reports: the reference parsers stop once they pass ten.
const MAX_ERRORS: usize = 11;

/// A parsed Gherkin document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The language code in effect (`en` unless a `# language:` line says otherwise).
    pub language: String,
    /// The feature; `None` for a document with only comments and blank lines.
    pub feature: Option<Feature>,
}

impl Document {
    /// Every scenario of the document (those inside `Rule:` blocks included), in source order.
    #[must_use]
    pub fn scenarios(&self) -> &[Scenario] {
        self.feature
            .as_ref()
            .map_or(&[], |f| f.scenarios.as_slice())
    }
}

/// A `Feature:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// The keyword as written (`Feature`, `Fonctionnalité`, …).
    pub keyword: String,
    pub name: String,
    /// 1-based line of the `Feature:` line; 0 for the implicit feature of [`parse_acceptance`].
    pub line: usize,
    /// Tags as written, with their `@`.
    pub tags: Vec<String>,
    /// The free text under the `Feature:` line, lines trimmed and joined with `\n`.
    pub description: String,
    /// The steps of the feature's `Background:`, if any.
    pub background: Vec<Step>,
    /// Every scenario, those inside rules included (see [`Scenario::rule`]), in source order.
    pub scenarios: Vec<Scenario>,
    /// The `Rule:` blocks, in source order.
    pub rules: Vec<Rule>,
}

/// A `Rule:` block (Gherkin 6+). Its scenarios are in [`Feature::scenarios`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub line: usize,
    pub tags: Vec<String>,
    /// The steps of the rule's own `Background:`, if any.
    pub background: Vec<Step>,
}

/// A `Scenario:` (or `Example:`, `Scenario Outline:`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The keyword as written (`Scenario`, `Scenario Outline`, `Example`, …).
    pub keyword: String,
    pub name: String,
    pub line: usize,
    /// True for a `Scenario Outline:` / `Scenario Template:` keyword or any scenario with
    /// `Examples:`.
    pub outline: bool,
    /// The number of example rows (table rows after each `Examples:` header row), summed over
    /// all `Examples:` blocks.
    pub examples: usize,
    pub steps: Vec<Step>,
    /// The scenario's own tags, with their `@` (not those inherited from the feature or rule).
    pub tags: Vec<String>,
    /// The free text under the scenario line, lines trimmed and joined with `\n`.
    pub description: String,
    /// The name of the `Rule:` the scenario belongs to, if any.
    pub rule: Option<String>,
}

impl Scenario {
    /// Whether the scenario has an outcome: a step whose effective type is `Then`.
    #[must_use]
    pub fn has_then(&self) -> bool {
        self.steps.iter().any(|s| s.ty == StepType::Then)
    }
}

/// The effective type of a step: `And`, `But` and `*` take the type of the step before them
/// (a leading one counts as `Given`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepType {
    Given,
    When,
    Then,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The keyword as written, without trailing space (`Given`, `And`, `*`, `Soit`, …).
    pub keyword: String,
    pub ty: StepType,
    pub text: String,
    pub line: usize,
    /// 1-based column of the keyword.
    pub column: usize,
    /// The rows of the step's data table (cells unescaped and trimmed); empty if none.
    pub data_table: Vec<Vec<String>>,
    /// The content of the step's doc string, if any.
    pub doc_string: Option<String>,
}

/// A Gherkin syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GherkinError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters), when the error is about a line's content; `None` for
    /// an unexpected end of file.
    pub column: Option<usize>,
    /// What was wrong (starting with the reference parsers' wording) and what to do.
    pub message: String,
}

impl fmt::Display for GherkinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// A language Gherkin keywords exist for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// The code used in `# language: xx`.
    pub code: &'static str,
    /// The English name.
    pub name: &'static str,
    /// The name in the language itself.
    pub native: &'static str,
}

/// Every language the parser supports (those of the official `gherkin-languages.json`).
pub fn languages() -> impl Iterator<Item = Language> {
    DIALECTS.iter().map(|d| Language {
        code: d.code,
        name: d.name,
        native: d.native,
    })
}

/// Parses a Gherkin document (a `.feature` file).
///
/// # Errors
///
/// Every syntax error found (the parser recovers and goes on), in line order.
pub fn parse(text: &str) -> Result<Document, Vec<GherkinError>> {
    let lines = split_lines(text);
    Parser::new(&lines).run()
}

/// Parses acceptance criteria stored on an item.
///
/// Such text often has no `Feature:` line, just `Scenario:` blocks (possibly with a
/// `Background:`, tags, comments or free text before them). Text without a `Feature:` line is
/// parsed as the body of an implicit feature (name empty, line 0); line numbers in the result
/// and in errors still refer to the given text. Text that starts with a `Feature:` line (after
/// comments, tags or a `# language:` line) is parsed as a whole document. The result always
/// has a feature.
///
/// # Errors
///
/// Every syntax error found, in line order.
pub fn parse_acceptance(text: &str) -> Result<Document, Vec<GherkinError>> {
    let keyword_line;
    let mut lines = split_lines(text);
    // The dialect of a leading `# language:` line, if any, names the implicit feature keyword.
    let mut dialect = default_dialect();
    let mut first = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trimmed();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('#') {
            if let Some(code) = language_code(l.text) {
                if let Some(d) = find_dialect(code) {
                    dialect = d;
                }
            }
            continue;
        }
        first = i;
        break;
    }
    // Does a feature line follow (after tags, comments and blank lines)?
    let has_feature = lines[first..]
        .iter()
        .map(|l| l.trimmed())
        .find(|t| !(t.is_empty() || t.starts_with('#') || t.starts_with('@')))
        .is_some_and(|t| match_title(t, dialect.feature).is_some());
    if !has_feature {
        keyword_line = format!("{}:", dialect.feature.first().copied().unwrap_or("Feature"));
        lines.insert(
            first,
            SrcLine {
                number: 0,
                text: &keyword_line,
            },
        );
    }
    Parser::new(&lines).run()
}

// ---------------------------------------------------------------------------------------------
// Lines and tokens

#[derive(Debug, Clone, Copy)]
struct SrcLine<'a> {
    /// 1-based; 0 for the synthetic feature line of `parse_acceptance`.
    number: usize,
    /// The line without its `\n` (a `\r` before it is kept, as the reference parsers do).
    text: &'a str,
}

impl<'a> SrcLine<'a> {
    fn trimmed(&self) -> &'a str {
        self.text.trim_start()
    }

    /// Leading whitespace, in characters.
    fn indent(&self) -> usize {
        self.text.chars().take_while(|c| c.is_whitespace()).count()
    }
}

fn split_lines(text: &str) -> Vec<SrcLine<'_>> {
    let mut lines: Vec<SrcLine<'_>> = text
        .split('\n')
        .enumerate()
        .map(|(i, t)| SrcLine {
            number: i + 1,
            text: t,
        })
        .collect();
    // A final `\n` ends the last line; it does not start another one.
    if lines.last().is_some_and(|l| l.text.is_empty()) {
        lines.pop();
    }
    lines
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eof,
    Empty,
    Comment,
    TagLine,
    FeatureLine,
    RuleLine,
    BackgroundLine,
    ScenarioLine,
    ExamplesLine,
    StepLine,
    DocStringSeparator,
    TableRow,
    Language,
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Eof => "#EOF",
            Kind::Empty => "#Empty",
            Kind::Comment => "#Comment",
            Kind::TagLine => "#TagLine",
            Kind::FeatureLine => "#FeatureLine",
            Kind::RuleLine => "#RuleLine",
            Kind::BackgroundLine => "#BackgroundLine",
            Kind::ScenarioLine => "#ScenarioLine",
            Kind::ExamplesLine => "#ExamplesLine",
            Kind::StepLine => "#StepLine",
            Kind::DocStringSeparator => "#DocStringSeparator",
            Kind::TableRow => "#TableRow",
            Kind::Language => "#Language",
            Kind::Other => "#Other",
        }
    }
}

/// What a matched line carries.
#[derive(Debug)]
enum Token {
    Eof,
    Empty,
    Comment,
    Tags(Vec<String>),
    Title {
        keyword: &'static str,
        name: String,
        /// For a scenario line: whether the keyword is an outline keyword.
        outline: bool,
    },
    Step {
        keyword: &'static str,
        ty: Option<StepType>,
        text: String,
    },
    DocStringSeparator,
    TableRow(Vec<String>),
    Language,
    Other(String),
}

fn default_dialect() -> &'static Dialect {
    find_dialect("en").unwrap_or(&FALLBACK_EN)
}

/// Only used if the generated table lost English, which a unit test rules out.
static FALLBACK_EN: Dialect = Dialect {
    code: "en",
    name: "English",
    native: "English",
    feature: &["Feature"],
    background: &["Background"],
    rule: &["Rule"],
    scenario: &["Scenario"],
    scenario_outline: &["Scenario Outline"],
    examples: &["Examples"],
    given: &["* ", "Given "],
    when: &["* ", "When "],
    then: &["* ", "Then "],
    and: &["* ", "And "],
    but: &["* ", "But "],
};

fn find_dialect(code: &str) -> Option<&'static Dialect> {
    DIALECTS
        .binary_search_by(|d| d.code.cmp(code))
        .ok()
        .and_then(|i| DIALECTS.get(i))
}

/// The language code of a `# language: xx` line (`^\s*#\s*language\s*:\s*([a-zA-Z\-_]+)\s*$`).
fn language_code(text: &str) -> Option<&str> {
    let rest = text.trim().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("language")?.trim_start();
    let code = rest.strip_prefix(':')?.trim_start();
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_');
    ok.then_some(code)
}

/// `Keyword: rest` for the first keyword that matches.
fn match_title(trimmed: &str, keywords: &'static [&'static str]) -> Option<(&'static str, String)> {
    keywords.iter().find_map(|kw| {
        trimmed
            .strip_prefix(kw)
            .and_then(|r| r.strip_prefix(':'))
            .map(|rest| (*kw, rest.trim().to_string()))
    })
}

/// Splits a table row into cells: text before the first and after the last `|` is dropped;
/// `\|`, `\\` and `\n` are escapes; cells are trimmed of whitespace other than newlines.
fn table_cells(row: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut first = true;
    let mut chars = row.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '|' => {
                if first {
                    first = false;
                } else {
                    cells.push(trim_cell(&cell));
                }
                cell.clear();
            }
            '\\' => match chars.next() {
                Some('n') => cell.push('\n'),
                Some(c @ ('|' | '\\')) => cell.push(c),
                Some(c) => {
                    cell.push('\\');
                    cell.push(c);
                }
                None => cell.push('\\'),
            },
            c => cell.push(c),
        }
    }
    cells
}

fn trim_cell(cell: &str) -> String {
    let ws = |c: char| c.is_whitespace() && c != '\n';
    cell.trim_start_matches(ws).trim_end_matches(ws).to_string()
}

/// The tags of a tag line, or the column of the first tag with whitespace in it.
fn line_tags(line: &SrcLine<'_>) -> Result<Vec<String>, usize> {
    let trimmed = line.trimmed().trim();
    // A comment starts at a `#` preceded by whitespace.
    let mut end = trimmed.len();
    let mut prev_ws = false;
    for (i, c) in trimmed.char_indices() {
        if c == '#' && prev_ws {
            end = i.saturating_sub(1);
            // Back up over the whole whitespace character (it may be multi-byte).
            while end > 0 && !trimmed.is_char_boundary(end) {
                end -= 1;
            }
            break;
        }
        prev_ws = c.is_whitespace();
    }
    let uncommented = trimmed.get(..end).unwrap_or(trimmed).trim();
    let mut column = line.indent() + 1;
    let mut tags = Vec::new();
    for item in uncommented.split('@').skip(1) {
        let tag = format!("@{}", item.trim());
        if tag.chars().any(char::is_whitespace) {
            return Err(column);
        }
        tags.push(tag);
        column += item.chars().count() + 1;
    }
    Ok(tags)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeywordType {
    Given,
    When,
    Then,
    Conjunction,
    Unknown,
}

struct Matcher {
    dialect: &'static Dialect,
    /// Step keywords, longest first, with their type.
    step_keywords: Vec<(&'static str, KeywordType)>,
    /// The separator of the open doc string, if one is open.
    active_doc: Option<&'static str>,
    /// Indentation of the open doc string's separator, removed from its content lines.
    doc_indent: usize,
}

impl Matcher {
    fn new(dialect: &'static Dialect) -> Matcher {
        let mut m = Matcher {
            dialect,
            step_keywords: Vec::new(),
            active_doc: None,
            doc_indent: 0,
        };
        m.set_dialect(dialect);
        m
    }

    fn set_dialect(&mut self, dialect: &'static Dialect) {
        self.dialect = dialect;
        let lists: [(&'static [&'static str], KeywordType); 5] = [
            (dialect.given, KeywordType::Given),
            (dialect.when, KeywordType::When),
            (dialect.then, KeywordType::Then),
            (dialect.and, KeywordType::Conjunction),
            (dialect.but, KeywordType::Conjunction),
        ];
        let mut all: Vec<(&'static str, KeywordType)> = Vec::new();
        for (list, ty) in lists {
            for kw in list {
                all.push((kw, ty));
            }
        }
        let type_of = |kw: &str| {
            let mut types = all.iter().filter(|(k, _)| *k == kw).map(|(_, t)| *t);
            let first = types.next().unwrap_or(KeywordType::Unknown);
            if types.next().is_some() {
                KeywordType::Unknown
            } else {
                first
            }
        };
        let mut keywords: Vec<(&'static str, KeywordType)> =
            all.iter().map(|(k, _)| (*k, type_of(k))).collect();
        // Longest first; the sort is stable, so equal lengths keep the dialect's order.
        keywords.sort_by_key(|(k, _)| std::cmp::Reverse(k.chars().count()));
        self.step_keywords = keywords;
    }

    /// Tries to match `line` (`None` = end of file) as `kind`. An `Err` is an error found while
    /// matching (the line then does not match).
    fn try_match(
        &mut self,
        kind: Kind,
        line: Option<&SrcLine<'_>>,
    ) -> Result<Option<Token>, GherkinError> {
        let Some(line) = line else {
            return Ok((kind == Kind::Eof).then_some(Token::Eof));
        };
        let t = line.trimmed();
        let d = self.dialect;
        let title = |keywords: &'static [&'static str], outline: bool| {
            match_title(t, keywords).map(|(keyword, name)| Token::Title {
                keyword,
                name,
                outline,
            })
        };
        Ok(match kind {
            Kind::Eof => None,
            Kind::Empty => t.is_empty().then_some(Token::Empty),
            Kind::Comment => t.starts_with('#').then_some(Token::Comment),
            Kind::TagLine => {
                if !t.starts_with('@') {
                    return Ok(None);
                }
                match line_tags(line) {
                    Ok(tags) => Some(Token::Tags(tags)),
                    Err(column) => {
                        return Err(GherkinError {
                            line: line.number,
                            column: Some(column),
                            message: "A tag may not contain whitespace: write each tag as \
                                      @name without spaces (use - or _ inside a tag)"
                                .to_string(),
                        });
                    }
                }
            }
            Kind::FeatureLine => title(d.feature, false),
            Kind::RuleLine => title(d.rule, false),
            Kind::BackgroundLine => title(d.background, false),
            Kind::ScenarioLine => {
                title(d.scenario, false).or_else(|| title(d.scenario_outline, true))
            }
            Kind::ExamplesLine => title(d.examples, false),
            Kind::StepLine => self.step_keywords.iter().find_map(|(kw, kt)| {
                t.strip_prefix(kw).map(|rest| Token::Step {
                    keyword: kw,
                    ty: match kt {
                        KeywordType::Given => Some(StepType::Given),
                        KeywordType::When => Some(StepType::When),
                        KeywordType::Then => Some(StepType::Then),
                        KeywordType::Conjunction | KeywordType::Unknown => None,
                    },
                    text: rest.trim().to_string(),
                })
            }),
            Kind::DocStringSeparator => {
                let sep = match self.active_doc {
                    Some(open) => t.starts_with(open).then_some(open),
                    None => ["\"\"\"", "```"].into_iter().find(|s| t.starts_with(s)),
                };
                let Some(sep) = sep else { return Ok(None) };
                if self.active_doc.is_some() {
                    self.active_doc = None;
                    self.doc_indent = 0;
                } else {
                    self.active_doc = Some(sep);
                    self.doc_indent = line.indent();
                }
                Some(Token::DocStringSeparator)
            }
            Kind::TableRow => t.starts_with('|').then(|| Token::TableRow(table_cells(t))),
            Kind::Language => {
                let Some(code) = language_code(line.text) else {
                    return Ok(None);
                };
                match find_dialect(code) {
                    Some(dialect) => {
                        self.set_dialect(dialect);
                        Some(Token::Language)
                    }
                    None => {
                        return Err(GherkinError {
                            line: line.number,
                            column: Some(line.indent() + 1),
                            message: format!(
                                "Language not supported: {code}; use a code from the Gherkin \
                                 language list, such as en, fr, de, es, nl or pt"
                            ),
                        });
                    }
                }
            }
            Kind::Other => {
                let text = if self.doc_indent <= line.indent() {
                    line.text.chars().skip(self.doc_indent).collect::<String>()
                } else {
                    t.to_string()
                };
                let text = text.trim_end_matches(['\r', '\n']);
                let text = match self.active_doc {
                    Some("\"\"\"") => text.replace("\\\"\\\"\\\"", "\"\"\""),
                    Some("```") => text.replace("\\`\\`\\`", "```"),
                    _ => text.to_string(),
                };
                Some(Token::Other(text))
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The state machine

/// Whether steps belong to a background or to a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Background,
    Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    AfterLanguage,
    FeatureTags,
    /// Right after a `Feature:` or `Rule:` line (blank lines may follow before the description).
    Header,
    /// In the description of a feature or rule.
    HeaderDescription,
    RuleTags,
    BackgroundHeader,
    BackgroundDescription,
    ScenarioTags,
    ScenarioHeader,
    ScenarioDescription,
    Step(Ctx),
    /// A data table right after a step.
    DataTable(Ctx),
    /// Inside a doc string that follows a data table.
    DocStringAfterTable(Ctx),
    /// After a doc string that follows a data table.
    AfterDocStringAfterTable(Ctx),
    /// Inside a doc string right after a step.
    DocString(Ctx),
    /// After a doc string right after a step.
    AfterDocString(Ctx),
    /// A data table that follows a doc string.
    TableAfterDocString(Ctx),
    ExamplesTags,
    ExamplesHeader,
    ExamplesDescription,
    ExamplesTable,
    End,
}

use Kind as K;

/// The tokens each state accepts, in the order they are tried (and listed in errors).
fn accepted(state: State) -> &'static [Kind] {
    use State as S;
    match state {
        S::Start => &[
            K::Eof,
            K::Language,
            K::TagLine,
            K::FeatureLine,
            K::Comment,
            K::Empty,
        ],
        S::AfterLanguage | S::FeatureTags => &[K::TagLine, K::FeatureLine, K::Comment, K::Empty],
        S::Header => &[
            K::Eof,
            K::Empty,
            K::Comment,
            K::BackgroundLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::HeaderDescription => &[
            K::Eof,
            K::Comment,
            K::BackgroundLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::RuleTags => &[K::TagLine, K::RuleLine, K::Comment, K::Empty],
        S::BackgroundHeader => &[
            K::Eof,
            K::Empty,
            K::Comment,
            K::StepLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::BackgroundDescription => &[
            K::Eof,
            K::Comment,
            K::StepLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::ScenarioTags => &[K::TagLine, K::ScenarioLine, K::Comment, K::Empty],
        S::ScenarioHeader => &[
            K::Eof,
            K::Empty,
            K::Comment,
            K::StepLine,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::ScenarioDescription => &[
            K::Eof,
            K::Comment,
            K::StepLine,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::Step(Ctx::Background) | S::DataTable(Ctx::Background) => &[
            K::Eof,
            K::TableRow,
            K::DocStringSeparator,
            K::StepLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::Step(Ctx::Scenario) | S::DataTable(Ctx::Scenario) => &[
            K::Eof,
            K::TableRow,
            K::DocStringSeparator,
            K::StepLine,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::DocStringAfterTable(_) | S::DocString(_) => &[K::DocStringSeparator, K::Other],
        S::AfterDocStringAfterTable(Ctx::Background) => &[
            K::Eof,
            K::StepLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::AfterDocStringAfterTable(Ctx::Scenario) => &[
            K::Eof,
            K::StepLine,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::AfterDocString(Ctx::Background) | S::TableAfterDocString(Ctx::Background) => &[
            K::Eof,
            K::TableRow,
            K::StepLine,
            K::TagLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::AfterDocString(Ctx::Scenario) | S::TableAfterDocString(Ctx::Scenario) => &[
            K::Eof,
            K::TableRow,
            K::StepLine,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::ExamplesTags => &[K::TagLine, K::ExamplesLine, K::Comment, K::Empty],
        S::ExamplesHeader => &[
            K::Eof,
            K::Empty,
            K::Comment,
            K::TableRow,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::ExamplesDescription => &[
            K::Eof,
            K::Comment,
            K::TableRow,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Other,
        ],
        S::ExamplesTable => &[
            K::Eof,
            K::TableRow,
            K::TagLine,
            K::ExamplesLine,
            K::ScenarioLine,
            K::RuleLine,
            K::Comment,
            K::Empty,
        ],
        S::End => &[],
    }
}

/// What to tell the author when a line does not fit `state`.
fn hint(state: State, eof: bool) -> &'static str {
    use State as S;
    match state {
        S::Start | S::AfterLanguage => {
            "a Gherkin document starts with a 'Feature:' line; only comments, tags and one \
             '# language:' line may come before it"
        }
        S::FeatureTags => "tags must be followed by the 'Feature:' line they tag",
        S::ScenarioTags => "tags must be followed by the 'Scenario:' line they tag",
        S::ExamplesTags => "tags must be followed by the 'Examples:' line they tag",
        S::RuleTags => {
            if eof {
                "remove the trailing tags, or add the 'Scenario:' or 'Rule:' line they tag"
            } else {
                "tags must be followed by the 'Scenario:', 'Examples:' or 'Rule:' line they tag"
            }
        }
        S::DocString(_) | S::DocStringAfterTable(_) => {
            "close the doc string with a line holding the same separator (\"\"\" or ```)"
        }
        S::ExamplesTable => {
            "after an Examples table only more rows (| a | b |), 'Examples:', 'Scenario:' or \
             'Rule:' may follow; make the line a comment (#) or move it"
        }
        S::Step(_)
        | S::DataTable(_)
        | S::AfterDocString(_)
        | S::AfterDocStringAfterTable(_)
        | S::TableAfterDocString(_) => {
            "after a step only another step (Given/When/Then/And/But), its data table \
             (| a | b |) or doc string (\"\"\"), a comment (#) or a new 'Scenario:'/'Rule:' may \
             follow; free text belongs in the description right under the 'Scenario:' line"
        }
        S::Header
        | S::HeaderDescription
        | S::BackgroundHeader
        | S::BackgroundDescription
        | S::ScenarioHeader
        | S::ScenarioDescription
        | S::ExamplesHeader
        | S::ExamplesDescription
        | S::End => "check the line against the Gherkin syntax",
    }
}

/// How to interpret a tag line in `state`: `(look for Examples, look for Scenario)`.
fn tag_lookahead(state: State) -> Option<(bool, bool)> {
    use State as S;
    match state {
        S::Start | S::AfterLanguage | S::FeatureTags | S::ScenarioTags | S::ExamplesTags => None,
        S::RuleTags | S::End => None,
        S::Header
        | S::HeaderDescription
        | S::BackgroundHeader
        | S::BackgroundDescription
        | S::Step(Ctx::Background)
        | S::DataTable(Ctx::Background)
        | S::DocStringAfterTable(Ctx::Background)
        | S::AfterDocStringAfterTable(Ctx::Background)
        | S::DocString(Ctx::Background)
        | S::AfterDocString(Ctx::Background)
        | S::TableAfterDocString(Ctx::Background) => Some((false, true)),
        S::ScenarioHeader
        | S::ScenarioDescription
        | S::Step(Ctx::Scenario)
        | S::DataTable(Ctx::Scenario)
        | S::DocStringAfterTable(Ctx::Scenario)
        | S::AfterDocStringAfterTable(Ctx::Scenario)
        | S::DocString(Ctx::Scenario)
        | S::AfterDocString(Ctx::Scenario)
        | S::TableAfterDocString(Ctx::Scenario)
        | S::ExamplesHeader
        | S::ExamplesDescription
        | S::ExamplesTable => Some((true, true)),
    }
}

fn ctx_of(state: State) -> Ctx {
    use State as S;
    match state {
        S::BackgroundHeader | S::BackgroundDescription => Ctx::Background,
        S::Step(c)
        | S::DataTable(c)
        | S::DocStringAfterTable(c)
        | S::AfterDocStringAfterTable(c)
        | S::DocString(c)
        | S::AfterDocString(c)
        | S::TableAfterDocString(c) => c,
        _ => Ctx::Scenario,
    }
}

/// The state after accepting a `kind` token in `state` (tag lines are resolved by the caller).
fn next_state(state: State, kind: Kind) -> State {
    use State as S;
    match kind {
        K::Eof => S::End,
        K::Empty => state,
        K::Comment => match state {
            S::Header => S::HeaderDescription,
            S::BackgroundHeader => S::BackgroundDescription,
            S::ScenarioHeader => S::ScenarioDescription,
            S::ExamplesHeader => S::ExamplesDescription,
            s => s,
        },
        K::Other => match state {
            S::Header => S::HeaderDescription,
            S::BackgroundHeader => S::BackgroundDescription,
            S::ScenarioHeader => S::ScenarioDescription,
            S::ExamplesHeader => S::ExamplesDescription,
            s => s,
        },
        K::Language => S::AfterLanguage,
        K::TagLine => match state {
            S::Start | S::AfterLanguage => S::FeatureTags,
            s => s,
        },
        K::FeatureLine | K::RuleLine => S::Header,
        K::BackgroundLine => S::BackgroundHeader,
        K::ScenarioLine => S::ScenarioHeader,
        K::ExamplesLine => S::ExamplesHeader,
        K::StepLine => S::Step(ctx_of(state)),
        K::TableRow => match state {
            S::Step(c) => S::DataTable(c),
            S::AfterDocString(c) => S::TableAfterDocString(c),
            S::ExamplesHeader | S::ExamplesDescription => S::ExamplesTable,
            s => s,
        },
        K::DocStringSeparator => match state {
            S::Step(c) => S::DocString(c),
            S::DataTable(c) => S::DocStringAfterTable(c),
            S::DocString(c) => S::AfterDocString(c),
            S::DocStringAfterTable(c) => S::AfterDocStringAfterTable(c),
            s => s,
        },
    }
}

fn is_table(state: State) -> bool {
    matches!(
        state,
        State::DataTable(_) | State::TableAfterDocString(_) | State::ExamplesTable
    )
}

/// Cell-count check of the table being read.
struct TableCheck {
    width: usize,
    reported: bool,
}

struct Parser<'l, 'a> {
    lines: &'l [SrcLine<'a>],
    eof_line: usize,
    matcher: Matcher,
    errors: Vec<GherkinError>,
    // The document being built.
    feature: Option<Feature>,
    pending_tags: Vec<String>,
    scenario: Option<Scenario>,
    /// Index into `feature.rules` of the rule being read.
    rule: Option<usize>,
    /// Effective type of the previous step of the current background or scenario.
    last_type: Option<StepType>,
    table: Option<TableCheck>,
    /// Whether the header row of the current Examples table has been read.
    examples_header_seen: bool,
    doc: Option<Vec<String>>,
}

impl<'l, 'a> Parser<'l, 'a> {
    fn new(lines: &'l [SrcLine<'a>]) -> Self {
        let real = lines.iter().filter(|l| l.number > 0).count();
        Parser {
            lines,
            eof_line: real + 1,
            matcher: Matcher::new(default_dialect()),
            errors: Vec::new(),
            feature: None,
            pending_tags: Vec::new(),
            scenario: None,
            rule: None,
            last_type: None,
            table: None,
            examples_header_seen: false,
            doc: None,
        }
    }

    fn add_error(&mut self, e: GherkinError) {
        if !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }

    fn run(mut self) -> Result<Document, Vec<GherkinError>> {
        let mut state = State::Start;
        let mut i = 0;
        loop {
            let line = self.lines.get(i).copied();
            state = self.step(state, i, line.as_ref());
            if line.is_none() || self.errors.len() >= MAX_ERRORS {
                break;
            }
            i += 1;
        }
        if !self.errors.is_empty() {
            let mut errors = self.errors;
            errors.truncate(MAX_ERRORS);
            errors.sort_by_key(|e| e.line);
            return Err(errors);
        }
        self.finish_scenario();
        Ok(Document {
            language: self.matcher.dialect.code.to_string(),
            feature: self.feature,
        })
    }

    /// Feeds one token (`line` = `None` at end of file) to the state machine.
    fn step(&mut self, state: State, index: usize, line: Option<&SrcLine<'a>>) -> State {
        for &kind in accepted(state) {
            let token = match self.matcher.try_match(kind, line) {
                Ok(Some(t)) => t,
                Ok(None) => continue,
                Err(e) => {
                    self.add_error(e);
                    continue;
                }
            };
            let mut next = next_state(state, kind);
            if kind == K::TagLine {
                if let Some((examples, scenario)) = tag_lookahead(state) {
                    next = if examples && self.lookahead(index, K::ExamplesLine) {
                        State::ExamplesTags
                    } else if scenario && self.lookahead(index, K::ScenarioLine) {
                        State::ScenarioTags
                    } else {
                        State::RuleTags
                    };
                }
            }
            if !is_table(next) {
                self.table = None;
            }
            self.build(next, kind, token, line);
            return next;
        }
        // Nothing matched: record the error and stay in the same state.
        let expected = accepted(state)
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ");
        let error = match line {
            None => GherkinError {
                line: self.eof_line,
                column: None,
                message: format!(
                    "unexpected end of file, expected: {expected}; {}",
                    hint(state, true)
                ),
            },
            Some(l) => GherkinError {
                line: l.number,
                column: Some(l.indent() + 1),
                message: format!(
                    "expected: {expected}, got '{}'; {}",
                    l.text.trim(),
                    hint(state, false)
                ),
            },
        };
        self.add_error(error);
        state
    }

    /// Whether a line of `kind` follows the tag line at `index`, across tag lines, comments and
    /// blank lines.
    fn lookahead(&mut self, index: usize, kind: Kind) -> bool {
        for line in self.lines.iter().skip(index + 1) {
            match self.matcher.try_match(kind, Some(line)) {
                Ok(Some(_)) => return true,
                Ok(None) => {}
                Err(e) => self.add_error(e),
            }
            let t = line.trimmed();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            match self.matcher.try_match(K::TagLine, Some(line)) {
                Ok(Some(_)) => continue,
                Ok(None) => return false,
                Err(e) => {
                    self.add_error(e);
                    return false;
                }
            }
        }
        false
    }

    fn finish_scenario(&mut self) {
        if let Some(mut s) = self.scenario.take() {
            s.description = trim_description(&s.description);
            if let Some(f) = self.feature.as_mut() {
                f.scenarios.push(s);
            }
        }
    }

    /// Builds the document from an accepted token.
    fn build(&mut self, to: State, kind: Kind, token: Token, line: Option<&SrcLine<'a>>) {
        let number = line.map_or(self.eof_line, |l| l.number);
        match token {
            Token::Eof | Token::Empty | Token::Comment | Token::Language => {}
            Token::Tags(tags) => self.pending_tags.extend(tags),
            Token::Title {
                keyword,
                name,
                outline,
            } => {
                let tags = std::mem::take(&mut self.pending_tags);
                match kind {
                    K::FeatureLine => {
                        self.feature = Some(Feature {
                            keyword: keyword.to_string(),
                            name,
                            line: number,
                            tags,
                            description: String::new(),
                            background: Vec::new(),
                            scenarios: Vec::new(),
                            rules: Vec::new(),
                        });
                    }
                    K::RuleLine => {
                        self.finish_scenario();
                        if let Some(f) = self.feature.as_mut() {
                            f.rules.push(Rule {
                                name,
                                line: number,
                                tags,
                                background: Vec::new(),
                            });
                            self.rule = Some(f.rules.len() - 1);
                        }
                    }
                    K::BackgroundLine => self.last_type = None,
                    K::ScenarioLine => {
                        self.finish_scenario();
                        self.last_type = None;
                        let rule = self
                            .rule
                            .and_then(|r| self.feature.as_ref()?.rules.get(r))
                            .map(|r| r.name.clone());
                        self.scenario = Some(Scenario {
                            keyword: keyword.to_string(),
                            name,
                            line: number,
                            outline,
                            examples: 0,
                            steps: Vec::new(),
                            tags,
                            description: String::new(),
                            rule,
                        });
                    }
                    K::ExamplesLine => {
                        self.examples_header_seen = false;
                        if let Some(s) = self.scenario.as_mut() {
                            s.outline = true;
                        }
                    }
                    _ => {}
                }
            }
            Token::Step { keyword, ty, text } => {
                let ty = ty.or(self.last_type).unwrap_or(StepType::Given);
                self.last_type = Some(ty);
                let step = Step {
                    keyword: keyword.trim_end().to_string(),
                    ty,
                    text,
                    line: number,
                    column: line.map_or(1, |l| l.indent() + 1),
                    data_table: Vec::new(),
                    doc_string: None,
                };
                if let Some(steps) = self.steps_mut(to) {
                    steps.push(step);
                }
            }
            Token::TableRow(cells) => {
                self.check_table(cells.len(), line);
                if to == State::ExamplesTable {
                    if self.examples_header_seen {
                        if let Some(s) = self.scenario.as_mut() {
                            s.examples += 1;
                        }
                    }
                    self.examples_header_seen = true;
                } else if let Some(step) = self.steps_mut(to).and_then(|s| s.last_mut()) {
                    step.data_table.push(cells);
                }
            }
            Token::DocStringSeparator => {
                if let Some(content) = self.doc.take() {
                    let content = content.join("\n");
                    if let Some(step) = self.steps_mut(to).and_then(|s| s.last_mut()) {
                        step.doc_string = Some(content);
                    }
                } else {
                    self.doc = Some(Vec::new());
                }
            }
            Token::Other(text) => match to {
                State::DocString(_) | State::DocStringAfterTable(_) => {
                    if let Some(d) = self.doc.as_mut() {
                        d.push(text);
                    }
                }
                // Only the feature's own description is kept, not a rule's.
                State::HeaderDescription if self.rule.is_none() => {
                    if let Some(f) = self.feature.as_mut() {
                        push_line(&mut f.description, &text);
                    }
                }
                State::ScenarioDescription => {
                    if let Some(s) = self.scenario.as_mut() {
                        push_line(&mut s.description, &text);
                    }
                }
                _ => {}
            },
        }
        if to == State::End {
            if let Some(f) = self.feature.as_mut() {
                f.description = trim_description(&f.description);
            }
        }
    }

    /// The step list that steps go to in state `to`.
    fn steps_mut(&mut self, to: State) -> Option<&mut Vec<Step>> {
        match ctx_of(to) {
            Ctx::Scenario => self.scenario.as_mut().map(|s| &mut s.steps),
            Ctx::Background => {
                let f = self.feature.as_mut()?;
                match self.rule {
                    Some(r) => f.rules.get_mut(r).map(|r| &mut r.background),
                    None => Some(&mut f.background),
                }
            }
        }
    }

    /// Reports the first row of a table whose cell count differs from the table's first row.
    fn check_table(&mut self, cells: usize, line: Option<&SrcLine<'a>>) {
        let Some(line) = line else { return };
        match self.table.as_mut() {
            None => {
                self.table = Some(TableCheck {
                    width: cells,
                    reported: false,
                });
            }
            Some(t) if t.width != cells && !t.reported => {
                t.reported = true;
                let width = t.width;
                self.add_error(GherkinError {
                    line: line.number,
                    column: Some(line.indent() + 1),
                    message: format!(
                        "inconsistent cell count within the table: this row has {cells} \
                         cell(s), the table's first row has {width}; give every row the same \
                         number of cells, each closed by '|' (write a literal pipe as \\|)"
                    ),
                });
            }
            Some(_) => {}
        }
    }
}

fn push_line(buf: &mut String, line: &str) {
    if !buf.is_empty() || !line.trim().is_empty() {
        if !buf.is_empty() {
            buf.push('\n');
        }
        buf.push_str(line.trim());
    }
}

fn trim_description(d: &str) -> String {
    d.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_are_sorted_and_include_english() {
        assert!(DIALECTS.windows(2).all(|w| w[0].code < w[1].code));
        assert!(find_dialect("en").is_some());
        assert!(find_dialect("fr").is_some());
        assert!(find_dialect("em").is_some());
        assert!(find_dialect("xx").is_none());
    }

    #[test]
    fn language_lines() {
        assert_eq!(language_code("# language: fr"), Some("fr"));
        assert_eq!(language_code("  #  language  :   en-lol  "), Some("en-lol"));
        assert_eq!(language_code("#language:no-such"), Some("no-such"));
        assert_eq!(language_code("# language: f r"), None);
        assert_eq!(language_code("# lang: fr"), None);
    }

    #[test]
    fn table_cells_unescape() {
        assert_eq!(table_cells("| a | b |"), vec!["a", "b"]);
        assert_eq!(
            table_cells(r"| \| | \\ | \n | \o |"),
            vec!["|", "\\", "\n", "\\o"]
        );
        assert_eq!(table_cells("| a | b"), vec!["a"]);
        assert_eq!(table_cells(r"| bar \"), Vec::<String>::new());
    }

    #[test]
    fn tags_with_comments_and_whitespace() {
        let l = SrcLine {
            number: 1,
            text: "  @a @b-c #comment @d",
        };
        assert_eq!(
            line_tags(&l),
            Ok(vec!["@a".to_string(), "@b-c".to_string()])
        );
        let l = SrcLine {
            number: 1,
            text: "  @ok @a tag",
        };
        assert_eq!(line_tags(&l), Err(7));
    }

    #[test]
    fn full_document() {
        let text = "@epic\nFeature: Login\n  As a user\n\n  Background:\n    Given a user\n\n  \
                    @smoke\n  Scenario: ok\n    When I log in\n    And I wait\n    Then I see home\n      | a | b |\n      | 1 | 2 |\n\n  Rule: lockout\n    Scenario Outline: bad <n>\n      Given <n> failures\n      Then locked\n      Examples:\n        | n |\n        | 3 |\n        | 4 |\n";
        let doc = parse(text).unwrap();
        let f = doc.feature.unwrap();
        assert_eq!(f.name, "Login");
        assert_eq!(f.tags, vec!["@epic"]);
        assert_eq!(f.description, "As a user");
        assert_eq!(f.background.len(), 1);
        assert_eq!(f.scenarios.len(), 2);
        let s = &f.scenarios[0];
        assert_eq!(s.tags, vec!["@smoke"]);
        assert_eq!(s.line, 9);
        assert_eq!(
            s.steps.iter().map(|s| s.ty).collect::<Vec<_>>(),
            vec![StepType::When, StepType::When, StepType::Then]
        );
        assert_eq!(s.steps[2].data_table.len(), 2);
        let o = &f.scenarios[1];
        assert!(o.outline);
        assert_eq!(o.examples, 2);
        assert_eq!(o.rule.as_deref(), Some("lockout"));
        assert_eq!(f.rules.len(), 1);
    }
}
