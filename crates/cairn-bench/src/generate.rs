//! Deterministic synthetic data: a full-fidelity dump (JSON Lines) of one
//! product with N items, M links and the real hash-chained audit trail that
//! creating them would have written.
//!
//! Every item is generated from its own ChaCha8 stream (stream = item
//! number), so the audit pass can regenerate an item instead of keeping a
//! million of them in memory. Same seed, same bytes.

use anyhow::{Context, Result, bail};
use cairn_app::dump::{audit_line, header_lines, item_line, link_line};
use cairn_core::audit::{Change, GENESIS};
use cairn_core::{
    AuditEntry, Category, Item, ItemKey, Kind, Link, LinkKind, Millis, Product, rank,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const PREFIX: &str = "BEN";

/// The generated history ends here (2026-01-01T00:00:00Z), so the same seed
/// always gives the same bytes whatever day the benchmark runs.
pub const END: Millis = 1_767_225_600_000;
const YEAR: Millis = 365 * 24 * 3600 * 1000;
const START: Millis = END - YEAR;

/// Stream used for link generation and rank shuffling; item `n` uses
/// stream `n` (n >= 1).
const MAIN_STREAM: u64 = 0;
/// Stream used to pick the items the move benchmark moves.
pub const MOVE_STREAM: u64 = u64::MAX;

const ACTORS: [&str; 6] = ["ann", "ben", "chen", "dana", "eli", "fatima"];

const VERBS: [&str; 24] = [
    "Export",
    "Import",
    "Show",
    "Filter",
    "Validate",
    "Reconcile",
    "Schedule",
    "Archive",
    "Sync",
    "Notify about",
    "Search",
    "Audit",
    "Approve",
    "Split",
    "Merge",
    "Retry",
    "Cache",
    "Paginate",
    "Sort",
    "Group",
    "Tag",
    "Preview",
    "Encrypt",
    "Batch",
];
const OBJECTS: [&str; 30] = [
    "invoices",
    "card payments",
    "payouts",
    "subscriptions",
    "customer accounts",
    "bank transfers",
    "settlement reports",
    "chargebacks",
    "merchant onboarding",
    "tax rates",
    "currency conversion",
    "receipts",
    "ledger entries",
    "fraud alerts",
    "billing addresses",
    "discount codes",
    "payment links",
    "checkout sessions",
    "statements",
    "webhooks",
    "API keys",
    "user roles",
    "audit logs",
    "order history",
    "shipping labels",
    "price plans",
    "usage records",
    "dunning emails",
    "credit notes",
    "wallet balances",
];
const QUALIFIERS: [&str; 16] = [
    "for merchants",
    "in the dashboard",
    "via the API",
    "on mobile",
    "by date range",
    "per currency",
    "for admins",
    "in bulk",
    "with retries",
    "as CSV",
    "for EU customers",
    "in real time",
    "on the checkout page",
    "for finance",
    "after failure",
    "nightly",
];
const PERSONAS: [&str; 8] = [
    "merchant",
    "finance manager",
    "support agent",
    "customer",
    "admin",
    "developer",
    "auditor",
    "ops engineer",
];
const BENEFITS: [&str; 10] = [
    "I can close the month faster",
    "customers are not charged twice",
    "support tickets go down",
    "we stay compliant",
    "reports match the ledger",
    "I spend less time on manual work",
    "failures are visible early",
    "the numbers are trustworthy",
    "onboarding takes minutes, not days",
    "partners can integrate without help",
];
const NOTES: [&str; 10] = [
    "Check the edge cases with zero amounts.",
    "Keep the existing API backward compatible.",
    "Needs a feature flag for the rollout.",
    "Coordinate with the data team before release.",
    "Performance must not regress on large accounts.",
    "Log every state change for the audit.",
    "Translations are needed for all supported locales.",
    "Document the new fields in the public API reference.",
    "Add metrics and an alert on the error rate.",
    "Agree the copy with design.",
];
/// Only the ~1.5 % "refund" items use these.
const REFUND_TITLES: [&str; 6] = [
    "Refund a card payment",
    "Partial refund of an order",
    "Show refund status to customers",
    "Export refunds as CSV",
    "Refund to the original payment method",
    "Bulk refund after an outage",
];
const OTHER_LABELS: [&str; 12] = [
    "frontend",
    "backend",
    "api",
    "mobile",
    "ux",
    "security",
    "performance",
    "tech-debt",
    "reporting",
    "onboarding",
    "compliance",
    "infra",
];
const ESTIMATES: [f64; 7] = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0];

/// What was generated.
#[derive(Debug, Clone)]
pub struct Generated {
    pub items: u64,
    pub links: u64,
    pub audit_entries: u64,
    pub bytes: u64,
    pub refund_items: u64,
    pub payments_items: u64,
    pub done_items: u64,
}

fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

pub fn move_rng(seed: u64) -> ChaCha8Rng {
    rng_for(seed, MOVE_STREAM)
}

/// When item `n` (1-based) of `total` was created: spread evenly over the
/// year, so creation order is key order, with a little jitter that keeps
/// it monotonic.
fn created_at(n: u64, total: u64) -> Millis {
    let step = YEAR / (total.max(1) as i64);
    START + (n as i64 - 1) * step + ((n as i64 * 7919) % step.max(1)) / 2
}

fn pick<T: Copy>(r: &mut ChaCha8Rng, v: &[T]) -> T {
    v[r.gen_range(0..v.len())]
}

/// Item `n` of `total`. `epics` are the numbers of the epics before it.
fn item(seed: u64, n: u64, total: u64, rank: &str, epics: &[u64]) -> Item {
    let r = &mut rng_for(seed, n);
    let kind = match r.gen_range(0..1000) {
        0..=19 => Kind::Epic,
        20..=469 => Kind::Story,
        470..=749 => Kind::Task,
        750..=969 => Kind::Bug,
        970..=984 => Kind::Spike,
        _ => Kind::Debt,
    };
    let refund = r.gen_bool(0.015);
    let title = if refund {
        pick(r, &REFUND_TITLES).to_string()
    } else if kind == Kind::Bug {
        format!(
            "{} fails for {} {}",
            pick(r, &VERBS),
            pick(r, &OBJECTS),
            pick(r, &QUALIFIERS)
        )
    } else {
        format!(
            "{} {} {}",
            pick(r, &VERBS),
            pick(r, &OBJECTS),
            pick(r, &QUALIFIERS)
        )
    };
    let mut description = format!(
        "As a {}, I want to {} {} so that {}.",
        pick(r, &PERSONAS),
        pick(r, &VERBS).to_lowercase(),
        pick(r, &OBJECTS),
        pick(r, &BENEFITS)
    );
    for _ in 0..r.gen_range(0..3) {
        description.push(' ');
        description.push_str(pick(r, &NOTES));
    }
    let acceptance = if kind == Kind::Story && r.gen_bool(0.5) {
        format!(
            "Given a {}\nWhen they {} {}\nThen {}",
            pick(r, &PERSONAS),
            pick(r, &VERBS).to_lowercase(),
            pick(r, &OBJECTS),
            pick(r, &BENEFITS)
        )
    } else {
        String::new()
    };
    let mut labels = Vec::new();
    if r.gen_bool(0.05) {
        labels.push("payments".to_string());
    }
    for _ in 0..r.gen_range(0..3) {
        labels.push(pick(r, &OTHER_LABELS).to_string());
    }
    let labels = cairn_core::item::normalise_labels(&labels);
    // Half the items are done or cancelled, and 2 % are under way: a
    // team finishing about 140 items a day with cycle times of a week or
    // two has that many in progress (Little's law).
    let (state, category) = match r.gen_range(0..1000) {
        0..=479 => ("todo", Category::Todo),
        480..=489 => ("in-progress", Category::InProgress),
        490..=499 => ("in-review", Category::InProgress),
        500..=899 => ("done", Category::Done),
        _ => ("cancelled", Category::Done),
    };
    let estimate = match kind {
        Kind::Epic => None,
        _ if r.gen_bool(0.15) => None,
        _ => Some(pick(r, &ESTIMATES)),
    };
    let created = created_at(n, total);
    let updated = created + r.gen_range(0..=(END - created).max(0));
    let resolved = (category == Category::Done).then_some(updated);
    let started = (category != Category::Todo).then_some(created + (updated - created) / 2);
    let parent = match kind {
        Kind::Story | Kind::Task | Kind::Bug if !epics.is_empty() && r.gen_bool(0.4) => {
            Some(ItemKey::new(PREFIX, pick(r, epics) as i64))
        }
        _ => None,
    };
    Item {
        key: ItemKey::new(PREFIX, n as i64),
        kind,
        title,
        description,
        state: state.to_string(),
        category,
        assignee: None,
        labels,
        estimate,
        acceptance,
        fields: BTreeMap::new(),
        created,
        updated,
        resolved,
        started,
        rank: rank.to_string(),
        parent,
        release: None,
        goals: Vec::new(),
        version: 1,
    }
}

/// The changes an `item.create` entry records (a small subset of the
/// item, as the app's own creation entry starts with).
fn creation_changes(i: &Item) -> Vec<Change> {
    let mut c = vec![
        Change::new("kind", (), i.kind),
        Change::new("title", (), &i.title),
        Change::new("state", (), &i.state),
        Change::new("rank", (), &i.rank),
    ];
    if !i.labels.is_empty() {
        c.push(Change::new("labels", (), &i.labels));
    }
    if let Some(e) = i.estimate {
        c.push(Change::new("estimate", (), e));
    }
    if let Some(p) = &i.parent {
        c.push(Change::new("parent", (), p));
    }
    c
}

struct GenLink {
    created: Millis,
    src: u32,
    dst: u32,
    kind: LinkKind,
}

/// Appends audit entries to the dump, chaining each to the one before.
struct Chain {
    seq: i64,
    prev: String,
}

impl Chain {
    fn push(
        &mut self,
        w: &mut impl Write,
        at: Millis,
        action: &str,
        target: String,
        related: Option<String>,
        changes: &[Change],
    ) -> Result<()> {
        self.seq += 1;
        let mut e = AuditEntry {
            seq: self.seq,
            at,
            actor: ACTORS[(self.seq as usize * 31) % ACTORS.len()].to_string(),
            action: action.to_string(),
            target,
            related,
            reason: None,
            changes: serde_json::to_string(changes)?,
            prev_hash: std::mem::take(&mut self.prev),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        writeln!(w, "{}", audit_line(&e))?;
        self.prev = e.hash;
        Ok(())
    }
}

fn key(n: u32) -> ItemKey {
    ItemKey::new(PREFIX, i64::from(n))
}

/// Write the dump for `items` items and `links` links to `path`.
pub fn write_dump(path: &Path, seed: u64, items: u64, links: u64) -> Result<Generated> {
    if items == 0 {
        bail!("--items must be at least 1");
    }
    if items > u64::from(u32::MAX / 2) {
        bail!("--items must be at most {}", u32::MAX / 2);
    }
    if items < 2 && links > 0 {
        bail!("links need at least two items");
    }
    let max_links = items.saturating_mul(items - 1).saturating_mul(2);
    if links > max_links / 2 {
        bail!("{links} distinct links do not fit between {items} items; ask for fewer links");
    }
    let file = File::create(path)
        .with_context(|| format!("cannot create the dump file {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut main = rng_for(seed, MAIN_STREAM);

    let product = Product {
        prefix: PREFIX.into(),
        name: "Bench".into(),
        next_number: items as i64 + 1,
        created: START,
    };
    for line in header_lines(cairn_core::config::DEFAULT_CONFIG, &[product]) {
        writeln!(w, "{line}")?;
    }

    // Ranks: evenly spread, dealt out in random order so the backlog order
    // is not the key order.
    let mut ranks = rank::spread(items as usize);
    ranks.shuffle(&mut main);

    let mut g = Generated {
        items,
        links,
        audit_entries: items + links,
        bytes: 0,
        refund_items: 0,
        payments_items: 0,
        done_items: 0,
    };
    let mut epics: Vec<u64> = Vec::new();
    for n in 1..=items {
        let it = item(seed, n, items, &ranks[(n - 1) as usize], &epics);
        if it.kind == Kind::Epic {
            epics.push(n);
        }
        let text = format!("{} {}", it.title, it.description).to_lowercase();
        if text.contains("refund") {
            g.refund_items += 1;
        }
        if it.labels.iter().any(|l| l == "payments") {
            g.payments_items += 1;
        }
        if it.category == Category::Done {
            g.done_items += 1;
        }
        writeln!(w, "{}", item_line(&it))?;
    }

    // Links between random distinct items, no repeated (src, kind, dst),
    // each made after both its ends existed.
    let mut seen: HashSet<u64> = HashSet::with_capacity(links as usize);
    let mut all: Vec<GenLink> = Vec::with_capacity(links as usize);
    while (all.len() as u64) < links {
        let src = main.gen_range(1..=items) as u32;
        let dst = main.gen_range(1..=items) as u32;
        if src == dst {
            continue;
        }
        let kind = if main.gen_bool(0.35) {
            LinkKind::Blocks
        } else {
            LinkKind::Relates
        };
        let id =
            (u64::from(src) << 32) | (u64::from(dst) << 1) | u64::from(kind == LinkKind::Blocks);
        if !seen.insert(id) {
            continue;
        }
        let from = created_at(u64::from(src.max(dst)), items);
        let created = from + main.gen_range(0..=(END - from).max(0));
        all.push(GenLink {
            created,
            src,
            dst,
            kind,
        });
    }
    drop(seen);
    all.sort_by_key(|l| (l.created, l.src, l.dst, l.kind));
    for l in &all {
        let link = Link {
            src: key(l.src),
            kind: l.kind,
            dst: key(l.dst),
        };
        writeln!(w, "{}", link_line(&link, l.created))?;
    }

    // The audit trail, in time order: each item's creation, and each link's
    // creation after both its ends.
    let mut chain = Chain {
        seq: 0,
        prev: GENESIS.to_string(),
    };
    let mut epics: Vec<u64> = Vec::new();
    let mut next_link = all.iter().peekable();
    for n in 1..=items {
        let at = created_at(n, items);
        while let Some(l) = next_link.next_if(|l| l.created < at) {
            link_entry(&mut chain, &mut w, l)?;
        }
        let it = item(seed, n, items, &ranks[(n - 1) as usize], &epics);
        if it.kind == Kind::Epic {
            epics.push(n);
        }
        chain.push(
            &mut w,
            at,
            "item.create",
            it.key.to_string(),
            None,
            &creation_changes(&it),
        )?;
    }
    for l in next_link {
        link_entry(&mut chain, &mut w, l)?;
    }
    w.flush()?;
    g.bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(g)
}

fn link_entry(chain: &mut Chain, w: &mut impl Write, l: &GenLink) -> Result<()> {
    let dst = key(l.dst).to_string();
    chain.push(
        w,
        l.created,
        "link.add",
        key(l.src).to_string(),
        Some(dst.clone()),
        &[Change::new(l.kind.as_str(), (), dst)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_dump_and_it_imports_and_verifies() {
        let dir = std::env::temp_dir();
        let a = dir.join(format!("cairn-bench-test-{}-a.jsonl", std::process::id()));
        let b = dir.join(format!("cairn-bench-test-{}-b.jsonl", std::process::id()));
        let g = write_dump(&a, 7, 300, 400).unwrap();
        write_dump(&b, 7, 300, 400).unwrap();
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes, std::fs::read(&b).unwrap());
        assert_eq!(g.audit_entries, 700);

        let mut app = cairn_app::App::open("sqlite::memory:", "test").unwrap();
        let s = app.import_dump(&mut bytes.as_slice(), &mut |_| {}).unwrap();
        assert_eq!((s.items, s.links, s.audit_entries), (300, 400, 700));
        let r = app.audit_verify(&mut |_| {}).unwrap();
        assert!(r.ok(), "{}", r.message);
        assert_eq!(r.checked, r.head_seq as u64);
        assert!(r.checked >= 700);
        let _ = std::fs::remove_file(a);
        let _ = std::fs::remove_file(b);
    }

    #[test]
    fn creation_times_are_monotonic() {
        for total in [1u64, 7, 1000, 1_000_000] {
            let mut last = i64::MIN;
            for n in 1..=total.min(5000) {
                let t = created_at(n, total);
                assert!(t >= last && t <= END);
                last = t;
            }
        }
    }
}
