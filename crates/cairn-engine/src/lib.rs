//! Cairn's algorithms, pure: no IO, no clock, no randomness of their own.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod classify;
pub mod decompose;
pub mod demand;
pub mod flow;
pub mod forecast;
pub mod graph;
pub mod kano;
pub mod lint;
pub mod order;
pub mod plan;
pub mod score;
pub mod similarity;
pub mod story;
pub mod text;
pub mod themes;
