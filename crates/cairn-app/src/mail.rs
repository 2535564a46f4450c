//! Mail for notifications. A notification that a user's settings send by
//! mail is written `pending` in the same transaction as the change; this
//! module sends what is due over SMTP, outside any transaction, so a slow
//! or dead mail server never holds up a change. Failures are retried with
//! exponential backoff; a permanent refusal (5xx) or too many tries marks
//! the mail failed, with the server's answer kept on the notification.

use crate::{App, AppError, Result};
use cairn_core::Millis;
use cairn_core::notify::reason_label;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::Serialize;
use std::time::Duration;

/// How many mails one run sends at most.
const BATCH: u32 = 200;
/// Tries before a mail is given up.
pub const MAX_TRIES: i64 = 8;
/// The first retry waits a minute, then twice as long each time, at most six hours.
const FIRST_RETRY: Millis = 60_000;
const LONGEST_WAIT: Millis = 6 * 3_600_000;

/// The wait before try `tries + 1`, after `tries` failed tries.
pub fn backoff(tries: i64) -> Millis {
    backoff_from(FIRST_RETRY, tries)
}

/// Exponential backoff shared by everything the outbox sends: `first`,
/// then twice as long after each failed try, at most six hours.
pub(crate) fn backoff_from(first: Millis, tries: i64) -> Millis {
    let shift = (tries.max(1) - 1).min(20) as u32;
    first.saturating_mul(1 << shift).min(LONGEST_WAIT)
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MailRun {
    pub sent: u32,
    /// Failed this time, to be tried again later.
    pub retrying: u32,
    /// Given up: a permanent refusal or too many tries.
    pub failed: u32,
    /// Still waiting, including retries not yet due.
    pub pending: i64,
    /// One line per failure: the notification, the address and the server's answer.
    pub errors: Vec<String>,
}

impl App {
    /// Send the notification mails that are due. Does nothing when the
    /// workspace has no `[mail] smtp`.
    pub fn deliver_mail(&mut self) -> Result<MailRun> {
        self.require_init()?;
        self.reload_config()?;
        let cfg = self.config.mail.clone();
        let mut run = MailRun::default();
        let Some((host, port)) = cfg.server() else {
            return Ok(run);
        };
        let from: Mailbox = cfg.from.as_deref().unwrap_or_default().parse().map_err(|e| {
            AppError::Invalid(format!(
                "[mail] from = {:?} is not a valid address ({e}); fix it with `cairn config edit`",
                cfg.from.as_deref().unwrap_or_default()
            ))
        })?;
        let mut builder = SmtpTransport::builder_dangerous(&host)
            .port(port)
            .timeout(Some(Duration::from_secs(15)));
        if let Some(user) = &cfg.username {
            let password = std::env::var("CAIRN_SMTP_PASSWORD").unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let smtp = builder.build();
        let base = cfg
            .base_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string());
        let now = self.now();
        // Like webhook delivery, mail gives way to the server's requests
        // before each of its writes and each send.
        let fg = self.foreground.clone();
        let give_way = || crate::webhooks::give_way(fg.as_ref());
        give_way();
        for (n, tries) in self.store.mail_due(now, BATCH)? {
            give_way();
            if !self.store.claim_mail(n.id, now)? {
                continue;
            }
            let user = self.store.user(&n.handle)?;
            let to = user.as_ref().and_then(|u| {
                let addr = u.user.email.as_deref()?;
                let name = (!u.user.name.is_empty()).then(|| u.user.name.clone());
                addr.parse().ok().map(|a| Mailbox::new(name, a))
            });
            let tries = tries + 1;
            give_way();
            let outcome = match to {
                None => Err((
                    true,
                    format!("`{}` has no valid email address on their account", n.handle),
                )),
                Some(to) => compose(&from, to, &n, base.as_deref())
                    .map_err(|e| (true, e))
                    .and_then(|m| {
                        smtp.send(&m)
                            .map(|_| ())
                            .map_err(|e| (e.is_permanent(), smtp_error(&e, &host, port)))
                    }),
            };
            give_way();
            match outcome {
                Ok(()) => {
                    self.store
                        .mail_result(n.id, "sent", tries, Some(now), None)?;
                    run.sent += 1;
                }
                Err((permanent, why)) => {
                    run.errors.push(format!(
                        "notification {} to {} ({}): {why}",
                        n.id, n.handle, n.item
                    ));
                    if permanent || tries >= MAX_TRIES {
                        self.store
                            .mail_result(n.id, "failed", tries, None, Some(&why))?;
                        run.failed += 1;
                    } else {
                        self.store.mail_result(
                            n.id,
                            "pending",
                            tries,
                            Some(now + backoff(tries)),
                            Some(&why),
                        )?;
                        run.retrying += 1;
                    }
                }
            }
        }
        run.pending = self.store.mail_pending()?;
        Ok(run)
    }
}

fn smtp_error(e: &lettre::transport::smtp::Error, host: &str, port: u16) -> String {
    if e.is_permanent() {
        format!("the mail server refused it: {e}")
    } else {
        format!("could not hand it to the mail server at {host}:{port}: {e}")
    }
}

/// The mail for one notification: a plain-text summary with a link.
fn compose(
    from: &Mailbox,
    to: Mailbox,
    n: &cairn_core::Notification,
    base: Option<&str>,
) -> std::result::Result<Message, String> {
    let mut subject: String = n.summary.chars().take(120).collect();
    if subject.len() < n.summary.len() {
        subject.push('…');
    }
    let mut body = format!("{}\n\n", n.summary);
    if let Some(b) = base {
        body.push_str(&format!("Open {}: {b}/items/{}\n\n", n.item, n.item));
    } else {
        body.push_str(&format!("See it with `cairn show {}`.\n\n", n.item));
    }
    body.push_str(&format!(
        "You get this mail because {}.\n",
        reason_label(&n.reason)
    ));
    match base {
        Some(b) => body.push_str(&format!(
            "Choose what reaches you by mail on {b}/inbox, or with `cairn inbox settings`.\n"
        )),
        None => body.push_str("Choose what reaches you by mail with `cairn inbox settings`.\n"),
    }
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("[Cairn] {subject}"))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("the mail could not be built: {e}"))
}
