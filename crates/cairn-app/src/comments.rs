//! Discussions on items: comments with replies, edited and deleted in
//! place, with `@name` mentions and item keys that become links. Anyone
//! who can see an item may comment on it (stakeholders included). Every
//! write is audited, so an edit's or a deletion's earlier text stays in
//! the audit trail.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::Change;
use cairn_core::{Comment, ItemKey, Role};
use serde::Serialize;

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 20_000;

/// What a comment's text refers to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Refs {
    /// `@handle`s naming a user or a person, lower case, in order of
    /// first mention.
    pub mentions: Vec<String>,
    /// Keys of items the caller can see, in order of first mention.
    pub keys: Vec<String>,
}

fn check_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return invalid("the comment is empty; write something to say");
    }
    if body.chars().count() > MAX_COMMENT {
        return invalid(format!(
            "the comment is {} characters long; keep it under {MAX_COMMENT}",
            body.chars().count()
        ));
    }
    Ok(body.to_string())
}

/// The `@handle` words of a text: `@` at the start or after a space or
/// punctuation (not inside an address), then letters, digits, `-`, `_`
/// or `.` (a trailing `.` is the sentence's).
pub fn at_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.')) {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || matches!(chars[j], '-' | '_' | '.'))
            {
                j += 1;
            }
            let w: String = chars[i + 1..j]
                .iter()
                .collect::<String>()
                .trim_end_matches('.')
                .to_lowercase();
            if !w.is_empty() && !out.contains(&w) {
                out.push(w);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Comments in thread order: each followed by the replies to it, with
/// its depth (0 for a comment on the item). A reply whose comment is
/// missing counts as a comment on the item.
pub fn thread(all: &[Comment]) -> Vec<(Comment, usize)> {
    fn walk(all: &[Comment], parent: Option<i64>, depth: usize, out: &mut Vec<(Comment, usize)>) {
        for c in all.iter().filter(|c| {
            c.reply_to == parent
                || (parent.is_none() && c.reply_to.is_some_and(|r| !all.iter().any(|x| x.id == r)))
        }) {
            out.push((c.clone(), depth));
            if depth < 50 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(all.len());
    walk(all, None, 0, &mut out);
    out
}

impl App {
    /// The mentions and item keys of a text, against the workspace's
    /// users, people and products.
    pub fn comment_refs(&mut self, body: &str) -> Result<Refs> {
        let words = at_words(body);
        let mut mentions = Vec::new();
        if !words.is_empty() {
            let users: Vec<String> = self
                .store
                .users()?
                .into_iter()
                .map(|u| u.user.handle.to_lowercase())
                .collect();
            let people: Vec<String> = self
                .store
                .people()?
                .into_iter()
                .map(|p| p.handle.to_lowercase())
                .collect();
            for w in words {
                if users.contains(&w) || people.contains(&w) {
                    mentions.push(w);
                }
            }
        }
        let prefixes: Vec<String> = self
            .store
            .products()?
            .into_iter()
            .map(|p| p.prefix)
            .collect();
        let refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let mut keys: Vec<String> = Vec::new();
        for k in cairn_core::key::keys_in(body, &refs) {
            let s = k.to_string();
            if !keys.contains(&s) && self.can_see_key(&k) && self.store.item_id(&k)?.is_some() {
                keys.push(s);
            }
        }
        Ok(Refs { mentions, keys })
    }

    /// Comment on an item, or answer one of its comments.
    pub fn comment_add(
        &mut self,
        key: &ItemKey,
        body: &str,
        reply_to: Option<i64>,
    ) -> Result<Comment> {
        self.require_init()?;
        self.need_item(key, Role::Stakeholder, "comment")?;
        let body = check_body(body)?;
        if let Some(r) = reply_to {
            match self.store.comment(r)? {
                Some(c) if c.item == key.to_string() && c.deleted.is_none() => {}
                Some(c) if c.deleted.is_some() => {
                    return invalid(format!("comment {r} was deleted; answer the item instead"));
                }
                _ => {
                    return Err(AppError::NotFound(format!(
                        "{key} has no comment {r}; list them with `cairn comment list {key}`"
                    )));
                }
            }
        }
        let mentions = self.comment_refs(&body)?.mentions;
        self.tx(|tx| {
            let item = tx.load(key, None)?;
            let c = tx.store.insert_comment(
                key,
                &Comment {
                    id: 0,
                    item: key.to_string(),
                    author: tx.actor.to_string(),
                    body: body.clone(),
                    created: tx.now,
                    reply_to,
                    edited: None,
                    deleted: None,
                },
            )?;
            let mut changes = vec![
                Change::new("comment", (), &body),
                Change::new("id", (), c.id),
            ];
            if let Some(r) = reply_to {
                changes.push(Change::new("reply_to", (), r));
            }
            tx.audit("comment.add", &key.to_string(), None, &changes, None)?;
            tx.on_comment(key, &body, &mentions)?;
            tx.webhook_comment(&item, &c)?;
            Ok(c)
        })
    }

    /// A comment the caller can see.
    fn comment_visible(&mut self, id: i64) -> Result<Comment> {
        let c = self.store.comment(id)?;
        match c {
            Some(c)
                if c.item
                    .parse::<ItemKey>()
                    .is_ok_and(|k| self.can_see_key(&k)) =>
            {
                Ok(c)
            }
            _ => Err(AppError::NotFound(format!("there is no comment {id}"))),
        }
    }

    /// Change a comment's text: its author only. The old text stays in
    /// the audit trail.
    pub fn comment_edit(&mut self, id: i64, body: &str) -> Result<Comment> {
        self.require_init()?;
        let before = self.comment_visible(id)?;
        if before.deleted.is_some() {
            return invalid(format!("comment {id} was deleted"));
        }
        if before.author != self.actor {
            return Err(AppError::Forbidden(format!(
                "comment {id} is {}'s; only its author can change it",
                before.author
            )));
        }
        let body = check_body(body)?;
        if body == before.body {
            return Ok(before);
        }
        self.tx(|tx| {
            let mut c = before.clone();
            c.body = body.clone();
            c.edited = Some(tx.now);
            tx.store.update_comment(&c)?;
            tx.audit(
                "comment.edit",
                &c.item,
                None,
                &[
                    Change::new("id", c.id, c.id),
                    Change::new("comment", &before.body, &body),
                ],
                None,
            )?;
            Ok(c)
        })
    }

    /// Delete a comment: its author, or an owner of the product. Replies
    /// stay; the text is kept in the audit trail.
    pub fn comment_delete(&mut self, id: i64, reason: Option<&str>) -> Result<Comment> {
        self.require_init()?;
        let before = self.comment_visible(id)?;
        if before.deleted.is_some() {
            return Ok(before);
        }
        if before.author != self.actor {
            let key: ItemKey = before
                .item
                .parse()
                .map_err(|_| AppError::NotFound(format!("there is no comment {id}")))?;
            self.need(&key.prefix, Role::Owner, "delete another person's comment")?;
        }
        self.tx(|tx| {
            let mut c = before.clone();
            c.body = String::new();
            c.deleted = Some(tx.now);
            tx.store.update_comment(&c)?;
            tx.audit(
                "comment.delete",
                &c.item,
                None,
                &[
                    Change::new("id", c.id, c.id),
                    Change::new("comment", &before.body, ()),
                ],
                reason,
            )?;
            Ok(c)
        })
    }

    pub fn comments(&mut self, key: &ItemKey) -> Result<Vec<Comment>> {
        self.item(key)?;
        Ok(self.store.comments(key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_words_after_an_at_sign() {
        assert_eq!(
            at_words("@ada and @Ben.Li, ask @chen. Mail ann@example.test @ada"),
            ["ada", "ben.li", "chen"]
        );
        assert!(at_words("no mentions here, x@y").is_empty());
        assert!(at_words("@").is_empty());
    }
}
