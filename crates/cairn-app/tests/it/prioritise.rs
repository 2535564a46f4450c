//! Prioritisation: scoring models over real stored items, the
//! dependency-aware order, explanations, apply, Kano surveys and the demo.

use crate::harness::*;
use cairn_app::Patch;
use cairn_app::rank::RankRequest;
use cairn_core::Kind;

const FIELDS: &str = r#"
[fields.business_value]
type = "number"
[fields.time_criticality]
type = "number"
[fields.risk_reduction]
type = "number"
[fields.job_size]
type = "number"
[fields.confidence]
type = "number"
[fields.moscow]
type = "enum"
values = ["must", "should", "could", "wont"]
[fields.kano]
type = "enum"
values = ["must-be", "one-dimensional", "attractive", "indifferent", "reverse", "questionable"]
[fields.kano_better]
type = "number"
[fields.kano_worse]
type = "number"
[fields.value]
type = "number"

[ranking]
spike_below = 60

[[ranking.weighted]]
name = "value"
field = "value"
weight = 1
min = 0
max = 10
[[ranking.weighted]]
name = "strategic_fit"
source = "goals"
weight = 1
max = 1
"#;

fn setup(fx: &mut Fx) {
    fx.workspace();
    let text = format!("{}{FIELDS}", fx.app.config_text().unwrap());
    fx.app.config_apply(&text, None).unwrap();
}

/// Add a story with WSJF inputs (bv, tc, rr, size); `None` leaves job size out.
fn story(fx: &mut Fx, title: &str, wsjf: (u32, u32, u32, Option<u32>)) -> String {
    let key = fx.add(Kind::Story, title);
    let mut fields = vec![
        ("business_value".to_string(), Some(wsjf.0.to_string())),
        ("time_criticality".to_string(), Some(wsjf.1.to_string())),
        ("risk_reduction".to_string(), Some(wsjf.2.to_string())),
    ];
    if let Some(s) = wsjf.3 {
        fields.push(("job_size".to_string(), Some(s.to_string())));
    }
    set(fx, &key.to_string(), fields);
    key.to_string()
}

fn set(fx: &mut Fx, key: &str, fields: Vec<(String, Option<String>)>) {
    fx.advance(MINUTE);
    let patch = Patch {
        fields,
        ..Patch::default()
    };
    fx.app.item_edit(&k(key), patch, None, None).unwrap();
}

fn req(model: &str) -> RankRequest {
    RankRequest {
        model: Some(model.to_string()),
        ..RankRequest::default()
    }
}

fn order(fx: &mut Fx, model: &str) -> Vec<String> {
    let r = fx.app.rank(&req(model)).unwrap();
    r.items.iter().map(|i| i.key.to_string()).collect()
}

fn wsjf_blockers_come_first_and_inherit(fx: &mut Fx) {
    setup(fx);
    // PAY-1: low value enabler (2+1+1)/5 = 0.8, blocks PAY-2 (13+8+5)/2 = 13.
    let enabler = story(fx, "Shared ledger schema", (2, 1, 1, Some(5)));
    let top = story(fx, "Instant refunds", (13, 8, 5, Some(2)));
    let mid = story(fx, "Refund reasons", (5, 3, 2, Some(2))); // 5
    let unscored = story(fx, "Refund export", (8, 3, 2, None));
    fx.app.link(&k(&enabler), "blocks", &k(&top), None).unwrap();

    let r = fx.app.rank(&req("wsjf")).unwrap();
    let keys: Vec<String> = r.items.iter().map(|i| i.key.to_string()).collect();
    assert_eq!(
        keys,
        vec![enabler.clone(), top.clone(), mid, unscored.clone()]
    );
    let first = &r.items[0];
    assert_eq!(first.own_score, Some(0.8));
    assert_eq!(first.score, Some(13.0));
    assert_eq!(
        first.inherited_from.as_ref().map(ToString::to_string),
        Some(top.clone())
    );
    let last = &r.items[3];
    assert_eq!(last.score, None);
    assert_eq!(last.missing, vec!["job_size"]);
    assert!(r.cycles.is_empty());

    // The explanation names the inputs, the inheritance and the neighbours.
    let e = fx.app.rank_explain(&req("wsjf"), &k(&enabler)).unwrap();
    assert_eq!(e.position, 1);
    assert_eq!(
        e.formula.as_deref(),
        Some("cost of delay (2 + 1 + 1 = 4) ÷ job size 5 = 0.8")
    );
    assert_eq!(e.terms.len(), 4);
    let inh = e.inherited.unwrap();
    assert_eq!(inh.score, 13.0);
    assert_eq!(
        inh.path.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![enabler.clone(), top.clone()]
    );
    assert!(e.above.is_none());
    let below = e.below.unwrap();
    assert!(
        below.note.unwrap().contains("blocks"),
        "a blocker stays above what it blocks"
    );

    // The top feature cannot pass its blocker, whatever its score.
    let e = fx.app.rank_explain(&req("wsjf"), &k(&top)).unwrap();
    let above = e.above.unwrap();
    assert!(above.changes.is_empty());
    assert!(
        above
            .note
            .unwrap()
            .contains(&format!("{enabler} blocks {top}"))
    );

    // The unscored item says what it lacks.
    let e = fx.app.rank_explain(&req("wsjf"), &k(&unscored)).unwrap();
    assert_eq!(e.own_score, None);
    assert_eq!(e.missing, vec!["job_size"]);
}

fn a_changed_input_reranks(fx: &mut Fx) {
    setup(fx);
    let a = story(fx, "A", (3, 3, 3, Some(3))); // 3
    let b = story(fx, "B", (5, 5, 5, Some(3))); // 5
    assert_eq!(order(fx, "wsjf"), vec![b.clone(), a.clone()]);
    // What the explanation says it takes, works.
    let e = fx.app.rank_explain(&req("wsjf"), &k(&a)).unwrap();
    let change = e
        .above
        .unwrap()
        .changes
        .into_iter()
        .find(|c| c.input == "business_value")
        .unwrap();
    assert_eq!(change.to, "13"); // (13 + 3 + 3) / 3 = 6.33 > 5; 8 gives 4.67
    set(fx, &a, vec![("business_value".into(), Some("13".into()))]);
    assert_eq!(order(fx, "wsjf"), vec![a, b]);
}

fn apply_writes_the_order_with_audit(fx: &mut Fx) {
    setup(fx);
    let epic = fx.add(Kind::Epic, "Refunds");
    let a = story(fx, "A", (1, 1, 1, Some(3)));
    let b = story(fx, "B", (8, 8, 8, Some(3)));
    let c = story(fx, "C", (3, 3, 3, Some(3)));
    let d = story(fx, "D", (20, 20, 20, Some(1)));
    let audit_before = audit_count(&mut fx.app);
    fx.advance(MINUTE);
    let out = fx
        .app
        .rank_apply(&req("wsjf"), Some("quarterly planning"))
        .unwrap();
    let want = vec![d.clone(), b.clone(), c.clone(), a.clone()];
    assert_eq!(
        out.report
            .items
            .iter()
            .map(|i| i.key.to_string())
            .collect::<Vec<_>>(),
        want
    );
    // Current order a, b, c, d → d, b, c, a: b and c stay, a and d move.
    assert_eq!((out.moved, out.kept), (2, 2));
    let stories = q(&mut fx.app, "kind = story ORDER BY rank");
    assert_eq!(stories, want);
    // The epic, outside the scope, is untouched and first as before.
    assert_eq!(q(&mut fx.app, "ORDER BY rank")[0], epic.to_string());
    // One entry per moved item with the reason, and one for the apply.
    assert_eq!(audit_count(&mut fx.app), audit_before + 3);
    let h = fx.app.history(&d).unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.action, "item.rank");
    assert_eq!(
        last.reason.as_deref(),
        Some("ranked by WSJF: quarterly planning")
    );
    // Applying again changes nothing.
    let again = fx.app.rank_apply(&req("wsjf"), None).unwrap();
    assert_eq!(again.moved, 0);
    assert_eq!(audit_count(&mut fx.app), audit_before + 3);
    let r = fx.app.rank(&req("wsjf")).unwrap();
    assert!(r.items.iter().all(|i| i.position == i.current_position));
    assert!(fx.app.audit_verify(&mut |_| {}).unwrap().ok());
}

fn cycles_are_reported_and_the_rest_completes(fx: &mut Fx) {
    setup(fx);
    let a = story(fx, "A", (1, 1, 1, Some(1)));
    let b = story(fx, "B", (2, 2, 2, Some(1)));
    let c = story(fx, "C", (3, 3, 3, Some(1)));
    let d = story(fx, "D", (20, 20, 20, Some(1)));
    fx.app.link(&k(&a), "blocks", &k(&b), None).unwrap();
    fx.app.link(&k(&b), "blocks", &k(&a), None).unwrap();
    let r = fx.app.rank(&req("wsjf")).unwrap();
    let cyc: Vec<Vec<String>> = r
        .cycles
        .iter()
        .map(|c| c.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(cyc, vec![vec![a.clone(), b.clone(), a.clone()]]);
    let keys: Vec<String> = r.items.iter().map(|i| i.key.to_string()).collect();
    // Inside the cycle both carry 2 (A inherits it from B); the older goes first.
    assert_eq!(keys, vec![d, c, a.clone(), b.clone()]);
    let e = fx.app.rank_explain(&req("wsjf"), &k(&a)).unwrap();
    assert_eq!(e.cycle.unwrap().len(), 3);
}

fn bad_input_is_named(fx: &mut Fx) {
    setup(fx);
    let a = story(fx, "A", (4, 1, 1, Some(1)));
    story(fx, "B", (1, 1, 1, Some(7)));
    let e = err(fx.app.rank(&req("wsjf"))).to_string();
    assert_contains(
        &e,
        &[
            "2 values are off",
            &format!("{a}: business_value = 4"),
            "1, 2, 3, 5, 8, 13, 20",
            "job_size = 7",
            "cairn item edit",
        ],
    );
    let e = err(fx.app.rank(&req("wsjff"))).to_string();
    assert_contains(
        &e,
        &["`wsjff` is not a scoring model", "did you mean `wsjf`"],
    );
    let e = err(fx.app.rank(&req("rice"))).to_string();
    assert_contains(&e, &["[fields.reach]"]);
    let e = err(fx.app.rank_explain(&req("moscow"), &k("PAY-99"))).to_string();
    assert_contains(&e, &["no item PAY-99"]);
    // A config naming an unknown input is refused with its line.
    let text = format!(
        "{}\n[ranking.inputs]\nreech = \"value\"\n",
        fx.app.config_text().unwrap()
    );
    let e = err(fx.app.config_apply(&text, None)).to_string();
    assert_contains(&e, &["line", "reech", "did you mean `reach`"]);
    let text = fx.app.config_text().unwrap().replace(
        "spike_below = 60",
        "spike_below = 60\nscope = \"kind = storey\"",
    );
    let e = err(fx.app.config_apply(&text, None)).to_string();
    assert_contains(&e, &["[ranking] scope is not a valid query", "storey"]);
}

fn moscow_guard_and_spikes(fx: &mut Fx) {
    setup(fx);
    fx.app.release_add(None, "R1", Some("2026-03-01")).unwrap();
    for (title, m, est) in [
        ("A", "must", 8.0),
        ("B", "must", 5.0),
        ("C", "should", 3.0),
        ("D", "could", 2.0),
    ] {
        let mut n = new(Kind::Story, title);
        n.release = Some("R1".into());
        n.estimate = Some(est);
        n.fields = vec![
            ("moscow".into(), m.into()),
            ("confidence".into(), "50".into()),
        ];
        fx.app.item_add(n, None).unwrap();
    }
    let r = fx.app.rank(&req("moscow")).unwrap();
    assert_eq!(r.items[0].score, Some(4.0));
    assert_eq!(r.warnings.len(), 1);
    assert_contains(&r.warnings[0], &["release R1", "72 %", "13 of 18", "60 %"]);
    // Confidence 50 % is below the workspace's 60 %.
    assert_eq!(r.items[0].needs_spike, Some(50.0));
    let e = fx
        .app
        .rank_explain(&req("moscow"), &r.items[0].key)
        .unwrap();
    assert_contains(&e.needs_spike.unwrap(), &["needs a spike", "50 %", "60 %"]);
}

fn weighted_counts_goals_through_parents(fx: &mut Fx) {
    setup(fx);
    fx.app.goal_add("Grow", "More merchants", vec![]).unwrap();
    let epic = fx.add(Kind::Epic, "Wallets");
    fx.app.goal_link("Grow", &epic, false).unwrap();
    let mut n = new(Kind::Story, "Apple Pay");
    n.parent = Some(epic.clone());
    n.fields = vec![("value".into(), "5".into())];
    let under = fx.app.item_add(n, None).unwrap().key;
    let mut n = new(Kind::Story, "Statement fonts");
    n.fields = vec![("value".into(), "8".into())];
    let alone = fx.app.item_add(n, None).unwrap().key;
    let r = fx.app.rank(&req("weighted")).unwrap();
    // Apple Pay: (0.5 + 1) / 2 = 75; fonts: (0.8 + 0) / 2 = 40.
    assert_eq!(r.items[0].key, under);
    assert_eq!(r.items[0].score, Some(75.0));
    assert_eq!(r.items[1].key, alone);
    assert_eq!(r.items[1].score, Some(40.0));
}

fn kano_survey_import(fx: &mut Fx) {
    setup(fx);
    let a = fx.add(Kind::Story, "Refund reasons");
    let b = fx.add(Kind::Story, "Dark mode");
    let bad = format!(
        "respondent,item,functional,dysfunctional\nr1,{a},like,maybe\nr2,PAY-99,like,dislike\nr1,{a},like,dislike\n"
    );
    let e = err(fx.app.kano_import(bad.as_bytes(), true, "survey.csv")).to_string();
    assert_contains(
        &e,
        &[
            "nothing imported",
            "line 2, column dysfunctional: `maybe` is not a Kano answer",
            "there is no item PAY-99",
        ],
    );
    assert!(
        fx.app.item(&a).unwrap().fields.is_empty(),
        "a bad file writes nothing"
    );
    let mut csv = String::from("Respondent,Item,Functional,Dysfunctional\n");
    // a: 3 one-dimensional, 1 must-be; b: 2 attractive, 2 indifferent.
    for r in 0..3 {
        csv.push_str(&format!("r{r},{a},I like it,I dislike it\n"));
    }
    csv.push_str(&format!("r3,{a},neutral,dislike\n"));
    csv.push_str(&format!(
        "r0,{b},1,3\nr1,{b},2,3\nr2,{b},like,live-with\nr3,{b},neutral,neutral\n"
    ));
    let rep = fx
        .app
        .kano_import(csv.as_bytes(), true, "survey.csv")
        .unwrap();
    assert_eq!(rep.answers, 8);
    let ra = &rep.results[0];
    assert_eq!(
        (ra.class.as_str(), ra.better, ra.worse),
        ("one-dimensional", Some(0.75), Some(-1.0))
    );
    let rb = &rep.results[1];
    assert_eq!(
        (rb.class.as_str(), rb.better, rb.worse),
        ("attractive", Some(0.5), Some(0.0))
    );
    let item = fx.app.item(&a).unwrap();
    assert_eq!(item.fields["kano"].as_text(), Some("one-dimensional"));
    assert_eq!(item.fields["kano_better"].as_number(), Some(0.75));
    // Ranked by class first: one-dimensional 3 + (0.75 + 1) / 2 before attractive 2 + 0.25.
    let r = fx.app.rank(&req("kano")).unwrap();
    assert_eq!(r.items[0].key, a);
    assert_eq!(r.items[0].score, Some(3.875));
    assert_eq!(r.items[1].score, Some(2.25));
}

/// The worked example of docs/prioritisation.md, explained item by item.
fn worked_example_explanations(fx: &mut Fx) {
    fx.workspace();
    let extra = r#"
[fields.business_value]
type = "number"
[fields.time_criticality]
type = "number"
[fields.risk_reduction]
type = "number"
[fields.cod_profile]
type = "enum"
values = ["standard", "urgent", "fixed-date", "intangible"]
[fields.confidence]
type = "number"
[ranking]
spike_below = 80
[ranking.inputs]
job_size = "estimate"
"#;
    let text = format!("{}{extra}", fx.app.config_text().unwrap());
    fx.app.config_apply(&text, None).unwrap();
    // 46 days (6.57 weeks) after the harness's today.
    fx.app
        .release_add(None, "2027.1", Some("2026-02-20"))
        .unwrap();
    type Spec<'a> = (&'a str, Kind, Option<f64>, &'a [(&'a str, &'a str)], bool);
    let items: [Spec; 5] = [
        (
            "Ledger schema for partial refunds",
            Kind::Story,
            Some(5.0),
            &[
                ("business_value", "2"),
                ("time_criticality", "1"),
                ("risk_reduction", "5"),
            ],
            false,
        ),
        (
            "Refund part of a card payment",
            Kind::Story,
            Some(3.0),
            &[
                ("business_value", "13"),
                ("risk_reduction", "3"),
                ("cod_profile", "fixed-date"),
                ("confidence", "80"),
            ],
            true,
        ),
        (
            "Refund reasons on the dashboard",
            Kind::Story,
            Some(2.0),
            &[
                ("business_value", "5"),
                ("time_criticality", "3"),
                ("risk_reduction", "1"),
            ],
            false,
        ),
        (
            "Refund webhook sent twice",
            Kind::Bug,
            Some(1.0),
            &[
                ("business_value", "3"),
                ("time_criticality", "8"),
                ("risk_reduction", "2"),
                ("confidence", "50"),
            ],
            false,
        ),
        (
            "Export refunds by settlement date",
            Kind::Story,
            None,
            &[
                ("business_value", "8"),
                ("time_criticality", "2"),
                ("risk_reduction", "1"),
            ],
            false,
        ),
    ];
    for (title, kind, est, fields, release) in items {
        fx.advance(MINUTE);
        let mut n = new(kind, title);
        n.estimate = est;
        n.fields = fields
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        if release {
            n.release = Some("2027.1".into());
        }
        fx.app.item_add(n, None).unwrap();
    }
    fx.app
        .link(&k("PAY-1"), "blocks", &k("PAY-2"), None)
        .unwrap();
    let r = fx.app.rank(&req("wsjf")).unwrap();
    let mut doc = String::new();
    for it in &r.items {
        doc.push_str(&format!(
            "{} {} score={:?} own={:?} via={:?} now={} missing={:?} spike={:?}\n",
            it.position,
            it.key,
            it.score,
            it.own_score,
            it.inherited_from.as_ref().map(ToString::to_string),
            it.current_position,
            it.missing,
            it.needs_spike
        ));
    }
    for n in 1..=5 {
        let e = fx
            .app
            .rank_explain(&req("wsjf"), &k(&format!("PAY-{n}")))
            .unwrap();
        doc.push('\n');
        doc.push_str(&serde_json::to_string_pretty(&e).unwrap());
    }
    insta::assert_snapshot!("worked_example", doc);
}

fn the_demo_ranks_with_every_model(fx: &mut Fx) {
    fx.app.init().unwrap();
    cairn_app::demo::generate(&mut fx.app, 7, "PAY").unwrap();
    for model in ["rice", "wsjf", "ice", "moscow", "kano", "weighted"] {
        let r = fx
            .app
            .rank(&req(model))
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert!(r.items.len() > 10, "{model}");
        assert!(
            r.items.iter().filter(|i| i.score.is_some()).count() > 5,
            "{model}"
        );
        assert!(r.cycles.is_empty());
        for it in &r.items {
            let e = fx.app.rank_explain(&req(model), &it.key).unwrap();
            assert_eq!(e.position, it.position);
        }
    }
    // The weighted model reads customer demand from the demo's feedback.
    let top = fx.app.demand(Some("PAY")).unwrap()[0].key.clone();
    let e = fx.app.rank_explain(&req("weighted"), &k(&top)).unwrap();
    let text = serde_json::to_string(&e).unwrap();
    assert!(text.contains("customer_demand"), "{text}");
    let out = fx.app.rank_apply(&req("weighted"), None).unwrap();
    assert!(out.moved > 0);
    let r = fx.app.rank(&req("weighted")).unwrap();
    assert!(r.items.iter().all(|i| i.position == i.current_position));
}

both!(
    wsjf_blockers_come_first_and_inherit,
    a_changed_input_reranks,
    apply_writes_the_order_with_audit,
    cycles_are_reported_and_the_rest_completes,
    bad_input_is_named,
    moscow_guard_and_spikes,
    weighted_counts_goals_through_parents,
    kano_survey_import,
    worked_example_explanations,
    the_demo_ranks_with_every_model,
);
