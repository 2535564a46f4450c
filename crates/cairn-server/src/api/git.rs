//! The git endpoints: an item's commits, and scanning a repository on the
//! server's own machine (admins).

use super::{Api, Body, parse_key};
use crate::auth::Creds;
use crate::error::ApiResult;
use crate::openapi::{Op, P};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

pub(super) fn ops(api: Api) -> Api {
    api.add(
        Op::get(
            "/items/{key}/commits",
            "The commits that mention an item, newest first (read by a git scan)",
            "Items",
        )
        .param(P::path("key", "An item key, e.g. PAY-12."))
        .returns("CommitList"),
        item_commits,
    )
    .add(
        Op::post(
            "/git/scan",
            "Read a git repository on the server's machine and link its new commits to the items their messages name; \"Fixes KEY\" moves the item to [git] fixes_state (admins)",
            "Git",
        )
        .body("GitScan")
        .returns("GitScanReport")
        .role("admin"),
        scan,
    )
}

async fn item_commits(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let cs = app.item_commits(&key)?;
        Ok(axum::Json(json!({ "item": key.to_string(), "commits": cs })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanBody {
    /// A path on the server's machine.
    path: String,
    #[serde(default)]
    dry_run: bool,
}

async fn scan(State(s): State<AppState>, c: Creds, Body(b): Body<ScanBody>) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let r = app.git_scan(std::path::Path::new(&b.path), b.dry_run, &mut |_| {})?;
        Ok(axum::Json(r).into_response())
    })
    .await
}
