//! The Feedback pages: a product's customer feedback with its insights
//! (themes, most demanded items, segments) and the inbox of feedback linked
//! to no item; one record with the items it most likely asks for, to link
//! or unlink and to merge duplicates; who to tell now that what they asked
//! for is done; and the public intake form, which needs no account.

use super::pages::{enc, products};
use super::{Page, WebError, WebResult, layout};
use crate::api::parse_key;
use crate::auth::{Caller, Creds};
use crate::error::ApiError;
use crate::reports::nonempty;
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::feedback::{NewFeedback, TellOptions};
use cairn_app::{App, AppError};
use cairn_core::{Feedback, Importance, Role};
use cairn_store::feedback::FeedbackFilter;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

/// Inbox rows shown on the feedback page, newest first.
const INBOX_ROWS: usize = 100;

fn can_change(caller: &Caller, product: &str) -> bool {
    caller
        .access
        .role(product)
        .is_some_and(|r| r >= Role::Member)
}

fn csrf_field(c: &Caller) -> Markup {
    html! { input type="hidden" name="_csrf" value=(c.csrf.clone().unwrap_or_default()); }
}

/// How an importance reads in a sentence.
fn importance_label(i: Importance) -> &'static str {
    match i {
        Importance::NiceToHave => "nice to have",
        Importance::Important => "important",
        Importance::Critical => "critical",
    }
}

fn parse_importance(s: &Option<String>) -> Result<Option<Importance>, ApiError> {
    match nonempty(s) {
        None => Ok(None),
        Some(i) => Importance::parse(&i).map(Some).ok_or_else(|| {
            ApiError::bad_input(
                "importance",
                format!("`{i}` is not an importance; use nice-to-have, important or critical"),
            )
        }),
    }
}

/// One line of a long text, cut at `n` characters.
fn short(s: &str, n: usize) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Who gave the feedback: the organisation, else the person.
fn from_whom(f: &Feedback) -> String {
    f.customer
        .as_ref()
        .map(|c| c.name.clone())
        .or_else(|| f.requester.clone())
        .unwrap_or_else(|| "—".into())
}

fn feedback_href(id: &str) -> String {
    format!("/feedback/{}", enc(id))
}

// ---- the feedback page ---------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    product: Option<String>,
    since: Option<String>,
    text: Option<String>,
    customer: Option<String>,
    requester: Option<String>,
    source: Option<String>,
    importance: Option<String>,
    received: Option<String>,
}

pub async fn feedback(
    State(s): State<AppState>,
    c: Creds,
    Query(f): Query<RecordForm>,
) -> WebResult {
    Ok(c.call(&s, None, move |app, caller| {
        let (ps, product) = products(app, f.product.as_deref())?;
        feedback_page(app, caller, &ps, &product, &f, None)
    })
    .await?)
}

/// The page; `form` refills the record form and `error` says why it was
/// refused (the page then answers 400).
fn feedback_page(
    app: &mut App,
    caller: &Caller,
    ps: &[(String, String)],
    product: &str,
    form: &RecordForm,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let name = ps
        .iter()
        .find(|(p, _)| p == product)
        .map_or(product, |(_, n)| n.as_str());
    let since = nonempty(&form.since);
    // A start the caller mistyped is explained on the page (400).
    let insights = match app.feedback_insights(Some(product), since.as_deref()) {
        Ok(i) => Ok(i),
        Err(AppError::Invalid(m)) => Err(m),
        Err(e) => return Err(e.into()),
    };
    // The insights document without its title (the page's own heading)
    // and without its inbox, which is listed below with links.
    let report = insights.as_ref().ok().map(|i| {
        let mut doc = i.doc(name);
        doc.sections.retain(|s| s.heading != "Inbox");
        let html = cairn_report::doc::to_html_fragment(&doc, Some(""));
        html.find("<section>")
            .map_or_else(String::new, |at| html[at..].to_string())
    });
    // The inbox is a queue of work: every unlinked record, whatever the
    // period the insights cover.
    let inbox = app.feedback_list(&FeedbackFilter {
        product: Some(product.to_string()),
        unlinked: true,
        ..FeedbackFilter::default()
    })?;
    let record = can_change(caller, product);
    let sources: Vec<String> = app
        .config()
        .feedback
        .sources()
        .into_iter()
        .map(String::from)
        .collect();
    let source = nonempty(&form.source).unwrap_or_else(|| "other".into());
    let importance = parse_importance(&form.importance)
        .ok()
        .flatten()
        .unwrap_or(Importance::NiceToHave);
    let q = format!("product={}", enc(product));
    let body = html! {
        main #main .wide .feedback {
            @match &insights {
                Ok(i) => {
                    h1 { "Customer feedback — " (name) }
                    p .subtitle { "Since " (i.since) " · as of " (i.today) }
                }
                Err(_) => { h1 { "Customer feedback — " (name) } }
            }
            form .query .report-form aria-label="Period" method="get" action="/feedback" {
                input type="hidden" name="product" value=(product);
                label for="fb-since" { "Since" }
                input #fb-since name="since" type="date" value=(insights.as_ref().map_or_else(|_| since.clone().unwrap_or_default(), |i| i.since.clone()));
                button type="submit" { "Show" }
                span .hint {
                    a href=(format!("/feedback/tell?{q}")) { "Who to tell" }
                    " · Download: "
                    a href=(format!("/api/v1/reports/feedback?{q}&format=html")) download=(format!("{product}-feedback.html")) { "HTML" }
                    " · "
                    a href=(format!("/api/v1/reports/feedback?{q}&format=md")) download=(format!("{product}-feedback.md")) { "Markdown" }
                }
            }
            @if record {
                form .record-feedback method="post" action="/feedback" aria-labelledby="h-record" {
                    h2 #h-record { "Record feedback" }
                    @if let Some(e) = error { p .error role="alert" { (e) } }
                    (csrf_field(caller))
                    input type="hidden" name="product" value=(product);
                    label for="fb-text" { "What the customer asked for" }
                    textarea #fb-text name="text" rows="4" required maxlength="10000" { (form.text.clone().unwrap_or_default()) }
                    div .row {
                        div {
                            label for="fb-customer" { "Customer (organisation)" }
                            input #fb-customer name="customer" type="text" value=(form.customer.clone().unwrap_or_default());
                        }
                        div {
                            label for="fb-requester" { "Requester (name or email)" }
                            input #fb-requester name="requester" type="text" value=(form.requester.clone().unwrap_or_default());
                        }
                        div {
                            label for="fb-source" { "Source" }
                            select #fb-source name="source" {
                                @for src in &sources {
                                    option value=(src) selected[*src == source] { (src) }
                                }
                            }
                        }
                        div {
                            label for="fb-importance" { "Importance" }
                            select #fb-importance name="importance" {
                                @for i in Importance::ALL {
                                    option value=(i.as_str()) selected[i == importance] { (importance_label(i)) }
                                }
                            }
                        }
                        div {
                            label for="fb-received" { "Received (default today)" }
                            input #fb-received name="received" type="date" value=(form.received.clone().unwrap_or_default());
                        }
                    }
                    button type="submit" { "Record" }
                }
            }
            @match &report {
                Some(html) => { article .report aria-label="Insights" { (PreEscaped(html)) } }
                None => {
                    @if let Err(e) = &insights { p .error role="alert" { (e) } }
                }
            }
            section .inbox aria-labelledby="h-inbox" {
                h2 #h-inbox { "Inbox" }
                p {
                    (inbox.len()) @if inbox.len() == 1 { " record, received at any time, is" } @else { " records, received at any time, are" }
                    " linked to no item. Open one to see the items it most likely asks for and link it."
                    @if inbox.len() > INBOX_ROWS { " The newest " (INBOX_ROWS) " are listed." }
                }
                @if !inbox.is_empty() {
                    div .table-scroll {
                        table .inbox-list {
                            caption .visually-hidden { "Feedback on " (product) " linked to no item, newest first" }
                            thead { tr {
                                th scope="col" { "Feedback" }
                                th scope="col" { "Received" }
                                th scope="col" { "From" }
                                th scope="col" { "Importance" }
                                th scope="col" { "Text" }
                            } }
                            tbody {
                                @for f in inbox.iter().take(INBOX_ROWS) {
                                    tr data-nav data-href=(feedback_href(&f.id)) tabindex="-1" {
                                        td .nowrap { a href=(feedback_href(&f.id)) { (f.id) } }
                                        td .nowrap { (f.received) }
                                        td { (from_whom(f)) }
                                        td { (importance_label(f.importance)) }
                                        td { (short(&f.text, 140)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let page = Page {
        title: "Feedback",
        caller,
        nav: "feedback",
        product: Some(product),
        products: ps,
    };
    let mut r = page.render(body);
    if error.is_some() || insights.is_err() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn record(State(s): State<AppState>, c: Creds, Form(f): Form<RecordForm>) -> WebResult {
    let csrf = f.csrf.clone();
    let importance = parse_importance(&f.importance)?;
    let r = c
        .call(&s, csrf, move |app, caller| {
            let (ps, product) = products(app, f.product.as_deref())?;
            let new = NewFeedback {
                product: Some(product.clone()),
                text: f.text.clone().unwrap_or_default(),
                source: nonempty(&f.source),
                customer: nonempty(&f.customer),
                requester: nonempty(&f.requester),
                received: nonempty(&f.received),
                importance,
                ..NewFeedback::default()
            };
            match app.feedback_add(new) {
                Ok(fb) => Ok(
                    Redirect::to(&format!("{}?recorded=1", feedback_href(&fb.id))).into_response(),
                ),
                // Bad input: the form again, filled in, with the reason.
                Err(AppError::Invalid(m)) => {
                    feedback_page(app, caller, &ps, &product, &f, Some(&m))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    Ok(r)
}

// ---- one record ----------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShowParams {
    recorded: Option<String>,
    linked: Option<String>,
    merged: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Query(p): Query<ShowParams>,
) -> WebResult {
    Ok(c
        .call(&s, None, move |app, caller| {
            let f = app.feedback(&id)?;
            let (ps, product) = products(app, Some(&f.product))?;
            let dups = app.feedback_duplicates(&f.id)?;
            let suggestions = if f.merged_into.is_none() {
                app.feedback_suggestions(&f.id, 5)?
            } else {
                Vec::new()
            };
            let mut linked = Vec::new();
            for k in &f.items {
                let item = parse_key(k).ok().and_then(|key| app.item(&key).ok());
                linked.push((k.clone(), item));
            }
            let change = can_change(caller, &product) && f.merged_into.is_none();
            let action = |what: &str| format!("{}/{what}", feedback_href(&f.id));
            let title = format!("Feedback {}", f.id);
            let body = html! {
                main #main .feedback-record {
                    p .crumbs { a href=(format!("/feedback?product={}", enc(&product))) { (product) " feedback" } }
                    h1 { "Feedback " span .key { (f.id) } }
                    @if p.recorded.is_some() {
                        p .notice role="status" { "Recorded " (f.id) ". Link it to the items it asks for below." }
                    }
                    @if let Some(k) = nonempty(&p.linked) {
                        p .notice role="status" { "Linked to " (k) "." }
                    }
                    @if let Some(m) = nonempty(&p.merged) {
                        p .notice role="status" { (m) " was merged into this record." }
                    }
                    @if let Some(top) = &f.merged_into {
                        p .notice role="status" {
                            "This record was merged into " a href=(feedback_href(top)) { (top) }
                            " as a duplicate: its customer and vote count there."
                        }
                    }
                    blockquote .feedback-text { (f.text) }
                    dl .facts {
                        dt { "Customer" } dd { (f.customer.as_ref().map_or("—", |c| c.name.as_str())) }
                        dt { "Segment" } dd { (f.customer.as_ref().and_then(|c| c.segment.as_deref()).unwrap_or("—")) }
                        dt { "Revenue weight" } dd {
                            @match f.customer.as_ref().and_then(|c| c.revenue) {
                                Some(r) => { (cairn_engine::score::fmt_num(r)) }
                                None => { "—" }
                            }
                        }
                        dt { "Requester" } dd { (f.requester.as_deref().unwrap_or("—")) }
                        dt { "Source" } dd { (f.source) }
                        dt { "Source id" } dd { (f.source_id.as_deref().unwrap_or("—")) }
                        dt { "Received" } dd { (f.received) }
                        dt { "Importance" } dd { (importance_label(f.importance)) }
                    }
                    section aria-labelledby="h-linked" {
                        h2 #h-linked { "Linked items" }
                        @if linked.is_empty() {
                            p .empty { "Linked to no item yet: it is in the inbox." }
                        } @else {
                            ul .linked-items {
                                @for (k, item) in &linked {
                                    li {
                                        a href=(format!("/items/{k}")) { (k) }
                                        @if let Some(it) = item { " " (it.title) " (" (it.state) ")" }
                                        @if can_change(caller, &product) {
                                            form .inline method="post" action=(action("unlink")) {
                                                (csrf_field(caller))
                                                input type="hidden" name="item" value=(k);
                                                button type="submit" .secondary aria-label=(format!("Unlink {k}")) { "Unlink" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !dups.is_empty() {
                        section aria-labelledby="h-dups" {
                            h2 #h-dups { "Duplicates merged into it" }
                            ul .duplicates {
                                @for d in &dups {
                                    li {
                                        a href=(feedback_href(&d.id)) { (d.id) }
                                        " · " (from_whom(d)) " · " (d.received) " — " (short(&d.text, 120))
                                    }
                                }
                            }
                        }
                    }
                    @if f.merged_into.is_none() {
                        section aria-labelledby="h-suggested" {
                            h2 #h-suggested { "Suggested items" }
                            @if suggestions.is_empty() {
                                p .empty { "No item of " (product) " shares enough words with this feedback." }
                            } @else {
                                div .table-scroll {
                                    table .suggestions {
                                        caption .visually-hidden { "Items this feedback most likely asks for, best match first" }
                                        thead { tr {
                                            th scope="col" { "Item" }
                                            th scope="col" { "Title" }
                                            th scope="col" { "State" }
                                            th scope="col" .num { "Match" }
                                            th scope="col" { "Shared words" }
                                            @if change { th scope="col" { span .visually-hidden { "Link" } } }
                                        } }
                                        tbody {
                                            @for sg in &suggestions {
                                                tr data-key=(sg.key) {
                                                    td .nowrap { a href=(format!("/items/{}", sg.key)) { (sg.key) } }
                                                    td { (sg.title) }
                                                    td { (sg.state) }
                                                    td .num { (format!("{:.0} %", sg.score * 100.0)) }
                                                    td { (sg.shared.join(", ")) }
                                                    @if change {
                                                        td {
                                                            form .inline method="post" action=(action("link")) {
                                                                (csrf_field(caller))
                                                                input type="hidden" name="item" value=(sg.key);
                                                                button type="submit" aria-label=(format!("Link to {}", sg.key)) { "Link" }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                                p .hint { "Suggestions compare the words of the feedback with each item's title and description (TF-IDF cosine)." }
                            }
                        }
                    }
                    @if change {
                        div .feedback-actions {
                            form .inline method="post" action=(action("link")) aria-label="Link to an item" {
                                (csrf_field(caller))
                                label for="fb-link" { "Link to item" }
                                input #fb-link name="item" type="text" required placeholder=(format!("{product}-12")) size="12";
                                button type="submit" { "Link" }
                            }
                            form .inline method="post" action=(action("merge")) aria-label="Merge into another record" {
                                (csrf_field(caller))
                                label for="fb-merge" { "Merge into" }
                                input #fb-merge name="into" type="text" required placeholder="F-…" size="10";
                                button type="submit" { "Merge" }
                            }
                            p .hint { "Merge a duplicate into the record it repeats: its customer and vote then count for that record's items." }
                        }
                    }
                }
            };
            let page = Page {
                title: &title,
                caller,
                nav: "feedback",
                product: Some(&product),
                products: &ps,
            };
            Ok(page.render(body))
        })
        .await?)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    item: Option<String>,
}

fn item_of(f: &ItemForm) -> Result<cairn_core::ItemKey, ApiError> {
    let k = nonempty(&f.item)
        .ok_or_else(|| ApiError::bad_input("item", "name the item, e.g. PAY-12"))?;
    k.to_ascii_uppercase()
        .parse()
        .map_err(|_| ApiError::bad_input("item", format!("`{k}` is not an item key (like PAY-12)")))
}

pub async fn link(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Form(f): Form<ItemForm>,
) -> WebResult {
    let key = item_of(&f)?;
    let fb = c
        .call(&s, f.csrf, move |app, _| {
            Ok(app.feedback_link(&id, std::slice::from_ref(&key))?)
        })
        .await?;
    let k = f.item.unwrap_or_default().trim().to_ascii_uppercase();
    Ok(Redirect::to(&format!("{}?linked={}", feedback_href(&fb.id), enc(&k))).into_response())
}

pub async fn unlink(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Form(f): Form<ItemForm>,
) -> WebResult {
    let key = item_of(&f)?;
    let fb = c
        .call(&s, f.csrf, move |app, _| {
            Ok(app.feedback_unlink(&id, std::slice::from_ref(&key))?)
        })
        .await?;
    Ok(Redirect::to(&feedback_href(&fb.id)).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MergeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    into: Option<String>,
}

pub async fn merge(
    State(s): State<AppState>,
    c: Creds,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> WebResult {
    let into = nonempty(&f.into)
        .ok_or_else(|| ApiError::bad_input("into", "name the record it repeats, e.g. F-12"))?;
    let dup = id.clone();
    let top = c
        .call(&s, f.csrf, move |app, _| {
            Ok(app.feedback_merge(&dup, &into)?)
        })
        .await?;
    Ok(Redirect::to(&format!(
        "{}?merged={}",
        feedback_href(&top.id),
        enc(&id.to_ascii_uppercase())
    ))
    .into_response())
}

// ---- who to tell ---------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TellForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    product: Option<String>,
    told: Option<String>,
}

pub async fn tell(State(s): State<AppState>, c: Creds, Query(f): Query<TellForm>) -> WebResult {
    Ok(c
        .call(&s, None, move |app, caller| {
            let (ps, product) = products(app, f.product.as_deref())?;
            let list = app.feedback_tell(&TellOptions {
                product: Some(product.clone()),
                ..TellOptions::default()
            })?;
            let mark = can_change(caller, &product) && !list.is_empty();
            let q = format!("product={}", enc(&product));
            let body = html! {
                main #main .wide {
                    p .crumbs { a href=(format!("/feedback?{q}")) { (product) " feedback" } }
                    h1 { "Who to tell" }
                    p .hint {
                        "Everyone whose feedback is linked to an item that is now done, not yet told. "
                        "Tell them it shipped, then mark them as told so they are not listed again."
                    }
                    @if let Some(n) = nonempty(&f.told) {
                        p .notice role="status" { "Marked " (n) " as told." }
                    }
                    p {
                        a .button href=(format!("/api/v1/feedback/tell?{q}&format=csv")) download=(format!("{product}-tell.csv")) { "Download CSV" }
                    }
                    @if list.is_empty() {
                        p .empty { "Nobody is waiting to hear: no unannounced feedback is linked to a done item." }
                    } @else {
                        div .table-scroll {
                            table .tell {
                                caption .visually-hidden { "People to tell about done items of " (product) }
                                thead { tr {
                                    th scope="col" { "Item" }
                                    th scope="col" { "Title" }
                                    th scope="col" { "Customer" }
                                    th scope="col" { "Segment" }
                                    th scope="col" { "Requester" }
                                    th scope="col" { "Feedback" }
                                    th scope="col" { "Source id" }
                                } }
                                tbody {
                                    @for t in &list {
                                        tr {
                                            td .nowrap { a href=(format!("/items/{}", t.item)) { (t.item) } }
                                            td { (t.title) }
                                            td { (t.customer.as_deref().unwrap_or("—")) }
                                            td .nowrap { (t.segment.as_deref().unwrap_or("—")) }
                                            td { (t.requester.as_deref().unwrap_or("—")) }
                                            td .nowrap { a href=(feedback_href(&t.feedback)) { (t.feedback) } }
                                            td .nowrap { (t.source_id.as_deref().unwrap_or("—")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if mark {
                        form .record method="post" action="/feedback/tell" {
                            (csrf_field(caller))
                            input type="hidden" name="product" value=(product);
                            button type="submit" { "Mark all as told" }
                            span .hint { " Records who told them and when, in the audit trail." }
                        }
                    }
                }
            };
            let page = Page {
                title: "Who to tell",
                caller,
                nav: "feedback",
                product: Some(&product),
                products: &ps,
            };
            Ok(page.render(body))
        })
        .await?)
}

pub async fn mark_told(State(s): State<AppState>, c: Creds, Form(f): Form<TellForm>) -> WebResult {
    let csrf = f.csrf.clone();
    let (product, n) = c
        .call(&s, csrf, move |app, _| {
            let (_, product) = products(app, f.product.as_deref())?;
            let told = app.feedback_mark_told(&TellOptions {
                product: Some(product.clone()),
                ..TellOptions::default()
            })?;
            Ok((product, told.len()))
        })
        .await?;
    let what = if n == 1 {
        "1 person".to_string()
    } else {
        format!("{n} people")
    };
    Ok(Redirect::to(&format!(
        "/feedback/tell?product={}&told={}",
        enc(&product),
        enc(&what)
    ))
    .into_response())
}

// ---- the public intake form ----------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IntakeForm {
    text: Option<String>,
    requester: Option<String>,
    customer: Option<String>,
    importance: Option<String>,
    /// The honeypot: hidden from people, filled in by bots.
    website: Option<String>,
}

/// The product behind a public form: its prefix and name, when its form
/// is switched on (`[feedback] intake`). Reads only the config and the
/// product's name, which switching the form on makes public.
fn intake_product(app: &mut App, wanted: &str) -> Result<(String, String), ApiError> {
    let on = app
        .config()
        .feedback
        .intake
        .iter()
        .any(|p| p.eq_ignore_ascii_case(wanted));
    let found = if on {
        app.products()?
            .into_iter()
            .find(|p| p.prefix.eq_ignore_ascii_case(wanted))
    } else {
        None
    };
    found
        .map(|p| (p.prefix, p.name))
        .ok_or_else(|| ApiError::not_found(format!("there is no feedback form for `{wanted}`")))
}

fn intake_page(
    status: StatusCode,
    prefix: &str,
    name: &str,
    f: &IntakeForm,
    error: Option<&str>,
) -> Response {
    let importance = parse_importance(&f.importance)
        .ok()
        .flatten()
        .unwrap_or(Importance::NiceToHave);
    let title = format!("Feedback on {name}");
    let body = html! {
        main #main .narrow .intake {
            h1 { (title) }
            p { "Tell the " (name) " team what you need, or what gets in your way." }
            @if let Some(e) = error { p .error role="alert" { (e) } }
            form method="post" action=(format!("/intake/{}", enc(prefix))) {
                label for="in-text" { "Your feedback" }
                textarea #in-text name="text" rows="6" required maxlength="10000" { (f.text.clone().unwrap_or_default()) }
                label for="in-requester" { "Your email" }
                input #in-requester name="requester" type="email" autocomplete="email" value=(f.requester.clone().unwrap_or_default());
                label for="in-customer" { "Your organisation" }
                input #in-customer name="customer" type="text" autocomplete="organization" value=(f.customer.clone().unwrap_or_default());
                label for="in-importance" { "How much does it matter to you?" }
                select #in-importance name="importance" {
                    @for i in Importance::ALL {
                        option value=(i.as_str()) selected[i == importance] { (importance_label(i)) }
                    }
                }
                // People never see this field; a bot that fills it in is
                // thanked and nothing is stored.
                div .hp aria-hidden="true" {
                    label for="in-website" { "Leave this field empty" }
                    input #in-website name="website" type="text" tabindex="-1" autocomplete="off";
                }
                button type="submit" { "Send feedback" }
            }
            p .hint { "Leave your email if you would like to hear when what you asked for ships." }
        }
    };
    (status, layout::bare(&title, body)).into_response()
}

/// A public page's refusal: no navigation of the signed-in app.
fn intake_refusal(status: StatusCode, title: &str, message: &str) -> Response {
    let body = html! {
        main #main .narrow .intake {
            h1 { (title) }
            p .error role="alert" { (message) }
        }
    };
    (status, layout::bare(title, body)).into_response()
}

fn intake_error(e: ApiError) -> Response {
    if e.status == StatusCode::NOT_FOUND {
        return intake_refusal(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no feedback form here. Check the address you were given.",
        );
    }
    WebError(e).into_response()
}

pub async fn intake_form(State(s): State<AppState>, Path(product): Path<String>) -> Response {
    // No credentials: the form is public, and only what the config made
    // public is read.
    let r = s.pool.run(move |app| intake_product(app, &product)).await;
    match r {
        Ok((prefix, name)) => {
            intake_page(StatusCode::OK, &prefix, &name, &IntakeForm::default(), None)
        }
        Err(e) => intake_error(e),
    }
}

pub async fn intake_submit(
    State(s): State<AppState>,
    c: Creds,
    Path(product): Path<String>,
    Form(f): Form<IntakeForm>,
) -> Response {
    // The peer address, as sign-in rate limits use it; any session the
    // browser carries is ignored.
    let address = c.client;
    let form = f.clone();
    let r = s
        .pool
        .run(move |app| {
            let (prefix, name) = intake_product(app, &product)?;
            if nonempty(&form.website).is_some() {
                return Ok((prefix, name, None));
            }
            let importance = match parse_importance(&form.importance) {
                Ok(i) => i,
                Err(e) => return Ok((prefix, name, Some(e.message))),
            };
            let new = NewFeedback {
                product: Some(prefix.clone()),
                text: form.text.clone().unwrap_or_default(),
                requester: nonempty(&form.requester),
                customer: nonempty(&form.customer),
                importance,
                ..NewFeedback::default()
            };
            match app.feedback_intake(new, &address) {
                Ok(_) => Ok((prefix, name, None)),
                Err(AppError::Invalid(m)) => Ok((prefix, name, Some(m))),
                Err(e) => Err(e.into()),
            }
        })
        .await;
    match r {
        Ok((prefix, name, Some(problem))) => {
            intake_page(StatusCode::BAD_REQUEST, &prefix, &name, &f, Some(&problem))
        }
        Ok((prefix, name, None)) => {
            let body = html! {
                main #main .narrow .intake {
                    h1 { "Thank you" }
                    p .notice role="status" { "Your feedback reached the " (name) " team." }
                    p { a href=(format!("/intake/{}", enc(&prefix))) { "Send more feedback" } }
                }
            };
            layout::bare("Thank you", body)
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            let mut r = intake_refusal(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many messages",
                "This form takes only a few messages an hour from one address, and yours has reached the limit. Please try again in an hour.",
            );
            for (k, v) in &e.headers {
                if let Ok(v) = HeaderValue::from_str(v) {
                    r.headers_mut().insert(k.clone(), v);
                }
            }
            if !r.headers().contains_key(header::RETRY_AFTER) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            }
            r
        }
        Err(e) => intake_error(e),
    }
}
