//! Cairn over HTTP: the REST API under `/api/v1`, the web app, and the
//! static assets they need, all served by one axum router. Handlers read
//! credentials, then run one `cairn-app` use case on a pooled connection;
//! authorisation is decided in the app, not here.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod auth;
pub mod error;
pub mod markdown;
pub mod openapi;
pub mod outbox;
pub mod pool;
pub mod reports;
pub mod state;
pub mod web;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use pool::Pool;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;

/// Largest request body accepted (an item with a long description fits
/// many times over).
pub const MAX_BODY: usize = 1024 * 1024;

/// How `cairn serve` runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub db_url: String,
    /// Connections (and so use cases running at once).
    pub pool_size: usize,
    /// Mark cookies Secure and send HSTS (set when serving behind TLS).
    pub secure_cookies: bool,
}

/// The whole application: API, web pages, assets and the headers every
/// response carries.
pub fn router(state: AppState) -> Router {
    let secure = state.secure_cookies;
    Router::new()
        .nest("/api/v1", api::routes().1)
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            security_headers(req, next, secure)
        }))
        .with_state(state)
}

/// The Content-Security-Policy: scripts and styles only from this server,
/// no inline script, never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(req: Request, next: Next, secure: bool) -> Response {
    let started = std::time::Instant::now();
    let (mut res, stages) = pool::STAGES
        .scope(std::cell::Cell::new(None), async {
            let res = next.run(req).await;
            (res, pool::STAGES.with(std::cell::Cell::get))
        })
        .await;
    let h = res.headers_mut();
    // How long the server spent, for browsers' dev tools and the bench:
    // in all, and (for a request that ran a use case) waiting for a
    // connection, waiting for a thread, and on the thread.
    let mut timing = format!("app;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0);
    if let Some([pool, thread, db]) = stages {
        timing.push_str(&format!(
            ", pool;dur={pool:.2}, thread;dur={thread:.2}, db;dur={db:.2}"
        ));
    }
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", v);
    }
    // A downloaded report sets its own, stricter policy.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages and API answers hold private data and CSRF tokens: never cached
    // (static assets set their own policy).
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// Serve on `listener` until `shutdown` resolves; requests in flight then
/// finish before this returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let pool = {
        let url = settings.db_url.clone();
        let size = settings.pool_size;
        tokio::task::spawn_blocking(move || Pool::open(&url, size))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let state = AppState {
        pool: pool.clone(),
        secure_cookies: settings.secure_cookies,
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let worker = outbox::spawn(settings.db_url.clone(), pool.foreground());
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| e.to_string());
    worker.abort();
    pool.close().await;
    r
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `cairn serve`: bind, say where, serve until Ctrl-C or SIGTERM.
pub fn serve_blocking(addr: &str, settings: Settings) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            format!(
                "cannot listen on {addr}: {e}; is another server using it? pick another with --addr"
            )
        })?;
        let local = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| addr.to_string());
        eprintln!("Cairn is serving http://{local}/ (Ctrl-C stops it)");
        run(listener, settings, shutdown_signal()).await?;
        eprintln!("Cairn stopped: every request in flight finished");
        Ok(())
    })
}
