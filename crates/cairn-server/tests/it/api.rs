//! The REST API over HTTP, on SQLite and on PostgreSQL: items with ETags
//! and If-Match, moves, cursor pages, JSON errors, credentials, sessions
//! with CSRF, security headers and sign-in rate limits.

use crate::support::{API, PASSWORD, Resp, TestServer, both, enc};
use serde_json::{Value, json};

fn etag(v: i64) -> String {
    format!("\"{v}\"")
}

/// The keys of PAY in rank order.
fn pay_order(s: &TestServer) -> Vec<String> {
    let r = s.client.get(
        &format!(
            "{API}/items?limit=500&q={}",
            enc("product = PAY ORDER BY rank")
        ),
        Some(s.token("dev")),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    keys(&r)
}

fn keys(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {}", r.text))
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

fn create_patch_and_delete_use_etags(s: &TestServer) {
    let dev = Some(s.token("dev"));
    // Create: 201, Location, ETag.
    let r = s.client.post(
        &format!("{API}/items"),
        dev,
        &json!({ "product": "PAY", "kind": "story", "title": "Refund in two currencies", "estimate": 2, "labels": ["fx"] }),
        &[],
    );
    r.expect(201, "");
    let key = r.body["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("PAY-"), "{key}");
    let v1 = r.body["version"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(&*format!("{API}/items/{key}")));
    assert_eq!(r.header("etag"), Some(&*etag(v1)));
    assert_eq!(r.body["title"], "Refund in two currencies");
    assert_eq!(r.body["state"], "todo");

    // GET: the ETag is the version.
    let r = s.client.get(&format!("{API}/items/{key}"), dev, &[]);
    r.expect(200, "");
    assert_eq!(r.header("etag"), Some(&*etag(v1)));
    assert_eq!(r.body["version"], v1);
    assert!(r.body["links"].is_array() && r.body["children"].is_array());

    let path = format!("{API}/items/{key}");
    let change = json!({ "title": "Refund in any currency", "estimate": null });
    // PATCH without If-Match: 428, nothing changes.
    s.client
        .patch(&path, dev, &change, &[])
        .expect(428, "precondition_required");
    // An If-Match that is no ETag: 400 naming the header.
    let r = s
        .client
        .patch(&path, dev, &change, &[("if-match", "yesterday")]);
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "If-Match");
    // A stale one: 412 with the current item.
    let r = s
        .client
        .patch(&path, dev, &change, &[("if-match", &etag(v1 - 1))]);
    r.expect(412, "version_conflict");
    assert_eq!(r.body["error"]["current"]["version"], v1);
    assert_eq!(
        r.body["error"]["current"]["title"],
        "Refund in two currencies"
    );
    assert_eq!(r.header("etag"), Some(&*etag(v1)));
    // The right one: 200 and the next version.
    let r = s
        .client
        .patch(&path, dev, &change, &[("if-match", &etag(v1))]);
    r.expect(200, "");
    let v2 = r.body["version"].as_i64().unwrap();
    assert_eq!(v2, v1 + 1);
    assert_eq!(r.header("etag"), Some(&*etag(v2)));
    assert_eq!(r.body["title"], "Refund in any currency");
    assert_eq!(r.body["estimate"], Value::Null);
    assert_eq!(r.body["labels"], json!(["fx"]), "members not sent stay");
    // Weak ETags are accepted too; the old version is now stale.
    let r = s.client.patch(
        &path,
        dev,
        &json!({ "state": "in-progress" }),
        &[("if-match", &format!("W/{}", etag(v1)))],
    );
    r.expect(412, "version_conflict");
    assert_eq!(
        r.body["error"]["current"]["title"],
        "Refund in any currency"
    );

    // DELETE likewise.
    s.client
        .delete(&path, dev, &[])
        .expect(428, "precondition_required");
    let r = s.client.delete(&path, dev, &[("if-match", &etag(v1))]);
    r.expect(412, "version_conflict");
    assert_eq!(r.body["error"]["current"]["version"], v2);
    let r = s.client.delete(&path, dev, &[("if-match", &etag(v2))]);
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    s.client.get(&path, dev, &[]).expect(404, "not_found");
    s.client
        .delete(&path, dev, &[("if-match", &etag(v2))])
        .expect(404, "not_found");
    // Its history stays.
    let r = s.client.get(&format!("{path}/history"), dev, &[]);
    r.expect(200, "");
    let actions: Vec<&str> = r.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"item.create"), "{actions:?}");
    assert_eq!(actions.last(), Some(&"item.delete"), "{actions:?}");
}

fn moves_reorder_the_backlog(s: &TestServer) {
    let dev = Some(s.token("dev"));
    let before = pay_order(s);
    assert_eq!(before.len(), crate::support::PAY.items.len(), "{before:?}");
    let key = "PAY-5";
    let (mut v, _) = s.read(key);
    let mut mv = |body: Value| {
        let r = s.client.post(
            &format!("{API}/items/{key}/move"),
            dev,
            &body,
            &[("if-match", &etag(v))],
        );
        r.expect(200, "");
        assert_eq!(r.body["key"], key);
        let nv = r.body["version"].as_i64().unwrap();
        assert_eq!(r.header("etag"), Some(&*etag(nv)));
        v = nv;
        pay_order(s)
    };
    let o = mv(json!({ "to": "top" }));
    assert_eq!(o[0], key, "{o:?}");
    let o = mv(json!({ "to": "bottom" }));
    assert_eq!(o.last().unwrap(), key, "{o:?}");
    let o = mv(json!({ "before": "PAY-3" }));
    let at = |o: &[String], k: &str| o.iter().position(|x| x == k).unwrap();
    assert_eq!(at(&o, key) + 1, at(&o, "PAY-3"), "{o:?}");
    let o = mv(json!({ "after": "PAY-9", "reason": "after the spreadsheet export" }));
    assert_eq!(at(&o, key), at(&o, "PAY-9") + 1, "{o:?}");
    // Nothing else moved relative to each other.
    let rest = |o: &[String]| -> Vec<String> { o.iter().filter(|k| *k != key).cloned().collect() };
    assert_eq!(rest(&o), rest(&before));
    assert_eq!(o.len(), before.len());
    // The reason is in the history.
    let r = s
        .client
        .get(&format!("{API}/items/{key}/history"), dev, &[]);
    assert!(
        r.text.contains("after the spreadsheet export"),
        "{}",
        r.text
    );

    let path = format!("{API}/items/{key}/move");
    // Stale: 412 with the current item; no If-Match: 428.
    let r = s.client.post(
        &path,
        dev,
        &json!({ "to": "top" }),
        &[("if-match", &etag(v - 1))],
    );
    r.expect(412, "version_conflict");
    assert_eq!(r.body["error"]["current"]["version"], v);
    s.client
        .post(&path, dev, &json!({ "to": "top" }), &[])
        .expect(428, "precondition_required");
    // Say where exactly once.
    for bad in [
        json!({ "to": "middle" }),
        json!({}),
        json!({ "to": "top", "before": "PAY-3" }),
    ] {
        let r = s.client.post(&path, dev, &bad, &[("if-match", &etag(v))]);
        r.expect(400, "invalid_input");
        assert_eq!(r.body["error"]["field"], "to", "{bad}");
    }
    // Next to an item of another product, or itself: 400 / 404.
    let r = s.client.post(
        &path,
        dev,
        &json!({ "before": key }),
        &[("if-match", &etag(v))],
    );
    r.expect(400, "invalid_input");
    let r = s.client.post(
        &path,
        Some(s.token("admin")),
        &json!({ "before": "OPS-2" }),
        &[("if-match", &etag(v))],
    );
    r.expect(400, "invalid_input");
    assert!(r.message().contains("own product"), "{}", r.text);
    let r = s.client.post(
        &path,
        dev,
        &json!({ "before": "OPS-2" }),
        &[("if-match", &etag(v))],
    );
    r.expect(404, "not_found");
    assert_eq!(pay_order(s), o, "failed moves move nothing");
}

fn cursor_pages_see_every_item_once(s: &TestServer) {
    let dev = Some(s.token("dev"));
    for q in ["product = PAY ORDER BY rank", "", "kind = story"] {
        let all = s.client.get(
            &format!("{API}/items?limit=500&total=true&q={}", enc(q)),
            dev,
            &[],
        );
        all.expect(200, "");
        let expected = keys(&all);
        let total = all.body["total"].as_u64().unwrap();
        assert_eq!(total as usize, expected.len());
        assert!(all.body["next_cursor"].is_null());
        assert!(total >= 5, "{q}: {total}");

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("{API}/items?limit=2&total=true&q={}", enc(q));
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", enc(c)));
            }
            let r = s.client.get(&path, dev, &[]);
            r.expect(200, "");
            assert_eq!(r.body["total"].as_u64(), Some(total), "{q}: page {pages}");
            let page = keys(&r);
            assert!(page.len() <= 2);
            seen.extend(page);
            pages += 1;
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
            assert!(pages < 100, "the pages never end");
        }
        assert_eq!(seen, expected, "{q}: every item once, in order");
        assert_eq!(pages, expected.len().div_ceil(2), "{q}");
    }
    // The default page size, and bad limits and cursors.
    let r = s.client.get(&format!("{API}/items"), dev, &[]);
    r.expect(200, "");
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%25%25", "cursor"),
    ] {
        let r = s.client.get(&format!("{API}/items?{query}"), dev, &[]);
        r.expect(400, "invalid_input");
        assert_eq!(r.body["error"]["field"], field, "{query}");
    }
    let r = s.client.get(&format!("{API}/items?limit=many"), dev, &[]);
    r.expect(400, "invalid_input");
}

fn bad_input_is_a_json_400(s: &TestServer) {
    let dev = Some(s.token("dev"));
    // A query that does not parse: bad_query on q, with the column.
    for q in ["kind = = story", "colour = red", "product = PAY ORDER BY"] {
        let r = s.client.get(&format!("{API}/items?q={}", enc(q)), dev, &[]);
        r.expect(400, "bad_query");
        assert_eq!(r.body["error"]["field"], "q", "{q}");
        assert!(r.body["error"]["column"].as_u64().is_some(), "{}", r.text);
        assert!(!r.message().is_empty());
    }
    let r = s
        .client
        .get(&format!("{API}/lint?q={}", enc("state ==")), dev, &[]);
    r.expect(400, "bad_query");
    // Search words are data, whatever they contain: an answer or a 400,
    // never a database error.
    for q in [
        r#"title ~ "refund*""#,
        r#"text ~ "NEAR(refund file)""#,
        r#"title ~ "((""#,
        r#"title ~ "a AND OR b""#,
        r#"title ~ "-refund""#,
        r#"text ~ "x' OR '1'='1""#,
        r#"title ~ "\"""#,
        r#"title ~ "%_""#,
        r#"title ~ "refund:file^2""#,
    ] {
        let r = s.client.get(&format!("{API}/items?q={}", enc(q)), dev, &[]);
        assert!(
            r.status == 200 || (r.status == 400 && !r.message().is_empty()),
            "{q}: {} {}",
            r.status,
            r.text
        );
    }

    // Bodies: not JSON, not an object of the right shape, unknown members.
    let items = format!("{API}/items");
    for (body, what) in [
        ("{not json", "syntax"),
        ("", "empty"),
        ("[1, 2]", "array"),
        (r#"{"title": 5}"#, "wrong type"),
        (r#"{"product": "PAY"}"#, "missing title"),
        (r#"{"title": "x", "colour": "red"}"#, "unknown member"),
    ] {
        let r = s.client.send(
            "POST",
            &items,
            dev,
            Some(("application/json", body.as_bytes().to_vec())),
            &[],
        );
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_body"),
            "{what}: {}",
            r.text
        );
        assert!(!r.message().is_empty(), "{what}");
    }
    let r = s.client.send(
        "PATCH",
        &format!("{API}/items/PAY-3"),
        dev,
        Some(("application/json", br#"{"titel": "typo"}"#.to_vec())),
        &[("if-match", "\"1\"")],
    );
    r.expect(400, "invalid_body");
    assert!(r.message().contains("titel"), "{}", r.text);
    // Not JSON at all.
    let r = s.client.send(
        "POST",
        &items,
        dev,
        Some(("text/plain", b"title=x".to_vec())),
        &[],
    );
    r.expect(415, "unsupported_media_type");
    // Valid JSON, invalid values.
    let r = s.client.post(
        &items,
        dev,
        &json!({ "product": "PAY", "kind": "saga", "title": "x" }),
        &[],
    );
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "kind");
    let r = s.client.post(
        &items,
        dev,
        &json!({ "product": "PAY", "title": "x", "parent": "nope" }),
        &[],
    );
    r.expect(400, "invalid_input");
    let r = s.client.post(
        &items,
        dev,
        &json!({ "product": "PAY", "title": "  " }),
        &[],
    );
    r.expect(400, "invalid_input");

    // Bad keys.
    for bad in ["not-a-key", "PAY-x", "pay", "PAY-0"] {
        let r = s.client.get(&format!("{API}/items/{bad}"), dev, &[]);
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.code(), "invalid_input", "{bad}");
        assert_eq!(r.body["error"]["field"], "key", "{bad}");
    }
    // A well-formed key that does not exist.
    s.client
        .get(&format!("{API}/items/PAY-999"), dev, &[])
        .expect(404, "not_found");
    // Bad links.
    let r = s.client.post(
        &format!("{API}/items/PAY-4/links"),
        dev,
        &json!({ "relation": "likes", "target": "PAY-5" }),
        &[],
    );
    r.expect(400, "invalid_input");
    let r = s.client.post(
        &format!("{API}/items/PAY-4/links"),
        dev,
        &json!({ "relation": "relates", "target": "five" }),
        &[],
    );
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "target");
}

fn unknown_endpoints_are_json_404s(s: &TestServer) {
    let admin = Some(s.token("admin"));
    for path in ["/nope", "/items/PAY-3/nope", "/v2/items"] {
        let r = s.client.get(&format!("{API}{path}"), admin, &[]);
        r.expect(404, "not_found");
        assert!(
            r.message().starts_with("there is no such API endpoint"),
            "{path}: {}",
            r.text
        );
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
    }
    // Even without credentials, an unknown endpoint is a JSON 404.
    let r = s.client.get(&format!("{API}/nope"), None, &[]);
    r.expect(404, "not_found");
    // A known path with a method it does not take.
    let r = s
        .client
        .send("PUT", &format!("{API}/items"), admin, None, &[]);
    r.expect(405, "method_not_allowed");
    let allow = r.header("allow").unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
    // Pages outside the API stay pages.
    let r = s.client.get("/no-such-page", None, &[]);
    assert_eq!(r.status, 404);
}

fn oversized_bodies_are_refused(s: &TestServer) {
    let dev = Some(s.token("dev"));
    let big = "x".repeat(cairn_server::MAX_BODY + 10);
    let r = s.client.post(
        &format!("{API}/items"),
        dev,
        &json!({ "product": "PAY", "title": "Too big", "description": big }),
        &[],
    );
    r.expect(413, "too_large");
    // Just under the limit is fine as far as the size goes.
    let fits = "y".repeat(cairn_server::MAX_BODY - 200);
    let r = s.client.post(
        &format!("{API}/items/PAY-3/comments"),
        dev,
        &json!({ "body": fits }),
        &[],
    );
    // Comments are capped well below the body limit: a 400 that says so.
    r.expect(400, "invalid_input");
    let r = s.client.get(
        &format!("{API}/items?total=true&q={}", enc("title ~ \"Too big\"")),
        dev,
        &[],
    );
    r.expect(200, "");
    assert_eq!(r.body["total"], 0, "{}", r.text);
}

fn credentials_are_required(s: &TestServer) {
    let me = format!("{API}/me");
    // No credentials at all.
    for (method, path) in [
        ("GET", format!("{API}/items")),
        ("GET", format!("{API}/items/PAY-3")),
        ("GET", me.clone()),
        ("DELETE", format!("{API}/items/PAY-3")),
    ] {
        let r = s
            .client
            .send(method, &path, None, None, &[("if-match", "\"1\"")]);
        assert_eq!(
            (r.status, r.code()),
            (401, "unauthorized"),
            "{method} {path}: {}",
            r.text
        );
    }
    let r = s.client.post(
        &format!("{API}/items"),
        None,
        &json!({ "product": "PAY", "title": "Anonymous" }),
        &[],
    );
    r.expect(401, "unauthorized");
    // Tokens that are not tokens.
    for t in ["cairn_nope", "nope", ""] {
        s.client.get(&me, Some(t), &[]).expect(401, "unauthorized");
    }
    s.client
        .get(&me, None, &[("authorization", "Basic YWRtaW46eA==")])
        .expect(401, "unauthorized");
    s.client
        .get(&me, None, &[("cookie", "cairn_session=forged")])
        .expect(401, "unauthorized");
    // The OpenAPI document is public.
    s.client
        .get(&format!("{API}/openapi.json"), None, &[])
        .expect(200, "");

    // Who am I.
    let r = s.client.get(&me, Some(s.token("dev")), &[]);
    r.expect(200, "");
    assert_eq!(r.body["handle"], "dev");
    assert_eq!(r.body["admin"], false);
    assert_eq!(
        r.body["roles"],
        json!([{ "product": "PAY", "role": "member" }])
    );

    // A token made through the API works until it is revoked.
    let dev = Some(s.token("dev"));
    let r = s.client.post(
        &format!("{API}/me/tokens"),
        dev,
        &json!({ "name": "laptop" }),
        &[],
    );
    r.expect(201, "");
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let id = r.body["token"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("cairn_"));
    let r = s.client.get(&me, Some(&secret), &[]);
    r.expect(200, "");
    assert_eq!(r.body["handle"], "dev");
    let r = s.client.get(&format!("{API}/me/tokens"), dev, &[]);
    r.expect(200, "");
    assert!(!r.text.contains(&secret), "the secret is shown once");
    assert!(r.text.contains("laptop"));
    // Another user cannot revoke it: it is not theirs (404).
    s.client
        .delete(
            &format!("{API}/me/tokens/{id}"),
            Some(s.token("owner")),
            &[],
        )
        .expect(404, "not_found");
    s.client.get(&me, Some(&secret), &[]).expect(200, "");
    // A token revokes itself just fine, and is dead after.
    let r = s
        .client
        .delete(&format!("{API}/me/tokens/{id}"), Some(&secret), &[]);
    assert_eq!(r.status, 204, "{}", r.text);
    s.client
        .get(&me, Some(&secret), &[])
        .expect(401, "unauthorized");
    s.client
        .delete(&format!("{API}/me/tokens/{id}"), dev, &[])
        .expect(404, "not_found");
    s.client
        .delete(&format!("{API}/me/tokens/abc"), dev, &[])
        .expect(400, "invalid_input");
    // The seeded spare token is listed; revoking it leaves the main one.
    let spare = s.secrets.spare_token_ids["dev"];
    let r = s
        .client
        .delete(&format!("{API}/me/tokens/{spare}"), dev, &[]);
    assert_eq!(r.status, 204, "{}", r.text);
    s.client.get(&me, dev, &[]).expect(200, "");
}

fn read_endpoints_answer_on_seeded_data(s: &TestServer) {
    let owner = Some(s.token("owner"));
    let get = |path: &str| -> Resp {
        let r = s.client.get(&format!("{API}{path}"), owner, &[]);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        assert!(r.body.is_object(), "GET {path}: {}", r.text);
        r
    };
    let r = get("/products");
    assert_eq!(
        r.body["products"],
        json!([{ "prefix": "PAY", "name": "Payments", "role": "owner" }])
    );
    // History: created, linked, commented, moved through states.
    let r = get("/items/PAY-3/history");
    let entries = r.body["entries"].as_array().unwrap();
    assert!(entries.len() >= 4, "{}", r.text);
    assert_eq!(entries[0]["action"], "item.create");
    assert!(entries.iter().all(|e| e["hash"].is_string()));
    // Comments, oldest first; a stakeholder may add one.
    let r = get("/items/PAY-3/comments");
    assert_eq!(
        r.body["comments"][0]["body"],
        "Finance asked for the spreadsheet format first."
    );
    let r = s.client.post(
        &format!("{API}/items/PAY-3/comments"),
        Some(s.token("stake")),
        &json!({ "body": "Can we ship the preview first?" }),
        &[],
    );
    r.expect(201, "");
    assert_eq!(r.body["author"], "stake");
    let r = get("/items/PAY-3/comments");
    assert_eq!(r.body["comments"].as_array().unwrap().len(), 2);
    assert_eq!(
        r.body["comments"][1]["body"],
        "Can we ship the preview first?"
    );
    s.client
        .post(
            &format!("{API}/items/PAY-3/comments"),
            owner,
            &json!({ "body": "   " }),
            &[],
        )
        .expect(400, "invalid_input");
    // Links: the item view lists them; add one and remove it.
    let r = get("/items/PAY-3");
    let links = r.body["links"].as_array().unwrap();
    assert!(links.len() >= 3, "{}", r.text);
    assert_eq!(r.body["children"], json!(["PAY-6"]));
    let r = s.client.post(
        &format!("{API}/items/PAY-7/links"),
        owner,
        &json!({ "relation": "relates", "target": "PAY-8", "reason": "same merchants" }),
        &[],
    );
    r.expect(201, "");
    assert_eq!(
        r.body,
        json!({ "src": "PAY-7", "kind": "relates", "dst": "PAY-8" })
    );
    let r = s.client.post(
        &format!("{API}/items/PAY-7/links"),
        owner,
        &json!({ "relation": "relates", "target": "PAY-8" }),
        &[],
    );
    r.expect(400, "invalid_input");
    let r = get("/items/PAY-8");
    assert!(r.text.contains("PAY-7"), "{}", r.text);
    let r = s.client.delete(
        &format!("{API}/items/PAY-7/links/relates/PAY-8"),
        owner,
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text);
    s.client
        .delete(
            &format!("{API}/items/PAY-7/links/relates/PAY-8"),
            owner,
            &[],
        )
        .expect(404, "not_found");
    // Quality.
    let r = get("/items/PAY-3/lint");
    assert!(r.body["findings"].is_array());
    let r = get("/lint");
    assert!(r.text.contains("PAY-"), "{}", r.text);
    let r = get(&format!("/lint?q={}", enc("kind = story")));
    assert!(r.body.is_object());
    // The seeded re-import left PAY-4 and OPS-8 suspect; the owner of PAY
    // sees only PAY's mark, an admin both.
    let r = get("/suspects");
    let marks = r.body["suspects"].as_array().unwrap();
    assert_eq!(marks.len(), 1, "{}", r.text);
    assert!(
        r.text.contains("PAY-4") && r.text.contains("PAY-13"),
        "{}",
        r.text
    );
    let r = s
        .client
        .get(&format!("{API}/suspects"), Some(s.token("admin")), &[]);
    assert_eq!(
        r.body["suspects"].as_array().unwrap().len(),
        2,
        "{}",
        r.text
    );
    let r = s.client.post(
        &format!("{API}/items/PAY-1/decompose"),
        owner,
        &json!({}),
        &[],
    );
    r.expect(200, "");
    let r = s.client.post(
        &format!("{API}/items/PAY-3/decompose"),
        owner,
        &json!({}),
        &[],
    );
    r.expect(400, "invalid_input");
    // Ranking.
    let r = get("/rank?product=PAY");
    assert!(r.text.contains("PAY-4"), "{}", r.text);
    let r = get("/rank?product=PAY&model=wsjf");
    assert!(r.body.is_object());
    let r = get("/rank/explain/PAY-4");
    assert!(r.text.contains("PAY-4"), "{}", r.text);
    let r = s.client.get(
        &format!("{API}/rank?product=PAY&model=astrology"),
        owner,
        &[],
    );
    r.expect(400, "invalid_input");
    let r = s.client.post(
        &format!("{API}/rank/apply"),
        owner,
        &json!({ "product": "PAY", "reason": "quarterly review" }),
        &[],
    );
    r.expect(200, "");
    // Forecasts from the month of seeded history.
    let r = get("/forecast/flow?product=PAY");
    assert!(r.body["delivered"].as_u64().unwrap() >= 4, "{}", r.text);
    assert!(r.text.contains("PAY-12"), "work in progress: {}", r.text);
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    for path in [
        "/forecast/when?product=PAY&trials=500".to_string(),
        "/forecast/when?product=PAY&count=3&trials=500".to_string(),
        format!("/forecast/how-many?product=PAY&date={later}&trials=500"),
        format!("/forecast/cut-line?product=PAY&date={later}&trials=500"),
        "/forecast/when?product=PAY&throughput=1,3,6&trials=500".to_string(),
    ] {
        let r = get(&path);
        assert!(
            r.body.as_object().is_some_and(|o| o.len() >= 3),
            "{path}: {}",
            r.text
        );
    }
    // Without enough history a forecast says so plainly: a JSON 400.
    let r = s.client.get(
        &format!("{API}/forecast/when?product=PAY&window=1&trials=100"),
        owner,
        &[],
    );
    match r.status {
        200 => assert!(r.body.is_object()),
        400 => assert!(!r.message().is_empty(), "{}", r.text),
        other => panic!("a forecast from one day of history: {other} {}", r.text),
    }
    let r = s
        .client
        .get(&format!("{API}/forecast/how-many?product=PAY"), owner, &[]);
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "date");
    let r = s.client.get(
        &format!("{API}/forecast/when?product=PAY&count=2&release=R1"),
        owner,
        &[],
    );
    r.expect(400, "invalid_input");
    let r = s.client.get(
        &format!("{API}/forecast/when?product=PAY&throughput=lots"),
        owner,
        &[],
    );
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "throughput");
    // Plans.
    let r = get("/plan/sprints?product=PAY&capacity=8");
    assert!(r.body["sprints"].is_array(), "{}", r.text);
    assert!(r.text.contains("PAY-"), "{}", r.text);
    let r = get("/plan/sprints?product=PAY&capacity=3&unit=items&sprints=2&length=5");
    assert_eq!(r.body["sprints"].as_array().unwrap().len(), 2);
    let r = s
        .client
        .get(&format!("{API}/plan/sprints?product=PAY"), owner, &[]);
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "capacity");
    let r = s.client.get(
        &format!("{API}/plan/sprints?product=PAY&capacity=5&unit=hours"),
        owner,
        &[],
    );
    r.expect(400, "invalid_input");
    let r = get("/plan/critical-path?product=PAY&default_estimate=1");
    assert!(r.body["path"].is_array(), "{}", r.text);
    // Admins verify the audit chain.
    let r = s
        .client
        .get(&format!("{API}/audit/verify"), Some(s.token("admin")), &[]);
    r.expect(200, "");
    assert_eq!(r.body["ok"], true, "{}", r.text);
}

fn session_changes_need_csrf(s: &TestServer) {
    let sess = s.sign_in("dev");
    let cookie = [("cookie", sess.cookie.as_str())];
    // Reads with the cookie alone.
    let r = s.client.get(&format!("{API}/me"), None, &cookie);
    r.expect(200, "");
    assert_eq!(r.body["handle"], "dev");
    let (v, _) = s.read("PAY-4");
    let path = format!("{API}/items/PAY-4");
    let change = json!({ "title": "Preview refunds before sending them" });
    // A change without the CSRF token: 403 csrf, nothing changed.
    let tag = etag(v);
    let r = s.client.patch(
        &path,
        None,
        &change,
        &[("cookie", &sess.cookie), ("if-match", &tag)],
    );
    r.expect(403, "csrf");
    // A wrong one, or another session's, likewise.
    let other = s.sign_in("owner");
    for wrong in ["nope", other.csrf.as_str()] {
        let r = s.client.patch(
            &path,
            None,
            &change,
            &[
                ("cookie", &sess.cookie),
                ("if-match", &tag),
                ("x-csrf-token", wrong),
            ],
        );
        r.expect(403, "csrf");
    }
    let (still, body) = s.read("PAY-4");
    assert_eq!(still, v);
    assert_eq!(body["title"], "Preview refunds before sending");
    // With it: 200.
    let r = s.client.patch(
        &path,
        None,
        &change,
        &[
            ("cookie", &sess.cookie),
            ("if-match", &tag),
            ("x-csrf-token", &sess.csrf),
        ],
    );
    r.expect(200, "");
    assert_eq!(r.body["title"], "Preview refunds before sending them");
    // The audit trail names the session's user.
    let r = s.client.get(&format!("{path}/history"), None, &cookie);
    let last = r.body["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["actor"], "dev", "{last}");
    // POST and DELETE need it too.
    let r = s.client.post(
        &format!("{API}/items"),
        None,
        &json!({ "product": "PAY", "title": "Forged" }),
        &cookie,
    );
    r.expect(403, "csrf");
    let r = s.client.post(
        &format!("{API}/me/tokens"),
        None,
        &json!({ "name": "forged" }),
        &cookie,
    );
    r.expect(403, "csrf");
    // An API token never needs one.
    let (v, _) = s.read("PAY-4");
    let r = s.client.patch(
        &path,
        Some(s.token("dev")),
        &json!({ "title": "Preview refunds before sending" }),
        &[("if-match", &etag(v))],
    );
    r.expect(200, "");
    // Signing out ends the session (the form carries the token).
    let r = s.client.send(
        "POST",
        "/logout",
        None,
        Some((
            "application/x-www-form-urlencoded",
            format!("_csrf={}", enc(&sess.csrf)).into_bytes(),
        )),
        &cookie,
    );
    assert_eq!(r.status, 303, "{}", r.text);
    s.client
        .get(&format!("{API}/me"), None, &cookie)
        .expect(401, "unauthorized");
    // The other session is untouched.
    s.client
        .get(&format!("{API}/me"), None, &[("cookie", &other.cookie)])
        .expect(200, "");
}

fn responses_carry_security_headers(s: &TestServer) {
    let admin = Some(s.token("admin"));
    let sess = s.sign_in("stake");
    let responses = [
        s.client.get(&format!("{API}/items"), admin, &[]),
        s.client.get(&format!("{API}/nope"), admin, &[]),
        s.client.get(&format!("{API}/items"), None, &[]),
        s.client.get(&format!("{API}/openapi.json"), None, &[]),
        s.client.get("/login", None, &[]),
        s.client.get("/backlog", None, &[("cookie", &sess.cookie)]),
        s.client.get("/static/app.js", None, &[]),
        s.client.get("/no-such-page", None, &[]),
    ];
    for r in &responses {
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {} {}", r.status, r.text));
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("no script-src in {csp}"));
        assert!(!script_src.contains("'unsafe-inline'"), "{csp}");
        assert!(!script_src.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert!(r.header("referrer-policy").is_some());
        // Served over plain HTTP: no HSTS.
        assert!(r.header("strict-transport-security").is_none());
    }
    // Server-Timing: the time in all on every answer; where it went on
    // the pool for one that ran a use case (the item list, the backlog),
    // not for a static file.
    let timing = |i: usize| -> Vec<(String, f64)> {
        responses[i]
            .header("server-timing")
            .unwrap_or_else(|| panic!("no Server-Timing on response {i}"))
            .split(',')
            .map(|m| {
                let (name, dur) = m.trim().split_once(";dur=").unwrap();
                (name.to_string(), dur.parse::<f64>().unwrap())
            })
            .collect()
    };
    for i in [0, 5] {
        let t = timing(i);
        let names: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["app", "pool", "thread", "db"], "response {i}");
        assert!(t.iter().all(|(_, d)| *d >= 0.0), "{t:?}");
        // The parts happen within the whole.
        assert!(t[1].1 + t[2].1 + t[3].1 <= t[0].1 + 0.02, "{t:?}");
    }
    let names: Vec<String> = timing(6).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["app"]);
    // Private answers are never cached; static assets may be.
    for i in [0, 1, 2, 5] {
        assert_eq!(
            responses[i].header("cache-control"),
            Some("no-store"),
            "response {i}"
        );
    }
    assert!(
        responses[6]
            .header("cache-control")
            .unwrap()
            .starts_with("public")
    );
    assert!(
        responses[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        responses[5]
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    // The page has no inline script.
    let page = &responses[5].text;
    let mut rest = page.as_str();
    while let Some(i) = rest.find("<script") {
        let tag_end = rest[i..].find('>').unwrap() + i;
        assert!(
            rest[i..tag_end].contains("src="),
            "inline script: {}",
            &rest[i..tag_end]
        );
        rest = &rest[tag_end..];
    }
    assert!(!page.contains(" onclick="), "inline handler");
}

fn sign_in_sets_a_safe_cookie(s: &TestServer) {
    let r = s.client.login("dev", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location"), Some("/backlog"));
    let cookie = r.header("set-cookie").unwrap();
    let attrs: Vec<String> = cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs[0].starts_with("cairn_session="), "{cookie}");
    assert!(attrs[0].len() > "cairn_session=".len() + 30, "{cookie}");
    assert!(attrs.contains(&"httponly".to_string()), "{cookie}");
    assert!(attrs.contains(&"samesite=lax".to_string()), "{cookie}");
    assert!(attrs.contains(&"path=/".to_string()), "{cookie}");
    assert!(attrs.iter().any(|a| a.starts_with("max-age=")), "{cookie}");
    // Handles are not case-sensitive.
    let r = s.client.login("DEV", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.text);
    // `next` is followed only within the site.
    for (next, to) in [
        ("/board", "/board"),
        ("https://evil.example/", "/backlog"),
        ("//evil.example/", "/backlog"),
    ] {
        let form = format!("handle=dev&password={}&next={}", enc(PASSWORD), enc(next));
        let r = s.client.send(
            "POST",
            "/login",
            None,
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
            &[],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some(to), "next={next}");
    }
    // A wrong password or an unknown user: the same 401 page.
    let wrong = s.client.login("owner", "not the password");
    let nobody = s.client.login("nobody", "not the password");
    for r in [&wrong, &nobody] {
        assert_eq!(r.status, 401, "{}", r.text);
        assert!(
            r.header("content-type").unwrap().starts_with("text/html"),
            "{:?}",
            r.headers
        );
        assert!(r.header("set-cookie").is_none());
        assert!(
            r.text.contains("user name or password is wrong"),
            "{}",
            r.text
        );
    }
}

fn sign_in_is_rate_limited(s: &TestServer) {
    for n in 0..5 {
        let r = s.client.login("stake", "wrong password again");
        assert_eq!(r.status, 401, "attempt {n}: {}", r.text);
    }
    // Locked, even with the right password.
    let r = s.client.login("stake", PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text);
    let retry: u64 = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", r.headers))
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert!(r.header("set-cookie").is_none());
    assert!(r.text.contains("try again"), "{}", r.text);
    // Another account is not locked, and the API tokens of the locked one
    // still work (the limit is on passwords).
    let r = s.client.login("owner", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.text);
    s.client
        .get(&format!("{API}/me"), Some(s.token("stake")), &[])
        .expect(200, "");
}

fn reports_come_as_json_html_and_markdown(s: &TestServer) {
    let t = Some(s.token("owner"));
    for kind in ["exec", "team", "roadmap", "release-notes", "risks", "trace"] {
        let r = s.client.get(
            &format!("{API}/reports/{kind}?product=PAY&since=26w"),
            t,
            &[],
        );
        assert_eq!(r.status, 200, "{kind}: {}", r.text);
        assert!(r.body.is_object(), "{kind}: {}", r.text);
        let h = s.client.get(
            &format!("{API}/reports/{kind}?product=PAY&since=26w&format=html"),
            t,
            &[],
        );
        assert_eq!(h.status, 200, "{kind}: {}", h.text);
        assert!(h.text.starts_with("<!DOCTYPE html>"), "{kind}");
        assert_eq!(h.header("content-type"), Some("text/html; charset=utf-8"));
        // Its own inline styles are allowed, scripts are not.
        let csp = h.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("style-src 'unsafe-inline'") && !csp.contains("script"),
            "{csp}"
        );
        let m = s.client.get(
            &format!("{API}/reports/{kind}?product=PAY&since=26w&format=md"),
            t,
            &[],
        );
        assert_eq!(m.status, 200);
        assert!(m.text.starts_with("# "), "{kind}: {}", m.text);
    }
    // Item links in a downloaded report open this server's web app.
    let h = s.client.get(
        &format!("{API}/reports/team?product=PAY&format=html"),
        t,
        &[],
    );
    assert!(
        h.text.contains(&format!(
            "href=\"{}/items/PAY-",
            s.base_url().trim_end_matches('/')
        )),
        "{}",
        h.text
    );
    // Recording the exec report keeps it for the next one.
    let r = s.client.send(
        "POST",
        &format!("{API}/reports/exec/record?product=PAY"),
        t,
        None,
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["product"], "PAY");
    // Bad input: 4xx with the field named.
    for (url, status, field) in [
        ("/reports/weekly?product=PAY", 404, None),
        ("/reports/exec?product=PAY&format=pdf", 400, Some("format")),
        ("/reports/exec?product=PAY&since=soon", 400, Some("since")),
        (
            "/reports/team?product=PAY&release=2026.1",
            400,
            Some("release"),
        ),
        ("/reports/exec?product=PAY&scope=labl%20%3D%201", 400, None),
    ] {
        let r = s.client.get(&format!("{API}{url}"), t, &[]);
        assert_eq!(r.status, status, "{url}: {}", r.text);
        if let Some(f) = field {
            assert_eq!(r.body["error"]["field"], f, "{url}: {}", r.text);
        }
    }
}

fn gates_refuse_moves_with_a_422(s: &TestServer) {
    // The workspace gains a Definition of Done (the server reads the
    // config in every transaction).
    let mut app = cairn_app::App::open(s.db_url(), "admin").unwrap();
    let config = format!(
        "{}\n[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nstory = [\"tests-passed\"]\n",
        app.config_text().unwrap()
    );
    app.config_apply(&config, Some("definition of done"))
        .unwrap();
    drop(app);
    let dev = Some(s.token("dev"));
    let key = s.create("PAY", "story", "Refund to a wallet");
    let (v, _) = s.read(&key);
    let path = format!("{API}/items/{key}");
    let r = s.client.patch(
        &path,
        dev,
        &json!({ "state": "done" }),
        &[("if-match", &etag(v))],
    );
    r.expect(422, "gate_failed");
    assert_eq!(r.body["error"]["field"], "state");
    assert_eq!(r.body["error"]["gate"]["gate"], "done");
    assert_eq!(r.body["error"]["gate"]["unmet"][0]["rule"], "tests-passed");
    assert!(r.message().contains("Definition of Done"), "{}", r.text);
    // A member may not override; an owner may, with a reason.
    let body = json!({ "state": "done", "override_gate": true, "reason": "checked by hand" });
    s.client
        .patch(&path, dev, &body, &[("if-match", &etag(v))])
        .expect(403, "forbidden");
    let owner = Some(s.token("owner"));
    let r = s
        .client
        .patch(&path, owner, &body, &[("if-match", &etag(v))]);
    r.expect(200, "");
    assert_eq!(r.body["state"], "done");
}

fn baselines_are_made_and_compared(s: &TestServer) {
    let dev = Some(s.token("dev"));
    let r = s.client.post(
        &format!("{API}/baselines"),
        dev,
        &json!({ "product": "PAY", "name": "v1 stories", "query": "kind = story" }),
        &[],
    );
    r.expect(201, "");
    assert_eq!(r.body["hash"].as_str().unwrap().len(), 64);
    // The same name again, an empty scope, a bad query: 400.
    for body in [
        json!({ "product": "PAY", "name": "v1 stories" }),
        json!({ "product": "PAY", "name": "none", "query": "kind = spike" }),
        json!({ "product": "PAY", "name": "bad", "query": "kind = = x" }),
    ] {
        let r = s.client.post(&format!("{API}/baselines"), dev, &body, &[]);
        assert_eq!(r.status, 400, "{body}: {}", r.text);
    }
    s.create("PAY", "story", "Refund to a gift card");
    let r = s.client.get(
        &format!("{API}/baselines/diff?product=PAY&from=v1%20stories"),
        dev,
        &[],
    );
    r.expect(200, "");
    assert_eq!(r.body["diff"]["added"].as_array().unwrap().len(), 1);
    let r = s.client.get(
        &format!("{API}/baselines/diff?product=PAY&from=v1%20stories&format=html"),
        dev,
        &[],
    );
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let r = s
        .client
        .get(&format!("{API}/baselines/diff?product=PAY"), dev, &[]);
    r.expect(400, "invalid_input");
    assert_eq!(r.body["error"]["field"], "from");
    let r = s.client.get(
        &format!("{API}/baselines/diff?product=PAY&from=v9"),
        dev,
        &[],
    );
    r.expect(404, "not_found");
    let r = s
        .client
        .get(&format!("{API}/baselines?product=PAY"), dev, &[]);
    assert_eq!(r.body["baselines"][0]["name"], "v1 stories");
}

/// Webhooks through the API; the outbox worker of the server delivers a
/// signed body to a real receiver within a few seconds.
fn webhooks_are_delivered_by_the_outbox_worker(s: &TestServer) {
    use std::io::{BufRead, BufReader, Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for st in l.incoming().flatten() {
            let mut r = BufReader::new(st.try_clone().unwrap());
            let (mut len, mut sig) = (0, String::new());
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                let lower = h.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if let Some(v) = lower.strip_prefix("x-cairn-signature-256:") {
                    sig = v.trim().to_string();
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = (&st).write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            g.lock()
                .unwrap()
                .push((sig, String::from_utf8_lossy(&body).into_owned()));
        }
    });
    let owner = Some(s.token("owner"));
    let r = s.client.post(
        &format!("{API}/products/PAY/webhooks"),
        owner,
        &json!({ "url": "https://example.com/x" }),
        &[],
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("no TLS support"), "{}", r.text);
    let r = s.client.post(
        &format!("{API}/products/PAY/webhooks"),
        owner,
        &json!({ "url": format!("http://127.0.0.1:{port}/in"), "events": ["item.created"] }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let id = r.body["id"].as_i64().unwrap();
    let list = s
        .client
        .get(&format!("{API}/products/PAY/webhooks"), owner, &[]);
    assert!(!list.text.contains(&secret), "{}", list.text);
    let key = s.create("PAY", "story", "Told by webhook");
    let mut waited = 0;
    while got.lock().unwrap().is_empty() && waited < 200 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    let (sig, body) = got
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("no delivery within 20 s");
    assert_eq!(
        sig,
        cairn_app::webhooks::signature(&secret, body.as_bytes())
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["item"]["key"], key.as_str());
    let r = s
        .client
        .get(&format!("{API}/webhooks/{id}/deliveries"), owner, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    let mut status = r.body["deliveries"][0]["status"]
        .as_str()
        .unwrap_or("")
        .to_string();
    for _ in 0..50 {
        if status == "delivered" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        let r = s
            .client
            .get(&format!("{API}/webhooks/{id}/deliveries"), owner, &[]);
        status = r.body["deliveries"][0]["status"]
            .as_str()
            .unwrap_or("")
            .to_string();
    }
    assert_eq!(status, "delivered");
    let did = r.body["deliveries"][0]["id"].as_i64().unwrap();
    let r = s.client.post(
        &format!("{API}/deliveries/{did}/replay"),
        owner,
        &json!({}),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // Changed: a clear 400 for bad input, then paused, then resumed with
    // a new secret that signs what follows.
    let hook = format!("{API}/webhooks/{id}");
    for (bad, says) in [
        (json!({}), "nothing to change"),
        (
            json!({ "secret": "0123456789abcdefgh", "new_secret": true }),
            "not both",
        ),
        (json!({ "events": ["item.gone"] }), "is not an event"),
        (json!({ "url": "ftp://example.com/" }), "not an http URL"),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let r = s.client.patch(&hook, owner, &bad, &[]);
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert!(r.text.contains(says), "{bad}: {}", r.text);
    }
    let r = s
        .client
        .patch(&hook, owner, &json!({ "active": false }), &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false, "{}", r.text);
    assert!(r.body.get("secret").is_none(), "{}", r.text);
    let paused = s.create("PAY", "story", "Made while paused");
    let r = s.client.get(&format!("{hook}/deliveries"), owner, &[]);
    assert!(!r.text.contains(&paused), "{}", r.text);
    let r = s.client.patch(
        &hook,
        owner,
        &json!({ "active": true, "new_secret": true }),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let resumed = s.create("PAY", "story", "Made after resuming");
    let mut found = None;
    for _ in 0..200 {
        found = got
            .lock()
            .unwrap()
            .iter()
            .find(|(_, b)| b.contains(&resumed))
            .cloned();
        if found.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (sig, body) = found.expect("no delivery after resuming within 20 s");
    assert_eq!(
        sig,
        cairn_app::webhooks::signature(&secret, body.as_bytes())
    );
    assert!(
        !got.lock().unwrap().iter().any(|(_, b)| b.contains(&paused)),
        "a paused webhook was sent an event"
    );
    let r = s.client.delete(&hook, owner, &[]);
    assert_eq!(r.status, 204, "{}", r.text);
}

/// A server's outbox worker prunes the delivery log when it starts:
/// delivered deliveries older than 30 days go, newer and waiting ones stay.
/// A store on the test server's database with a paused webhook on PAY,
/// and a way to add deliveries to it: (days old, status) → id.
fn old_deliveries(
    s: &TestServer,
) -> (
    cairn_store::Store,
    impl Fn(&mut cairn_store::Store, i64, &str) -> i64,
) {
    use cairn_core::webhook::{Delivery, Webhook};
    const DAY: i64 = 86_400_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut store = cairn_store::Store::open(s.db_url(), now).unwrap();
    let hook = store
        .insert_webhook(&Webhook {
            id: 0,
            product: "PAY".into(),
            url: "http://127.0.0.1:9/old".into(),
            secret: "0123456789abcdefgh".into(),
            events: vec!["*".into()],
            active: false,
            created: now - 90 * DAY,
        })
        .unwrap()
        .id;
    let add = move |store: &mut cairn_store::Store, age: i64, status: &str| {
        let body = store.insert_webhook_payload("{\"n\":1}").unwrap();
        let d = Delivery {
            id: 0,
            webhook: hook,
            event: "item.created".into(),
            payload: String::new(),
            status: status.into(),
            tries: 1,
            next_try: None,
            last_status: Some(200),
            last_error: None,
            created: now - age * DAY,
            delivered_at: None,
        };
        store.insert_delivery(&d, body).unwrap()
    };
    (store, add)
}

/// Wait up to 10 s for a delivery to be pruned: whether it was.
fn pruned_within(store: &mut cairn_store::Store, id: i64) -> bool {
    for _ in 0..100 {
        if store.delivery(id).unwrap().is_none() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

fn the_outbox_worker_prunes_the_delivery_log(s: &TestServer) {
    let (mut store, add) = old_deliveries(s);
    let ids: Vec<i64> = [(40, "delivered"), (40, "pending"), (5, "delivered")]
        .into_iter()
        .map(|(age, status)| add(&mut store, age, status))
        .collect();
    // Another server on the same database: its worker starts now.
    let second = s.second();
    assert!(
        pruned_within(&mut store, ids[0]),
        "the 40-day-old delivered delivery was not pruned in 10 s"
    );
    assert!(
        store.delivery(ids[1]).unwrap().is_some(),
        "a waiting one went"
    );
    assert!(
        store.delivery(ids[2]).unwrap().is_some(),
        "a recent one went"
    );
    drop(second);
}

/// An admin prunes the delivery log at once through the API; nobody else
/// may.
fn admins_prune_the_delivery_log_through_the_api(s: &TestServer) {
    let (mut store, add) = old_deliveries(s);
    // The worker prunes once when it starts: let that pass first, so what
    // follows is the API's doing.
    let first = add(&mut store, 40, "delivered");
    assert!(
        pruned_within(&mut store, first),
        "the worker's first prune did not come"
    );
    let old = add(&mut store, 40, "failed");
    let waiting = add(&mut store, 40, "pending");
    let recent = add(&mut store, 5, "delivered");
    let path = format!("{API}/webhooks/prune");
    s.client
        .post(&path, Some(s.token("owner")), &json!({}), &[])
        .expect(403, "forbidden");
    assert!(store.delivery(old).unwrap().is_some());
    let r = s
        .client
        .post(&path, Some(s.token("admin")), &json!({}), &[]);
    r.expect(200, "");
    assert_eq!(r.body, json!({ "removed": 1, "keep_days": 30 }));
    assert!(store.delivery(old).unwrap().is_none());
    assert!(store.delivery(waiting).unwrap().is_some());
    assert!(store.delivery(recent).unwrap().is_some());
}

both!(
    the_outbox_worker_prunes_the_delivery_log,
    admins_prune_the_delivery_log_through_the_api,
    webhooks_are_delivered_by_the_outbox_worker,
    baselines_are_made_and_compared,
    gates_refuse_moves_with_a_422,
    create_patch_and_delete_use_etags,
    moves_reorder_the_backlog,
    cursor_pages_see_every_item_once,
    bad_input_is_a_json_400,
    unknown_endpoints_are_json_404s,
    oversized_bodies_are_refused,
    credentials_are_required,
    read_endpoints_answer_on_seeded_data,
    session_changes_need_csrf,
    responses_carry_security_headers,
    sign_in_sets_a_safe_cookie,
    sign_in_is_rate_limited,
    reports_come_as_json_html_and_markdown,
);
