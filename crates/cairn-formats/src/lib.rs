//! Bytes to records: the formats Cairn reads and writes.
//!
//! - [`gherkin`]: acceptance criteria in Gherkin, with every syntax error reported by line
//!   and column.
//! - [`markdown`]: requirement intake from Markdown documents.
//! - [`csv_req`]: requirement intake from CSV files.
//! - [`junit`]: JUnit XML test reports from any runner.
//! - [`reqif`]: ReqIF 1.x requirement interchange documents.
//! - [`jira`], [`github`]: issues exported from Jira (REST search JSON, CSV) and GitHub (REST
//!   issues JSON), read into [`issues::ExtIssue`].
//!
//! The crate is pure: it never touches files, network, clock or randomness; callers pass text
//! in and get records or errors with positions back. No parser panics on any input (property
//! tested).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod csv_req;
mod error;
pub mod gherkin;
pub mod github;
pub mod issues;
pub mod jira;
pub mod junit;
pub mod markdown;
mod record;
pub mod reqif;

pub use error::FormatError;
pub use record::{RequirementRecord, TITLE_MAX};
