//! Customer feedback: capture (one by one, CSV, the public intake form),
//! links to items with suggestions, merging duplicates, themes, demand
//! scores, closing the loop and insights. Every change is audited with the
//! feedback's id (`F-n`) as its target.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::Change;
use cairn_core::{Category, Customer, Feedback, Importance, ItemKey, Millis, Role};
use cairn_engine::demand::{Demand, Vote, demand, fibonacci_of};
use cairn_engine::similarity::Corpus;
use cairn_store::feedback::{FeedbackFilter, VoteRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

/// The longest feedback text taken, in characters.
pub const MAX_TEXT: usize = 10_000;

/// New feedback as a user (or an importer) describes it.
#[derive(Debug, Clone, Default)]
pub struct NewFeedback {
    pub product: Option<String>,
    pub text: String,
    /// Default `other`.
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub customer: Option<String>,
    pub segment: Option<String>,
    pub revenue: Option<f64>,
    pub requester: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub received: Option<String>,
    /// Default nice to have.
    pub importance: Option<Importance>,
    pub items: Vec<ItemKey>,
}

/// A change to feedback; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct FeedbackPatch {
    pub text: Option<String>,
    pub source: Option<String>,
    pub source_id: Option<Option<String>>,
    pub customer: Option<Option<String>>,
    pub requester: Option<Option<String>>,
    pub received: Option<String>,
    pub importance: Option<Importance>,
}

/// An item that new feedback probably asks for, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub key: String,
    pub title: String,
    pub state: String,
    /// Cosine similarity of the texts, 0–1.
    pub score: f64,
    /// The words they share, strongest first.
    pub shared: Vec<String>,
}

/// The demand behind one item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemDemand {
    pub key: String,
    pub title: String,
    pub state: String,
    pub requests: u32,
    pub customers: u32,
    pub revenue: f64,
    pub recent: f64,
    /// Revenue-weighted demand as a share of the product's largest, 0–1.
    pub share: f64,
    /// `share` on the Fibonacci scale, 1–20 (WSJF user-business value).
    pub fibonacci: f64,
}

pub use cairn_core::feedback::DEMAND_FIELDS;

#[derive(Debug, Clone, Serialize)]
pub struct ThemeMember {
    pub id: String,
    pub text: String,
    pub customer: Option<String>,
    pub received: String,
    /// Similarity to the theme's centre, 0–1 (1 for the centre).
    pub score: f64,
    /// The words it shares with the centre.
    pub shared: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeView {
    /// The theme's words, e.g. "pdf, export, invoice".
    pub label: String,
    pub terms: Vec<String>,
    pub feedback: Vec<ThemeMember>,
    pub requests: u32,
    pub customers: u32,
    pub revenue: f64,
    pub recent: f64,
    /// Requests per month (`YYYY-MM`), oldest first, over the window.
    pub trend: Vec<(String, u32)>,
    /// Items its feedback is linked to, with how many of its records.
    pub items: Vec<(String, u32)>,
    /// How many of its records are linked to no item.
    pub unlinked: u32,
}

#[derive(Debug, Clone, Default)]
pub struct ThemeOptions {
    pub product: Option<String>,
    /// Only feedback received on or after this day.
    pub since: Option<String>,
    /// Only feedback linked to no item (the inbox).
    pub unlinked: bool,
    /// Override `[feedback] theme_threshold`.
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentRow {
    pub segment: String,
    pub feedback: u32,
    pub customers: u32,
    pub revenue: f64,
    /// The items this segment asks for most, by its revenue-weighted demand.
    pub top_items: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Insights {
    pub product: String,
    pub since: String,
    pub today: String,
    pub feedback: u32,
    pub linked: u32,
    pub themes: Vec<ThemeView>,
    pub inbox: Vec<Feedback>,
    pub inbox_total: u32,
    pub segments: Vec<SegmentRow>,
    pub top_items: Vec<ItemDemand>,
    /// Feedback per month, oldest first.
    pub trend: Vec<(String, u32)>,
    /// The title of every item named above.
    pub titles: BTreeMap<String, String>,
}

/// Someone to tell that an item they asked for shipped.
#[derive(Debug, Clone, Serialize)]
pub struct ToTell {
    pub item: String,
    pub title: String,
    pub state: String,
    pub release: Option<String>,
    pub feedback: String,
    pub text: String,
    pub customer: Option<String>,
    pub segment: Option<String>,
    pub requester: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    pub received: String,
    pub told_at: Option<Millis>,
    pub told_by: Option<String>,
}

/// The tell list as CSV, one row per (feedback, item), for mail merges
/// and CRMs. The CLI and the API write the same columns.
pub fn tell_csv(ts: &[ToTell]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "item",
        "title",
        "release",
        "customer",
        "segment",
        "requester",
        "feedback",
        "source",
        "source_id",
        "received",
        "told_at",
    ]);
    for t in ts {
        let _ = w.write_record([
            t.item.as_str(),
            &t.title,
            t.release.as_deref().unwrap_or(""),
            t.customer.as_deref().unwrap_or(""),
            t.segment.as_deref().unwrap_or(""),
            t.requester.as_deref().unwrap_or(""),
            &t.feedback,
            &t.source,
            t.source_id.as_deref().unwrap_or(""),
            &t.received,
            &t.told_at.map(cairn_core::format_millis).unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[derive(Debug, Clone, Default)]
pub struct TellOptions {
    pub product: Option<String>,
    pub items: Vec<ItemKey>,
    pub release: Option<String>,
    /// List those already told too.
    pub include_told: bool,
}

#[derive(Debug, Clone, Default)]
pub struct FeedbackCsvOptions {
    pub product: Option<String>,
    /// (field, column) pairs that override matching by header name.
    pub map: Vec<(String, String)>,
    /// The source of rows without a source column.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedbackImportReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: u32,
    pub links_added: u32,
    pub customers: u32,
}

/// The fields a CSV column can fill, with the header names that match.
const CSV_FIELDS: &[(&str, &[&str])] = &[
    (
        "text",
        &["text", "feedback", "comment", "body", "message", "request"],
    ),
    ("source", &["source", "channel"]),
    (
        "source_id",
        &[
            "source id",
            "source_id",
            "id",
            "ticket",
            "ticket id",
            "reference",
        ],
    ),
    (
        "customer",
        &[
            "customer",
            "organisation",
            "organization",
            "company",
            "account",
        ],
    ),
    ("segment", &["segment", "tier", "plan"]),
    (
        "revenue",
        &["revenue", "arr", "mrr", "revenue weight", "weight"],
    ),
    (
        "requester",
        &["requester", "email", "contact", "requested by", "user"],
    ),
    ("received", &["received", "date", "created", "submitted"]),
    ("importance", &["importance", "priority", "severity"]),
    ("items", &["items", "item", "keys", "key", "linked items"]),
];

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn check_text(t: &str) -> Result<String, String> {
    let t = t.trim();
    if t.is_empty() {
        return Err("the feedback has no text; say what the customer asked for".into());
    }
    if t.chars().count() > MAX_TEXT {
        return Err(format!(
            "the feedback text is {} characters long; the limit is {MAX_TEXT}",
            t.chars().count()
        ));
    }
    Ok(t.to_string())
}

/// `YYYY-MM-DD`, or the day of an RFC 3339 instant.
fn check_day(d: &str) -> Result<String, String> {
    let d = d.trim();
    if let Some(x) = cairn_core::calendar::parse_date(d) {
        return Ok(x.to_string());
    }
    if let Some(ms) = cairn_core::parse_millis(d) {
        return Ok(crate::day(ms));
    }
    Err(format!(
        "`{d}` is not a date; write YYYY-MM-DD (or an RFC 3339 time such as 2026-03-01T09:30:00Z)"
    ))
}

fn check_revenue(r: f64) -> Result<f64, String> {
    if r.is_finite() && r >= 0.0 {
        Ok(r)
    } else {
        Err(format!("revenue weight {r} must be a number of 0 or more"))
    }
}

/// A revenue cell: digits with optional thousands separators and a
/// leading currency sign (`$120,000`, `€ 9 500`, `1200.50`).
fn parse_revenue(s: &str) -> Result<f64, String> {
    let t: String = s
        .trim()
        .trim_start_matches(['$', '€', '£', '¥'])
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
        .collect();
    t.parse::<f64>()
        .map_err(|_| format!("revenue `{}` is not a number", s.trim()))
        .and_then(check_revenue)
}

fn month(day: &str) -> String {
    day.get(..7).unwrap_or(day).to_string()
}

/// The last `n` months up to `today`'s, oldest first.
fn months_upto(today: &str, n: usize) -> Vec<String> {
    let (mut y, mut m) = (
        today
            .get(..4)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(1970),
        today
            .get(5..7)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(1),
    );
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

fn days_between(from: &str, to: &str) -> f64 {
    match (
        cairn_core::calendar::parse_date(from),
        cairn_core::calendar::parse_date(to),
    ) {
        (Some(a), Some(b)) => (b - a).num_days() as f64,
        _ => 0.0,
    }
}

/// The customer a vote counts for: the organisation, else the requester.
fn who(customer: &Option<String>, requester: &Option<String>) -> Option<String> {
    customer.clone().or_else(|| requester.clone())
}

impl App {
    fn feedback_visible(&mut self, id: &str) -> Result<Feedback> {
        match self.store.feedback(id)? {
            Some(f) if self.can_see_product(&f.product) => Ok(f),
            _ => Err(AppError::NotFound(format!(
                "there is no feedback {id}; list it with `cairn feedback list`"
            ))),
        }
    }

    pub fn feedback(&mut self, id: &str) -> Result<Feedback> {
        self.feedback_visible(id)
    }

    /// The records merged into `id` as duplicates.
    pub fn feedback_duplicates(&mut self, id: &str) -> Result<Vec<Feedback>> {
        self.feedback_visible(id)?;
        let ids = self.store.merged_into(id)?;
        let mut out = Vec::new();
        for d in ids {
            if let Some(f) = self.store.feedback(&d)? {
                out.push(f);
            }
        }
        Ok(out)
    }

    pub fn feedback_list(&mut self, filter: &FeedbackFilter) -> Result<Vec<Feedback>> {
        let mut all = self.store.feedback_list(filter)?;
        all.retain(|f| self.can_see_product(&f.product));
        Ok(all)
    }

    /// Customers; someone who is not an admin sees those whose feedback
    /// is in a product they can see.
    pub fn customers(&mut self) -> Result<Vec<Customer>> {
        let mut all = self.store.customers()?;
        if let Some(a) = &self.access
            && !a.admin
        {
            let seen: HashSet<String> = self
                .feedback_list(&FeedbackFilter {
                    merged: true,
                    ..FeedbackFilter::default()
                })?
                .into_iter()
                .filter_map(|f| {
                    f.customer
                        .map(|c| cairn_store::feedback::customer_key(&c.name))
                })
                .collect();
            all.retain(|c| seen.contains(&cairn_store::feedback::customer_key(&c.name)));
        }
        Ok(all)
    }

    /// Set a customer's segment and revenue weight (creating it if new).
    pub fn customer_set(
        &mut self,
        name: &str,
        segment: Option<Option<String>>,
        revenue: Option<Option<f64>>,
    ) -> Result<Customer> {
        self.require_init()?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return invalid("a customer needs a name of 1 to 200 characters");
        }
        if let Some(Some(r)) = revenue {
            check_revenue(r).map_err(AppError::Invalid)?;
        }
        // Customers are shared by every product: changing one directly is
        // an admin's job (recording feedback sets a new customer's segment
        // and revenue too).
        self.need_admin("change customers")?;
        self.tx(|tx| {
            let before = tx.store.customer(name)?;
            let mut c = before.clone().unwrap_or(Customer {
                name: name.to_string(),
                segment: None,
                revenue: None,
            });
            if let Some(s) = segment {
                c.segment = clean(s.as_deref());
            }
            if let Some(r) = revenue {
                c.revenue = r;
            }
            if before.as_ref() != Some(&c) {
                tx.store.put_customer(&c)?;
                let b = before.as_ref();
                tx.audit(
                    "customer.set",
                    &format!("customer:{}", c.name),
                    None,
                    &[
                        Change::new("segment", b.and_then(|b| b.segment.clone()), &c.segment),
                        Change::new("revenue", b.and_then(|b| b.revenue), c.revenue),
                    ],
                    None,
                )?;
            }
            Ok(c)
        })
    }

    /// Check new feedback and resolve its product; nothing is written.
    fn prepare_feedback(&mut self, new: &NewFeedback) -> Result<(Feedback, Option<Customer>)> {
        let product = self.resolve_product(new.product.as_deref())?.prefix;
        let text = check_text(&new.text).map_err(AppError::Invalid)?;
        let source = self
            .config
            .feedback
            .source(new.source.as_deref().unwrap_or("other"))
            .map_err(AppError::Invalid)?;
        let received = match &new.received {
            Some(d) => check_day(d).map_err(AppError::Invalid)?,
            None => crate::day(self.now()),
        };
        if let Some(r) = new.revenue {
            check_revenue(r).map_err(AppError::Invalid)?;
        }
        let customer = clean(new.customer.as_deref()).map(|name| Customer {
            name,
            segment: clean(new.segment.as_deref()),
            revenue: new.revenue,
        });
        if customer.is_none() && (new.segment.is_some() || new.revenue.is_some()) {
            return invalid(
                "a segment or revenue weight belongs to a customer: give the customer's organisation too",
            );
        }
        for k in &new.items {
            self.item(k)?;
            if k.prefix != product {
                return invalid(format!(
                    "{k} is in product {}, not {product}: feedback links to items of its own product",
                    k.prefix
                ));
            }
        }
        let now = self.now();
        Ok((
            Feedback {
                id: String::new(),
                product,
                text,
                source,
                source_id: clean(new.source_id.as_deref()),
                customer: customer.clone(),
                requester: clean(new.requester.as_deref()),
                received,
                importance: new.importance.unwrap_or(Importance::NiceToHave),
                merged_into: None,
                items: new.items.iter().map(ToString::to_string).collect(),
                created: now,
                updated: now,
                version: 0,
            },
            customer,
        ))
    }

    pub fn feedback_add(&mut self, new: NewFeedback) -> Result<Feedback> {
        self.require_init()?;
        let (mut f, customer) = self.prepare_feedback(&new)?;
        self.need(&f.product, Role::Member, "add feedback")?;
        if let Some(sid) = &f.source_id
            && let Some(old) = self.store.feedback_by_source(&f.product, &f.source, sid)?
        {
            return invalid(format!(
                "{} already holds {} {sid}; change it with `cairn feedback edit {}`",
                old.id, f.source, old.id
            ));
        }
        self.tx(|tx| {
            insert_new(tx, &mut f, customer.as_ref())?;
            Ok(())
        })?;
        self.feedback_visible(&f.id)
    }

    /// Feedback from the public intake form of a product: no account, so
    /// the form must be switched on for the product (`[feedback] intake`)
    /// and each address may submit only `intake_per_hour` times an hour.
    pub fn feedback_intake(&mut self, mut new: NewFeedback, address: &str) -> Result<Feedback> {
        self.require_init()?;
        let prefix = new.product.clone().unwrap_or_default();
        let on = self
            .config
            .feedback
            .intake
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&prefix));
        if !on || self.store.product(&prefix.to_ascii_uppercase())?.is_none() {
            return Err(AppError::NotFound(format!(
                "there is no feedback form for `{prefix}`"
            )));
        }
        let now = self.now();
        let subject = format!("intake:{address}");
        let hour = 3_600_000;
        let limit = u64::from(self.config.feedback.intake_per_hour);
        if self.store.login_attempts_since(&subject, now - hour)? >= limit {
            return Err(AppError::RateLimited { retry_after: 3600 });
        }
        new.product = Some(prefix.to_ascii_uppercase());
        new.source = Some("intake".into());
        new.source_id = None;
        new.revenue = None;
        new.segment = None;
        new.items.clear();
        new.received = None;
        let saved_access = self.access.take();
        let saved_actor = std::mem::replace(&mut self.actor, "intake form".to_string());
        let result: Result<Feedback> = (|| {
            let (mut f, customer) = self.prepare_feedback(&new)?;
            self.tx(|tx| {
                tx.store.add_login_attempt(&subject, now)?;
                insert_new(tx, &mut f, customer.as_ref())?;
                Ok(())
            })?;
            Ok(f)
        })();
        self.access = saved_access;
        self.actor = saved_actor;
        let f = result?;
        Ok(self.store.feedback(&f.id)?.unwrap_or(f))
    }

    pub fn feedback_edit(
        &mut self,
        id: &str,
        patch: FeedbackPatch,
        expected_version: Option<i64>,
    ) -> Result<Feedback> {
        self.require_init()?;
        let before = self.feedback_visible(id)?;
        self.need(&before.product, Role::Member, "change feedback")?;
        let mut f = before.clone();
        if let Some(v) = expected_version {
            f.version = v;
        }
        if let Some(t) = &patch.text {
            f.text = check_text(t).map_err(AppError::Invalid)?;
        }
        if let Some(s) = &patch.source {
            f.source = self.config.feedback.source(s).map_err(AppError::Invalid)?;
        }
        if let Some(s) = &patch.source_id {
            f.source_id = clean(s.as_deref());
        }
        if let Some(r) = &patch.requester {
            f.requester = clean(r.as_deref());
        }
        if let Some(d) = &patch.received {
            f.received = check_day(d).map_err(AppError::Invalid)?;
        }
        if let Some(i) = patch.importance {
            f.importance = i;
        }
        let new_customer = match &patch.customer {
            Some(c) => clean(c.as_deref()),
            None => before.customer.as_ref().map(|c| c.name.clone()),
        };
        self.tx(|tx| {
            f.customer = match &new_customer {
                Some(name) => Some(match tx.store.customer(name)? {
                    Some(c) => c,
                    None => {
                        let c = Customer {
                            name: name.clone(),
                            segment: None,
                            revenue: None,
                        };
                        tx.store.put_customer(&c)?;
                        c
                    }
                }),
                None => None,
            };
            f.updated = tx.now;
            tx.store.update_feedback(&f)?;
            let changes = feedback_changes(&before, &f);
            if !changes.is_empty() {
                tx.audit("feedback.update", &f.id, None, &changes, None)?;
            }
            Ok(())
        })?;
        self.feedback_visible(id)
    }

    /// Link feedback to items (of its own product).
    pub fn feedback_link(&mut self, id: &str, keys: &[ItemKey]) -> Result<Feedback> {
        self.require_init()?;
        let f = self.feedback_visible(id)?;
        self.need(&f.product, Role::Member, "link feedback")?;
        let target = match &f.merged_into {
            Some(top) => {
                return invalid(format!(
                    "{} was merged into {top}; link {top} instead",
                    f.id
                ));
            }
            None => f.id.clone(),
        };
        if keys.is_empty() {
            return invalid("name the items to link, e.g. `cairn feedback link F-3 PAY-12`");
        }
        for k in keys {
            self.item(k)?;
            if k.prefix != f.product {
                return invalid(format!(
                    "{k} is in product {}, not {}: feedback links to items of its own product",
                    k.prefix, f.product
                ));
            }
        }
        self.tx(|tx| {
            for k in keys {
                if tx.store.link_feedback(&target, &k.to_string(), tx.now)? {
                    tx.audit(
                        "feedback.link",
                        &target,
                        Some(&k.to_string()),
                        &[Change::new("item", (), k.to_string())],
                        None,
                    )?;
                }
            }
            Ok(())
        })?;
        self.feedback_visible(id)
    }

    pub fn feedback_unlink(&mut self, id: &str, keys: &[ItemKey]) -> Result<Feedback> {
        self.require_init()?;
        let f = self.feedback_visible(id)?;
        self.need(&f.product, Role::Member, "unlink feedback")?;
        for k in keys {
            if !f.items.contains(&k.to_string()) {
                return invalid(format!("{} is not linked to {k}", f.id));
            }
        }
        self.tx(|tx| {
            for k in keys {
                if tx.store.unlink_feedback(&f.id, &k.to_string())? {
                    tx.audit(
                        "feedback.unlink",
                        &f.id,
                        Some(&k.to_string()),
                        &[Change::new("item", k.to_string(), ())],
                        None,
                    )?;
                }
            }
            Ok(())
        })?;
        self.feedback_visible(id)
    }

    /// Merge duplicate feedback into another record. The duplicate keeps
    /// its customer, requester and text, and counts as a vote for every
    /// item the record it joins is linked to; its own links move there.
    pub fn feedback_merge(&mut self, dup: &str, into: &str) -> Result<Feedback> {
        self.require_init()?;
        let d = self.feedback_visible(dup)?;
        let mut top = self.feedback_visible(into)?;
        self.need(&d.product, Role::Member, "merge feedback")?;
        if let Some(t) = &top.merged_into {
            top = self.feedback_visible(&t.clone())?;
        }
        if d.id == top.id {
            return invalid(format!("{} cannot be merged into itself", d.id));
        }
        if d.product != top.product {
            return invalid(format!(
                "{} is feedback on {} and {} on {}: merge feedback of one product",
                d.id, d.product, top.id, top.product
            ));
        }
        if let Some(m) = &d.merged_into {
            return invalid(format!("{} is already merged into {m}", d.id));
        }
        let under = self.store.merged_into(&d.id)?;
        self.tx(|tx| {
            for k in &d.items {
                tx.store.unlink_feedback(&d.id, k)?;
                tx.store.link_feedback(&top.id, k, tx.now)?;
            }
            // Duplicates of the duplicate join the same record, so a
            // merge never leaves a chain.
            for m in &under {
                if let Some(mut x) = tx.store.feedback(m)? {
                    x.merged_into = Some(top.id.clone());
                    x.updated = tx.now;
                    tx.store.update_feedback(&x)?;
                }
            }
            let mut x = d.clone();
            x.merged_into = Some(top.id.clone());
            x.updated = tx.now;
            tx.store.update_feedback(&x)?;
            tx.audit(
                "feedback.merge",
                &d.id,
                Some(&top.id),
                &[
                    Change::new("merged_into", (), &top.id),
                    Change::new("moved_links", (), &d.items),
                    Change::new("also_moved", (), &under),
                ],
                None,
            )?;
            Ok(())
        })?;
        self.feedback_visible(&top.id)
    }

    /// The items feedback (stored, or only a text) most likely asks for.
    pub fn feedback_suggest(
        &mut self,
        product: Option<&str>,
        text: &str,
        limit: usize,
    ) -> Result<Vec<Suggestion>> {
        let product = self.resolve_product(product)?.prefix;
        suggest(&mut self.store, &product, text, limit)
    }

    /// Suggestions for stored feedback, without the items it already links.
    pub fn feedback_suggestions(&mut self, id: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let f = self.feedback_visible(id)?;
        let mut s = suggest(&mut self.store, &f.product, &f.text, limit + f.items.len())?;
        s.retain(|x| !f.items.contains(&x.key));
        s.truncate(limit);
        Ok(s)
    }

    /// Demand per item of a product, most revenue-weighted demand first.
    /// Items nobody asked for are left out.
    pub fn demand(&mut self, product: Option<&str>) -> Result<Vec<ItemDemand>> {
        let product = self.resolve_product(product)?.prefix;
        let votes = self.store.feedback_votes(Some(&product))?;
        self.demand_of(&votes)
    }

    /// Demand per item from votes already read.
    fn demand_of(&mut self, votes: &[VoteRow]) -> Result<Vec<ItemDemand>> {
        let scores = score_votes(votes, &self.config, &crate::day(self.now()));
        let mut out = Vec::with_capacity(scores.len());
        for (key, d) in scores {
            let k: ItemKey = key.parse().map_err(|_| {
                AppError::Store(cairn_store::StoreError::Corrupt(format!("item key {key}")))
            })?;
            let Some(it) = self.store.item(&k)? else {
                continue;
            };
            out.push(ItemDemand {
                key,
                title: it.title,
                state: it.state,
                requests: d.demand.requests,
                customers: d.demand.customers,
                revenue: d.demand.revenue,
                recent: d.demand.recent,
                share: d.share,
                fibonacci: fibonacci_of(d.share),
            });
        }
        out.sort_by(|a, b| {
            b.revenue
                .total_cmp(&a.revenue)
                .then(b.requests.cmp(&a.requests))
                .then(a.key.cmp(&b.key))
        });
        Ok(out)
    }

    pub fn feedback_themes(&mut self, opts: &ThemeOptions) -> Result<Vec<ThemeView>> {
        let product = self.resolve_product(opts.product.as_deref())?.prefix;
        let since = match &opts.since {
            Some(d) => Some(check_day(d).map_err(AppError::Invalid)?),
            None => None,
        };
        let threshold = opts
            .threshold
            .unwrap_or(self.config.feedback.theme_threshold);
        if !(0.05..=1.0).contains(&threshold) {
            return invalid(format!(
                "threshold {threshold} is out of range: use 0.05 to 1"
            ));
        }
        let today = crate::day(self.now());
        themes_of(
            &mut self.store,
            &self.config,
            &product,
            since.as_deref(),
            opts.unlinked,
            threshold,
            &today,
        )
    }

    /// Who to tell that what they asked for shipped: the feedback linked to
    /// done items (or to the items of a release), with each record's
    /// merged duplicates, not yet told unless `include_told`.
    pub fn feedback_tell(&mut self, opts: &TellOptions) -> Result<Vec<ToTell>> {
        let product = self.resolve_product(opts.product.as_deref())?.prefix;
        let mut wanted: Option<HashSet<String>> = None;
        if !opts.items.is_empty() {
            let mut set = HashSet::new();
            for k in &opts.items {
                let it = self.item(k)?;
                if it.category != Category::Done {
                    return invalid(format!(
                        "{k} is {} ({}): tell customers once it is done",
                        it.state,
                        it.category.as_str()
                    ));
                }
                set.insert(k.to_string());
            }
            wanted = Some(set);
        }
        if let Some(r) = &opts.release
            && self.store.release(&product, r)?.is_none()
        {
            return Err(AppError::NotFound(format!(
                "product {product} has no release `{r}`; list them with `cairn release list`"
            )));
        }
        let votes = self.store.feedback_votes(Some(&product))?;
        let told: HashMap<(String, String), (Millis, String)> = self
            .store
            .told(None)?
            .into_iter()
            .map(|t| ((t.feedback, t.item), (t.at, t.by)))
            .collect();
        let records: HashMap<String, Feedback> = self
            .store
            .feedback_list(&FeedbackFilter {
                product: Some(product.clone()),
                merged: true,
                ..FeedbackFilter::default()
            })?
            .into_iter()
            .map(|f| (f.id.clone(), f))
            .collect();
        let mut items: HashMap<String, Option<cairn_core::Item>> = HashMap::new();
        let mut out = Vec::new();
        for v in votes {
            if let Some(w) = &wanted
                && !w.contains(&v.item)
            {
                continue;
            }
            if !items.contains_key(&v.item) {
                let it = match v.item.parse::<ItemKey>() {
                    Ok(k) => self.store.item(&k)?,
                    Err(_) => None,
                };
                items.insert(v.item.clone(), it);
            }
            let Some(it) = items[&v.item].as_ref() else {
                continue;
            };
            if it.category != Category::Done {
                continue;
            }
            if let Some(r) = &opts.release
                && it.release.as_deref() != Some(r.as_str())
            {
                continue;
            }
            let t = told.get(&(v.feedback.clone(), v.item.clone()));
            if t.is_some() && !opts.include_told {
                continue;
            }
            let Some(f) = records.get(&v.feedback) else {
                continue;
            };
            out.push(ToTell {
                item: v.item.clone(),
                title: it.title.clone(),
                state: it.state.clone(),
                release: it.release.clone(),
                feedback: f.id.clone(),
                text: f.text.clone(),
                customer: v.customer,
                segment: v.segment,
                requester: v.requester,
                source: f.source.clone(),
                source_id: f.source_id.clone(),
                received: f.received.clone(),
                told_at: t.map(|x| x.0),
                told_by: t.map(|x| x.1.clone()),
            });
        }
        out.sort_by(|a, b| {
            let ka: ItemKey = a.item.parse().unwrap_or_else(|_| ItemKey::new("A", 1));
            let kb: ItemKey = b.item.parse().unwrap_or_else(|_| ItemKey::new("A", 1));
            ka.cmp(&kb).then(
                cairn_core::feedback::feedback_number(&a.feedback)
                    .cmp(&cairn_core::feedback::feedback_number(&b.feedback)),
            )
        });
        Ok(out)
    }

    /// Mark everyone `feedback_tell` lists (with `opts`) as told. Returns
    /// how many (feedback, item) pairs were marked.
    pub fn feedback_mark_told(&mut self, opts: &TellOptions) -> Result<Vec<ToTell>> {
        let product = self.resolve_product(opts.product.as_deref())?.prefix;
        self.need(&product, Role::Member, "mark customers told")?;
        let list = self.feedback_tell(&TellOptions {
            include_told: false,
            ..opts.clone()
        })?;
        self.tx(|tx| {
            for t in &list {
                if tx.store.mark_told(&t.feedback, &t.item, tx.now, tx.actor)? {
                    tx.audit(
                        "feedback.told",
                        &t.feedback,
                        Some(&t.item),
                        &[Change::new(
                            "told",
                            (),
                            who(&t.customer, &t.requester).unwrap_or_default(),
                        )],
                        None,
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(list)
    }

    /// Top themes by demand with their trend, the inbox of unlinked
    /// feedback, the breakdown by segment and the most demanded items,
    /// over feedback received since `since` (default: 180 days ago).
    pub fn feedback_insights(
        &mut self,
        product: Option<&str>,
        since: Option<&str>,
    ) -> Result<Insights> {
        let product = self.resolve_product(product)?.prefix;
        let now = self.now();
        let today = crate::day(now);
        let since = match since {
            Some(d) => check_day(d).map_err(AppError::Invalid)?,
            None => crate::day(now - 180 * 86_400_000),
        };
        let all = self.store.feedback_list(&FeedbackFilter {
            product: Some(product.clone()),
            since: Some(since.clone()),
            merged: true,
            unlinked: false,
        })?;
        let linked = all.iter().filter(|f| !f.items.is_empty()).count() as u32;
        let mut inbox: Vec<Feedback> = all
            .iter()
            .filter(|f| f.items.is_empty() && f.merged_into.is_none())
            .cloned()
            .collect();
        let inbox_total = inbox.len() as u32;
        inbox.truncate(50);
        let months = months_upto(&today, 6);
        let mut trend: BTreeMap<String, u32> = months.iter().map(|m| (m.clone(), 0)).collect();
        for f in &all {
            if let Some(c) = trend.get_mut(&month(&f.received)) {
                *c += 1;
            }
        }
        let mut themes = themes_of(
            &mut self.store,
            &self.config,
            &product,
            Some(&since),
            false,
            self.config.feedback.theme_threshold,
            &today,
        )?;
        themes.sort_by(|a, b| {
            b.revenue
                .total_cmp(&a.revenue)
                .then(b.requests.cmp(&a.requests))
        });
        themes.truncate(10);
        // Segments: from every record in the window, and the items each
        // segment's votes go to.
        #[derive(Default)]
        struct SegAcc {
            feedback: u32,
            customers: HashMap<String, f64>,
            items: HashMap<String, f64>,
        }
        let mut segs: BTreeMap<String, SegAcc> = BTreeMap::new();
        for f in &all {
            let seg = f
                .customer
                .as_ref()
                .and_then(|c| c.segment.clone())
                .unwrap_or_else(|| "(no segment)".into());
            let e = segs.entry(seg).or_default();
            e.feedback += 1;
            if let Some(c) = &f.customer {
                e.customers
                    .insert(c.name.to_lowercase(), c.revenue.unwrap_or(1.0));
            }
        }
        let votes = self.store.feedback_votes(Some(&product))?;
        for v in votes.iter().filter(|v| v.received >= since) {
            let seg = v.segment.clone().unwrap_or_else(|| "(no segment)".into());
            if let Some(e) = segs.get_mut(&seg) {
                *e.items.entry(v.item.clone()).or_insert(0.0) +=
                    v.revenue.unwrap_or(1.0) * v.importance.weight();
            }
        }
        let mut segments: Vec<SegmentRow> = segs
            .into_iter()
            .map(|(segment, acc)| {
                let mut top: Vec<(String, f64)> = acc.items.into_iter().collect();
                top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                SegmentRow {
                    segment,
                    feedback: acc.feedback,
                    customers: acc.customers.len() as u32,
                    revenue: acc.customers.values().sum(),
                    top_items: top.into_iter().take(3).map(|(k, _)| k).collect(),
                }
            })
            .collect();
        segments.sort_by(|a, b| {
            b.revenue
                .total_cmp(&a.revenue)
                .then(b.feedback.cmp(&a.feedback))
        });
        let mut top_items = self.demand_of(&votes)?;
        top_items.truncate(10);
        let mut titles = BTreeMap::new();
        let named = themes
            .iter()
            .flat_map(|t| t.items.iter().map(|(k, _)| k.clone()))
            .chain(segments.iter().flat_map(|s| s.top_items.iter().cloned()));
        for k in named {
            if titles.contains_key(&k) {
                continue;
            }
            if let Ok(key) = k.parse::<ItemKey>()
                && let Some(it) = self.store.item(&key)?
            {
                titles.insert(k, it.title);
            }
        }
        for d in &top_items {
            titles.insert(d.key.clone(), d.title.clone());
        }
        Ok(Insights {
            titles,
            product,
            since,
            today,
            feedback: all.len() as u32,
            linked,
            themes,
            inbox,
            inbox_total,
            segments,
            top_items,
            trend: trend.into_iter().collect(),
        })
    }

    /// Import feedback from CSV. Columns are matched by header name (see
    /// `CSV_FIELDS`) unless mapped. Rows with a source id that was
    /// imported before update that record; rows identical to stored
    /// feedback change nothing. One transaction: any bad row and nothing
    /// is imported, with every bad row reported by line.
    pub fn feedback_import_csv(
        &mut self,
        input: impl Read,
        opts: &FeedbackCsvOptions,
    ) -> Result<FeedbackImportReport> {
        self.require_init()?;
        let product = self.resolve_product(opts.product.as_deref())?.prefix;
        self.need(&product, Role::Member, "import feedback")?;
        let default_source = self
            .config
            .feedback
            .source(opts.source.as_deref().unwrap_or("other"))
            .map_err(AppError::Invalid)?;
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| AppError::Invalid(format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let names: Vec<&str> = CSV_FIELDS.iter().map(|(f, _)| *f).collect();
        for (f, _) in &opts.map {
            if !names.contains(&f.as_str()) {
                return invalid(format!(
                    "--map {f}=…: `{f}` is not a feedback field; fields: {}",
                    names.join(", ")
                ));
            }
        }
        let mut cols: HashMap<&str, usize> = HashMap::new();
        for (field, aliases) in CSV_FIELDS {
            let idx = match opts.map.iter().find(|(f, _)| f == field) {
                Some((_, col)) => Some(
                    headers
                        .iter()
                        .position(|h| h.eq_ignore_ascii_case(col))
                        .ok_or_else(|| {
                            AppError::Invalid(format!(
                                "--map {field}={col}: there is no column `{col}`; the columns are: {}",
                                headers.join(", ")
                            ))
                        })?,
                ),
                None => headers
                    .iter()
                    .position(|h| aliases.iter().any(|a| h.eq_ignore_ascii_case(a))),
            };
            if let Some(i) = idx {
                cols.insert(field, i);
            }
        }
        if !cols.contains_key("text") {
            return invalid(format!(
                "the CSV has no feedback text column; its columns are: {}. Name one with --map text=COLUMN",
                headers.join(", ")
            ));
        }
        let today = crate::day(self.now());
        let mut rows: Vec<(u64, NewFeedback)> = Vec::new();
        let mut bad: Vec<String> = Vec::new();
        let mut known_items: HashMap<String, bool> = HashMap::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    bad.push(format!("line {line}: {e}"));
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            let get = |f: &str| cols.get(f).and_then(|&i| rec.get(i)).map(str::trim);
            let mut errs: Vec<String> = Vec::new();
            let text = get("text").unwrap_or("");
            if let Err(e) = check_text(text) {
                errs.push(format!("text: {e}"));
            }
            let source = match clean(get("source")) {
                Some(s) => match self.config.feedback.source(&s) {
                    Ok(s) => s,
                    Err(e) => {
                        errs.push(format!("source: {e}"));
                        String::new()
                    }
                },
                None => default_source.clone(),
            };
            let received = match clean(get("received")) {
                Some(d) => match check_day(&d) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        errs.push(format!("received: {e}"));
                        None
                    }
                },
                None => Some(today.clone()),
            };
            let importance = match clean(get("importance")) {
                Some(i) => match Importance::parse(&i) {
                    Some(i) => Some(i),
                    None => {
                        errs.push(format!(
                            "importance: `{i}` is not an importance; use nice-to-have, important or critical"
                        ));
                        None
                    }
                },
                None => None,
            };
            let revenue = match clean(get("revenue")) {
                Some(r) => match parse_revenue(&r) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        errs.push(format!("revenue: {e}"));
                        None
                    }
                },
                None => None,
            };
            let customer = clean(get("customer"));
            if customer.is_none() && (revenue.is_some() || clean(get("segment")).is_some()) {
                errs.push(
                    "customer: a segment or revenue needs the customer's organisation in the same row"
                        .into(),
                );
            }
            let mut items = Vec::new();
            for k in get("items")
                .unwrap_or("")
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .filter(|s| !s.is_empty())
            {
                match k.parse::<ItemKey>() {
                    Ok(key) if key.prefix == product => {
                        let s = key.to_string();
                        let ok = match known_items.get(&s) {
                            Some(ok) => *ok,
                            None => {
                                let ok = self.store.item(&key)?.is_some();
                                known_items.insert(s.clone(), ok);
                                ok
                            }
                        };
                        if ok {
                            items.push(key);
                        } else {
                            errs.push(format!("items: there is no item {s}"));
                        }
                    }
                    Ok(key) => errs.push(format!("items: {key} is not in product {product}")),
                    Err(_) => errs.push(format!(
                        "items: `{k}` is not an item key (like {product}-12)"
                    )),
                }
            }
            if errs.is_empty() {
                rows.push((
                    line,
                    NewFeedback {
                        product: Some(product.clone()),
                        text: text.to_string(),
                        source: Some(source),
                        source_id: clean(get("source_id")),
                        customer,
                        segment: clean(get("segment")),
                        revenue,
                        requester: clean(get("requester")),
                        received,
                        importance,
                        items,
                    },
                ));
            } else {
                bad.push(format!("line {line}: {}", errs.join("; ")));
            }
        }
        // Two rows of one file with the same source id.
        let mut seen: HashMap<(String, String), u64> = HashMap::new();
        for (line, n) in &rows {
            if let (Some(s), Some(id)) = (&n.source, &n.source_id)
                && let Some(first) = seen.insert((s.clone(), id.clone()), *line)
            {
                bad.push(format!(
                    "line {line}: source_id: {s} {id} is also on line {first}; each record once"
                ));
            }
        }
        if !bad.is_empty() {
            return invalid(format!(
                "nothing was imported: {}",
                crate::problem_list(bad, "row is bad", "rows are bad")
            ));
        }
        let existing = self.store.feedback_list(&FeedbackFilter {
            product: Some(product.clone()),
            merged: true,
            ..FeedbackFilter::default()
        })?;
        let mut by_source: HashMap<(String, String), Feedback> = HashMap::new();
        let mut by_content: HashSet<(String, String, String, Option<String>)> = HashSet::new();
        for f in existing {
            by_content.insert((
                f.source.clone(),
                f.text.clone(),
                f.received.clone(),
                f.requester.clone(),
            ));
            if let Some(id) = &f.source_id {
                by_source.insert((f.source.clone(), id.clone()), f);
            }
        }
        let mut report = FeedbackImportReport::default();
        let mut prepared = Vec::with_capacity(rows.len());
        for (_, n) in &rows {
            prepared.push(self.prepare_feedback(n)?);
        }
        self.tx(|tx| {
            let mut customers_done: HashSet<String> = HashSet::new();
            for (mut f, customer) in prepared {
                if let Some(c) = &customer
                    && customers_done.insert(cairn_store::feedback::customer_key(&c.name))
                    && upsert_customer(tx, c)?
                {
                    report.customers += 1;
                }
                let old = f
                    .source_id
                    .as_ref()
                    .and_then(|id| by_source.get(&(f.source.clone(), id.clone())));
                match old {
                    Some(old) => {
                        let mut x = old.clone();
                        x.text = f.text.clone();
                        x.customer = match &customer {
                            Some(c) => tx.store.customer(&c.name)?,
                            None => None,
                        };
                        x.requester = f.requester.clone();
                        x.received = f.received.clone();
                        x.importance = f.importance;
                        let changes = feedback_changes(old, &x);
                        if !changes.is_empty() {
                            x.updated = tx.now;
                            tx.store.update_feedback(&x)?;
                            tx.audit("feedback.update", &x.id, None, &changes, Some("CSV import"))?;
                            report.updated.push(x.id.clone());
                        }
                        for k in &f.items {
                            if old.merged_into.is_none()
                                && tx.store.link_feedback(&old.id, k, tx.now)?
                            {
                                tx.audit(
                                    "feedback.link",
                                    &old.id,
                                    Some(k),
                                    &[Change::new("item", (), k)],
                                    Some("CSV import"),
                                )?;
                                report.links_added += 1;
                            }
                        }
                        if changes.is_empty() {
                            report.unchanged += 1;
                        }
                    }
                    None => {
                        let content = (
                            f.source.clone(),
                            f.text.clone(),
                            f.received.clone(),
                            f.requester.clone(),
                        );
                        if f.source_id.is_none() && !by_content.insert(content) {
                            report.unchanged += 1;
                            continue;
                        }
                        report.links_added += f.items.len() as u32;
                        insert_new(tx, &mut f, None)?;
                        report.added.push(f.id.clone());
                    }
                }
            }
            tx.audit(
                "feedback.import",
                &product,
                None,
                &[
                    Change::new("added", (), report.added.len()),
                    Change::new("updated", (), report.updated.len()),
                    Change::new("unchanged", (), report.unchanged),
                ],
                None,
            )?;
            Ok(())
        })?;
        Ok(report)
    }
}

/// Store a customer's given segment and revenue (keeping what a row left
/// blank). True when the customer is new or changed.
fn upsert_customer(tx: &mut crate::Tx<'_>, c: &Customer) -> Result<bool> {
    let before = tx.store.customer(&c.name)?;
    let merged = Customer {
        name: before
            .as_ref()
            .map_or_else(|| c.name.clone(), |b| b.name.clone()),
        segment: c
            .segment
            .clone()
            .or_else(|| before.as_ref().and_then(|b| b.segment.clone())),
        revenue: c.revenue.or(before.as_ref().and_then(|b| b.revenue)),
    };
    if before.as_ref() == Some(&merged) {
        return Ok(false);
    }
    tx.store.put_customer(&merged)?;
    let b = before.as_ref();
    tx.audit(
        "customer.set",
        &format!("customer:{}", merged.name),
        None,
        &[
            Change::new(
                "segment",
                b.and_then(|b| b.segment.clone()),
                &merged.segment,
            ),
            Change::new("revenue", b.and_then(|b| b.revenue), merged.revenue),
        ],
        None,
    )?;
    Ok(true)
}

/// Insert prepared feedback with its customer and links, audited.
fn insert_new(tx: &mut crate::Tx<'_>, f: &mut Feedback, customer: Option<&Customer>) -> Result<()> {
    if let Some(c) = customer {
        upsert_customer(tx, c)?;
    }
    if let Some(c) = &f.customer {
        f.customer = tx.store.customer(&c.name)?;
    }
    f.created = tx.now;
    f.updated = tx.now;
    tx.store.insert_feedback(f)?;
    tx.audit(
        "feedback.create",
        &f.id,
        None,
        &[
            Change::new("product", (), &f.product),
            Change::new("text", (), &f.text),
            Change::new("source", (), &f.source),
            Change::new("source_id", (), &f.source_id),
            Change::new("customer", (), f.customer.as_ref().map(|c| &c.name)),
            Change::new("requester", (), &f.requester),
            Change::new("received", (), &f.received),
            Change::new("importance", (), f.importance.as_str()),
        ],
        None,
    )?;
    for k in &f.items {
        tx.store.link_feedback(&f.id, k, tx.now)?;
        tx.audit(
            "feedback.link",
            &f.id,
            Some(k),
            &[Change::new("item", (), k)],
            None,
        )?;
    }
    Ok(())
}

fn feedback_changes(a: &Feedback, b: &Feedback) -> Vec<Change> {
    let mut out = Vec::new();
    if a.text != b.text {
        out.push(Change::new("text", &a.text, &b.text));
    }
    if a.source != b.source {
        out.push(Change::new("source", &a.source, &b.source));
    }
    if a.source_id != b.source_id {
        out.push(Change::new("source_id", &a.source_id, &b.source_id));
    }
    let name = |f: &Feedback| f.customer.as_ref().map(|c| c.name.clone());
    if name(a) != name(b) {
        out.push(Change::new("customer", name(a), name(b)));
    }
    if a.requester != b.requester {
        out.push(Change::new("requester", &a.requester, &b.requester));
    }
    if a.received != b.received {
        out.push(Change::new("received", &a.received, &b.received));
    }
    if a.importance != b.importance {
        out.push(Change::new(
            "importance",
            a.importance.as_str(),
            b.importance.as_str(),
        ));
    }
    out
}

/// Words customers wrap a request in that say nothing about its topic.
const FILLER: &[&str] = &[
    "ability",
    "awesome",
    "currently",
    "feature",
    "great",
    "hello",
    "hey",
    "hi",
    "hope",
    "just",
    "let",
    "lets",
    "lot",
    "love",
    "nice",
    "option",
    "please",
    "possible",
    "really",
    "thank",
    "thanks",
    "way",
    "wish",
];

/// The words of feedback that carry its topic (filler dropped).
pub(crate) fn topic(text: &str) -> String {
    cairn_engine::text::words(text)
        .into_iter()
        .filter(|w| FILLER.binary_search(&w.lower().as_str()).is_err())
        .map(|w| w.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many candidates the full-text index hands over for re-scoring.
const CANDIDATES: usize = 60;

/// Items of `product` most similar to `text`: candidates from the
/// backend's full-text index, scored by TF-IDF cosine (the similarity
/// `cairn dupes` uses) with the words they share.
pub(crate) fn suggest(
    store: &mut cairn_store::Store,
    product: &str,
    text: &str,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    let text = &topic(text);
    let words: Vec<(String, String)> = cairn_engine::text::terms(text)
        .into_iter()
        .map(|(stem, w)| (w.lower(), stem))
        .collect();
    if words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let cands = store.text_candidates(product, &words, CANDIDATES.max(limit * 3))?;
    let mut texts: Vec<String> = cands
        .iter()
        .map(|c| format!("{}\n{}", c.title, c.description))
        .collect();
    texts.push(text.to_string());
    let corpus = Corpus::build(&texts);
    let q = texts.len() - 1;
    let mut out: Vec<Suggestion> = cands
        .into_iter()
        .enumerate()
        .map(|(i, c)| Suggestion {
            score: (corpus.similarity(q, i) * 1000.0).round() / 1000.0,
            shared: corpus.shared_terms(q, i, 4),
            key: c.key,
            title: c.title,
            state: c.state,
        })
        .filter(|s| s.score >= 0.1 && !s.shared.is_empty())
        .collect();
    out.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| {
            let ka: Option<ItemKey> = a.key.parse().ok();
            let kb: Option<ItemKey> = b.key.parse().ok();
            ka.cmp(&kb)
        })
    });
    out.truncate(limit);
    Ok(out)
}

/// An item's demand and its share of the product's largest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub demand: Demand,
    pub share: f64,
}

/// Demand per item key of a product (items with at least one request).
pub(crate) fn demand_scores(
    store: &mut cairn_store::Store,
    config: &cairn_core::Config,
    product: &str,
    now: Millis,
) -> Result<HashMap<String, Scored>> {
    let votes = store.feedback_votes(Some(product))?;
    Ok(score_votes(&votes, config, &crate::day(now)))
}

fn score_votes(
    votes: &[VoteRow],
    config: &cairn_core::Config,
    today: &str,
) -> HashMap<String, Scored> {
    let mut by_item: HashMap<&str, Vec<&VoteRow>> = HashMap::new();
    for v in votes {
        by_item.entry(v.item.as_str()).or_default().push(v);
    }
    let half = f64::from(config.feedback.half_life_days);
    let mut out: HashMap<String, Scored> = by_item
        .into_iter()
        .map(|(k, vs)| {
            let whos: Vec<Option<String>> =
                vs.iter().map(|v| who(&v.customer, &v.requester)).collect();
            let votes: Vec<Vote> = vs
                .iter()
                .zip(&whos)
                .map(|(v, w)| Vote {
                    customer: w.as_deref(),
                    revenue: if v.customer.is_some() {
                        v.revenue
                    } else {
                        None
                    },
                    weight: v.importance.weight(),
                    age_days: days_between(&v.received, today),
                })
                .collect();
            (
                k.to_string(),
                Scored {
                    demand: demand(&votes, half),
                    share: 0.0,
                },
            )
        })
        .collect();
    let max = out
        .values()
        .map(|s| s.demand.revenue)
        .fold(0.0f64, f64::max);
    if max > 0.0 {
        for s in out.values_mut() {
            s.share = s.demand.revenue / max;
        }
    }
    out
}

/// The demand fields of one item, as the ranking models read them.
pub(crate) fn demand_field_values(s: Option<&Scored>) -> [(&'static str, f64); 6] {
    let d = s.map(|s| s.demand).unwrap_or_default();
    let share = s.map_or(0.0, |s| s.share);
    [
        ("demand.requests", f64::from(d.requests)),
        ("demand.customers", f64::from(d.customers)),
        ("demand.revenue", (d.revenue * 100.0).round() / 100.0),
        ("demand.recent", (d.recent * 100.0).round() / 100.0),
        ("demand.share", (share * 1000.0).round() / 1000.0),
        ("demand.fibonacci", fibonacci_of(share)),
    ]
}

fn themes_of(
    store: &mut cairn_store::Store,
    config: &cairn_core::Config,
    product: &str,
    since: Option<&str>,
    unlinked: bool,
    threshold: f64,
    today: &str,
) -> Result<Vec<ThemeView>> {
    let list = store.feedback_list(&FeedbackFilter {
        product: Some(product.to_string()),
        since: since.map(str::to_string),
        unlinked,
        merged: true,
    })?;
    // Duplicates are votes of the record they were merged into.
    let mut dups: HashMap<String, Vec<&Feedback>> = HashMap::new();
    let mut tops: Vec<&Feedback> = Vec::new();
    for f in &list {
        match &f.merged_into {
            Some(m) => dups.entry(m.clone()).or_default().push(f),
            None => tops.push(f),
        }
    }
    let texts: Vec<String> = tops.iter().map(|f| topic(&f.text)).collect();
    let corpus = Corpus::build(&texts);
    let found = cairn_engine::themes::themes(&corpus, threshold);
    let months = months_upto(today, 6);
    let half = f64::from(config.feedback.half_life_days);
    let mut out = Vec::with_capacity(found.len());
    for t in found {
        let mut members = Vec::new();
        let mut voters: Vec<&Feedback> = Vec::new();
        let mut items: BTreeMap<String, u32> = BTreeMap::new();
        let mut unlinked_n = 0;
        for m in &t.members {
            let f = tops[m.doc];
            members.push(ThemeMember {
                id: f.id.clone(),
                text: f.text.clone(),
                customer: f.customer.as_ref().map(|c| c.name.clone()),
                received: f.received.clone(),
                score: (m.score * 1000.0).round() / 1000.0,
                shared: if m.doc == t.centre {
                    Vec::new()
                } else {
                    corpus.shared_terms(t.centre, m.doc, 4)
                },
            });
            voters.push(f);
            voters.extend(dups.get(&f.id).into_iter().flatten().copied());
            if f.items.is_empty() {
                unlinked_n += 1;
            }
            for k in &f.items {
                *items.entry(k.clone()).or_insert(0) += 1;
            }
        }
        let whos: Vec<Option<String>> = voters
            .iter()
            .map(|f| who(&f.customer.as_ref().map(|c| c.name.clone()), &f.requester))
            .collect();
        let votes: Vec<Vote> = voters
            .iter()
            .zip(&whos)
            .map(|(f, w)| Vote {
                customer: w.as_deref(),
                revenue: f.customer.as_ref().and_then(|c| c.revenue),
                weight: f.importance.weight(),
                age_days: days_between(&f.received, today),
            })
            .collect();
        let d = demand(&votes, half);
        let mut trend: Vec<(String, u32)> = months.iter().map(|m| (m.clone(), 0)).collect();
        for f in &voters {
            if let Some(e) = trend.iter_mut().find(|(m, _)| *m == month(&f.received)) {
                e.1 += 1;
            }
        }
        let mut items: Vec<(String, u32)> = items.into_iter().collect();
        items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.push(ThemeView {
            label: t.terms.join(", "),
            terms: t.terms,
            feedback: members,
            requests: d.requests,
            customers: d.customers,
            revenue: d.revenue,
            recent: (d.recent * 100.0).round() / 100.0,
            trend,
            items,
            unlinked: unlinked_n,
        });
    }
    Ok(out)
}

/// A figure as a reader wants it: `2,140,000`, or `2.39` below 1,000.
fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        crate::report::thousands(x.round().abs() as u64)
    } else {
        cairn_engine::score::fmt_num(x)
    }
}

/// A month-by-month count as a line of numbers with the direction of the
/// last three months against the three before.
pub fn trend_text(trend: &[(String, u32)]) -> String {
    let counts: Vec<String> = trend.iter().map(|(_, n)| n.to_string()).collect();
    let n = trend.len();
    let recent: u32 = trend.iter().skip(n.saturating_sub(3)).map(|t| t.1).sum();
    let before: u32 = trend
        .iter()
        .skip(n.saturating_sub(6))
        .take(n.saturating_sub(3).min(3))
        .map(|t| t.1)
        .sum();
    let dir = if recent > before {
        "rising"
    } else if recent < before {
        "falling"
    } else {
        "steady"
    };
    format!("{} ({dir})", counts.join(" · "))
}

impl Insights {
    /// The insights as a report document (HTML or Markdown).
    pub fn doc(&self, product_name: &str) -> cairn_report::doc::Doc {
        use crate::report::plural;
        use cairn_report::doc::{Block, Doc, Inline, Section};
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = Vec::new();
        let share = if self.feedback == 0 {
            0
        } else {
            (f64::from(self.linked) * 100.0 / f64::from(self.feedback)).round() as u32
        };
        sections.push(Section {
            heading: "Summary".into(),
            blocks: vec![
                Block::List(vec![
                    vec![Inline::Text(format!(
                        "{} since {}; {} % linked to the backlog.",
                        plural(
                            self.feedback as usize,
                            "piece of feedback",
                            "pieces of feedback"
                        ),
                        self.since,
                        share
                    ))],
                    vec![Inline::Text(format!(
                        "{} in the inbox, linked to no item.",
                        plural(self.inbox_total as usize, "record", "records")
                    ))],
                    vec![Inline::Text(format!(
                        "Feedback per month: {}.",
                        trend_text(&self.trend)
                    ))],
                ]),
                Block::Table {
                    headers: self.trend.iter().map(|(m, _)| m.clone()).collect(),
                    rows: vec![
                        self.trend
                            .iter()
                            .map(|(_, n)| vec![Inline::Text(n.to_string())])
                            .collect(),
                    ],
                },
            ],
        });
        let mut rows = Vec::new();
        for t in &self.themes {
            let mut linked = Vec::new();
            for (n, (k, c)) in t.items.iter().take(3).enumerate() {
                if n > 0 {
                    linked.push(Inline::Text(", ".into()));
                }
                linked.push(Inline::Item(k.clone()));
                linked.push(Inline::Text(format!(" ({c})")));
                items.push((k.clone(), self.titles.get(k).cloned().unwrap_or_default()));
            }
            if t.unlinked > 0 {
                if !linked.is_empty() {
                    linked.push(Inline::Text("; ".into()));
                }
                linked.push(Inline::Text(format!("{} unlinked", t.unlinked)));
            }
            rows.push(vec![
                vec![Inline::Strong(t.label.clone())],
                vec![Inline::Text(t.requests.to_string())],
                vec![Inline::Text(t.customers.to_string())],
                vec![Inline::Text(num(t.revenue))],
                vec![Inline::Text(trend_text(&t.trend))],
                linked,
            ]);
        }
        sections.push(Section {
            heading: "Top themes by demand".into(),
            blocks: if rows.is_empty() {
                vec![Block::Para(vec![Inline::Text(
                    "No two pieces of feedback in the period are alike enough to form a theme."
                        .into(),
                )])]
            } else {
                vec![
                    Block::Table {
                        headers: [
                            "Theme",
                            "Requests",
                            "Customers",
                            "Revenue-weighted",
                            "Per month",
                            "Items",
                        ]
                        .map(String::from)
                        .to_vec(),
                        rows,
                    },
                    Block::Note(
                        "A theme groups feedback whose words are alike (TF-IDF cosine at or above the workspace's theme threshold) around the record most others resemble; its words are those most of its records share."
                            .into(),
                    ),
                ]
            },
        });
        let mut rows = Vec::new();
        for d in &self.top_items {
            items.push((d.key.clone(), d.title.clone()));
            rows.push(vec![
                vec![Inline::Item(d.key.clone())],
                vec![Inline::Text(d.title.clone())],
                vec![Inline::Text(d.state.clone())],
                vec![Inline::Text(d.requests.to_string())],
                vec![Inline::Text(d.customers.to_string())],
                vec![Inline::Text(num(d.revenue))],
                vec![Inline::Text(num(d.recent))],
            ]);
        }
        sections.push(Section {
            heading: "Most demanded items".into(),
            blocks: if rows.is_empty() {
                vec![Block::Para(vec![Inline::Text(
                    "No feedback is linked to an item yet.".into(),
                )])]
            } else {
                vec![
                    Block::Table {
                        headers: [
                            "Item",
                            "Title",
                            "State",
                            "Requests",
                            "Customers",
                            "Revenue-weighted",
                            "Recent",
                        ]
                        .map(String::from)
                        .to_vec(),
                        rows,
                    },
                    Block::Note(
                        "Requests count every linked record and its merged duplicates. Revenue-weighted demand adds, per customer, its revenue weight (1 when unknown) times its most important request (nice to have 1, important 2, critical 3). Recent demand halves every half-life of age."
                            .into(),
                    ),
                ]
            },
        });
        let rows: Vec<Vec<Vec<Inline>>> = self
            .segments
            .iter()
            .map(|s| {
                let mut top = Vec::new();
                for (n, k) in s.top_items.iter().enumerate() {
                    if n > 0 {
                        top.push(Inline::Text(", ".into()));
                    }
                    top.push(Inline::Item(k.clone()));
                    items.push((k.clone(), self.titles.get(k).cloned().unwrap_or_default()));
                }
                if top.is_empty() {
                    top.push(Inline::Text("—".into()));
                }
                vec![
                    vec![Inline::Strong(s.segment.clone())],
                    vec![Inline::Text(s.feedback.to_string())],
                    vec![Inline::Text(s.customers.to_string())],
                    vec![Inline::Text(num(s.revenue))],
                    top,
                ]
            })
            .collect();
        if !rows.is_empty() {
            sections.push(Section {
                heading: "By segment".into(),
                blocks: vec![Block::Table {
                    headers: [
                        "Segment",
                        "Feedback",
                        "Customers",
                        "Revenue",
                        "Asks most for",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows,
                }],
            });
        }
        let rows: Vec<Vec<Vec<Inline>>> = self
            .inbox
            .iter()
            .take(20)
            .map(|f| {
                vec![
                    vec![Inline::Text(f.id.clone())],
                    vec![Inline::Text(f.received.clone())],
                    vec![Inline::Text(
                        f.customer
                            .as_ref()
                            .map(|c| c.name.clone())
                            .or_else(|| f.requester.clone())
                            .unwrap_or_else(|| "—".into()),
                    )],
                    vec![Inline::Text(f.importance.as_str().into())],
                    vec![Inline::Text(short(&f.text, 140))],
                ]
            })
            .collect();
        let mut inbox = vec![Block::Para(vec![Inline::Text(format!(
            "{} linked to no item. Each record's page suggests the items it most likely asks for (cairn feedback show F-n).",
            plural(self.inbox_total as usize, "record is", "records are")
        ))])];
        if !rows.is_empty() {
            inbox.push(Block::Table {
                headers: ["Feedback", "Received", "From", "Importance", "Text"]
                    .map(String::from)
                    .to_vec(),
                rows,
            });
        }
        sections.push(Section {
            heading: "Inbox".into(),
            blocks: inbox,
        });
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("Customer feedback — {product_name}"),
            subtitle: format!("Since {} · as of {}", self.since, self.today),
            sections,
            items,
            appendix: true,
        }
    }
}

fn short(s: &str, n: usize) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_sorted_and_dropped() {
        assert!(FILLER.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            topic("Please let us export PDFs, thanks!"),
            "us export PDFs"
        );
    }

    #[test]
    fn revenue_cells_and_days() {
        assert_eq!(parse_revenue("$120,000").unwrap(), 120_000.0);
        assert_eq!(parse_revenue("9 500.5").unwrap(), 9500.5);
        assert!(parse_revenue("lots").is_err());
        assert!(parse_revenue("-5").is_err());
        assert_eq!(check_day("2026-03-01").unwrap(), "2026-03-01");
        assert_eq!(check_day("2026-03-01T23:30:00Z").unwrap(), "2026-03-01");
        assert!(check_day("01/03/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert_eq!(
            months_upto("2026-02-14", 3),
            vec!["2025-12", "2026-01", "2026-02"]
        );
    }
}
