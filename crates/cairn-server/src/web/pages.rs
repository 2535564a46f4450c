//! The pages: backlog, board, item, new/edit item, plan and forecast.

use super::{Page, WebResult};
use crate::api::{encode_cursor, offset_of, parse_key};
use crate::auth::{Caller, Creds};
use crate::error::ApiError;
use crate::markdown;
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use cairn_app::forecast::{ForecastRequest, WhenScope};
use cairn_app::{App, AppError, NewItem, Patch, Position};
use cairn_core::{Item, ItemKey, Kind, Role, format_millis};
use cairn_store::Page as StorePage;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

/// Rows on a backlog page, cards per board column per load.
pub const BACKLOG_ROWS: usize = 100;
pub const COLUMN_CARDS: usize = 50;

/// The products the caller sees, and the one this page is about.
pub(crate) fn products(
    app: &mut App,
    wanted: Option<&str>,
) -> Result<(Vec<(String, String)>, String), ApiError> {
    let ps: Vec<(String, String)> = app
        .products()?
        .into_iter()
        .map(|p| (p.prefix, p.name))
        .collect();
    let chosen = match wanted.map(|w| w.trim().to_ascii_uppercase()) {
        Some(w) if !w.is_empty() => ps
            .iter()
            .find(|(p, _)| *p == w)
            .map(|(p, _)| p.clone())
            .ok_or_else(|| ApiError::not_found(format!("there is no product {w}")))?,
        _ => ps
            .first()
            .map(|(p, _)| p.clone())
            .ok_or_else(|| ApiError::not_found("you cannot see any product yet; ask an admin to give you a role (`cairn user grant`)"))?,
    };
    Ok((ps, chosen))
}

fn can_edit(caller: &Caller, product: &str) -> bool {
    caller
        .access
        .role(product)
        .is_some_and(|r| r >= Role::Member)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `product = P AND (user query)`, keeping the user's ORDER BY last.
fn scoped(product: &str, q: &str, default: &str) -> String {
    let q = q.trim();
    let q = if q.is_empty() { default } else { q };
    let lower = q.to_ascii_lowercase();
    let (filter, order) = match lower.rfind("order by") {
        Some(i) => (q[..i].trim(), &q[i..]),
        None => (q, ""),
    };
    if filter.is_empty() {
        format!("product = {product} {order}")
    } else {
        format!("product = {product} AND ({filter}) {order}")
    }
}

fn url(path: &str, params: &[(&str, &str)]) -> String {
    let mut s = path.to_string();
    let mut first = true;
    for (k, v) in params {
        if v.is_empty() {
            continue;
        }
        s.push(if first { '?' } else { '&' });
        first = false;
        s.push_str(k);
        s.push('=');
        s.push_str(&enc(v));
    }
    s
}

/// Percent-encode a query-string value.
pub(super) fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn estimate(e: Option<f64>) -> String {
    match e {
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x}"),
        None => String::new(),
    }
}

fn date(ms: i64) -> String {
    format_millis(ms).chars().take(10).collect()
}

fn csrf_field(c: &Caller) -> Markup {
    html! { input type="hidden" name="_csrf" value=(c.csrf.clone().unwrap_or_default()); }
}

// ---- backlog -------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListParams {
    product: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

pub async fn backlog(
    State(s): State<AppState>,
    c: Creds,
    Query(p): Query<ListParams>,
) -> WebResult {
    let offset = offset_of(p.cursor.as_deref())?;
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, p.product.as_deref())?;
        let q = p.q.clone().unwrap_or_default();
        let src = scoped(&product, &q, "category != done");
        let (rows, error) = match app.query_capped(&src, StorePage { limit: BACKLOG_ROWS, offset }, crate::api::COUNT_CAP) {
            Ok(r) => (Some(r), None),
            Err(AppError::Query { message, column, .. }) => (None, Some(format!(
                "The query does not work at column {}: {message}",
                column.saturating_sub(src.len() - src.trim_start().len()).max(1)
            ))),
            Err(e) => return Err(e.into()),
        };
        let edit = can_edit(caller, &product);
        let back = url("/backlog", &[("product", &product), ("q", &q), ("cursor", p.cursor.as_deref().unwrap_or(""))]);
        let body = html! {
            main #main {
                h1 { "Backlog" }
                form .query role="search" method="get" action="/backlog" {
                    input type="hidden" name="product" value=(product);
                    label for="q" { "Query" }
                    input #q name="q" type="search" value=(q) placeholder="category != done" aria-describedby="q-help" data-search;
                    button type="submit" { "Search" }
                    p #q-help .hint { "For example " code { "kind = story AND label = payments" } " or " code { "estimate > 5 ORDER BY created DESC" } ". Press / to search." }
                }
                @if let Some(e) = &error {
                    p .error role="alert" { (e) }
                }
                @if let Some(r) = &rows {
                    p .count aria-live="polite" {
                        (r.total) @if r.capped { "+" } " items"
                        @if r.total as usize > BACKLOG_ROWS { ", showing " (offset + 1) "–" (offset + r.items.len()) }
                        @if edit { ". Drag rows, or select one and press Alt+↑ / Alt+↓, to reorder." }
                    }
                    table .backlog data-reorder=[edit.then_some("true")] {
                        caption .visually-hidden { "Backlog of " (product) ", in rank order" }
                        thead { tr {
                            th scope="col" { "#" }
                            th scope="col" { "Key" }
                            th scope="col" { "Kind" }
                            th scope="col" { "Title" }
                            th scope="col" { "State" }
                            th scope="col" .num { "Est." }
                            th scope="col" { "Assignee" }
                            @if edit { th scope="col" { span .visually-hidden { "Reorder" } } }
                        } }
                        tbody {
                            @for (i, it) in r.items.iter().enumerate() {
                                @let prev = i.checked_sub(1).and_then(|j| r.items.get(j));
                                @let next = r.items.get(i + 1);
                                tr data-nav data-key=(it.key) data-version=(it.version) data-href=(format!("/items/{}", it.key)) tabindex="-1" draggable=[edit.then_some("true")] {
                                    td .num { (offset + i + 1) }
                                    td { a href=(format!("/items/{}", it.key)) { (it.key) } }
                                    td { span class=(format!("kind kind-{}", it.kind.as_str())) { (it.kind.as_str()) } }
                                    td { (it.title) }
                                    td { (it.state) }
                                    td .num { (estimate(it.estimate)) }
                                    td { (it.assignee.as_deref().unwrap_or("")) }
                                    @if edit {
                                        td .moves {
                                            (move_button(caller, it, prev.map(|p| ("before", &p.key)), "↑", "Move up", &back))
                                            (move_button(caller, it, next.map(|n| ("after", &n.key)), "↓", "Move down", &back))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @let next_offset = offset + r.items.len();
                    nav .pager aria-label="Pages" {
                        @if offset > 0 {
                            a href=(url("/backlog", &[("product", &product), ("q", &q), ("cursor", &encode_cursor(offset.saturating_sub(BACKLOG_ROWS)))])) { "← Previous" }
                        }
                        @if (next_offset as u64) < r.total {
                            a href=(url("/backlog", &[("product", &product), ("q", &q), ("cursor", &encode_cursor(next_offset))])) { "Next →" }
                        }
                    }
                }
            }
        };
        let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        let page = Page { title: "Backlog", caller, nav: "backlog", product: Some(&product), products: &ps };
        Ok((status, page.render(body)).into_response())
    })
    .await?)
}

fn move_button(
    c: &Caller,
    it: &Item,
    target: Option<(&str, &ItemKey)>,
    label: &str,
    title: &str,
    back: &str,
) -> Markup {
    html! {
        form method="post" action=(format!("/items/{}/move", it.key)) {
            (csrf_field(c))
            input type="hidden" name="version" value=(it.version);
            input type="hidden" name="back" value=(back);
            @if let Some((side, key)) = target {
                input type="hidden" name=(side) value=(key);
                button type="submit" .icon title=(title) aria-label=(format!("{title}: {}", it.key)) { (label) }
            } @else {
                button type="submit" .icon disabled title=(title) aria-label=(format!("{title}: {}", it.key)) { (label) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    version: i64,
    before: Option<String>,
    after: Option<String>,
    to: Option<String>,
    back: Option<String>,
}

pub async fn move_item(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Form(f): Form<MoveForm>,
) -> WebResult {
    let key = parse_key(&key)?;
    let pos = match (&f.before, &f.after, f.to.as_deref()) {
        (Some(b), _, _) => Position::Before(parse_key(b)?),
        (_, Some(a), _) => Position::After(parse_key(a)?),
        (_, _, Some("top")) => Position::Top,
        _ => Position::Bottom,
    };
    let back = super::safe_next(f.back.as_deref());
    let version = f.version;
    c.call(&s, f.csrf, move |app, _| {
        Ok(app.item_move(&key, &pos, Some(version), None)?)
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

// ---- board ---------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct BoardParams {
    product: Option<String>,
    state: Option<String>,
    cursor: Option<String>,
}

/// The states a board shows, in workflow order.
fn board_states(app: &App) -> Vec<String> {
    app.config().all_states()
}

/// A column's cards in rank order (the order the backlog has; it keeps
/// every column on the product's rank index, however large the product).
fn column_query(product: &str, state: &str) -> String {
    format!(
        "product = {product} AND state = {} ORDER BY rank",
        quote(state)
    )
}

fn cards(
    app: &mut App,
    caller: &Caller,
    product: &str,
    state: &str,
    offset: usize,
    states: &[String],
    total: u64,
) -> Result<Markup, ApiError> {
    let items = app.query_items(
        &column_query(product, state),
        StorePage {
            limit: COLUMN_CARDS,
            offset,
        },
    )?;
    let edit = can_edit(caller, product);
    let next = offset + items.len();
    let more = (next as u64) < total;
    let m = html! {
        @for it in &items {
            li .card data-nav data-key=(it.key) data-version=(it.version) data-href=(format!("/items/{}", it.key)) tabindex="-1" draggable=[edit.then_some("true")] {
                a href=(format!("/items/{}", it.key)) .key { (it.key) }
                span .title { (it.title) }
                span .meta {
                    span class=(format!("kind kind-{}", it.kind.as_str())) { (it.kind.as_str()) }
                    @if let Some(a) = &it.assignee { " · " (a) }
                    @if it.estimate.is_some() { " · " (estimate(it.estimate)) " pt" }
                }
                @if edit {
                    form .state-form method="post" action=(format!("/items/{}/state", it.key)) {
                        (csrf_field(caller))
                        input type="hidden" name="version" value=(it.version);
                        input type="hidden" name="back" value=(format!("/board?product={product}"));
                        label .visually-hidden for=(format!("mv-{}", it.key)) { "Move " (it.key) " to" }
                        select id=(format!("mv-{}", it.key)) name="state" {
                            @for st in states {
                                option value=(st) selected[st == state] { (st) }
                            }
                        }
                        button type="submit" { "Move" }
                    }
                }
            }
        }
        @if more {
            li .more {
                a href=(url("/board/column", &[("product", product), ("state", state), ("cursor", &encode_cursor(next))]))
                    hx-get=(url("/board/column", &[("product", product), ("state", state), ("cursor", &encode_cursor(next))]))
                    hx-target="closest li" hx-swap="outerHTML" {
                    "Show more (" (total - next as u64) " left)"
                }
            }
        }
    };
    Ok(m)
}

pub async fn board(State(s): State<AppState>, c: Creds, Query(p): Query<BoardParams>) -> WebResult {
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, p.product.as_deref())?;
        let states = board_states(app);
        let counts = app.count_by_state(&product)?;
        let mut columns = Vec::new();
        for st in &states {
            let total = counts.iter().find(|(s, _)| s == st).map_or(0, |c| c.1);
            let m = cards(app, caller, &product, st, 0, &states, total)?;
            columns.push((st.clone(), m, total));
        }
        let edit = can_edit(caller, &product);
        let body = html! {
            main #main .wide {
                h1 { "Board" }
                @if edit { p .hint { "Drag a card to another column, or pick a state on the card and press Move." } }
                div .board role="list" aria-label="Columns by state" {
                    @for (st, m, total) in &columns {
                        section .column role="listitem" data-state=(st) aria-labelledby=(format!("col-{}", enc(st))) {
                            h2 id=(format!("col-{}", enc(st))) { (st) " " span .count { (total) } }
                            ul .cards data-drop=[edit.then_some(st.as_str())] { (m) }
                        }
                    }
                }
            }
        };
        let page = Page { title: "Board", caller, nav: "board", product: Some(&product), products: &ps };
        Ok(page.render(body))
    })
    .await?)
}

pub async fn board_column(
    State(s): State<AppState>,
    c: Creds,
    Query(p): Query<BoardParams>,
) -> WebResult {
    let offset = offset_of(p.cursor.as_deref())?;
    Ok(c.call(&s, None, move |app, caller| {
        let (_, product) = products(app, p.product.as_deref())?;
        let states = board_states(app);
        let state = p
            .state
            .clone()
            .filter(|s| states.contains(s))
            .ok_or_else(|| ApiError::bad_input("state", "name one of the workflow's states"))?;
        let total = app
            .count_by_state(&product)?
            .into_iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |c| c.1);
        let m = cards(app, caller, &product, &state, offset, &states, total)?;
        Ok(Html(m.into_string()).into_response())
    })
    .await?)
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    version: i64,
    state: String,
    back: Option<String>,
    /// An owner's override of a failing gate, with its reason.
    override_gate: Option<String>,
    reason: Option<String>,
}

pub async fn set_state(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Form(f): Form<StateForm>,
) -> WebResult {
    let key = parse_key(&key)?;
    let back = match f.back.as_deref() {
        Some(b) => super::safe_next(Some(b)),
        None => format!("/items/{key}"),
    };
    let patch = Patch {
        state: Some(f.state),
        override_gate: f.override_gate.is_some(),
        ..Patch::default()
    };
    let version = f.version;
    let reason = f.reason.filter(|r| !r.trim().is_empty());
    c.call(&s, f.csrf, move |app, _| {
        Ok(app.item_edit(&key, patch, Some(version), reason.as_deref())?)
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

// ---- item ----------------------------------------------------------------

fn history_line(e: &cairn_core::AuditEntry) -> String {
    let changes = e.change_list();
    let what: Vec<String> = changes
        .iter()
        .take(4)
        .map(|c| {
            let v = |x: &serde_json::Value| match x {
                serde_json::Value::Null => "∅".to_string(),
                serde_json::Value::String(s) => {
                    let t: String = s.chars().take(40).collect();
                    if s.chars().count() > 40 {
                        format!("{t}…")
                    } else {
                        t
                    }
                }
                other => other.to_string(),
            };
            format!("{}: {} → {}", c.field, v(&c.old), v(&c.new))
        })
        .collect();
    what.join("; ")
}

pub async fn item_page(State(s): State<AppState>, c: Creds, Path(key): Path<String>) -> WebResult {
    let key = parse_key(&key)?;
    Ok(c.call(&s, None, move |app, caller| {
        let v = app.item_view(&key)?;
        let (ps, product) = products(app, Some(&key.prefix))?;
        let findings = app.lint_item(&v.item)?;
        let comments = discussion(app, &key)?;
        let watchers = app.watchers(&key)?;
        let commits = app.item_commits(&key)?;
        let history = app.history(&key.to_string())?;
        let states: Vec<String> = app
            .config()
            .workflow_for(v.item.kind)
            .states
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let edit = can_edit(caller, &product);
        // Owners may move past a failing Definition of Ready or of Done.
        let gated: Vec<String> = states
            .iter()
            .filter(|s| !app.config().gates.guarding(s).is_empty())
            .cloned()
            .collect();
        let can_override = !gated.is_empty()
            && caller.access.role(&product) == Some(cairn_core::Role::Owner);
        let it = &v.item;
        let body = html! {
            main #main .item {
                p .crumbs { a href=(format!("/backlog?product={product}")) { (product) " backlog" } }
                h1 { span .key { (it.key) } " " (it.title) }
                div .item-head {
                    span class=(format!("kind kind-{}", it.kind.as_str())) { (it.kind.as_str()) }
                    span .state { (it.state) }
                    @if edit {
                        a .button href=(format!("/items/{}/edit", it.key)) accesskey="e" { "Edit" }
                        form .inline method="post" action=(format!("/items/{}/state", it.key)) {
                            (csrf_field(caller))
                            input type="hidden" name="version" value=(it.version);
                            label for="state-select" { "Move to " }
                            select #state-select name="state" {
                                @for st in &states { option value=(st) selected[*st == it.state] { (st) } }
                            }
                            button type="submit" { "Move" }
                        }
                    }
                }
                @if can_override {
                    details .override {
                        summary { "Override a gate (owners)" }
                        form method="post" action=(format!("/items/{}/state", it.key)) {
                            (csrf_field(caller))
                            input type="hidden" name="version" value=(it.version);
                            input type="hidden" name="override_gate" value="1";
                            p .hint { "Moves the item although its Definition of Ready or of Done fails. The reason and every unmet rule go into the audit trail." }
                            label for="ov-state" { "Move to " }
                            select #ov-state name="state" {
                                @for st in &gated { option value=(st) { (st) } }
                            }
                            label for="ov-reason" { "Reason" }
                            input #ov-reason name="reason" type="text" required;
                            button type="submit" { "Override and move" }
                        }
                    }
                }
                div .columns {
                    div .main-col {
                        section aria-labelledby="h-desc" {
                            h2 #h-desc { "Description" }
                            @if it.description.trim().is_empty() { p .empty { "No description." } }
                            @else { div .markdown { (PreEscaped(markdown::render(&it.description))) } }
                        }
                        section aria-labelledby="h-acc" {
                            h2 #h-acc { "Acceptance criteria" }
                            @if it.acceptance.trim().is_empty() { p .empty { "None yet." } }
                            @else { pre .gherkin { (it.acceptance) } }
                        }
                        section aria-labelledby="h-lint" {
                            h2 #h-lint { "Quality findings" }
                            @if findings.is_empty() { p .empty { "No findings: this item passes every lint rule." } }
                            @else {
                                ul .findings {
                                    @for f in &findings {
                                        li class=(format!("sev-{}", f.severity.as_str())) {
                                            strong { (f.severity.as_str()) " [" (f.rule) "]" }
                                            " " (f.message)
                                            @if !f.fix.is_empty() { br; span .fix { "Fix: " (f.fix) } }
                                        }
                                    }
                                }
                            }
                        }
                        section aria-labelledby="h-comments" {
                            h2 #h-comments { "Comments" }
                            form .inline .watch method="post" action=(format!("/items/{}/watch", it.key)) {
                                (csrf_field(caller))
                                @if watchers.contains(&caller.access.user) {
                                    input type="hidden" name="stop" value="1";
                                    span .muted { "You watch this item. " }
                                    button .link type="submit" { "Stop watching" }
                                } @else {
                                    button .link type="submit" { "Watch" }
                                    span .muted { " — comments, mentions and moves will reach your inbox" }
                                }
                                @if !watchers.is_empty() {
                                    span .muted { " · watched by " (watchers.join(", ")) }
                                }
                            }
                            @for (cm, depth, html) in &comments {
                                article .comment .(format!("depth-{}", depth.min(&3))) id=(format!("comment-{}", cm.id)) {
                                    p .meta {
                                        strong { (cm.author) } " · " (date(cm.created))
                                        @if cm.edited.is_some() { " · edited" }
                                        @if let Some(r) = cm.reply_to { " · " a href=(format!("#comment-{r}")) { "in reply to #" (r) } }
                                    }
                                    @if cm.deleted.is_some() {
                                        p .muted { "(deleted)" }
                                    } @else {
                                        div .markdown { (PreEscaped(html)) }
                                        details .reply {
                                            summary { "Reply" }
                                            form method="post" action=(format!("/items/{}/comments", it.key)) {
                                                (csrf_field(caller))
                                                input type="hidden" name="reply_to" value=(cm.id);
                                                label for=(format!("reply-{}", cm.id)) { "Reply to " (cm.author) }
                                                textarea id=(format!("reply-{}", cm.id)) name="body" rows="2" required {}
                                                button type="submit" { "Reply" }
                                            }
                                        }
                                        @if caller.access.user == cm.author {
                                            details .reply {
                                                summary { "Edit" }
                                                form method="post" action=(format!("/comments/{}/edit", cm.id)) {
                                                    (csrf_field(caller))
                                                    label for=(format!("edit-{}", cm.id)) { "Your comment" }
                                                    textarea id=(format!("edit-{}", cm.id)) name="body" rows="3" required { (cm.body) }
                                                    button type="submit" { "Save" }
                                                }
                                            }
                                        }
                                        form .inline method="post" action=(format!("/comments/{}/delete", cm.id)) {
                                            (csrf_field(caller))
                                            button .link type="submit" { "Delete" }
                                        }
                                    }
                                }
                            }
                            form method="post" action=(format!("/items/{}/comments", it.key)) {
                                (csrf_field(caller))
                                label for="comment" { "Add a comment" }
                                textarea #comment name="body" rows="3" required {}
                                button type="submit" { "Comment" }
                            }
                        }
                        @if !commits.is_empty() {
                            section aria-labelledby="h-commits" {
                                h2 #h-commits { "Commits" }
                                ul .commits {
                                    @for cm in &commits {
                                        li {
                                            code title=(cm.hash) { (cm.short) } " "
                                            @if cm.fixes { span .badge { "fixes" } " " }
                                            (cm.subject)
                                            span .muted { " — " (cm.author) ", " time datetime=(cm.at) { (cm.at.get(..10).unwrap_or(&cm.at)) } }
                                        }
                                    }
                                }
                            }
                        }
                        section aria-labelledby="h-history" {
                            h2 #h-history { "History" }
                            ol .history reversed {
                                @for e in history.iter().rev() {
                                    li {
                                        time datetime=(format_millis(e.at)) { (date(e.at)) }
                                        " " strong { (e.actor) } " " (e.action)
                                        @let l = history_line(e);
                                        @if !l.is_empty() { " — " span .changes { (l) } }
                                        @if let Some(r) = &e.reason { " (" (r) ")" }
                                    }
                                }
                            }
                        }
                    }
                    aside .side-col aria-label="Details" {
                        dl {
                            dt { "Assignee" } dd { (it.assignee.as_deref().unwrap_or("—")) }
                            dt { "Estimate" } dd { @if it.estimate.is_some() { (estimate(it.estimate)) } @else { "—" } }
                            dt { "Labels" } dd { @if it.labels.is_empty() { "—" } @else { (it.labels.join(", ")) } }
                            dt { "Release" } dd { (it.release.as_deref().unwrap_or("—")) }
                            dt { "Parent" } dd { @if let Some(p) = &it.parent { a href=(format!("/items/{p}")) { (p) } } @else { "—" } }
                            dt { "Goals" } dd { @if it.goals.is_empty() { "—" } @else { (it.goals.join(", ")) } }
                            @for (name, val) in &it.fields { dt { (name) } dd { (val.to_string()) } }
                            dt { "Created" } dd { (date(it.created)) }
                            dt { "Updated" } dd { (date(it.updated)) }
                            dt { "Version" } dd { (it.version) }
                        }
                        h2 { "Links" }
                        @if v.links.is_empty() { p .empty { "No links." } }
                        ul .links {
                            @for l in &v.links {
                                li { (l.relation) " " a href=(format!("/items/{}", l.other)) { (l.other) } " " (l.other_title) " (" (l.other_state) ")" }
                            }
                        }
                        @if !v.children.is_empty() {
                            h2 { "Children" }
                            ul .links { @for ch in &v.children { li { a href=(format!("/items/{ch}")) { (ch) } } } }
                        }
                    }
                }
            }
        };
        let title = format!("{} {}", it.key, it.title);
        let page = Page { title: &title, caller, nav: "backlog", product: Some(&product), products: &ps };
        Ok(page.render(body))
    })
    .await?)
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    body: String,
    /// The comment this one answers.
    reply_to: Option<String>,
}

/// An item's comments in thread order (each followed by its replies),
/// with their depth and their text as HTML: item keys link to their pages
/// and `@mentions` of people stand out.
fn discussion(
    app: &mut cairn_app::App,
    key: &cairn_core::ItemKey,
) -> Result<Vec<(cairn_core::Comment, usize, String)>, crate::error::ApiError> {
    let all = app.comments(key)?;
    let mut out = Vec::with_capacity(all.len());
    let ordered = cairn_app::comments::thread(&all);
    for (c, depth) in ordered {
        let refs = app.comment_refs(&c.body)?;
        let html = markdown::render(&linkify(&c.body, &refs));
        out.push((c, depth, html));
    }
    Ok(out)
}

/// Markdown with item keys as links and mentions in bold.
fn linkify(body: &str, refs: &cairn_app::comments::Refs) -> String {
    let mut out = String::with_capacity(body.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let bare = word.trim_start_matches('@').to_lowercase();
        if refs.keys.iter().any(|k| k == word.as_str()) {
            out.push_str(&format!("[{word}](/items/{word})"));
        } else if word.starts_with('@') && refs.mentions.contains(&bare) {
            out.push_str(&format!("**{word}**"));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in body.chars() {
        if ch.is_alphanumeric() || ch == '-' || ch == '@' || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[derive(Deserialize, Default)]
pub struct CommentEditForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    body: Option<String>,
}

pub async fn edit_comment(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
    Form(f): Form<CommentEditForm>,
) -> WebResult {
    let item = c
        .call(&s, f.csrf, move |app, _| {
            Ok(app.comment_edit(id, f.body.as_deref().unwrap_or(""))?.item)
        })
        .await?;
    Ok(Redirect::to(&format!("/items/{item}#comment-{id}")).into_response())
}

pub async fn delete_comment(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<i64>,
    Form(f): Form<CommentEditForm>,
) -> WebResult {
    let item = c
        .call(&s, f.csrf, move |app, _| {
            Ok(app.comment_delete(id, None)?.item)
        })
        .await?;
    Ok(Redirect::to(&format!("/items/{item}#comment-{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct WatchForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    stop: Option<String>,
}

pub async fn watch(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Form(f): Form<WatchForm>,
) -> WebResult {
    let key = parse_key(&key)?;
    let back = format!("/items/{key}#h-comments");
    let stop = f.stop.as_deref().is_some_and(|v| !v.is_empty());
    c.call(&s, f.csrf, move |app, _| {
        if stop {
            app.unwatch(&key)?;
        } else {
            app.watch(&key)?;
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

/// The signed-in user's notifications, newest first.
pub async fn inbox(State(s): State<AppState>, c: Creds) -> WebResult {
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, None)?;
        let all = app.inbox(false)?;
        let unread = all.iter().filter(|n| n.read_at.is_none()).count();
        let settings = app.notify_settings()?;
        let mail_on = app.config().mail.server().is_some();
        let email = app.my_email()?;
        let body = html! {
            main #main {
                h1 { "Inbox" }
                @if all.is_empty() {
                    p { "Nothing yet. Watch an item, or get mentioned, and news of it lands here." }
                } @else {
                    p .hint { (unread) " unread of " (all.len()) "." }
                    @if unread > 0 {
                        form method="post" action="/inbox/read" {
                            (csrf_field(caller))
                            button type="submit" { "Mark all as read" }
                        }
                    }
                    ul .inbox {
                        @for n in &all {
                            li .unread[n.read_at.is_none()] {
                                time datetime=(format_millis(n.at)) { (date(n.at)) }
                                " "
                                a href=(format!("/items/{}#h-comments", n.item)) { (n.summary) }
                                @match n.mail.as_deref() {
                                    Some("sent") => span .hint { " · mailed" },
                                    Some("failed") => span .hint title=[n.mail_error.as_deref()] { " · mail failed" },
                                    Some(_) => span .hint { " · mail waiting" },
                                    None => {},
                                }
                            }
                        }
                    }
                }
                section aria-labelledby="h-settings" {
                    h2 #h-settings { "What reaches you" }
                    @if !mail_on {
                        p .hint { "No mail is sent yet: an admin adds a [mail] section to the workspace config." }
                    }
                    form method="post" action="/inbox/settings" {
                        (csrf_field(caller))
                        table .settings {
                            thead { tr { th { "When" } th { "Inbox" } th { "Email" } } }
                            tbody {
                                @for x in &settings {
                                    tr {
                                        td { (cairn_core::notify::reason_label(&x.reason)) }
                                        td {
                                            input type="checkbox" name=(format!("inbox_{}", x.reason))
                                                aria-label=(format!("{} in the inbox", x.reason)) checked[x.inbox];
                                        }
                                        td {
                                            input type="checkbox" name=(format!("email_{}", x.reason))
                                                aria-label=(format!("{} by email", x.reason)) checked[x.email];
                                        }
                                    }
                                }
                            }
                        }
                        p {
                            label for="address" { "Mail goes to " }
                            input #address type="email" name="address" value=[email.as_deref()]
                                placeholder="you@example.com";
                        }
                        button type="submit" { "Save settings" }
                    }
                }
            }
        };
        let page = Page {
            title: "Inbox",
            caller,
            nav: "inbox",
            product: Some(&product),
            products: &ps,
        };
        Ok(page.render(body))
    })
    .await?)
}

pub async fn inbox_read(
    State(s): State<AppState>,
    c: Creds,
    Form(f): Form<WatchForm>,
) -> WebResult {
    c.call(&s, f.csrf, move |app, _| Ok(app.inbox_read(None)?))
        .await?;
    Ok(Redirect::to("/inbox").into_response())
}

/// The settings form: a checked box is sent as `on`, an unchecked one
/// not at all, so every reason is set from what arrives.
pub async fn inbox_settings(
    State(s): State<AppState>,
    c: Creds,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> WebResult {
    let csrf = f.get("_csrf").cloned();
    let settings: Vec<cairn_core::notify::NotifySetting> = cairn_core::notify::REASONS
        .iter()
        .map(|r| cairn_core::notify::NotifySetting {
            reason: r.to_string(),
            inbox: f.contains_key(&format!("inbox_{r}")),
            email: f.contains_key(&format!("email_{r}")),
        })
        .collect();
    let address = f.get("address").cloned();
    c.call(&s, csrf, move |app, _| {
        if let Some(a) = &address {
            let me = app.actor().to_string();
            app.user_set_email(&me, Some(a))?;
        }
        Ok(app.set_notify_settings(&settings)?)
    })
    .await?;
    Ok(Redirect::to("/inbox#h-settings").into_response())
}

pub async fn add_comment(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Form(f): Form<CommentForm>,
) -> WebResult {
    let key = parse_key(&key)?;
    let back = format!("/items/{key}#h-comments");
    c.call(&s, f.csrf, move |app, _| {
        let reply_to =
            match f
                .reply_to
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                Some(r) => Some(r.parse::<i64>().map_err(|_| {
                    cairn_app::AppError::Invalid(format!("`{r}` is not a comment id"))
                })?),
                None => None,
            };
        Ok(app.comment_add(&key, &f.body, reply_to)?)
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

// ---- create and edit -----------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ItemForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    product: Option<String>,
    kind: Option<String>,
    title: Option<String>,
    description: Option<String>,
    acceptance: Option<String>,
    estimate: Option<String>,
    assignee: Option<String>,
    labels: Option<String>,
    state: Option<String>,
    version: Option<i64>,
}

fn parse_estimate(s: Option<&str>) -> Result<Option<f64>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<f64>().map(Some).map_err(|_| {
            ApiError::bad_input(
                "estimate",
                format!("estimate `{t}` is not a number; give points such as 3"),
            )
        }),
    }
}

fn labels(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split([',', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn item_form(
    caller: &Caller,
    action: &str,
    products: &[(String, String)],
    product: &str,
    it: Option<&Item>,
    states: &[String],
    error: Option<&str>,
) -> Markup {
    let kind = it.map(|i| i.kind).unwrap_or(Kind::Story);
    html! {
        @if let Some(e) = error { p .error role="alert" { (e) } }
        form .item-form method="post" action=(action) {
            (csrf_field(caller))
            @if let Some(i) = it {
                input type="hidden" name="version" value=(i.version);
            } @else {
                label for="f-product" { "Product" }
                select #f-product name="product" {
                    @for (p, name) in products { option value=(p) selected[p == product] { (p) " · " (name) } }
                }
            }
            label for="f-kind" { "Kind" }
            select #f-kind name="kind" {
                @for k in Kind::names() { option value=(k) selected[k == kind.as_str()] { (k) } }
            }
            label for="f-title" { "Title" }
            input #f-title name="title" type="text" required maxlength="300" value=(it.map(|i| i.title.as_str()).unwrap_or("")) placeholder="As a <role>, I want <goal>, so that <benefit>" autofocus;
            @if let Some(i) = it {
                label for="f-state" { "State" }
                select #f-state name="state" {
                    @for st in states { option value=(st) selected[*st == i.state] { (st) } }
                }
            }
            label for="f-description" { "Description (Markdown)" }
            textarea #f-description name="description" rows="6" { (it.map(|i| i.description.as_str()).unwrap_or("")) }
            label for="f-acceptance" { "Acceptance criteria (Gherkin: Given / When / Then)" }
            textarea #f-acceptance name="acceptance" rows="6" { (it.map(|i| i.acceptance.as_str()).unwrap_or("")) }
            div .row {
                div {
                    label for="f-estimate" { "Estimate (points)" }
                    input #f-estimate name="estimate" type="text" inputmode="decimal" value=(estimate(it.and_then(|i| i.estimate)));
                }
                div {
                    label for="f-assignee" { "Assignee" }
                    input #f-assignee name="assignee" type="text" value=(it.and_then(|i| i.assignee.as_deref()).unwrap_or(""));
                }
                div {
                    label for="f-labels" { "Labels (comma-separated)" }
                    input #f-labels name="labels" type="text" value=(it.map(|i| i.labels.join(", ")).unwrap_or_default());
                }
            }
            button type="submit" { @if it.is_some() { "Save" } @else { "Create" } }
        }
    }
}

pub async fn new_item_form(
    State(s): State<AppState>,
    c: Creds,
    Query(p): Query<ListParams>,
) -> WebResult {
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, p.product.as_deref())?;
        let editable: Vec<(String, String)> = ps.iter().filter(|(p, _)| can_edit(caller, p)).cloned().collect();
        if editable.is_empty() {
            return Err(AppError::Forbidden("you cannot create items: it needs the member role in a product; ask a product owner or an admin".into()).into());
        }
        let body = html! {
            main #main .narrow {
                h1 { "New item" }
                (item_form(caller, "/items", &editable, &product, None, &[], None))
            }
        };
        let page = Page { title: "New item", caller, nav: "backlog", product: Some(&product), products: &ps };
        Ok(page.render(body))
    })
    .await?)
}

pub async fn create_item(
    State(s): State<AppState>,
    c: Creds,
    Form(f): Form<ItemForm>,
) -> WebResult {
    let est = parse_estimate(f.estimate.as_deref())?;
    let kind = match f.kind.as_deref() {
        Some(k) => Some(
            Kind::parse(k)
                .ok_or_else(|| ApiError::bad_input("kind", format!("`{k}` is not a kind")))?,
        ),
        None => None,
    };
    let new = NewItem {
        product: f.product.clone(),
        kind,
        title: f.title.clone().unwrap_or_default(),
        description: f.description.clone().unwrap_or_default(),
        acceptance: f.acceptance.clone().unwrap_or_default(),
        estimate: est,
        assignee: f.assignee.clone().filter(|a| !a.trim().is_empty()),
        labels: labels(f.labels.as_deref()),
        ..NewItem::default()
    };
    let item = c
        .call(&s, f.csrf.clone(), move |app, _| {
            Ok(app.item_add(new, None)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/items/{}", item.key)).into_response())
}

pub async fn edit_form(State(s): State<AppState>, c: Creds, Path(key): Path<String>) -> WebResult {
    let key = parse_key(&key)?;
    Ok(c.call(&s, None, move |app, caller| {
        let it = app.item(&key)?;
        let (ps, product) = products(app, Some(&key.prefix))?;
        if !can_edit(caller, &product) {
            return Err(AppError::Forbidden("you cannot edit items: it needs the member role in this product; ask a product owner or an admin".into()).into());
        }
        let states: Vec<String> = app.config().workflow_for(it.kind).states.iter().map(|s| s.name.clone()).collect();
        let title = format!("Edit {}", it.key);
        let body = html! {
            main #main .narrow {
                h1 { "Edit " a href=(format!("/items/{}", it.key)) { (it.key) } }
                (item_form(caller, &format!("/items/{}/edit", it.key), &ps, &product, Some(&it), &states, None))
            }
        };
        let page = Page { title: &title, caller, nav: "backlog", product: Some(&product), products: &ps };
        Ok(page.render(body))
    })
    .await?)
}

pub async fn edit_item(
    State(s): State<AppState>,
    c: Creds,
    Path(key): Path<String>,
    Form(f): Form<ItemForm>,
) -> WebResult {
    let key = parse_key(&key)?;
    let est = parse_estimate(f.estimate.as_deref())?;
    let kind = match f.kind.as_deref() {
        Some(k) => Some(
            Kind::parse(k)
                .ok_or_else(|| ApiError::bad_input("kind", format!("`{k}` is not a kind")))?,
        ),
        None => None,
    };
    let version = f.version.ok_or_else(|| {
        ApiError::bad_input(
            "version",
            "the form lost the item's version; reload the page",
        )
    })?;
    let patch = Patch {
        kind,
        title: f.title.clone(),
        description: f.description.clone(),
        acceptance: f.acceptance.clone(),
        state: f.state.clone(),
        estimate: Some(est),
        assignee: Some(f.assignee.clone().filter(|a| !a.trim().is_empty())),
        labels: Some(labels(f.labels.as_deref())),
        ..Patch::default()
    };
    let k2 = key.clone();
    c.call(&s, f.csrf.clone(), move |app, _| {
        Ok(app.item_edit(&k2, patch, Some(version), None)?)
    })
    .await?;
    Ok(Redirect::to(&format!("/items/{key}")).into_response())
}

// ---- plan ----------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct PlanParams {
    product: Option<String>,
    date: Option<String>,
}

fn svg(s: &str) -> PreEscaped<String> {
    let start = s.find("<svg").unwrap_or(0);
    PreEscaped(s[start..].to_string())
}

pub async fn plan(State(s): State<AppState>, c: Creds, Query(p): Query<PlanParams>) -> WebResult {
    let target = match p.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(cairn_core::calendar::parse_date(d).ok_or_else(|| {
            ApiError::bad_input("date", format!("`{d}` is not a date; write YYYY-MM-DD"))
        })?),
        None => None,
    };
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, p.product.as_deref())?;
        let req = ForecastRequest {
            product: Some(product.clone()),
            seed: 1,
            ..ForecastRequest::default()
        };
        let today = app.today();
        let target = target.unwrap_or(today + chrono::Days::new(56));
        let flow = app.flow(Some(&product), None, None);
        let when = app.forecast_when(&WhenScope::Query("category != done".into()), &req);
        let cut = app.forecast_cut_line(target, &req);
        let body = html! {
            main #main .wide {
                h1 { "Plan and forecast" }
                form .query method="get" action="/plan" {
                    input type="hidden" name="product" value=(product);
                    label for="target" { "Target date" }
                    input #target name="date" type="date" value=(target.to_string());
                    button type="submit" { "Forecast" }
                }
                p .hint { "Forecasts sample the team's own daily throughput (Monte Carlo, seed 1). 85 % means: in 85 of 100 simulated futures it was done by then." }
                section aria-labelledby="h-cut" {
                    h2 #h-cut { "What will be done by " (target) "?" }
                    @match &cut {
                        Ok(r) => {
                            figure .chart #burnup { (svg(&cairn_app::charts::burn_up_chart(r))) figcaption { "Burn-up of " (product) " with the forecast cone (5th to 95th percentile)" } }
                            table {
                                caption { "Ranked open items and their chance of being done by " (r.target) }
                                thead { tr { th scope="col" { "#" } th scope="col" { "Key" } th scope="col" { "Title" } th scope="col" .num { "Chance" } th scope="col" { "85 % date" } } }
                                tbody {
                                    @for it in r.items.iter().take(30) {
                                        tr class=(format!("band-{}", it.band.as_str())) {
                                            td .num { (it.position) }
                                            td { a href=(format!("/items/{}", it.key)) { (it.key) } }
                                            td { (it.title) }
                                            td .num { (format!("{:.0} %", it.chance * 100.0)) }
                                            td { (it.p85.as_deref().unwrap_or("later")) }
                                        }
                                    }
                                }
                            }
                        }
                        Err(e) => { p .error { (e.to_string()) } }
                    }
                }
                section aria-labelledby="h-when" {
                    h2 #h-when { "When will the open backlog be done?" }
                    @match &when {
                        Ok(r) => {
                            @if let Some(sc) = r.scenarios.first() {
                                ul .levels { @for l in &sc.levels { li { strong { (l.level) " %" } " by " (l.date) } } }
                            }
                            figure .chart #when-chart { (svg(&cairn_app::charts::when_chart(r))) figcaption { "Distribution of completion dates over the trials" } }
                        }
                        Err(e) => { p .error { (e.to_string()) } }
                    }
                }
                section aria-labelledby="h-flow" {
                    h2 #h-flow { "Flow" }
                    @match &flow {
                        Ok(r) => {
                            figure .chart { (svg(&cairn_app::charts::throughput_chart(r))) figcaption { "Items finished per working day" } }
                            figure .chart { (svg(&cairn_app::charts::cfd_chart(r))) figcaption { "Cumulative flow" } }
                        }
                        Err(e) => { p .error { (e.to_string()) } }
                    }
                }
            }
        };
        let page = Page { title: "Plan", caller, nav: "plan", product: Some(&product), products: &ps };
        Ok(page.render(body))
    })
    .await?)
}
