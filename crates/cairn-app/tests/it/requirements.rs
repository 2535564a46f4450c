//! Requirement intake, re-import, suspects, lint, duplicates and
//! decomposition, on both backends.

use crate::harness::*;
use cairn_app::AppError;
use cairn_app::requirements::ReqFormat;
use cairn_core::{ItemKey, Kind};

const SPEC: &str = "# Payments requirements

## Card payments

1. R-1: The system shall allow the cashier to refund and void card payments.
2. R-2: The system shall answer a payment authorisation within 2 seconds for 95% of requests.
3. Only authorised finance staff shall export the settlement report.

## Operations

The service must be available 99.9% of the time, measured monthly. Nothing else here is a requirement.
";

fn k(s: &str) -> ItemKey {
    s.parse().unwrap()
}

fn import(fx: &mut Fx, text: &str) -> cairn_app::requirements::ImportReport {
    fx.app
        .req_import("./docs/spec.md", text, ReqFormat::Markdown, None)
        .unwrap()
}

fn markdown_import_keeps_source_and_reimport_updates_in_place(fx: &mut Fx) {
    fx.workspace();
    let r = import(fx, SPEC);
    assert_eq!(r.document, "docs/spec.md");
    assert_eq!(r.added.len(), 4, "{r:?}");
    let first = &r.added[0];
    assert_eq!(
        (first.key.as_str(), first.line, first.ext_id.as_deref()),
        ("PAY-1", 5, Some("R-1"))
    );
    let src = fx.app.req_source(&k("PAY-1")).unwrap().unwrap();
    assert_eq!(src.heading_path, "Payments requirements > Card payments");
    let item = fx.app.item_view(&k("PAY-4")).unwrap().item;
    assert_eq!(item.kind, Kind::Requirement);
    assert!(
        item.title
            .starts_with("The service must be available 99.9%"),
        "{}",
        item.title
    );

    // A story implements R-1; a task sits under nothing but relates to R-3.
    let story = fx.add(
        Kind::Story,
        "As a cashier, I want to void a card payment, so that a mistaken charge is undone",
    );
    fx.app
        .link(&story, "implements", &k("PAY-1"), None)
        .unwrap();
    let task = fx.add(Kind::Task, "Settlement export job");
    fx.app.link(&task, "relates", &k("PAY-3"), None).unwrap();

    // Re-import the same text: nothing changes, nothing is suspect.
    let again = import(fx, SPEC);
    assert_eq!(
        (
            again.added.len(),
            again.updated.len(),
            again.unchanged.len()
        ),
        (0, 0, 4)
    );
    assert!(fx.app.suspect_list().unwrap().is_empty());

    // Change R-1 (matched by id), reword the unnumbered R-3 (matched by
    // similarity), move lines, and drop the availability requirement.
    let changed = "# Payments requirements

Intro line.

## Card payments

1. R-2: The system shall answer a payment authorisation within 2 seconds for 95% of requests.
2. R-1: The system shall allow the cashier to refund and void card and wallet payments.
3. Only authorised finance staff shall export the daily settlement report.
";
    let r = import(fx, changed);
    assert_eq!(r.added.len(), 0, "{r:?}");
    let updated: Vec<(&str, &str)> = r
        .updated
        .iter()
        .map(|c| (c.key.as_str(), c.matched_by.as_str()))
        .collect();
    assert_eq!(updated.len(), 2, "{r:?}");
    assert!(updated.contains(&("PAY-1", "id")), "{updated:?}");
    assert!(
        updated
            .iter()
            .any(|(key, how)| *key == "PAY-3" && how.starts_with("similarity")),
        "{updated:?}"
    );
    assert_eq!(r.unchanged.len(), 1);
    assert_eq!(
        r.unchanged[0].line, 7,
        "R-2 moved to line 7 and stayed the same requirement"
    );
    assert_eq!(
        r.removed.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        ["PAY-4"]
    );
    assert_eq!(
        fx.app.item_view(&k("PAY-1")).unwrap().item.title,
        "The system shall allow the cashier to refund and void card and wallet payments"
    );

    // Both linked items are suspect, with the reason; the change is audited.
    let suspects = fx.app.suspect_list().unwrap();
    let pairs: Vec<(&str, &str)> = suspects
        .iter()
        .map(|s| (s.item.as_str(), s.requirement.as_str()))
        .collect();
    assert_eq!(pairs, [("PAY-5", "PAY-1"), ("PAY-6", "PAY-3")]);
    assert!(
        suspects[0].reason.contains("PAY-1 changed"),
        "{}",
        suspects[0].reason
    );
    let history = fx.app.history("PAY-1").unwrap();
    assert!(history.iter().any(|e| {
        e.action == "item.update"
            && e.reason
                .as_deref()
                .is_some_and(|r| r.contains("re-imported from docs/spec.md"))
    }));
    let marks = fx.app.history("PAY-5").unwrap();
    assert!(marks.iter().any(|e| e.action == "suspect.mark"));

    // Sources and suspect marks survive a dump round trip, byte for byte.
    let dump = crate::dump::export(&mut fx.app);
    assert!(dump.contains("\"type\":\"source\"") && dump.contains("\"type\":\"suspect\""));
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("copy.db").display());
    let mut copy =
        cairn_app::App::open_with_clock(&url, "ann", Box::new(fx.clock.clone())).unwrap();
    copy.import_dump(&mut dump.as_bytes(), &mut |_| {}).unwrap();
    assert_eq!(crate::dump::export(&mut copy), dump);
    assert_eq!(copy.suspect_list().unwrap().len(), 2);

    // Review clears the mark, with an audit entry; clearing twice is refused.
    fx.app
        .suspect_clear(&k("PAY-5"), Some("still right"))
        .unwrap();
    assert_eq!(fx.app.suspect_list().unwrap().len(), 1);
    assert!(
        fx.app
            .history("PAY-5")
            .unwrap()
            .iter()
            .any(|e| e.action == "suspect.clear")
    );
    let err = fx.app.suspect_clear(&k("PAY-5"), None).unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    assert!(fx.app.audit_verify(&mut |_| {}).unwrap().broken.is_none());
}

fn bad_documents_import_nothing(fx: &mut Fx) {
    fx.workspace();
    let e = fx
        .app
        .req_import(
            "notes.md",
            "# Notes\n\nJust prose, nothing required.\n",
            ReqFormat::Markdown,
            None,
        )
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("notes.md:") && msg.contains("no requirements found"),
        "{msg}"
    );
    let e = fx
        .app
        .req_import("reqs.csv", "id,title\nR-1,Login\n", ReqFormat::Csv, None)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("reqs.csv:") && e.contains("text"), "{e}");
    let e = fx
        .app
        .req_import(
            "reqs.csv",
            "id,text\nR-1,The system shall log in\nR-2,\n",
            ReqFormat::Csv,
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3"), "{e}");
    assert_eq!(
        fx.app
            .query("kind = requirement", cairn_store::Page::default())
            .unwrap()
            .total,
        0
    );
    // CSV that is fine imports.
    let r = fx
        .app
        .req_import(
            "reqs.csv",
            "id,text,section\nR-1,The system shall log in users,Access > Login\n",
            ReqFormat::Csv,
            None,
        )
        .unwrap();
    assert_eq!(r.added.len(), 1);
    assert_eq!(
        fx.app
            .req_source(&k("PAY-1"))
            .unwrap()
            .unwrap()
            .heading_path,
        "Access > Login"
    );
}

fn lint_finds_story_problems_with_spans_and_gherkin_lines(fx: &mut Fx) {
    fx.workspace();
    let mut add = |title: &str, acceptance: &str, estimate: Option<f64>| {
        let mut n = new(Kind::Story, title);
        n.acceptance = acceptance.to_string();
        n.estimate = estimate;
        fx.app.item_add(n, None).unwrap().key
    };
    let good = add(
        "As a cashier, I want to void a card payment, so that a mistaken charge is undone",
        "Scenario: void\n  Given a captured payment\n  When I void it\n  Then the customer is not charged",
        Some(3.0),
    );
    let compound = add(
        "As a cashier, I want to create and delete refunds quickly",
        "",
        Some(21.0),
    );
    let bad_gherkin = add(
        "As a cashier, I want to print a receipt, so that the customer has proof",
        "Scenario: print\n  Given a payment\n  When I print\n\nScenario: reprint\n  Given a payment\n    | a | b |\n    | 1 |\n  Then it prints\n",
        None,
    );
    let r = fx.app.lint(None).unwrap();
    assert_eq!(r.items.len(), 3);
    let of = |key: &ItemKey| -> Vec<(&str, Option<usize>, String)> {
        r.findings
            .iter()
            .filter(|f| f.key == key.to_string())
            .map(|f| (f.rule, f.column, f.excerpt.clone()))
            .collect()
    };
    assert!(of(&good).is_empty(), "{:?}", of(&good));
    let c = of(&compound);
    assert!(
        c.contains(&("atomic", Some(32), "and".to_string())),
        "{c:?}"
    );
    assert!(
        c.iter().any(|f| f.0 == "unambiguous" && f.2 == "quickly"),
        "{c:?}"
    );
    assert!(c.iter().any(|f| f.0 == "too-big"), "{c:?}");
    assert!(c.iter().any(|f| f.0 == "acceptance-criteria"), "{c:?}");
    let g: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.key == bad_gherkin.to_string())
        .collect();
    assert!(
        g.iter()
            .any(|f| f.rule == "gherkin-syntax" && f.line == Some(8)),
        "{g:?}"
    );
    assert!(
        r.errors >= 2,
        "too-big and the Gherkin error are errors: {r:?}"
    );
    // Gherkin that parses counts its scenarios.
    assert_eq!(
        r.items
            .iter()
            .find(|i| i.key == good.to_string())
            .unwrap()
            .scenarios,
        1
    );

    // A workspace can switch a rule off.
    let cfg = fx.app.config_text().unwrap() + "\n[lint.rules]\ntoo-big = \"off\"\n";
    fx.app.config_apply(&cfg, None).unwrap();
    let r = fx.app.lint(Some(&format!("key = {compound}"))).unwrap();
    assert!(!r.findings.iter().any(|f| f.rule == "too-big"));
}

fn dupes_and_decompose(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a merchant, I want to export my monthly payouts as CSV, so that I can reconcile them",
    );
    let b = fx.add(
        Kind::Story,
        "As a merchant I want to export monthly payouts to CSV so that I can reconcile them",
    );
    fx.add(
        Kind::Story,
        "As a merchant, I want to see disputes, so that I can answer them",
    );
    let pairs = fx.app.dupes(None, Some(0.8)).unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        (pairs[0].a.as_str(), pairs[0].b.as_str()),
        (a.to_string().as_str(), b.to_string().as_str())
    );
    assert!(
        pairs[0].shared_terms.contains(&"payouts".to_string()),
        "{:?}",
        pairs[0].shared_terms
    );
    assert!(fx.app.dupes(None, Some(1.5)).is_err());

    import(fx, SPEC);
    // PAY-4: "allow the cashier to refund and void card payments".
    let req = k("PAY-4");
    let preview = fx.app.decompose(&req, None, false).unwrap();
    assert_eq!(preview.class, "functional");
    let titles: Vec<&str> = preview.items.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Allow the cashier to refund and void card payments",
            "As a cashier, I want to refund card payments",
            "As a cashier, I want to void card payments",
        ]
    );
    assert_eq!(
        fx.app
            .query("kind IN (epic, story)", cairn_store::Page::default())
            .unwrap()
            .total,
        3,
        "a preview writes nothing"
    );
    let applied = fx.app.decompose(&req, None, true).unwrap();
    let keys: Vec<String> = applied
        .items
        .iter()
        .map(|p| p.key.clone().unwrap())
        .collect();
    let story = fx.app.item_view(&keys[1].parse().unwrap()).unwrap();
    assert_eq!(
        story.item.parent.as_ref().map(ToString::to_string),
        Some(keys[0].clone())
    );
    assert!(
        story
            .links
            .iter()
            .any(|l| l.relation == "implements" && l.other == req)
    );
    assert!(
        story
            .item
            .acceptance
            .contains("When I refund card payments")
    );
    // The proposed stories pass the linter's structural rules.
    let r = fx
        .app
        .lint(Some(&format!("key IN ({}, {})", keys[1], keys[2])))
        .unwrap();
    assert!(
        r.findings.iter().all(|f| !matches!(
            f.rule,
            "well-formed" | "gherkin-syntax" | "gherkin-then" | "acceptance-criteria"
        )),
        "{:?}",
        r.findings
    );
    // A security requirement gets the security template.
    let sec = fx
        .app
        .decompose(&k("PAY-6"), Some("security"), false)
        .unwrap();
    assert!(
        sec.items
            .iter()
            .any(|p| p.title.starts_with("Threat model for PAY-6")),
        "{sec:?}"
    );
    assert!(
        fx.app.decompose(&a, None, false).is_err(),
        "only requirements decompose"
    );
}

both!(
    markdown_import_keeps_source_and_reimport_updates_in_place,
    bad_documents_import_nothing,
    lint_finds_story_problems_with_spans_and_gherkin_lines,
    dupes_and_decompose,
    reqif_files_import_whole,
    reqif_export_then_import_gives_the_same_requirements,
);

const REQIF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/reqif");

/// Every DOORS and RMF export in ../shared/data/reqif imports with every
/// spec object and relation; again, it changes nothing; a file with a
/// dangling relation imports nothing.
fn reqif_files_import_whole(fx: &mut Fx) {
    fx.workspace();
    let mut names: Vec<String> = std::fs::read_dir(REQIF)
        .unwrap_or_else(|e| panic!("{REQIF} is missing ({e}); it lives in shared/data/reqif"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".reqif"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 9);
    let mut objects = 0;
    let mut links = 0;
    for n in &names {
        let text = std::fs::read_to_string(format!("{REQIF}/{n}")).unwrap();
        let doc = cairn_formats::reqif::parse(&text).unwrap();
        let r = fx
            .app
            .req_import(n, &text, ReqFormat::ReqIf, None)
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.added.len(), doc.objects.len(), "{n}");
        assert_eq!(r.links_added.len(), doc.relations.len(), "{n}");
        assert_eq!(!r.warnings.is_empty(), !doc.warnings.is_empty(), "{n}");
        objects += doc.objects.len();
        links += doc.relations.len();
    }
    assert_eq!((objects, links), (13, 1));
    assert_eq!(q(&mut fx.app, "kind = requirement").len(), 13);
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM links"), 1);
    // Again: matched by identifier, nothing changes.
    for n in &names {
        let text = std::fs::read_to_string(format!("{REQIF}/{n}")).unwrap();
        let r = fx.app.req_import(n, &text, ReqFormat::ReqIf, None).unwrap();
        assert!(
            r.added.is_empty() && r.updated.is_empty() && r.links_added.is_empty(),
            "{n}"
        );
    }
    // A relation to a spec object the file does not contain: nothing at all.
    let text =
        std::fs::read_to_string(format!("{REQIF}/org.eclipse.rmf-01_specRelationTest.reqif"))
            .unwrap();
    let target = cairn_formats::reqif::parse(&text).unwrap().relations[0]
        .target
        .clone();
    let bad = text.replacen(&format!(">{target}<"), ">missing-object<", 1);
    let audit = audit_count(&mut fx.app);
    let e = fx
        .app
        .req_import("broken.reqif", &bad, ReqFormat::ReqIf, None)
        .unwrap_err();
    assert!(e.to_string().starts_with("broken.reqif: line "), "{e}");
    assert!(e.to_string().contains("missing-object"), "{e}");
    assert!(e.to_string().contains("nothing was imported"), "{e}");
    assert_eq!(audit_count(&mut fx.app), audit);
}

/// Import every shared ReqIF file, export the product, import the export
/// into another product: the same requirements (titles and texts) and the
/// same relations come back, and a second import of the export changes
/// nothing.
fn reqif_export_then_import_gives_the_same_requirements(fx: &mut Fx) {
    fx.workspace();
    let mut names: Vec<String> = std::fs::read_dir(REQIF)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".reqif"))
        .collect();
    names.sort();
    for n in &names {
        let text = std::fs::read_to_string(format!("{REQIF}/{n}")).unwrap();
        fx.app.req_import(n, &text, ReqFormat::ReqIf, None).unwrap();
    }
    // And one written in Cairn, with a relation and a parent.
    let a = fx.add(
        Kind::Requirement,
        "Refunds shall be partial or full & <fast>",
    );
    let b = fx.add(Kind::Requirement, "Refund reasons shall be kept");
    fx.app.link(&b, "relates", &a, None).unwrap();
    let (xml, n) = fx.app.req_export(Some("PAY"), None).unwrap();
    assert_eq!(n, 15);
    fx.app.product_add("RT", "Round trip").unwrap();
    let r = fx
        .app
        .req_import("pay-export.reqif", &xml, ReqFormat::ReqIf, Some("RT"))
        .unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.added.len(), 15);
    let content = |app: &mut cairn_app::App, p: &str| {
        let mut v: Vec<(String, String)> = app
            .query_items(
                &format!("product = {p} AND kind = requirement"),
                cairn_store::Page {
                    limit: 1000,
                    offset: 0,
                },
            )
            .unwrap()
            .into_iter()
            .map(|i| {
                let text = if i.description.is_empty() {
                    i.title.clone()
                } else {
                    i.description.clone()
                };
                (i.title, text)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(content(&mut fx.app, "PAY"), content(&mut fx.app, "RT"));
    let links = |app: &mut cairn_app::App, p: &str| {
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM links l JOIN items s ON s.id = l.src_id JOIN products x ON x.id = s.product_id WHERE x.prefix = '{p}'"
            ),
        )
    };
    assert_eq!(links(&mut fx.app, "PAY"), 2);
    assert_eq!(links(&mut fx.app, "RT"), 2);
    let again = fx
        .app
        .req_import("pay-export.reqif", &xml, ReqFormat::ReqIf, Some("RT"))
        .unwrap();
    assert!(again.added.is_empty() && again.updated.is_empty());
    // Items from a ReqIF file keep its identifiers in the export.
    assert!(
        xml.contains("_1_173759ff-cc02-4b85-8c95-457b785181b9"),
        "DOORS identifiers are kept"
    );
    assert!(fx.app.req_export(Some("PAY"), Some("kind = bug")).is_err());
}
