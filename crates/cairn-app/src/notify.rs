//! Watchers and in-app notifications. Authors, assignees, commenters and
//! mentioned people watch an item; anyone may follow one. What happens to
//! an item (a comment, a mention, an assignment, a move) lands in the
//! inbox of each watcher with an account, except the one who did it.

use crate::{App, AppError, Result, Tx};
use cairn_core::audit::Change;
use cairn_core::notify::{NotifySetting, REASONS, looks_like_address, on_off};
use cairn_core::{Item, ItemKey, Notification, Role};

/// A short quote of a text for a notification.
fn quote(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= 80 {
        one
    } else {
        let mut t: String = one.chars().take(79).collect();
        t.push('…');
        t
    }
}

impl Tx<'_> {
    /// Notify `to` (handles) of something done to `key`, except the
    /// actor and handles without an account.
    pub(crate) fn notify(
        &mut self,
        key: &ItemKey,
        reason: &str,
        summary: &str,
        to: &[String],
    ) -> Result<()> {
        let mut done: Vec<&str> = Vec::new();
        for h in to {
            if h == self.actor || done.contains(&h.as_str()) {
                continue;
            }
            done.push(h);
            let Some(user) = self.store.user(h)? else {
                continue;
            };
            if user.user.disabled {
                continue;
            }
            let setting = NotifySetting::resolve(&self.store.notify_settings(h)?)
                .into_iter()
                .find(|s| s.reason == reason)
                .unwrap_or_else(|| NotifySetting::default_for(reason));
            let mail = setting.email
                && user.user.email.as_deref().is_some_and(looks_like_address)
                && self.config.mail.server().is_some();
            if !setting.inbox && !mail {
                continue;
            }
            self.store.add_notification(&Notification {
                id: 0,
                handle: h.clone(),
                at: self.now,
                reason: reason.to_string(),
                item: key.to_string(),
                actor: self.actor.to_string(),
                summary: summary.to_string(),
                read_at: None,
                inbox: setting.inbox,
                mail: mail.then(|| "pending".to_string()),
                mail_error: None,
            })?;
        }
        Ok(())
    }

    /// After a comment: its author and the people it mentions watch the
    /// item; the mentioned hear of the mention, the other watchers of the
    /// comment.
    pub(crate) fn on_comment(
        &mut self,
        key: &ItemKey,
        body: &str,
        mentions: &[String],
    ) -> Result<()> {
        let actor = self.actor.to_string();
        self.store.watch(key, &actor, self.now)?;
        for m in mentions {
            self.store.watch(key, m, self.now)?;
        }
        self.notify(
            key,
            "mention",
            &format!("{actor} mentioned you on {key}: {}", quote(body)),
            mentions,
        )?;
        let others: Vec<String> = self
            .store
            .watchers(key)?
            .into_iter()
            .filter(|w| !mentions.contains(w))
            .collect();
        self.notify(
            key,
            "comment",
            &format!("{actor} commented on {key}: {}", quote(body)),
            &others,
        )
    }

    /// After an item is created or changed: its creator and assignee watch
    /// it; a new assignee hears of it, and watchers hear of a move.
    pub(crate) fn on_item(&mut self, before: Option<&Item>, after: &Item) -> Result<()> {
        let key = &after.key;
        let actor = self.actor.to_string();
        if before.is_none() {
            self.store.watch(key, &actor, self.now)?;
        }
        if let Some(a) = &after.assignee
            && before.is_none_or(|b| b.assignee.as_ref() != Some(a))
        {
            self.store.watch(key, a, self.now)?;
            self.notify(
                key,
                "assigned",
                &format!("{actor} assigned {key} to you: {}", quote(&after.title)),
                std::slice::from_ref(a),
            )?;
        }
        if let Some(b) = before
            && b.state != after.state
        {
            let watchers = self.store.watchers(key)?;
            self.notify(
                key,
                "state",
                &format!(
                    "{actor} moved {key} to {}: {}",
                    after.state,
                    quote(&after.title)
                ),
                &watchers,
            )?;
        }
        Ok(())
    }
}

impl App {
    /// Follow an item: its comments and moves reach your inbox.
    pub fn watch(&mut self, key: &ItemKey) -> Result<Vec<String>> {
        self.require_init()?;
        self.need_item(key, Role::Stakeholder, "watch items")?;
        self.tx(|tx| {
            let actor = tx.actor.to_string();
            if tx.store.watch(key, &actor, tx.now)? {
                tx.audit(
                    "watch.add",
                    &key.to_string(),
                    None,
                    &[Change::new("watcher", (), &actor)],
                    None,
                )?;
            }
            Ok(tx.store.watchers(key)?)
        })
    }

    pub fn unwatch(&mut self, key: &ItemKey) -> Result<Vec<String>> {
        self.require_init()?;
        self.need_item(key, Role::Stakeholder, "watch items")?;
        self.tx(|tx| {
            let actor = tx.actor.to_string();
            if tx.store.unwatch(key, &actor)? {
                tx.audit(
                    "watch.remove",
                    &key.to_string(),
                    None,
                    &[Change::new("watcher", &actor, ())],
                    None,
                )?;
            }
            Ok(tx.store.watchers(key)?)
        })
    }

    pub fn watchers(&mut self, key: &ItemKey) -> Result<Vec<String>> {
        self.item(key)?;
        Ok(self.store.watchers(key)?)
    }

    /// The caller's inbox, newest first; items they can no longer see are
    /// left out.
    pub fn inbox(&mut self, unread_only: bool) -> Result<Vec<Notification>> {
        let me = self.actor.clone();
        let mut all = self.store.notifications(Some(&me), unread_only)?;
        all.retain(|n| {
            n.item
                .parse::<ItemKey>()
                .is_ok_and(|k| self.can_see_key(&k))
        });
        Ok(all)
    }

    /// Mark the caller's notifications read: the ones named, or all.
    pub fn inbox_read(&mut self, ids: Option<&[i64]>) -> Result<u64> {
        self.require_init()?;
        let me = self.actor.clone();
        let now = self.now();
        self.store.begin()?;
        match self.store.mark_read(&me, ids, now) {
            Ok(n) => {
                self.store.commit()?;
                Ok(n)
            }
            Err(e) => {
                let _ = self.store.rollback();
                Err(e.into())
            }
        }
    }

    /// Where the caller's notification mail goes.
    pub fn my_email(&mut self) -> Result<Option<String>> {
        let me = self.actor.clone();
        Ok(self.store.user(&me)?.and_then(|u| u.user.email))
    }

    /// The caller's notification settings, every reason listed.
    pub fn notify_settings(&mut self) -> Result<Vec<NotifySetting>> {
        self.require_init()?;
        let me = self.actor.clone();
        Ok(NotifySetting::resolve(&self.store.notify_settings(&me)?))
    }

    /// Change the caller's settings for the reasons given; the others stay.
    pub fn set_notify_settings(&mut self, changes: &[NotifySetting]) -> Result<Vec<NotifySetting>> {
        self.require_init()?;
        for c in changes {
            if !REASONS.contains(&c.reason.as_str()) {
                return Err(AppError::Invalid(format!(
                    "`{}` is not a notification reason; reasons are {}",
                    c.reason,
                    REASONS.join(", ")
                )));
            }
        }
        let me = self.actor.clone();
        if self.store.user(&me)?.is_none() {
            return Err(AppError::Invalid(format!(
                "`{me}` has no account, so has no notification settings; sign in as a user"
            )));
        }
        self.tx(|tx| {
            let before = NotifySetting::resolve(&tx.store.notify_settings(&me)?);
            let mut changed = Vec::new();
            for c in changes {
                let old = before.iter().find(|b| b.reason == c.reason);
                if old != Some(c) {
                    tx.store.set_notify_setting(&me, c)?;
                    let show = |s: Option<&NotifySetting>| {
                        s.map(|s| format!("inbox {}, email {}", on_off(s.inbox), on_off(s.email)))
                    };
                    changed.push(Change::new(
                        &format!("notify.{}", c.reason),
                        show(old),
                        show(Some(c)),
                    ));
                }
            }
            if !changed.is_empty() {
                tx.audit("user.notify", &me, None, &changed, None)?;
            }
            Ok(NotifySetting::resolve(&tx.store.notify_settings(&me)?))
        })
    }
}
