//! The risk register and the decision log, on both backends: validation,
//! version checks, the trend from the audit trail, and who may see and
//! change them.

use crate::harness::*;
use cairn_app::register::{NewDecision, NewRisk, RiskPatch};
use cairn_app::{Access, AppError};
use cairn_core::{DecisionOption, DecisionStatus, Kind, RiskStatus, Role};

fn risk(product: &str, title: &str, l: u8, i: u8) -> NewRisk {
    NewRisk {
        product: Some(product.into()),
        title: title.into(),
        likelihood: l,
        impact: i,
        ..NewRisk::default()
    }
}

fn risks_are_scored_versioned_and_trended(fx: &mut Fx) {
    fx.workspace();
    let story = fx.add(
        Kind::Story,
        "As a merchant, I want certified cards, so that I can launch",
    );
    let r1 = fx
        .app
        .risk_add(NewRisk {
            mitigations: vec![story.clone()],
            owner: Some("ada".into()),
            ..risk("PAY", "Certification slips past launch", 3, 5)
        })
        .unwrap();
    assert_eq!((r1.id.as_str(), r1.score(), r1.version), ("R-1", 15, 1));
    let r2 = fx
        .app
        .risk_add(risk("PAY", "Provider API changes", 2, 2))
        .unwrap();
    assert_eq!(r2.id, "R-2");
    // Highest score first.
    let ids: Vec<String> = fx.app.risks().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["R-1", "R-2"]);

    // Out-of-range scales and unknown items are refused, writing nothing.
    for (l, i) in [(0, 3), (6, 3), (3, 0), (3, 9)] {
        let e = fx.app.risk_add(risk("PAY", "x", l, i)).unwrap_err();
        assert!(
            e.to_string().contains("use 1 (lowest) to 5 (highest)"),
            "{e}"
        );
    }
    let e = fx
        .app
        .risk_add(NewRisk {
            mitigations: vec!["PAY-99".parse().unwrap()],
            ..risk("PAY", "x", 1, 1)
        })
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert_eq!(fx.app.risks().unwrap().len(), 2);

    // A stale version is refused; a good update moves the trend.
    let stale = fx.app.risk_update(
        "R-1",
        RiskPatch {
            likelihood: Some(1),
            ..RiskPatch::default()
        },
        Some(7),
        None,
    );
    assert!(
        matches!(
            stale,
            Err(AppError::Store(cairn_store::StoreError::Conflict { .. }))
        ),
        "{stale:?}"
    );
    let r = fx
        .app
        .risk_update(
            "R-1",
            RiskPatch {
                likelihood: Some(2),
                status: Some(RiskStatus::Mitigating),
                remove_mitigations: vec![story.clone()],
                ..RiskPatch::default()
            },
            Some(1),
            Some("lab booked"),
        )
        .unwrap();
    assert_eq!((r.score(), r.version, r.mitigations.len()), (10, 2, 0));
    let trend = fx.app.risk_trend("R-1").unwrap();
    let scores: Vec<u8> = trend.iter().map(|p| p.score).collect();
    assert_eq!(scores, [15, 10]);
    assert_eq!(trend[1].status, "mitigating");
    let h = fx.app.history("R-1").unwrap();
    assert_eq!(h[1].reason.as_deref(), Some("lab booked"));
    // Deleting a mitigating item unlinks it.
    fx.app
        .risk_update(
            "R-1",
            RiskPatch {
                add_mitigations: vec![story.clone()],
                ..RiskPatch::default()
            },
            None,
            None,
        )
        .unwrap();
    fx.app.item_rm(&story, None, None).unwrap();
    assert!(fx.app.risk("R-1").unwrap().mitigations.is_empty());
}

fn decisions_move_from_proposed_to_decided(fx: &mut Fx) {
    fx.workspace();
    let req = fx.add(
        Kind::Requirement,
        "Payouts shall be screened against sanctions lists",
    );
    let d = fx
        .app
        .decision_add(NewDecision {
            product: Some("PAY".into()),
            title: "Build or buy screening".into(),
            context: "Screening is required by March.".into(),
            options: vec![
                DecisionOption {
                    name: "Build".into(),
                    pros: vec!["control".into()],
                    cons: vec!["three months".into()],
                },
                DecisionOption {
                    name: "Buy".into(),
                    pros: vec!["two weeks".into()],
                    cons: vec!["fees".into()],
                },
            ],
            items: vec![req.clone()],
            ..NewDecision::default()
        })
        .unwrap();
    assert_eq!((d.id.as_str(), d.status), ("D-1", DecisionStatus::Proposed));
    assert!(d.decided_on.is_none());
    let e = fx
        .app
        .decision_update("D-1", DecisionStatus::Accepted, None, None, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("say what was decided"), "{e}");
    let d = fx
        .app
        .decision_update(
            "D-1",
            DecisionStatus::Accepted,
            Some("Buy"),
            Some("ada"),
            Some("2026-01-20"),
            None,
        )
        .unwrap();
    assert_eq!(
        (
            d.status,
            d.decision.as_str(),
            d.decided_on.as_deref(),
            d.version
        ),
        (DecisionStatus::Accepted, "Buy", Some("2026-01-20"), 2)
    );
    assert_eq!(d.items, [req.to_string()]);
    assert_eq!(d.options[1].cons, ["fees"]);
    assert!(
        fx.app
            .decision_update("D-9", DecisionStatus::Rejected, None, None, None, None)
            .is_err()
    );
}

fn the_register_follows_product_roles(fx: &mut Fx) {
    fx.workspace();
    fx.app.product_add("OPS", "Operations").unwrap();
    fx.app.risk_add(risk("PAY", "Payments risk", 2, 3)).unwrap();
    fx.app
        .risk_add(risk("OPS", "Operations risk", 4, 4))
        .unwrap();
    let stakeholder = Access {
        user: "sam".into(),
        admin: false,
        roles: [("PAY".to_string(), Role::Stakeholder)]
            .into_iter()
            .collect(),
    };
    fx.app.set_access(Some(stakeholder));
    // Sees only PAY's risk; OPS's does not exist for them.
    let seen: Vec<String> = fx
        .app
        .risks()
        .unwrap()
        .into_iter()
        .map(|r| r.title)
        .collect();
    assert_eq!(seen, ["Payments risk"]);
    assert!(matches!(fx.app.risk("R-2"), Err(AppError::NotFound(_))));
    assert!(matches!(
        fx.app.risk_trend("R-2"),
        Err(AppError::NotFound(_))
    ));
    // May read but not change.
    let e = fx.app.risk_add(risk("PAY", "x", 1, 1)).unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let e = fx
        .app
        .risk_update(
            "R-1",
            RiskPatch {
                impact: Some(5),
                ..RiskPatch::default()
            },
            None,
            None,
        )
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let e = fx.app.risk_add(risk("OPS", "x", 1, 1)).unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    fx.app.set_access(None);
}

both!(
    risks_are_scored_versioned_and_trended,
    decisions_move_from_proposed_to_decided,
    the_register_follows_product_roles,
);
