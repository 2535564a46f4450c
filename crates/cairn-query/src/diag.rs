//! Diagnostics: an error message tied to a byte span of the query text.

use serde::Serialize;
use std::ops::Range;

/// A problem with a query: what is wrong, where (a byte range of the
/// source), and optionally what to do about it.
///
/// `Display` shows `message at column N`, where N is the span's byte offset
/// plus one (the diagnostic does not keep the source text; for ASCII
/// queries this is the character column). Use [`Diagnostic::render`] for a
/// character-accurate picture with carets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} at column {}", span.start + 1)]
pub struct Diagnostic {
    pub message: String,
    /// Byte offsets into the query text.
    pub span: Range<usize>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Render the diagnostic against the query it came from, with carets
    /// under the offending characters:
    ///
    /// ```text
    /// error: expected a value after `=`, found end of query
    ///   | kind =
    ///   |        ^
    /// ```
    ///
    /// Columns count characters, not bytes, so non-ASCII text lines up.
    /// A span outside `src` (a diagnostic rendered against the wrong text)
    /// is clamped rather than panicking.
    pub fn render(&self, src: &str) -> String {
        let start = floor_char_boundary(src, self.span.start);
        let end = floor_char_boundary(src, self.span.end.max(start));

        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = &src[line_start..line_end];
        let line_no = src[..line_start].matches('\n').count() + 1;
        let multiline = src.contains('\n');

        let col = src[line_start..start].chars().count();
        let width = src[start..end.min(line_end)].chars().count().max(1);

        let mut out = format!("error: {}\n", self.message);
        if multiline {
            out.push_str(&format!("  --> line {line_no}, column {}\n", col + 1));
        }
        let shown: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&format!("  | {}\n", shown.trim_end()));
        out.push_str(&format!("  | {}{}\n", " ".repeat(col), "^".repeat(width)));
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

/// The largest char boundary of `s` at or below `i` (clamped to `s.len()`).
fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where byte `offset` is, for messages: `column 5`, or `line 2, column 5`
/// when the query has several lines. Columns count characters from 1.
pub(crate) fn position(src: &str, offset: usize) -> String {
    let offset = floor_char_boundary(src, offset);
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = src[line_start..offset].chars().count() + 1;
    if src.contains('\n') {
        let line = src[..line_start].matches('\n').count() + 1;
        format!("line {line}, column {column}")
    } else {
        format!("column {column}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, span: Range<usize>, expected: &str) {
        let d = Diagnostic::new("boom", span).with_help("try again");
        assert_eq!(d.render(src), expected);
    }

    #[test]
    fn caret_at_end_of_query() {
        check(
            "kind = ",
            7..7,
            "error: boom\n  | kind =\n  |        ^\n  = help: try again\n",
        );
    }

    #[test]
    fn carets_span_the_token() {
        check(
            "kind = stroy",
            7..12,
            "error: boom\n  | kind = stroy\n  |        ^^^^^\n  = help: try again\n",
        );
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        // `é` is two bytes; the caret must still sit under `x`.
        let src = "label = \"café\" x";
        let at = src.find('x').unwrap();
        check(
            src,
            at..at + 1,
            "error: boom\n  | label = \"café\" x\n  |                ^\n  = help: try again\n",
        );
    }

    #[test]
    fn multiline_source_shows_the_right_line() {
        check(
            "kind = story\nAND foo",
            17..20,
            "error: boom\n  --> line 2, column 5\n  | AND foo\n  |     ^^^\n  = help: try again\n",
        );
    }

    #[test]
    fn out_of_range_span_does_not_panic() {
        let d = Diagnostic::new("boom", 50..80);
        assert_eq!(d.render("ab"), "error: boom\n  | ab\n  |   ^\n");
        let d = Diagnostic::new("boom", 1..2);
        assert_eq!(d.render("é"), "error: boom\n  | é\n  | ^\n");
    }

    #[test]
    fn display_and_column() {
        let d = Diagnostic::new("boom", 3..4);
        assert_eq!(d.to_string(), "boom at column 4");
        assert_eq!(position("aé(b", 3), "column 3");
        assert_eq!(position("a\nbc", 3), "line 2, column 2");
    }
}
