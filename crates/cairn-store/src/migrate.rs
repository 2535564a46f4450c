//! Embedded, append-only migrations per backend, applied on open.

use crate::StoreError;
use crate::backend::{Backend, Dialect};
use crate::value::Value;
use sha2::{Digest, Sha256};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "started",
        sql: include_str!("../migrations/sqlite/0002_started.sql"),
    },
    Migration {
        version: 3,
        name: "requirements",
        sql: include_str!("../migrations/sqlite/0003_requirements.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        sql: include_str!("../migrations/sqlite/0004_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "register",
        sql: include_str!("../migrations/sqlite/0005_register.sql"),
    },
    Migration {
        version: 6,
        name: "report_snapshots",
        sql: include_str!("../migrations/sqlite/0006_report_snapshots.sql"),
    },
    Migration {
        version: 7,
        name: "evidence",
        sql: include_str!("../migrations/sqlite/0007_evidence.sql"),
    },
    Migration {
        version: 8,
        name: "baselines",
        sql: include_str!("../migrations/sqlite/0008_baselines.sql"),
    },
    Migration {
        version: 9,
        name: "signatures",
        sql: include_str!("../migrations/sqlite/0009_signatures.sql"),
    },
    Migration {
        version: 10,
        name: "feedback",
        sql: include_str!("../migrations/sqlite/0010_feedback.sql"),
    },
    Migration {
        version: 11,
        name: "discussions",
        sql: include_str!("../migrations/sqlite/0011_discussions.sql"),
    },
    Migration {
        version: 12,
        name: "notifications",
        sql: include_str!("../migrations/sqlite/0012_notifications.sql"),
    },
    Migration {
        version: 13,
        name: "mail",
        sql: include_str!("../migrations/sqlite/0013_mail.sql"),
    },
    Migration {
        version: 14,
        name: "webhooks",
        sql: include_str!("../migrations/sqlite/0014_webhooks.sql"),
    },
    Migration {
        version: 15,
        name: "git",
        sql: include_str!("../migrations/sqlite/0015_git.sql"),
    },
    Migration {
        version: 16,
        name: "external_refs",
        sql: include_str!("../migrations/sqlite/0016_external_refs.sql"),
    },
    Migration {
        version: 17,
        name: "webhook_events",
        sql: include_str!("../migrations/sqlite/0017_webhook_events.sql"),
    },
    Migration {
        version: 18,
        name: "webhook_payloads",
        sql: include_str!("../migrations/sqlite/0018_webhook_payloads.sql"),
    },
    Migration {
        version: 19,
        name: "webhook_queue",
        sql: include_str!("../migrations/sqlite/0019_webhook_queue.sql"),
    },
    Migration {
        version: 20,
        name: "webhook_event_body",
        sql: include_str!("../migrations/sqlite/0020_webhook_event_body.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "started",
        sql: include_str!("../migrations/postgres/0002_started.sql"),
    },
    Migration {
        version: 3,
        name: "requirements",
        sql: include_str!("../migrations/postgres/0003_requirements.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        sql: include_str!("../migrations/postgres/0004_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "register",
        sql: include_str!("../migrations/postgres/0005_register.sql"),
    },
    Migration {
        version: 6,
        name: "report_snapshots",
        sql: include_str!("../migrations/postgres/0006_report_snapshots.sql"),
    },
    Migration {
        version: 7,
        name: "evidence",
        sql: include_str!("../migrations/postgres/0007_evidence.sql"),
    },
    Migration {
        version: 8,
        name: "baselines",
        sql: include_str!("../migrations/postgres/0008_baselines.sql"),
    },
    Migration {
        version: 9,
        name: "signatures",
        sql: include_str!("../migrations/postgres/0009_signatures.sql"),
    },
    Migration {
        version: 10,
        name: "feedback",
        sql: include_str!("../migrations/postgres/0010_feedback.sql"),
    },
    Migration {
        version: 11,
        name: "discussions",
        sql: include_str!("../migrations/postgres/0011_discussions.sql"),
    },
    Migration {
        version: 12,
        name: "notifications",
        sql: include_str!("../migrations/postgres/0012_notifications.sql"),
    },
    Migration {
        version: 13,
        name: "mail",
        sql: include_str!("../migrations/postgres/0013_mail.sql"),
    },
    Migration {
        version: 14,
        name: "webhooks",
        sql: include_str!("../migrations/postgres/0014_webhooks.sql"),
    },
    Migration {
        version: 15,
        name: "git",
        sql: include_str!("../migrations/postgres/0015_git.sql"),
    },
    Migration {
        version: 16,
        name: "external_refs",
        sql: include_str!("../migrations/postgres/0016_external_refs.sql"),
    },
    Migration {
        version: 17,
        name: "webhook_events",
        sql: include_str!("../migrations/postgres/0017_webhook_events.sql"),
    },
    Migration {
        version: 18,
        name: "webhook_payloads",
        sql: include_str!("../migrations/postgres/0018_webhook_payloads.sql"),
    },
    Migration {
        version: 19,
        name: "webhook_queue",
        sql: include_str!("../migrations/postgres/0019_webhook_queue.sql"),
    },
    Migration {
        version: 20,
        name: "webhook_event_body",
        sql: include_str!("../migrations/postgres/0020_webhook_event_body.sql"),
    },
];

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Apply the migrations not yet applied, up to `upto` (a version).
pub fn migrate(b: &mut dyn Backend, now: i64, upto: i64) -> Result<(), StoreError> {
    let list = match b.dialect() {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    match b.dialect() {
        Dialect::Sqlite => b.batch("BEGIN IMMEDIATE")?,
        Dialect::Postgres => {
            b.batch("BEGIN")?;
            // Several servers may start at once: one migrates, the others wait.
            b.batch("SELECT pg_advisory_xact_lock(7478720100)")?;
        }
    }
    let r = apply(b, list, now, upto);
    match r {
        Ok(()) => b.batch("COMMIT"),
        Err(e) => {
            let _ = b.batch("ROLLBACK");
            Err(e)
        }
    }
}

fn apply(b: &mut dyn Backend, list: &[Migration], now: i64, upto: i64) -> Result<(), StoreError> {
    b.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )?;
    let applied = b.query(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
        &[],
    )?;
    for row in &applied {
        let version = row[0].as_i64().unwrap_or(0);
        let Some(m) = list.iter().find(|m| m.version == version) else {
            return Err(StoreError::TooNew(version));
        };
        if row[2].as_str() != Some(checksum(m.sql).as_str()) {
            return Err(StoreError::MigrationChanged {
                version,
                name: m.name.to_string(),
            });
        }
    }
    // By version, not by count: migrations written on different branches
    // may leave gaps in the numbers and land in either order.
    let done: Vec<i64> = applied.iter().filter_map(|r| r[0].as_i64()).collect();
    for m in list
        .iter()
        .filter(|m| !done.contains(&m.version) && m.version <= upto)
    {
        b.batch(m.sql)?;
        b.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            &[Value::Int(m.version), m.name.into(), checksum(m.sql).into(), Value::Int(now)],
        )?;
    }
    Ok(())
}
