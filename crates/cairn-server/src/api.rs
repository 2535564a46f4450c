//! The REST API under `/api/v1`. Every route is registered together with
//! its OpenAPI description ([`Op`]), so the served document is built from
//! the same list as the router and cannot name a route that does not exist.

mod feedback;
mod git;
pub mod imports;

use crate::auth::{Caller, Creds};
use crate::error::{ApiError, ApiResult};
use crate::openapi::{self, Op, P};
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_app::forecast::{ForecastRequest, PaceRequest, WhenScope};
use cairn_app::plan::{CriticalPathRequest, SprintRequest, Unit};
use cairn_app::rank::RankRequest;
use cairn_app::wire::{audit_out, comment_out, item_out};
use cairn_app::{App, AppError, NewItem, Patch, Position};
use cairn_core::{Item, ItemKey, Kind, Role};
use cairn_store::Page;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

// ---- extractors with JSON errors ---------------------------------------

/// A JSON body; a malformed one is a 400 with the parser's message.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(body_error(e)),
        }
    }
}

fn body_error(e: JsonRejection) -> ApiError {
    // axum answers 422 for JSON of the wrong shape (a missing or unknown
    // member, a wrong type); the API documents every bad body as a 400.
    let status = match e.status() {
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        s => s,
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "invalid_body",
    };
    let msg = match &e {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON with `Content-Type: application/json`".to_string()
        }
        _ => e.body_text(),
    };
    ApiError::new(status, code, msg)
}

/// Query-string parameters; bad ones are a 400.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(e) => Err(query_error(e)),
        }
    }
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", e.body_text())
}

pub fn parse_key(s: &str) -> ApiResult<ItemKey> {
    s.parse::<ItemKey>()
        .map_err(|e| ApiError::bad_input("key", e.to_string()))
}

/// `Some(None)` for an explicit `null`, `None` when the member is absent.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

// ---- ETags -------------------------------------------------------------

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: missing → 428, unreadable → 400.
pub fn if_match(headers: &HeaderMap) -> ApiResult<i64> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "send `If-Match` with the ETag you read (GET the item first): updates never overwrite a version you have not seen",
        ));
    };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    s.trim_matches('"').parse::<i64>().map_err(|_| {
        ApiError::bad_input(
            "If-Match",
            format!(
                "`If-Match: {s}` is not an ETag this server gave; send the item's ETag, e.g. \"3\""
            ),
        )
    })
}

fn with_etag(mut r: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

fn item_response(status: StatusCode, item: &Item) -> Response {
    with_etag(
        (status, axum::Json(json!(item_out(item)))).into_response(),
        item.version,
    )
}

/// A stale `If-Match`: 412 with the current item, so the client can redo
/// its change on what is there now.
fn conflict(app: &mut App, key: &ItemKey, e: AppError) -> ApiError {
    let mut err = ApiError::from(e);
    if err.status == StatusCode::PRECONDITION_FAILED
        && let Ok(current) = app.item(key)
    {
        err.extra = Some(Box::new(("current", json!(item_out(&current)))));
        err.headers.push((header::ETAG, etag(current.version)));
    }
    err
}

// ---- cursors -----------------------------------------------------------

/// Cursors are opaque to clients; today they carry the offset of the next
/// page.
pub fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

/// The offset a request's optional cursor names (0 without one).
pub fn offset_of(cursor: Option<&str>) -> ApiResult<usize> {
    cursor
        .map(decode_cursor)
        .transpose()
        .map(Option::unwrap_or_default)
}

pub fn decode_cursor(c: &str) -> ApiResult<usize> {
    URL_SAFE_NO_PAD
        .decode(c.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            ApiError::bad_input(
                "cursor",
                "the cursor is not one this server gave; use `next_cursor` from the previous page, or leave it out for the first page",
            )
        })
}

pub const MAX_LIMIT: usize = 500;
/// Counts stop here: a page of a huge result says "more than 500"
/// rather than scanning every match.
pub const COUNT_CAP: u64 = 500;

fn limit(l: Option<usize>) -> ApiResult<usize> {
    match l {
        None => Ok(50),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_input(
            "limit",
            format!("limit {n} is out of range: ask for 1 to {MAX_LIMIT} items a page"),
        )),
    }
}

// ---- the route table ---------------------------------------------------

/// Builds the router and the OpenAPI operations from one list.
struct Api {
    ops: Vec<Op>,
    router: Router<AppState>,
}

impl Api {
    fn add<H, T>(mut self, op: Op, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mr: MethodRouter<AppState> = match op.method {
            "get" => get(h),
            "post" => post(h),
            "patch" => patch(h),
            "put" => put(h),
            _ => delete(h),
        };
        self.router = self.router.route(op.path, mr);
        self.ops.push(op);
        self
    }
}

const KEY: P = P::path("key", "An item key, e.g. PAY-12.");
const WH_PRODUCT: P = P::path("prefix", "A product prefix, e.g. PAY.");
const PRODUCT: P = P::query(
    "product",
    "Product prefix; may be left out when you see one product.",
);
const QUERY: P = P::query(
    "q",
    "A query in Cairn's query language, e.g. `kind = story AND category != done`.",
);
const IF_MATCH: P = P::header("If-Match", "The ETag of the version you read (required).");

/// The API's operations and its router.
pub fn routes() -> (Vec<Op>, Router<AppState>) {
    let api = Api {
        ops: Vec::new(),
        router: Router::new(),
    };
    let api = api
        .add(
            Op::get(
                "/openapi.json",
                "The OpenAPI 3.1 document of this API",
                "Meta",
            )
            .public()
            .returns("object"),
            openapi_json,
        )
        .add(
            Op::get("/me", "Who you are and your roles per product", "Accounts").returns("Me"),
            me,
        )
        .add(
            Op::get("/me/tokens", "Your personal API tokens", "Accounts").returns("TokenList"),
            tokens_list,
        )
        .add(
            Op::post(
                "/me/tokens",
                "Create a personal API token; the secret is shown once",
                "Accounts",
            )
            .body("NewToken")
            .created("NewTokenOut"),
            token_create,
        )
        .add(
            Op::delete(
                "/me/tokens/{id}",
                "Revoke one of your API tokens",
                "Accounts",
            )
            .param(P::path("id", "The token id."))
            .no_content(),
            token_revoke,
        )
        .add(
            Op::get("/products", "The products you can see", "Products").returns("ProductList"),
            products,
        )
        .add(
            Op::get(
                "/items",
                "Query items, one page at a time (cursor pagination)",
                "Items",
            )
            .param(QUERY)
            .param(P::query("limit", "Items per page, 1 to 500 (default 50)."))
            .param(P::query("cursor", "`next_cursor` from the previous page."))
            .param(P::query("total", "true to also count the matches (up to 500; `total_capped` says when there are more)."))
            .returns("ItemPage"),
            items_list,
        )
        .add(
            Op::post(
                "/items",
                "Create an item at the bottom of its product's backlog",
                "Items",
            )
            .body("NewItem")
            .created("Item")
            .role("member"),
            item_create,
        )
        .add(
            Op::get(
                "/items/{key}",
                "One item with its links and children; the ETag is its version",
                "Items",
            )
            .param(KEY)
            .returns("ItemView"),
            item_get,
        )
        .add(
            Op::patch(
                "/items/{key}",
                "Change an item (only the members sent; null clears)",
                "Items",
            )
            .param(KEY)
            .param(IF_MATCH)
            .body("ItemPatch")
            .returns("Item")
            .role("member")
            .conditional(),
            item_patch,
        )
        .add(
            Op::delete(
                "/items/{key}",
                "Delete an item (its key is never reused; its history stays)",
                "Items",
            )
            .param(KEY)
            .param(IF_MATCH)
            .no_content()
            .role("member")
            .conditional(),
            item_delete,
        )
        .add(
            Op::post(
                "/items/{key}/move",
                "Move an item in the ranked backlog: top, bottom, before or after another item",
                "Items",
            )
            .param(KEY)
            .param(IF_MATCH)
            .body("Move")
            .returns("Item")
            .role("member")
            .conditional(),
            item_move,
        )
        .add(
            Op::get(
                "/items/{key}/history",
                "Everything that happened to an item",
                "Items",
            )
            .param(KEY)
            .returns("AuditList"),
            item_history,
        )
        .add(
            Op::get(
                "/items/{key}/comments",
                "Comments on an item, oldest first",
                "Items",
            )
            .param(KEY)
            .returns("CommentList"),
            comments_list,
        )
        .add(
            Op::post(
                "/items/{key}/comments",
                "Comment on an item (stakeholders may)",
                "Items",
            )
            .param(KEY)
            .body("NewComment")
            .created("Comment"),
            comment_create,
        )
        .add(
            Op::post(
                "/items/{key}/watch",
                "Watch an item: its comments, mentions, assignments and moves reach your inbox",
                "Items",
            )
            .param(KEY)
            .returns("object"),
            watch_add,
        )
        .add(
            Op::delete("/items/{key}/watch", "Stop watching an item", "Items")
                .param(KEY)
                .returns("object"),
            watch_remove,
        )
        .add(
            Op::get(
                "/me/notifications",
                "Your in-app notifications, newest first",
                "Accounts",
            )
            .param(P::query("unread", "true: only the unread ones."))
            .returns("object"),
            notifications_list,
        )
        .add(
            Op::post(
                "/me/notifications/read",
                "Mark your notifications read: the ids given, or all",
                "Accounts",
            )
            .body("ReadBody")
            .returns("object"),
            notifications_read,
        )
        .add(
            Op::get(
                "/me/notification-settings",
                "What reaches your inbox and your mail, per reason",
                "Accounts",
            )
            .returns("object"),
            notify_settings_get,
        )
        .add(
            Op::put(
                "/me/notification-settings",
                "Change what reaches your inbox and your mail; reasons left out keep their setting",
                "Accounts",
            )
            .body("NotifySettingsBody")
            .returns("object"),
            notify_settings_put,
        )
        .add(
            Op::get(
                "/products/{prefix}/webhooks",
                "The product's outgoing webhooks (their secrets are never shown)",
                "Webhooks",
            )
            .param(WH_PRODUCT)
            .returns("object")
            .role("owner"),
            webhooks_list,
        )
        .add(
            Op::post(
                "/products/{prefix}/webhooks",
                "Add a webhook; the answer shows its signing secret this once",
                "Webhooks",
            )
            .param(WH_PRODUCT)
            .body("NewWebhook")
            .created("object")
            .role("owner"),
            webhook_create,
        )
        .add(
            Op::patch(
                "/webhooks/{id}",
                "Change a webhook: its URL, its events, pause or resume it, or a new secret (shown this once)",
                "Webhooks",
            )
            .param(P::path("id", "The webhook's id."))
            .body("WebhookPatch")
            .returns("object")
            .role("owner"),
            webhook_patch,
        )
        .add(
            Op::delete(
                "/webhooks/{id}",
                "Delete a webhook and its delivery log",
                "Webhooks",
            )
            .param(P::path("id", "The webhook's id."))
            .no_content()
            .role("owner"),
            webhook_delete,
        )
        .add(
            Op::get(
                "/webhooks/{id}/deliveries",
                "A webhook's delivery log, newest first",
                "Webhooks",
            )
            .params(&[
                P::path("id", "The webhook's id."),
                P::query("failed", "true: only deliveries given up."),
                P::query("limit", "At most this many (default 50, at most 1000)."),
            ])
            .returns("object")
            .role("owner"),
            webhook_deliveries,
        )
        .add(
            Op::post(
                "/webhooks/prune",
                "Remove now the delivered and failed deliveries older than [webhooks] keep_days, with the bodies nothing else uses (the server's worker does this every hour); waiting deliveries stay (admins)",
                "Webhooks",
            )
            .returns("object")
            .role("admin"),
            webhooks_prune,
        )
        .add(
            Op::post(
                "/deliveries/{id}/replay",
                "Send a delivery again: a new pending delivery with the same body",
                "Webhooks",
            )
            .param(P::path("id", "The delivery's id."))
            .created("object")
            .role("owner"),
            delivery_replay,
        )
        .add(
            Op::patch(
                "/comments/{id}",
                "Change your comment's text (the old text stays in the audit trail)",
                "Items",
            )
            .param(P::path("id", "The comment's id."))
            .body("CommentPatch")
            .returns("Comment"),
            comment_edit,
        )
        .add(
            Op::delete(
                "/comments/{id}",
                "Delete a comment: your own, or any as an owner of its product (replies stay; the text stays in the audit trail)",
                "Items",
            )
            .param(P::path("id", "The comment's id."))
            .no_content(),
            comment_delete,
        )
        .add(
            Op::post("/items/{key}/links", "Link this item to another", "Links")
                .param(KEY)
                .body("NewLink")
                .created("Link")
                .role("member"),
            link_create,
        )
        .add(
            Op::delete(
                "/items/{key}/links/{relation}/{other}",
                "Remove a link",
                "Links",
            )
            .param(KEY)
            .param(P::path(
                "relation",
                "blocks, blocked-by, relates, duplicates, implements, verifies, ...",
            ))
            .param(P::path("other", "The other item's key."))
            .no_content()
            .role("member"),
            link_delete,
        )
        .add(
            Op::get(
                "/items/{key}/lint",
                "Quality findings for one item",
                "Quality",
            )
            .param(KEY)
            .returns("FindingList"),
            item_lint,
        )
        .add(
            Op::post(
                "/items/{key}/decompose",
                "Propose (or with apply, create) an epic, stories and tasks for a requirement",
                "Quality",
            )
            .param(KEY)
            .body("Decompose")
            .returns("object"),
            item_decompose,
        )
        .add(
            Op::get(
                "/lint",
                "Lint the stories a query selects (default: the lint scope)",
                "Quality",
            )
            .param(QUERY)
            .returns("object"),
            lint,
        )
        .add(
            Op::get(
                "/suspects",
                "Items whose requirement changed since they were reviewed",
                "Quality",
            )
            .returns("array"),
            suspects,
        )
        .add(
            Op::get(
                "/rank",
                "Rank a product's backlog with a scoring model",
                "Ranking",
            )
            .param(PRODUCT)
            .param(QUERY)
            .param(P::query(
                "model",
                "wsjf, rice, ice, weighted, moscow, kano, cost-of-delay (default: the config's).",
            ))
            .returns("object"),
            rank,
        )
        .add(
            Op::get(
                "/rank/explain/{key}",
                "Why an item ranks where it does",
                "Ranking",
            )
            .param(KEY)
            .param(P::query(
                "model",
                "The scoring model (default: the config's).",
            ))
            .returns("object"),
            rank_explain,
        )
        .add(
            Op::post(
                "/rank/apply",
                "Reorder the backlog by a model's ranking",
                "Ranking",
            )
            .body("RankApply")
            .returns("object")
            .role("owner"),
            rank_apply,
        )
        .add(
            Op::get(
                "/forecast/flow",
                "Throughput, cycle time and work in progress from history",
                "Forecasting",
            )
            .param(PRODUCT)
            .param(QUERY)
            .param(P::query(
                "window",
                "Days of history (default: the config's).",
            ))
            .returns("object"),
            forecast_flow,
        )
        .add(
            Op::get(
                "/forecast/when",
                "When will N items, a query's items or a release be done (Monte Carlo)",
                "Forecasting",
            )
            .params(&FORECAST_PARAMS)
            .param(P::query("count", "A number of items."))
            .param(P::query("release", "A release name."))
            .param(P::query(
                "scope",
                "A query selecting the items (default: the open backlog).",
            ))
            .returns("object"),
            forecast_when,
        )
        .add(
            Op::get(
                "/forecast/how-many",
                "How many items by a date (Monte Carlo)",
                "Forecasting",
            )
            .params(&FORECAST_PARAMS)
            .param(P::query("date", "The date, YYYY-MM-DD (required)."))
            .returns("object"),
            forecast_how_many,
        )
        .add(
            Op::get(
                "/forecast/cut-line",
                "Which ranked items will make a date, and how likely",
                "Forecasting",
            )
            .params(&FORECAST_PARAMS)
            .param(QUERY)
            .param(P::query("date", "The target date, YYYY-MM-DD (required)."))
            .returns("object"),
            forecast_cut_line,
        )
        .add(
            Op::get(
                "/plan/sprints",
                "Fill sprints from the ranked backlog, blockers first",
                "Planning",
            )
            .param(PRODUCT)
            .param(QUERY)
            .param(P::query("capacity", "Capacity per sprint (required)."))
            .param(P::query("unit", "points or items (default points)."))
            .param(P::query("sprints", "How many sprints (default 6)."))
            .param(P::query("length", "Working days per sprint (default 10)."))
            .param(P::query("release", "Plan only this release's items."))
            .param(P::query("start", "First day, YYYY-MM-DD."))
            .returns("object"),
            plan_sprints,
        )
        .add(
            Op::get(
                "/plan/critical-path",
                "The longest chain of blocks links through the open backlog",
                "Planning",
            )
            .param(PRODUCT)
            .param(QUERY)
            .param(P::query(
                "default_estimate",
                "Estimate for items without one.",
            ))
            .returns("object"),
            plan_critical_path,
        )
        .add(
            Op::get(
                "/reports/{kind}",
                "A stakeholder report: exec, team, roadmap, release-notes, risks, trace (the traceability matrix) or feedback, as JSON, self-contained HTML or Markdown",
                "Reports",
            )
            .params(&REPORT_PARAMS)
            .param(P::query("format", "json (default), html or md."))
            .returns("object"),
            report_get,
        )
        .add(
            Op::post(
                "/reports/exec/record",
                "Record the exec report as sent, so the next one says how dates and progress moved",
                "Reports",
            )
            .params(&REPORT_PARAMS[1..])
            .returns("object")
            .role("member"),
            report_record,
        )
        .add(
            Op::get("/baselines", "The product's baselines, oldest first", "Quality")
                .param(PRODUCT)
                .returns("object"),
            baseline_list,
        )
        .add(
            Op::post(
                "/baselines",
                "Freeze the items a query selects under a name (never changed afterwards)",
                "Quality",
            )
            .body("NewBaseline")
            .created("Baseline")
            .role("member"),
            baseline_create,
        )
        .add(
            Op::get(
                "/baselines/diff",
                "What was added, removed and changed, field by field, from one baseline to another or to now; JSON, self-contained HTML or Markdown",
                "Quality",
            )
            .param(PRODUCT)
            .param(P::query("from", "The baseline to compare from."))
            .param(P::query("to", "Another baseline (default: the items as they are now)."))
            .param(P::query("format", "json (default), html or md."))
            .returns("object"),
            baseline_diff,
        )
        .add(
            Op::get(
                "/audit/verify",
                "Check the audit trail's hash chain (admins)",
                "Audit",
            )
            .returns("object")
            .role("admin"),
            audit_verify,
        );
    let api = feedback::ops(api);
    let api = git::ops(api);
    let api = imports::ops(api);
    let router = api
        .router
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("this endpoint does not take {method}; the OpenAPI document at /api/v1/openapi.json lists what it does take"),
            )
        })
        .fallback(|| async {
            ApiError::not_found("there is no such API endpoint; the OpenAPI document at /api/v1/openapi.json lists them")
        });
    (api.ops, router)
}

const FORECAST_PARAMS: [P; 6] = [
    PRODUCT,
    P::query("window", "Days of history to sample."),
    P::query(
        "throughput",
        "A weekly estimate instead of history: LOW,HIGH or LOW,LIKELY,HIGH.",
    ),
    P::query(
        "start",
        "First day of the forecast, YYYY-MM-DD (default tomorrow).",
    ),
    P::query("trials", "Monte Carlo trials (default: the config's)."),
    P::query("seed", "Random seed; the same seed gives the same answer."),
];

const REPORT_PARAMS: [P; 6] = [
    P::path(
        "kind",
        "exec, team, roadmap, release-notes, risks or trace.",
    ),
    PRODUCT,
    P::query(
        "since",
        "Start of the period: YYYY-MM-DD or a span such as 2w (default 2w; 26w for feedback).",
    ),
    P::query(
        "scope",
        "A query narrowing the items, e.g. `label = checkout`.",
    ),
    P::query(
        "release",
        "Release notes of one release instead of a period.",
    ),
    P::query("window", "Team report: days of flow history."),
];

// ---- handlers ----------------------------------------------------------

async fn report_get(
    State(s): State<AppState>,
    c: Creds,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Q(p): Q<crate::reports::ReportParams>,
) -> ApiResult<Response> {
    let kind = crate::reports::kind(&kind)?;
    let format = p.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "html" | "md") {
        return Err(ApiError::bad_input(
            "format",
            format!("`{format}` is not a report format; use json, html or md"),
        ));
    }
    // Item links open this server's web app.
    let base = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map(|h| format!("{}://{h}", if s.secure_cookies { "https" } else { "http" }));
    c.call(&s, None, move |app, _| {
        let (v, doc) = crate::reports::build(app, kind, &p, false)?;
        Ok(match format.as_str() {
            "html" => {
                let mut r = (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    cairn_report::doc::to_html(&doc, base.as_deref()),
                )
                    .into_response();
                r.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(crate::reports::REPORT_CSP),
                );
                r
            }
            "md" => (
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                cairn_report::doc::to_markdown(&doc, base.as_deref()),
            )
                .into_response(),
            _ => axum::Json(v).into_response(),
        })
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBaselineBody {
    pub product: Option<String>,
    pub name: String,
    pub query: Option<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize, Default)]
pub struct BaselineParams {
    pub product: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<String>,
}

async fn baseline_list(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<BaselineParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let bs = app.baselines(p.product.as_deref())?;
        Ok(axum::Json(json!({ "baselines": bs })).into_response())
    })
    .await
}

async fn baseline_create(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<NewBaselineBody>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let out = app.baseline_create(
            b.product.as_deref(),
            &b.name,
            b.query.as_deref(),
            &b.description,
        )?;
        Ok((StatusCode::CREATED, axum::Json(out)).into_response())
    })
    .await
}

async fn baseline_diff(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<BaselineParams>,
) -> ApiResult<Response> {
    let format = p.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "html" | "md") {
        return Err(ApiError::bad_input(
            "format",
            format!("`{format}` is not a format; use json, html or md"),
        ));
    }
    let from = p
        .from
        .clone()
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| ApiError::bad_input("from", "name the baseline to compare from"))?;
    c.call(&s, None, move |app, _| {
        let d = app.baseline_diff(
            p.product.as_deref(),
            &from,
            p.to.as_deref().filter(|t| !t.trim().is_empty()),
        )?;
        Ok(match format.as_str() {
            "html" => {
                let mut r = (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    cairn_report::doc::to_html(&d.doc(), None),
                )
                    .into_response();
                r.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(crate::reports::REPORT_CSP),
                );
                r
            }
            "md" => (
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                cairn_report::doc::to_markdown(&d.doc(), None),
            )
                .into_response(),
            _ => axum::Json(d).into_response(),
        })
    })
    .await
}

async fn report_record(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<crate::reports::ReportParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let (v, _) = crate::reports::build(app, "exec", &p, true)?;
        Ok(axum::Json(v).into_response())
    })
    .await
}

async fn openapi_json() -> Response {
    let mut r = axum::Json(openapi::document()).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

async fn me(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, |_, caller: &Caller| {
        let roles: Vec<Value> = caller
            .access
            .roles
            .iter()
            .map(|(p, r)| json!({ "product": p, "role": r.as_str() }))
            .collect();
        Ok(axum::Json(json!({
            "handle": caller.access.user,
            "name": caller.name,
            "admin": caller.access.admin,
            "roles": roles,
        }))
        .into_response())
    })
    .await
}

async fn tokens_list(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, |app, caller| {
        let t = app.tokens(&caller.access.user)?;
        Ok(axum::Json(json!({ "tokens": t })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
}

async fn token_create(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<NewToken>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, caller| {
        let (t, secret) = app.token_add(&caller.access.user, &b.name)?;
        Ok((
            StatusCode::CREATED,
            axum::Json(json!({ "token": t, "secret": secret })),
        )
            .into_response())
    })
    .await
}

async fn token_revoke(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_input("id", format!("`{id}` is not a token id")))?;
    c.call(&s, None, move |app, caller| {
        app.token_revoke(&caller.access.user, id)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

async fn products(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, |app, caller| {
        let ps: Vec<Value> = app
            .products()?
            .into_iter()
            .map(|p| {
                json!({
                    "prefix": p.prefix,
                    "name": p.name,
                    "role": caller.access.role(&p.prefix).map(Role::as_str),
                })
            })
            .collect();
        Ok(axum::Json(json!({ "products": ps })).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct ListParams {
    q: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    /// Also count the matches (up to [`COUNT_CAP`]).
    #[serde(default)]
    total: bool,
}

async fn items_list(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ListParams>,
) -> ApiResult<Response> {
    let limit = limit(p.limit)?;
    let offset = offset_of(p.cursor.as_deref())?;
    c.call(&s, None, move |app, _| {
        let src = p.q.as_deref().unwrap_or("");
        // One more than a page tells whether there is a next page without
        // counting every match; the count, when asked for, stops at the cap.
        let one_more = Page {
            limit: limit + 1,
            offset,
        };
        let (mut page, total) = if p.total {
            let r = app.query_capped(src, one_more, COUNT_CAP)?;
            (r.items, Some((r.total, r.capped)))
        } else {
            (app.query_items(src, one_more)?, None)
        };
        let more = page.len() > limit;
        page.truncate(limit);
        let next_cursor = more.then(|| encode_cursor(offset + limit));
        let items: Vec<_> = page.iter().map(item_out).collect();
        let mut body = json!({ "items": items, "next_cursor": next_cursor });
        if let Some((n, capped)) = total {
            body["total"] = json!(n);
            body["total_capped"] = json!(capped);
        }
        Ok(axum::Json(body).into_response())
    })
    .await
}

/// A new item as the API takes it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewItemBody {
    pub product: Option<String>,
    pub kind: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub state: Option<String>,
    pub assignee: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    pub estimate: Option<f64>,
    #[serde(default)]
    pub acceptance: String,
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
    pub parent: Option<String>,
    pub release: Option<String>,
    #[serde(default)]
    pub goals: Vec<String>,
}

fn kind(s: &str) -> ApiResult<Kind> {
    Kind::parse(s).ok_or_else(|| {
        ApiError::bad_input(
            "kind",
            format!(
                "`{s}` is not a kind; kinds are {}",
                Kind::names().join(", ")
            ),
        )
    })
}

/// Custom field values arrive as JSON; the app types them from text.
fn field_text(name: &str, v: &Value) -> ApiResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ApiError::bad_input(
            &format!("fields.{name}"),
            format!("field `{name}` takes a string or a number"),
        )),
    }
}

impl NewItemBody {
    pub fn into_new(self) -> ApiResult<NewItem> {
        let mut fields = Vec::new();
        for (k, v) in &self.fields {
            fields.push((k.clone(), field_text(k, v)?));
        }
        Ok(NewItem {
            product: self.product,
            kind: self.kind.as_deref().map(kind).transpose()?,
            title: self.title,
            description: self.description,
            state: self.state,
            assignee: self.assignee,
            labels: self.labels,
            estimate: self.estimate,
            acceptance: self.acceptance,
            fields,
            parent: self.parent.as_deref().map(parse_key).transpose()?,
            release: self.release,
            goals: self.goals,
        })
    }
}

async fn item_create(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<NewItemBody>,
) -> ApiResult<Response> {
    let new = b.into_new()?;
    c.call(&s, None, move |app, _| {
        let item = app.item_add(new, None)?;
        let mut r = item_response(StatusCode::CREATED, &item);
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/items/{}", item.key)) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok(r)
    })
    .await
}

async fn item_get(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let v = app.item_view(&key)?;
        let mut body = json!(item_out(&v.item));
        body["links"] = json!(v.links);
        body["children"] = json!(
            v.children
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        Ok(with_etag(axum::Json(body).into_response(), v.item.version))
    })
    .await
}

/// A change to an item: members left out stay as they are; `null` clears
/// an optional member.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub state: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignee: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub estimate: Option<Option<f64>>,
    pub acceptance: Option<String>,
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub release: Option<Option<String>>,
    /// Move into a gated state although its rules fail (owners only,
    /// with a reason).
    #[serde(default)]
    pub override_gate: bool,
    pub reason: Option<String>,
}

impl PatchBody {
    pub fn into_patch(self) -> ApiResult<(Patch, Option<String>)> {
        let mut fields = Vec::new();
        for (k, v) in &self.fields {
            let val = match v {
                Value::Null => None,
                other => Some(field_text(k, other)?),
            };
            fields.push((k.clone(), val));
        }
        let parent = match self.parent {
            None => None,
            Some(None) => Some(None),
            Some(Some(p)) => Some(Some(parse_key(&p).map_err(|e| e.field("parent"))?)),
        };
        Ok((
            Patch {
                kind: self.kind.as_deref().map(kind).transpose()?,
                title: self.title,
                description: self.description,
                state: self.state,
                assignee: self.assignee,
                labels: self.labels,
                add_labels: Vec::new(),
                remove_labels: Vec::new(),
                estimate: self.estimate,
                acceptance: self.acceptance,
                fields,
                parent,
                release: self.release,
                override_gate: self.override_gate,
            },
            self.reason,
        ))
    }
}

async fn item_patch(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(b): Body<PatchBody>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    let version = if_match(&headers)?;
    let (patch, reason) = b.into_patch()?;
    c.call(&s, None, move |app, _| {
        match app.item_edit(&key, patch, Some(version), reason.as_deref()) {
            Ok(item) => Ok(item_response(StatusCode::OK, &item)),
            Err(e) => Err(conflict(app, &key, e)),
        }
    })
    .await
}

async fn item_delete(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    let version = if_match(&headers)?;
    c.call(&s, None, move |app, _| {
        match app.item_rm(&key, Some(version), None) {
            Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
            Err(e) => Err(conflict(app, &key, e)),
        }
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// `top` or `bottom`.
    pub to: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

impl MoveBody {
    pub fn position(&self) -> ApiResult<Position> {
        match (self.to.as_deref(), &self.before, &self.after) {
            (Some("top"), None, None) => Ok(Position::Top),
            (Some("bottom"), None, None) => Ok(Position::Bottom),
            (None, Some(k), None) => Ok(Position::Before(
                parse_key(k).map_err(|e| e.field("before"))?,
            )),
            (None, None, Some(k)) => {
                Ok(Position::After(parse_key(k).map_err(|e| e.field("after"))?))
            }
            _ => Err(ApiError::bad_input(
                "to",
                "say where to move the item with exactly one of {\"to\": \"top\"}, {\"to\": \"bottom\"}, {\"before\": KEY} or {\"after\": KEY}",
            )),
        }
    }
}

async fn item_move(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(b): Body<MoveBody>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    let version = if_match(&headers)?;
    let pos = b.position()?;
    c.call(&s, None, move |app, _| {
        match app.item_move(&key, &pos, Some(version), b.reason.as_deref()) {
            Ok(item) => Ok(item_response(StatusCode::OK, &item)),
            Err(e) => Err(conflict(app, &key, e)),
        }
    })
    .await
}

async fn item_history(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let es = app.history(&key.to_string())?;
        let v: Vec<_> = es.iter().map(audit_out).collect();
        Ok(axum::Json(json!({ "entries": v })).into_response())
    })
    .await
}

async fn comments_list(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let cs = app.comments(&key)?;
        let v: Vec<_> = cs.iter().map(comment_out).collect();
        Ok(axum::Json(json!({ "comments": v })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewComment {
    body: String,
    /// The comment this one answers.
    reply_to: Option<i64>,
}

async fn watch_add(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let ws = app.watch(&key)?;
        Ok(axum::Json(json!({ "item": key.to_string(), "watchers": ws })).into_response())
    })
    .await
}

async fn watch_remove(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let ws = app.unwatch(&key)?;
        Ok(axum::Json(json!({ "item": key.to_string(), "watchers": ws })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InboxParams {
    unread: Option<bool>,
}

async fn notifications_list(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<InboxParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let ns = app.inbox(p.unread.unwrap_or(false))?;
        Ok(axum::Json(json!({ "notifications": ns })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    /// The notifications to mark read; all of them when absent.
    ids: Option<Vec<i64>>,
}

async fn notifications_read(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<ReadBody>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let n = app.inbox_read(b.ids.as_deref())?;
        Ok(axum::Json(json!({ "marked": n })).into_response())
    })
    .await
}

fn settings_out(
    app: &mut App,
    v: &[cairn_core::notify::NotifySetting],
) -> ApiResult<serde_json::Value> {
    let mail = app.config().mail.server().is_some();
    Ok(json!({
        "settings": v,
        "reasons": cairn_core::notify::REASONS,
        "email": app.my_email()?,
        "mail_configured": mail,
    }))
}

async fn notify_settings_get(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let v = app.notify_settings()?;
        Ok(axum::Json(settings_out(app, &v)?).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifySettingsBody {
    #[serde(default)]
    settings: Vec<cairn_core::notify::NotifySetting>,
    /// Where your notification mail goes; an empty string clears it.
    email: Option<String>,
}

async fn notify_settings_put(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<NotifySettingsBody>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        if let Some(e) = &b.email {
            let me = app.actor().to_string();
            app.user_set_email(&me, Some(e))?;
        }
        let v = app.set_notify_settings(&b.settings)?;
        Ok(axum::Json(settings_out(app, &v)?).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentPatch {
    body: String,
}

async fn comment_edit(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
    Body(b): Body<CommentPatch>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let cm = app.comment_edit(id, &b.body)?;
        Ok(axum::Json(json!(comment_out(&cm))).into_response())
    })
    .await
}

async fn comment_delete(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        app.comment_delete(id, None)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

async fn comment_create(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Body(b): Body<NewComment>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let cm = app.comment_add(&key, &b.body, b.reply_to)?;
        Ok((StatusCode::CREATED, axum::Json(json!(comment_out(&cm)))).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLink {
    relation: String,
    target: String,
    reason: Option<String>,
}

async fn link_create(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Body(b): Body<NewLink>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    let other = parse_key(&b.target).map_err(|e| e.field("target"))?;
    c.call(&s, None, move |app, _| {
        let l = app.link(&key, &b.relation, &other, b.reason.as_deref())?;
        Ok((
            StatusCode::CREATED,
            axum::Json(json!({ "src": l.src.to_string(), "kind": l.kind.as_str(), "dst": l.dst.to_string() })),
        )
            .into_response())
    })
    .await
}

async fn link_delete(
    State(s): State<AppState>,
    c: Creds,
    Path((key, relation, other)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    let other = parse_key(&other).map_err(|e| e.field("other"))?;
    c.call(&s, None, move |app, _| {
        app.unlink(&key, &relation, &other, None)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

async fn item_lint(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let item = app.item(&key)?;
        let f = app.lint_item(&item)?;
        Ok(axum::Json(json!({ "findings": f })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecomposeBody {
    class: Option<String>,
    #[serde(default)]
    apply: bool,
}

async fn item_decompose(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Body(b): Body<DecomposeBody>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        let d = app.decompose(&key, b.class.as_deref(), b.apply)?;
        let status = if b.apply {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok((status, axum::Json(json!(d))).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct QueryOnly {
    q: Option<String>,
}

async fn lint(State(s): State<AppState>, c: Creds, Q(p): Q<QueryOnly>) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let r = app.lint(p.q.as_deref().filter(|q| !q.trim().is_empty()))?;
        Ok(axum::Json(json!(r)).into_response())
    })
    .await
}

async fn suspects(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, |app, _| {
        Ok(axum::Json(json!({ "suspects": app.suspect_list()? })).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct RankParams {
    product: Option<String>,
    q: Option<String>,
    model: Option<String>,
}

impl RankParams {
    fn request(self) -> RankRequest {
        RankRequest {
            model: self.model,
            query: self.q.filter(|q| !q.trim().is_empty()),
            product: self.product,
        }
    }
}

async fn rank(State(s): State<AppState>, c: Creds, Q(p): Q<RankParams>) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.rank(&p.request())?)).into_response())
    })
    .await
}

async fn rank_explain(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Q(p): Q<RankParams>,
) -> ApiResult<Response> {
    let key = parse_key(&key)?;
    c.call(&s, None, move |app, _| {
        app.item(&key)?;
        let mut req = p.request();
        if req.product.is_none() {
            req.product = Some(key.prefix.clone());
        }
        Ok(axum::Json(json!(app.rank_explain(&req, &key)?)).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RankApply {
    product: Option<String>,
    q: Option<String>,
    model: Option<String>,
    reason: Option<String>,
}

async fn rank_apply(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<RankApply>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let req = RankRequest {
            model: b.model,
            query: b.q.filter(|q| !q.trim().is_empty()),
            product: b.product,
        };
        Ok(axum::Json(json!(app.rank_apply(&req, b.reason.as_deref())?)).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
struct ForecastParams {
    product: Option<String>,
    q: Option<String>,
    window: Option<u32>,
    throughput: Option<String>,
    start: Option<String>,
    trials: Option<u32>,
    seed: Option<u64>,
    count: Option<u32>,
    release: Option<String>,
    scope: Option<String>,
    date: Option<String>,
}

fn date(field: &str, s: &str) -> ApiResult<chrono::NaiveDate> {
    cairn_core::calendar::parse_date(s).ok_or_else(|| {
        ApiError::bad_input(
            field,
            format!("`{s}` is not a date; write YYYY-MM-DD, e.g. 2026-12-31"),
        )
    })
}

fn throughput(s: &str) -> ApiResult<(f64, Option<f64>, f64)> {
    cairn_app::forecast::parse_throughput(s)
        .map_err(|m| ApiError::bad_input("throughput", format!("`{s}`: {m}")))
}

impl ForecastParams {
    fn request(&self) -> ApiResult<ForecastRequest> {
        Ok(ForecastRequest {
            product: self.product.clone(),
            query: self.q.clone().filter(|q| !q.trim().is_empty()),
            pace: PaceRequest {
                window: self.window,
                estimate: self.throughput.as_deref().map(throughput).transpose()?,
            },
            start: self
                .start
                .as_deref()
                .map(|d| date("start", d))
                .transpose()?,
            trials: self.trials,
            seed: self.seed.unwrap_or(1),
            what_if: Vec::new(),
        })
    }

    fn target(&self) -> ApiResult<chrono::NaiveDate> {
        match &self.date {
            Some(d) => date("date", d),
            None => Err(ApiError::bad_input(
                "date",
                "give the date as date=YYYY-MM-DD",
            )),
        }
    }
}

async fn forecast_flow(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ForecastParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let r = app.flow(
            p.product.as_deref(),
            p.q.as_deref().filter(|q| !q.trim().is_empty()),
            p.window,
        )?;
        Ok(axum::Json(json!(r)).into_response())
    })
    .await
}

async fn forecast_when(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ForecastParams>,
) -> ApiResult<Response> {
    let req = p.request()?;
    let scope = match (&p.count, &p.release, &p.scope) {
        (Some(n), None, None) => WhenScope::Count(*n),
        (None, Some(r), None) => WhenScope::Release(r.clone()),
        (None, None, Some(q)) => WhenScope::Query(q.clone()),
        (None, None, None) => WhenScope::Query("category != done".into()),
        _ => {
            return Err(ApiError::bad_input(
                "count",
                "give at most one of count, release and scope",
            ));
        }
    };
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.forecast_when(&scope, &req)?)).into_response())
    })
    .await
}

async fn forecast_how_many(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ForecastParams>,
) -> ApiResult<Response> {
    let req = p.request()?;
    let d = p.target()?;
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.forecast_how_many(d, &req)?)).into_response())
    })
    .await
}

async fn forecast_cut_line(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ForecastParams>,
) -> ApiResult<Response> {
    let req = p.request()?;
    let d = p.target()?;
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.forecast_cut_line(d, &req)?)).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct SprintParams {
    product: Option<String>,
    q: Option<String>,
    capacity: Option<f64>,
    unit: Option<String>,
    sprints: Option<u32>,
    length: Option<u32>,
    release: Option<String>,
    start: Option<String>,
}

async fn plan_sprints(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<SprintParams>,
) -> ApiResult<Response> {
    let capacity = p.capacity.ok_or_else(|| {
        ApiError::bad_input("capacity", "give the capacity per sprint, e.g. capacity=20")
    })?;
    let unit = match p.unit.as_deref() {
        None | Some("points") => Unit::Points,
        Some("items") => Unit::Items,
        Some(u) => {
            return Err(ApiError::bad_input(
                "unit",
                format!("unit `{u}` is not points or items"),
            ));
        }
    };
    let req = SprintRequest {
        product: p.product,
        query: p.q.filter(|q| !q.trim().is_empty()),
        release: p.release,
        capacity,
        unit,
        sprints: p.sprints.unwrap_or(6),
        length: p.length.unwrap_or(10),
        start: p.start.as_deref().map(|d| date("start", d)).transpose()?,
        overrides: Vec::new(),
    };
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.plan_sprints(&req)?)).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct CriticalParams {
    product: Option<String>,
    q: Option<String>,
    default_estimate: Option<f64>,
}

async fn plan_critical_path(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<CriticalParams>,
) -> ApiResult<Response> {
    let req = CriticalPathRequest {
        product: p.product,
        query: p.q.filter(|q| !q.trim().is_empty()),
        default_estimate: p.default_estimate,
    };
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!(app.plan_critical_path(&req)?)).into_response())
    })
    .await
}

async fn audit_verify(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, |app, _| {
        let r = app.audit_verify(&mut |_| {})?;
        let ok = r.ok();
        let mut v = json!(r);
        v["ok"] = json!(ok);
        Ok(axum::Json(v).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
    /// Event names, or ["*"] (the default).
    #[serde(default)]
    events: Vec<String>,
    /// Generated when left out.
    secret: Option<String>,
}

async fn webhooks_list(
    State(s): State<AppState>,
    c: Creds,
    Path(prefix): Path<String>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let v = app.webhooks(Some(&prefix))?;
        Ok(
            axum::Json(json!({ "webhooks": v, "events": cairn_core::webhook::EVENTS }))
                .into_response(),
        )
    })
    .await
}

async fn webhook_create(
    State(s): State<AppState>,
    c: Creds,
    Path(prefix): Path<String>,
    Body(b): Body<NewWebhook>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let events = (!b.events.is_empty()).then(|| b.events.join(","));
        let h = app.webhook_add(&prefix, &b.url, events.as_deref(), b.secret.as_deref())?;
        Ok((StatusCode::CREATED, axum::Json(json!(h))).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookPatch {
    url: Option<String>,
    /// Event names, or ["*"].
    events: Option<Vec<String>>,
    /// false pauses, true resumes.
    active: Option<bool>,
    secret: Option<String>,
    /// true: generate a new secret.
    #[serde(default)]
    new_secret: bool,
}

async fn webhook_patch(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
    Body(b): Body<WebhookPatch>,
) -> ApiResult<Response> {
    use cairn_app::webhooks::{SecretChange, WebhookEdit};
    c.call(&s, None, move |app, _| {
        let secret = match (b.secret, b.new_secret) {
            (Some(_), true) => {
                return Err(AppError::Invalid(
                    "secret and new_secret: give a secret or ask for a new one, not both".into(),
                )
                .into());
            }
            (Some(s), false) => Some(SecretChange::Set(s)),
            (None, true) => Some(SecretChange::Generate),
            (None, false) => None,
        };
        let edit = WebhookEdit {
            url: b.url,
            // An empty list means all events, as `parse_events` reads "".
            events: b.events.map(|e| e.join(",")),
            active: b.active,
            secret,
        };
        let h = app.webhook_edit(id, &edit)?;
        Ok(axum::Json(json!(h)).into_response())
    })
    .await
}

async fn webhook_delete(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        app.webhook_rm(id)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    #[serde(default)]
    failed: bool,
    limit: Option<u32>,
}

async fn webhook_deliveries(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
    Q(q): Q<DeliveriesQuery>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let v = app.webhook_deliveries(Some(id), q.failed, q.limit.unwrap_or(50))?;
        Ok(axum::Json(json!({ "deliveries": v })).into_response())
    })
    .await
}

async fn webhooks_prune(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let removed = app.webhook_prune()?;
        let keep_days = app.config().webhooks.keep_days;
        Ok(axum::Json(json!({ "removed": removed, "keep_days": keep_days })).into_response())
    })
    .await
}

async fn delivery_replay(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let d = app.webhook_replay(id)?;
        Ok((StatusCode::CREATED, axum::Json(json!(d))).into_response())
    })
    .await
}
