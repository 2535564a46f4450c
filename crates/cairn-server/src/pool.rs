//! A pool of [`App`]s, each with its own database connection. The store is
//! synchronous, so every use case runs on tokio's blocking threads; the
//! pool caps how many run at once. Nothing here outlives a request except
//! idle connections: sessions, rate limits and the config live in the
//! database, so several `cairn serve` processes can share one.

use crate::error::ApiError;
use cairn_app::{App, AppError};
use cairn_store::StoreError;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

tokio::task_local! {
    /// Where a request's time went on the pool, for the Server-Timing
    /// header: waiting for a connection, waiting for a blocking thread,
    /// and running the use case (ms); none for a request that ran none.
    pub static STAGES: std::cell::Cell<Option<[f64; 3]>>;
}

pub struct Pool {
    url: String,
    idle: Mutex<Vec<App>>,
    permits: Semaphore,
    /// The use cases running now, which the outbox worker gives way to.
    foreground: cairn_app::webhooks::Foreground,
}

impl Pool {
    /// Open one connection now, so a bad URL fails at start-up.
    pub fn open(url: &str, size: usize) -> Result<Arc<Pool>, AppError> {
        let first = App::open(url, "cairn-server")?;
        Ok(Arc::new(Pool {
            url: url.to_string(),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(size.max(1)),
            foreground: Default::default(),
        }))
    }

    /// The requests running on this pool, for background work to give
    /// way to.
    pub fn foreground(&self) -> cairn_app::webhooks::Foreground {
        self.foreground.clone()
    }

    fn take(&self) -> Result<App, AppError> {
        let reused = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        match reused {
            Some(mut app) => {
                app.reload_config()?;
                Ok(app)
            }
            None => App::open(&self.url, "cairn-server"),
        }
    }

    fn put(&self, mut app: App) {
        app.set_access(None);
        if let Ok(mut v) = self.idle.lock() {
            v.push(app);
        }
    }

    /// Run `f` on a pooled app, on a blocking thread. The app starts with
    /// no [`Access`]: `f` sets one (see `auth::Creds::call`) before it
    /// touches anything a user may not see.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut App) -> Result<T, ApiError> + Send + 'static,
    {
        let asked = std::time::Instant::now();
        let _permit = self.permits.acquire().await.map_err(|_| {
            ApiError::from(AppError::Store(StoreError::Db(
                "the server is shutting down".into(),
            )))
        })?;
        let pool = Arc::clone(self);
        let permitted = std::time::Instant::now();
        let ms = |a: std::time::Instant, b: std::time::Instant| (b - a).as_secs_f64() * 1000.0;
        let (started, ended, r) = tokio::task::spawn_blocking(move || {
            let _running = pool.foreground.enter();
            let started = std::time::Instant::now();
            let r = match pool.take() {
                Ok(mut app) => {
                    let r = f(&mut app);
                    // A connection that failed is dropped rather than reused.
                    let broken = matches!(&r, Err(e) if e.status.is_server_error());
                    if !broken {
                        pool.put(app);
                    }
                    r
                }
                Err(e) => Err(ApiError::from(e)),
            };
            (started, std::time::Instant::now(), r)
        })
        .await
        .map_err(|e| {
            ApiError::from(AppError::Store(StoreError::Db(format!(
                "a request task failed: {e}"
            ))))
        })?;
        // A request that runs more than one use case adds them up.
        let _ = STAGES.try_with(|s| {
            let [p, t, d] = s.get().unwrap_or_default();
            s.set(Some([
                p + ms(asked, permitted),
                t + ms(permitted, started),
                d + ms(started, ended),
            ]))
        });
        r
    }

    /// Close idle connections (on a blocking thread: the PostgreSQL
    /// client must not be dropped inside the async runtime).
    pub async fn close(self: &Arc<Self>) {
        let pool = Arc::clone(self);
        let _ = tokio::task::spawn_blocking(move || {
            if let Ok(mut v) = pool.idle.lock() {
                v.clear();
            }
        })
        .await;
    }
}
