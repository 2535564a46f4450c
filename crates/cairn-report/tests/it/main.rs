//! Integration tests of cairn-report: snapshots of each chart with small realistic inputs,
//! empty and degenerate inputs, escaping, and a property-style sweep that every output is
//! well-formed and deterministic. `wellformed.rs` holds the tiny XML checker they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edge;
mod props;
mod reports;
mod snapshots;
mod wellformed;
