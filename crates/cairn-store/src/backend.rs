//! The backend seam: a SQL connection that runs Cairn's SQL on SQLite or
//! PostgreSQL. SQL text is written once with `?` placeholders; the
//! PostgreSQL backend numbers them (`$1`, `$2`, ...). Values are always
//! bound as parameters, never formatted into the text.

use crate::StoreError;
use crate::value::{Row, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

pub trait Backend: Send {
    fn dialect(&self) -> Dialect;
    /// Run one statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Run one query and return every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Run one or more statements that take no parameters.
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Insert many rows into `table` as fast as the backend can.
    fn bulk_insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Row>,
    ) -> Result<u64, StoreError>;
}

/// Rewrite `?` placeholders as `$1`, `$2`, ... (outside quoted text).
pub fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                '?' => {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                }
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_placeholders_outside_quotes() {
        assert_eq!(
            super::number_placeholders("a = ? AND b = '?' AND c IN (?, ?)"),
            "a = $1 AND b = '?' AND c IN ($2, $3)"
        );
    }
}
