//! The `[lint]` section of the workspace config and the catalogue of lint
//! rules (their stable ids, default severities and what each checks).
//! The rules themselves live in `cairn-engine/src/lint.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleGroup {
    /// The Quality User Story criteria (Lucassen et al.).
    Qus,
    /// INVEST.
    Invest,
    /// Acceptance criteria written in Gherkin.
    Gherkin,
}

impl RuleGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleGroup::Qus => "quality-user-story",
            RuleGroup::Invest => "invest",
            RuleGroup::Gherkin => "gherkin",
        }
    }
}

pub struct RuleInfo {
    pub id: &'static str,
    pub group: RuleGroup,
    pub severity: Severity,
    /// One line: what the rule asks for.
    pub summary: &'static str,
}

/// Every lint rule. Ids are stable: configs, SARIF baselines and CI
/// suppressions refer to them.
pub const RULES: &[RuleInfo] = &[
    rule(
        "well-formed",
        RuleGroup::Qus,
        Severity::Error,
        "A story names a role and a means: As a <role>, I want <means>.",
    ),
    rule(
        "atomic",
        RuleGroup::Qus,
        Severity::Warning,
        "A story asks for one feature, not two joined by and/or.",
    ),
    rule(
        "minimal",
        RuleGroup::Qus,
        Severity::Warning,
        "A story holds only role, means and ends: no notes, parentheses or extra sentences.",
    ),
    rule(
        "conceptually-sound",
        RuleGroup::Qus,
        Severity::Warning,
        "The means is a feature and the ends a rationale: no second story or reason inside them.",
    ),
    rule(
        "problem-oriented",
        RuleGroup::Qus,
        Severity::Warning,
        "A story states the problem, not the solution (no buttons, tables or technologies).",
    ),
    rule(
        "unambiguous",
        RuleGroup::Qus,
        Severity::Warning,
        "No vague terms (fast, easy, user-friendly, some, and/or, etc.).",
    ),
    rule(
        "full-sentence",
        RuleGroup::Qus,
        Severity::Warning,
        "A story reads as one well-formed sentence.",
    ),
    rule(
        "estimable",
        RuleGroup::Qus,
        Severity::Warning,
        "A story is concrete enough to estimate: no catch-all verbs such as manage or handle.",
    ),
    rule(
        "unique",
        RuleGroup::Qus,
        Severity::Warning,
        "No duplicate or near-duplicate of another story.",
    ),
    rule(
        "uniform",
        RuleGroup::Qus,
        Severity::Note,
        "A story uses the same template as the rest of the backlog.",
    ),
    rule(
        "acceptance-criteria",
        RuleGroup::Invest,
        Severity::Warning,
        "A story has acceptance criteria.",
    ),
    rule(
        "too-big",
        RuleGroup::Invest,
        Severity::Error,
        "The estimate is at most the configured maximum; bigger items are split.",
    ),
    rule(
        "many-dependencies",
        RuleGroup::Invest,
        Severity::Warning,
        "An item is blocked by no more than the configured number of items.",
    ),
    rule(
        "untestable",
        RuleGroup::Invest,
        Severity::Warning,
        "No unverifiable absolutes (always, never, instantly, maximise) without a measure.",
    ),
    rule(
        "gherkin-syntax",
        RuleGroup::Gherkin,
        Severity::Error,
        "Gherkin acceptance criteria parse.",
    ),
    rule(
        "gherkin-then",
        RuleGroup::Gherkin,
        Severity::Warning,
        "Every scenario has a Then step: an outcome to check.",
    ),
];

const fn rule(
    id: &'static str,
    group: RuleGroup,
    severity: Severity,
    summary: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        group,
        severity,
        summary,
    }
}

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    Off,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Which items `cairn lint` checks when no query is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Kinds the user-story rules apply to (default: story).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_kinds: Option<Vec<String>>,
    /// The largest estimate before `too-big` asks for a split (default 13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_estimate: Option<f64>,
    /// The most blockers an item may have before `many-dependencies` (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dependencies: Option<u32>,
    /// Cosine similarity at which two stories count as near-duplicates (default 0.85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_threshold: Option<f64>,
    /// More vague terms for `unambiguous`, on top of the built-in list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vague_terms: Vec<String>,
    /// Built-in vague terms this workspace accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_terms: Vec<String>,
    /// More solution terms for `problem-oriented`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution_terms: Vec<String>,
    /// Rule id → error, warning, note or off.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Level>,
}

pub const DEFAULT_LINT_SCOPE: &str = "category != done";

impl LintConfig {
    pub fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or(DEFAULT_LINT_SCOPE)
    }

    pub fn story_kinds(&self) -> Vec<String> {
        self.story_kinds
            .clone()
            .unwrap_or_else(|| vec!["story".to_string()])
    }

    pub fn max_estimate(&self) -> f64 {
        self.max_estimate.unwrap_or(13.0)
    }

    pub fn max_dependencies(&self) -> u32 {
        self.max_dependencies.unwrap_or(3)
    }

    pub fn duplicate_threshold(&self) -> f64 {
        self.duplicate_threshold.unwrap_or(0.85)
    }

    /// The severity a rule reports at, or `None` when it is switched off.
    pub fn severity(&self, id: &str) -> Option<Severity> {
        match self.rules.get(id) {
            Some(Level::Off) => None,
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Note) => Some(Severity::Note),
            None => rule_info(id).map(|r| r.severity),
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        for id in self.rules.keys() {
            if rule_info(id).is_none() {
                let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
                let hint = crate::did_you_mean(id, ids.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "[lint.rules]: `{id}` is not a lint rule{hint}; rules are {}",
                    ids.join(", ")
                ));
            }
        }
        if let Some(k) = &self.story_kinds {
            for kind in k {
                if crate::Kind::parse(kind).is_none() {
                    return Err(format!(
                        "[lint] story_kinds: `{kind}` is not a kind; kinds are {}",
                        crate::Kind::names().join(", ")
                    ));
                }
            }
        }
        if let Some(m) = self.max_estimate
            && !(m.is_finite() && m > 0.0)
        {
            return Err(format!(
                "[lint] max_estimate must be a positive number, not {m}"
            ));
        }
        if let Some(t) = self.duplicate_threshold
            && !(t > 0.0 && t <= 1.0)
        {
            return Err(format!(
                "[lint] duplicate_threshold must be above 0 and at most 1, not {t}"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn unknown_rules_get_a_suggestion() {
        let mut c = LintConfig::default();
        c.rules.insert("atomc".into(), Level::Off);
        let e = c.validate().unwrap_err();
        assert!(e.contains("did you mean `atomic`"), "{e}");
        c.rules.clear();
        c.rules.insert("uniform".into(), Level::Off);
        assert!(c.validate().is_ok());
        assert_eq!(c.severity("uniform"), None);
        assert_eq!(c.severity("atomic"), Some(Severity::Warning));
    }
}
