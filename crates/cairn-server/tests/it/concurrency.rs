//! Two servers on one database, as two `cairn serve` processes behind a
//! load balancer would be: each has its own runtime and connection pool,
//! and only the database is shared (a PostgreSQL database, and a SQLite
//! file too). Optimistic locking must hold across them, and so must
//! sessions and sign-in limits.

use crate::support::{API, Backend, PASSWORD, Resp, TestServer};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Barrier;

/// Threads, and PATCHes each thread sends (half the threads per server).
const THREADS: usize = 8;
const ROUNDS: usize = 5;

/// Everything about an item but what a PATCH of its description changes.
fn unchanged_part(item: &Value) -> Value {
    let mut v = item.clone();
    let o = v.as_object_mut().unwrap();
    for k in ["description", "version", "updated"] {
        o.remove(k);
    }
    v
}

fn concurrent_patches_through_two_servers_lose_no_update(backend: Backend) {
    let a = TestServer::start(backend, "concurrency::patches");
    let b = a.second();
    let key = "PAY-4";
    let path = format!("{API}/items/{key}");
    let (v0, before) = a.read(key);
    let others: Vec<(&str, Value)> = ["PAY-3", "PAY-5", "OPS-2"]
        .into_iter()
        .map(|k| (k, a.read(k).1))
        .collect();
    let history_before = a
        .client
        .get(&format!("{path}/history"), Some(a.token("admin")), &[])
        .body["entries"]
        .as_array()
        .unwrap()
        .len();

    // Each thread reads the item, then sends a PATCH with the version it
    // read; all threads start together.
    let barrier = Barrier::new(THREADS);
    let results: Vec<(usize, i64, Resp)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let srv = if t % 2 == 0 { &a } else { &b };
                let (barrier, path) = (&barrier, &path);
                sc.spawn(move || {
                    let token = Some(srv.token(if t % 3 == 0 { "owner" } else { "dev" }));
                    barrier.wait();
                    let mut out = Vec::new();
                    for round in 0..ROUNDS {
                        let r = srv.client.get(path, token, &[]);
                        assert_eq!(r.status, 200, "{}", r.text);
                        let read = r.body["version"].as_i64().unwrap();
                        let w = srv.client.patch(
                            path,
                            token,
                            &json!({ "description": format!("Written by thread {t}, round {round}.") }),
                            &[("if-match", &format!("\"{read}\""))],
                        );
                        out.push((t, read, w));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a writer thread panicked"))
            .collect()
    });
    assert_eq!(results.len(), THREADS * ROUNDS);

    let mut won = Vec::new();
    for (t, read, r) in &results {
        match r.status {
            200 => {
                let v = r.body["version"].as_i64().unwrap();
                assert_eq!(v, read + 1, "thread {t}: a write based on {read}");
                assert_eq!(r.header("etag"), Some(&*format!("\"{v}\"")));
                won.push((v, r.body["description"].as_str().unwrap().to_string()));
            }
            412 => {
                assert_eq!(r.code(), "version_conflict", "{}", r.text);
                let current = r.body["error"]["current"]["version"].as_i64().unwrap();
                assert!(
                    current > *read,
                    "thread {t}: {read} was stale, yet current is {current}"
                );
            }
            other => panic!("thread {t}: {other} {}", r.text),
        }
    }
    assert!(!won.is_empty(), "no write succeeded");
    eprintln!(
        "{} of {} conditional PATCHes won; the rest were refused with 412",
        won.len(),
        results.len()
    );
    // Every success made exactly one new version, and no two made the same.
    let versions: BTreeSet<i64> = won.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        versions.len(),
        won.len(),
        "two writes made the same version"
    );
    let expected: BTreeSet<i64> = (v0 + 1..=v0 + won.len() as i64).collect();
    assert_eq!(versions, expected);

    // Both servers see the same final item: the last winner's text, and
    // nothing else changed.
    let (va, after_a) = a.read(key);
    let (vb, after_b) = b.read(key);
    assert_eq!(va, v0 + won.len() as i64);
    assert_eq!(vb, va);
    assert_eq!(after_a, after_b);
    let last = won.iter().max().unwrap();
    assert_eq!(after_a["description"], last.1);
    assert_eq!(unchanged_part(&after_a), unchanged_part(&before));
    // One audit entry per success, and the chain is intact.
    let history_after = b
        .client
        .get(&format!("{path}/history"), Some(b.token("admin")), &[])
        .body["entries"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(history_after - history_before, won.len());
    let r = a
        .client
        .get(&format!("{API}/audit/verify"), Some(a.token("admin")), &[]);
    assert_eq!(r.body["ok"], true, "{}", r.text);
    // No other item changed.
    for (k, was) in others {
        assert_eq!(b.read(k).1, was, "{k} changed");
    }
}

fn concurrent_creates_through_two_servers_get_distinct_keys(backend: Backend) {
    let a = TestServer::start(backend, "concurrency::creates");
    let b = a.second();
    let barrier = Barrier::new(THREADS);
    let keys: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let srv = if t % 2 == 0 { &a } else { &b };
                let barrier = &barrier;
                sc.spawn(move || {
                    barrier.wait();
                    (0..ROUNDS)
                        .map(|round| {
                            let r = srv.client.post(
                                &format!("{API}/items"),
                                Some(srv.token("dev")),
                                &json!({ "product": "PAY", "title": format!("Parallel story {t}.{round}") }),
                                &[],
                            );
                            assert_eq!(r.status, 201, "{}", r.text);
                            r.body["key"].as_str().unwrap().to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a creating thread panicked"))
            .collect()
    });
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), THREADS * ROUNDS, "{keys:?}");
    // The keys follow the seeded ones without gaps, and every item has a
    // distinct rank at the bottom of the backlog.
    let seeded = crate::support::PAY.items.len();
    let want: BTreeSet<String> = (seeded + 1..=seeded + THREADS * ROUNDS)
        .map(|n| format!("PAY-{n}"))
        .collect();
    assert_eq!(distinct.into_iter().cloned().collect::<BTreeSet<_>>(), want);
    let r = b.client.get(
        &format!(
            "{API}/items?limit=500&q={}",
            crate::support::enc("product = PAY ORDER BY rank")
        ),
        Some(b.token("dev")),
        &[],
    );
    let ranks: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rank"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = ranks.iter().collect();
    assert_eq!(unique.len(), ranks.len(), "two items share a rank");
    let r = a
        .client
        .get(&format!("{API}/audit/verify"), Some(a.token("admin")), &[]);
    assert_eq!(r.body["ok"], true, "{}", r.text);
}

fn sessions_and_sign_in_limits_are_shared_by_servers(backend: Backend) {
    let a = TestServer::start(backend, "concurrency::sessions");
    let b = a.second();
    // Signed in on A, used on B.
    let sess = a.sign_in("dev");
    let cookie = [("cookie", sess.cookie.as_str())];
    let r = b.client.get(&format!("{API}/me"), None, &cookie);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["handle"], "dev");
    let page = b.client.get("/backlog", None, &cookie);
    assert_eq!(page.status, 200);
    assert_eq!(
        crate::support::attribute(&page.text, "data-csrf").as_deref(),
        Some(sess.csrf.as_str()),
        "both servers know the session's CSRF token"
    );
    let (v, _) = a.read("PAY-4");
    let r = b.client.patch(
        &format!("{API}/items/PAY-4"),
        None,
        &json!({ "description": "Edited through server B." }),
        &[
            ("cookie", &sess.cookie),
            ("if-match", &format!("\"{v}\"")),
            ("x-csrf-token", &sess.csrf),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    // Signed out on B: gone on A too.
    let r = b.client.send(
        "POST",
        "/logout",
        None,
        Some((
            "application/x-www-form-urlencoded",
            format!("_csrf={}", crate::support::enc(&sess.csrf)).into_bytes(),
        )),
        &cookie,
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let r = a.client.get(&format!("{API}/me"), None, &cookie);
    assert_eq!(r.status, 401, "{}", r.text);
    // Failed sign-ins on both servers add up to one limit.
    for n in 0..5 {
        let srv = if n % 2 == 0 { &a } else { &b };
        let r = srv.client.login("stake", "not the password");
        assert_eq!(r.status, 401, "attempt {n}");
    }
    for srv in [&a, &b] {
        let r = srv.client.login("stake", PASSWORD);
        assert_eq!(r.status, 429, "{}", r.text);
    }
}

mod postgres {
    use super::*;

    #[test]
    fn concurrent_patches_through_two_servers_lose_no_update() {
        super::concurrent_patches_through_two_servers_lose_no_update(Backend::Postgres);
    }

    #[test]
    fn concurrent_creates_through_two_servers_get_distinct_keys() {
        super::concurrent_creates_through_two_servers_get_distinct_keys(Backend::Postgres);
    }

    #[test]
    fn sessions_and_sign_in_limits_are_shared_by_servers() {
        super::sessions_and_sign_in_limits_are_shared_by_servers(Backend::Postgres);
    }
}

mod sqlite {
    use super::*;

    #[test]
    fn concurrent_patches_through_two_servers_lose_no_update() {
        super::concurrent_patches_through_two_servers_lose_no_update(Backend::Sqlite);
    }

    #[test]
    fn concurrent_creates_through_two_servers_get_distinct_keys() {
        super::concurrent_creates_through_two_servers_get_distinct_keys(Backend::Sqlite);
    }

    #[test]
    fn sessions_and_sign_in_limits_are_shared_by_servers() {
        super::sessions_and_sign_in_limits_are_shared_by_servers(Backend::Sqlite);
    }
}

/// SIGTERM or Ctrl-C while a request is on its way: the request is served
/// in full, then the server stops.
#[test]
fn a_request_in_flight_finishes_after_the_shutdown_signal() {
    use std::io::{Read, Write};
    let mut s = TestServer::start(Backend::Sqlite, "concurrency::shutdown_in_flight");
    let addr = s.base_url().trim_start_matches("http://").to_string();
    let token = s.token("dev").to_string();
    let body = r#"{"product":"PAY","kind":"story","title":"Sent across the shutdown"}"#;
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "POST /api/v1/items HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // Half the body now, the rest after the signal.
    conn.write_all(&body.as_bytes()[..20]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.signal_stop();
    std::thread::sleep(std::time::Duration::from_millis(300));
    conn.write_all(&body.as_bytes()[20..]).unwrap();
    let mut response = String::new();
    let _ = conn.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 201"),
        "the request in flight was not served: {response}"
    );
    assert!(response.contains("Sent across the shutdown"));
    s.stop().expect("the server stops once the request is done");
    // The item was written, and nothing is served any more.
    let mut app = cairn_app::App::open(s.db_url(), "check").unwrap();
    let r = app
        .query(
            "title ~ \"across the shutdown\"",
            cairn_store::Page::default(),
        )
        .unwrap();
    assert_eq!(r.total, 1);
    drop(app);
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "the listener is closed after shutdown"
    );
}
