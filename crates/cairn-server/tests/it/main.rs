//! Integration tests of `cairn serve`: the REST API on SQLite and on
//! PostgreSQL, the authorisation matrix, two servers on one database, the
//! OpenAPI document, the web app's feedback pages over plain HTTP, and the
//! web app in a browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod authz;
mod browser;
mod concurrency;
mod openapi;
mod support;
mod web;
mod webdriver;
