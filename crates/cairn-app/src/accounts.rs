//! Accounts for `cairn serve`: users with argon2id password hashes, roles
//! per product, sign-in sessions, personal API tokens, and sign-in rate
//! limits kept in the database so several server processes share them.

use crate::access::Access;
use crate::{App, AppError, Result, invalid};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cairn_core::audit::Change;
use cairn_core::{ApiToken, Membership, Millis, Role, User};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// How long a sign-in session lasts.
pub const SESSION_TTL: Millis = 7 * 24 * 3600 * 1000;
/// Failed sign-ins allowed per account, and per client address, within
/// [`LOCKOUT_WINDOW`].
pub const MAX_FAILURES_PER_USER: u64 = 5;
pub const MAX_FAILURES_PER_CLIENT: u64 = 20;
pub const LOCKOUT_WINDOW: Millis = 15 * 60 * 1000;
/// API tokens start with this, so secret scanners and people recognise them.
pub const TOKEN_PREFIX: &str = "cairn_";

/// A user with their roles, as an admin sees them.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<Membership>,
}

/// A signed-in session: who, and the token its forms must echo.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub access: Access,
    pub csrf: String,
    pub name: String,
}

/// A new session's secrets: the cookie value and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires: Millis,
}

/// 32 random bytes, URL-safe base64: session, CSRF, API token and webhook secrets.
pub(crate) fn random_secret() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// Secrets are stored as SHA-256 digests: they are long and random, so a
/// fast hash is enough (passwords get argon2id).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Invalid(format!("cannot hash the password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random secret, verified against when the account does not
/// exist so that a wrong handle takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_secret()).unwrap_or_default())
}

fn check_password(p: &str) -> Result<()> {
    if p.chars().count() < MIN_PASSWORD {
        return invalid(format!(
            "the password is too short: use at least {MIN_PASSWORD} characters (a few words make a good one)"
        ));
    }
    if p.len() > 1024 {
        return invalid("the password is longer than 1024 bytes");
    }
    Ok(())
}

fn check_handle(handle: &str) -> Result<String> {
    let h = handle.trim();
    let ok = !h.is_empty()
        && h.len() <= 64
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        return invalid(format!(
            "`{h}` is not a usable user name: use letters, digits, '.', '-', '_' and '@' (e.g. ada.l)"
        ));
    }
    Ok(h.to_ascii_lowercase())
}

impl App {
    fn user_record(&mut self, handle: &str) -> Result<cairn_store::UserRecord> {
        let h = handle.trim().to_ascii_lowercase();
        self.store.user(&h)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "there is no user {h}; list them with `cairn user list`"
            ))
        })
    }

    /// Create a user. The first admin is made with `cairn user add --admin`.
    pub fn user_add(
        &mut self,
        handle: &str,
        name: &str,
        email: Option<&str>,
        password: &str,
        admin: bool,
    ) -> Result<User> {
        self.need_admin("add users")?;
        let handle = check_handle(handle)?;
        check_password(password)?;
        let hash = hash_password(password)?;
        let user = User {
            handle: handle.clone(),
            name: if name.trim().is_empty() {
                handle.clone()
            } else {
                name.trim().to_string()
            },
            email: email
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string),
            admin,
            disabled: false,
            created: self.now(),
        };
        self.tx(|tx| {
            if tx.store.user(&handle)?.is_some() {
                return invalid(format!("user {handle} already exists"));
            }
            tx.store.insert_user(&user, &hash)?;
            tx.audit(
                "user.create",
                &format!("user:{handle}"),
                None,
                &[
                    Change::new("name", (), &user.name),
                    Change::new("admin", (), admin),
                ],
                None,
            )?;
            Ok(())
        })?;
        Ok(user)
    }

    pub fn users(&mut self) -> Result<Vec<UserView>> {
        self.need_admin("list users")?;
        let recs = self.store.users()?;
        let mut out = Vec::with_capacity(recs.len());
        for r in recs {
            let roles = self.store.memberships(r.id)?;
            out.push(UserView {
                user: r.user,
                roles,
            });
        }
        Ok(out)
    }

    /// Give a user a role in a product, or take it away (`None`).
    pub fn user_grant(&mut self, handle: &str, product: &str, role: Option<Role>) -> Result<()> {
        self.need_admin("change roles")?;
        let rec = self.user_record(handle)?;
        let product = self.resolve_product(Some(product))?.prefix;
        self.tx(|tx| {
            let before = tx
                .store
                .memberships(rec.id)?
                .into_iter()
                .find(|m| m.product == product)
                .map(|m| m.role.as_str().to_string());
            tx.store.set_membership(rec.id, &product, role)?;
            tx.audit(
                "user.role",
                &format!("user:{}", rec.user.handle),
                None,
                &[Change::new(
                    &format!("role.{product}"),
                    before,
                    role.map(|r| r.as_str().to_string()),
                )],
                None,
            )?;
            Ok(())
        })
    }

    /// Set a new password; every session of that user ends.
    pub fn user_set_password(&mut self, handle: &str, password: &str) -> Result<()> {
        let rec = self.user_record(handle)?;
        if self
            .access
            .as_ref()
            .is_some_and(|a| !a.admin && a.user != rec.user.handle)
        {
            return Err(AppError::Forbidden(
                "you can only change your own password".into(),
            ));
        }
        check_password(password)?;
        let hash = hash_password(password)?;
        self.tx(|tx| {
            tx.store.set_password_hash(rec.id, &hash)?;
            tx.store.delete_user_sessions(rec.id)?;
            tx.audit(
                "user.password",
                &format!("user:{}", rec.user.handle),
                None,
                &[],
                None,
            )?;
            Ok(())
        })
    }

    /// Set or clear the address notification mail goes to: your own, or
    /// anyone's for an admin.
    pub fn user_set_email(&mut self, handle: &str, email: Option<&str>) -> Result<User> {
        if self.access.as_ref().is_some_and(|a| a.user != handle) {
            self.need_admin("change another user's email address")?;
        }
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email
            && !cairn_core::notify::looks_like_address(e)
        {
            return invalid(format!(
                "`{e}` is not an email address; write it as name@example.com"
            ));
        }
        let rec = self.user_record(handle)?;
        let mut u = rec.user.clone();
        u.email = email.map(str::to_string);
        if u.email == rec.user.email {
            return Ok(u);
        }
        self.tx(|tx| {
            tx.store.update_user(rec.id, &u)?;
            tx.audit(
                "user.update",
                &format!("user:{}", u.handle),
                None,
                &[Change::new("email", &rec.user.email, &u.email)],
                None,
            )?;
            Ok(())
        })?;
        Ok(u)
    }

    /// Disable or re-enable an account; disabling ends its sessions and
    /// stops its tokens working.
    pub fn user_set_disabled(&mut self, handle: &str, disabled: bool) -> Result<()> {
        self.need_admin("disable users")?;
        let rec = self.user_record(handle)?;
        if disabled && rec.user.admin && self.store.count_admins()? <= 1 {
            return invalid(format!(
                "{} is the last admin; make someone else an admin first",
                rec.user.handle
            ));
        }
        let mut u = rec.user.clone();
        u.disabled = disabled;
        self.tx(|tx| {
            tx.store.update_user(rec.id, &u)?;
            if disabled {
                tx.store.delete_user_sessions(rec.id)?;
            }
            tx.audit(
                "user.update",
                &format!("user:{}", u.handle),
                None,
                &[Change::new("disabled", rec.user.disabled, disabled)],
                None,
            )?;
            Ok(())
        })
    }

    fn access_of(&mut self, rec: &cairn_store::UserRecord) -> Result<Access> {
        let roles = self
            .store
            .memberships(rec.id)?
            .into_iter()
            .map(|m| (m.product, m.role))
            .collect();
        Ok(Access {
            user: rec.user.handle.clone(),
            admin: rec.user.admin,
            roles,
        })
    }

    /// Check an account's password again (for an electronic signature).
    /// Failures count towards the same lockout as sign-ins.
    pub(crate) fn check_password(
        &mut self,
        handle: &str,
        password: &str,
    ) -> Result<cairn_store::UserRecord> {
        let handle = handle.trim().to_ascii_lowercase();
        let now = self.now();
        let subject = format!("user:{handle}");
        if self
            .store
            .login_attempts_since(&subject, now - LOCKOUT_WINDOW)?
            >= MAX_FAILURES_PER_USER
        {
            return Err(AppError::RateLimited {
                retry_after: LOCKOUT_WINDOW / 1000,
            });
        }
        let rec = self.store.user(&handle)?;
        let ok = match &rec {
            Some(r) => password_matches(password, &r.password_hash) && !r.user.disabled,
            None => {
                let _ = password_matches(password, decoy_hash());
                false
            }
        };
        match rec.filter(|_| ok) {
            Some(r) => Ok(r),
            None => {
                self.store.begin()?;
                match self.store.add_login_attempt(&subject, now) {
                    Ok(()) => self.store.commit()?,
                    Err(e) => {
                        let _ = self.store.rollback();
                        return Err(e.into());
                    }
                }
                Err(AppError::BadCredentials)
            }
        }
    }

    /// Check a password and start a session. `client` (the peer address)
    /// and the handle are each rate-limited; a refusal says when to retry.
    pub fn sign_in(&mut self, handle: &str, password: &str, client: &str) -> Result<NewSession> {
        let handle = handle.trim().to_ascii_lowercase();
        let now = self.now();
        let since = now - LOCKOUT_WINDOW;
        let user_subject = format!("user:{handle}");
        let client_subject = format!("client:{client}");
        if self.store.login_attempts_since(&user_subject, since)? >= MAX_FAILURES_PER_USER
            || self.store.login_attempts_since(&client_subject, since)? >= MAX_FAILURES_PER_CLIENT
        {
            return Err(AppError::RateLimited {
                retry_after: LOCKOUT_WINDOW / 1000,
            });
        }
        let rec = self.store.user(&handle)?;
        let ok = match &rec {
            Some(r) => password_matches(password, &r.password_hash) && !r.user.disabled,
            None => {
                let _ = password_matches(password, decoy_hash());
                false
            }
        };
        let Some(rec) = rec.filter(|_| ok) else {
            self.store.begin()?;
            let r = self
                .store
                .add_login_attempt(&user_subject, now)
                .and_then(|_| self.store.add_login_attempt(&client_subject, now));
            match r {
                Ok(()) => self.store.commit()?,
                Err(e) => {
                    let _ = self.store.rollback();
                    return Err(e.into());
                }
            }
            return Err(AppError::BadCredentials);
        };
        let s = NewSession {
            token: random_secret(),
            csrf: random_secret(),
            expires: now + SESSION_TTL,
        };
        self.store.begin()?;
        let r = self
            .store
            .insert_session(&secret_hash(&s.token), rec.id, &s.csrf, now, s.expires)
            .and_then(|_| self.store.clear_login_attempts(&user_subject))
            .and_then(|_| self.store.purge_sessions(now).map(|_| ()))
            .and_then(|_| self.store.purge_login_attempts(since).map(|_| ()));
        match r {
            Ok(()) => self.store.commit()?,
            Err(e) => {
                let _ = self.store.rollback();
                return Err(e.into());
            }
        }
        Ok(s)
    }

    /// The live session a cookie names, if any.
    pub fn session(&mut self, token: &str) -> Result<Option<SessionInfo>> {
        let Some(s) = self.store.session(&secret_hash(token))? else {
            return Ok(None);
        };
        if s.expires <= self.now() {
            return Ok(None);
        }
        let Some(rec) = self.store.user_by_id(s.user_id)? else {
            return Ok(None);
        };
        if rec.user.disabled {
            return Ok(None);
        }
        Ok(Some(SessionInfo {
            access: self.access_of(&rec)?,
            csrf: s.csrf,
            name: rec.user.name,
        }))
    }

    pub fn sign_out(&mut self, token: &str) -> Result<()> {
        Ok(self.store.delete_session(&secret_hash(token))?)
    }

    /// Create a personal API token for a user; the secret is shown once.
    pub fn token_add(&mut self, handle: &str, name: &str) -> Result<(ApiToken, String)> {
        let rec = self.user_record(handle)?;
        self.own_account(&rec.user.handle, "create tokens for another user")?;
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return invalid("give the token a name of 1 to 100 characters, e.g. `ci`");
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let now = self.now();
        let id = self.tx(|tx| {
            let id = tx
                .store
                .insert_token(rec.id, name, &secret_hash(&secret), now)?;
            tx.audit(
                "token.create",
                &format!("user:{}", rec.user.handle),
                None,
                &[Change::new("token", (), format!("{id} {name}"))],
                None,
            )?;
            Ok(id)
        })?;
        Ok((
            ApiToken {
                id,
                name: name.to_string(),
                created: now,
                last_used: None,
                revoked: None,
            },
            secret,
        ))
    }

    pub fn tokens(&mut self, handle: &str) -> Result<Vec<ApiToken>> {
        let rec = self.user_record(handle)?;
        self.own_account(&rec.user.handle, "see another user's tokens")?;
        Ok(self.store.tokens(rec.id)?)
    }

    pub fn token_revoke(&mut self, handle: &str, id: i64) -> Result<()> {
        let rec = self.user_record(handle)?;
        self.own_account(&rec.user.handle, "revoke another user's tokens")?;
        let now = self.now();
        self.tx(|tx| {
            if !tx.store.revoke_token(rec.id, id, now)? {
                return Err(AppError::NotFound(format!(
                    "{} has no live token {id}; list them with `cairn token list`",
                    rec.user.handle
                )));
            }
            tx.audit(
                "token.revoke",
                &format!("user:{}", rec.user.handle),
                None,
                &[Change::new("token", id.to_string(), ())],
                None,
            )?;
            Ok(())
        })
    }

    /// Who a bearer token acts for, if it is live and its user enabled.
    pub fn token_access(&mut self, secret: &str) -> Result<Option<Access>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some((id, user_id, last_used)) = self.store.token(&secret_hash(secret))? else {
            return Ok(None);
        };
        let Some(rec) = self.store.user_by_id(user_id)? else {
            return Ok(None);
        };
        if rec.user.disabled {
            return Ok(None);
        }
        // Record use at most once a minute, so reads do not become writes
        // (a write takes SQLite's one writer lock).
        let now = self.now();
        if last_used.is_none_or(|t| t < now - 60_000) {
            self.store.touch_token(id, now)?;
        }
        Ok(Some(self.access_of(&rec)?))
    }

    fn own_account(&self, handle: &str, what: &str) -> Result<()> {
        match &self.access {
            Some(a) if !a.admin && a.user != handle => {
                Err(AppError::Forbidden(format!("you cannot {what}")))
            }
            _ => Ok(()),
        }
    }
}
