//! `cairn webhook`: a product's outgoing webhooks, their delivery log,
//! replays, and sending what is due.

use crate::cli::{Cli, Format, WebhookCmd};
use crate::output::{json, line, table};
use crate::{Failure, open};
use cairn_app::webhooks::{SecretChange, WebhookEdit};
use std::io::Write;

pub fn webhook(cli: &Cli, c: &WebhookCmd, o: &mut impl Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    let fmt = cli.format;
    match c {
        WebhookCmd::Add {
            product,
            url,
            events,
            secret,
        } => {
            let h = app.webhook_add(product, url, events.as_deref(), secret.as_deref())?;
            match fmt {
                Format::Json => json(o, &h),
                _ => {
                    line(
                        o,
                        &format!(
                            "webhook {} of {} sends {} to {}",
                            h.webhook.id,
                            h.webhook.product,
                            h.webhook.events.join(", "),
                            h.webhook.url
                        ),
                    );
                    line(
                        o,
                        &format!(
                            "secret: {}\n(shown this once: the receiver checks X-Cairn-Signature-256 with it)",
                            h.secret
                        ),
                    );
                }
            }
        }
        WebhookCmd::List { product } => {
            let hooks = app.webhooks(product.as_deref())?;
            match fmt {
                Format::Json => json(o, &hooks),
                _ => {
                    let mut t = table(&[
                        "ID", "PRODUCT", "URL", "EVENTS", "STATE", "SECRET", "CREATED",
                    ]);
                    for h in &hooks {
                        t.add_row(vec![
                            h.id.to_string(),
                            h.product.clone(),
                            h.url.clone(),
                            h.events.join(","),
                            if h.active { "active" } else { "paused" }.to_string(),
                            if h.secret_set { "set" } else { "none" }.to_string(),
                            h.created.clone(),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        WebhookCmd::Edit {
            id,
            url,
            events,
            secret,
            new_secret,
            pause,
            resume,
        } => {
            let edit = WebhookEdit {
                url: url.clone(),
                events: events.clone(),
                active: match (pause, resume) {
                    (true, _) => Some(false),
                    (_, true) => Some(true),
                    _ => None,
                },
                secret: match (secret, new_secret) {
                    (Some(s), _) => Some(SecretChange::Set(s.clone())),
                    (None, true) => Some(SecretChange::Generate),
                    (None, false) => None,
                },
            };
            let h = app.webhook_edit(*id, &edit)?;
            match fmt {
                Format::Json => json(o, &h),
                _ => {
                    if !cli.quiet {
                        line(
                            o,
                            &format!(
                                "webhook {} of {} sends {} to {}{}",
                                h.webhook.id,
                                h.webhook.product,
                                h.webhook.events.join(", "),
                                h.webhook.url,
                                if h.webhook.active { "" } else { " (paused)" }
                            ),
                        );
                    }
                    if let Some(secret) = &h.secret {
                        line(
                            o,
                            &format!(
                                "new secret: {secret}\n(shown this once: the receiver checks X-Cairn-Signature-256 with it)"
                            ),
                        );
                    }
                }
            }
        }
        WebhookCmd::Rm { id } => {
            let h = app.webhook_rm(*id)?;
            match fmt {
                Format::Json => json(o, &h),
                _ if !cli.quiet => line(o, &format!("deleted webhook {} ({})", h.id, h.url)),
                _ => {}
            }
        }
        WebhookCmd::Deliveries {
            webhook,
            failed,
            limit,
        } => {
            let ds = app.webhook_deliveries(*webhook, *failed, *limit)?;
            match fmt {
                Format::Json => json(o, &ds),
                _ => {
                    let mut t = table(&[
                        "ID",
                        "WEBHOOK",
                        "EVENT",
                        "STATUS",
                        "TRIES",
                        "HTTP",
                        "CREATED",
                        "LAST ERROR",
                    ]);
                    for d in &ds {
                        t.add_row(vec![
                            d.id.to_string(),
                            d.webhook.to_string(),
                            d.event.clone(),
                            match &d.next_try {
                                Some(n) => format!("{} (next {n})", d.status),
                                None => d.status.clone(),
                            },
                            d.tries.to_string(),
                            d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                            d.created.clone(),
                            d.last_error.clone().unwrap_or_default(),
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        WebhookCmd::Replay { delivery } => {
            let d = app.webhook_replay(*delivery)?;
            match fmt {
                Format::Json => json(o, &d),
                _ if !cli.quiet => line(
                    o,
                    &format!(
                        "delivery {delivery} queued again as delivery {} (`cairn webhook deliver` sends it now)",
                        d.id
                    ),
                ),
                _ => {}
            }
        }
        WebhookCmd::Deliver => {
            let run = app.deliver_webhooks()?;
            match fmt {
                Format::Json => json(o, &run),
                _ => {
                    line(
                        o,
                        &format!(
                            "delivered {}, failed for now {}, given up {}, still waiting {}",
                            run.delivered, run.retrying, run.failed, run.pending
                        ),
                    );
                    for e in &run.errors {
                        line(o, &format!("  {e}"));
                    }
                }
            }
            return Ok(if run.failed > 0 || run.retrying > 0 {
                1
            } else {
                0
            });
        }
        WebhookCmd::Prune => {
            let removed = app.webhook_prune()?;
            let days = app.config().webhooks.keep_days;
            match fmt {
                Format::Json => json(
                    o,
                    &serde_json::json!({ "removed": removed, "keep_days": days }),
                ),
                _ if days == 0 => line(
                    o,
                    "the delivery log is kept whole ([webhooks] keep_days = 0): nothing removed",
                ),
                _ => line(
                    o,
                    &format!(
                        "removed {removed} delivered or failed deliveries older than {days} days"
                    ),
                ),
            }
        }
    }
    Ok(0)
}
