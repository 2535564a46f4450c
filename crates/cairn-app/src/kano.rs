//! Kano survey import: functional / dysfunctional answer pairs from CSV,
//! classified per item with the standard evaluation table, optionally
//! written to the items' Kano fields (one transaction, audited).

use crate::items::Patch;
use crate::{App, AppError, Result, invalid};
use cairn_core::ItemKey;
use cairn_engine::kano::{Answer, Class, classify};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;

/// One item's survey result.
#[derive(Debug, Clone, Serialize)]
pub struct KanoResult {
    pub key: ItemKey,
    pub title: String,
    pub respondents: u32,
    pub class: String,
    /// Respondents per class: must-be, one-dimensional, attractive,
    /// indifferent, reverse, questionable.
    pub counts: BTreeMap<String, u32>,
    pub better: Option<f64>,
    pub worse: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KanoReport {
    pub results: Vec<KanoResult>,
    /// Answer pairs read.
    pub answers: usize,
    /// Whether the results were written to the items.
    pub applied: bool,
}

const ITEM_COLS: &[&str] = &["item", "key", "feature"];
const ANSWERS: &str = "like, must-be, neutral, live-with or dislike (or 1 to 5)";

impl App {
    /// Read a Kano survey: a CSV with columns `item` (an item key),
    /// `functional`, `dysfunctional` and optionally `respondent`. With
    /// `apply`, each item's `kano`, `kano_better` and `kano_worse` fields are
    /// set (as `[ranking.inputs]` maps them). Any bad row refuses the whole
    /// file, naming its line.
    pub fn kano_import(
        &mut self,
        input: impl Read,
        apply: bool,
        source: &str,
    ) -> Result<KanoReport> {
        self.require_init()?;
        self.need_admin("import Kano survey results")?;
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| AppError::Invalid(format!("{source}: cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let need = |names: &[&str]| {
            col(names).ok_or_else(|| {
                AppError::Invalid(format!(
                    "{source}: the header has no `{}` column; a Kano survey needs item, functional and dysfunctional columns (and optionally respondent); found: {}",
                    names[0],
                    headers.join(", ")
                ))
            })
        };
        let (ci, cf, cd) = (
            need(ITEM_COLS)?,
            need(&["functional"])?,
            need(&["dysfunctional"])?,
        );
        let cr = col(&["respondent", "respondent id", "customer"]);

        let mut pairs: BTreeMap<ItemKey, Vec<(Answer, Answer)>> = BTreeMap::new();
        let mut seen: HashSet<(ItemKey, String)> = HashSet::new();
        let mut errors = Vec::new();
        let mut answers = 0;
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(format!("line {line}: {e}"));
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            let cell = |i: usize| rec.get(i).unwrap_or("").trim();
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let key: ItemKey = match cell(ci).parse() {
                Ok(k) => k,
                Err(_) => {
                    errors.push(format!(
                        "line {line}: `{}` is not an item key (like PAY-12)",
                        cell(ci)
                    ));
                    continue;
                }
            };
            let mut answer = |c: usize, name: &str| {
                let a = Answer::parse(cell(c));
                if a.is_none() {
                    errors.push(format!(
                        "line {line}, column {name}: `{}` is not a Kano answer; use {ANSWERS}",
                        cell(c)
                    ));
                }
                a
            };
            let (f, d) = (answer(cf, "functional"), answer(cd, "dysfunctional"));
            if let Some(r) = cr.map(cell).filter(|r| !r.is_empty())
                && !seen.insert((key.clone(), r.to_string()))
            {
                errors.push(format!(
                    "line {line}: respondent `{r}` already answered for {key}; each respondent counts once per item"
                ));
                continue;
            }
            if let (Some(f), Some(d)) = (f, d) {
                pairs.entry(key).or_default().push((f, d));
                answers += 1;
            }
        }
        for key in pairs.keys() {
            if self.store.item_id(key)?.is_none() {
                errors.push(format!(
                    "{source}: there is no item {key}; find keys with `cairn query`"
                ));
            }
        }
        if !errors.is_empty() {
            return invalid(format!(
                "{source}: nothing imported, {}",
                crate::problem_list(errors, "problem", "problems")
            ));
        }
        let mut results = Vec::new();
        for (key, p) in &pairs {
            let Some(s) = classify(p) else { continue };
            let item = self.item(key)?;
            results.push(KanoResult {
                key: key.clone(),
                title: item.title,
                respondents: s.respondents(),
                class: s.class.as_str().into(),
                counts: Class::ALL
                    .iter()
                    .map(|c| (c.as_str().to_string(), s.count(*c)))
                    .collect(),
                better: s.better,
                worse: s.worse,
            });
        }
        if apply {
            let fields = ["kano", "kano_better", "kano_worse"]
                .iter()
                .map(|role| self.config.ranking.input_field(role, &self.config.fields))
                .collect::<std::result::Result<Vec<String>, String>>()
                .map_err(|e| AppError::Invalid(format!("cannot store Kano results: {e}")))?;
            let reason = format!("Kano survey {source}");
            self.tx(|tx| {
                for r in &results {
                    let num =
                        |x: Option<f64>| x.map(|x| format!("{}", (x * 1000.0).round() / 1000.0));
                    let patch = Patch {
                        fields: vec![
                            (fields[0].clone(), Some(r.class.clone())),
                            (fields[1].clone(), num(r.better)),
                            (fields[2].clone(), num(r.worse)),
                        ],
                        ..Patch::default()
                    };
                    tx.edit_item(&r.key, patch, None, Some(&reason))?;
                }
                Ok(())
            })?;
        }
        Ok(KanoReport {
            results,
            answers,
            applied: apply,
        })
    }
}
