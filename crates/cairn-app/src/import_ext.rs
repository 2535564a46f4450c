//! Importing issues from other trackers (Jira, GitHub) as items: types,
//! statuses (mapped onto the workflow), parents, links, labels, points,
//! assignees, comments, and created, started and resolved times taken from
//! the status history, so flow metrics are right from the first day.
//!
//! Each issue keeps its original key as an external reference: importing
//! again updates the items instead of adding them twice. Everything is one
//! transaction; a dry run does all of it and rolls it back, so it reports
//! exactly what a real run would do.

use crate::items::{check_estimate, check_labels, check_title, creation_changes};
use crate::{App, AppError, Result, Tx, invalid};
use cairn_core::audit::Change;
use cairn_core::{Category, Comment, Item, ItemKey, Kind, LinkKind, Person, rank};
use cairn_formats::issues::{ExtBatch, ExtIssue, RecordProblem};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What to do with an issue whose status maps onto no state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownStatus {
    /// Import nothing, and list them (the default).
    #[default]
    Fail,
    /// Leave those issues out.
    Skip,
    /// Import them in the workflow's initial state.
    Initial,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub product: Option<String>,
    /// Their status → our state, e.g. ("Blocked by Vendor", "in-progress").
    pub status_map: Vec<(String, String)>,
    /// Their issue type → our kind, e.g. ("Improvement", "story").
    pub kind_map: Vec<(String, String)>,
    pub unknown_status: UnknownStatus,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub system: String,
    pub dry_run: bool,
    /// (their key, our key)
    pub created: Vec<(String, String)>,
    pub updated: Vec<(String, String)>,
    pub unchanged: usize,
    pub links: usize,
    pub comments: usize,
    pub people_added: Vec<String>,
    /// Releases the issues' milestones or fix versions named that the
    /// product did not have yet.
    pub releases_added: Vec<String>,
    /// Statuses seen and the state each became.
    pub statuses: BTreeMap<String, String>,
    /// Records left out, with why.
    pub skipped: Vec<RecordProblem>,
    /// Records imported with something lost.
    pub warnings: Vec<RecordProblem>,
}

fn norm(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A person's handle from a display name: `Lena Hoffmann` → `lena-hoffmann`.
pub fn handle_of(name: &str) -> String {
    let h = norm(name);
    if h.is_empty() { "unknown".into() } else { h }
}

fn kind_of(ext: &ExtIssue, map: &[(String, String)]) -> std::result::Result<(Kind, bool), String> {
    if let Some((_, k)) = map.iter().find(|(t, _)| t.eq_ignore_ascii_case(&ext.kind)) {
        return Kind::parse(k).map(|k| (k, true)).ok_or_else(|| {
            format!(
                "--type {}={k}: `{k}` is not a kind ({})",
                ext.kind,
                Kind::names().join(", ")
            )
        });
    }
    let n = norm(&ext.kind);
    let k = match n.as_str() {
        "epic" => Kind::Epic,
        "story" | "user-story" | "feature" => Kind::Story,
        "bug" | "defect" => Kind::Bug,
        "task" | "sub-task" | "subtask" | "technical-task" => Kind::Task,
        "spike" | "research" => Kind::Spike,
        "requirement" => Kind::Requirement,
        "debt" | "technical-debt" | "tech-debt" => Kind::Debt,
        "issue" if ext.labels.iter().any(|l| norm(l) == "bug") => Kind::Bug,
        "issue" => Kind::Story,
        _ => return Ok((Kind::Story, false)),
    };
    Ok((k, true))
}

impl App {
    /// Import what a reader of another tracker's export produced.
    pub fn import_issues(
        &mut self,
        batch: ExtBatch,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport> {
        self.require_init()?;
        let product = self.resolve_product(opts.product.as_deref())?;
        self.need(&product.prefix, cairn_core::Role::Owner, "import items")?;
        let prefix = product.prefix.clone();
        let mut report = ImportReport {
            system: batch.system.clone(),
            dry_run: opts.dry_run,
            skipped: batch.problems.clone(),
            warnings: batch.warnings.clone(),
            ..ImportReport::default()
        };
        // Kinds and states first: a status nobody mapped stops the import
        // before anything is written (unless asked to skip or default it).
        let mut plan: Vec<(ExtIssue, Kind, String)> = Vec::new();
        let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ext in batch.issues {
            let (kind, known) = match kind_of(&ext, &opts.kind_map) {
                Ok(k) => k,
                Err(e) => return invalid(e),
            };
            if !known {
                report.warnings.push(RecordProblem {
                    record: ext.key.clone(),
                    message: format!(
                        "issue type `{}` has no kind: imported as a story (map it with --type \"{}=KIND\")",
                        ext.kind, ext.kind
                    ),
                });
            }
            match self.state_for(
                kind,
                &ext.status,
                ext.category.as_deref(),
                ext.reason.as_deref(),
                &opts.status_map,
            )? {
                Some(s) => {
                    report.statuses.insert(ext.status.clone(), s.clone());
                    plan.push((ext, kind, s));
                }
                None => match opts.unknown_status {
                    UnknownStatus::Fail | UnknownStatus::Skip => {
                        unknown
                            .entry(ext.status.clone())
                            .or_default()
                            .push(ext.key.clone());
                    }
                    UnknownStatus::Initial => {
                        let s = self.config.workflow_for(kind).initial_state().to_string();
                        report.warnings.push(RecordProblem {
                            record: ext.key.clone(),
                            message: format!(
                                "status `{}` has no state: imported as {s}",
                                ext.status
                            ),
                        });
                        plan.push((ext, kind, s));
                    }
                },
            }
        }
        if !unknown.is_empty() {
            let list: Vec<String> = unknown
                .iter()
                .map(|(s, keys)| {
                    format!(
                        "`{s}` ({} issue(s): {})",
                        keys.len(),
                        keys.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let states = self.config.workflow.state_names().join(", ");
            if opts.unknown_status == UnknownStatus::Fail {
                return invalid(format!(
                    "these statuses match no state: {}. Map each with --status \"STATUS=STATE\" (states: {states}), \
                     or pass --unknown-status skip or --unknown-status initial; nothing was imported",
                    list.join("; ")
                ));
            }
            for (s, keys) in unknown {
                for k in keys {
                    report.skipped.push(RecordProblem {
                        record: k,
                        message: format!(
                            "status `{s}` has no state (map it with --status \"{s}=STATE\")"
                        ),
                    });
                }
            }
        }
        let total = plan.len() as u64;
        let system = report.system.clone();
        let dry = opts.dry_run;
        let mut outcome: Option<ImportReport> = None;
        let res = self.tx(|tx| {
            let r = tx.import_plan(&prefix, &system, plan, report, progress, total)?;
            outcome = Some(r);
            if dry {
                return invalid("dry run");
            }
            tx.audit(
                &format!("import.{system}"),
                &prefix,
                None,
                &[Change::new(
                    "summary",
                    (),
                    outcome.as_ref().map(|r| {
                        format!(
                            "{} created, {} updated, {} unchanged, {} skipped",
                            r.created.len(),
                            r.updated.len(),
                            r.unchanged,
                            r.skipped.len()
                        )
                    }),
                )],
                None,
            )?;
            Ok(())
        });
        match (res, outcome) {
            (Ok(()), Some(r)) => {
                if r.created.len() >= 1_000 {
                    // The planner's picture of the tables is out of date
                    // after so many rows. (The audit trail is left to
                    // autovacuum: it is read by key, through its indexes,
                    // and analysing it takes as long as the items.)
                    self.store().analyze_tables(&[
                        "items",
                        "item_labels",
                        "links",
                        "comments",
                        "external_refs",
                    ])?;
                }
                Ok(r)
            }
            (Err(AppError::Invalid(m)), Some(r)) if dry && m == "dry run" => Ok(r),
            (Err(e), _) => Err(e),
            (Ok(()), None) => invalid("the import did nothing"),
        }
    }

    /// The state an issue's status becomes: the user's map, a state of the
    /// same name, then the status category.
    fn state_for(
        &self,
        kind: Kind,
        status: &str,
        category: Option<&str>,
        reason: Option<&str>,
        map: &[(String, String)],
    ) -> Result<Option<String>> {
        let wf = self.config.workflow_for(kind);
        if let Some((_, to)) = map
            .iter()
            .find(|(from, _)| from.trim().eq_ignore_ascii_case(status.trim()))
        {
            if !wf.states.iter().any(|s| s.name == *to) {
                return invalid(format!(
                    "--status \"{status}={to}\": `{to}` is not a state of the {kind} workflow ({})",
                    wf.state_names().join(", ")
                ));
            }
            return Ok(Some(to.clone()));
        }
        let n = norm(status);
        if let Some(s) = wf
            .states
            .iter()
            .find(|s| norm(&s.name) == n || (n == "to-do" && s.name == "todo"))
        {
            return Ok(Some(s.name.clone()));
        }
        let first = |c: Category| {
            wf.states
                .iter()
                .find(|s| s.category == c)
                .map(|s| s.name.clone())
        };
        Ok(match category {
            Some("new") => Some(wf.initial_state().to_string()),
            Some("indeterminate") => first(Category::InProgress),
            Some("done") => {
                let cancelled = wf.states.iter().find(|s| {
                    s.category == Category::Done
                        && matches!(s.name.as_str(), "cancelled" | "canceled" | "wont-do")
                });
                match (reason, cancelled) {
                    (Some("not_planned"), Some(c)) => Some(c.name.clone()),
                    _ => first(Category::Done),
                }
            }
            _ => None,
        })
    }
}

impl Tx<'_> {
    fn person_for(
        &mut self,
        name: &Option<String>,
        added: &mut Vec<String>,
        known: &mut HashSet<String>,
    ) -> Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        let h = handle_of(name);
        if known.contains(&h) {
            return Ok(Some(h));
        }
        known.insert(h.clone());
        if self.store.person(&h)?.is_none() {
            self.store.insert_person(&Person {
                handle: h.clone(),
                name: name.clone(),
                email: None,
            })?;
            added.push(h.clone());
        }
        Ok(Some(h))
    }

    fn category_of(&self, kind: Kind, state: &str) -> Category {
        self.config
            .workflow_for(kind)
            .states
            .iter()
            .find(|s| s.name == state)
            .map_or(Category::Todo, |s| s.category)
    }

    /// Write the plan: new items in batches (parents first), changed
    /// items one by one, then links and comments. Nothing is written
    /// until every issue has been checked.
    fn import_plan(
        &mut self,
        prefix: &str,
        system: &str,
        plan: Vec<(ExtIssue, Kind, String)>,
        mut report: ImportReport,
        progress: &mut dyn FnMut(u64, u64),
        total: u64,
    ) -> Result<ImportReport> {
        let mut refs: HashMap<String, ItemKey> = HashMap::new();
        let mut comment_refs: HashSet<String> = HashSet::new();
        for r in self.store.external_refs(Some(system))? {
            if r.comment_id == 0 {
                if let Ok(k) = r.item.parse() {
                    refs.insert(r.ext_key, k);
                }
            } else {
                comment_refs.insert(r.ext_key);
            }
        }
        let status_map = report.statuses.clone();
        // The items that earlier imports made, read in one go.
        let old_keys: Vec<ItemKey> = plan
            .iter()
            .filter_map(|(e, _, _)| refs.get(&e.key).cloned())
            .collect();
        let mut olds: HashMap<ItemKey, Item> = self
            .store
            .items_by_keys(&old_keys)?
            .into_iter()
            .map(|i| (i.key.clone(), i))
            .collect();

        // An issue twice in the files (overlapping pages): the later wins.
        let mut last_at: HashMap<String, usize> = HashMap::with_capacity(plan.len());
        for (n, (e, _, _)) in plan.iter().enumerate() {
            last_at.insert(e.key.clone(), n);
        }
        let plan: Vec<(ExtIssue, Kind, String)> = plan
            .into_iter()
            .enumerate()
            .filter_map(|(n, p)| {
                if last_at.get(&p.0.key) == Some(&n) {
                    Some(p)
                } else {
                    report.warnings.push(RecordProblem {
                        record: p.0.key.clone(),
                        message:
                            "it appears more than once in the export: the last copy was imported"
                                .into(),
                    });
                    None
                }
            })
            .collect();

        // 1. What each issue becomes, checked before anything is written.
        let mut rows: Vec<Planned> = Vec::with_capacity(plan.len());
        let mut known_people: HashSet<String> = HashSet::new();
        for (ext, kind, state) in plan {
            let assignee =
                self.person_for(&ext.assignee, &mut report.people_added, &mut known_people)?;
            let category = self.category_of(kind, &state);
            // Started: first move into an in-progress state; resolved: the
            // last move into a done state (or the tracker's own date).
            let cat_of = |s: &str| status_map.get(s).map(|st| self.category_of(kind, st));
            let started = ext
                .transitions
                .iter()
                .find(|t| cat_of(&t.to) == Some(Category::InProgress))
                .map(|t| t.at)
                .filter(|_| category != Category::Todo);
            let resolved = if category == Category::Done {
                ext.resolved.or_else(|| {
                    ext.transitions
                        .iter()
                        .rev()
                        .find(|t| cat_of(&t.to) == Some(Category::Done))
                        .map(|t| t.at)
                })
            } else {
                None
            };
            let mut labels = ext.labels.clone();
            if let Some(p) = &ext.priority {
                labels.push(format!("priority:{}", norm(p)));
            }
            let labels = cairn_core::item::normalise_labels(labels.iter().map(|l| {
                l.split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("-")
            }));
            let checked = (|| {
                let title: String = ext.title.chars().take(cairn_formats::TITLE_MAX).collect();
                let title = check_title(&title)?;
                check_labels(&labels)?;
                let points = check_estimate(ext.points.filter(|p| p.is_finite() && *p >= 0.0))?;
                Ok::<_, AppError>((title, points))
            })();
            let (title, points) = match checked {
                Ok(v) => v,
                Err(AppError::Invalid(m)) => {
                    report.skipped.push(RecordProblem {
                        record: ext.key.clone(),
                        message: m,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let last = ext.transitions.last().map_or(ext.created, |t| t.at);
            let updated = resolved.unwrap_or(last).max(ext.created);
            let old = refs.get(&ext.key).and_then(|k| olds.remove(k));
            if refs.contains_key(&ext.key) && old.is_none() {
                // Imported before, but the item is gone since.
                continue;
            }
            let mut item = match &old {
                Some(o) => o.clone(),
                None => Item {
                    key: ItemKey::new(prefix, 0),
                    kind,
                    title: String::new(),
                    description: String::new(),
                    state: String::new(),
                    category,
                    assignee: None,
                    labels: Vec::new(),
                    estimate: None,
                    acceptance: String::new(),
                    fields: BTreeMap::new(),
                    created: ext.created,
                    updated,
                    resolved: None,
                    started: None,
                    rank: String::new(),
                    parent: None,
                    release: None,
                    goals: Vec::new(),
                    version: 1,
                },
            };
            item.kind = kind;
            item.title = title;
            item.description = ext.description.clone();
            item.state = state;
            item.category = category;
            item.assignee = assignee;
            item.labels = labels;
            item.estimate = points;
            item.created = ext.created;
            item.started = started;
            item.resolved = resolved;
            // A release the tracker names is taken; one planned in Cairn
            // for an issue the tracker plans into none is kept.
            if let Some(r) = &ext.release {
                item.release = Some(r.name.clone());
            }
            let history = if old.is_some() {
                Vec::new()
            } else {
                ext.transitions
                    .iter()
                    .map(|t| {
                        format!(
                            "{} {} → {}{}",
                            cairn_core::format_millis(t.at),
                            t.from.as_deref().unwrap_or("?"),
                            t.to,
                            t.by.as_deref()
                                .map(|b| format!(" by {b}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect()
            };
            rows.push(Planned {
                ext,
                item,
                old,
                parent: None,
                history,
            });
        }

        // 2. The releases they are planned for, added to the product
        // when it has none of that name (one that exists keeps its date).
        let mut wanted: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for r in &rows {
            if let Some(rel) = &r.ext.release {
                let date = wanted.entry(rel.name.as_str()).or_default();
                if date.is_none() {
                    *date = rel.date.as_deref();
                }
            }
        }
        for (name, date) in wanted {
            if self.store.release(prefix, name)?.is_some() {
                continue;
            }
            let r = cairn_core::Release {
                product: prefix.to_string(),
                name: name.to_string(),
                target_date: date.map(str::to_string),
                created: self.now,
            };
            self.store.insert_release(&r)?;
            self.audit(
                "release.create",
                &format!("{prefix}/{name}"),
                None,
                &[Change::new("target_date", (), &r.target_date)],
                Some(&format!("imported from {system}")),
            )?;
            report.releases_added.push(name.to_string());
        }

        // 3. Keys and ranks for the new items, at the end of the backlog.
        let fresh: Vec<usize> = (0..rows.len()).filter(|&n| rows[n].old.is_none()).collect();
        if !fresh.is_empty() {
            let first = self.store.take_numbers(prefix, fresh.len() as i64)?;
            let last = self.store.rank_end(prefix, false)?;
            let ranks = rank::between_many(last.as_deref(), None, fresh.len())
                .map_err(|e| AppError::Store(cairn_store::StoreError::Corrupt(e.to_string())))?;
            for ((n, number), rank) in fresh.iter().zip(first..).zip(ranks) {
                let row = &mut rows[*n];
                row.item.key = ItemKey::new(prefix, number);
                row.item.rank = rank;
                refs.insert(row.ext.key.clone(), row.item.key.clone());
            }
        }

        // 4. Parents: another issue of the file, or one imported before.
        let kinds: HashMap<ItemKey, Kind> = rows
            .iter()
            .map(|r| (r.item.key.clone(), r.item.kind))
            .collect();
        let outside: Vec<ItemKey> = rows
            .iter()
            .filter_map(|r| r.ext.parent.as_ref().and_then(|p| refs.get(p)))
            .filter(|k| !kinds.contains_key(*k))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let outside_kinds: HashMap<ItemKey, Kind> = self
            .store
            .items_by_keys(&outside)?
            .into_iter()
            .map(|i| (i.key, i.kind))
            .collect();
        for row in &mut rows {
            let Some(p) = &row.ext.parent else { continue };
            let Some(pk) = refs.get(p) else {
                report.warnings.push(RecordProblem {
                    record: row.ext.key.clone(),
                    message: format!(
                        "its parent {p} is neither in this file nor imported before: imported without it"
                    ),
                });
                continue;
            };
            let Some(pkind) = kinds.get(pk).or_else(|| outside_kinds.get(pk)) else {
                continue;
            };
            if !self.config.allows_parent(*pkind, row.item.kind) {
                report.warnings.push(RecordProblem {
                    record: row.ext.key.clone(),
                    message: format!(
                        "a {} cannot be a child of a {pkind} ({p}) in this workspace's hierarchy: imported without its parent",
                        row.item.kind
                    ),
                });
                continue;
            }
            row.parent = Some(pk.clone());
        }
        // A new item's parent chain must end: a loop among the new items
        // (only a damaged export has one) is cut where it closes.
        let new_parent: HashMap<ItemKey, ItemKey> = fresh
            .iter()
            .filter_map(|&n| {
                let r = &rows[n];
                r.parent.clone().map(|p| (r.item.key.clone(), p))
            })
            .collect();
        for &n in &fresh {
            let key = rows[n].item.key.clone();
            let mut cur = new_parent.get(&key);
            let mut steps = 0;
            let mut cycle = false;
            while let Some(p) = cur {
                if *p == key || steps > new_parent.len() {
                    cycle = true;
                    break;
                }
                steps += 1;
                cur = new_parent.get(p);
            }
            if cycle {
                let r = &mut rows[n];
                report.warnings.push(RecordProblem {
                    record: r.ext.key.clone(),
                    message: format!(
                        "its parent {} leads back to it: imported without its parent",
                        r.ext.parent.clone().unwrap_or_default()
                    ),
                });
                r.parent = None;
            }
        }

        // 5. New items, in batches, parents before children.
        let mut written = 0u64;
        let mut ids: HashMap<ItemKey, i64> = HashMap::new();
        let mut new_rows: Vec<usize> = fresh.clone();
        for &n in &new_rows {
            rows[n].item.parent = rows[n].parent.clone();
        }
        let depth_of = |key: &ItemKey| {
            let mut d = 0usize;
            let mut cur = new_parent.get(key);
            while let Some(p) = cur {
                d += 1;
                if d > new_parent.len() {
                    break;
                }
                cur = new_parent.get(p);
            }
            d
        };
        new_rows.sort_by_cached_key(|&n| {
            if rows[n].item.parent.is_some() {
                depth_of(&rows[n].item.key)
            } else {
                0
            }
        });
        for chunk in new_rows.chunks(BATCH) {
            let items: Vec<Item> = chunk.iter().map(|&n| rows[n].item.clone()).collect();
            let new_ids = self.store.insert_items(&items)?;
            let mut audits = Vec::with_capacity(chunk.len());
            let mut ext_refs = Vec::with_capacity(chunk.len());
            for (&n, id) in chunk.iter().zip(&new_ids) {
                let row = &rows[n];
                let mut changes = creation_changes(&row.item);
                if !row.history.is_empty() {
                    changes.push(Change::new("history", (), &row.history));
                }
                audits.push((
                    "item.create",
                    row.item.key.to_string(),
                    changes,
                    Some(format!("imported from {system} {}", row.ext.key)),
                ));
                ext_refs.push((system, row.ext.key.as_str(), *id, 0));
                ids.insert(row.item.key.clone(), *id);
            }
            self.store.add_external_refs(&ext_refs)?;
            self.audit_batch(audits)?;
            written += chunk.len() as u64;
            progress(written, total);
        }
        for &n in &fresh {
            let r = &rows[n];
            report
                .created
                .push((r.ext.key.clone(), r.item.key.to_string()));
        }

        // 6. Items imported before: changed ones are updated, one by one,
        // each new parent checked against the tree as it now stands.
        let mut audits = Vec::new();
        for row in rows.iter_mut().filter(|r| r.old.is_some()) {
            let Some(old) = &row.old else { continue };
            let key = old.key.clone();
            if let Some(pk) = &row.parent
                && old.parent.as_ref() != Some(pk)
            {
                match self.check_parent(Some(&key), row.item.kind, pk) {
                    Ok(()) => row.item.parent = Some(pk.clone()),
                    Err(AppError::Invalid(m)) => report.warnings.push(RecordProblem {
                        record: row.ext.key.clone(),
                        message: format!("{m}: kept its parent"),
                    }),
                    Err(e) => return Err(e),
                }
            }
            let same = Item {
                updated: old.updated,
                ..row.item.clone()
            } == *old;
            if same {
                report.unchanged += 1;
            } else {
                let changes = diff(old, &row.item);
                row.item.updated = self.now;
                row.item.version = old.version + 1;
                self.store.update_item(&row.item, old.version)?;
                self.store.set_item_created(&key, row.item.created)?;
                audits.push((
                    "item.import",
                    key.to_string(),
                    changes,
                    Some(format!("re-imported from {system} {}", row.ext.key)),
                ));
                report.updated.push((row.ext.key.clone(), key.to_string()));
            }
            written += 1;
            if written.is_multiple_of(1000) {
                progress(written, total);
            }
        }
        self.audit_batch(audits)?;

        // 7. Links and comments, once every issue has an item.
        let mut pending: Vec<(ItemKey, Comment, String)> = Vec::new();
        let mut links: BTreeSet<(ItemKey, LinkKind, ItemKey)> = BTreeSet::new();
        for row in &rows {
            let key = &row.item.key;
            let ext = &row.ext;
            for l in &ext.links {
                let Some(other) = refs.get(&l.other) else {
                    if l.kind != "relates"
                        || !report.warnings.iter().any(|w| w.message.contains(&l.other))
                    {
                        report.warnings.push(RecordProblem {
                            record: ext.key.clone(),
                            message: format!(
                                "it {} {}, which is neither in this file nor imported before: link left out",
                                match l.kind.as_str() {
                                    "blocked-by" => "is blocked by",
                                    "duplicated-by" => "is duplicated by",
                                    "relates" => "relates to",
                                    k => k,
                                },
                                l.other
                            ),
                        });
                    }
                    continue;
                };
                let (src, kind, dst) = match l.kind.as_str() {
                    "blocks" => (key, LinkKind::Blocks, other),
                    "blocked-by" => (other, LinkKind::Blocks, key),
                    "duplicates" => (key, LinkKind::Duplicates, other),
                    "duplicated-by" => (other, LinkKind::Duplicates, key),
                    _ if key < other => (key, LinkKind::Relates, other),
                    _ => (other, LinkKind::Relates, key),
                };
                if src == dst {
                    continue;
                }
                links.insert((src.clone(), kind, dst.clone()));
            }
            for c in &ext.comments {
                let ck = format!("{}/comment/{}", ext.key, c.id);
                if c.body.trim().is_empty() || !comment_refs.insert(ck.clone()) {
                    continue;
                }
                let author = c
                    .author
                    .as_deref()
                    .map_or_else(|| "former-user".to_string(), handle_of);
                pending.push((
                    key.clone(),
                    Comment {
                        id: 0,
                        item: key.to_string(),
                        author,
                        body: c.body.clone(),
                        created: c.created,
                        reply_to: None,
                        edited: None,
                        deleted: None,
                    },
                    ck,
                ));
            }
        }
        let unknown: Vec<ItemKey> = pending
            .iter()
            .map(|(k, _, _)| k.clone())
            .chain(links.iter().flat_map(|(a, _, b)| [a.clone(), b.clone()]))
            .filter(|k| !ids.contains_key(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        ids.extend(self.store.item_ids(&unknown)?);
        let by_id: Vec<(i64, LinkKind, i64)> = links
            .iter()
            .filter_map(|(a, kind, b)| Some((*ids.get(a)?, *kind, *ids.get(b)?)))
            .collect();
        report.links += self.store.insert_links_by_id(&by_id, self.now)? as usize;
        for chunk in pending.chunks(BATCH) {
            let mut comments = Vec::with_capacity(chunk.len());
            for (k, c, _) in chunk {
                let id = ids
                    .get(k)
                    .copied()
                    .ok_or_else(|| AppError::NotFound(format!("item {k}")))?;
                comments.push((id, c.clone()));
            }
            let cids = self.store.insert_comments(&comments)?;
            let ext_refs: Vec<(&str, &str, i64, i64)> = chunk
                .iter()
                .zip(comments.iter().zip(&cids))
                .map(|((_, _, ck), ((item, _), cid))| (system, ck.as_str(), *item, *cid))
                .collect();
            self.store.add_external_refs(&ext_refs)?;
            report.comments += chunk.len();
        }
        progress(total, total);
        Ok(report)
    }
}

/// Rows per batch of new items or comments.
const BATCH: usize = 2_000;

/// One issue on its way in: the item it becomes, the item it was (if
/// imported before), its parent once checked, and its status history.
struct Planned {
    ext: ExtIssue,
    item: Item,
    old: Option<Item>,
    parent: Option<ItemKey>,
    history: Vec<String>,
}

fn diff(old: &Item, new: &Item) -> Vec<Change> {
    let mut c = Vec::new();
    if old.title != new.title {
        c.push(Change::new("title", &old.title, &new.title));
    }
    if old.kind != new.kind {
        c.push(Change::new("kind", old.kind.as_str(), new.kind.as_str()));
    }
    if old.description != new.description {
        c.push(Change::new(
            "description",
            &old.description,
            &new.description,
        ));
    }
    if old.state != new.state {
        c.push(Change::new("state", &old.state, &new.state));
    }
    if old.assignee != new.assignee {
        c.push(Change::new("assignee", &old.assignee, &new.assignee));
    }
    if old.labels != new.labels {
        c.push(Change::new("labels", &old.labels, &new.labels));
    }
    if old.estimate != new.estimate {
        c.push(Change::new("estimate", old.estimate, new.estimate));
    }
    if old.parent != new.parent {
        c.push(Change::new("parent", &old.parent, &new.parent));
    }
    if old.release != new.release {
        c.push(Change::new("release", &old.release, &new.release));
    }
    if old.resolved != new.resolved || old.started != new.started || old.created != new.created {
        c.push(Change::new(
            "dates",
            (old.created, old.started, old.resolved),
            (new.created, new.started, new.resolved),
        ));
    }
    c
}

/// Read an export as sent to the API or the web app: `jira` (search JSON,
/// one page or an array of pages, or CSV) or `github` (the issues array,
/// or `{"issues": [...], "comments": [...]}`).
pub fn parse_export(system: &str, text: &str) -> Result<ExtBatch> {
    let text = text.trim_start_matches('\u{feff}');
    let bad = |e: cairn_formats::FormatError| {
        AppError::Invalid(format!("the {system} export: {e}; nothing was imported"))
    };
    match system {
        "jira" => {
            if text.trim_start().starts_with(['{', '[']) {
                cairn_formats::jira::parse_json(text, &cairn_formats::jira::JiraFields::default())
                    .map_err(bad)
            } else {
                cairn_formats::jira::parse_csv(text).map_err(bad)
            }
        }
        "github" => {
            let t = text.trim_start();
            if t.starts_with('{') {
                let v: serde_json::Value = serde_json::from_str(t).map_err(|e| {
                    AppError::Invalid(format!(
                        "the github export: line {}, column {}: {e}; nothing was imported",
                        e.line(),
                        e.column()
                    ))
                })?;
                let issues = v.get("issues").map(ToString::to_string).ok_or_else(|| {
                    AppError::Invalid(
                        "the github export is an object without \"issues\": send the issues array, or {\"issues\": [...], \"comments\": [...]}".into(),
                    )
                })?;
                let comments = v.get("comments").map(ToString::to_string);
                cairn_formats::github::parse(&issues, comments.as_deref(), None).map_err(bad)
            } else {
                cairn_formats::github::parse(t, None, None).map_err(bad)
            }
        }
        other => invalid(format!(
            "`{other}` is not a tracker Cairn imports from; use jira or github"
        )),
    }
}
