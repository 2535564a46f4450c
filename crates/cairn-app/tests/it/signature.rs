//! Electronic signatures on both backends: the password again, the
//! meaning, binding to the content's hash, invalid after an edit, and
//! tampering caught by the audit check.

use crate::harness::*;
use cairn_app::signature::{SignRequest, SignTarget};
use cairn_app::{Access, AppError, Patch};
use cairn_core::signature::Meaning;
use cairn_core::{Kind, Role};
use cairn_store::Value;

const PW: &str = "a long signing passphrase";

fn req(target: SignTarget, meaning: Meaning, password: &str) -> SignRequest {
    SignRequest {
        target,
        meaning,
        signer: Some("freya".into()),
        password: password.into(),
        comment: String::new(),
    }
}

fn setup(fx: &mut Fx) -> cairn_core::ItemKey {
    fx.workspace();
    fx.app
        .user_add("freya", "Freya Nilsen", None, PW, false)
        .unwrap();
    fx.app
        .user_grant("freya", "PAY", Some(Role::Member))
        .unwrap();
    fx.add(Kind::Requirement, "Card data access shall be logged")
}

fn signatures_bind_to_content(fx: &mut Fx) {
    let r = setup(fx);
    let item = SignTarget::Item(r.clone());
    // A wrong password signs nothing.
    let audit = audit_count(&mut fx.app);
    let e = fx
        .app
        .sign(&req(item.clone(), Meaning::Approval, "guess"))
        .unwrap_err();
    assert!(matches!(e, AppError::BadCredentials), "{e}");
    assert_eq!(audit_count(&mut fx.app), audit);
    assert!(fx.app.signatures(&item).unwrap().is_empty());
    // The right one: printed name, time, meaning, content hash.
    let mut q = req(item.clone(), Meaning::Approval, PW);
    q.comment = "scope agreed with compliance".into();
    let s = fx.app.sign(&q).unwrap();
    assert_eq!(s.signature.id, "S-1");
    assert_eq!(s.signature.printed_name, "Freya Nilsen");
    assert_eq!(s.signature.signed_at, fx.now());
    assert_eq!(s.statement, "I approve this record");
    assert_eq!(s.signature.content_hash.len(), 64);
    let h = fx.app.history(&r.to_string()).unwrap();
    let e = h.iter().find(|e| e.action == "signature.add").unwrap();
    assert!(e.changes.contains("Freya Nilsen") && e.changes.contains(&s.signature.hash));
    assert_eq!(e.reason.as_deref(), Some("scope agreed with compliance"));
    // Still valid after a change that is not content (a re-rank).
    fx.app
        .item_move(&r, &cairn_app::Position::Bottom, None, None)
        .unwrap();
    assert!(fx.app.signatures(&item).unwrap()[0].valid);
    // Invalid once the content changes.
    fx.advance(MINUTE);
    fx.app
        .item_edit(
            &r,
            Patch {
                title: Some("Card data access shall be logged and reviewed".into()),
                ..Patch::default()
            },
            None,
            None,
        )
        .unwrap();
    let v = &fx.app.signatures(&item).unwrap()[0];
    assert!(!v.valid);
    assert!(v.note.contains("changed after it was signed"), "{}", v.note);
    // That change was audited: the audit check is content.
    let report = fx.app.audit_verify(&mut |_| {}).unwrap();
    assert!(report.ok(), "{}", report.message);
    assert_eq!(report.signatures, 1);
    // A baseline can be signed too.
    fx.app.baseline_create(None, "v1", None, "").unwrap();
    let b = SignTarget::Baseline {
        product: None,
        name: "v1".into(),
    };
    let s = fx.app.sign(&req(b.clone(), Meaning::Review, PW)).unwrap();
    assert_eq!(s.signature.target, "PAY/v1");
    assert!(fx.app.signatures(&b).unwrap()[0].valid);
    // Unknown meanings and targets.
    assert!(cairn_app::signature::meaning("ok").is_err());
    assert!(
        fx.app
            .sign(&req(SignTarget::Item(k("PAY-99")), Meaning::Review, PW))
            .is_err()
    );
}

fn tampering_is_caught_by_audit_verify(fx: &mut Fx) {
    let r = setup(fx);
    fx.app
        .sign(&req(SignTarget::Item(r.clone()), Meaning::Approval, PW))
        .unwrap();
    assert!(fx.app.audit_verify(&mut |_| {}).unwrap().ok());
    // The signed item edited behind Cairn's back.
    fx.app
        .store()
        .backend()
        .execute(
            "UPDATE items SET title = ? WHERE key = ?",
            &[
                Value::Text("Card data access may be logged".into()),
                Value::Text(r.to_string()),
            ],
        )
        .unwrap();
    let report = fx.app.audit_verify(&mut |_| {}).unwrap();
    assert!(!report.ok());
    assert!(
        report.problems[0]
            .contains("PAY-1 changed after S-1 signed it, but the audit trail records no change"),
        "{:?}",
        report.problems
    );
    // The signature itself altered.
    fx.app
        .store()
        .backend()
        .execute("UPDATE signatures SET meaning = 'review'", &[])
        .unwrap();
    let report = fx.app.audit_verify(&mut |_| {}).unwrap();
    assert!(
        report.problems[0].contains("S-1 on PAY-1: its fields do not match its hash"),
        "{:?}",
        report.problems
    );
}

fn signed_in_users_sign_only_as_themselves(fx: &mut Fx) {
    let r = setup(fx);
    fx.app.set_access(Some(Access {
        user: "sam".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Stakeholder)]
            .into_iter()
            .collect(),
    }));
    let e = fx
        .app
        .sign(&req(SignTarget::Item(r.clone()), Meaning::Review, PW))
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    fx.app.set_access(Some(Access {
        user: "freya".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Member)].into_iter().collect(),
    }));
    // Guessing is locked out like sign-ins.
    for _ in 0..5 {
        let e = fx
            .app
            .sign(&req(SignTarget::Item(r.clone()), Meaning::Review, "guess"))
            .unwrap_err();
        assert!(matches!(e, AppError::BadCredentials), "{e}");
    }
    let e = fx
        .app
        .sign(&req(SignTarget::Item(r.clone()), Meaning::Review, PW))
        .unwrap_err();
    assert!(matches!(e, AppError::RateLimited { .. }), "{e}");
}

both!(
    signatures_bind_to_content,
    tampering_is_caught_by_audit_verify,
    signed_in_users_sign_only_as_themselves,
);
