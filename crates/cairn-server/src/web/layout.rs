//! The page frame: head, navigation, the keyboard-shortcut help dialog.
//! No inline script anywhere: the CSP forbids it, so behaviour lives in
//! /static/app.js and settings travel in data attributes.

use crate::auth::Caller;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// What every signed-in page shows around its content.
pub struct Page<'a> {
    pub title: &'a str,
    pub caller: &'a Caller,
    /// Which nav entry is current: backlog, board, plan, reports, baselines,
    /// feedback.
    pub nav: &'a str,
    pub product: Option<&'a str>,
    pub products: &'a [(String, String)],
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}"#;
            title { (title) " · Cairn" }
            link rel="stylesheet" href="/static/app.css";
            link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            script src="/static/htmx.min.js" defer {}
            script src="/static/app.js" defer {}
        }
    }
}

pub fn bare(title: &str, body: Markup) -> Response {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                (head(title))
                body { (body) }
            }
        }
        .into_string(),
    )
    .into_response()
}

pub fn login_page(error: Option<&str>, next: &str, handle: &str) -> Response {
    bare(
        "Sign in",
        html! {
            main #main .narrow .login {
                h1 { "Sign in to Cairn" }
                @if let Some(e) = error {
                    p .error role="alert" #login-error { (e) }
                }
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label for="handle" { "User name" }
                    input #handle name="handle" type="text" autocomplete="username" required autofocus value=(handle);
                    label for="password" { "Password" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
                p .hint { "An admin creates accounts with " code { "cairn user add" } "." }
            }
        },
    )
}

fn nav_link(href: &str, label: &str, key: &str, current: &str) -> Markup {
    html! {
        a href=(href) aria-current=[(key == current).then_some("page")] { (label) }
    }
}

impl Page<'_> {
    pub fn render(&self, body: Markup) -> Response {
        let csrf = self.caller.csrf.clone().unwrap_or_default();
        let q = self
            .product
            .map(|p| format!("?product={p}"))
            .unwrap_or_default();
        Html(
            html! {
                (DOCTYPE)
                html lang="en" {
                    (head(self.title))
                    body data-csrf=(csrf) hx-headers=(format!(r#"{{"X-CSRF-Token": "{csrf}"}}"#)) {
                        a .skip href="#main" { "Skip to content" }
                        header .top {
                            nav aria-label="Main" {
                                a .brand href="/backlog" { "Cairn" }
                                (nav_link(&format!("/backlog{q}"), "Backlog", "backlog", self.nav))
                                (nav_link(&format!("/board{q}"), "Board", "board", self.nav))
                                (nav_link(&format!("/plan{q}"), "Plan", "plan", self.nav))
                                (nav_link(&format!("/reports{q}"), "Reports", "reports", self.nav))
                                (nav_link(&format!("/baselines{q}"), "Baselines", "baselines", self.nav))
                                (nav_link(&format!("/feedback{q}"), "Feedback", "feedback", self.nav))
                                (nav_link(&format!("/integrations{q}"), "Integrations", "integrations", self.nav))
                                a href=(format!("/items/new{q}")) .new { "New item" }
                            }
                            @if self.products.len() > 1 {
                                form .product method="get" action=(format!("/{}", self.nav)) {
                                    label for="product-switch" .visually-hidden { "Product" }
                                    select #product-switch name="product" data-autosubmit {
                                        @for (p, name) in self.products {
                                            option value=(p) selected[Some(p.as_str()) == self.product] { (p) " · " (name) }
                                        }
                                    }
                                    noscript { button type="submit" { "Go" } }
                                }
                            }
                            div .who {
                                (nav_link("/inbox", "Inbox", "inbox", self.nav))
                                span { (self.caller.name) }
                                form method="post" action="/logout" {
                                    input type="hidden" name="_csrf" value=(csrf);
                                    button type="submit" .link { "Sign out" }
                                }
                                button type="button" .help-open aria-haspopup="dialog" aria-controls="help" title="Keyboard shortcuts (?)" { "?" }
                            }
                        }
                        (body)
                        dialog #help aria-labelledby="help-title" {
                            h2 #help-title { "Keyboard shortcuts" }
                            table {
                                tbody {
                                    tr { td { kbd { "j" } " / " kbd { "k" } } td { "Next / previous row or card" } }
                                    tr { td { kbd { "Enter" } } td { "Open the selected item" } }
                                    tr { td { kbd { "Alt" } "+" kbd { "↑" } " / " kbd { "Alt" } "+" kbd { "↓" } } td { "Move the selected backlog item up / down" } }
                                    tr { td { kbd { "c" } } td { "Create an item" } }
                                    tr { td { kbd { "/" } } td { "Search (the query bar)" } }
                                    tr { td { kbd { "g" } " " kbd { "b" } " / " kbd { "g" } " " kbd { "o" } " / " kbd { "g" } " " kbd { "p" } } td { "Go to backlog / board / plan" } }
                                    tr { td { kbd { "?" } } td { "This help" } }
                                    tr { td { kbd { "Esc" } } td { "Close" } }
                                }
                            }
                            form method="dialog" { button type="submit" { "Close" } }
                        }
                    }
                }
            }
            .into_string(),
        )
        .into_response()
    }
}
