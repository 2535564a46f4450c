//! The lexer: query text to tokens with byte spans.
//!
//! Keywords are not distinguished here: `AND`, `in` and `Order` are plain
//! [`TokenKind::Word`]s, and the parser decides from context (so a label
//! can still be called `"and"` when quoted).

use crate::ast::Span;
use crate::diag::Diagnostic;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A bare word: letters, digits and `- _ . / : +` (field names, values,
    /// numbers, dates, durations, keywords, function names).
    Word(String),
    /// A quoted string, escapes already resolved.
    Str(String),
    LParen,
    RParen,
    Comma,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Tilde,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// The word, if this token is a bare word.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(w) => Some(w),
            _ => None,
        }
    }

    /// Whether this token is the (case-insensitive) keyword `kw`.
    pub fn is_keyword(&self, kw: &str) -> bool {
        self.word().is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    /// How to name this token in "found ..." messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Word(w) => format!("`{w}`"),
            TokenKind::Str(s) => format!("the string {s:?}"),
            TokenKind::Eof => "end of query".to_string(),
            other => format!("`{}`", punct(other)),
        }
    }
}

/// The text of a punctuation token.
pub(crate) fn punct(kind: &TokenKind) -> &'static str {
    match kind {
        TokenKind::LParen => "(",
        TokenKind::RParen => ")",
        TokenKind::Comma => ",",
        TokenKind::Eq => "=",
        TokenKind::Ne => "!=",
        TokenKind::Lt => "<",
        TokenKind::Le => "<=",
        TokenKind::Gt => ">",
        TokenKind::Ge => ">=",
        TokenKind::Tilde => "~",
        TokenKind::Word(_) | TokenKind::Str(_) | TokenKind::Eof => "",
    }
}

/// Characters allowed in a bare word.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '+')
}

/// Split `src` into tokens, ending with [`TokenKind::Eof`].
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, Diagnostic> {
    let mut tokens = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if is_word_char(c) {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if !is_word_char(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            tokens.push(Token {
                kind: TokenKind::Word(src[start..end].to_string()),
                span: start..end,
            });
            continue;
        }
        chars.next();
        let next_is_eq = chars.peek().is_some_and(|&(_, c)| c == '=');
        let (kind, len) = match c {
            '(' => (TokenKind::LParen, 1),
            ')' => (TokenKind::RParen, 1),
            ',' => (TokenKind::Comma, 1),
            '~' => (TokenKind::Tilde, 1),
            '=' if next_is_eq => {
                return Err(Diagnostic::new("unexpected `==`", start..start + 2)
                    .with_help("equality is a single `=`"));
            }
            '=' => (TokenKind::Eq, 1),
            '!' if next_is_eq => (TokenKind::Ne, 2),
            '<' if next_is_eq => (TokenKind::Le, 2),
            '>' if next_is_eq => (TokenKind::Ge, 2),
            '<' if chars.peek().is_some_and(|&(_, c)| c == '>') => {
                return Err(Diagnostic::new("unexpected `<>`", start..start + 2)
                    .with_help("write \"not equal\" as `!=`"));
            }
            '<' => (TokenKind::Lt, 1),
            '>' => (TokenKind::Gt, 1),
            '"' | '\'' => {
                let (text, end) = lex_string(src, start, c, &mut chars)?;
                tokens.push(Token {
                    kind: TokenKind::Str(text),
                    span: start..end,
                });
                continue;
            }
            '!' => {
                return Err(
                    Diagnostic::new("unexpected character `!`", start..start + 1)
                        .with_help("use `!=` for \"not equal\" and `NOT` to negate a clause"),
                );
            }
            '&' | '|' => {
                let word = if c == '&' { "AND" } else { "OR" };
                let len = if chars.peek().is_some_and(|&(_, d)| d == c) {
                    2
                } else {
                    1
                };
                return Err(Diagnostic::new(
                    format!("unexpected character `{c}`"),
                    start..start + len,
                )
                .with_help(format!("combine clauses with `{word}`")));
            }
            other => {
                return Err(Diagnostic::new(
                    format!("unexpected character `{}`", other.escape_debug()),
                    start..start + other.len_utf8(),
                )
                .with_help("quote values that contain spaces or punctuation, e.g. label = \"needs review\""));
            }
        };
        if len == 2 {
            chars.next();
        }
        tokens.push(Token {
            kind,
            span: start..start + len,
        });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        span: src.len()..src.len(),
    });
    Ok(tokens)
}

/// Lex a string opened by `quote` at byte `start` (already consumed).
/// Returns the unescaped text and the byte offset just past the closing quote.
fn lex_string(
    src: &str,
    start: usize,
    quote: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<(String, usize), Diagnostic> {
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((text, i + 1)),
            '\\' => {
                match chars.next() {
                    Some((_, e @ ('\\' | '"' | '\''))) => text.push(e),
                    Some((j, e)) => {
                        return Err(Diagnostic::new(
                        format!("unknown escape `\\{}` in string", e.escape_debug()),
                        i..j + e.len_utf8(),
                    )
                    .with_help("only `\\\"`, `\\'` and `\\\\` are escapes; write a backslash as `\\\\`"));
                    }
                    None => break,
                }
            }
            c => text.push(c),
        }
    }
    Err(Diagnostic::new(
        format!("unterminated string: no closing `{quote}`"),
        start..src.len(),
    )
    .with_help(format!("add a `{quote}` at the end of the string")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn w(s: &str) -> TokenKind {
        TokenKind::Word(s.to_string())
    }

    #[test]
    fn words_numbers_dates_and_durations() {
        use TokenKind::*;
        assert_eq!(
            kinds("key=PAY-12 estimate>=2.5 created>2026-01-05T10:00:00Z updated<-7d x<=+2w"),
            vec![
                w("key"),
                Eq,
                w("PAY-12"),
                w("estimate"),
                Ge,
                w("2.5"),
                w("created"),
                Gt,
                w("2026-01-05T10:00:00Z"),
                w("updated"),
                Lt,
                w("-7d"),
                w("x"),
                Le,
                w("+2w"),
                Eof
            ]
        );
    }

    #[test]
    fn punctuation() {
        use TokenKind::*;
        assert_eq!(
            kinds("(a != b), ~ < >"),
            vec![
                LParen,
                w("a"),
                Ne,
                w("b"),
                RParen,
                Comma,
                Tilde,
                Lt,
                Gt,
                Eof
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#""a \"b\" \\ c" 'it\'s'"#),
            vec![
                Str(r#"a "b" \ c"#.to_string()),
                Str("it's".to_string()),
                Eof
            ]
        );
        let toks = lex(r#"title ~ "café""#).unwrap();
        assert_eq!(toks[2].span, 8..15);
    }

    #[test]
    fn errors() {
        assert_eq!(
            lex(r#"title = "abc"#).unwrap_err().message,
            "unterminated string: no closing `\"`"
        );
        assert_eq!(lex(r#"title = "abc\"#).unwrap_err().span, 8..13);
        assert_eq!(lex(r#""\n""#).unwrap_err().span, 1..3);
        assert_eq!(lex("a ! b").unwrap_err().span, 2..3);
        assert_eq!(lex("a == b").unwrap_err().message, "unexpected `==`");
        assert_eq!(lex("a && b").unwrap_err().span, 2..4);
        assert_eq!(lex("a € b").unwrap_err().span, 2..5);
    }

    #[test]
    fn non_ascii_words() {
        assert_eq!(
            kinds("label = café"),
            vec![w("label"), TokenKind::Eq, w("café"), TokenKind::Eof]
        );
    }
}
