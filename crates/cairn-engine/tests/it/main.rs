//! Forecast correctness beyond examples: exact distributions and the
//! published no-history cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod classify;
mod forecast;
mod lint;
mod plan;
mod story;
