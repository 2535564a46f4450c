//! The `[decompose]` section of the workspace config: per requirement
//! class, the epic, stories and tasks `cairn decompose` proposes. Built-in
//! templates cover every class; a workspace replaces one by declaring
//! `[decompose.<class>]`.
//!
//! Placeholders: `{key}` the requirement's key, `{title}` its title,
//! `{subject}` its title without "The system shall", and, in items with
//! `per_action = true` (one item per actor and action found in a
//! functional requirement), `{actor}`, `{action}`, `{object}` and `{ends}`
//! (", so that …" when the requirement gives a reason, else nothing).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The epic's title; no epic when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epic: Option<String>,
    #[serde(default)]
    pub items: Vec<TemplateItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateItem {
    pub kind: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub acceptance: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Repeat for every actor and action found in the requirement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_action: bool,
}

/// The classes a template can be declared for, plus `default` (any
/// non-functional class without its own template).
pub const CLASSES: &[&str] = &[
    "functional",
    "availability",
    "fault-tolerance",
    "legal",
    "look-and-feel",
    "maintainability",
    "operational",
    "performance",
    "portability",
    "scalability",
    "security",
    "usability",
    "default",
];

pub const BUILTIN: &str = r#"
[functional]
epic = "{subject}"
[[functional.items]]
kind = "story"
per_action = true
title = "As a {actor}, I want to {action} {object}{ends}"
acceptance = """
Scenario: {actor} can {action} {object}
  Given I am signed in as a {actor}
  When I {action} {object}
  Then <the observable result {key} asks for>
"""

[security]
epic = "Security: {subject}"
[[security.items]]
kind = "task"
title = "Threat model for {key}: {subject}"
description = "List assets, entry points and threats (STRIDE); record each mitigation as an item linked to {key}."
[[security.items]]
kind = "story"
title = "As a security reviewer, I want a security acceptance test for {key}, so that the control is proven before release"
acceptance = """
Scenario: the control holds against misuse
  Given a user without the required rights
  When they try to get around it: {subject}
  Then the attempt is refused
  And the attempt is recorded in the audit log
"""
[[security.items]]
kind = "task"
title = "Security review of the implementation of {key}"
description = "A reviewer other than the author checks the change against the threat model."

[performance]
epic = "Performance: {subject}"
[[performance.items]]
kind = "task"
title = "Define the SLO for {key}: {subject}"
description = "Name the operation, the percentile, the limit and the load it must hold at."
[[performance.items]]
kind = "task"
title = "Benchmark for {key} in CI"
description = "A repeatable benchmark that prints the measured figure against the SLO."
[[performance.items]]
kind = "story"
title = "As an operator, I want a load test for {key}, so that we know the SLO holds at peak load"
acceptance = """
Scenario: the SLO holds at peak load
  Given the expected peak load
  When the load test runs for 30 minutes
  Then the 95th percentile stays within the SLO
"""

[usability]
epic = "Usability: {subject}"
[[usability.items]]
kind = "task"
title = "Define the usability target for {key}: {subject}"
description = "E.g. task success rate, time on task or errors, for named users."
[[usability.items]]
kind = "story"
title = "As a product owner, I want a usability test of {key} with five users, so that we know the target is met"
acceptance = """
Scenario: users reach the target
  Given five users from the target audience
  When they perform the tasks {key} names
  Then the measured result meets the usability target
"""

[availability]
epic = "Availability: {subject}"
[[availability.items]]
kind = "task"
title = "Define the availability objective and error budget for {key}"
[[availability.items]]
kind = "task"
title = "Monitoring and alerting for {key}"
[[availability.items]]
kind = "story"
title = "As an operator, I want a failover drill for {key}, so that we know the objective holds when a component fails"
acceptance = """
Scenario: service survives the loss of a component
  Given the service under normal load
  When one component is stopped
  Then the service stays within its availability objective
"""

[default]
epic = "{subject}"
[[default.items]]
kind = "task"
title = "Define the measurable target for {key}: {subject}"
[[default.items]]
kind = "story"
title = "As a product owner, I want a verification test for {key}, so that we can show the requirement is met"
acceptance = """
Scenario: the requirement is met
  Given the measurable target for {key}
  When the verification test runs
  Then the measured result meets the target
"""
"#;

/// The built-in templates, parsed.
pub fn builtin() -> BTreeMap<String, Template> {
    toml::from_str(BUILTIN).unwrap_or_default()
}

/// Check a workspace's templates.
pub fn validate(templates: &BTreeMap<String, Template>) -> Result<(), String> {
    for (class, t) in templates {
        if !CLASSES.contains(&class.as_str()) {
            return Err(format!(
                "[decompose.{class}]: `{class}` is not a requirement class; classes are {}",
                CLASSES.join(", ")
            ));
        }
        for (n, it) in t.items.iter().enumerate() {
            if crate::Kind::parse(&it.kind).is_none() {
                return Err(format!(
                    "[decompose.{class}] item {}: `{}` is not a kind; kinds are {}",
                    n + 1,
                    it.kind,
                    crate::Kind::names().join(", ")
                ));
            }
            if it.title.trim().is_empty() {
                return Err(format!(
                    "[decompose.{class}] item {}: the title is empty",
                    n + 1
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
    fn builtin_templates_parse_and_validate() {
        let b = builtin();
        assert!(b.len() >= 6, "{b:?}");
        validate(&b).unwrap();
        assert!(b["functional"].items[0].per_action);
    }
}
