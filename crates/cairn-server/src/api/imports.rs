//! Importing another tracker's export: the export is the request body.

use super::{Api, Q};
use crate::auth::Creds;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{Op, P};
use crate::state::AppState;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use cairn_app::import_ext::{ImportOptions, UnknownStatus, parse_export};
use serde::Deserialize;

/// Exports are larger than other request bodies.
pub const MAX_EXPORT: usize = 256 * 1024 * 1024;

pub(super) fn ops(api: Api) -> Api {
    api.add(
        Op::post(
            "/products/{prefix}/import/{system}",
            "Import a Jira (search JSON or CSV) or GitHub (issues JSON, or {issues, comments}) export sent as the body; re-importing updates the items made before; dry_run=true reports and changes nothing (owners)",
            "Import",
        )
        .param(P::path("prefix", "A product prefix, e.g. PAY."))
        .param(P::path("system", "jira or github."))
        .param(P::query("dry_run", "true: report what would change, change nothing."))
        .param(P::query("status", "STATUS=STATE pairs, comma-separated."))
        .param(P::query("type", "TYPE=KIND pairs, comma-separated."))
        .param(P::query("unknown_status", "fail (default), skip or initial."))
        .returns("object")
        .role("owner"),
        import,
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    pub dry_run: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub unknown_status: Option<String>,
}

fn pairs(v: &Option<String>, field: &str) -> Result<Vec<(String, String)>, ApiError> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| {
                    ApiError::bad_input(field, format!("`{p}`: write NAME=VALUE, e.g. Done=done"))
                })
        })
        .collect()
}

/// The import options from query parameters (also used by the web form).
pub fn options(prefix: &str, p: &ImportParams) -> Result<ImportOptions, ApiError> {
    Ok(ImportOptions {
        product: Some(prefix.to_string()),
        status_map: pairs(&p.status, "status")?,
        kind_map: pairs(&p.kind, "type")?,
        unknown_status: match p.unknown_status.as_deref().unwrap_or("fail") {
            "fail" => UnknownStatus::Fail,
            "skip" => UnknownStatus::Skip,
            "initial" => UnknownStatus::Initial,
            other => {
                return Err(ApiError::bad_input(
                    "unknown_status",
                    format!("`{other}`: use fail, skip or initial"),
                ));
            }
        },
        dry_run: matches!(p.dry_run.as_deref(), Some("true" | "1" | "yes" | "on")),
    })
}

async fn import(
    State(s): State<AppState>,
    c: Creds,
    Path((prefix, system)): Path<(String, String)>,
    Q(p): Q<ImportParams>,
    req: Request,
) -> ApiResult<Response> {
    let opts = options(&prefix, &p)?;
    let body = axum::body::to_bytes(req.into_body(), MAX_EXPORT)
        .await
        .map_err(|_| {
            ApiError::bad_input(
                "body",
                format!(
                    "the export is larger than {} MB; split it into pages",
                    MAX_EXPORT >> 20
                ),
            )
        })?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad_input("body", "the export is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_input(
            "body",
            "send the export file as the request body",
        ));
    }
    c.call(&s, None, move |app, _| {
        let batch = parse_export(&system, &text)?;
        let r = app.import_issues(batch, &opts, &mut |_, _| {})?;
        Ok(axum::Json(r).into_response())
    })
    .await
}
