//! The store: every read and write Cairn makes, written once over the
//! [`Backend`] seam so both databases behave the same.

use crate::StoreError;
use crate::backend::{Backend, Dialect};
use crate::migrate::migrate;
use crate::postgres::Postgres;
use crate::sql::{self, Sql};
use crate::sqlite::Sqlite;
use crate::value::{Row, Value};
use cairn_core::audit::GENESIS;
use cairn_core::{
    AuditEntry, Category, FieldValue, Goal, Item, ItemKey, Kind, Link, LinkEnd, LinkKind, Person,
    Product, Release, RequirementSource, Suspect,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A page of query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: 50,
            offset: 0,
        }
    }
}

pub struct Store {
    pub(crate) b: Box<dyn Backend>,
    url: String,
    /// During a bulk load: item ids by key, and parents that came after
    /// their children.
    bulk: Option<Bulk>,
}

struct Bulk {
    ids: HashMap<String, i64>,
    /// SQLite triggers set aside for the load, as their CREATE statements.
    triggers: Vec<String>,
    next_id: i64,
    releases: HashMap<(String, String), i64>,
    products: HashMap<String, i64>,
    deferred_parents: Vec<(i64, String)>,
    goals: HashMap<String, i64>,
}

/// Column lists in the order the matching `*_row` readers expect.
const PRODUCT_COLUMNS: &str = "prefix, name, next_number, created";
const PERSON_COLUMNS: &str = "handle, name, email";
const GOAL_COLUMNS: &str = "name, description, key_results, created";
const ITEM_COLUMNS: &str = "i.id, i.key, i.kind, i.title, i.description, i.state, i.category, \
    i.assignee, i.estimate, i.acceptance, i.created, i.updated, i.resolved, i.rank, p.key, r.name, i.version, i.started";
/// [`ITEM_COLUMNS`] without the long texts, for [`Store::query_lean`].
const LEAN_COLUMNS: &str = "i.id, i.key, i.kind, i.title, '', i.state, i.category, \
    i.assignee, i.estimate, '', i.created, i.updated, i.resolved, i.rank, p.key, r.name, i.version, i.started";
const ITEM_FROM: &str = "FROM items i LEFT JOIN items p ON p.id = i.parent_id LEFT JOIN releases r ON r.id = i.release_id";

/// Items from rows of [`ITEM_COLUMNS`] (or [`LEAN_COLUMNS`]), with their
/// row ids; labels, fields and goals are left empty.
fn items_of_rows(rows: &[Row]) -> Result<(Vec<Item>, Vec<i64>), StoreError> {
    let mut items = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    for r in rows {
        ids.push(int(&r[0], "id")?);
        let key = parse_key(&r[1])?;
        let kind_s = text(&r[2], "kind")?;
        let cat_s = text(&r[6], "category")?;
        items.push(Item {
            key,
            kind: Kind::parse(&kind_s).ok_or_else(|| corrupt("kind"))?,
            title: text(&r[3], "title")?,
            description: text(&r[4], "description")?,
            state: text(&r[5], "state")?,
            category: Category::parse(&cat_s).ok_or_else(|| corrupt("category"))?,
            assignee: opt_text(&r[7]),
            estimate: r[8].as_f64(),
            acceptance: text(&r[9], "acceptance")?,
            created: int(&r[10], "created")?,
            updated: int(&r[11], "updated")?,
            resolved: r[12].as_i64(),
            rank: text(&r[13], "rank")?,
            parent: match &r[14] {
                Value::Null => None,
                v => Some(parse_key(v)?),
            },
            release: opt_text(&r[15]),
            goals: Vec::new(),
            labels: Vec::new(),
            fields: BTreeMap::new(),
            version: int(&r[16], "version")?,
            started: r[17].as_i64(),
        });
    }
    Ok((items, ids))
}

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unexpected value in the database: {what}"))
}

pub(crate) fn text(v: &Value, what: &str) -> Result<String, StoreError> {
    v.as_str().map(str::to_string).ok_or_else(|| corrupt(what))
}

pub(crate) fn int(v: &Value, what: &str) -> Result<i64, StoreError> {
    v.as_i64().ok_or_else(|| corrupt(what))
}

fn opt_text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl Store {
    /// Open the database a URL names: `postgres://...` / `postgresql://...`
    /// for PostgreSQL; `sqlite:PATH`, `sqlite://PATH` or a plain path for
    /// SQLite; `sqlite::memory:` for a throwaway in-memory database.
    /// Migrations are applied on open.
    pub fn open(url: &str, now: i64) -> Result<Store, StoreError> {
        Self::open_migrated_to(url, now, i64::MAX)
    }

    /// Open with the schema migrated up to `version` only: for tests that
    /// build a database as an older Cairn left it, then upgrade it.
    pub fn open_migrated_to(url: &str, now: i64, version: i64) -> Result<Store, StoreError> {
        let mut b: Box<dyn Backend> =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Box::new(Postgres::connect(url)?)
            } else if url == "sqlite::memory:" {
                Box::new(Sqlite::open_in_memory()?)
            } else {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                if path.is_empty() {
                    return Err(StoreError::Open {
                        url: url.into(),
                        reason: "the URL names no file; use sqlite:PATH or postgres://...".into(),
                    });
                }
                if let Some(dir) = Path::new(path).parent()
                    && !dir.as_os_str().is_empty()
                    && !dir.is_dir()
                {
                    return Err(StoreError::Open {
                        url: url.into(),
                        reason: format!("the folder {} does not exist", dir.display()),
                    });
                }
                Box::new(Sqlite::open(Path::new(path))?)
            };
        migrate(b.as_mut(), now, version)?;
        Ok(Store {
            b,
            url: crate::postgres::redact(url),
            bulk: None,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.b.dialect()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Direct access for tests that tamper with the database behind
    /// Cairn's back, and for benchmarks.
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.b.as_mut()
    }

    // ---- transactions -------------------------------------------------

    pub fn begin(&mut self) -> Result<(), StoreError> {
        match self.b.dialect() {
            Dialect::Sqlite => self.b.batch("BEGIN IMMEDIATE"),
            Dialect::Postgres => self.b.batch("BEGIN"),
        }
    }

    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.b.batch("COMMIT")
    }

    pub fn rollback(&mut self) -> Result<(), StoreError> {
        self.b.batch("ROLLBACK")
    }

    // ---- config -------------------------------------------------------

    pub fn load_config(&mut self) -> Result<Option<(String, i64)>, StoreError> {
        let rows = self.b.query(
            "SELECT body, version FROM workspace_config WHERE id = 1",
            &[],
        )?;
        rows.first()
            .map(|r| Ok((text(&r[0], "config")?, int(&r[1], "config version")?)))
            .transpose()
    }

    pub fn save_config(&mut self, body: &str, version: i64) -> Result<(), StoreError> {
        let n = self.b.execute(
            "UPDATE workspace_config SET body = ?, version = ? WHERE id = 1",
            &[body.into(), Value::Int(version)],
        )?;
        if n == 0 {
            self.b.execute(
                "INSERT INTO workspace_config (id, body, version) VALUES (1, ?, ?)",
                &[body.into(), Value::Int(version)],
            )?;
        }
        Ok(())
    }

    // ---- products -----------------------------------------------------

    pub fn insert_product(&mut self, p: &Product) -> Result<(), StoreError> {
        if self.product(&p.prefix)?.is_some() {
            return Err(StoreError::Duplicate(format!("product {}", p.prefix)));
        }
        self.b.execute(
            "INSERT INTO products (prefix, name, next_number, created) VALUES (?, ?, ?, ?)",
            &[
                (&p.prefix).into(),
                (&p.name).into(),
                Value::Int(p.next_number),
                Value::Int(p.created),
            ],
        )?;
        Ok(())
    }

    fn product_row(r: &Row) -> Result<Product, StoreError> {
        Ok(Product {
            prefix: text(&r[0], "prefix")?,
            name: text(&r[1], "product name")?,
            next_number: int(&r[2], "next number")?,
            created: int(&r[3], "created")?,
        })
    }

    pub fn product(&mut self, prefix: &str) -> Result<Option<Product>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE prefix = ?"),
            &[prefix.into()],
        )?;
        rows.first().map(Self::product_row).transpose()
    }

    pub fn products(&mut self) -> Result<Vec<Product>, StoreError> {
        let rows = self
            .b
            .query(&format!("SELECT {PRODUCT_COLUMNS} FROM products"), &[])?;
        // Sorted here, not in SQL, so the order is byte order on every
        // backend whatever the database's collation.
        let mut v: Vec<Product> = rows
            .iter()
            .map(Self::product_row)
            .collect::<Result<_, _>>()?;
        v.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        Ok(v)
    }

    /// Hold the product's row until the transaction ends, so writers that
    /// read and then write its ranks (add, move) go one at a time on
    /// PostgreSQL. SQLite's `BEGIN IMMEDIATE` already serialises writers.
    pub fn lock_product(&mut self, prefix: &str) -> Result<(), StoreError> {
        if self.b.dialect() == Dialect::Postgres {
            self.b.query(
                "SELECT id FROM products WHERE prefix = ? FOR UPDATE",
                &[prefix.into()],
            )?;
        }
        Ok(())
    }

    /// Take the next item number of a product (keys are never reused).
    pub fn take_number(&mut self, prefix: &str) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "UPDATE products SET next_number = next_number + 1 WHERE prefix = ? RETURNING next_number - 1",
            &[prefix.into()],
        )?;
        rows.first()
            .map(|r| int(&r[0], "next number"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("product {prefix}")))
    }

    // ---- people -------------------------------------------------------

    pub fn insert_person(&mut self, p: &Person) -> Result<(), StoreError> {
        if self.person(&p.handle)?.is_some() {
            return Err(StoreError::Duplicate(format!("person {}", p.handle)));
        }
        self.b.execute(
            "INSERT INTO people (handle, name, email) VALUES (?, ?, ?)",
            &[(&p.handle).into(), (&p.name).into(), p.email.clone().into()],
        )?;
        Ok(())
    }

    fn person_row(r: &Row) -> Result<Person, StoreError> {
        Ok(Person {
            handle: text(&r[0], "handle")?,
            name: text(&r[1], "name")?,
            email: opt_text(&r[2]),
        })
    }

    pub fn person(&mut self, handle: &str) -> Result<Option<Person>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {PERSON_COLUMNS} FROM people WHERE handle = ?"),
            &[handle.into()],
        )?;
        rows.first().map(Self::person_row).transpose()
    }

    pub fn people(&mut self) -> Result<Vec<Person>, StoreError> {
        let rows = self
            .b
            .query(&format!("SELECT {PERSON_COLUMNS} FROM people"), &[])?;
        let mut v: Vec<Person> = rows
            .iter()
            .map(Self::person_row)
            .collect::<Result<_, _>>()?;
        v.sort_by(|a, b| a.handle.cmp(&b.handle));
        Ok(v)
    }

    // ---- releases -----------------------------------------------------

    pub fn insert_release(&mut self, r: &Release) -> Result<(), StoreError> {
        if self.release(&r.product, &r.name)?.is_some() {
            return Err(StoreError::Duplicate(format!(
                "release {} in {}",
                r.name, r.product
            )));
        }
        let n = self.b.execute(
            "INSERT INTO releases (product_id, name, target_date, created) \
             SELECT id, ?, ?, ? FROM products WHERE prefix = ?",
            &[
                (&r.name).into(),
                r.target_date.clone().into(),
                Value::Int(r.created),
                (&r.product).into(),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("product {}", r.product)));
        }
        Ok(())
    }

    fn release_row(r: &Row) -> Result<Release, StoreError> {
        Ok(Release {
            product: text(&r[0], "prefix")?,
            name: text(&r[1], "release name")?,
            target_date: opt_text(&r[2]),
            created: int(&r[3], "created")?,
        })
    }

    pub fn release(&mut self, product: &str, name: &str) -> Result<Option<Release>, StoreError> {
        let rows = self.b.query(
            "SELECT p.prefix, r.name, r.target_date, r.created FROM releases r \
             JOIN products p ON p.id = r.product_id WHERE p.prefix = ? AND r.name = ?",
            &[product.into(), name.into()],
        )?;
        rows.first().map(Self::release_row).transpose()
    }

    pub fn releases(&mut self) -> Result<Vec<Release>, StoreError> {
        let rows = self.b.query(
            "SELECT p.prefix, r.name, r.target_date, r.created FROM releases r \
             JOIN products p ON p.id = r.product_id",
            &[],
        )?;
        let mut v: Vec<Release> = rows
            .iter()
            .map(Self::release_row)
            .collect::<Result<_, _>>()?;
        // Dated releases first, by date; then undated ones; byte order on names.
        v.sort_by(|a, b| {
            (&a.product, a.target_date.is_none(), &a.target_date, &a.name).cmp(&(
                &b.product,
                b.target_date.is_none(),
                &b.target_date,
                &b.name,
            ))
        });
        Ok(v)
    }

    // ---- goals --------------------------------------------------------

    pub fn insert_goal(&mut self, g: &Goal) -> Result<(), StoreError> {
        if self.goal(&g.name)?.is_some() {
            return Err(StoreError::Duplicate(format!("goal \"{}\"", g.name)));
        }
        let krs =
            serde_json::to_string(&g.key_results).map_err(|e| StoreError::Db(e.to_string()))?;
        self.b.execute(
            "INSERT INTO goals (name, description, key_results, created) VALUES (?, ?, ?, ?)",
            &[
                (&g.name).into(),
                (&g.description).into(),
                krs.into(),
                Value::Int(g.created),
            ],
        )?;
        Ok(())
    }

    pub fn update_goal(&mut self, g: &Goal) -> Result<(), StoreError> {
        let krs =
            serde_json::to_string(&g.key_results).map_err(|e| StoreError::Db(e.to_string()))?;
        self.b.execute(
            "UPDATE goals SET description = ?, key_results = ? WHERE name = ?",
            &[(&g.description).into(), krs.into(), (&g.name).into()],
        )?;
        Ok(())
    }

    fn goal_row(r: &Row) -> Result<Goal, StoreError> {
        Ok(Goal {
            name: text(&r[0], "goal name")?,
            description: text(&r[1], "goal description")?,
            key_results: serde_json::from_str(&text(&r[2], "key results")?)
                .map_err(|_| corrupt("key results"))?,
            created: int(&r[3], "created")?,
        })
    }

    pub fn goal(&mut self, name: &str) -> Result<Option<Goal>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {GOAL_COLUMNS} FROM goals WHERE name = ?"),
            &[name.into()],
        )?;
        rows.first().map(Self::goal_row).transpose()
    }

    pub fn goals(&mut self) -> Result<Vec<Goal>, StoreError> {
        let rows = self
            .b
            .query(&format!("SELECT {GOAL_COLUMNS} FROM goals"), &[])?;
        let mut v: Vec<Goal> = rows.iter().map(Self::goal_row).collect::<Result<_, _>>()?;
        v.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
        Ok(v)
    }

    /// Link an item to a goal; false if it already was.
    pub fn add_goal_item(&mut self, goal: &str, key: &ItemKey) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "INSERT INTO goal_items (goal_id, item_id) \
             SELECT g.id, i.id FROM goals g, items i WHERE g.name = ? AND i.key = ? \
             ON CONFLICT DO NOTHING",
            &[goal.into(), key.to_string().into()],
        )?;
        Ok(n > 0)
    }

    pub fn remove_goal_item(&mut self, goal: &str, key: &ItemKey) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "DELETE FROM goal_items WHERE goal_id IN (SELECT id FROM goals WHERE name = ?) \
             AND item_id IN (SELECT id FROM items WHERE key = ?)",
            &[goal.into(), key.to_string().into()],
        )?;
        Ok(n > 0)
    }

    // ---- items --------------------------------------------------------

    /// Insert a new item with its labels, fields and goals. Its parent and
    /// release must exist.
    pub fn insert_item(&mut self, item: &Item) -> Result<(), StoreError> {
        let key = item.key.to_string();
        let mut params = self.item_params(item)?;
        params.insert(0, Value::Text(item.key.prefix.clone()));
        let rows = self.b.query(
            "INSERT INTO items (product_id, number, key, kind, title, description, state, category, \
             assignee, estimate, acceptance, created, updated, resolved, rank, parent_id, release_id, version, started) \
             SELECT p.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM products p WHERE p.prefix = ? \
             RETURNING id",
            &rotate_prefix(params),
        )?;
        let id = rows
            .first()
            .map(|r| int(&r[0], "id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("product {}", item.key.prefix)))?;
        self.write_labels(id, &item.labels)?;
        self.write_fields(id, &item.fields)?;
        for g in &item.goals {
            self.add_goal_item(g, &item.key)?;
        }
        let _ = key;
        Ok(())
    }

    /// The row values of an item in column order (number .. version),
    /// with parent and release resolved to ids.
    fn item_params(&mut self, item: &Item) -> Result<Vec<Value>, StoreError> {
        let parent_id = match &item.parent {
            Some(p) => Some(
                self.item_id(p)?
                    .ok_or_else(|| StoreError::NotFound(format!("item {p}")))?,
            ),
            None => None,
        };
        let release_id = match &item.release {
            Some(r) => Some(self.release_id(&item.key.prefix, r)?),
            None => None,
        };
        Ok(vec![
            Value::Int(item.key.number),
            Value::Text(item.key.to_string()),
            Value::Text(item.kind.as_str().into()),
            Value::Text(item.title.clone()),
            Value::Text(item.description.clone()),
            Value::Text(item.state.clone()),
            Value::Text(item.category.as_str().into()),
            item.assignee.clone().into(),
            item.estimate.into(),
            Value::Text(item.acceptance.clone()),
            Value::Int(item.created),
            Value::Int(item.updated),
            item.resolved.into(),
            Value::Text(item.rank.clone()),
            parent_id.into(),
            release_id.into(),
            Value::Int(item.version),
            item.started.into(),
        ])
    }

    fn release_id(&mut self, product: &str, name: &str) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "SELECT r.id FROM releases r JOIN products p ON p.id = r.product_id WHERE p.prefix = ? AND r.name = ?",
            &[product.into(), name.into()],
        )?;
        rows.first()
            .map(|r| int(&r[0], "id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("release {name} in {product}")))
    }

    pub fn item_id(&mut self, key: &ItemKey) -> Result<Option<i64>, StoreError> {
        let rows = self.b.query(
            "SELECT id FROM items WHERE key = ?",
            &[key.to_string().into()],
        )?;
        rows.first().map(|r| int(&r[0], "id")).transpose()
    }

    fn write_labels(&mut self, id: i64, labels: &[String]) -> Result<(), StoreError> {
        for l in labels {
            self.b.execute(
                "INSERT INTO item_labels (item_id, label) VALUES (?, ?)",
                &[Value::Int(id), l.into()],
            )?;
        }
        Ok(())
    }

    fn write_fields(
        &mut self,
        id: i64,
        fields: &BTreeMap<String, FieldValue>,
    ) -> Result<(), StoreError> {
        for (name, v) in fields {
            let (t, n) = match v {
                FieldValue::Number(n) => (Value::Null, Value::Real(*n)),
                FieldValue::Text(s) => (Value::Text(s.clone()), Value::Null),
            };
            self.b.execute(
                "INSERT INTO item_fields (item_id, name, text_value, num_value) VALUES (?, ?, ?, ?)",
                &[Value::Int(id), name.into(), t, n],
            )?;
        }
        Ok(())
    }

    /// Replace an item's labels.
    pub fn set_labels(&mut self, key: &ItemKey, labels: &[String]) -> Result<(), StoreError> {
        let id = self.need_id(key)?;
        self.b.execute(
            "DELETE FROM item_labels WHERE item_id = ?",
            &[Value::Int(id)],
        )?;
        self.write_labels(id, labels)
    }

    /// Replace an item's custom field values.
    pub fn set_fields(
        &mut self,
        key: &ItemKey,
        fields: &BTreeMap<String, FieldValue>,
    ) -> Result<(), StoreError> {
        let id = self.need_id(key)?;
        self.b.execute(
            "DELETE FROM item_fields WHERE item_id = ?",
            &[Value::Int(id)],
        )?;
        self.write_fields(id, fields)
    }

    fn need_id(&mut self, key: &ItemKey) -> Result<i64, StoreError> {
        self.item_id(key)?
            .ok_or_else(|| StoreError::NotFound(format!("item {key}")))
    }

    /// Write an item's own row (not labels, fields or goals), if its stored
    /// version is still `expected_version`; the new version is
    /// `item.version`.
    pub fn update_item(&mut self, item: &Item, expected_version: i64) -> Result<(), StoreError> {
        let p = self.item_params(item)?;
        // p: number, key, kind, title, description, state, category, assignee,
        // estimate, acceptance, created, updated, resolved, rank, parent, release, version
        let params = vec![
            p[3].clone(),
            p[4].clone(),
            p[5].clone(),
            p[6].clone(),
            p[7].clone(),
            p[8].clone(),
            p[9].clone(),
            p[11].clone(),
            p[12].clone(),
            p[13].clone(),
            p[14].clone(),
            p[15].clone(),
            p[16].clone(),
            p[2].clone(),
            p[17].clone(),
            Value::Text(item.key.to_string()),
            Value::Int(expected_version),
        ];
        let n = self.b.execute(
            "UPDATE items SET title = ?, description = ?, state = ?, category = ?, assignee = ?, \
             estimate = ?, acceptance = ?, updated = ?, resolved = ?, rank = ?, parent_id = ?, \
             release_id = ?, version = ?, kind = ?, started = ? WHERE key = ? AND version = ?",
            &params,
        )?;
        if n == 0 {
            return Err(self.conflict(&item.key, expected_version)?);
        }
        Ok(())
    }

    /// Move an item to a new rank: one row written.
    pub fn set_rank(
        &mut self,
        key: &ItemKey,
        rank: &str,
        updated: i64,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let n = self.b.execute(
            "UPDATE items SET rank = ?, updated = ?, version = version + 1 WHERE key = ? AND version = ?",
            &[rank.into(), Value::Int(updated), key.to_string().into(), Value::Int(expected_version)],
        )?;
        if n == 0 {
            return Err(self.conflict(key, expected_version)?);
        }
        Ok(())
    }

    fn conflict(&mut self, key: &ItemKey, expected: i64) -> Result<StoreError, StoreError> {
        let rows = self.b.query(
            "SELECT version FROM items WHERE key = ?",
            &[key.to_string().into()],
        )?;
        Ok(match rows.first() {
            Some(r) => StoreError::Conflict {
                key: key.to_string(),
                expected,
                current: int(&r[0], "version")?,
            },
            None => StoreError::NotFound(format!("item {key}")),
        })
    }

    /// Delete an item with its labels, fields, goal links and links. Its
    /// audit history stays.
    pub fn delete_item(&mut self, key: &ItemKey, expected_version: i64) -> Result<(), StoreError> {
        let id = self.need_id(key)?;
        let idv = [Value::Int(id)];
        self.b
            .execute("DELETE FROM item_labels WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM item_fields WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM goal_items WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM requirement_sources WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM comments WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM feedback_items WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM feedback_told WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM watchers WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM external_refs WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM git_commit_items WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM notifications WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM risk_items WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM decision_items WHERE item_id = ?", &idv)?;
        self.b
            .execute("DELETE FROM test_links WHERE item_id = ?", &idv)?;
        self.b.execute(
            "DELETE FROM suspects WHERE item_id = ? OR requirement_id = ?",
            &[Value::Int(id), Value::Int(id)],
        )?;
        self.b.execute(
            "DELETE FROM links WHERE src_id = ? OR dst_id = ?",
            &[Value::Int(id), Value::Int(id)],
        )?;
        let n = self.b.execute(
            "DELETE FROM items WHERE id = ? AND version = ?",
            &[Value::Int(id), Value::Int(expected_version)],
        )?;
        if n == 0 {
            return Err(self.conflict(key, expected_version)?);
        }
        Ok(())
    }

    pub fn item(&mut self, key: &ItemKey) -> Result<Option<Item>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.key = ?");
        let rows = self.b.query(&sql, &[key.to_string().into()])?;
        Ok(self.hydrate(rows)?.into_iter().next())
    }

    /// Keys of an item's direct children, in rank order.
    pub fn children(&mut self, key: &ItemKey) -> Result<Vec<ItemKey>, StoreError> {
        let rows = self.b.query(
            "SELECT c.key FROM items c JOIN items p ON p.id = c.parent_id WHERE p.key = ? ORDER BY c.rank",
            &[key.to_string().into()],
        )?;
        rows.iter().map(|r| parse_key(&r[0])).collect()
    }

    /// The rank next to `rank` in a product: the greatest below it
    /// (`below = true`) or the least above it.
    pub fn rank_neighbour(
        &mut self,
        product: &str,
        rank: &str,
        below: bool,
    ) -> Result<Option<String>, StoreError> {
        let sql = if below {
            "SELECT i.rank FROM items i JOIN products p ON p.id = i.product_id \
             WHERE p.prefix = ? AND i.rank < ? ORDER BY i.rank DESC LIMIT 1"
        } else {
            "SELECT i.rank FROM items i JOIN products p ON p.id = i.product_id \
             WHERE p.prefix = ? AND i.rank > ? ORDER BY i.rank ASC LIMIT 1"
        };
        let rows = self.b.query(sql, &[product.into(), rank.into()])?;
        rows.first().map(|r| text(&r[0], "rank")).transpose()
    }

    /// The first (`first = true`) or last rank in a product.
    pub fn rank_end(&mut self, product: &str, first: bool) -> Result<Option<String>, StoreError> {
        let sql = if first {
            "SELECT i.rank FROM items i JOIN products p ON p.id = i.product_id WHERE p.prefix = ? ORDER BY i.rank ASC LIMIT 1"
        } else {
            "SELECT i.rank FROM items i JOIN products p ON p.id = i.product_id WHERE p.prefix = ? ORDER BY i.rank DESC LIMIT 1"
        };
        let rows = self.b.query(sql, &[product.into()])?;
        rows.first().map(|r| text(&r[0], "rank")).transpose()
    }

    /// Turn item rows into items, loading labels, fields and goals in
    /// batches.
    fn hydrate(&mut self, rows: Vec<Row>) -> Result<Vec<Item>, StoreError> {
        let (items, ids) = items_of_rows(&rows)?;
        self.attach_sets(items, &ids)
    }

    /// Load the labels, fields and goals of items read from rows.
    fn attach_sets(&mut self, mut items: Vec<Item>, ids: &[i64]) -> Result<Vec<Item>, StoreError> {
        let pos: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
        const CHUNK: usize = 64;
        let marks = vec!["?"; CHUNK].join(", ");
        let label_sql =
            format!("SELECT item_id, label FROM item_labels WHERE item_id IN ({marks})");
        let field_sql = format!(
            "SELECT item_id, name, text_value, num_value FROM item_fields WHERE item_id IN ({marks})"
        );
        let goal_sql = format!(
            "SELECT x.item_id, g.name FROM goal_items x JOIN goals g ON g.id = x.goal_id \
             WHERE x.item_id IN ({marks})"
        );
        for chunk in ids.chunks(CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|i| Value::Int(*i)).collect();
            params.resize(CHUNK, Value::Int(0));
            for r in self.b.query(&label_sql, &params)? {
                if let Some(&n) = pos.get(&int(&r[0], "id")?) {
                    items[n].labels.push(text(&r[1], "label")?);
                }
            }
            for r in self.b.query(&field_sql, &params)? {
                if let Some(&n) = pos.get(&int(&r[0], "id")?) {
                    let v = match (&r[2], &r[3]) {
                        (Value::Text(s), _) => FieldValue::Text(s.clone()),
                        (_, v) => FieldValue::Number(v.as_f64().ok_or_else(|| corrupt("field"))?),
                    };
                    items[n].fields.insert(text(&r[1], "field name")?, v);
                }
            }
            for r in self.b.query(&goal_sql, &params)? {
                if let Some(&n) = pos.get(&int(&r[0], "id")?) {
                    items[n].goals.push(text(&r[1], "goal")?);
                }
            }
        }
        // Byte order, whatever the database's collation.
        for it in &mut items {
            it.labels.sort();
            it.goals.sort();
        }
        Ok(items)
    }

    // ---- links --------------------------------------------------------

    /// Store a link; false if it already existed.
    pub fn insert_link(&mut self, link: &Link, at: i64) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "INSERT INTO links (src_id, kind, dst_id, created) \
             SELECT s.id, ?, d.id, ? FROM items s, items d WHERE s.key = ? AND d.key = ? \
             ON CONFLICT DO NOTHING",
            &[
                link.kind.as_str().into(),
                Value::Int(at),
                link.src.to_string().into(),
                link.dst.to_string().into(),
            ],
        )?;
        Ok(n > 0)
    }

    /// Store many links by row ids (src, kind, dst), skipping those that
    /// exist; returns how many were new.
    pub fn insert_links_by_id(
        &mut self,
        links: &[(i64, LinkKind, i64)],
        at: i64,
    ) -> Result<u64, StoreError> {
        const CHUNK: usize = 500;
        let mut added = 0;
        for chunk in links.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO links (src_id, kind, dst_id, created) VALUES {} ON CONFLICT DO NOTHING",
                vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut params = Vec::with_capacity(chunk.len() * 4);
            for (src, kind, dst) in chunk {
                params.extend([
                    Value::Int(*src),
                    kind.as_str().into(),
                    Value::Int(*dst),
                    Value::Int(at),
                ]);
            }
            added += self.b.execute(&sql, &params)?;
        }
        Ok(added)
    }

    /// Remove a link; false if there was none.
    pub fn delete_link(&mut self, link: &Link) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "DELETE FROM links WHERE kind = ? AND src_id IN (SELECT id FROM items WHERE key = ?) \
             AND dst_id IN (SELECT id FROM items WHERE key = ?)",
            &[
                link.kind.as_str().into(),
                link.src.to_string().into(),
                link.dst.to_string().into(),
            ],
        )?;
        Ok(n > 0)
    }

    /// Blocks links whose blocker is still open (not in a done
    /// category), with the blocker's kind and state:
    /// `(blocker, kind, state, blocked)`. A done blocker holds nothing up,
    /// so plans and forecasts need only these.
    pub fn open_blocks(&mut self) -> Result<Vec<(ItemKey, String, String, ItemKey)>, StoreError> {
        let rows = self.b.query(
            "SELECT s.key, s.kind, s.state, d.key FROM links l JOIN items s ON s.id = l.src_id \
             JOIN items d ON d.id = l.dst_id WHERE l.kind = ? AND s.category <> ? ORDER BY s.id, d.id",
            &[
                LinkKind::Blocks.as_str().into(),
                Category::Done.as_str().into(),
            ],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse_key(&r[0])?,
                    text(&r[1], "kind")?,
                    text(&r[2], "state")?,
                    parse_key(&r[3])?,
                ))
            })
            .collect()
    }

    /// Every link touching an item, as read from that item.
    pub fn links_of(&mut self, key: &ItemKey) -> Result<Vec<LinkEnd>, StoreError> {
        let rows = self.b.query(
            "SELECT l.kind, 0, d.key, d.title, d.state FROM links l JOIN items s ON s.id = l.src_id \
             JOIN items d ON d.id = l.dst_id WHERE s.key = ? \
             UNION ALL \
             SELECT l.kind, 1, s.key, s.title, s.state FROM links l JOIN items s ON s.id = l.src_id \
             JOIN items d ON d.id = l.dst_id WHERE d.key = ?",
            &[key.to_string().into(), key.to_string().into()],
        )?;
        rows.iter()
            .map(|r| {
                let kind = LinkKind::parse(&text(&r[0], "link kind")?)
                    .ok_or_else(|| corrupt("link kind"))?;
                let inverse = int(&r[1], "direction")? == 1;
                Ok(LinkEnd {
                    relation: if inverse {
                        kind.inverse_name().to_string()
                    } else {
                        kind.as_str().to_string()
                    },
                    other: parse_key(&r[2])?,
                    other_title: text(&r[3], "title")?,
                    other_state: text(&r[4], "state")?,
                })
            })
            .collect::<Result<Vec<LinkEnd>, StoreError>>()
            .map(|mut v| {
                v.sort_by(|a, b| (&a.relation, &a.other).cmp(&(&b.relation, &b.other)));
                v
            })
    }

    /// All links, or all of one kind, in (src, kind, dst) order, each with
    /// the time it was made.
    /// Record (or replace) where a requirement came from.
    pub fn upsert_source(&mut self, src: &RequirementSource) -> Result<(), StoreError> {
        let id = self.need_id(&src.key)?;
        self.b.execute(
            "DELETE FROM requirement_sources WHERE item_id = ?",
            &[Value::Int(id)],
        )?;
        self.b.execute(
            "INSERT INTO requirement_sources (item_id, document, line, heading_path, ext_id, content_hash) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(id),
                src.document.as_str().into(),
                Value::Int(src.line),
                src.heading_path.as_str().into(),
                src.ext_id.clone().into(),
                src.content_hash.as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// Forget where a requirement came from (it left its document).
    pub fn delete_source(&mut self, key: &ItemKey) -> Result<(), StoreError> {
        let id = self.need_id(key)?;
        self.b.execute(
            "DELETE FROM requirement_sources WHERE item_id = ?",
            &[Value::Int(id)],
        )?;
        Ok(())
    }

    /// Requirement sources, of one document or all, in key order.
    pub fn sources(
        &mut self,
        document: Option<&str>,
    ) -> Result<Vec<RequirementSource>, StoreError> {
        let base = "SELECT i.key, r.document, r.line, r.heading_path, r.ext_id, r.content_hash \
                    FROM requirement_sources r JOIN items i ON i.id = r.item_id";
        let rows = match document {
            Some(d) => self.b.query(
                &format!("{base} WHERE r.document = ? ORDER BY i.product_id, i.number"),
                &[d.into()],
            )?,
            None => self
                .b
                .query(&format!("{base} ORDER BY i.product_id, i.number"), &[])?,
        };
        source_rows(&rows)
    }

    /// Where one requirement came from, if it was imported.
    pub fn source(&mut self, key: &ItemKey) -> Result<Option<RequirementSource>, StoreError> {
        let rows = self.b.query(
            "SELECT i.key, r.document, r.line, r.heading_path, r.ext_id, r.content_hash \
             FROM requirement_sources r JOIN items i ON i.id = r.item_id WHERE i.key = ?",
            &[key.to_string().into()],
        )?;
        Ok(source_rows(&rows)?.pop())
    }

    /// Mark `item` suspect because `requirement` changed. False when it
    /// already was (the first mark's time and reason stay).
    pub fn insert_suspect(&mut self, s: &Suspect) -> Result<bool, StoreError> {
        let n = self.b.execute(
            "INSERT INTO suspects (item_id, requirement_id, since, reason) \
             SELECT a.id, b.id, ?, ? FROM items a, items b WHERE a.key = ? AND b.key = ? \
             ON CONFLICT DO NOTHING",
            &[
                Value::Int(s.since),
                s.reason.as_str().into(),
                s.item.to_string().into(),
                s.requirement.to_string().into(),
            ],
        )?;
        Ok(n > 0)
    }

    /// Clear an item's suspect marks; returns the marks removed.
    pub fn clear_suspects(&mut self, item: &ItemKey) -> Result<Vec<Suspect>, StoreError> {
        let marks = self.suspects_where("WHERE a.key = ?", &[item.to_string().into()])?;
        let id = self.need_id(item)?;
        self.b
            .execute("DELETE FROM suspects WHERE item_id = ?", &[Value::Int(id)])?;
        Ok(marks)
    }

    /// Every suspect mark, by item then requirement.
    pub fn suspects(&mut self) -> Result<Vec<Suspect>, StoreError> {
        self.suspects_where("", &[])
    }

    fn suspects_where(
        &mut self,
        filter: &str,
        params: &[Value],
    ) -> Result<Vec<Suspect>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT a.key, b.key, s.since, s.reason FROM suspects s \
                 JOIN items a ON a.id = s.item_id JOIN items b ON b.id = s.requirement_id {filter} \
                 ORDER BY a.product_id, a.number, b.product_id, b.number"
            ),
            params,
        )?;
        rows.iter()
            .map(|r| {
                Ok(Suspect {
                    item: parse_key(&r[0])?,
                    requirement: parse_key(&r[1])?,
                    since: int(&r[2], "since")?,
                    reason: text(&r[3], "reason")?,
                })
            })
            .collect()
    }

    pub fn links(&mut self, kind: Option<LinkKind>) -> Result<Vec<(Link, i64)>, StoreError> {
        let base = "SELECT s.key, l.kind, d.key, l.created FROM links l JOIN items s ON s.id = l.src_id \
                    JOIN items d ON d.id = l.dst_id";
        let rows = match kind {
            Some(k) => self.b.query(
                &format!("{base} WHERE l.kind = ? ORDER BY s.id, l.kind, d.id"),
                &[k.as_str().into()],
            )?,
            None => self
                .b
                .query(&format!("{base} ORDER BY s.id, l.kind, d.id"), &[])?,
        };
        rows.iter()
            .map(|r| {
                let link = Link {
                    src: parse_key(&r[0])?,
                    kind: LinkKind::parse(&text(&r[1], "link kind")?)
                        .ok_or_else(|| corrupt("link kind"))?,
                    dst: parse_key(&r[2])?,
                };
                Ok((link, int(&r[3], "created")?))
            })
            .collect()
    }

    // ---- query --------------------------------------------------------

    fn where_clause(&self, q: &cairn_query::Query) -> Sql {
        let mut s = Sql::default();
        s.text.push_str(" WHERE ");
        sql::filter(&q.filter, self.b.dialect(), &mut s);
        s
    }

    /// One page of the items a query matches, in its order.
    pub fn query(&mut self, q: &cairn_query::Query, page: Page) -> Result<Vec<Item>, StoreError> {
        let mut s = self.where_clause(q);
        sql::order(&q.order, &mut s);
        s.text.push_str(" LIMIT ? OFFSET ?");
        s.params
            .push(Value::Int(i64::try_from(page.limit).unwrap_or(i64::MAX)));
        s.params
            .push(Value::Int(i64::try_from(page.offset).unwrap_or(i64::MAX)));
        let text = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM}{}", s.text);
        let rows = self.b.query(&text, &s.params)?;
        self.hydrate(rows)
    }

    /// Every item a query matches, in its order, without description,
    /// acceptance criteria, labels, fields or goals (all left empty): for
    /// reads of a whole backlog or history (forecasts, plans, reports)
    /// that never show them, and for which loading them would cost more
    /// than the rest of the work.
    pub fn query_lean(&mut self, q: &cairn_query::Query) -> Result<Vec<Item>, StoreError> {
        let mut s = self.where_clause(q);
        sql::order(&q.order, &mut s);
        let text = format!("SELECT {LEAN_COLUMNS} {ITEM_FROM}{}", s.text);
        let rows = self.b.query(&text, &s.params)?;
        Ok(items_of_rows(&rows)?.0)
    }

    /// How many items a query matches.
    pub fn count(&mut self, q: &cairn_query::Query) -> Result<u64, StoreError> {
        let s = self.where_clause(q);
        let text = format!("SELECT COUNT(*) FROM items i{}", s.text);
        let rows = self.b.query(&text, &s.params)?;
        Ok(rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) as u64)
    }

    /// How many items of a product are in each state (one pass over the
    /// product's rows).
    pub fn count_by_state(&mut self, product: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self.b.query(
            // Joined from the product so the planner seeks the product's
            // rows by index rather than scanning every item.
            "SELECT i.state, COUNT(*) FROM products x JOIN items i ON i.product_id = x.id \
             WHERE x.prefix = ? GROUP BY i.state",
            &[product.into()],
        )?;
        rows.iter()
            .map(|r| Ok((text(&r[0], "state")?, int(&r[1], "count")? as u64)))
            .collect()
    }

    /// How many items a query matches, counting no further than `cap`:
    /// the result is at most `cap`, and equals it when there are `cap` or
    /// more. Pages show "10,000+" instead of scanning a million rows.
    pub fn count_upto(&mut self, q: &cairn_query::Query, cap: u64) -> Result<u64, StoreError> {
        let mut s = self.where_clause(q);
        s.text.push_str(" LIMIT ?");
        s.params
            .push(Value::Int(i64::try_from(cap).unwrap_or(i64::MAX)));
        let text = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM items i{}) AS capped",
            s.text
        );
        let rows = self.b.query(&text, &s.params)?;
        Ok(rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) as u64)
    }

    /// Items in storage order after `after_id`, for export: (id, item).
    pub fn items_after(
        &mut self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Item)>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.id > ? ORDER BY i.id LIMIT ?");
        let rows = self
            .b
            .query(&sql, &[Value::Int(after_id), Value::Int(limit as i64)])?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| int(&r[0], "id"))
            .collect::<Result<_, _>>()?;
        Ok(ids.into_iter().zip(self.hydrate(rows)?).collect())
    }

    /// Does the database hold no products, items or audit entries?
    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        let rows = self.b.query(
            "SELECT (SELECT COUNT(*) FROM products) + (SELECT COUNT(*) FROM audit)",
            &[],
        )?;
        Ok(rows.first().and_then(|r| r[0].as_i64()) == Some(0))
    }

    // ---- audit --------------------------------------------------------

    /// The last entry's seq and hash, (0, GENESIS) when there is none. On
    /// PostgreSQL this locks the head until the transaction ends, so
    /// writers on several servers append one at a time.
    pub fn audit_head(&mut self) -> Result<(i64, String), StoreError> {
        let sql = match self.b.dialect() {
            Dialect::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
            Dialect::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        };
        let rows = self.b.query(sql, &[])?;
        match rows.first() {
            Some(r) => Ok((int(&r[0], "seq")?, text(&r[1], "hash")?)),
            None => Ok((0, GENESIS.to_string())),
        }
    }

    pub fn append_audit(&mut self, e: &AuditEntry) -> Result<(), StoreError> {
        self.b.execute(
            "INSERT INTO audit (seq, at, actor, action, target, related, reason, changes, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &audit_params(e),
        )?;
        self.b.execute(
            "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
            &[Value::Int(e.seq), (&e.hash).into()],
        )?;
        Ok(())
    }

    fn audit_row(r: &Row) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            seq: int(&r[0], "seq")?,
            at: int(&r[1], "at")?,
            actor: text(&r[2], "actor")?,
            action: text(&r[3], "action")?,
            target: text(&r[4], "target")?,
            related: opt_text(&r[5]),
            reason: opt_text(&r[6]),
            changes: text(&r[7], "changes")?,
            prev_hash: text(&r[8], "prev hash")?,
            hash: text(&r[9], "hash")?,
        })
    }

    /// The history of one target (an item key, a goal, a product), oldest first.
    pub fn audit_for(&mut self, target: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.b.query(
            "SELECT seq, at, actor, action, target, related, reason, changes, prev_hash, hash FROM audit \
             WHERE target = ? OR related = ? ORDER BY seq",
            &[target.into(), target.into()],
        )?;
        rows.iter().map(Self::audit_row).collect()
    }

    /// Entries in stored order after `after_seq`.
    pub fn audit_after(
        &mut self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.b.query(
            "SELECT seq, at, actor, action, target, related, reason, changes, prev_hash, hash FROM audit \
             WHERE seq > ? ORDER BY seq LIMIT ?",
            &[Value::Int(after_seq), Value::Int(limit as i64)],
        )?;
        rows.iter().map(Self::audit_row).collect()
    }

    // ---- bulk load (dump import into an empty database) ----------------

    /// Start a bulk load. Call inside a transaction on an empty database.
    pub fn bulk_begin(&mut self) -> Result<(), StoreError> {
        if self.b.dialect() == Dialect::Postgres {
            // Load bare tables and build keys and indexes once at the end:
            // several times faster than maintaining them row by row. Safe
            // because the load only runs on an empty database, in one
            // transaction that rolls back whole on any error.
            self.b.batch("SET LOCAL maintenance_work_mem = '256MB'")?;
            for (drop, _) in PG_BULK_DEFERRED {
                self.b.batch(drop)?;
            }
        }
        let mut triggers = Vec::new();
        if self.b.dialect() == Dialect::Sqlite {
            // Full-text rows are built once at the end instead of per row:
            // set the triggers aside (as the migration made them) and
            // restore them afterwards.
            for r in self.b.query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'items'",
                &[],
            )? {
                let name = text(&r[0], "trigger name")?;
                self.b.batch(&format!("DROP TRIGGER \"{name}\""))?;
                triggers.push(text(&r[1], "trigger sql")?);
            }
        }
        let rows = self
            .b
            .query("SELECT COALESCE(MAX(id), 0) FROM items", &[])?;
        let next_id = rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) + 1;
        let mut products = HashMap::new();
        for r in self.b.query("SELECT prefix, id FROM products", &[])? {
            products.insert(text(&r[0], "prefix")?, int(&r[1], "id")?);
        }
        let mut releases = HashMap::new();
        for r in self.b.query(
            "SELECT p.prefix, r.name, r.id FROM releases r JOIN products p ON p.id = r.product_id",
            &[],
        )? {
            releases.insert(
                (text(&r[0], "prefix")?, text(&r[1], "name")?),
                int(&r[2], "id")?,
            );
        }
        let mut goals = HashMap::new();
        for r in self.b.query("SELECT name, id FROM goals", &[])? {
            goals.insert(text(&r[0], "goal")?, int(&r[1], "id")?);
        }
        self.bulk = Some(Bulk {
            ids: HashMap::new(),
            next_id,
            releases,
            products,
            deferred_parents: Vec::new(),
            goals,
            triggers,
        });
        Ok(())
    }

    /// Add items (with labels, fields and goals) during a bulk load.
    pub fn bulk_items(&mut self, items: &[Item]) -> Result<(), StoreError> {
        let bulk = self
            .bulk
            .as_mut()
            .ok_or_else(|| StoreError::Db("bulk_items outside a bulk load".into()))?;
        let mut rows = Vec::with_capacity(items.len());
        let mut labels = Vec::new();
        let mut fields = Vec::new();
        let mut goals = Vec::new();
        for item in items {
            let key = item.key.to_string();
            if bulk.ids.contains_key(&key) {
                return Err(StoreError::Duplicate(format!("item {key}")));
            }
            let id = bulk.next_id;
            bulk.next_id += 1;
            let product_id = *bulk
                .products
                .get(&item.key.prefix)
                .ok_or_else(|| StoreError::NotFound(format!("product {}", item.key.prefix)))?;
            let parent_id = match &item.parent {
                Some(p) => match bulk.ids.get(&p.to_string()) {
                    Some(pid) => Value::Int(*pid),
                    None => {
                        bulk.deferred_parents.push((id, p.to_string()));
                        Value::Null
                    }
                },
                None => Value::Null,
            };
            let release_id = match &item.release {
                Some(r) => Value::Int(
                    *bulk
                        .releases
                        .get(&(item.key.prefix.clone(), r.clone()))
                        .ok_or_else(|| {
                            StoreError::NotFound(format!("release {r} in {}", item.key.prefix))
                        })?,
                ),
                None => Value::Null,
            };
            bulk.ids.insert(key, id);
            rows.push(item_row(id, product_id, item, parent_id, release_id));
            set_rows(id, item, &mut labels, &mut fields);
            for g in &item.goals {
                let gid = *bulk
                    .goals
                    .get(g)
                    .ok_or_else(|| StoreError::NotFound(format!("goal \"{g}\"")))?;
                goals.push(vec![Value::Int(gid), Value::Int(id)]);
            }
        }
        self.b
            .bulk_insert("items", ITEM_ROW, &mut rows.into_iter())?;
        self.insert_sets(labels, fields, goals)
    }

    fn insert_sets(
        &mut self,
        labels: Vec<Row>,
        fields: Vec<Row>,
        goals: Vec<Row>,
    ) -> Result<(), StoreError> {
        self.b.bulk_insert(
            "item_labels",
            &["item_id", "label"],
            &mut labels.into_iter(),
        )?;
        self.b.bulk_insert(
            "item_fields",
            &["item_id", "name", "text_value", "num_value"],
            &mut fields.into_iter(),
        )?;
        self.b.bulk_insert(
            "goal_items",
            &["goal_id", "item_id"],
            &mut goals.into_iter(),
        )?;
        Ok(())
    }

    // ---- batched writes (importers, into a live workspace) -------------

    /// Take `n` item numbers of a product at once; returns the first.
    pub fn take_numbers(&mut self, prefix: &str, n: i64) -> Result<i64, StoreError> {
        let rows = self.b.query(
            "UPDATE products SET next_number = next_number + ? WHERE prefix = ? RETURNING next_number - ?",
            &[Value::Int(n), prefix.into(), Value::Int(n)],
        )?;
        rows.first()
            .map(|r| int(&r[0], "next number"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("product {prefix}")))
    }

    /// `n` row ids of `table` that no other writer will take: on SQLite,
    /// past the largest (the transaction is the only writer); on
    /// PostgreSQL, drawn from the table's sequence.
    pub(crate) fn reserve_ids(&mut self, table: &str, n: usize) -> Result<Vec<i64>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.b.dialect() {
            Dialect::Sqlite => {
                let rows = self
                    .b
                    .query(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), &[])?;
                let max = rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0);
                Ok((1..=n as i64).map(|i| max + i).collect())
            }
            Dialect::Postgres => {
                // The sequence looked up once: `nextval` of an expression
                // resolves it again for every row (ten times slower).
                let seq = self.b.query(
                    &format!(
                        "SELECT pg_get_serial_sequence('{table}', 'id')::regclass::oid::bigint"
                    ),
                    &[],
                )?;
                let oid = seq
                    .first()
                    .map(|r| int(&r[0], "sequence"))
                    .transpose()?
                    .ok_or_else(|| StoreError::Corrupt(format!("{table} has no id sequence")))?;
                let rows = self.b.query(
                    &format!("SELECT nextval({oid}::oid::regclass) FROM generate_series(1, ?)"),
                    &[Value::Int(n as i64)],
                )?;
                rows.iter().map(|r| int(&r[0], "id")).collect()
            }
        }
    }

    /// Add many new items in a few statements (an import). A parent is
    /// either stored already or another item of `items`; labels, fields
    /// and goals are written too. Returns the row ids, in `items` order.
    pub fn insert_items(&mut self, items: &[Item]) -> Result<Vec<i64>, StoreError> {
        let ids = self.reserve_ids("items", items.len())?;
        let mut id_of: HashMap<String, i64> = HashMap::with_capacity(items.len());
        for (item, id) in items.iter().zip(&ids) {
            if id_of.insert(item.key.to_string(), *id).is_some() {
                return Err(StoreError::Duplicate(format!("item {}", item.key)));
            }
        }
        let outside: Vec<ItemKey> = items
            .iter()
            .filter_map(|i| i.parent.clone())
            .filter(|p| !id_of.contains_key(&p.to_string()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let stored = self.item_ids(&outside)?;
        if let Some(p) = outside.iter().find(|p| !stored.contains_key(p)) {
            return Err(StoreError::NotFound(format!("item {p}")));
        }
        // Parents before children: a statement may only point at rows
        // that earlier statements wrote.
        let index: HashMap<String, usize> = items
            .iter()
            .enumerate()
            .map(|(n, i)| (i.key.to_string(), n))
            .collect();
        let mut depth: Vec<Option<usize>> = vec![None; items.len()];
        for start in 0..items.len() {
            let mut chain = vec![start];
            let mut base = 0;
            while let Some(&cur) = chain.last() {
                match items[cur]
                    .parent
                    .as_ref()
                    .and_then(|p| index.get(&p.to_string()))
                {
                    Some(&p) if depth[p].is_none() => {
                        if chain.contains(&p) {
                            return Err(StoreError::Corrupt(format!(
                                "the parents of {} form a cycle",
                                items[p].key
                            )));
                        }
                        chain.push(p);
                    }
                    Some(&p) => {
                        base = depth[p].unwrap_or(0) + 1;
                        break;
                    }
                    None => break,
                }
            }
            // Unwind: the top of the chain is at `base`.
            for (up, &n) in chain.iter().rev().enumerate() {
                if depth[n].is_none() {
                    depth[n] = Some(base + up);
                }
            }
        }
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&n| depth[n]);
        let mut products: HashMap<String, i64> = HashMap::new();
        for r in self.b.query("SELECT prefix, id FROM products", &[])? {
            products.insert(text(&r[0], "prefix")?, int(&r[1], "id")?);
        }
        let mut releases: HashMap<(String, String), i64> = HashMap::new();
        let mut goal_ids: HashMap<String, i64> = HashMap::new();
        let mut rows = Vec::with_capacity(items.len());
        let mut labels = Vec::new();
        let mut fields = Vec::new();
        let mut goals = Vec::new();
        for n in order {
            let item = &items[n];
            let id = ids[n];
            let product_id = *products
                .get(&item.key.prefix)
                .ok_or_else(|| StoreError::NotFound(format!("product {}", item.key.prefix)))?;
            let parent_id = match &item.parent {
                Some(p) => Value::Int(
                    id_of
                        .get(&p.to_string())
                        .or_else(|| stored.get(p))
                        .copied()
                        .ok_or_else(|| StoreError::NotFound(format!("item {p}")))?,
                ),
                None => Value::Null,
            };
            let release_id = match &item.release {
                Some(r) => {
                    let k = (item.key.prefix.clone(), r.clone());
                    let rid = match releases.get(&k) {
                        Some(id) => *id,
                        None => self.release_id(&item.key.prefix, r)?,
                    };
                    releases.insert(k, rid);
                    Value::Int(rid)
                }
                None => Value::Null,
            };
            rows.push(item_row(id, product_id, item, parent_id, release_id));
            set_rows(id, item, &mut labels, &mut fields);
            for g in &item.goals {
                let gid = match goal_ids.get(g) {
                    Some(id) => *id,
                    None => {
                        let r = self
                            .b
                            .query("SELECT id FROM goals WHERE name = ?", &[g.into()])?;
                        r.first()
                            .map(|r| int(&r[0], "goal id"))
                            .transpose()?
                            .ok_or_else(|| StoreError::NotFound(format!("goal \"{g}\"")))?
                    }
                };
                goal_ids.insert(g.clone(), gid);
                goals.push(vec![Value::Int(gid), Value::Int(id)]);
            }
        }
        self.b
            .bulk_insert("items", ITEM_ROW, &mut rows.into_iter())?;
        self.insert_sets(labels, fields, goals)?;
        Ok(ids)
    }

    /// Items by key, labels and all (keys that do not exist are left out).
    pub fn items_by_keys(&mut self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
        const CHUNK: usize = 64;
        let marks = vec!["?"; CHUNK].join(", ");
        let sql = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.key IN ({marks})");
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|k| k.to_string().into()).collect();
            params.resize(CHUNK, Value::Null);
            let rows = self.b.query(&sql, &params)?;
            out.extend(self.hydrate(rows)?);
        }
        Ok(out)
    }

    /// Add links during a bulk load (both ends must be loaded already).
    pub fn bulk_links(&mut self, links: &[(Link, i64)]) -> Result<(), StoreError> {
        let bulk = self
            .bulk
            .as_ref()
            .ok_or_else(|| StoreError::Db("bulk_links outside a bulk load".into()))?;
        let mut rows = Vec::with_capacity(links.len());
        for (l, at) in links {
            let id = |k: &ItemKey| {
                bulk.ids
                    .get(&k.to_string())
                    .copied()
                    .ok_or_else(|| StoreError::NotFound(format!("item {k}")))
            };
            rows.push(vec![
                Value::Int(id(&l.src)?),
                l.kind.as_str().into(),
                Value::Int(id(&l.dst)?),
                Value::Int(*at),
            ]);
        }
        self.b.bulk_insert(
            "links",
            &["src_id", "kind", "dst_id", "created"],
            &mut rows.into_iter(),
        )?;
        Ok(())
    }

    /// Add audit entries verbatim (a bulk load, or a batch the caller
    /// chained onto the current head) and move the head to the last.
    pub fn bulk_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let rows = entries.iter().map(audit_params).collect::<Vec<_>>();
        self.b.bulk_insert(
            "audit",
            &[
                "seq",
                "at",
                "actor",
                "action",
                "target",
                "related",
                "reason",
                "changes",
                "prev_hash",
                "hash",
            ],
            &mut rows.into_iter(),
        )?;
        if let Some(last) = entries.last() {
            self.b.execute(
                "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
                &[Value::Int(last.seq), (&last.hash).into()],
            )?;
        }
        Ok(())
    }

    /// Finish a bulk load: resolve late parents, rebuild indexes.
    pub fn bulk_end(&mut self) -> Result<(), StoreError> {
        let Some(bulk) = self.bulk.take() else {
            return Ok(());
        };
        for (id, parent) in &bulk.deferred_parents {
            let pid = bulk
                .ids
                .get(parent)
                .copied()
                .ok_or_else(|| StoreError::NotFound(format!("item {parent}")))?;
            self.b.execute(
                "UPDATE items SET parent_id = ? WHERE id = ?",
                &[Value::Int(pid), Value::Int(*id)],
            )?;
        }
        match self.b.dialect() {
            Dialect::Sqlite => {
                self.b
                    .batch("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")?;
                for t in &bulk.triggers {
                    self.b.batch(t)?;
                }
            }
            Dialect::Postgres => {
                for (_, create) in PG_BULK_DEFERRED {
                    self.b.batch(create)?;
                }
                self.b.batch(
                    "SELECT setval(pg_get_serial_sequence('items', 'id'), COALESCE((SELECT MAX(id) FROM items), 1))",
                )?;
            }
        }
        Ok(())
    }

    /// Refresh the planner's statistics of some tables, after a large
    /// batch of writes (an import).
    pub fn analyze_tables(&mut self, tables: &[&str]) -> Result<(), StoreError> {
        match self.b.dialect() {
            Dialect::Postgres => self.b.batch(&format!("ANALYZE {}", tables.join(", "))),
            Dialect::Sqlite => {
                for t in tables {
                    self.b.batch(&format!("ANALYZE {t}"))?;
                }
                Ok(())
            }
        }
    }

    /// Refresh the planner's statistics (after a bulk load).
    pub fn analyze(&mut self) -> Result<(), StoreError> {
        self.b.batch("ANALYZE")
    }
}

/// Keys and indexes a PostgreSQL bulk load drops first and rebuilds after,
/// as (drop, create). The create statements are exactly those of
/// `migrations/postgres/0001_init.sql`; a store test compares the schema
/// after an import with a freshly migrated one.
const PG_BULK_DEFERRED: &[(&str, &str)] = &[
    (
        "ALTER TABLE items DROP CONSTRAINT items_product_id_fkey",
        "ALTER TABLE items ADD CONSTRAINT items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products(id)",
    ),
    (
        "ALTER TABLE items DROP CONSTRAINT items_parent_id_fkey",
        "ALTER TABLE items ADD CONSTRAINT items_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE items DROP CONSTRAINT items_release_id_fkey",
        "ALTER TABLE items ADD CONSTRAINT items_release_id_fkey FOREIGN KEY (release_id) REFERENCES releases(id)",
    ),
    (
        "ALTER TABLE item_labels DROP CONSTRAINT item_labels_item_id_fkey",
        "ALTER TABLE item_labels ADD CONSTRAINT item_labels_item_id_fkey FOREIGN KEY (item_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE item_fields DROP CONSTRAINT item_fields_item_id_fkey",
        "ALTER TABLE item_fields ADD CONSTRAINT item_fields_item_id_fkey FOREIGN KEY (item_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE links DROP CONSTRAINT links_src_id_fkey",
        "ALTER TABLE links ADD CONSTRAINT links_src_id_fkey FOREIGN KEY (src_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE links DROP CONSTRAINT links_dst_id_fkey",
        "ALTER TABLE links ADD CONSTRAINT links_dst_id_fkey FOREIGN KEY (dst_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE goal_items DROP CONSTRAINT goal_items_item_id_fkey",
        "ALTER TABLE goal_items ADD CONSTRAINT goal_items_item_id_fkey FOREIGN KEY (item_id) REFERENCES items(id)",
    ),
    (
        "ALTER TABLE items DROP CONSTRAINT items_key_key",
        "ALTER TABLE items ADD CONSTRAINT items_key_key UNIQUE (key)",
    ),
    (
        "DROP INDEX items_rank",
        "CREATE INDEX items_rank ON items (rank)",
    ),
    (
        "DROP INDEX items_product_rank",
        "CREATE INDEX items_product_rank ON items (product_id, rank)",
    ),
    (
        "DROP INDEX items_parent",
        "CREATE INDEX items_parent ON items (parent_id)",
    ),
    (
        "DROP INDEX items_release",
        "CREATE INDEX items_release ON items (release_id)",
    ),
    (
        "DROP INDEX items_state",
        "CREATE INDEX items_state ON items (category, state)",
    ),
    (
        "DROP INDEX items_search",
        "CREATE INDEX items_search ON items USING GIN (search)",
    ),
    (
        "DROP INDEX item_labels_label",
        "CREATE INDEX item_labels_label ON item_labels (label, item_id)",
    ),
    (
        "DROP INDEX links_dst",
        "CREATE INDEX links_dst ON links (dst_id, kind)",
    ),
    (
        "DROP INDEX audit_target",
        "CREATE INDEX audit_target ON audit (target, seq)",
    ),
    (
        "DROP INDEX audit_related",
        "CREATE INDEX audit_related ON audit (related, seq)",
    ),
];

/// The columns of [`item_row`], as `bulk_insert` names them.
const ITEM_ROW: &[&str] = &[
    "id",
    "product_id",
    "number",
    "key",
    "kind",
    "title",
    "description",
    "state",
    "category",
    "assignee",
    "estimate",
    "acceptance",
    "created",
    "updated",
    "resolved",
    "rank",
    "parent_id",
    "release_id",
    "version",
    "started",
];

/// An item's row, for [`ITEM_ROW`], with its ids resolved.
fn item_row(id: i64, product_id: i64, item: &Item, parent_id: Value, release_id: Value) -> Row {
    vec![
        Value::Int(id),
        Value::Int(product_id),
        Value::Int(item.key.number),
        Value::Text(item.key.to_string()),
        Value::Text(item.kind.as_str().into()),
        Value::Text(item.title.clone()),
        Value::Text(item.description.clone()),
        Value::Text(item.state.clone()),
        Value::Text(item.category.as_str().into()),
        item.assignee.clone().into(),
        item.estimate.into(),
        Value::Text(item.acceptance.clone()),
        Value::Int(item.created),
        Value::Int(item.updated),
        item.resolved.into(),
        Value::Text(item.rank.clone()),
        parent_id,
        release_id,
        Value::Int(item.version),
        item.started.into(),
    ]
}

/// The label and field rows of an item.
fn set_rows(id: i64, item: &Item, labels: &mut Vec<Row>, fields: &mut Vec<Row>) {
    for l in &item.labels {
        labels.push(vec![Value::Int(id), l.into()]);
    }
    for (name, v) in &item.fields {
        let (t, n) = match v {
            FieldValue::Number(n) => (Value::Null, Value::Real(*n)),
            FieldValue::Text(s) => (Value::Text(s.clone()), Value::Null),
        };
        fields.push(vec![Value::Int(id), name.into(), t, n]);
    }
}

fn audit_params(e: &AuditEntry) -> Vec<Value> {
    vec![
        Value::Int(e.seq),
        Value::Int(e.at),
        (&e.actor).into(),
        (&e.action).into(),
        (&e.target).into(),
        e.related.clone().into(),
        e.reason.clone().into(),
        (&e.changes).into(),
        (&e.prev_hash).into(),
        (&e.hash).into(),
    ]
}

pub(crate) fn parse_key(v: &Value) -> Result<ItemKey, StoreError> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt("item key"))
}

/// `item_params` puts the prefix first for the INSERT ... SELECT; the
/// prefix binds last, after the values.
fn rotate_prefix(mut p: Vec<Value>) -> Vec<Value> {
    let prefix = p.remove(0);
    p.push(prefix);
    p
}

fn source_rows(rows: &[Vec<Value>]) -> Result<Vec<RequirementSource>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(RequirementSource {
                key: parse_key(&r[0])?,
                document: text(&r[1], "document")?,
                line: int(&r[2], "line")?,
                heading_path: text(&r[3], "heading path")?,
                ext_id: opt_text(&r[4]),
                content_hash: text(&r[5], "content hash")?,
            })
        })
        .collect()
}
