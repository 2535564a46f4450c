//! Definition of Ready and Definition of Done as policy: the `[gates]`
//! section of the workspace config.
//!
//! ```toml
//! [gates.ready]
//! states = ["in-progress"]            # moving into any of these needs the rules
//! [gates.ready.rules]
//! story = ["acceptance", "estimated", "no-lint-errors", "no-open-blockers"]
//!
//! [gates.done]
//! states = ["done"]
//! [gates.done.rules]
//! story = ["tests-passed", "children-done"]
//! all = ["children-done"]             # every kind without its own list
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A rule a gate can hold an item to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Acceptance criteria are written.
    Acceptance,
    /// An estimate is set.
    Estimated,
    /// Someone is assigned.
    Assigned,
    /// The story-quality lint finds no error.
    NoLintErrors,
    /// No open item blocks it.
    NoOpenBlockers,
    /// Every child is in a done state.
    ChildrenDone,
    /// At least one test verifies it (or its children), and every such
    /// test's latest result passed.
    TestsPassed,
    /// It traces to a requirement: below one, or linked by `implements`.
    Traced,
    /// A valid electronic signature with the meaning "approval": signed,
    /// and unchanged since.
    Approved,
}

impl Rule {
    pub const ALL: &'static [Rule] = &[
        Rule::Acceptance,
        Rule::Estimated,
        Rule::Assigned,
        Rule::NoLintErrors,
        Rule::NoOpenBlockers,
        Rule::ChildrenDone,
        Rule::TestsPassed,
        Rule::Traced,
        Rule::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Acceptance => "acceptance",
            Rule::Estimated => "estimated",
            Rule::Assigned => "assigned",
            Rule::NoLintErrors => "no-lint-errors",
            Rule::NoOpenBlockers => "no-open-blockers",
            Rule::ChildrenDone => "children-done",
            Rule::TestsPassed => "tests-passed",
            Rule::Traced => "traced",
            Rule::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.as_str() == s.trim())
    }

    /// What the rule asks, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Acceptance => "acceptance criteria are written",
            Rule::Estimated => "it is estimated",
            Rule::Assigned => "someone is assigned",
            Rule::NoLintErrors => "the story-quality lint finds no error",
            Rule::NoOpenBlockers => "nothing open blocks it",
            Rule::ChildrenDone => "every child is done",
            Rule::TestsPassed => "tests verify it and all passed in their latest run",
            Rule::Traced => "it traces to a requirement",
            Rule::Approved => "someone approved it (a signature) and it has not changed since",
        }
    }
}

/// One gate: the states it guards and the rules per kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Moving into any of these states needs the rules.
    #[serde(default)]
    pub states: Vec<String>,
    /// Rule names per kind; `all` applies to kinds without a list.
    #[serde(default)]
    pub rules: BTreeMap<String, Vec<String>>,
}

impl Gate {
    /// The rules for a kind.
    pub fn rules_for(&self, kind: &str) -> Vec<Rule> {
        self.rules
            .get(kind)
            .or_else(|| self.rules.get("all"))
            .map(|v| v.iter().filter_map(|r| Rule::parse(r)).collect())
            .unwrap_or_default()
    }
}

/// The `[gates]` section: the Definition of Ready and of Done.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatesConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Gate>,
}

/// Which gate: ready or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GateName {
    Ready,
    Done,
}

impl GateName {
    pub fn as_str(self) -> &'static str {
        match self {
            GateName::Ready => "ready",
            GateName::Done => "done",
        }
    }

    /// How people call it.
    pub fn title(self) -> &'static str {
        match self {
            GateName::Ready => "Definition of Ready",
            GateName::Done => "Definition of Done",
        }
    }

    pub fn parse(s: &str) -> Option<GateName> {
        match s.trim() {
            "ready" => Some(GateName::Ready),
            "done" => Some(GateName::Done),
            _ => None,
        }
    }
}

impl GatesConfig {
    pub fn is_empty(&self) -> bool {
        self.ready.is_none() && self.done.is_none()
    }

    pub fn gate(&self, name: GateName) -> Option<&Gate> {
        match name {
            GateName::Ready => self.ready.as_ref(),
            GateName::Done => self.done.as_ref(),
        }
    }

    /// The gate guarding a move into `state`, if any (ready is checked
    /// first when a state is in both).
    pub fn guarding(&self, state: &str) -> Vec<GateName> {
        [GateName::Ready, GateName::Done]
            .into_iter()
            .filter(|g| {
                self.gate(*g)
                    .is_some_and(|gate| gate.states.iter().any(|s| s == state))
            })
            .collect()
    }

    /// Check names: rules, kinds and states (`is_state` says whether any
    /// workflow has the state).
    pub fn validate(&self, is_state: impl Fn(&str) -> bool) -> Result<(), String> {
        for name in [GateName::Ready, GateName::Done] {
            let Some(g) = self.gate(name) else { continue };
            let at = format!("[gates.{}]", name.as_str());
            if g.states.is_empty() {
                return Err(format!(
                    "{at} states is empty: list the states this gate guards, e.g. states = [\"{}\"]",
                    if name == GateName::Ready {
                        "in-progress"
                    } else {
                        "done"
                    }
                ));
            }
            for s in &g.states {
                if !is_state(s) {
                    return Err(format!("{at} states: `{s}` is not a state of any workflow"));
                }
            }
            for (kind, rules) in &g.rules {
                if kind != "all" && crate::Kind::parse(kind).is_none() {
                    return Err(format!(
                        "{at} rules: `{kind}` is not a kind; use a kind ({}) or all",
                        crate::Kind::names().join(", ")
                    ));
                }
                for r in rules {
                    if Rule::parse(r).is_none() {
                        return Err(format!(
                            "{at} rules.{kind}: `{r}` is not a rule; rules are {}",
                            Rule::ALL
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_by_kind_and_validation() {
        let g: GatesConfig = toml::from_str(
            "[done]\nstates = [\"done\"]\n[done.rules]\nstory = [\"tests-passed\", \"children-done\"]\nall = [\"children-done\"]\n",
        )
        .unwrap();
        let done = g.gate(GateName::Done).unwrap();
        assert_eq!(
            done.rules_for("story"),
            vec![Rule::TestsPassed, Rule::ChildrenDone]
        );
        assert_eq!(done.rules_for("epic"), vec![Rule::ChildrenDone]);
        assert_eq!(g.guarding("done"), vec![GateName::Done]);
        assert!(g.guarding("in-progress").is_empty());
        assert!(g.validate(|s| s == "done").is_ok());
        let e = g.validate(|_| false).unwrap_err();
        assert!(e.contains("`done` is not a state"), "{e}");
        let bad: GatesConfig = toml::from_str(
            "[ready]\nstates = [\"doing\"]\n[ready.rules]\nstory = [\"estimate\"]\n",
        )
        .unwrap();
        let e = bad.validate(|_| true).unwrap_err();
        assert!(e.contains("`estimate` is not a rule"), "{e}");
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(*r));
        }
    }
}
