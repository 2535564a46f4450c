//! The feedback endpoints: capture, links, merges, suggestions, CSV
//! import, themes, demand, closing the loop, insights and customers.

use super::{Api, Body, Q};
use crate::auth::Creds;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{Op, P};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::feedback::{
    FeedbackCsvOptions, FeedbackPatch, NewFeedback, TellOptions, ThemeOptions,
};
use cairn_core::{Importance, ItemKey};
use cairn_store::feedback::FeedbackFilter;
use serde::Deserialize;
use serde_json::json;

const TAG: &str = "Feedback";
const PRODUCT: P = P::query("product", "A product prefix (default: the only one).");
const ID: P = P::path("id", "A feedback id, e.g. F-12.");

pub(super) fn ops(api: Api) -> Api {
    api.add(
        Op::get("/feedback", "Feedback, newest first", TAG)
            .param(PRODUCT)
            .param(P::query("unlinked", "true: only feedback linked to no item (the inbox)."))
            .param(P::query("since", "Only feedback given on or after this day (YYYY-MM-DD)."))
            .param(P::query("all", "true: include records merged into others as duplicates."))
            .returns("object"),
        list,
    )
    .add(
        Op::post(
            "/feedback",
            "Record feedback; the answer carries the items it most likely asks for",
            TAG,
        )
        .body("NewFeedback")
        .created("object")
        .role("member"),
        create,
    )
    .add(
        Op::post(
            "/feedback/import",
            "Import feedback from a CSV body (text/csv): columns matched by name or mapped; a source id imported before updates its record; any bad row and nothing is imported",
            TAG,
        )
        .param(PRODUCT)
        .param(P::query("source", "The source of rows without a source column."))
        .param(P::query("map", "FIELD=COLUMN pairs, comma-separated, e.g. text=Comment,source_id=Ticket."))
        .returns("object")
        .role("member"),
        import,
    )
    .add(
        Op::get(
            "/feedback/suggest",
            "The items a text most likely asks for, with the words they share",
            TAG,
        )
        .param(PRODUCT)
        .param(P::query("text", "The feedback text."))
        .param(P::query("limit", "How many (default 5)."))
        .returns("object"),
        suggest,
    )
    .add(
        Op::get(
            "/feedback/themes",
            "Similar feedback grouped into themes, with their words, demand and trend",
            TAG,
        )
        .param(PRODUCT)
        .param(P::query("since", "Only feedback given on or after this day."))
        .param(P::query("unlinked", "true: only the inbox."))
        .param(P::query("threshold", "How alike (0.05 to 1); default [feedback] theme_threshold."))
        .returns("object"),
        themes,
    )
    .add(
        Op::get(
            "/feedback/demand",
            "Demand per item: requests, unique customers, revenue-weighted and recent demand",
            TAG,
        )
        .param(PRODUCT)
        .returns("object"),
        demand,
    )
    .add(
        Op::get(
            "/feedback/tell",
            "Who to tell that what they asked for is done (CSV with format=csv)",
            TAG,
        )
        .param(PRODUCT)
        .param(P::query("item", "Only these done items, comma-separated."))
        .param(P::query("release", "Only the items of this release."))
        .param(P::query("all", "true: list those already told too."))
        .param(P::query("format", "json (default) or csv."))
        .returns("object"),
        tell,
    )
    .add(
        Op::post(
            "/feedback/tell",
            "Mark everyone waiting to hear about done items (or some of them) as told",
            TAG,
        )
        .body("TellBody")
        .returns("object")
        .role("member"),
        mark_told,
    )
    .add(
        Op::get(
            "/feedback/insights",
            "Top themes by demand and their trend, the most demanded items, segments and the inbox",
            TAG,
        )
        .param(PRODUCT)
        .param(P::query("since", "Start of the period (default: 180 days ago)."))
        .returns("object"),
        insights,
    )
    .add(
        Op::get(
            "/feedback/{id}",
            "One piece of feedback with its duplicates and suggested items",
            TAG,
        )
        .param(ID)
        .returns("object"),
        show,
    )
    .add(
        Op::patch("/feedback/{id}", "Change feedback (only the members sent)", TAG)
            .param(ID)
            .body("FeedbackPatch")
            .returns("object")
            .role("member"),
        edit,
    )
    .add(
        Op::post("/feedback/{id}/links", "Link feedback to the items it asks for", TAG)
            .param(ID)
            .body("FeedbackLinks")
            .returns("object")
            .role("member"),
        link,
    )
    .add(
        Op::delete("/feedback/{id}/links/{key}", "Unlink feedback from an item", TAG)
            .param(ID)
            .param(P::path("key", "An item key."))
            .returns("object")
            .role("member"),
        unlink,
    )
    .add(
        Op::post(
            "/feedback/{id}/merge",
            "Merge this duplicate into another record; its customer and vote count there",
            TAG,
        )
        .param(ID)
        .body("FeedbackMerge")
        .returns("object")
        .role("member"),
        merge,
    )
    .add(
        Op::get("/customers", "Customers with their segment and revenue weight", TAG)
            .returns("object"),
        customers,
    )
    .add(
        Op::post(
            "/customers",
            "Set a customer's segment or revenue weight, creating it if new (admins; recording feedback also sets a new customer's)",
            TAG,
        )
        .body("CustomerBody")
        .returns("object")
        .role("admin"),
        customer_set,
    )
}

fn importance(s: &Option<String>) -> Result<Option<Importance>, ApiError> {
    s.as_deref()
        .map(|i| {
            Importance::parse(i).ok_or_else(|| {
                ApiError::bad_input(
                    "importance",
                    format!("`{i}` is not an importance; use nice-to-have, important or critical"),
                )
            })
        })
        .transpose()
}

fn keys(v: &[String], field: &str) -> Result<Vec<ItemKey>, ApiError> {
    v.iter()
        .map(|k| {
            k.parse::<ItemKey>().map_err(|_| {
                ApiError::bad_input(field, format!("`{k}` is not an item key (like PAY-12)"))
            })
        })
        .collect()
}

fn flag(v: &Option<String>, name: &str) -> Result<bool, ApiError> {
    match v.as_deref() {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(x) => Err(ApiError::bad_input(
            name,
            format!("`{x}`: use true or false"),
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub product: Option<String>,
    pub unlinked: Option<String>,
    pub since: Option<String>,
    pub all: Option<String>,
}

async fn list(State(s): State<AppState>, c: Creds, Q(p): Q<ListParams>) -> ApiResult<Response> {
    let unlinked = flag(&p.unlinked, "unlinked")?;
    let merged = flag(&p.all, "all")?;
    c.call(&s, None, move |app, _| {
        let product = match p.product.as_deref().filter(|p| !p.is_empty()) {
            Some(x) => Some(app.resolve_product(Some(x))?.prefix),
            None => None,
        };
        let fs = app.feedback_list(&FeedbackFilter {
            product,
            unlinked,
            since: p.since.filter(|s| !s.is_empty()),
            merged,
        })?;
        Ok(axum::Json(json!({ "feedback": fs })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFeedbackBody {
    pub product: Option<String>,
    pub text: String,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub customer: Option<String>,
    pub segment: Option<String>,
    pub revenue: Option<f64>,
    pub requester: Option<String>,
    pub received: Option<String>,
    pub importance: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
}

async fn create(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<NewFeedbackBody>,
) -> ApiResult<Response> {
    let new = NewFeedback {
        importance: importance(&b.importance)?,
        items: keys(&b.items, "items")?,
        product: b.product,
        text: b.text,
        source: b.source,
        source_id: b.source_id,
        customer: b.customer,
        segment: b.segment,
        revenue: b.revenue,
        requester: b.requester,
        received: b.received,
    };
    c.call(&s, None, move |app, _| {
        let f = app.feedback_add(new)?;
        let sug = app.feedback_suggestions(&f.id, 5)?;
        Ok((
            StatusCode::CREATED,
            axum::Json(json!({ "feedback": f, "suggestions": sug })),
        )
            .into_response())
    })
    .await
}

async fn show(State(s): State<AppState>, c: Creds, Path(id): Path<String>) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let f = app.feedback(&id)?;
        let dups = app.feedback_duplicates(&id)?;
        let sug = if f.merged_into.is_none() {
            app.feedback_suggestions(&id, 5)?
        } else {
            Vec::new()
        };
        Ok(
            axum::Json(json!({ "feedback": f, "duplicates": dups, "suggestions": sug }))
                .into_response(),
        )
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackPatchBody {
    pub text: Option<String>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub customer: Option<String>,
    pub requester: Option<String>,
    pub received: Option<String>,
    pub importance: Option<String>,
    /// Refuse unless the feedback is still at this version.
    pub version: Option<i64>,
}

async fn edit(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Body(b): Body<FeedbackPatchBody>,
) -> ApiResult<Response> {
    let patch = FeedbackPatch {
        importance: importance(&b.importance)?,
        text: b.text,
        source: b.source,
        source_id: b.source_id.map(Some),
        customer: b.customer.map(Some),
        requester: b.requester.map(Some),
        received: b.received,
    };
    c.call(&s, None, move |app, _| {
        let f = app.feedback_edit(&id, patch, b.version)?;
        Ok(axum::Json(f).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksBody {
    pub items: Vec<String>,
}

async fn link(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Body(b): Body<LinksBody>,
) -> ApiResult<Response> {
    let ks = keys(&b.items, "items")?;
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(app.feedback_link(&id, &ks)?).into_response())
    })
    .await
}

async fn unlink(
    State(s): State<AppState>,
    c: Creds,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Response> {
    let ks = keys(std::slice::from_ref(&key), "key")?;
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(app.feedback_unlink(&id, &ks)?).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    pub into: String,
}

async fn merge(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Body(b): Body<MergeBody>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let top = app.feedback_merge(&id, &b.into)?;
        let dups = app.feedback_duplicates(&top.id)?;
        Ok(axum::Json(json!({ "feedback": top, "duplicates": dups })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    pub product: Option<String>,
    pub text: Option<String>,
    pub limit: Option<usize>,
}

async fn suggest(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<SuggestParams>,
) -> ApiResult<Response> {
    let text = p
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_input("text", "give the feedback text"))?;
    let limit = p.limit.unwrap_or(5).clamp(1, 50);
    c.call(&s, None, move |app, _| {
        let sug = app.feedback_suggest(p.product.as_deref(), &text, limit)?;
        Ok(axum::Json(json!({ "suggestions": sug })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    pub product: Option<String>,
    pub source: Option<String>,
    pub map: Option<String>,
}

async fn import(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ImportParams>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut map = Vec::new();
    for pair in p
        .map
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|x| !x.trim().is_empty())
    {
        let (f, col) = pair.split_once('=').ok_or_else(|| {
            ApiError::bad_input(
                "map",
                format!("`{pair}`: write FIELD=COLUMN, e.g. text=Comment"),
            )
        })?;
        map.push((f.trim().to_string(), col.trim().to_string()));
    }
    if body.is_empty() {
        return Err(ApiError::bad_input(
            "body",
            "send the CSV file as the request body",
        ));
    }
    let opts = FeedbackCsvOptions {
        product: p.product,
        map,
        source: p.source,
    };
    c.call(&s, None, move |app, _| {
        let r = app.feedback_import_csv(&body[..], &opts)?;
        Ok(axum::Json(r).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ThemeParams {
    pub product: Option<String>,
    pub since: Option<String>,
    pub unlinked: Option<String>,
    pub threshold: Option<f64>,
}

async fn themes(State(s): State<AppState>, c: Creds, Q(p): Q<ThemeParams>) -> ApiResult<Response> {
    let unlinked = flag(&p.unlinked, "unlinked")?;
    c.call(&s, None, move |app, _| {
        let ts = app.feedback_themes(&ThemeOptions {
            product: p.product,
            since: p.since.filter(|s| !s.is_empty()),
            unlinked,
            threshold: p.threshold,
        })?;
        Ok(axum::Json(json!({ "themes": ts })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProductParams {
    pub product: Option<String>,
    pub since: Option<String>,
}

async fn demand(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ProductParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let d = app.demand(p.product.as_deref())?;
        Ok(axum::Json(json!({ "demand": d })).into_response())
    })
    .await
}

async fn insights(
    State(s): State<AppState>,
    c: Creds,
    Q(p): Q<ProductParams>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        let i = app.feedback_insights(
            p.product.as_deref(),
            p.since.as_deref().filter(|s| !s.is_empty()),
        )?;
        Ok(axum::Json(i).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TellParams {
    pub product: Option<String>,
    pub item: Option<String>,
    pub release: Option<String>,
    pub all: Option<String>,
    pub format: Option<String>,
}

async fn tell(State(s): State<AppState>, c: Creds, Q(p): Q<TellParams>) -> ApiResult<Response> {
    let include_told = flag(&p.all, "all")?;
    let items: Vec<String> = p
        .item
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect();
    let items = keys(&items, "item")?;
    let format = p.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv") {
        return Err(ApiError::bad_input(
            "format",
            format!("`{format}` is not a format; use json or csv"),
        ));
    }
    c.call(&s, None, move |app, _| {
        let ts = app.feedback_tell(&TellOptions {
            product: p.product,
            items,
            release: p.release.filter(|r| !r.is_empty()),
            include_told,
        })?;
        if format == "csv" {
            return Ok((
                [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
                cairn_app::feedback::tell_csv(&ts),
            )
                .into_response());
        }
        Ok(axum::Json(json!({ "tell": ts })).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TellBody {
    pub product: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
    pub release: Option<String>,
}

async fn mark_told(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<TellBody>,
) -> ApiResult<Response> {
    let items = keys(&b.items, "items")?;
    c.call(&s, None, move |app, _| {
        let ts = app.feedback_mark_told(&TellOptions {
            product: b.product,
            items,
            release: b.release,
            include_told: false,
        })?;
        Ok(axum::Json(json!({ "told": ts })).into_response())
    })
    .await
}

async fn customers(State(s): State<AppState>, c: Creds) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(json!({ "customers": app.customers()? })).into_response())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    pub name: String,
    /// Absent: unchanged; null: cleared.
    #[serde(default, deserialize_with = "super::nullable")]
    pub segment: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub revenue: Option<Option<f64>>,
}

async fn customer_set(
    State(s): State<AppState>,
    c: Creds,
    Body(b): Body<CustomerBody>,
) -> ApiResult<Response> {
    c.call(&s, None, move |app, _| {
        Ok(axum::Json(app.customer_set(&b.name, b.segment, b.revenue)?).into_response())
    })
    .await
}
