//! The Reports page: every stakeholder report for the chosen product, on
//! screen with links to its items, as downloads (self-contained HTML,
//! Markdown, JSON), and for the exec report a button that records it as
//! sent so the next one says what moved.

use super::pages::enc;
use super::{Page, WebResult};
use crate::auth::Creds;
use crate::error::ApiError;
use crate::reports::{KINDS, ReportParams, build, kind};
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use cairn_core::Role;
use maud::{PreEscaped, html};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    kind: Option<String>,
    product: Option<String>,
    since: Option<String>,
    scope: Option<String>,
    release: Option<String>,
    window: Option<String>,
    recorded: Option<String>,
}

impl ReportForm {
    fn params(&self) -> Result<ReportParams, ApiError> {
        let window = match self
            .window
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            Some(w) => Some(w.parse::<u32>().map_err(|_| {
                ApiError::bad_input("window", format!("`{w}` is not a number of days"))
            })?),
            None => None,
        };
        Ok(ReportParams {
            product: self.product.clone(),
            since: self.since.clone(),
            scope: self.scope.clone(),
            release: self.release.clone(),
            window,
            format: None,
        })
    }

    /// The query string that shows this report again (or downloads it).
    fn query(&self, kind: &str, product: &str) -> String {
        let mut q = format!("kind={kind}&product={}", enc(product));
        for (k, v) in [
            ("since", &self.since),
            ("scope", &self.scope),
            ("release", &self.release),
            ("window", &self.window),
        ] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                q.push_str(&format!("&{k}={}", enc(v)));
            }
        }
        q
    }
}

/// A report's name as people say it.
fn label(kind: &str) -> &'static str {
    match kind {
        "exec" => "Executive update",
        "team" => "Team report",
        "roadmap" => "Roadmap",
        "release-notes" => "Release notes",
        "trace" => "Traceability matrix",
        "feedback" => "Customer feedback",
        _ => "Risk register",
    }
}

pub async fn reports(
    State(s): State<AppState>,
    c: Creds,
    Query(f): Query<ReportForm>,
) -> WebResult {
    let k = kind(
        f.kind
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or("exec"),
    )?;
    let params = f.params()?;
    Ok(c
        .call(&s, None, move |app, caller| {
            let (ps, product) = super::pages::products(app, f.product.as_deref())?;
            let mut params = params;
            params.product = Some(product.clone());
            let report = build(app, k, &params, false);
            let can_record = caller
                .access
                .role(&product)
                .is_some_and(|r| r >= Role::Member);
            let csrf = caller.csrf.clone().unwrap_or_default();
            let again = f.query(k, &product);
            let api = again.replacen(&format!("kind={k}&"), "", 1);
            let body = html! {
                main #main .wide {
                    // The report's own title is the page's heading.
                    @if report.is_err() { h1 { "Reports" } }
                    form .query .report-form aria-label="Choose a report" method="get" action="/reports" {
                        input type="hidden" name="product" value=(product);
                        label for="r-kind" { "Report" }
                        select #r-kind name="kind" {
                            @for (n, d) in KINDS {
                                option value=(n) selected[n == k] title=(d) { (label(n)) }
                            }
                        }
                        label for="r-since" { "Since" }
                        input #r-since name="since" type="text" placeholder="2w or YYYY-MM-DD" value=(f.since.clone().unwrap_or_default());
                        label for="r-scope" { "Scope" }
                        input #r-scope name="scope" type="text" placeholder="e.g. label = checkout" value=(f.scope.clone().unwrap_or_default());
                        @if k == "release-notes" {
                            label for="r-release" { "Release" }
                            input #r-release name="release" type="text" value=(f.release.clone().unwrap_or_default());
                        }
                        button type="submit" { "Show" }
                    }
                    p .hint {
                        (KINDS.iter().find(|(n, _)| *n == k).map(|(_, d)| *d).unwrap_or_default())
                        ". Download: "
                        a href=(format!("/api/v1/reports/{k}?{api}&format=html")) download=(format!("{product}-{k}.html")) { "HTML" }
                        " · "
                        a href=(format!("/api/v1/reports/{k}?{api}&format=md")) download=(format!("{product}-{k}.md")) { "Markdown" }
                        " · "
                        a href=(format!("/api/v1/reports/{k}?{api}&format=json")) download=(format!("{product}-{k}.json")) { "JSON" }
                    }
                    @if k == "exec" && can_record {
                        form .record method="post" action="/reports/exec/record" {
                            input type="hidden" name="_csrf" value=(csrf);
                            input type="hidden" name="product" value=(product);
                            input type="hidden" name="since" value=(f.since.clone().unwrap_or_default());
                            input type="hidden" name="scope" value=(f.scope.clone().unwrap_or_default());
                            button type="submit" { "Record as sent" }
                            span .hint { " The next exec report compares its dates and progress with the last one recorded." }
                        }
                    }
                    @if f.recorded.is_some() {
                        p .notice role="status" { "Recorded. The next exec report compares with this one." }
                    }
                    @match &report {
                        Ok((_, doc)) => {
                            article .report aria-label="Report" {
                                (PreEscaped(cairn_report::doc::to_html_fragment(doc, Some(""))))
                            }
                        }
                        Err(e) => { p .error role="alert" { (e.message) } }
                    }
                }
            };
            let page = Page {
                title: "Reports",
                caller,
                nav: "reports",
                product: Some(&product),
                products: &ps,
            };
            let mut r = page.render(body);
            // A report the input made impossible is the caller's to fix: 4xx.
            if let Err(e) = &report
                && e.status.is_client_error()
            {
                *r.status_mut() = e.status;
            }
            Ok(r)
        })
        .await?)
}

pub async fn record(State(s): State<AppState>, c: Creds, Form(f): Form<ReportForm>) -> WebResult {
    let params = f.params()?;
    let csrf = f.csrf.clone();
    let product = c
        .call(&s, csrf, move |app, _| {
            let (_, product) = super::pages::products(app, params.product.as_deref())?;
            let mut params = params;
            params.product = Some(product.clone());
            build(app, "exec", &params, true)?;
            Ok(product)
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/reports?{}&recorded=1",
        f.query("exec", &product)
    ))
    .into_response())
}
