//! Ranking use cases: score a product's open items with a model, order
//! them so blockers come first, explain any position, and write the new
//! order back (`--apply`) in one transaction.

use crate::{App, AppError, Result, Tx, invalid};
use cairn_core::audit::Change as AuditChange;
use cairn_core::ranking::Unscored;
use cairn_core::{Category, Config, Item, ItemKey, Kind, LinkKind, Millis, rank};
use cairn_engine::order::{Graph, Ranked};
use cairn_engine::score::{Change, ItemInputs, Model, ModelKind, Read, Term, Value, fmt_num};
use cairn_query::Query;
use cairn_store::{Page, Store};
use serde::Serialize;
use std::collections::HashMap;

/// What to rank: a model (default: the config's, else WSJF), the items of
/// one product that are not done, narrowed by an optional query.
#[derive(Debug, Clone, Default)]
pub struct RankRequest {
    pub model: Option<String>,
    pub query: Option<String>,
    pub product: Option<String>,
}

/// One item in the proposed order.
#[derive(Debug, Clone, Serialize)]
pub struct RankedItem {
    /// 1-based place in the proposed order.
    pub position: usize,
    /// 1-based place in the current order (by rank) among the same items.
    pub current_position: usize,
    pub key: ItemKey,
    pub kind: Kind,
    pub title: String,
    pub state: String,
    /// The score the item is ordered by: its own, or an inherited one when
    /// that is higher. `null` for an unscored item.
    pub score: Option<f64>,
    pub own_score: Option<f64>,
    /// The item whose score this one inherits because it (transitively)
    /// blocks it.
    pub inherited_from: Option<ItemKey>,
    /// Inputs the model needs that the item lacks.
    pub missing: Vec<String>,
    /// Confidence (percent) when below the spike threshold.
    pub needs_spike: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankReport {
    pub product: String,
    pub model: String,
    pub model_title: String,
    pub items: Vec<RankedItem>,
    /// Cycles of blocks links, each `[a, b, …, a]`.
    pub cycles: Vec<Vec<ItemKey>>,
    pub warnings: Vec<String>,
}

impl RankReport {
    pub fn unscored(&self) -> impl Iterator<Item = &RankedItem> {
        self.items.iter().filter(|i| i.own_score.is_none())
    }
}

/// Why an item sits where it does.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub key: ItemKey,
    pub title: String,
    pub model: String,
    pub model_title: String,
    pub position: usize,
    pub current_position: usize,
    pub total: usize,
    pub own_score: Option<f64>,
    /// The model's formula with this item's numbers.
    pub formula: Option<String>,
    pub terms: Vec<TermOut>,
    pub missing: Vec<String>,
    pub inherited: Option<Inherited>,
    pub score: Option<f64>,
    pub above: Option<Neighbour>,
    pub below: Option<Neighbour>,
    pub needs_spike: Option<String>,
    pub cycle: Option<Vec<ItemKey>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermOut {
    pub input: String,
    pub source: String,
    pub value: String,
    pub effect: String,
    pub note: Option<String>,
}

impl From<Term> for TermOut {
    fn from(t: Term) -> Self {
        TermOut {
            input: t.input,
            source: t.source,
            value: t.raw,
            effect: t.effect,
            note: t.note,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Inherited {
    pub score: f64,
    pub from: ItemKey,
    pub from_title: String,
    /// The chain of blocks links from this item to the one it inherits from.
    pub path: Vec<ItemKey>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Neighbour {
    pub key: ItemKey,
    pub title: String,
    pub score: Option<f64>,
    /// What it takes to pass this neighbour, one input at a time.
    pub changes: Vec<ChangeOut>,
    /// Why no change of inputs would do it, or what else matters.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeOut {
    pub input: String,
    pub from: String,
    pub to: String,
}

impl From<Change> for ChangeOut {
    fn from(c: Change) -> Self {
        ChangeOut {
            input: c.input,
            from: c.from,
            to: c.to,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplyOutcome {
    pub model: String,
    /// Items whose rank was rewritten.
    pub moved: usize,
    /// Items already in place (their longest common run with the new order).
    pub kept: usize,
    pub report: RankReport,
}

/// Everything ranking needs, loaded once.
struct Loaded {
    product: String,
    model: Model,
    /// Items in key order; a node's index is its place here.
    items: Vec<Item>,
    /// Own score per node; `None` when unscored.
    scores: Vec<Option<f64>>,
    /// What each unscored node lacks.
    missing: HashMap<u32, Vec<String>>,
    goals: Vec<usize>,
    dates: HashMap<String, Option<i64>>,
    graph: Graph,
    ranked: Ranked,
    /// Node → 0-based place in the current order.
    current: Vec<u32>,
}

fn days(ms: Millis) -> i64 {
    ms.div_euclid(86_400_000)
}

fn date_days(s: &str) -> Option<i64> {
    let d = cairn_core::calendar::parse_date(s)?;
    Some(days(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis()))
}

impl App {
    /// The model a request names, or the workspace default, or WSJF.
    fn model_kind(&self, req: &RankRequest) -> Result<ModelKind> {
        let name = req
            .model
            .clone()
            .or_else(|| {
                self.config
                    .ranking
                    .default_model
                    .as_ref()
                    .map(|m| m.get_ref().clone())
            })
            .unwrap_or_else(|| "wsjf".into());
        ModelKind::parse(&name).ok_or_else(|| {
            let names: Vec<&str> = ModelKind::ALL.iter().map(|m| m.as_str()).collect();
            let hint = cairn_core::did_you_mean(&name, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            AppError::Invalid(format!(
                "`{name}` is not a scoring model{hint}; models are {}",
                names.join(", ")
            ))
        })
    }

    /// Compile the request's query and the product filter.
    fn rank_query(&mut self, req: &RankRequest) -> Result<(String, Query)> {
        let product = self.resolve_product(req.product.as_deref())?;
        let base = self.compile_query(&format!(
            "product = {} AND category != done ORDER BY rank",
            product.prefix
        ))?;
        let user = match req.query.as_deref().filter(|q| !q.trim().is_empty()) {
            Some(src) => self.compile_query(src)?,
            None => {
                let scope = self.config.ranking.scope().to_string();
                self.compile_query(&scope).map_err(|e| {
                    AppError::Invalid(format!(
                        "the workspace config's [ranking] scope is not a valid query: {e}"
                    ))
                })?
            }
        };
        let q = Query {
            filter: cairn_query::Filter::And(vec![base.filter, user.filter]),
            order: base.order,
        };
        Ok((product.prefix, q))
    }

    /// Score and order a product's open items.
    pub fn rank(&mut self, req: &RankRequest) -> Result<RankReport> {
        self.require_init()?;
        let kind = self.model_kind(req)?;
        let (product, q) = self.rank_query(req)?;
        self.tx(|tx| {
            let l = load(tx.store, tx.config, tx.now, kind, &product, &q)?;
            Ok(report(&l, tx.config))
        })
    }

    /// Explain one item's place in the ranking.
    pub fn rank_explain(&mut self, req: &RankRequest, key: &ItemKey) -> Result<Explanation> {
        self.require_init()?;
        let kind = self.model_kind(req)?;
        let req = RankRequest {
            product: Some(key.prefix.clone()),
            ..req.clone()
        };
        let (product, q) = self.rank_query(&req)?;
        let item = self.item(key)?;
        self.tx(|tx| {
            let l = load(tx.store, tx.config, tx.now, kind, &product, &q)?;
            let Some(idx) = l.items.iter().position(|i| &i.key == key) else {
                let why = if item.category == Category::Done {
                    format!("{key} is {} (done), and only open items are ranked", item.state)
                } else {
                    match req.query.as_deref().filter(|q| !q.trim().is_empty()) {
                        Some(q) => format!("{key} does not match the query `{q}`, so it is not in this ranking"),
                        None => format!(
                            "{key} is a {} and outside the ranking scope `{}`; pass a query that includes it, e.g. `cairn rank 'key = {key}' --explain {key}`",
                            item.kind,
                            tx.config.ranking.scope()
                        ),
                    }
                };
                return invalid(why);
            };
            Ok(explain(&l, idx))
        })
    }

    /// Rank and write the new order: only the items that must move get a
    /// new rank, each with an audit entry carrying `reason`.
    pub fn rank_apply(&mut self, req: &RankRequest, reason: Option<&str>) -> Result<ApplyOutcome> {
        self.require_init()?;
        let kind = self.model_kind(req)?;
        let (product, q) = self.rank_query(req)?;
        self.need(&product, cairn_core::Role::Owner, "apply a ranking")?;
        self.tx(|tx| {
            tx.store.lock_product(&product)?;
            let l = load(tx.store, tx.config, tx.now, kind, &product, &q)?;
            let why = match reason.map(str::trim).filter(|r| !r.is_empty()) {
                Some(r) => format!("ranked by {}: {r}", kind.title()),
                None => format!("ranked by {}", kind.title()),
            };
            let moved = apply(tx, &l, &why)?;
            let mut rep = report(&l, tx.config);
            // After applying, the current order is the proposed one.
            for it in &mut rep.items {
                it.current_position = it.position;
            }
            if moved > 0 {
                tx.audit(
                    "rank.apply",
                    &product,
                    None,
                    &[
                        AuditChange::new("model", (), kind.as_str()),
                        AuditChange::new("moved", (), moved as i64),
                    ],
                    Some(&why),
                )?;
            }
            Ok(ApplyOutcome {
                model: kind.as_str().into(),
                moved,
                kept: l.items.len() - moved,
                report: rep,
            })
        })
    }
}

fn load(
    store: &mut Store,
    config: &Config,
    now: Millis,
    kind: ModelKind,
    product: &str,
    q: &Query,
) -> Result<Loaded> {
    let today = days(now);
    let model = Model::new(kind, config, today).map_err(AppError::Invalid)?;
    let mut items = store.query(
        q,
        Page {
            limit: usize::MAX / 2,
            offset: 0,
        },
    )?;
    items.sort_by(|a, b| a.key.cmp(&b.key));
    if cairn_core::ranking::reads_demand(&config.ranking) {
        // Demand from customer feedback is read as number fields, so a
        // model input or criterion can name `demand.customers` like any
        // field (docs/feedback.md).
        let scores = crate::feedback::demand_scores(store, config, product, now)?;
        for it in &mut items {
            for (name, v) in crate::feedback::demand_field_values(scores.get(&it.key.to_string())) {
                it.fields
                    .insert(name.to_string(), cairn_core::FieldValue::Number(v));
            }
        }
    }
    let n = items.len();
    let index: HashMap<&ItemKey, u32> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (&it.key, i as u32))
        .collect();
    let mut by_rank: Vec<u32> = (0..n as u32).collect();
    by_rank.sort_by(|a, b| {
        items[*a as usize]
            .rank
            .as_bytes()
            .cmp(items[*b as usize].rank.as_bytes())
    });
    let mut current = vec![0u32; n];
    for (pos, &i) in by_rank.iter().enumerate() {
        current[i as usize] = pos as u32;
    }
    let edges: Vec<(u32, u32)> = store
        .links(Some(LinkKind::Blocks))?
        .into_iter()
        .filter_map(|(l, _)| Some((*index.get(&l.src)?, *index.get(&l.dst)?)))
        .collect();
    let dates: HashMap<String, Option<i64>> = store
        .releases()?
        .into_iter()
        .filter(|r| r.product == product)
        .map(|r| (r.name, r.target_date.as_deref().and_then(date_days)))
        .collect();

    let goals = goal_counts(store, &items, &index)?;
    let mut scores = Vec::with_capacity(n);
    let mut missing = HashMap::new();
    let mut problems = Vec::new();
    for (i, (it, g)) in items.iter().zip(&goals).enumerate() {
        match model.score_item(&inputs(it, *g, &dates)) {
            Ok(Ok(s)) => scores.push(Some(s)),
            Ok(Err(m)) => {
                missing.insert(i as u32, m);
                scores.push(None);
            }
            Err(ps) => {
                for p in ps {
                    problems.push(format!(
                        "{}: {}; fix it with `cairn item edit {} --field {}=VALUE`",
                        it.key, p.message, it.key, p.field
                    ));
                }
                scores.push(None);
            }
        }
    }
    if !problems.is_empty() {
        return invalid(format!(
            "{} cannot rank: {}",
            kind.title(),
            crate::problem_list(
                problems,
                "value is off the model's scale",
                "values are off the model's scale"
            )
        ));
    }
    let created: Vec<i64> = items.iter().map(|i| i.created).collect();
    let graph = Graph::new(n, &edges);
    let ranked = graph.rank(
        &scores,
        &created,
        config.ranking.unscored == Unscored::First,
    );
    Ok(Loaded {
        product: product.to_string(),
        model,
        items,
        scores,
        missing,
        goals,
        dates,
        graph,
        ranked,
        current,
    })
}

fn inputs<'a>(
    it: &'a Item,
    goals: usize,
    dates: &'a HashMap<String, Option<i64>>,
) -> ItemInputs<'a> {
    ItemInputs {
        fields: &it.fields,
        estimate: it.estimate,
        goals,
        release: it
            .release
            .as_deref()
            .map(|r| (r, dates.get(r).copied().flatten())),
    }
}

/// How many goals each item serves, its own and its ancestors' (a story
/// serves the goals of the epic and requirement above it).
fn goal_counts(
    store: &mut Store,
    items: &[Item],
    index: &HashMap<&ItemKey, u32>,
) -> Result<Vec<usize>> {
    // Ancestors outside the ranked set, read once each.
    let mut outside: HashMap<ItemKey, (Vec<String>, Option<ItemKey>)> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let mut all = it.goals.clone();
        let mut next = it.parent.clone();
        // Bounded, in case a corrupt database holds a parent cycle.
        for _ in 0..16 {
            let Some(p) = next.take() else { break };
            let (goals, up) = match index.get(&p) {
                Some(&i) => (&items[i as usize].goals, &items[i as usize].parent),
                None => {
                    if !outside.contains_key(&p) {
                        let entry = match store.item(&p)? {
                            Some(pi) => (pi.goals, pi.parent),
                            None => (vec![], None),
                        };
                        outside.insert(p.clone(), entry);
                    }
                    let (g, up) = &outside[&p];
                    (g, up)
                }
            };
            all.extend(goals.iter().cloned());
            next = up.clone();
        }
        all.sort_unstable();
        all.dedup();
        out.push(all.len());
    }
    Ok(out)
}

fn report(l: &Loaded, config: &Config) -> RankReport {
    let items = l
        .ranked
        .order
        .iter()
        .enumerate()
        .map(|(pos, &v)| {
            let i = v as usize;
            let it = &l.items[i];
            RankedItem {
                position: pos + 1,
                current_position: l.current[i] as usize + 1,
                key: it.key.clone(),
                kind: it.kind,
                title: it.title.clone(),
                state: it.state.clone(),
                score: l.ranked.effective[i],
                own_score: l.scores[i],
                inherited_from: l.ranked.inherited_from[i].map(|s| l.items[s as usize].key.clone()),
                missing: l.missing.get(&v).cloned().unwrap_or_default(),
                needs_spike: l.model.needs_spike(&inputs(it, l.goals[i], &l.dates)),
            }
        })
        .collect();
    let cycles = l
        .graph
        .cycles
        .iter()
        .map(|c| c.iter().map(|&v| l.items[v as usize].key.clone()).collect())
        .collect();
    let mut warnings = Vec::new();
    if l.model.kind == ModelKind::Moscow {
        warnings.extend(moscow_guard(l, config));
    }
    RankReport {
        product: l.product.clone(),
        model: l.model.kind.as_str().into(),
        model_title: l.model.kind.title().into(),
        items,
        cycles,
        warnings,
    }
}

/// DSDM's capacity guard: Must items should take no more than 60 % (the
/// config's `must_share`) of a release's estimated effort.
fn moscow_guard(l: &Loaded, config: &Config) -> Vec<String> {
    let field = config.ranking.field_for("moscow");
    let limit = config.ranking.must_share();
    // release → (must effort, total effort, unestimated items)
    let mut by_release: std::collections::BTreeMap<&str, (f64, f64, usize)> = Default::default();
    for it in &l.items {
        let Some(r) = it.release.as_deref() else {
            continue;
        };
        let e = by_release.entry(r).or_default();
        match it.estimate {
            Some(est) => {
                e.1 += est;
                if it.fields.get(&field).and_then(|v| v.as_text()) == Some("must") {
                    e.0 += est;
                }
            }
            None => e.2 += 1,
        }
    }
    let mut out = Vec::new();
    for (r, (must, total, unestimated)) in by_release {
        if total > 0.0 && must / total > limit {
            let mut w = format!(
                "release {r}: Must items take {} % of its estimated effort ({} of {}); DSDM advises at most {} %, so there is no room for contingency",
                (100.0 * must / total).round(),
                fmt_num(must),
                fmt_num(total),
                (100.0 * limit).round()
            );
            if unestimated > 0 {
                w.push_str(&format!(
                    " ({unestimated} item{} without an estimate not counted)",
                    if unestimated == 1 { "" } else { "s" }
                ));
            }
            out.push(w);
        }
    }
    out
}

fn explain(l: &Loaded, x: usize) -> Explanation {
    let it = &l.items[x];
    let pos = l.ranked.position[x] as usize;
    let r = &l.ranked;
    let read = l.model.read(&inputs(it, l.goals[x], &l.dates));
    let values: Option<&Vec<Value>> = match &read {
        Ok(Read::Values(v)) => Some(v),
        _ => None,
    };
    let own = l.scores[x];
    let inherited = r.inherited_from[x].map(|s| {
        let s = s as usize;
        Inherited {
            score: r.effective[x].unwrap_or(0.0),
            from: l.items[s].key.clone(),
            from_title: l.items[s].title.clone(),
            path: l
                .graph
                .path(x as u32, s as u32)
                .unwrap_or_default()
                .into_iter()
                .map(|v| l.items[v as usize].key.clone())
                .collect(),
        }
    });
    let name = |v: usize| l.items[v].key.clone();
    let neighbour = |v: usize| Neighbour {
        key: name(v),
        title: l.items[v].title.clone(),
        score: r.effective[v],
        changes: vec![],
        note: None,
    };
    let above = (pos > 0).then(|| {
        let a = r.order[pos - 1] as usize;
        let mut n = neighbour(a);
        if l.graph.must_precede(a as u32, x as u32) {
            n.note = Some(format!(
                "{} blocks {} ({}), so it stays above whatever the scores",
                name(a),
                it.key,
                chain(l, a, x)
            ));
        } else if let Some(v) = values {
            match r.effective[a] {
                Some(t) => {
                    n.changes = l
                        .model
                        .what_it_takes(v, t, true)
                        .into_iter()
                        .map(Into::into)
                        .collect();
                    if n.changes.is_empty() {
                        n.note = Some(
                            "no single input on its scale gets its score past this neighbour"
                                .into(),
                        );
                    }
                }
                None => {
                    n.note = Some("both are unscored; they are ordered by age, then key".into())
                }
            }
        } else {
            n.note = Some(format!(
                "{} is unscored: give it {} first",
                it.key,
                missing_of(l, x).join(", ")
            ));
        }
        n
    });
    let below = (pos + 1 < l.items.len()).then(|| {
        let b = r.order[pos + 1] as usize;
        let mut n = neighbour(b);
        if l.graph.must_precede(x as u32, b as u32) {
            n.note = Some(format!(
                "{} blocks {} ({}), so it stays above it whatever the scores",
                it.key,
                name(b),
                chain(l, x, b)
            ));
        } else if let (Some(inh), Some(t)) = (&inherited, r.effective[b])
            && inh.score >= t
        {
            n.note = Some(format!(
                "its inherited score {} (from {}) keeps it above; its own inputs cannot move it below",
                fmt_num(inh.score),
                inh.from
            ));
        } else if let Some(v) = values {
            match r.effective[b] {
                Some(t) => {
                    n.changes = l.model.what_it_takes(v, t, false).into_iter().map(Into::into).collect();
                    if n.changes.is_empty() {
                        n.note = Some("no single input on its scale drops its score below this neighbour".into());
                    }
                }
                None => n.note = Some(format!("{} is unscored; scored items stay above unscored ones", name(b))),
            }
        }
        n
    });
    let spike = l.model.needs_spike(&inputs(it, l.goals[x], &l.dates)).map(|c| {
        format!(
            "needs a spike: confidence {} % is below the workspace threshold of {} %; investigate before committing to it",
            fmt_num(c),
            fmt_num(l.model.spike_below())
        )
    });
    let cycle = l
        .graph
        .cycles
        .iter()
        .find(|c| c.contains(&(x as u32)))
        .map(|c| c.iter().map(|&v| name(v as usize)).collect());
    Explanation {
        key: it.key.clone(),
        title: it.title.clone(),
        model: l.model.kind.as_str().into(),
        model_title: l.model.kind.title().into(),
        position: pos + 1,
        current_position: l.current[x] as usize + 1,
        total: l.items.len(),
        own_score: own,
        formula: values.map(|v| l.model.formula(v)),
        terms: values
            .map(|v| l.model.terms(v).into_iter().map(Into::into).collect())
            .unwrap_or_default(),
        missing: missing_of(l, x),
        inherited,
        score: r.effective[x],
        above,
        below,
        needs_spike: spike,
        cycle,
    }
}

fn missing_of(l: &Loaded, x: usize) -> Vec<String> {
    l.missing.get(&(x as u32)).cloned().unwrap_or_default()
}

fn chain(l: &Loaded, a: usize, b: usize) -> String {
    l.graph
        .path(a as u32, b as u32)
        .unwrap_or_default()
        .into_iter()
        .map(|v| l.items[v as usize].key.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Write the proposed order with as few moves as possible: the longest run
/// of items already in the right relative order keeps its ranks; every
/// other item gets a new rank just after the kept item it now follows.
fn apply(tx: &mut Tx<'_>, l: &Loaded, reason: &str) -> Result<usize> {
    let order = &l.ranked.order;
    let seq: Vec<u32> = order.iter().map(|&v| l.current[v as usize]).collect();
    let keep = longest_increasing(&seq);
    let mut moved = 0;
    let mut i = 0;
    while i < order.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < order.len() && !keep[i] {
            i += 1;
        }
        // Place the run right after the item kept before it (or right
        // before the first kept item), in a gap no other item of the
        // product occupies, so no two items ever share a rank.
        let (lo, hi) = if start > 0 {
            let lo = l.items[order[start - 1] as usize].rank.clone();
            let hi = tx.store.rank_neighbour(&l.product, &lo, false)?;
            (Some(lo), hi)
        } else {
            let hi = l.items[order[i] as usize].rank.clone();
            (tx.store.rank_neighbour(&l.product, &hi, true)?, Some(hi))
        };
        let ranks = rank::between_many(lo.as_deref(), hi.as_deref(), i - start)
            .map_err(|e| AppError::Store(cairn_store::StoreError::Corrupt(e.to_string())))?;
        for (k, new_rank) in (start..i).zip(ranks) {
            let it = &l.items[order[k] as usize];
            tx.store.set_rank(&it.key, &new_rank, tx.now, it.version)?;
            tx.audit(
                "item.rank",
                &it.key.to_string(),
                None,
                &[AuditChange::new("rank", &it.rank, &new_rank)],
                Some(reason),
            )?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// Which entries of `seq` form one longest strictly increasing subsequence.
fn longest_increasing(seq: &[u32]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new(); // index of the last entry of the best run of each length
    let mut prev = vec![usize::MAX; seq.len()];
    for (i, &x) in seq.iter().enumerate() {
        let p = tails.partition_point(|&t| seq[t] < x);
        if p > 0 {
            prev[i] = tails[p - 1];
        }
        if p == tails.len() {
            tails.push(i);
        } else {
            tails[p] = i;
        }
    }
    let mut keep = vec![false; seq.len()];
    let mut k = tails.last().copied().unwrap_or(usize::MAX);
    while k != usize::MAX {
        keep[k] = true;
        k = prev[k];
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn longest_increasing_is_increasing_and_maximal(seq in proptest::collection::vec(0u32..50, 0..60)) {
            let keep = longest_increasing(&seq);
            let kept: Vec<u32> = seq.iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| *x).collect();
            prop_assert!(kept.windows(2).all(|w| w[0] < w[1]));
            // Quadratic reference for the length.
            let mut best = vec![1usize; seq.len()];
            for i in 0..seq.len() {
                for j in 0..i {
                    if seq[j] < seq[i] { best[i] = best[i].max(best[j] + 1); }
                }
            }
            prop_assert_eq!(kept.len(), best.iter().copied().max().unwrap_or(0));
        }
    }
}
