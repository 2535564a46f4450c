//! The authorisation matrix: every API operation × every seeded user ×
//! both products, on SQLite and on PostgreSQL.
//!
//! The seeded roles (see `support::role_of`):
//!
//! | user     | PAY         | OPS   |
//! |----------|-------------|-------|
//! | admin    | (admin)     | (admin) |
//! | owner    | owner       | —     |
//! | dev      | member      | —     |
//! | stake    | stakeholder | —     |
//! | outsider | —           | owner |
//!
//! The rules every cell follows:
//! * a user with no role in the product an operation names gets 404
//!   `not_found`, never 403: what you cannot see does not exist;
//! * a user whose role is below the operation's least role gets 403
//!   `forbidden`;
//! * everyone else gets a 2xx;
//! * no response ever shows a key, title or name of a product the user
//!   cannot see (keys the request itself named excepted).

use crate::support::{
    API, CROSS_PARENT, OPS, PAY, Resp, TestServer, USERS, assert_hides, both, hidden_product, leak,
    product, role_of,
};
use cairn_core::Role;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Names no product: the caller's own things, or lists of what they see.
    Global,
    /// Names a product, by an item key in the path or a `product` member.
    Product,
}
use Scope::{Global, Product};

/// Every API operation: method, path, the least role that may call it
/// ("public": anyone, even without credentials; "admin": admins only), and
/// whether it names a product. It must list exactly the operations of
/// `cairn_server::api::routes()`, with the same roles.
const TABLE: &[(&str, &str, &str, Scope)] = &[
    ("get", "/openapi.json", "public", Global),
    ("get", "/me", "stakeholder", Global),
    ("get", "/me/tokens", "stakeholder", Global),
    ("post", "/me/tokens", "stakeholder", Global),
    ("delete", "/me/tokens/{id}", "stakeholder", Global),
    ("get", "/products", "stakeholder", Global),
    ("get", "/items", "stakeholder", Global),
    ("post", "/items", "member", Product),
    ("get", "/items/{key}", "stakeholder", Product),
    ("patch", "/items/{key}", "member", Product),
    ("delete", "/items/{key}", "member", Product),
    ("post", "/items/{key}/move", "member", Product),
    ("get", "/items/{key}/history", "stakeholder", Product),
    ("get", "/items/{key}/comments", "stakeholder", Product),
    ("post", "/items/{key}/comments", "stakeholder", Product),
    ("post", "/items/{key}/watch", "stakeholder", Product),
    ("delete", "/items/{key}/watch", "stakeholder", Product),
    ("get", "/me/notifications", "stakeholder", Global),
    ("post", "/me/notifications/read", "stakeholder", Global),
    ("get", "/me/notification-settings", "stakeholder", Global),
    ("put", "/me/notification-settings", "stakeholder", Global),
    ("get", "/products/{prefix}/webhooks", "owner", Product),
    ("post", "/products/{prefix}/webhooks", "owner", Product),
    ("patch", "/webhooks/{id}", "owner", Product),
    ("delete", "/webhooks/{id}", "owner", Product),
    ("get", "/webhooks/{id}/deliveries", "owner", Product),
    ("post", "/webhooks/prune", "admin", Global),
    ("post", "/deliveries/{id}/replay", "owner", Product),
    ("patch", "/comments/{id}", "stakeholder", Product),
    ("delete", "/comments/{id}", "stakeholder", Product),
    ("post", "/items/{key}/links", "member", Product),
    (
        "delete",
        "/items/{key}/links/{relation}/{other}",
        "member",
        Product,
    ),
    ("get", "/items/{key}/lint", "stakeholder", Product),
    ("post", "/items/{key}/decompose", "stakeholder", Product),
    ("get", "/lint", "stakeholder", Global),
    ("get", "/suspects", "stakeholder", Global),
    ("get", "/rank", "stakeholder", Product),
    ("get", "/rank/explain/{key}", "stakeholder", Product),
    ("post", "/rank/apply", "owner", Product),
    ("get", "/forecast/flow", "stakeholder", Product),
    ("get", "/forecast/when", "stakeholder", Product),
    ("get", "/forecast/how-many", "stakeholder", Product),
    ("get", "/forecast/cut-line", "stakeholder", Product),
    ("get", "/plan/sprints", "stakeholder", Product),
    ("get", "/plan/critical-path", "stakeholder", Product),
    ("get", "/reports/{kind}", "stakeholder", Product),
    ("post", "/reports/exec/record", "member", Product),
    ("get", "/baselines", "stakeholder", Product),
    ("post", "/baselines", "member", Product),
    ("get", "/baselines/diff", "stakeholder", Product),
    ("get", "/feedback", "stakeholder", Product),
    ("post", "/feedback", "member", Product),
    ("post", "/feedback/import", "member", Product),
    (
        "post",
        "/products/{prefix}/import/{system}",
        "owner",
        Product,
    ),
    ("get", "/feedback/suggest", "stakeholder", Product),
    ("get", "/feedback/themes", "stakeholder", Product),
    ("get", "/feedback/demand", "stakeholder", Product),
    ("get", "/feedback/tell", "stakeholder", Product),
    ("post", "/feedback/tell", "member", Product),
    ("get", "/feedback/insights", "stakeholder", Product),
    ("get", "/feedback/{id}", "stakeholder", Product),
    ("patch", "/feedback/{id}", "member", Product),
    ("post", "/feedback/{id}/links", "member", Product),
    ("delete", "/feedback/{id}/links/{key}", "member", Product),
    ("post", "/feedback/{id}/merge", "member", Product),
    ("get", "/customers", "stakeholder", Global),
    ("post", "/customers", "admin", Global),
    ("get", "/audit/verify", "admin", Global),
    ("get", "/items/{key}/commits", "stakeholder", Product),
    ("post", "/git/scan", "admin", Global),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    NotFound,
}

fn level(role: &str) -> u8 {
    match role {
        "public" => 0,
        "stakeholder" => 1,
        "member" => 2,
        "owner" => 3,
        "admin" => 4,
        other => panic!("unknown role {other}"),
    }
}

fn user_level(user: &str, product: Option<&str>) -> Option<u8> {
    if user == "admin" {
        return Some(4);
    }
    match product {
        None => Some(1),
        Some(p) => role_of(user, p).map(|r| match r {
            Role::Stakeholder => 1,
            Role::Member => 2,
            Role::Owner => 3,
        }),
    }
}

/// The expected outcome of one cell.
fn expect(role: &str, user: &str, product: Option<&str>) -> Expect {
    if role == "public" {
        return Expect::Allowed;
    }
    match user_level(user, product) {
        None => Expect::NotFound,
        Some(l) if l < level(role) => Expect::Forbidden,
        Some(_) => Expect::Allowed,
    }
}

/// One request of the matrix.
struct Req {
    method: &'static str,
    path: String,
    body: Option<Value>,
    if_match: Option<String>,
    /// A CSV body instead of JSON.
    csv: Option<String>,
}

/// New feedback in product `p`, made by an admin: its id.
fn new_feedback(s: &TestServer, p: &str, items: &[&str]) -> String {
    let r = s.client.post(
        &format!("{API}/feedback"),
        Some(s.token("admin")),
        &json!({ "product": p, "text": format!("Matrix feedback {}", unique()), "items": items }),
        &[],
    );
    assert_eq!(r.status, 201, "feedback for the matrix: {}", r.text);
    r.body["feedback"]["id"].as_str().unwrap().to_string()
}

/// A new webhook of product `p`, made by an admin: its id.
fn new_webhook(s: &TestServer, p: &str) -> i64 {
    let r = s.client.post(
        &format!("{API}/products/{p}/webhooks"),
        Some(s.token("admin")),
        &json!({ "url": "http://127.0.0.1:9/matrix", "events": ["item.created"] }),
        &[],
    );
    assert_eq!(r.status, 201, "webhook for the matrix: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A delivery of a new webhook of product `p`: its id.
fn new_delivery(s: &TestServer, p: &str, fx: &mut Fixtures) -> i64 {
    let id = new_webhook(s, p);
    fx.fresh(s, p);
    let r = s.client.get(
        &format!("{API}/webhooks/{id}/deliveries"),
        Some(s.token("admin")),
        &[],
    );
    assert_eq!(r.status, 200, "deliveries for the matrix: {}", r.text);
    r.body["deliveries"][0]["id"].as_i64().unwrap()
}

/// An open story of each product, for operations on "some item".
fn story(p: &str) -> &'static str {
    match p {
        "PAY" => "PAY-4",
        _ => "OPS-2",
    }
}

fn requirement(p: &str) -> String {
    format!("{p}-1")
}

struct Fixtures {
    /// An item per product that PATCH and move may change over and over.
    scratch: [(String, String); 2],
    n: usize,
}

impl Fixtures {
    fn scratch(&self, p: &str) -> &str {
        &self.scratch.iter().find(|(q, _)| q == p).unwrap().1
    }

    /// A new item, made by admin, for operations that use one up.
    fn fresh(&mut self, s: &TestServer, p: &str) -> String {
        self.n += 1;
        s.create(
            p,
            "story",
            &format!("{} fixture {}", product(p).name, self.n),
        )
    }
}

/// A small git repository (made once per test process) for the scan's cells.
fn scan_repo() -> String {
    static REPO: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = REPO.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        for args in [
            &["init", "-q", "-b", "main"][..],
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "PAY-4 and OPS-2 in one commit",
            ][..],
        ] {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(d.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_AUTHOR_NAME", "Matrix")
                .env("GIT_AUTHOR_EMAIL", "matrix@example.com")
                .env("GIT_COMMITTER_NAME", "Matrix")
                .env("GIT_COMMITTER_EMAIL", "matrix@example.com")
                .output()
                .expect("the matrix needs the `git` command");
            assert!(out.status.success(), "git {args:?}: {out:?}");
        }
        d
    });
    dir.path().display().to_string()
}

/// Build the request for one operation, as `user`, naming product `p`.
/// A number never handed out before in this process: names that must not
/// repeat across the matrix's many requests.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn request(
    s: &TestServer,
    fx: &mut Fixtures,
    method: &'static str,
    path: &'static str,
    p: &str,
    user: &str,
) -> Req {
    let name = product(p).name;
    let date = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let mut if_match = None;
    let mut csv = None;
    let (path, body): (String, Option<Value>) = match (method, path) {
        ("delete", "/me/tokens/{id}") => (
            format!("/me/tokens/{}", s.secrets.spare_token_ids[user]),
            None,
        ),
        ("post", "/me/tokens") => ("/me/tokens".into(), Some(json!({ "name": "matrix" }))),
        ("post", "/items") => (
            "/items".into(),
            Some(
                json!({ "product": p, "kind": "story", "title": format!("{name} item by {user}") }),
            ),
        ),
        ("patch", "/items/{key}") => {
            let key = fx.scratch(p).to_string();
            if_match = Some(s.read(&key).0);
            (
                format!("/items/{key}"),
                Some(json!({ "description": format!("Edited by {user}") })),
            )
        }
        ("delete", "/items/{key}") => {
            let key = fx.fresh(s, p);
            if_match = Some(s.read(&key).0);
            (format!("/items/{key}"), None)
        }
        ("post", "/items/{key}/move") => {
            let key = fx.scratch(p).to_string();
            if_match = Some(s.read(&key).0);
            (
                format!("/items/{key}/move"),
                Some(json!({ "after": story(p) })),
            )
        }
        ("get", "/products/{prefix}/webhooks") => (format!("/products/{p}/webhooks"), None),
        ("post", "/products/{prefix}/webhooks") => (
            format!("/products/{p}/webhooks"),
            Some(json!({ "url": "http://127.0.0.1:9/matrix", "events": ["item.created"] })),
        ),
        ("delete", "/webhooks/{id}") => (format!("/webhooks/{}", new_webhook(s, p)), None),
        ("patch", "/webhooks/{id}") => (
            format!("/webhooks/{}", new_webhook(s, p)),
            Some(json!({ "active": false })),
        ),
        ("get", "/webhooks/{id}/deliveries") => {
            (format!("/webhooks/{}/deliveries", new_webhook(s, p)), None)
        }
        ("post", "/deliveries/{id}/replay") => (
            format!("/deliveries/{}/replay", new_delivery(s, p, fx)),
            None,
        ),
        ("post", "/me/notifications/read") => ("/me/notifications/read".into(), Some(json!({}))),
        ("put", "/me/notification-settings") => (
            "/me/notification-settings".into(),
            Some(json!({ "settings": [{ "reason": "comment", "inbox": true, "email": true }] })),
        ),
        ("post", "/items/{key}/watch") => (format!("/items/{}/watch", story(p)), Some(json!({}))),
        ("patch", "/comments/{id}") | ("delete", "/comments/{id}") => {
            // The caller's own comment (made with the caller's token when
            // they may comment at all; else an admin's, which they may not
            // touch either way).
            let tok = if user == "anonymous" || user_level(user, Some(p)).is_none() {
                s.token("admin")
            } else {
                s.token(user)
            };
            let r = s.client.post(
                &format!("{API}/items/{}/comments", story(p)),
                Some(tok),
                &json!({ "body": format!("to change, by {user}") }),
                &[],
            );
            assert_eq!(r.status, 201, "comment for the matrix: {}", r.text);
            let id = r.body["id"].as_i64().unwrap();
            let body = (method == "patch").then(|| json!({ "body": format!("changed by {user}") }));
            (format!("/comments/{id}"), body)
        }
        ("post", "/items/{key}/comments") => (
            format!("/items/{}/comments", story(p)),
            Some(json!({ "body": format!("Noted by {user}") })),
        ),
        ("post", "/items/{key}/links") => {
            let key = fx.fresh(s, p);
            (
                format!("/items/{key}/links"),
                Some(json!({ "relation": "relates", "target": story(p) })),
            )
        }
        ("delete", "/items/{key}/links/{relation}/{other}") => {
            let key = fx.fresh(s, p);
            let r = s.client.post(
                &format!("{API}/items/{key}/links"),
                Some(s.token("admin")),
                &json!({ "relation": "relates", "target": story(p) }),
                &[],
            );
            assert_eq!(r.status, 201, "link {key}: {}", r.text);
            (format!("/items/{key}/links/relates/{}", story(p)), None)
        }
        ("post", "/items/{key}/decompose") => (
            format!("/items/{}/decompose", requirement(p)),
            Some(json!({})),
        ),
        ("post", "/rank/apply") => ("/rank/apply".into(), Some(json!({ "product": p }))),
        ("get", "/rank") => (format!("/rank?product={p}"), None),
        ("get", "/forecast/flow") => (format!("/forecast/flow?product={p}"), None),
        ("get", "/forecast/when") => (format!("/forecast/when?product={p}&trials=300"), None),
        ("get", "/forecast/how-many") => (
            format!("/forecast/how-many?product={p}&trials=300&date={date}"),
            None,
        ),
        ("get", "/forecast/cut-line") => (
            format!("/forecast/cut-line?product={p}&trials=300&date={date}"),
            None,
        ),
        ("get", "/plan/sprints") => (format!("/plan/sprints?product={p}&capacity=10"), None),
        ("get", "/plan/critical-path") => (
            format!("/plan/critical-path?product={p}&default_estimate=1"),
            None,
        ),
        ("get", "/reports/{kind}") => (format!("/reports/exec?product={p}"), None),
        ("get", "/baselines") => (format!("/baselines?product={p}"), None),
        ("post", "/baselines") => (
            "/baselines".into(),
            Some(
                json!({ "product": p, "name": format!("scope {}", unique()), "query": "kind = story" }),
            ),
        ),
        ("get", "/baselines/diff") => {
            let b = format!("diff base {}", unique());
            let r = s.client.post(
                &format!("{API}/baselines"),
                Some(s.token("admin")),
                &json!({ "product": p, "name": b, "query": "kind = story" }),
                &[],
            );
            assert_eq!(r.status, 201, "baseline for the diff: {}", r.text);
            (
                format!("/baselines/diff?product={p}&from={}", b.replace(' ', "%20")),
                None,
            )
        }
        ("post", "/reports/exec/record") => (format!("/reports/exec/record?product={p}"), None),
        ("get", "/feedback") => (format!("/feedback?product={p}"), None),
        ("post", "/feedback") => (
            "/feedback".into(),
            Some(json!({ "product": p, "text": format!("{name} feedback by {user}") })),
        ),
        ("post", "/products/{prefix}/import/{system}") => {
            csv = Some(format!(
                "{{\"issues\": [{{\"key\": \"MX-{}\", \"fields\": {{\"summary\": \"Matrix import\", \
                 \"created\": \"2026-03-02T09:00:00.000+0000\", \"status\": {{\"name\": \"To Do\", \
                 \"statusCategory\": {{\"key\": \"new\"}}}}}}}}]}}",
                unique()
            ));
            (format!("/products/{p}/import/jira?dry_run=true"), None)
        }
        ("post", "/feedback/import") => {
            csv = Some(format!("id,text\n{},Matrix import\n", unique()));
            (format!("/feedback/import?product={p}"), None)
        }
        ("get", "/feedback/suggest") => {
            (format!("/feedback/suggest?product={p}&text=refund"), None)
        }
        ("get", "/feedback/themes") => (format!("/feedback/themes?product={p}"), None),
        ("get", "/feedback/demand") => (format!("/feedback/demand?product={p}"), None),
        ("get", "/feedback/tell") => (format!("/feedback/tell?product={p}"), None),
        ("post", "/feedback/tell") => ("/feedback/tell".into(), Some(json!({ "product": p }))),
        ("get", "/feedback/insights") => (format!("/feedback/insights?product={p}"), None),
        ("get", "/feedback/{id}") => (format!("/feedback/{}", new_feedback(s, p, &[])), None),
        ("patch", "/feedback/{id}") => (
            format!("/feedback/{}", new_feedback(s, p, &[])),
            Some(json!({ "text": format!("Edited by {user}") })),
        ),
        ("post", "/feedback/{id}/links") => (
            format!("/feedback/{}/links", new_feedback(s, p, &[])),
            Some(json!({ "items": [story(p)] })),
        ),
        ("delete", "/feedback/{id}/links/{key}") => (
            format!(
                "/feedback/{}/links/{}",
                new_feedback(s, p, &[story(p)]),
                story(p)
            ),
            None,
        ),
        ("post", "/feedback/{id}/merge") => {
            let into = new_feedback(s, p, &[]);
            (
                format!("/feedback/{}/merge", new_feedback(s, p, &[])),
                Some(json!({ "into": into })),
            )
        }
        ("post", "/git/scan") => (
            "/git/scan".into(),
            Some(json!({ "path": scan_repo(), "dry_run": true })),
        ),
        ("post", "/customers") => (
            "/customers".into(),
            Some(json!({ "name": format!("Matrix customer {}", unique()), "revenue": 10 })),
        ),
        (_, path) if path.contains("{key}") => (path.replace("{key}", story(p)), None),
        (_, path) => {
            assert!(!path.contains('{'), "no filler for {method} {path}");
            (path.to_string(), None)
        }
    };
    Req {
        method,
        path: format!("{API}{path}"),
        body,
        if_match: if_match.map(|v| format!("\"{v}\"")),
        csv,
    }
}

fn send(s: &TestServer, user: &str, req: &Req) -> Resp {
    let token = if user == "anonymous" {
        None
    } else {
        Some(s.token(user))
    };
    let mut headers = Vec::new();
    if let Some(m) = &req.if_match {
        headers.push(("if-match", m.as_str()));
    }
    if let Some(c) = &req.csv {
        return s.client.send(
            &req.method.to_uppercase(),
            &req.path,
            token,
            Some(("text/csv", c.clone().into_bytes())),
            &headers,
        );
    }
    match &req.body {
        Some(b) => s
            .client
            .send_json(&req.method.to_uppercase(), &req.path, token, b, &headers),
        None => s
            .client
            .send(&req.method.to_uppercase(), &req.path, token, None, &headers),
    }
}

/// Check one cell; a failure is described, not panicked, so the test can
/// report the whole matrix at once.
fn check(user: &str, req: &Req, want: Expect, r: &Resp) -> Option<String> {
    let what = format!("{} {} as {user}", req.method.to_uppercase(), req.path);
    let ok = match want {
        Expect::Allowed => (200..300).contains(&r.status),
        Expect::Forbidden => r.status == 403 && r.code() == "forbidden",
        Expect::NotFound => r.status == 404 && r.code() == "not_found",
    };
    if ok {
        None
    } else {
        Some(format!(
            "{what}: expected {want:?}, got {} {}",
            r.status,
            clip(&r.text)
        ))
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(300) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn every_operation_obeys_the_role_matrix(s: &TestServer) {
    let (ops, _) = cairn_server::api::routes();
    // The table and the router list the same operations with the same roles.
    for op in &ops {
        let role = if op.public { "public" } else { op.role };
        let row = TABLE
            .iter()
            .find(|(m, p, _, _)| *m == op.method && *p == op.path)
            .unwrap_or_else(|| {
                panic!(
                    "{} {} is routed but not in the matrix: add it to TABLE",
                    op.method, op.path
                )
            });
        assert_eq!(row.2, role, "{} {}: the role changed", op.method, op.path);
    }
    for (m, p, _, _) in TABLE {
        assert!(
            ops.iter().any(|o| o.method == *m && o.path == *p),
            "{m} {p} is in the matrix but not routed"
        );
    }

    let mut fx = Fixtures {
        scratch: [
            (
                "PAY".into(),
                s.create("PAY", "story", "Payments scratch item"),
            ),
            (
                "OPS".into(),
                s.create("OPS", "story", "Operations scratch item"),
            ),
        ],
        n: 0,
    };
    let mut failures = Vec::new();
    let mut cells = 0;
    for &(method, path, role, scope) in TABLE {
        let products: &[Option<&str>] = match scope {
            Global => &[None],
            Product => &[Some("PAY"), Some("OPS")],
        };
        for p in products {
            for user in USERS {
                let req = request(s, &mut fx, method, path, p.unwrap_or("PAY"), user);
                let want = expect(role, user, *p);
                let r = send(s, user, &req);
                cells += 1;
                if let Some(f) = check(user, &req, want, &r) {
                    failures.push(f);
                }
                // (The public document is the same for everyone.)
                if let Some(hidden) = hidden_product(user).filter(|_| role != "public") {
                    let named = format!("{} {}", req.path, req.body.clone().unwrap_or_default());
                    let what = format!("{} {} as {user}", method.to_uppercase(), req.path);
                    if let Some(l) = leak(&what, &r.text, hidden, &named) {
                        failures.push(l);
                    }
                }
            }
        }
        // Without credentials: 401 for everything but the public document.
        let req = request(s, &mut fx, method, path, "PAY", "admin");
        let r = send(s, "anonymous", &req);
        let want = if role == "public" { 200 } else { 401 };
        if r.status != want {
            failures.push(format!(
                "{} {} without credentials: expected {want}, got {} {}",
                method.to_uppercase(),
                req.path,
                r.status,
                clip(&r.text)
            ));
        }
    }
    assert!(cells > 200, "{cells} cells");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Lists show each user exactly the products they have a role in.
fn lists_show_only_visible_products(s: &TestServer) {
    let count = |p: &str| product(p).items.len() as u64;
    for (user, visible) in [
        ("admin", &["PAY", "OPS"][..]),
        ("owner", &["PAY"]),
        ("dev", &["PAY"]),
        ("stake", &["PAY"]),
        ("outsider", &["OPS"]),
    ] {
        let t = Some(s.token(user));
        let r = s
            .client
            .get(&format!("{API}/items?limit=500&total=true"), t, &[]);
        assert_eq!(r.status, 200, "{}", r.text);
        let total: u64 = visible.iter().map(|p| count(p)).sum();
        assert_eq!(r.body["total"].as_u64(), Some(total), "{user}: {}", r.text);
        let r = s.client.get(&format!("{API}/products"), t, &[]);
        let prefixes: Vec<&str> = r.body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prefix"].as_str().unwrap())
            .collect();
        let mut want = visible.to_vec();
        want.sort();
        let mut got = prefixes.clone();
        got.sort();
        assert_eq!(got, want, "{user}");
        // Queries cannot reach another product, by name or by link.
        for q in [
            "product = PAY",
            "product = OPS",
            "product IN (PAY, OPS)",
            "title ~ \"refund\" OR title ~ \"on-call\"",
        ] {
            let r = s.client.get(
                &format!("{API}/items?limit=500&q={}", crate::support::enc(q)),
                t,
                &[],
            );
            assert_eq!(r.status, 200, "{user} {q}: {}", r.text);
            if let Some(hidden) = hidden_product(user) {
                assert_hides(&format!("{user}: {q}"), &r.text, hidden, q);
            }
        }
        // Without a product, ranking and planning pick the one you see
        // (or ask which, when you see several).
        for path in [
            "/rank",
            "/plan/critical-path?default_estimate=1",
            "/forecast/flow",
        ] {
            let r = s.client.get(&format!("{API}{path}"), t, &[]);
            if visible.len() == 1 {
                assert_eq!(r.status, 200, "{user} {path}: {}", r.text);
                assert!(
                    r.text.contains(&format!("{}-", visible[0])),
                    "{user} {path}: {}",
                    r.text
                );
            } else {
                assert_eq!(r.status, 400, "{user} {path}: {}", r.text);
            }
            if let Some(hidden) = hidden_product(user) {
                assert_hides(&format!("{user}: {path}"), &r.text, hidden, "");
            }
        }
    }
}

/// An item you cannot see answers exactly like one that does not exist.
fn hidden_items_look_missing(s: &TestServer) {
    for (user, hidden) in [("dev", &OPS), ("outsider", &PAY)] {
        let t = Some(s.token(user));
        let seen = s
            .client
            .get(&format!("{API}/items/{}-2", hidden.prefix), t, &[]);
        let missing = s
            .client
            .get(&format!("{API}/items/{}-999", hidden.prefix), t, &[]);
        assert_eq!(seen.status, 404);
        assert_eq!(missing.status, 404);
        assert_eq!(
            seen.text.replace("-2", "-N"),
            missing.text.replace("-999", "-N"),
            "{user}"
        );
        let seen = s
            .client
            .get(&format!("{API}/rank?product={}", hidden.prefix), t, &[]);
        let missing = s.client.get(&format!("{API}/rank?product=NOPE"), t, &[]);
        assert_eq!(seen.status, 404, "{}", seen.text);
        assert_eq!(
            seen.text.replace(hidden.prefix, "X"),
            missing.text.replace("NOPE", "X"),
            "{user}"
        );
        // A query naming a hidden item by a link function fails like a
        // query naming a missing one.
        let q = format!("relates({}-2)", hidden.prefix);
        let seen = s.client.get(
            &format!("{API}/items?q={}", crate::support::enc(&q)),
            t,
            &[],
        );
        let q = format!("relates({}-999)", hidden.prefix);
        let missing = s.client.get(
            &format!("{API}/items?q={}", crate::support::enc(&q)),
            t,
            &[],
        );
        assert_eq!(seen.status, missing.status, "{}", seen.text);
        assert_eq!(
            seen.text.replace("-2", "-N"),
            missing.text.replace("-999", "-N"),
            "{user}"
        );
    }
    // Links and parents across products: each side sees its own end only,
    // in item views and in histories; an admin sees both.
    let (child, parent) = CROSS_PARENT;
    for (user, key, hidden) in [
        ("outsider", child, &PAY),
        ("outsider", "OPS-3", &PAY),
        ("outsider", "OPS-2", &PAY),
        ("dev", parent, &OPS),
        ("dev", "PAY-4", &OPS),
        ("dev", "PAY-5", &OPS),
    ] {
        let t = Some(s.token(user));
        for path in [format!("/items/{key}"), format!("/items/{key}/history")] {
            let r = s.client.get(&format!("{API}{path}"), t, &[]);
            assert_eq!(r.status, 200, "{user} {path}: {}", r.text);
            assert_hides(&format!("{user}: {path}"), &r.text, hidden, &path);
        }
    }
    let r = s.client.get(
        &format!("{API}/items/{child}"),
        Some(s.token("outsider")),
        &[],
    );
    assert_eq!(r.body["parent"], Value::Null);
    let admin = Some(s.token("admin"));
    let r = s.client.get(&format!("{API}/items/{child}"), admin, &[]);
    assert_eq!(r.body["parent"], parent);
    let r = s.client.get(&format!("{API}/items/{parent}"), admin, &[]);
    assert!(
        r.body["children"]
            .as_array()
            .unwrap()
            .contains(&json!(child))
    );
    let r = s
        .client
        .get(&format!("{API}/items/{child}/history"), admin, &[]);
    assert!(r.text.contains(parent), "{}", r.text);
    let r = s
        .client
        .get(&format!("{API}/items/OPS-3/history"), admin, &[]);
    assert!(r.text.contains("PAY-5"), "{}", r.text);
    // The OPS plan still holds OPS-3 for its hidden blocker, unnamed.
    let r = s.client.get(
        &format!("{API}/plan/sprints?product=OPS&capacity=10"),
        Some(s.token("outsider")),
        &[],
    );
    let held = r.body["not_planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == "OPS-3")
        .unwrap_or_else(|| panic!("OPS-3 is planned despite its blocker: {}", r.text));
    assert_eq!(held["reason"], "blocked-outside");
    let r = s.client.get(
        &format!("{API}/plan/sprints?product=OPS&capacity=10"),
        admin,
        &[],
    );
    assert!(r.text.contains("blocked by PAY-5"), "{}", r.text);

    // Moving or linking next to a hidden item: 404 too, even for a member
    // of the item's own product.
    let (v, _) = s.read("PAY-4");
    let r = s.client.post(
        &format!("{API}/items/PAY-4/links"),
        Some(s.token("dev")),
        &json!({ "relation": "relates", "target": "OPS-3" }),
        &[],
    );
    r.expect(404, "not_found");
    let r = s.client.patch(
        &format!("{API}/items/PAY-6"),
        Some(s.token("dev")),
        &json!({ "parent": "OPS-2" }),
        &[("if-match", &format!("\"{}\"", s.read("PAY-6").0))],
    );
    r.expect(404, "not_found");
    assert_eq!(s.read("PAY-4").0, v);
    // Decomposing for real needs the owner role.
    let r = s.client.post(
        &format!("{API}/items/PAY-1/decompose"),
        Some(s.token("dev")),
        &json!({ "apply": true }),
        &[],
    );
    r.expect(403, "forbidden");
    let r = s.client.post(
        &format!("{API}/items/PAY-1/decompose"),
        Some(s.token("owner")),
        &json!({ "apply": true }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

both!(
    every_operation_obeys_the_role_matrix,
    lists_show_only_visible_products,
    hidden_items_look_missing,
);
