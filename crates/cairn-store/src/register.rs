//! The risk register and the decision log.

use crate::StoreError;
use crate::store::{Store, corrupt, int, text};
use crate::value::{Row, Value};
use cairn_core::{Decision, DecisionStatus, Risk, RiskStatus};

const RISK_COLUMNS: &str = "r.id, r.number, p.prefix, r.title, r.description, r.likelihood, r.impact, \
    r.owner, r.status, r.created, r.updated, r.version";
const DECISION_COLUMNS: &str = "d.id, d.number, p.prefix, d.title, d.context, d.options, d.decision, \
    d.consequences, d.status, d.decided_on, d.decider, d.created, d.updated, d.version";

/// `R-7` → 7 (and `D-3` → 3).
pub fn number_of(id: &str, prefix: char) -> Option<i64> {
    let (p, n) = id.trim().split_once('-')?;
    if !p.eq_ignore_ascii_case(&prefix.to_string()) {
        return None;
    }
    n.parse().ok().filter(|n| *n > 0)
}

fn small(v: &Value, what: &str) -> Result<u8, StoreError> {
    u8::try_from(int(v, what)?).map_err(|_| corrupt(what))
}

impl Store {
    pub(crate) fn next_number(&mut self, table: &str) -> Result<i64, StoreError> {
        let rows = self.b.query(
            &format!("SELECT COALESCE(MAX(number), 0) + 1 FROM {table}"),
            &[],
        )?;
        rows.first()
            .map(|r| int(&r[0], "number"))
            .transpose()?
            .ok_or_else(|| corrupt("next number"))
    }

    pub(crate) fn product_row_id(&mut self, prefix: &str) -> Result<i64, StoreError> {
        let rows = self
            .b
            .query("SELECT id FROM products WHERE prefix = ?", &[prefix.into()])?;
        rows.first()
            .map(|r| int(&r[0], "product id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("product {prefix}")))
    }

    /// Replace the items linked to a risk or a decision.
    fn set_links(
        &mut self,
        table: &str,
        col: &str,
        id: i64,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.b.execute(
            &format!("DELETE FROM {table} WHERE {col} = ?"),
            &[Value::Int(id)],
        )?;
        for k in keys {
            let n = self.b.execute(
                &format!(
                    "INSERT INTO {table} ({col}, item_id) SELECT ?, id FROM items WHERE key = ?"
                ),
                &[Value::Int(id), k.as_str().into()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(k.clone()));
            }
        }
        Ok(())
    }

    fn linked_keys(&mut self, table: &str, col: &str, id: i64) -> Result<Vec<String>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT i.key FROM {table} x JOIN items i ON i.id = x.item_id WHERE x.{col} = ? ORDER BY i.product_id, i.number"),
            &[Value::Int(id)],
        )?;
        rows.iter().map(|r| text(&r[0], "key")).collect()
    }

    // ---- risks ----------------------------------------------------------

    /// Store a new risk; its `id` is assigned here (`R-n`).
    pub fn insert_risk(&mut self, r: &mut Risk) -> Result<(), StoreError> {
        let number = self.next_number("risks")?;
        let pid = self.product_row_id(&r.product)?;
        let rows = self.b.query(
            "INSERT INTO risks (number, product_id, title, description, likelihood, impact, owner, status, created, updated, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
            &[
                Value::Int(number),
                Value::Int(pid),
                (&r.title).into(),
                (&r.description).into(),
                Value::Int(i64::from(r.likelihood)),
                Value::Int(i64::from(r.impact)),
                r.owner.clone().into(),
                r.status.as_str().into(),
                Value::Int(r.created),
                Value::Int(r.updated),
            ],
        )?;
        let id = rows
            .first()
            .map(|x| int(&x[0], "risk id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id for the new risk"))?;
        self.set_links("risk_items", "risk_id", id, &r.mitigations)?;
        r.id = format!("R-{number}");
        r.version = 1;
        Ok(())
    }

    /// Write a changed risk; refused when it is no longer at `r.version`.
    pub fn update_risk(&mut self, r: &Risk) -> Result<(), StoreError> {
        let number = number_of(&r.id, 'R').ok_or_else(|| StoreError::NotFound(r.id.clone()))?;
        let n = self.b.execute(
            "UPDATE risks SET title = ?, description = ?, likelihood = ?, impact = ?, owner = ?, status = ?, \
             updated = ?, version = version + 1 WHERE number = ? AND version = ?",
            &[
                (&r.title).into(),
                (&r.description).into(),
                Value::Int(i64::from(r.likelihood)),
                Value::Int(i64::from(r.impact)),
                r.owner.clone().into(),
                r.status.as_str().into(),
                Value::Int(r.updated),
                Value::Int(number),
                Value::Int(r.version),
            ],
        )?;
        self.finish_update(n, "risks", number, &r.id, r.version)?;
        let id = self.row_id("risks", number)?;
        self.set_links("risk_items", "risk_id", id, &r.mitigations)
    }

    /// After `UPDATE … WHERE number = ? AND version = ?` changed `n` rows:
    /// none means someone else changed it first (or it is gone).
    fn finish_update(
        &mut self,
        n: u64,
        table: &str,
        number: i64,
        key: &str,
        expected: i64,
    ) -> Result<(), StoreError> {
        if n > 0 {
            return Ok(());
        }
        let rows = self.b.query(
            &format!("SELECT version FROM {table} WHERE number = ?"),
            &[Value::Int(number)],
        )?;
        let current = rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0);
        Err(StoreError::Conflict {
            key: key.to_string(),
            expected,
            current,
        })
    }

    /// Put back a restored record's number, version and times (dump
    /// import), after it was inserted as new.
    pub fn restore_register_meta(
        &mut self,
        table: &str,
        id: &str,
        prefix: char,
        version: i64,
        created: i64,
        updated: i64,
    ) -> Result<(), StoreError> {
        let number = number_of(id, prefix).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let t = match table {
            "risks" => "risks",
            _ => "decisions",
        };
        self.b.execute(
            &format!("UPDATE {t} SET number = ?, version = ?, created = ?, updated = ? WHERE id = (SELECT MAX(id) FROM {t})"),
            &[Value::Int(number), Value::Int(version), Value::Int(created), Value::Int(updated)],
        )?;
        Ok(())
    }

    fn row_id(&mut self, table: &str, number: i64) -> Result<i64, StoreError> {
        let rows = self.b.query(
            &format!("SELECT id FROM {table} WHERE number = ?"),
            &[Value::Int(number)],
        )?;
        rows.first()
            .map(|r| int(&r[0], "id"))
            .transpose()?
            .ok_or_else(|| corrupt("row vanished"))
    }

    fn risk_row(&mut self, r: &Row) -> Result<Risk, StoreError> {
        let id = int(&r[0], "risk id")?;
        let status = text(&r[8], "status")?;
        Ok(Risk {
            id: format!("R-{}", int(&r[1], "number")?),
            product: text(&r[2], "product")?,
            title: text(&r[3], "title")?,
            description: text(&r[4], "description")?,
            likelihood: small(&r[5], "likelihood")?,
            impact: small(&r[6], "impact")?,
            owner: r[7].as_str().map(str::to_string),
            status: RiskStatus::parse(&status).ok_or_else(|| corrupt("risk status"))?,
            mitigations: self.linked_keys("risk_items", "risk_id", id)?,
            created: int(&r[9], "created")?,
            updated: int(&r[10], "updated")?,
            version: int(&r[11], "version")?,
        })
    }

    pub fn risk(&mut self, id: &str) -> Result<Option<Risk>, StoreError> {
        let Some(number) = number_of(id, 'R') else {
            return Ok(None);
        };
        let rows = self.b.query(
            &format!("SELECT {RISK_COLUMNS} FROM risks r JOIN products p ON p.id = r.product_id WHERE r.number = ?"),
            &[Value::Int(number)],
        )?;
        match rows.first() {
            Some(r) => Ok(Some(self.risk_row(r)?)),
            None => Ok(None),
        }
    }

    /// Every risk, highest score first.
    pub fn risks(&mut self) -> Result<Vec<Risk>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {RISK_COLUMNS} FROM risks r JOIN products p ON p.id = r.product_id ORDER BY r.number"),
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.risk_row(r)?);
        }
        out.sort_by(|a, b| b.score().cmp(&a.score()).then(a.created.cmp(&b.created)));
        Ok(out)
    }

    // ---- decisions ------------------------------------------------------

    pub fn insert_decision(&mut self, d: &mut Decision) -> Result<(), StoreError> {
        let number = self.next_number("decisions")?;
        let pid = self.product_row_id(&d.product)?;
        let options = serde_json::to_string(&d.options).unwrap_or_else(|_| "[]".into());
        let rows = self.b.query(
            "INSERT INTO decisions (number, product_id, title, context, options, decision, consequences, status, decided_on, decider, created, updated, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
            &[
                Value::Int(number),
                Value::Int(pid),
                (&d.title).into(),
                (&d.context).into(),
                options.into(),
                (&d.decision).into(),
                (&d.consequences).into(),
                d.status.as_str().into(),
                d.decided_on.clone().into(),
                d.decider.clone().into(),
                Value::Int(d.created),
                Value::Int(d.updated),
            ],
        )?;
        let id = rows
            .first()
            .map(|x| int(&x[0], "decision id"))
            .transpose()?
            .ok_or_else(|| corrupt("no id for the new decision"))?;
        self.set_links("decision_items", "decision_id", id, &d.items)?;
        d.id = format!("D-{number}");
        d.version = 1;
        Ok(())
    }

    pub fn update_decision(&mut self, d: &Decision) -> Result<(), StoreError> {
        let number = number_of(&d.id, 'D').ok_or_else(|| StoreError::NotFound(d.id.clone()))?;
        let options = serde_json::to_string(&d.options).unwrap_or_else(|_| "[]".into());
        let n = self.b.execute(
            "UPDATE decisions SET title = ?, context = ?, options = ?, decision = ?, consequences = ?, status = ?, \
             decided_on = ?, decider = ?, updated = ?, version = version + 1 WHERE number = ? AND version = ?",
            &[
                (&d.title).into(),
                (&d.context).into(),
                options.into(),
                (&d.decision).into(),
                (&d.consequences).into(),
                d.status.as_str().into(),
                d.decided_on.clone().into(),
                d.decider.clone().into(),
                Value::Int(d.updated),
                Value::Int(number),
                Value::Int(d.version),
            ],
        )?;
        self.finish_update(n, "decisions", number, &d.id, d.version)?;
        let id = self.row_id("decisions", number)?;
        self.set_links("decision_items", "decision_id", id, &d.items)
    }

    fn decision_row(&mut self, r: &Row) -> Result<Decision, StoreError> {
        let id = int(&r[0], "decision id")?;
        let status = text(&r[8], "status")?;
        Ok(Decision {
            id: format!("D-{}", int(&r[1], "number")?),
            product: text(&r[2], "product")?,
            title: text(&r[3], "title")?,
            context: text(&r[4], "context")?,
            options: serde_json::from_str(&text(&r[5], "options")?)
                .map_err(|_| corrupt("decision options"))?,
            decision: text(&r[6], "decision")?,
            consequences: text(&r[7], "consequences")?,
            status: DecisionStatus::parse(&status).ok_or_else(|| corrupt("decision status"))?,
            decided_on: r[9].as_str().map(str::to_string),
            decider: r[10].as_str().map(str::to_string),
            items: self.linked_keys("decision_items", "decision_id", id)?,
            created: int(&r[11], "created")?,
            updated: int(&r[12], "updated")?,
            version: int(&r[13], "version")?,
        })
    }

    pub fn decision(&mut self, id: &str) -> Result<Option<Decision>, StoreError> {
        let Some(number) = number_of(id, 'D') else {
            return Ok(None);
        };
        let rows = self.b.query(
            &format!("SELECT {DECISION_COLUMNS} FROM decisions d JOIN products p ON p.id = d.product_id WHERE d.number = ?"),
            &[Value::Int(number)],
        )?;
        match rows.first() {
            Some(r) => Ok(Some(self.decision_row(r)?)),
            None => Ok(None),
        }
    }

    /// Every decision, newest first.
    pub fn decisions(&mut self) -> Result<Vec<Decision>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {DECISION_COLUMNS} FROM decisions d JOIN products p ON p.id = d.product_id ORDER BY d.number DESC"),
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.decision_row(r)?);
        }
        Ok(out)
    }
}
