//! Workspace-level use cases: init, config, products, people, releases,
//! goals, history and audit verification.

use crate::{App, AppError, Result, invalid};
use cairn_core::audit::{Break, ChainVerifier, Change};
use cairn_core::config::DEFAULT_CONFIG;
use cairn_core::key::validate_prefix;
use cairn_core::{
    AuditEntry, Category, Config, FieldType, Goal, ItemKey, KeyResult, Kind, Person, Product,
    Release,
};
use serde::Serialize;

/// The outcome of `cairn audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub head_seq: i64,
    /// The first break, if the chain does not verify.
    pub broken: Option<Break>,
    /// Electronic signatures checked against their hashes, their audit
    /// entries and the records they sign.
    pub signatures: u64,
    /// What is wrong with them (a record altered outside Cairn, say).
    pub problems: Vec<String>,
    pub message: String,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.broken.is_none() && self.problems.is_empty()
    }
}

impl App {
    /// Make this database a Cairn workspace: store the default config.
    /// Returns false when it already was one.
    pub fn init(&mut self) -> Result<bool> {
        if self.is_initialised() {
            return Ok(false);
        }
        self.tx(|tx| {
            tx.store.save_config(DEFAULT_CONFIG, 1)?;
            tx.audit(
                "workspace.init",
                "workspace",
                None,
                &[Change::new("config", (), "default")],
                None,
            )?;
            Ok(())
        })?;
        self.config = Config::default();
        self.config_version = 1;
        Ok(true)
    }

    pub(crate) fn require_init(&self) -> Result<()> {
        if self.is_initialised() {
            Ok(())
        } else {
            invalid(format!(
                "{} is not a Cairn workspace yet: run `cairn init` first (or `cairn demo` for a sample product)",
                self.store.url()
            ))
        }
    }

    /// The config text as stored.
    pub fn config_text(&mut self) -> Result<String> {
        Ok(self
            .store
            .load_config()?
            .map(|(b, _)| b)
            .unwrap_or_else(|| DEFAULT_CONFIG.to_string()))
    }

    /// Validate and store a new workspace config. Refused when existing
    /// items would be left in states or under parents it no longer allows.
    pub fn config_apply(&mut self, text: &str, reason: Option<&str>) -> Result<()> {
        self.require_init()?;
        self.need_admin("change the workspace config")?;
        let new = Config::parse(text).map_err(|e| AppError::Invalid(e.to_string()))?;
        if let Some(scope) = &new.ranking.scope {
            let now = chrono::DateTime::from_timestamp_millis(self.now()).unwrap_or_default();
            if let Err(d) = cairn_query::compile(scope, &crate::items::schema_for(&new), now) {
                return invalid(format!(
                    "the workspace config is invalid: [ranking] scope is not a valid query: {}\n{}",
                    d.message,
                    d.render(scope)
                ));
            }
        }
        // The version this change was made against: a newer stored config
        // (applied by someone else meanwhile) is not silently replaced.
        let seen = self.config_version;
        self.tx(|tx| {
            let (old_text, stored) = tx.store.load_config()?.unwrap_or_default();
            if stored != seen {
                return invalid(format!(
                    "the workspace config changed while you edited it (you started from version {seen}, it is now version {stored}); \
                     look at it again with `cairn config show` and re-apply your change"
                ));
            }
            // Every (kind, state) in use must still exist.
            let in_use = tx.store.backend().query(
                "SELECT kind, state, COUNT(*) FROM items GROUP BY kind, state ORDER BY kind, state",
                &[],
            )?;
            for row in &in_use {
                let kind = row[0].as_str().and_then(Kind::parse);
                let state = row[1].as_str().unwrap_or("");
                let n = row[2].as_i64().unwrap_or(0);
                if let Some(kind) = kind
                    && new.category_of(kind, state).is_none()
                {
                    return invalid(format!(
                        "the new config has no state `{state}` for {kind}s, but {n} {kind}(s) are in it; \
                         keep the state, or move those items first (`cairn query 'kind = {kind} AND state = {state}'`)"
                    ));
                }
            }
            // Every custom field in use must still exist with a compatible type.
            let fields = tx.store.backend().query(
                "SELECT name, COUNT(*), SUM(CASE WHEN num_value IS NULL THEN 0 ELSE 1 END) FROM item_fields GROUP BY name",
                &[],
            )?;
            for row in &fields {
                let name = row[0].as_str().unwrap_or("");
                let n = row[1].as_i64().unwrap_or(0);
                let numeric = row[2].as_i64().unwrap_or(0) > 0;
                let fix = format!(
                    "keep it, or clear it first on every item that has it (`cairn query '{name} IS NOT EMPTY'`, then `cairn item edit KEY --clear-field {name}`)"
                );
                let Some(decl) = new.fields.get(name) else {
                    return invalid(format!("the new config drops field `{name}`, which {n} item(s) use; {fix}"));
                };
                if numeric != (decl.ty == FieldType::Number) {
                    return invalid(format!(
                        "the new config changes the type of field `{name}`, which {n} item(s) use; {fix}"
                    ));
                }
                if decl.ty == FieldType::Enum {
                    let values = tx.store.backend().query(
                        "SELECT DISTINCT text_value FROM item_fields WHERE name = ?",
                        &[name.into()],
                    )?;
                    for v in values {
                        let v = v[0].as_str().unwrap_or("");
                        if !decl.values.iter().any(|x| x == v) {
                            return invalid(format!(
                                "the new config drops value `{v}` from field `{name}`, but items use it; {fix}"
                            ));
                        }
                    }
                }
            }
            // Recompute stored categories (and resolved times) for states whose category moved.
            let mut moved = 0u64;
            for row in &in_use {
                if let (Some(kind), Some(state)) = (row[0].as_str().and_then(Kind::parse), row[1].as_str())
                    && let Some(cat) = new.category_of(kind, state)
                {
                    let filter: [cairn_store::Value; 3] =
                        [kind.as_str().into(), state.into(), cat.as_str().into()];
                    // Resolved and started times follow the category as in `item_edit`.
                    let mut params = vec![tx.now.into(), filter[0].clone(), filter[1].clone(), filter[2].clone()];
                    let sql = match cat {
                        Category::Done => "UPDATE items SET category = 'done', resolved = COALESCE(resolved, ?) \
                             WHERE kind = ? AND state = ? AND category <> ?",
                        Category::InProgress => "UPDATE items SET category = 'in-progress', resolved = NULL, \
                             started = COALESCE(started, ?) WHERE kind = ? AND state = ? AND category <> ?",
                        Category::Todo => {
                            params.remove(0);
                            "UPDATE items SET category = 'todo', resolved = NULL, started = NULL \
                             WHERE kind = ? AND state = ? AND category <> ?"
                        }
                    };
                    moved += tx.store.backend().execute(sql, &params)?;
                }
            }
            tx.store.save_config(text, stored + 1)?;
            let mut changes = vec![Change::new("config", &old_text, text)];
            if moved > 0 {
                changes.push(Change::new("items_recategorised", (), moved));
            }
            tx.audit("config.apply", "workspace", None, &changes, reason)?;
            Ok(())
        })?;
        self.config = new;
        self.config_version = seen + 1;
        Ok(())
    }

    // ---- products ------------------------------------------------------

    pub fn product_add(&mut self, prefix: &str, name: &str) -> Result<Product> {
        self.require_init()?;
        self.need_admin("add products")?;
        let prefix = prefix.trim().to_string();
        validate_prefix(&prefix).map_err(|e| AppError::Invalid(e.to_string()))?;
        let name = name.trim();
        if name.is_empty() {
            return invalid("a product needs a name, e.g. `cairn product add PAY \"Payments\"`");
        }
        let p = Product {
            prefix: prefix.clone(),
            name: name.to_string(),
            next_number: 1,
            created: self.now(),
        };
        self.tx(|tx| {
            if tx.store.product(&prefix)?.is_some() {
                return invalid(format!(
                    "product {prefix} already exists; choose another prefix"
                ));
            }
            tx.store.insert_product(&p)?;
            tx.audit(
                "product.create",
                &prefix,
                None,
                &[Change::new("name", (), &p.name)],
                None,
            )?;
            Ok(())
        })?;
        Ok(p)
    }

    pub fn products(&mut self) -> Result<Vec<Product>> {
        let mut all = self.store.products()?;
        all.retain(|p| self.can_see_product(&p.prefix));
        Ok(all)
    }

    /// The product a command means: the one named, or the only one.
    pub fn resolve_product(&mut self, prefix: Option<&str>) -> Result<Product> {
        let mut all = self.store.products()?;
        all.retain(|p| self.can_see_product(&p.prefix));
        match prefix {
            Some(p) => {
                let p = p.trim().to_ascii_uppercase();
                all.iter().find(|x| x.prefix == p).cloned().ok_or_else(|| {
                    AppError::NotFound(format!(
                        "there is no product {p}; products: {}",
                        names_or_none(all.iter().map(|x| x.prefix.as_str()))
                    ))
                })
            }
            None => match all.as_slice() {
                [one] => Ok(one.clone()),
                [] => invalid(
                    "there are no products yet: add one with `cairn product add PAY \"Payments\"`",
                ),
                _ => invalid(format!(
                    "there are several products ({}); say which with --product",
                    names_or_none(all.iter().map(|x| x.prefix.as_str()))
                )),
            },
        }
    }

    // ---- people --------------------------------------------------------

    pub fn person_add(&mut self, handle: &str, name: &str, email: Option<&str>) -> Result<Person> {
        self.require_init()?;
        self.need_admin("add people")?;
        let handle = handle.trim();
        let ok = !handle.is_empty()
            && handle
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !ok {
            return invalid(format!(
                "`{handle}` is not a usable handle: use letters, digits, '.', '-' and '_' (e.g. ada.l)"
            ));
        }
        let p = Person {
            handle: handle.to_string(),
            name: if name.trim().is_empty() {
                handle.to_string()
            } else {
                name.trim().to_string()
            },
            email: email.map(str::to_string),
        };
        self.tx(|tx| {
            if tx.store.person(handle)?.is_some() {
                return invalid(format!("person {handle} already exists"));
            }
            tx.store.insert_person(&p)?;
            tx.audit(
                "person.create",
                handle,
                None,
                &[Change::new("name", (), &p.name)],
                None,
            )?;
            Ok(())
        })?;
        Ok(p)
    }

    pub fn people(&mut self) -> Result<Vec<Person>> {
        Ok(self.store.people()?)
    }

    // ---- releases ------------------------------------------------------

    pub fn release_add(
        &mut self,
        product: Option<&str>,
        name: &str,
        target_date: Option<&str>,
    ) -> Result<Release> {
        self.require_init()?;
        let product = self.resolve_product(product)?;
        self.need(&product.prefix, cairn_core::Role::Owner, "add releases")?;
        let name = name.trim();
        if name.is_empty() {
            return invalid(
                "a release needs a name, e.g. `cairn release add 2026.1 --date 2026-03-31`",
            );
        }
        if let Some(d) = target_date
            && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
        {
            return invalid(format!(
                "release date `{d}` is not a date: use YYYY-MM-DD, e.g. 2026-03-31"
            ));
        }
        let r = Release {
            product: product.prefix.clone(),
            name: name.to_string(),
            target_date: target_date.map(str::to_string),
            created: self.now(),
        };
        self.tx(|tx| {
            if tx.store.release(&r.product, &r.name)?.is_some() {
                return invalid(format!(
                    "release {} already exists in {}",
                    r.name, r.product
                ));
            }
            tx.store.insert_release(&r)?;
            tx.audit(
                "release.create",
                &format!("{}/{}", r.product, r.name),
                None,
                &[Change::new("target_date", (), &r.target_date)],
                None,
            )?;
            Ok(())
        })?;
        Ok(r)
    }

    pub fn releases(&mut self) -> Result<Vec<Release>> {
        Ok(self.store.releases()?)
    }

    // ---- goals ---------------------------------------------------------

    pub fn goal_add(
        &mut self,
        name: &str,
        description: &str,
        key_results: Vec<KeyResult>,
    ) -> Result<Goal> {
        self.require_init()?;
        self.need_admin("add goals")?;
        let name = name.trim();
        if name.is_empty() {
            return invalid("a goal needs a name, e.g. `cairn goal add \"Cut checkout drop-off\"`");
        }
        for kr in &key_results {
            if !kr.target.is_finite() || !kr.current.is_finite() {
                return invalid(format!(
                    "key result \"{}\": target and current must be numbers",
                    kr.description
                ));
            }
        }
        let g = Goal {
            name: name.to_string(),
            description: description.to_string(),
            key_results,
            created: self.now(),
        };
        self.tx(|tx| {
            if tx.store.goal(&g.name)?.is_some() {
                return invalid(format!("goal \"{}\" already exists", g.name));
            }
            tx.store.insert_goal(&g)?;
            tx.audit(
                "goal.create",
                &g.name,
                None,
                &[
                    Change::new("description", (), &g.description),
                    Change::new("key_results", (), &g.key_results),
                ],
                None,
            )?;
            Ok(())
        })?;
        Ok(g)
    }

    pub fn goals(&mut self) -> Result<Vec<Goal>> {
        Ok(self.store.goals()?)
    }

    /// Link an item to a goal (or unlink it).
    pub fn goal_link(&mut self, goal: &str, key: &ItemKey, unlink: bool) -> Result<bool> {
        self.require_init()?;
        self.need_item(key, cairn_core::Role::Member, "link items to goals")?;
        self.tx(|tx| {
            if tx.store.goal(goal)?.is_none() {
                let names: Vec<String> = tx.store.goals()?.into_iter().map(|g| g.name).collect();
                return Err(AppError::NotFound(format!(
                    "there is no goal \"{goal}\"; goals: {}",
                    names_or_none(names.iter().map(String::as_str))
                )));
            }
            if tx.store.item_id(key)?.is_none() {
                return Err(AppError::NotFound(format!("there is no item {key}")));
            }
            let changed = if unlink {
                tx.store.remove_goal_item(goal, key)?
            } else {
                tx.store.add_goal_item(goal, key)?
            };
            if changed {
                let (old, new) = if unlink {
                    (Some(goal), None)
                } else {
                    (None, Some(goal))
                };
                tx.audit(
                    if unlink { "goal.unlink" } else { "goal.link" },
                    &key.to_string(),
                    None,
                    &[Change::new("goal", old, new)],
                    None,
                )?;
            }
            Ok(changed)
        })
    }

    // ---- history and audit ---------------------------------------------

    /// Every audit entry about an item, oldest first (a deleted item keeps
    /// its history).
    pub fn history(&mut self, target: &str) -> Result<Vec<AuditEntry>> {
        let visible = match target.parse::<ItemKey>() {
            Ok(k) => self.can_see_key(&k),
            // Users, config and products: admins only.
            Err(_) => self.access.as_ref().is_none_or(|a| a.admin),
        };
        let mut entries = if visible {
            self.store.audit_for(target)?
        } else {
            Vec::new()
        };
        // Entries that name an item the caller may not see (a link to or
        // from another product, a parent there) are left out: as their
        // target or related item (a link's two ends), or in a parent or
        // link change.
        let sees = |s: &str| s.parse::<ItemKey>().is_ok_and(|k| self.can_see_key(&k));
        entries.retain(|e| {
            let names = |s: &str| s.parse::<ItemKey>().is_ok();
            (!names(&e.target) || sees(&e.target))
                && e.related.as_deref().is_none_or(|r| !names(r) || sees(r))
                && changed_keys(&e.changes).iter().all(|k| sees(k))
        });
        if entries.is_empty() {
            return Err(AppError::NotFound(format!(
                "there is no history for {target}: no such item was ever written"
            )));
        }
        Ok(entries)
    }

    /// Walk the whole audit trail and check its hash chain.
    pub fn audit_verify(&mut self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport> {
        self.need_admin("verify the whole workspace's audit trail")?;
        let (head_seq, _) = self.store.audit_head()?;
        let mut v = ChainVerifier::new();
        let mut after = 0;
        let mut broken = None;
        'outer: loop {
            let batch = self.store.audit_after(after, 10_000)?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                if let Err(b) = v.check(e) {
                    broken = Some(b);
                    break 'outer;
                }
            }
            after = batch.last().map_or(after, |e| e.seq);
            progress(v.checked);
        }
        if broken.is_none() {
            broken = v.finish(head_seq).err();
        }
        let (signatures, problems) = self.verify_signatures()?;
        let mut message = match &broken {
            None => format!("audit trail intact: {} entries verified", v.checked),
            Some(b) => format!("audit trail broken: {b}"),
        };
        if signatures > 0 || !problems.is_empty() {
            if problems.is_empty() {
                message.push_str(&format!(
                    "; {signatures} electronic signature{} match their records",
                    if signatures == 1 { "" } else { "s" }
                ));
            } else {
                message.push_str(&format!(
                    "\n{} problem{} with electronic signatures:",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                ));
                for p in &problems {
                    message.push_str(&format!("\n  - {p}"));
                }
            }
        }
        Ok(VerifyReport {
            checked: v.checked,
            head_seq,
            broken,
            signatures,
            problems,
            message,
        })
    }
}

pub(crate) fn names_or_none<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = names.collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

/// The item keys an entry's changes name structurally: a parent (also in
/// a deleted item's snapshot) and removed links ("relates PAY-3").
fn changed_keys(changes: &str) -> Vec<String> {
    let Ok(changes) = serde_json::from_str::<Vec<Change>>(changes) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    let mut add = |v: &serde_json::Value| {
        if let Some(s) = v.as_str() {
            let last = s.rsplit(' ').next().unwrap_or(s);
            if last.parse::<ItemKey>().is_ok() {
                keys.push(last.to_string());
            }
        }
    };
    for c in &changes {
        match c.field.as_str() {
            "parent" | "link" => {
                add(&c.old);
                add(&c.new);
            }
            "item" => {
                add(&c.old["parent"]);
                add(&c.new["parent"]);
            }
            _ => {}
        }
    }
    keys
}
