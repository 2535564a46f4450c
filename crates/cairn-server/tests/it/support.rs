//! The server-test harness: a fresh database (SQLite in a temporary folder,
//! or a fresh PostgreSQL database dropped at the end), seeded through
//! `cairn_app::App` with two products, five users and a month of history,
//! then served by `cairn_server::run` on a loopback port in a thread with
//! its own tokio runtime.
//!
//! ```ignore
//! let s = TestServer::start(Backend::Sqlite, "api::create");
//! let r = s.client.get("/api/v1/items", Some(s.token("dev")), &[]);
//! assert_eq!(r.status, 200);
//! ```
//!
//! PostgreSQL comes from `CAIRN_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); when it is unreachable
//! the PostgreSQL tests fail, they are never skipped.
//!
//! Every response with an error status is kept; when the server stops, the
//! harness checks that none was a 5xx and that no error said anything
//! internal (a panic, a backtrace, SQL).
#![allow(dead_code)]

use cairn_app::requirements::ReqFormat;
use cairn_app::{App, NewItem, Patch, SimClock};
use cairn_core::{ItemKey, Kind, Millis, Role};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use ureq::http::HeaderMap;

/// Run test functions `fn name(s: &TestServer)` once per backend: each
/// becomes `sqlite::name` and `postgres::name`, on a fresh seeded server.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let s = $crate::support::TestServer::start(
                        $crate::support::Backend::Sqlite,
                        concat!(module_path!(), "::", stringify!($name)),
                    );
                    super::$name(&s);
                }
            )+
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let s = $crate::support::TestServer::start(
                        $crate::support::Backend::Postgres,
                        concat!(module_path!(), "::", stringify!($name)),
                    );
                    super::$name(&s);
                }
            )+
        }
    };
}
pub(crate) use both;

/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery";

/// The seeded users, in the order the matrices list them.
pub const USERS: [&str; 5] = ["admin", "owner", "dev", "stake", "outsider"];

/// The API's root.
pub const API: &str = "/api/v1";

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

// ---- the seeded workspace ---------------------------------------------------

/// A product as seeded: prefix, name, and its items in key order (the
/// first item is `<prefix>-1`).
pub struct ProductSeed {
    pub prefix: &'static str,
    pub name: &'static str,
    pub items: &'static [ItemSeed],
}

/// One seeded item. `parent` is the number of another item of the same
/// product; `done_on` / `started_on` are days after the seed starts.
pub struct ItemSeed {
    pub kind: Kind,
    pub title: &'static str,
    pub estimate: Option<f64>,
    pub parent: Option<u32>,
    pub started_on: Option<i64>,
    pub done_on: Option<i64>,
    /// Made by importing [`REQUIREMENTS_V1`] rather than by `item_add`.
    pub imported: bool,
}

const fn it(kind: Kind, title: &'static str, estimate: Option<f64>) -> ItemSeed {
    ItemSeed {
        kind,
        title,
        estimate,
        parent: None,
        started_on: None,
        done_on: None,
        imported: false,
    }
}

const fn child(kind: Kind, title: &'static str, estimate: Option<f64>, parent: u32) -> ItemSeed {
    ItemSeed {
        kind,
        title,
        estimate,
        parent: Some(parent),
        started_on: None,
        done_on: None,
        imported: false,
    }
}

const fn done(kind: Kind, title: &'static str, estimate: f64, start: i64, end: i64) -> ItemSeed {
    ItemSeed {
        kind,
        title,
        estimate: Some(estimate),
        parent: None,
        started_on: Some(start),
        done_on: Some(end),
        imported: false,
    }
}

const fn started(kind: Kind, title: &'static str, estimate: f64, start: i64) -> ItemSeed {
    ItemSeed {
        kind,
        title,
        estimate: Some(estimate),
        parent: None,
        started_on: Some(start),
        done_on: None,
        imported: false,
    }
}

const fn imported(title: &'static str) -> ItemSeed {
    ItemSeed {
        kind: Kind::Requirement,
        title,
        estimate: None,
        parent: None,
        started_on: None,
        done_on: None,
        imported: true,
    }
}

/// PAY: a requirement with an epic, stories and a task under it, a bug, and
/// stories delivered over the month. Titles are distinctive so tests can
/// scan any response for them.
pub const PAY: ProductSeed = ProductSeed {
    prefix: "PAY",
    name: "Payments",
    items: &[
        it(Kind::Requirement, "Refund card payments in bulk", None),
        child(Kind::Epic, "Bulk refund workflow", None, 1),
        child(Kind::Story, "Upload a refund file", Some(3.0), 2),
        child(Kind::Story, "Preview refunds before sending", Some(5.0), 2),
        it(Kind::Bug, "Refund totals are off by one cent", Some(1.0)),
        child(Kind::Task, "Parse refund files in CSV", Some(2.0), 3),
        done(Kind::Story, "Settle card payouts daily", 2.0, 1, 4),
        done(Kind::Story, "Show payout fees per merchant", 3.0, 3, 8),
        done(Kind::Story, "Export payouts as a spreadsheet", 1.0, 6, 11),
        done(Kind::Story, "Email merchants a payout receipt", 2.0, 10, 15),
        done(Kind::Bug, "Retry failed payouts overnight", 3.0, 14, 21),
        started(Kind::Story, "Flag suspicious chargebacks", 5.0, 20),
        imported("Notify finance of refund batches"),
    ],
};

/// A requirements document imported into PAY at seed time, and its second
/// version, re-imported after PAY-4 and OPS-8 were linked to the
/// requirement: both become suspect.
pub const REQUIREMENTS_V1: &str = "# Refunds\n\n### R-1: Notify finance of refund batches\n\nThe system shall notify finance of every refund batch.\n";
pub const REQUIREMENTS_V2: &str = "# Refunds\n\n### R-1: Notify finance of refund batches\n\nThe system shall notify finance of every refund batch within one hour.\n";

/// Links to the imported requirement, one from each product.
pub const SUSPECT_LINKS: [(&str, &str, &str); 2] = [
    ("PAY-4", "implements", "PAY-13"),
    ("OPS-8", "implements", "PAY-13"),
];

/// OPS: owned by `outsider` only; nobody with a PAY role sees it.
pub const OPS: ProductSeed = ProductSeed {
    prefix: "OPS",
    name: "Operations",
    items: &[
        it(
            Kind::Requirement,
            "Page the on-call engineer within five minutes",
            None,
        ),
        it(Kind::Story, "Rotate the on-call schedule weekly", Some(3.0)),
        it(Kind::Story, "Archive old incident tickets", Some(2.0)),
        it(Kind::Bug, "Status page shows stale uptime", Some(1.0)),
        done(Kind::Story, "Track deploy frequency per team", 2.0, 2, 6),
        done(
            Kind::Story,
            "Alert on disk usage above ninety percent",
            3.0,
            8,
            12,
        ),
        done(Kind::Task, "Tune the alerting thresholds", 1.0, 13, 18),
        started(Kind::Story, "Drain the old build agents", 2.0, 22),
    ],
};

/// Links made at seed time: (from, relation, to). Two cross products: a
/// PAY bug blocks an OPS story, and an OPS story relates to a PAY story.
pub const LINKS: [(&str, &str, &str); 5] = [
    ("PAY-3", "blocks", "PAY-4"),
    ("PAY-3", "implements", "PAY-1"),
    ("PAY-5", "relates", "PAY-3"),
    ("PAY-5", "blocks", "OPS-3"),
    ("OPS-2", "relates", "PAY-4"),
];

/// A parent across products, set at seed time: an OPS bug under the PAY
/// epic.
pub const CROSS_PARENT: (&str, &str) = ("OPS-4", "PAY-2");

/// Comments made at seed time (by admin).
pub const COMMENTS: [(&str, &str); 2] = [
    ("PAY-3", "Finance asked for the spreadsheet format first."),
    ("OPS-2", "Start with the platform team."),
];

/// Who has which role where (admins see everything as owners).
pub fn role_of(user: &str, product: &str) -> Option<Role> {
    match (user, product) {
        ("admin", _) => Some(Role::Owner),
        ("owner", "PAY") => Some(Role::Owner),
        ("dev", "PAY") => Some(Role::Member),
        ("stake", "PAY") => Some(Role::Stakeholder),
        ("outsider", "OPS") => Some(Role::Owner),
        _ => None,
    }
}

pub fn product(prefix: &str) -> &'static ProductSeed {
    match prefix {
        "PAY" => &PAY,
        "OPS" => &OPS,
        other => panic!("no seeded product {other}"),
    }
}

/// The product a user cannot see, if any.
pub fn hidden_product(user: &str) -> Option<&'static ProductSeed> {
    [&PAY, &OPS]
        .into_iter()
        .find(|p| role_of(user, p.prefix).is_none())
}

/// Added to the default config: the fields WSJF scores with.
const RANKING_CONFIG: &str = r#"
[fields.business_value]
type = "number"

[fields.time_criticality]
type = "number"

[fields.risk_reduction]
type = "number"

[ranking.inputs]
job_size = "estimate"
"#;

/// WSJF inputs for the open stories and bugs, varied by item number.
fn wsjf_fields(n: usize) -> Vec<(String, String)> {
    let scale = [1, 2, 3, 5, 8, 13, 20];
    vec![
        ("business_value".into(), scale[(n * 3) % 7].to_string()),
        (
            "time_criticality".into(),
            scale[(n * 5 + 1) % 7].to_string(),
        ),
        ("risk_reduction".into(), scale[(n + 2) % 7].to_string()),
    ]
}

/// Secrets made while seeding.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Each user's API token.
    pub tokens: BTreeMap<String, String>,
    /// Each user's second token's id (for revocation tests).
    pub spare_token_ids: BTreeMap<String, i64>,
}

const DAY: Millis = 86_400_000;

fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

fn k(s: &str) -> ItemKey {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Seed the workspace on `url`. The app's clock starts 30 days ago and
/// walks forward, so forecasts have a month of deliveries to sample; the
/// app is dropped before this returns (and so outside any async runtime).
fn seed(url: &str) -> Secrets {
    let clock = Arc::new(SimClock::new(now_millis() - 30 * DAY));
    let mut app = App::open_with_clock(url, "admin", Box::new(clock.clone()))
        .unwrap_or_else(|e| panic!("cannot open Cairn on {url}: {e}"));
    assert!(app.init().expect("init"), "a fresh database is initialised");
    // WSJF, the default ranking model, reads these fields.
    let config = format!("{}\n{RANKING_CONFIG}", app.config_text().expect("config"));
    app.config_apply(&config, Some("fields for WSJF"))
        .unwrap_or_else(|e| panic!("config apply: {e}"));
    for p in [&PAY, &OPS] {
        app.product_add(p.prefix, p.name).expect("product add");
    }
    let users = [
        ("admin", "Ada Admin", true),
        ("owner", "Olive Owner", false),
        ("dev", "Dana Developer", false),
        ("stake", "Sam Stakeholder", false),
        ("outsider", "Oscar Outsider", false),
    ];
    for (handle, name, admin) in users {
        app.user_add(handle, name, None, PASSWORD, admin)
            .unwrap_or_else(|e| panic!("user add {handle}: {e}"));
    }
    for (handle, product, role) in [
        ("owner", "PAY", Role::Owner),
        ("dev", "PAY", Role::Member),
        ("stake", "PAY", Role::Stakeholder),
        ("outsider", "OPS", Role::Owner),
    ] {
        app.user_grant(handle, product, Some(role))
            .unwrap_or_else(|e| panic!("grant {handle} {product}: {e}"));
    }
    for p in [&PAY, &OPS] {
        for (n, s) in p.items.iter().enumerate().filter(|(_, s)| !s.imported) {
            let item = app
                .item_add(
                    NewItem {
                        product: Some(p.prefix.to_string()),
                        kind: Some(s.kind),
                        title: s.title.to_string(),
                        description: format!("{} (seeded).", s.title),
                        estimate: s.estimate,
                        acceptance: if s.kind == Kind::Story {
                            format!(
                                "Given a clerk\nWhen they ask to {}\nThen it is done",
                                s.title.to_lowercase()
                            )
                        } else {
                            String::new()
                        },
                        parent: s.parent.map(|n| k(&format!("{}-{n}", p.prefix))),
                        fields: if matches!(s.kind, Kind::Story | Kind::Bug) {
                            wsjf_fields(n)
                        } else {
                            Vec::new()
                        },
                        ..NewItem::default()
                    },
                    None,
                )
                .unwrap_or_else(|e| panic!("item add {}: {e}", s.title));
            assert_eq!(item.key.to_string(), format!("{}-{}", p.prefix, n + 1));
        }
    }
    for (a, rel, b) in LINKS {
        app.link(&k(a), rel, &k(b), None)
            .unwrap_or_else(|e| panic!("link {a} {rel} {b}: {e}"));
    }
    let (child, parent) = CROSS_PARENT;
    app.item_edit(
        &k(child),
        Patch {
            parent: Some(Some(k(parent))),
            ..Patch::default()
        },
        None,
        None,
    )
    .unwrap_or_else(|e| panic!("{child} under {parent}: {e}"));
    for (key, body) in COMMENTS {
        app.comment_add(&k(key), body, None).expect("comment");
    }
    // A month of work, one day at a time.
    let start = clock_now(&clock);
    for day in 0..=28 {
        clock.set(start + day * DAY + 3_600_000);
        for p in [&PAY, &OPS] {
            for (n, s) in p.items.iter().enumerate() {
                let key = k(&format!("{}-{}", p.prefix, n + 1));
                let state = if s.done_on == Some(day) {
                    "done"
                } else if s.started_on == Some(day) {
                    "in-progress"
                } else {
                    continue;
                };
                app.item_edit(
                    &key,
                    Patch {
                        state: Some(state.into()),
                        ..Patch::default()
                    },
                    None,
                    None,
                )
                .unwrap_or_else(|e| panic!("{key} to {state}: {e}"));
            }
        }
    }
    // A requirement imported, linked from both products, then changed.
    let r = app
        .req_import(
            "refunds.md",
            REQUIREMENTS_V1,
            ReqFormat::Markdown,
            Some("PAY"),
        )
        .expect("requirements import");
    let req = app.item(&k("PAY-13")).expect("the imported requirement");
    assert_eq!(req.title, PAY.items[12].title, "{r:?}");
    for (a, rel, b) in SUSPECT_LINKS {
        app.link(&k(a), rel, &k(b), None)
            .unwrap_or_else(|e| panic!("link {a} {rel} {b}: {e}"));
    }
    let r = app
        .req_import(
            "refunds.md",
            REQUIREMENTS_V2,
            ReqFormat::Markdown,
            Some("PAY"),
        )
        .expect("requirements re-import");
    assert_eq!(r.suspects.len(), 2, "{r:?}");
    let mut secrets = Secrets::default();
    for (handle, _, _) in users {
        let (_, secret) = app.token_add(handle, "main").expect("token add");
        let (spare, _) = app.token_add(handle, "spare").expect("token add");
        secrets.tokens.insert(handle.to_string(), secret);
        secrets.spare_token_ids.insert(handle.to_string(), spare.id);
    }
    drop(app);
    secrets
}

fn clock_now(c: &SimClock) -> Millis {
    use cairn_app::Clock;
    c.now()
}

// ---- the server -------------------------------------------------------------

/// A seeded database and a `cairn serve` on it. Dropping it stops the
/// server (every request in flight finishes) and then drops the database.
pub struct TestServer {
    pub backend: Backend,
    pub client: Client,
    pub secrets: Arc<Secrets>,
    base: String,
    db_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
    // Last: the database outlives the server.
    _db: Arc<Db>,
}

#[allow(dead_code)] // each variant only holds its guard until drop
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(PgDb),
}

impl TestServer {
    /// A fresh database of `backend`, seeded, with a server on it.
    pub fn start(backend: Backend, test_name: &str) -> TestServer {
        let (url, db) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()
                    .expect("cannot create a temporary folder for the SQLite database");
                let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
                (url, Db::Sqlite(dir))
            }
            Backend::Postgres => {
                let pg = PgDb::create(test_name);
                (pg.url.clone(), Db::Postgres(pg))
            }
        };
        let secrets = seed(&url);
        Self::serve(backend, url, Arc::new(db), Arc::new(secrets))
    }

    /// A second server (its own runtime and connection pool) on this
    /// server's database: another `cairn serve` process, as far as the
    /// database can tell.
    pub fn second(&self) -> TestServer {
        Self::serve(
            self.backend,
            self.db_url.clone(),
            Arc::clone(&self._db),
            Arc::clone(&self.secrets),
        )
    }

    fn serve(backend: Backend, url: String, db: Arc<Db>, secrets: Arc<Secrets>) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("the listener's address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let settings = cairn_server::Settings {
            db_url: url.clone(),
            pool_size: 6,
            secure_cookies: false,
        };
        let thread = std::thread::Builder::new()
            .name(format!("cairn-server-{addr}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a runtime: {e}"))?;
                rt.block_on(async move {
                    let l = tokio::net::TcpListener::from_std(listener)
                        .map_err(|e| format!("cannot use the listener: {e}"))?;
                    cairn_server::run(l, settings, async move {
                        let _ = stopped.await;
                    })
                    .await
                })
            })
            .expect("start the server thread");
        let base = format!("http://{addr}");
        let mut s = TestServer {
            backend,
            client: Client::new(&base),
            secrets,
            base,
            db_url: url,
            stop: Some(stop),
            thread: Some(thread),
            _db: db,
        };
        s.wait_until_ready();
        s
    }

    /// Wait until the server answers; if it stopped instead, say why.
    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
                let r = self.thread.take().map(JoinHandle::join);
                panic!("the server stopped while starting: {r:?}");
            }
            let probe = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .proxy(None)
                .timeout_global(Some(Duration::from_secs(5)))
                .build()
                .new_agent()
                .get(&format!("{}{API}/openapi.json", self.base))
                .call();
            if probe.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server on {} did not answer within a minute",
                self.base
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    /// A user's API token.
    pub fn token(&self, user: &str) -> &str {
        self.secrets
            .tokens
            .get(user)
            .unwrap_or_else(|| panic!("no seeded user {user}"))
    }

    /// Sign in through the login form, then read the page's CSRF token.
    pub fn sign_in(&self, user: &str) -> Session {
        let r = self.client.login(user, PASSWORD);
        assert_eq!(r.status, 303, "signing in as {user}: {}", r.text);
        let set = r
            .header("set-cookie")
            .unwrap_or_else(|| panic!("no Set-Cookie when {user} signed in"));
        let cookie = set
            .split(';')
            .next()
            .map(str::trim)
            .filter(|c| c.starts_with("cairn_session="))
            .unwrap_or_else(|| panic!("unexpected Set-Cookie: {set}"))
            .to_string();
        let page = self.client.get("/backlog", None, &[("cookie", &cookie)]);
        assert_eq!(page.status, 200, "the backlog as {user}: {}", page.text);
        let csrf = attribute(&page.text, "data-csrf")
            .unwrap_or_else(|| panic!("no data-csrf on the page:\n{}", page.text));
        assert!(!csrf.is_empty(), "an empty CSRF token");
        Session {
            cookie,
            csrf,
            set_cookie: set.to_string(),
        }
    }

    /// Read an item as admin: (version, body).
    pub fn read(&self, key: &str) -> (i64, Value) {
        let r = self.client.get(
            &format!("{API}/items/{key}"),
            Some(self.token("admin")),
            &[],
        );
        assert_eq!(r.status, 200, "GET {key}: {}", r.text);
        let v = r.body["version"].as_i64().expect("a version");
        (v, r.body)
    }

    /// Create an item as admin through the API; its key.
    pub fn create(&self, product: &str, kind: &str, title: &str) -> String {
        let r = self.client.post(
            &format!("{API}/items"),
            Some(self.token("admin")),
            &serde_json::json!({ "product": product, "kind": kind, "title": title, "estimate": 1 }),
            &[],
        );
        assert_eq!(r.status, 201, "create {title}: {}", r.text);
        r.body["key"].as_str().expect("a key").to_string()
    }

    /// Send the shutdown signal (as SIGTERM would) without waiting.
    pub fn signal_stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    /// Stop the server now and report how it ended.
    pub fn stop(&mut self) -> Result<(), String> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let Some(t) = self.thread.take() else {
            return Ok(());
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !t.is_finished() {
            if Instant::now() > deadline {
                return Err("the server did not stop within a minute of the signal".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        match t.join() {
            Ok(r) => r.map_err(|e| format!("the server failed: {e}")),
            Err(_) => Err("the server thread panicked".into()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let stopped = self.stop();
        if std::thread::panicking() {
            return;
        }
        if let Err(e) = stopped {
            panic!("{e}");
        }
        self.client.check_errors();
    }
}

/// The value of an HTML attribute's first occurrence.
pub fn attribute(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("{name}=\""))? + name.len() + 2;
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    /// `cairn_session=...`, for a Cookie header.
    pub cookie: String,
    pub csrf: String,
    /// The whole Set-Cookie header the sign-in answered with.
    pub set_cookie: String,
}

// ---- the HTTP client ----------------------------------------------------------

/// A response: status, headers, the body parsed as JSON (`Null` when it is
/// not JSON) and the body as text.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of a JSON error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Assert a status and, for errors, the JSON error code.
    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer: {}",
            self.text
        );
        self
    }
}

/// One error response seen, for the checks at the end.
#[derive(Debug, Clone)]
struct Seen {
    what: String,
    status: u16,
    content_type: String,
    text: String,
}

/// A small HTTP client on the server: never follows redirects, never turns
/// statuses into errors, never goes through a proxy, and opens a connection
/// per request. (A kept-alive connection that the server closes just as the
/// next request goes out fails that request with "peer disconnected";
/// browsers retry such a request on a new connection, this client never
/// meets the case. It happened once in CI, on a loaded machine.)
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Client {
    fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .new_agent();
        Client {
            agent,
            base: base.to_string(),
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Resp {
        self.send("GET", path, token, None, headers)
    }

    pub fn delete(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Resp {
        self.send("DELETE", path, token, None, headers)
    }

    pub fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send_json("POST", path, token, body, headers)
    }

    pub fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send_json("PATCH", path, token, body, headers)
    }

    pub fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send(
            method,
            path,
            token,
            Some(("application/json", body.to_string().into_bytes())),
            headers,
        )
    }

    /// POST /login as a form.
    pub fn login(&self, handle: &str, password: &str) -> Resp {
        let form = format!("handle={}&password={}", enc(handle), enc(password));
        self.send(
            "POST",
            "/login",
            None,
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
            &[],
        )
    }

    /// Any request: `body` is (content type, bytes).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut b = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let what = format!("{method} {path}");
        let sent = match body {
            Some((ty, bytes)) => {
                let req = b
                    .header("content-type", ty)
                    .body(bytes)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                self.agent.run(req)
            }
            None => {
                let req = b.body(()).unwrap_or_else(|e| panic!("{what}: {e}"));
                self.agent.run(req)
            }
        };
        let mut res = sent.unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .lossy_utf8(true)
            .read_to_string()
            .unwrap_or_else(|e| panic!("{what}: reading the answer: {e}"));
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 400 {
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(Seen {
                    what,
                    status,
                    content_type,
                    text: text.clone(),
                });
            }
        }
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// Every error this client saw: never a 5xx; API errors are JSON with a
    /// code and a message; nothing internal shows.
    pub fn check_errors(&self) {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        for s in &seen {
            assert!(
                s.status < 500,
                "{} answered {}: {}",
                s.what,
                s.status,
                s.text
            );
            assert_no_internals(&s.what, &s.text);
            if s.what.contains(API) {
                assert!(
                    s.content_type.starts_with("application/json"),
                    "{} answered {} as {}: {}",
                    s.what,
                    s.status,
                    s.content_type,
                    s.text
                );
                let v: Value = serde_json::from_str(&s.text).unwrap_or_else(|e| {
                    panic!("{}: error body is not JSON ({e}): {}", s.what, s.text)
                });
                assert!(
                    v["error"]["code"].is_string() && v["error"]["message"].is_string(),
                    "{}: error body lacks code or message: {}",
                    s.what,
                    s.text
                );
            }
        }
    }
}

/// Words that would mean an error shows the server's insides.
const INTERNAL: [&str; 14] = [
    "panicked",
    "backtrace",
    "RUST_BACKTRACE",
    "SELECT ",
    "INSERT ",
    "UPDATE items",
    "DELETE FROM",
    "syntax error at",
    "SQLITE_",
    "sqlite",
    "postgres",
    "tokio",
    "thread '",
    ".rs:",
];

#[track_caller]
pub fn assert_no_internals(what: &str, text: &str) {
    for w in INTERNAL {
        assert!(
            !text.contains(w),
            "{what}: the error shows internals (`{w}`): {text}"
        );
    }
}

/// Percent-encode a query-string or form value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---- PostgreSQL databases -----------------------------------------------------

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
        let cause = std::error::Error::source(&e)
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        panic!(
            "PostgreSQL is not reachable at {url}: {e}{cause}\n\
             The postgres server tests need a PostgreSQL server (they are never skipped): \
             start one, or point CAIRN_TEST_PG at one (e.g. postgres://postgres@127.0.0.1:5432/postgres)."
        )
    })
}

/// A database made for one test and dropped (connections and all) when the
/// guard goes. Named like the app harness's (`cairn_t_<pid>_...`), so
/// either harness clears the other's leftovers from killed runs.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl PgDb {
    pub fn create(test_name: &str) -> PgDb {
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
            .batch_execute(&format!("CREATE DATABASE {name}"))
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

/// Drop databases left behind by test processes that no longer run.
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
}

/// Every `PREFIX-<n>` key `text` names.
pub fn keys_named(text: &str, prefix: &str) -> Vec<String> {
    let pat = format!("{prefix}-");
    let mut out = Vec::new();
    for (i, _) in text.match_indices(&pat) {
        if text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let digits: String = text[i + pat.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() {
            out.push(format!("{pat}{digits}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What a response shows of `hidden` (a product the caller cannot see),
/// keys the request itself named excepted; `None` when nothing. The
/// answer quotes the response around the first thing it shows.
pub fn leak(
    what: &str,
    text: &str,
    hidden: &ProductSeed,
    named_in_request: &str,
) -> Option<String> {
    let allowed = keys_named(named_in_request, hidden.prefix);
    let shown = std::iter::once(hidden.name.to_string())
        .chain(hidden.items.iter().map(|s| s.title.to_string()))
        .find(|t| text.contains(t.as_str()))
        .or_else(|| {
            keys_named(text, hidden.prefix)
                .into_iter()
                .find(|k| !allowed.contains(k))
        })?;
    let at = text.find(&shown).unwrap_or(0);
    let mut from = at.saturating_sub(150);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + shown.len() + 150).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    Some(format!(
        "{what} shows `{shown}` of {} to someone who cannot see it: …{}…",
        hidden.prefix,
        &text[from..to]
    ))
}

/// Assert a response shows nothing of `hidden` (see [`leak`]).
#[track_caller]
pub fn assert_hides(what: &str, text: &str, hidden: &ProductSeed, named_in_request: &str) {
    if let Some(l) = leak(what, text, hidden, named_in_request) {
        panic!("{l}");
    }
}
