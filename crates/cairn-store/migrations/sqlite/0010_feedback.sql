-- Customer feedback (F-1, F-2 …), the customers it comes from, the items
-- it asks for, and who has been told that an item shipped.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    segment TEXT,
    revenue REAL
);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products(id),
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    source_id TEXT,
    customer_id INTEGER REFERENCES customers(id),
    requester TEXT,
    received TEXT NOT NULL,
    importance TEXT NOT NULL,
    merged_into INTEGER REFERENCES feedback(id),
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX feedback_source ON feedback (product_id, source, source_id);
CREATE INDEX feedback_product ON feedback (product_id, received);
CREATE INDEX feedback_merged ON feedback (merged_into);

CREATE TABLE feedback_items (
    feedback_id INTEGER NOT NULL REFERENCES feedback(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    linked INTEGER NOT NULL,
    PRIMARY KEY (feedback_id, item_id)
);
CREATE INDEX feedback_items_item ON feedback_items (item_id);

CREATE TABLE feedback_told (
    feedback_id INTEGER NOT NULL REFERENCES feedback(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    told_at INTEGER NOT NULL,
    told_by TEXT NOT NULL,
    PRIMARY KEY (feedback_id, item_id)
);

-- How many items each stemmed word of the full-text index is in, so the
-- matching of feedback to items can leave out words found nearly everywhere.
CREATE VIRTUAL TABLE items_fts_terms USING fts5vocab(items_fts, 'row');
