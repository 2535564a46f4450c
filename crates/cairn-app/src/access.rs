//! Who is asking, and what they may see and do. The CLI on a local
//! database runs with no [`Access`] (the person holding the file may do
//! everything); `cairn serve` sets one per request. Every use case the
//! server reaches checks it here, in the app, so the API and the web pages
//! cannot disagree.
//!
//! An item or product the caller may not see answers exactly as if it did
//! not exist: the same error, the same message. Seeing but not being
//! allowed to change something is [`AppError::Forbidden`].

use crate::items::not_found;
use crate::{App, AppError, Result};
use cairn_core::{ItemKey, Role};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub user: String,
    pub admin: bool,
    /// Role per product prefix.
    pub roles: BTreeMap<String, Role>,
}

impl Access {
    /// The caller's role in a product (admins act as owners everywhere).
    pub fn role(&self, product: &str) -> Option<Role> {
        if self.admin {
            return Some(Role::Owner);
        }
        self.roles.get(product).copied()
    }

    pub fn can_see(&self, product: &str) -> bool {
        self.admin || self.roles.contains_key(product)
    }

    /// Products this caller sees, or `None` for all of them.
    pub fn visible(&self) -> Option<Vec<String>> {
        if self.admin {
            None
        } else {
            Some(self.roles.keys().cloned().collect())
        }
    }

    /// Does this caller own at least one product (or administer them all)?
    pub fn owns_any(&self) -> bool {
        self.admin || self.roles.values().any(|r| *r == Role::Owner)
    }
}

pub(crate) fn forbidden(what: &str, need: Role) -> AppError {
    AppError::Forbidden(format!(
        "you cannot {what}: it needs the {need} role in this product; ask a product owner or an admin"
    ))
}

impl App {
    /// Act for a signed-in user (the server), or with full local access
    /// (`None`, the CLI). The audit trail names the user.
    pub fn set_access(&mut self, access: Option<Access>) {
        if let Some(a) = &access {
            self.actor = a.user.clone();
        }
        self.access = access;
    }

    pub fn access(&self) -> Option<&Access> {
        self.access.as_ref()
    }

    pub(crate) fn can_see_product(&self, product: &str) -> bool {
        self.access.as_ref().is_none_or(|a| a.can_see(product))
    }

    pub(crate) fn can_see_key(&self, key: &ItemKey) -> bool {
        self.can_see_product(&key.prefix)
    }

    /// An item the caller may not see is an item that does not exist.
    pub(crate) fn see(&self, key: &ItemKey) -> Result<()> {
        if self.can_see_key(key) {
            Ok(())
        } else {
            Err(not_found(key))
        }
    }

    /// The caller needs at least `need` in `product` to `what`.
    pub(crate) fn need(&self, product: &str, need: Role, what: &str) -> Result<()> {
        match &self.access {
            None => Ok(()),
            Some(a) => match a.role(product) {
                None => Err(AppError::NotFound(format!("there is no product {product}"))),
                Some(r) if r >= need => Ok(()),
                Some(_) => Err(forbidden(what, need)),
            },
        }
    }

    pub(crate) fn need_item(&self, key: &ItemKey, need: Role, what: &str) -> Result<()> {
        self.see(key)?;
        self.need(&key.prefix, need, what)
    }

    /// Workspace-wide administration (users, config, products).
    pub(crate) fn need_admin(&self, what: &str) -> Result<()> {
        match &self.access {
            Some(a) if !a.admin => Err(AppError::Forbidden(format!(
                "you cannot {what}: only an admin can"
            ))),
            _ => Ok(()),
        }
    }
}
