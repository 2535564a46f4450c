//! CSV import of items with a column mapping. One transaction: when any
//! row is bad nothing is imported, unless the caller asks to skip bad rows.

use crate::items::NewItem;
use crate::{App, AppError, Result, invalid};
use cairn_core::{ItemKey, Kind};
use serde::Serialize;
use std::io::Read;

#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    pub product: Option<String>,
    /// (field, column) pairs that override the default matching by name.
    pub map: Vec<(String, String)>,
    pub skip_bad: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRow {
    /// 1-based line in the file.
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CsvReport {
    pub imported: Vec<ItemKey>,
    pub bad: Vec<BadRow>,
}

/// The fields a column can fill, with the header names that match them.
const FIELDS: &[(&str, &[&str])] = &[
    ("title", &["title", "summary", "name"]),
    ("kind", &["kind", "type", "issue type"]),
    ("description", &["description", "details"]),
    ("estimate", &["estimate", "points", "story points"]),
    ("labels", &["labels", "label", "tags"]),
    ("parent", &["parent", "parent key", "parent id"]),
    ("state", &["state", "status"]),
    ("assignee", &["assignee", "owner"]),
    ("acceptance", &["acceptance", "acceptance criteria"]),
    ("release", &["release", "fix version"]),
];

impl App {
    pub fn import_csv(
        &mut self,
        input: impl Read,
        opts: &CsvOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<CsvReport> {
        self.require_init()?;
        let product = self.resolve_product(opts.product.as_deref())?;
        self.need(&product.prefix, cairn_core::Role::Owner, "import items")?;
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = rdr
            .headers()
            .map_err(|e| AppError::Invalid(format!("cannot read the CSV header: {e}")))?
            .clone();
        let header_list: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
        // field -> column index
        let mut cols: Vec<(&str, usize)> = Vec::new();
        for (field, names) in FIELDS {
            let explicit = opts.map.iter().find(|(f, _)| f.eq_ignore_ascii_case(field));
            let idx = match explicit {
                Some((_, col)) => Some(header_list.iter().position(|h| h.eq_ignore_ascii_case(col)).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "--map {field}={col}: there is no column `{col}`; the columns are: {}",
                        header_list.join(", ")
                    ))
                })?),
                None => header_list.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n))),
            };
            if let Some(i) = idx {
                cols.push((field, i));
            }
        }
        for (f, _) in &opts.map {
            if !FIELDS.iter().any(|(x, _)| x.eq_ignore_ascii_case(f)) {
                let names: Vec<&str> = FIELDS.iter().map(|(x, _)| *x).collect();
                return invalid(format!(
                    "--map {f}=...: `{f}` is not a field; fields: {}",
                    names.join(", ")
                ));
            }
        }
        if !cols.iter().any(|(f, _)| *f == "title") {
            return invalid(format!(
                "the CSV has no title column; its columns are: {}. Name one with --map title=COLUMN",
                header_list.join(", ")
            ));
        }
        let mut rows = Vec::new();
        let mut report = CsvReport::default();
        for rec in rdr.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    if r.len() != header_list.len() {
                        report.bad.push(BadRow {
                            line,
                            reason: format!(
                                "{} fields, but the header has {}",
                                r.len(),
                                header_list.len()
                            ),
                        });
                        continue;
                    }
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    report.bad.push(BadRow {
                        line,
                        reason: format!("unreadable CSV: {e}"),
                    });
                }
            }
        }
        let prefix = product.prefix.clone();
        let skip_bad = opts.skip_bad;
        let mut outcome: Option<CsvReport> = None;
        let res = self.tx(|tx| {
            for (n, (line, r)) in rows.iter().enumerate() {
                let get = |f: &str| {
                    cols.iter()
                        .find(|(x, _)| *x == f)
                        .and_then(|(_, i)| r.get(*i))
                        .map(str::trim)
                };
                let parsed = (|| -> std::result::Result<NewItem, String> {
                    let kind = match get("kind").filter(|s| !s.is_empty()) {
                        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                            format!("kind `{k}` is not one of {}", Kind::names().join(", "))
                        })?),
                        None => None,
                    };
                    let estimate = match get("estimate").filter(|s| !s.is_empty()) {
                        Some(e) => Some(
                            e.parse::<f64>()
                                .map_err(|_| format!("estimate `{e}` is not a number"))?,
                        ),
                        None => None,
                    };
                    let parent = match get("parent").filter(|s| !s.is_empty()) {
                        Some(p) => Some(p.parse::<ItemKey>().map_err(|e| e.to_string())?),
                        None => None,
                    };
                    let opt = |f: &str| get(f).filter(|s| !s.is_empty()).map(str::to_string);
                    Ok(NewItem {
                        product: Some(prefix.clone()),
                        kind,
                        title: get("title").unwrap_or("").to_string(),
                        description: get("description").unwrap_or("").to_string(),
                        state: opt("state"),
                        assignee: opt("assignee"),
                        labels: get("labels")
                            .unwrap_or("")
                            .split([';', ','])
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                        estimate,
                        acceptance: get("acceptance").unwrap_or("").to_string(),
                        fields: Vec::new(),
                        parent,
                        release: opt("release"),
                        goals: Vec::new(),
                    })
                })();
                let new = match parsed {
                    Ok(n) => n,
                    Err(reason) => {
                        report.bad.push(BadRow {
                            line: *line,
                            reason,
                        });
                        continue;
                    }
                };
                tx.store.backend().batch("SAVEPOINT csv_row")?;
                match tx.add_item(&prefix, new, Some("csv import")) {
                    Ok(item) => {
                        tx.store.backend().batch("RELEASE SAVEPOINT csv_row")?;
                        report.imported.push(item.key);
                    }
                    Err(e @ AppError::Store(_)) if !matches!(e.exit_code(), 2) => return Err(e),
                    Err(e) => {
                        tx.store.backend().batch("ROLLBACK TO SAVEPOINT csv_row")?;
                        tx.store.backend().batch("RELEASE SAVEPOINT csv_row")?;
                        report.bad.push(BadRow {
                            line: *line,
                            reason: e.to_string(),
                        });
                    }
                }
                if n % 100 == 0 {
                    progress(n as u64);
                }
            }
            report.bad.sort_by_key(|b| b.line);
            if !report.bad.is_empty() && !skip_bad {
                report.imported.clear();
                outcome = Some(std::mem::take(&mut report));
                return invalid("bad rows");
            }
            outcome = Some(std::mem::take(&mut report));
            Ok(())
        });
        match (res, outcome) {
            (Ok(()), Some(r)) => Ok(r),
            (Err(AppError::Invalid(_)), Some(r)) if !r.bad.is_empty() => Ok(r),
            (Err(e), _) => Err(e),
            (Ok(()), None) => Ok(CsvReport::default()),
        }
    }
}
