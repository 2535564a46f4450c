//! Ranking: moves put items where asked and write one row.

use crate::harness::*;
use cairn_app::{AppError, Position};
use cairn_core::{ItemKey, Kind};
use std::collections::BTreeMap;

fn versions(fx: &mut Fx) -> BTreeMap<String, (i64, i64, String)> {
    fx.app
        .query(
            "",
            cairn_store::Page {
                limit: 1000,
                offset: 0,
            },
        )
        .unwrap()
        .items
        .into_iter()
        .map(|i| (i.key.to_string(), (i.version, i.updated, i.rank)))
        .collect()
}

/// Move, then check the order and that only the moved item changed.
fn mv(fx: &mut Fx, key: &ItemKey, to: Position, expect: &[i64]) {
    let before = versions(fx);
    let audit_before = audit_count(&mut fx.app);
    fx.advance(MINUTE);
    let moved = fx
        .app
        .item_move(key, &to, None, None)
        .unwrap_or_else(|e| panic!("move {key} {to:?}: {e}"));
    assert_eq!(
        q(&mut fx.app, "ORDER BY rank"),
        pay(expect),
        "after moving {key} {to:?}"
    );
    let after = versions(fx);
    for (k, (v, updated, rank)) in &after {
        let (v0, u0, r0) = &before[k];
        if k == &key.to_string() {
            assert_eq!(*v, v0 + 1, "{k} version");
            assert_eq!(*updated, fx.now(), "{k} updated");
            assert_ne!(rank, r0);
            assert_eq!(rank, &moved.rank);
        } else {
            assert_eq!(
                (v, updated, rank),
                (v0, u0, r0),
                "{k} must not be written by moving {key}"
            );
        }
    }
    assert_eq!(audit_count(&mut fx.app), audit_before + 1);
    let last = fx.app.history(&key.to_string()).unwrap().pop().unwrap();
    assert_eq!(last.action, "item.rank");
}

fn moves_produce_the_expected_order_and_write_one_row(fx: &mut Fx) {
    fx.workspace();
    for n in 1..=5 {
        fx.add(Kind::Story, &format!("Story {n}"));
    }
    assert_eq!(q(&mut fx.app, "ORDER BY rank"), pay(&[1, 2, 3, 4, 5]));
    assert_eq!(
        q(&mut fx.app, ""),
        pay(&[1, 2, 3, 4, 5]),
        "rank is the default order"
    );

    mv(fx, &k("PAY-5"), Position::Top, &[5, 1, 2, 3, 4]);
    mv(fx, &k("PAY-1"), Position::Bottom, &[5, 2, 3, 4, 1]);
    mv(
        fx,
        &k("PAY-4"),
        Position::Before(k("PAY-2")),
        &[5, 4, 2, 3, 1],
    );
    mv(
        fx,
        &k("PAY-5"),
        Position::After(k("PAY-3")),
        &[4, 2, 3, 5, 1],
    );
    mv(
        fx,
        &k("PAY-1"),
        Position::Before(k("PAY-4")),
        &[1, 4, 2, 3, 5],
    );
    mv(
        fx,
        &k("PAY-4"),
        Position::After(k("PAY-5")),
        &[1, 2, 3, 5, 4],
    );
    mv(fx, &k("PAY-3"), Position::Top, &[3, 1, 2, 5, 4]);
    mv(fx, &k("PAY-1"), Position::Top, &[1, 3, 2, 5, 4]);
    assert_eq!(q(&mut fx.app, "ORDER BY rank DESC"), pay(&[4, 5, 2, 3, 1]));

    // A new item goes to the bottom.
    fx.add(Kind::Story, "Story 6");
    assert_eq!(q(&mut fx.app, "ORDER BY rank"), pay(&[1, 3, 2, 5, 4, 6]));

    // Moves to where an item already is write nothing.
    let before = versions(fx);
    let audit_before = audit_count(&mut fx.app);
    fx.app
        .item_move(&k("PAY-1"), &Position::Top, None, None)
        .unwrap();
    fx.app
        .item_move(&k("PAY-6"), &Position::Bottom, None, None)
        .unwrap();
    fx.app
        .item_move(&k("PAY-3"), &Position::After(k("PAY-1")), None, None)
        .unwrap();
    fx.app
        .item_move(&k("PAY-1"), &Position::Before(k("PAY-3")), None, None)
        .unwrap();
    assert_eq!(versions(fx), before);
    assert_eq!(audit_count(&mut fx.app), audit_before);

    // Refusals.
    let e = err(fx
        .app
        .item_move(&k("PAY-1"), &Position::Before(k("PAY-1")), None, None));
    assert_contains(&e.to_string(), &["next to itself"]);
    assert!(matches!(
        err(fx
            .app
            .item_move(&k("PAY-1"), &Position::After(k("PAY-99")), None, None)),
        AppError::NotFound(_)
    ));
    fx.app.product_add("OPS", "Operations").unwrap();
    let mut n = new(Kind::Task, "Ops task");
    n.product = Some("OPS".into());
    let ops = fx.app.item_add(n, None).unwrap().key;
    let e = err(fx
        .app
        .item_move(&k("PAY-1"), &Position::After(ops.clone()), None, None));
    assert_contains(&e.to_string(), &["ranked within their own product"]);
    // Each product has its own ends: moving in OPS does not touch PAY.
    fx.app.item_move(&ops, &Position::Top, None, None).unwrap();
    assert_eq!(
        q(&mut fx.app, "product = PAY ORDER BY rank"),
        pay(&[1, 3, 2, 5, 4, 6])
    );
}

fn many_moves_to_the_top_keep_a_valid_order(fx: &mut Fx) {
    fx.workspace();
    for n in 1..=3 {
        fx.add(Kind::Story, &format!("Story {n}"));
    }
    // Alternate the two last items to the top many times: ranks get longer
    // but stay valid, unique and ordered.
    for round in 0..60 {
        let key = if round % 2 == 0 {
            k("PAY-3")
        } else {
            k("PAY-2")
        };
        fx.app.item_move(&key, &Position::Top, None, None).unwrap();
    }
    assert_eq!(q(&mut fx.app, "ORDER BY rank"), pay(&[2, 3, 1]));
    for round in 0..60 {
        let key = if round % 2 == 0 {
            k("PAY-1")
        } else {
            k("PAY-2")
        };
        fx.app
            .item_move(&key, &Position::After(k("PAY-3")), None, None)
            .unwrap();
    }
    assert_eq!(q(&mut fx.app, "ORDER BY rank"), pay(&[3, 2, 1]));
    let ranks: Vec<String> = fx
        .app
        .query("ORDER BY rank", Default::default())
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.rank)
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    assert!(
        ranks.iter().all(|r| cairn_core::rank::is_valid(r)),
        "{ranks:?}"
    );
}

/// Wait until a session on this database waits for a lock.
fn wait_for_a_lock_wait(url: &str) {
    let mut watcher = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = watcher
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second item add never waited for the first"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Two Cairn processes add an item to the same product at the same time
/// (several `cairn serve` on one PostgreSQL). Each new item must get its
/// own rank: equal ranks break "ranks are unique" and make Before/After
/// moves ambiguous.
#[test]
fn concurrent_adds_on_postgres_get_distinct_ranks() {
    let mut fx = Fx::new(
        Backend::Postgres,
        "ranking::concurrent_adds_on_postgres_get_distinct_ranks",
    );
    fx.workspace();
    fx.add(Kind::Story, "First");
    let last = fx.app.item(&k("PAY-1")).unwrap().rank;

    // The other process is half-way through `item_add`: it computed its
    // rank after the last one, took the next number (locking the product
    // row) and inserted its item; it has not committed yet.
    let mut other = ::postgres::Client::connect(&fx.url, ::postgres::NoTls).unwrap();
    let mut tx = other.transaction().unwrap();
    let theirs = cairn_core::rank::between(Some(&last), None).unwrap();
    let row = tx
        .query_one(
            "UPDATE products SET next_number = next_number + 1 WHERE prefix = 'PAY' RETURNING id, next_number - 1",
            &[],
        )
        .unwrap();
    let (product_id, number): (i64, i64) = (row.get(0), row.get(1));
    tx.execute(
        "INSERT INTO items (product_id, number, key, kind, title, description, state, category, acceptance, \
         created, updated, rank, version) VALUES ($1, $2, $3, 'story', 'Theirs', '', 'todo', 'todo', '', $4, $4, $5, 1)",
        &[&product_id, &number, &format!("PAY-{number}"), &T0, &theirs],
    )
    .unwrap();

    // This process adds an item meanwhile; it waits for the product row.
    let mut app = fx.second_app("bob");
    let ours = std::thread::spawn(move || {
        app.item_add(new(Kind::Story, "Ours"), None)
            .map(|i| (i.key, i.rank))
    });
    wait_for_a_lock_wait(&fx.url);
    tx.commit().unwrap();
    let (key, rank) = ours.join().unwrap().unwrap();
    assert_eq!(key, k("PAY-3"));

    let items = fx
        .app
        .query("ORDER BY rank", Default::default())
        .unwrap()
        .items;
    let ranks: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.key.to_string(), i.rank.clone()))
        .collect();
    assert_ne!(
        rank, theirs,
        "PAY-2 and PAY-3 were given the same rank: {ranks:?}"
    );
    assert!(
        ranks.windows(2).all(|w| w[0].1 < w[1].1),
        "ranks not unique: {ranks:?}"
    );
}

both!(
    moves_produce_the_expected_order_and_write_one_row,
    many_moves_to_the_top_keep_a_valid_order
);
