//! The outbox worker: what changes leave to be sent (notification mail,
//! and webhook deliveries) is written in the change's own transaction, and
//! this worker sends it. It runs on its own database connection and its
//! own thread, never on the request pool, and webhook senders run at the
//! lowest CPU priority, so a slow or dead mail server or webhook receiver
//! never slows a request.

use cairn_app::App;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the worker looks for work.
pub const EVERY: Duration = Duration::from_secs(2);
/// How often it prunes the webhook delivery log (and once when it starts).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The running worker; [`Worker::abort`] stops it after the pass in hand.
pub struct Worker {
    stop: Arc<AtomicBool>,
}

impl Worker {
    pub fn abort(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Start the worker on a thread of its own. Its webhook senders yield the
/// processor to requests; the worker itself, which holds the database
/// while it writes results, runs at normal priority. Sending webhooks
/// gives way to the requests running on `foreground` (the pool's).
pub fn spawn(db_url: String, foreground: cairn_app::webhooks::Foreground) -> Worker {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let started = std::thread::Builder::new()
        .name("cairn-outbox".into())
        .spawn(move || {
            let mut app: Option<App> = None;
            let mut again = false;
            let mut pruned: Option<Instant> = None;
            loop {
                // A full run while no request came in goes on at once: a
                // backlog (a large fan-out, or a receiver back after an
                // outage) is sent as fast as it can be while nobody uses
                // the app, and at one run every EVERY while people do.
                let until = Instant::now() + if again { Duration::ZERO } else { EVERY };
                loop {
                    if flag.load(Ordering::Relaxed) {
                        return;
                    }
                    if Instant::now() >= until {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                again = false;
                if app.is_none() {
                    app = App::open(&db_url, "cairn-server").ok();
                    if let Some(a) = app.as_mut() {
                        a.set_foreground(foreground.clone());
                    }
                }
                if let Some(a) = app.as_mut() {
                    let started = foreground.started();
                    let full = once(a);
                    again = full && foreground.started() == started;
                    if pruned.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) && a.is_initialised() {
                        pruned = Some(Instant::now());
                        if let Err(e) = a.webhook_prune() {
                            eprintln!("cairn serve: pruning the webhook delivery log: {e}");
                        }
                    }
                }
            }
        });
    if let Err(e) = started {
        eprintln!("cairn serve: cannot start the outbox worker: {e}; mail and webhooks wait");
    }
    Worker { stop }
}

/// One pass: send what is due. Errors are reported and retried later.
/// Whether the webhook run was full (more may be due).
pub fn once(app: &mut App) -> bool {
    if app.reload_config().is_err() || !app.is_initialised() {
        return false;
    }
    match app.deliver_mail() {
        Ok(run) => {
            for e in &run.errors {
                eprintln!("cairn serve: mail not sent: {e}");
            }
        }
        Err(e) => eprintln!("cairn serve: notification mail: {e}"),
    }
    match app.deliver_webhooks() {
        Ok(run) => {
            for e in &run.errors {
                eprintln!("cairn serve: webhook not delivered: {e}");
            }
            run.full
        }
        Err(e) => {
            eprintln!("cairn serve: webhooks: {e}");
            false
        }
    }
}
