//! The OpenAPI 3.1 document, built from the same operation list that
//! builds the router (see `api::routes`). The copy checked in at
//! `docs/openapi.json` is compared with this one by a test.

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy)]
pub enum In {
    Path,
    Query,
    Header,
}

/// A parameter.
#[derive(Debug, Clone, Copy)]
pub struct P {
    pub name: &'static str,
    pub at: In,
    pub doc: &'static str,
}

impl P {
    pub const fn path(name: &'static str, doc: &'static str) -> P {
        P {
            name,
            at: In::Path,
            doc,
        }
    }
    pub const fn query(name: &'static str, doc: &'static str) -> P {
        P {
            name,
            at: In::Query,
            doc,
        }
    }
    pub const fn header(name: &'static str, doc: &'static str) -> P {
        P {
            name,
            at: In::Header,
            doc,
        }
    }
}

/// One operation: method, path (under /api/v1), what it does, who may
/// call it, and its body and response schemas (names in `components`).
#[derive(Debug, Clone)]
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub params: Vec<P>,
    pub body: Option<&'static str>,
    pub ok: u16,
    pub returns: Option<&'static str>,
    pub public: bool,
    pub role: &'static str,
    pub conditional: bool,
}

impl Op {
    fn new(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        tag: &'static str,
    ) -> Op {
        Op {
            method,
            path,
            summary,
            tag,
            params: Vec::new(),
            body: None,
            ok: 200,
            returns: None,
            public: false,
            role: "stakeholder",
            conditional: false,
        }
    }
    pub fn get(path: &'static str, summary: &'static str, tag: &'static str) -> Op {
        Op::new("get", path, summary, tag)
    }
    pub fn post(path: &'static str, summary: &'static str, tag: &'static str) -> Op {
        Op::new("post", path, summary, tag)
    }
    pub fn patch(path: &'static str, summary: &'static str, tag: &'static str) -> Op {
        Op::new("patch", path, summary, tag)
    }
    pub fn put(path: &'static str, summary: &'static str, tag: &'static str) -> Op {
        Op::new("put", path, summary, tag)
    }
    pub fn delete(path: &'static str, summary: &'static str, tag: &'static str) -> Op {
        Op::new("delete", path, summary, tag)
    }
    pub fn param(mut self, p: P) -> Op {
        self.params.push(p);
        self
    }
    pub fn params(mut self, ps: &[P]) -> Op {
        self.params.extend_from_slice(ps);
        self
    }
    pub fn body(mut self, schema: &'static str) -> Op {
        self.body = Some(schema);
        self
    }
    pub fn returns(mut self, schema: &'static str) -> Op {
        self.returns = Some(schema);
        self
    }
    pub fn created(mut self, schema: &'static str) -> Op {
        self.ok = 201;
        self.returns = Some(schema);
        self
    }
    pub fn no_content(mut self) -> Op {
        self.ok = 204;
        self.returns = None;
        self
    }
    pub fn public(mut self) -> Op {
        self.public = true;
        self
    }
    /// The least role that may call it (default: stakeholder, i.e. anyone
    /// who can see the product).
    pub fn role(mut self, r: &'static str) -> Op {
        self.role = r;
        self
    }
    /// Takes `If-Match`: 428 without it, 412 when stale.
    pub fn conditional(mut self) -> Op {
        self.conditional = true;
        self
    }
}

fn schema_ref(name: &str) -> Value {
    match name {
        "object" => json!({ "type": "object" }),
        "array" => json!({ "type": "object" }),
        n => json!({ "$ref": format!("#/components/schemas/{n}") }),
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn operation(op: &Op) -> Value {
    let mut params = Vec::new();
    for p in &op.params {
        let (at, required) = match p.at {
            In::Path => ("path", true),
            In::Query => ("query", false),
            In::Header => ("header", true),
        };
        params.push(json!({
            "name": p.name,
            "in": at,
            "required": required,
            "description": p.doc,
            "schema": { "type": "string" },
        }));
    }
    let mut responses = Map::new();
    let ok = match op.returns {
        Some(s) => json!({
            "description": "Success",
            "content": { "application/json": { "schema": schema_ref(s) } }
        }),
        None => json!({ "description": "Success, no body" }),
    };
    responses.insert(op.ok.to_string(), ok);
    responses.insert(
        "400".into(),
        error_response("Bad input: the message says what and where; `field` names the member"),
    );
    if !op.public {
        responses.insert(
            "401".into(),
            error_response("No valid API token or session"),
        );
        responses.insert(
            "403".into(),
            error_response("You see the object but your role does not allow this, or a session request lacks its CSRF token"),
        );
        responses.insert(
            "404".into(),
            error_response("No such object, or one you may not see"),
        );
    }
    if op.conditional {
        responses.insert(
            "412".into(),
            error_response(
                "The item changed since you read it; `current` holds the current version",
            ),
        );
        responses.insert("428".into(), error_response("If-Match is missing"));
    }
    let mut o = json!({
        "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '.', '-'], "_")),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
        "x-cairn-role": op.role,
    });
    if op.public {
        o["security"] = json!([]);
    }
    if let Some(b) = op.body {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema_ref(b) } }
        });
    }
    o
}

fn schemas() -> Value {
    let mut all = base_schemas();
    for more in [feedback_schemas(), git_schemas(), webhook_schemas()] {
        if let (Value::Object(m), Value::Object(f)) = (&mut all, more) {
            m.extend(f);
        }
    }
    all
}

/// The git endpoints' bodies.
/// The bodies of the webhook operations added after the base set.
fn webhook_schemas() -> Value {
    json!({
        "WebhookPatch": { "type": "object", "additionalProperties": false, "properties": { "url": { "type": "string", "description": "A new http:// URL" }, "events": { "type": "array", "items": { "type": "string", "enum": ["*", "item.created", "item.changed", "item.moved", "comment.added", "release.shipped", "gate.failed"] }, "description": "Empty: all events" }, "active": { "type": "boolean", "description": "false pauses the webhook (it is sent nothing and nothing is queued for it); true resumes it, and what waited goes out on the next run" }, "secret": { "type": "string", "description": "A new signing secret, at least 16 characters" }, "new_secret": { "type": "boolean", "description": "true: generate a new secret; the answer shows it this once" } } }
    })
}

fn git_schemas() -> Value {
    let commit = json!({
        "type": "object",
        "properties": {
            "hash": { "type": "string" }, "short": { "type": "string" },
            "repo": { "type": "string", "description": "The repository it was first read from" },
            "author": { "type": "string" }, "email": { "type": "string" },
            "at": { "type": "string", "format": "date-time", "description": "Author time" },
            "subject": { "type": "string", "description": "The message's first line" },
            "fixes": { "type": "boolean", "description": "The message said it fixes (closes, resolves) the item" }
        }
    });
    json!({
        "CommitList": {
            "type": "object",
            "properties": { "item": { "type": "string" }, "commits": { "type": "array", "items": commit } }
        },
        "GitScan": {
            "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": {
                "path": { "type": "string", "description": "A repository on the server's machine: a clone's folder or a bare repository" },
                "dry_run": { "type": "boolean", "description": "Report what would be linked and moved; write nothing" }
            }
        },
        "GitScanReport": {
            "type": "object",
            "properties": {
                "repo": { "type": "string" }, "head": { "type": "string" },
                "previous": { "type": ["string", "null"], "description": "The tip the previous scan read up to" },
                "dry_run": { "type": "boolean" },
                "commits_read": { "type": "integer" }, "new_commits": { "type": "integer" },
                "links_added": { "type": "integer" },
                "moved": { "type": "array", "items": { "type": "object", "properties": {
                    "key": { "type": "string" }, "from": { "type": "string" }, "to": { "type": "string" }, "commit": { "type": "string" }
                } } },
                "not_moved": { "type": "array", "items": { "type": "object", "properties": {
                    "key": { "type": "string" }, "state": { "type": "string" }, "to": { "type": "string" },
                    "commit": { "type": "string" }, "reason": { "type": "string" }
                } } },
                "unknown_keys": { "type": "array", "items": { "type": "string" } }
            }
        }
    })
}

/// The feedback endpoints' bodies (apart, to stay within `json!`'s recursion limit).
fn feedback_schemas() -> Value {
    json!({
        "NewFeedback": {
            "type": "object", "required": ["text"], "additionalProperties": false,
            "properties": {
                "product": { "type": "string" }, "text": { "type": "string" },
                "source": { "type": "string", "description": "support, sales, interview, survey, app-review, intake, email, other, or one under [feedback] sources" },
                "source_id": { "type": "string", "description": "The record's id in the source system; unique per product and source" },
                "customer": { "type": "string", "description": "The customer's organisation" },
                "segment": { "type": "string" }, "revenue": { "type": "number", "minimum": 0 },
                "requester": { "type": "string" }, "received": { "type": "string", "format": "date" },
                "importance": { "type": "string", "enum": ["nice-to-have", "important", "critical"] },
                "items": { "type": "array", "items": { "type": "string" } }
            }
        },
        "FeedbackPatch": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "text": { "type": "string" }, "source": { "type": "string" }, "source_id": { "type": "string" },
                "customer": { "type": "string" }, "requester": { "type": "string" },
                "received": { "type": "string", "format": "date" },
                "importance": { "type": "string", "enum": ["nice-to-have", "important", "critical"] },
                "version": { "type": "integer", "description": "Refuse unless the feedback is still at this version" }
            }
        },
        "FeedbackLinks": {
            "type": "object", "required": ["items"], "additionalProperties": false,
            "properties": { "items": { "type": "array", "items": { "type": "string" } } }
        },
        "FeedbackMerge": {
            "type": "object", "required": ["into"], "additionalProperties": false,
            "properties": { "into": { "type": "string", "description": "The record the duplicate joins" } }
        },
        "TellBody": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "product": { "type": "string" },
                "items": { "type": "array", "items": { "type": "string" }, "description": "Only these done items" },
                "release": { "type": "string" }
            }
        },
        "CustomerBody": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
                "name": { "type": "string" },
                "segment": { "type": ["string", "null"] },
                "revenue": { "type": ["number", "null"], "minimum": 0 }
            }
        }
    })
}

fn base_schemas() -> Value {
    let ts = json!({ "type": "string", "format": "date-time" });
    let opt_ts = json!({ "type": ["string", "null"], "format": "date-time" });
    let item = json!({
        "type": "object",
        "required": ["key", "kind", "title", "state", "category", "version"],
        "properties": {
            "key": { "type": "string", "example": "PAY-12" },
            "kind": { "type": "string", "enum": ["requirement", "epic", "story", "task", "bug", "spike", "debt"] },
            "title": { "type": "string" },
            "description": { "type": "string", "description": "Markdown" },
            "state": { "type": "string" },
            "category": { "type": "string", "enum": ["todo", "in-progress", "done"] },
            "assignee": { "type": ["string", "null"] },
            "labels": { "type": "array", "items": { "type": "string" } },
            "estimate": { "type": ["number", "null"] },
            "acceptance": { "type": "string", "description": "Acceptance criteria, often Gherkin" },
            "fields": { "type": "object", "description": "Custom fields declared in the workspace config" },
            "created": ts, "updated": ts, "resolved": opt_ts, "started": opt_ts,
            "rank": { "type": "string", "description": "Fractional index; sorts the backlog" },
            "parent": { "type": ["string", "null"] },
            "release": { "type": ["string", "null"] },
            "goals": { "type": "array", "items": { "type": "string" } },
            "version": { "type": "integer", "description": "Also the ETag" }
        }
    });
    let link_end = json!({
        "type": "object",
        "properties": {
            "relation": { "type": "string" }, "other": { "type": "string" },
            "other_title": { "type": "string" }, "other_state": { "type": "string" }
        }
    });
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": { "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "description": "Stable: invalid_input, invalid_body, bad_query, unauthorized, bad_credentials, csrf, forbidden, not_found, method_not_allowed, version_conflict, precondition_required, already_exists, rate_limited, too_large, unsupported_media_type, internal" },
                    "message": { "type": "string" },
                    "field": { "type": "string", "description": "The input member at fault" },
                    "column": { "type": "integer", "description": "For bad_query: the column in q" },
                    "current": { "$ref": "#/components/schemas/Item" }
                }
            } }
        },
        "Item": item,
        "ItemView": { "allOf": [ { "$ref": "#/components/schemas/Item" }, {
            "type": "object",
            "properties": {
                "links": { "type": "array", "items": link_end },
                "children": { "type": "array", "items": { "type": "string" } }
            }
        } ] },
        "ItemPage": {
            "type": "object",
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } },
                "total": { "type": "integer", "description": "Matches, counted up to 500; only with total=true" },
                "total_capped": { "type": "boolean", "description": "True when there are more than `total` matches" },
                "next_cursor": { "type": ["string", "null"] }
            }
        },
        "NewItem": {
            "type": "object",
            "required": ["title"],
            "additionalProperties": false,
            "properties": {
                "product": { "type": "string" }, "kind": { "type": "string" },
                "title": { "type": "string" }, "description": { "type": "string" },
                "state": { "type": "string" }, "assignee": { "type": "string" },
                "labels": { "type": "array", "items": { "type": "string" } },
                "estimate": { "type": "number" }, "acceptance": { "type": "string" },
                "fields": { "type": "object" }, "parent": { "type": "string" },
                "release": { "type": "string" },
                "goals": { "type": "array", "items": { "type": "string" } }
            }
        },
        "ItemPatch": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "kind": { "type": "string" }, "title": { "type": "string" },
                "description": { "type": "string" }, "state": { "type": "string" },
                "assignee": { "type": ["string", "null"] },
                "labels": { "type": "array", "items": { "type": "string" } },
                "estimate": { "type": ["number", "null"] }, "acceptance": { "type": "string" },
                "fields": { "type": "object" }, "parent": { "type": ["string", "null"] },
                "release": { "type": ["string", "null"] },
                "override_gate": { "type": "boolean", "description": "Move into a state the Definition of Ready or of Done guards although its rules fail (owners only; needs a reason). Without it such a move is refused with 422 gate_failed, listing the unmet rules in error.gate" },
                "reason": { "type": "string", "description": "Recorded in the audit trail" }
            }
        },
        "Move": {
            "type": "object",
            "additionalProperties": false,
            "description": "Exactly one of to, before, after",
            "properties": {
                "to": { "type": "string", "enum": ["top", "bottom"] },
                "before": { "type": "string" }, "after": { "type": "string" },
                "reason": { "type": "string" }
            }
        },
        "AuditList": { "type": "object", "properties": { "entries": { "type": "array", "items": {
            "type": "object",
            "properties": {
                "seq": { "type": "integer" }, "at": ts, "actor": { "type": "string" },
                "action": { "type": "string" }, "target": { "type": "string" },
                "related": { "type": ["string", "null"] }, "reason": { "type": ["string", "null"] },
                "changes": { "type": "array" }, "hash": { "type": "string" }
            }
        } } } },
        "Comment": {
            "type": "object",
            "properties": {
                "id": { "type": "integer" }, "item": { "type": "string" },
                "author": { "type": "string" }, "body": { "type": "string", "description": "Empty once deleted" }, "created": ts,
                "reply_to": { "type": "integer", "description": "The comment it answers" },
                "edited": ts, "deleted": ts
            }
        },
        "CommentList": { "type": "object", "properties": { "comments": { "type": "array", "items": { "$ref": "#/components/schemas/Comment" } } } },
        "NewComment": { "type": "object", "required": ["body"], "additionalProperties": false, "properties": { "body": { "type": "string" }, "reply_to": { "type": "integer" } } },
        "ReadBody": { "type": "object", "additionalProperties": false, "properties": { "ids": { "type": "array", "items": { "type": "integer" }, "description": "Absent: all" } } },
        "NotifySettingsBody": { "type": "object", "additionalProperties": false, "properties": { "email": { "type": "string", "description": "Where your notification mail goes; empty clears it" }, "settings": { "type": "array", "items": { "type": "object", "additionalProperties": false, "required": ["reason", "inbox", "email"], "properties": { "reason": { "type": "string", "enum": ["mention", "assigned", "comment", "state"] }, "inbox": { "type": "boolean" }, "email": { "type": "boolean" } } } } } },
        "NewWebhook": { "type": "object", "required": ["url"], "additionalProperties": false, "properties": { "url": { "type": "string", "description": "An http:// URL (this build has no TLS)" }, "events": { "type": "array", "items": { "type": "string", "enum": ["*", "item.created", "item.changed", "item.moved", "comment.added", "release.shipped", "gate.failed"] }, "description": "Absent or empty: all events" }, "secret": { "type": "string", "description": "At least 16 characters; generated when absent" } } },
        "CommentPatch": { "type": "object", "required": ["body"], "additionalProperties": false, "properties": { "body": { "type": "string" } } },
        "NewLink": {
            "type": "object", "required": ["relation", "target"], "additionalProperties": false,
            "properties": { "relation": { "type": "string" }, "target": { "type": "string" }, "reason": { "type": "string" } }
        },
        "Link": { "type": "object", "properties": { "src": { "type": "string" }, "kind": { "type": "string" }, "dst": { "type": "string" } } },
        "FindingList": { "type": "object", "properties": { "findings": { "type": "array", "items": { "type": "object" } } } },
        "Decompose": {
            "type": "object", "additionalProperties": false,
            "properties": { "class": { "type": "string" }, "apply": { "type": "boolean" } }
        },
        "RankApply": {
            "type": "object", "additionalProperties": false,
            "properties": { "product": { "type": "string" }, "q": { "type": "string" }, "model": { "type": "string" }, "reason": { "type": "string" } }
        },
        "Me": {
            "type": "object",
            "properties": {
                "handle": { "type": "string" }, "name": { "type": "string" }, "admin": { "type": "boolean" },
                "roles": { "type": "array", "items": { "type": "object", "properties": {
                    "product": { "type": "string" }, "role": { "type": "string", "enum": ["owner", "member", "stakeholder"] }
                } } }
            }
        },
        "Token": {
            "type": "object",
            "properties": {
                "id": { "type": "integer" }, "name": { "type": "string" }, "created": { "type": "integer" },
                "last_used": { "type": ["integer", "null"] }, "revoked": { "type": ["integer", "null"] }
            }
        },
        "TokenList": { "type": "object", "properties": { "tokens": { "type": "array", "items": { "$ref": "#/components/schemas/Token" } } } },
        "NewToken": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": { "name": { "type": "string" } } },
        "NewTokenOut": {
            "type": "object",
            "properties": { "token": { "$ref": "#/components/schemas/Token" }, "secret": { "type": "string", "description": "Shown once" } }
        },
        "NewBaseline": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
                "product": { "type": "string" }, "name": { "type": "string" },
                "query": { "type": "string", "description": "The items to freeze (default: kind = requirement)" },
                "description": { "type": "string" }
            }
        },
        "Baseline": {
            "type": "object",
            "properties": {
                "product": { "type": "string" }, "name": { "type": "string" }, "query": { "type": "string" },
                "description": { "type": "string" }, "created": { "type": "string" }, "actor": { "type": "string" },
                "hash": { "type": "string", "description": "SHA-256 over its items' content hashes" },
                "items": { "type": "integer" }
            }
        },
        "ProductList": { "type": "object", "properties": { "products": { "type": "array", "items": {
            "type": "object",
            "properties": { "prefix": { "type": "string" }, "name": { "type": "string" }, "role": { "type": "string" } }
        } } } }
    })
}

/// The whole document.
pub fn document() -> Value {
    let (ops, _) = crate::api::routes();
    let mut paths: Map<String, Value> = Map::new();
    for op in &ops {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cairn API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Cairn's REST API: items, links, queries, history, ranking, forecasts, plans, lint and decomposition. Authenticate with `Authorization: Bearer <token>` (create one with `cairn user token add` or POST /me/tokens). Updates need `If-Match` with the item's ETag. Errors are JSON objects {\"error\": {\"code\", \"message\", \"field\"}}. An object you may not see answers 404."
        },
        "servers": [ { "url": "/api/v1" } ],
        "security": [ { "token": [] }, { "session": [] } ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": { "type": "http", "scheme": "bearer", "description": "A personal API token (cairn_...)" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE, "description": "The web app's session; changes also need the X-CSRF-Token header" }
            },
            "schemas": schemas(),
        }
    })
}
