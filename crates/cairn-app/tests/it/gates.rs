//! The Definition of Ready and of Done on both backends: rules checked
//! and explained, moves refused with every unmet rule, owners' overrides
//! with a reason in the audit trail, and bad gate configs refused.

use crate::harness::*;
use cairn_app::evidence::{EvidenceImport, ReportFile};
use cairn_app::gates::GateCheckRequest;
use cairn_app::{Access, AppError, NewItem, Patch};
use cairn_core::{ItemKey, Kind, Role};

const GATES: &str = r#"
[gates.ready]
states = ["in-progress"]
[gates.ready.rules]
story = ["acceptance", "estimated", "no-open-blockers"]

[gates.done]
states = ["done"]
[gates.done.rules]
story = ["tests-passed", "children-done", "traced"]
all = ["children-done"]
"#;

fn with_gates(fx: &mut Fx) {
    fx.workspace();
    let base = cairn_core::config::DEFAULT_CONFIG.to_string();
    fx.app.config_apply(&(base + GATES), None).unwrap();
}

fn state(
    fx: &mut Fx,
    key: &ItemKey,
    s: &str,
    override_gate: bool,
    reason: Option<&str>,
) -> cairn_app::Result<cairn_core::Item> {
    fx.app.item_edit(
        key,
        Patch {
            state: Some(s.into()),
            override_gate,
            ..Patch::default()
        },
        None,
        reason,
    )
}

fn story(fx: &mut Fx, title: &str, acceptance: &str, estimate: Option<f64>) -> ItemKey {
    fx.app
        .item_add(
            NewItem {
                acceptance: acceptance.into(),
                estimate,
                ..new(Kind::Story, title)
            },
            None,
        )
        .unwrap()
        .key
}

const AC: &str = "Given a settled card payment\nWhen the clerk refunds part of it\nThen the merchant sees the refund";

fn moves_are_refused_until_the_rules_hold(fx: &mut Fx) {
    with_gates(fx);
    let req = fx.add(Kind::Requirement, "Refunds shall be partial");
    let s = story(
        fx,
        "As a clerk, I want to refund part of a payment, so that fees are fair",
        "",
        None,
    );
    let blocker = fx.add(
        Kind::Story,
        "As a clerk, I want a refund API, so that tools can refund",
    );
    fx.app.link(&blocker, "blocks", &s, None).unwrap();
    // Ready: three rules fail, each named with what to do.
    let e = state(fx, &s, "in-progress", false, None).unwrap_err();
    let AppError::Gate(r) = &e else { panic!("{e}") };
    assert_eq!(r.gate, "ready");
    let unmet: Vec<&str> = r.unmet.iter().map(|u| u.rule.as_str()).collect();
    assert_eq!(unmet, vec!["acceptance", "estimated", "no-open-blockers"]);
    assert!(
        e.to_string()
            .contains(&format!("blocked by {blocker} (todo)")),
        "{e}"
    );
    assert_eq!(e.exit_code(), 1);
    assert_eq!(
        fx.app.item(&s).unwrap().state,
        "todo",
        "nothing was written"
    );
    // The same patch may bring what the gate needs.
    fx.app.unlink(&blocker, "blocks", &s, None).unwrap();
    fx.app
        .item_edit(
            &s,
            Patch {
                state: Some("in-progress".into()),
                acceptance: Some(AC.into()),
                estimate: Some(Some(3.0)),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    // Done: no test, not traced; a child still open.
    let task = fx
        .app
        .item_add(
            NewItem {
                parent: Some(s.clone()),
                ..new(Kind::Task, "Ledger column for partial refunds")
            },
            None,
        )
        .unwrap()
        .key;
    let e = state(fx, &s, "done", false, None).unwrap_err();
    let AppError::Gate(r) = &e else { panic!("{e}") };
    let unmet: Vec<&str> = r.unmet.iter().map(|u| u.rule.as_str()).collect();
    assert_eq!(unmet, vec!["tests-passed", "children-done", "traced"]);
    // Meet them: the task done (tasks answer to `all`), a passing test, a link.
    state(fx, &task, "done", false, None).unwrap();
    fx.app.link(&s, "implements", &req, None).unwrap();
    fx.app
        .evidence_import(&EvidenceImport {
            product: None,
            build: "7".into(),
            files: vec![ReportFile {
                name: "r.xml".into(),
                text: format!("<testsuite name=\"r\"><testcase classname=\"refunds\" name=\"{s} partial\"><failure message=\"off by a cent\"/></testcase></testsuite>"),
            }],
            skip_unknown_keys: false,
        })
        .unwrap();
    let e = state(fx, &s, "done", false, None).unwrap_err();
    assert!(e.to_string().contains("failed in build 7"), "{e}");
    fx.app
        .evidence_import(&EvidenceImport {
            product: None,
            build: "8".into(),
            files: vec![ReportFile {
                name: "r.xml".into(),
                text: format!("<testsuite name=\"r\"><testcase classname=\"refunds\" name=\"{s} partial\"/></testsuite>"),
            }],
            skip_unknown_keys: false,
        })
        .unwrap();
    let checks = fx
        .app
        .gate_check(&GateCheckRequest {
            keys: vec![s.clone()],
            ..GateCheckRequest::default()
        })
        .unwrap();
    assert!(checks.iter().all(|c| c.passed), "{checks:?}");
    state(fx, &s, "done", false, None).unwrap();
}

fn owners_override_with_a_reason(fx: &mut Fx) {
    with_gates(fx);
    let s = story(
        fx,
        "As a clerk, I want refund notes, so that audits are quick",
        AC,
        Some(2.0),
    );
    // A member cannot override.
    fx.app.set_access(Some(Access {
        user: "mo".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Member)].into_iter().collect(),
    }));
    let e = state(fx, &s, "done", true, Some("urgent")).unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    // An owner can, with a reason.
    fx.app.set_access(Some(Access {
        user: "olu".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Owner)].into_iter().collect(),
    }));
    let e = state(fx, &s, "done", true, None).unwrap_err();
    assert!(e.to_string().contains("needs a reason"), "{e}");
    let audit = audit_count(&mut fx.app);
    state(fx, &s, "done", true, Some("verified by hand in staging")).unwrap();
    assert_eq!(audit_count(&mut fx.app), audit + 2);
    let h = fx.app.history(&s.to_string()).unwrap();
    let o = h.iter().find(|e| e.action == "gate.override").unwrap();
    assert_eq!(o.reason.as_deref(), Some("verified by hand in staging"));
    assert!(o.changes.contains("tests-passed"), "{}", o.changes);
    fx.app.set_access(None);
    // Leaving a guarded state is never gated.
    state(fx, &s, "in-review", false, None).unwrap();
}

fn gate_checks_cover_a_release_and_bad_configs_are_refused(fx: &mut Fx) {
    with_gates(fx);
    fx.app.release_add(None, "2.0", None).unwrap();
    for n in 0..3 {
        let k = story(
            fx,
            &format!("As a clerk, I want report {n}, so that I can file it"),
            AC,
            Some(1.0),
        );
        fx.app
            .item_edit(
                &k,
                Patch {
                    release: Some(Some("2.0".into())),
                    ..Patch::default()
                },
                None,
                None,
            )
            .unwrap();
    }
    let checks = fx
        .app
        .gate_check(&GateCheckRequest {
            release: Some("2.0".into()),
            gate: Some(cairn_core::gates::GateName::Done),
            ..GateCheckRequest::default()
        })
        .unwrap();
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| !c.passed && c.gate == "done"));
    assert!(
        fx.app
            .gate_check(&GateCheckRequest {
                release: Some("9.9".into()),
                ..GateCheckRequest::default()
            })
            .is_err()
    );
    let base = cairn_core::config::DEFAULT_CONFIG.to_string();
    for (bad, says) in [
        (
            "[gates.done]\nstates = [\"shipped\"]\n",
            "`shipped` is not a state",
        ),
        (
            "[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nstory = [\"tested\"]\n",
            "`tested` is not a rule",
        ),
        (
            "[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nstroy = [\"traced\"]\n",
            "`stroy` is not a kind",
        ),
        ("[gates.done]\nstates = []\n", "states is empty"),
    ] {
        let e = fx
            .app
            .config_apply(&format!("{base}\n{bad}"), None)
            .unwrap_err();
        assert!(e.to_string().contains(says), "{bad}: {e}");
    }
}

fn done_needs_a_valid_approval(fx: &mut Fx) {
    fx.workspace();
    let base = cairn_core::config::DEFAULT_CONFIG.to_string();
    fx.app
        .config_apply(
            &format!("{base}\n[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nall = [\"approved\"]\n"),
            None,
        )
        .unwrap();
    fx.app
        .user_add("freya", "Freya Nilsen", None, "a long passphrase", false)
        .unwrap();
    let s = story(
        fx,
        "As a clerk, I want refund notes, so that audits are quick",
        AC,
        Some(2.0),
    );
    let e = state(fx, &s, "done", false, None).unwrap_err();
    assert!(e.to_string().contains("nobody has approved"), "{e}");
    let approve = |fx: &mut Fx| {
        fx.app
            .sign(&cairn_app::signature::SignRequest {
                target: cairn_app::signature::SignTarget::Item(s.clone()),
                meaning: cairn_core::signature::Meaning::Approval,
                signer: Some("freya".into()),
                password: "a long passphrase".into(),
                comment: String::new(),
            })
            .unwrap()
    };
    approve(fx);
    // Changed after approval: it needs approving again.
    fx.app
        .item_edit(
            &s,
            Patch {
                title: Some("As a clerk, I want refund notes, so that audits take minutes".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let e = state(fx, &s, "done", false, None).unwrap_err();
    assert!(
        e.to_string().contains("changed after its approval (S-1)"),
        "{e}"
    );
    approve(fx);
    state(fx, &s, "done", false, None).unwrap();
}

both!(
    done_needs_a_valid_approval,
    moves_are_refused_until_the_rules_hold,
    owners_override_with_a_reason,
    gate_checks_cover_a_release_and_bad_configs_are_refused,
);
