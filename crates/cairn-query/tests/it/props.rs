//! Property tests: no input makes `parse` or `compile` panic, every
//! diagnostic points inside the query, and the canonical printer
//! round-trips.

use crate::{now, schema};
use cairn_query::ast::{
    Call, Clause, CompareOp, Direction, Expr, ExprKind, Ident, OrderKey, Predicate, QueryAst,
    Value, ValueKind,
};
use cairn_query::{Diagnostic, compile, parse};
use proptest::prelude::*;

/// Parse and compile `src`; check any diagnostic is well-formed.
fn exercise(src: &str) {
    for diag in [parse(src).err(), compile(src, &schema(), now()).err()]
        .into_iter()
        .flatten()
    {
        check_diagnostic(src, &diag);
    }
    if let Ok(ast) = parse(src) {
        // What parses, prints canonically and parses back the same.
        let printed = ast.to_string();
        let reparsed =
            parse(&printed).unwrap_or_else(|d| panic!("{printed:?}: {}", d.render(&printed)));
        assert_eq!(reparsed.without_spans(), ast.without_spans(), "{printed:?}");
    }
}

fn check_diagnostic(src: &str, diag: &Diagnostic) {
    let span = &diag.span;
    assert!(
        span.start <= span.end && span.end <= src.len(),
        "{span:?} outside {src:?}"
    );
    assert!(
        src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
        "{span:?} in {src:?}"
    );
    assert!(!diag.message.is_empty());
    let rendered = diag.render(src);
    assert!(rendered.contains('^'), "{rendered}");
}

/// Pieces of the language, valid and not, to build token soups from.
const TOKENS: &[&str] = &[
    "kind",
    "Kind",
    "state",
    "status",
    "category",
    "title",
    "text",
    "label",
    "labels",
    "assignee",
    "estimate",
    "points",
    "created",
    "updated",
    "resolved",
    "parent",
    "release",
    "goal",
    "rank",
    "key",
    "product",
    "type",
    "risk",
    "customer",
    "due",
    "severity",
    "foo",
    "AND",
    "and",
    "OR",
    "NOT",
    "IN",
    "IS",
    "EMPTY",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "~",
    "!",
    "(",
    ")",
    ",",
    "\"",
    "'",
    "\\",
    "\"quoted words\"",
    "'it\\'s'",
    "\"\"",
    "story",
    "bug",
    "done",
    "todo",
    "in-progress",
    "Done",
    "S1",
    "s3",
    "PAY-12",
    "pay-1",
    "PAY-",
    "12",
    "3",
    "2.5",
    "-1",
    "1e9",
    "2026-01-05",
    "2026-02-30",
    "2026-01-05T10:00:00Z",
    "2026-13-01T99:00",
    "-7d",
    "+2w",
    "-3h",
    "-30m",
    "-99999999999999999999w",
    "-2000000000d",
    "now",
    "now()",
    "startOfDay",
    "startOfWeek",
    "startOfMonth",
    "startOfYear",
    "blocks",
    "blockedBy",
    "childrenOf",
    "implements",
    "verifies",
    "relates",
    "café",
    "€",
    "\n",
    "\t",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(TOKENS), prop::bool::ANY), 0..30).prop_map(
        |parts| {
            let mut s = String::new();
            for (token, space) in parts {
                s.push_str(token);
                if space {
                    s.push(' ');
                }
            }
            s
        },
    )
}

const RESERVED: &[&str] = &["AND", "OR", "NOT", "IN", "IS", "EMPTY", "ORDER"];

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_./:+é-]{1,8}".prop_filter("reserved words cannot be bare", |w| {
        !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(w))
    })
}

/// Real field and function names most of the time, so generated queries
/// also get through validation; random words otherwise.
const NAMES: &[&str] = &[
    "kind",
    "state",
    "category",
    "title",
    "text",
    "label",
    "assignee",
    "estimate",
    "created",
    "updated",
    "resolved",
    "parent",
    "release",
    "goal",
    "rank",
    "key",
    "product",
    "risk",
    "customer",
    "due",
    "severity",
    "now",
    "startOfWeek",
    "startOfMonth",
    "blocks",
    "childrenOf",
    "relates",
];

const VALUES: &[&str] = &[
    "story",
    "Bug",
    "done",
    "in-progress",
    "S2",
    "PAY-12",
    "pay-3",
    "3",
    "2.5",
    "2026-01-05",
    "2026-01-05T10:00:00Z",
    "-7d",
    "+2w",
    "-30m",
    "payments",
];

fn ident() -> impl Strategy<Value = Ident> {
    prop_oneof![
        2 => prop::sample::select(NAMES).prop_map(str::to_string),
        1 => word(),
    ]
    .prop_map(|name| Ident { name, span: 0..0 })
}

fn leaf_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(VALUES).prop_map(|v| ValueKind::Word(v.to_string())),
        prop::sample::select(VALUES).prop_map(|v| ValueKind::Str(v.to_string())),
        word().prop_map(ValueKind::Word),
        any::<String>().prop_map(ValueKind::Str),
        "[\"'\\\\ a]{0,4}".prop_map(ValueKind::Str),
    ]
    .prop_map(|kind| Value { kind, span: 0..0 })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => leaf_value(),
        1 => call(leaf_value()).prop_map(|c| Value { kind: ValueKind::Call(c), span: 0..0 }),
    ]
}

fn call(arg: impl Strategy<Value = Value>) -> impl Strategy<Value = Call> {
    (ident(), prop::collection::vec(arg, 0..3)).prop_map(|(name, args)| Call { name, args })
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let op = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Match,
    ]);
    prop_oneof![
        (op, value()).prop_map(|(op, value)| Predicate::Compare { op, value }),
        (any::<bool>(), prop::collection::vec(value(), 1..4))
            .prop_map(|(negated, values)| Predicate::In { negated, values }),
        any::<bool>().prop_map(|negated| Predicate::Empty { negated }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let clause = (ident(), predicate()).prop_map(|(field, predicate)| {
        ExprKind::Clause(Clause {
            field,
            op_span: 0..0,
            predicate,
        })
    });
    let leaf = prop_oneof![3 => clause, 1 => call(value()).prop_map(ExprKind::Call)]
        .prop_map(|kind| Expr { kind, span: 0..0 });
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(ExprKind::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(ExprKind::Or),
            inner.prop_map(|x| ExprKind::Not(Box::new(x))),
        ]
        .prop_map(|kind| Expr { kind, span: 0..0 })
    })
}

fn query() -> impl Strategy<Value = QueryAst> {
    let direction = prop::option::of(prop::sample::select(vec![Direction::Asc, Direction::Desc]));
    let key = (ident(), direction).prop_map(|(field, direction)| OrderKey {
        field,
        direction,
        span: 0..0,
    });
    (prop::option::of(expr()), prop::collection::vec(key, 0..3))
        .prop_map(|(filter, order_by)| QueryAst { filter, order_by })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in any::<String>()) {
        exercise(&src);
    }

    #[test]
    fn token_soup_never_panics(src in soup()) {
        exercise(&src);
    }

    #[test]
    fn printed_asts_parse_back(ast in query()) {
        let printed = ast.to_string();
        let reparsed = parse(&printed).unwrap_or_else(|d| panic!("{printed:?}: {}", d.render(&printed)));
        prop_assert_eq!(reparsed.without_spans(), ast.without_spans(), "{:?}", printed);
        // Printing is canonical: printing the reparsed tree changes nothing.
        prop_assert_eq!(&reparsed.to_string(), &printed);
        // And whatever it means, compiling it does not panic.
        if let Err(diag) = compile(&printed, &schema(), now()) {
            check_diagnostic(&printed, &diag);
        }
    }
}

#[test]
fn tricky_inputs_do_not_panic() {
    let deep = format!("{}kind = story{}", "(".repeat(5000), ")".repeat(5000));
    let nots = "NOT ".repeat(5000) + "kind = story";
    let wide = vec!["kind = story"; 5000].join(" AND ");
    for src in [
        deep.as_str(),
        &nots,
        &wide,
        "\u{0}",
        "\"\\",
        "'",
        "é(",
        "kind = é\"",
        "x IN (",
        "f(,",
    ] {
        exercise(src);
    }
    assert!(compile(&wide, &schema(), now()).is_ok());
}
