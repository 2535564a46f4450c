//! Requirement intake (Markdown and CSV documents), re-import with
//! matching, suspect marks on items whose requirement changed, and
//! requirement classification.
//!
//! A re-import matches each requirement of the document to one imported
//! before from the same document: by its stable ID when the document
//! writes one, else by identical text, else by text similarity (cosine
//! ≥ 0.5, best pairs first). A matched requirement whose text changed is
//! updated in place (an ordinary audited edit) and every item linked to it
//! is marked *suspect* until someone reviews it. A requirement that is no
//! longer in the document is reported as removed, and its linked items are
//! marked suspect too; the item itself stays.

use crate::items::NewItem;
use crate::{App, AppError, Patch, Result, Tx};
use cairn_core::audit::Change;
use cairn_core::{Item, ItemKey, Kind, RequirementSource, Suspect};
use cairn_engine::classify::{Classification, Model};
use cairn_engine::similarity::Corpus;
use cairn_formats::RequirementRecord;
use cairn_store::Page;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqFormat {
    Markdown,
    Csv,
    /// ReqIF 1.x (DOORS, Polarion, Jama, Capella, RMF exports).
    ReqIf,
}

impl ReqFormat {
    /// The format a file name implies (`.md`/`.markdown`, `.csv`).
    pub fn from_path(path: &str) -> Option<ReqFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".md") || lower.ends_with(".markdown") {
            Some(ReqFormat::Markdown)
        } else if lower.ends_with(".csv") {
            Some(ReqFormat::Csv)
        } else if lower.ends_with(".reqif") {
            Some(ReqFormat::ReqIf)
        } else {
            None
        }
    }
}

/// What one requirement of an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ReqChange {
    pub key: String,
    pub title: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_id: Option<String>,
    /// How it was matched to an earlier import: `id`, `text`, `similarity`
    /// (with the score) or `new`.
    pub matched_by: String,
    /// The fields that changed (`title`, `description`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub document: String,
    pub added: Vec<ReqChange>,
    pub updated: Vec<ReqChange>,
    /// Matched and unchanged (their line or heading may have moved).
    pub unchanged: Vec<ReqChange>,
    pub removed: Vec<ReqChange>,
    /// Items newly marked suspect by this import.
    pub suspects: Vec<Suspect>,
    /// Relations the document states (ReqIF spec relations), made into
    /// `relates` links: (from, to).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links_added: Vec<(String, String)>,
    /// What the parser noticed without stopping (ReqIF references to
    /// types the file does not define, say), as `line N: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A suspect mark with titles, for `cairn suspect list`.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectView {
    pub item: String,
    pub item_title: String,
    pub requirement: String,
    pub requirement_title: String,
    pub since: String,
    pub reason: String,
}

/// One classified requirement.
#[derive(Debug, Clone, Serialize)]
pub struct ClassView {
    pub key: String,
    pub title: String,
    /// `functional` or `non-functional`.
    pub kind: &'static str,
    /// The class name (`functional`, `security`, `performance`, …).
    pub class: &'static str,
    pub confidence: f64,
    /// The runner-up class and its probability.
    pub second: Option<(&'static str, f64)>,
    /// The terms that weighed most toward the class.
    pub evidence: Vec<String>,
}

pub fn class_view(key: &str, title: &str, c: &Classification) -> ClassView {
    ClassView {
        key: key.to_string(),
        title: title.to_string(),
        kind: if c.functional {
            "functional"
        } else {
            "non-functional"
        },
        class: c.class.name(),
        confidence: (c.confidence * 1000.0).round() / 1000.0,
        second: c
            .ranked
            .iter()
            .find(|(k, _)| *k != c.class)
            .map(|(k, p)| (k.name(), (p * 1000.0).round() / 1000.0)),
        evidence: c.evidence.clone(),
    }
}

fn content_hash(title: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update([0u8]);
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

/// The document name a path is recorded under (`./a/b.md` → `a/b.md`).
pub fn document_name(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.trim_start_matches("./").to_string()
}

/// A parsed requirements document.
pub struct Parsed {
    pub records: Vec<RequirementRecord>,
    /// Relations between records, by their external ids: (from, to).
    pub relations: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// Parse a requirements document. Errors name the document and line.
pub fn parse_document(
    document: &str,
    text: &str,
    format: ReqFormat,
) -> Result<Vec<RequirementRecord>> {
    Ok(parse_full(document, text, format)?.records)
}

/// Parse a requirements document with its relations and warnings.
pub fn parse_full(document: &str, text: &str, format: ReqFormat) -> Result<Parsed> {
    let bad = |e: cairn_formats::FormatError| {
        AppError::Invalid(format!("{document}: {e}; nothing was imported"))
    };
    Ok(match format {
        ReqFormat::Markdown => Parsed {
            records: cairn_formats::markdown::parse_markdown(text).map_err(bad)?,
            relations: Vec::new(),
            warnings: Vec::new(),
        },
        ReqFormat::Csv => Parsed {
            records: cairn_formats::csv_req::parse_csv(text).map_err(bad)?,
            relations: Vec::new(),
            warnings: Vec::new(),
        },
        ReqFormat::ReqIf => {
            let r = cairn_formats::reqif::parse(text).map_err(bad)?;
            if r.objects.is_empty() {
                return crate::invalid(format!(
                    "{document}: the ReqIF document holds no spec objects; nothing was imported"
                ));
            }
            Parsed {
                records: r.requirements(),
                relations: r
                    .relations
                    .iter()
                    .map(|l| (l.source.clone(), l.target.clone()))
                    .collect(),
                warnings: r
                    .warnings
                    .iter()
                    .map(|w| format!("line {}: {}", w.line, w.message))
                    .collect(),
            }
        }
    })
}

impl App {
    /// Import (or re-import) a requirements document.
    pub fn req_import(
        &mut self,
        path: &str,
        text: &str,
        format: ReqFormat,
        product: Option<&str>,
    ) -> Result<ImportReport> {
        self.require_init()?;
        let document = document_name(path);
        let parsed = parse_full(&document, text, format)?;
        let product = self.resolve_product(product)?;
        self.need(
            &product.prefix,
            cairn_core::Role::Owner,
            "import requirements",
        )?;
        self.tx(|tx| {
            let mut report = import(tx, &document, &parsed.records, &product.prefix)?;
            // The document's relations, as links between its requirements.
            let keys: HashMap<&str, &str> = report
                .added
                .iter()
                .chain(&report.updated)
                .chain(&report.unchanged)
                .filter_map(|c| c.ext_id.as_deref().map(|x| (x, c.key.as_str())))
                .collect();
            let mut added = Vec::new();
            for (from, to) in &parsed.relations {
                let (Some(a), Some(b)) = (keys.get(from.as_str()), keys.get(to.as_str())) else {
                    continue;
                };
                let (Ok(src), Ok(dst)) = (a.parse::<ItemKey>(), b.parse::<ItemKey>()) else {
                    continue;
                };
                if src == dst {
                    continue;
                }
                let link = cairn_core::Link {
                    src,
                    kind: cairn_core::LinkKind::Relates,
                    dst,
                };
                if tx.store.insert_link(&link, tx.now)? {
                    tx.audit(
                        "link.add",
                        &link.src.to_string(),
                        Some(&link.dst.to_string()),
                        &[Change::new(link.kind.as_str(), (), link.dst.to_string())],
                        Some(&format!("imported from {document}")),
                    )?;
                    added.push((link.src.to_string(), link.dst.to_string()));
                }
            }
            report.links_added = added;
            report.warnings = parsed.warnings.clone();
            Ok(report)
        })
    }

    /// Requirements as a ReqIF document: (the document, how many). Items
    /// that came from a ReqIF file keep its identifiers, so the tool they
    /// came from recognises them; the rest get `cairn-KEY`.
    pub fn req_export(
        &mut self,
        product: Option<&str>,
        query: Option<&str>,
    ) -> Result<(String, usize)> {
        self.require_init()?;
        let product = self.resolve_product(product)?;
        let q = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .unwrap_or("kind = requirement");
        let compiled = self.compile_query(&format!(
            "product = {} AND ({q}) ORDER BY key",
            product.prefix
        ))?;
        let items = self.tx(|tx| crate::forecast::all(tx.store, &compiled))?;
        if items.is_empty() {
            return crate::invalid(format!(
                "`{q}` matches no item of {}: there is nothing to export",
                product.prefix
            ));
        }
        let mut ext: HashMap<ItemKey, String> = HashMap::new();
        for s in self.store.sources(None)? {
            if s.document.to_ascii_lowercase().ends_with(".reqif")
                && let Some(id) = s.ext_id
            {
                ext.insert(s.key, id);
            }
        }
        let mut used = std::collections::HashSet::new();
        let mut ids: HashMap<ItemKey, String> = HashMap::new();
        for i in &items {
            let id = ext
                .get(&i.key)
                .filter(|id| !used.contains(*id))
                .cloned()
                .unwrap_or_else(|| format!("cairn-{}", i.key));
            used.insert(id.clone());
            ids.insert(i.key.clone(), id);
        }
        let mut objects = Vec::new();
        for i in &items {
            let children = items
                .iter()
                .filter(|c| c.parent.as_ref() == Some(&i.key))
                .map(|c| ids[&c.key].clone())
                .collect();
            objects.push(cairn_formats::reqif::OutObject {
                id: ids[&i.key].clone(),
                title: i.title.clone(),
                text: if i.description.trim().is_empty() {
                    i.title.clone()
                } else {
                    i.description.clone()
                },
                foreign_id: i.key.to_string(),
                last_change: cairn_core::format_millis(i.updated),
                children,
            });
        }
        let mut relations = Vec::new();
        for (l, _) in self.store.links(None)? {
            if let (Some(a), Some(b)) = (ids.get(&l.src), ids.get(&l.dst)) {
                relations.push((
                    format!("cairn-link-{}-{}-{}", l.src, l.kind, l.dst),
                    l.kind.as_str().to_string(),
                    a.clone(),
                    b.clone(),
                ));
            }
        }
        let n = objects.len();
        let doc = cairn_formats::reqif::OutDocument {
            title: format!("{} requirements", product.name),
            specification: format!("{} requirements", product.name),
            created: cairn_core::format_millis(self.now()),
            objects,
            relations,
        };
        Ok((cairn_formats::reqif::write(&doc), n))
    }

    /// Every suspect mark, with titles.
    pub fn suspect_list(&mut self) -> Result<Vec<SuspectView>> {
        self.require_init()?;
        let mut marks = self.store.suspects()?;
        marks.retain(|m| self.can_see_key(&m.item) && self.can_see_key(&m.requirement));
        let mut titles: HashMap<ItemKey, String> = HashMap::new();
        for k in marks.iter().flat_map(|m| [&m.item, &m.requirement]) {
            if !titles.contains_key(k) {
                let t = self.store.item(k)?.map(|i| i.title).unwrap_or_default();
                titles.insert(k.clone(), t);
            }
        }
        let out = marks
            .into_iter()
            .map(|m| SuspectView {
                item: m.item.to_string(),
                item_title: titles.get(&m.item).cloned().unwrap_or_default(),
                requirement: m.requirement.to_string(),
                requirement_title: titles.get(&m.requirement).cloned().unwrap_or_default(),
                since: cairn_core::format_millis(m.since),
                reason: m.reason,
            })
            .collect();
        Ok(out)
    }

    /// Clear an item's suspect marks after review.
    pub fn suspect_clear(&mut self, key: &ItemKey, reason: Option<&str>) -> Result<Vec<Suspect>> {
        self.require_init()?;
        self.need_item(key, cairn_core::Role::Member, "clear suspect marks")?;
        self.tx(|tx| {
            if tx.store.item(key)?.is_none() {
                return Err(crate::items::not_found(key));
            }
            let cleared = tx.store.clear_suspects(key)?;
            if cleared.is_empty() {
                return crate::invalid(format!(
                    "{key} is not suspect; `cairn suspect list` shows the items that are"
                ));
            }
            let changes: Vec<Change> = cleared
                .iter()
                .map(|s| Change::new("suspect", s.requirement.to_string(), ()))
                .collect();
            tx.audit("suspect.clear", &key.to_string(), None, &changes, reason)?;
            Ok(cleared)
        })
    }

    /// Where an imported requirement came from.
    pub fn req_source(&mut self, key: &ItemKey) -> Result<Option<RequirementSource>> {
        self.see(key)?;
        Ok(self.store.source(key)?)
    }

    /// Classify the requirements a query selects (default: every requirement).
    pub fn req_classify(&mut self, query: Option<&str>) -> Result<Vec<ClassView>> {
        self.require_init()?;
        let q = self.compile_query(query.unwrap_or("kind = requirement"))?;
        let items = self.store.query(
            &q,
            Page {
                limit: usize::MAX,
                offset: 0,
            },
        )?;
        let model = Model::builtin();
        Ok(items
            .iter()
            .map(|i| {
                class_view(
                    &i.key.to_string(),
                    &i.title,
                    &model.classify(&requirement_text(i)),
                )
            })
            .collect())
    }
}

/// The text a requirement is classified and compared by.
pub fn requirement_text(i: &Item) -> String {
    if i.description.trim().is_empty() {
        i.title.clone()
    } else if i.description.starts_with(i.title.trim_end_matches('…')) {
        // An imported requirement: its title is its text's first sentence.
        i.description.clone()
    } else {
        format!("{}. {}", i.title, i.description)
    }
}

struct Existing {
    source: RequirementSource,
    item: Item,
}

fn import(
    tx: &mut Tx<'_>,
    document: &str,
    records: &[RequirementRecord],
    prefix: &str,
) -> Result<ImportReport> {
    let mut existing: Vec<Existing> = Vec::new();
    for s in tx.store.sources(Some(document))? {
        if let Some(item) = tx.store.item(&s.key)? {
            existing.push(Existing { source: s, item });
        }
    }
    // record index → (existing index, how)
    let mut matched: Vec<Option<(usize, String)>> = vec![None; records.len()];
    let mut taken = vec![false; existing.len()];
    // 1. Stable ids.
    for (r, rec) in records.iter().enumerate() {
        let Some(id) = &rec.ext_id else { continue };
        if let Some(e) = existing.iter().position(|e| {
            e.source
                .ext_id
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        }) && !taken[e]
        {
            taken[e] = true;
            matched[r] = Some((e, "id".into()));
        }
    }
    // 2. Identical text (only between requirements without ids, or whose id is new).
    for (r, rec) in records.iter().enumerate() {
        if matched[r].is_some() {
            continue;
        }
        let hash = content_hash(&rec.title, &rec.text);
        if let Some(e) = (0..existing.len()).find(|&e| {
            !taken[e]
                && existing[e].source.content_hash == hash
                && ids_compatible(&existing[e], rec)
        }) {
            taken[e] = true;
            matched[r] = Some((e, "text".into()));
        }
    }
    // 3. Similar text, best pairs first.
    let free: Vec<usize> = (0..existing.len()).filter(|&e| !taken[e]).collect();
    if !free.is_empty() {
        let texts: Vec<String> = free
            .iter()
            .map(|&e| requirement_text(&existing[e].item))
            .collect();
        let corpus = Corpus::build(&texts);
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        for (r, rec) in records.iter().enumerate() {
            if matched[r].is_some() {
                continue;
            }
            for (k, score) in corpus.nearest(&rec.text, 3) {
                let e = free[k];
                if score >= 0.5 && ids_compatible(&existing[e], rec) {
                    candidates.push((score, r, e));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        for (score, r, e) in candidates {
            if matched[r].is_none() && !taken[e] {
                taken[e] = true;
                matched[r] = Some((e, format!("similarity {score:.2}")));
            }
        }
    }

    let mut report = ImportReport {
        document: document.to_string(),
        added: Vec::new(),
        updated: Vec::new(),
        unchanged: Vec::new(),
        removed: Vec::new(),
        suspects: Vec::new(),
        links_added: Vec::new(),
        warnings: Vec::new(),
    };
    let heading = |rec: &RequirementRecord| rec.heading_path.join(" > ");
    for (r, rec) in records.iter().enumerate() {
        let source_of = |key: ItemKey| RequirementSource {
            key,
            document: document.to_string(),
            line: rec.line as i64,
            heading_path: heading(rec),
            ext_id: rec.ext_id.clone(),
            content_hash: content_hash(&rec.title, &rec.text),
        };
        match &matched[r] {
            Some((e, how)) => {
                let old = &existing[*e].item;
                let mut changed = Vec::new();
                let mut patch = Patch::default();
                if old.title != rec.title {
                    changed.push("title".to_string());
                    patch.title = Some(rec.title.clone());
                }
                if old.description != rec.text {
                    changed.push("description".to_string());
                    patch.description = Some(rec.text.clone());
                }
                let key = old.key.clone();
                let change = ReqChange {
                    key: key.to_string(),
                    title: rec.title.clone(),
                    line: rec.line,
                    ext_id: rec.ext_id.clone(),
                    matched_by: how.clone(),
                    changed: changed.clone(),
                };
                if changed.is_empty() {
                    report.unchanged.push(change);
                } else {
                    let why = format!("re-imported from {document} line {}", rec.line);
                    tx.edit_item(&key, patch, None, Some(&why))?;
                    let reason = format!(
                        "{key} changed ({}) on re-import of {document}",
                        changed.join(", ")
                    );
                    mark_linked(tx, &key, &reason, &mut report.suspects)?;
                    report.updated.push(change);
                }
                tx.store.upsert_source(&source_of(key))?;
            }
            None => {
                let new = NewItem {
                    kind: Some(Kind::Requirement),
                    title: rec.title.clone(),
                    description: rec.text.clone(),
                    ..NewItem::default()
                };
                let why = format!("imported from {document} line {}", rec.line);
                let item = tx.add_item(prefix, new, Some(&why))?;
                tx.store.upsert_source(&source_of(item.key.clone()))?;
                report.added.push(ReqChange {
                    key: item.key.to_string(),
                    title: item.title,
                    line: rec.line,
                    ext_id: rec.ext_id.clone(),
                    matched_by: "new".into(),
                    changed: Vec::new(),
                });
            }
        }
    }
    for (e, ex) in existing.iter().enumerate() {
        if taken[e] {
            continue;
        }
        let key = ex.item.key.clone();
        tx.store.delete_source(&key)?;
        tx.audit(
            "requirement.removed",
            &key.to_string(),
            None,
            &[Change::new("document", document, ())],
            Some(&format!("no longer in {document}")),
        )?;
        let reason = format!("{key} was removed from {document}");
        mark_linked(tx, &key, &reason, &mut report.suspects)?;
        report.removed.push(ReqChange {
            key: key.to_string(),
            title: ex.item.title.clone(),
            line: ex.source.line as usize,
            ext_id: ex.source.ext_id.clone(),
            matched_by: "removed".into(),
            changed: Vec::new(),
        });
    }
    Ok(report)
}

/// Two requirements with different stable ids are never the same one.
fn ids_compatible(e: &Existing, rec: &RequirementRecord) -> bool {
    match (&e.source.ext_id, &rec.ext_id) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    }
}

/// Mark every item linked to `requirement` suspect.
fn mark_linked(
    tx: &mut Tx<'_>,
    requirement: &ItemKey,
    reason: &str,
    out: &mut Vec<Suspect>,
) -> Result<()> {
    let mut others: Vec<ItemKey> = tx
        .store
        .links_of(requirement)?
        .into_iter()
        .map(|l| l.other)
        .collect();
    others.extend(tx.store.children(requirement)?);
    others.sort();
    others.dedup();
    for other in others {
        let s = Suspect {
            item: other.clone(),
            requirement: requirement.clone(),
            since: tx.now,
            reason: reason.to_string(),
        };
        if tx.store.insert_suspect(&s)? {
            tx.audit(
                "suspect.mark",
                &other.to_string(),
                Some(&requirement.to_string()),
                &[Change::new("suspect", (), requirement.to_string())],
                Some(reason),
            )?;
            out.push(s);
        }
    }
    Ok(())
}

/// A proposed item of a decomposition (with its key once applied).
#[derive(Debug, Clone, Serialize)]
pub struct ProposedItem {
    pub index: usize,
    pub kind: String,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub acceptance: String,
    /// Index of the proposal this one sits under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decomposition {
    pub requirement: String,
    pub requirement_title: String,
    /// The template used: the classifier's class, or the one asked for.
    pub class: String,
    pub confidence: f64,
    pub class_given: bool,
    pub items: Vec<ProposedItem>,
    pub applied: bool,
}

/// A template class name from a classifier class name ("look and feel" →
/// "look-and-feel").
fn template_class(name: &str) -> String {
    name.replace(' ', "-")
}

impl App {
    /// Propose (and with `apply`, create) an epic, stories and tasks for a
    /// requirement from its class's template. Created items are children
    /// of the epic where the hierarchy allows, and each `implements` the
    /// requirement.
    pub fn decompose(
        &mut self,
        key: &ItemKey,
        class: Option<&str>,
        apply: bool,
    ) -> Result<Decomposition> {
        self.require_init()?;
        if apply {
            self.need_item(key, cairn_core::Role::Owner, "decompose requirements")?;
        } else {
            self.see(key)?;
        }
        let req = self
            .store
            .item(key)?
            .ok_or_else(|| crate::items::not_found(key))?;
        if req.kind != Kind::Requirement {
            return crate::invalid(format!(
                "{key} is a {}; decompose a requirement (kind requirement), e.g. one imported with `cairn req import`",
                req.kind
            ));
        }
        let text = requirement_text(&req);
        let c = Model::builtin().classify(&text);
        let (class, class_given) = match class {
            Some(name) => {
                let parsed = cairn_engine::classify::ReqClass::parse(name).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "`{name}` is not a requirement class; classes are {}",
                        cairn_core::decompose::CLASSES[..12].join(", ")
                    ))
                })?;
                (template_class(parsed.name()), true)
            }
            None => (template_class(c.class.name()), false),
        };
        let mut templates = cairn_core::decompose::builtin();
        for (k, v) in &self.config().decompose {
            templates.insert(k.clone(), v.clone());
        }
        let template = templates
            .get(&class)
            .or_else(|| {
                (class != "functional")
                    .then(|| templates.get("default"))
                    .flatten()
            })
            .cloned()
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "there is no [decompose.{class}] template; declare one in the workspace config"
                ))
            })?;
        let proposals =
            cairn_engine::decompose::propose(&template, &key.to_string(), &req.title, &text);
        let mut items: Vec<ProposedItem> = proposals
            .into_iter()
            .enumerate()
            .map(|(index, p)| ProposedItem {
                index,
                kind: p.kind,
                title: p.title,
                description: p.description,
                acceptance: p.acceptance,
                parent: p.parent,
                key: None,
            })
            .collect();
        let confidence = if class_given {
            1.0
        } else {
            (c.confidence * 1000.0).round() / 1000.0
        };
        if apply {
            let hierarchy = self.config().hierarchy.clone();
            let allowed = |parent: &str, child: &str| {
                hierarchy
                    .get(parent)
                    .is_some_and(|c| c.iter().any(|x| x == child))
            };
            let created = self.tx(|tx| {
                let mut keys: Vec<ItemKey> = Vec::new();
                let why = format!("decomposed from {key}");
                for p in &items {
                    let kind = Kind::parse(&p.kind).unwrap_or(Kind::Task);
                    let parent = match p.parent {
                        Some(i) if allowed(&items[i].kind, &p.kind) => keys.get(i).cloned(),
                        None if allowed("requirement", &p.kind) && kind == Kind::Epic => {
                            Some(key.clone())
                        }
                        _ => None,
                    };
                    let new = NewItem {
                        kind: Some(kind),
                        title: p.title.clone(),
                        description: p.description.clone(),
                        acceptance: p.acceptance.clone(),
                        parent,
                        ..NewItem::default()
                    };
                    let item = tx.add_item(&key.prefix, new, Some(&why))?;
                    let link = cairn_core::Link {
                        src: item.key.clone(),
                        kind: cairn_core::LinkKind::Implements,
                        dst: key.clone(),
                    };
                    tx.store.insert_link(&link, tx.now)?;
                    tx.audit(
                        "link.add",
                        &item.key.to_string(),
                        Some(&key.to_string()),
                        &[Change::new("implements", (), key.to_string())],
                        Some(&why),
                    )?;
                    keys.push(item.key);
                }
                Ok(keys)
            })?;
            for (p, k) in items.iter_mut().zip(created) {
                p.key = Some(k.to_string());
            }
        }
        Ok(Decomposition {
            requirement: key.to_string(),
            requirement_title: req.title.clone(),
            class,
            confidence,
            class_given,
            items,
            applied: apply,
        })
    }
}
