//! Cairn's use cases. Each public method is one transaction that also
//! appends its audit entries; the CLI, the server and the importers all
//! write through here and nowhere else.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod access;
pub mod accounts;
pub mod baseline;
pub mod charts;
pub mod check;
pub mod comments;
pub mod csv_import;
pub mod demo;
pub mod dump;
pub mod evidence;
pub mod exec;
pub mod feedback;
pub mod forecast;
pub mod gates;
pub mod git;
pub mod goals;
pub mod import_ext;
pub mod items;
pub mod kano;
pub mod lint;
pub mod mail;
pub mod notify;
pub mod plan;
pub mod rank;
pub mod register;
pub mod report;
pub mod requirements;
pub mod roadmap;
pub mod signature;
pub mod team;
pub mod trace;
pub mod webhooks;
pub mod wire;
pub mod workspace;

use cairn_core::audit::{AuditEntry, Change};
use cairn_core::{Config, Millis};
use cairn_store::{Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub use access::Access;
pub use items::{NewItem, Patch, Position};

/// Where "now" comes from: the system clock, or a simulated one (the demo
/// generator walks six months of history with it).
pub trait Clock: Send + Sync {
    fn now(&self) -> Millis;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to.
#[derive(Default)]
pub struct SimClock(AtomicI64);

impl SimClock {
    pub fn new(at: Millis) -> Self {
        SimClock(AtomicI64::new(at))
    }
    pub fn set(&self, at: Millis) {
        self.0.store(at, Ordering::SeqCst);
    }
}

impl Clock for SimClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

impl<T: Clock> Clock for Arc<T> {
    fn now(&self) -> Millis {
        (**self).now()
    }
}

/// An instant's day on the UTC calendar, as YYYY-MM-DD.
pub(crate) fn day(ms: Millis) -> String {
    cairn_core::calendar::date_of(ms)
        .format("%Y-%m-%d")
        .to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: says what was wrong and how to fix it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// A query that does not parse or names unknown fields; `rendered`
    /// shows the query with a caret under the problem.
    #[error("{rendered}")]
    Query {
        rendered: String,
        message: String,
        column: usize,
    },
    /// The caller sees the object but may not change it.
    #[error("{0}")]
    Forbidden(String),
    #[error("the user name or password is wrong")]
    BadCredentials,
    #[error("too many failed sign-ins; try again in {retry_after} seconds")]
    RateLimited { retry_after: i64 },
    /// A move into a guarded state refused by the Definition of Ready or
    /// of Done: the unmet rules, each with what to do.
    #[error("{0}")]
    Gate(Box<crate::gates::GateRefusal>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// The process exit code for this error: 2 for bad input, 3 for
    /// database and internal failures.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Gate(_) => 1,
            AppError::Invalid(_)
            | AppError::NotFound(_)
            | AppError::Query { .. }
            | AppError::Forbidden(_)
            | AppError::BadCredentials
            | AppError::RateLimited { .. } => 2,
            AppError::Store(StoreError::Conflict { .. })
            | AppError::Store(StoreError::NotFound(_))
            | AppError::Store(StoreError::Duplicate(_)) => 2,
            AppError::Store(_) => 3,
        }
    }

    /// A stable code for machines (JSON output, the API).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid_input",
            AppError::Gate(_) => "gate_failed",
            AppError::NotFound(_) | AppError::Store(StoreError::NotFound(_)) => "not_found",
            AppError::Query { .. } => "bad_query",
            AppError::Forbidden(_) => "forbidden",
            AppError::BadCredentials => "bad_credentials",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Store(StoreError::Conflict { .. }) => "version_conflict",
            AppError::Store(StoreError::Duplicate(_)) => "already_exists",
            AppError::Store(StoreError::Open { .. }) => "database_unreachable",
            AppError::Store(_) => "database_error",
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// "N problems:" and the first 20 of them, one per line, for errors that
/// report every bad row or value at once.
pub(crate) fn problem_list(mut problems: Vec<String>, one: &str, many: &str) -> String {
    let total = problems.len();
    problems.truncate(20);
    let more = if total > 20 {
        format!("\n… and {} more", total - 20)
    } else {
        String::new()
    };
    let what = if total == 1 { one } else { many };
    format!("{total} {what}:\n{}{more}", problems.join("\n"))
}

pub(crate) fn invalid<T>(msg: impl Into<String>) -> Result<T> {
    Err(AppError::Invalid(msg.into()))
}

pub struct App {
    store: Store,
    config: Config,
    config_version: i64,
    clock: Box<dyn Clock>,
    actor: String,
    access: Option<Access>,
    /// The server's requests in flight, which sending webhooks gives way
    /// to; none outside `cairn serve`.
    foreground: Option<webhooks::Foreground>,
}

impl App {
    /// Open a database URL (see [`Store::open`]).
    pub fn open(url: &str, actor: &str) -> Result<App> {
        Self::open_with_clock(url, actor, Box::new(SystemClock))
    }

    pub fn open_with_clock(url: &str, actor: &str, clock: Box<dyn Clock>) -> Result<App> {
        let store = Store::open(url, clock.now())?;
        Self::with_store(store, actor, clock)
    }

    pub fn with_store(mut store: Store, actor: &str, clock: Box<dyn Clock>) -> Result<App> {
        let (config, config_version) = match store.load_config()? {
            Some((body, v)) => (
                Config::parse(&body).map_err(|e| {
                    AppError::Store(StoreError::Corrupt(format!(
                        "the stored workspace config is invalid: {e}"
                    )))
                })?,
                v,
            ),
            None => (Config::default(), 0),
        };
        let actor = if actor.trim().is_empty() {
            "cairn".to_string()
        } else {
            actor.trim().to_string()
        };
        Ok(App {
            store,
            config,
            config_version,
            clock,
            actor,
            access: None,
            foreground: None,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Make background work (sending webhooks) give way to these
    /// requests.
    pub fn set_foreground(&mut self, foreground: webhooks::Foreground) {
        self.foreground = Some(foreground);
    }

    pub fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    pub fn set_clock(&mut self, clock: Box<dyn Clock>) {
        self.clock = clock;
    }

    /// Has `cairn init` run on this database?
    pub fn is_initialised(&self) -> bool {
        self.config_version > 0
    }

    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Re-read the workspace config if another process changed it.
    pub fn reload_config(&mut self) -> Result<()> {
        if let Some((body, v)) = self.store.load_config()?
            && v != self.config_version
        {
            self.config = Config::parse(&body).map_err(|e| {
                AppError::Store(StoreError::Corrupt(format!(
                    "the stored workspace config is invalid: {e}"
                )))
            })?;
            self.config_version = v;
        }
        Ok(())
    }

    /// Run `f` in one transaction: everything it writes, audit entries
    /// included, lands together or not at all. It sees the config as
    /// stored when the transaction starts.
    pub(crate) fn tx<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.store.begin()?;
        if let Err(e) = self.reload_config() {
            let _ = self.store.rollback();
            return Err(e);
        }
        let now = self.clock.now();
        let mut tx = Tx {
            store: &mut self.store,
            config: &self.config,
            actor: &self.actor,
            now,
        };
        match f(&mut tx) {
            Ok(v) => {
                self.store.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.store.rollback();
                Err(e)
            }
        }
    }
}

/// What a use case sees inside its transaction.
pub(crate) struct Tx<'a> {
    pub store: &'a mut Store,
    pub config: &'a Config,
    pub actor: &'a str,
    pub now: Millis,
}

impl Tx<'_> {
    /// Append an audit entry chained to the current head.
    pub fn audit(
        &mut self,
        action: &str,
        target: &str,
        related: Option<&str>,
        changes: &[Change],
        reason: Option<&str>,
    ) -> Result<AuditEntry> {
        let (seq, prev_hash) = self.store.audit_head()?;
        let mut e = AuditEntry {
            seq: seq + 1,
            at: self.now,
            actor: self.actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            related: related.map(str::to_string),
            reason: reason.map(str::to_string).filter(|r| !r.trim().is_empty()),
            changes: serde_json::to_string(changes).unwrap_or_else(|_| "[]".into()),
            prev_hash,
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        self.store.append_audit(&e)?;
        Ok(e)
    }

    /// Append many entries (action, target, changes, reason) chained one
    /// after another, written in a few statements: for imports.
    pub fn audit_batch(
        &mut self,
        entries: Vec<(&str, String, Vec<Change>, Option<String>)>,
    ) -> Result<()> {
        let (mut seq, mut prev_hash) = self.store.audit_head()?;
        let mut out = Vec::with_capacity(entries.len());
        for (action, target, changes, reason) in entries {
            seq += 1;
            let mut e = AuditEntry {
                seq,
                at: self.now,
                actor: self.actor.to_string(),
                action: action.to_string(),
                target,
                related: None,
                reason: reason.filter(|r| !r.trim().is_empty()),
                changes: serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
                prev_hash,
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev_hash = e.hash.clone();
            out.push(e);
        }
        self.store.bulk_audit(&out)?;
        Ok(())
    }
}
