//! Test evidence: test cases, the runs that imported their results, and
//! the items each test verifies.

use crate::StoreError;
use crate::store::{Store, corrupt, int, parse_key, text};
use crate::value::{Row, Value};
use cairn_core::ItemKey;
use std::collections::{HashMap, HashSet};

/// One result to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResult {
    pub case_id: i64,
    pub outcome: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
    pub flaky: bool,
}

/// A run: one report file imported for one build.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub build: String,
    pub source: String,
    pub imported: i64,
    pub actor: String,
    /// Results by outcome: (outcome, count).
    pub outcomes: Vec<(String, u64)>,
}

/// A test case's latest result (from the most recent run it was in).
#[derive(Debug, Clone, PartialEq)]
pub struct LatestResult {
    pub case_id: i64,
    pub name: String,
    pub outcome: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
    pub flaky: bool,
    pub run_id: i64,
    pub build: String,
    pub imported: i64,
}

/// A test-to-item link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLink {
    pub case_id: i64,
    pub name: String,
    pub item: ItemKey,
    /// How it was made: `name`, `property` or `explicit`.
    pub source: String,
}

impl Store {
    /// Every test case of a product: name → id.
    pub fn test_case_ids(&mut self, product: &str) -> Result<HashMap<String, i64>, StoreError> {
        let rows = self.b.query(
            "SELECT c.name, c.id FROM test_cases c JOIN products p ON p.id = c.product_id \
             WHERE p.prefix = ?",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| Ok((text(&r[0], "test name")?, int(&r[1], "test id")?)))
            .collect()
    }

    /// Add test cases by name (they must be new to the product).
    pub fn insert_test_cases(
        &mut self,
        product: &str,
        names: &[String],
        created: i64,
    ) -> Result<(), StoreError> {
        let pid = self.product_row_id(product)?;
        let mut rows = names
            .iter()
            .map(|n| -> Row { vec![Value::Int(pid), n.into(), Value::Int(created)] });
        self.b
            .bulk_insert("test_cases", &["product_id", "name", "created"], &mut rows)?;
        Ok(())
    }

    /// The run of a product's build and report file, created, or emptied
    /// of its results when it already exists (a report imported again
    /// replaces its results). Returns its id and whether it existed.
    pub fn open_run(
        &mut self,
        product: &str,
        build: &str,
        source: &str,
        imported: i64,
        actor: &str,
    ) -> Result<(i64, bool), StoreError> {
        let pid = self.product_row_id(product)?;
        let found = self.b.query(
            "SELECT id FROM test_runs WHERE product_id = ? AND build = ? AND source = ?",
            &[Value::Int(pid), build.into(), source.into()],
        )?;
        if let Some(r) = found.first() {
            let id = int(&r[0], "run id")?;
            self.b.execute(
                "DELETE FROM test_results WHERE run_id = ?",
                &[Value::Int(id)],
            )?;
            self.b.execute(
                "UPDATE test_runs SET imported = ?, actor = ? WHERE id = ?",
                &[Value::Int(imported), actor.into(), Value::Int(id)],
            )?;
            return Ok((id, true));
        }
        let rows = self.b.query(
            "INSERT INTO test_runs (product_id, build, source, imported, actor) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
            &[
                Value::Int(pid),
                build.into(),
                source.into(),
                Value::Int(imported),
                actor.into(),
            ],
        )?;
        let id = rows
            .first()
            .map(|r| int(&r[0], "run id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id for the new test run"))?;
        Ok((id, false))
    }

    pub fn insert_results(&mut self, run: i64, results: &[NewResult]) -> Result<(), StoreError> {
        let mut rows = results.iter().map(|r| -> Row {
            vec![
                Value::Int(run),
                Value::Int(r.case_id),
                (&r.outcome).into(),
                r.duration.into(),
                r.message.clone().into(),
                Value::Int(i64::from(r.flaky)),
            ]
        });
        self.b.bulk_insert(
            "test_results",
            &[
                "run_id", "case_id", "outcome", "duration", "message", "flaky",
            ],
            &mut rows,
        )?;
        Ok(())
    }

    /// Row ids of items by key (keys that do not exist are left out).
    pub fn item_ids(&mut self, keys: &[ItemKey]) -> Result<HashMap<ItemKey, i64>, StoreError> {
        const CHUNK: usize = 64;
        let marks = vec!["?"; CHUNK].join(", ");
        let sql = format!("SELECT key, id FROM items WHERE key IN ({marks})");
        let mut out = HashMap::new();
        for chunk in keys.chunks(CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|k| k.to_string().into()).collect();
            params.resize(CHUNK, Value::Null);
            for r in self.b.query(&sql, &params)? {
                out.insert(parse_key(&r[0])?, int(&r[1], "item id")?);
            }
        }
        Ok(out)
    }

    /// (case id, item id) of every test link of a product's tests.
    pub fn test_link_pairs(&mut self, product: &str) -> Result<HashSet<(i64, i64)>, StoreError> {
        let rows = self.b.query(
            "SELECT l.case_id, l.item_id FROM test_links l JOIN test_cases c ON c.id = l.case_id \
             JOIN products p ON p.id = c.product_id WHERE p.prefix = ?",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| Ok((int(&r[0], "case id")?, int(&r[1], "item id")?)))
            .collect()
    }

    /// Add test links: (case id, item id, source).
    pub fn insert_test_links(
        &mut self,
        links: &[(i64, i64, &str)],
        created: i64,
    ) -> Result<(), StoreError> {
        let mut rows = links.iter().map(|(c, i, s)| -> Row {
            vec![
                Value::Int(*c),
                Value::Int(*i),
                (*s).into(),
                Value::Int(created),
            ]
        });
        self.b.bulk_insert(
            "test_links",
            &["case_id", "item_id", "source", "created"],
            &mut rows,
        )?;
        Ok(())
    }

    /// Remove one test link; false when there was none.
    pub fn delete_test_link(&mut self, case_id: i64, item: &ItemKey) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "DELETE FROM test_links WHERE case_id = ? AND item_id IN (SELECT id FROM items WHERE key = ?)",
            &[Value::Int(case_id), item.to_string().into()],
        )?;
        Ok(n > 0)
    }

    /// Every test link of a product's tests, by test name then item.
    pub fn test_links(&mut self, product: &str) -> Result<Vec<TestLink>, StoreError> {
        let rows = self.b.query(
            "SELECT c.id, c.name, i.key, l.source FROM test_links l \
             JOIN test_cases c ON c.id = l.case_id JOIN items i ON i.id = l.item_id \
             JOIN products p ON p.id = c.product_id WHERE p.prefix = ? ORDER BY c.name, i.id",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TestLink {
                    case_id: int(&r[0], "case id")?,
                    name: text(&r[1], "test name")?,
                    item: parse_key(&r[2])?,
                    source: text(&r[3], "link source")?,
                })
            })
            .collect()
    }

    /// A product's runs, newest first, with their results by outcome.
    pub fn test_runs(&mut self, product: &str) -> Result<Vec<RunRow>, StoreError> {
        let rows = self.b.query(
            "SELECT u.id, u.build, u.source, u.imported, u.actor, r.outcome, COUNT(r.case_id) \
             FROM test_runs u JOIN products p ON p.id = u.product_id \
             LEFT JOIN test_results r ON r.run_id = u.id \
             WHERE p.prefix = ? \
             GROUP BY u.id, u.build, u.source, u.imported, u.actor, r.outcome \
             ORDER BY u.id DESC, r.outcome",
            &[product.into()],
        )?;
        let mut out: Vec<RunRow> = Vec::new();
        for r in &rows {
            let id = int(&r[0], "run id")?;
            if out.last().is_none_or(|l| l.id != id) {
                out.push(RunRow {
                    id,
                    build: text(&r[1], "build")?,
                    source: text(&r[2], "source")?,
                    imported: int(&r[3], "imported")?,
                    actor: text(&r[4], "actor")?,
                    outcomes: Vec::new(),
                });
            }
            if let (Some(o), Some(last)) = (r[5].as_str(), out.last_mut()) {
                last.outcomes.push((
                    o.to_string(),
                    u64::try_from(int(&r[6], "count")?).unwrap_or(0),
                ));
            }
        }
        Ok(out)
    }

    /// Every test case of a product with its latest result (cases that
    /// never ran are left out).
    pub fn latest_results(&mut self, product: &str) -> Result<Vec<LatestResult>, StoreError> {
        let rows = self.b.query(
            "SELECT c.id, c.name, r.outcome, r.duration, r.message, r.flaky, u.id, u.build, u.imported \
             FROM test_cases c JOIN products p ON p.id = c.product_id \
             JOIN (SELECT case_id, MAX(run_id) AS run_id FROM test_results GROUP BY case_id) m \
               ON m.case_id = c.id \
             JOIN test_results r ON r.case_id = m.case_id AND r.run_id = m.run_id \
             JOIN test_runs u ON u.id = r.run_id \
             WHERE p.prefix = ? ORDER BY c.name",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(LatestResult {
                    case_id: int(&r[0], "case id")?,
                    name: text(&r[1], "test name")?,
                    outcome: text(&r[2], "outcome")?,
                    duration: r[3].as_f64(),
                    message: r[4].as_str().map(str::to_string),
                    flaky: r[5].as_i64() == Some(1),
                    run_id: int(&r[6], "run id")?,
                    build: text(&r[7], "build")?,
                    imported: int(&r[8], "imported")?,
                })
            })
            .collect()
    }

    /// One test case's results, newest run first.
    pub fn test_history(&mut self, case_id: i64) -> Result<Vec<HistoryRow>, StoreError> {
        let rows = self.b.query(
            "SELECT u.build, u.imported, r.outcome, r.duration, r.message FROM test_results r \
             JOIN test_runs u ON u.id = r.run_id WHERE r.case_id = ? ORDER BY u.id DESC",
            &[Value::Int(case_id)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(HistoryRow {
                    build: text(&r[0], "build")?,
                    imported: int(&r[1], "imported")?,
                    outcome: text(&r[2], "outcome")?,
                    duration: r[3].as_f64(),
                    message: r[4].as_str().map(str::to_string),
                })
            })
            .collect()
    }
}

/// A test case's result in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub build: String,
    pub imported: i64,
    pub outcome: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
}

/// An item as the trace matrix needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceNode {
    pub id: i64,
    pub key: ItemKey,
    pub kind: String,
    pub title: String,
    pub state: String,
    pub category: String,
    pub parent: Option<i64>,
}

impl Store {
    /// Every item of a product, with only what the trace matrix shows.
    pub fn trace_nodes(&mut self, product: &str) -> Result<Vec<TraceNode>, StoreError> {
        let rows = self.b.query(
            "SELECT i.id, i.key, i.kind, i.title, i.state, i.category, i.parent_id \
             FROM products p JOIN items i ON i.product_id = p.id WHERE p.prefix = ? ORDER BY i.id",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TraceNode {
                    id: int(&r[0], "item id")?,
                    key: parse_key(&r[1])?,
                    kind: text(&r[2], "kind")?,
                    title: text(&r[3], "title")?,
                    state: text(&r[4], "state")?,
                    category: text(&r[5], "category")?,
                    parent: r[6].as_i64(),
                })
            })
            .collect()
    }

    /// `implements` links into a product's items: (implementing item id,
    /// implemented item id).
    pub fn implements_pairs(&mut self, product: &str) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = self.b.query(
            "SELECT l.src_id, l.dst_id FROM products p JOIN items d ON d.product_id = p.id \
             JOIN links l ON l.dst_id = d.id WHERE p.prefix = ? AND l.kind = ?",
            &[product.into(), "implements".into()],
        )?;
        rows.iter()
            .map(|r| Ok((int(&r[0], "src")?, int(&r[1], "dst")?)))
            .collect()
    }
}

impl Store {
    /// Tests linked to any of these items, each once, with its latest
    /// result (none when it never ran).
    pub fn tests_for_items(&mut self, item_ids: &[i64]) -> Result<Vec<ItemTest>, StoreError> {
        const CHUNK: usize = 64;
        let marks = vec!["?"; CHUNK].join(", ");
        let sql = format!(
            "SELECT DISTINCT c.id, c.name, r.outcome, u.build FROM test_links l \
             JOIN test_cases c ON c.id = l.case_id \
             LEFT JOIN test_results r ON r.case_id = c.id \
               AND r.run_id = (SELECT MAX(x.run_id) FROM test_results x WHERE x.case_id = c.id) \
             LEFT JOIN test_runs u ON u.id = r.run_id \
             WHERE l.item_id IN ({marks}) ORDER BY c.id"
        );
        let mut out: Vec<(i64, String, Option<String>, Option<String>)> = Vec::new();
        for chunk in item_ids.chunks(CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|i| Value::Int(*i)).collect();
            params.resize(CHUNK, Value::Int(0));
            for r in self.b.query(&sql, &params)? {
                let id = int(&r[0], "case id")?;
                if !out.iter().any(|o| o.0 == id) {
                    out.push((
                        id,
                        text(&r[1], "test name")?,
                        r[2].as_str().map(str::to_string),
                        r[3].as_str().map(str::to_string),
                    ));
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|(_, name, outcome, build)| ItemTest {
                name,
                outcome,
                build,
            })
            .collect())
    }
}

/// A test of an item, with its latest result.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemTest {
    pub name: String,
    /// `None` when it never ran.
    pub outcome: Option<String>,
    pub build: Option<String>,
}

/// A test case as the dump keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub id: i64,
    pub product: String,
    pub name: String,
    pub created: i64,
}

/// A run with its results, as the dump keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDump {
    pub product: String,
    pub build: String,
    pub source: String,
    pub imported: i64,
    pub actor: String,
    /// By test name.
    pub results: Vec<ResultDump>,
}

/// One result of a run, by test name.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultDump {
    pub test: String,
    pub outcome: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
    pub flaky: bool,
}

impl Store {
    /// Every test case, by product and name (byte order).
    pub fn all_test_cases(&mut self) -> Result<Vec<CaseRow>, StoreError> {
        let rows = self.b.query(
            "SELECT c.id, p.prefix, c.name, c.created FROM test_cases c JOIN products p ON p.id = c.product_id",
            &[],
        )?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(CaseRow {
                    id: int(&r[0], "case id")?,
                    product: text(&r[1], "product")?,
                    name: text(&r[2], "test name")?,
                    created: int(&r[3], "created")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (&a.product, &a.name).cmp(&(&b.product, &b.name)));
        Ok(out)
    }

    /// Every test link: (case id, item key, source, created).
    pub fn all_test_links(&mut self) -> Result<Vec<(i64, ItemKey, String, i64)>, StoreError> {
        let rows = self.b.query(
            "SELECT l.case_id, i.key, l.source, l.created FROM test_links l JOIN items i ON i.id = l.item_id",
            &[],
        )?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok((
                    int(&r[0], "case id")?,
                    parse_key(&r[1])?,
                    text(&r[2], "source")?,
                    int(&r[3], "created")?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (a.0, &a.1.prefix, a.1.number).cmp(&(b.0, &b.1.prefix, b.1.number)));
        Ok(out)
    }

    /// Every run with its results, oldest run first.
    pub fn all_test_runs(&mut self) -> Result<Vec<RunDump>, StoreError> {
        let runs = self.b.query(
            "SELECT u.id, p.prefix, u.build, u.source, u.imported, u.actor FROM test_runs u \
             JOIN products p ON p.id = u.product_id ORDER BY u.id",
            &[],
        )?;
        let mut out = Vec::new();
        for r in &runs {
            let id = int(&r[0], "run id")?;
            let res = self.b.query(
                "SELECT c.name, t.outcome, t.duration, t.message, t.flaky FROM test_results t \
                 JOIN test_cases c ON c.id = t.case_id WHERE t.run_id = ?",
                &[Value::Int(id)],
            )?;
            let mut results = res
                .iter()
                .map(|x| {
                    Ok(ResultDump {
                        test: text(&x[0], "test name")?,
                        outcome: text(&x[1], "outcome")?,
                        duration: x[2].as_f64(),
                        message: x[3].as_str().map(str::to_string),
                        flaky: x[4].as_i64() == Some(1),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            results.sort_by(|a, b| a.test.cmp(&b.test));
            out.push(RunDump {
                product: text(&r[1], "product")?,
                build: text(&r[2], "build")?,
                source: text(&r[3], "source")?,
                imported: int(&r[4], "imported")?,
                actor: text(&r[5], "actor")?,
                results,
            });
        }
        Ok(out)
    }

    /// Add one test case with its own creation time (dump import).
    pub fn insert_test_case(
        &mut self,
        product: &str,
        name: &str,
        created: i64,
    ) -> Result<(), StoreError> {
        self.insert_test_cases(product, &[name.to_string()], created)
    }
}
