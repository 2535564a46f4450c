//! Item use cases: add, show, edit, state, move, remove, link, query.

use crate::workspace::names_or_none;
use crate::{App, AppError, Result, Tx, invalid};
use cairn_core::audit::Change;
use cairn_core::item::normalise_labels;
use cairn_core::{
    Category, FieldType, FieldValue, Item, ItemKey, Kind, Link, LinkEnd, LinkKind, Role, rank,
};
use cairn_query::{CustomField, CustomType, Schema};
use cairn_store::Page;
use serde::Serialize;
use std::collections::BTreeMap;

/// A new item as a user describes it (custom fields as text, typed here).
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub product: Option<String>,
    pub kind: Option<Kind>,
    pub title: String,
    pub description: String,
    pub state: Option<String>,
    pub assignee: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Option<f64>,
    pub acceptance: String,
    pub fields: Vec<(String, String)>,
    pub parent: Option<ItemKey>,
    pub release: Option<String>,
    pub goals: Vec<String>,
}

/// A change to an item; `None` leaves a field alone. For optional fields
/// `Some(None)` clears them.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub kind: Option<Kind>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub state: Option<String>,
    pub assignee: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    pub estimate: Option<Option<f64>>,
    pub acceptance: Option<String>,
    /// (name, Some(value)) sets, (name, None) clears.
    pub fields: Vec<(String, Option<String>)>,
    pub parent: Option<Option<ItemKey>>,
    pub release: Option<Option<String>>,
    /// Move into a guarded state even though its gate's rules fail: for
    /// owners, with a reason, kept in the audit trail.
    pub override_gate: bool,
}

/// Where `cairn item move` puts an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    Top,
    Bottom,
    Before(ItemKey),
    After(ItemKey),
}

/// An item with its links and children, for `cairn item show`.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    #[serde(flatten)]
    pub item: Item,
    pub links: Vec<LinkEnd>,
    pub children: Vec<ItemKey>,
}

/// One page of a query's results.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    /// How many items match; with [`App::query_capped`], at most the cap
    /// (then `capped` is true and there are at least this many).
    pub total: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    pub offset: usize,
    pub items: Vec<Item>,
}

const MAX_TITLE: usize = 300;

pub(crate) fn check_title(t: &str) -> Result<String> {
    let t = t.trim();
    if t.is_empty() {
        return invalid(
            "an item needs a title, e.g. `cairn item add story \"Refund a card payment\"`",
        );
    }
    if t.chars().count() > MAX_TITLE {
        return invalid(format!(
            "the title is {} characters long; keep it under {MAX_TITLE} and put detail in --description",
            t.chars().count()
        ));
    }
    if t.contains('\n') {
        return invalid("a title is one line; put detail in --description");
    }
    Ok(t.to_string())
}

pub(crate) fn check_estimate(e: Option<f64>) -> Result<Option<f64>> {
    match e {
        Some(x) if !x.is_finite() || x < 0.0 => invalid(format!(
            "estimate {x} is not usable: give a number of points, 0 or more (e.g. 3)"
        )),
        other => Ok(other),
    }
}

pub(crate) fn check_labels(labels: &[String]) -> Result<()> {
    for l in labels {
        if l.chars().any(|c| c.is_whitespace() || c == ',') {
            return invalid(format!(
                "label `{l}` contains a space or comma; labels are single words like `payments` or `tech-debt`"
            ));
        }
    }
    Ok(())
}

/// The query schema a config implies: its states and custom fields.
pub fn schema_for(config: &cairn_core::Config) -> Schema {
    Schema {
        kinds: Kind::names().into_iter().map(String::from).collect(),
        states: config.all_states(),
        categories: Category::names().into_iter().map(String::from).collect(),
        custom: config
            .fields
            .iter()
            .map(|(name, d)| CustomField {
                name: name.clone(),
                ty: match d.ty {
                    FieldType::Number => CustomType::Number,
                    FieldType::Text => CustomType::Text,
                    FieldType::Date => CustomType::Date,
                    FieldType::Enum => CustomType::Enum(d.values.clone()),
                },
            })
            .collect(),
    }
}

impl App {
    /// The query schema this workspace's config implies.
    pub fn query_schema(&self) -> Schema {
        schema_for(&self.config)
    }

    /// Compile a query in this workspace: its states and custom fields, now.
    pub fn compile_query(&mut self, src: &str) -> Result<cairn_query::Query> {
        let now = chrono::DateTime::from_timestamp_millis(self.now()).unwrap_or_default();
        let mut q =
            cairn_query::compile(src, &self.query_schema(), now).map_err(|d| AppError::Query {
                rendered: d.render(src),
                message: d.message.clone(),
                column: src[..d.span.start.min(src.len())].chars().count() + 1,
            })?;
        // Link functions name items: an unknown one is a mistake, not an empty result.
        let mut keys = Vec::new();
        collect_keys(&q.filter, &mut keys);
        for k in keys {
            if let Ok(key) = k.parse::<ItemKey>()
                && (!self.can_see_key(&key) || self.store.item_id(&key)?.is_none())
            {
                return Err(AppError::NotFound(format!(
                    "the query names {key}, which does not exist"
                )));
            }
        }
        // A caller sees only their products' items, in results and counts.
        if let Some(visible) = self.access.as_ref().and_then(|a| a.visible()) {
            let only = match visible.as_slice() {
                // One product (the usual case) is an equality the planner
                // can seek by.
                [one] => cairn_query::Filter::Compare {
                    field: cairn_query::Field::Product,
                    op: cairn_query::CmpOp::Eq,
                    value: cairn_query::Scalar::Text(one.clone()),
                },
                _ => cairn_query::Filter::In {
                    field: cairn_query::Field::Product,
                    values: visible.into_iter().map(cairn_query::Scalar::Text).collect(),
                    negated: false,
                },
            };
            q.filter = cairn_query::Filter::And(vec![only, q.filter]);
        }
        Ok(q)
    }

    /// Run a query: one page of items plus the total match count.
    pub fn query(&mut self, src: &str, page: Page) -> Result<QueryResult> {
        let q = self.compile_query(src)?;
        let mut items = self.store.query(&q, page)?;
        self.hide_parents(&mut items);
        let total = self.store.count(&q)?;
        Ok(QueryResult {
            total,
            capped: false,
            offset: page.offset,
            items,
        })
    }

    /// One page of a query's items, without counting the rest.
    pub fn query_items(&mut self, src: &str, page: Page) -> Result<Vec<Item>> {
        let q = self.compile_query(src)?;
        let mut items = self.store.query(&q, page)?;
        self.hide_parents(&mut items);
        Ok(items)
    }

    /// How many of a product's items are in each state (for a board).
    pub fn count_by_state(&mut self, product: &str) -> Result<Vec<(String, u64)>> {
        let product = self.resolve_product(Some(product))?.prefix;
        Ok(self.store.count_by_state(&product)?)
    }

    /// A page of a query with its count capped at `cap` matches (pages of
    /// huge backlogs need not count every row). The count always covers
    /// at least the page itself.
    pub fn query_capped(&mut self, src: &str, page: Page, cap: u64) -> Result<QueryResult> {
        let q = self.compile_query(src)?;
        let mut items = self.store.query(&q, page)?;
        self.hide_parents(&mut items);
        let seen = (page.offset + items.len()) as u64;
        if items.len() < page.limit && (page.offset == 0 || !items.is_empty()) {
            // The last page: everything is counted already.
            return Ok(QueryResult {
                total: seen,
                capped: false,
                offset: page.offset,
                items,
            });
        }
        let limit = cap.max(seen + 1);
        let n = self.store.count_upto(&q, limit + 1)?;
        Ok(QueryResult {
            total: n.min(limit),
            capped: n > limit,
            offset: page.offset,
            items,
        })
    }

    /// A parent in a product the caller cannot see is not shown.
    fn hide_parents(&self, items: &mut [Item]) {
        for it in items {
            if it.parent.as_ref().is_some_and(|p| !self.can_see_key(p)) {
                it.parent = None;
            }
        }
    }

    pub fn item(&mut self, key: &ItemKey) -> Result<Item> {
        self.see(key)?;
        let mut item = self.store.item(key)?.ok_or_else(|| not_found(key))?;
        self.hide_parents(std::slice::from_mut(&mut item));
        Ok(item)
    }

    pub fn item_view(&mut self, key: &ItemKey) -> Result<ItemView> {
        let item = self.item(key)?;
        let mut links = self.store.links_of(key)?;
        links.retain(|l| self.can_see_key(&l.other));
        let mut children = self.store.children(key)?;
        children.retain(|c| self.can_see_key(c));
        Ok(ItemView {
            item,
            links,
            children,
        })
    }

    /// Create an item at the bottom of its product's backlog.
    pub fn item_add(&mut self, new: NewItem, reason: Option<&str>) -> Result<Item> {
        self.require_init()?;
        let product = self.resolve_product(new.product.as_deref())?;
        self.need(&product.prefix, Role::Member, "create items")?;
        if let Some(p) = &new.parent {
            self.see(p)?;
        }
        self.tx(|tx| {
            let item = tx.add_item(&product.prefix, new, reason)?;
            tx.on_item(None, &item)?;
            tx.webhook_item(None, &item)?;
            Ok(item)
        })
    }

    /// Apply a patch. `expected_version` is the version the caller read;
    /// `None` means "the version I am reading now" (one command, one
    /// transaction). A stale version is refused.
    pub fn item_edit(
        &mut self,
        key: &ItemKey,
        patch: Patch,
        expected_version: Option<i64>,
        reason: Option<&str>,
    ) -> Result<Item> {
        self.require_init()?;
        self.need_item(key, Role::Member, "edit items")?;
        if let Some(Some(p)) = &patch.parent {
            self.see(p)?;
        }
        // The Definition of Ready or of Done guards moves into its states.
        let mut overridden = None;
        if let Some(state) = patch.state.clone()
            && !self.config.gates.guarding(&state).is_empty()
        {
            let current = self.item(key)?;
            let mut probe = current.clone();
            if let Some(k) = patch.kind {
                probe.kind = k;
            }
            if let Some(e) = patch.estimate {
                probe.estimate = e;
            }
            if let Some(a) = &patch.acceptance {
                probe.acceptance = a.clone();
            }
            if let Some(a) = &patch.assignee {
                probe.assignee = a.clone();
            }
            if let Some(refusal) = self.gate_for_move(&current, &probe, &state)? {
                if !patch.override_gate {
                    self.webhook_gate_refused(&current, &refusal);
                    return Err(AppError::Gate(Box::new(refusal)));
                }
                self.need_item(key, Role::Owner, "override a gate")?;
                if reason.is_none_or(|r| r.trim().is_empty()) {
                    return invalid(format!(
                        "overriding the gate needs a reason for the audit trail: --reason \"why {key} may move to {state} anyway\""
                    ));
                }
                overridden = Some(refusal);
            }
        }
        self.tx(|tx| {
            let before = tx.store.item(key)?;
            let item = tx.edit_item(key, patch, expected_version, reason)?;
            tx.on_item(before.as_ref(), &item)?;
            tx.webhook_item(before.as_ref(), &item)?;
            if let Some(r) = &overridden {
                tx.audit(
                    "gate.override",
                    &key.to_string(),
                    None,
                    &[
                        Change::new("gate", (), &r.gate),
                        Change::new("state", (), &r.state),
                        Change::new(
                            "unmet",
                            (),
                            r.unmet
                                .iter()
                                .map(|u| format!("{}: {}", u.rule, u.detail))
                                .collect::<Vec<_>>(),
                        ),
                    ],
                    reason,
                )?;
            }
            Ok(item)
        })
    }

    /// Move an item within its product's ranking. Writes one row.
    pub fn item_move(
        &mut self,
        key: &ItemKey,
        to: &Position,
        expected_version: Option<i64>,
        reason: Option<&str>,
    ) -> Result<Item> {
        self.require_init()?;
        self.need_item(key, Role::Member, "reorder the backlog")?;
        if let Position::Before(o) | Position::After(o) = to {
            self.see(o)?;
        }
        self.tx(|tx| {
            tx.store.lock_product(&key.prefix)?;
            let mut item = tx.load(key, expected_version)?;
            let p = &item.key.prefix;
            let new_rank = match to {
                Position::Top => match tx.store.rank_end(p, true)? {
                    Some(first) if first == item.rank => return Ok(item.clone()),
                    Some(first) => rank::between(None, Some(&first)),
                    None => rank::between(None, None),
                },
                Position::Bottom => match tx.store.rank_end(p, false)? {
                    Some(last) if last == item.rank => return Ok(item.clone()),
                    Some(last) => rank::between(Some(&last), None),
                    None => rank::between(None, None),
                },
                Position::Before(other) | Position::After(other) => {
                    if other == key {
                        return invalid(format!("cannot move {key} next to itself"));
                    }
                    let o = tx.store.item(other)?.ok_or_else(|| not_found(other))?;
                    if o.key.prefix != item.key.prefix {
                        return invalid(format!(
                            "{other} is in product {}, {key} in {}: items are ranked within their own product",
                            o.key.prefix, item.key.prefix
                        ));
                    }
                    let before = matches!(to, Position::Before(_));
                    let mut n = tx.store.rank_neighbour(p, &o.rank, before)?;
                    if n.as_deref() == Some(item.rank.as_str()) {
                        // Already there.
                        return Ok(item.clone());
                    }
                    if before {
                        rank::between(n.as_deref(), Some(&o.rank))
                    } else {
                        let hi = n.take();
                        rank::between(Some(&o.rank), hi.as_deref())
                    }
                }
            }
            .map_err(|e| AppError::Store(cairn_store::StoreError::Corrupt(e.to_string())))?;
            tx.store.set_rank(key, &new_rank, tx.now, item.version)?;
            tx.audit("item.rank", &key.to_string(), None, &[Change::new("rank", &item.rank, &new_rank)], reason)?;
            item.rank = new_rank;
            item.version += 1;
            item.updated = tx.now;
            Ok(item)
        })
    }

    /// Delete an item. Its key is never reused and its history stays.
    pub fn item_rm(
        &mut self,
        key: &ItemKey,
        expected_version: Option<i64>,
        reason: Option<&str>,
    ) -> Result<()> {
        self.require_init()?;
        self.need_item(key, Role::Member, "delete items")?;
        self.tx(|tx| {
            let item = tx.load(key, expected_version)?;
            let children = tx.store.children(key)?;
            if !children.is_empty() {
                let list: Vec<String> = children.iter().map(ToString::to_string).collect();
                return invalid(format!(
                    "{key} has children ({}); remove them or give them another parent first",
                    list.join(", ")
                ));
            }
            let links = tx.store.links_of(key)?;
            let snapshot = serde_json::to_value(&item).unwrap_or_default();
            let mut changes = vec![Change::new("item", &snapshot, ())];
            for l in &links {
                changes.push(Change::new(
                    "link",
                    format!("{} {}", l.relation, l.other),
                    (),
                ));
            }
            tx.store.delete_item(key, item.version)?;
            tx.audit("item.delete", &key.to_string(), None, &changes, reason)?;
            Ok(())
        })
    }

    /// Make a typed link. `relation` may be any name
    /// [`LinkKind::parse_directed`] accepts (e.g. `blocked-by`).
    pub fn link(
        &mut self,
        a: &ItemKey,
        relation: &str,
        b: &ItemKey,
        reason: Option<&str>,
    ) -> Result<Link> {
        self.require_init()?;
        let link = parse_link(a, relation, b)?;
        self.need_item(a, Role::Member, "link items")?;
        self.see(b)?;
        self.tx(|tx| {
            let src = tx.store.item(&link.src)?.ok_or_else(|| not_found(&link.src))?;
            let dst = tx.store.item(&link.dst)?.ok_or_else(|| not_found(&link.dst))?;
            match link.kind {
                LinkKind::Verifies if !matches!(dst.kind, Kind::Requirement | Kind::Story) => {
                    return invalid(format!(
                        "{} is a {}; `verifies` links point at a requirement or a story",
                        dst.key, dst.kind
                    ));
                }
                LinkKind::Implements if !matches!(dst.kind, Kind::Requirement | Kind::Epic) => {
                    return invalid(format!(
                        "{} is a {}; `implements` links point at a requirement or an epic (e.g. story implements requirement)",
                        dst.key, dst.kind
                    ));
                }
                _ => {}
            }
            if !tx.store.insert_link(&link, tx.now)? {
                return invalid(format!("{} already {} {}", src.key, link.kind, dst.key));
            }
            tx.audit(
                "link.add",
                &link.src.to_string(),
                Some(&link.dst.to_string()),
                &[Change::new(link.kind.as_str(), (), link.dst.to_string())],
                reason,
            )?;
            Ok(link.clone())
        })
    }

    pub fn unlink(
        &mut self,
        a: &ItemKey,
        relation: &str,
        b: &ItemKey,
        reason: Option<&str>,
    ) -> Result<Link> {
        self.require_init()?;
        let link = parse_link(a, relation, b)?;
        self.need_item(a, Role::Member, "unlink items")?;
        self.see(b)?;
        self.tx(|tx| {
            if !tx.store.delete_link(&link)? {
                return Err(AppError::NotFound(format!(
                    "there is no link {} {} {}",
                    link.src, link.kind, link.dst
                )));
            }
            tx.audit(
                "link.remove",
                &link.src.to_string(),
                Some(&link.dst.to_string()),
                &[Change::new(link.kind.as_str(), link.dst.to_string(), ())],
                reason,
            )?;
            Ok(link.clone())
        })
    }
}

fn collect_keys(f: &cairn_query::Filter, out: &mut Vec<String>) {
    use cairn_query::Filter;
    match f {
        Filter::And(v) | Filter::Or(v) => v.iter().for_each(|x| collect_keys(x, out)),
        Filter::Not(x) => collect_keys(x, out),
        Filter::Linked { key, .. } => out.push(key.clone()),
        _ => {}
    }
}

fn parse_link(a: &ItemKey, relation: &str, b: &ItemKey) -> Result<Link> {
    let (kind, swap) = LinkKind::parse_directed(relation).ok_or_else(|| {
        AppError::Invalid(format!(
            "`{relation}` is not a link kind; use one of: {}",
            LinkKind::user_names().join(", ")
        ))
    })?;
    if a == b {
        return invalid(format!(
            "an item cannot link to itself ({a} {relation} {b})"
        ));
    }
    let (src, dst) = if swap {
        (b.clone(), a.clone())
    } else {
        (a.clone(), b.clone())
    };
    Ok(Link { src, kind, dst })
}

pub(crate) fn not_found(key: &ItemKey) -> AppError {
    AppError::NotFound(format!(
        "there is no item {key}; find keys with `cairn query`"
    ))
}

impl Tx<'_> {
    /// Load an item, checking the caller's expected version.
    pub fn load(&mut self, key: &ItemKey, expected: Option<i64>) -> Result<Item> {
        let item = self.store.item(key)?.ok_or_else(|| not_found(key))?;
        if let Some(v) = expected
            && v != item.version
        {
            return Err(AppError::Store(cairn_store::StoreError::Conflict {
                key: key.to_string(),
                expected: v,
                current: item.version,
            }));
        }
        Ok(item)
    }

    fn typed_field(&self, name: &str, raw: &str) -> Result<FieldValue> {
        let Some(decl) = self.config.fields.get(name) else {
            let names: Vec<&str> = self.config.fields.keys().map(String::as_str).collect();
            return invalid(format!(
                "there is no custom field `{name}`; declared fields: {} (declare fields in the workspace config, `cairn config`)",
                names_or_none(names.into_iter())
            ));
        };
        let raw = raw.trim();
        Ok(match decl.ty {
            FieldType::Number => FieldValue::Number(
                raw.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        AppError::Invalid(format!("field `{name}` takes a number, not `{raw}`"))
                    })?,
            ),
            FieldType::Text => FieldValue::Text(raw.to_string()),
            FieldType::Date => {
                let d = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                    AppError::Invalid(format!(
                        "field `{name}` takes a date as YYYY-MM-DD, not `{raw}`"
                    ))
                })?;
                FieldValue::Text(d.format("%Y-%m-%d").to_string())
            }
            FieldType::Enum => {
                if !decl.values.iter().any(|v| v == raw) {
                    return invalid(format!(
                        "field `{name}` takes one of {}, not `{raw}`",
                        decl.values.join(", ")
                    ));
                }
                FieldValue::Text(raw.to_string())
            }
        })
    }

    fn check_assignee(&mut self, a: &str) -> Result<()> {
        if self.store.person(a)?.is_none() {
            let people: Vec<String> = self.store.people()?.into_iter().map(|p| p.handle).collect();
            return invalid(format!(
                "there is no person `{a}`; add them with `cairn person add {a} \"Full Name\"` (people: {})",
                names_or_none(people.iter().map(String::as_str))
            ));
        }
        Ok(())
    }

    fn check_release(&mut self, prefix: &str, name: &str) -> Result<()> {
        if self.store.release(prefix, name)?.is_none() {
            return Err(AppError::NotFound(format!(
                "there is no release {name} in {prefix}; add it with `cairn release add {name}`"
            )));
        }
        Ok(())
    }

    fn check_state(&self, kind: Kind, state: &str) -> Result<Category> {
        self.config.category_of(kind, state).ok_or_else(|| {
            AppError::Invalid(format!(
                "`{state}` is not a state of the {kind} workflow; states: {}",
                self.config.workflow_for(kind).state_names().join(", ")
            ))
        })
    }

    pub(crate) fn check_parent(
        &mut self,
        child_key: Option<&ItemKey>,
        kind: Kind,
        parent: &ItemKey,
    ) -> Result<()> {
        let p = self.store.item(parent)?.ok_or_else(|| not_found(parent))?;
        if !self.config.allows_parent(p.kind, kind) {
            let allowed: Vec<&str> = self
                .config
                .parents_allowed(kind)
                .iter()
                .map(|k| k.as_str())
                .collect();
            return invalid(format!(
                "a {kind} cannot be a child of a {} ({parent}); a {kind}'s parent may be: {}",
                p.kind,
                if allowed.is_empty() {
                    "nothing (it is top-level)".to_string()
                } else {
                    allowed.join(", ")
                }
            ));
        }
        if let Some(child) = child_key {
            // Walk up from the new parent: meeting the child means a cycle.
            let mut chain = vec![child.clone(), parent.clone()];
            let mut cur = p.parent.clone();
            if parent == child {
                return invalid(format!("{child} cannot be its own parent"));
            }
            while let Some(k) = cur {
                chain.push(k.clone());
                if &k == child {
                    let path: Vec<String> = chain.iter().map(ToString::to_string).collect();
                    return invalid(format!(
                        "making {parent} the parent of {child} would create a cycle: {}",
                        path.join(" → ")
                    ));
                }
                if chain.len() > 10_000 {
                    break;
                }
                cur = self.store.item(&k)?.and_then(|i| i.parent);
            }
        }
        Ok(())
    }

    pub fn add_item(&mut self, prefix: &str, new: NewItem, reason: Option<&str>) -> Result<Item> {
        self.add_item_with(prefix, new, reason, None, Vec::new())
    }

    /// Add an item; an import gives the times it had elsewhere
    /// (created, started, resolved, updated) and more for its audit entry.
    pub(crate) fn add_item_with(
        &mut self,
        prefix: &str,
        new: NewItem,
        reason: Option<&str>,
        times: Option<(i64, Option<i64>, Option<i64>, i64)>,
        extra: Vec<Change>,
    ) -> Result<Item> {
        let kind = new.kind.unwrap_or(Kind::Story);
        let title = check_title(&new.title)?;
        let estimate = check_estimate(new.estimate)?;
        let labels = normalise_labels(&new.labels);
        check_labels(&labels)?;
        let wf = self.config.workflow_for(kind);
        let state = new
            .state
            .clone()
            .unwrap_or_else(|| wf.initial_state().to_string());
        let category = self.check_state(kind, &state)?;
        if let Some(a) = &new.assignee {
            self.check_assignee(a)?;
        }
        let mut fields = BTreeMap::new();
        for (name, raw) in &new.fields {
            fields.insert(name.clone(), self.typed_field(name, raw)?);
        }
        if let Some(p) = &new.parent {
            self.check_parent(None, kind, p)?;
        }
        if let Some(r) = &new.release {
            self.check_release(prefix, r)?;
        }
        let mut goals = new.goals.clone();
        goals.sort();
        goals.dedup();
        for g in &goals {
            if self.store.goal(g)?.is_none() {
                return Err(AppError::NotFound(format!(
                    "there is no goal \"{g}\"; add it with `cairn goal add`"
                )));
            }
        }
        // Taking the number locks the product row first, so concurrent adds
        // on PostgreSQL read the last rank one at a time.
        let number = self.store.take_number(prefix)?;
        let last = self.store.rank_end(prefix, false)?;
        let rank = rank::between(last.as_deref(), None)
            .map_err(|e| AppError::Store(cairn_store::StoreError::Corrupt(e.to_string())))?;
        let item = Item {
            key: ItemKey::new(prefix, number),
            kind,
            title,
            description: new.description.clone(),
            state,
            category,
            assignee: new.assignee.clone(),
            labels,
            estimate,
            acceptance: new.acceptance.clone(),
            fields,
            created: times.map_or(self.now, |t| t.0),
            updated: times.map_or(self.now, |t| t.3),
            resolved: match times {
                Some(t) => t.2,
                None => (category == Category::Done).then_some(self.now),
            },
            started: match times {
                Some(t) => t.1,
                None => (category == Category::InProgress).then_some(self.now),
            },
            rank,
            parent: new.parent.clone(),
            release: new.release.clone(),
            goals,
            version: 1,
        };
        self.store.insert_item(&item)?;
        let mut changes = creation_changes(&item);
        changes.extend(extra);
        self.audit("item.create", &item.key.to_string(), None, &changes, reason)?;
        Ok(item)
    }

    pub fn edit_item(
        &mut self,
        key: &ItemKey,
        patch: Patch,
        expected: Option<i64>,
        reason: Option<&str>,
    ) -> Result<Item> {
        let old = self.load(key, expected)?;
        let mut new = old.clone();
        if let Some(k) = patch.kind {
            new.kind = k;
        }
        if let Some(t) = &patch.title {
            new.title = check_title(t)?;
        }
        if let Some(d) = &patch.description {
            new.description = d.clone();
        }
        if let Some(a) = &patch.acceptance {
            new.acceptance = a.clone();
        }
        if let Some(a) = &patch.assignee {
            if let Some(h) = a {
                self.check_assignee(h)?;
            }
            new.assignee = a.clone();
        }
        if let Some(e) = patch.estimate {
            new.estimate = check_estimate(e)?;
        }
        if let Some(l) = &patch.labels {
            new.labels = normalise_labels(l);
        }
        if !patch.add_labels.is_empty() || !patch.remove_labels.is_empty() {
            let mut l = new.labels.clone();
            l.extend(patch.add_labels.iter().cloned());
            l.retain(|x| !patch.remove_labels.iter().any(|r| r.trim() == x));
            new.labels = normalise_labels(&l);
        }
        check_labels(&new.labels)?;
        for (name, v) in &patch.fields {
            match v {
                Some(raw) => {
                    let typed = self.typed_field(name, raw)?;
                    new.fields.insert(name.clone(), typed);
                }
                None => {
                    new.fields.remove(name);
                }
            }
        }
        if let Some(r) = &patch.release {
            if let Some(name) = r {
                self.check_release(&key.prefix, name)?;
            }
            new.release = r.clone();
        }
        if let Some(s) = &patch.state {
            let wf = self.config.workflow_for(new.kind);
            if !wf.allows(&old.state, s) && wf.state(s).is_some() {
                return invalid(format!(
                    "the {} workflow does not allow {} → {s}; from {} an item may go to: {}",
                    new.kind,
                    old.state,
                    old.state,
                    wf.transitions
                        .get(&old.state)
                        .map(|v| v.join(", "))
                        .unwrap_or_default()
                ));
            }
            new.state = s.clone();
        }
        // A kind change must still fit the workflow and hierarchy.
        new.category = self.check_state(new.kind, &new.state)?;
        if let Some(p) = &patch.parent {
            new.parent = p.clone();
        }
        if let Some(p) = new.parent.clone()
            && (patch.parent.is_some() || patch.kind.is_some())
        {
            self.check_parent(Some(key), new.kind, &p)?;
        }
        if patch.kind.is_some() && new.kind != old.kind {
            for c in self.store.children(key)? {
                if let Some(ci) = self.store.item(&c)?
                    && !self.config.allows_parent(new.kind, ci.kind)
                {
                    return invalid(format!(
                        "{key} cannot become a {}: its child {c} is a {}, which a {} may not contain",
                        new.kind, ci.kind, new.kind
                    ));
                }
            }
        }
        match (
            old.category == Category::Done,
            new.category == Category::Done,
        ) {
            (false, true) => new.resolved = Some(self.now),
            (true, false) => new.resolved = None,
            _ => {}
        }
        match new.category {
            Category::InProgress if new.started.is_none() => new.started = Some(self.now),
            Category::Todo => new.started = None,
            _ => {}
        }
        let changes = diff(&old, &new);
        if changes.is_empty() {
            return Ok(old);
        }
        new.updated = self.now;
        new.version = old.version + 1;
        self.store.update_item(&new, old.version)?;
        if new.labels != old.labels {
            self.store.set_labels(key, &new.labels)?;
        }
        if new.fields != old.fields {
            self.store.set_fields(key, &new.fields)?;
        }
        let state_only = changes
            .iter()
            .all(|c| c.field == "state" || c.field == "resolved" || c.field == "started");
        let action = if state_only {
            "item.state"
        } else {
            "item.update"
        };
        self.audit(action, &key.to_string(), None, &changes, reason)?;
        Ok(new)
    }
}

pub(crate) fn creation_changes(item: &Item) -> Vec<Change> {
    let mut c = vec![
        Change::new("kind", (), item.kind),
        Change::new("title", (), &item.title),
        Change::new("state", (), &item.state),
        Change::new("rank", (), &item.rank),
    ];
    if !item.description.is_empty() {
        c.push(Change::new("description", (), &item.description));
    }
    if !item.acceptance.is_empty() {
        c.push(Change::new("acceptance", (), &item.acceptance));
    }
    if let Some(a) = &item.assignee {
        c.push(Change::new("assignee", (), a));
    }
    if !item.labels.is_empty() {
        c.push(Change::new("labels", (), &item.labels));
    }
    if let Some(e) = item.estimate {
        c.push(Change::new("estimate", (), e));
    }
    for (k, v) in &item.fields {
        c.push(Change::new(&format!("fields.{k}"), (), v));
    }
    if let Some(p) = &item.parent {
        c.push(Change::new("parent", (), p));
    }
    if let Some(r) = &item.release {
        c.push(Change::new("release", (), r));
    }
    if !item.goals.is_empty() {
        c.push(Change::new("goals", (), &item.goals));
    }
    if let Some(r) = item.resolved {
        c.push(Change::new("resolved", (), cairn_core::format_millis(r)));
    }
    c
}

/// Field-by-field differences, old → new.
fn diff(old: &Item, new: &Item) -> Vec<Change> {
    let mut c = Vec::new();
    macro_rules! cmp {
        ($f:ident) => {
            if old.$f != new.$f {
                c.push(Change::new(stringify!($f), &old.$f, &new.$f));
            }
        };
    }
    cmp!(kind);
    cmp!(title);
    cmp!(description);
    cmp!(state);
    cmp!(assignee);
    cmp!(labels);
    cmp!(estimate);
    cmp!(acceptance);
    cmp!(parent);
    cmp!(release);
    let names: std::collections::BTreeSet<&String> =
        old.fields.keys().chain(new.fields.keys()).collect();
    for n in names {
        if old.fields.get(n) != new.fields.get(n) {
            c.push(Change::new(
                &format!("fields.{n}"),
                old.fields.get(n),
                new.fields.get(n),
            ));
        }
    }
    if old.started != new.started {
        c.push(Change::new(
            "started",
            old.started.map(cairn_core::format_millis),
            new.started.map(cairn_core::format_millis),
        ));
    }
    if old.resolved != new.resolved {
        c.push(Change::new(
            "resolved",
            old.resolved.map(cairn_core::format_millis),
            new.resolved.map(cairn_core::format_millis),
        ));
    }
    c
}
