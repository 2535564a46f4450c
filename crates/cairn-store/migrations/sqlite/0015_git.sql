-- Commits read from git repositories, the items they mention, and how far
-- each repository has been read (so a re-scan reads only what is new).
CREATE TABLE git_commits (
    hash TEXT PRIMARY KEY,
    repo TEXT NOT NULL,
    author TEXT NOT NULL,
    email TEXT NOT NULL,
    at INTEGER NOT NULL,
    subject TEXT NOT NULL,
    scanned INTEGER NOT NULL
);

CREATE TABLE git_commit_items (
    commit_hash TEXT NOT NULL REFERENCES git_commits(hash),
    item_id INTEGER NOT NULL REFERENCES items(id),
    fixes SMALLINT NOT NULL,
    PRIMARY KEY (commit_hash, item_id)
);
CREATE INDEX git_commit_items_item ON git_commit_items (item_id);

CREATE TABLE git_repos (
    path TEXT PRIMARY KEY,
    tip TEXT NOT NULL,
    scanned INTEGER NOT NULL
);
