//! The Definition of Ready and of Done, enforced: each gate's rules
//! checked against an item, `cairn gate check`, and the refusal (or an
//! owner's override) when an item moves into a guarded state.

use crate::{App, AppError, Result, invalid};
use cairn_core::gates::{GateName, Rule};
use cairn_core::{Category, Item, ItemKey, Kind};
use serde::Serialize;
use std::fmt;

/// One rule checked against one item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleCheck {
    pub rule: String,
    /// What the rule asks.
    pub asks: String,
    pub ok: bool,
    /// Why it failed and what to do (empty when it holds).
    pub detail: String,
}

/// A gate checked against one item.
#[derive(Debug, Clone, Serialize)]
pub struct GateCheck {
    pub key: ItemKey,
    pub title: String,
    pub kind: String,
    pub state: String,
    /// `ready` or `done`.
    pub gate: String,
    pub passed: bool,
    pub rules: Vec<RuleCheck>,
}

/// A move refused by a gate.
#[derive(Debug, Clone, Serialize)]
pub struct GateRefusal {
    pub key: ItemKey,
    /// The state it was to move into.
    pub state: String,
    /// `ready` or `done`.
    pub gate: String,
    /// The rules it does not meet.
    pub unmet: Vec<RuleCheck>,
}

impl fmt::Display for GateRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = GateName::parse(&self.gate)
            .map(GateName::title)
            .unwrap_or("gate");
        writeln!(
            f,
            "{} cannot move to {}: the {title} is not met ({} of its rules fail{}):",
            self.key,
            self.state,
            self.unmet.len(),
            if self.unmet.len() == 1 { "s" } else { "" }
        )?;
        for r in &self.unmet {
            writeln!(f, "  - {}: {}", r.rule, r.detail)?;
        }
        write!(
            f,
            "Meet them first, or an owner can override with --override-gate --reason \"why\" (kept in the audit trail)."
        )
    }
}

/// What `cairn gate check` looks at.
#[derive(Debug, Clone, Default)]
pub struct GateCheckRequest {
    pub product: Option<String>,
    pub keys: Vec<ItemKey>,
    /// Every item of a release.
    pub release: Option<String>,
    /// Only this gate (default: every gate the workspace declares).
    pub gate: Option<GateName>,
}

fn check(rule: Rule, ok: bool, detail: String) -> RuleCheck {
    RuleCheck {
        rule: rule.as_str().to_string(),
        asks: rule.describe().to_string(),
        ok,
        detail: if ok { String::new() } else { detail },
    }
}

impl App {
    /// Check one gate's rules for an item (as it is, or as a patch would
    /// leave it).
    pub(crate) fn evaluate_gate(&mut self, item: &Item, gate: GateName) -> Result<Vec<RuleCheck>> {
        let Some(g) = self.config.gates.gate(gate).cloned() else {
            return Ok(Vec::new());
        };
        let key = &item.key;
        let mut out = Vec::new();
        for rule in g.rules_for(item.kind.as_str()) {
            out.push(match rule {
                Rule::Acceptance => check(
                    rule,
                    !item.acceptance.trim().is_empty(),
                    format!("{key} has no acceptance criteria: add them with `cairn item edit {key} --acceptance \"Given … When … Then …\"`"),
                ),
                Rule::Estimated => check(
                    rule,
                    item.estimate.is_some(),
                    format!("{key} has no estimate: `cairn item edit {key} --estimate N`"),
                ),
                Rule::Assigned => check(
                    rule,
                    item.assignee.is_some(),
                    format!("nobody is assigned: `cairn item edit {key} --assignee HANDLE`"),
                ),
                Rule::NoLintErrors => {
                    let errors: Vec<String> = self
                        .lint_item(item)?
                        .into_iter()
                        .filter(|f| f.key == key.to_string())
                        .filter(|f| f.severity == cairn_core::lint::Severity::Error)
                        .map(|f| format!("{} ({})", f.rule, f.message))
                        .collect();
                    check(
                        rule,
                        errors.is_empty(),
                        format!("the lint finds {}: see `cairn lint 'key = {key}'`", errors.join("; ")),
                    )
                }
                Rule::NoOpenBlockers => {
                    let mut open = Vec::new();
                    for l in self.store.links_of(key)? {
                        if l.relation == "blocked-by"
                            && let Some(b) = self.store.item(&l.other)?
                            && b.category != Category::Done
                        {
                            open.push(format!("{} ({})", b.key, b.state));
                        }
                    }
                    check(
                        rule,
                        open.is_empty(),
                        format!("blocked by {}", open.join(", ")),
                    )
                }
                Rule::ChildrenDone => {
                    let mut open = Vec::new();
                    for c in self.store.children(key)? {
                        if let Some(ci) = self.store.item(&c)?
                            && ci.category != Category::Done
                        {
                            open.push(format!("{} is {}", ci.key, ci.state));
                        }
                    }
                    check(rule, open.is_empty(), open.join(", "))
                }
                Rule::TestsPassed => {
                    // The item's own tests and those of everything below it.
                    let mut keys = vec![key.clone()];
                    let mut at = 0;
                    while at < keys.len() && keys.len() < 10_000 {
                        let children = self.store.children(&keys[at])?;
                        keys.extend(children);
                        at += 1;
                    }
                    let ids: Vec<i64> = self.store.item_ids(&keys)?.into_values().collect();
                    let tests = self.store.tests_for_items(&ids)?;
                    let bad: Vec<String> = tests
                        .iter()
                        .filter(|t| t.outcome.as_deref() != Some("passed"))
                        .map(|t| match (&t.outcome, &t.build) {
                            (Some(o), Some(b)) => format!("\"{}\" {o} in build {b}", t.name),
                            _ => format!("\"{}\" has never run", t.name),
                        })
                        .collect();
                    if tests.is_empty() {
                        check(
                            rule,
                            false,
                            format!("no test verifies {key}: name a test after it (\"{key} …\") or `cairn evidence link TEST {key}`"),
                        )
                    } else {
                        check(rule, bad.is_empty(), bad.join("; "))
                    }
                }
                Rule::Approved => {
                    let now = cairn_core::baseline::Frozen::of(item).hash();
                    let sigs = self.store.signatures_of("item", &key.to_string())?;
                    let approvals: Vec<_> = sigs
                        .iter()
                        .filter(|s| s.meaning == cairn_core::signature::Meaning::Approval)
                        .collect();
                    let valid = approvals
                        .iter()
                        .any(|s| s.content_hash == now && s.compute_hash() == s.hash);
                    check(
                        rule,
                        valid,
                        if approvals.is_empty() {
                            format!("nobody has approved {key}: `cairn sign {key} --meaning approval`")
                        } else {
                            format!("{key} changed after its approval ({}); it needs approving again: `cairn sign {key} --meaning approval`", approvals.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", "))
                        },
                    )
                }
                Rule::Traced => {
                    let mut traced = false;
                    let mut node = Some(item.clone());
                    let mut steps = 0;
                    while let Some(n) = node.take() {
                        if steps > 0 && n.kind == Kind::Requirement {
                            traced = true;
                            break;
                        }
                        if self
                            .store
                            .links_of(&n.key)?
                            .iter()
                            .any(|l| l.relation == "implements")
                        {
                            traced = true;
                            break;
                        }
                        steps += 1;
                        if steps > 64 {
                            break;
                        }
                        node = match &n.parent {
                            Some(p) => self.store.item(p)?,
                            None => None,
                        };
                    }
                    check(
                        rule,
                        traced,
                        format!("{key} traces to no requirement: `cairn link {key} implements REQ-KEY`, or put it under one"),
                    )
                }
            });
        }
        Ok(out)
    }

    /// Explain every gate rule for items: given keys, or every item of a
    /// release.
    pub fn gate_check(&mut self, req: &GateCheckRequest) -> Result<Vec<GateCheck>> {
        self.require_init()?;
        let declared: Vec<GateName> = [GateName::Ready, GateName::Done]
            .into_iter()
            .filter(|g| self.config.gates.gate(*g).is_some())
            .filter(|g| req.gate.is_none_or(|x| x == *g))
            .collect();
        if declared.is_empty() {
            return invalid(match req.gate {
                Some(g) => format!(
                    "the workspace declares no {}: add [gates.{}] to the config (see `cairn config show`)",
                    g.title(),
                    g.as_str()
                ),
                None => "the workspace declares no gates: add [gates.ready] or [gates.done] to the config (see `cairn config show`)".into(),
            });
        }
        let mut items = Vec::new();
        for k in &req.keys {
            items.push(self.item(k)?);
        }
        if let Some(r) = &req.release {
            let product = self.resolve_product(req.product.as_deref())?.prefix;
            if self.store.release(&product, r)?.is_none() {
                return Err(AppError::NotFound(format!(
                    "{product} has no release {r}; list them with `cairn release list`"
                )));
            }
            let q = self.compile_query(&format!(
                "product = {product} AND {} ORDER BY rank",
                crate::forecast::release_query(r)
            ))?;
            items.extend(self.tx(|tx| crate::forecast::all(tx.store, &q))?);
        }
        if items.is_empty() {
            return invalid("name the items to check (KEY ...) or a release (--release NAME)");
        }
        let mut out = Vec::new();
        for it in items {
            for g in &declared {
                let rules = self.evaluate_gate(&it, *g)?;
                if rules.is_empty() {
                    continue;
                }
                out.push(GateCheck {
                    key: it.key.clone(),
                    title: it.title.clone(),
                    kind: it.kind.to_string(),
                    state: it.state.clone(),
                    gate: g.as_str().to_string(),
                    passed: rules.iter().all(|r| r.ok),
                    rules,
                });
            }
        }
        self.webhook_gate_checks(&out);
        Ok(out)
    }

    /// The gate a move into `state` must pass, checked against the item
    /// as the patch leaves it: the unmet rules, if any.
    pub(crate) fn gate_for_move(
        &mut self,
        current: &Item,
        probe: &Item,
        state: &str,
    ) -> Result<Option<GateRefusal>> {
        if current.state == state {
            return Ok(None);
        }
        for g in self.config.gates.guarding(state) {
            let unmet: Vec<RuleCheck> = self
                .evaluate_gate(probe, g)?
                .into_iter()
                .filter(|r| !r.ok)
                .collect();
            if !unmet.is_empty() {
                return Ok(Some(GateRefusal {
                    key: current.key.clone(),
                    state: state.to_string(),
                    gate: g.as_str().to_string(),
                    unmet,
                }));
            }
        }
        Ok(None)
    }
}
