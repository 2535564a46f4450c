//! The query language end to end, on a small backlog.

use crate::harness::*;
use crate::items::config_with_fields;
use cairn_app::{AppError, NewItem};
use cairn_core::Kind;
use cairn_store::Page;

/// Six items (PAY-1..6) created over a month, with links:
/// PAY-3 blocks PAY-1, PAY-1 blocks PAY-6, PAY-1 implements PAY-4, PAY-5 is
/// a child of PAY-1.
fn backlog(fx: &mut Fx) {
    fx.workspace();
    fx.app.config_apply(&config_with_fields(), None).unwrap();
    fx.app.person_add("ann", "Ann", None).unwrap();
    fx.app.person_add("bob", "Bob", None).unwrap();
    let item = |kind, title: &str| NewItem {
        kind: Some(kind),
        title: title.into(),
        ..NewItem::default()
    };
    let f = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    let l = |ls: &[&str]| ls.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    fx.set_time(T0 - 30 * DAY);
    let items = vec![
        NewItem {
            labels: l(&["payments", "refunds"]),
            estimate: Some(5.0),
            assignee: Some("ann".into()),
            fields: f(&[
                ("customer_value", "8"),
                ("risk", "high"),
                ("due", "2026-02-01"),
            ]),
            ..item(Kind::Story, "Refund a card payment")
        },
        NewItem {
            description: "Lists refunds and charges".into(),
            state: Some("done".into()),
            labels: l(&["payments"]),
            estimate: Some(3.0),
            fields: f(&[("customer_value", "3"), ("risk", "low")]),
            ..item(Kind::Story, "Monthly statement")
        },
        NewItem {
            state: Some("in-progress".into()),
            labels: l(&["checkout"]),
            estimate: Some(1.0),
            assignee: Some("bob".into()),
            fields: f(&[("risk", "medium")]),
            ..item(Kind::Bug, "Checkout crashes on an empty cart")
        },
        NewItem {
            description: "A refund must be possible for 90 days".into(),
            ..item(Kind::Requirement, "Customers can get their money back")
        },
        NewItem {
            labels: l(&["api", "payments"]),
            estimate: Some(2.0),
            assignee: Some("ann".into()),
            fields: f(&[("customer_value", "5")]),
            parent: Some(k("PAY-1")),
            ..item(Kind::Task, "Write the endpoint")
        },
        NewItem {
            acceptance: "Given a refunded payment, the ledger shows it".into(),
            labels: l(&["payments"]),
            estimate: Some(8.0),
            fields: f(&[("customer_value", "1"), ("due", "2026-01-20")]),
            ..item(Kind::Story, "Export the ledger")
        },
    ];
    let created = [
        T0 - 30 * DAY,
        T0 - 30 * DAY,
        T0 - 10 * DAY,
        T0 - 3 * DAY,
        T0 - DAY,
        T0,
    ];
    for (n, (it, at)) in items.into_iter().zip(created).enumerate() {
        fx.set_time(at);
        let key = fx.app.item_add(it, None).unwrap().key;
        assert_eq!(key.number, n as i64 + 1);
    }
    fx.app
        .link(&k("PAY-3"), "blocks", &k("PAY-1"), None)
        .unwrap();
    fx.app
        .link(&k("PAY-6"), "blocked-by", &k("PAY-1"), None)
        .unwrap();
    fx.app
        .link(&k("PAY-1"), "implements", &k("PAY-4"), None)
        .unwrap();
    fx.set_time(T0);
}

fn filters_match_the_expected_items(fx: &mut Fx) {
    backlog(fx);
    let app = &mut fx.app;
    let cases: &[(&str, &[i64])] = &[
        ("", &[1, 2, 3, 4, 5, 6]),
        (
            "category != done AND label = \"payments\" ORDER BY rank",
            &[1, 5, 6],
        ),
        ("label = payments", &[1, 2, 5, 6]),
        ("label != payments", &[3, 4]),
        ("label IN (checkout, api)", &[3, 5]),
        ("label NOT IN (checkout, api)", &[1, 2, 4, 6]),
        ("label IS EMPTY", &[4]),
        // Full text over title, description and acceptance, with stemming.
        ("text ~ \"refund\"", &[1, 2, 4, 6]),
        ("text ~ refunds", &[1, 2, 4, 6]),
        ("text ~ \"refunded payment\"", &[1, 6]),
        ("title ~ refund", &[1]),
        ("title ~ \"refunds\"", &[1]),
        ("title ~ ledger", &[6]),
        ("text ~ nothingmatcheshere", &[]),
        ("estimate >= 3", &[1, 2, 6]),
        ("estimate < 3", &[3, 5]),
        ("estimate = 2", &[5]),
        ("estimate IS EMPTY", &[4]),
        ("assignee IS EMPTY", &[2, 4, 6]),
        ("assignee = ann", &[1, 5]),
        ("assignee != ann", &[3]),
        ("assignee != ann OR assignee IS EMPTY", &[2, 3, 4, 6]),
        ("kind IN (bug, requirement)", &[3, 4]),
        ("type = STORY", &[1, 2, 6]),
        ("NOT kind = story", &[3, 4, 5]),
        (
            "kind = story AND (label = refunds OR estimate > 5)",
            &[1, 6],
        ),
        ("state = in-progress", &[3]),
        ("resolved IS NOT EMPTY", &[2]),
        ("blocks(PAY-1)", &[3]),
        ("blockedBy(PAY-1)", &[6]),
        ("blockedBy(PAY-3)", &[1]),
        ("childrenOf(PAY-1)", &[5]),
        ("implements(PAY-4)", &[1]),
        ("parent = PAY-1", &[5]),
        ("parent IS EMPTY", &[1, 2, 3, 4, 6]),
        ("key IN (pay-2, PAY-4)", &[2, 4]),
        ("created >= -7d", &[4, 5, 6]),
        ("created < -7d", &[1, 2, 3]),
        ("created >= startOfWeek()", &[6]),
        ("created = 2026-01-02", &[4]),
        ("updated >= -2d AND kind = task", &[5]),
        // Custom fields.
        ("customer_value > 4", &[1, 5]),
        ("customer_value != 8", &[2, 5, 6]),
        ("customer_value IS EMPTY", &[3, 4]),
        ("risk = HIGH", &[1]),
        ("risk IN (low, medium)", &[2, 3]),
        ("risk IS EMPTY", &[4, 5, 6]),
        ("due < 2026-01-31", &[6]),
        ("due >= 2026-01-31", &[1]),
        ("due < +20d", &[6]),
    ];
    for (src, want) in cases {
        assert_eq!(q(app, src), pay(want), "query `{src}`");
    }
}

fn ordering_pagination_and_errors(fx: &mut Fx) {
    backlog(fx);
    let app = &mut fx.app;
    assert_eq!(
        q(app, "ORDER BY estimate DESC"),
        pay(&[6, 1, 2, 5, 3, 4]),
        "empty estimates last"
    );
    assert_eq!(
        q(app, "ORDER BY estimate ASC"),
        pay(&[3, 5, 2, 1, 6, 4]),
        "empty estimates last"
    );
    assert_eq!(
        q(app, "ORDER BY created DESC, key"),
        pay(&[6, 5, 4, 3, 1, 2])
    );
    assert_eq!(q(app, "ORDER BY key DESC"), pay(&[6, 5, 4, 3, 2, 1]));
    assert_eq!(
        q(app, "label = payments ORDER BY customer_value DESC"),
        pay(&[1, 5, 2, 6])
    );

    // Pagination: a page of rows plus the total count.
    let page = |app: &mut cairn_app::App, limit, offset| {
        let r = app
            .query("ORDER BY estimate DESC", Page { limit, offset })
            .unwrap();
        (
            r.total,
            r.offset,
            r.items
                .into_iter()
                .map(|i| i.key.to_string())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(page(app, 2, 0), (6, 0, pay(&[6, 1])));
    assert_eq!(page(app, 2, 2), (6, 2, pay(&[2, 5])));
    assert_eq!(page(app, 10, 5), (6, 5, pay(&[4])));
    assert_eq!(page(app, 10, 10), (6, 10, pay(&[])));
    let r = app
        .query(
            "label = payments",
            Page {
                limit: 1,
                offset: 1,
            },
        )
        .unwrap();
    assert_eq!(
        (r.total, r.items.len(), r.items[0].key.to_string()),
        (4, 1, "PAY-2".to_string())
    );
    // Items come back whole: labels and fields too.
    let r = app.query("key = PAY-1", Page::default()).unwrap();
    assert_eq!(r.items[0].labels, vec!["payments", "refunds"]);
    assert_eq!(r.items[0].fields.len(), 3);

    // A malformed query: AppError::Query with a caret under the problem.
    for (src, col, msg) in [
        ("kind = ", 8, "expected a value"),
        ("kind = stroy", 8, "unknown kind `stroy`"),
        ("estimate >= lots", 13, ""),
    ] {
        let e = err(app.query(src, Page::default()));
        match &e {
            AppError::Query {
                rendered,
                message,
                column,
            } => {
                assert!(rendered.contains('^'), "no caret in:\n{rendered}");
                assert!(
                    rendered.contains(src.trim_end()),
                    "the query is not shown in:\n{rendered}"
                );
                assert!(message.contains(msg), "{message}");
                assert_eq!(*column, col, "column of the problem in `{src}`: {rendered}");
            }
            other => panic!("`{src}`: expected a query error, got {other:?}"),
        }
        assert_eq!((e.code(), e.exit_code()), ("bad_query", 2));
    }
    let e = err(app.query("kind = stroy", Page::default()));
    let caret_line = e
        .to_string()
        .lines()
        .find(|l| l.contains('^'))
        .unwrap()
        .to_string();
    assert_eq!(
        caret_line, "  |        ^^^^^",
        "the carets sit under `stroy`"
    );
    assert!(matches!(
        err(app.query("colour = red", Page::default())),
        AppError::Query { .. }
    ));

    // An unknown key in a link function is not found, not an empty result.
    let e = err(app.query("blocks(PAY-999)", Page::default()));
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert_contains(&e.to_string(), &["PAY-999"]);
    assert!(matches!(
        err(app.query("NOT childrenOf(PAY-77)", Page::default())),
        AppError::NotFound(_)
    ));
}

fn injection_looking_values_are_just_values(fx: &mut Fx) {
    backlog(fx);
    let app = &mut fx.app;
    for src in [
        "title ~ \"x'; DROP TABLE items; --\"",
        "text ~ \"x'); DELETE FROM items; --\"",
        "label = \"a' OR '1'='1\"",
        "title = \"x' OR 1=1 --\"",
        "assignee = \"' OR ''='\"",
        "risk IS EMPTY AND label IN (\"a') OR ('1'='1\")",
        "text ~ \"refund OR NOT x NEAR(y) * ^\"",
        "title ~ \"\\\"\"",
    ] {
        let r = app
            .query(src, Page::default())
            .unwrap_or_else(|e| panic!("`{src}`: {e}"));
        assert_eq!(
            (r.total, r.items.len()),
            (0, 0),
            "`{src}` matched {:?}",
            r.items.iter().map(|i| &i.key).collect::<Vec<_>>()
        );
    }
    // The table is intact and still searchable.
    assert_eq!(item_count(app), 6);
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM item_labels"), 7);
    assert_eq!(q(app, ""), pay(&[1, 2, 3, 4, 5, 6]));
    assert_eq!(q(app, "text ~ refund"), pay(&[1, 2, 4, 6]));

    // Hostile text stored in an item is data too.
    let mut n = new(Kind::Story, "x'; DROP TABLE items; --");
    n.labels = vec!["a'OR'1'='1".into()];
    let key = app.item_add(n, None).unwrap().key;
    assert_eq!(
        q(app, "title = \"x'; DROP TABLE items; --\""),
        vec![key.to_string()]
    );
    assert_eq!(q(app, "label = \"a'OR'1'='1\""), vec![key.to_string()]);
    assert_eq!(q(app, "title ~ \"drop table\""), vec![key.to_string()]);
    assert_eq!(item_count(app), 7);
}

/// `NOT x = v` leaves out items whose x is empty, as JQL does and as the
/// store's own comment on `Filter::Not` promises; custom fields are
/// single-valued fields like estimate.
fn not_treats_empty_custom_fields_like_empty_builtin_fields(fx: &mut Fx) {
    backlog(fx);
    let app = &mut fx.app;
    // Built-in single-valued fields: PAY-4 has no estimate, no assignee.
    assert_eq!(q(app, "NOT estimate = 5"), pay(&[2, 3, 5, 6]));
    assert_eq!(q(app, "NOT assignee = ann"), pay(&[3]));
    assert_eq!(q(app, "NOT estimate = 5"), q(app, "estimate != 5"));
    // Custom fields: PAY-3 and PAY-4 have no customer_value; PAY-4..6 no risk.
    assert_eq!(q(app, "customer_value != 8"), pay(&[2, 5, 6]));
    assert_eq!(
        q(app, "NOT customer_value = 8"),
        q(app, "customer_value != 8"),
        "NOT on an empty custom field"
    );
    assert_eq!(
        q(app, "NOT risk = high"),
        pay(&[2, 3]),
        "NOT on an empty custom field"
    );
}

/// A page as large as it gets means "everything" on both backends.
fn the_largest_page_returns_everything(fx: &mut Fx) {
    backlog(fx);
    let r = fx.app.query(
        "",
        Page {
            limit: usize::MAX,
            offset: 0,
        },
    );
    let r = r.unwrap_or_else(|e| {
        panic!("Page {{ limit: usize::MAX }} failed (it is bound as LIMIT -1): {e}")
    });
    assert_eq!((r.total, r.items.len()), (6, 6));
}

/// Items are read back in batches (labels, fields, goals): pages larger
/// than a batch come back whole and in order.
fn large_pages_come_back_whole(fx: &mut Fx) {
    fx.workspace();
    fx.app.config_apply(&config_with_fields(), None).unwrap();
    for n in 1..=150 {
        let mut it = new(Kind::Story, &format!("Item {n}"));
        it.labels = vec![format!("l{n}"), "all".into()];
        it.fields = vec![("customer_value".into(), n.to_string())];
        fx.app.item_add(it, None).unwrap();
    }
    let r = fx
        .app
        .query(
            "label = all ORDER BY customer_value DESC",
            Page {
                limit: 140,
                offset: 5,
            },
        )
        .unwrap();
    assert_eq!((r.total, r.items.len()), (150, 140));
    for (i, item) in r.items.iter().enumerate() {
        let n = 145 - i as i64;
        assert_eq!(item.key.number, n);
        assert_eq!(item.labels, vec!["all".to_string(), format!("l{n}")]);
        assert_eq!(
            item.fields.get("customer_value"),
            Some(&cairn_core::FieldValue::Number(n as f64))
        );
    }
}

/// Full-text search gives the same answers on both backends.
#[test]
fn full_text_search_agrees_across_backends() {
    let mut lite = Fx::new(Backend::Sqlite, "query::full_text_search_agrees");
    let mut pg = Fx::new(Backend::Postgres, "query::full_text_search_agrees");
    for fx in [&mut lite, &mut pg] {
        backlog(fx);
        let mut n = new(Kind::Story, "Café menu for naïve users");
        n.description = "Running totals; the customer's e-mail is shown".into();
        fx.app.item_add(n, None).unwrap();
    }
    let mut differ = Vec::new();
    for src in [
        "text ~ refund",
        "text ~ refunding",
        "text ~ \"money back\"",
        "text ~ \"90 days\"",
        "text ~ checkout",
        "text ~ \"the checkout\"",
        "text ~ \"an empty cart\"",
        "text ~ the",
        "title ~ \"on an empty cart\"",
        "text ~ café",
        "text ~ cafe",
        "text ~ naive",
        "text ~ run",
        "text ~ \"e-mail\"",
        "text ~ \"customer's\"",
    ] {
        let (a, b) = (q(&mut lite.app, src), q(&mut pg.app, src));
        if a != b {
            differ.push(format!("`{src}`: sqlite {a:?}, postgres {b:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "full-text search differs between the backends:\n{}",
        differ.join("\n")
    );
}

both!(
    filters_match_the_expected_items,
    ordering_pagination_and_errors,
    injection_looking_values_are_just_values,
    not_treats_empty_custom_fields_like_empty_builtin_fields,
    the_largest_page_returns_everything,
    large_pages_come_back_whole,
);
