//! The syntax tree of a query, as written (before validation).
//!
//! Every node carries the byte span of the text it came from so later
//! stages can point diagnostics at it. `Display` prints a canonical form
//! (upper-case keywords, minimal parentheses, double-quoted strings) that
//! parses back to the same tree, spans aside.

use serde::Serialize;
use std::fmt;
use std::ops::Range;

/// A byte range of the query text.
pub type Span = Range<usize>;

/// A whole query: an optional filter and an optional ORDER BY list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryAst {
    /// `None` for an empty query or one that is only `ORDER BY ...`.
    pub filter: Option<Expr>,
    /// Empty when the query has no ORDER BY.
    pub order_by: Vec<OrderKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// Two or more alternatives: `a OR b OR c`.
    Or(Vec<Expr>),
    /// Two or more conjuncts: `a AND b AND c`.
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// `field op value` and friends.
    Clause(Clause),
    /// A function used as a predicate: `blocks(PAY-12)`.
    Call(Call),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    pub field: Ident,
    /// The operator's span (`=`, `NOT IN`, `IS NOT EMPTY`, ...).
    pub op_span: Span,
    pub predicate: Predicate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Predicate {
    /// `field op value`, including `field ~ value`.
    Compare { op: CompareOp, value: Value },
    /// `field IN (...)` or `field NOT IN (...)` (at least one value).
    In { negated: bool, values: Vec<Value> },
    /// `field IS EMPTY` or `field IS NOT EMPTY`.
    Empty { negated: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: full-text match.
    Match,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Match => "~",
        }
    }
}

/// A name as written: a field or a function name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `name(arg, ...)`: a link function predicate or a date function value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueKind {
    /// A quoted string, escapes resolved.
    Str(String),
    /// A bare word exactly as written: `story`, `PAY-12`, `2.5`,
    /// `2026-01-05`, `-7d`. Its meaning depends on the field.
    Word(String),
    /// `now()`, `startOfWeek(-1w)`.
    Call(Call),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderKey {
    pub field: Ident,
    /// `None` when neither ASC nor DESC was written (ascending).
    pub direction: Option<Direction>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Asc,
    Desc,
}

impl QueryAst {
    /// A copy with every span set to `0..0`, to compare trees by shape.
    pub fn without_spans(&self) -> QueryAst {
        QueryAst {
            filter: self.filter.as_ref().map(Expr::without_spans),
            order_by: self
                .order_by
                .iter()
                .map(|k| OrderKey {
                    field: k.field.without_span(),
                    direction: k.direction,
                    span: 0..0,
                })
                .collect(),
        }
    }
}

impl Expr {
    fn without_spans(&self) -> Expr {
        let kind = match &self.kind {
            ExprKind::Or(xs) => ExprKind::Or(xs.iter().map(Expr::without_spans).collect()),
            ExprKind::And(xs) => ExprKind::And(xs.iter().map(Expr::without_spans).collect()),
            ExprKind::Not(x) => ExprKind::Not(Box::new(x.without_spans())),
            ExprKind::Clause(c) => ExprKind::Clause(Clause {
                field: c.field.without_span(),
                op_span: 0..0,
                predicate: match &c.predicate {
                    Predicate::Compare { op, value } => Predicate::Compare {
                        op: *op,
                        value: value.without_spans(),
                    },
                    Predicate::In { negated, values } => Predicate::In {
                        negated: *negated,
                        values: values.iter().map(Value::without_spans).collect(),
                    },
                    Predicate::Empty { negated } => Predicate::Empty { negated: *negated },
                },
            }),
            ExprKind::Call(c) => ExprKind::Call(c.without_spans()),
        };
        Expr { kind, span: 0..0 }
    }
}

impl Ident {
    fn without_span(&self) -> Ident {
        Ident {
            name: self.name.clone(),
            span: 0..0,
        }
    }
}

impl Call {
    fn without_spans(&self) -> Call {
        Call {
            name: self.name.without_span(),
            args: self.args.iter().map(Value::without_spans).collect(),
        }
    }
}

impl Value {
    fn without_spans(&self) -> Value {
        let kind = match &self.kind {
            ValueKind::Call(c) => ValueKind::Call(c.without_spans()),
            other => other.clone(),
        };
        Value { kind, span: 0..0 }
    }
}

// ---- canonical printing -------------------------------------------------

impl fmt::Display for QueryAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(filter) = &self.filter {
            write!(f, "{filter}")?;
            if !self.order_by.is_empty() {
                f.write_str(" ")?;
            }
        }
        if !self.order_by.is_empty() {
            f.write_str("ORDER BY ")?;
            for (i, key) in self.order_by.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{key}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.field.name)?;
        match self.direction {
            Some(Direction::Asc) => f.write_str(" ASC"),
            Some(Direction::Desc) => f.write_str(" DESC"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Or(xs) => join(f, xs, " OR ", |x| matches!(x.kind, ExprKind::Or(_))),
            ExprKind::And(xs) => join(f, xs, " AND ", |x| {
                matches!(x.kind, ExprKind::Or(_) | ExprKind::And(_))
            }),
            ExprKind::Not(x) => {
                f.write_str("NOT ")?;
                write_maybe_parenthesised(
                    f,
                    x,
                    matches!(x.kind, ExprKind::Or(_) | ExprKind::And(_)),
                )
            }
            ExprKind::Clause(c) => write!(f, "{c}"),
            ExprKind::Call(c) => write!(f, "{c}"),
        }
    }
}

fn join(
    f: &mut fmt::Formatter<'_>,
    xs: &[Expr],
    sep: &str,
    needs_parens: fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_maybe_parenthesised(f, x, needs_parens(x))?;
    }
    Ok(())
}

fn write_maybe_parenthesised(f: &mut fmt::Formatter<'_>, x: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.field.name)?;
        match &self.predicate {
            Predicate::Compare { op, value } => write!(f, "{} {value}", op.as_str()),
            Predicate::In { negated, values } => {
                f.write_str(if *negated { "NOT IN (" } else { "IN (" })?;
                write_list(f, values)?;
                f.write_str(")")
            }
            Predicate::Empty { negated: false } => f.write_str("IS EMPTY"),
            Predicate::Empty { negated: true } => f.write_str("IS NOT EMPTY"),
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name.name)?;
        write_list(f, &self.args)?;
        f.write_str(")")
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, values: &[Value]) -> fmt::Result {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ValueKind::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if matches!(c, '"' | '\\') {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            ValueKind::Word(w) => f.write_str(w),
            ValueKind::Call(c) => write!(f, "{c}"),
        }
    }
}
