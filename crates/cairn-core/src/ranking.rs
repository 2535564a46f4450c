//! The `[ranking]` section of the workspace config: which fields feed the
//! scoring models, the weighted-scoring criteria, the feasibility factor and
//! how unscored items are placed.
//!
//! Fields that name other parts of the config carry their position in the
//! TOML text, so a mistake is reported with its line.

use crate::config::{FieldDecl, FieldType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// What kind of field a model input reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleType {
    /// A number field; `estimate` is allowed where `estimate_ok`.
    Number { estimate_ok: bool },
    /// An enum field whose values must come from this list.
    Enum(&'static [&'static str]),
}

pub const MOSCOW_VALUES: &[&str] = &["must", "should", "could", "wont"];
pub const KANO_VALUES: &[&str] = &[
    "must-be",
    "one-dimensional",
    "attractive",
    "indifferent",
    "reverse",
    "questionable",
];
/// The scoring models `cairn rank --model` accepts.
pub const MODELS: &[&str] = &["rice", "wsjf", "ice", "moscow", "kano", "weighted"];

pub const COD_PROFILES: &[&str] = &["standard", "urgent", "fixed-date", "intangible"];

const NUM: RoleType = RoleType::Number { estimate_ok: false };
const NUM_OR_ESTIMATE: RoleType = RoleType::Number { estimate_ok: true };

/// Every model input, with the field it reads unless `[ranking.inputs]`
/// maps it elsewhere (the default field has the input's name).
pub const INPUT_ROLES: &[(&str, RoleType)] = &[
    ("reach", NUM),
    ("impact", NUM),
    ("confidence", NUM),
    ("effort", NUM_OR_ESTIMATE),
    ("business_value", NUM),
    ("time_criticality", NUM),
    ("risk_reduction", NUM),
    ("job_size", NUM_OR_ESTIMATE),
    ("ice_impact", NUM),
    ("ice_confidence", NUM),
    ("ease", NUM),
    ("moscow", RoleType::Enum(MOSCOW_VALUES)),
    ("kano", RoleType::Enum(KANO_VALUES)),
    ("kano_better", NUM),
    ("kano_worse", NUM),
    ("cod_profile", RoleType::Enum(COD_PROFILES)),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingConfig {
    /// The model `cairn rank` uses without `--model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model: Option<Spanned<String>>,
    /// Which open items `cairn rank` orders when no query is given, in the
    /// query language (default: the backlog items, not their containers or
    /// sub-tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Where items whose inputs are incomplete go: `last` (default) or `first`.
    #[serde(default)]
    pub unscored: Unscored,
    /// Confidence (in percent) below which an item is flagged "needs a spike".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike_below: Option<f64>,
    /// MoSCoW capacity guard: the largest share of a release's estimated
    /// effort that Must items may take (DSDM: 0.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_share: Option<f64>,
    /// Model input → the field it reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, Spanned<String>>,
    /// The criteria of the weighted-scoring model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weighted: Vec<Spanned<Criterion>>,
    /// A technical-feasibility criterion (complexity, risk) that scales every
    /// model's score by `floor + (1 - floor) × its normalised value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feasibility: Option<Spanned<Criterion>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unscored {
    #[default]
    Last,
    First,
}

/// One criterion: where its value comes from and how it is normalised to 0–1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    /// `field` (default), `goals` (strategic fit: how many goals the item
    /// serves) or `estimate`.
    #[serde(default)]
    pub source: Source,
    /// The custom field, for `source = "field"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default = "one")]
    pub weight: f64,
    /// Number scale: `min` maps to 0 and `max` to 1 (reversed when
    /// `lower_is_better`). For `goals`, `max` goals or more count as 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lower_is_better: bool,
    /// Enum scale: each value's normalised score, 0–1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, f64>,
    /// Feasibility only: the factor at the least feasible end (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Field,
    Goals,
    Estimate,
}

/// The default ranking scope.
pub const DEFAULT_SCOPE: &str = "kind IN (story, bug, spike, debt)";

impl RankingConfig {
    pub fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or(DEFAULT_SCOPE)
    }

    /// The field an input reads, e.g. `effort` → `estimate` when mapped so.
    pub fn field_for(&self, role: &str) -> String {
        self.inputs
            .get(role)
            .map_or_else(|| role.to_string(), |s| s.get_ref().clone())
    }

    /// The field `role` reads, checked against the declared fields: an
    /// error says how to declare or map it.
    pub fn input_field(
        &self,
        role: &str,
        fields: &BTreeMap<String, FieldDecl>,
    ) -> Result<String, String> {
        let ty = INPUT_ROLES
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| *t)
            .ok_or_else(|| format!("`{role}` is not a model input"))?;
        let field = self.field_for(role);
        check_role_field(role, ty, &field, fields)?;
        Ok(field)
    }

    pub fn spike_below(&self) -> f64 {
        self.spike_below.unwrap_or(50.0)
    }

    pub fn must_share(&self) -> f64 {
        self.must_share.unwrap_or(0.6)
    }

    /// Check the section against the declared fields. `text` is the config
    /// source, used to name the line of a mistake.
    pub fn validate(
        &self,
        fields: &BTreeMap<String, FieldDecl>,
        text: &str,
        models: &[&str],
    ) -> Result<(), String> {
        let line = |start: usize| text[..start.min(text.len())].matches('\n').count() + 1;
        if let Some(m) = &self.default_model
            && !models.contains(&m.get_ref().as_str())
        {
            return Err(format!(
                "line {}: [ranking] default_model `{}` is not a model; models are {}",
                line(m.span().start),
                m.get_ref(),
                models.join(", ")
            ));
        }
        if let Some(s) = self.spike_below
            && !(0.0..=100.0).contains(&s)
        {
            return Err(format!(
                "[ranking] spike_below = {s}: it is a confidence in percent, 0 to 100"
            ));
        }
        if let Some(s) = self.must_share
            && !(s > 0.0 && s <= 1.0)
        {
            return Err(format!(
                "[ranking] must_share = {s}: it is a share of a release's effort, above 0 and at most 1 (DSDM uses 0.6)"
            ));
        }
        for (role, field) in &self.inputs {
            let at = line(field.span().start);
            let Some((_, ty)) = INPUT_ROLES.iter().find(|(r, _)| r == role) else {
                let names: Vec<&str> = INPUT_ROLES.iter().map(|(r, _)| *r).collect();
                let hint = crate::did_you_mean(role, names.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "line {at}: [ranking.inputs] `{role}` is not a model input{hint}; inputs are {}",
                    names.join(", ")
                ));
            };
            check_role_field(role, *ty, field.get_ref(), fields)
                .map_err(|e| format!("line {at}: [ranking.inputs] {e}"))?;
        }
        let mut names: Vec<&str> = Vec::new();
        for c in &self.weighted {
            let at = line(c.span().start);
            let crit = c.get_ref();
            if names.contains(&crit.name.as_str()) {
                return Err(format!(
                    "line {at}: [[ranking.weighted]] criterion `{}` is declared twice",
                    crit.name
                ));
            }
            names.push(&crit.name);
            crit.validate(fields, false)
                .map_err(|e| format!("line {at}: [[ranking.weighted]] `{}`: {e}", crit.name))?;
        }
        if let Some(c) = &self.feasibility {
            let at = line(c.span().start);
            c.get_ref().validate(fields, true).map_err(|e| {
                format!(
                    "line {at}: [ranking.feasibility] `{}`: {e}",
                    c.get_ref().name
                )
            })?;
        }
        Ok(())
    }
}

/// Is `field` a declared field of the type `role` needs?
pub fn check_role_field(
    role: &str,
    ty: RoleType,
    field: &str,
    fields: &BTreeMap<String, FieldDecl>,
) -> Result<(), String> {
    if field == "estimate" {
        return match ty {
            RoleType::Number { estimate_ok: true } => Ok(()),
            _ => Err(format!(
                "`{role}` cannot read the built-in estimate; map it to a custom field"
            )),
        };
    }
    if field.starts_with("demand.") {
        return match ty {
            RoleType::Number { .. } if crate::feedback::is_demand_field(field) => Ok(()),
            RoleType::Number { .. } => Err(format!(
                "`{role}` reads `{field}`, which is not a demand measure; use one of {}",
                demand_names()
            )),
            RoleType::Enum(_) => Err(format!(
                "`{role}` needs an enum field; `{field}` is a demand measure (a number)"
            )),
        };
    }
    let Some(decl) = fields.get(field) else {
        let want = match ty {
            RoleType::Number { .. } => "type = \"number\"".to_string(),
            RoleType::Enum(v) => format!("type = \"enum\", values = {v:?}"),
        };
        return Err(format!(
            "`{role}` reads field `{field}`, which the config does not declare; add [fields.{field}] with {want}, or map `{role}` to a declared field under [ranking.inputs]"
        ));
    };
    match ty {
        RoleType::Number { .. } if decl.ty != FieldType::Number => Err(format!(
            "`{role}` needs a number field, but `{field}` is declared as {}",
            decl.ty.name()
        )),
        RoleType::Enum(allowed) => {
            if decl.ty != FieldType::Enum {
                return Err(format!(
                    "`{role}` needs an enum field with values {allowed:?}, but `{field}` is not an enum"
                ));
            }
            if let Some(bad) = decl.values.iter().find(|v| !allowed.contains(&v.as_str())) {
                return Err(format!(
                    "`{role}` field `{field}` has value `{bad}`, which the model does not know; use {allowed:?}"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn demand_names() -> String {
    crate::feedback::DEMAND_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Does any model input or criterion read a demand measure?
pub fn reads_demand(r: &RankingConfig) -> bool {
    r.inputs
        .values()
        .any(|f| f.get_ref().starts_with("demand."))
        || r.weighted.iter().chain(r.feasibility.iter()).any(|c| {
            c.get_ref()
                .field
                .as_deref()
                .is_some_and(|f| f.starts_with("demand."))
        })
}

impl Criterion {
    fn validate(
        &self,
        fields: &BTreeMap<String, FieldDecl>,
        feasibility: bool,
    ) -> Result<(), String> {
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(format!("weight = {} must be above 0", self.weight));
        }
        if let Some(f) = self.floor {
            if !feasibility {
                return Err("`floor` is only for [ranking.feasibility]".into());
            }
            if !(0.0..1.0).contains(&f) {
                return Err(format!("floor = {f} must be at least 0 and below 1"));
            }
        }
        let range = || -> Result<(), String> {
            match (self.min, self.max) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() && a < b => Ok(()),
                (Some(a), Some(b)) => Err(format!("min = {a} must be below max = {b}")),
                _ => Err("a number criterion needs `min` and `max` (its scale)".into()),
            }
        };
        match self.source {
            Source::Goals => {
                if self.field.is_some() || !self.map.is_empty() {
                    return Err(
                        "a `goals` criterion takes only `max` (goals that count as full fit)"
                            .into(),
                    );
                }
                match self.max {
                    Some(m) if m >= 1.0 => Ok(()),
                    None => Ok(()),
                    Some(m) => Err(format!(
                        "max = {m}: a goals criterion needs max of at least 1"
                    )),
                }
            }
            Source::Estimate => {
                if self.field.is_some() {
                    return Err(
                        "an `estimate` criterion reads the built-in estimate; remove `field`"
                            .into(),
                    );
                }
                range()
            }
            Source::Field => {
                let Some(name) = &self.field else {
                    return Err("needs `field = \"...\"` (a number or enum field), or `source = \"goals\"` or `\"estimate\"`".into());
                };
                if name.starts_with("demand.") {
                    if !crate::feedback::is_demand_field(name) {
                        return Err(format!(
                            "`{name}` is not a demand measure; use one of {}",
                            demand_names()
                        ));
                    }
                    if !self.map.is_empty() {
                        return Err(format!("`{name}` is a number: use min and max, not map"));
                    }
                    return range();
                }
                let Some(decl) = fields.get(name) else {
                    return Err(format!(
                        "field `{name}` is not declared; add [fields.{name}] with type \"number\" or \"enum\""
                    ));
                };
                match decl.ty {
                    FieldType::Number => {
                        if !self.map.is_empty() {
                            return Err(format!(
                                "`{name}` is a number field: use min and max, not map"
                            ));
                        }
                        range()
                    }
                    FieldType::Enum => {
                        if self.min.is_some() || self.max.is_some() {
                            return Err(format!(
                                "`{name}` is an enum field: use map, not min and max"
                            ));
                        }
                        for v in &decl.values {
                            match self.map.get(v) {
                                None => {
                                    return Err(format!(
                                        "map gives no score for `{v}`; map every value of `{name}` ({}) to a number from 0 to 1",
                                        decl.values.join(", ")
                                    ));
                                }
                                Some(x) if !(0.0..=1.0).contains(x) => {
                                    return Err(format!(
                                        "map gives `{v}` = {x}; scores are 0 to 1"
                                    ));
                                }
                                _ => {}
                            }
                        }
                        if let Some(k) = self.map.keys().find(|k| !decl.values.contains(k)) {
                            return Err(format!(
                                "map names `{k}`, which is not a value of `{name}` ({})",
                                decl.values.join(", ")
                            ));
                        }
                        Ok(())
                    }
                    _ => Err(format!(
                        "`{name}` is a {} field; criteria read number or enum fields",
                        decl.ty.name()
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;

    const BASE: &str = "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\n[fields.value]\ntype = \"number\"\n[fields.risk]\ntype = \"enum\"\nvalues = [\"low\", \"high\"]\n";

    fn err(extra: &str) -> String {
        Config::parse(&format!("{BASE}{extra}"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn ranking_mistakes_name_their_line() {
        let cases = [
            (
                "[ranking]\ndefault_model = \"rise\"\n",
                "line 9",
                "not a model",
            ),
            (
                "[ranking.inputs]\nreech = \"value\"\n",
                "line 9",
                "did you mean `reach`",
            ),
            (
                "[ranking.inputs]\nreach = \"risk\"\n",
                "line 9",
                "needs a number field",
            ),
            (
                "[ranking.inputs]\nreach = \"nope\"\n",
                "line 9",
                "[fields.nope]",
            ),
            (
                "[ranking.inputs]\nmoscow = \"risk\"\n",
                "line 9",
                "value `low`",
            ),
            (
                "[[ranking.weighted]]\nname = \"v\"\nfield = \"value\"\n",
                "line 8",
                "needs `min` and `max`",
            ),
            (
                "[[ranking.weighted]]\nname = \"v\"\nfield = \"risk\"\nmap = { low = 1.0 }\n",
                "line 8",
                "no score for `high`",
            ),
            (
                "[[ranking.weighted]]\nname = \"v\"\nfield = \"value\"\nmin = 1\nmax = 5\n[[ranking.weighted]]\nname = \"v\"\nsource = \"goals\"\n",
                "line 13",
                "declared twice",
            ),
            (
                "[[ranking.weighted]]\nname = \"v\"\nfield = \"value\"\nmin = 1\nmax = 5\nweight = 0\n",
                "line 8",
                "above 0",
            ),
        ];
        for (extra, line, want) in cases {
            let msg = err(extra);
            assert!(
                msg.contains(line) && msg.contains(want),
                "{want} / {line} not in {msg}"
            );
        }
        assert!(err("[ranking]\ncolour = 1\n").contains("colour"));
    }

    #[test]
    fn a_full_ranking_section_parses() {
        let c = Config::parse(&format!(
            "{BASE}[ranking]\ndefault_model = \"weighted\"\nunscored = \"first\"\n[ranking.inputs]\neffort = \"estimate\"\n[[ranking.weighted]]\nname = \"v\"\nfield = \"value\"\nmin = 1\nmax = 5\n[[ranking.weighted]]\nname = \"fit\"\nsource = \"goals\"\nmax = 3\n[ranking.feasibility]\nname = \"risk\"\nfield = \"risk\"\nmap = {{ low = 1, high = 0 }}\n"
        ))
        .unwrap();
        assert_eq!(c.ranking.field_for("effort"), "estimate");
        assert_eq!(c.ranking.field_for("reach"), "reach");
        assert_eq!(c.ranking.weighted.len(), 2);
    }
}
