//! The Baselines page: a product's baselines, a diff of one against
//! another or against now (with downloads), and, for members, a form that
//! freezes a new one.

use super::pages::enc;
use super::{Page, WebResult};
use crate::auth::Creds;
use crate::reports::nonempty;
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use cairn_core::Role;
use maud::{PreEscaped, html};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BaselineForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    product: Option<String>,
    from: Option<String>,
    to: Option<String>,
    name: Option<String>,
    query: Option<String>,
    description: Option<String>,
    created: Option<String>,
}

pub async fn baselines(
    State(s): State<AppState>,
    c: Creds,
    Query(f): Query<BaselineForm>,
) -> WebResult {
    Ok(c
        .call(&s, None, move |app, caller| {
            let (ps, product) = super::pages::products(app, f.product.as_deref())?;
            let list = app.baselines(Some(&product))?;
            let from = nonempty(&f.from).or_else(|| list.last().map(|b| b.name.clone()));
            let to = nonempty(&f.to);
            let diff = from.as_deref().map(|a| {
                app.baseline_diff(Some(&product), a, to.as_deref())
                    .map_err(crate::error::ApiError::from)
            });
            let can_create = caller
                .access
                .role(&product)
                .is_some_and(|r| r >= Role::Member);
            let csrf = caller.csrf.clone().unwrap_or_default();
            let api = |format: &str| {
                format!(
                    "/api/v1/baselines/diff?product={}&from={}{}&format={format}",
                    enc(&product),
                    enc(from.as_deref().unwrap_or("")),
                    to.as_deref()
                        .map(|t| format!("&to={}", enc(t)))
                        .unwrap_or_default()
                )
            };
            let shown = matches!(&diff, Some(Ok(_)));
            let body = html! {
                main #main .wide {
                    // A comparison's own title is the page's heading.
                    @if !shown { h1 { "Baselines" } }
                    @if let Some(name) = nonempty(&f.created) {
                        p .notice role="status" { "Baseline \"" (name) "\" created." }
                    }
                    @match &diff {
                        Some(Ok(d)) => {
                            p .hint {
                                "Download: "
                                a href=(api("html")) download="baseline-diff.html" { "HTML" }
                                " · "
                                a href=(api("md")) download="baseline-diff.md" { "Markdown" }
                                " · "
                                a href=(api("json")) download="baseline-diff.json" { "JSON" }
                            }
                            article .report aria-label="Baseline comparison" {
                                (PreEscaped(cairn_report::doc::to_html_fragment(&d.doc(), Some(""))))
                            }
                        }
                        Some(Err(e)) => { p .error role="alert" { (e.message) } }
                        None => {}
                    }
                    section aria-label="All baselines" {
                        h2 { "All baselines" }
                        p .hint {
                            "A baseline freezes a scope (the requirements of a release, say) with a SHA-256 hash of each item's content. Compare it with another baseline or with now: what was added, removed, and every changed field."
                        }
                        @if list.is_empty() {
                            p { "No baselines yet." }
                        } @else {
                            table .baselines {
                                caption .visually-hidden { "Baselines of " (product) }
                                thead { tr { th { "Name" } th { "Created" } th { "By" } th { "Items" } th { "Scope" } th { "Hash" } } }
                                tbody {
                                    @for b in &list {
                                        tr {
                                            td { a href=(format!("/baselines?product={}&from={}", enc(&product), enc(&b.name))) { (b.name) } }
                                            td { (b.created) }
                                            td { (b.actor) }
                                            td { (b.items) }
                                            td { code { (b.query) } }
                                            td { code title=(b.hash) { (&b.hash[..12.min(b.hash.len())]) } }
                                        }
                                    }
                                }
                            }
                            form .query .report-form aria-label="Compare baselines" method="get" action="/baselines" {
                                input type="hidden" name="product" value=(product);
                                label for="b-from" { "Compare" }
                                select #b-from name="from" {
                                    @for b in &list {
                                        option value=(b.name) selected[from.as_deref() == Some(b.name.as_str())] { (b.name) }
                                    }
                                }
                                label for="b-to" { "with" }
                                select #b-to name="to" {
                                    option value="" selected[to.is_none()] { "now" }
                                    @for b in &list {
                                        option value=(b.name) selected[to.as_deref() == Some(b.name.as_str())] { (b.name) }
                                    }
                                }
                                button type="submit" { "Compare" }
                            }
                        }
                    }
                    @if can_create {
                        form .new-baseline method="post" action="/baselines" aria-label="New baseline" {
                            h2 { "Freeze a new baseline" }
                            input type="hidden" name="_csrf" value=(csrf);
                            input type="hidden" name="product" value=(product);
                            label for="nb-name" { "Name" }
                            input #nb-name name="name" type="text" required placeholder="release 2.0 requirements";
                            label for="nb-query" { "Scope" }
                            input #nb-query name="query" type="text" placeholder="kind = requirement";
                            label for="nb-desc" { "Description" }
                            input #nb-desc name="description" type="text";
                            button type="submit" { "Freeze" }
                        }
                    }
                }
            };
            let page = Page {
                title: "Baselines",
                caller,
                nav: "baselines",
                product: Some(&product),
                products: &ps,
            };
            let mut r = page.render(body);
            // A comparison the input made impossible is the caller's to fix.
            if let Some(Err(e)) = &diff
                && e.status.is_client_error()
            {
                *r.status_mut() = e.status;
            }
            Ok(r)
        })
        .await?)
}

pub async fn create(State(s): State<AppState>, c: Creds, Form(f): Form<BaselineForm>) -> WebResult {
    let csrf = f.csrf.clone();
    let form = f.clone();
    let (product, name) = c
        .call(&s, csrf, move |app, _| {
            let (_, product) = super::pages::products(app, form.product.as_deref())?;
            let b = app.baseline_create(
                Some(&product),
                form.name.as_deref().unwrap_or(""),
                form.query.as_deref(),
                form.description.as_deref().unwrap_or(""),
            )?;
            Ok((product, b.name))
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/baselines?product={}&from={}&created={}",
        enc(&product),
        enc(&name),
        enc(&name)
    ))
    .into_response())
}
