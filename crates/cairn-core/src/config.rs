//! The workspace config: workflows, hierarchy rules and custom fields.
//!
//! It is TOML, kept in the database (so every process on one database sees
//! the same rules) and changed only through `cairn config apply`, which
//! validates it and records the change in the audit trail.

use crate::calendar::{Calendar, CalendarConfig, ForecastConfig};
use crate::kind::{Category, Kind};
use crate::ranking::RankingConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The config a new workspace starts with.
pub const DEFAULT_CONFIG: &str = r#"# Cairn workspace config. Change it with `cairn config apply FILE`.

# The workflow every kind uses unless [workflows.<kind>] overrides it.
# Each state belongs to a category: todo, in-progress or done.
# An item's `resolved` time is set when it enters a done-category state.
[workflow]
initial = "todo"
states = [
  { name = "todo", category = "todo" },
  { name = "in-progress", category = "in-progress" },
  { name = "in-review", category = "in-progress" },
  { name = "done", category = "done" },
  { name = "cancelled", category = "done" },
]

# Which kinds may be children of which (parent = [children]).
[hierarchy]
requirement = ["epic", "story"]
epic = ["story", "task", "bug", "spike", "debt"]
story = ["task", "bug"]
bug = ["task"]
spike = ["task"]
debt = ["task"]

# The team's working days and holidays, for forecasts and sprint plans.
# [calendar]
# working_days = ["mon", "tue", "wed", "thu", "fri"]
# holidays = ["2026-12-25"]

# Forecasts: days of history to sample, Monte Carlo trials, and done
# states that do not count as delivered.
# [forecast]
# window = 90
# trials = 10000
# not_delivered = ["cancelled"]

# Test evidence: a test whose latest result is older than this many days
# is stale in the trace matrix.
# [evidence]
# stale_after_days = 30

# Customer feedback: products whose public intake form is on, how many
# submissions one address may make per hour, the half-life of
# recency-weighted demand, extra sources, and how similar feedback must be
# to share a theme.
# [feedback]
# intake = ["PAY"]
# intake_per_hour = 5
# half_life_days = 90
# sources = ["partner-portal"]
# theme_threshold = 0.4

# Email for notifications: the SMTP server, the sender, and the web app's
# address for links. The password, if the server wants a login, comes from
# CAIRN_SMTP_PASSWORD. Each user picks what they hear of by mail.
# [mail]
# smtp = "mail.example.com:25"
# from = "Cairn <cairn@example.com>"
# base_url = "https://cairn.example.com"
# username = "cairn"
# Commits (`cairn git scan`): the state a commit saying "fixes PAY-12"
# (or closes, resolves, ...) moves the item to; unset, commits are only
# linked. Keywords are matched without regard to case.
# [git]
# fixes_state = "done"
# keywords = ["fixes", "closes", "resolves"]

# The Definition of Ready and of Done, enforced: a move into a guarded
# state is refused while a rule fails, unless an owner overrides it with a
# reason (kept in the audit trail). Rules: acceptance, estimated, assigned,
# no-lint-errors, no-open-blockers, children-done, tests-passed, traced,
# approved.
# [gates.ready]
# states = ["in-progress"]
# [gates.ready.rules]
# story = ["acceptance", "estimated", "no-lint-errors", "no-open-blockers"]
# [gates.done]
# states = ["done"]
# [gates.done.rules]
# story = ["tests-passed", "children-done"]
# all = ["children-done"]

# Custom fields: type is number, text, date or enum (enum needs values).
# [fields.customer_value]
# type = "number"
# description = "Value to customers, 1-10"
"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub workflow: Workflow,
    #[serde(default)]
    pub workflows: BTreeMap<String, Workflow>,
    #[serde(default)]
    pub hierarchy: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldDecl>,
    /// Scoring models' inputs and weighted criteria (docs/prioritisation.md).
    #[serde(default)]
    pub ranking: RankingConfig,
    /// Working days and holidays (docs/forecasting.md).
    #[serde(default)]
    pub calendar: CalendarConfig,
    /// History window, trials and which done states count as delivered.
    #[serde(default)]
    pub forecast: ForecastConfig,
    /// Story-quality rules: severities, limits, extra terms (docs/requirements-quality.md).
    #[serde(default)]
    pub lint: crate::lint::LintConfig,
    /// Templates `cairn decompose` proposes from, per requirement class.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub decompose: BTreeMap<String, crate::decompose::Template>,
    /// When test results go stale (docs/compliance.md).
    #[serde(default)]
    pub evidence: EvidenceConfig,
    /// The Definition of Ready and of Done (docs/compliance.md).
    #[serde(default, skip_serializing_if = "crate::gates::GatesConfig::is_empty")]
    pub gates: crate::gates::GatesConfig,
    /// Customer feedback: the public intake form, demand recency, sources
    /// and themes (docs/feedback.md).
    #[serde(default)]
    pub feedback: crate::feedback::FeedbackConfig,
    /// Outgoing mail for notifications (docs/integrations.md).
    #[serde(default, skip_serializing_if = "crate::notify::MailConfig::is_off")]
    pub mail: crate::notify::MailConfig,
    /// Commits: the state "fixes KEY" moves an item to, and the keywords
    /// (docs/integrations.md).
    #[serde(default)]
    pub git: crate::git::GitConfig,
    /// The webhook delivery log's retention (docs/integrations.md).
    #[serde(
        default,
        skip_serializing_if = "crate::webhook::WebhooksConfig::is_default"
    )]
    pub webhooks: crate::webhook::WebhooksConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// Days after which a test's latest result no longer counts as
    /// current evidence.
    #[serde(default = "default_stale_after_days")]
    pub stale_after_days: u32,
}

fn default_stale_after_days() -> u32 {
    30
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            stale_after_days: default_stale_after_days(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The state new items start in; the first state when absent.
    #[serde(default)]
    pub initial: Option<String>,
    pub states: Vec<StateDecl>,
    /// Allowed moves (from = [to, ...]). Absent: any state may follow any.
    #[serde(default)]
    pub transitions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDecl {
    pub name: String,
    pub category: Category,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Number,
    Text,
    Date,
    Enum,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Number => "number",
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Enum => "enum",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the workspace config is not valid TOML or has an unknown or mistyped field:\n{0}")]
    Syntax(String),
    #[error("the workspace config is invalid: {0}")]
    Invalid(String),
}

/// Built-in item fields; custom fields may not reuse these names.
pub const BUILTIN_FIELDS: &[&str] = &[
    "key",
    "product",
    "kind",
    "state",
    "category",
    "title",
    "text",
    "description",
    "label",
    "labels",
    "assignee",
    "estimate",
    "acceptance",
    "created",
    "updated",
    "resolved",
    "parent",
    "release",
    "goal",
    "rank",
    "version",
    "status",
    "type",
    "points",
];

impl Default for Config {
    fn default() -> Self {
        match Config::parse(DEFAULT_CONFIG) {
            Ok(c) => c,
            // The default text is tested below; this arm cannot be reached.
            Err(_) => Config {
                workflow: Workflow {
                    initial: None,
                    states: vec![],
                    transitions: BTreeMap::new(),
                },
                workflows: BTreeMap::new(),
                hierarchy: BTreeMap::new(),
                fields: BTreeMap::new(),
                ranking: RankingConfig::default(),
                calendar: CalendarConfig::default(),
                forecast: ForecastConfig::default(),
                lint: crate::lint::LintConfig::default(),
                decompose: BTreeMap::new(),
                evidence: EvidenceConfig::default(),
                gates: crate::gates::GatesConfig::default(),
                feedback: crate::feedback::FeedbackConfig::default(),
                mail: crate::notify::MailConfig::default(),
                git: crate::git::GitConfig::default(),
                webhooks: crate::webhook::WebhooksConfig::default(),
            },
        }
    }
}

impl Config {
    /// Parse and validate a config text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        cfg.validate()?;
        cfg.ranking
            .validate(&cfg.fields, text, crate::ranking::MODELS)
            .map_err(ConfigError::Invalid)?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let inv = |m: String| Err(ConfigError::Invalid(m));
        validate_workflow("[workflow]", &self.workflow)?;
        for (k, wf) in &self.workflows {
            if Kind::parse(k).is_none() {
                return inv(format!(
                    "[workflows.{k}]: `{k}` is not a kind; kinds are {}",
                    Kind::names().join(", ")
                ));
            }
            validate_workflow(&format!("[workflows.{k}]"), wf)?;
        }
        Calendar::from_config(&self.calendar).map_err(ConfigError::Invalid)?;
        self.forecast.validate().map_err(ConfigError::Invalid)?;
        self.lint.validate().map_err(ConfigError::Invalid)?;
        self.gates
            .validate(|s| {
                std::iter::once(&self.workflow)
                    .chain(self.workflows.values())
                    .any(|w| w.states.iter().any(|d| d.name == s))
            })
            .map_err(ConfigError::Invalid)?;
        self.feedback.validate().map_err(ConfigError::Invalid)?;
        self.mail.validate().map_err(ConfigError::Invalid)?;
        self.git
            .validate(|s| {
                std::iter::once(&self.workflow)
                    .chain(self.workflows.values())
                    .any(|w| w.states.iter().any(|d| d.name == s))
            })
            .map_err(ConfigError::Invalid)?;
        if self.evidence.stale_after_days == 0 {
            return inv("[evidence] stale_after_days must be at least 1".into());
        }
        crate::decompose::validate(&self.decompose).map_err(ConfigError::Invalid)?;
        if self.forecast.not_delivered != ForecastConfig::default().not_delivered {
            for s in &self.forecast.not_delivered {
                let cats: Vec<Category> = std::iter::once(&self.workflow)
                    .chain(self.workflows.values())
                    .flat_map(|w| w.states.iter().filter(|d| &d.name == s).map(|d| d.category))
                    .collect();
                if cats.is_empty() {
                    return inv(format!(
                        "[forecast] not_delivered: `{s}` is not a state of any workflow"
                    ));
                }
                if cats.iter().any(|c| *c != Category::Done) {
                    return inv(format!(
                        "[forecast] not_delivered: `{s}` is not a done-category state; list only done states that do not count as delivered"
                    ));
                }
            }
        }
        for (parent, children) in &self.hierarchy {
            for k in std::iter::once(parent).chain(children) {
                if Kind::parse(k).is_none() {
                    return inv(format!(
                        "[hierarchy]: `{k}` is not a kind; kinds are {}",
                        Kind::names().join(", ")
                    ));
                }
            }
        }
        for (name, decl) in &self.fields {
            let ident = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ident {
                return inv(format!(
                    "[fields.{name}]: field names use lowercase letters, digits and _ and start with a letter"
                ));
            }
            if BUILTIN_FIELDS.contains(&name.as_str()) {
                return inv(format!(
                    "[fields.{name}]: `{name}` is a built-in field; choose another name"
                ));
            }
            match decl.ty {
                FieldType::Enum if decl.values.is_empty() => {
                    return inv(format!(
                        "[fields.{name}]: an enum field needs `values = [\"...\"]`"
                    ));
                }
                FieldType::Enum => {}
                _ if !decl.values.is_empty() => {
                    return inv(format!("[fields.{name}]: `values` is only for enum fields"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The team's working-day calendar.
    pub fn calendar(&self) -> Calendar {
        // Validated by `parse`; a config built in code falls back to Mon-Fri.
        Calendar::from_config(&self.calendar).unwrap_or_default()
    }

    /// The workflow items of `kind` follow.
    pub fn workflow_for(&self, kind: Kind) -> &Workflow {
        self.workflows.get(kind.as_str()).unwrap_or(&self.workflow)
    }

    /// The category of `state` in `kind`'s workflow, if the state exists there.
    pub fn category_of(&self, kind: Kind, state: &str) -> Option<Category> {
        self.workflow_for(kind).state(state).map(|s| s.category)
    }

    /// Every state name of every workflow, without repeats, in declared order.
    pub fn all_states(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for wf in std::iter::once(&self.workflow).chain(self.workflows.values()) {
            for s in &wf.states {
                if !out.contains(&s.name) {
                    out.push(s.name.clone());
                }
            }
        }
        out
    }

    /// May an item of kind `child` have a parent of kind `parent`?
    pub fn allows_parent(&self, parent: Kind, child: Kind) -> bool {
        self.hierarchy
            .get(parent.as_str())
            .is_some_and(|c| c.iter().any(|k| Kind::parse(k) == Some(child)))
    }

    /// The kinds that may be parents of `child`.
    pub fn parents_allowed(&self, child: Kind) -> Vec<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .filter(|p| self.allows_parent(*p, child))
            .collect()
    }
}

impl Workflow {
    pub fn state(&self, name: &str) -> Option<&StateDecl> {
        self.states.iter().find(|s| s.name == name)
    }

    pub fn initial_state(&self) -> &str {
        match &self.initial {
            Some(s) => s,
            None => self.states.first().map_or("todo", |s| s.name.as_str()),
        }
    }

    pub fn state_names(&self) -> Vec<&str> {
        self.states.iter().map(|s| s.name.as_str()).collect()
    }

    /// Is moving from `from` to `to` allowed?
    pub fn allows(&self, from: &str, to: &str) -> bool {
        if self.transitions.is_empty() || from == to {
            return true;
        }
        self.transitions
            .get(from)
            .is_some_and(|t| t.iter().any(|s| s == to))
    }
}

fn validate_workflow(at: &str, wf: &Workflow) -> Result<(), ConfigError> {
    let inv = |m: String| Err(ConfigError::Invalid(m));
    if wf.states.is_empty() {
        return inv(format!("{at}: a workflow needs at least one state"));
    }
    for (i, s) in wf.states.iter().enumerate() {
        let ok = !s.name.is_empty()
            && s.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return inv(format!(
                "{at}: state `{}`: names use letters, digits, - and _ (e.g. in-review)",
                s.name
            ));
        }
        if wf.states[..i].iter().any(|p| p.name == s.name) {
            return inv(format!("{at}: state `{}` is declared twice", s.name));
        }
    }
    if !wf.states.iter().any(|s| s.category == Category::Done) {
        return inv(format!(
            "{at}: a workflow needs a state in the done category"
        ));
    }
    if let Some(i) = &wf.initial
        && wf.state(i).is_none()
    {
        return inv(format!(
            "{at}: initial state `{i}` is not one of the states ({})",
            wf.state_names().join(", ")
        ));
    }
    for (from, tos) in &wf.transitions {
        for s in std::iter::once(from).chain(tos) {
            if wf.state(s).is_none() {
                return inv(format!(
                    "{at}: transitions name `{s}`, which is not a state ({})",
                    wf.state_names().join(", ")
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_parses() {
        let c = Config::parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.workflow.initial_state(), "todo");
        assert_eq!(
            c.category_of(Kind::Story, "in-review"),
            Some(Category::InProgress)
        );
        assert_eq!(
            c.category_of(Kind::Story, "cancelled"),
            Some(Category::Done)
        );
        assert!(c.allows_parent(Kind::Requirement, Kind::Epic));
        assert!(c.allows_parent(Kind::Story, Kind::Task));
        assert!(!c.allows_parent(Kind::Task, Kind::Story));
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = Config::parse(
            "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\ncolour = 3\n",
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("colour"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn invalid_configs_say_why() {
        let cases = [
            ("[workflow]\nstates = []\n", "at least one state"),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"todo\" }]\n",
                "done category",
            ),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"later\" }]\n",
                "later",
            ),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\n[hierarchy]\nepic = [\"storey\"]\n",
                "`storey` is not a kind",
            ),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\n[fields.risk]\ntype = \"enum\"\n",
                "needs `values",
            ),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\n[fields.title]\ntype = \"text\"\n",
                "built-in",
            ),
            (
                "[workflow]\nstates = [{ name = \"a\", category = \"done\" }]\n[git]\nfixes_state = \"shipped\"\n",
                "[git] fixes_state = \"shipped\" is not a state",
            ),
        ];
        for (text, want) in cases {
            let msg = Config::parse(text).unwrap_err().to_string();
            assert!(msg.contains(want), "{want} not in {msg}");
        }
    }
}
