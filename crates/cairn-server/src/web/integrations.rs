//! The Integrations page of a product, for its owners: outgoing webhooks
//! (add, change, pause and resume, a new secret, delete, the delivery log
//! with replay) and importing a Jira or
//! GitHub export (uploaded as a file; a dry run first, if wished).

use super::pages::enc;
use super::{Page, WebResult};
use crate::auth::Creds;
use crate::state::AppState;
use axum::extract::{Form, Multipart, Query, State};
use axum::response::{IntoResponse, Redirect};
use cairn_app::import_ext::{ImportReport, parse_export};
use cairn_app::webhooks::{SecretChange, WebhookCreated, WebhookEdit, WebhookEdited};
use cairn_core::Role;
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    product: Option<String>,
    url: Option<String>,
    events: Option<String>,
    secret: Option<String>,
    id: Option<i64>,
    /// On the edit form: save (the URL and events), pause, resume or secret.
    action: Option<String>,
}

/// What a form just did, shown at the top of the page.
enum Done {
    Nothing,
    Created(Box<WebhookCreated>),
    Edited(Box<WebhookEdited>),
    Imported(Box<ImportReport>),
    Failed(String),
}

fn render(
    app: &mut cairn_app::App,
    caller: &crate::auth::Caller,
    product: Option<&str>,
    done: Done,
) -> Result<axum::response::Response, crate::error::ApiError> {
    let (ps, product) = super::pages::products(app, product)?;
    let owner = caller
        .access
        .role(&product)
        .is_some_and(|r| r >= Role::Owner)
        || caller.access.admin;
    let csrf = caller.csrf.clone().unwrap_or_default();
    let hooks = if owner {
        app.webhooks(Some(&product))?
    } else {
        Vec::new()
    };
    let deliveries = if owner && !hooks.is_empty() {
        let mut all = Vec::new();
        for h in &hooks {
            all.extend(app.webhook_deliveries(Some(h.id), false, 20)?);
        }
        all.sort_by_key(|d| std::cmp::Reverse(d.id));
        all.truncate(20);
        all
    } else {
        Vec::new()
    };
    let failed = matches!(done, Done::Failed(_));
    let body = html! {
        main #main {
            h1 { "Integrations" }
            @if !owner {
                p { "Only an owner of " (product) " manages its webhooks and imports." }
            } @else {
                (notice(&done))
                section aria-labelledby="h-hooks" {
                    h2 #h-hooks { "Webhooks" }
                    p .hint {
                        "Cairn posts a signed JSON event (header " code { "X-Cairn-Signature-256" }
                        ") to each address when an item is created, changed or moved, a comment is added, a release ships or a gate fails. See docs/integrations.md."
                    }
                    @if hooks.is_empty() {
                        p { "No webhooks yet." }
                    } @else {
                        table .hooks {
                            thead { tr { th { "#" } th { "Address" } th { "Events" } th { "State" } th { "" } } }
                            tbody {
                                @for h in &hooks {
                                    tr {
                                        td { (h.id) }
                                        td { code { (h.url) } }
                                        td { (h.events.join(", ")) }
                                        td { @if h.active { "active" } @else { strong { "paused" } } }
                                        td {
                                            form method="post" action="/integrations/webhooks/edit" .inline {
                                                input type="hidden" name="_csrf" value=(csrf);
                                                input type="hidden" name="product" value=(product);
                                                input type="hidden" name="id" value=(h.id);
                                                @if h.active {
                                                    button type="submit" name="action" value="pause" { "Pause" }
                                                } @else {
                                                    button type="submit" name="action" value="resume" { "Resume" }
                                                }
                                                button type="submit" name="action" value="secret" { "New secret" }
                                            }
                                            form method="post" action="/integrations/webhooks/delete" .inline {
                                                input type="hidden" name="_csrf" value=(csrf);
                                                input type="hidden" name="product" value=(product);
                                                input type="hidden" name="id" value=(h.id);
                                                button type="submit" { "Delete" }
                                            }
                                            details {
                                                summary { "Change address or events" }
                                                form method="post" action="/integrations/webhooks/edit" .stack {
                                                    input type="hidden" name="_csrf" value=(csrf);
                                                    input type="hidden" name="product" value=(product);
                                                    input type="hidden" name="id" value=(h.id);
                                                    label for=(format!("url-{}", h.id)) { "Address" }
                                                    input id=(format!("url-{}", h.id)) name="url" type="url" required value=(h.url);
                                                    label for=(format!("events-{}", h.id)) { "Events (comma-separated; empty: all)" }
                                                    input id=(format!("events-{}", h.id)) name="events" value=(h.events.join(", "));
                                                    button type="submit" name="action" value="save" { "Save" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    form method="post" action="/integrations/webhooks" .stack {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="product" value=(product);
                        label for="url" { "Address (http://…)" }
                        input #url name="url" type="url" required placeholder="http://ci.internal:8080/cairn";
                        label for="events" { "Events (comma-separated; empty: all)" }
                        input #events name="events" placeholder="item.created, item.moved, comment.added";
                        label for="secret" { "Secret (empty: one is made for you and shown once)" }
                        input #secret name="secret" autocomplete="off";
                        button type="submit" { "Add webhook" }
                    }
                    @if !deliveries.is_empty() {
                        h3 { "Recent deliveries" }
                        table .deliveries {
                            thead { tr { th { "#" } th { "Hook" } th { "Event" } th { "Status" } th { "Tries" } th { "Last answer" } th { "" } } }
                            tbody {
                                @for d in &deliveries {
                                    tr {
                                        td { (d.id) }
                                        td { (d.webhook) }
                                        td { (d.event) }
                                        td { (d.status) }
                                        td { (d.tries) }
                                        td {
                                            @if let Some(st) = d.last_status { "HTTP " (st) " " }
                                            @if let Some(e) = &d.last_error { (e) }
                                        }
                                        td {
                                            form method="post" action="/integrations/webhooks/replay" {
                                                input type="hidden" name="_csrf" value=(csrf);
                                                input type="hidden" name="product" value=(product);
                                                input type="hidden" name="id" value=(d.id);
                                                button type="submit" { "Replay" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                section aria-labelledby="h-import" {
                    h2 #h-import { "Import from Jira or GitHub" }
                    p .hint {
                        "Upload Jira's search JSON (with the changelog) or CSV export, or GitHub's issues JSON. Importing again updates what the last import made. Try a dry run first."
                    }
                    form method="post" action="/integrations/import" enctype="multipart/form-data" .stack {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="product" value=(product);
                        label for="system" { "From" }
                        select #system name="system" {
                            option value="jira" { "Jira" }
                            option value="github" { "GitHub issues" }
                        }
                        label for="file" { "Export file" }
                        input #file name="file" type="file" required accept=".json,.csv";
                        label for="status" { "Status map (STATUS=STATE, comma-separated; optional)" }
                        input #status name="status" placeholder="Blocked by Vendor=in-progress";
                        label for="unknown_status" { "Statuses that match no state" }
                        select #unknown_status name="unknown_status" {
                            option value="fail" { "stop and list them" }
                            option value="skip" { "leave those issues out" }
                            option value="initial" { "import them in the initial state" }
                        }
                        label { input type="checkbox" name="dry_run" value="true" checked; " Dry run: show what would change, change nothing" }
                        button type="submit" { "Import" }
                    }
                }
            }
        }
    };
    let page = Page {
        title: "Integrations",
        caller,
        nav: "integrations",
        product: Some(&product),
        products: &ps,
    };
    let mut r = page.render(body);
    if failed {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

fn notice(done: &Done) -> Markup {
    html! {
        @match done {
            Done::Nothing => {},
            Done::Failed(m) => p .error role="alert" { (m) },
            Done::Created(c) => div .notice role="status" {
                p { "Webhook " (c.webhook.id) " added for " code { (c.webhook.url) } "." }
                p { "Its secret, shown this once: " code { (c.secret) } }
            },
            Done::Edited(e) => div .notice role="status" {
                p {
                    "Webhook " (e.webhook.id) " sends " (e.webhook.events.join(", ")) " to " code { (e.webhook.url) }
                    @if e.webhook.active { "." } @else { "; it is paused: nothing is sent or queued for it until it is resumed." }
                }
                @if let Some(secret) = &e.secret {
                    p { "Its new secret, shown this once: " code { (secret) } " Give it to the receiver: what is sent from now on is signed with it." }
                }
            },
            Done::Imported(r) => div .notice role="status" {
                p {
                    strong { (if r.dry_run { "Dry run: " } else { "Imported: " }) }
                    (r.created.len()) " created, " (r.updated.len()) " updated, " (r.unchanged) " unchanged; "
                    (r.links) " links and " (r.comments) " comments added; " (r.skipped.len()) " left out."
                    @if r.dry_run { " Nothing was changed." }
                }
                @if !r.releases_added.is_empty() {
                    p { "Releases " (if r.dry_run { "that would be added" } else { "added" }) ": " (r.releases_added.join(", ")) }
                }
                @if !r.statuses.is_empty() {
                    p { "Statuses: " (r.statuses.iter().map(|(a, b)| format!("{a} → {b}")).collect::<Vec<_>>().join(", ")) }
                }
                @if !r.skipped.is_empty() || !r.warnings.is_empty() {
                    ul {
                        @for p in &r.skipped { li { "Left out " (p.record) ": " (p.message) } }
                        @for p in &r.warnings { li { (p.record) ": " (p.message) } }
                    }
                }
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ProductQuery {
    product: Option<String>,
}

pub async fn page(State(s): State<AppState>, c: Creds, Query(q): Query<ProductQuery>) -> WebResult {
    Ok(c.call(&s, None, move |app, caller| {
        render(app, caller, q.product.as_deref(), Done::Nothing)
    })
    .await?)
}

pub async fn add_hook(State(s): State<AppState>, c: Creds, Form(f): Form<HookForm>) -> WebResult {
    let csrf = f.csrf.clone();
    Ok(c.call(&s, csrf, move |app, caller| {
        let (_, product) = super::pages::products(app, f.product.as_deref())?;
        let secret = f.secret.as_deref().filter(|x| !x.trim().is_empty());
        let events = f.events.as_deref().filter(|x| !x.trim().is_empty());
        let done = match app.webhook_add(&product, f.url.as_deref().unwrap_or(""), events, secret) {
            Ok(c) => Done::Created(Box::new(c)),
            Err(e @ (cairn_app::AppError::Invalid(_) | cairn_app::AppError::NotFound(_))) => {
                Done::Failed(e.to_string())
            }
            Err(e) => return Err(e.into()),
        };
        render(app, caller, Some(&product), done)
    })
    .await?)
}

/// The edit form, and the Pause, Resume and New secret buttons.
pub async fn edit_hook(State(s): State<AppState>, c: Creds, Form(f): Form<HookForm>) -> WebResult {
    let csrf = f.csrf.clone();
    Ok(c.call(&s, csrf, move |app, caller| {
        let (_, product) = super::pages::products(app, f.product.as_deref())?;
        let edit = match f.action.as_deref() {
            Some("pause") => WebhookEdit {
                active: Some(false),
                ..Default::default()
            },
            Some("resume") => WebhookEdit {
                active: Some(true),
                ..Default::default()
            },
            Some("secret") => WebhookEdit {
                secret: Some(SecretChange::Generate),
                ..Default::default()
            },
            _ => WebhookEdit {
                url: f.url.clone(),
                events: Some(f.events.clone().unwrap_or_default()),
                ..Default::default()
            },
        };
        let done = match app.webhook_edit(f.id.unwrap_or(0), &edit) {
            Ok(e) => Done::Edited(Box::new(e)),
            Err(e @ (cairn_app::AppError::Invalid(_) | cairn_app::AppError::NotFound(_))) => {
                Done::Failed(e.to_string())
            }
            Err(e) => return Err(e.into()),
        };
        render(app, caller, Some(&product), done)
    })
    .await?)
}

pub async fn delete_hook(
    State(s): State<AppState>,
    c: Creds,
    Form(f): Form<HookForm>,
) -> WebResult {
    let csrf = f.csrf.clone();
    let product = c
        .call(&s, csrf, move |app, _| {
            let (_, product) = super::pages::products(app, f.product.as_deref())?;
            app.webhook_rm(f.id.unwrap_or(0))?;
            Ok(product)
        })
        .await?;
    Ok(Redirect::to(&format!("/integrations?product={}", enc(&product))).into_response())
}

pub async fn replay(State(s): State<AppState>, c: Creds, Form(f): Form<HookForm>) -> WebResult {
    let csrf = f.csrf.clone();
    let product = c
        .call(&s, csrf, move |app, _| {
            let (_, product) = super::pages::products(app, f.product.as_deref())?;
            app.webhook_replay(f.id.unwrap_or(0))?;
            Ok(product)
        })
        .await?;
    Ok(Redirect::to(&format!("/integrations?product={}#h-hooks", enc(&product))).into_response())
}

pub async fn import(State(s): State<AppState>, c: Creds, mut m: Multipart) -> WebResult {
    let mut fields: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut file = String::new();
    while let Ok(Some(f)) = m.next_field().await {
        let name = f.name().unwrap_or("").to_string();
        let bytes = f.bytes().await.map_err(|e| {
            crate::error::ApiError::bad_input("file", format!("the upload was cut short: {e}"))
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if name == "file" {
            file = text;
        } else {
            fields.insert(name, text);
        }
    }
    let csrf = fields.get("_csrf").cloned();
    Ok(c.call(&s, csrf, move |app, caller| {
        let (_, product) = super::pages::products(app, fields.get("product").map(String::as_str))?;
        let params = crate::api::imports::ImportParams {
            dry_run: fields.get("dry_run").cloned(),
            status: fields.get("status").cloned(),
            kind: None,
            unknown_status: fields.get("unknown_status").cloned(),
        };
        let done = if file.trim().is_empty() {
            Done::Failed("choose the export file to upload".into())
        } else {
            let system = fields.get("system").map_or("jira", String::as_str);
            match crate::api::imports::options(&product, &params)
                .map_err(|e| e.message)
                .and_then(|opts| {
                    parse_export(system, &file)
                        .and_then(|b| app.import_issues(b, &opts, &mut |_, _| {}))
                        .map_err(|e| e.to_string())
                }) {
                Ok(r) => Done::Imported(Box::new(r)),
                Err(m) => Done::Failed(m),
            }
        };
        render(app, caller, Some(&product), done)
    })
    .await?)
}
