//! Cairn's persistence: one [`Store`] over two backends (embedded SQLite and
//! PostgreSQL), chosen from the database URL; migrations per backend,
//! applied on open; the query IR lowered to SQL; the audit chain.
//!
//! The store does no validation of domain rules: `cairn-app` does, and calls
//! the store inside one transaction per use case.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod accounts;
pub mod backend;
pub mod baselines;
pub mod evidence;
pub mod external;
pub mod feedback;
pub mod git;
mod migrate;
mod notifications;
pub mod postgres;
pub mod register;
pub mod reports;
pub mod signatures;
pub mod sql;
pub mod sqlite;
mod store;
pub mod value;
mod webhooks;

pub use accounts::{SessionRecord, UserRecord};
pub use backend::{Backend, Dialect};
pub use store::{Page, Store};
pub use value::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error(
        "{key} was changed by someone else: you read version {expected}, but it is now version {current}. Show it again (`cairn item show {key}`) and redo your change on the current version"
    )]
    Conflict {
        key: String,
        expected: i64,
        current: i64,
    },
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("{0} does not exist")]
    NotFound(String),
    #[error(
        "the database schema has migration {version} ({name}) changed since it was applied; migrations are append-only, so restore the original file and add a new migration"
    )]
    MigrationChanged { version: i64, name: String },
    #[error("the database was written by a newer Cairn (schema version {0}); upgrade Cairn")]
    TooNew(i64),
    #[error("{0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(String),
}
