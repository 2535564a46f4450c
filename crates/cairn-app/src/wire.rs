//! Wire shapes: items and audit entries as machines see them, in the CLI's
//! `--format json` and in the REST API alike. Field names are stable;
//! instants are RFC 3339 UTC text.

use cairn_core::{AuditEntry, Change, Comment, Item, format_millis};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct ItemOut<'a> {
    pub key: String,
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub state: &'a str,
    pub category: &'a str,
    pub assignee: Option<&'a str>,
    pub labels: &'a [String],
    pub estimate: Option<f64>,
    pub acceptance: &'a str,
    pub fields: &'a BTreeMap<String, cairn_core::FieldValue>,
    pub created: String,
    pub updated: String,
    pub resolved: Option<String>,
    pub started: Option<String>,
    pub rank: &'a str,
    pub parent: Option<String>,
    pub release: Option<&'a str>,
    pub goals: &'a [String],
    pub version: i64,
}

pub fn item_out(i: &Item) -> ItemOut<'_> {
    ItemOut {
        key: i.key.to_string(),
        kind: i.kind.as_str(),
        title: &i.title,
        description: &i.description,
        state: &i.state,
        category: i.category.as_str(),
        assignee: i.assignee.as_deref(),
        labels: &i.labels,
        estimate: i.estimate,
        acceptance: &i.acceptance,
        fields: &i.fields,
        created: format_millis(i.created),
        updated: format_millis(i.updated),
        resolved: i.resolved.map(format_millis),
        started: i.started.map(format_millis),
        rank: &i.rank,
        parent: i.parent.as_ref().map(ToString::to_string),
        release: i.release.as_deref(),
        goals: &i.goals,
        version: i.version,
    }
}

#[derive(Debug, Serialize)]
pub struct AuditOut<'a> {
    pub seq: i64,
    pub at: String,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub related: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub changes: Vec<Change>,
    pub hash: &'a str,
}

pub fn audit_out(e: &AuditEntry) -> AuditOut<'_> {
    AuditOut {
        seq: e.seq,
        at: format_millis(e.at),
        actor: &e.actor,
        action: &e.action,
        target: &e.target,
        related: e.related.as_deref(),
        reason: e.reason.as_deref(),
        changes: e.change_list(),
        hash: &e.hash,
    }
}

#[derive(Debug, Serialize)]
pub struct CommentOut<'a> {
    pub id: i64,
    pub item: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

pub fn comment_out(c: &Comment) -> CommentOut<'_> {
    CommentOut {
        id: c.id,
        item: &c.item,
        author: &c.author,
        body: &c.body,
        created: format_millis(c.created),
        reply_to: c.reply_to,
        edited: c.edited.map(format_millis),
        deleted: c.deleted.map(format_millis),
    }
}
