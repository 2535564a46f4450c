//! The embedded SQLite backend (bundled SQLite, WAL journal).

use crate::StoreError;
use crate::backend::{Backend, Dialect};
use crate::value::{Row, Value};
use rusqlite::types::ValueRef;
use std::path::Path;

/// Bound values per multi-row insert (SQLite allows 32,766).
const BULK_PARAMS: usize = 16_000;
/// Rows per multi-row insert at most.
const BULK_ROWS: usize = 500;

pub struct Sqlite {
    conn: rusqlite::Connection,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let conn = rusqlite::Connection::open(path).map_err(|e| StoreError::Open {
            url: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::setup(conn)
    }

    pub fn open_in_memory() -> Result<Sqlite, StoreError> {
        let conn = rusqlite::Connection::open_in_memory().map_err(db_err)?;
        Self::setup(conn)
    }

    fn setup(conn: rusqlite::Connection) -> Result<Sqlite, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -65536;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(db_err)?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Sqlite { conn })
    }
}

fn to_value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
    }
}

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(db_err)?;
        let n = st
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(db_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(db_err)?;
        let cols = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(db_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db_err)? {
            let mut row = Vec::with_capacity(cols);
            for i in 0..cols {
                row.push(to_value(r.get_ref(i).map_err(db_err)?));
            }
            out.push(row);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql).map_err(db_err)
    }

    fn bulk_insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Row>,
    ) -> Result<u64, StoreError> {
        // Many rows per statement: one statement (and, for a table with
        // full-text triggers, one index flush) per chunk, not per row.
        let per_row = format!("({})", vec!["?"; columns.len()].join(", "));
        let chunk = (BULK_PARAMS / columns.len().max(1)).clamp(1, BULK_ROWS);
        let sql_for = |rows: usize| {
            format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                vec![per_row.as_str(); rows].join(", ")
            )
        };
        let mut n = 0;
        let mut params: Vec<Value> = Vec::with_capacity(chunk * columns.len());
        let mut in_chunk = 0;
        let flush = |params: &mut Vec<Value>, rows: usize| -> Result<(), StoreError> {
            if rows == 0 {
                return Ok(());
            }
            let mut st = self.conn.prepare_cached(&sql_for(rows)).map_err(db_err)?;
            st.execute(rusqlite::params_from_iter(params.iter()))
                .map_err(db_err)?;
            params.clear();
            Ok(())
        };
        for row in rows {
            if row.len() != columns.len() {
                return Err(StoreError::Db(format!(
                    "a row of {} values for the {} columns of {table}",
                    row.len(),
                    columns.len()
                )));
            }
            params.extend(row);
            in_chunk += 1;
            n += 1;
            if in_chunk == chunk {
                flush(&mut params, in_chunk)?;
                in_chunk = 0;
            }
        }
        flush(&mut params, in_chunk)?;
        Ok(n)
    }
}
