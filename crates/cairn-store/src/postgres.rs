//! The PostgreSQL backend.

use crate::StoreError;
use crate::backend::{Backend, Dialect, number_placeholders};
use crate::value::{Row, Value};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::io::Write;

pub struct Postgres {
    client: Client,
    statements: HashMap<String, Statement>,
}

fn db_err(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(d) => StoreError::Db(format!("{} ({})", d.message(), d.code().code())),
        None => StoreError::Db(e.to_string()),
    }
}

impl Postgres {
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|e| StoreError::Open {
            url: redact(url),
            reason: format!(
                "{e}; check that PostgreSQL is running and the URL (host, port, user, database) is right"
            ),
        })?;
        Ok(Postgres {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let st = self
            .client
            .prepare(&number_placeholders(sql))
            .map_err(db_err)?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

/// Hide a password in a URL before it is shown.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

fn get_value(row: &postgres::Row, i: usize) -> Result<Value, StoreError> {
    let ty = row.columns()[i].type_();
    let v = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(|x| Value::Int(x.into()))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map(|v| v.map(|x| Value::Int(x.into()))),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map(|v| v.map(|x| Value::Real(x.into()))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map(|v| v.map(|b| Value::Int(b.into()))),
        _ => row
            .try_get::<_, Option<String>>(i)
            .map(|v| v.map(Value::Text)),
    }
    .map_err(db_err)?;
    Ok(v.unwrap_or(Value::Null))
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Escape one value for COPY's text format.
fn copy_field(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"\\N"),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        Value::Text(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        self.client.execute(&st, &params(values)).map_err(db_err)
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(sql)?;
        let rows = self.client.query(&st, &params(values)).map_err(db_err)?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| get_value(r, i)).collect())
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(db_err)
    }

    fn bulk_insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Row>,
    ) -> Result<u64, StoreError> {
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let mut w = self.client.copy_in(&sql).map_err(db_err)?;
        let mut buf = Vec::with_capacity(1 << 20);
        let mut n = 0;
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    buf.push(b'\t');
                }
                copy_field(&mut buf, v);
            }
            buf.push(b'\n');
            n += 1;
            if buf.len() > 1 << 20 {
                w.write_all(&buf)
                    .map_err(|e| StoreError::Db(e.to_string()))?;
                buf.clear();
            }
        }
        w.write_all(&buf)
            .map_err(|e| StoreError::Db(e.to_string()))?;
        w.finish().map_err(db_err)?;
        Ok(n)
    }
}
