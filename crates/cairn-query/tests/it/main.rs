//! Integration tests for cairn-query: snapshot tests of syntax trees, IR
//! and rendered diagnostics, and property tests (no panics, round-trips).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docs;
mod golden;
mod props;

use cairn_query::{CustomField, CustomType, Schema};
use chrono::{DateTime, TimeZone, Utc};

/// The default Cairn workflow plus one custom field of each type.
pub fn schema() -> Schema {
    let strings = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Schema {
        kinds: strings(&[
            "requirement",
            "epic",
            "story",
            "task",
            "bug",
            "spike",
            "debt",
        ]),
        states: strings(&["todo", "in-progress", "in-review", "done", "cancelled"]),
        categories: strings(&["todo", "in-progress", "done"]),
        custom: vec![
            CustomField {
                name: "risk".into(),
                ty: CustomType::Number,
            },
            CustomField {
                name: "customer".into(),
                ty: CustomType::Text,
            },
            CustomField {
                name: "due".into(),
                ty: CustomType::Date,
            },
            CustomField {
                name: "severity".into(),
                ty: CustomType::Enum(strings(&["S1", "S2", "S3"])),
            },
        ],
    }
}

/// Wednesday 2026-01-07 15:30:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 7, 15, 30, 0).unwrap()
}
