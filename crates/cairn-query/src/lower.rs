//! Validation and lowering: [`QueryAst`] to the filter IR.
//!
//! Resolves field names (and aliases) against the built-ins and the
//! schema's custom fields, checks each operator against the field's type,
//! types every value, and resolves relative times against `now`.

use crate::ast::{
    Call, Clause, CompareOp, Direction, Expr, ExprKind, Ident, Predicate, QueryAst, Span, Value,
    ValueKind,
};
use crate::diag::Diagnostic;
use crate::ir::{CmpOp, Field, Filter, LinkFn, OrderBy, Query, Scalar};
use crate::{CustomType, Schema};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

/// Built-in field names, in the order they are listed in help texts.
const BUILTIN_NAMES: &[&str] = &[
    "key", "product", "kind", "state", "category", "title", "text", "label", "assignee",
    "estimate", "created", "updated", "resolved", "parent", "release", "goal", "rank",
];

const ALIASES: &[(&str, &str)] = &[
    ("labels", "label"),
    ("status", "state"),
    ("type", "kind"),
    ("points", "estimate"),
];

const DATE_FUNCTIONS: &[&str] = &[
    "now",
    "startOfDay",
    "startOfWeek",
    "startOfMonth",
    "startOfYear",
];

const LINK_FUNCTIONS: &[(&str, LinkFn)] = &[
    ("blocks", LinkFn::Blocks),
    ("blockedBy", LinkFn::BlockedBy),
    ("childrenOf", LinkFn::ChildrenOf),
    ("implements", LinkFn::Implements),
    ("verifies", LinkFn::Verifies),
    ("relates", LinkFn::Relates),
];

const TIME_FORMS: &str = "use a date (2026-01-05), a date-time (2026-01-05T10:00:00Z), a relative time \
     (-7d, +2w, -3h, -30m) or a function (now(), startOfDay(), startOfWeek(), startOfMonth(), startOfYear(), \
     optionally with an offset such as startOfWeek(-1w))";

pub(crate) fn lower(
    ast: &QueryAst,
    schema: &Schema,
    now: DateTime<Utc>,
) -> Result<Query, Diagnostic> {
    let lw = Lowerer { schema, now };
    let filter = match &ast.filter {
        Some(expr) => lw.expr(expr)?,
        None => Filter::All,
    };
    let order = if ast.order_by.is_empty() {
        vec![OrderBy {
            field: Field::Rank,
            descending: false,
        }]
    } else {
        ast.order_by
            .iter()
            .map(|key| {
                let field = lw.order_field(&key.field)?;
                Ok(OrderBy {
                    field,
                    descending: key.direction == Some(Direction::Desc),
                })
            })
            .collect::<Result<_, Diagnostic>>()?
    };
    Ok(Query { filter, order })
}

/// The value type of a field, which decides its operators and values.
#[derive(Debug, Clone, Copy)]
enum Ty<'s> {
    /// kind, state, category: one of the schema's values; never empty.
    Choice {
        noun: &'static str,
        plural: &'static str,
        values: &'s [String],
    },
    /// key (never empty), parent.
    Key { nullable: bool },
    /// A product prefix; never empty.
    Product,
    /// `~`, `=`, `!=`; never empty.
    Title,
    /// Full-text over title, description and acceptance criteria: `~` only.
    FullText,
    /// label, assignee, release, goal, custom text.
    Text,
    /// estimate, custom number.
    Number,
    /// created, updated (never empty), resolved.
    Time { nullable: bool },
    /// A custom date field.
    Date,
    /// A custom enum field.
    Enum(&'s [String]),
    /// Order only.
    Rank,
}

impl Ty<'_> {
    fn nullable(self) -> bool {
        match self {
            Ty::Key { nullable } | Ty::Time { nullable } => nullable,
            Ty::Text | Ty::Number | Ty::Date | Ty::Enum(_) => true,
            Ty::Choice { .. } | Ty::Product | Ty::Title | Ty::FullText | Ty::Rank => false,
        }
    }

    fn allows(self, op: CompareOp) -> bool {
        use CompareOp::*;
        match self {
            Ty::Choice { .. } | Ty::Key { .. } | Ty::Product | Ty::Text | Ty::Enum(_) => {
                matches!(op, Eq | Ne)
            }
            Ty::Title => matches!(op, Eq | Ne | Match),
            Ty::FullText => op == Match,
            Ty::Number | Ty::Time { .. } | Ty::Date => op != Match,
            Ty::Rank => false,
        }
    }

    fn allows_in(self) -> bool {
        !matches!(self, Ty::Title | Ty::FullText | Ty::Time { .. } | Ty::Rank)
    }

    /// "supports ..." for help texts.
    fn operators(self) -> &'static str {
        match self {
            Ty::Choice { .. } | Ty::Key { nullable: false } | Ty::Product => "=, !=, IN and NOT IN",
            Ty::Key { nullable: true } | Ty::Text | Ty::Enum(_) => {
                "=, !=, IN, NOT IN and IS [NOT] EMPTY"
            }
            Ty::Title => "~ (full-text), = and !=",
            Ty::FullText => {
                "only ~ (full-text search over title, description and acceptance criteria)"
            }
            Ty::Number | Ty::Date => "=, !=, <, <=, >, >=, IN, NOT IN and IS [NOT] EMPTY",
            Ty::Time { nullable: true } => "=, !=, <, <=, >, >= and IS [NOT] EMPTY",
            Ty::Time { nullable: false } => "=, !=, <, <=, > and >=",
            Ty::Rank => "nothing: use it in ORDER BY",
        }
    }
}

struct Lowerer<'s> {
    schema: &'s Schema,
    now: DateTime<Utc>,
}

/// A resolved time value.
enum Time {
    /// `2026-01-05`: keeps its "whole day" meaning for `=` and `!=`.
    Day(NaiveDate),
    /// An explicit date-time: `2026-01-05T10:00:00Z`.
    At(DateTime<Utc>),
    /// Relative to now: `-7d`, `startOfWeek(-1w)`.
    Relative(DateTime<Utc>),
}

impl<'s> Lowerer<'s> {
    // ---- fields -------------------------------------------------------

    fn builtin(name: &str) -> Option<Field> {
        let lower = name.to_ascii_lowercase();
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| *alias == lower)
            .map_or(lower.as_str(), |(_, c)| c);
        Some(match canonical {
            "key" => Field::Key,
            "product" => Field::Product,
            "kind" => Field::Kind,
            "state" => Field::State,
            "category" => Field::Category,
            "title" => Field::Title,
            "text" => Field::Text,
            "label" => Field::Label,
            "assignee" => Field::Assignee,
            "estimate" => Field::Estimate,
            "created" => Field::Created,
            "updated" => Field::Updated,
            "resolved" => Field::Resolved,
            "parent" => Field::Parent,
            "release" => Field::Release,
            "goal" => Field::Goal,
            "rank" => Field::Rank,
            _ => return None,
        })
    }

    fn ty(&self, field: &Field) -> Ty<'s> {
        let s = self.schema;
        match field {
            Field::Key => Ty::Key { nullable: false },
            Field::Parent => Ty::Key { nullable: true },
            Field::Product => Ty::Product,
            Field::Kind => Ty::Choice {
                noun: "kind",
                plural: "kinds",
                values: &s.kinds,
            },
            Field::State => Ty::Choice {
                noun: "state",
                plural: "states",
                values: &s.states,
            },
            Field::Category => Ty::Choice {
                noun: "category",
                plural: "categories",
                values: &s.categories,
            },
            Field::Title => Ty::Title,
            Field::Text => Ty::FullText,
            Field::Label | Field::Assignee | Field::Release | Field::Goal => Ty::Text,
            Field::Estimate => Ty::Number,
            Field::Created | Field::Updated => Ty::Time { nullable: false },
            Field::Resolved => Ty::Time { nullable: true },
            Field::Rank => Ty::Rank,
            Field::Custom(name) => match s.custom.iter().find(|c| &c.name == name).map(|c| &c.ty) {
                Some(CustomType::Number) => Ty::Number,
                Some(CustomType::Date) => Ty::Date,
                Some(CustomType::Enum(values)) => Ty::Enum(values),
                Some(CustomType::Text) | None => Ty::Text,
            },
        }
    }

    /// Resolve a field name, built-ins (and aliases) first, then custom
    /// fields (exact spelling first, then case-insensitively).
    fn field(&self, ident: &Ident, valid: &[String]) -> Result<Field, Diagnostic> {
        if let Some(field) = Self::builtin(&ident.name) {
            return Ok(field);
        }
        let custom = &self.schema.custom;
        if let Some(c) = custom.iter().find(|c| c.name == ident.name).or_else(|| {
            custom
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&ident.name))
        }) {
            return Ok(Field::Custom(c.name.clone()));
        }
        let mut candidates: Vec<&str> = valid.iter().map(String::as_str).collect();
        candidates.extend(ALIASES.iter().map(|(alias, _)| *alias));
        let help = format!(
            "{}fields: {}",
            did_you_mean(&ident.name, &candidates),
            valid.join(", ")
        );
        Err(Diagnostic::new(
            format!("unknown field `{}`", ident.name),
            ident.span.clone(),
        )
        .with_help(help))
    }

    fn custom_names(&self) -> impl Iterator<Item = String> + '_ {
        self.schema.custom.iter().map(|c| c.name.clone())
    }

    fn filter_field(&self, ident: &Ident) -> Result<Field, Diagnostic> {
        let valid: Vec<String> = BUILTIN_NAMES
            .iter()
            .filter(|n| **n != "rank")
            .map(|n| n.to_string())
            .chain(self.custom_names())
            .collect();
        let field = self.field(ident, &valid)?;
        if field == Field::Rank {
            return Err(
                Diagnostic::new("`rank` can only be used in ORDER BY", ident.span.clone())
                    .with_help("sort by priority with `ORDER BY rank`"),
            );
        }
        Ok(field)
    }

    fn order_field(&self, ident: &Ident) -> Result<Field, Diagnostic> {
        let orderable =
            |f: &Field| !matches!(f, Field::Text | Field::Label | Field::Parent | Field::Goal);
        let valid: Vec<String> = BUILTIN_NAMES
            .iter()
            .filter(|n| Self::builtin(n).is_some_and(|f| orderable(&f)))
            .map(|n| n.to_string())
            .chain(self.custom_names())
            .collect();
        let field = self.field(ident, &valid)?;
        if !orderable(&field) {
            return Err(Diagnostic::new(
                format!("cannot order by `{}`", ident.name),
                ident.span.clone(),
            )
            .with_help(format!("orderable fields: {}", valid.join(", "))));
        }
        Ok(field)
    }

    // ---- filters ------------------------------------------------------

    fn expr(&self, expr: &Expr) -> Result<Filter, Diagnostic> {
        match &expr.kind {
            ExprKind::And(xs) => Ok(Filter::And(self.flatten(xs, true)?)),
            ExprKind::Or(xs) => Ok(Filter::Or(self.flatten(xs, false)?)),
            ExprKind::Not(x) => Ok(Filter::Not(Box::new(self.expr(x)?))),
            ExprKind::Clause(c) => self.clause(c),
            ExprKind::Call(c) => self.link(c, &expr.span),
        }
    }

    /// Lower the operands of an AND/OR, splicing in nested ones of the
    /// same kind (`a AND (b AND c)` is `a AND b AND c`).
    fn flatten(&self, xs: &[Expr], is_and: bool) -> Result<Vec<Filter>, Diagnostic> {
        let mut out = Vec::with_capacity(xs.len());
        for x in xs {
            match (self.expr(x)?, is_and) {
                (Filter::And(inner), true) | (Filter::Or(inner), false) => out.extend(inner),
                (f, _) => out.push(f),
            }
        }
        Ok(out)
    }

    fn clause(&self, c: &Clause) -> Result<Filter, Diagnostic> {
        let field = self.filter_field(&c.field)?;
        let ty = self.ty(&field);
        let name = &c.field.name;
        let op_error = |op: &str| {
            Diagnostic::new(
                format!("`{name}` does not support `{op}`"),
                c.op_span.clone(),
            )
            .with_help(format!("`{name}` supports {}", ty.operators()))
        };
        match &c.predicate {
            Predicate::Empty { negated } => {
                if !ty.nullable() {
                    let op = if *negated { "IS NOT EMPTY" } else { "IS EMPTY" };
                    let message = if matches!(ty, Ty::FullText) {
                        format!("`{name}` does not support `{op}`")
                    } else {
                        format!("`{name}` is never empty, so `{op}` does not apply")
                    };
                    return Err(Diagnostic::new(message, c.op_span.clone())
                        .with_help(format!("`{name}` supports {}", ty.operators())));
                }
                Ok(Filter::Empty {
                    field,
                    negated: *negated,
                })
            }
            Predicate::Compare {
                op: CompareOp::Match,
                value,
            } => {
                if !ty.allows(CompareOp::Match) {
                    return Err(Diagnostic::new(
                        "`~` (full-text search) only works on `title` and `text`",
                        c.op_span.clone(),
                    )
                    .with_help(format!("`{name}` supports {}", ty.operators())));
                }
                let query = self.text(name, value, "words to search for")?;
                if query.trim().is_empty() {
                    return Err(Diagnostic::new(
                        "`~` needs at least one word to search for",
                        value.span.clone(),
                    ));
                }
                Ok(Filter::Text { field, query })
            }
            Predicate::Compare { op, value } => {
                if !ty.allows(*op) {
                    let mut diag = op_error(op.as_str());
                    if matches!(ty, Ty::FullText) {
                        diag.help = Some(format!(
                            "`{name}` searches title, description and acceptance criteria: write `{name} ~ \"words\"`"
                        ));
                    }
                    return Err(diag);
                }
                let op = cmp_op(*op);
                if let Ty::Time { .. } = ty {
                    return self.time_compare(field, op, name, value);
                }
                Ok(Filter::Compare {
                    value: self.scalar(ty, name, value)?,
                    field,
                    op,
                })
            }
            Predicate::In { negated, values } => {
                if !ty.allows_in() {
                    let mut diag = op_error(if *negated { "NOT IN" } else { "IN" });
                    if let Ty::Time { .. } = ty {
                        diag.help = Some(format!(
                            "`{name}` supports {}; for a period write `{name} >= 2026-01-01 AND {name} < 2026-02-01`",
                            ty.operators()
                        ));
                    }
                    return Err(diag);
                }
                let values = values
                    .iter()
                    .map(|v| self.scalar(ty, name, v))
                    .collect::<Result<_, _>>()?;
                Ok(Filter::In {
                    field,
                    values,
                    negated: *negated,
                })
            }
        }
    }

    /// `blocks(KEY)` and the other link functions.
    fn link(&self, call: &Call, span: &Span) -> Result<Filter, Diagnostic> {
        let name = &call.name.name;
        let Some((canonical, func)) = LINK_FUNCTIONS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            let list = "link functions: blocks(KEY), blockedBy(KEY), childrenOf(KEY), implements(KEY), \
                        verifies(KEY), relates(KEY)";
            let diag = if DATE_FUNCTIONS.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                Diagnostic::new(format!("`{name}()` is a value, not a clause"), span.clone())
                    .with_help(format!(
                        "compare it with a date field, e.g. `created >= {name}()`"
                    ))
            } else {
                let names: Vec<&str> = LINK_FUNCTIONS.iter().map(|(n, _)| *n).collect();
                Diagnostic::new(format!("unknown function `{name}`"), call.name.span.clone())
                    .with_help(format!("{}{list}", did_you_mean(name, &names)))
            };
            return Err(diag);
        };
        let key = match call.args.as_slice() {
            [arg] => self.key(name, arg)?,
            [] => {
                return Err(Diagnostic::new(
                    format!("`{canonical}` takes an item key"),
                    span.clone(),
                )
                .with_help(format!("e.g. `{canonical}(PAY-12)`")));
            }
            [_, extra, ..] => {
                return Err(Diagnostic::new(
                    format!("`{canonical}` takes one item key"),
                    extra.span.clone(),
                )
                .with_help(format!(
                    "combine several with OR: `{canonical}(PAY-1) OR {canonical}(PAY-2)`"
                )));
            }
        };
        Ok(Filter::Linked { func: *func, key })
    }

    // ---- values -------------------------------------------------------

    fn scalar(&self, ty: Ty<'_>, name: &str, value: &Value) -> Result<Scalar, Diagnostic> {
        match ty {
            Ty::Choice {
                noun,
                plural,
                values,
            } => {
                let text = self.text(name, value, noun)?;
                choose(
                    &text,
                    values,
                    &value.span,
                    format!("unknown {noun} `{text}`"),
                    plural,
                )
            }
            Ty::Key { .. } => self.key(name, value).map(Scalar::Text),
            Ty::Product => {
                let text = self.text(name, value, "a product prefix")?;
                if is_prefix(&text) {
                    Ok(Scalar::Text(text.to_ascii_uppercase()))
                } else {
                    Err(Diagnostic::new(
                        format!("`{text}` is not a product prefix"),
                        value.span.clone(),
                    )
                    .with_help(
                        "a product prefix is letters and digits starting with a letter, e.g. PAY",
                    ))
                }
            }
            Ty::Title | Ty::FullText | Ty::Text => {
                Ok(Scalar::Text(self.text(name, value, "text")?))
            }
            Ty::Number => {
                let bad = || {
                    Diagnostic::new(
                        format!("`{name}` takes a number, not {}", describe(value)),
                        value.span.clone(),
                    )
                    .with_help(format!("e.g. `{name} >= 3` or `{name} = 2.5`"))
                };
                let text = self.text(name, value, "a number").map_err(|_| bad())?;
                parse_number(&text).map(Scalar::Number).ok_or_else(bad)
            }
            Ty::Time { .. } => match self.time(name, value)? {
                Time::Day(d) => Ok(Scalar::Time(start_of(d).timestamp_millis())),
                Time::At(t) | Time::Relative(t) => Ok(Scalar::Time(t.timestamp_millis())),
            },
            Ty::Date => {
                let day = match self.time(name, value)? {
                    Time::Day(d) => d,
                    Time::At(t) => {
                        return Err(Diagnostic::new(
                            format!("`{name}` takes a date, not a date-time"),
                            value.span.clone(),
                        )
                        .with_help(format!(
                            "write just the date, e.g. {}",
                            format_date(t.date_naive())
                        )));
                    }
                    Time::Relative(t) => t.date_naive(),
                };
                Ok(Scalar::Date(format_date(day)))
            }
            Ty::Enum(values) => {
                let text = self.text(name, value, "one of its values")?;
                let message = format!("`{text}` is not a value of `{name}`");
                choose(
                    &text,
                    values,
                    &value.span,
                    message,
                    &format!("values of `{name}`"),
                )
            }
            Ty::Rank => Err(Diagnostic::new(
                "`rank` can only be used in ORDER BY",
                value.span.clone(),
            )),
        }
    }

    /// The text of a word or string; function calls are rejected.
    fn text(&self, name: &str, value: &Value, what: &str) -> Result<String, Diagnostic> {
        match &value.kind {
            ValueKind::Str(s) | ValueKind::Word(s) => Ok(s.clone()),
            ValueKind::Call(call) => {
                let help = if LINK_FUNCTIONS
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&call.name.name))
                {
                    format!(
                        "link functions are clauses on their own: write `{call}`, not `{name} = {call}`"
                    )
                } else {
                    "date functions such as now() only work with date fields".to_string()
                };
                Err(Diagnostic::new(
                    format!("`{name}` takes {what}, not a function call"),
                    value.span.clone(),
                )
                .with_help(help))
            }
        }
    }

    /// An item key, prefix upper-cased: `pay-12` -> `PAY-12`.
    fn key(&self, name: &str, value: &Value) -> Result<String, Diagnostic> {
        let text = self.text(name, value, "an item key")?;
        normalize_key(&text).ok_or_else(|| {
            Diagnostic::new(format!("`{text}` is not an item key"), value.span.clone())
                .with_help("keys look like PAY-12: a product prefix, a dash and a number")
        })
    }

    /// `created = 2026-01-05` means the whole day; other forms are instants.
    fn time_compare(
        &self,
        field: Field,
        op: CmpOp,
        name: &str,
        value: &Value,
    ) -> Result<Filter, Diagnostic> {
        let cmp = |op, t: DateTime<Utc>| Filter::Compare {
            field: field.clone(),
            op,
            value: Scalar::Time(t.timestamp_millis()),
        };
        match self.time(name, value)? {
            Time::At(t) | Time::Relative(t) => Ok(cmp(op, t)),
            Time::Day(day) => {
                let start = start_of(day);
                let end = day.succ_opt().map(start_of);
                match (op, end) {
                    (CmpOp::Eq, Some(end)) => Ok(Filter::And(vec![
                        cmp(CmpOp::Ge, start),
                        cmp(CmpOp::Lt, end),
                    ])),
                    (CmpOp::Ne, Some(end)) => {
                        Ok(Filter::Or(vec![cmp(CmpOp::Lt, start), cmp(CmpOp::Ge, end)]))
                    }
                    (CmpOp::Eq | CmpOp::Ne, None) => Err(out_of_range(value)),
                    _ => Ok(cmp(op, start)),
                }
            }
        }
    }

    fn time(&self, name: &str, value: &Value) -> Result<Time, Diagnostic> {
        let text = match &value.kind {
            ValueKind::Call(call) => {
                return self.date_function(call, &value.span).map(Time::Relative);
            }
            ValueKind::Str(s) | ValueKind::Word(s) => s,
        };
        if let Some(day) = parse_date(text, &value.span)? {
            return Ok(Time::Day(day));
        }
        if let Some(t) = parse_date_time(text, &value.span)? {
            return Ok(Time::At(t));
        }
        if let Some(delta) = parse_duration(text, &value.span)? {
            return self
                .now
                .checked_add_signed(delta)
                .map(Time::Relative)
                .ok_or_else(|| out_of_range(value));
        }
        Err(Diagnostic::new(
            format!("`{name}` takes a date or time, not {}", describe(value)),
            value.span.clone(),
        )
        .with_help(TIME_FORMS))
    }

    /// `now()`, `startOfWeek(-1w)`, ...
    fn date_function(&self, call: &Call, span: &Span) -> Result<DateTime<Utc>, Diagnostic> {
        let name = &call.name.name;
        let Some(canonical) = DATE_FUNCTIONS.iter().find(|n| n.eq_ignore_ascii_case(name)) else {
            let help = if LINK_FUNCTIONS
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                format!(
                    "`{name}(KEY)` is a clause on its own, e.g. `{name}(PAY-12) AND kind = story`"
                )
            } else {
                format!(
                    "{}date functions: now(), startOfDay(), startOfWeek(), startOfMonth(), startOfYear()",
                    did_you_mean(name, DATE_FUNCTIONS)
                )
            };
            return Err(Diagnostic::new(
                format!("unknown function `{name}`"),
                call.name.span.clone(),
            )
            .with_help(help));
        };
        let offset = match call.args.as_slice() {
            [] => TimeDelta::zero(),
            [arg] => {
                let delta = match &arg.kind {
                    ValueKind::Str(s) | ValueKind::Word(s) => parse_duration(s, &arg.span)?,
                    ValueKind::Call(_) => None,
                };
                delta.ok_or_else(|| {
                    Diagnostic::new(
                        format!(
                            "expected an offset such as -1w, +2d, -3h or -30m, found {}",
                            describe(arg)
                        ),
                        arg.span.clone(),
                    )
                    .with_help(format!("e.g. `{canonical}(-1w)`"))
                })?
            }
            [_, extra, ..] => {
                return Err(Diagnostic::new(
                    format!("`{canonical}()` takes at most one offset"),
                    extra.span.clone(),
                )
                .with_help(format!("e.g. `{canonical}(-1w)`")));
            }
        };
        let today = self.now.date_naive();
        let base = match *canonical {
            "now" => Some(self.now),
            "startOfDay" => Some(start_of(today)),
            "startOfWeek" => today
                .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
                .map(start_of),
            "startOfMonth" => today.with_day(1).map(start_of),
            _ => NaiveDate::from_ymd_opt(today.year(), 1, 1).map(start_of),
        };
        base.and_then(|t| t.checked_add_signed(offset))
            .ok_or_else(|| Diagnostic::new("the date is out of range", span.clone()))
    }
}

fn cmp_op(op: CompareOp) -> CmpOp {
    match op {
        CompareOp::Eq | CompareOp::Match => CmpOp::Eq,
        CompareOp::Ne => CmpOp::Ne,
        CompareOp::Lt => CmpOp::Lt,
        CompareOp::Le => CmpOp::Le,
        CompareOp::Gt => CmpOp::Gt,
        CompareOp::Ge => CmpOp::Ge,
    }
}

/// Pick `text` from `values` case-insensitively, returning the schema's spelling.
fn choose(
    text: &str,
    values: &[String],
    span: &Span,
    message: String,
    plural: &str,
) -> Result<Scalar, Diagnostic> {
    if let Some(v) = values.iter().find(|v| v.eq_ignore_ascii_case(text)) {
        return Ok(Scalar::Text(v.clone()));
    }
    let names: Vec<&str> = values.iter().map(String::as_str).collect();
    let list = if names.is_empty() {
        "(none declared)".to_string()
    } else {
        names.join(", ")
    };
    Err(Diagnostic::new(message, span.clone())
        .with_help(format!("{}{plural}: {list}", did_you_mean(text, &names))))
}

fn describe(value: &Value) -> String {
    match &value.kind {
        ValueKind::Word(w) => format!("`{w}`"),
        ValueKind::Str(s) => format!("{s:?}"),
        ValueKind::Call(c) => format!("`{c}`"),
    }
}

fn out_of_range(value: &Value) -> Diagnostic {
    Diagnostic::new(
        format!("{} is out of the supported date range", describe(value)),
        value.span.clone(),
    )
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

fn format_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Letters and digits, starting with a letter.
fn is_prefix(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `pay-012` -> `PAY-12`; `None` unless it is `PREFIX-N`.
fn normalize_key(s: &str) -> Option<String> {
    let (prefix, number) = s.split_once('-')?;
    if !is_prefix(prefix) || number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let number: u64 = number.parse().ok()?;
    Some(format!("{}-{number}", prefix.to_ascii_uppercase()))
}

/// `3`, `-1`, `2.5`: plain decimal numbers only (no `inf`, `1e9`, `.5`).
fn parse_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    s.parse().ok().filter(|n: &f64| n.is_finite())
}

/// Whether `s` starts with `YYYY-MM-DD`.
fn has_date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// `2026-01-05`; `Ok(None)` if not date-shaped, an error if shaped but invalid.
fn parse_date(s: &str, span: &Span) -> Result<Option<NaiveDate>, Diagnostic> {
    if s.len() != 10 || !has_date_shape(s) {
        return Ok(None);
    }
    let field =
        |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok()).unwrap_or(0);
    let year = i32::try_from(field(0..4)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, field(5..7), field(8..10))
        .map(Some)
        .ok_or_else(|| {
            Diagnostic::new(format!("`{s}` is not a valid date"), span.clone())
                .with_help("dates are YYYY-MM-DD with a real month and day, e.g. 2026-01-05")
        })
}

/// `2026-01-05T10:00:00Z`, `2026-01-05T10:00:00+02:00`, or without a zone
/// (taken as UTC); `Ok(None)` if it does not start like a date-time.
fn parse_date_time(s: &str, span: &Span) -> Result<Option<DateTime<Utc>>, Diagnostic> {
    if !has_date_shape(s) || !matches!(s.as_bytes().get(10), Some(b'T' | b't')) {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(Some(t.and_utc()));
        }
    }
    Err(
        Diagnostic::new(format!("`{s}` is not a valid date-time"), span.clone()).with_help(
            "write a date-time as 2026-01-05T10:00:00Z (UTC) or 2026-01-05T10:00:00+02:00",
        ),
    )
}

/// `-7d`, `+2w`, `3h`, `-30m`; `Ok(None)` if not duration-shaped, an
/// error if it is but the amount is too large.
fn parse_duration(s: &str, span: &Span) -> Result<Option<TimeDelta>, Diagnostic> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let Some(unit) = rest.chars().last() else {
        return Ok(None);
    };
    let amount = &rest[..rest.len() - unit.len_utf8()];
    if amount.is_empty()
        || !amount.chars().all(|c| c.is_ascii_digit())
        || !matches!(unit, 'w' | 'd' | 'h' | 'm')
    {
        return Ok(None);
    }
    let too_big = || {
        Diagnostic::new(format!("the offset `{s}` is too large"), span.clone())
            .with_help("offsets are limited to about 100,000 years")
    };
    let n: i64 = amount.parse().map_err(|_| too_big())?;
    let n = if negative { -n } else { n };
    let delta = match unit {
        'w' => TimeDelta::try_weeks(n),
        'd' => TimeDelta::try_days(n),
        'h' => TimeDelta::try_hours(n),
        _ => TimeDelta::try_minutes(n),
    };
    delta.map(Some).ok_or_else(too_big)
}

/// "did you mean `x`? " when a candidate is within edit distance 2.
fn did_you_mean(input: &str, candidates: &[&str]) -> String {
    let input = input.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&input, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= 2 && *d < input.chars().count())
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, c)| format!("did you mean `{c}`? "))
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomField, compile};
    use chrono::TimeZone;

    fn schema() -> Schema {
        let strings = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Schema {
            kinds: strings(&[
                "requirement",
                "epic",
                "story",
                "task",
                "bug",
                "spike",
                "debt",
            ]),
            states: strings(&["todo", "in-progress", "in-review", "done", "cancelled"]),
            categories: strings(&["todo", "in-progress", "done"]),
            custom: vec![
                CustomField {
                    name: "risk".into(),
                    ty: CustomType::Number,
                },
                CustomField {
                    name: "customer".into(),
                    ty: CustomType::Text,
                },
                CustomField {
                    name: "due".into(),
                    ty: CustomType::Date,
                },
                CustomField {
                    name: "Severity".into(),
                    ty: CustomType::Enum(strings(&["S1", "S2", "S3"])),
                },
            ],
        }
    }

    /// Wednesday 2026-01-07 15:30 UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 7, 15, 30, 0).unwrap()
    }

    fn ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> Scalar {
        Scalar::Time(
            Utc.with_ymd_and_hms(y, m, d, h, min, 0)
                .unwrap()
                .timestamp_millis(),
        )
    }

    fn filter(src: &str) -> Filter {
        compile(src, &schema(), now())
            .unwrap_or_else(|d| panic!("{}", d.render(src)))
            .filter
    }

    fn check(src: &str, expected: Filter) {
        assert_eq!(filter(src), expected, "{src}");
    }

    fn cmp(field: Field, op: CmpOp, value: Scalar) -> Filter {
        Filter::Compare { field, op, value }
    }

    fn text(s: &str) -> Scalar {
        Scalar::Text(s.to_string())
    }

    /// The error message and the source text it points at.
    fn check_err(src: &str, message: &str, at: &str) {
        let d = compile(src, &schema(), now()).unwrap_err();
        assert_eq!(
            (d.message.as_str(), &src[d.span.clone()]),
            (message, at),
            "{src}"
        );
    }

    fn help(src: &str) -> String {
        compile(src, &schema(), now())
            .unwrap_err()
            .help
            .unwrap_or_default()
    }

    #[test]
    fn empty_query_and_default_order() {
        let q = compile("  ", &schema(), now()).unwrap();
        assert_eq!(q.filter, Filter::All);
        assert_eq!(
            q.order,
            vec![OrderBy {
                field: Field::Rank,
                descending: false
            }]
        );
        let q = compile("order by created desc, Severity", &schema(), now()).unwrap();
        assert_eq!(q.filter, Filter::All);
        assert_eq!(
            q.order,
            vec![
                OrderBy {
                    field: Field::Created,
                    descending: true
                },
                OrderBy {
                    field: Field::Custom("Severity".into()),
                    descending: false
                }
            ]
        );
    }

    #[test]
    fn choices_are_lowered_to_schema_spelling() {
        check("Kind = Story", cmp(Field::Kind, CmpOp::Eq, text("story")));
        check("type != BUG", cmp(Field::Kind, CmpOp::Ne, text("bug")));
        check(
            "status in (todo, \"In-Progress\")",
            Filter::In {
                field: Field::State,
                values: vec![text("todo"), text("in-progress")],
                negated: false,
            },
        );
        check(
            "category not in (done)",
            Filter::In {
                field: Field::Category,
                values: vec![text("done")],
                negated: true,
            },
        );
    }

    #[test]
    fn keys_products_and_links() {
        check("key = pay-012", cmp(Field::Key, CmpOp::Eq, text("PAY-12")));
        check(
            "parent is empty",
            Filter::Empty {
                field: Field::Parent,
                negated: false,
            },
        );
        check("product = pay", cmp(Field::Product, CmpOp::Eq, text("PAY")));
        check(
            "BLOCKS(pay-12)",
            Filter::Linked {
                func: LinkFn::Blocks,
                key: "PAY-12".into(),
            },
        );
        check(
            "blockedby(A1-3)",
            Filter::Linked {
                func: LinkFn::BlockedBy,
                key: "A1-3".into(),
            },
        );
        check(
            "childrenOf(\"EPIC-1\") or implements(R-1) or verifies(R-2) or relates(R-3)",
            Filter::Or(vec![
                Filter::Linked {
                    func: LinkFn::ChildrenOf,
                    key: "EPIC-1".into(),
                },
                Filter::Linked {
                    func: LinkFn::Implements,
                    key: "R-1".into(),
                },
                Filter::Linked {
                    func: LinkFn::Verifies,
                    key: "R-2".into(),
                },
                Filter::Linked {
                    func: LinkFn::Relates,
                    key: "R-3".into(),
                },
            ]),
        );
    }

    #[test]
    fn text_fields() {
        check(
            "text ~ refund",
            Filter::Text {
                field: Field::Text,
                query: "refund".into(),
            },
        );
        check(
            "title ~ \"card refund\"",
            Filter::Text {
                field: Field::Title,
                query: "card refund".into(),
            },
        );
        check("title != \"x\"", cmp(Field::Title, CmpOp::Ne, text("x")));
        check(
            "labels = payments",
            cmp(Field::Label, CmpOp::Eq, text("payments")),
        );
        check(
            "goal is not empty",
            Filter::Empty {
                field: Field::Goal,
                negated: true,
            },
        );
        check(
            "release = 2026.1",
            cmp(Field::Release, CmpOp::Eq, text("2026.1")),
        );
        check(
            "assignee = \"ana\"",
            cmp(Field::Assignee, CmpOp::Eq, text("ana")),
        );
    }

    #[test]
    fn numbers() {
        check(
            "points >= 2.5",
            cmp(Field::Estimate, CmpOp::Ge, Scalar::Number(2.5)),
        );
        check(
            "estimate in (1, 2, \"3\")",
            Filter::In {
                field: Field::Estimate,
                values: vec![
                    Scalar::Number(1.0),
                    Scalar::Number(2.0),
                    Scalar::Number(3.0),
                ],
                negated: false,
            },
        );
        check(
            "risk < -1",
            cmp(
                Field::Custom("risk".into()),
                CmpOp::Lt,
                Scalar::Number(-1.0),
            ),
        );
    }

    #[test]
    fn times() {
        check(
            "created >= 2026-01-05",
            cmp(Field::Created, CmpOp::Ge, ms(2026, 1, 5, 0, 0)),
        );
        check(
            "created = 2026-01-05",
            Filter::And(vec![
                cmp(Field::Created, CmpOp::Ge, ms(2026, 1, 5, 0, 0)),
                cmp(Field::Created, CmpOp::Lt, ms(2026, 1, 6, 0, 0)),
            ]),
        );
        check(
            "updated != \"2026-12-31\"",
            Filter::Or(vec![
                cmp(Field::Updated, CmpOp::Lt, ms(2026, 12, 31, 0, 0)),
                cmp(Field::Updated, CmpOp::Ge, ms(2027, 1, 1, 0, 0)),
            ]),
        );
        check(
            "created = 2026-01-05T10:00:00Z",
            cmp(Field::Created, CmpOp::Eq, ms(2026, 1, 5, 10, 0)),
        );
        check(
            "created < 2026-01-05T12:00:00+02:00",
            cmp(Field::Created, CmpOp::Lt, ms(2026, 1, 5, 10, 0)),
        );
        check(
            "created < 2026-01-05T10:00",
            cmp(Field::Created, CmpOp::Lt, ms(2026, 1, 5, 10, 0)),
        );
        check(
            "updated > -7d",
            cmp(Field::Updated, CmpOp::Gt, ms(2025, 12, 31, 15, 30)),
        );
        check(
            "updated > +2w",
            cmp(Field::Updated, CmpOp::Gt, ms(2026, 1, 21, 15, 30)),
        );
        check(
            "updated > -3h",
            cmp(Field::Updated, CmpOp::Gt, ms(2026, 1, 7, 12, 30)),
        );
        check(
            "updated > -30m",
            cmp(Field::Updated, CmpOp::Gt, ms(2026, 1, 7, 15, 0)),
        );
        check(
            "updated > now()",
            cmp(Field::Updated, CmpOp::Gt, ms(2026, 1, 7, 15, 30)),
        );
        check(
            "updated > startOfDay()",
            cmp(Field::Updated, CmpOp::Gt, ms(2026, 1, 7, 0, 0)),
        );
        check(
            "resolved >= startOfWeek(-1w)",
            cmp(Field::Resolved, CmpOp::Ge, ms(2025, 12, 29, 0, 0)),
        );
        check(
            "resolved >= STARTOFWEEK()",
            cmp(Field::Resolved, CmpOp::Ge, ms(2026, 1, 5, 0, 0)),
        );
        check(
            "resolved >= startOfMonth(+1d)",
            cmp(Field::Resolved, CmpOp::Ge, ms(2026, 1, 2, 0, 0)),
        );
        check(
            "resolved >= startOfYear(-1h)",
            cmp(Field::Resolved, CmpOp::Ge, ms(2025, 12, 31, 23, 0)),
        );
        // A relative time with `=` is an instant, not a day.
        check(
            "created = startOfDay()",
            cmp(Field::Created, CmpOp::Eq, ms(2026, 1, 7, 0, 0)),
        );
        check(
            "resolved is empty",
            Filter::Empty {
                field: Field::Resolved,
                negated: false,
            },
        );
    }

    #[test]
    fn start_of_week_on_a_monday_and_a_sunday() {
        for (day, monday) in [(5, 5), (11, 5), (12, 12)] {
            let now = Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap();
            let q = compile("created >= startOfWeek()", &schema(), now).unwrap();
            assert_eq!(
                q.filter,
                cmp(Field::Created, CmpOp::Ge, ms(2026, 1, monday, 0, 0)),
                "{day}"
            );
        }
    }

    #[test]
    fn custom_fields() {
        check(
            "due < 2026-02-01",
            cmp(
                Field::Custom("due".into()),
                CmpOp::Lt,
                Scalar::Date("2026-02-01".into()),
            ),
        );
        check(
            "due <= +1w",
            cmp(
                Field::Custom("due".into()),
                CmpOp::Le,
                Scalar::Date("2026-01-14".into()),
            ),
        );
        check(
            "due >= startOfMonth()",
            cmp(
                Field::Custom("due".into()),
                CmpOp::Ge,
                Scalar::Date("2026-01-01".into()),
            ),
        );
        check(
            "severity = s1",
            cmp(Field::Custom("Severity".into()), CmpOp::Eq, text("S1")),
        );
        check(
            "CUSTOMER = \"ACME\"",
            cmp(Field::Custom("customer".into()), CmpOp::Eq, text("ACME")),
        );
        check(
            "due is empty",
            Filter::Empty {
                field: Field::Custom("due".into()),
                negated: false,
            },
        );
    }

    #[test]
    fn boolean_structure_is_flattened() {
        let k = |v: &str| cmp(Field::Kind, CmpOp::Eq, text(v));
        check(
            "kind = bug and (kind = task and kind = epic)",
            Filter::And(vec![k("bug"), k("task"), k("epic")]),
        );
        check(
            "not kind = bug or (kind = task or kind = epic and kind = story)",
            Filter::Or(vec![
                Filter::Not(Box::new(k("bug"))),
                k("task"),
                Filter::And(vec![k("epic"), k("story")]),
            ]),
        );
        check(
            "kind = bug and created = 2026-01-05",
            Filter::And(vec![
                k("bug"),
                cmp(Field::Created, CmpOp::Ge, ms(2026, 1, 5, 0, 0)),
                cmp(Field::Created, CmpOp::Lt, ms(2026, 1, 6, 0, 0)),
            ]),
        );
    }

    #[test]
    fn field_errors() {
        check_err("kidn = story", "unknown field `kidn`", "kidn");
        assert!(
            help("kidn = story").starts_with("did you mean `kind`? fields: key, product, kind,")
        );
        assert!(help("foo = 1").ends_with("goal, risk, customer, due, Severity"));
        check_err("rank = 1", "`rank` can only be used in ORDER BY", "rank");
        check_err("ORDER BY label", "cannot order by `label`", "label");
        check_err("ORDER BY rnak", "unknown field `rnak`", "rnak");
        assert!(help("ORDER BY rnak").starts_with("did you mean `rank`?"));
    }

    #[test]
    fn operator_errors() {
        check_err("kind < story", "`kind` does not support `<`", "<");
        assert_eq!(help("kind < story"), "`kind` supports =, !=, IN and NOT IN");
        check_err(
            "kind is empty",
            "`kind` is never empty, so `IS EMPTY` does not apply",
            "is empty",
        );
        check_err(
            "created is not empty",
            "`created` is never empty, so `IS NOT EMPTY` does not apply",
            "is not empty",
        );
        check_err("text = refund", "`text` does not support `=`", "=");
        assert!(help("text = refund").contains("text ~ \"words\""));
        check_err(
            "text is empty",
            "`text` does not support `IS EMPTY`",
            "is empty",
        );
        check_err(
            "label ~ x",
            "`~` (full-text search) only works on `title` and `text`",
            "~",
        );
        check_err("title in (a)", "`title` does not support `IN`", "in");
        check_err(
            "created not in (2026-01-01)",
            "`created` does not support `NOT IN`",
            "not in",
        );
        check_err("label > a", "`label` does not support `>`", ">");
    }

    #[test]
    fn value_errors() {
        check_err("kind = stroy", "unknown kind `stroy`", "stroy");
        assert_eq!(
            help("kind = stroy"),
            "did you mean `story`? kinds: requirement, epic, story, task, bug, spike, debt"
        );
        check_err("state in (todo, doing)", "unknown state `doing`", "doing");
        check_err("severity = s9", "`s9` is not a value of `severity`", "s9");
        assert_eq!(
            help("severity = s9"),
            "did you mean `S1`? values of `severity`: S1, S2, S3"
        );
        check_err(
            "estimate = high",
            "`estimate` takes a number, not `high`",
            "high",
        );
        check_err(
            "estimate = 1e9",
            "`estimate` takes a number, not `1e9`",
            "1e9",
        );
        check_err(
            "estimate > now()",
            "`estimate` takes a number, not `now()`",
            "now()",
        );
        check_err("key = 12", "`12` is not an item key", "12");
        check_err("parent = PAY-", "`PAY-` is not an item key", "PAY-");
        check_err(
            "product = \"P Q\"",
            "`P Q` is not a product prefix",
            "\"P Q\"",
        );
        check_err(
            "created > yesterday",
            "`created` takes a date or time, not `yesterday`",
            "yesterday",
        );
        assert!(help("created > yesterday").contains("startOfWeek(-1w)"));
        check_err(
            "created > 2026-02-30",
            "`2026-02-30` is not a valid date",
            "2026-02-30",
        );
        check_err(
            "created > 2026-02-03T25:00Z",
            "`2026-02-03T25:00Z` is not a valid date-time",
            "2026-02-03T25:00Z",
        );
        check_err(
            "due = 2026-02-03T10:00:00Z",
            "`due` takes a date, not a date-time",
            "2026-02-03T10:00:00Z",
        );
        check_err(
            "created > -99999999999w",
            "the offset `-99999999999w` is too large",
            "-99999999999w",
        );
        check_err(
            "created > -99999999999999999999d",
            "the offset `-99999999999999999999d` is too large",
            "-99999999999999999999d",
        );
        check_err(
            "created > -2000000000d",
            "`-2000000000d` is out of the supported date range",
            "-2000000000d",
        );
        check_err(
            "created > startOfWeek(x)",
            "expected an offset such as -1w, +2d, -3h or -30m, found `x`",
            "x",
        );
        check_err(
            "created > startOfWeek(-1w, 2d)",
            "`startOfWeek()` takes at most one offset",
            "2d",
        );
        check_err(
            "created > startOfWek()",
            "unknown function `startOfWek`",
            "startOfWek",
        );
        assert!(help("created > startOfWek()").starts_with("did you mean `startOfWeek`?"));
        check_err(
            "label = blocks(PAY-1)",
            "`label` takes text, not a function call",
            "blocks(PAY-1)",
        );
        check_err(
            "title ~ \"  \"",
            "`~` needs at least one word to search for",
            "\"  \"",
        );
    }

    #[test]
    fn link_errors() {
        check_err("blocks(PAY)", "`PAY` is not an item key", "PAY");
        check_err("blocks(12-PAY)", "`12-PAY` is not an item key", "12-PAY");
        check_err("blocks()", "`blocks` takes an item key", "blocks()");
        check_err("blocks(A-1, B-2)", "`blocks` takes one item key", "B-2");
        check_err("blocs(A-1)", "unknown function `blocs`", "blocs");
        assert!(help("blocs(A-1)").starts_with("did you mean `blocks`?"));
        check_err("now()", "`now()` is a value, not a clause", "now()");
    }

    #[test]
    fn helpers() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("café", "cafe"), 1);
        assert_eq!(parse_number("+2.50"), Some(2.5));
        assert_eq!(parse_number("2."), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(normalize_key("ab1-0007"), Some("AB1-7".into()));
        assert_eq!(normalize_key("a-b-1"), None);
        assert_eq!(did_you_mean("x", &["y"]), "");
    }
}
