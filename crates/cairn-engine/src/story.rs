//! User-story parsing: "As a <role>, I want <means>, so that <ends>" and its
//! common variants, split into role, means and ends with byte spans.
//!
//! The parser works on words, not on characters, so punctuation and case do
//! not matter: `As an editor I can …`, `as the admin, I would like to …,
//! in order to …` and stories without ends all parse. Leading tags such as
//! `#G02#` or `[UI]` before `As` are skipped.

use crate::text::{Span, Word, find_phrase, words};

/// The parts of a story. Markers are the template's fixed words
/// (`As a`, `I want to`, `so that`); the parts are what the writer filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub role_marker: Span,
    pub role: Option<Span>,
    pub means_marker: Option<Span>,
    pub means: Option<Span>,
    pub ends_marker: Option<Span>,
    pub ends: Option<Span>,
    /// The template, with the parts left out: `As a <role>, I want to
    /// <means>, so that <ends>` (markers lower-cased, articles normalised).
    pub template: String,
}

/// Means markers, longest first so `I want to be able to` wins over `I want`.
const MEANS_MARKERS: &[&[&str]] = &[
    &["i", "want", "to", "be", "able", "to"],
    &["i", "would", "like", "to", "be", "able", "to"],
    &["i", "should", "be", "able", "to"],
    &["i", "must", "be", "able", "to"],
    &["i", "need", "to", "be", "able", "to"],
    &["i", "would", "like", "to"],
    &["i", "would", "love", "to"],
    &["i", "am", "able", "to"],
    &["i'm", "able", "to"],
    &["i'd", "like", "to"],
    &["i", "would", "be", "able", "to"],
    &["i", "don't", "want", "to"],
    &["i", "do", "not", "want", "to"],
    &["i", "only", "want", "to"],
    &["i", "also", "want", "to"],
    &["i", "want", "to"],
    &["i", "don't", "want"],
    &["i", "do", "not", "want"],
    &["i", "only", "want"],
    &["i", "also", "want"],
    &["i", "need", "to"],
    &["i", "wish", "to"],
    &["i", "would", "like"],
    &["i'd", "like"],
    &["i", "want"],
    &["i", "need"],
    &["i", "can"],
    &["i", "should"],
    &["i", "must"],
    &["i", "expect"],
];

const ENDS_MARKERS: &[&[&str]] = &[
    &["so", "that"],
    &["in", "order", "to"],
    &["in", "order", "that"],
    &["so"],
];

/// Parse a story. `None` when the text has no role (`As a …`) at its start.
pub fn parse(text: &str) -> Option<Story> {
    let ws = words(text);
    // `As` within the first three words (after a tag such as `#G02#`), and
    // only after non-letter text: "Has a" is not a story.
    let as_at = ws.iter().take(3).position(|w| w.is("as"))?;
    let lead = text.get(..ws[as_at].span.start).unwrap_or("");
    if as_at > 0 && !lead.trim().starts_with(['#', '[', '(', '{', '*']) && !lead.contains(':') {
        return None;
    }
    let mut role_end_word = as_at + 1;
    let article = ws
        .get(as_at + 1)
        .filter(|w| w.is("a") || w.is("an") || w.is("the"));
    if article.is_some() {
        role_end_word += 1;
    }
    let role_marker = Span::new(ws[as_at].span.start, ws[role_end_word - 1].span.end);
    let role_start = ws.get(role_end_word).map(|w| w.span.start);

    // The means marker: the first `I want …` after the role, and before
    // any `so that` (an `I can` in the ends is not a means marker).
    let first_ends = find_marker(&ws, &ENDS_MARKERS[..3], role_end_word).map(|(at, _)| at);
    let means_hit = find_marker(&ws, MEANS_MARKERS, role_end_word)
        .filter(|(at, _)| first_ends.is_none_or(|e| *at < e));
    let (role, means_marker, means_start_word, means_kind) = match means_hit {
        Some((at, len)) => {
            let role = role_start
                .filter(|_| at > role_end_word)
                .map(|s| trim(text, Span::new(s, ws[at].span.start)));
            let marker = Span::new(ws[at].span.start, ws[at + len - 1].span.end);
            (
                role,
                Some(marker),
                at + len,
                Some(means_template(&ws[at..at + len])),
            )
        }
        None => {
            // No `I want`: the role ends at the first comma; the rest is an
            // unmarked means (ill-formed, but worth linting).
            let comma = role_start.and_then(|s| text.get(s..)?.find(',').map(|c| s + c));
            match comma {
                Some(c) => {
                    let role = role_start.map(|s| trim(text, Span::new(s, c)));
                    let next = ws.iter().position(|w| w.span.start > c).unwrap_or(ws.len());
                    (role, None, next, None)
                }
                None => {
                    let role = role_start.map(|s| trim(text, Span::new(s, text.len())));
                    (role, None, ws.len(), None)
                }
            }
        }
    };

    // The ends marker: the first `so that` / `in order to` after the means;
    // a bare `so` counts only after a comma (", so I can …").
    let mut ends_hit = None;
    let mut from = means_start_word;
    while let Some((at, len)) = find_marker(&ws, ENDS_MARKERS, from) {
        let bare_so = len == 1;
        let after_comma = text
            .get(..ws[at].span.start)
            .is_some_and(|b| b.trim_end().ends_with(','));
        if !bare_so || after_comma {
            ends_hit = Some((at, len));
            break;
        }
        from = at + 1;
    }
    let means_start = ws.get(means_start_word).map(|w| w.span.start);
    let (means, ends_marker, ends, ends_kind) = match ends_hit {
        Some((at, len)) if at >= means_start_word => {
            let means = means_start
                .filter(|_| at > means_start_word)
                .map(|s| trim(text, Span::new(s, ws[at].span.start)));
            let marker = Span::new(ws[at].span.start, ws[at + len - 1].span.end);
            let ends = ws
                .get(at + len)
                .map(|w| trim(text, Span::new(w.span.start, text.len())));
            (
                means,
                Some(marker),
                ends,
                Some(lower_words(&ws[at..at + len])),
            )
        }
        _ => {
            let means = means_start.map(|s| trim(text, Span::new(s, text.len())));
            (means, None, None, None)
        }
    };

    let role_word = if article.is_some() { "As a" } else { "As" };
    let mut template = format!("{role_word} <role>");
    match &means_kind {
        Some(m) => template.push_str(&format!(", {m} <means>")),
        None => template.push_str(", <means>"),
    }
    if let Some(e) = &ends_kind {
        template.push_str(&format!(", {e} <ends>"));
    }
    Some(Story {
        role_marker,
        role: role.filter(|s| !s.is_empty()),
        means_marker,
        means: means.filter(|s| !s.is_empty()),
        ends_marker,
        ends: ends.filter(|s| !s.is_empty()),
        template,
    })
}

fn means_template(ws: &[Word<'_>]) -> String {
    // `I'd like to` and `I would like to` are one template.
    lower_words(ws)
        .replace("i'd", "i would")
        .replacen('i', "I", 1)
}

fn lower_words(ws: &[Word<'_>]) -> String {
    ws.iter().map(|w| w.lower()).collect::<Vec<_>>().join(" ")
}

fn find_marker(ws: &[Word<'_>], markers: &[&[&str]], from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for m in markers {
        if let Some(at) = find_phrase(ws, m, from) {
            // Earliest wins; at the same place, the longest.
            if best.is_none_or(|(b, l)| at < b || (at == b && m.len() > l)) {
                best = Some((at, m.len()));
            }
        }
    }
    best
}

/// Trim whitespace, and trailing commas and full stops, off a span.
fn trim(text: &str, span: Span) -> Span {
    let s = span.of(text);
    let left = s.len() - s.trim_start().len();
    let right = s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';'));
    Span::new(
        span.start + left,
        (span.start + right.len()).max(span.start + left),
    )
}

/// A hand-annotated story: character offsets of its persona and benefit
/// spans (end exclusive).
#[derive(Debug, Clone)]
pub struct Annotated {
    pub text: String,
    pub persona: Vec<(usize, usize)>,
    pub benefit: Vec<(usize, usize)>,
}

/// Precision and recall of one part, by exact span match.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpanScore {
    pub predicted: usize,
    pub gold: usize,
    pub matched: usize,
}

impl SpanScore {
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.gold)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Parse every annotated story and compare its role with the persona
/// spans and its ends with the benefit spans. A span matches when both
/// ends agree after trimming whitespace and trailing punctuation (the
/// annotations include a final full stop in some stories and not others).
pub fn evaluate(stories: &[Annotated]) -> (SpanScore, SpanScore) {
    let mut persona = SpanScore::default();
    let mut benefit = SpanScore::default();
    for a in stories {
        let text = a.text.as_str();
        let parsed = parse(text);
        let norm = |start: usize, end: usize| -> Option<(usize, usize)> {
            // Character offsets → bytes → trimmed → characters.
            let byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
            let sp = trim(text, Span::new(byte(start), byte(end)));
            (!sp.is_empty()).then(|| crate::text::char_span(text, sp))
        };
        let tally = |score: &mut SpanScore, got: Option<Span>, gold: &[(usize, usize)]| {
            let gold: Vec<_> = gold.iter().filter_map(|&(s, e)| norm(s, e)).collect();
            score.gold += gold.len();
            if let Some(sp) = got {
                score.predicted += 1;
                let (s, e) = crate::text::char_span(text, trim(text, sp));
                if gold.contains(&(s, e)) {
                    score.matched += 1;
                }
            }
        };
        tally(
            &mut persona,
            parsed.as_ref().and_then(|p| p.role),
            &a.persona,
        );
        tally(
            &mut benefit,
            parsed.as_ref().and_then(|p| p.ends),
            &a.benefit,
        );
    }
    (persona, benefit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(t: &str) -> (String, String, String, String) {
        let s = parse(t).unwrap();
        let get = |sp: Option<Span>| sp.map(|x| x.of(t).to_string()).unwrap_or_default();
        (get(s.role), get(s.means), get(s.ends), s.template)
    }

    #[test]
    fn classic_template() {
        let (r, m, e, t) =
            parts("As a UI designer, I want to redesign the page, so that it matches.");
        assert_eq!(
            (r.as_str(), m.as_str(), e.as_str()),
            ("UI designer", "redesign the page", "it matches")
        );
        assert_eq!(t, "As a <role>, I want to <means>, so that <ends>");
    }

    #[test]
    fn variants() {
        let (r, m, e, t) = parts("#G02# As an editor I can publish drafts in order to save time");
        assert_eq!(
            (r.as_str(), m.as_str(), e.as_str()),
            ("editor", "publish drafts", "save time")
        );
        assert_eq!(t, "As a <role>, I can <means>, in order to <ends>");
        let (r, m, e, _) = parts("As the admin, I'd like to see logs");
        assert_eq!(
            (r.as_str(), m.as_str(), e.as_str()),
            ("admin", "see logs", "")
        );
        let (_, m, e, _) = parts("As a user, I want exports, so I can share them.");
        assert_eq!((m.as_str(), e.as_str()), ("exports", "I can share them"));
        // A bare "so" without a comma belongs to the means.
        let (_, m, e, _) = parts("As a user, I want it to be so simple");
        assert_eq!((m.as_str(), e.as_str()), ("it to be so simple", ""));
    }

    #[test]
    fn unmarked_means_and_non_stories() {
        let (r, m, _, t) = parts("As a user, view the dashboard");
        assert_eq!((r.as_str(), m.as_str()), ("user", "view the dashboard"));
        assert_eq!(t, "As a <role>, <means>");
        assert!(parse("Fix the login bug").is_none());
        assert!(parse("Has a bug as a result").is_none());
        assert!(parse("").is_none());
    }
}
