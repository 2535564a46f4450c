//! The full-fidelity dump: JSON Lines with the config, products, people,
//! releases, goals, items, links and the whole audit trail. Exporting,
//! importing into another backend and exporting again gives the same bytes.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::ChainVerifier;
use cairn_core::item::normalise_labels;
use cairn_core::{
    AuditEntry, Comment, Config, FieldType, FieldValue, Goal, Item, ItemKey, KeyResult, Kind, Link,
    LinkKind, Person, Product, Release, format_millis, parse_millis, rank,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "cairn-dump";
pub const VERSION: u32 = 1;

/// One line of a dump. Field names are part of the format: never rename.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum Record {
    Header(HeaderRec),
    Config(ConfigRec),
    Product(ProductRec),
    Person(PersonRec),
    Release(ReleaseRec),
    Goal(GoalRec),
    Item(Box<ItemRec>),
    Link(LinkRec),
    Source(SourceRec),
    Suspect(SuspectRec),
    Comment(CommentRec),
    Risk(Box<cairn_core::Risk>),
    Decision(Box<cairn_core::Decision>),
    Snapshot(SnapshotRec),
    Test(TestRec),
    TestRun(TestRunRec),
    Baseline(Box<BaselineRec>),
    Signature(Box<SignatureRec>),
    Customer(cairn_core::Customer),
    Feedback(Box<FeedbackRec>),
    Watch(WatchRec),
    Notification(NotificationRec),
    NotifySetting(NotifySettingRec),
    ExternalRef(ExternalRefRec),
    Commit(Box<CommitRec>),
    GitRepo(GitRepoRec),
    Webhook(WebhookRec),
    Delivery(Box<DeliveryRec>),
    Audit(AuditRec),
}

/// A commit read by `cairn git scan` and the items it mentions (migration 0015).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitRec {
    hash: String,
    repo: String,
    author: String,
    email: String,
    at: String,
    subject: String,
    scanned: String,
    items: Vec<CommitItemRec>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitItemRec {
    item: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    fixes: bool,
}

/// How far a repository was read (migration 0015).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitRepoRec {
    path: String,
    tip: String,
    scanned: String,
}

/// Someone watching an item (migration 0012).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchRec {
    item: String,
    handle: String,
    since: String,
}

/// A line of someone's inbox (migration 0012).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationRec {
    handle: String,
    at: String,
    reason: String,
    item: String,
    actor: String,
    summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read: Option<String>,
    /// Sent by mail only, not shown in the inbox (migration 0013).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    mail_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail_error: Option<String>,
}

/// Where an imported item or comment came from (migration 0016).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalRefRec {
    system: String,
    ext_key: String,
    item: String,
    /// The comment, by its place among the dump's comment records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<i64>,
}

/// An outgoing webhook, with its signing secret: the dump is a full
/// backup (migration 0014).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookRec {
    id: i64,
    product: String,
    url: String,
    secret: String,
    events: Vec<String>,
    active: bool,
    created: String,
}

/// One entry of a webhook's delivery log (migration 0014).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryRec {
    webhook: i64,
    event: String,
    payload: String,
    status: String,
    tries: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_try: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_status: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delivered_at: Option<String>,
}

/// A user's choice of what reaches their inbox and mail (migration 0013).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifySettingRec {
    handle: String,
    reason: String,
    inbox: bool,
    email: bool,
}

/// Customer feedback with its links and who was told (migration 0010).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackRec {
    id: String,
    product: String,
    text: String,
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requester: Option<String>,
    received: String,
    importance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merged_into: Option<String>,
    created: String,
    updated: String,
    version: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    links: Vec<FeedbackLinkRec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    told: Vec<ToldRec>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackLinkRec {
    item: String,
    linked: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToldRec {
    item: String,
    at: String,
    by: String,
}

/// A recorded report's snapshot (migration 0006).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotRec {
    product: String,
    kind: String,
    day: String,
    created: String,
    actor: String,
    data: String,
}

/// A test case and the items it verifies (migration 0007).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRec {
    product: String,
    name: String,
    created: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    verifies: Vec<TestLinkRec>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestLinkRec {
    item: String,
    source: String,
    created: String,
}

/// One report file of one build, with its results (migration 0007).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRunRec {
    product: String,
    build: String,
    source: String,
    imported: String,
    actor: String,
    results: Vec<ResultRec>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultRec {
    test: String,
    outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    flaky: bool,
}

/// A baseline with its frozen items (migration 0008).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineRec {
    product: String,
    name: String,
    query: String,
    description: String,
    created: String,
    actor: String,
    hash: String,
    items: Vec<cairn_core::baseline::Frozen>,
}

/// An electronic signature (migration 0009).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureRec {
    product: String,
    signature: cairn_core::signature::Signature,
}

/// A comment on an item (migration 0004).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentRec {
    item: String,
    author: String,
    body: String,
    created: String,
    /// The comment it answers, by its place among the dump's comment
    /// records (1 for the first), so the dump does not depend on ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    edited: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted: Option<String>,
}

/// Where an imported requirement came from (migration 0003).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceRec {
    key: String,
    document: String,
    line: i64,
    heading_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ext_id: Option<String>,
    content_hash: String,
}

/// An item marked suspect by a requirement change.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuspectRec {
    item: String,
    requirement: String,
    since: String,
    reason: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderRec {
    format: String,
    version: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigRec {
    body: String,
    version: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductRec {
    prefix: String,
    name: String,
    next_number: i64,
    created: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonRec {
    handle: String,
    name: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseRec {
    product: String,
    name: String,
    #[serde(default)]
    target_date: Option<String>,
    created: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyResultRec {
    description: String,
    target: f64,
    current: f64,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalRec {
    name: String,
    description: String,
    key_results: Vec<KeyResultRec>,
    created: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemRec {
    key: String,
    kind: String,
    title: String,
    #[serde(default)]
    description: String,
    state: String,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    estimate: Option<f64>,
    #[serde(default)]
    acceptance: String,
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
    created: String,
    updated: String,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started: Option<String>,
    rank: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    release: Option<String>,
    #[serde(default)]
    goals: Vec<String>,
    version: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkRec {
    src: String,
    kind: String,
    dst: String,
    created: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditRec {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    #[serde(default)]
    related: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    changes: String,
    prev_hash: String,
    hash: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub products: u64,
    pub people: u64,
    pub releases: u64,
    pub goals: u64,
    pub items: u64,
    pub links: u64,
    pub audit_entries: u64,
}

fn io(e: std::io::Error) -> AppError {
    AppError::Invalid(format!("cannot read or write the dump: {e}"))
}

fn write_rec(w: &mut dyn Write, r: &Record) -> Result<()> {
    serde_json::to_writer(&mut *w, r).map_err(|e| AppError::Invalid(e.to_string()))?;
    w.write_all(b"\n").map_err(io)
}

/// The dump form of an item (also used by the benchmark generator).
pub fn item_line(item: &Item) -> String {
    serde_json::to_string(&Record::Item(Box::new(item_rec(item)))).unwrap_or_default()
}

fn item_rec(i: &Item) -> ItemRec {
    ItemRec {
        key: i.key.to_string(),
        kind: i.kind.as_str().to_string(),
        title: i.title.clone(),
        description: i.description.clone(),
        state: i.state.clone(),
        assignee: i.assignee.clone(),
        labels: i.labels.clone(),
        estimate: i.estimate,
        acceptance: i.acceptance.clone(),
        fields: i
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
            .collect(),
        created: format_millis(i.created),
        updated: format_millis(i.updated),
        resolved: i.resolved.map(format_millis),
        started: i.started.map(format_millis),
        rank: i.rank.clone(),
        parent: i.parent.as_ref().map(ToString::to_string),
        release: i.release.clone(),
        goals: i.goals.clone(),
        version: i.version,
    }
}

/// The dump form of a link, an audit entry and the header, for generators.
pub fn link_line(l: &Link, created: i64) -> String {
    serde_json::to_string(&Record::Link(LinkRec {
        src: l.src.to_string(),
        kind: l.kind.as_str().into(),
        dst: l.dst.to_string(),
        created: format_millis(created),
    }))
    .unwrap_or_default()
}

pub fn audit_line(e: &AuditEntry) -> String {
    serde_json::to_string(&Record::Audit(audit_rec(e))).unwrap_or_default()
}

fn audit_rec(e: &AuditEntry) -> AuditRec {
    AuditRec {
        seq: e.seq,
        at: format_millis(e.at),
        actor: e.actor.clone(),
        action: e.action.clone(),
        target: e.target.clone(),
        related: e.related.clone(),
        reason: e.reason.clone(),
        changes: e.changes.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

pub fn header_lines(config: &str, products: &[Product]) -> Vec<String> {
    let mut v = vec![
        serde_json::to_string(&Record::Header(HeaderRec {
            format: FORMAT.into(),
            version: VERSION,
        }))
        .unwrap_or_default(),
        serde_json::to_string(&Record::Config(ConfigRec {
            body: config.into(),
            version: 1,
        }))
        .unwrap_or_default(),
    ];
    for p in products {
        v.push(serde_json::to_string(&Record::Product(product_rec(p))).unwrap_or_default());
    }
    v
}

fn product_rec(p: &Product) -> ProductRec {
    ProductRec {
        prefix: p.prefix.clone(),
        name: p.name.clone(),
        next_number: p.next_number,
        created: format_millis(p.created),
    }
}

/// Sections must come in this order.
fn section(r: &Record) -> u8 {
    match r {
        Record::Header(_) => 0,
        Record::Config(_) => 1,
        Record::Product(_) => 2,
        Record::Person(_) => 3,
        Record::Release(_) => 4,
        Record::Goal(_) => 5,
        Record::Item(_) => 6,
        Record::Link(_) => 7,
        Record::Source(_)
        | Record::Suspect(_)
        | Record::Comment(_)
        | Record::Risk(_)
        | Record::Decision(_)
        | Record::Snapshot(_)
        | Record::Test(_)
        | Record::TestRun(_)
        | Record::Baseline(_)
        | Record::Signature(_)
        | Record::Customer(_)
        | Record::Feedback(_)
        | Record::Watch(_)
        | Record::Notification(_)
        | Record::NotifySetting(_)
        | Record::ExternalRef(_) => 8,
        Record::Commit(_) | Record::GitRepo(_) => 8,
        Record::Webhook(_) | Record::Delivery(_) => 8,
        Record::Audit(_) => 9,
    }
}

const SECTIONS: [&str; 10] = [
    "header",
    "config",
    "product",
    "person",
    "release",
    "goal",
    "item",
    "link",
    "source, suspect, comment, risk and decision",
    "audit",
];

impl App {
    /// Write the whole workspace as a dump.
    pub fn export_dump(&mut self, w: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        // Events not yet fanned out go into the dump as the deliveries
        // they become.
        self.fan_out_webhook_events()?;
        let mut n = 0u64;
        let store = self.store();
        let (config, cv) = store
            .load_config()?
            .unwrap_or_else(|| (cairn_core::config::DEFAULT_CONFIG.into(), 1));
        write_rec(
            w,
            &Record::Header(HeaderRec {
                format: FORMAT.into(),
                version: VERSION,
            }),
        )?;
        write_rec(
            w,
            &Record::Config(ConfigRec {
                body: config,
                version: cv,
            }),
        )?;
        for p in store.products()? {
            write_rec(w, &Record::Product(product_rec(&p)))?;
        }
        for p in store.people()? {
            write_rec(
                w,
                &Record::Person(PersonRec {
                    handle: p.handle,
                    name: p.name,
                    email: p.email,
                }),
            )?;
        }
        for r in store.releases()? {
            write_rec(
                w,
                &Record::Release(ReleaseRec {
                    product: r.product,
                    name: r.name,
                    target_date: r.target_date,
                    created: format_millis(r.created),
                }),
            )?;
        }
        for g in store.goals()? {
            write_rec(
                w,
                &Record::Goal(GoalRec {
                    name: g.name,
                    description: g.description,
                    key_results: g
                        .key_results
                        .into_iter()
                        .map(|k| KeyResultRec {
                            description: k.description,
                            target: k.target,
                            current: k.current,
                            unit: k.unit,
                        })
                        .collect(),
                    created: format_millis(g.created),
                }),
            )?;
        }
        let mut after = 0;
        loop {
            let batch = store.items_after(after, 5000)?;
            if batch.is_empty() {
                break;
            }
            for (id, item) in &batch {
                write_rec(w, &Record::Item(Box::new(item_rec(item))))?;
                after = *id;
                n += 1;
            }
            progress(n);
        }
        for (l, at) in store.links(None)? {
            w.write_all(link_line(&l, at).as_bytes()).map_err(io)?;
            w.write_all(b"\n").map_err(io)?;
            n += 1;
        }
        for src in store.sources(None)? {
            write_rec(
                w,
                &Record::Source(SourceRec {
                    key: src.key.to_string(),
                    document: src.document,
                    line: src.line,
                    heading_path: src.heading_path,
                    ext_id: src.ext_id,
                    content_hash: src.content_hash,
                }),
            )?;
            n += 1;
        }
        for m in store.suspects()? {
            write_rec(
                w,
                &Record::Suspect(SuspectRec {
                    item: m.item.to_string(),
                    requirement: m.requirement.to_string(),
                    since: format_millis(m.since),
                    reason: m.reason,
                }),
            )?;
            n += 1;
        }
        let mut place: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        for c in store.all_comments()? {
            place.insert(c.id, place.len() as i64 + 1);
            write_rec(
                w,
                &Record::Comment(CommentRec {
                    item: c.item,
                    author: c.author,
                    body: c.body,
                    created: format_millis(c.created),
                    reply_to: c.reply_to.and_then(|r| place.get(&r).copied()),
                    edited: c.edited.map(format_millis),
                    deleted: c.deleted.map(format_millis),
                }),
            )?;
            n += 1;
        }
        for r in store.external_refs(None)? {
            let comment = match r.comment_id {
                0 => None,
                id => match place.get(&id) {
                    Some(p) => Some(*p),
                    None => continue,
                },
            };
            write_rec(
                w,
                &Record::ExternalRef(ExternalRefRec {
                    system: r.system,
                    ext_key: r.ext_key,
                    item: r.item,
                    comment,
                }),
            )?;
            n += 1;
        }
        let mut risks = store.risks()?;
        risks.sort_by_key(|r| register_number(&r.id));
        for r in risks {
            write_rec(w, &Record::Risk(Box::new(r)))?;
            n += 1;
        }
        let mut decisions = store.decisions()?;
        decisions.sort_by_key(|d| register_number(&d.id));
        for d in decisions {
            write_rec(w, &Record::Decision(Box::new(d)))?;
            n += 1;
        }
        for (product, kind, s) in store.all_snapshots()? {
            write_rec(
                w,
                &Record::Snapshot(SnapshotRec {
                    product,
                    kind,
                    day: s.day,
                    created: format_millis(s.created),
                    actor: s.actor,
                    data: s.data,
                }),
            )?;
            n += 1;
        }
        let links = store.all_test_links()?;
        for c in store.all_test_cases()? {
            let verifies = links
                .iter()
                .filter(|l| l.0 == c.id)
                .map(|l| TestLinkRec {
                    item: l.1.to_string(),
                    source: l.2.clone(),
                    created: format_millis(l.3),
                })
                .collect();
            write_rec(
                w,
                &Record::Test(TestRec {
                    product: c.product,
                    name: c.name,
                    created: format_millis(c.created),
                    verifies,
                }),
            )?;
            n += 1;
        }
        for r in store.all_test_runs()? {
            write_rec(
                w,
                &Record::TestRun(TestRunRec {
                    product: r.product,
                    build: r.build,
                    source: r.source,
                    imported: format_millis(r.imported),
                    actor: r.actor,
                    results: r
                        .results
                        .into_iter()
                        .map(|x| ResultRec {
                            test: x.test,
                            outcome: x.outcome,
                            duration: x.duration,
                            message: x.message,
                            flaky: x.flaky,
                        })
                        .collect(),
                }),
            )?;
            n += 1;
        }
        let mut prefixes: Vec<String> = store.products()?.into_iter().map(|p| p.prefix).collect();
        prefixes.sort();
        for p in &prefixes {
            for b in store.baselines(p)? {
                let mut items = Vec::new();
                for (data, _) in store.baseline_items(b.id)? {
                    items.push(
                        serde_json::from_str::<cairn_core::baseline::Frozen>(&data).map_err(|e| {
                            AppError::Invalid(format!(
                                "baseline \"{}\" holds an unreadable item ({e}); it was changed outside Cairn",
                                b.name
                            ))
                        })?,
                    );
                }
                items.sort_by(|x, y| {
                    (&x.key.prefix, x.key.number).cmp(&(&y.key.prefix, y.key.number))
                });
                write_rec(
                    w,
                    &Record::Baseline(Box::new(BaselineRec {
                        product: b.product,
                        name: b.name,
                        query: b.query,
                        description: b.description,
                        created: format_millis(b.created),
                        actor: b.actor,
                        hash: b.hash,
                        items,
                    })),
                )?;
                n += 1;
            }
        }
        for (product, signature) in store.all_signatures()? {
            write_rec(
                w,
                &Record::Signature(Box::new(SignatureRec { product, signature })),
            )?;
            n += 1;
        }
        for c in store.customers()? {
            write_rec(w, &Record::Customer(c))?;
            n += 1;
        }
        let links = store.feedback_links()?;
        let mut told: std::collections::HashMap<String, Vec<ToldRec>> =
            std::collections::HashMap::new();
        for t in store.told(None)? {
            told.entry(t.feedback).or_default().push(ToldRec {
                item: t.item,
                at: format_millis(t.at),
                by: t.by,
            });
        }
        let mut all = store.feedback_list(&cairn_store::feedback::FeedbackFilter {
            merged: true,
            ..Default::default()
        })?;
        all.sort_by_key(|f| cairn_core::feedback::feedback_number(&f.id));
        for f in all {
            let links = links
                .get(&f.id)
                .map(|ls| {
                    ls.iter()
                        .map(|(item, at)| FeedbackLinkRec {
                            item: item.clone(),
                            linked: format_millis(*at),
                        })
                        .collect()
                })
                .unwrap_or_default();
            write_rec(
                w,
                &Record::Feedback(Box::new(FeedbackRec {
                    told: told.remove(&f.id).unwrap_or_default(),
                    links,
                    id: f.id,
                    product: f.product,
                    text: f.text,
                    source: f.source,
                    source_id: f.source_id,
                    customer: f.customer.map(|c| c.name),
                    requester: f.requester,
                    received: f.received,
                    importance: f.importance.as_str().to_string(),
                    merged_into: f.merged_into,
                    created: format_millis(f.created),
                    updated: format_millis(f.updated),
                    version: f.version,
                })),
            )?;
            n += 1;
        }
        for (item, handle, since) in store.all_watchers()? {
            write_rec(
                w,
                &Record::Watch(WatchRec {
                    item,
                    handle,
                    since: format_millis(since),
                }),
            )?;
            n += 1;
        }
        for x in store.notifications(None, false)? {
            write_rec(
                w,
                &Record::Notification(NotificationRec {
                    handle: x.handle,
                    at: format_millis(x.at),
                    reason: x.reason,
                    item: x.item,
                    actor: x.actor,
                    summary: x.summary,
                    read: x.read_at.map(format_millis),
                    mail_only: !x.inbox,
                    mail: x.mail,
                    mail_error: x.mail_error,
                }),
            )?;
            n += 1;
        }
        for (handle, x) in store.all_notify_settings()? {
            write_rec(
                w,
                &Record::NotifySetting(NotifySettingRec {
                    handle,
                    reason: x.reason,
                    inbox: x.inbox,
                    email: x.email,
                }),
            )?;
            n += 1;
        }
        for c in store.all_commits()? {
            write_rec(
                w,
                &Record::Commit(Box::new(CommitRec {
                    hash: c.commit.hash,
                    repo: c.commit.repo,
                    author: c.commit.author,
                    email: c.commit.email,
                    at: format_millis(c.commit.at),
                    subject: c.commit.subject,
                    scanned: format_millis(c.scanned),
                    items: c
                        .items
                        .into_iter()
                        .map(|(item, fixes)| CommitItemRec {
                            item: item.to_string(),
                            fixes,
                        })
                        .collect(),
                })),
            )?;
            n += 1;
        }
        for r in store.git_repos()? {
            write_rec(
                w,
                &Record::GitRepo(GitRepoRec {
                    path: r.path,
                    tip: r.tip,
                    scanned: format_millis(r.scanned),
                }),
            )?;
            n += 1;
        }
        for x in store.webhooks(None)? {
            write_rec(
                w,
                &Record::Webhook(WebhookRec {
                    id: x.id,
                    product: x.product,
                    url: x.url,
                    secret: x.secret,
                    events: x.events,
                    active: x.active,
                    created: format_millis(x.created),
                }),
            )?;
            n += 1;
        }
        for x in store.all_deliveries()? {
            write_rec(
                w,
                &Record::Delivery(Box::new(DeliveryRec {
                    webhook: x.webhook,
                    event: x.event,
                    payload: x.payload,
                    status: x.status,
                    tries: x.tries,
                    next_try: x.next_try.map(format_millis),
                    last_status: x.last_status,
                    last_error: x.last_error,
                    created: format_millis(x.created),
                    delivered_at: x.delivered_at.map(format_millis),
                })),
            )?;
            n += 1;
        }
        let mut after = 0;
        loop {
            let batch = store.audit_after(after, 10_000)?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                write_rec(w, &Record::Audit(audit_rec(e)))?;
                after = e.seq;
                n += 1;
            }
            progress(n);
        }
        w.flush().map_err(io)?;
        Ok(n)
    }

    /// Load a dump into an empty database, in one transaction. Every line
    /// is checked, the audit chain included; on any error nothing is
    /// written and the error names the line.
    pub fn import_dump(
        &mut self,
        r: &mut dyn BufRead,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        if !self.store().is_empty()? {
            return invalid(
                "a dump can only be imported into an empty database; create a new one (e.g. `cairn --db new.db import dump FILE`)",
            );
        }
        let summary = self.tx(|tx| {
            let mut s = ImportSummary::default();
            let mut config: Option<Config> = None;
            let mut products: HashSet<String> = HashSet::new();
            let mut releases: HashSet<(String, String)> = HashSet::new();
            let mut goals: HashSet<String> = HashSet::new();
            let mut people: HashSet<String> = HashSet::new();
            let mut keys: HashSet<ItemKey> = HashSet::new();
            let mut verifier = ChainVerifier::new();
            let mut items: Vec<Item> = Vec::with_capacity(5000);
            let mut links: Vec<(Link, i64)> = Vec::with_capacity(5000);
            let mut audits: Vec<AuditEntry> = Vec::with_capacity(5000);
            let mut sources: Vec<cairn_core::RequirementSource> = Vec::new();
            let mut suspects: Vec<cairn_core::Suspect> = Vec::new();
            let mut comments: Vec<(ItemKey, Comment)> = Vec::new();
            let mut ext_refs: Vec<(String, String, ItemKey, Option<i64>)> = Vec::new();
            let mut risks: Vec<cairn_core::Risk> = Vec::new();
            let mut decisions: Vec<cairn_core::Decision> = Vec::new();
            let mut snapshots: Vec<SnapshotRec> = Vec::new();
            let mut tests: Vec<TestRec> = Vec::new();
            let mut runs: Vec<TestRunRec> = Vec::new();
            let mut baselines: Vec<BaselineRec> = Vec::new();
            let mut signatures: Vec<SignatureRec> = Vec::new();
            let mut customers: Vec<cairn_core::Customer> = Vec::new();
            let mut feedback: Vec<FeedbackRec> = Vec::new();
            let mut watches: Vec<(ItemKey, String, i64)> = Vec::new();
            let mut notes: Vec<cairn_core::Notification> = Vec::new();
            let mut settings: Vec<(String, cairn_core::notify::NotifySetting)> = Vec::new();
            let mut commits: Vec<cairn_store::git::StoredCommit> = Vec::new();
            let mut commit_hashes: HashSet<String> = HashSet::new();
            let mut repos: Vec<cairn_store::git::GitRepo> = Vec::new();
            let mut hooks: Vec<cairn_core::webhook::Webhook> = Vec::new();
            let mut deliveries: Vec<cairn_core::webhook::Delivery> = Vec::new();
            let mut current = 0u8;
            let mut lineno = 0u64;
            let mut buf = String::new();
            let mut bulk_started = false;
            loop {
                buf.clear();
                let n = r.read_line(&mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                lineno += 1;
                let line = buf.trim_end_matches(['\n', '\r']);
                if line.trim().is_empty() {
                    continue;
                }
                let at = |m: String| AppError::Invalid(format!("dump line {lineno}: {m}"));
                let rec: Record = serde_json::from_str(line).map_err(|e| at(format!("{e}")))?;
                let sec = section(&rec);
                if lineno == 1 && sec != 0 {
                    return Err(at("this is not a Cairn dump: the first line must be the cairn-dump header".into()));
                }
                if sec < current {
                    return Err(at(format!(
                        "a {} record after {} records; a dump lists {} in that order",
                        SECTIONS[sec as usize],
                        SECTIONS[current as usize],
                        SECTIONS.join(", ")
                    )));
                }
                if sec > current && current <= 5 && sec >= 6 && !bulk_started {
                    if config.is_none() {
                        return Err(at("the dump has no config record before its items".into()));
                    }
                    tx.store.bulk_begin()?;
                    bulk_started = true;
                }
                if sec > 6 && !items.is_empty() {
                    tx.store.bulk_items(&items).map_err(|e| at(e.to_string()))?;
                    items.clear();
                }
                if sec > 7 && !links.is_empty() {
                    tx.store.bulk_links(&links).map_err(|e| at(e.to_string()))?;
                    links.clear();
                }
                current = sec;
                match rec {
                    Record::Header(h) => {
                        if h.format != FORMAT || h.version != VERSION {
                            return Err(at(format!(
                                "unsupported dump format {} version {}; this Cairn reads {FORMAT} version {VERSION}",
                                h.format, h.version
                            )));
                        }
                    }
                    Record::Config(c) => {
                        let parsed = Config::parse(&c.body).map_err(|e| at(e.to_string()))?;
                        tx.store.save_config(&c.body, c.version.max(1))?;
                        config = Some(parsed);
                    }
                    Record::Product(p) => {
                        cairn_core::key::validate_prefix(&p.prefix).map_err(|e| at(e.to_string()))?;
                        let created = time(&p.created).map_err(at)?;
                        if p.next_number < 1 {
                            return Err(at(format!("product {}: next_number must be 1 or more", p.prefix)));
                        }
                        tx.store
                            .insert_product(&Product { prefix: p.prefix.clone(), name: p.name, next_number: p.next_number, created })
                            .map_err(|e| at(e.to_string()))?;
                        products.insert(p.prefix);
                        s.products += 1;
                    }
                    Record::Person(p) => {
                        tx.store
                            .insert_person(&Person { handle: p.handle.clone(), name: p.name, email: p.email })
                            .map_err(|e| at(e.to_string()))?;
                        people.insert(p.handle);
                        s.people += 1;
                    }
                    Record::Release(r) => {
                        if !products.contains(&r.product) {
                            return Err(at(format!("release {} names product {}, which the dump does not declare", r.name, r.product)));
                        }
                        let created = time(&r.created).map_err(at)?;
                        tx.store
                            .insert_release(&Release { product: r.product.clone(), name: r.name.clone(), target_date: r.target_date, created })
                            .map_err(|e| at(e.to_string()))?;
                        releases.insert((r.product, r.name));
                        s.releases += 1;
                    }
                    Record::Goal(g) => {
                        let created = time(&g.created).map_err(at)?;
                        tx.store
                            .insert_goal(&Goal {
                                name: g.name.clone(),
                                description: g.description,
                                key_results: g
                                    .key_results
                                    .into_iter()
                                    .map(|k| KeyResult { description: k.description, target: k.target, current: k.current, unit: k.unit })
                                    .collect(),
                                created,
                            })
                            .map_err(|e| at(e.to_string()))?;
                        goals.insert(g.name);
                        s.goals += 1;
                    }
                    Record::Item(rec) => {
                        let cfg = config.as_ref().ok_or_else(|| at("no config record before the items".into()))?;
                        let item = item_from(*rec, cfg, &products, &releases, &goals, &people).map_err(at)?;
                        if !keys.insert(item.key.clone()) {
                            return Err(at(format!("item {} appears twice", item.key)));
                        }
                        items.push(item);
                        s.items += 1;
                        if items.len() >= 5000 {
                            tx.store.bulk_items(&items).map_err(|e| at(e.to_string()))?;
                            items.clear();
                            progress(lineno);
                        }
                    }
                    Record::Link(l) => {
                        let key = |k: &str| known_key(&keys, k, "link");
                        let src = key(&l.src).map_err(at)?;
                        let dst = key(&l.dst).map_err(at)?;
                        let kind = LinkKind::parse(&l.kind).ok_or_else(|| {
                            at(format!("`{}` is not a link kind ({})", l.kind, LinkKind::names().join(", ")))
                        })?;
                        if src == dst {
                            return Err(at(format!("{src} links to itself")));
                        }
                        links.push((Link { src, kind, dst }, time(&l.created).map_err(at)?));
                        s.links += 1;
                        if links.len() >= 5000 {
                            tx.store.bulk_links(&links).map_err(|e| at(e.to_string()))?;
                            links.clear();
                            progress(lineno);
                        }
                    }
                    Record::Source(r) => {
                        let key = known_key(&keys, &r.key, "requirement source").map_err(at)?;
                        sources.push(cairn_core::RequirementSource {
                            key,
                            document: r.document,
                            line: r.line,
                            heading_path: r.heading_path,
                            ext_id: r.ext_id,
                            content_hash: r.content_hash,
                        });
                    }
                    Record::Suspect(r) => {
                        let key = |k: &str| known_key(&keys, k, "suspect mark");
                        suspects.push(cairn_core::Suspect {
                            item: key(&r.item).map_err(at)?,
                            requirement: key(&r.requirement).map_err(at)?,
                            since: time(&r.since).map_err(at)?,
                            reason: r.reason,
                        });
                    }
                    Record::Risk(r) => {
                        for k in &r.mitigations {
                            known_key(&keys, k, "risk mitigation").map_err(at)?;
                        }
                        if register_number(&r.id) != risks.len() as i64 + 1 {
                            return Err(at(format!("risk {} is out of order; risks are numbered R-1, R-2, ... in a dump", r.id)));
                        }
                        risks.push(*r);
                    }
                    Record::Decision(d) => {
                        for k in &d.items {
                            known_key(&keys, k, "decision").map_err(at)?;
                        }
                        if register_number(&d.id) != decisions.len() as i64 + 1 {
                            return Err(at(format!("decision {} is out of order; decisions are numbered D-1, D-2, ... in a dump", d.id)));
                        }
                        decisions.push(*d);
                    }
                    Record::Comment(r) => {
                        let key = known_key(&keys, &r.item, "comment").map_err(at)?;
                        if let Some(to) = r.reply_to
                            && !(1..=comments.len() as i64).contains(&to)
                        {
                            return Err(at(format!(
                                "a reply to comment {to}, which no comment record before it is"
                            )));
                        }
                        let opt = |v: &Option<String>| v.as_deref().map(time).transpose();
                        comments.push((
                            key.clone(),
                            Comment {
                                id: 0,
                                item: key.to_string(),
                                author: r.author,
                                body: r.body,
                                created: time(&r.created).map_err(at)?,
                                reply_to: r.reply_to,
                                edited: opt(&r.edited).map_err(at)?,
                                deleted: opt(&r.deleted).map_err(at)?,
                            },
                        ));
                    }
                    Record::Snapshot(r) => {
                        if !products.contains(&r.product) {
                            return Err(at(format!("report snapshot of unknown product {}", r.product)));
                        }
                        time(&r.created).map_err(at)?;
                        snapshots.push(r);
                    }
                    Record::Test(r) => {
                        if !products.contains(&r.product) {
                            return Err(at(format!("test of unknown product {}", r.product)));
                        }
                        time(&r.created).map_err(at)?;
                        for l in &r.verifies {
                            known_key(&keys, &l.item, "test link").map_err(at)?;
                            time(&l.created).map_err(at)?;
                        }
                        tests.push(r);
                    }
                    Record::TestRun(r) => {
                        time(&r.imported).map_err(at)?;
                        for x in &r.results {
                            if !tests.iter().any(|t| t.product == r.product && t.name == x.test) {
                                return Err(at(format!(
                                    "a result for test \"{}\", which no test record before it names",
                                    x.test
                                )));
                            }
                        }
                        runs.push(r);
                    }
                    Record::Baseline(b) => {
                        if !products.contains(&b.product) {
                            return Err(at(format!("baseline of unknown product {}", b.product)));
                        }
                        time(&b.created).map_err(at)?;
                        if cairn_core::baseline::baseline_hash(&b.items) != b.hash {
                            return Err(at(format!(
                                "baseline \"{}\": its items do not match its hash; the dump was altered after export",
                                b.name
                            )));
                        }
                        baselines.push(*b);
                    }
                    Record::Signature(s) => {
                        if s.signature.compute_hash() != s.signature.hash {
                            return Err(at(format!(
                                "signature {}: its fields do not match its hash; the dump was altered after export",
                                s.signature.id
                            )));
                        }
                        signatures.push(*s);
                    }
                    Record::Customer(c) => {
                        if c.name.trim().is_empty() {
                            return Err(at("a customer with no name".into()));
                        }
                        customers.push(c);
                    }
                    Record::Feedback(f) => {
                        if !products.contains(&f.product) {
                            return Err(at(format!("feedback of unknown product {}", f.product)));
                        }
                        let n = cairn_core::feedback::feedback_number(&f.id)
                            .filter(|_| f.id.starts_with("F-"))
                            .ok_or_else(|| at(format!("feedback id `{}` is not F-n", f.id)))?;
                        if n != feedback.len() as i64 + 1 {
                            return Err(at(format!("feedback {} is out of order; feedback is numbered F-1, F-2, ... in a dump", f.id)));
                        }
                        if cairn_core::Importance::parse(&f.importance).is_none() {
                            return Err(at(format!("feedback {}: `{}` is not an importance", f.id, f.importance)));
                        }
                        if let Some(c) = &f.customer
                            && !customers.iter().any(|x| x.name.trim().eq_ignore_ascii_case(c.trim()))
                        {
                            return Err(at(format!("feedback {}: customer {c}, which no customer record before it names", f.id)));
                        }
                        time(&f.created).map_err(at)?;
                        time(&f.updated).map_err(at)?;
                        for l in &f.links {
                            known_key(&keys, &l.item, "feedback link").map_err(at)?;
                            time(&l.linked).map_err(at)?;
                        }
                        for t in &f.told {
                            known_key(&keys, &t.item, "feedback told").map_err(at)?;
                            time(&t.at).map_err(at)?;
                        }
                        feedback.push(*f);
                    }
                    Record::Webhook(r) => {
                        if !products.contains(&r.product) {
                            return Err(at(format!("webhook {}: there is no product {}", r.id, r.product)));
                        }
                        cairn_core::webhook::check_url(&r.url).map_err(at)?;
                        hooks.push(cairn_core::webhook::Webhook {
                            id: r.id,
                            product: r.product,
                            url: r.url,
                            secret: r.secret,
                            events: r.events,
                            active: r.active,
                            created: time(&r.created).map_err(at)?,
                        });
                    }
                    Record::Delivery(r) => {
                        if !hooks.iter().any(|h| h.id == r.webhook) {
                            return Err(at(format!("delivery of webhook {}: no such webhook earlier in the dump", r.webhook)));
                        }
                        if !cairn_core::webhook::STATUSES.contains(&r.status.as_str()) {
                            return Err(at(format!("`{}` is not a delivery status", r.status)));
                        }
                        deliveries.push(cairn_core::webhook::Delivery {
                            id: 0,
                            webhook: r.webhook,
                            event: r.event,
                            payload: r.payload,
                            status: r.status,
                            tries: r.tries,
                            next_try: r.next_try.as_deref().map(time).transpose().map_err(at)?,
                            last_status: r.last_status,
                            last_error: r.last_error,
                            created: time(&r.created).map_err(at)?,
                            delivered_at: r.delivered_at.as_deref().map(time).transpose().map_err(at)?,
                        });
                    }
                    Record::Watch(r) => {
                        let key = known_key(&keys, &r.item, "watcher").map_err(at)?;
                        watches.push((key, r.handle, time(&r.since).map_err(at)?));
                    }
                    Record::Notification(r) => {
                        known_key(&keys, &r.item, "notification").map_err(at)?;
                        notes.push(cairn_core::Notification {
                            id: 0,
                            handle: r.handle,
                            at: time(&r.at).map_err(at)?,
                            reason: r.reason,
                            item: r.item,
                            actor: r.actor,
                            summary: r.summary,
                            read_at: r.read.as_deref().map(time).transpose().map_err(at)?,
                            inbox: !r.mail_only,
                            mail: r.mail,
                            mail_error: r.mail_error,
                        });
                    }
                    Record::ExternalRef(r) => {
                        let key = known_key(&keys, &r.item, "external reference").map_err(at)?;
                        if let Some(c) = r.comment
                            && !(1..=comments.len() as i64).contains(&c)
                        {
                            return Err(at(format!(
                                "external reference {} names comment {c}, but the dump has {} comment(s) before it",
                                r.ext_key,
                                comments.len()
                            )));
                        }
                        ext_refs.push((r.system, r.ext_key, key, r.comment));
                    }
                    Record::NotifySetting(r) => {
                        if !cairn_core::notify::REASONS.contains(&r.reason.as_str()) {
                            return Err(at(format!(
                                "`{}` is not a notification reason; reasons are {}",
                                r.reason,
                                cairn_core::notify::REASONS.join(", ")
                            )));
                        }
                        settings.push((
                            r.handle,
                            cairn_core::notify::NotifySetting {
                                reason: r.reason,
                                inbox: r.inbox,
                                email: r.email,
                            },
                        ));
                    }
                    Record::Commit(c) => {
                        let ok = c.hash.len() >= 40 && c.hash.chars().all(|x| x.is_ascii_hexdigit());
                        if !ok {
                            return Err(at(format!("commit `{}` is not a full hex object id", c.hash)));
                        }
                        if !commit_hashes.insert(c.hash.clone()) {
                            return Err(at(format!("commit {} appears twice", c.hash)));
                        }
                        let mut items = Vec::with_capacity(c.items.len());
                        for i in &c.items {
                            items.push((known_key(&keys, &i.item, "commit").map_err(at)?, i.fixes));
                        }
                        commits.push(cairn_store::git::StoredCommit {
                            commit: cairn_core::Commit {
                                hash: c.hash,
                                repo: c.repo,
                                author: c.author,
                                email: c.email,
                                at: time(&c.at).map_err(at)?,
                                subject: c.subject,
                            },
                            scanned: time(&c.scanned).map_err(at)?,
                            items,
                        });
                    }
                    Record::GitRepo(r) => {
                        repos.push(cairn_store::git::GitRepo {
                            scanned: time(&r.scanned).map_err(at)?,
                            path: r.path,
                            tip: r.tip,
                        });
                    }
                    Record::Audit(a) => {
                        let e = AuditEntry {
                            seq: a.seq,
                            at: time(&a.at).map_err(at)?,
                            actor: a.actor,
                            action: a.action,
                            target: a.target,
                            related: a.related,
                            reason: a.reason,
                            changes: a.changes,
                            prev_hash: a.prev_hash,
                            hash: a.hash,
                        };
                        verifier.check(&e).map_err(|b| {
                            at(format!("the dump's audit trail does not verify: {b}; the dump was altered after export"))
                        })?;
                        audits.push(e);
                        s.audit_entries += 1;
                        if audits.len() >= 5000 {
                            tx.store.bulk_audit(&audits)?;
                            audits.clear();
                            progress(lineno);
                        }
                    }
                }
            }
            if lineno == 0 {
                return invalid("the dump is empty");
            }
            if !bulk_started {
                tx.store.bulk_begin()?;
            }
            tx.store.bulk_items(&items)?;
            tx.store.bulk_links(&links)?;
            tx.store.bulk_audit(&audits)?;
            tx.store.bulk_end()?;
            for src in &sources {
                tx.store.upsert_source(src)?;
            }
            for m in &suspects {
                tx.store.insert_suspect(m)?;
            }
            // Comments get new ids in order; replies follow the mapping.
            let mut ids: Vec<i64> = Vec::with_capacity(comments.len());
            for (key, c) in &comments {
                let mut c = c.clone();
                c.reply_to = c
                    .reply_to
                    .and_then(|r| (r as usize).checked_sub(1).and_then(|i| ids.get(i)).copied());
                ids.push(tx.store.insert_comment(key, &c)?.id);
            }
            for (system, ext, key, c) in &ext_refs {
                let cid = c
                    .and_then(|p| (p as usize).checked_sub(1).and_then(|i| ids.get(i)).copied())
                    .unwrap_or(0);
                tx.store.add_external_ref(system, ext, key, cid)?;
            }
            for r in &risks {
                let mut fresh = r.clone();
                tx.store.insert_risk(&mut fresh)?;
                tx.store
                    .restore_register_meta("risks", &r.id, 'R', r.version, r.created, r.updated)?;
            }
            for d in &decisions {
                let mut fresh = d.clone();
                tx.store.insert_decision(&mut fresh)?;
                tx.store.restore_register_meta(
                    "decisions",
                    &d.id,
                    'D',
                    d.version,
                    d.created,
                    d.updated,
                )?;
            }
            let t = |s: &str| time(s).map_err(AppError::Invalid);
            for r in &snapshots {
                tx.store.save_snapshot(
                    &r.product,
                    &r.kind,
                    &cairn_store::reports::Snapshot {
                        day: r.day.clone(),
                        created: t(&r.created)?,
                        actor: r.actor.clone(),
                        data: r.data.clone(),
                    },
                )?;
            }
            for r in &tests {
                tx.store.insert_test_case(&r.product, &r.name, t(&r.created)?)?;
            }
            let mut case_ids: std::collections::HashMap<(String, String), i64> =
                std::collections::HashMap::new();
            let mut test_products: Vec<&str> = tests.iter().map(|r| r.product.as_str()).collect();
            test_products.sort_unstable();
            test_products.dedup();
            for p in test_products {
                for (name, id) in tx.store.test_case_ids(p)? {
                    case_ids.insert((p.to_string(), name), id);
                }
            }
            for r in &tests {
                let case = case_ids[&(r.product.clone(), r.name.clone())];
                for l in &r.verifies {
                    let key: ItemKey = l.item.parse().map_err(|_| {
                        AppError::Invalid(format!("test link to {}, which is not a key", l.item))
                    })?;
                    let ids = tx.store.item_ids(std::slice::from_ref(&key))?;
                    let item = ids.get(&key).copied().ok_or_else(|| {
                        AppError::Invalid(format!("test link to {key}, which is not in the dump"))
                    })?;
                    tx.store
                        .insert_test_links(&[(case, item, l.source.as_str())], t(&l.created)?)?;
                }
            }
            for r in &runs {
                let (run, _) =
                    tx.store
                        .open_run(&r.product, &r.build, &r.source, t(&r.imported)?, &r.actor)?;
                let rows: Vec<cairn_store::evidence::NewResult> = r
                    .results
                    .iter()
                    .map(|x| cairn_store::evidence::NewResult {
                        case_id: case_ids[&(r.product.clone(), x.test.clone())],
                        outcome: x.outcome.clone(),
                        duration: x.duration,
                        message: x.message.clone(),
                        flaky: x.flaky,
                    })
                    .collect();
                tx.store.insert_results(run, &rows)?;
            }
            for b in &baselines {
                let rows: Vec<(String, String, String)> = b
                    .items
                    .iter()
                    .map(|f| (f.key.to_string(), f.canonical(), f.hash()))
                    .collect();
                tx.store.insert_baseline(&cairn_store::baselines::NewBaseline {
                    product: &b.product,
                    name: &b.name,
                    query: &b.query,
                    description: &b.description,
                    created: t(&b.created)?,
                    actor: &b.actor,
                    hash: &b.hash,
                    items: &rows,
                })?;
            }
            for sr in &signatures {
                tx.store.insert_signature(&sr.product, &sr.signature)?;
            }
            for c in &customers {
                tx.store.put_customer(c)?;
            }
            for r in &feedback {
                let importance = cairn_core::Importance::parse(&r.importance)
                    .ok_or_else(|| AppError::Invalid(format!("importance {}", r.importance)))?;
                let mut f = cairn_core::Feedback {
                    id: r.id.clone(),
                    product: r.product.clone(),
                    text: r.text.clone(),
                    source: r.source.clone(),
                    source_id: r.source_id.clone(),
                    customer: r.customer.as_ref().map(|name| cairn_core::Customer {
                        name: name.clone(),
                        segment: None,
                        revenue: None,
                    }),
                    requester: r.requester.clone(),
                    received: r.received.clone(),
                    importance,
                    merged_into: None,
                    items: Vec::new(),
                    created: t(&r.created)?,
                    updated: t(&r.updated)?,
                    version: r.version,
                };
                tx.store.insert_feedback(&mut f)?;
                for l in &r.links {
                    tx.store.link_feedback(&r.id, &l.item, t(&l.linked)?)?;
                }
                for x in &r.told {
                    tx.store.mark_told(&r.id, &x.item, t(&x.at)?, &x.by)?;
                }
            }
            for (key, handle, since) in &watches {
                tx.store.watch(key, handle, *since)?;
            }
            for x in &notes {
                tx.store.add_notification(x)?;
            }
            for (handle, x) in &settings {
                tx.store.set_notify_setting(handle, x)?;
            }
            tx.store
                .insert_commits(commits.iter().map(|c| (&c.commit, c.scanned)))?;
            let mut commit_keys: Vec<ItemKey> = commits
                .iter()
                .flat_map(|c| c.items.iter().map(|(k, _)| k.clone()))
                .collect();
            commit_keys.sort();
            commit_keys.dedup();
            let ids = tx.store.item_ids(&commit_keys)?;
            let mut rows: Vec<(&str, i64, bool)> = Vec::new();
            for c in &commits {
                for (k, fixes) in &c.items {
                    let id = ids.get(k).copied().ok_or_else(|| {
                        AppError::Invalid(format!(
                            "commit {} names {k}, which is not in the dump",
                            c.commit.hash
                        ))
                    })?;
                    rows.push((c.commit.hash.as_str(), id, *fixes));
                }
            }
            tx.store.insert_commit_items(&rows)?;
            for r in &repos {
                tx.store.set_git_repo(r)?;
            }
            // Webhook ids are given anew; deliveries follow their webhook.
            let mut hook_ids = std::collections::HashMap::new();
            for h in &hooks {
                hook_ids.insert(h.id, tx.store.insert_webhook(h)?.id);
            }
            // A body shared by several deliveries is stored once again.
            let mut bodies: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
            for d in &deliveries {
                let webhook = hook_ids.get(&d.webhook).copied().unwrap_or(d.webhook);
                let body = match bodies.get(d.payload.as_str()) {
                    Some(id) => *id,
                    None => {
                        let id = tx.store.insert_webhook_payload(&d.payload)?;
                        bodies.insert(&d.payload, id);
                        id
                    }
                };
                tx.store.insert_delivery(
                    &cairn_core::webhook::Delivery { webhook, ..d.clone() },
                    body,
                )?;
            }
            for r in feedback.iter().filter(|r| r.merged_into.is_some()) {
                let into = r.merged_into.as_deref().unwrap_or_default();
                tx.store.restore_feedback_merge(&r.id, into).map_err(|e| {
                    AppError::Invalid(format!("feedback {} is merged into {into}: {e}", r.id))
                })?;
            }
            // The restored chain is the record: adding an entry here would make
            // export → import → export differ from the original dump.
            Ok(s)
        })?;
        self.store().analyze()?;
        self.reload_config()?;
        progress(u64::MAX);
        Ok(summary)
    }
}

fn time(s: &str) -> std::result::Result<i64, String> {
    parse_millis(s)
        .ok_or_else(|| format!("`{s}` is not an RFC 3339 time (e.g. 2026-01-05T10:00:00.000Z)"))
}

fn item_from(
    r: ItemRec,
    cfg: &Config,
    products: &HashSet<String>,
    releases: &HashSet<(String, String)>,
    goals: &HashSet<String>,
    people: &HashSet<String>,
) -> std::result::Result<Item, String> {
    let key: ItemKey = r
        .key
        .parse()
        .map_err(|e: cairn_core::KeyError| e.to_string())?;
    if !products.contains(&key.prefix) {
        return Err(format!(
            "item {key} belongs to product {}, which the dump does not declare",
            key.prefix
        ));
    }
    let kind = Kind::parse(&r.kind).ok_or_else(|| {
        format!(
            "item {key}: `{}` is not a kind ({})",
            r.kind,
            Kind::names().join(", ")
        )
    })?;
    let category = cfg.category_of(kind, &r.state).ok_or_else(|| {
        format!(
            "item {key}: `{}` is not a state of the {kind} workflow in the dump's config",
            r.state
        )
    })?;
    if r.title.trim().is_empty() {
        return Err(format!("item {key} has an empty title"));
    }
    if !rank::is_valid(&r.rank) {
        return Err(format!("item {key}: `{}` is not a valid rank", r.rank));
    }
    if r.version < 1 {
        return Err(format!("item {key}: version must be 1 or more"));
    }
    if let Some(e) = r.estimate
        && (!e.is_finite() || e < 0.0)
    {
        return Err(format!(
            "item {key}: estimate {e} is not a number of points"
        ));
    }
    if let Some(a) = &r.assignee
        && !people.contains(a)
    {
        return Err(format!(
            "item {key} is assigned to {a}, who is not among the dump's people"
        ));
    }
    if let Some(rel) = &r.release
        && !releases.contains(&(key.prefix.clone(), rel.clone()))
    {
        return Err(format!(
            "item {key} names release {rel}, which the dump does not declare"
        ));
    }
    for g in &r.goals {
        if !goals.contains(g) {
            return Err(format!(
                "item {key} names goal \"{g}\", which the dump does not declare"
            ));
        }
    }
    let mut fields = BTreeMap::new();
    for (name, v) in r.fields {
        let decl = cfg
            .fields
            .get(&name)
            .ok_or_else(|| format!("item {key}: field `{name}` is not declared in the config"))?;
        let fv = match (decl.ty, v) {
            (FieldType::Number, serde_json::Value::Number(n)) => FieldValue::Number(
                n.as_f64()
                    .ok_or_else(|| format!("item {key}: field `{name}` is not a number"))?,
            ),
            (FieldType::Number, _) => {
                return Err(format!("item {key}: field `{name}` must be a number"));
            }
            (_, serde_json::Value::String(s)) => FieldValue::Text(s),
            _ => return Err(format!("item {key}: field `{name}` must be text")),
        };
        fields.insert(name, fv);
    }
    let parent = match r.parent {
        Some(p) => Some(
            p.parse::<ItemKey>()
                .map_err(|e| format!("item {key}: parent: {e}"))?,
        ),
        None => None,
    };
    let mut goal_list = r.goals;
    goal_list.sort();
    Ok(Item {
        key,
        kind,
        title: r.title,
        description: r.description,
        state: r.state,
        category,
        assignee: r.assignee,
        labels: normalise_labels(&r.labels),
        estimate: r.estimate,
        acceptance: r.acceptance,
        fields,
        created: time(&r.created)?,
        updated: time(&r.updated)?,
        resolved: r.resolved.as_deref().map(time).transpose()?,
        started: r.started.as_deref().map(time).transpose()?,
        rank: r.rank,
        parent,
        release: r.release,
        goals: goal_list,
        version: r.version,
    })
}

/// A key a record names, which must be one of the dump's items.
fn known_key(keys: &HashSet<ItemKey>, k: &str, what: &str) -> std::result::Result<ItemKey, String> {
    let key: ItemKey = k.parse().map_err(|e: cairn_core::KeyError| e.to_string())?;
    if !keys.contains(&key) {
        return Err(format!(
            "{what} names {key}, which the dump does not contain"
        ));
    }
    Ok(key)
}

/// `R-7` → 7, `D-3` → 3 (0 for anything else).
fn register_number(id: &str) -> i64 {
    id.split_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}
