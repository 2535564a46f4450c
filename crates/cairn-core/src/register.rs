//! The risk register and the decision log. Risks carry likelihood and
//! impact (1–5 each) and the items that mitigate them; decisions are
//! recorded ADR-style with the options weighed and the items they affect.
//! Both belong to a product, so they are seen by whoever sees the product.

use crate::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskStatus {
    /// Identified, nothing done yet.
    Open,
    /// Mitigation under way.
    Mitigating,
    /// Knowingly accepted.
    Accepted,
    /// No longer a risk.
    Closed,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 4] = [
        RiskStatus::Open,
        RiskStatus::Mitigating,
        RiskStatus::Accepted,
        RiskStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Mitigating => "mitigating",
            RiskStatus::Accepted => "accepted",
            RiskStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<RiskStatus> {
        RiskStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim().to_ascii_lowercase())
    }
    /// Still needs attention.
    pub fn is_live(self) -> bool {
        matches!(self, RiskStatus::Open | RiskStatus::Mitigating)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// `R-7`: numbered per workspace, never reused.
    pub id: String,
    pub product: String,
    pub title: String,
    pub description: String,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: u8,
    /// 1 (negligible) to 5 (severe).
    pub impact: u8,
    pub owner: Option<String>,
    pub status: RiskStatus,
    /// Items that mitigate it, by key.
    pub mitigations: Vec<String>,
    pub created: Millis,
    pub updated: Millis,
    pub version: i64,
}

impl Risk {
    /// Likelihood × impact, 1 to 25.
    pub fn score(&self) -> u8 {
        self.likelihood * self.impact
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionStatus {
    /// Needs deciding.
    Proposed,
    Accepted,
    Rejected,
    /// Replaced by a later decision.
    Superseded,
}

impl DecisionStatus {
    pub const ALL: [DecisionStatus; 4] = [
        DecisionStatus::Proposed,
        DecisionStatus::Accepted,
        DecisionStatus::Rejected,
        DecisionStatus::Superseded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Proposed => "proposed",
            DecisionStatus::Accepted => "accepted",
            DecisionStatus::Rejected => "rejected",
            DecisionStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<DecisionStatus> {
        DecisionStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// One option weighed in a decision, with its trade-offs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionOption {
    pub name: String,
    #[serde(default)]
    pub pros: Vec<String>,
    #[serde(default)]
    pub cons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// `D-3`: numbered per workspace, never reused.
    pub id: String,
    pub product: String,
    pub title: String,
    pub context: String,
    pub options: Vec<DecisionOption>,
    /// What was decided (empty while proposed).
    pub decision: String,
    pub consequences: String,
    pub status: DecisionStatus,
    /// `YYYY-MM-DD`, when decided.
    pub decided_on: Option<String>,
    pub decider: Option<String>,
    /// Items it affects, by key.
    pub items: Vec<String>,
    pub created: Millis,
    pub updated: Millis,
    pub version: i64,
}
