//! Item kinds, workflow categories and link kinds.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            /// Parse a name (case-insensitive).
            pub fn parse(s: &str) -> Option<$ty> {
                let s = s.trim().to_ascii_lowercase();
                match s.as_str() { $($name => Some($ty::$variant),)+ _ => None }
            }
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|k| k.as_str()).collect()
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Requirement,
    Epic,
    Story,
    Task,
    Bug,
    Spike,
    Debt,
}
names!(Kind { Requirement => "requirement", Epic => "epic", Story => "story", Task => "task", Bug => "bug", Spike => "spike", Debt => "debt" });

/// Every workflow state belongs to one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Todo,
    InProgress,
    Done,
}
names!(Category { Todo => "todo", InProgress => "in-progress", Done => "done" });

/// Typed links. `blocked-by` is not stored: it is `blocks` read backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    Blocks,
    Relates,
    Duplicates,
    Implements,
    Verifies,
}
names!(LinkKind { Blocks => "blocks", Relates => "relates", Duplicates => "duplicates", Implements => "implements", Verifies => "verifies" });

impl LinkKind {
    /// Parse a link name as a user writes it. Returns the kind and whether
    /// the two ends are swapped (`A blocked-by B` is stored as `B blocks A`).
    pub fn parse_directed(s: &str) -> Option<(LinkKind, bool)> {
        match s.trim().to_ascii_lowercase().as_str() {
            "blocked-by" | "blockedby" | "is-blocked-by" => Some((LinkKind::Blocks, true)),
            "implemented-by" => Some((LinkKind::Implements, true)),
            "verified-by" => Some((LinkKind::Verifies, true)),
            "duplicated-by" => Some((LinkKind::Duplicates, true)),
            other => LinkKind::parse(other).map(|k| (k, false)),
        }
    }

    /// Every name `parse_directed` accepts, for error messages.
    pub fn user_names() -> Vec<&'static str> {
        vec![
            "blocks",
            "blocked-by",
            "relates",
            "duplicates",
            "duplicated-by",
            "implements",
            "implemented-by",
            "verifies",
            "verified-by",
        ]
    }

    /// How the link reads from its target's side.
    pub fn inverse_name(self) -> &'static str {
        match self {
            LinkKind::Blocks => "blocked-by",
            LinkKind::Relates => "relates",
            LinkKind::Duplicates => "duplicated-by",
            LinkKind::Implements => "implemented-by",
            LinkKind::Verifies => "verified-by",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Kind::parse(" Story "), Some(Kind::Story));
        assert_eq!(Kind::parse("stroy"), None);
        assert_eq!(Category::parse("in-progress"), Some(Category::InProgress));
    }

    #[test]
    fn blocked_by_is_blocks_reversed() {
        assert_eq!(
            LinkKind::parse_directed("blocked-by"),
            Some((LinkKind::Blocks, true))
        );
        assert_eq!(
            LinkKind::parse_directed("blocks"),
            Some((LinkKind::Blocks, false))
        );
        assert_eq!(LinkKind::parse_directed("nope"), None);
        for name in LinkKind::user_names() {
            assert!(LinkKind::parse_directed(name).is_some(), "{name}");
        }
    }
}
