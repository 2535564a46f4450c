//! Customer feedback on both backends: capture and its bad input, CSV
//! import (idempotent by source id, all or nothing), links and merges,
//! demand checked by hand and read by the ranking models, closing the
//! loop, the intake form, and suggestions and themes on the real user
//! story backlogs taken as feedback.

use crate::harness::*;
use cairn_app::AppError;
use cairn_app::feedback::{FeedbackCsvOptions, NewFeedback, TellOptions, ThemeOptions};
use cairn_core::{Importance, Kind};
use cairn_store::feedback::FeedbackFilter;
use std::collections::HashMap;

fn fb(text: &str) -> NewFeedback {
    NewFeedback {
        product: Some("PAY".into()),
        text: text.into(),
        ..NewFeedback::default()
    }
}

fn csv_opts() -> FeedbackCsvOptions {
    FeedbackCsvOptions {
        product: Some("PAY".into()),
        map: vec![],
        source: Some("support".into()),
    }
}

fn count(fx: &mut Fx) -> usize {
    fx.app
        .feedback_list(&FeedbackFilter {
            merged: true,
            ..FeedbackFilter::default()
        })
        .unwrap()
        .len()
}

fn bad_input_is_refused_with_its_field(fx: &mut Fx) {
    fx.workspace();
    let e = fx.app.feedback_add(fb("   ")).unwrap_err();
    assert!(e.to_string().contains("has no text"), "{e}");
    let e = fx
        .app
        .feedback_add(NewFeedback {
            items: vec![k("PAY-99")],
            ..fb("Export to PDF")
        })
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let e = fx
        .app
        .feedback_add(NewFeedback {
            received: Some("03/01/2026".into()),
            ..fb("Export to PDF")
        })
        .unwrap_err();
    assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    let e = fx
        .app
        .feedback_add(NewFeedback {
            source: Some("fax".into()),
            ..fb("Export to PDF")
        })
        .unwrap_err();
    assert!(e.to_string().contains("[feedback] sources"), "{e}");
    let e = fx
        .app
        .feedback_add(NewFeedback {
            revenue: Some(10.0),
            ..fb("Export to PDF")
        })
        .unwrap_err();
    assert!(e.to_string().contains("customer's organisation"), "{e}");
    assert_eq!(count(fx), 0);
    assert_eq!(
        scalar(&mut fx.app, "SELECT COUNT(*) FROM customers"),
        0,
        "nothing half-written"
    );
    // A source id is taken once.
    fx.app
        .feedback_add(NewFeedback {
            source: Some("support".into()),
            source_id: Some("T-1".into()),
            ..fb("Export to PDF")
        })
        .unwrap();
    let e = fx
        .app
        .feedback_add(NewFeedback {
            source: Some("support".into()),
            source_id: Some("T-1".into()),
            ..fb("Export to PDF again")
        })
        .unwrap_err();
    assert!(
        e.to_string().contains("F-1 already holds support T-1"),
        "{e}"
    );
}

const CSV: &str = "\
Ticket,Comment,Company,Tier,ARR,Email,Date,Priority,Items
T-1,Please let us export invoices as PDF,Acme,enterprise,\"$120,000\",jo@acme.test,2026-01-02,critical,PAY-1
T-2,Invoices as PDF would save our accountants hours,Globex,smb,9000,ann@globex.test,2026-01-03,important,
T-3,Dark mode for the dashboard,Acme,,,max@acme.test,2026-01-04,nice,
";

fn csv_import_is_idempotent_by_source_id(fx: &mut Fx) {
    fx.workspace();
    fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    let r = fx
        .app
        .feedback_import_csv(
            CSV.as_bytes(),
            &FeedbackCsvOptions {
                map: vec![("source_id".into(), "Ticket".into())],
                ..csv_opts()
            },
        )
        .unwrap();
    assert_eq!(r.added, ["F-1", "F-2", "F-3"]);
    assert_eq!((r.unchanged, r.links_added, r.customers), (0, 1, 2));
    let f1 = fx.app.feedback("F-1").unwrap();
    assert_eq!(f1.source, "support");
    assert_eq!(f1.source_id.as_deref(), Some("T-1"));
    assert_eq!(f1.importance, Importance::Critical);
    assert_eq!(f1.items, ["PAY-1"]);
    let acme = f1.customer.unwrap();
    assert_eq!(
        (acme.segment.as_deref(), acme.revenue),
        (Some("enterprise"), Some(120_000.0))
    );
    // A blank tier or revenue keeps what the customer has.
    let f3 = fx.app.feedback("F-3").unwrap();
    assert_eq!(f3.customer.unwrap().revenue, Some(120_000.0));
    assert_eq!(f3.importance, Importance::NiceToHave);

    // The same file again: nothing new.
    let opts = FeedbackCsvOptions {
        map: vec![("source_id".into(), "Ticket".into())],
        ..csv_opts()
    };
    let audit_before = fx.app.store().audit_head().unwrap().0;
    let r = fx.app.feedback_import_csv(CSV.as_bytes(), &opts).unwrap();
    assert!(r.added.is_empty() && r.updated.is_empty(), "{r:?}");
    assert_eq!((r.unchanged, r.links_added, r.customers), (3, 0, 0));
    assert_eq!(count(fx), 3);
    // Only the import's own entry was written.
    assert_eq!(fx.app.store().audit_head().unwrap().0, audit_before + 1);

    // A changed row updates its record.
    let changed = CSV.replace(
        "Dark mode for the dashboard",
        "Dark mode for the whole dashboard",
    );
    let r = fx
        .app
        .feedback_import_csv(changed.as_bytes(), &opts)
        .unwrap();
    assert_eq!(r.updated, ["F-3"]);
    assert_eq!(count(fx), 3);
    assert_eq!(
        fx.app.feedback("F-3").unwrap().text,
        "Dark mode for the whole dashboard"
    );
}

fn a_bad_csv_names_every_row_and_field_and_imports_nothing(fx: &mut Fx) {
    fx.workspace();
    let bad = "\
id,text,customer,revenue,date,importance,items
A-1,Export to PDF,Acme,100,2026-01-02,critical,
A-2,,Acme,100,2026-01-02,critical,
A-3,Dark mode,Acme,lots,2026-13-40,urgent-ish,PAY-99
A-1,Duplicate id,Acme,100,2026-01-02,critical,
";
    let e = fx
        .app
        .feedback_import_csv(bad.as_bytes(), &csv_opts())
        .unwrap_err();
    let m = e.to_string();
    assert!(m.starts_with("nothing was imported: 3 rows are bad"), "{m}");
    assert!(m.contains("line 3: text: the feedback has no text"), "{m}");
    assert!(
        m.contains("line 4: received: `2026-13-40` is not a date"),
        "{m}"
    );
    assert!(m.contains("revenue: revenue `lots` is not a number"), "{m}");
    assert!(
        m.contains("importance: `urgent-ish` is not an importance"),
        "{m}"
    );
    assert!(m.contains("items: there is no item PAY-99"), "{m}");
    assert!(
        m.contains("line 5: source_id: support A-1 is also on line 2"),
        "{m}"
    );
    assert_eq!(count(fx), 0);
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM customers"), 0);
    let e = fx
        .app
        .feedback_import_csv("who,when\nx,y\n".as_bytes(), &csv_opts())
        .unwrap_err();
    assert!(e.to_string().contains("--map text=COLUMN"), "{e}");
}

fn demand_is_counted_by_hand_and_moves_the_ranking(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    let b = fx.add(
        Kind::Story,
        "As a user, I want dark mode, so that my eyes rest",
    );
    let c = fx.add(
        Kind::Story,
        "As an admin, I want SSO, so that staff sign in once",
    );
    let add = |fx: &mut Fx, text: &str, who: Option<(&str, f64)>, imp: Importance, item| {
        fx.app
            .feedback_add(NewFeedback {
                customer: who.map(|w| w.0.to_string()),
                revenue: who.map(|w| w.1),
                requester: Some(format!("{text}@x.test")),
                importance: Some(imp),
                items: vec![item],
                ..fb(text)
            })
            .unwrap()
    };
    // PDF: Acme (50) twice, once critical; Globex (unknown revenue) once.
    add(
        fx,
        "pdf one",
        Some(("Acme", 50.0)),
        Importance::NiceToHave,
        a.clone(),
    );
    let dup = fx
        .app
        .feedback_add(NewFeedback {
            customer: Some("Globex".into()),
            importance: Some(Importance::Important),
            ..fb("pdf please")
        })
        .unwrap();
    let top = add(
        fx,
        "pdf two",
        Some(("Acme", 50.0)),
        Importance::Critical,
        a.clone(),
    );
    // The Globex request is a duplicate: merged, it counts for PAY-1.
    fx.app.feedback_merge(&dup.id, &top.id).unwrap();
    // Dark mode: one anonymous requester, asked 180 days ago.
    fx.app
        .feedback_add(NewFeedback {
            requester: Some("sam".into()),
            received: Some("2025-07-09".into()),
            items: vec![b.clone()],
            ..fb("dark mode")
        })
        .unwrap();
    let d = fx.app.demand(Some("PAY")).unwrap();
    let by: HashMap<&str, &cairn_app::feedback::ItemDemand> =
        d.iter().map(|x| (x.key.as_str(), x)).collect();
    let pdf = by["PAY-1"];
    assert_eq!((pdf.requests, pdf.customers), (3, 2));
    // Acme 50 × 3 (its most important request) + Globex 1 × 2.
    assert_eq!(pdf.revenue, 152.0);
    // Asked today: 1 + 3 + 2.
    assert_eq!(pdf.recent, 6.0);
    assert_eq!((pdf.share, pdf.fibonacci), (1.0, 20.0));
    let dark = by["PAY-2"];
    assert_eq!((dark.requests, dark.customers, dark.revenue), (1, 1, 1.0));
    // 180 days at a 90-day half-life: a quarter.
    assert_eq!(dark.recent, 0.25);
    assert!(!by.contains_key("PAY-3"), "nobody asked for {c}");

    // RICE reads reach from demand, with no field copied by hand.
    let mut cfg = fx.app.config_text().unwrap();
    cfg.push_str(
        "\n[fields.impact]\ntype = \"number\"\n[fields.confidence]\ntype = \"number\"\n\
         [ranking.inputs]\nreach = \"demand.customers\"\neffort = \"estimate\"\n",
    );
    fx.app.config_apply(&cfg, None).unwrap();
    for key in [&a, &b, &c] {
        fx.app
            .item_edit(
                key,
                cairn_app::items::Patch {
                    estimate: Some(Some(2.0)),
                    fields: vec![
                        ("impact".into(), Some("1".into())),
                        ("confidence".into(), Some("80".into())),
                    ],
                    ..Default::default()
                },
                None,
                None,
            )
            .unwrap();
    }
    let req = cairn_app::rank::RankRequest {
        model: Some("rice".into()),
        product: Some("PAY".into()),
        ..Default::default()
    };
    let r = fx.app.rank(&req).unwrap();
    let order: Vec<String> = r.items.iter().map(|i| i.key.to_string()).collect();
    assert_eq!(order, ["PAY-1", "PAY-2", "PAY-3"]);
    let x = fx.app.rank_explain(&req, &a).unwrap();
    let text = format!("{x:?}");
    assert!(text.contains("reach"), "{text}");
    // A name that is not a measure is refused when the config is applied.
    let bad = cfg.replace("demand.customers", "demand.votes");
    let e = fx.app.config_apply(&bad, None).unwrap_err();
    assert!(e.to_string().contains("not a demand measure"), "{e}");
}

fn merging_keeps_every_customer_and_the_loop_closes(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    let f1 = fx
        .app
        .feedback_add(NewFeedback {
            customer: Some("Acme".into()),
            requester: Some("jo@acme.test".into()),
            ..fb("PDF invoices")
        })
        .unwrap();
    let f2 = fx
        .app
        .feedback_add(NewFeedback {
            customer: Some("Globex".into()),
            requester: Some("ann@globex.test".into()),
            items: vec![a.clone()],
            ..fb("Invoices in PDF")
        })
        .unwrap();
    let f3 = fx
        .app
        .feedback_add(NewFeedback {
            requester: Some("sam".into()),
            ..fb("pdf pls")
        })
        .unwrap();
    // F-3 joins F-2; then F-2 (with its duplicate and its link) joins F-1.
    fx.app.feedback_merge(&f3.id, &f2.id).unwrap();
    let top = fx.app.feedback_merge(&f2.id, &f1.id).unwrap();
    assert_eq!(top.items, [a.to_string()]);
    let dups: Vec<String> = fx
        .app
        .feedback_duplicates(&f1.id)
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(dups, ["F-2", "F-3"], "no chains");
    let e = fx.app.feedback_merge(&f1.id, &f1.id).unwrap_err();
    assert!(e.to_string().contains("into itself"), "{e}");
    let e = fx
        .app
        .feedback_link(&f3.id, std::slice::from_ref(&a))
        .unwrap_err();
    assert!(e.to_string().contains("link F-1 instead"), "{e}");
    let d = fx.app.demand(Some("PAY")).unwrap();
    assert_eq!((d[0].requests, d[0].customers), (3, 3));

    // Not done yet: nobody to tell, and asking for it says why.
    assert!(
        fx.app
            .feedback_tell(&TellOptions::default())
            .unwrap()
            .is_empty()
    );
    let e = fx
        .app
        .feedback_tell(&TellOptions {
            items: vec![a.clone()],
            ..TellOptions::default()
        })
        .unwrap_err();
    assert!(
        e.to_string().contains("tell customers once it is done"),
        "{e}"
    );
    fx.app
        .item_edit(
            &a,
            cairn_app::items::Patch {
                state: Some("done".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    let t = fx.app.feedback_tell(&TellOptions::default()).unwrap();
    let who: Vec<(String, Option<String>)> = t
        .iter()
        .map(|x| (x.feedback.clone(), x.requester.clone()))
        .collect();
    assert_eq!(
        who,
        [
            ("F-1".to_string(), Some("jo@acme.test".to_string())),
            ("F-2".to_string(), Some("ann@globex.test".to_string())),
            ("F-3".to_string(), Some("sam".to_string())),
        ]
    );
    let marked = fx.app.feedback_mark_told(&TellOptions::default()).unwrap();
    assert_eq!(marked.len(), 3);
    assert!(
        fx.app
            .feedback_tell(&TellOptions::default())
            .unwrap()
            .is_empty()
    );
    let all = fx
        .app
        .feedback_tell(&TellOptions {
            include_told: true,
            ..TellOptions::default()
        })
        .unwrap();
    assert!(all.iter().all(|x| x.told_by.as_deref() == Some("ann")));
    // Marking again marks nobody twice.
    assert!(
        fx.app
            .feedback_mark_told(&TellOptions::default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action = 'feedback.told'"
        ),
        3
    );
}

fn the_intake_form_is_off_until_switched_on_and_rate_limited(fx: &mut Fx) {
    fx.workspace();
    let form = |text: &str| NewFeedback {
        product: Some("pay".into()),
        text: text.into(),
        requester: Some("visitor@example.test".into()),
        ..NewFeedback::default()
    };
    let e = fx
        .app
        .feedback_intake(form("hello"), "10.0.0.1")
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let mut cfg = fx.app.config_text().unwrap();
    cfg.push_str("\n[feedback]\nintake = [\"PAY\"]\nintake_per_hour = 2\n");
    fx.app.config_apply(&cfg, None).unwrap();
    let f = fx
        .app
        .feedback_intake(form("Export to PDF"), "10.0.0.1")
        .unwrap();
    assert_eq!((f.source.as_str(), f.product.as_str()), ("intake", "PAY"));
    let e = fx.app.feedback_intake(form(""), "10.0.0.1").unwrap_err();
    assert!(e.to_string().contains("has no text"), "{e}");
    fx.app
        .feedback_intake(form("Dark mode"), "10.0.0.1")
        .unwrap();
    let e = fx
        .app
        .feedback_intake(form("More"), "10.0.0.1")
        .unwrap_err();
    assert!(matches!(e, AppError::RateLimited { .. }), "{e:?}");
    // Another address is not held back; an hour later this one is free.
    fx.app.feedback_intake(form("SSO"), "10.0.0.2").unwrap();
    fx.advance(3_600_001);
    fx.app.feedback_intake(form("More"), "10.0.0.1").unwrap();
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action = 'feedback.create' AND actor = 'intake form'"
        ),
        4
    );
}

/// The nine real backlogs: (project, stories).
fn backlogs() -> Vec<(String, Vec<String>)> {
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/user-stories/backlogs"
    ));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the shared data must sit beside the repository",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let project = f.file_stem().unwrap().to_string_lossy().to_string();
            let stories = std::fs::read_to_string(&f)
                .unwrap()
                .lines()
                .filter_map(|l| {
                    let l = l.trim();
                    let s = match l.strip_prefix('#').and_then(|r| r.split_once('#')) {
                        Some((_, rest)) => rest.trim(),
                        None => l,
                    };
                    (!s.is_empty()).then(|| s.to_string())
                })
                .collect();
            (project, stories)
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn suggestions_on_real_backlogs_come_from_the_same_project(fx: &mut Fx) {
    fx.workspace();
    let projects = backlogs();
    // Every story of every project is an item, labelled with its project.
    let mut csv = String::from("title,labels\n");
    let mut project_of: HashMap<String, String> = HashMap::new();
    let mut n = 0;
    for (p, stories) in &projects {
        for s in stories {
            n += 1;
            csv.push_str(&format!("{},{}\n", csv_field(s), p));
            project_of.insert(format!("PAY-{n}"), p.clone());
        }
    }
    fx.app
        .import_csv(
            csv.as_bytes(),
            &cairn_app::csv_import::CsvOptions {
                product: Some("PAY".into()),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    // Every 15th story, as feedback: its nearest items, itself left out.
    let (mut same, mut total) = (0, 0);
    let mut n = 0;
    for (p, stories) in &projects {
        for s in stories {
            n += 1;
            if n % 12 != 0 {
                continue;
            }
            let own = format!("PAY-{n}");
            let sug = fx.app.feedback_suggest(Some("PAY"), s, 6).unwrap();
            // Itself, or a word-for-word duplicate the data set holds.
            assert!(sug[0].key == own || sug[0].score >= 0.99, "{s}: {sug:?}");
            assert!(sug.iter().any(|x| x.key == own), "{s}: {sug:?}");
            for x in sug.iter().filter(|x| x.key != own).take(5) {
                assert!(!x.shared.is_empty());
                total += 1;
                if project_of[&x.key] == *p {
                    same += 1;
                }
            }
        }
    }
    let share = f64::from(same) / f64::from(total);
    eprintln!("{same} of {total} suggestions come from the story's own project");
    assert!(total > 150, "{total}");
    assert!(
        share >= 0.7,
        "only {same} of {total} suggestions ({share:.2}) come from the story's own project"
    );
}

fn themes_on_real_backlogs_stay_within_a_project(fx: &mut Fx) {
    fx.workspace();
    let projects = backlogs();
    let mut csv = String::from("id,text,date\n");
    let mut project_of: HashMap<String, String> = HashMap::new();
    let mut n = 0;
    for (p, stories) in projects.iter().take(4) {
        for s in stories {
            n += 1;
            csv.push_str(&format!("{p}-{n},{},2026-01-02\n", csv_field(s)));
            project_of.insert(format!("F-{n}"), p.clone());
        }
    }
    let r = fx
        .app
        .feedback_import_csv(csv.as_bytes(), &csv_opts())
        .unwrap();
    assert_eq!(r.added.len(), n);
    let themes = fx.app.feedback_themes(&ThemeOptions::default()).unwrap();
    assert!(themes.len() >= 20, "{}", themes.len());
    let (mut pure, mut members) = (0, 0);
    for t in &themes {
        assert!(!t.terms.is_empty(), "{t:?}");
        let centre = &project_of[&t.feedback[0].id];
        for m in &t.feedback {
            members += 1;
            if project_of[&m.id] == *centre {
                pure += 1;
            }
            if m.id != t.feedback[0].id {
                assert!(!m.shared.is_empty(), "{m:?}");
            }
        }
    }
    let purity = f64::from(pure) / f64::from(members);
    eprintln!(
        "{} themes; {pure} of {members} members share their centre's project",
        themes.len()
    );
    assert!(
        purity >= 0.9,
        "{pure} of {members} theme members ({purity:.2}) share their centre's project"
    );
    // Insights: the themes by demand, the inbox (all of it), no segment.
    let ins = fx
        .app
        .feedback_insights(Some("PAY"), Some("2026-01-01"))
        .unwrap();
    assert_eq!(ins.feedback as usize, n);
    assert_eq!(ins.inbox_total as usize, n);
    assert!(ins.themes.len() <= 10 && !ins.themes.is_empty());
}

fn deleting_an_item_unlinks_its_feedback(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    let f = fx
        .app
        .feedback_add(NewFeedback {
            items: vec![a.clone()],
            ..fb("PDF invoices")
        })
        .unwrap();
    let v = fx.app.item(&a).unwrap().version;
    fx.app.item_rm(&a, Some(v), Some("out of scope")).unwrap();
    let after = fx.app.feedback(&f.id).unwrap();
    assert!(after.items.is_empty(), "back in the inbox: {after:?}");
    assert!(fx.app.demand(Some("PAY")).unwrap().is_empty());
}

both!(
    deleting_an_item_unlinks_its_feedback,
    bad_input_is_refused_with_its_field,
    csv_import_is_idempotent_by_source_id,
    a_bad_csv_names_every_row_and_field_and_imports_nothing,
    demand_is_counted_by_hand_and_moves_the_ranking,
    merging_keeps_every_customer_and_the_loop_closes,
    the_intake_form_is_off_until_switched_on_and_rate_limited,
    suggestions_on_real_backlogs_come_from_the_same_project,
    themes_on_real_backlogs_stay_within_a_project,
);
