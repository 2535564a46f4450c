//! Cairn's integration tests: one story suite, run against both backends
//! (SQLite and PostgreSQL), plus cross-backend dump round trips and a
//! property test of ranking. See `harness.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;

mod audit;
mod baseline;
mod discussions;
mod dump;
mod evidence;
mod feedback;
mod forecast;
mod gates;
mod git;
mod imports;
mod items;
mod links;
mod mail;
mod prioritise;
mod props;
mod query;
mod ranking;
mod receiver;
mod register;
mod report;
mod requirements;
mod signature;
mod smtp;
mod trace;
mod transactions;
mod webhooks;
mod workflow;
