//! Commits read from git repositories, their links to items, and the tip
//! each repository was last read up to.

use crate::StoreError;
use crate::store::{Store, int, parse_key, text};
use crate::value::Value;
use cairn_core::{Commit, ItemKey, Millis};
use std::collections::HashSet;

/// A commit with the items it mentions, for the dump.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCommit {
    pub commit: Commit,
    pub scanned: Millis,
    /// (item, said it fixes the item), by product and number.
    pub items: Vec<(ItemKey, bool)>,
}

/// A repository read before: its path, the tip read up to, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRepo {
    pub path: String,
    pub tip: String,
    pub scanned: Millis,
}

const COMMIT_COLUMNS: &str = "c.hash, c.repo, c.author, c.email, c.at, c.subject";

fn commit_from(r: &[Value]) -> Result<Commit, StoreError> {
    Ok(Commit {
        hash: text(&r[0], "hash")?,
        repo: text(&r[1], "repo")?,
        author: text(&r[2], "author")?,
        email: text(&r[3], "email")?,
        at: int(&r[4], "commit time")?,
        subject: text(&r[5], "subject")?,
    })
}

impl Store {
    /// The tip a repository was last read up to.
    pub fn git_repo(&mut self, path: &str) -> Result<Option<GitRepo>, StoreError> {
        let rows = self.b.query(
            "SELECT path, tip, scanned FROM git_repos WHERE path = ?",
            &[path.into()],
        )?;
        rows.first().map(|r| repo_from(r)).transpose()
    }

    /// Every repository read so far, by path (for the dump).
    pub fn git_repos(&mut self) -> Result<Vec<GitRepo>, StoreError> {
        let rows = self.b.query(
            "SELECT path, tip, scanned FROM git_repos ORDER BY path",
            &[],
        )?;
        rows.iter().map(|r| repo_from(r)).collect()
    }

    pub fn set_git_repo(&mut self, r: &GitRepo) -> Result<(), StoreError> {
        let n = self.b.execute(
            "UPDATE git_repos SET tip = ?, scanned = ? WHERE path = ?",
            &[
                r.tip.as_str().into(),
                Value::Int(r.scanned),
                r.path.as_str().into(),
            ],
        )?;
        if n == 0 {
            self.b.execute(
                "INSERT INTO git_repos (path, tip, scanned) VALUES (?, ?, ?)",
                &[
                    r.path.as_str().into(),
                    r.tip.as_str().into(),
                    Value::Int(r.scanned),
                ],
            )?;
        }
        Ok(())
    }

    /// Which of these hashes are stored already.
    pub fn known_commits(&mut self, hashes: &[&str]) -> Result<HashSet<String>, StoreError> {
        const CHUNK: usize = 200;
        let marks = vec!["?"; CHUNK].join(", ");
        let sql = format!("SELECT hash FROM git_commits WHERE hash IN ({marks})");
        let mut out = HashSet::new();
        for chunk in hashes.chunks(CHUNK) {
            let mut params: Vec<Value> = chunk.iter().map(|h| (*h).into()).collect();
            params.resize(CHUNK, Value::Null);
            for r in self.b.query(&sql, &params)? {
                out.insert(text(&r[0], "hash")?);
            }
        }
        Ok(out)
    }

    /// Store new commits, each with when it was read (none may be stored
    /// already).
    pub fn insert_commits<'a>(
        &mut self,
        commits: impl IntoIterator<Item = (&'a Commit, Millis)>,
    ) -> Result<u64, StoreError> {
        let mut rows = commits.into_iter().map(|(c, scanned)| {
            vec![
                c.hash.as_str().into(),
                c.repo.as_str().into(),
                c.author.as_str().into(),
                c.email.as_str().into(),
                Value::Int(c.at),
                c.subject.as_str().into(),
                Value::Int(scanned),
            ]
        });
        self.b.bulk_insert(
            "git_commits",
            &[
                "hash", "repo", "author", "email", "at", "subject", "scanned",
            ],
            &mut rows,
        )
    }

    /// Link stored commits to items: (hash, item id, fixes).
    pub fn insert_commit_items(&mut self, links: &[(&str, i64, bool)]) -> Result<u64, StoreError> {
        let mut rows = links.iter().map(|(h, id, fixes)| {
            vec![(*h).into(), Value::Int(*id), Value::Int(i64::from(*fixes))]
        });
        self.b.bulk_insert(
            "git_commit_items",
            &["commit_hash", "item_id", "fixes"],
            &mut rows,
        )
    }

    /// The commits that mention an item, newest first, each with whether
    /// it said it fixes the item.
    pub fn item_commits(&mut self, key: &ItemKey) -> Result<Vec<(Commit, bool)>, StoreError> {
        let rows = self.b.query(
            &format!(
                "SELECT {COMMIT_COLUMNS}, l.fixes FROM git_commit_items l \
                 JOIN git_commits c ON c.hash = l.commit_hash JOIN items i ON i.id = l.item_id \
                 WHERE i.key = ? ORDER BY c.at DESC, c.hash"
            ),
            &[key.to_string().into()],
        )?;
        rows.iter()
            .map(|r| Ok((commit_from(r)?, int(&r[6], "fixes")? != 0)))
            .collect()
    }

    /// Every stored commit with its items, oldest first (for the dump).
    pub fn all_commits(&mut self) -> Result<Vec<StoredCommit>, StoreError> {
        let rows = self.b.query(
            &format!("SELECT {COMMIT_COLUMNS}, c.scanned FROM git_commits c ORDER BY c.at, c.hash"),
            &[],
        )?;
        let mut out: Vec<StoredCommit> = Vec::with_capacity(rows.len());
        let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for r in &rows {
            let commit = commit_from(r)?;
            at.insert(commit.hash.clone(), out.len());
            out.push(StoredCommit {
                commit,
                scanned: int(&r[6], "scanned")?,
                items: Vec::new(),
            });
        }
        for r in self.b.query(
            "SELECT l.commit_hash, i.key, l.fixes FROM git_commit_items l \
             JOIN items i ON i.id = l.item_id JOIN products p ON p.id = i.product_id \
             ORDER BY p.prefix, i.number",
            &[],
        )? {
            let hash = text(&r[0], "hash")?;
            if let Some(&i) = at.get(&hash) {
                out[i]
                    .items
                    .push((parse_key(&r[1])?, int(&r[2], "fixes")? != 0));
            }
        }
        Ok(out)
    }

    /// How many commits are stored.
    pub fn commit_count(&mut self) -> Result<i64, StoreError> {
        let rows = self.b.query("SELECT COUNT(*) FROM git_commits", &[])?;
        rows.first()
            .map(|r| int(&r[0], "count"))
            .transpose()
            .map(Option::unwrap_or_default)
    }
}

fn repo_from(r: &[Value]) -> Result<GitRepo, StoreError> {
    Ok(GitRepo {
        path: text(&r[0], "path")?,
        tip: text(&r[1], "tip")?,
        scanned: int(&r[2], "scanned")?,
    })
}
