//! Comments on items: anyone who can see an item may comment on it
//! (stakeholders included); comments are audited like every other write.

use crate::{App, Result, invalid};
use cairn_core::audit::Change;
use cairn_core::{Comment, ItemKey, Role};

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 20_000;

impl App {
    pub fn comment_add(&mut self, key: &ItemKey, body: &str) -> Result<Comment> {
        self.require_init()?;
        self.need_item(key, Role::Stakeholder, "comment")?;
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
        self.tx(|tx| {
            tx.load(key, None)?;
            let c = tx.store.insert_comment(key, tx.actor, body, tx.now)?;
            tx.audit(
                "comment.add",
                &key.to_string(),
                None,
                &[Change::new("comment", (), body)],
                None,
            )?;
            Ok(c)
        })
    }

    pub fn comments(&mut self, key: &ItemKey) -> Result<Vec<Comment>> {
        self.item(key)?;
        Ok(self.store.comments(key)?)
    }
}
