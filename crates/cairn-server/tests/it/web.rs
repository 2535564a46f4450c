//! The web app's feedback pages over plain HTTP, on SQLite and on
//! PostgreSQL: every action is a form that works without script, members
//! change and stakeholders only read, and the public intake form (no
//! account, a honeypot, a rate limit per address).

use crate::support::{API, PASSWORD, Resp, TestServer, both, enc};
use serde_json::json;

#[path = "../../../cairn-app/tests/it/smtp.rs"]
mod smtp;
use smtp::Smtp;

/// POST a form; `headers` carry the session cookie when there is one.
fn form(s: &TestServer, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    s.client.send(
        "POST",
        path,
        None,
        Some(("application/x-www-form-urlencoded", body.into_bytes())),
        headers,
    )
}

/// Where a 303 points.
#[track_caller]
fn redirect(r: &Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.text);
    r.header("location").unwrap_or_default().to_string()
}

/// The feedback of PAY, merged records included, as admin sees it.
fn pay_feedback(s: &TestServer) -> Vec<serde_json::Value> {
    let r = s.client.get(
        &format!("{API}/feedback?product=PAY&all=true"),
        Some(s.token("admin")),
        &[],
    );
    r.expect(200, "");
    r.body["feedback"].as_array().unwrap().clone()
}

fn intake_form_is_public_and_rate_limited(s: &TestServer) {
    // Off by default: no form, nothing taken.
    let r = s.client.get("/intake/PAY", None, &[]);
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.text.contains("no feedback form"), "{}", r.text);
    let r = form(s, "/intake/PAY", &[("text", "Hello?")], &[]);
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(pay_feedback(s).is_empty());

    let mut app = cairn_app::App::open(s.db_url(), "admin").unwrap();
    let config = format!(
        "{}\n[feedback]\nintake = [\"PAY\"]\n",
        app.config_text().unwrap()
    );
    app.config_apply(&config, None).unwrap();
    drop(app);

    // On: a standalone form without a session or a CSRF token.
    for path in ["/intake/PAY", "/intake/pay"] {
        let r = s.client.get(path, None, &[]);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(r.text.contains("Feedback on Payments"), "{}", r.text);
        assert!(r.text.contains("name=\"website\""), "no honeypot");
        assert!(!r.text.contains("_csrf"), "a CSRF field on a public form");
    }
    // Only the products the config names.
    assert_eq!(s.client.get("/intake/OPS", None, &[]).status, 404);

    // A bot filling the honeypot is thanked; nothing is stored.
    let r = form(
        s,
        "/intake/PAY",
        &[
            ("text", "Cheap watches at example.com"),
            ("website", "http://spam.example"),
        ],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Thank you"), "{}", r.text);
    assert!(pay_feedback(s).is_empty());

    // Feedback without text: the form again, filled in, with the reason.
    let r = form(
        s,
        "/intake/PAY",
        &[("text", "  "), ("requester", "kim@fabrikam.test")],
        &[],
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("no text"), "{}", r.text);
    assert!(r.text.contains("kim@fabrikam.test"), "{}", r.text);

    // Five from one address in an hour are taken ...
    for n in 1..=5 {
        let r = form(
            s,
            "/intake/PAY",
            &[
                (
                    "text",
                    &format!("Refund request number {n} in bulk, please"),
                ),
                ("requester", "kim@fabrikam.test"),
                ("customer", "Fabrikam"),
                ("importance", "critical"),
            ],
            &[],
        );
        assert_eq!(r.status, 200, "submission {n}: {}", r.text);
        assert!(r.text.contains("Thank you"), "{}", r.text);
    }
    let all = pay_feedback(s);
    assert_eq!(all.len(), 5);
    for f in &all {
        assert_eq!(f["source"], "intake", "{f}");
        assert_eq!(f["requester"], "kim@fabrikam.test", "{f}");
        assert_eq!(f["customer"]["name"], "Fabrikam", "{f}");
        assert_eq!(f["importance"], "critical", "{f}");
    }
    // ... the sixth is refused with 429, and stores nothing.
    let r = form(
        s,
        "/intake/PAY",
        &[("text", "One more refund request")],
        &[],
    );
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.text.contains("try again"), "{}", r.text);
    let retry: u64 = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", r.headers))
        .parse()
        .unwrap();
    assert!(retry > 0, "{retry}");
    assert_eq!(pay_feedback(s).len(), 5);
    // A signed-in session changes nothing: the form stays public.
    let sess = s.sign_in("admin");
    let r = form(
        s,
        "/intake/PAY",
        &[("text", "From a signed-in admin")],
        &[("cookie", &sess.cookie)],
    );
    assert_eq!(r.status, 429, "{}", r.text);
}

fn feedback_pages_work_as_plain_forms(s: &TestServer) {
    let dev = s.sign_in("dev");
    let cookie = [("cookie", dev.cookie.as_str())];
    let csrf = dev.csrf.as_str();

    // A member records feedback and lands on it, suggestions included.
    let text = "Clerks want to preview refunds before sending them to the bank";
    let fields = [
        ("_csrf", csrf),
        ("product", "PAY"),
        ("text", text),
        ("customer", "Northwind Traders"),
        ("requester", "finance@northwind.test"),
        ("source", "support"),
        ("importance", "important"),
        ("received", "2026-01-15"),
    ];
    let at = redirect(&form(s, "/feedback", &fields, &cookie));
    assert!(at.starts_with("/feedback/F-"), "{at}");
    let id = at
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = s.client.get(&at, None, &cookie);
    assert_eq!(page.status, 200, "{}", page.text);
    for want in [
        text,
        "Northwind Traders",
        "finance@northwind.test",
        "support",
        "2026-01-15",
        "important",
        "Suggested items",
        "Preview refunds before sending",
    ] {
        assert!(page.text.contains(want), "{want} missing: {}", page.text);
    }
    let inbox_row = format!("href=\"/feedback/{id}\"");
    let list = s.client.get("/feedback?product=PAY", None, &cookie);
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.text.contains("Record feedback"));
    assert!(list.text.contains(&inbox_row), "not in the inbox");

    // Without the CSRF token, nothing is recorded.
    let r = form(s, "/feedback", &fields[1..], &cookie);
    assert_eq!(r.status, 403, "{}", r.text);
    // No text: the page again with the reason and what was typed.
    let r = form(
        s,
        "/feedback",
        &[
            ("_csrf", csrf),
            ("product", "PAY"),
            ("text", ""),
            ("customer", "Contoso"),
        ],
        &cookie,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("no text"), "{}", r.text);
    assert!(r.text.contains("value=\"Contoso\""), "{}", r.text);
    assert_eq!(pay_feedback(s).len(), 1);

    // A stakeholder reads, without the form, and is refused a change.
    let stake = s.sign_in("stake");
    let scookie = [("cookie", stake.cookie.as_str())];
    let r = s.client.get("/feedback?product=PAY", None, &scookie);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("Record feedback"));
    assert!(r.text.contains(&inbox_row));
    let r = s.client.get(&format!("/feedback/{id}"), None, &scookie);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        !r.text.contains("/link\""),
        "a stakeholder gets a link form"
    );
    let r = form(
        s,
        "/feedback",
        &[("_csrf", &stake.csrf), ("product", "PAY"), ("text", "Mine")],
        &scookie,
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("cannot add feedback"), "{}", r.text);

    // Link it to a done story: it leaves the inbox, and its customer is
    // someone to tell.
    let at = redirect(&form(
        s,
        &format!("/feedback/{id}/link"),
        &[("_csrf", csrf), ("item", "pay-7")],
        &cookie,
    ));
    assert_eq!(at, format!("/feedback/{id}?linked=PAY-7"));
    let list = s.client.get("/feedback?product=PAY", None, &cookie);
    assert!(!list.text.contains(&inbox_row), "still in the inbox");
    let tell = s.client.get("/feedback/tell?product=PAY", None, &cookie);
    assert_eq!(tell.status, 200, "{}", tell.text);
    assert!(tell.text.contains("Northwind Traders"), "{}", tell.text);
    assert!(tell.text.contains(&inbox_row), "{}", tell.text);
    assert!(
        tell.text
            .contains("/api/v1/feedback/tell?product=PAY&amp;format=csv"),
        "{}",
        tell.text
    );
    let at = redirect(&form(
        s,
        "/feedback/tell",
        &[("_csrf", csrf), ("product", "PAY")],
        &cookie,
    ));
    assert!(at.starts_with("/feedback/tell?product=PAY&told="), "{at}");
    let tell = s.client.get(&at, None, &cookie);
    assert!(
        tell.text.contains("Marked 1 person as told"),
        "{}",
        tell.text
    );
    assert!(!tell.text.contains("Northwind Traders"), "{}", tell.text);

    // A duplicate is merged into it and listed there.
    let at = redirect(&form(
        s,
        "/feedback",
        &[
            ("_csrf", csrf),
            ("product", "PAY"),
            ("text", "Let us see refunds before they go out"),
            ("customer", "Contoso"),
        ],
        &cookie,
    ));
    let dup = at
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let at = redirect(&form(
        s,
        &format!("/feedback/{dup}/merge"),
        &[("_csrf", csrf), ("into", &id)],
        &cookie,
    ));
    assert_eq!(at, format!("/feedback/{id}?merged={dup}"));
    let page = s.client.get(&at, None, &cookie);
    assert!(
        page.text.contains("Duplicates merged into it"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Contoso"), "{}", page.text);
    let page = s.client.get(&format!("/feedback/{dup}"), None, &cookie);
    assert!(page.text.contains("was merged into"), "{}", page.text);

    // Unlink: back in the inbox.
    let at = redirect(&form(
        s,
        &format!("/feedback/{id}/unlink"),
        &[("_csrf", csrf), ("item", "PAY-7")],
        &cookie,
    ));
    let page = s.client.get(&at, None, &cookie);
    assert!(page.text.contains("Linked to no item yet"), "{}", page.text);
    let list = s.client.get("/feedback?product=PAY", None, &cookie);
    assert!(list.text.contains(&inbox_row), "not back in the inbox");

    // Input the app refuses is explained: a key that is not one, an item
    // of another product, a record that does not exist.
    let r = form(
        s,
        &format!("/feedback/{id}/link"),
        &[("_csrf", csrf), ("item", "not a key")],
        &cookie,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("not an item key"), "{}", r.text);
    let r = form(
        s,
        &format!("/feedback/{id}/merge"),
        &[("_csrf", csrf), ("into", "F-999")],
        &cookie,
    );
    assert_eq!(r.status, 404, "{}", r.text);
    // Feedback on a product the member cannot see does not exist.
    let r = s.client.post(
        &format!("{API}/feedback"),
        Some(s.token("admin")),
        &json!({ "product": "OPS", "text": "Page us faster" }),
        &[],
    );
    r.expect(201, "");
    let ops = r.body["feedback"]["id"].as_str().unwrap().to_string();
    let r = s.client.get(&format!("/feedback/{ops}"), None, &cookie);
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(!r.text.contains("Page us faster"));
    // A since that is not a date is explained on the page.
    let r = s
        .client
        .get("/feedback?product=PAY&since=yesterday", None, &cookie);
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("not a date"), "{}", r.text);
}

/// A discussion on an item page: a comment naming another item and a
/// person, a reply, an edit and a delete, all as plain forms.
fn discussions_work_as_plain_forms(s: &TestServer) {
    let dev = s.sign_in("dev");
    let cookie = [("cookie", dev.cookie.as_str())];
    let csrf = dev.csrf.as_str();
    let at = redirect(&form(
        s,
        "/items/PAY-4/comments",
        &[("_csrf", csrf), ("body", "Blocked by PAY-1? Ask @dev.")],
        &cookie,
    ));
    assert!(at.starts_with("/items/PAY-4"), "{at}");
    let list = |s: &TestServer| {
        let r = s.client.get(
            &format!("{API}/items/PAY-4/comments"),
            Some(s.token("admin")),
            &[],
        );
        r.body["comments"].as_array().unwrap().clone()
    };
    let first = list(s).last().unwrap()["id"].as_i64().unwrap();
    redirect(&form(
        s,
        "/items/PAY-4/comments",
        &[
            ("_csrf", csrf),
            ("body", "Not any more."),
            ("reply_to", &first.to_string()),
        ],
        &cookie,
    ));
    let page = s.client.get("/items/PAY-4", None, &cookie);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("href=\"/items/PAY-1\""),
        "the key is a link"
    );
    assert!(
        page.text.contains("<strong>@dev</strong>"),
        "the mention stands out"
    );
    assert!(
        page.text.contains(&format!("in reply to #{first}")),
        "{}",
        page.text
    );
    assert!(page.text.contains("depth-1"), "the reply is indented");
    let reply = list(s).last().unwrap()["id"].as_i64().unwrap();
    redirect(&form(
        s,
        &format!("/comments/{reply}/edit"),
        &[("_csrf", csrf), ("body", "Not any more: PAY-1 is done.")],
        &cookie,
    ));
    redirect(&form(
        s,
        &format!("/comments/{first}/delete"),
        &[("_csrf", csrf)],
        &cookie,
    ));
    let cs = list(s);
    let by = |id: i64| cs.iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(by(reply)["body"], "Not any more: PAY-1 is done.");
    assert!(by(reply)["edited"].is_string());
    assert!(by(first)["deleted"].is_string() && by(first)["body"] == "");
    // Without the CSRF token nothing changes.
    let r = form(s, &format!("/comments/{reply}/delete"), &[], &cookie);
    assert_eq!(r.status, 403, "{}", r.text);
}

/// Watching from the item page; a comment by someone else lands in the
/// inbox, which marks it read.
fn watching_and_the_inbox_work_as_plain_forms(s: &TestServer) {
    let dev = s.sign_in("dev");
    let cookie = [("cookie", dev.cookie.as_str())];
    let csrf = dev.csrf.as_str();
    redirect(&form(s, "/items/PAY-4/watch", &[("_csrf", csrf)], &cookie));
    let page = s.client.get("/items/PAY-4", None, &cookie);
    assert!(page.text.contains("Stop watching"), "{}", page.text);
    let r = s.client.post(
        &format!("{API}/items/PAY-4/comments"),
        Some(s.token("owner")),
        &json!({ "body": "Shipping on Monday, @dev." }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let inbox = s.client.get("/inbox", None, &cookie);
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    assert!(
        inbox.text.contains("owner mentioned you on PAY-4"),
        "{}",
        inbox.text
    );
    assert!(inbox.text.contains("Mark all as read"), "{}", inbox.text);
    redirect(&form(s, "/inbox/read", &[("_csrf", csrf)], &cookie));
    let r = s.client.get(
        &format!("{API}/me/notifications?unread=true"),
        Some(s.token("dev")),
        &[],
    );
    assert_eq!(
        r.body["notifications"].as_array().unwrap().len(),
        0,
        "{}",
        r.text
    );
    redirect(&form(
        s,
        "/items/PAY-4/watch",
        &[("_csrf", csrf), ("stop", "1")],
        &cookie,
    ));
    let page = s.client.get("/items/PAY-4", None, &cookie);
    assert!(!page.text.contains("Stop watching"), "{}", page.text);
}

/// Settings from the Inbox page, then a mention over the API: the
/// server's outbox worker hands the mail to a real SMTP server.
fn notification_mail_is_sent_by_the_server(s: &TestServer) {
    let smtp = Smtp::start();
    let mut app = cairn_app::App::open(s.db_url(), "admin").unwrap();
    let cfg = app.config_text().unwrap();
    app.config_apply(
        &format!(
            "{cfg}\n[mail]\nsmtp = \"127.0.0.1:{}\"\nfrom = \"Cairn <cairn@example.com>\"\n\
             base_url = \"{}\"\n",
            smtp.port,
            s.base_url()
        ),
        None,
    )
    .unwrap();
    drop(app);
    let dev = s.sign_in("dev");
    let cookie = [("cookie", dev.cookie.as_str())];
    let page = s.client.get("/inbox", None, &cookie);
    assert!(page.text.contains("What reaches you"), "{}", page.text);
    // A bad address is refused and nothing changes.
    let r = form(
        s,
        "/inbox/settings",
        &[
            ("_csrf", &dev.csrf),
            ("address", "dev at example"),
            ("email_mention", "on"),
        ],
        &cookie,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("not an email address"), "{}", r.text);
    redirect(&form(
        s,
        "/inbox/settings",
        &[
            ("_csrf", &dev.csrf),
            ("address", "dev@example.com"),
            ("inbox_mention", "on"),
            ("email_mention", "on"),
            ("inbox_comment", "on"),
        ],
        &cookie,
    ));
    let r = s.client.get(
        &format!("{API}/me/notification-settings"),
        Some(s.token("dev")),
        &[],
    );
    assert_eq!(r.body["email"], "dev@example.com", "{}", r.text);
    let st = &r.body["settings"];
    assert_eq!(st[1]["reason"], "assigned");
    assert_eq!(
        (st[1]["inbox"].as_bool(), st[1]["email"].as_bool()),
        (Some(false), Some(false))
    );
    let r = s.client.post(
        &format!("{API}/items/PAY-4/comments"),
        Some(s.token("owner")),
        &json!({ "body": "Can you take this, @dev?" }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let start = std::time::Instant::now();
    let mut got = smtp.messages();
    while got.is_empty() && start.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        got = smtp.messages();
    }
    assert_eq!(got.len(), 1, "the outbox worker sent no mail");
    assert!(
        got[0].contains("To: dev@example.com") || got[0].contains("<dev@example.com>"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("owner mentioned you on PAY-4"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains(&format!("{}/items/PAY-4", s.base_url())),
        "{}",
        got[0]
    );
}

/// A git repository with two commits naming PAY-4 and OPS-2.
fn repo_naming_pay4_and_ops2() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Fixes PAY-4: the last piece",
        ][..],
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "OPS-2 rotate the keys",
        ][..],
    ] {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(d.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Dev One")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev One")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("GIT_AUTHOR_DATE", "2026-03-02T09:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-03-02T09:00:00Z")
            .output()
            .expect("the tests need the `git` command");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }
    d
}

fn commits_through_the_api_and_on_the_item_page(s: &TestServer) {
    let repo = repo_naming_pay4_and_ops2();
    let path = repo.path().display().to_string();
    let scan = |user: &str, body: serde_json::Value| {
        s.client
            .post(&format!("{API}/git/scan"), Some(s.token(user)), &body, &[])
    };
    let r = scan("owner", json!({ "path": path }));
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.text);
    let r = scan("admin", json!({ "path": "/no/such/repo" }));
    assert_eq!((r.status, r.code()), (400, "invalid_input"), "{}", r.text);
    assert!(r.text.contains("/no/such/repo"), "{}", r.text);
    let r = scan("admin", json!({ "path": path, "dry_run": true }));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["new_commits"], 2, "{}", r.text);
    let r = s.client.get(
        &format!("{API}/items/PAY-4/commits"),
        Some(s.token("stake")),
        &[],
    );
    assert_eq!(
        r.body["commits"].as_array().unwrap().len(),
        0,
        "a dry run writes nothing"
    );
    let r = scan("admin", json!({ "path": path }));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["links_added"], 2, "{}", r.text);

    let r = s.client.get(
        &format!("{API}/items/PAY-4/commits"),
        Some(s.token("stake")),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.body["commits"][0];
    assert_eq!(c["subject"], "Fixes PAY-4: the last piece", "{}", r.text);
    assert_eq!(c["fixes"], true, "{}", r.text);
    assert_eq!(c["author"], "Dev One", "{}", r.text);
    let r = s.client.get(
        &format!("{API}/items/OPS-2/commits"),
        Some(s.token("dev")),
        &[],
    );
    assert_eq!(
        r.status, 404,
        "another product's commits stay hidden: {}",
        r.text
    );

    let stake = s.sign_in("stake");
    let cookie = [("cookie", stake.cookie.as_str())];
    let page = s.client.get("/items/PAY-4", None, &cookie);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"h-commits\""), "{}", page.text);
    assert!(
        page.text.contains("Fixes PAY-4: the last piece"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Dev One"), "{}", page.text);
    assert!(page.text.contains("2026-03-02"), "{}", page.text);
    let page = s.client.get("/items/PAY-5", None, &cookie);
    assert!(
        !page.text.contains("h-commits"),
        "no section without commits"
    );
}

/// The Integrations page as an owner: a webhook added (its secret shown
/// once) and refused with a bad address; an export uploaded as a file, as a
/// dry run and then for real; a member is told it is for owners.
fn integrations_page_works_as_plain_forms(s: &TestServer) {
    let owner = s.sign_in("owner");
    let cookie = [("cookie", owner.cookie.as_str())];
    let csrf = owner.csrf.as_str();
    let page = s.client.get("/integrations?product=PAY", None, &cookie);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("No webhooks yet"), "{}", page.text);
    let r = form(
        s,
        "/integrations/webhooks",
        &[
            ("_csrf", csrf),
            ("product", "PAY"),
            ("url", "ftp://example.com/hook"),
        ],
        &cookie,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("http://"), "{}", r.text);
    let r = form(
        s,
        "/integrations/webhooks",
        &[
            ("_csrf", csrf),
            ("product", "PAY"),
            ("url", "http://127.0.0.1:9/cairn"),
            ("events", "item.created, comment.added"),
        ],
        &cookie,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("shown this once"), "{}", r.text);
    assert!(r.text.contains("http://127.0.0.1:9/cairn"), "{}", r.text);
    // Paused, changed, given a new secret and resumed from the same page.
    let id: String = r
        .text
        .split("Webhook ")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!id.is_empty(), "{}", r.text);
    let edit = |fields: &[(&str, &str)]| {
        let mut all = vec![("_csrf", csrf), ("product", "PAY"), ("id", id.as_str())];
        all.extend_from_slice(fields);
        form(s, "/integrations/webhooks/edit", &all, &cookie)
    };
    let r = edit(&[("action", "pause")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("it is paused"), "{}", r.text);
    assert!(r.text.contains(">Resume<"), "{}", r.text);
    let r = edit(&[
        ("action", "save"),
        ("url", "ftp://example.com/hook"),
        ("events", ""),
    ]);
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("not an http URL"), "{}", r.text);
    let r = edit(&[
        ("action", "save"),
        ("url", "http://127.0.0.1:9/moved"),
        ("events", "item.moved"),
    ]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text
            .contains("sends item.moved to <code>http://127.0.0.1:9/moved</code>"),
        "{}",
        r.text
    );
    let r = edit(&[("action", "secret")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("new secret, shown this once"), "{}", r.text);
    let r = edit(&[("action", "resume")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("it is paused"), "{}", r.text);
    assert!(r.text.contains(">Pause<"), "{}", r.text);

    let export = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cairn-formats/tests/data/jira/search.json"
    ))
    .unwrap();
    let upload = |dry: bool| {
        let b = "----cairnboundary";
        let mut body = String::new();
        let mut field = |name: &str, value: &str| {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        };
        field("_csrf", csrf);
        field("product", "PAY");
        field("system", "jira");
        field("unknown_status", "fail");
        if dry {
            field("dry_run", "true");
        }
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"shop.json\"\r\n\
             Content-Type: application/json\r\n\r\n{export}\r\n--{b}--\r\n"
        ));
        s.client.send(
            "POST",
            "/integrations/import",
            None,
            Some((
                &format!("multipart/form-data; boundary={b}"),
                body.into_bytes(),
            )),
            &cookie,
        )
    };
    let r = upload(true);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("Dry run:") && r.text.contains("12 created"),
        "{}",
        r.text
    );
    // The fix version only the export has becomes a release.
    assert!(
        r.text.contains("Releases that would be added:") && r.text.contains("2026.1.3"),
        "{}",
        r.text
    );
    let r = upload(false);
    assert!(
        r.text.contains("Imported:") && r.text.contains("12 created"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Releases added:"), "{}", r.text);
    let r = upload(false);
    assert!(
        r.text.contains("0 created, 0 updated, 12 unchanged"),
        "{}",
        r.text
    );

    let dev = s.sign_in("dev");
    let page = s.client.get(
        "/integrations?product=PAY",
        None,
        &[("cookie", dev.cookie.as_str())],
    );
    assert!(page.text.contains("Only an owner"), "{}", page.text);
}

/// A sign-in posted from another site is refused (login CSRF): no
/// session is made; the same form from Cairn's own page signs in.
fn sign_in_from_another_site_is_refused(s: &TestServer) {
    let fields = [
        ("handle", "dev"),
        ("password", PASSWORD),
        ("next", "/backlog"),
    ];
    let r = form(s, "/login", &fields, &[("sec-fetch-site", "cross-site")]);
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.header("set-cookie").is_none(), "a session was made");
    assert!(r.text.contains("came from another site"), "{}", r.text);
    let r = form(s, "/login", &fields, &[("sec-fetch-site", "same-origin")]);
    assert_eq!(redirect(&r), "/backlog");
    assert!(
        r.header("set-cookie")
            .is_some_and(|c| c.starts_with("cairn_session=")),
        "no session"
    );
}

both!(
    sign_in_from_another_site_is_refused,
    intake_form_is_public_and_rate_limited,
    feedback_pages_work_as_plain_forms,
    discussions_work_as_plain_forms,
    watching_and_the_inbox_work_as_plain_forms,
    notification_mail_is_sent_by_the_server,
    integrations_page_works_as_plain_forms,
    commits_through_the_api_and_on_the_item_page,
);
