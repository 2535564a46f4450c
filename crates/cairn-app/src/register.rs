//! Use cases of the risk register and the decision log. Every change is
//! audited (target `R-n` / `D-n`), so a risk's trend over time is read
//! back from its audit entries.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::Change;
use cairn_core::{
    Decision, DecisionOption, DecisionStatus, ItemKey, Millis, Risk, RiskStatus, Role,
};
use serde::Serialize;

/// A new risk as a user describes it.
#[derive(Debug, Clone, Default)]
pub struct NewRisk {
    pub product: Option<String>,
    pub title: String,
    pub description: String,
    pub likelihood: u8,
    pub impact: u8,
    pub owner: Option<String>,
    pub status: Option<RiskStatus>,
    pub mitigations: Vec<ItemKey>,
}

/// A change to a risk; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct RiskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub owner: Option<Option<String>>,
    pub status: Option<RiskStatus>,
    pub add_mitigations: Vec<ItemKey>,
    pub remove_mitigations: Vec<ItemKey>,
}

/// A risk's score at one time, from its audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub at: Millis,
    pub likelihood: u8,
    pub impact: u8,
    pub score: u8,
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewDecision {
    pub product: Option<String>,
    pub title: String,
    pub context: String,
    pub options: Vec<DecisionOption>,
    pub decision: String,
    pub consequences: String,
    pub status: Option<DecisionStatus>,
    pub decided_on: Option<String>,
    pub decider: Option<String>,
    pub items: Vec<ItemKey>,
}

fn check_scale(what: &str, v: u8) -> Result<u8> {
    if (1..=5).contains(&v) {
        Ok(v)
    } else {
        invalid(format!(
            "{what} {v} is out of range: use 1 (lowest) to 5 (highest)"
        ))
    }
}

fn check_title(t: &str, what: &str) -> Result<String> {
    let t = t.trim();
    if t.is_empty() || t.contains('\n') || t.chars().count() > 300 {
        return invalid(format!(
            "a {what} needs a one-line title of 1 to 300 characters"
        ));
    }
    Ok(t.to_string())
}

fn check_date(d: &str) -> Result<String> {
    cairn_core::calendar::parse_date(d)
        .map(|x| x.to_string())
        .ok_or_else(|| AppError::Invalid(format!("`{d}` is not a date; write YYYY-MM-DD")))
}

impl App {
    fn check_items(&mut self, product: &str, keys: &[ItemKey]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for k in keys {
            self.item(k)?;
            if k.prefix != product {
                return invalid(format!(
                    "{k} is in product {}, not {product}: link items of the same product",
                    k.prefix
                ));
            }
            let s = k.to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn risk_add(&mut self, new: NewRisk) -> Result<Risk> {
        self.require_init()?;
        let product = self.resolve_product(new.product.as_deref())?.prefix;
        self.need(&product, Role::Member, "add risks")?;
        let mitigations = self.check_items(&product, &new.mitigations)?;
        let now = self.now();
        let mut r = Risk {
            id: String::new(),
            product,
            title: check_title(&new.title, "risk")?,
            description: new.description.trim().to_string(),
            likelihood: check_scale("likelihood", new.likelihood)?,
            impact: check_scale("impact", new.impact)?,
            owner: new
                .owner
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty()),
            status: new.status.unwrap_or(RiskStatus::Open),
            mitigations,
            created: now,
            updated: now,
            version: 0,
        };
        self.tx(|tx| {
            tx.store.insert_risk(&mut r)?;
            tx.audit(
                "risk.create",
                &r.id,
                None,
                &[
                    Change::new("title", (), &r.title),
                    Change::new("likelihood", (), r.likelihood),
                    Change::new("impact", (), r.impact),
                    Change::new("status", (), r.status.as_str()),
                ],
                None,
            )?;
            Ok(())
        })?;
        Ok(r)
    }

    fn risk_visible(&mut self, id: &str) -> Result<Risk> {
        match self.store.risk(id)? {
            Some(r) if self.can_see_product(&r.product) => Ok(r),
            _ => Err(AppError::NotFound(format!(
                "there is no risk {id}; list them with `cairn risk list`"
            ))),
        }
    }

    pub fn risk(&mut self, id: &str) -> Result<Risk> {
        self.risk_visible(id)
    }

    /// The risks the caller can see, highest score first.
    pub fn risks(&mut self) -> Result<Vec<Risk>> {
        let mut all = self.store.risks()?;
        all.retain(|r| self.can_see_product(&r.product));
        Ok(all)
    }

    pub fn risk_update(
        &mut self,
        id: &str,
        patch: RiskPatch,
        expected_version: Option<i64>,
        reason: Option<&str>,
    ) -> Result<Risk> {
        self.require_init()?;
        let before = self.risk_visible(id)?;
        self.need(&before.product, Role::Member, "change risks")?;
        let mut r = before.clone();
        if let Some(v) = expected_version {
            r.version = v;
        }
        if let Some(t) = &patch.title {
            r.title = check_title(t, "risk")?;
        }
        if let Some(d) = &patch.description {
            r.description = d.trim().to_string();
        }
        if let Some(l) = patch.likelihood {
            r.likelihood = check_scale("likelihood", l)?;
        }
        if let Some(i) = patch.impact {
            r.impact = check_scale("impact", i)?;
        }
        if let Some(o) = &patch.owner {
            r.owner = o.clone().filter(|o| !o.trim().is_empty());
        }
        if let Some(s) = patch.status {
            r.status = s;
        }
        let add = self.check_items(&r.product, &patch.add_mitigations)?;
        for k in add {
            if !r.mitigations.contains(&k) {
                r.mitigations.push(k);
            }
        }
        let remove: Vec<String> = patch
            .remove_mitigations
            .iter()
            .map(ToString::to_string)
            .collect();
        r.mitigations.retain(|k| !remove.contains(k));
        r.updated = self.now();
        let mut changes = Vec::new();
        if before.title != r.title {
            changes.push(Change::new("title", &before.title, &r.title));
        }
        if before.description != r.description {
            changes.push(Change::new(
                "description",
                &before.description,
                &r.description,
            ));
        }
        if before.likelihood != r.likelihood {
            changes.push(Change::new("likelihood", before.likelihood, r.likelihood));
        }
        if before.impact != r.impact {
            changes.push(Change::new("impact", before.impact, r.impact));
        }
        if before.owner != r.owner {
            changes.push(Change::new("owner", &before.owner, &r.owner));
        }
        if before.status != r.status {
            changes.push(Change::new(
                "status",
                before.status.as_str(),
                r.status.as_str(),
            ));
        }
        if before.mitigations != r.mitigations {
            changes.push(Change::new(
                "mitigations",
                &before.mitigations,
                &r.mitigations,
            ));
        }
        if changes.is_empty() {
            return Ok(before);
        }
        self.tx(|tx| {
            tx.store.update_risk(&r)?;
            tx.audit("risk.update", &r.id, None, &changes, reason)?;
            Ok(())
        })?;
        self.risk_visible(id)
    }

    /// How a risk's likelihood, impact and status moved, from its audit
    /// trail (one point per change, oldest first).
    pub fn risk_trend(&mut self, id: &str) -> Result<Vec<TrendPoint>> {
        let r = self.risk_visible(id)?;
        let mut points: Vec<TrendPoint> = Vec::new();
        let (mut l, mut i, mut s) = (r.likelihood, r.impact, r.status.as_str().to_string());
        for e in self.store.audit_for(&r.id)? {
            for c in e.change_list() {
                let n = c.new.as_u64().and_then(|x| u8::try_from(x).ok());
                match (c.field.as_str(), n) {
                    ("likelihood", Some(v)) => l = v,
                    ("impact", Some(v)) => i = v,
                    ("status", _) => s = c.new.as_str().unwrap_or_default().to_string(),
                    _ => {}
                }
            }
            points.push(TrendPoint {
                at: e.at,
                likelihood: l,
                impact: i,
                score: l * i,
                status: s.clone(),
            });
        }
        Ok(points)
    }

    pub fn decision_add(&mut self, new: NewDecision) -> Result<Decision> {
        self.require_init()?;
        let product = self.resolve_product(new.product.as_deref())?.prefix;
        self.need(&product, Role::Member, "record decisions")?;
        let items = self.check_items(&product, &new.items)?;
        let status = new.status.unwrap_or(if new.decision.trim().is_empty() {
            DecisionStatus::Proposed
        } else {
            DecisionStatus::Accepted
        });
        if status == DecisionStatus::Accepted && new.decision.trim().is_empty() {
            return invalid("an accepted decision says what was decided: give --decision");
        }
        for o in &new.options {
            if o.name.trim().is_empty() {
                return invalid("every option needs a name");
            }
        }
        let now = self.now();
        let mut d = Decision {
            id: String::new(),
            product,
            title: check_title(&new.title, "decision")?,
            context: new.context.trim().to_string(),
            options: new.options,
            decision: new.decision.trim().to_string(),
            consequences: new.consequences.trim().to_string(),
            status,
            decided_on: new.decided_on.as_deref().map(check_date).transpose()?,
            decider: new
                .decider
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty()),
            items,
            created: now,
            updated: now,
            version: 0,
        };
        self.tx(|tx| {
            tx.store.insert_decision(&mut d)?;
            tx.audit(
                "decision.create",
                &d.id,
                None,
                &[
                    Change::new("title", (), &d.title),
                    Change::new("status", (), d.status.as_str()),
                ],
                None,
            )?;
            Ok(())
        })?;
        Ok(d)
    }

    /// Decide (or reject, or supersede) a decision.
    pub fn decision_update(
        &mut self,
        id: &str,
        status: DecisionStatus,
        decision: Option<&str>,
        decider: Option<&str>,
        decided_on: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Decision> {
        self.require_init()?;
        let before = match self.store.decision(id)? {
            Some(d) if self.can_see_product(&d.product) => d,
            _ => {
                return Err(AppError::NotFound(format!(
                    "there is no decision {id}; list them with `cairn decision list`"
                )));
            }
        };
        self.need(&before.product, Role::Owner, "decide")?;
        let mut d = before.clone();
        d.status = status;
        if let Some(x) = decision {
            d.decision = x.trim().to_string();
        }
        if let Some(x) = decider {
            d.decider = Some(x.trim().to_string()).filter(|x| !x.is_empty());
        }
        if let Some(x) = decided_on {
            d.decided_on = Some(check_date(x)?);
        }
        if d.status == DecisionStatus::Accepted && d.decision.is_empty() {
            return invalid("say what was decided: give --decision");
        }
        d.updated = self.now();
        if d.decided_on.is_none() && d.status != DecisionStatus::Proposed {
            d.decided_on = chrono::DateTime::from_timestamp_millis(d.updated)
                .map(|t| t.date_naive().to_string());
        }
        let changes = vec![
            Change::new("status", before.status.as_str(), d.status.as_str()),
            Change::new("decision", &before.decision, &d.decision),
        ];
        self.tx(|tx| {
            tx.store.update_decision(&d)?;
            tx.audit("decision.update", &d.id, None, &changes, reason)?;
            Ok(())
        })?;
        Ok(self.store.decision(id)?.unwrap_or(d))
    }

    /// The decisions the caller can see, newest first.
    pub fn decisions(&mut self) -> Result<Vec<Decision>> {
        let mut all = self.store.decisions()?;
        all.retain(|d| self.can_see_product(&d.product));
        Ok(all)
    }
}
