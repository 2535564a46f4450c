//! Who is calling: a personal API token (`Authorization: Bearer`) or a
//! session cookie. Credentials are read from the request here and checked
//! against the database on the blocking thread that runs the use case, so
//! one request is one trip to the pool.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use cairn_app::{Access, App};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "cairn_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The credentials a request carries, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct Creds {
    pub bearer: Option<String>,
    pub session: Option<String>,
    pub csrf_header: Option<String>,
    /// POST, PUT, PATCH or DELETE.
    pub changes: bool,
    /// The peer address, for sign-in rate limits.
    pub client: String,
}

/// A checked caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access: Access,
    pub name: String,
    /// The session's CSRF token (`None` for API tokens).
    pub csrf: Option<String>,
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for Creds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(Creds {
            bearer,
            session: cookie(parts, SESSION_COOKIE),
            csrf_header: parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            changes: !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS),
            client,
        })
    }
}

/// Compare secrets without leaking where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Creds {
    /// Look the caller up; `None` when the credentials name no live
    /// session or token.
    pub fn resolve(&self, app: &mut App) -> Result<Option<Caller>, ApiError> {
        if let Some(t) = &self.bearer {
            return Ok(app.token_access(t)?.map(|access| Caller {
                name: access.user.clone(),
                access,
                csrf: None,
            }));
        }
        if let Some(s) = &self.session {
            return Ok(app.session(s)?.map(|s| Caller {
                access: s.access,
                name: s.name,
                csrf: Some(s.csrf),
            }));
        }
        Ok(None)
    }

    /// Run `f` for the signed-in caller. A session-authenticated request
    /// that changes data must carry the session's CSRF token, in the
    /// `X-CSRF-Token` header or (`form_csrf`) a form field.
    pub async fn call<T, F>(
        self,
        state: &AppState,
        form_csrf: Option<String>,
        f: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut App, &Caller) -> Result<T, ApiError> + Send + 'static,
    {
        state
            .pool
            .run(move |app| {
                let caller = self.resolve(app)?.ok_or_else(ApiError::unauthorized)?;
                if self.changes
                    && let Some(expected) = &caller.csrf
                {
                    let given = self.csrf_header.as_deref().or(form_csrf.as_deref());
                    if !given.is_some_and(|g| same(g, expected)) {
                        return Err(ApiError::csrf());
                    }
                }
                app.set_access(Some(caller.access.clone()));
                f(app, &caller)
            })
            .await
    }
}
