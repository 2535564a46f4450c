//! The story-test harness: one fixture per test, on SQLite (a temporary
//! file) or on PostgreSQL (a fresh database, dropped at the end).
//!
//! Story tests are plain functions `fn name(fx: &mut Fx)`; `both!(a, b, ...)`
//! at the bottom of a module turns each into `sqlite::name` and
//! `postgres::name` tests. PostgreSQL comes from `CAIRN_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); when it is unreachable the
//! postgres tests fail, they are never skipped.

use cairn_app::{App, NewItem, SimClock};
use cairn_core::{ItemKey, Kind, Millis};
use cairn_store::Page;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Generate a `sqlite` and a `postgres` test module that run each named
/// story function on a fresh fixture of that backend.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let mut fx = $crate::harness::Fx::new(
                        $crate::harness::Backend::Sqlite,
                        concat!(module_path!(), "::", stringify!($name)),
                    );
                    super::$name(&mut fx);
                }
            )+
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let mut fx = $crate::harness::Fx::new(
                        $crate::harness::Backend::Postgres,
                        concat!(module_path!(), "::", stringify!($name)),
                    );
                    super::$name(&mut fx);
                }
            )+
        }
    };
}

/// 2026-01-05T10:00:00Z, a Monday: where every simulated clock starts.
pub const T0: Millis = 1_767_607_200_000;
pub const MINUTE: Millis = 60_000;
pub const DAY: Millis = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A fresh database with an `App` on it and the simulated clock it reads.
/// Fields drop in order: the app (and its connection) before the database.
pub struct Fx {
    pub app: App,
    pub clock: Arc<SimClock>,
    pub backend: Backend,
    pub url: String,
    _db: Db,
}

#[allow(dead_code)] // each variant only holds its guard until drop
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(PgDb),
}

impl Fx {
    pub fn new(backend: Backend, test_name: &str) -> Fx {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()
                    .expect("cannot create a temporary folder for the SQLite database");
                let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
                Self::open(backend, url, Db::Sqlite(dir))
            }
            Backend::Postgres => Self::postgres_with(test_name, ""),
        }
    }

    /// A fixture whose database `prepare` fills first, given its URL
    /// (as an older Cairn left it, say), before the app opens it.
    pub fn prepared(backend: Backend, test_name: &str, prepare: impl FnOnce(&str)) -> Fx {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()
                    .expect("cannot create a temporary folder for the SQLite database");
                let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
                prepare(&url);
                Self::open(backend, url, Db::Sqlite(dir))
            }
            Backend::Postgres => {
                let pg = PgDb::create_with(test_name, "");
                prepare(&pg.url);
                Self::open(Backend::Postgres, pg.url.clone(), Db::Postgres(pg))
            }
        }
    }

    /// A PostgreSQL fixture whose database is made with extra CREATE
    /// DATABASE options (a locale, say).
    pub fn postgres_with(test_name: &str, options: &str) -> Fx {
        let pg = PgDb::create_with(test_name, options);
        Self::open(Backend::Postgres, pg.url.clone(), Db::Postgres(pg))
    }

    fn open(backend: Backend, url: String, db: Db) -> Fx {
        let clock = Arc::new(SimClock::new(T0));
        let app = App::open_with_clock(&url, "ann", Box::new(clock.clone()))
            .unwrap_or_else(|e| panic!("cannot open Cairn on {url}: {e}"));
        Fx {
            app,
            clock,
            backend,
            url,
            _db: db,
        }
    }

    /// Open a second `App` on the same database (another process, say).
    pub fn second_app(&self, actor: &str) -> App {
        App::open_with_clock(&self.url, actor, Box::new(self.clock.clone()))
            .unwrap_or_else(|e| panic!("cannot open a second Cairn on {}: {e}", self.url))
    }

    pub fn now(&self) -> Millis {
        use cairn_app::Clock;
        self.clock.now()
    }

    pub fn set_time(&self, at: Millis) {
        self.clock.set(at);
    }

    pub fn advance(&self, by: Millis) {
        self.clock.set(self.now() + by);
    }

    /// `cairn init` and one product, PAY.
    pub fn workspace(&mut self) {
        assert!(
            self.app.init().expect("init"),
            "a fresh database is not a workspace yet"
        );
        self.app
            .product_add("PAY", "Payments")
            .expect("product add");
    }

    /// Add an item of a kind with a title, at the bottom of PAY.
    pub fn add(&mut self, kind: Kind, title: &str) -> ItemKey {
        self.app
            .item_add(new(kind, title), None)
            .unwrap_or_else(|e| panic!("item add {title}: {e}"))
            .key
    }
}

// ---- small helpers --------------------------------------------------------

pub fn k(s: &str) -> ItemKey {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn new(kind: Kind, title: &str) -> NewItem {
    NewItem {
        kind: Some(kind),
        title: title.to_string(),
        ..NewItem::default()
    }
}

/// The keys a query returns (all of them), in order.
pub fn q(app: &mut App, src: &str) -> Vec<String> {
    let r = app
        .query(
            src,
            Page {
                limit: 10_000,
                offset: 0,
            },
        )
        .unwrap_or_else(|e| panic!("query `{src}` failed: {e}"));
    assert_eq!(
        r.total as usize,
        r.items.len(),
        "total of `{src}` does not match its rows"
    );
    r.items.iter().map(|i| i.key.to_string()).collect()
}

/// `["PAY-1", "PAY-3"]` from `[1, 3]`.
pub fn pay(numbers: &[i64]) -> Vec<String> {
    numbers.iter().map(|n| format!("PAY-{n}")).collect()
}

/// One integer from a raw SQL query, read behind Cairn's back.
pub fn scalar(app: &mut App, sql: &str) -> i64 {
    let rows = app
        .store()
        .backend()
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.first()
        .and_then(|r| r[0].as_i64())
        .unwrap_or_else(|| panic!("{sql} returned no integer"))
}

pub fn audit_count(app: &mut App) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM audit")
}

pub fn item_count(app: &mut App) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM items")
}

pub fn next_number(app: &mut App, prefix: &str) -> i64 {
    app.products()
        .expect("products")
        .into_iter()
        .find(|p| p.prefix == prefix)
        .unwrap_or_else(|| panic!("no product {prefix}"))
        .next_number
}

/// The error message of a result that must be an error.
#[track_caller]
pub fn err<T: std::fmt::Debug>(r: cairn_app::Result<T>) -> cairn_app::AppError {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e,
    }
}

#[track_caller]
pub fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "`{n}` not found in:\n{haystack}");
    }
}

// ---- PostgreSQL databases ---------------------------------------------------

pub fn admin_url() -> String {
    std::env::var("CAIRN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The admin URL with its database name replaced.
fn url_for(admin: &str, db: &str) -> String {
    let scheme_end = admin.find("://").map_or(0, |i| i + 3);
    let (base, query) = match admin[scheme_end..].find('/') {
        Some(slash) => {
            let base = &admin[..scheme_end + slash];
            let rest = &admin[scheme_end + slash + 1..];
            (base, rest.find('?').map_or("", |q| &rest[q..]))
        }
        None => match admin.find('?') {
            Some(q) => (&admin[..q], &admin[q..]),
            None => (admin, ""),
        },
    };
    format!("{base}/{db}{query}")
}

fn admin_client() -> postgres::Client {
    let url = admin_url();
    postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| {
        let cause = std::error::Error::source(&e).map(|c| format!(" ({c})")).unwrap_or_default();
        panic!(
            "PostgreSQL is not reachable at {url}: {e}{cause}\n\
             The postgres story tests need a PostgreSQL server (they are never skipped): \
             start one, or point CAIRN_TEST_PG at one (e.g. postgres://postgres@127.0.0.1:5432/postgres)."
        )
    })
}

/// A database made for one test and dropped (connections and all) when the
/// guard goes.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl PgDb {
    /// `options` is appended to CREATE DATABASE (e.g. a locale).
    pub fn create_with(test_name: &str, options: &str) -> PgDb {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        test_name.hash(&mut h);
        let name = format!(
            "cairn_t_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            h.finish() as u32
        );
        let mut admin = admin_client();
        drop_stale_databases(&mut admin);
        admin
            .batch_execute(&format!("CREATE DATABASE {name} {options}"))
            .unwrap_or_else(|e| {
                panic!(
                    "cannot create the test database {name} on {}: {e}",
                    admin_url()
                )
            });
        let url = url_for(&admin_url(), &name);
        PgDb { name, url }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&admin_url(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Drop databases left behind by test processes that no longer run (a
/// killed run cannot drop its own). Only on systems with /proc, and only
/// databases named by this harness.
fn drop_stale_databases(admin: &mut postgres::Client) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !std::path::Path::new("/proc/self").exists() {
            return;
        }
        let Ok(rows) = admin.query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'cairn\\_t\\_%'",
            &[],
        ) else {
            return;
        };
        for r in rows {
            let name: String = r.get(0);
            let pid = name
                .trim_start_matches("cairn_t_")
                .split('_')
                .next()
                .unwrap_or("");
            if !pid.is_empty()
                && pid.chars().all(|c| c.is_ascii_digit())
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    });
}

#[test]
fn url_for_replaces_the_database() {
    assert_eq!(
        url_for("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        url_for("postgres://u:p@h/postgres?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(url_for("postgres://h:5432", "x"), "postgres://h:5432/x");
}
