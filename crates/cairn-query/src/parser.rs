//! The parser: tokens to [`QueryAst`], syntax only.
//!
//! ```text
//! query    = [ or_expr ] [ "ORDER" "BY" order_key { "," order_key } ] ;
//! or_expr  = and_expr { "OR" and_expr } ;
//! and_expr = unary { "AND" unary } ;
//! unary    = "NOT" unary | "(" or_expr ")" | call | clause ;
//! ```
//!
//! Recursive descent; nesting is capped at [`MAX_DEPTH`] so no input can
//! overflow the stack.

use crate::ast::{
    Call, Clause, CompareOp, Direction, Expr, ExprKind, Ident, OrderKey, Predicate, QueryAst, Span,
    Value, ValueKind,
};
use crate::diag::{Diagnostic, position};
use crate::lexer::{Token, TokenKind, lex, punct};

/// How deeply parentheses, `NOT`s and function calls may nest.
pub(crate) const MAX_DEPTH: usize = 64;

/// Words that cannot be bare values (quote them to use them as values).
const RESERVED: &[&str] = &["AND", "OR", "NOT", "IN", "IS", "EMPTY", "ORDER"];

pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

const OPERATORS: &str = "=, !=, <, <=, >, >=, ~, IN, NOT IN, IS";

/// Parse query text into a syntax tree. Checks syntax only: field names,
/// value types and functions are checked by [`crate::compile`].
pub fn parse(src: &str) -> Result<QueryAst, Diagnostic> {
    let tokens = lex(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
    };
    p.query()
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        // The token list always ends with Eof; never index past it.
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + n).min(last)]
    }

    fn bump(&mut self) -> Token {
        let tok = self.peek().clone();
        if tok.kind != TokenKind::Eof {
            self.pos += 1;
        }
        tok
    }

    fn at_keyword(&self, kw: &str) -> bool {
        self.peek().is_keyword(kw)
    }

    fn error_here(&self, message: impl Into<String>) -> Diagnostic {
        let found = self.peek();
        Diagnostic::new(
            format!("{}, found {}", message.into(), found.describe()),
            found.span.clone(),
        )
    }

    fn enter(&mut self, span: &Span) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::new(
                format!("the query nests too deeply (more than {MAX_DEPTH} levels)"),
                span.clone(),
            )
            .with_help("simplify the parentheses, NOTs or function calls"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn query(&mut self) -> Result<QueryAst, Diagnostic> {
        let filter = if self.peek().kind == TokenKind::Eof || self.at_keyword("ORDER") {
            None
        } else {
            Some(self.or_expr(None)?)
        };
        let order_by = if self.at_keyword("ORDER") {
            self.order_by()?
        } else {
            Vec::new()
        };
        let tok = self.peek();
        match &tok.kind {
            TokenKind::Eof => Ok(QueryAst { filter, order_by }),
            TokenKind::RParen => Err(Diagnostic::new(
                "unexpected `)`: there is no `(` to close",
                tok.span.clone(),
            )
            .with_help("remove it, or add the matching `(`")),
            _ if !order_by.is_empty() => Err(self
                .error_here("expected `,` or end of query after an ORDER BY field")
                .with_help("ORDER BY comes last: put filters before it")),
            _ => Err(self
                .error_here("expected `AND`, `OR`, `ORDER BY` or end of query")
                .with_help(
                    "join clauses with `AND` or `OR`, and quote values that contain spaces",
                )),
        }
    }

    fn or_expr(&mut self, after: Option<&str>) -> Result<Expr, Diagnostic> {
        let first = self.and_expr(after)?;
        self.binary(first, "OR", Self::and_expr, ExprKind::Or)
    }

    fn and_expr(&mut self, after: Option<&str>) -> Result<Expr, Diagnostic> {
        let first = self.unary(after)?;
        self.binary(first, "AND", Self::unary, ExprKind::And)
    }

    fn binary(
        &mut self,
        first: Expr,
        keyword: &str,
        operand: fn(&mut Self, Option<&str>) -> Result<Expr, Diagnostic>,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Result<Expr, Diagnostic> {
        if !self.at_keyword(keyword) {
            return Ok(first);
        }
        let start = first.span.start;
        let mut items = vec![first];
        while self.at_keyword(keyword) {
            self.bump();
            items.push(operand(self, Some(keyword))?);
        }
        let end = items.last().map_or(start, |x| x.span.end);
        Ok(Expr {
            kind: make(items),
            span: start..end,
        })
    }

    fn unary(&mut self, after: Option<&str>) -> Result<Expr, Diagnostic> {
        let tok = self.peek().clone();
        if tok.is_keyword("NOT") {
            self.bump();
            self.enter(&tok.span)?;
            let inner = self.unary(Some("NOT"));
            self.leave();
            let inner = inner?;
            let span = tok.span.start..inner.span.end;
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        match &tok.kind {
            TokenKind::LParen => {
                self.bump();
                self.enter(&tok.span)?;
                let inner = self.or_expr(Some("("));
                self.leave();
                let mut inner = inner?;
                if self.peek().kind != TokenKind::RParen {
                    let at = position(self.src, tok.span.start);
                    return Err(self
                        .error_here(format!("expected `)` to close the `(` at {at}"))
                        .with_help(
                            "add the missing `)`; inside a group, join clauses with `AND` or `OR`",
                        ));
                }
                let close = self.bump();
                inner.span = tok.span.start..close.span.end;
                Ok(inner)
            }
            TokenKind::Word(w) if !is_reserved(w) => {
                if self.peek_at(1).kind == TokenKind::LParen {
                    let call = self.call()?;
                    let span = call.name.span.start..self.prev_end();
                    Ok(Expr {
                        kind: ExprKind::Call(call),
                        span,
                    })
                } else {
                    self.clause()
                }
            }
            _ => {
                let what = match after {
                    Some(prev) => format!("expected a clause after `{prev}`"),
                    None => "expected a clause".to_string(),
                };
                let mut diag = self.error_here(what);
                diag.help = Some(match &tok.kind {
                    TokenKind::Str(_) => "field names are not quoted: write e.g. `title ~ \"refund\"`".to_string(),
                    _ => "a clause looks like `kind = story`, `label IN (a, b)`, `NOT (...)` or `blocks(PAY-12)`"
                        .to_string(),
                });
                Err(diag)
            }
        }
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn ident(&mut self) -> Ident {
        let tok = self.bump();
        Ident {
            name: tok.word().unwrap_or_default().to_string(),
            span: tok.span,
        }
    }

    /// `name(args)`; the caller has checked that a word and `(` follow.
    fn call(&mut self) -> Result<Call, Diagnostic> {
        let name = self.ident();
        let open = self.bump();
        self.enter(&open.span)?;
        let args = self.list(&format!("the arguments of `{}`", name.name), true);
        self.leave();
        Ok(Call { name, args: args? })
    }

    /// The values of a parenthesised list up to and including `)`; the `(`
    /// has been consumed.
    fn list(&mut self, what: &str, allow_empty: bool) -> Result<Vec<Value>, Diagnostic> {
        let mut values = Vec::new();
        if allow_empty && self.peek().kind == TokenKind::RParen {
            self.bump();
            return Ok(values);
        }
        let mut after = "(";
        loop {
            values.push(self.value(&format!("after `{after}` in {what}"))?);
            match self.peek().kind {
                TokenKind::Comma => {
                    self.bump();
                    after = ",";
                }
                TokenKind::RParen => {
                    self.bump();
                    return Ok(values);
                }
                _ => return Err(self.error_here(format!("expected `,` or `)` in {what}"))),
            }
        }
    }

    fn clause(&mut self) -> Result<Expr, Diagnostic> {
        let field = self.ident();
        let op_tok = self.peek().clone();
        let compare = match op_tok.kind {
            TokenKind::Eq => Some(CompareOp::Eq),
            TokenKind::Ne => Some(CompareOp::Ne),
            TokenKind::Lt => Some(CompareOp::Lt),
            TokenKind::Le => Some(CompareOp::Le),
            TokenKind::Gt => Some(CompareOp::Gt),
            TokenKind::Ge => Some(CompareOp::Ge),
            TokenKind::Tilde => Some(CompareOp::Match),
            _ => None,
        };
        let (op_span, predicate) =
            if let Some(op) = compare {
                self.bump();
                let value = self.value(&format!("after `{}`", punct(&op_tok.kind)))?;
                (op_tok.span, Predicate::Compare { op, value })
            } else if op_tok.is_keyword("IN") || op_tok.is_keyword("NOT") {
                self.bump();
                let negated = op_tok.is_keyword("NOT");
                let mut op_span = op_tok.span.clone();
                if negated {
                    if !self.at_keyword("IN") {
                        return Err(self.error_here("expected `IN` after `NOT`").with_help(format!(
                        "write `{} NOT IN (a, b)`, or put NOT before the clause: `NOT {} = a`",
                        field.name, field.name
                    )));
                    }
                    op_span.end = self.bump().span.end;
                }
                let op_text = if negated { "NOT IN" } else { "IN" };
                if self.peek().kind != TokenKind::LParen {
                    return Err(self
                        .error_here(format!("expected `(` after `{op_text}`"))
                        .with_help(format!("write a list: `{} {op_text} (a, b)`", field.name)));
                }
                let open = self.bump();
                self.enter(&open.span)?;
                let values = self.list(&format!("the `{op_text}` list"), false);
                self.leave();
                (
                    op_span,
                    Predicate::In {
                        negated,
                        values: values?,
                    },
                )
            } else if op_tok.is_keyword("IS") {
                self.bump();
                let mut op_span = op_tok.span.clone();
                let negated = self.at_keyword("NOT");
                if negated {
                    self.bump();
                }
                if !self.at_keyword("EMPTY") {
                    let after = if negated { "IS NOT" } else { "IS" };
                    return Err(self
                        .error_here(format!("expected `EMPTY` after `{after}`"))
                        .with_help(format!(
                            "write `{} IS EMPTY` or `{} IS NOT EMPTY`",
                            field.name, field.name
                        )));
                }
                op_span.end = self.bump().span.end;
                (op_span, Predicate::Empty { negated })
            } else {
                return Err(self
                    .error_here(format!(
                        "expected an operator ({OPERATORS}) after field `{}`",
                        field.name
                    ))
                    .with_help(match &op_tok.kind {
                        TokenKind::Word(w) if !is_reserved(w) => {
                            format!("did you mean `{} = {w}`?", field.name)
                        }
                        _ => format!("e.g. `{} = value`", field.name),
                    }));
            };
        let span = field.span.start..self.prev_end();
        Ok(Expr {
            kind: ExprKind::Clause(Clause {
                field,
                op_span,
                predicate,
            }),
            span,
        })
    }

    /// A value; `context` says where it is expected ("after `=`").
    fn value(&mut self, context: &str) -> Result<Value, Diagnostic> {
        let tok = self.peek().clone();
        match &tok.kind {
            TokenKind::Str(s) => {
                self.bump();
                Ok(Value {
                    kind: ValueKind::Str(s.clone()),
                    span: tok.span,
                })
            }
            TokenKind::Word(w) if !is_reserved(w) => {
                if self.peek_at(1).kind == TokenKind::LParen {
                    let call = self.call()?;
                    let span = call.name.span.start..self.prev_end();
                    Ok(Value {
                        kind: ValueKind::Call(call),
                        span,
                    })
                } else {
                    self.bump();
                    Ok(Value {
                        kind: ValueKind::Word(w.clone()),
                        span: tok.span,
                    })
                }
            }
            _ => {
                let mut diag = self.error_here(format!("expected a value {context}"));
                diag.help = match &tok.kind {
                    TokenKind::Word(w) => Some(format!("`{w}` is a keyword; to use it as a value, quote it: \"{w}\"")),
                    TokenKind::LParen => Some("for a list of values use `IN (a, b)`".to_string()),
                    TokenKind::Eof => {
                        Some("values are words (story), quoted text (\"two words\"), numbers, dates or now()".into())
                    }
                    _ => None,
                };
                Err(diag)
            }
        }
    }

    fn order_by(&mut self) -> Result<Vec<OrderKey>, Diagnostic> {
        self.bump(); // ORDER
        if !self.at_keyword("BY") {
            return Err(self
                .error_here("expected `BY` after `ORDER`")
                .with_help("write `ORDER BY rank`"));
        }
        self.bump();
        let mut keys = Vec::new();
        let mut after = "ORDER BY";
        loop {
            let tok = self.peek().clone();
            match tok.word() {
                Some(w) if !is_reserved(w) => {}
                _ => {
                    return Err(self
                        .error_here(format!("expected a field after `{after}`"))
                        .with_help("e.g. `ORDER BY rank` or `ORDER BY created DESC, key`"));
                }
            }
            let field = self.ident();
            let direction = if self.at_keyword("ASC") {
                Some(Direction::Asc)
            } else if self.at_keyword("DESC") {
                Some(Direction::Desc)
            } else {
                None
            };
            if direction.is_some() {
                self.bump();
            }
            keys.push(OrderKey {
                span: field.span.start..self.prev_end(),
                field,
                direction,
            });
            if self.peek().kind != TokenKind::Comma {
                return Ok(keys);
            }
            self.bump();
            after = ",";
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse and print canonically.
    fn check(src: &str, expected: &str) {
        let ast = parse(src).unwrap_or_else(|d| panic!("{}", d.render(src)));
        assert_eq!(ast.to_string(), expected);
    }

    fn check_err(src: &str, message: &str, span: Span) {
        let diag = parse(src).unwrap_err();
        assert_eq!(
            (diag.message.as_str(), diag.span),
            (message, span),
            "{}",
            src
        );
    }

    #[test]
    fn empty_and_order_only() {
        check("", "");
        check("  \n\t", "");
        check("order by rank", "ORDER BY rank");
        check(
            "ORDER BY created desc, key Asc",
            "ORDER BY created DESC, key ASC",
        );
    }

    #[test]
    fn precedence() {
        check("a = 1 or b = 2 and c = 3", "a = 1 OR b = 2 AND c = 3");
        check("(a = 1 or b = 2) and c = 3", "(a = 1 OR b = 2) AND c = 3");
        check("not a = 1 and b = 2", "NOT a = 1 AND b = 2");
        check("not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)");
        check("a = 1 and (b = 2 and c = 3)", "a = 1 AND (b = 2 AND c = 3)");
        check("((a = 1))", "a = 1");
    }

    #[test]
    fn operators_and_values() {
        check(
            "Kind in (story,bug) AND state not in ('done') AND resolved is not empty AND parent IS empty",
            "Kind IN (story, bug) AND state NOT IN (\"done\") AND resolved IS NOT EMPTY AND parent IS EMPTY",
        );
        check("title ~ \"a \\\"b\\\"\"", "title ~ \"a \\\"b\\\"\"");
        check(
            "resolved >= startOfWeek(-1w)",
            "resolved >= startOfWeek(-1w)",
        );
        check("blocks(PAY-12) or now()", "blocks(PAY-12) OR now()");
        check("label = \"and\"", "label = \"and\"");
    }

    #[test]
    fn spans() {
        let ast = parse("kind = story AND NOT (x IN (a, b))").unwrap();
        let Some(Expr {
            kind: ExprKind::And(parts),
            span,
        }) = ast.filter
        else {
            panic!()
        };
        assert_eq!(span, 0..34);
        assert_eq!(parts[0].span, 0..12);
        assert_eq!(parts[1].span, 17..34);
        let ExprKind::Not(inner) = &parts[1].kind else {
            panic!()
        };
        let ExprKind::Clause(c) = &inner.kind else {
            panic!()
        };
        assert_eq!(inner.span, 21..34);
        assert_eq!(c.op_span, 24..26);
        let ast = parse("x NOT  IN (a) ORDER BY rank desc").unwrap();
        let Some(Expr {
            kind: ExprKind::Clause(c),
            ..
        }) = ast.filter
        else {
            panic!()
        };
        assert_eq!(c.op_span, 2..9);
        assert_eq!(ast.order_by[0].span, 23..32);
    }

    #[test]
    fn errors() {
        check_err(
            "kind = ",
            "expected a value after `=`, found end of query",
            7..7,
        );
        check_err(
            "kind = story AND",
            "expected a clause after `AND`, found end of query",
            16..16,
        );
        check_err(
            "(kind = story",
            "expected `)` to close the `(` at column 1, found end of query",
            13..13,
        );
        check_err(
            "kind story",
            "expected an operator (=, !=, <, <=, >, >=, ~, IN, NOT IN, IS) after field `kind`, found `story`",
            5..10,
        );
        check_err(
            "kind = story bug",
            "expected `AND`, `OR`, `ORDER BY` or end of query, found `bug`",
            13..16,
        );
        check_err(
            "kind = story)",
            "unexpected `)`: there is no `(` to close",
            12..13,
        );
        check_err(
            "ORDER BY",
            "expected a field after `ORDER BY`, found end of query",
            8..8,
        );
        check_err(
            "ORDER rank",
            "expected `BY` after `ORDER`, found `rank`",
            6..10,
        );
        check_err(
            "ORDER BY rank,",
            "expected a field after `,`, found end of query",
            14..14,
        );
        check_err(
            "ORDER BY rank kind = x",
            "expected `,` or end of query after an ORDER BY field, found `kind`",
            14..18,
        );
        check_err(
            "x IN ()",
            "expected a value after `(` in the `IN` list, found `)`",
            6..7,
        );
        check_err(
            "x IN (a,)",
            "expected a value after `,` in the `IN` list, found `)`",
            8..9,
        );
        check_err(
            "x IN (a b)",
            "expected `,` or `)` in the `IN` list, found `b`",
            8..9,
        );
        check_err("x IN a", "expected `(` after `IN`, found `a`", 5..6);
        check_err("x NOT a", "expected `IN` after `NOT`, found `a`", 6..7);
        check_err("x IS a", "expected `EMPTY` after `IS`, found `a`", 5..6);
        check_err(
            "x IS NOT",
            "expected `EMPTY` after `IS NOT`, found end of query",
            8..8,
        );
        check_err("x = AND", "expected a value after `=`, found `AND`", 4..7);
        check_err("AND x = 1", "expected a clause, found `AND`", 0..3);
        check_err(
            "\"title\" ~ x",
            "expected a clause, found the string \"title\"",
            0..7,
        );
        check_err(
            "x = f(a b)",
            "expected `,` or `)` in the arguments of `f`, found `b`",
            8..9,
        );
        check_err(
            "NOT",
            "expected a clause after `NOT`, found end of query",
            3..3,
        );
        check_err("()", "expected a clause after `(`, found `)`", 1..2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}x = 1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("nests too deeply")
        );
        let src = format!("{}x = 1", "NOT ".repeat(10_000));
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("nests too deeply")
        );
        let src = format!("x = {}1{}", "f(".repeat(10_000), ")".repeat(10_000));
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("nests too deeply")
        );
        let ok = format!("{}x = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
