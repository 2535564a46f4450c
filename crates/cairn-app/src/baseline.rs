//! Baselines: freeze a scope (e.g. the requirements of release 2.0)
//! under a name, and diff two baselines or a baseline against now.
//!
//! A baseline keeps each item's content with its SHA-256 hash, and the
//! hash of the whole; reading one back checks both, so a baseline edited
//! behind Cairn's back is refused rather than trusted.

use crate::report::{human_date, plural};
use crate::{App, AppError, Result, day, invalid};
use cairn_core::Role;
use cairn_core::audit::Change;
use cairn_core::baseline::{Diff, Frozen, baseline_hash, diff};
use cairn_report::doc::{Block, Doc, Inline, Section};
use cairn_store::baselines::NewBaseline;
use serde::Serialize;

/// The scope a baseline freezes when none is given.
pub const DEFAULT_SCOPE: &str = "kind = requirement";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaselineInfo {
    pub product: String,
    pub name: String,
    /// The query that chose its items.
    pub query: String,
    pub description: String,
    /// YYYY-MM-DD
    pub created: String,
    pub actor: String,
    /// SHA-256 over its items' content hashes.
    pub hash: String,
    pub items: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineDiff {
    pub product: String,
    pub from: BaselineInfo,
    /// `None` when compared with the items as they are now.
    pub to: Option<BaselineInfo>,
    pub generated: String,
    pub diff: Diff,
}

fn info(r: cairn_store::baselines::BaselineRow) -> BaselineInfo {
    BaselineInfo {
        product: r.product,
        name: r.name,
        query: r.query,
        description: r.description,
        created: day(r.created),
        actor: r.actor,
        hash: r.hash,
        items: r.items,
    }
}

impl App {
    /// Freeze the items `query` selects (default: the product's
    /// requirements) under `name`.
    pub fn baseline_create(
        &mut self,
        product: Option<&str>,
        name: &str,
        query: Option<&str>,
        description: &str,
    ) -> Result<BaselineInfo> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        self.need(&product, Role::Member, "make baselines")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return invalid(
                "a baseline name is one line of 1 to 80 characters, e.g. \"release 2.0 requirements\"",
            );
        }
        if self.store.baseline(&product, name)?.is_some() {
            return invalid(format!(
                "{product} already has a baseline \"{name}\": baselines never change; pick another name"
            ));
        }
        let query = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .unwrap_or(DEFAULT_SCOPE)
            .to_string();
        let q = self.compile_query(&format!("product = {product} AND ({query}) ORDER BY key"))?;
        let items = self.tx(|tx| crate::forecast::all(tx.store, &q))?;
        if items.is_empty() {
            return invalid(format!(
                "`{query}` matches no item of {product}: a baseline needs something to freeze"
            ));
        }
        let frozen: Vec<Frozen> = items.iter().map(Frozen::of).collect();
        let hash = baseline_hash(&frozen);
        let rows: Vec<(String, String, String)> = frozen
            .iter()
            .map(|f| (f.key.to_string(), f.canonical(), f.hash()))
            .collect();
        let actor = self.actor().to_string();
        let description = description.trim().to_string();
        self.tx(|tx| {
            tx.store.insert_baseline(&NewBaseline {
                product: &product,
                name,
                query: &query,
                description: &description,
                created: tx.now,
                actor: &actor,
                hash: &hash,
                items: &rows,
            })?;
            tx.audit(
                "baseline.create",
                &format!("{product} baseline {name}"),
                None,
                &[
                    Change::new("query", (), &query),
                    Change::new("items", (), rows.len()),
                    Change::new("hash", (), &hash),
                ],
                None,
            )?;
            Ok(())
        })?;
        self.store
            .baseline(&product, name)?
            .map(info)
            .ok_or_else(|| AppError::NotFound(format!("baseline {name} was not stored")))
    }

    pub fn baselines(&mut self, product: Option<&str>) -> Result<Vec<BaselineInfo>> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        Ok(self
            .store
            .baselines(&product)?
            .into_iter()
            .map(info)
            .collect())
    }

    /// A baseline and its items, checked against their hashes.
    pub fn baseline(
        &mut self,
        product: Option<&str>,
        name: &str,
    ) -> Result<(BaselineInfo, Vec<Frozen>)> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        let row = self.store.baseline(&product, name.trim())?.ok_or_else(|| {
            AppError::NotFound(format!(
                "{product} has no baseline \"{}\"; list them with `cairn baseline list`",
                name.trim()
            ))
        })?;
        let mut items = Vec::new();
        for (data, hash) in self.store.baseline_items(row.id)? {
            let f: Frozen = serde_json::from_str(&data).map_err(|e| {
                AppError::Invalid(format!(
                    "baseline \"{}\" holds an item that is not readable ({e}): it was changed outside Cairn",
                    row.name
                ))
            })?;
            if f.hash() != hash {
                return invalid(format!(
                    "baseline \"{}\": the content of {} does not match its hash; the baseline was changed outside Cairn and cannot be trusted",
                    row.name, f.key
                ));
            }
            items.push(f);
        }
        items.sort_by(|a, b| (&a.key.prefix, a.key.number).cmp(&(&b.key.prefix, b.key.number)));
        if baseline_hash(&items) != row.hash {
            return invalid(format!(
                "baseline \"{}\": its items do not match its hash (an item was added or removed outside Cairn); it cannot be trusted",
                row.name
            ));
        }
        Ok((info(row), items))
    }

    /// What changed from baseline `from` to baseline `to`, or to now (the
    /// items `from`'s query selects today, and those it froze).
    pub fn baseline_diff(
        &mut self,
        product: Option<&str>,
        from: &str,
        to: Option<&str>,
    ) -> Result<BaselineDiff> {
        let (a, a_items) = self.baseline(product, from)?;
        let (b, b_items) = match to {
            Some(t) => {
                let (b, items) = self.baseline(Some(&a.product), t)?;
                (Some(b), items)
            }
            None => {
                let q = self.compile_query(&format!(
                    "product = {} AND ({}) ORDER BY key",
                    a.product, a.query
                ))?;
                let mut now = self.tx(|tx| crate::forecast::all(tx.store, &q))?;
                // Items the baseline froze that left the scope are compared
                // as they are now, if they still exist.
                for f in &a_items {
                    if !now.iter().any(|i| i.key == f.key)
                        && let Some(i) = self.store.item(&f.key)?
                    {
                        now.push(i);
                    }
                }
                (None, now.iter().map(Frozen::of).collect())
            }
        };
        Ok(BaselineDiff {
            product: a.product.clone(),
            generated: day(self.now()),
            diff: diff(&a_items, &b_items),
            from: a,
            to: b,
        })
    }
}

impl BaselineDiff {
    /// The diff as a report document.
    pub fn doc(&self) -> Doc {
        let d = &self.diff;
        let to_name = self
            .to
            .as_ref()
            .map(|b| format!("baseline \"{}\"", b.name))
            .unwrap_or_else(|| "now".to_string());
        let mut items: Vec<(String, String)> = Vec::new();
        let mut sections = vec![Section {
            heading: "Summary".into(),
            blocks: vec![
                Block::List(vec![
                    vec![Inline::Text(format!(
                        "{} added, {} removed, {} changed, {} unchanged.",
                        d.added.len(),
                        d.removed.len(),
                        d.changed.len(),
                        d.unchanged
                    ))],
                    vec![Inline::Text(format!(
                        "From baseline \"{}\" ({}, {} by {}; scope: {}; hash {}).",
                        self.from.name,
                        plural(self.from.items as usize, "item", "items"),
                        human_date(&self.from.created),
                        self.from.actor,
                        self.from.query,
                        &self.from.hash[..12.min(self.from.hash.len())]
                    ))],
                    vec![Inline::Text(match &self.to {
                        Some(b) => format!(
                            "To baseline \"{}\" ({}, {} by {}; hash {}).",
                            b.name,
                            plural(b.items as usize, "item", "items"),
                            human_date(&b.created),
                            b.actor,
                            &b.hash[..12.min(b.hash.len())]
                        ),
                        None => format!(
                            "To the items as they are on {}, chosen by the same scope.",
                            human_date(&self.generated)
                        ),
                    })],
                ]),
                Block::Note(
                    "A baseline keeps each item's kind, title, description, state, acceptance criteria, estimate, labels, fields, parent and release, with a SHA-256 hash of exactly that content."
                        .into(),
                ),
            ],
        }];
        let list = |fs: &[Frozen], items: &mut Vec<(String, String)>| -> Block {
            Block::Table {
                headers: ["Item", "Kind", "Title", "State"]
                    .map(String::from)
                    .to_vec(),
                rows: fs
                    .iter()
                    .map(|f| {
                        items.push((f.key.to_string(), f.title.clone()));
                        vec![
                            vec![Inline::Item(f.key.to_string())],
                            vec![Inline::Text(f.kind.clone())],
                            vec![Inline::Text(f.title.clone())],
                            vec![Inline::Text(f.state.clone())],
                        ]
                    })
                    .collect(),
            }
        };
        if !d.added.is_empty() {
            let b = list(&d.added, &mut items);
            sections.push(Section {
                heading: format!("Added ({})", d.added.len()),
                blocks: vec![b],
            });
        }
        if !d.removed.is_empty() {
            let b = list(&d.removed, &mut items);
            sections.push(Section {
                heading: format!("Removed ({})", d.removed.len()),
                blocks: vec![b],
            });
        }
        if !d.changed.is_empty() {
            let mut rows = Vec::new();
            for (f, changes) in &d.changed {
                items.push((f.key.to_string(), f.title.clone()));
                for c in changes {
                    rows.push(vec![
                        vec![Inline::Item(f.key.to_string())],
                        vec![Inline::Text(c.field.clone())],
                        vec![Inline::Text(if c.old.is_empty() {
                            "—".into()
                        } else {
                            c.old.clone()
                        })],
                        vec![Inline::Text(if c.new.is_empty() {
                            "—".into()
                        } else {
                            c.new.clone()
                        })],
                    ]);
                }
            }
            sections.push(Section {
                heading: format!("Changed ({})", d.changed.len()),
                blocks: vec![Block::Table {
                    headers: ["Item", "Field", "Was", "Is"].map(String::from).to_vec(),
                    rows,
                }],
            });
        }
        if d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty() {
            sections.push(Section {
                heading: "No differences".into(),
                blocks: vec![Block::Para(vec![Inline::Text(format!(
                    "Every item of baseline \"{}\" is the same in {to_name}.",
                    self.from.name
                ))])],
            });
        }
        items.sort();
        items.dedup_by(|a, b| a.0 == b.0);
        Doc {
            title: format!("Baseline \"{}\" compared with {to_name}", self.from.name),
            subtitle: format!("{} · {}", self.product, human_date(&self.generated)),
            sections,
            items,
            appendix: true,
        }
    }
}
