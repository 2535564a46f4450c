//! Cairn's query language: a small, JQL-like language for selecting and
//! ordering backlog items.
//!
//! ```text
//! category != done AND label = "payments" ORDER BY rank
//! ```
//!
//! [`parse`] turns text into a syntax tree ([`ast::QueryAst`]) with spans;
//! [`compile`] also validates it against a [`Schema`] and lowers it to the
//! backend-neutral filter IR ([`Query`]). Both are pure: no IO, and the
//! current time is passed in, so relative dates (`-7d`, `startOfWeek()`)
//! resolve deterministically. Every error is a [`Diagnostic`] pointing at
//! the offending part of the query. See `docs/query-language.md`.
//!
//! Layout: `lexer` (text to tokens), `parser` (tokens to AST), `lower`
//! (validation and lowering), `diag` (diagnostics and rendering).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod ast;
mod diag;
pub mod ir;
mod lexer;
mod lower;
mod parser;

pub use diag::Diagnostic;
pub use ir::*;
pub use parser::parse;

use serde::Serialize;

/// What a query is checked against: the workspace's kinds, workflow states,
/// state categories and declared custom fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Schema {
    /// Item kinds, e.g. requirement, epic, story, task, bug, spike, debt.
    pub kinds: Vec<String>,
    /// Every workflow state name, e.g. todo, in-progress, in-review, done.
    pub states: Vec<String>,
    /// State categories: todo, in-progress, done.
    pub categories: Vec<String>,
    /// Custom fields declared in the workspace config.
    pub custom: Vec<CustomField>,
}

/// A declared custom field; queries name it exactly as declared (matching
/// is case-insensitive).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomField {
    pub name: String,
    pub ty: CustomType,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CustomType {
    Number,
    Text,
    /// A calendar date (`YYYY-MM-DD`).
    Date,
    /// Text restricted to these values.
    Enum(Vec<String>),
}

/// Parse, validate and lower a query to the filter IR.
///
/// `now` anchors relative times: `-7d`, `now()`, `startOfWeek(-1w)`.
/// An empty query is [`Filter::All`]; a query without ORDER BY is ordered
/// by rank, ascending.
///
/// ```
/// use cairn_query::{CmpOp, Field, Filter, Scalar, Schema, compile};
///
/// let schema = Schema { kinds: vec!["story".into(), "bug".into()], ..Schema::default() };
/// let query = compile("Kind = Story ORDER BY created DESC", &schema, chrono::DateTime::UNIX_EPOCH)?;
/// assert_eq!(
///     query.filter,
///     Filter::Compare { field: Field::Kind, op: CmpOp::Eq, value: Scalar::Text("story".into()) }
/// );
///
/// let err = compile("kind = stroy", &schema, chrono::DateTime::UNIX_EPOCH).unwrap_err();
/// assert_eq!(err.message, "unknown kind `stroy`");
/// assert_eq!(err.span, 7..12);
/// # Ok::<(), cairn_query::Diagnostic>(())
/// ```
pub fn compile(
    src: &str,
    schema: &Schema,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Query, Diagnostic> {
    let ast = parse(src)?;
    lower::lower(&ast, schema, now)
}
