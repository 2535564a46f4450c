//! The filter IR: what a query means, independent of any SQL dialect.
//!
//! The store lowers this to SQL with every value bound as a parameter.
//! All relative dates and functions (`-7d`, `startOfWeek()`) are already
//! resolved to absolute instants here, so the IR is a plain value.

use serde::Serialize;

/// A field an item can be filtered or ordered by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Field {
    Key,
    Product,
    Kind,
    State,
    Category,
    Title,
    /// Title, description and acceptance criteria together (full-text only).
    Text,
    Label,
    Assignee,
    Estimate,
    Created,
    Updated,
    Resolved,
    Parent,
    Release,
    Goal,
    Rank,
    /// A custom field declared in the workspace config.
    Custom(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A literal value, already typed for the field it is compared with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Scalar {
    Text(String),
    Number(f64),
    /// An instant as milliseconds since the Unix epoch (UTC).
    Time(i64),
    /// A calendar date `YYYY-MM-DD` (custom date fields).
    Date(String),
}

/// Link functions: `blocks(KEY)` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkFn {
    /// Items that block KEY.
    Blocks,
    /// Items that KEY blocks (items blocked by KEY).
    BlockedBy,
    /// Direct children of KEY.
    ChildrenOf,
    /// Items that implement KEY.
    Implements,
    /// Items that verify KEY.
    Verifies,
    /// Items related to KEY (either direction).
    Relates,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Filter {
    /// Matches every item (the empty query).
    All,
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `field op value`. For multi-valued fields (label, goal) `=` means
    /// "has this value" and `!=` means "does not have this value".
    Compare {
        field: Field,
        op: CmpOp,
        value: Scalar,
    },
    /// `field IN (...)` / `field NOT IN (...)`.
    In {
        field: Field,
        values: Vec<Scalar>,
        negated: bool,
    },
    /// `field IS EMPTY` / `field IS NOT EMPTY`.
    Empty {
        field: Field,
        negated: bool,
    },
    /// Full-text match (`~`): field is `Title` or `Text`; `query` is the
    /// user's words, not yet escaped for any engine.
    Text {
        field: Field,
        query: String,
    },
    /// `blocks(KEY)` etc.
    Linked {
        func: LinkFn,
        key: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderBy {
    pub field: Field,
    pub descending: bool,
}

/// A compiled query: a filter plus its ordering (rank ascending when the
/// query has no ORDER BY).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    pub filter: Filter,
    pub order: Vec<OrderBy>,
}
