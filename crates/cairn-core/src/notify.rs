//! Notification settings and outgoing mail: what each user hears of, and
//! where (`[mail]` in the workspace config, docs/integrations.md).

use serde::{Deserialize, Serialize};

/// Why a notification was sent, in the order the settings list them.
pub const REASONS: [&str; 4] = ["mention", "assigned", "comment", "state"];

/// What a reason means, for the settings page and `cairn inbox settings`.
pub fn reason_label(reason: &str) -> &'static str {
    match reason {
        "mention" => "someone mentions you",
        "assigned" => "an item is assigned to you",
        "comment" => "someone comments on an item you watch",
        "state" => "an item you watch moves",
        _ => "other",
    }
}

/// `on` or `off`, as settings are shown and written.
pub fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// One user's choice for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifySetting {
    pub reason: String,
    /// Show it in the in-app inbox.
    pub inbox: bool,
    /// Send it by email (needs `[mail]` and an address on the account).
    pub email: bool,
}

impl NotifySetting {
    /// Everything reaches the inbox; only what is about you directly (a
    /// mention, an assignment) is emailed.
    pub fn default_for(reason: &str) -> NotifySetting {
        NotifySetting {
            reason: reason.to_string(),
            inbox: true,
            email: matches!(reason, "mention" | "assigned"),
        }
    }

    /// The full list for a user: their stored choices over the defaults.
    pub fn resolve(stored: &[NotifySetting]) -> Vec<NotifySetting> {
        REASONS
            .iter()
            .map(|r| {
                stored
                    .iter()
                    .find(|s| s.reason == *r)
                    .cloned()
                    .unwrap_or_else(|| NotifySetting::default_for(r))
            })
            .collect()
    }
}

/// The `[mail]` section of the workspace config. Without `smtp` no mail
/// is sent and notifications stay in the inbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server, `host:port` (port 25 when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<String>,
    /// The sender, `Cairn <cairn@example.com>` or a bare address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The web app's address, for links in mails: `https://cairn.example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The SMTP login; the password comes from `CAIRN_SMTP_PASSWORD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl MailConfig {
    pub fn is_off(&self) -> bool {
        *self == MailConfig::default()
    }

    /// `(host, port)` when mail is on.
    pub fn server(&self) -> Option<(String, u16)> {
        let s = self.smtp.as_deref()?.trim();
        match s.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok() => {
                Some((h.to_string(), p.parse().unwrap_or(25)))
            }
            _ => Some((s.to_string(), 25)),
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let Some(smtp) = self.smtp.as_deref() else {
            if self.from.is_some() || self.username.is_some() {
                return Err("[mail] sets `from` or `username` but no `smtp` server; \
                            add smtp = \"host:port\" or remove the section"
                    .into());
            }
            return Ok(());
        };
        let s = smtp.trim();
        if s.is_empty() || s.contains("://") || s.contains(char::is_whitespace) {
            return Err(format!(
                "[mail] smtp = {smtp:?} is not a server; write it as \"host:port\", e.g. \"mail.example.com:25\""
            ));
        }
        if let Some((_, p)) = s.rsplit_once(':')
            && p.parse::<u16>().is_err()
        {
            return Err(format!(
                "[mail] smtp = {smtp:?}: `{p}` is not a port number (1-65535)"
            ));
        }
        match self.from.as_deref() {
            None => {
                return Err(
                    "[mail] needs `from`, the sender's address, e.g. from = \"Cairn <cairn@example.com>\""
                        .into(),
                );
            }
            Some(f) if !looks_like_address(f) => {
                return Err(format!(
                    "[mail] from = {f:?} is not an email address; write \"cairn@example.com\" or \"Cairn <cairn@example.com>\""
                ));
            }
            _ => {}
        }
        if let Some(u) = &self.base_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(format!(
                "[mail] base_url = {u:?} must start with http:// or https://"
            ));
        }
        Ok(())
    }
}

/// A light check of `addr@domain` or `Name <addr@domain>`; the mail
/// library does the full parse when sending.
pub fn looks_like_address(s: &str) -> bool {
    let a = match (s.find('<'), s.rfind('>')) {
        (Some(i), Some(j)) if i < j => &s[i + 1..j],
        _ => s,
    };
    let a = a.trim();
    match a.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !a.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_config_is_checked() {
        let ok = MailConfig {
            smtp: Some("127.0.0.1:2525".into()),
            from: Some("Cairn <cairn@example.com>".into()),
            base_url: None,
            username: None,
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(ok.server(), Some(("127.0.0.1".into(), 2525)));
        let bare = MailConfig {
            smtp: Some("mail.example.com".into()),
            ..ok.clone()
        };
        assert_eq!(bare.server(), Some(("mail.example.com".into(), 25)));
        let bad_port = MailConfig {
            smtp: Some("mail.example.com:smtp".into()),
            ..ok.clone()
        };
        assert!(bad_port.validate().unwrap_err().contains("not a port"));
        let no_from = MailConfig {
            from: None,
            ..ok.clone()
        };
        assert!(no_from.validate().unwrap_err().contains("needs `from`"));
        let bad_from = MailConfig {
            from: Some("cairn".into()),
            ..ok
        };
        assert!(bad_from.validate().unwrap_err().contains("not an email"));
    }

    #[test]
    fn settings_fall_back_to_defaults() {
        let s = NotifySetting::resolve(&[NotifySetting {
            reason: "comment".into(),
            inbox: false,
            email: true,
        }]);
        assert_eq!(s.len(), REASONS.len());
        let c = s.iter().find(|s| s.reason == "comment");
        assert_eq!(c.map(|c| (c.inbox, c.email)), Some((false, true)));
        let m = s.iter().find(|s| s.reason == "mention");
        assert_eq!(m.map(|c| (c.inbox, c.email)), Some((true, true)));
    }
}
