//! `cairn inbox`, `cairn inbox settings` and `cairn mail`: the in-app
//! inbox, what reaches it and the mail, and sending the mail that is due.

use crate::cli::{Cli, Command, Format, InboxCmd, MailCmd};
use crate::output::{json, line, table};
use crate::{Failure, find_db, open, usage};
use cairn_core::notify::{NotifySetting, REASONS, on_off, reason_label};
use std::io::Write;

/// Parse `REASON=on|off` flags into changes of `current`.
fn apply(current: &mut [NotifySetting], flags: &[String], email: bool) -> Result<(), Failure> {
    let flag = if email { "--email" } else { "--inbox" };
    for f in flags {
        let Some((reason, v)) = f.split_once('=') else {
            return Err(usage(format!(
                "{flag} {f:?}: write REASON=on or REASON=off, e.g. {flag} comment=on"
            )));
        };
        let on = match v.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" | "1" => true,
            "off" | "no" | "false" | "0" => false,
            other => {
                return Err(usage(format!(
                    "{flag} {f:?}: `{other}` is neither on nor off"
                )));
            }
        };
        let Some(s) = current.iter_mut().find(|s| s.reason == reason.trim()) else {
            return Err(usage(format!(
                "{flag} {f:?}: `{reason}` is not a reason; reasons are {}",
                REASONS.join(", ")
            )));
        };
        if email {
            s.email = on;
        } else {
            s.inbox = on;
        }
    }
    Ok(())
}

pub fn inbox(
    cli: &Cli,
    settings: &Option<InboxCmd>,
    unread: bool,
    read: &[i64],
    read_all: bool,
    o: &mut impl Write,
) -> Result<u8, Failure> {
    let fmt = cli.format;
    let mut app = open(cli, false)?;
    if let Some(InboxCmd::Settings { email, inbox }) = settings {
        let mut now = app.notify_settings()?;
        if !email.is_empty() || !inbox.is_empty() {
            apply(&mut now, email, true)?;
            apply(&mut now, inbox, false)?;
            now = app.set_notify_settings(&now)?;
        }
        match fmt {
            Format::Json => json(o, &now),
            _ => {
                let mut t = table(&["REASON", "INBOX", "EMAIL", "WHEN"]);
                for x in &now {
                    t.add_row(vec![
                        x.reason.clone(),
                        on_off(x.inbox).to_string(),
                        on_off(x.email).to_string(),
                        reason_label(&x.reason).to_string(),
                    ]);
                }
                let _ = writeln!(o, "{t}");
                if app.config().mail.server().is_none() {
                    line(
                        o,
                        "(no mail is sent: the workspace config has no [mail] smtp server)",
                    );
                }
            }
        }
        return Ok(0);
    }
    if read_all || !read.is_empty() {
        let n = app.inbox_read(if read_all { None } else { Some(read) })?;
        if !cli.quiet && fmt != Format::Json {
            line(o, &format!("marked {n} read"));
        }
        return Ok(0);
    }
    let ns = app.inbox(unread)?;
    match fmt {
        Format::Json => json(o, &ns),
        _ => {
            if ns.is_empty() {
                line(o, "nothing new");
            }
            for n in &ns {
                line(
                    o,
                    &format!(
                        "{} {:>5} {}  {}",
                        if n.read_at.is_none() { "●" } else { " " },
                        n.id,
                        cairn_core::format_millis(n.at),
                        n.summary
                    ),
                );
            }
        }
    }
    Ok(0)
}

pub fn mail(cli: &Cli, c: &MailCmd, o: &mut impl Write) -> Result<u8, Failure> {
    let MailCmd::Send = c;
    let mut app = open(cli, false)?;
    if app.config().mail.server().is_none() {
        return Err(usage(
            "no mail server is configured; add a [mail] section with smtp and from (`cairn config edit`, see docs/integrations.md)",
        ));
    }
    let run = app.deliver_mail()?;
    match cli.format {
        Format::Json => json(o, &run),
        _ => {
            line(
                o,
                &format!(
                    "sent {}, failed for now {}, given up {}, still waiting {}",
                    run.sent, run.retrying, run.failed, run.pending
                ),
            );
            for e in &run.errors {
                line(o, &format!("  {e}"));
            }
        }
    }
    Ok(if run.failed > 0 || run.retrying > 0 {
        1
    } else {
        0
    })
}

/// After a command that may have notified someone, send the mail that is
/// due. A failure is a warning: the change is made, and the mail waits
/// for the next try.
pub struct After {
    db: Option<String>,
    actor: String,
}

impl After {
    pub fn of(cli: &Cli) -> After {
        let may_notify = matches!(
            cli.command,
            Command::Item(_) | Command::Comment(_) | Command::Import(_) | Command::Webhook(_)
        );
        After {
            db: if may_notify { find_db(cli) } else { None },
            actor: crate::actor(cli),
        }
    }

    pub fn deliver(self) {
        let Some(db) = self.db else {
            return;
        };
        let Ok(mut app) = cairn_app::App::open(&db, &self.actor) else {
            return;
        };
        if app.store().deliveries_pending().unwrap_or(0) > 0 {
            match app.deliver_webhooks() {
                Ok(run) => {
                    for e in &run.errors {
                        eprintln!("warning: webhook not delivered: {e}");
                    }
                    if !run.errors.is_empty() {
                        eprintln!(
                            "warning: it will be tried again (`cairn webhook deliver`, or `cairn serve`)"
                        );
                    }
                }
                Err(e) => eprintln!("warning: webhooks not delivered: {e}"),
            }
        }
        if app.config().mail.server().is_none() {
            return;
        }
        match app.deliver_mail() {
            Ok(run) => {
                for e in &run.errors {
                    eprintln!("warning: mail not sent: {e}");
                }
                if !run.errors.is_empty() {
                    eprintln!(
                        "warning: it will be tried again (`cairn mail send`, or `cairn serve`)"
                    );
                }
            }
            Err(e) => eprintln!("warning: notification mail not sent: {e}"),
        }
    }
}
