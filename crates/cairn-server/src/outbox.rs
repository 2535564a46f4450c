//! The outbox worker: what changes leave to be sent (notification mail,
//! and webhook deliveries) is written in the change's own transaction, and
//! this task sends it. It runs on its own database connection and a
//! blocking thread, never on the request pool, so a slow or dead mail
//! server or webhook receiver never slows a request.

use cairn_app::App;
use std::time::Duration;

/// How often the worker looks for work.
pub const EVERY: Duration = Duration::from_secs(2);

/// Start the worker; it stops when the returned handle is aborted.
pub fn spawn(db_url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut app: Option<App> = None;
        loop {
            tokio::time::sleep(EVERY).await;
            let url = db_url.clone();
            let taken = app.take();
            let r = tokio::task::spawn_blocking(move || {
                let mut a = match taken {
                    Some(a) => a,
                    None => App::open(&url, "cairn-server").ok()?,
                };
                once(&mut a);
                Some(a)
            })
            .await;
            app = r.ok().flatten();
        }
    })
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
