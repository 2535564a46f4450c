-- Cairn schema, SQLite. Migrations are append-only: never edit an applied file.
CREATE TABLE workspace_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL,
    version INTEGER NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    next_number INTEGER NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT
);

CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    target_date TEXT,
    created INTEGER NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    number INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    category TEXT NOT NULL,
    assignee TEXT,
    estimate REAL,
    acceptance TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    resolved INTEGER,
    rank TEXT NOT NULL,
    parent_id INTEGER REFERENCES items(id),
    release_id INTEGER REFERENCES releases(id),
    version INTEGER NOT NULL
);
CREATE INDEX items_rank ON items (rank);
CREATE INDEX items_product_rank ON items (product_id, rank);
CREATE INDEX items_parent ON items (parent_id);
CREATE INDEX items_release ON items (release_id);
CREATE INDEX items_state ON items (category, state);

CREATE TABLE item_labels (
    item_id INTEGER NOT NULL REFERENCES items(id),
    label TEXT NOT NULL,
    PRIMARY KEY (item_id, label)
) WITHOUT ROWID;
CREATE INDEX item_labels_label ON item_labels (label, item_id);

CREATE TABLE item_fields (
    item_id INTEGER NOT NULL REFERENCES items(id),
    name TEXT NOT NULL,
    text_value TEXT,
    num_value REAL,
    PRIMARY KEY (item_id, name)
) WITHOUT ROWID;

CREATE TABLE links (
    src_id INTEGER NOT NULL REFERENCES items(id),
    kind TEXT NOT NULL,
    dst_id INTEGER NOT NULL REFERENCES items(id),
    created INTEGER NOT NULL,
    PRIMARY KEY (src_id, kind, dst_id)
) WITHOUT ROWID;
CREATE INDEX links_dst ON links (dst_id, kind);

CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    key_results TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE goal_items (
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (goal_id, item_id)
) WITHOUT ROWID;
CREATE INDEX goal_items_item ON goal_items (item_id);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    related TEXT,
    reason TEXT,
    changes TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_target ON audit (target, seq);
CREATE INDEX audit_related ON audit (related, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, description, acceptance,
    content = 'items', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 0'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, title, description, acceptance)
    VALUES (new.id, new.title, new.description, new.acceptance);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, description, acceptance)
    VALUES ('delete', old.id, old.title, old.description, old.acceptance);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, description, acceptance ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, description, acceptance)
    VALUES ('delete', old.id, old.title, old.description, old.acceptance);
    INSERT INTO items_fts (rowid, title, description, acceptance)
    VALUES (new.id, new.title, new.description, new.acceptance);
END;
