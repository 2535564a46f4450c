//! Snapshot tests: syntax trees, compiled IR and rendered diagnostics.
//! Review changes to the `.snap` files by reading them.

use crate::{now, schema};
use cairn_query::{compile, parse};

/// The query followed by what it produces, so a snapshot reads on its own.
fn show(query: &str, result: impl std::fmt::Debug) -> String {
    format!("query: {query}\n\n{result:#?}")
}

#[test]
fn syntax_trees() {
    let cases = [
        (
            "ast_precedence",
            "kind = story AND (label = \"a b\" OR NOT parent IS EMPTY) ORDER BY created DESC",
        ),
        ("ast_date_function", "resolved >= startOfWeek(-1w)"),
        ("ast_not_in", "key NOT IN (PAY-1, 'PAY-2')"),
        ("ast_link_function", "blocks(PAY-12)"),
        ("ast_escaped_string", r#"title ~ "say \"hi\"""#),
        ("ast_non_ascii_spans", "label = café AND estimate < 2.5"),
    ];
    for (name, query) in cases {
        insta::assert_snapshot!(name, show(query, parse(query).unwrap()));
    }
}

#[test]
fn compiled_queries() {
    let cases = [
        (
            "ir_not_done_payments",
            "category != done AND label = \"payments\" ORDER BY rank",
        ),
        ("ir_full_text", "text ~ \"refund\" OR title ~ chargeback"),
        (
            "ir_resolved_last_week",
            "resolved >= startOfWeek(-1w) AND kind IN (story, bug) ORDER BY resolved DESC",
        ),
        ("ir_links", "blocks(PAY-12) OR blockedBy(pay-7)"),
        ("ir_date_equals_whole_day", "created = 2026-01-05"),
        (
            "ir_date_not_equals",
            "created != 2026-01-05 AND updated < 2026-01-05T10:00:00Z",
        ),
        (
            "ir_not_group",
            "NOT (state IN (done, cancelled) OR assignee IS EMPTY) AND estimate >= 3",
        ),
        (
            "ir_stale_in_progress",
            "updated < -7d AND category = In-Progress ORDER BY updated ASC, key",
        ),
        (
            "ir_custom_fields",
            "due <= +2w AND severity IN (S1, s2) AND risk > 0.5",
        ),
        ("ir_empty_query", ""),
        ("ir_order_only", "ORDER BY points DESC"),
    ];
    for (name, query) in cases {
        insta::assert_snapshot!(name, show(query, compile(query, &schema(), now()).unwrap()));
    }
}

#[test]
fn rendered_errors() {
    let cases = [
        ("err_missing_value", "kind = "),
        ("err_dangling_and", "kind = story AND"),
        ("err_unclosed_paren", "label = x OR (kind = story"),
        ("err_missing_operator", "kind story"),
        ("err_unterminated_string", "title ~ \"refund"),
        ("err_trailing_garbage", "kind = story bug"),
        ("err_unmatched_close", "kind = story)"),
        ("err_order_by_without_field", "kind = story ORDER BY"),
        ("err_order_by_unknown", "ORDER BY label"),
        ("err_unknown_field", "kidn = story"),
        ("err_unknown_kind", "kind = stroy"),
        ("err_bad_time", "created > yesterday"),
        ("err_invalid_date", "created = 2026-02-30"),
        ("err_not_a_number", "estimate = high"),
        ("err_text_needs_tilde", "text = refund"),
        ("err_bad_key", "blocks(PAY)"),
        ("err_never_empty", "state IS EMPTY"),
        ("err_keyword_as_value", "label = AND"),
        ("err_non_ascii_columns", "label = \"café\" AND title ! x"),
        ("err_multiline", "kind = story\n  AND estimat > 3"),
    ];
    for (name, query) in cases {
        let diag = compile(query, &schema(), now()).unwrap_err();
        insta::assert_snapshot!(name, format!("query: {query:?}\n\n{}", diag.render(query)));
    }
}
