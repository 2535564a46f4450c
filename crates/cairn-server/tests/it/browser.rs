//! Browser tests: real Chromium through chromedriver (Debian's packages;
//! `scripts/test.sh` installs them and these tests fail, never skip, when
//! they are missing), driving `cairn serve` on a seeded SQLite database
//! through the flows people use: sign in, create a story, reorder by
//! keyboard, move a card on the board, open the forecast chart, and a
//! stakeholder failing to edit. Screenshots of the main pages are written
//! to `target/screenshots/`.

use crate::support::{API, Backend, PASSWORD, TestServer};
use crate::webdriver::{Driver, Session, keys};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}

fn shot(s: &Session, name: &str) {
    let p = shots().join(format!("{name}.png"));
    s.screenshot(&p).unwrap();
}

fn sign_in(s: &Session, base: &str, user: &str) {
    s.goto(&format!("{base}/login")).unwrap();
    s.wait_for("#handle", WAIT)
        .unwrap()
        .send_keys(user)
        .unwrap();
    s.find("#password").unwrap().send_keys(PASSWORD).unwrap();
    s.find("form button[type=submit]").unwrap().click().unwrap();
    s.wait_for("header.top", WAIT).unwrap();
}

/// No console errors, and the page passes basic accessibility checks:
/// one main landmark, one h1, every form control labelled, every image
/// with alternative text, and a lang attribute.
fn check_page(s: &Session, what: &str) {
    let errors: Vec<(String, String)> = s
        .browser_log()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "{what}: console errors {errors:?}");
    let problems = s
        .execute(
            r#"
            const out = [];
            if (document.querySelectorAll('main').length !== 1) out.push('main landmarks: ' + document.querySelectorAll('main').length);
            if (document.querySelectorAll('h1').length !== 1) out.push('h1 count: ' + document.querySelectorAll('h1').length);
            if (!document.documentElement.lang) out.push('no lang');
            for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
              const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
              if (!named) out.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
            }
            for (const img of document.querySelectorAll('img')) { if (!img.hasAttribute('alt')) out.push('img without alt'); }
            for (const b of document.querySelectorAll('button')) { if (!b.textContent.trim() && !b.getAttribute('aria-label')) out.push('button without a name'); }
            return out;
            "#,
            vec![],
        )
        .unwrap();
    assert_eq!(problems, json!([]), "{what}: accessibility problems");
}

/// Wait until the first element matching `css` has text containing
/// `want`, read in one script call (so a page being replaced gives no
/// stale element); its text.
fn wait_for_text(s: &Session, css: &str, want: &str) -> String {
    let read = |s: &Session| -> String {
        s.execute(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
            vec![json!(css)],
        )
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
    };
    if let Err(e) = s.wait_until(|s| read(s).contains(want), WAIT) {
        panic!("{css} never said {want:?} (it says {:?}): {e}", read(s));
    }
    read(s)
}

/// The backlog's keys in page order, read in one script call so a page
/// that is reloading gives an empty list rather than a stale element.
fn backlog_keys(s: &Session) -> Vec<String> {
    s.execute(
        "return Array.from(document.querySelectorAll('table.backlog tbody tr')).map(r => r.dataset.key)",
        vec![],
    )
    .ok()
    .and_then(|v| serde_json::from_value(v).ok())
    .unwrap_or_default()
}

fn api_order(srv: &TestServer) -> Vec<String> {
    let r = srv.client.get(
        &format!(
            "{API}/items?q={}&limit=100",
            crate::support::enc("product = PAY AND category != done ORDER BY rank")
        ),
        Some(srv.token("admin")),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn member_signs_in_creates_a_story_and_reorders_by_keyboard() {
    let srv = TestServer::start(Backend::Sqlite, "browser::member");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();

    // Signing in with a wrong password says so and stays on the form.
    s.goto(&format!("{base}/login")).unwrap();
    shot(&s, "login");
    s.find("#handle").unwrap().send_keys("dev").unwrap();
    s.find("#password")
        .unwrap()
        .send_keys("not the password")
        .unwrap();
    s.find("form button[type=submit]").unwrap().click().unwrap();
    let err = s.wait_for("#login-error", WAIT).unwrap();
    assert!(
        err.text().unwrap().contains("wrong"),
        "{}",
        err.text().unwrap()
    );
    let _ = s.browser_log(); // the 401 of the failed sign-in is expected

    sign_in(&s, &base, "dev");
    assert!(s.current_url().unwrap().ends_with("/backlog"));
    s.wait_for("table.backlog tbody tr", WAIT).unwrap();
    check_page(&s, "backlog");
    shot(&s, "backlog");

    // The help overlay opens with ? and closes with Escape.
    s.send_keys_to_active("?").unwrap();
    s.wait_until(
        |s| {
            s.execute("return document.getElementById('help').open", vec![])
                .unwrap()
                == json!(true)
        },
        WAIT,
    )
    .unwrap();
    shot(&s, "help-overlay");
    s.press_key(keys::ESCAPE).unwrap();
    s.wait_until(
        |s| {
            s.execute("return document.getElementById('help').open", vec![])
                .unwrap()
                == json!(false)
        },
        WAIT,
    )
    .unwrap();

    // "/" focuses the query bar; a query narrows the list.
    s.send_keys_to_active("/").unwrap();
    let active = s.active_element().unwrap();
    assert_eq!(active.attr("id").unwrap().as_deref(), Some("q"));
    active.send_keys("kind = story").unwrap();
    active.send_keys(keys::ENTER).unwrap();
    s.wait_until(|s| s.current_url().unwrap().contains("q=kind"), WAIT)
        .unwrap();
    let keys_now = backlog_keys(&s);
    assert!(!keys_now.is_empty());
    assert!(keys_now.iter().all(|k| k.starts_with("PAY-")));

    // "c" opens the new-item form; create a story.
    s.goto(&format!("{base}/backlog")).unwrap();
    s.wait_for("table.backlog", WAIT).unwrap();
    s.send_keys_to_active("c").unwrap();
    s.wait_for("#f-title", WAIT).unwrap();
    check_page(&s, "new item");
    let title = "As a merchant, I want to download refund receipts, so that I can file them";
    s.find("#f-title").unwrap().send_keys(title).unwrap();
    s.find("#f-description")
        .unwrap()
        .send_keys("Receipts as **PDF**. <script>alert('x')</script>")
        .unwrap();
    s.find("#f-acceptance")
        .unwrap()
        .send_keys("Scenario: one receipt\n  Given a refunded payment\n  When I download its receipt\n  Then I get a PDF")
        .unwrap();
    s.find("#f-estimate").unwrap().send_keys("3").unwrap();
    s.find("form.item-form button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    s.wait_for("main.item h1", WAIT).unwrap();
    let h1 = s.find("main.item h1").unwrap().text().unwrap();
    assert!(h1.contains(title), "{h1}");
    let key = h1.split_whitespace().next().unwrap().to_string();
    // Markdown is rendered, script is shown as text and never runs.
    assert_eq!(s.find(".markdown strong").unwrap().text().unwrap(), "PDF");
    assert!(
        s.find(".markdown")
            .unwrap()
            .text()
            .unwrap()
            .contains("<script>")
    );
    assert!(s.find_all(".markdown script").unwrap().is_empty());
    check_page(&s, "item");
    shot(&s, "item");
    let (version, body) = srv.read(&key);
    assert_eq!(version, 1);
    assert_eq!(body["estimate"], json!(3.0));

    // Reorder by keyboard: select the second row with j j, Alt+Up.
    s.goto(&format!("{base}/backlog")).unwrap();
    s.wait_for("table.backlog tbody tr", WAIT).unwrap();
    let before = backlog_keys(&s);
    assert!(before.len() >= 3);
    s.send_keys_to_active("j").unwrap();
    s.send_keys_to_active("j").unwrap();
    let sel = s.find("tr.selected").unwrap();
    assert_eq!(
        sel.attr("data-key").unwrap().as_deref(),
        Some(before[1].as_str())
    );
    s.chord(&[keys::ALT, keys::ARROW_UP]).unwrap();
    s.wait_until(|s| backlog_keys(s).first() == Some(&before[1]), WAIT)
        .unwrap();
    // The server has the new order, not only the page.
    let order = api_order(&srv);
    assert_eq!(order[0], before[1]);
    assert_eq!(order[1], before[0]);
    // And it survives a reload.
    s.refresh().unwrap();
    s.wait_for("table.backlog tbody tr", WAIT).unwrap();
    assert_eq!(backlog_keys(&s)[0], before[1]);
    check_page(&s, "backlog after reorder");

    // The same again without script: the ↓ button is a plain form.
    let first = backlog_keys(&s)[0].clone();
    s.find("table.backlog tbody tr:first-child td.moves form:nth-child(2) button")
        .unwrap()
        .click()
        .unwrap();
    s.wait_until(|s| backlog_keys(s).get(1) == Some(&first), WAIT)
        .unwrap();

    // At phone width the backlog is still readable.
    s.set_viewport_size(390, 844).unwrap();
    s.refresh().unwrap();
    s.wait_for("table.backlog", WAIT).unwrap();
    let overflow = s
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(99) <= 2,
        "horizontal overflow at phone width: {overflow}"
    );
    shot(&s, "backlog-phone");
}

#[test]
fn member_moves_a_card_on_the_board_and_opens_the_forecast() {
    let srv = TestServer::start(Backend::Sqlite, "browser::board");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "dev");

    s.goto(&format!("{base}/board")).unwrap();
    s.wait_for(".board .column", WAIT).unwrap();
    check_page(&s, "board");
    shot(&s, "board");
    // Move PAY-4 to in-progress with the card's own control.
    let card = "li.card[data-key='PAY-4']";
    let select = s.find(&format!("{card} select[name=state]")).unwrap();
    s.execute(
        "arguments[0].value = 'in-progress'; arguments[0].dispatchEvent(new Event('change'));",
        vec![select.to_arg()],
    )
    .unwrap();
    s.find(&format!("{card} form button[type=submit]"))
        .unwrap()
        .click()
        .unwrap();
    s.wait_until(
        |s| {
            s.find(&format!("section.column[data-state='in-progress'] {card}"))
                .is_ok()
        },
        WAIT,
    )
    .unwrap();
    let (_, body) = srv.read("PAY-4");
    assert_eq!(body["state"], json!("in-progress"));

    // Drag-and-drop uses the API with the card's version: move it back by
    // the same call the drop handler makes.
    let moved = s
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            const card = document.querySelector("li.card[data-key='PAY-4']");
            fetch('/api/v1/items/PAY-4', {
              method: 'PATCH',
              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.body.dataset.csrf, 'If-Match': '"' + card.dataset.version + '"'},
              body: JSON.stringify({state: 'todo'})
            }).then(r => done(r.status));
            "#,
            vec![],
        )
        .unwrap();
    assert_eq!(moved, json!(200));

    // The plan page draws the forecast charts.
    s.goto(&format!("{base}/plan")).unwrap();
    s.wait_for("#burnup svg", WAIT).unwrap();
    s.wait_for("#when-chart svg", WAIT).unwrap();
    let bars = s.find_all("#when-chart svg rect").unwrap().len();
    assert!(bars > 3, "the when chart has {bars} rects");
    check_page(&s, "plan");
    shot(&s, "plan");
}

#[test]
fn stakeholder_reads_and_comments_but_cannot_edit() {
    let srv = TestServer::start(Backend::Sqlite, "browser::stakeholder");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "stake");

    s.goto(&format!("{base}/items/PAY-3")).unwrap();
    s.wait_for("main.item h1", WAIT).unwrap();
    // No edit controls for a stakeholder.
    assert!(s.find_all("a.button[href$='/edit']").unwrap().is_empty());
    assert!(s.find_all("#state-select").unwrap().is_empty());
    // Another product's item linked from here is not shown.
    let text = s.find("main").unwrap().text().unwrap();
    assert!(
        !text.contains("OPS-"),
        "a stakeholder of PAY sees OPS: {text}"
    );
    check_page(&s, "item as stakeholder");
    shot(&s, "item-stakeholder");

    // Opening the edit form by URL is refused with a clear page.
    s.goto(&format!("{base}/items/PAY-3/edit")).unwrap();
    let msg = s.wait_for("p.error", WAIT).unwrap().text().unwrap();
    assert!(msg.contains("cannot edit"), "{msg}");
    let _ = s.browser_log(); // the 403 is expected

    // A change sent from the page anyway is refused by the server.
    s.goto(&format!("{base}/items/PAY-3")).unwrap();
    s.wait_for("main.item h1", WAIT).unwrap();
    let (version, _) = srv.read("PAY-3");
    let r: Value = s
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/items/PAY-3', {
              method: 'PATCH',
              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.body.dataset.csrf, 'If-Match': '"' + arguments[0] + '"'},
              body: JSON.stringify({title: 'Changed by a stakeholder'})
            }).then(r => r.json().then(j => done([r.status, j.error.code])));
            "#,
            vec![json!(version)],
        )
        .unwrap();
    assert_eq!(r, json!([403, "forbidden"]));
    assert_eq!(srv.read("PAY-3").0, version);
    let _ = s.browser_log();

    // Commenting is allowed.
    s.find("#comment")
        .unwrap()
        .send_keys("Can we ship this before the audit?")
        .unwrap();
    s.execute("document.querySelector('#comment').form.submit()", vec![])
        .unwrap();
    s.wait_until(
        |s| {
            s.execute(
                "return Array.from(document.querySelectorAll('.comment')).some(c => c.textContent.includes('before the audit'))",
                vec![],
            )
            .is_ok_and(|v| v == json!(true))
        },
        WAIT,
    )
    .unwrap();
    check_page(&s, "item after comment");

    // An item of a product the stakeholder has no role in does not exist.
    s.goto(&format!("{base}/items/OPS-2")).unwrap();
    let h1 = s.wait_for("h1", WAIT).unwrap().text().unwrap();
    assert_eq!(h1, "Not found");
}

/// The Reports page shows each report inside the app, with its charts and
/// With a Definition of Done, the web app refuses a move into done with
/// the unmet rule; an owner overrides it with a reason.
#[test]
fn owner_overrides_a_failing_gate_from_the_item_page() {
    let srv = TestServer::start(Backend::Sqlite, "browser::gates");
    let mut app = cairn_app::App::open(srv.db_url(), "admin").unwrap();
    let config = format!(
        "{}\n[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nstory = [\"tests-passed\"]\n",
        app.config_text().unwrap()
    );
    app.config_apply(&config, None).unwrap();
    drop(app);
    let key = srv.create("PAY", "story", "Refund to a wallet");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "owner");
    s.goto(&format!("{base}/items/{key}")).unwrap();
    s.wait_for("#state-select", WAIT).unwrap();
    s.execute(
        "document.querySelector('#state-select').value = 'done'; document.querySelector('#state-select').form.submit();",
        vec![],
    )
    .unwrap();
    let body = wait_for_text(&s, "main", "cannot move to done");
    assert!(body.contains("tests-passed"), "{body}");
    // The refusal is a 422, which the browser logs; that is expected here.
    let logged = s.browser_log();
    assert!(logged.iter().all(|(_, m)| m.contains("422")), "{logged:?}");
    s.goto(&format!("{base}/items/{key}")).unwrap();
    s.find("details.override summary").unwrap().click().unwrap();
    s.find("#ov-reason")
        .unwrap()
        .send_keys("verified by hand in staging")
        .unwrap();
    check_page(&s, "item: override");
    shot(&s, "item-override");
    s.find("details.override button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    s.wait_for(".item-head .state", WAIT).unwrap();
    let (_, item) = srv.read(&key);
    assert_eq!(item["state"], "done");
}

/// An owner freezes a baseline from the Baselines page, adds a story, and
/// sees it in the comparison with now.
#[test]
fn owner_freezes_a_baseline_and_sees_what_changed() {
    let srv = TestServer::start(Backend::Sqlite, "browser::baselines");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "owner");
    s.goto(&format!("{base}/baselines?product=PAY")).unwrap();
    s.wait_for("main h1", WAIT).unwrap();
    check_page(&s, "baselines: empty");
    s.find("#nb-name")
        .unwrap()
        .send_keys("sprint 12 stories")
        .unwrap();
    s.find("#nb-query")
        .unwrap()
        .send_keys("kind = story")
        .unwrap();
    s.find("form.new-baseline button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    let notice = s.wait_for("p.notice", WAIT).unwrap().text().unwrap();
    assert!(notice.contains("sprint 12 stories"), "{notice}");
    let h = s.wait_for(".report h1", WAIT).unwrap().text().unwrap();
    assert!(h.contains("compared with now"), "{h}");
    // A story is added; the comparison lists it.
    srv.create("PAY", "story", "Refund to a gift card");
    s.goto(&format!(
        "{base}/baselines?product=PAY&from=sprint%2012%20stories"
    ))
    .unwrap();
    let text = s.wait_for(".report", WAIT).unwrap().text().unwrap();
    assert!(text.contains("1 added"), "{text}");
    check_page(&s, "baselines: diff");
    shot(&s, "baselines-diff");
}

/// An owner adds a webhook on the Integrations page, sees its secret
/// once, pauses it, and opens the form that changes its address.
#[test]
fn owner_adds_and_pauses_a_webhook() {
    let srv = TestServer::start(Backend::Sqlite, "browser::webhooks");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "owner");
    s.goto(&format!("{base}/integrations?product=PAY")).unwrap();
    s.wait_for("#url", WAIT)
        .unwrap()
        .send_keys("http://127.0.0.1:9/cairn")
        .unwrap();
    s.find("#events")
        .unwrap()
        .send_keys("item.moved, release.shipped")
        .unwrap();
    s.find("form[action='/integrations/webhooks'] button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    wait_for_text(&s, ".notice", "shown this once");
    s.find("button[value=pause]").unwrap().click().unwrap();
    wait_for_text(&s, ".notice", "it is paused");
    s.wait_for("button[value=resume]", WAIT).unwrap();
    s.find("table.hooks details summary")
        .unwrap()
        .click()
        .unwrap();
    check_page(&s, "integrations: a paused webhook");
    shot(&s, "integrations-webhooks");
    let owner = Some(srv.token("owner"));
    let r = srv
        .client
        .get(&format!("{API}/products/PAY/webhooks"), owner, &[]);
    assert_eq!(r.body["webhooks"][0]["active"], false, "{}", r.text);
    assert_eq!(
        r.body["webhooks"][0]["events"],
        json!(["item.moved", "release.shipped"])
    );
}

/// links to items; an owner records the exec report as sent.
#[test]
fn owner_reads_every_report_and_records_the_exec_report() {
    let srv = TestServer::start(Backend::Sqlite, "browser::reports");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "owner");
    s.goto(&format!("{base}/reports?product=PAY")).unwrap();
    let h = s.wait_for(".report h1", WAIT).unwrap().text().unwrap();
    assert!(h.ends_with("update for leadership"), "{h}");
    check_page(&s, "reports: exec");
    shot(&s, "reports-exec");
    s.find("form.record button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    let notice = s.wait_for("p.notice", WAIT).unwrap().text().unwrap();
    assert!(notice.starts_with("Recorded"), "{notice}");
    for (kind, heading, charts) in [
        ("team", "team report", 2),
        ("roadmap", "roadmap", 1),
        ("release-notes", "release notes", 0),
        ("risks", "Risk register", 1),
        ("trace", "traceability matrix", 0),
    ] {
        s.goto(&format!("{base}/reports?product=PAY&kind={kind}&since=26w"))
            .unwrap();
        let h = s.wait_for(".report h1", WAIT).unwrap().text().unwrap();
        assert!(h.contains(heading), "{kind}: {h}");
        let n = s.find_all(".report figure svg").unwrap().len();
        assert!(n >= charts, "{kind}: {n} charts");
        check_page(&s, &format!("reports: {kind}"));
        shot(&s, &format!("reports-{kind}"));
    }
    // Item links open the item in the app.
    s.goto(&format!("{base}/reports?product=PAY&kind=team"))
        .unwrap();
    s.wait_for(".report h1", WAIT).unwrap();
    let hrefs = s
        .execute(
            "return [...document.querySelectorAll('.report a')].map(a => a.getAttribute('href'))",
            vec![],
        )
        .unwrap();
    let hrefs: Vec<String> = serde_json::from_value(hrefs).unwrap();
    assert!(
        !hrefs.is_empty() && hrefs.iter().all(|h| h.starts_with("/items/PAY-")),
        "{hrefs:?}"
    );
    // A scope that is not a query is explained on the page.
    s.goto(&format!(
        "{base}/reports?product=PAY&kind=exec&scope=labl%20%3D%20x"
    ))
    .unwrap();
    let e = s.wait_for(".error", WAIT).unwrap().text().unwrap();
    assert!(e.contains("labl"), "{e}");
}

/// Every HTML report renders in Chromium from a file with no console error
/// and no request for anything outside itself; a screenshot of each is kept.
#[test]
fn html_reports_are_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let (notes, risks, exec, team, roadmap, trace) = {
        let mut app = cairn_app::App::open(&url, "tester").unwrap();
        app.init().unwrap();
        cairn_app::demo::generate(&mut app, 7, "PAY").unwrap();
        app.risk_add(cairn_app::register::NewRisk {
            title: "Card network certification slips past the launch".into(),
            likelihood: 3,
            impact: 5,
            mitigations: vec!["PAY-96".parse().unwrap()],
            ..Default::default()
        })
        .unwrap();
        let today = chrono::DateTime::from_timestamp_millis(app.now())
            .unwrap()
            .date_naive();
        let since = today - chrono::Days::new(60);
        let notes = app
            .report_release_notes(None, &cairn_app::report::NotesScope::Since(since), None)
            .unwrap()
            .doc();
        let risks = app.report_risks(None).unwrap().doc();
        let exec = app
            .report_exec(&cairn_app::exec::ExecRequest {
                product: None,
                since: today - chrono::Days::new(14),
                scope: None,
                seed: 1,
            })
            .unwrap()
            .doc();
        let team = app
            .report_team(&cairn_app::team::TeamRequest {
                product: None,
                window: None,
                scope: None,
            })
            .unwrap()
            .doc();
        let roadmap = app
            .report_roadmap(&cairn_app::roadmap::RoadmapRequest {
                product: None,
                scope: None,
                seed: 1,
                next_days: None,
            })
            .unwrap()
            .doc();
        let trace = app
            .trace_matrix(&cairn_app::trace::TraceRequest::default())
            .unwrap()
            .doc("Payments Platform");
        (notes, risks, exec, team, roadmap, trace)
    };
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1100, 900).unwrap();
    for (name, doc) in [
        ("report-release-notes", notes),
        ("report-risks", risks),
        ("report-exec", exec),
        ("report-team", team),
        ("report-roadmap", roadmap),
        ("report-trace", trace),
    ] {
        let path = shots().join(format!("{name}.html"));
        std::fs::create_dir_all(shots()).unwrap();
        std::fs::write(&path, cairn_report::doc::to_html(&doc, None)).unwrap();
        let file = format!("file://{}", path.canonicalize().unwrap().display());
        s.goto(&file).unwrap();
        s.wait_for("h1", WAIT).unwrap();
        let errors: Vec<(String, String)> = s
            .browser_log()
            .into_iter()
            .filter(|(level, _)| level == "SEVERE")
            .collect();
        assert!(errors.is_empty(), "{name}: console errors {errors:?}");
        let requests = s
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .unwrap();
        assert_eq!(requests, json!([]), "{name} fetched something");
        shot(&s, name);
    }
}

/// A member records a customer's feedback on the Feedback page, finds it
/// in the inbox, opens it and links it to the item it asks for with the
/// suggestion's button; it then leaves the inbox.
#[test]
fn member_records_feedback_and_links_a_suggested_item() {
    let srv = TestServer::start(Backend::Sqlite, "browser::feedback");
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    sign_in(&s, &base, "dev");

    s.goto(&format!("{base}/feedback?product=PAY")).unwrap();
    s.wait_for("#fb-text", WAIT).unwrap();
    check_page(&s, "feedback");
    s.find("#fb-text")
        .unwrap()
        .send_keys("Our clerks want to preview refunds before sending them to the bank.")
        .unwrap();
    s.find("#fb-customer")
        .unwrap()
        .send_keys("Northwind Traders")
        .unwrap();
    s.find("#fb-requester")
        .unwrap()
        .send_keys("finance@northwind.test")
        .unwrap();
    s.execute(
        "document.querySelector('#fb-importance').value = 'important';",
        vec![],
    )
    .unwrap();
    s.find("form.record-feedback button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    let notice = s.wait_for("p.notice", WAIT).unwrap().text().unwrap();
    assert!(notice.starts_with("Recorded F-"), "{notice}");
    let id = s.find("h1 .key").unwrap().text().unwrap();
    let inbox_link = format!(".inbox a[href='/feedback/{id}']");

    // The inbox lists it; its row opens the record.
    s.goto(&format!("{base}/feedback?product=PAY")).unwrap();
    s.wait_for(&inbox_link, WAIT).unwrap().click().unwrap();
    s.wait_for("blockquote.feedback-text", WAIT).unwrap();
    let facts = s.find("dl.facts").unwrap().text().unwrap();
    assert!(facts.contains("Northwind Traders"), "{facts}");
    assert!(facts.contains("important"), "{facts}");
    // The story it asks for is suggested, with the words they share.
    let row = "table.suggestions tr[data-key='PAY-4']";
    let shared = s.wait_for(row, WAIT).unwrap().text().unwrap();
    assert!(
        shared.contains("Preview refunds before sending"),
        "{shared}"
    );
    assert!(shared.contains("refund"), "{shared}");
    check_page(&s, "feedback record");
    shot(&s, "feedback-record");
    s.find(&format!("{row} button[type=submit]"))
        .unwrap()
        .click()
        .unwrap();
    let notice = s.wait_for("p.notice", WAIT).unwrap().text().unwrap();
    assert_eq!(notice, "Linked to PAY-4.");
    let linked = s.find("ul.linked-items").unwrap().text().unwrap();
    assert!(linked.contains("PAY-4"), "{linked}");
    assert!(s.find_all(row).unwrap().is_empty(), "still suggested");
    let r = srv.client.get(
        &format!("{API}/feedback/{id}"),
        Some(srv.token("admin")),
        &[],
    );
    assert_eq!(r.body["feedback"]["items"], json!(["PAY-4"]), "{}", r.text);

    // It has left the inbox.
    s.goto(&format!("{base}/feedback?product=PAY")).unwrap();
    s.wait_for(".inbox", WAIT).unwrap();
    assert!(s.find_all(&inbox_link).unwrap().is_empty());
    let demanded = s.find(".report").unwrap().text().unwrap();
    assert!(demanded.contains("PAY-4"), "{demanded}");
    check_page(&s, "feedback after linking");
    shot(&s, "feedback");
}

/// Once the config switches a product's intake form on, anyone can send
/// feedback through it without an account, and is thanked.
#[test]
fn visitor_sends_feedback_through_the_public_form() {
    let srv = TestServer::start(Backend::Sqlite, "browser::intake");
    let mut app = cairn_app::App::open(srv.db_url(), "admin").unwrap();
    let config = format!(
        "{}\n[feedback]\nintake = [\"PAY\"]\n",
        app.config_text().unwrap()
    );
    app.config_apply(&config, Some("public feedback form for PAY"))
        .unwrap();
    drop(app);
    let base = srv.base_url().to_string();
    let driver = Driver::start();
    let s = driver.session().unwrap();
    s.set_viewport_size(1280, 900).unwrap();
    // Not signed in.
    s.goto(&format!("{base}/intake/PAY")).unwrap();
    let h = s.wait_for("h1", WAIT).unwrap().text().unwrap();
    assert_eq!(h, "Feedback on Payments");
    assert!(s.find_all("header.top").unwrap().is_empty());
    // The honeypot is out of sight.
    let right = s
        .execute(
            "return document.querySelector('#in-website').getBoundingClientRect().right",
            vec![],
        )
        .unwrap();
    assert!(
        right.as_f64().unwrap() <= 0.0,
        "the honeypot shows: {right}"
    );
    check_page(&s, "intake form");
    shot(&s, "intake");
    s.find("#in-text")
        .unwrap()
        .send_keys("Please let us refund in bulk from a spreadsheet.")
        .unwrap();
    s.find("#in-requester")
        .unwrap()
        .send_keys("pat@contoso.test")
        .unwrap();
    s.find("#in-customer")
        .unwrap()
        .send_keys("Contoso")
        .unwrap();
    s.find(".intake button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    let h = wait_for_text(&s, "h1", "Thank you");
    assert_eq!(h.trim(), "Thank you");
    let text = s.find("main").unwrap().text().unwrap();
    assert!(text.contains("reached the Payments team"), "{text}");
    check_page(&s, "intake: thank you");
    let r = srv.client.get(
        &format!("{API}/feedback?product=PAY"),
        Some(srv.token("admin")),
        &[],
    );
    let list = r.body["feedback"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", r.text);
    assert_eq!(list[0]["source"], "intake");
    assert_eq!(list[0]["requester"], "pat@contoso.test");
    assert_eq!(list[0]["customer"]["name"], "Contoso");
}
