//! The web app: server-rendered pages (maud) with htmx and one small
//! script for keyboard shortcuts and drag-and-drop, all embedded in the
//! binary. Every page has its own URL; every change is a form that works
//! without script, and the script only makes it quicker.

mod baselines;
mod feedback;
mod integrations;
mod layout;
mod pages;
mod reports;

use crate::auth::{Creds, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

pub use layout::Page;

const HTMX: &str = include_str!("../../static/htmx.min.js");
const APP_JS: &str = include_str!("../../static/app.js");
const APP_CSS: &str = include_str!("../../static/app.css");
const FAVICON: &str = include_str!("../../static/favicon.svg");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/backlog") }))
        .route("/static/{file}", get(asset))
        .route(
            "/favicon.ico",
            get(|| asset(Path("favicon.svg".to_string()))),
        )
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/backlog", get(pages::backlog))
        .route("/board", get(pages::board))
        .route("/board/column", get(pages::board_column))
        .route("/plan", get(pages::plan))
        .route("/reports", get(reports::reports))
        .route("/reports/exec/record", post(reports::record))
        .route(
            "/baselines",
            get(baselines::baselines).post(baselines::create),
        )
        .route("/feedback", get(feedback::feedback).post(feedback::record))
        .route(
            "/feedback/tell",
            get(feedback::tell).post(feedback::mark_told),
        )
        .route("/feedback/{id}", get(feedback::show))
        .route("/feedback/{id}/link", post(feedback::link))
        .route("/feedback/{id}/unlink", post(feedback::unlink))
        .route("/feedback/{id}/merge", post(feedback::merge))
        .route(
            "/intake/{product}",
            get(feedback::intake_form).post(feedback::intake_submit),
        )
        .route("/items/new", get(pages::new_item_form))
        .route("/items", post(pages::create_item))
        .route("/items/{key}", get(pages::item_page))
        .route(
            "/items/{key}/edit",
            get(pages::edit_form).post(pages::edit_item),
        )
        .route("/items/{key}/move", post(pages::move_item))
        .route("/items/{key}/state", post(pages::set_state))
        .route("/items/{key}/comments", post(pages::add_comment))
        .route("/comments/{id}/edit", post(pages::edit_comment))
        .route("/items/{key}/watch", post(pages::watch))
        .route("/inbox", get(pages::inbox))
        .route("/inbox/read", post(pages::inbox_read))
        .route("/inbox/settings", post(pages::inbox_settings))
        .route("/integrations", get(integrations::page))
        .route("/integrations/webhooks", post(integrations::add_hook))
        .route("/integrations/webhooks/edit", post(integrations::edit_hook))
        .route(
            "/integrations/webhooks/delete",
            post(integrations::delete_hook),
        )
        .route("/integrations/webhooks/replay", post(integrations::replay))
        .route(
            "/integrations/import",
            post(integrations::import).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::imports::MAX_EXPORT,
            )),
        )
        .route("/comments/{id}/delete", post(pages::delete_comment))
        .fallback(|uri: Uri| async move {
            WebError(ApiError::not_found(format!(
                "there is no page {}",
                uri.path()
            )))
        })
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return WebError(ApiError::not_found("no such file")).into_response(),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// An error shown as a page: sign-in for 401, otherwise the message.
pub struct WebError(pub ApiError);

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError(e)
    }
}

impl From<cairn_app::AppError> for WebError {
    fn from(e: cairn_app::AppError) -> Self {
        WebError(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status == StatusCode::UNAUTHORIZED && e.code == "unauthorized" {
            return Redirect::to("/login").into_response();
        }
        let title = match e.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::PRECONDITION_FAILED => "Changed by someone else",
            s if s.is_server_error() => "Something went wrong",
            _ => "That did not work",
        };
        let body = html! {
            main #main .narrow {
                h1 { (title) }
                p .error role="alert" { (e.message) }
                p { a href="/backlog" { "Back to the backlog" } }
            }
        };
        (e.status, layout::bare(title, body)).into_response()
    }
}

pub type WebResult = Result<Response, WebError>;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

async fn login_form(axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
    layout::login_page(None, q.next.as_deref().unwrap_or("/backlog"), "").into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    handle: String,
    password: String,
    next: Option<String>,
}

/// Only same-site paths are followed after sign-in.
fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/backlog".into(),
    }
}

/// Whether the browser says this request came from another site. Signing
/// in is refused then: a page elsewhere could otherwise sign the visitor
/// in to an account of its choosing (login CSRF). Browsers send
/// `Sec-Fetch-Site` on every form post; clients that don't (curl,
/// scripts) are not browsers and have no cookies to plant.
fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

async fn login(
    State(s): State<AppState>,
    creds: Creds,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    if cross_site(&headers) {
        return (
            StatusCode::FORBIDDEN,
            layout::login_page(
                Some(
                    "This sign-in came from another site, so it was refused. Sign in here instead.",
                ),
                &next,
                "",
            ),
        )
            .into_response();
    }
    let client = creds.client.clone();
    let handle = f.handle.clone();
    let r = s
        .pool
        .run(move |app| Ok(app.sign_in(&f.handle, &f.password, &client)?))
        .await;
    match r {
        Ok(sess) => {
            let mut cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                sess.token,
                cairn_app::accounts::SESSION_TTL / 1000
            );
            if s.secure_cookies {
                cookie.push_str("; Secure");
            }
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let mut r = (
                e.status,
                layout::login_page(Some(&e.message), &next, &handle),
            )
                .into_response();
            // Retry-After on a lockout.
            for (k, v) in &e.headers {
                if let Ok(v) = HeaderValue::from_str(v) {
                    r.headers_mut().insert(k.clone(), v);
                }
            }
            r
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

async fn logout(State(s): State<AppState>, creds: Creds, Form(f): Form<CsrfForm>) -> WebResult {
    let token = creds.session.clone();
    creds
        .call(&s, f.csrf, move |app, _| {
            if let Some(t) = token {
                app.sign_out(&t)?;
            }
            Ok(())
        })
        .await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("cairn_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(r)
}
