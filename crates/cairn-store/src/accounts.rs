//! Users, memberships, sessions, API tokens, sign-in attempts and comments.
//! Secrets are stored only as hashes; callers hash before they call.

use crate::StoreError;
use crate::store::{Store, corrupt, int, text};
use crate::value::{Row, Value};
use cairn_core::{ApiToken, Comment, ItemKey, Membership, Millis, Role, User};

const USER_COLUMNS: &str = "id, handle, name, email, admin, disabled, created, password_hash";

/// A user as stored: the row id and the password hash beside the user.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub user: User,
    pub password_hash: String,
}

/// A live sign-in session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: i64,
    pub csrf: String,
    pub expires: Millis,
}

fn user_row(r: &Row) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: int(&r[0], "user id")?,
        user: User {
            handle: text(&r[1], "handle")?,
            name: text(&r[2], "name")?,
            email: r[3].as_str().map(str::to_string),
            admin: int(&r[4], "admin")? != 0,
            disabled: int(&r[5], "disabled")? != 0,
            created: int(&r[6], "created")?,
        },
        password_hash: text(&r[7], "password hash")?,
    })
}

fn flag(b: bool) -> Value {
    Value::Int(i64::from(b))
}

impl Store {
    // ---- users --------------------------------------------------------

    pub fn insert_user(&mut self, u: &User, password_hash: &str) -> Result<i64, StoreError> {
        if self.user(&u.handle)?.is_some() {
            return Err(StoreError::Duplicate(format!("user {}", u.handle)));
        }
        let rows = self.b.query(
            "INSERT INTO users (handle, name, email, password_hash, admin, disabled, created) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                (&u.handle).into(),
                (&u.name).into(),
                u.email.clone().into(),
                password_hash.into(),
                flag(u.admin),
                flag(u.disabled),
                Value::Int(u.created),
            ],
        )?;
        rows.first()
            .map(|r| int(&r[0], "user id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new user"))
    }

    pub fn user(&mut self, handle: &str) -> Result<Option<UserRecord>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE handle = ?"),
            &[handle.into()],
        )?;
        rows.first().map(user_row).transpose()
    }

    pub fn user_by_id(&mut self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first().map(user_row).transpose()
    }

    pub fn users(&mut self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY handle"),
            &[],
        )?;
        rows.iter().map(user_row).collect()
    }

    pub fn count_admins(&mut self) -> Result<u64, StoreError> {
        let rows = self.b.query(
            "SELECT COUNT(*) FROM users WHERE admin = 1 AND disabled = 0",
            &[],
        )?;
        Ok(rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) as u64)
    }

    pub fn update_user(&mut self, id: i64, u: &User) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE users SET name = ?, email = ?, admin = ?, disabled = ? WHERE id = ?",
            &[
                (&u.name).into(),
                u.email.clone().into(),
                flag(u.admin),
                flag(u.disabled),
                Value::Int(id),
            ],
        )?;
        Ok(())
    }

    pub fn set_password_hash(&mut self, id: i64, hash: &str) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?",
            &[hash.into(), Value::Int(id)],
        )?;
        Ok(())
    }

    // ---- memberships --------------------------------------------------

    /// Give a user a role in a product, or take it away (`None`).
    pub fn set_membership(
        &mut self,
        user_id: i64,
        product: &str,
        role: Option<Role>,
    ) -> Result<(), StoreError> {
        let pid = self
            .product_id(product)?
            .ok_or_else(|| StoreError::NotFound(format!("product {product}")))?;
        self.b.execute(
            "DELETE FROM memberships WHERE user_id = ? AND product_id = ?",
            &[Value::Int(user_id), Value::Int(pid)],
        )?;
        if let Some(role) = role {
            self.b.execute(
                "INSERT INTO memberships (user_id, product_id, role) VALUES (?, ?, ?)",
                &[Value::Int(user_id), Value::Int(pid), role.as_str().into()],
            )?;
        }
        Ok(())
    }

    pub fn memberships(&mut self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        let rows = self.b.query(
            "SELECT p.prefix, m.role FROM memberships m JOIN products p ON p.id = m.product_id \
             WHERE m.user_id = ? ORDER BY p.prefix",
            &[Value::Int(user_id)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    product: text(&r[0], "product")?,
                    role: Role::parse(&text(&r[1], "role")?).ok_or_else(|| corrupt("role"))?,
                })
            })
            .collect()
    }

    /// Every member of a product: (handle, role).
    pub fn members(&mut self, product: &str) -> Result<Vec<(String, Role)>, StoreError> {
        let rows = self.b.query(
            "SELECT u.handle, m.role FROM memberships m JOIN products p ON p.id = m.product_id \
             JOIN users u ON u.id = m.user_id WHERE p.prefix = ? ORDER BY u.handle",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    text(&r[0], "handle")?,
                    Role::parse(&text(&r[1], "role")?).ok_or_else(|| corrupt("role"))?,
                ))
            })
            .collect()
    }

    fn product_id(&mut self, prefix: &str) -> Result<Option<i64>, StoreError> {
        let rows = self
            .b
            .query("SELECT id FROM products WHERE prefix = ?", &[prefix.into()])?;
        rows.first().map(|r| int(&r[0], "product id")).transpose()
    }

    // ---- sessions -----------------------------------------------------

    pub fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        created: Millis,
        expires: Millis,
    ) -> Result<(), StoreError> {
        self.b.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
            &[
                token_hash.into(),
                Value::Int(user_id),
                csrf.into(),
                Value::Int(created),
                Value::Int(expires),
            ],
        )?;
        Ok(())
    }

    pub fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let rows = self.b.query(
            "SELECT user_id, csrf, expires FROM sessions WHERE token_hash = ?",
            &[token_hash.into()],
        )?;
        rows.first()
            .map(|r| {
                Ok(SessionRecord {
                    user_id: int(&r[0], "session user")?,
                    csrf: text(&r[1], "csrf")?,
                    expires: int(&r[2], "expires")?,
                })
            })
            .transpose()
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM sessions WHERE token_hash = ?",
            &[token_hash.into()],
        )?;
        Ok(())
    }

    /// End every session of a user (password change, disabling).
    pub fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM sessions WHERE user_id = ?",
            &[Value::Int(user_id)],
        )?;
        Ok(())
    }

    pub fn purge_sessions(&mut self, now: Millis) -> Result<u64, StoreError> {
        self.b.execute(
            "DELETE FROM sessions WHERE expires <= ?",
            &[Value::Int(now)],
        )
    }

    // ---- API tokens ---------------------------------------------------

    pub fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created) VALUES (?, ?, ?, ?) RETURNING id",
            &[
                Value::Int(user_id),
                name.into(),
                token_hash.into(),
                Value::Int(now),
            ],
        )?;
        rows.first()
            .map(|r| int(&r[0], "token id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new token"))
    }

    /// The live (unrevoked) token with this hash: (token id, user id,
    /// last used).
    pub fn token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<(i64, i64, Option<Millis>)>, StoreError> {
        let rows = self.b.query(
            "SELECT id, user_id, last_used FROM api_tokens WHERE token_hash = ? AND revoked IS NULL",
            &[token_hash.into()],
        )?;
        rows.first()
            .map(|r| {
                Ok((
                    int(&r[0], "token id")?,
                    int(&r[1], "token user")?,
                    r[2].as_i64(),
                ))
            })
            .transpose()
    }

    /// Note when a token was used.
    pub fn touch_token(&mut self, id: i64, now: Millis) -> Result<(), StoreError> {
        self.b.execute(
            "UPDATE api_tokens SET last_used = ? WHERE id = ?",
            &[Value::Int(now), Value::Int(id)],
        )?;
        Ok(())
    }

    pub fn tokens(&mut self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = self.b.query(
            "SELECT id, name, created, last_used, revoked FROM api_tokens WHERE user_id = ? ORDER BY id",
            &[Value::Int(user_id)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: int(&r[0], "token id")?,
                    name: text(&r[1], "token name")?,
                    created: int(&r[2], "created")?,
                    last_used: r[3].as_i64(),
                    revoked: r[4].as_i64(),
                })
            })
            .collect()
    }

    /// Revoke one of a user's tokens; false when there is no such live token.
    pub fn revoke_token(&mut self, user_id: i64, id: i64, now: Millis) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "UPDATE api_tokens SET revoked = ? WHERE id = ? AND user_id = ? AND revoked IS NULL",
            &[Value::Int(now), Value::Int(id), Value::Int(user_id)],
        )?;
        Ok(n > 0)
    }

    // ---- sign-in attempts ---------------------------------------------

    pub fn add_login_attempt(&mut self, subject: &str, at: Millis) -> Result<(), StoreError> {
        self.b.execute(
            "INSERT INTO login_attempts (subject, at) VALUES (?, ?)",
            &[subject.into(), Value::Int(at)],
        )?;
        Ok(())
    }

    pub fn login_attempts_since(
        &mut self,
        subject: &str,
        since: Millis,
    ) -> Result<u64, StoreError> {
        let rows = self.b.query(
            "SELECT COUNT(*) FROM login_attempts WHERE subject = ? AND at > ?",
            &[subject.into(), Value::Int(since)],
        )?;
        Ok(rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) as u64)
    }

    pub fn clear_login_attempts(&mut self, subject: &str) -> Result<(), StoreError> {
        self.b.execute(
            "DELETE FROM login_attempts WHERE subject = ?",
            &[subject.into()],
        )?;
        Ok(())
    }

    pub fn purge_login_attempts(&mut self, before: Millis) -> Result<u64, StoreError> {
        self.b.execute(
            "DELETE FROM login_attempts WHERE at <= ?",
            &[Value::Int(before)],
        )
    }

    // ---- comments -----------------------------------------------------

    /// Store a comment; its id is assigned here.
    pub fn insert_comment(&mut self, item: &ItemKey, c: &Comment) -> Result<Comment, StoreError> {
        let id = self
            .item_id(item)?
            .ok_or_else(|| StoreError::NotFound(item.to_string()))?;
        let params = [
            Value::Int(id),
            c.author.as_str().into(),
            c.body.as_str().into(),
            Value::Int(c.created),
            c.reply_to.map_or(Value::Null, Value::Int),
            c.edited.map_or(Value::Null, Value::Int),
            c.deleted.map_or(Value::Null, Value::Int),
        ];
        let rows = self.b.query(
            "INSERT INTO comments (item_id, author, body, created, reply_to, edited, deleted) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &params,
        )?;
        let cid = rows
            .first()
            .map(|r| int(&r[0], "comment id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id returned for the new comment"))?;
        Ok(Comment {
            id: cid,
            item: item.to_string(),
            ..c.clone()
        })
    }

    /// Add many comments at once (an import): (item row id, comment).
    /// Returns their ids, in order.
    pub fn insert_comments(&mut self, comments: &[(i64, Comment)]) -> Result<Vec<i64>, StoreError> {
        let ids = self.reserve_ids("comments", comments.len())?;
        let mut rows = comments.iter().zip(&ids).map(|((item, c), id)| {
            vec![
                Value::Int(*id),
                Value::Int(*item),
                c.author.as_str().into(),
                c.body.as_str().into(),
                Value::Int(c.created),
                c.reply_to.map_or(Value::Null, Value::Int),
                c.edited.map_or(Value::Null, Value::Int),
                c.deleted.map_or(Value::Null, Value::Int),
            ]
        });
        self.b.bulk_insert(
            "comments",
            &[
                "id", "item_id", "author", "body", "created", "reply_to", "edited", "deleted",
            ],
            &mut rows,
        )?;
        Ok(ids)
    }

    /// Change a comment's text or mark it deleted.
    pub fn update_comment(&mut self, c: &Comment) -> Result<(), StoreError> {
        let n = self.b.execute(
            "UPDATE comments SET body = ?, edited = ?, deleted = ? WHERE id = ?",
            &[
                c.body.as_str().into(),
                c.edited.map_or(Value::Null, Value::Int),
                c.deleted.map_or(Value::Null, Value::Int),
                Value::Int(c.id),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("comment {}", c.id)));
        }
        Ok(())
    }

    fn comment_rows(&mut self, filter: &str, params: &[Value]) -> Result<Vec<Comment>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT c.id, i.key, c.author, c.body, c.created, c.reply_to, c.edited, c.deleted \
                 FROM comments c JOIN items i ON i.id = c.item_id {filter} ORDER BY c.id"
            ),
            params,
        )?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: int(&r[0], "comment id")?,
                    item: text(&r[1], "item")?,
                    author: text(&r[2], "author")?,
                    body: text(&r[3], "body")?,
                    created: int(&r[4], "created")?,
                    reply_to: r[5].as_i64(),
                    edited: r[6].as_i64(),
                    deleted: r[7].as_i64(),
                })
            })
            .collect()
    }

    /// Every comment, oldest first (for the dump).
    pub fn all_comments(&mut self) -> Result<Vec<Comment>, StoreError> {
        self.comment_rows("", &[])
    }

    pub fn comments(&mut self, item: &ItemKey) -> Result<Vec<Comment>, StoreError> {
        self.comment_rows("WHERE i.key = ?", &[item.to_string().into()])
    }

    pub fn comment(&mut self, id: i64) -> Result<Option<Comment>, StoreError> {
        Ok(self
            .comment_rows("WHERE c.id = ?", &[Value::Int(id)])?
            .pop())
    }
}
