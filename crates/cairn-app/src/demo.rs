//! `cairn demo`: a realistic sample product, generated deterministically
//! from a seed. It is written through the same use cases as real work,
//! with a simulated clock walking through about seven months, so its audit
//! trail, state history and resolved dates are like a real team's.

use crate::{App, NewItem, Patch, Result, SimClock, invalid};
use cairn_core::{ItemKey, KeyResult, Kind};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub prefix: String,
    pub name: String,
    pub seed: u64,
    pub items: u64,
    pub links: u64,
    pub goals: u64,
    pub releases: u64,
    pub audit_entries: i64,
    pub days: i64,
}

const DAY: i64 = 86_400_000;
const HISTORY_DAYS: i64 = 210;

const PEOPLE: &[(&str, &str)] = &[
    ("amara", "Amara Okafor"),
    ("bruno", "Bruno Costa"),
    ("chen", "Chen Wei"),
    ("dana", "Dana Kowalski"),
    ("eitan", "Eitan Levi"),
    ("freya", "Freya Lindqvist"),
];

const DEMO_FIELDS: &str = r#"
[fields.customer_value]
type = "number"
description = "Value to customers, 1 (little) to 10 (a lot)"

[fields.risk]
type = "enum"
values = ["low", "medium", "high"]
description = "Delivery risk as the team sees it"

# Inputs of the scoring models (docs/prioritisation.md).
[fields.reach]
type = "number"
description = "RICE reach: merchants or shoppers affected per quarter"
[fields.impact]
type = "number"
description = "RICE impact: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal"
[fields.confidence]
type = "number"
description = "Confidence in the estimates, percent: 100 high, 80 medium, 50 low"
[fields.business_value]
type = "number"
description = "WSJF user-business value, modified Fibonacci 1-20"
[fields.time_criticality]
type = "number"
description = "WSJF time criticality, modified Fibonacci 1-20"
[fields.risk_reduction]
type = "number"
description = "WSJF risk reduction / opportunity enablement, modified Fibonacci 1-20"
[fields.cod_profile]
type = "enum"
values = ["standard", "urgent", "fixed-date", "intangible"]
description = "Cost-of-delay profile; sets WSJF time criticality from the release date"
[fields.ice_impact]
type = "number"
description = "ICE impact, 1-10"
[fields.ice_confidence]
type = "number"
description = "ICE confidence, 1-10"
[fields.ease]
type = "number"
description = "ICE ease, 1-10"
[fields.moscow]
type = "enum"
values = ["must", "should", "could", "wont"]
[fields.kano]
type = "enum"
values = ["must-be", "one-dimensional", "attractive", "indifferent", "reverse", "questionable"]
description = "Kano class from the customer survey"
[fields.kano_better]
type = "number"
[fields.kano_worse]
type = "number"

# Working days and holidays: forecasts and sprint plans skip the rest.
[calendar]
working_days = ["mon", "tue", "wed", "thu", "fri"]
holidays = ["2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01", "2027-12-24", "2027-12-27", "2027-12-31"]

# Forecasts sample the last 90 days; cancelled work is not delivered work.
[forecast]
window = 90
trials = 10000
not_delivered = ["cancelled"]

[ranking]
default_model = "wsjf"
spike_below = 80

[ranking.inputs]
effort = "estimate"
job_size = "estimate"

[[ranking.weighted]]
name = "customer_value"
field = "customer_value"
weight = 3
min = 1
max = 10

[[ranking.weighted]]
name = "strategic_fit"
source = "goals"
weight = 2
max = 1

# Read straight from the customer feedback linked to each item.
[[ranking.weighted]]
name = "customer_demand"
field = "demand.share"
weight = 2
min = 0
max = 1

[[ranking.weighted]]
name = "technical_risk"
field = "risk"
weight = 1
map = { low = 1.0, medium = 0.6, high = 0.2 }

[[ranking.weighted]]
name = "complexity"
source = "estimate"
weight = 1
min = 1
max = 13
lower_is_better = true
"#;

/// A theme: requirement, epic, label and the stories under it.
struct Theme {
    requirement: &'static str,
    epic: &'static str,
    label: &'static str,
    goal: usize,
    stories: &'static [(&'static str, &'static str, &'static str)],
}

const THEMES: &[Theme] = &[
    Theme {
        requirement: "The platform shall let merchants refund card payments in full or in part within 180 days",
        epic: "Partial and full refunds",
        label: "refunds",
        goal: 1,
        stories: &[
            (
                "merchant",
                "refund part of a card payment",
                "I can settle a dispute without refunding the whole order",
            ),
            (
                "merchant",
                "see the refundable balance of a payment",
                "I never refund more than was captured",
            ),
            (
                "support agent",
                "refund a payment on a merchant's behalf",
                "I can resolve escalations in one call",
            ),
            (
                "merchant",
                "receive a webhook when a refund settles",
                "my ledger stays in step with the bank",
            ),
            (
                "finance analyst",
                "export refunds by settlement date",
                "month-end reconciliation takes hours, not days",
            ),
            (
                "merchant",
                "add a reason to every refund",
                "chargeback evidence is ready when I need it",
            ),
        ],
    },
    Theme {
        requirement: "Card payments in the EEA shall meet PSD2 strong customer authentication",
        epic: "3-D Secure 2 checkout",
        label: "payments",
        goal: 0,
        stories: &[
            (
                "shopper",
                "complete a 3-D Secure challenge inside the checkout page",
                "I am not sent to a bank page I do not trust",
            ),
            (
                "merchant",
                "request an SCA exemption for low-value payments",
                "small baskets convert without friction",
            ),
            (
                "shopper",
                "approve a payment in my banking app",
                "I do not have to type a one-time code",
            ),
            (
                "merchant",
                "see why an authentication failed",
                "I can tell fraud from a confused shopper",
            ),
            (
                "risk analyst",
                "review frictionless authentication rates by issuer",
                "I can spot issuers that challenge too often",
            ),
        ],
    },
    Theme {
        requirement: "Checkout shall accept wallets and local payment methods in every launch market",
        epic: "Wallets and local payment methods",
        label: "payments",
        goal: 0,
        stories: &[
            (
                "shopper",
                "pay with Apple Pay on the web",
                "I can check out with one touch",
            ),
            (
                "shopper",
                "pay with Google Pay on Android",
                "I do not have to type my card number",
            ),
            (
                "shopper",
                "pay by iDEAL in the Netherlands",
                "I can use the method I trust",
            ),
            (
                "merchant",
                "switch payment methods on per market",
                "I only offer what my customers use",
            ),
            (
                "shopper",
                "see payment methods in my language",
                "I understand what I am choosing",
            ),
        ],
    },
    Theme {
        requirement: "Checkout shall recover from network failures without charging a shopper twice",
        epic: "Resilient checkout",
        label: "checkout",
        goal: 0,
        stories: &[
            (
                "shopper",
                "retry a failed payment without re-entering my card",
                "a dropped connection does not lose my order",
            ),
            (
                "merchant",
                "send an idempotency key with every payment request",
                "retries never create duplicate charges",
            ),
            (
                "shopper",
                "see a clear message when my bank declines",
                "I know whether to try another card",
            ),
            (
                "merchant",
                "resume a checkout session from a saved link",
                "abandoned baskets can be recovered by email",
            ),
        ],
    },
    Theme {
        requirement: "Merchants shall be paid out daily with a statement that reconciles to the cent",
        epic: "Daily payouts and statements",
        label: "payouts",
        goal: 1,
        stories: &[
            (
                "merchant",
                "receive payouts every business day",
                "my cash flow is predictable",
            ),
            (
                "finance analyst",
                "download a statement that matches each payout",
                "reconciliation needs no spreadsheet",
            ),
            (
                "merchant",
                "hold payouts while a dispute is open",
                "I am not clawed back later",
            ),
            (
                "merchant",
                "choose the currency I am paid in",
                "I avoid a second conversion",
            ),
        ],
    },
    Theme {
        requirement: "The platform shall screen merchants and payments against sanctions lists",
        epic: "Sanctions and KYC screening",
        label: "compliance",
        goal: 2,
        stories: &[
            (
                "compliance officer",
                "screen new merchants against sanctions lists at onboarding",
                "we never onboard a listed entity",
            ),
            (
                "compliance officer",
                "review screening hits in a queue",
                "nothing is approved without a decision on record",
            ),
            (
                "compliance officer",
                "re-screen all merchants when a list changes",
                "we catch entities listed after onboarding",
            ),
            (
                "auditor",
                "see who cleared each screening hit and why",
                "I can test the control",
            ),
        ],
    },
    Theme {
        requirement: "Access to cardholder data shall be logged and reviewable for PCI DSS",
        epic: "PCI DSS access logging",
        label: "compliance",
        goal: 2,
        stories: &[
            (
                "security engineer",
                "log every read of a card token with the reader's identity",
                "access can be reviewed",
            ),
            (
                "auditor",
                "export the access log for a date range",
                "I can sample it for the annual assessment",
            ),
            (
                "security engineer",
                "alert on bulk reads of card tokens",
                "exfiltration is noticed within minutes",
            ),
        ],
    },
    Theme {
        requirement: "Merchants shall see payment performance in a dashboard updated within five minutes",
        epic: "Merchant reporting dashboard",
        label: "reporting",
        goal: 1,
        stories: &[
            (
                "merchant",
                "see today's authorisation rate",
                "I notice an outage before my customers do",
            ),
            (
                "merchant",
                "compare conversion by payment method",
                "I know which methods to promote",
            ),
            (
                "merchant",
                "filter payments by status and date",
                "I can answer a shopper's question quickly",
            ),
            (
                "merchant",
                "schedule a weekly report by email",
                "my managers get numbers without logging in",
            ),
            (
                "merchant",
                "see refunds and disputes next to sales",
                "I understand my net revenue",
            ),
        ],
    },
    Theme {
        requirement: "The public API shall be versioned and documented, with a sandbox for every endpoint",
        epic: "Developer experience: API v2",
        label: "api",
        goal: 1,
        stories: &[
            (
                "developer",
                "create test payments in a sandbox",
                "I can build an integration without real money",
            ),
            (
                "developer",
                "read API reference with runnable examples",
                "I integrate in a day",
            ),
            (
                "developer",
                "pin my integration to an API version",
                "upgrades never break me unannounced",
            ),
            (
                "developer",
                "replay webhooks from the dashboard",
                "I can debug my endpoint",
            ),
        ],
    },
    Theme {
        requirement: "Disputes shall be answered with evidence before the card scheme's deadline",
        epic: "Dispute management",
        label: "disputes",
        goal: 1,
        stories: &[
            (
                "merchant",
                "be told of a new dispute the same day",
                "I have time to respond",
            ),
            (
                "merchant",
                "upload evidence for a dispute",
                "I can win disputes I should win",
            ),
            (
                "support agent",
                "see every dispute's deadline",
                "none expires unanswered",
            ),
        ],
    },
];

const TASKS: &[&str] = &[
    "Write the database migration",
    "Add API endpoint and contract tests",
    "Build the UI component",
    "Add metrics and alerts",
    "Update the public documentation",
];

const BUGS: &[&str] = &[
    "Refund webhook is sent twice when the bank retries",
    "Payout statement rounds currency amounts to two decimals for JPY",
    "3-D Secure challenge window is cut off on small screens",
    "Dashboard shows yesterday's authorisation rate after midnight UTC",
    "Apple Pay button missing in Safari private windows",
    "Sanctions re-screen job times out on large merchant lists",
    "Idempotency key ignored on partial captures",
    "Dispute deadline shown in the server's time zone",
    "CSV export drops rows with commas in the description",
    "Sandbox payments appear in live reports",
    "Refund reason is lost when a refund is retried",
    "iDEAL bank list is not sorted alphabetically",
    "Access-log export fails for ranges longer than 31 days",
    "Weekly email report has broken links",
    "Partial refund allowed above the captured amount after a currency conversion",
    "Google Pay sheet opens twice on double tap",
    "Statement PDF missing page numbers",
    "Dispute evidence upload rejects files larger than 2 MB",
    "Sanctions hit queue does not refresh after a decision",
    "API v2 sandbox returns live error codes",
    "Dashboard date filter ignores the merchant's time zone",
    "Payout hold is not released when a dispute is won",
];

/// Events of one item's life, as offsets from the start of the history.
struct Plan {
    created: i64,
    start: Option<i64>,
    review: Option<i64>,
    done: Option<i64>,
    cancelled: bool,
}

fn plan(rng: &mut ChaCha8Rng, created: i64, end: i64) -> Plan {
    // Most work starts within a month; a third waits in the backlog far longer.
    let wait = if rng.gen_bool(0.35) {
        rng.gen_range(60..220)
    } else {
        rng.gen_range(1..30)
    };
    let start = created + wait * DAY + rng.gen_range(0..8) * 3_600_000;
    let review = start + rng.gen_range(1..9) * DAY + rng.gen_range(0..8) * 3_600_000;
    let done = review + rng.gen_range(0..4) * DAY + rng.gen_range(1..8) * 3_600_000;
    let cancelled = rng.gen_bool(0.04);
    Plan {
        created,
        start: (start < end).then_some(start),
        review: (review < end && !cancelled).then_some(review),
        done: (done < end).then_some(done),
        cancelled,
    }
}

pub fn generate(app: &mut App, seed: u64, prefix: &str) -> Result<DemoSummary> {
    app.require_init()?;
    let prefix = prefix.trim().to_ascii_uppercase();
    if app.store().product(&prefix)?.is_some() {
        return invalid(format!(
            "this workspace already has a product {prefix}; run the demo in a new folder, or pick another prefix with --prefix"
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let real_now = app.now();
    // Start at midnight UTC, seven months ago.
    let start = (real_now - HISTORY_DAYS * DAY) / DAY * DAY + 9 * 3_600_000;
    let clock = Arc::new(SimClock::new(start));
    // Walk the history on a simulated clock, then give the caller's back.
    let caller = std::mem::replace(&mut app.clock, Box::new(clock.clone()));
    let r = build(app, &mut rng, &clock, &prefix, start, real_now, seed);
    app.clock = caller;
    r
}

fn build(
    app: &mut App,
    rng: &mut ChaCha8Rng,
    clock: &Arc<SimClock>,
    prefix: &str,
    start: i64,
    end: i64,
    seed: u64,
) -> Result<DemoSummary> {
    if app.config().fields.is_empty() {
        let text = format!("{}{DEMO_FIELDS}", app.config_text()?);
        app.config_apply(&text, Some("demo: custom fields for value and risk"))?;
    }
    let name = "Payments Platform";
    app.product_add(prefix, name)?;
    for (h, n) in PEOPLE {
        if app.store().person(h)?.is_none() {
            app.person_add(h, n, Some(&format!("{h}@example.com")))?;
        }
    }
    let date = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let releases = [
        ("2026.1", end - 120 * DAY),
        ("2026.2", end - 30 * DAY),
        ("2026.3", end + 45 * DAY),
        ("2027.1", end + 140 * DAY),
    ];
    for (r, d) in &releases {
        app.release_add(Some(prefix), r, Some(&date(*d)))?;
    }
    let goal_defs: [(&str, &str, Vec<KeyResult>); 3] = [
        (
            "Lift checkout conversion",
            "More shoppers who start a checkout finish it.",
            vec![
                kr("Checkout conversion", 68.0, 61.5, "%"),
                kr("Authentication challenge rate", 15.0, 24.0, "%"),
            ],
        ),
        (
            "Merchants trust their money with us",
            "Fewer support contacts about refunds, payouts and reports.",
            vec![
                kr(
                    "Money-related support tickets per 1,000 merchants",
                    20.0,
                    34.0,
                    "",
                ),
                kr("Merchant NPS", 45.0, 38.0, ""),
            ],
        ),
        (
            "Pass the PCI DSS 4.0 and sanctions audits",
            "No major findings in the next external audits.",
            vec![
                kr("Open audit findings", 0.0, 7.0, ""),
                kr("Controls with automated evidence", 40.0, 22.0, ""),
            ],
        ),
    ];
    let mut goal_names = Vec::new();
    for (n, d, krs) in goal_defs {
        if app.store().goal(n)?.is_none() {
            app.goal_add(n, d, krs)?;
        }
        goal_names.push(n.to_string());
    }

    // Schedule every item's creation, then walk the calendar.
    enum Ev {
        Create(usize),
        State(usize, &'static str),
    }
    struct Spec {
        new: NewItem,
        parent_slot: Option<usize>,
        plan: Plan,
    }
    let mut specs: Vec<Spec> = Vec::new();
    let mut theme_order: Vec<usize> = (0..THEMES.len()).collect();
    theme_order.shuffle(rng);
    for (n, &t) in theme_order.iter().enumerate() {
        let th = &THEMES[t];
        // Themes start through the first two thirds of the history.
        let t0 = start + (n as i64 * 14 + rng.gen_range(0..5)) * DAY;
        let req_slot = specs.len();
        specs.push(Spec {
            new: NewItem {
                kind: Some(Kind::Requirement),
                title: th.requirement.to_string(),
                description: format!("Source: product brief, section \"{}\".", th.epic),
                labels: vec![th.label.to_string()],
                goals: vec![goal_names[th.goal].clone()],
                ..NewItem::default()
            },
            parent_slot: None,
            plan: Plan {
                created: t0,
                start: None,
                review: None,
                done: None,
                cancelled: false,
            },
        });
        let epic_slot = specs.len();
        let release_idx = (n * releases.len() / THEMES.len()).min(releases.len() - 1);
        let epic_plan = plan(rng, t0 + DAY, end);
        specs.push(Spec {
            new: NewItem {
                kind: Some(Kind::Epic),
                title: th.epic.to_string(),
                description: format!("Delivers: {}.", th.requirement),
                labels: vec![th.label.to_string()],
                release: Some(releases[release_idx].0.to_string()),
                goals: vec![goal_names[th.goal].clone()],
                ..NewItem::default()
            },
            parent_slot: Some(req_slot),
            plan: Plan {
                done: None,
                review: None,
                ..epic_plan
            },
        });
        for (k, (role, want, so)) in th.stories.iter().enumerate() {
            let created = t0 + (2 + k as i64 * rng.gen_range(2..6)) * DAY;
            let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            let title = format!("As {article} {role}, I want to {want}, so that {so}");
            let est = [1.0, 2.0, 3.0, 3.0, 5.0, 5.0, 8.0, 13.0][rng.gen_range(0..8)];
            let p = plan(rng, created, end);
            let assignee = assign(rng, &p);
            let mut labels = vec![th.label.to_string()];
            if rng.gen_bool(0.3) {
                labels.push(["mobile", "web", "backend", "ux"][rng.gen_range(0..4)].to_string());
            }
            let story_slot = specs.len();
            specs.push(Spec {
                new: NewItem {
                    kind: Some(Kind::Story),
                    title,
                    description: format!("Part of {}. Keep the existing behaviour for merchants who do not opt in.", th.epic),
                    acceptance: format!(
                        "Given I am {article} {role}\nWhen I {want}\nThen the result is visible within 5 seconds\nAnd the action is recorded in the audit log"
                    ),
                    labels,
                    estimate: Some(est),
                    assignee,
                    release: Some(releases[release_idx].0.to_string()),
                    fields: vec![
                        ("customer_value".into(), rng.gen_range(1..=10).to_string()),
                        ("risk".into(), ["low", "low", "medium", "medium", "high"][rng.gen_range(0..5)].into()),
                    ],
                    ..NewItem::default()
                },
                parent_slot: Some(epic_slot),
                plan: p,
            });
            // Some stories are broken into tasks.
            if rng.gen_bool(0.7) {
                let n = rng.gen_range(1..=4);
                let tasks: Vec<&str> = TASKS.choose_multiple(rng, n).copied().collect();
                for task in tasks {
                    let created = specs[story_slot].plan.created + rng.gen_range(0..3) * DAY;
                    let p = plan(rng, created, end);
                    let assignee = assign(rng, &p);
                    specs.push(Spec {
                        new: NewItem {
                            kind: Some(Kind::Task),
                            title: task.to_string(),
                            estimate: Some([1.0, 1.0, 2.0, 3.0][rng.gen_range(0..4)]),
                            labels: vec![th.label.to_string(), "backend".to_string()],
                            assignee,
                            ..NewItem::default()
                        },
                        parent_slot: Some(story_slot),
                        plan: p,
                    });
                }
            }
        }
        if rng.gen_bool(0.5) {
            let p = plan(rng, t0 + 3 * DAY, end);
            specs.push(Spec {
                new: NewItem {
                    kind: Some(if rng.gen_bool(0.5) {
                        Kind::Spike
                    } else {
                        Kind::Debt
                    }),
                    title: format!(
                        "Investigate the riskiest part of {}",
                        th.epic.to_lowercase()
                    ),
                    estimate: Some(2.0),
                    labels: vec![th.label.to_string()],
                    ..NewItem::default()
                },
                parent_slot: Some(epic_slot),
                plan: p,
            });
        }
    }
    for b in BUGS {
        let created =
            start + rng.gen_range(20..HISTORY_DAYS - 5) * DAY + rng.gen_range(0..10) * 3_600_000;
        let p = plan(rng, created, end);
        let assignee = assign(rng, &p);
        specs.push(Spec {
            new: NewItem {
                kind: Some(Kind::Bug),
                title: b.to_string(),
                description: "Reported by a merchant through support.".into(),
                estimate: Some([1.0, 2.0, 3.0][rng.gen_range(0..3)]),
                labels: vec![
                    "bug".to_string(),
                    ["payments", "refunds", "reporting", "api"][rng.gen_range(0..4)].to_string(),
                ],
                assignee,
                ..NewItem::default()
            },
            parent_slot: None,
            plan: p,
        });
    }

    let mut events: Vec<(i64, usize, Ev)> = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        events.push((s.plan.created, 0, Ev::Create(i)));
        if let Some(t) = s.plan.start {
            events.push((t, 1, Ev::State(i, "in-progress")));
        }
        if let Some(t) = s.plan.review {
            events.push((t, 2, Ev::State(i, "in-review")));
        }
        if let Some(t) = s.plan.done {
            events.push((
                t,
                3,
                Ev::State(
                    i,
                    if s.plan.cancelled {
                        "cancelled"
                    } else {
                        "done"
                    },
                ),
            ));
        }
    }
    events.sort_by_key(|(t, o, e)| {
        (
            *t,
            *o,
            match e {
                Ev::Create(i) | Ev::State(i, _) => *i,
            },
        )
    });
    let mut keys: Vec<Option<ItemKey>> = vec![None; specs.len()];
    let mut items = 0u64;
    for (t, _, ev) in events {
        if t >= end {
            continue;
        }
        clock.set(t);
        app.set_actor(PEOPLE[(t / DAY % PEOPLE.len() as i64) as usize].0);
        match ev {
            Ev::Create(i) => {
                let mut new = specs[i].new.clone();
                new.product = Some(prefix.to_string());
                new.parent = specs[i].parent_slot.and_then(|p| keys[p].clone());
                let item = app.item_add(new, None)?;
                keys[i] = Some(item.key);
                items += 1;
            }
            Ev::State(i, state) => {
                if let Some(k) = keys[i].clone() {
                    let patch = Patch {
                        state: Some(state.to_string()),
                        ..Patch::default()
                    };
                    app.item_edit(&k, patch, None, None)?;
                }
            }
        }
    }

    // Dependencies between stories, and a few re-rankings, near the end.
    clock.set(end - 3 * DAY);
    app.set_actor("amara");
    let story_keys: Vec<ItemKey> = specs
        .iter()
        .zip(&keys)
        .filter(|(s, _)| s.new.kind == Some(Kind::Story))
        .filter_map(|(_, k)| k.clone())
        .collect();
    let mut links = 0u64;
    let mut tries = 0;
    while links < 24 && tries < 500 {
        tries += 1;
        let a = &story_keys[rng.gen_range(0..story_keys.len())];
        let b = &story_keys[rng.gen_range(0..story_keys.len())];
        // Only forward in key order, so the demo has no cycles.
        if a.number >= b.number {
            continue;
        }
        // A finished item is no longer blocked by anything.
        if app.item(b)?.category == cairn_core::Category::Done {
            continue;
        }
        if app
            .link(a, "blocks", b, Some("shares the same API change"))
            .is_ok()
        {
            links += 1;
        }
    }
    let req_keys: Vec<ItemKey> = specs
        .iter()
        .zip(&keys)
        .filter(|(s, _)| s.new.kind == Some(Kind::Requirement))
        .filter_map(|(_, k)| k.clone())
        .collect();
    for (s, k) in specs.iter().zip(&keys) {
        if s.new.kind == Some(Kind::Bug)
            && rng.gen_bool(0.3)
            && let (Some(k), Some(r)) = (k, req_keys.choose(rng))
            && app.link(k, "relates", r, None).is_ok()
        {
            links += 1;
        }
    }
    score_backlog(
        app,
        seed,
        &keys,
        &specs.iter().map(|s| s.new.kind).collect::<Vec<_>>(),
        &story_keys,
    )?;
    clock.set(end - DAY);
    for _ in 0..8 {
        let k = &story_keys[rng.gen_range(0..story_keys.len())];
        app.item_move(k, &crate::Position::Top, None, Some("customer escalation"))?;
    }
    clock.set(end - DAY / 2);
    register(app, clock, end, prefix)?;
    evidence(app, clock, end, prefix)?;
    feedback(app, clock, end, prefix)?;
    let (audit_entries, _) = app.store().audit_head()?;
    Ok(DemoSummary {
        prefix: prefix.to_string(),
        name: name.to_string(),
        seed,
        items,
        links,
        goals: goal_names.len() as u64,
        releases: releases.len() as u64,
        audit_entries,
        days: HISTORY_DAYS,
    })
}

/// The first open item (by rank) a query matches.
fn first_open(app: &mut App, prefix: &str, q: &str) -> Result<Vec<ItemKey>> {
    Ok(app
        .query_items(
            &format!(
                "product = {prefix} AND kind = story AND category != done AND {q} ORDER BY rank"
            ),
            cairn_store::Page {
                limit: 1,
                offset: 0,
            },
        )?
        .into_iter()
        .map(|i| i.key)
        .collect())
}

/// The risk register and decision log of the last weeks: risks scored,
/// then re-scored as things changed (so they have trends), and decisions
/// made and still open. Fixed content, no random draws.
fn register(app: &mut App, clock: &Arc<SimClock>, end: i64, prefix: &str) -> Result<()> {
    use crate::register::{NewDecision, NewRisk, RiskPatch};
    use cairn_core::{DecisionOption, DecisionStatus};
    let p = Some(prefix.to_string());
    let opt = |name: &str, pros: &[&str], cons: &[&str]| DecisionOption {
        name: name.into(),
        pros: pros.iter().map(|s| s.to_string()).collect(),
        cons: cons.iter().map(|s| s.to_string()).collect(),
    };
    let payments = first_open(app, prefix, "label = payments")?;
    let compliance = first_open(app, prefix, "label = compliance")?;
    let api = first_open(app, prefix, "label = api")?;
    let payouts = first_open(app, prefix, "label = payouts")?;
    app.set_actor("amara");
    clock.set(end - 20 * DAY);
    let scheme = app.risk_add(NewRisk {
        product: p.clone(),
        title: "Card schemes move the 3-D Secure 2 deadline earlier".into(),
        description: "If the schemes enforce 3DS2 before our checkout supports it, issuers decline more payments.".into(),
        likelihood: 3,
        impact: 4,
        owner: Some("bruno".into()),
        status: None,
        mitigations: payments.clone(),
    })?;
    let audit = app.risk_add(NewRisk {
        product: p.clone(),
        title: "PCI DSS evidence is not ready for the external audit".into(),
        description: "Access logging and screening controls still lack automated evidence.".into(),
        likelihood: 4,
        impact: 5,
        owner: Some("freya".into()),
        status: None,
        mitigations: compliance.clone(),
    })?;
    let _ = app.risk_add(NewRisk {
        product: p.clone(),
        title: "One engineer holds all payout reconciliation knowledge".into(),
        description: "Payout fixes stall when Chen is away.".into(),
        likelihood: 3,
        impact: 3,
        owner: Some("chen".into()),
        status: None,
        mitigations: Vec::new(),
    })?;
    let sandbox = app.risk_add(NewRisk {
        product: p.clone(),
        title: "Sandbox outages slow down integrating merchants".into(),
        description: "Merchants building on API v2 depend on a stable sandbox.".into(),
        likelihood: 2,
        impact: 2,
        owner: Some("eitan".into()),
        status: None,
        mitigations: api.clone(),
    })?;
    clock.set(end - 9 * DAY);
    app.set_actor("bruno");
    app.risk_update(
        &scheme.id,
        RiskPatch {
            likelihood: Some(5),
            ..RiskPatch::default()
        },
        None,
        Some("Visa announced enforcement for next quarter"),
    )?;
    app.risk_update(
        &sandbox.id,
        RiskPatch {
            likelihood: Some(1),
            ..RiskPatch::default()
        },
        None,
        Some("sandbox moved to its own cluster"),
    )?;
    clock.set(end - 5 * DAY);
    app.set_actor("freya");
    app.risk_update(
        &audit.id,
        RiskPatch {
            likelihood: Some(3),
            ..RiskPatch::default()
        },
        None,
        Some("access logging evidence now automated for two of five controls"),
    )?;
    app.decision_add(NewDecision {
        product: p.clone(),
        title: "Build 3-D Secure in-house or use the processor's hosted flow".into(),
        context: "3DS2 must be live before scheme enforcement; the team has one quarter.".into(),
        options: vec![
            opt(
                "Hosted flow",
                &["live in three weeks", "no certification work"],
                &["shoppers leave our checkout page", "per-transaction fee"],
            ),
            opt(
                "In-house SDK",
                &["checkout stays on our page", "no extra fee"],
                &["certification takes two months"],
            ),
        ],
        decision: "Start with the hosted flow, then move to the in-house SDK after enforcement"
            .into(),
        consequences: "Two integrations to maintain for a quarter.".into(),
        status: Some(DecisionStatus::Accepted),
        decided_on: None,
        decider: Some("amara".into()),
        items: payments.clone(),
    })?;
    clock.set(end - 2 * DAY);
    app.set_actor("amara");
    app.decision_add(NewDecision {
        product: p.clone(),
        title: "Offer next-day payouts to every merchant or only to low-risk ones".into(),
        context:
            "Faster payouts lift merchant trust but increase exposure to fraud and chargebacks."
                .into(),
        options: vec![
            opt(
                "Every merchant",
                &["simplest message", "biggest NPS gain"],
                &["higher fraud exposure"],
            ),
            opt(
                "Low-risk merchants only",
                &["bounded exposure"],
                &[
                    "needs a risk score per merchant",
                    "support questions about eligibility",
                ],
            ),
        ],
        decision: String::new(),
        consequences: String::new(),
        status: None,
        decided_on: None,
        decider: None,
        items: payouts.clone(),
    })?;
    app.decision_add(NewDecision {
        product: p,
        title: "Keep the v1 API running after v2 ships, and for how long".into(),
        context: "Forty merchants still call v1 weekly.".into(),
        options: vec![
            opt(
                "Six months",
                &["short dual maintenance"],
                &["merchants must migrate fast"],
            ),
            opt(
                "Twelve months",
                &["time for every merchant"],
                &["a year of two APIs"],
            ),
        ],
        decision: String::new(),
        consequences: String::new(),
        status: None,
        decided_on: None,
        decider: None,
        items: api.clone(),
    })?;
    clock.set(end - DAY / 2);
    Ok(())
}

/// Test evidence from CI: three builds of JUnit results over the last six
/// weeks. Most stories have a test named after their key; every fifth has
/// none, a few tests stopped running after the first build (stale), two
/// fail in the latest build and one passed only on a rerun. Fixed content,
/// no random draws.
fn evidence(app: &mut App, clock: &Arc<SimClock>, end: i64, prefix: &str) -> Result<()> {
    use crate::evidence::{EvidenceImport, ReportFile};
    let stories = app.query_items(
        &format!("product = {prefix} AND kind = story AND category != todo ORDER BY key"),
        cairn_store::Page {
            limit: 1000,
            offset: 0,
        },
    )?;
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    // (class, test name, story index)
    let mut tests = Vec::new();
    for (i, it) in stories.iter().enumerate() {
        if i % 5 == 4 {
            continue;
        }
        let area = it.labels.first().map(String::as_str).unwrap_or("core");
        let class: String = area
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let behaviour = it
            .title
            .split_once("I want to ")
            .map(|(_, rest)| rest.split(',').next().unwrap_or(rest))
            .unwrap_or(&it.title)
            .trim()
            .to_string();
        tests.push((
            format!("com.example.pay.{class}Test"),
            format!("{} {behaviour}", it.key),
            i,
        ));
    }
    let report = |build: usize| {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
        let mut classes: Vec<&str> = tests.iter().map(|t| t.0.as_str()).collect();
        classes.sort_unstable();
        classes.dedup();
        for class in classes {
            x.push_str(&format!("  <testsuite name=\"{class}\">\n"));
            for (n, (c, name, i)) in tests.iter().enumerate() {
                // Tests dropped after the first build go stale.
                if c != class || (build > 0 && i % 11 == 5) {
                    continue;
                }
                let time = 0.05 + (n % 17) as f64 * 0.11;
                x.push_str(&format!(
                    "    <testcase classname=\"{c}\" name=\"{}\" time=\"{time:.2}\"",
                    esc(name)
                ));
                if build == 2 && (n == 3 || n == 17) {
                    x.push_str(">\n      <failure message=\"expected status 201 but was 500\" type=\"AssertionError\">AssertionError: expected status 201 but was 500</failure>\n    </testcase>\n");
                } else if build == 2 && n == 9 {
                    x.push_str(">\n      <flakyFailure message=\"timed out after 5 s\" type=\"TimeoutError\"/>\n    </testcase>\n");
                } else {
                    x.push_str("/>\n");
                }
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    };
    app.set_actor("ci");
    for (b, (build, days)) in [("1412", 40), ("1437", 12), ("1452", 1)].iter().enumerate() {
        clock.set(end - days * DAY);
        app.evidence_import(&EvidenceImport {
            product: Some(prefix.to_string()),
            build: build.to_string(),
            files: vec![ReportFile {
                name: "target/surefire-reports/TEST-payments.xml".into(),
                text: report(b),
            }],
            skip_unknown_keys: false,
        })?;
    }
    clock.set(end - DAY / 2);
    Ok(())
}

/// The product owner scores the open backlog for every model, leaving a
/// few inputs out (so the demo shows unscored items), and imports a Kano
/// survey. Uses its own random stream, so the rest of the demo does not
/// change when scoring does.
fn score_backlog(
    app: &mut App,
    seed: u64,
    keys: &[Option<ItemKey>],
    kinds: &[Option<Kind>],
    stories: &[ItemKey],
) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5c0e_d0c5);
    const FIB: [u32; 7] = [1, 2, 3, 5, 8, 13, 20];
    let fib = |rng: &mut ChaCha8Rng, lo: usize, hi: usize| FIB[rng.gen_range(lo..=hi)].to_string();
    for (k, kind) in keys.iter().zip(kinds) {
        let Some(k) = k else { continue };
        let Some(kind) = kind else { continue };
        if !matches!(kind, Kind::Story | Kind::Bug | Kind::Spike | Kind::Debt) {
            continue;
        }
        let item = app.item(k)?;
        if item.category == cairn_core::Category::Done {
            continue;
        }
        let mut f: Vec<(String, Option<String>)> = Vec::new();
        let mut set = |name: &str, v: String| f.push((name.to_string(), Some(v)));
        let bug = *kind == Kind::Bug;
        let reach = if bug {
            rng.gen_range(1..40) * 10
        } else {
            rng.gen_range(2..120) * 50
        };
        set("reach", reach.to_string());
        set(
            "impact",
            ["0.25", "0.5", "1", "1", "2", "2", "3"][rng.gen_range(0..7)].into(),
        );
        set(
            "confidence",
            ["50", "80", "80", "100", "100"][rng.gen_range(0..5)].into(),
        );
        set("business_value", fib(&mut rng, if bug { 1 } else { 0 }, 6));
        set(
            "risk_reduction",
            fib(&mut rng, 0, if *kind == Kind::Story { 4 } else { 6 }),
        );
        if item.labels.iter().any(|l| l == "payments") && rng.gen_bool(0.6) {
            // PSD2 and wallet work is tied to its release date.
            set("cod_profile", "fixed-date".into());
        } else if bug && rng.gen_bool(0.5) {
            set("cod_profile", "urgent".into());
        } else {
            set("time_criticality", fib(&mut rng, 0, 5));
        }
        set("ice_impact", rng.gen_range(2..=10).to_string());
        set("ice_confidence", rng.gen_range(3..=10).to_string());
        set("ease", rng.gen_range(2..=10).to_string());
        set(
            "moscow",
            ["must", "must", "should", "should", "could", "wont"][rng.gen_range(0..6)].into(),
        );
        if !item.fields.contains_key("customer_value") {
            set("customer_value", rng.gen_range(1..=10).to_string());
        }
        if !item.fields.contains_key("risk") {
            set(
                "risk",
                ["low", "medium", "high"][rng.gen_range(0..3)].into(),
            );
        }
        // About one item in ten has not been sized for a model yet.
        if rng.gen_bool(0.1) {
            let drop = ["reach", "business_value", "ease"][rng.gen_range(0..3)];
            f.retain(|(n, _)| n != drop);
        }
        let patch = Patch {
            fields: f,
            ..Patch::default()
        };
        app.item_edit(k, patch, None, Some("backlog scoring session"))?;
    }
    // Enablers: a few open items that must land before others can start.
    let open_items: Vec<ItemKey> = keys
        .iter()
        .zip(kinds)
        .filter(|(_, k)| matches!(k, Some(Kind::Story | Kind::Spike | Kind::Debt | Kind::Bug)))
        .filter_map(|(k, _)| k.clone())
        .filter(|k| {
            app.item(k)
                .is_ok_and(|i| i.category != cairn_core::Category::Done)
        })
        .collect();
    let mut made = 0;
    for _ in 0..200 {
        if made == 4 || open_items.len() < 2 {
            break;
        }
        let a = &open_items[rng.gen_range(0..open_items.len())];
        let b = &open_items[rng.gen_range(0..open_items.len())];
        // Forward in key order only, so the demo has no cycles.
        if a.number < b.number
            && app
                .link(a, "blocks", b, Some("needs the shared API change first"))
                .is_ok()
        {
            made += 1;
        }
    }
    // A Kano survey of 30 merchants about a dozen open stories.
    let mut csv = String::from("respondent,item,functional,dysfunctional\n");
    let open: Vec<&ItemKey> = stories
        .iter()
        .filter(|k| {
            app.item(k)
                .is_ok_and(|i| i.category != cairn_core::Category::Done)
        })
        .take(12)
        .collect();
    const ANSWERS: [&str; 5] = ["like", "must-be", "neutral", "live-with", "dislike"];
    for (n, k) in open.iter().enumerate() {
        // Each feature leans to one class; respondents vary around it.
        let lean: [(usize, usize); 3] = match n % 4 {
            0 => [(1, 4), (2, 4), (0, 4)], // must-be
            1 => [(0, 4), (0, 4), (2, 4)], // one-dimensional
            2 => [(0, 2), (0, 3), (2, 2)], // attractive
            _ => [(2, 2), (2, 3), (0, 2)], // indifferent
        };
        for r in 0..30 {
            let (f, d) = if rng.gen_bool(0.75) {
                lean[r % 2]
            } else {
                lean[2]
            };
            csv.push_str(&format!("m{r:02},{k},{},{}\n", ANSWERS[f], ANSWERS[d]));
        }
    }
    app.kano_import(csv.as_bytes(), true, "demo merchant survey")?;
    Ok(())
}

/// Work that has started has someone on it.
fn assign(rng: &mut ChaCha8Rng, p: &Plan) -> Option<String> {
    p.start
        .map(|_| PEOPLE[rng.gen_range(0..PEOPLE.len())].0.to_string())
}

fn kr(d: &str, target: f64, current: f64, unit: &str) -> KeyResult {
    KeyResult {
        description: d.to_string(),
        target,
        current,
        unit: (!unit.is_empty()).then(|| unit.to_string()),
    }
}

/// Customers of the demo product: (organisation, segment, revenue weight
/// in annual revenue).
const CUSTOMERS: &[(&str, &str, f64)] = &[
    ("Northwind Traders", "enterprise", 480_000.0),
    ("Contoso Retail", "enterprise", 350_000.0),
    ("Kestrel Health", "enterprise", 300_000.0),
    ("Wide World Importers", "enterprise", 260_000.0),
    ("Fabrikam Outdoor", "mid-market", 120_000.0),
    ("Orbit Games", "mid-market", 110_000.0),
    ("Tailspin Travel", "mid-market", 95_000.0),
    ("Alpine Gear", "mid-market", 70_000.0),
    ("Pinecrest Pharmacy", "smb", 15_000.0),
    ("Lumen Books", "smb", 12_000.0),
    ("Bluebird Bakery", "smb", 8_000.0),
    ("Harbor Coffee", "smb", 6_000.0),
];

/// Demo feedback: (days ago, source, source id, customer, requester,
/// importance, text, a phrase of the title of the item it asks for).
type DemoFeedback = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const FEEDBACK: &[DemoFeedback] = &[
    (
        170,
        "sales",
        "CRM-2201",
        "Northwind Traders",
        "dana.ops@northwind.test",
        "critical",
        "We lose disputes because our evidence PDFs are bigger than 2 MB and the upload refuses them.",
        "Dispute evidence upload rejects files",
    ),
    (
        150,
        "support",
        "ZD-40112",
        "Contoso Retail",
        "li.wei@contoso.test",
        "important",
        "Uploading dispute evidence fails for scanned receipts over 2 MB. Please raise the upload limit.",
        "Dispute evidence upload rejects files",
    ),
    (
        96,
        "support",
        "ZD-40877",
        "Alpine Gear",
        "ops@alpinegear.test",
        "important",
        "Our dispute evidence upload keeps failing: the files are photos of signed delivery notes, around 4 MB each.",
        "Dispute evidence upload rejects files",
    ),
    (
        40,
        "interview",
        "INT-07",
        "Kestrel Health",
        "r.okafor@kestrel.test",
        "critical",
        "We need to upload evidence for a dispute straight from the dashboard, with the deadline next to it.",
        "upload evidence for a dispute",
    ),
    (
        165,
        "app-review",
        "GP-88121",
        "",
        "angry_shopper_42",
        "important",
        "The 3-D Secure challenge window is cut off on my phone, I cannot reach the confirm button.",
        "3-D Secure challenge window is cut off",
    ),
    (
        120,
        "support",
        "ZD-40533",
        "Orbit Games",
        "payments@orbitgames.test",
        "critical",
        "Mobile shoppers abandon checkout because the 3-D Secure challenge does not fit small screens.",
        "3-D Secure challenge window is cut off",
    ),
    (
        35,
        "support",
        "ZD-41360",
        "Tailspin Travel",
        "c.berg@tailspin.test",
        "important",
        "Small screens cut off the 3-D Secure challenge window; our conversion on mobile dropped.",
        "3-D Secure challenge window is cut off",
    ),
    (
        160,
        "sales",
        "CRM-2230",
        "Wide World Importers",
        "it@wwi.test",
        "important",
        "Our developers need a sandbox to create test payments before we can sign the contract.",
        "create test payments in a sandbox",
    ),
    (
        88,
        "interview",
        "INT-03",
        "Orbit Games",
        "dev@orbitgames.test",
        "important",
        "A proper sandbox with test cards and test payments would save our developers weeks.",
        "create test payments in a sandbox",
    ),
    (
        21,
        "support",
        "ZD-41502",
        "Lumen Books",
        "tech@lumenbooks.test",
        "nice-to-have",
        "Is there a sandbox where I can make test payments without real money?",
        "create test payments in a sandbox",
    ),
    (
        140,
        "support",
        "ZD-40390",
        "Fabrikam Outdoor",
        "dev@fabrikam.test",
        "important",
        "When our endpoint was down we missed webhooks. Let us replay webhooks from the dashboard.",
        "replay webhooks from the dashboard",
    ),
    (
        61,
        "survey",
        "NPS-Q3-118",
        "Orbit Games",
        "dev@orbitgames.test",
        "nice-to-have",
        "Replaying failed webhooks from the dashboard would make debugging our endpoint much easier.",
        "replay webhooks from the dashboard",
    ),
    (
        130,
        "support",
        "ZD-40450",
        "Northwind Traders",
        "dana.ops@northwind.test",
        "critical",
        "A dispute expired unanswered because nobody saw its deadline. Show every dispute's deadline.",
        "see every dispute's deadline",
    ),
    (
        50,
        "sales",
        "CRM-2307",
        "Contoso Retail",
        "li.wei@contoso.test",
        "important",
        "Our support team needs to see dispute deadlines so none expires without an answer.",
        "see every dispute's deadline",
    ),
    (
        110,
        "support",
        "ZD-40610",
        "Tailspin Travel",
        "finance@tailspin.test",
        "critical",
        "Payout statements round JPY amounts to two decimals, so they never reconcile with our bank.",
        "rounds currency amounts to two decimals for JPY",
    ),
    (
        44,
        "email",
        "MAIL-5521",
        "Wide World Importers",
        "ap@wwi.test",
        "important",
        "The statement shows yen with decimals and our reconciliation breaks every payout.",
        "rounds currency amounts to two decimals for JPY",
    ),
    (
        75,
        "app-review",
        "AS-55120",
        "",
        "marta.k",
        "nice-to-have",
        "When my bank declines the payment the message is just 'error'. Tell me whether to try another card.",
        "clear message when my bank declines",
    ),
    (
        28,
        "support",
        "ZD-41420",
        "Harbor Coffee",
        "owner@harborcoffee.test",
        "important",
        "Customers call us confused when a card is declined; the checkout should give a clear decline message.",
        "clear message when my bank declines",
    ),
    (
        200,
        "sales",
        "CRM-2101",
        "Contoso Retail",
        "li.wei@contoso.test",
        "critical",
        "Apple Pay on the web is a must for our holiday season checkout.",
        "pay with Apple Pay on the web",
    ),
    (
        185,
        "interview",
        "INT-01",
        "Bluebird Bakery",
        "hello@bluebird.test",
        "nice-to-have",
        "Our shoppers keep asking to pay with Apple Pay on the website.",
        "pay with Apple Pay on the web",
    ),
    (
        190,
        "sales",
        "CRM-2140",
        "Alpine Gear",
        "ops@alpinegear.test",
        "important",
        "Dutch customers expect iDEAL at checkout; without it we cannot launch in the Netherlands.",
        "pay by iDEAL",
    ),
    (
        180,
        "support",
        "ZD-39870",
        "Pinecrest Pharmacy",
        "manager@pinecrest.test",
        "important",
        "We need to refund part of a card payment when only one item of an order is returned.",
        "refund part of a card payment",
    ),
    (
        55,
        "support",
        "ZD-41010",
        "Lumen Books",
        "tech@lumenbooks.test",
        "nice-to-have",
        "The links in the weekly email report are broken, they go to a login error.",
        "Weekly email report has broken links",
    ),
    (
        70,
        "email",
        "MAIL-5410",
        "Kestrel Health",
        "finance@kestrel.test",
        "important",
        "Please show refunds and disputes next to sales so our net revenue is clear in one view.",
        "see refunds and disputes next to sales",
    ),
    (
        33,
        "interview",
        "INT-09",
        "Fabrikam Outdoor",
        "cfo@fabrikam.test",
        "important",
        "Our CFO wants net revenue: sales minus refunds and disputes, in the same dashboard.",
        "see refunds and disputes next to sales",
    ),
    (
        100,
        "support",
        "ZD-40701",
        "Orbit Games",
        "dev@orbitgames.test",
        "important",
        "Sandbox payments show up in our live reports and confuse the finance team.",
        "Sandbox payments appear in live reports",
    ),
    // The inbox: asks the backlog has no item for yet.
    (
        150,
        "sales",
        "CRM-2215",
        "Contoso Retail",
        "li.wei@contoso.test",
        "critical",
        "Our shoppers want to pay later with Klarna. Buy now, pay later is table stakes in retail.",
        "",
    ),
    (
        95,
        "survey",
        "NPS-Q3-044",
        "Fabrikam Outdoor",
        "ecom@fabrikam.test",
        "important",
        "Buy now pay later (Klarna or Afterpay) at checkout would lift our basket size.",
        "",
    ),
    (
        47,
        "interview",
        "INT-08",
        "Alpine Gear",
        "ops@alpinegear.test",
        "important",
        "Pay later in instalments with Klarna is what our younger shoppers ask for most.",
        "",
    ),
    (
        12,
        "support",
        "ZD-41700",
        "Bluebird Bakery",
        "hello@bluebird.test",
        "nice-to-have",
        "Could shoppers pay later with Klarna?",
        "",
    ),
    (
        125,
        "sales",
        "CRM-2266",
        "Wide World Importers",
        "ap@wwi.test",
        "important",
        "Sync payouts and fees to Xero automatically; our accountants re-key every statement today.",
        "",
    ),
    (
        66,
        "support",
        "ZD-40950",
        "Harbor Coffee",
        "owner@harborcoffee.test",
        "nice-to-have",
        "An export to QuickBooks or Xero for payouts and fees would save my bookkeeper hours.",
        "",
    ),
    (
        19,
        "email",
        "MAIL-5702",
        "Pinecrest Pharmacy",
        "manager@pinecrest.test",
        "important",
        "We need payouts and fees exported to our accounting software, Xero, every month.",
        "",
    ),
    (
        80,
        "interview",
        "INT-05",
        "Northwind Traders",
        "it.admin@northwind.test",
        "critical",
        "We need user roles in the dashboard: our support staff must not see payouts or bank details.",
        "",
    ),
    (
        30,
        "sales",
        "CRM-2350",
        "Kestrel Health",
        "security@kestrel.test",
        "critical",
        "Dashboard user roles and permissions are required by our security team before rollout.",
        "",
    ),
    (
        9,
        "survey",
        "NPS-Q4-017",
        "Tailspin Travel",
        "c.berg@tailspin.test",
        "nice-to-have",
        "Dark mode for the dashboard please.",
        "",
    ),
    (
        5,
        "app-review",
        "GP-90122",
        "",
        "quiet.reader",
        "nice-to-have",
        "Receipts by email arrive in English even though I paid in German.",
        "",
    ),
];

/// Merged duplicates: (index of the duplicate, index it joins).
const FEEDBACK_DUPLICATES: &[(usize, usize)] = &[(13, 12), (32, 31)];

/// Customer feedback over the last six months: linked to the items it
/// asks for (or left in the inbox), two duplicates merged, and the
/// customers of shipped items partly told. Fixed content.
fn feedback(app: &mut App, clock: &Arc<SimClock>, end: i64, prefix: &str) -> Result<()> {
    use crate::feedback::{NewFeedback, TellOptions};
    let items = app.query_items(
        &format!("product = {prefix} ORDER BY key"),
        cairn_store::Page {
            limit: 10_000,
            offset: 0,
        },
    )?;
    let find = |phrase: &str| -> Option<ItemKey> {
        if phrase.is_empty() {
            return None;
        }
        items
            .iter()
            .find(|i| i.title.contains(phrase))
            .map(|i| i.key.clone())
    };
    app.set_actor("amara");
    let mut ids = Vec::new();
    let mut order: Vec<usize> = (0..FEEDBACK.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(FEEDBACK[i].0));
    let mut by_index = vec![String::new(); FEEDBACK.len()];
    for i in order {
        let (days, source, sid, customer, requester, importance, text, phrase) = FEEDBACK[i];
        clock.set(end - days * DAY + 3_600_000);
        let c = CUSTOMERS.iter().find(|c| c.0 == customer);
        let f = app.feedback_add(NewFeedback {
            product: Some(prefix.to_string()),
            text: text.into(),
            source: Some(source.into()),
            source_id: Some(sid.into()),
            customer: c.map(|c| c.0.to_string()),
            segment: c.map(|c| c.1.to_string()),
            revenue: c.map(|c| c.2),
            requester: Some(requester.into()),
            received: None,
            importance: cairn_core::Importance::parse(importance),
            items: find(phrase).into_iter().collect(),
        })?;
        by_index[i] = f.id.clone();
        ids.push(f.id);
    }
    clock.set(end - 2 * DAY);
    for &(dup, into) in FEEDBACK_DUPLICATES {
        app.feedback_merge(&by_index[dup], &by_index[into])?;
    }
    // Customers of the first shipped features were told.
    if let Some(k) = find("pay with Apple Pay on the web") {
        let it = app.item(&k)?;
        if it.category == cairn_core::Category::Done {
            app.feedback_mark_told(&TellOptions {
                product: Some(prefix.to_string()),
                items: vec![k],
                ..TellOptions::default()
            })?;
        }
    }
    Ok(())
}
