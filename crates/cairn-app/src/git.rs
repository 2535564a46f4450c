//! Commits linked to items: `cairn git scan` reads a repository's history
//! (with gix, behind the `git` feature; never by running `git`), finds item
//! keys in the messages, links each commit to its items, and moves the
//! items a "fixes KEY" commit names to the `[git] fixes_state`.
//!
//! A scan is one transaction. It reads only what is new since the tip it
//! read last time, and a commit already stored is never stored, linked or
//! acted on again, so a re-scan is idempotent whatever the tips say.

use crate::{App, Patch, Result};
use cairn_core::audit::Change;
use cairn_core::git::{Mentions, moves_forward};
use cairn_core::{Commit, ItemKey, format_millis};
use cairn_store::git::GitRepo;
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

/// What a scan found and did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// The repository, as an absolute path.
    pub repo: String,
    /// The commit HEAD named, read up to.
    pub head: String,
    /// The tip the previous scan read up to.
    pub previous: Option<String>,
    pub dry_run: bool,
    /// Commits read this time (those reachable from HEAD but not from the
    /// previous tip).
    pub commits_read: u64,
    /// Commits stored: new ones that mention at least one item.
    pub new_commits: u64,
    /// Commit-to-item links added.
    pub links_added: u64,
    pub moved: Vec<Moved>,
    /// "Fixes KEY" commits whose move the workflow or a gate refused.
    pub not_moved: Vec<NotMoved>,
    /// Keys mentioned that name no item (or one the caller cannot see).
    pub unknown_keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    pub key: String,
    pub from: String,
    pub to: String,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotMoved {
    pub key: String,
    pub state: String,
    pub to: String,
    pub commit: String,
    pub reason: String,
}

/// A commit of an item, as the CLI's JSON and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemCommit {
    pub hash: String,
    pub short: String,
    pub repo: String,
    pub author: String,
    pub email: String,
    /// Author time, RFC 3339.
    pub at: String,
    pub subject: String,
    /// The message said it fixes the item.
    pub fixes: bool,
}

/// A commit read from a repository with what its message says.
pub(crate) struct ReadCommit {
    pub commit: Commit,
    pub mentions: Mentions,
}

#[cfg(feature = "git")]
mod reader {
    use super::ReadCommit;
    use crate::{AppError, Result, invalid};
    use cairn_core::Commit;
    use cairn_core::git::mentions;
    use std::path::Path;

    pub(crate) struct Repo {
        repo: gix::Repository,
        id: String,
        head: gix::ObjectId,
        shown: String,
    }

    fn unreadable(shown: &str, e: impl std::fmt::Display) -> AppError {
        AppError::Invalid(format!(
            "cannot read the history of {shown}: {e}; check that the repository is complete (`git fsck` there)"
        ))
    }

    pub(crate) fn open(path: &Path) -> Result<Repo> {
        let shown = path.display().to_string();
        if !path.exists() {
            return invalid(format!(
                "{shown} does not exist; give the folder of a git repository, e.g. `cairn git scan ~/src/payments`"
            ));
        }
        let mut repo = gix::open(path).map_err(|e| {
            AppError::Invalid(format!(
                "{shown} is not a git repository ({e}); give the folder of a clone or a bare repository, e.g. `cairn git scan ~/src/payments`"
            ))
        })?;
        repo.object_cache_size_if_unset(16 << 20);
        let head = match repo.head_id() {
            Ok(id) => id.detach(),
            Err(_) => {
                return invalid(format!(
                    "{shown} has no commits yet (its HEAD names no commit): commit something, or check out a branch, then scan again"
                ));
            }
        };
        let root = repo.workdir().unwrap_or_else(|| repo.git_dir());
        let id = std::fs::canonicalize(root)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| root.display().to_string());
        Ok(Repo {
            repo,
            id,
            head,
            shown,
        })
    }

    impl Repo {
        pub(crate) fn id(&self) -> &str {
            &self.id
        }

        pub(crate) fn head(&self) -> String {
            self.head.to_string()
        }

        /// Read the commits reachable from HEAD and not from `since`,
        /// newest first, keeping those that mention a key. Returns how
        /// many were read, and the kept ones.
        pub(crate) fn read(
            &self,
            since: Option<&str>,
            prefixes: &[&str],
            keywords: &[String],
            progress: &mut dyn FnMut(u64),
        ) -> Result<(u64, Vec<ReadCommit>)> {
            let hidden: Vec<gix::ObjectId> = since
                .and_then(|t| gix::ObjectId::from_hex(t.as_bytes()).ok())
                .filter(|id| self.repo.find_commit(*id).is_ok())
                .into_iter()
                .collect();
            if hidden.first() == Some(&self.head) {
                return Ok((0, Vec::new()));
            }
            let walk = self
                .repo
                .rev_walk([self.head])
                .with_hidden(hidden)
                .all()
                .map_err(|e| unreadable(&self.shown, e))?;
            let mut n = 0u64;
            let mut out = Vec::new();
            for info in walk {
                let info = info.map_err(|e| unreadable(&self.shown, e))?;
                let c = info.object().map_err(|e| unreadable(&self.shown, e))?;
                n += 1;
                if n.is_multiple_of(1000) {
                    progress(n);
                }
                let message = String::from_utf8_lossy(c.message_raw_sloppy());
                let m = mentions(&message, prefixes, keywords);
                if m.keys.is_empty() {
                    continue;
                }
                let author = c.author().map_err(|e| unreadable(&self.shown, e))?;
                let subject = message.lines().next().unwrap_or("").trim().to_string();
                out.push(ReadCommit {
                    commit: Commit {
                        hash: info.id.to_string(),
                        repo: self.id.clone(),
                        author: author.name.to_string().trim().to_string(),
                        email: author.email.to_string().trim().to_string(),
                        at: author.seconds().saturating_mul(1000),
                        subject,
                    },
                    mentions: m,
                });
            }
            progress(n);
            Ok((n, out))
        }
    }
}

#[cfg(not(feature = "git"))]
mod reader {
    use super::ReadCommit;
    use crate::{Result, invalid};
    use std::path::Path;

    pub(crate) enum Repo {}

    pub(crate) fn open(_: &Path) -> Result<Repo> {
        invalid(
            "this build of Cairn cannot read git repositories: it was built without the `git` feature (on by default); rebuild with `--features git`",
        )
    }

    impl Repo {
        pub(crate) fn id(&self) -> &str {
            match *self {}
        }
        pub(crate) fn head(&self) -> String {
            match *self {}
        }
        pub(crate) fn read(
            &self,
            _: Option<&str>,
            _: &[&str],
            _: &[String],
            _: &mut dyn FnMut(u64),
        ) -> Result<(u64, Vec<ReadCommit>)> {
            match *self {}
        }
    }
}

/// One planned move of an item by a fixing commit.
struct Move {
    key: ItemKey,
    from: String,
    to: String,
    commit: usize,
}

impl App {
    /// Read a repository's new commits and link them to the items they
    /// mention; "fixes KEY" moves the item to `[git] fixes_state`.
    /// Admins only on a server: it reads a path on the server's machine,
    /// and writes links and moves into every product the messages name.
    pub fn git_scan(
        &mut self,
        path: &Path,
        dry_run: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ScanReport> {
        self.require_init()?;
        self.need_admin("scan git repositories")?;
        self.reload_config()?;
        let repo = reader::open(path)?;
        let prefixes: Vec<String> = self
            .store
            .products()?
            .into_iter()
            .map(|p| p.prefix)
            .collect();
        let prefix_refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let keywords = self.config.git.keywords.clone();
        let previous = self.store.git_repo(repo.id())?;
        let (read, mut commits) = repo.read(
            previous.as_ref().map(|r| r.tip.as_str()),
            &prefix_refs,
            &keywords,
            progress,
        )?;
        // Oldest first: moves happen in the order the work was done.
        commits.reverse();
        let hashes: Vec<&str> = commits.iter().map(|c| c.commit.hash.as_str()).collect();
        let known = self.store.known_commits(&hashes)?;
        let fresh: Vec<&ReadCommit> = commits
            .iter()
            .filter(|c| !known.contains(&c.commit.hash))
            .collect();
        let mut keys: Vec<ItemKey> = fresh
            .iter()
            .flat_map(|c| c.mentions.keys.iter().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        let mut ids = self.store.item_ids(&keys)?;
        ids.retain(|k, _| self.can_see_key(k));
        let mut unknown: Vec<&ItemKey> = keys.iter().filter(|k| !ids.contains_key(k)).collect();
        unknown.sort_by(|a, b| (&a.prefix, a.number).cmp(&(&b.prefix, b.number)));

        let mut store_commits: Vec<Commit> = Vec::new();
        // For each stored commit, what its message says.
        let mut said: Vec<&Mentions> = Vec::new();
        let mut links: Vec<(usize, i64, bool)> = Vec::new();
        for c in &fresh {
            let before = links.len();
            for k in &c.mentions.keys {
                if let Some(id) = ids.get(k) {
                    links.push((store_commits.len(), *id, c.mentions.fixes.contains(k)));
                }
            }
            if links.len() > before {
                store_commits.push(c.commit.clone());
                said.push(&c.mentions);
            }
        }

        let mut moves: Vec<Move> = Vec::new();
        let mut not_moved: Vec<NotMoved> = Vec::new();
        if let Some(target) = self.config.git.fixes_state.clone() {
            let mut seen: HashSet<&ItemKey> = HashSet::new();
            for (ci, c) in store_commits.iter().enumerate() {
                for k in &said[ci].fixes {
                    if !ids.contains_key(k) || !seen.insert(k) {
                        continue;
                    }
                    let Some(item) = self.store.item(k)? else {
                        continue;
                    };
                    let wf = self.config.workflow_for(item.kind);
                    let refuse = |reason: String| NotMoved {
                        key: k.to_string(),
                        state: item.state.clone(),
                        to: target.clone(),
                        commit: c.hash.clone(),
                        reason,
                    };
                    let Some(to) = wf.state(&target) else {
                        not_moved.push(refuse(format!(
                            "`{target}` is not a state of the {} workflow",
                            item.kind
                        )));
                        continue;
                    };
                    if !moves_forward(&item.state, item.category, &target, to.category) {
                        continue;
                    }
                    if !wf.allows(&item.state, &target) {
                        not_moved.push(refuse(format!(
                            "the {} workflow does not allow {} → {target}",
                            item.kind, item.state
                        )));
                        continue;
                    }
                    if let Some(r) = self.gate_for_move(&item, &item, &target)? {
                        let unmet: Vec<String> = r
                            .unmet
                            .iter()
                            .map(|u| format!("{}: {}", u.rule, u.detail))
                            .collect();
                        not_moved.push(refuse(format!(
                            "the {} gate is not met ({})",
                            r.gate,
                            unmet.join("; ")
                        )));
                        continue;
                    }
                    moves.push(Move {
                        key: k.clone(),
                        from: item.state.clone(),
                        to: target.clone(),
                        commit: ci,
                    });
                }
            }
        }

        let head = repo.head();
        let mut report = ScanReport {
            repo: repo.id().to_string(),
            head: head.clone(),
            previous: previous.as_ref().map(|r| r.tip.clone()),
            dry_run,
            commits_read: read,
            new_commits: store_commits.len() as u64,
            links_added: links.len() as u64,
            moved: moves
                .iter()
                .map(|m| Moved {
                    key: m.key.to_string(),
                    from: m.from.clone(),
                    to: m.to.clone(),
                    commit: store_commits[m.commit].hash.clone(),
                })
                .collect(),
            not_moved,
            unknown_keys: unknown.iter().map(ToString::to_string).collect(),
        };
        let unchanged = previous.as_ref().is_some_and(|p| p.tip == head);
        if dry_run || (unchanged && store_commits.is_empty()) {
            return Ok(report);
        }
        let repo_id = repo.id().to_string();
        let moved = self.tx(|tx| {
            let now = tx.now;
            tx.store
                .insert_commits(store_commits.iter().map(|c| (c, now)))?;
            let rows: Vec<(&str, i64, bool)> = links
                .iter()
                .map(|(c, id, fixes)| (store_commits[*c].hash.as_str(), *id, *fixes))
                .collect();
            tx.store.insert_commit_items(&rows)?;
            let mut moved = Vec::new();
            for m in &moves {
                let c = &store_commits[m.commit];
                let reason = format!("commit {}: {}", c.short(), c.subject);
                let before = tx.store.item(&m.key)?;
                let patch = Patch {
                    state: Some(m.to.clone()),
                    ..Patch::default()
                };
                let item = tx.edit_item(&m.key, patch, None, Some(&reason))?;
                tx.on_item(before.as_ref(), &item)?;
                moved.push(m.key.to_string());
            }
            tx.store.set_git_repo(&GitRepo {
                path: repo_id.clone(),
                tip: head.clone(),
                scanned: tx.now,
            })?;
            tx.audit(
                "git.scan",
                &repo_id,
                None,
                &[
                    Change::new("tip", previous.as_ref().map(|p| &p.tip), &head),
                    Change::new("commits", (), store_commits.len()),
                    Change::new("links", (), links.len()),
                ],
                None,
            )?;
            Ok(moved)
        })?;
        report.moved.retain(|m| moved.contains(&m.key));
        Ok(report)
    }

    /// The commits that mention an item, newest first.
    pub fn item_commits(&mut self, key: &ItemKey) -> Result<Vec<ItemCommit>> {
        self.item(key)?;
        Ok(self
            .store
            .item_commits(key)?
            .into_iter()
            .map(|(c, fixes)| ItemCommit {
                short: c.short().to_string(),
                at: format_millis(c.at),
                hash: c.hash,
                repo: c.repo,
                author: c.author,
                email: c.email,
                subject: c.subject,
                fixes,
            })
            .collect())
    }
}
