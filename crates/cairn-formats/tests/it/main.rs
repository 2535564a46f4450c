//! The integration tests of `cairn-formats`: one binary, one module per format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csv_req;
mod gherkin;
mod junit;
mod markdown;
mod props;
mod reqif;
mod trackers;
