//! Story-quality lint: the Quality User Story criteria (Lucassen et al.),
//! INVEST checks and Gherkin acceptance criteria. Each finding names its
//! rule, the offending span and a fix. The rule catalogue (ids, default
//! severities) is `cairn_core::lint::RULES`; the workspace's `[lint]`
//! section switches rules off, changes severities and adds terms.
//!
//! Every rule is a heuristic over words, explainable by the span it
//! reports; none needs a model or a network.

use crate::similarity::Corpus;
use crate::story::{self, Story};
use crate::text::{Span, Word, terms, words};
use cairn_core::lint::{LintConfig, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One item to lint, or to use as context (for `unique` and `uniform`).
#[derive(Debug, Clone, Default)]
pub struct LintItem<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    /// The story sentence (the item's title).
    pub title: &'a str,
    pub acceptance: &'a str,
    pub estimate: Option<f64>,
    /// Open items that block this one.
    pub blockers: u32,
    /// The Gherkin check of the acceptance criteria, when they are Gherkin.
    pub acceptance_check: Option<AcceptanceCheck>,
    /// Report findings for this item (false: it is only context).
    pub target: bool,
}

/// What the Gherkin parser said about an item's acceptance criteria.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcceptanceCheck {
    pub errors: Vec<GherkinProblem>,
    pub scenarios: Vec<ScenarioSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GherkinProblem {
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    pub name: String,
    pub line: usize,
    pub has_then: bool,
}

/// The part of an item a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Title,
    Acceptance,
    Estimate,
    Links,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Acceptance => "acceptance",
            Field::Estimate => "estimate",
            Field::Links => "links",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Index of the item in the input.
    pub item: usize,
    pub rule: &'static str,
    pub severity: Severity,
    pub field: Field,
    /// Byte span in the field's text.
    pub span: Option<Span>,
    /// Line and column in the field's text, for Gherkin findings (which
    /// come from the parser with positions but no span).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub fix: String,
    /// Other items the finding involves (duplicates), as input indexes.
    pub related: Vec<usize>,
}

/// Vague terms and what to write instead.
const VAGUE: &[(&str, &str)] = &[
    ("fast", "a measurable time, e.g. \"within 2 seconds\""),
    ("quick", "a measurable time, e.g. \"within 2 seconds\""),
    ("quickly", "a measurable time, e.g. \"within 2 seconds\""),
    ("slow", "a measurable limit"),
    ("easy", "what the user can do and in how many steps"),
    ("easily", "what the user can do and in how many steps"),
    ("simple", "the concrete steps or limits"),
    ("simply", "the concrete steps"),
    (
        "user-friendly",
        "the observable behaviour that makes it usable",
    ),
    (
        "user friendly",
        "the observable behaviour that makes it usable",
    ),
    (
        "intuitive",
        "the observable behaviour, e.g. \"without reading the help\"",
    ),
    ("flexible", "the specific options the user needs"),
    ("efficient", "a measurable target"),
    ("efficiently", "a measurable target"),
    ("robust", "the failures it must survive"),
    ("seamless", "what must not interrupt the user"),
    ("seamlessly", "what must not interrupt the user"),
    ("appropriate", "the exact rule for what is appropriate"),
    ("appropriately", "the exact rule"),
    ("as appropriate", "the exact rule for when"),
    ("adequate", "the exact amount or level"),
    ("sufficient", "the exact amount or level"),
    ("reasonable", "the exact amount or limit"),
    ("several", "an exact number"),
    ("some", "exactly which ones, or an exact number"),
    ("many", "an exact number"),
    ("various", "the exact list"),
    ("etc", "the complete list"),
    ("and/or", "either \"and\" or \"or\", or two stories"),
    ("as needed", "the exact condition"),
    ("as required", "the exact condition"),
    ("if possible", "whether it is required or not"),
    ("where possible", "whether it is required or not"),
    ("if necessary", "the exact condition"),
    ("normally", "the exact condition"),
    ("usually", "the exact condition"),
    ("typically", "the exact condition"),
    ("sometimes", "the exact condition"),
    ("optimal", "a measurable target"),
    ("nice", "the concrete quality"),
    ("modern", "the concrete quality"),
    ("state-of-the-art", "the concrete capability"),
    ("powerful", "the concrete capability"),
    ("timely", "a deadline or time limit"),
    ("soon", "a deadline or time limit"),
    ("relevant", "how relevance is decided"),
    ("clean", "the concrete quality"),
];

/// Absolutes and open-ended goals nobody can verify without a measure.
const UNTESTABLE: &[&str] = &[
    "always",
    "never",
    "at all times",
    "instantly",
    "immediately",
    "bug-free",
    "error-free",
    "zero downtime",
    "maximise",
    "maximize",
    "minimise",
    "minimize",
    "as much as possible",
    "as little as possible",
    "as soon as possible",
    "all possible",
    "every possible",
    "any possible",
    "infinitely",
    "unlimited",
    "improve",
    "improved",
    "better",
];

/// Words that prescribe a solution (interface widgets, technologies).
const SOLUTION: &[&str] = &[
    "by clicking",
    "by pressing",
    "by tapping",
    "by selecting",
    "click on",
    "click the",
    "button",
    "checkbox",
    "check box",
    "dropdown",
    "drop-down",
    "drop down",
    "pop-up",
    "popup",
    "modal",
    "radio button",
    "text box",
    "textbox",
    "combo box",
    "iframe",
    "database table",
    "stored procedure",
    "sql",
    "cookie",
    "ajax",
    "jquery",
    "javascript",
    "react",
    "angular",
    "cron job",
    "regex",
    "hashmap",
];

/// Catch-all verbs that make a story an epic.
const COARSE: &[&str] = &[
    "manage",
    "handle",
    "administer",
    "administrate",
    "deal with",
    "control everything",
    "do everything",
    "everything",
    "all features",
    "all functionality",
];

/// Verbs that, after "and" or "or", start a second feature.
pub const VERBS: &[&str] = &[
    "access",
    "activate",
    "authorise",
    "authorize",
    "block",
    "capture",
    "charge",
    "deactivate",
    "decrypt",
    "encrypt",
    "escalate",
    "freeze",
    "refund",
    "reopen",
    "renew",
    "reverse",
    "settle",
    "reconcile",
    "suspend",
    "void",
    "withdraw",
    "add",
    "adjust",
    "analyse",
    "analyze",
    "apply",
    "approve",
    "archive",
    "assign",
    "attach",
    "book",
    "browse",
    "buy",
    "calculate",
    "cancel",
    "change",
    "check",
    "choose",
    "close",
    "collect",
    "comment",
    "compare",
    "configure",
    "confirm",
    "contact",
    "copy",
    "create",
    "customise",
    "customize",
    "delete",
    "deploy",
    "disable",
    "download",
    "draft",
    "duplicate",
    "edit",
    "email",
    "enable",
    "enter",
    "export",
    "filter",
    "find",
    "follow",
    "generate",
    "get",
    "hide",
    "import",
    "invite",
    "join",
    "launch",
    "link",
    "list",
    "load",
    "log",
    "login",
    "manage",
    "mark",
    "merge",
    "modify",
    "monitor",
    "move",
    "notify",
    "open",
    "order",
    "pay",
    "pin",
    "plan",
    "post",
    "preview",
    "print",
    "publish",
    "purchase",
    "rate",
    "read",
    "receive",
    "record",
    "register",
    "reject",
    "remove",
    "rename",
    "reorder",
    "replace",
    "reply",
    "report",
    "request",
    "reset",
    "restore",
    "retrieve",
    "review",
    "save",
    "schedule",
    "search",
    "select",
    "send",
    "set",
    "share",
    "show",
    "sign",
    "sort",
    "start",
    "stop",
    "submit",
    "subscribe",
    "suggest",
    "sync",
    "tag",
    "track",
    "transfer",
    "unsubscribe",
    "update",
    "upload",
    "validate",
    "verify",
    "view",
    "vote",
    "write",
];

/// "and" phrases that name one thing.
const FIXED: &[&str] = &[
    "drag and drop",
    "copy and paste",
    "cut and paste",
    "search and replace",
    "find and replace",
    "terms and conditions",
    "pros and cons",
    "black and white",
    "trial and error",
    "back and forth",
    "plug and play",
    "read and write",
    "check in and check out",
    "sign in and sign out",
    "log in and log out",
];

struct Terms {
    vague: Vec<(String, String)>,
    /// One-word vague terms → index into `vague`; the rest are phrases.
    vague_words: HashMap<String, usize>,
    vague_phrases: Vec<usize>,
    solution: Vec<String>,
}

/// A term is looked up as one word when `words` would keep it whole.
fn is_one_word(t: &str) -> bool {
    let ws = words(t);
    ws.len() == 1 && ws[0].text.len() == t.len()
}

impl Terms {
    fn new(cfg: &LintConfig) -> Terms {
        let allowed: BTreeSet<String> = cfg.allow_terms.iter().map(|t| t.to_lowercase()).collect();
        let mut vague: Vec<(String, String)> = VAGUE
            .iter()
            .filter(|(t, _)| !allowed.contains(*t))
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect();
        for t in &cfg.vague_terms {
            vague.push((
                t.to_lowercase(),
                "a measurable or exact statement".to_string(),
            ));
        }
        let mut solution: Vec<String> = SOLUTION
            .iter()
            .filter(|t| !allowed.contains(**t))
            .map(|t| t.to_string())
            .collect();
        solution.extend(cfg.solution_terms.iter().map(|t| t.to_lowercase()));
        let mut vague_words = HashMap::new();
        let mut vague_phrases = Vec::new();
        for (n, (t, _)) in vague.iter().enumerate() {
            if is_one_word(t) {
                vague_words.entry(t.clone()).or_insert(n);
            } else {
                vague_phrases.push(n);
            }
        }
        Terms {
            vague,
            vague_words,
            vague_phrases,
            solution,
        }
    }
}

/// Every whole-word, case-insensitive occurrence of `term` in `text`
/// within `within`.
fn occurrences(lower: &str, term: &str, within: Span) -> Vec<Span> {
    let mut out = Vec::new();
    let Some(hay) = lower.get(within.start..within.end) else {
        return out;
    };
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| h.find(term)) {
        let start = within.start + from + i;
        let end = start + term.len();
        let before_ok = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let after_ok = end >= bytes.len()
            || !bytes[end].is_ascii_alphanumeric()
            || !term
                .as_bytes()
                .last()
                .is_some_and(u8::is_ascii_alphanumeric);
        // "user-friendly" must not match inside "non-user-friendly".
        let hyphen_before = start > 0 && bytes[start - 1] == b'-';
        if before_ok && after_ok && !hyphen_before {
            out.push(Span::new(start, end));
        }
        from += i + term.len().max(1);
    }
    out
}

struct Ctx<'c> {
    cfg: &'c LintConfig,
    terms: &'c Terms,
    story_kinds: Vec<String>,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    /// Record a finding unless its rule is off; the caller may add a
    /// position or related items to what it returns.
    fn push(
        &mut self,
        item: usize,
        rule: &'static str,
        field: Field,
        span: Option<Span>,
        message: String,
        fix: String,
    ) -> Option<&mut Finding> {
        let severity = self.cfg.severity(rule)?;
        self.out.push(Finding {
            item,
            rule,
            severity,
            field,
            span,
            line: None,
            column: None,
            message,
            fix,
            related: Vec::new(),
        });
        self.out.last_mut()
    }

    fn on(&self, rule: &str) -> bool {
        self.cfg.severity(rule).is_some()
    }
}

/// Lint `items`. Findings are reported for items with `target` set; the
/// others are context for `unique` and `uniform`. Ordered by item, field
/// and position.
pub fn lint(items: &[LintItem<'_>], cfg: &LintConfig) -> Vec<Finding> {
    let terms = Terms::new(cfg);
    let mut ctx = Ctx {
        cfg,
        terms: &terms,
        story_kinds: cfg.story_kinds(),
        out: Vec::new(),
    };
    let stories: Vec<Option<Story>> = items
        .iter()
        .map(|it| {
            if ctx.story_kinds.iter().any(|k| k == it.kind) {
                story::parse(it.title)
            } else {
                None
            }
        })
        .collect();
    let uniform = Uniform::of(&stories, items);
    for (i, it) in items.iter().enumerate() {
        if !it.target {
            continue;
        }
        let is_story = ctx.story_kinds.iter().any(|k| k == it.kind);
        if is_story {
            story_rules(&mut ctx, i, it, stories[i].as_ref(), &uniform);
        }
        let ends = stories[i].as_ref().and_then(|s| s.ends_marker);
        wording_rules(&mut ctx, i, it, is_story, ends);
        invest_rules(&mut ctx, i, it, is_story);
        gherkin_rules(&mut ctx, i, it);
    }
    if ctx.on("unique") {
        unique(&mut ctx, items);
    }
    let mut out = ctx.out;
    out.sort_by(|a, b| {
        (a.item, a.field, a.span.map(|s| s.start), a.line, a.rule).cmp(&(
            b.item,
            b.field,
            b.span.map(|s| s.start),
            b.line,
            b.rule,
        ))
    });
    out
}

fn story_rules(
    ctx: &mut Ctx<'_>,
    i: usize,
    it: &LintItem<'_>,
    story: Option<&Story>,
    uniform: &Uniform,
) {
    let title = it.title;
    let whole = Some(Span::new(0, title.len()));
    let Some(s) = story else {
        ctx.push(
            i,
            "well-formed",
            Field::Title,
            whole,
            "the story does not name a role: it does not start with \"As a <role>\"".into(),
            "rewrite it as \"As a <role>, I want <what>, so that <why>\"".into(),
        );
        return;
    };
    if s.role.is_none() {
        ctx.push(
            i,
            "well-formed",
            Field::Title,
            Some(s.role_marker),
            "the role is empty: who wants this?".into(),
            "name the role after \"As a\", e.g. \"As a billing clerk\"".into(),
        );
    }
    if s.means_marker.is_none() || s.means.is_none() {
        let span = s.means.or(whole);
        let msg = if s.means.is_none() {
            "the story has no means: what does the role want?"
        } else {
            "the means has no \"I want\" (or \"I can\", \"I would like\") before it"
        };
        ctx.push(
            i,
            "well-formed",
            Field::Title,
            span,
            msg.into(),
            "write the means as \"I want to <action> <object>\"".into(),
        );
    }
    let lower = title.to_ascii_lowercase();
    let ws = words(title);

    // atomic: "and"/"or" joining a second action inside the means.
    if let Some(means) = s.means {
        let mw: Vec<&Word<'_>> = ws
            .iter()
            .filter(|w| w.span.start >= means.start && w.span.end <= means.end)
            .collect();
        for (k, w) in mw.iter().enumerate() {
            if !(w.is("and") || w.is("or")) {
                continue;
            }
            let prev = k.checked_sub(1).map(|p| mw[p].lower()).unwrap_or_default();
            let mut n = k + 1;
            while n < mw.len()
                && ["also", "then", "to", "i", "can", "will", "we", "be", "able"]
                    .iter()
                    .any(|x| mw[n].is(x))
            {
                n += 1;
            }
            let Some(next) = mw.get(n) else { continue };
            let next_l = next.lower();
            let phrase = format!("{prev} {} {next_l}", w.lower());
            if FIXED.iter().any(|f| f.contains(&phrase)) {
                continue;
            }
            if VERBS.contains(&next_l.as_str()) && next_l != prev {
                let first = Span::new(means.start, w.span.start)
                    .of(title)
                    .trim()
                    .trim_end_matches(',');
                let second = Span::new(next.span.start, means.end).of(title).trim();
                ctx.push(
                    i,
                    "atomic",
                    Field::Title,
                    Some(w.span),
                    format!(
                        "\"{}\" joins two features: \"{first}\" and \"{second}\"",
                        w.text
                    ),
                    "split it into one story per feature".into(),
                );
                break;
            }
        }
        let symbol = |sep: &str| {
            means
                .of(title)
                .find(sep)
                .map(|p| Span::new(means.start + p + 1, means.start + p + 2))
        };
        let joined = occurrences(&lower, "as well as", means)
            .first()
            .copied()
            .map(|sp| (sp, "as well as"))
            .or_else(|| symbol(" & ").map(|sp| (sp, "&")))
            .or_else(|| symbol(" + ").map(|sp| (sp, "+")));
        if let Some((sp, sep)) = joined {
            {
                ctx.push(
                    i,
                    "atomic",
                    Field::Title,
                    Some(sp),
                    format!("\"{sep}\" joins two features in one story"),
                    "split it into one story per feature".into(),
                );
            }
        }
    }

    // minimal: notes in parentheses, examples, extra sentences.
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(a) = title.find(open) {
            // A leading tag such as "[UI]" before "As" is a label, not a note.
            if a < s.role_marker.start {
                continue;
            }
            let b = title[a..].find(close).map_or(title.len(), |b| a + b + 1);
            ctx.push(
                i,
                "minimal",
                Field::Title,
                Some(Span::new(a, b)),
                format!("the story carries a note in brackets: {}", &title[a..b]),
                "move the note into the description or the acceptance criteria".into(),
            );
        }
    }
    for marker in ["e.g.", "i.e.", "note:", "nb:", "n.b."] {
        if let Some(sp) = occurrences(&lower, marker, Span::new(0, title.len())).first() {
            ctx.push(
                i,
                "minimal",
                Field::Title,
                Some(Span::new(sp.start, title.len())),
                format!(
                    "the story carries extra detail after \"{}\"",
                    &title[sp.start..sp.end]
                ),
                "move examples and notes into the description or the acceptance criteria".into(),
            );
            break;
        }
    }
    if let Some(extra) = extra_sentence(title) {
        ctx.push(
            i,
            "minimal",
            Field::Title,
            Some(extra),
            "the story goes on after its sentence ends".into(),
            "keep the story to one sentence; move the rest into the description".into(),
        );
    }

    // conceptually-sound
    if let Some(means) = s.means {
        if let Some(sp) = occurrences(&lower, "because", means).first() {
            ctx.push(
                i,
                "conceptually-sound",
                Field::Title,
                Some(Span::new(sp.start, means.end)),
                "the means carries its own reason (\"because …\")".into(),
                "put the reason in the ends: \"…, so that <why>\"".into(),
            );
        }
        if let Some(ends) = s.ends {
            for marker in ["i want", "i would like", "so that"] {
                if let Some(sp) = occurrences(&lower, marker, ends).first() {
                    ctx.push(
                        i,
                        "conceptually-sound",
                        Field::Title,
                        Some(Span::new(sp.start, ends.end)),
                        format!(
                            "the ends holds a second story or reason (\"{}\")",
                            &title[sp.start..sp.end]
                        ),
                        "keep one rationale in the ends; write the other feature as its own story"
                            .into(),
                    );
                    break;
                }
            }
            let mt: BTreeSet<String> = terms(means.of(title)).into_iter().map(|(t, _)| t).collect();
            let et: BTreeSet<String> = terms(ends.of(title)).into_iter().map(|(t, _)| t).collect();
            let inter = mt.intersection(&et).count();
            let union = mt.union(&et).count();
            if inter >= 2 && inter * 4 >= union * 3 {
                ctx.push(
                    i,
                    "conceptually-sound",
                    Field::Title,
                    Some(ends),
                    "the ends repeats the means instead of giving a reason".into(),
                    "say why the role needs it: the outcome, not the feature again".into(),
                );
            }
        }
    }

    // problem-oriented
    if let Some(means) = s.means {
        let terms = ctx.terms;
        for t in &terms.solution {
            if let Some(sp) = occurrences(&lower, t, means).first() {
                ctx.push(
                    i,
                    "problem-oriented",
                    Field::Title,
                    Some(*sp),
                    format!("\"{}\" prescribes a solution", &title[sp.start..sp.end]),
                    "say what the role needs to achieve; leave the design to the team (put constraints in acceptance criteria)".into(),
                );
                break;
            }
        }
    }

    // full-sentence
    if let Some(first) = ws.iter().find(|w| w.span.start >= s.role_marker.start)
        && first.text.chars().next().is_some_and(char::is_lowercase)
    {
        ctx.push(
            i,
            "full-sentence",
            Field::Title,
            Some(first.span),
            "the sentence starts with a lower-case letter".into(),
            format!("write \"{}\"", capitalise(first.text)),
        );
    }
    for pair in ws.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.text.eq_ignore_ascii_case(b.text)
            && !a.text.chars().all(|c| c.is_ascii_digit())
            && title
                .get(a.span.end..b.span.start)
                .is_some_and(|g| g.trim().is_empty())
        {
            ctx.push(
                i,
                "full-sentence",
                Field::Title,
                Some(Span::new(a.span.start, b.span.end)),
                format!("\"{}\" is written twice", a.text),
                format!("write \"{}\" once", a.text),
            );
        }
    }
    if title.matches('(').count() != title.matches(')').count()
        || title.matches('"').count() % 2 == 1
    {
        ctx.push(
            i,
            "full-sentence",
            Field::Title,
            whole,
            "a bracket or quotation mark is not closed".into(),
            "close it, or remove it".into(),
        );
    }

    // estimable
    if let Some(means) = s.means {
        for t in COARSE {
            if let Some(sp) = occurrences(&lower, t, means).first() {
                ctx.push(
                    i,
                    "estimable",
                    Field::Title,
                    Some(*sp),
                    format!("\"{}\" covers many features; the story is too coarse to estimate", &title[sp.start..sp.end]),
                    "name the concrete actions (create, edit, delete, …) and write a story for each".into(),
                );
                break;
            }
        }
    }

    // uniform
    if let Some(found) = uniform.differs(s) {
        ctx.push(
            i,
            "uniform",
            Field::Title,
            s.means_marker.or(s.ends_marker).or(whole),
            found.0,
            found.1,
        );
    }
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// The text after the story's first sentence, if any: a full stop, ! or
/// ? followed by more words (abbreviations such as "e.g." excepted).
fn extra_sentence(title: &str) -> Option<Span> {
    let bytes = title.as_bytes();
    for (i, c) in title.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let rest = &title[i + 1..];
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let word_before: String = title[..i]
            .chars()
            .rev()
            .take_while(|ch| ch.is_alphanumeric() || *ch == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let wb = word_before.to_ascii_lowercase();
        if [
            "e.g", "i.e", "etc", "vs", "mr", "mrs", "dr", "no", "approx", "n.b",
        ]
        .contains(&wb.as_str())
        {
            continue;
        }
        let start = i + 1 + (rest.len() - rest.trim_start().len());
        if start < bytes.len() && rest.trim().chars().any(char::is_alphanumeric) {
            return Some(Span::new(start, title.trim_end().len()));
        }
    }
    None
}

/// The backlog's usual template, to flag stories written differently.
struct Uniform {
    means: Option<(String, usize, usize)>,
    ends: Option<(String, usize, usize)>,
}

fn means_family(t: &str) -> Option<String> {
    // "As a <role>, I want to <means>, …" → "I want"
    let m = t.split(", ").nth(1)?;
    if m.starts_with('<') {
        return None;
    }
    Some(m.split(' ').take(2).collect::<Vec<_>>().join(" "))
}

fn ends_marker(t: &str) -> Option<String> {
    let e = t.split(", ").nth(2)?;
    Some(e.trim_end_matches("<ends>").trim().to_string())
}

fn majority(counts: BTreeMap<String, usize>) -> Option<(String, usize, usize)> {
    let total: usize = counts.values().sum();
    let (best, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    // A convention exists when at least 3 stories and over half use it.
    (n >= 3 && n * 2 > total).then_some((best, n, total))
}

impl Uniform {
    fn of(stories: &[Option<Story>], items: &[LintItem<'_>]) -> Uniform {
        let mut means: BTreeMap<String, usize> = BTreeMap::new();
        let mut ends: BTreeMap<String, usize> = BTreeMap::new();
        for (s, _) in stories
            .iter()
            .zip(items)
            .filter_map(|(s, it)| s.as_ref().map(|s| (s, it)))
        {
            if let Some(m) = means_family(&s.template) {
                *means.entry(m).or_insert(0) += 1;
            }
            if let Some(e) = ends_marker(&s.template) {
                *ends.entry(e).or_insert(0) += 1;
            }
        }
        Uniform {
            means: majority(means),
            ends: majority(ends),
        }
    }

    fn differs(&self, s: &Story) -> Option<(String, String)> {
        let pct = |n: usize, t: usize| (n * 100 + t / 2) / t.max(1);
        if let (Some((best, n, total)), Some(m)) = (&self.means, means_family(&s.template))
            && &m != best
        {
            return Some((
                format!(
                    "the story says \"{m}\" where {}% of the backlog says \"{best}\"",
                    pct(*n, *total)
                ),
                format!("write it with \"{best}\", as the rest of the backlog"),
            ));
        }
        if let (Some((best, n, total)), Some(e)) = (&self.ends, ends_marker(&s.template))
            && &e != best
        {
            return Some((
                format!(
                    "the story says \"{e}\" where {}% of the backlog says \"{best}\"",
                    pct(*n, *total)
                ),
                format!("write the ends with \"{best}\", as the rest of the backlog"),
            ));
        }
        None
    }
}

/// Vague and untestable wording, in the title and the acceptance criteria.
fn wording_rules(
    ctx: &mut Ctx<'_>,
    i: usize,
    it: &LintItem<'_>,
    is_story: bool,
    ends: Option<Span>,
) {
    for (field, text) in [(Field::Title, it.title), (Field::Acceptance, it.acceptance)] {
        if text.is_empty() {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        let ws = words(text);
        let all = Span::new(0, text.len());
        if ctx.on("unambiguous") && (is_story || field == Field::Acceptance) {
            let terms = ctx.terms;
            let mut hits: Vec<(Span, &str)> = Vec::new();
            for &n in &terms.vague_phrases {
                let (t, instead) = &terms.vague[n];
                for sp in occurrences(&lower, t, all) {
                    // "and/or" also contains "or"; the longer term wins.
                    if !hits
                        .iter()
                        .any(|(h, _)| h.start <= sp.start && sp.end <= h.end)
                    {
                        hits.retain(|(h, _)| !(sp.start <= h.start && h.end <= sp.end));
                        hits.push((sp, instead));
                    }
                }
            }
            for w in &ws {
                let key = lower[w.span.start..w.span.end].to_string();
                if let Some(&n) = terms.vague_words.get(&key)
                    && !hits
                        .iter()
                        .any(|(h, _)| h.start <= w.span.start && w.span.end <= h.end)
                {
                    hits.push((w.span, &terms.vague[n].1));
                }
            }
            hits.sort_by_key(|(h, _)| h.start);
            for (sp, instead) in hits {
                ctx.push(
                    i,
                    "unambiguous",
                    field,
                    Some(sp),
                    format!(
                        "\"{}\" is vague: readers will disagree on what it means",
                        sp.of(text)
                    ),
                    format!("replace it with {instead}"),
                );
            }
        }
        if ctx.on("untestable") {
            for t in UNTESTABLE {
                for sp in occurrences(&lower, t, all) {
                    // A story's ends is its rationale, not a requirement.
                    let in_ends =
                        field == Field::Title && ends.is_some_and(|e| e.start <= sp.start);
                    if in_ends || sentence_has_number(text, sp) {
                        continue;
                    }
                    ctx.push(
                        i,
                        "untestable",
                        field,
                        Some(sp),
                        format!("\"{}\" cannot be verified as written", sp.of(text)),
                        "state a measurable outcome a test can check (a number, a limit, a named case)".into(),
                    );
                }
            }
        }
    }
}

fn sentence_has_number(text: &str, sp: Span) -> bool {
    let start = text[..sp.start]
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |p| p + 1);
    let end = text[sp.end..]
        .find(['!', '?', '\n'])
        .map_or(text.len(), |p| sp.end + p);
    text[start..end].chars().any(|c| c.is_ascii_digit())
}

fn invest_rules(ctx: &mut Ctx<'_>, i: usize, it: &LintItem<'_>, is_story: bool) {
    if is_story && it.acceptance.trim().is_empty() {
        ctx.push(
            i,
            "acceptance-criteria",
            Field::Acceptance,
            None,
            "the story has no acceptance criteria: nobody can tell when it is done".into(),
            "add criteria, e.g. \"Scenario: …\\n  Given …\\n  When …\\n  Then …\"".into(),
        );
    }
    let max = ctx.cfg.max_estimate();
    if let Some(e) = it.estimate
        && e > max
        && !matches!(it.kind, "epic" | "requirement")
    {
        ctx.push(
            i,
            "too-big",
            Field::Estimate,
            None,
            format!(
                "the estimate {} is above the maximum of {}",
                fmt_num(e),
                fmt_num(max)
            ),
            "split it into smaller items (by workflow step, by data, by rule or by interface)"
                .into(),
        );
    }
    let maxd = ctx.cfg.max_dependencies();
    if it.blockers > maxd {
        ctx.push(
            i,
            "many-dependencies",
            Field::Links,
            None,
            format!("{} open items block it (the limit is {maxd})", it.blockers),
            "cut the dependencies: split the item, or reorder so its blockers finish first".into(),
        );
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

fn gherkin_rules(ctx: &mut Ctx<'_>, i: usize, it: &LintItem<'_>) {
    let Some(check) = &it.acceptance_check else {
        return;
    };
    for e in &check.errors {
        if let Some(f) = ctx.push(
            i,
            "gherkin-syntax",
            Field::Acceptance,
            None,
            e.message.clone(),
            "correct the Gherkin at that line (Feature/Scenario/Given/When/Then, tables with equal cell counts)".into(),
        ) {
            f.line = Some(e.line);
            f.column = e.column;
        }
    }
    for s in check.scenarios.iter().filter(|s| !s.has_then) {
        if let Some(f) = ctx.push(
            i,
            "gherkin-then",
            Field::Acceptance,
            None,
            format!(
                "scenario \"{}\" has no Then step: it checks nothing",
                s.name
            ),
            "add a Then step stating the observable outcome".into(),
        ) {
            f.line = Some(s.line);
        }
    }
}

/// Exact and near-duplicate stories.
fn unique(ctx: &mut Ctx<'_>, items: &[LintItem<'_>]) {
    let idx: Vec<usize> = (0..items.len())
        .filter(|&i| ctx.story_kinds.iter().any(|k| k == items[i].kind))
        .collect();
    if !idx.iter().any(|&i| items[i].target) {
        return;
    }
    let texts: Vec<&str> = idx.iter().map(|&i| items[i].title).collect();
    let corpus = Corpus::build(&texts);
    let norm = |t: &str| -> String {
        t.chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, &i) in idx.iter().enumerate() {
        exact.entry(norm(items[i].title)).or_default().push(k);
    }
    let threshold = ctx.cfg.duplicate_threshold();
    for p in corpus.pairs(threshold) {
        let (a, b) = (idx[p.a], idx[p.b]);
        let same = norm(items[a].title) == norm(items[b].title);
        let shared = corpus.shared_terms(p.a, p.b, 5);
        for (me, other) in [(a, b), (b, a)] {
            if !items[me].target {
                continue;
            }
            let message = if same {
                format!("duplicates {}", items[other].key)
            } else {
                format!(
                    "near-duplicate of {} (similarity {:.2}; shared terms: {})",
                    items[other].key,
                    p.score,
                    shared.join(", ")
                )
            };
            let len = items[me].title.len();
            if let Some(f) = ctx.push(
                me,
                "unique",
                Field::Title,
                Some(Span::new(0, len)),
                message,
                format!(
                    "merge it with {}, or say what makes each different",
                    items[other].key
                ),
            ) {
                f.related.push(other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(title: &'a str, acceptance: &'a str) -> LintItem<'a> {
        LintItem {
            key: "T-1",
            kind: "story",
            title,
            acceptance,
            target: true,
            ..LintItem::default()
        }
    }

    fn rules_for(title: &str) -> Vec<(&'static str, String)> {
        let it = item(title, "Given x When y Then z");
        lint(&[it], &LintConfig::default())
            .into_iter()
            .map(|f| {
                (
                    f.rule,
                    f.span.map(|s| s.of(title).to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn fires(title: &str, rule: &str) -> Vec<String> {
        rules_for(title)
            .into_iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, s)| s)
            .collect()
    }

    const GOOD: &str = "As a billing clerk, I want to export an invoice to PDF, so that I can send it to the customer.";

    #[test]
    fn a_good_story_is_clean() {
        assert_eq!(rules_for(GOOD), vec![]);
    }

    #[test]
    fn well_formed() {
        assert_eq!(fires("Export invoices to PDF", "well-formed").len(), 1);
        assert_eq!(fires("As a clerk", "well-formed").len(), 1);
        assert_eq!(
            fires("As a clerk, export invoices", "well-formed"),
            ["export invoices"]
        );
        assert!(fires(GOOD, "well-formed").is_empty());
        assert!(fires("As an admin I can reset passwords", "well-formed").is_empty());
    }

    #[test]
    fn atomic() {
        assert_eq!(
            fires("As a clerk, I want to create and delete invoices", "atomic"),
            ["and"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to view invoices or export them",
                "atomic"
            ),
            ["or"]
        );
        assert!(fires("As a clerk, I want to drag and drop invoices", "atomic").is_empty());
        assert!(fires("As a clerk, I want to see name and address", "atomic").is_empty());
        // "and" in the ends is a reason, not a feature.
        assert!(
            fires(
                "As a clerk, I want to export invoices, so that I can file and send them",
                "atomic"
            )
            .is_empty()
        );
    }

    #[test]
    fn minimal() {
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices (PDF only)",
                "minimal"
            ),
            ["(PDF only)"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices. This was asked by finance.",
                "minimal"
            ),
            ["This was asked by finance."]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export files, e.g. invoices",
                "minimal"
            ),
            ["e.g. invoices"]
        );
        assert!(
            fires(
                "[Billing] As a clerk, I want to export invoices.",
                "minimal"
            )
            .is_empty()
        );
        assert!(fires(GOOD, "minimal").is_empty());
    }

    #[test]
    fn conceptually_sound() {
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices because finance asks",
                "conceptually-sound"
            )
            .len(),
            1
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices, so that I want to print them",
                "conceptually-sound"
            )
            .len(),
            1
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices, so that invoices are exported",
                "conceptually-sound"
            )
            .len(),
            1
        );
        assert!(fires(GOOD, "conceptually-sound").is_empty());
    }

    #[test]
    fn problem_oriented() {
        assert_eq!(
            fires(
                "As a clerk, I want a button to export invoices",
                "problem-oriented"
            ),
            ["button"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to save a note by clicking a link",
                "problem-oriented"
            ),
            ["by clicking"]
        );
        // Words in the ends are not a prescribed solution.
        assert!(
            fires(
                "As a clerk, I want to export invoices, so that the button works",
                "problem-oriented"
            )
            .is_empty()
        );
        assert!(fires(GOOD, "problem-oriented").is_empty());
    }

    #[test]
    fn unambiguous() {
        assert_eq!(
            fires("As a clerk, I want a fast and easy export", "unambiguous"),
            ["fast", "easy"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to print and/or export invoices",
                "unambiguous"
            ),
            ["and/or"]
        );
        assert_eq!(
            fires("As a clerk, I want several reports, etc.", "unambiguous"),
            ["several", "etc"]
        );
        assert!(fires("As a clerk, I want a breakfast menu", "unambiguous").is_empty());
        assert!(fires(GOOD, "unambiguous").is_empty());
    }

    #[test]
    fn full_sentence() {
        assert_eq!(
            fires("as a clerk, I want to export invoices", "full-sentence"),
            ["as"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export the the invoices",
                "full-sentence"
            ),
            ["the the"]
        );
        assert_eq!(
            fires(
                "As a clerk, I want to export invoices (PDF",
                "full-sentence"
            )
            .len(),
            1
        );
        assert!(fires(GOOD, "full-sentence").is_empty());
    }

    #[test]
    fn estimable() {
        assert_eq!(
            fires("As an admin, I want to manage users", "estimable"),
            ["manage"]
        );
        assert!(
            fires(
                "As an admin, I want to reset a user's password",
                "estimable"
            )
            .is_empty()
        );
    }

    #[test]
    fn unique_and_uniform() {
        let titles = [
            "As a clerk, I want to export invoices to PDF, so that I can send them.",
            "As a clerk, I want to export invoices to PDF, so that I can send them",
            "As a clerk I want to export all of my invoices to PDF, so that I can send them on.",
            "As a manager, I want to approve holiday requests, so that staff can plan.",
            "As a manager, I can see the team calendar, so that I can plan cover.",
        ];
        let keys = ["T-1", "T-2", "T-3", "T-4", "T-5"];
        let items: Vec<LintItem<'_>> = titles
            .iter()
            .zip(keys)
            .map(|(t, k)| LintItem {
                key: k,
                acceptance: "Then ok",
                ..item(t, "")
            })
            .collect();
        let found = lint(&items, &LintConfig::default());
        let unique: Vec<_> = found
            .iter()
            .filter(|f| f.rule == "unique")
            .map(|f| (f.item, f.message.clone()))
            .collect();
        assert!(
            unique.contains(&(0, "duplicates T-2".to_string())),
            "{unique:?}"
        );
        assert!(
            unique
                .iter()
                .any(|(i, m)| *i == 2 && m.starts_with("near-duplicate of T-1")),
            "{unique:?}"
        );
        assert!(!unique.iter().any(|(i, _)| *i >= 3), "{unique:?}");
        let uniform: Vec<_> = found.iter().filter(|f| f.rule == "uniform").collect();
        assert_eq!(uniform.len(), 1);
        assert_eq!(uniform[0].item, 4);
        assert!(
            uniform[0].message.contains("\"I can\""),
            "{}",
            uniform[0].message
        );
    }

    #[test]
    fn invest() {
        let mut it = item(GOOD, "");
        it.estimate = Some(21.0);
        it.blockers = 4;
        let found: Vec<_> = lint(&[it.clone()], &LintConfig::default())
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(
            found,
            ["acceptance-criteria", "too-big", "many-dependencies"]
        );
        it.estimate = Some(8.0);
        it.blockers = 3;
        it.acceptance = "Given an invoice When I export it Then a PDF is saved";
        assert!(lint(&[it], &LintConfig::default()).is_empty());
    }

    #[test]
    fn untestable() {
        assert_eq!(
            fires("As a clerk, I want exports to always work", "untestable"),
            ["always"]
        );
        assert!(
            fires(
                "As a clerk, I want exports to always finish within 5 seconds",
                "untestable"
            )
            .is_empty()
        );
        let mut it = item(GOOD, "Then the page loads instantly");
        it.kind = "task";
        let f = lint(&[it], &LintConfig::default());
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].rule, f[0].field), ("untestable", Field::Acceptance));
    }

    #[test]
    fn config_switches_rules_and_severities() {
        let mut cfg = LintConfig::default();
        cfg.rules
            .insert("unambiguous".into(), cairn_core::lint::Level::Off);
        cfg.rules
            .insert("atomic".into(), cairn_core::lint::Level::Error);
        let f = lint(
            &[item(
                "As a clerk, I want a fast export and print invoices",
                "Then ok",
            )],
            &cfg,
        );
        let got: Vec<_> = f.iter().map(|f| (f.rule, f.severity)).collect();
        assert_eq!(got, [("atomic", Severity::Error)]);
    }

    #[test]
    fn gherkin_findings_carry_lines() {
        let mut it = item(GOOD, "Scenario: x\n  Given y");
        it.acceptance_check = Some(AcceptanceCheck {
            errors: vec![GherkinProblem {
                line: 3,
                column: Some(5),
                message: "bad".into(),
            }],
            scenarios: vec![ScenarioSummary {
                name: "x".into(),
                line: 1,
                has_then: false,
            }],
        });
        let f = lint(&[it], &LintConfig::default());
        let got: Vec<_> = f.iter().map(|f| (f.rule, f.line)).collect();
        assert_eq!(
            got,
            [("gherkin-then", Some(1)), ("gherkin-syntax", Some(3))]
        );
    }
}
