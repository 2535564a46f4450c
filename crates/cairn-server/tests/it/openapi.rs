//! The OpenAPI document: the checked-in copy at `docs/openapi.json` is the
//! one the server serves, every operation it documents is routed, and it
//! looks like valid OpenAPI 3.1 (every `$ref` resolves).
//!
//! After changing the API, regenerate the copy with
//! `CAIRN_WRITE_OPENAPI=1 cargo test -p cairn-server --test it openapi`
//! and review the diff.

use crate::support::{API, Backend, TestServer};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

const REGENERATE: &str = "CAIRN_WRITE_OPENAPI=1 cargo test -p cairn-server --test it openapi";

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn served(s: &TestServer) -> Value {
    let r = s.client.get(&format!("{API}/openapi.json"), None, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    assert!(r.body.is_object(), "{}", r.text);
    r.body
}

#[test]
fn the_checked_in_document_is_the_served_one() {
    let s = TestServer::start(Backend::Sqlite, "openapi::checked_in");
    let doc = served(&s);
    assert_eq!(
        doc,
        cairn_server::openapi::document(),
        "the server serves the document it builds"
    );
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("serialise the document")
    );
    let path = checked_in();
    if std::env::var("CAIRN_WRITE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("wrote {}; review the diff", path.display());
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\ncreate it with `{REGENERATE}`",
            path.display()
        )
    });
    let parsed: Value = serde_json::from_str(&on_disk).unwrap_or_else(|e| {
        panic!(
            "{} is not JSON ({e}); regenerate it with `{REGENERATE}`",
            path.display()
        )
    });
    if parsed != doc {
        let old = paths_of(&parsed);
        let new = paths_of(&doc);
        panic!(
            "docs/openapi.json differs from the document the server serves, first at {} \
             (operations only in the file: {:?}; only served: {:?}).\n\
             If the API change is intended, run `{REGENERATE}` and review the diff.",
            first_difference(&parsed, &doc, "").unwrap_or_default(),
            old.difference(&new).collect::<Vec<_>>(),
            new.difference(&old).collect::<Vec<_>>(),
        );
    }
    assert!(
        on_disk == text,
        "docs/openapi.json has the right content but not the generated layout; run `{REGENERATE}`"
    );
}

/// The JSON pointer of the first place two documents differ, with both
/// values there.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => first_difference(p, q, &here),
                    (p, q) => Some(format!("{here} (file: {p:?}, served: {q:?})")),
                }
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at} (file: {a}, served: {b})")),
    }
}

/// "METHOD /path" of every operation.
fn paths_of(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (p, ops) in paths {
            for m in ops.as_object().into_iter().flat_map(|o| o.keys()) {
                out.insert(format!("{} {p}", m.to_uppercase()));
            }
        }
    }
    out
}

#[test]
fn every_documented_operation_is_routed() {
    let s = TestServer::start(Backend::Sqlite, "openapi::routed");
    let doc = served(&s);
    let ops = paths_of(&doc);
    assert!(ops.len() >= 30, "{ops:?}");
    let admin = Some(s.token("admin"));
    for op in &ops {
        let (method, path) = op.split_once(' ').unwrap();
        let filled = path
            .replace("{key}", "PAY-4")
            .replace("{id}", "999999")
            .replace("{relation}", "relates")
            .replace("{other}", "PAY-3")
            .replace("{kind}", "risks")
            .replace("{prefix}", "PAY")
            .replace("{system}", "jira");
        assert!(!filled.contains('{'), "unfilled placeholder in {path}");
        let url = format!("{API}{filled}");
        // Nothing is changed: PATCH and DELETE of items lack If-Match, and
        // the bodies are empty objects.
        let body = matches!(method, "POST" | "PATCH").then(|| ("application/json", b"{}".to_vec()));
        let r = s.client.send(method, &url, admin, body, &[]);
        assert_ne!(r.status, 405, "{op} is documented but not routed");
        assert!(
            !(r.status == 404 && r.message().starts_with("there is no such API endpoint")),
            "{op} is documented but not routed: {}",
            r.text
        );
        assert!(r.status < 500, "{op}: {} {}", r.status, r.text);
    }
    // The seeded items are as they were.
    assert_eq!(s.read("PAY-4").1["title"], "Preview refunds before sending");
}

#[test]
fn the_document_is_openapi_3_1() {
    let doc = cairn_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());
    assert_eq!(doc["servers"][0]["url"], "/api/v1");

    // Every $ref points inside the document, at something that exists.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20, "{refs:?}");
    for r in &refs {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("`{r}` points outside the document"));
        assert!(doc.pointer(pointer).is_some(), "`{r}` does not resolve");
    }
    // Every schema is used.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in schemas.keys() {
        let r = format!("#/components/schemas/{name}");
        assert!(refs.contains(&r), "schema {name} is never used");
    }

    // Every operation: a unique id, responses with a success, and each
    // path placeholder declared as a path parameter.
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with('/'), "{path}");
        for (method, op) in item.as_object().unwrap() {
            assert!(methods.contains(&method.as_str()), "{method} {path}");
            let id = op["operationId"].as_str().unwrap().to_string();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path} has no success response"
            );
            for (code, resp) in responses {
                assert!(
                    code.len() == 3 && code.chars().all(|c| c.is_ascii_digit()),
                    "{code}"
                );
                assert!(resp["description"].is_string(), "{method} {path} {code}");
            }
            let params = op["parameters"].as_array().unwrap();
            for p in params {
                let at = p["in"].as_str().unwrap();
                assert!(["path", "query", "header", "cookie"].contains(&at), "{p}");
                if at == "path" {
                    assert_eq!(p["required"], true, "{method} {path}: {p}");
                }
            }
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let placeholders: BTreeSet<&str> = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, placeholders, "{method} {path}");
            if let Some(b) = op.get("requestBody") {
                assert!(
                    b["content"]["application/json"]["schema"].is_object(),
                    "{method} {path}"
                );
            }
        }
    }
    // The security schemes the document names exist.
    for s in doc["security"].as_array().unwrap() {
        for name in s.as_object().unwrap().keys() {
            assert!(
                doc["components"]["securitySchemes"][name].is_object(),
                "{name}"
            );
        }
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().expect("a $ref is a string").to_string());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}
