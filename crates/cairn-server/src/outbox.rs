//! The outbox worker: what changes leave to be sent (notification mail,
//! and webhook deliveries) is written in the change's own transaction, and
//! this worker sends it. It runs on its own database connection and its
//! own low-priority thread, never on the request pool, so a slow or dead
//! mail server or webhook receiver never slows a request.

use cairn_app::App;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use thread_priority::{ThreadPriority, set_current_thread_priority};

/// How often the worker looks for work.
pub const EVERY: Duration = Duration::from_secs(2);

/// The running worker; [`Worker::abort`] stops it after the pass in hand.
pub struct Worker {
    stop: Arc<AtomicBool>,
}

impl Worker {
    pub fn abort(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Start the worker on a thread of its own at the lowest CPU priority:
/// sending (and the threads it starts for each webhook, which inherit
/// the priority) yields the processor to requests.
pub fn spawn(db_url: String) -> Worker {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let started = std::thread::Builder::new()
        .name("cairn-outbox".into())
        .spawn(move || {
            if let Err(e) = set_current_thread_priority(ThreadPriority::Min) {
                eprintln!("cairn serve: the outbox runs at normal priority ({e:?})");
            }
            let mut app: Option<App> = None;
            loop {
                let until = Instant::now() + EVERY;
                while Instant::now() < until {
                    if flag.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                if app.is_none() {
                    app = App::open(&db_url, "cairn-server").ok();
                }
                if let Some(a) = app.as_mut() {
                    once(a);
                }
            }
        });
    if let Err(e) = started {
        eprintln!("cairn serve: cannot start the outbox worker: {e}; mail and webhooks wait");
    }
    Worker { stop }
}

/// One pass: send what is due. Errors are reported and retried later.
pub fn once(app: &mut App) {
    if app.reload_config().is_err() || !app.is_initialised() {
        return;
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
        }
        Err(e) => eprintln!("cairn serve: webhooks: {e}"),
    }
}
