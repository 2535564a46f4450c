//! Notification mail on both backends, received by a real SMTP server
//! (aiosmtpd, from PyPI; scripts/test.sh installs it): who gets mail by
//! default, per-user settings, retries with backoff while the server is
//! down, and a clear refusal of a bad `[mail]` section.

use crate::harness::*;
use crate::smtp::Smtp;
use cairn_app::{Access, AppError};
use cairn_core::notify::NotifySetting;
use cairn_core::{Kind, Role};
use std::collections::BTreeMap;
use std::net::TcpListener;

fn as_user(fx: &mut Fx, user: &str, role: Role) {
    fx.app.set_access(Some(Access {
        user: user.into(),
        admin: false,
        roles: BTreeMap::from([("PAY".to_string(), role)]),
    }));
}

fn mail_config(fx: &mut Fx, port: u16) {
    fx.app.set_access(None);
    let cfg = fx.app.config_text().unwrap();
    let cfg = match cfg.find("\n[mail]") {
        Some(i) => cfg[..i].to_string(),
        None => cfg,
    };
    fx.app
        .config_apply(
            &format!(
                "{cfg}\n[mail]\nsmtp = \"127.0.0.1:{port}\"\nfrom = \"Cairn <cairn@example.com>\"\n\
                 base_url = \"http://cairn.example.com/\"\n"
            ),
            None,
        )
        .unwrap();
}

fn mentions_and_settings_reach_the_mail_server(fx: &mut Fx) {
    fx.workspace();
    let smtp = Smtp::start();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    for (h, name, email) in [
        ("ada", "Ada Lovelace", Some("ada@example.com")),
        ("bob", "Bob Østergaard", Some("bob@example.com")),
        ("cy", "Cy", None),
    ] {
        fx.app
            .user_add(h, name, email, "a long passphrase", false)
            .unwrap();
    }
    mail_config(fx, smtp.port);

    as_user(fx, "bob", Role::Member);
    fx.app.watch(&a).unwrap();
    as_user(fx, "sam", Role::Member);
    fx.app
        .comment_add(&a, "@ada and @cy: does this cover credit notes?", None)
        .unwrap();
    let run = fx.app.deliver_mail().unwrap();
    // Ada is mentioned and has an address; Cy has none; Bob only watches,
    // and comments are not mailed by default.
    assert_eq!(
        (run.sent, run.retrying, run.failed, run.pending),
        (1, 0, 0, 0),
        "{run:?}"
    );
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_contains(
        &got[0],
        &[
            "To: \"Ada Lovelace\" <ada@example.com>",
            "From: Cairn <cairn@example.com>",
            "Subject: [Cairn] sam mentioned you on PAY-1",
            "http://cairn.example.com/items/PAY-1",
            "because someone mentions you",
        ],
    );
    // Delivering again sends nothing twice.
    assert_eq!(fx.app.deliver_mail().unwrap().sent, 0);
    assert_eq!(smtp.messages().len(), 1);

    // Bob wants comments by mail and not in his inbox.
    as_user(fx, "bob", Role::Member);
    let before = fx.app.inbox(false).unwrap().len();
    let s = fx
        .app
        .set_notify_settings(&[NotifySetting {
            reason: "comment".into(),
            inbox: false,
            email: true,
        }])
        .unwrap();
    assert!(
        s.iter()
            .any(|s| s.reason == "comment" && s.email && !s.inbox)
    );
    let e = fx
        .app
        .set_notify_settings(&[NotifySetting {
            reason: "gossip".into(),
            inbox: true,
            email: true,
        }])
        .unwrap_err();
    assert!(
        matches!(e, AppError::Invalid(_)) && e.to_string().contains("mention, assigned"),
        "{e}"
    );
    as_user(fx, "ada", Role::Member);
    fx.app
        .comment_add(&a, "Yes, credit notes too — from März.", None)
        .unwrap();
    assert_eq!(fx.app.deliver_mail().unwrap().sent, 1);
    let got = smtp.messages();
    assert_eq!(got.len(), 2);
    assert_contains(
        &got[1],
        &[
            "bob@example.com",
            "ada commented on PAY-1: Yes, credit notes too — from März.",
        ],
    );
    as_user(fx, "bob", Role::Member);
    assert_eq!(
        fx.app.inbox(false).unwrap().len(),
        before,
        "mail only: nothing new in the inbox"
    );
    fx.app.set_access(None);
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM audit WHERE action = 'user.notify'"
        ),
        1
    );
}

fn mail_is_retried_while_the_server_is_down(fx: &mut Fx) {
    fx.workspace();
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    fx.app
        .user_add(
            "ada",
            "Ada",
            Some("ada@example.com"),
            "a long passphrase",
            false,
        )
        .unwrap();
    // Nothing listens on this port.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    mail_config(fx, dead);
    as_user(fx, "sam", Role::Member);
    fx.app.comment_add(&a, "@ada, a question", None).unwrap();
    // The comment is made whatever the mail server does.
    assert_eq!(fx.app.comments(&a).unwrap().len(), 1);
    let run = fx.app.deliver_mail().unwrap();
    assert_eq!((run.sent, run.retrying, run.pending), (0, 1, 1), "{run:?}");
    assert!(
        run.errors[0].contains("could not hand it to the mail server"),
        "{run:?}"
    );
    // Not due again before its backoff.
    assert_eq!(fx.app.deliver_mail().unwrap().retrying, 0);
    fx.advance(61_000);
    assert_eq!(fx.app.deliver_mail().unwrap().retrying, 1);
    // The second retry waits twice as long.
    fx.advance(61_000);
    assert_eq!(fx.app.deliver_mail().unwrap().retrying, 0);
    // The server comes back.
    let smtp = Smtp::start();
    mail_config(fx, smtp.port);
    fx.advance(61_000);
    let run = fx.app.deliver_mail().unwrap();
    assert_eq!((run.sent, run.pending), (1, 0), "{run:?}");
    assert_eq!(smtp.messages().len(), 1);
    as_user(fx, "ada", Role::Member);
    let n = fx.app.inbox(false).unwrap();
    assert_eq!(n[0].mail.as_deref(), Some("sent"));
}

fn a_bad_mail_section_is_refused(fx: &mut Fx) {
    fx.workspace();
    let cfg = fx.app.config_text().unwrap();
    for (section, says) in [
        (
            "smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"",
            "host:port",
        ),
        (
            "smtp = \"mail.example.com:twentyfive\"\nfrom = \"a@example.com\"",
            "not a port",
        ),
        ("smtp = \"mail.example.com\"", "needs `from`"),
        (
            "smtp = \"mail.example.com\"\nfrom = \"cairn\"",
            "not an email address",
        ),
        ("from = \"a@example.com\"", "no `smtp` server"),
    ] {
        let e = fx
            .app
            .config_apply(&format!("{cfg}\n[mail]\n{section}\n"), None)
            .unwrap_err();
        assert!(e.to_string().contains(says), "{section}: {e}");
    }
    // Without a mail server, nothing is queued for mail.
    let a = fx.add(
        Kind::Story,
        "As a clerk, I want invoices as PDF, so that I can file them",
    );
    fx.app
        .user_add(
            "ada",
            "Ada",
            Some("ada@example.com"),
            "a long passphrase",
            false,
        )
        .unwrap();
    as_user(fx, "sam", Role::Member);
    fx.app.comment_add(&a, "@ada, a question", None).unwrap();
    fx.app.set_access(None);
    assert_eq!(
        scalar(
            &mut fx.app,
            "SELECT COUNT(*) FROM notifications WHERE mail IS NOT NULL"
        ),
        0
    );
    assert_eq!(fx.app.deliver_mail().unwrap().sent, 0);
}

both!(
    mentions_and_settings_reach_the_mail_server,
    mail_is_retried_while_the_server_is_down,
    a_bad_mail_section_is_refused,
);
