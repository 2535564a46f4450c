//! Property: any sequence of moves keeps ranks strictly increasing and
//! unique, in the order a plain Vec model predicts (SQLite).

use crate::harness::{T0, k, new};
use cairn_app::{App, Position, SimClock};
use cairn_core::{ItemKey, Kind};
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Move {
    Top(usize),
    Bottom(usize),
    Before(usize, usize),
    After(usize, usize),
}

fn moves(n: usize) -> impl Strategy<Value = Vec<Move>> {
    let one = prop_oneof![
        (0..n).prop_map(Move::Top),
        (0..n).prop_map(Move::Bottom),
        (0..n, 0..n).prop_map(|(a, b)| Move::Before(a, b)),
        (0..n, 0..n).prop_map(|(a, b)| Move::After(a, b)),
    ];
    prop::collection::vec(one, 1..40)
}

fn key(i: usize) -> ItemKey {
    k(&format!("PAY-{}", i + 1))
}

/// Apply a move to the model; false if the app must refuse it.
fn apply(model: &mut Vec<usize>, m: &Move) -> bool {
    let pos =
        |model: &Vec<usize>, x: usize| model.iter().position(|&y| y == x).unwrap_or(usize::MAX);
    match *m {
        Move::Top(a) => {
            model.retain(|&x| x != a);
            model.insert(0, a);
        }
        Move::Bottom(a) => {
            model.retain(|&x| x != a);
            model.push(a);
        }
        Move::Before(a, b) | Move::After(a, b) => {
            if a == b {
                return false;
            }
            model.retain(|&x| x != a);
            let at = pos(model, b) + usize::from(matches!(m, Move::After(..)));
            model.insert(at, a);
        }
    }
    true
}

fn open(n: usize) -> App {
    let clock = Arc::new(SimClock::new(T0));
    let mut app = App::open_with_clock("sqlite::memory:", "ann", Box::new(clock)).unwrap();
    app.init().unwrap();
    app.product_add("PAY", "Payments").unwrap();
    for i in 0..n {
        app.item_add(new(Kind::Story, &format!("Item {i}")), None)
            .unwrap();
    }
    app
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn moves_keep_ranks_unique_increasing_and_as_modelled(
        (n, ms) in (2usize..7).prop_flat_map(|n| (Just(n), moves(n)))
    ) {
        let mut app = open(n);
        let mut model: Vec<usize> = (0..n).collect();
        for m in &ms {
            let (a, to) = match *m {
                Move::Top(a) => (a, Position::Top),
                Move::Bottom(a) => (a, Position::Bottom),
                Move::Before(a, b) => (a, Position::Before(key(b))),
                Move::After(a, b) => (a, Position::After(key(b))),
            };
            let allowed = apply(&mut model, m);
            let r = app.item_move(&key(a), &to, None, None);
            prop_assert_eq!(r.is_ok(), allowed, "{:?}: {:?}", m, r.err());

            let items = app.query("ORDER BY rank", cairn_store::Page { limit: 100, offset: 0 }).unwrap().items;
            let ranks: Vec<&str> = items.iter().map(|i| i.rank.as_str()).collect();
            prop_assert!(ranks.windows(2).all(|w| w[0] < w[1]), "ranks not strictly increasing: {:?}", ranks);
            prop_assert!(ranks.iter().all(|r| cairn_core::rank::is_valid(r)), "invalid rank in {:?}", ranks);
            let order: Vec<ItemKey> = items.iter().map(|i| i.key.clone()).collect();
            let want: Vec<ItemKey> = model.iter().map(|&i| key(i)).collect();
            prop_assert_eq!(order, want, "after {:?}", m);
        }
        // Byte order in the database is the order Rust sees.
        let mut sorted = app.query("ORDER BY rank", Default::default()).unwrap().items;
        sorted.sort_by(|x, y| x.rank.cmp(&y.rank));
        let keys: Vec<ItemKey> = sorted.into_iter().map(|i| i.key).collect();
        prop_assert_eq!(keys, model.iter().map(|&i| key(i)).collect::<Vec<_>>());
    }
}

fn query_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop_oneof![
            Just("kind"),
            Just("state"),
            Just("category"),
            Just("label"),
            Just("title"),
            Just("text"),
            Just("estimate"),
            Just("created"),
            Just("resolved"),
            Just("assignee"),
            Just("key"),
            Just("parent"),
            Just("release"),
            Just("goal"),
            Just("rank"),
            Just("product"),
            Just("points"),
            Just("colour"),
        ],
        prop_oneof![
            Just("="),
            Just("!="),
            Just("<"),
            Just(">="),
            Just("~"),
            Just("IN"),
            Just("NOT"),
            Just("IS"),
            Just("EMPTY"),
            Just("AND"),
            Just("OR"),
            Just("ORDER BY"),
            Just("DESC"),
            Just("("),
            Just(")"),
            Just(","),
        ],
        prop_oneof![
            Just("story"),
            Just("done"),
            Just("PAY-1"),
            Just("pay-2"),
            Just("PAY-99"),
            Just("3"),
            Just("-7d"),
            Just("2026-02-30"),
            Just("2026-01-05T10:00:00Z"),
            Just("\"x'y\""),
            Just("'é'"),
            Just("\"unterminated"),
            Just("startOfWeek()"),
            Just("now(-1h)"),
            Just("blocks(PAY-1)"),
            Just("childrenOf(PAY-9)"),
            Just("1e400"),
            Just("99999999999999999999"),
            Just("\"café ☕\""),
            Just("🦀"),
            Just("\\"),
            Just("\"\\\"\""),
            Just("NEAR"),
            Just("*"),
            Just("^"),
            Just("'"),
            Just("\u{301}"),
        ],
    ];
    prop_oneof![
        "\\PC{0,30}",
        prop::collection::vec(token, 0..12).prop_map(|v| v.join(" ")),
        prop::collection::vec("[a-z(),=~'\" é-]{1,3}", 0..10).prop_map(|v| v.concat()),
    ]
}

/// Queries are user input: whatever the text, the answer is rows, a query
/// error pointing into the text, or "no such item" — never a panic and
/// never a database error.
#[test]
fn any_query_text_gets_rows_or_a_pointed_error() {
    use cairn_app::AppError;
    use std::cell::RefCell;
    let app = RefCell::new(open(3));
    app.borrow_mut()
        .link(&k("PAY-1"), "blocks", &k("PAY-2"), None)
        .unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 400,
        ..ProptestConfig::default()
    });
    runner
        .run(&query_text(), |src| {
            match app.borrow_mut().query(&src, cairn_store::Page::default()) {
                Ok(_) | Err(AppError::NotFound(_)) => {}
                Err(AppError::Query {
                    rendered, column, ..
                }) => {
                    prop_assert!(
                        rendered.contains('^'),
                        "no caret for {:?}:\n{}",
                        src,
                        rendered
                    );
                    prop_assert!(
                        column >= 1 && column <= src.chars().count() + 1,
                        "column {} for {:?}",
                        column,
                        src
                    );
                }
                Err(e) => prop_assert!(false, "{:?} gave {:?}", src, e),
            }
            Ok(())
        })
        .unwrap();
}
