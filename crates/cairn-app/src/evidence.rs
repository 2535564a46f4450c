//! Test evidence: JUnit reports imported per build, test cases linked to
//! the items they verify, and each test's latest result.
//!
//! A test links to an item three ways: the item's key in the test's name
//! (`PAY-12`, `[PAY-12]`), a `requirement` property (also `requirements`,
//! `verifies`, `item`, `items`, `story`) naming keys, or an explicit
//! `cairn evidence link`. Links are never removed by an import; a name or
//! property that no longer mentions a key leaves the link until it is
//! unlinked.

use crate::{App, AppError, Result, day, invalid};
use cairn_core::audit::Change;
use cairn_core::key::keys_in;
use cairn_core::{ItemKey, Role};
use cairn_formats::junit::{self, Outcome};
use cairn_store::evidence::NewResult;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Property names whose values name the items a test verifies.
pub const KEY_PROPERTIES: &[&str] = &[
    "requirement",
    "requirements",
    "verifies",
    "item",
    "items",
    "story",
];

/// One report file to import: its name as the user gave it (kept as the
/// run's source, so importing it again for the same build replaces it)
/// and its text.
#[derive(Debug, Clone)]
pub struct ReportFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct EvidenceImport {
    pub product: Option<String>,
    pub build: String,
    pub files: Vec<ReportFile>,
    /// Import even when a test names a key that does not exist (those
    /// links are skipped and listed); otherwise nothing is imported.
    pub skip_unknown_keys: bool,
}

/// A key a test names that is not an item.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnknownKey {
    pub file: String,
    pub line: usize,
    pub test: String,
    pub key: String,
}

/// Results by outcome.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Passed on a rerun after failing.
    pub flaky: usize,
}

impl OutcomeCounts {
    fn add(&mut self, o: Outcome, flaky: bool) {
        match o {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
        }
        if flaky {
            self.flaky += 1;
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors + self.skipped
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub suites: usize,
    pub tests: usize,
    /// This build already had this file: its results were replaced.
    pub replaced: bool,
    /// Oddities that did not stop the import, as `line N: message`.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub product: String,
    pub build: String,
    pub files: Vec<FileSummary>,
    pub results: OutcomeCounts,
    /// Tests seen for the first time.
    pub new_tests: usize,
    /// Links made by this import: (test, item, how).
    pub links_added: Vec<(String, ItemKey, String)>,
    /// Keys named by tests that are not items (only with
    /// `skip_unknown_keys`; otherwise they refuse the import).
    pub unknown_keys: Vec<UnknownKey>,
}

/// A test with its latest result and the items it verifies.
#[derive(Debug, Clone, Serialize)]
pub struct TestStatus {
    pub name: String,
    pub outcome: String,
    pub flaky: bool,
    pub build: String,
    /// When the run with its latest result was imported (YYYY-MM-DD).
    pub ran: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
    pub verifies: Vec<ItemKey>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub build: String,
    pub file: String,
    pub imported: String,
    pub actor: String,
    pub results: OutcomeCounts,
}

/// A test's result in one build.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    pub build: String,
    pub imported: String,
    pub outcome: String,
    pub duration: Option<f64>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestDetail {
    pub name: String,
    pub verifies: Vec<(ItemKey, String)>,
    pub history: Vec<TestRun>,
}

fn counts_of(outcomes: &[(String, u64)]) -> OutcomeCounts {
    let mut c = OutcomeCounts::default();
    for (o, n) in outcomes {
        let n = usize::try_from(*n).unwrap_or(usize::MAX);
        match Outcome::parse(o) {
            Some(Outcome::Passed) => c.passed += n,
            Some(Outcome::Failed) => c.failed += n,
            Some(Outcome::Error) => c.errors += n,
            Some(Outcome::Skipped) => c.skipped += n,
            None => {}
        }
    }
    c
}

/// A test case as imported: the worst of its results when a report holds
/// it more than once.
struct Seen {
    outcome: Outcome,
    flaky: bool,
    duration: Option<f64>,
    message: Option<String>,
    /// Keys from the name, then from properties: (key, how).
    keys: Vec<(ItemKey, &'static str)>,
    file: usize,
    line: usize,
}

impl App {
    /// Import JUnit reports for a build, all or nothing.
    pub fn evidence_import(&mut self, req: &EvidenceImport) -> Result<ImportSummary> {
        self.require_init()?;
        let product = self.resolve_product(req.product.as_deref())?.prefix;
        self.need(&product, Role::Member, "import test evidence")?;
        let build = req.build.trim();
        if build.is_empty() {
            return invalid(
                "--build is empty: give the CI build's number or id (e.g. --build 1432)",
            );
        }
        if build.chars().count() > 100 || build.chars().any(char::is_control) {
            return invalid("--build must be one line of at most 100 characters");
        }
        if req.files.is_empty() {
            return invalid("no report files given: name one or more JUnit XML files");
        }
        let prefixes: Vec<String> = self
            .store
            .products()?
            .into_iter()
            .map(|p| p.prefix)
            .collect();
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        // Parse everything before writing anything.
        let mut files = Vec::new();
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for (fi, f) in req.files.iter().enumerate() {
            let report = junit::parse(&f.text).map_err(|e| {
                AppError::Invalid(format!("{}: {e} (nothing was imported)", f.name))
            })?;
            let mut warnings: Vec<String> = report
                .warnings
                .iter()
                .map(|w| format!("line {}: {}", w.line, w.message))
                .collect();
            for c in &report.cases {
                let name = c.full_name();
                let mut keys: Vec<(ItemKey, &'static str)> = keys_in(&name, &prefixes)
                    .into_iter()
                    .map(|k| (k, "name"))
                    .collect();
                for (p, v) in &c.properties {
                    if KEY_PROPERTIES.contains(&p.to_ascii_lowercase().as_str()) {
                        for k in keys_in(v, &prefixes) {
                            if !keys.iter().any(|(x, _)| *x == k) {
                                keys.push((k, "property"));
                            }
                        }
                    }
                }
                match seen.get_mut(&name) {
                    Some(s) => {
                        warnings.push(format!(
                            "line {}: test \"{name}\" appears again (first at {}line {}); its worst result is kept",
                            c.line,
                            if s.file == fi {
                                String::new()
                            } else {
                                format!("{} ", req.files[s.file].name)
                            },
                            s.line
                        ));
                        if c.outcome > s.outcome {
                            s.outcome = c.outcome;
                            s.message = c.message.clone();
                            s.flaky = c.flaky;
                        }
                        for k in keys {
                            if !s.keys.iter().any(|(x, _)| *x == k.0) {
                                s.keys.push(k);
                            }
                        }
                    }
                    None => {
                        order.push(name.clone());
                        seen.insert(
                            name,
                            Seen {
                                outcome: c.outcome,
                                flaky: c.flaky,
                                duration: c.duration,
                                message: c.message.clone(),
                                keys,
                                file: fi,
                                line: c.line,
                            },
                        );
                    }
                }
            }
            files.push(FileSummary {
                file: f.name.clone(),
                suites: report.suites,
                tests: report.cases.len(),
                replaced: false,
                warnings,
            });
        }
        // Which named keys are items the caller can see?
        let mut wanted: Vec<ItemKey> = seen
            .values()
            .flat_map(|s| s.keys.iter().map(|(k, _)| k.clone()))
            .collect();
        wanted.sort();
        wanted.dedup();
        let mut ids = self.store.item_ids(&wanted)?;
        ids.retain(|k, _| self.can_see_product(&k.prefix));
        let mut unknown = Vec::new();
        for name in &order {
            let s = &seen[name];
            for (k, _) in &s.keys {
                if !ids.contains_key(k) {
                    unknown.push(UnknownKey {
                        file: req.files[s.file].name.clone(),
                        line: s.line,
                        test: name.clone(),
                        key: k.to_string(),
                    });
                }
            }
        }
        if !unknown.is_empty() && !req.skip_unknown_keys {
            let shown: Vec<String> = unknown
                .iter()
                .take(10)
                .map(|u| {
                    format!(
                        "{}:{}: test \"{}\" names {}, which is not an item",
                        u.file, u.line, u.test, u.key
                    )
                })
                .collect();
            return invalid(format!(
                "{}{}\n{} unknown key{} in test names or properties; nothing was imported. Fix the test names, create the items, or pass --skip-unknown-keys to import the results without those links",
                shown.join("\n"),
                if unknown.len() > 10 {
                    format!("\n… and {} more", unknown.len() - 10)
                } else {
                    String::new()
                },
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" }
            ));
        }
        let actor = self.actor().to_string();
        let mut results = OutcomeCounts::default();
        for s in seen.values() {
            results.add(s.outcome, s.flaky);
        }
        let (new_tests, links_added) = self.tx(|tx| {
            let mut case_ids = tx.store.test_case_ids(&product)?;
            let new: Vec<String> = order
                .iter()
                .filter(|n| !case_ids.contains_key(*n))
                .cloned()
                .collect();
            if !new.is_empty() {
                tx.store.insert_test_cases(&product, &new, tx.now)?;
                case_ids = tx.store.test_case_ids(&product)?;
            }
            // One run per file; each test's result goes to the file it
            // was first seen in.
            let mut by_file: HashMap<usize, Vec<NewResult>> = HashMap::new();
            for name in &order {
                let s = &seen[name];
                let case_id = *case_ids
                    .get(name)
                    .ok_or_else(|| AppError::Invalid(format!("test {name} was not stored")))?;
                by_file.entry(s.file).or_default().push(NewResult {
                    case_id,
                    outcome: s.outcome.as_str().to_string(),
                    duration: s.duration,
                    message: s.message.clone(),
                    flaky: s.flaky,
                });
            }
            for (fi, f) in req.files.iter().enumerate() {
                let (run, replaced) = tx
                    .store
                    .open_run(&product, build, &f.name, tx.now, &actor)?;
                files[fi].replaced = replaced;
                if let Some(rows) = by_file.get(&fi) {
                    tx.store.insert_results(run, rows)?;
                }
            }
            let existing = tx.store.test_link_pairs(&product)?;
            let mut made: HashSet<(i64, i64)> = HashSet::new();
            let mut rows = Vec::new();
            let mut added = Vec::new();
            for name in &order {
                let case_id = case_ids[name];
                for (k, how) in &seen[name].keys {
                    if let Some(&item_id) = ids.get(k)
                        && !existing.contains(&(case_id, item_id))
                        && made.insert((case_id, item_id))
                    {
                        rows.push((case_id, item_id, *how));
                        added.push((name.clone(), k.clone(), how.to_string()));
                    }
                }
            }
            tx.store.insert_test_links(&rows, tx.now)?;
            tx.audit(
                "evidence.import",
                &format!("{product} build {build}"),
                None,
                &[
                    Change::new(
                        "files",
                        (),
                        req.files
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>(),
                    ),
                    Change::new("tests", (), results.total()),
                    Change::new("passed", (), results.passed),
                    Change::new("failed", (), results.failed),
                    Change::new("errors", (), results.errors),
                    Change::new("skipped", (), results.skipped),
                    Change::new("links added", (), added.len()),
                ],
                None,
            )?;
            Ok((new.len(), added))
        })?;
        Ok(ImportSummary {
            product,
            build: build.to_string(),
            files,
            results,
            new_tests,
            links_added,
            unknown_keys: unknown,
        })
    }

    /// A product's imported runs, newest first.
    pub fn evidence_runs(&mut self, product: Option<&str>) -> Result<Vec<RunSummary>> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        Ok(self
            .store
            .test_runs(&product)?
            .into_iter()
            .map(|r| RunSummary {
                build: r.build,
                file: r.source,
                imported: day(r.imported),
                actor: r.actor,
                results: counts_of(&r.outcomes),
            })
            .collect())
    }

    /// Every test of a product with its latest result and the items it
    /// verifies; `outcome` keeps only tests whose latest result is that.
    pub fn evidence_tests(
        &mut self,
        product: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<Vec<TestStatus>> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        if let Some(o) = outcome
            && Outcome::parse(o).is_none()
        {
            return invalid(format!(
                "--outcome {o} is not an outcome: use passed, failed, error or skipped"
            ));
        }
        let mut verifies: HashMap<i64, Vec<ItemKey>> = HashMap::new();
        for l in self.store.test_links(&product)? {
            if self.can_see_product(&l.item.prefix) {
                verifies.entry(l.case_id).or_default().push(l.item);
            }
        }
        Ok(self
            .store
            .latest_results(&product)?
            .into_iter()
            .filter(|r| outcome.is_none_or(|o| r.outcome == o))
            .map(|r| TestStatus {
                verifies: verifies.remove(&r.case_id).unwrap_or_default(),
                name: r.name,
                outcome: r.outcome,
                flaky: r.flaky,
                build: r.build,
                ran: day(r.imported),
                duration: r.duration,
                message: r.message,
            })
            .collect())
    }

    /// A test's row id by its name, or a message saying how to find names.
    fn test_case_id(&mut self, product: &str, name: &str) -> Result<i64> {
        self.store
            .test_case_ids(product)?
            .get(name)
            .copied()
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "{product} has no test named \"{name}\"; list them with `cairn evidence tests`"
                ))
            })
    }

    /// One test: what it verifies and its result in every build.
    pub fn evidence_test(&mut self, product: Option<&str>, name: &str) -> Result<TestDetail> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        let id = self.test_case_id(&product, name)?;
        let verifies = self
            .store
            .test_links(&product)?
            .into_iter()
            .filter(|l| l.case_id == id && self.can_see_product(&l.item.prefix))
            .map(|l| (l.item, l.source))
            .collect();
        let history = self
            .store
            .test_history(id)?
            .into_iter()
            .map(|h| TestRun {
                imported: day(h.imported),
                build: h.build,
                outcome: h.outcome,
                duration: h.duration,
                message: h.message,
            })
            .collect();
        Ok(TestDetail {
            name: name.to_string(),
            verifies,
            history,
        })
    }

    /// Say that a test verifies an item. The test need not have run yet:
    /// it is recorded by name, and shows as "no result" until it does.
    pub fn evidence_link(
        &mut self,
        product: Option<&str>,
        test: &str,
        key: &ItemKey,
    ) -> Result<()> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        self.need(&product, Role::Member, "link tests")?;
        let name = test.trim();
        if name.is_empty() {
            return invalid("the test name is empty: give it as `cairn evidence tests` lists it");
        }
        let item = self.item(key)?;
        self.tx(|tx| {
            let mut ids = tx.store.test_case_ids(&product)?;
            if !ids.contains_key(name) {
                tx.store
                    .insert_test_cases(&product, &[name.to_string()], tx.now)?;
                ids = tx.store.test_case_ids(&product)?;
            }
            let case_id = ids[name];
            let item_id = tx
                .store
                .item_ids(std::slice::from_ref(&item.key))?
                .get(&item.key)
                .copied()
                .ok_or_else(|| AppError::NotFound(format!("there is no item {key}")))?;
            if tx
                .store
                .test_link_pairs(&product)?
                .contains(&(case_id, item_id))
            {
                return invalid(format!("test \"{name}\" already verifies {key}"));
            }
            tx.store
                .insert_test_links(&[(case_id, item_id, "explicit")], tx.now)?;
            tx.audit(
                "evidence.link",
                &key.to_string(),
                Some(name),
                &[Change::new("verified by", (), name)],
                None,
            )?;
            Ok(())
        })
    }

    /// Remove a test's link to an item, however it was made.
    pub fn evidence_unlink(
        &mut self,
        product: Option<&str>,
        test: &str,
        key: &ItemKey,
    ) -> Result<()> {
        self.require_init()?;
        let product = self.resolve_product(product)?.prefix;
        self.need(&product, Role::Member, "unlink tests")?;
        let name = test.trim();
        let id = self.test_case_id(&product, name)?;
        self.tx(|tx| {
            if !tx.store.delete_test_link(id, key)? {
                return invalid(format!("test \"{name}\" does not verify {key}"));
            }
            tx.audit(
                "evidence.unlink",
                &key.to_string(),
                Some(name),
                &[Change::new("verified by", name, ())],
                None,
            )?;
            Ok(())
        })
    }
}
