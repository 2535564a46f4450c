//! Accounts: users, their roles per product, personal API tokens and
//! comments. Passwords and tokens never appear here, only their hashes in
//! the store.

use crate::Millis;
use serde::{Deserialize, Serialize};

/// What a user may do in one product. Admins are users with the `admin`
/// flag; they may do everything everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads, comments and adds feedback.
    Stakeholder,
    /// A developer: creates and edits items, links and moves them.
    Member,
    /// The product owner: also ranks, decomposes and imports requirements.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Member, Role::Stakeholder];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Stakeholder => "stakeholder",
            Role::Member => "member",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stakeholder" => Some(Role::Stakeholder),
            "member" | "developer" => Some(Role::Member),
            "owner" | "product-owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub handle: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub admin: bool,
    pub disabled: bool,
    pub created: Millis,
}

/// A user's role in one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub product: String,
    pub role: Role,
}

/// A personal API token as its owner sees it (never the secret itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created: Millis,
    pub last_used: Option<Millis>,
    pub revoked: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub item: String,
    pub author: String,
    /// Empty once deleted (the text stays in the audit trail).
    pub body: String,
    pub created: Millis,
    /// The comment this one answers.
    pub reply_to: Option<i64>,
    /// When the text was last changed.
    pub edited: Option<Millis>,
    /// When it was deleted.
    pub deleted: Option<Millis>,
}

/// A line in a user's in-app inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    /// Whose inbox it is in.
    pub handle: String,
    pub at: Millis,
    /// `mention`, `comment`, `assigned` or `state`.
    pub reason: String,
    pub item: String,
    /// Who did what it tells of.
    pub actor: String,
    pub summary: String,
    pub read_at: Option<Millis>,
    /// Shown in the in-app inbox (the user's settings may send it by mail only).
    pub inbox: bool,
    /// Mail delivery: `None` (not mailed), `pending`, `sending`, `sent` or `failed`.
    pub mail: Option<String>,
    /// Why the last try to mail it failed.
    pub mail_error: Option<String>,
}
