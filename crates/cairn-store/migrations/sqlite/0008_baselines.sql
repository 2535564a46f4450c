-- Baselines: a named, frozen copy of a scope's items (their content as
-- JSON, with a hash each), never changed once made.
CREATE TABLE baselines (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    description TEXT NOT NULL,
    created INTEGER NOT NULL,
    actor TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (product_id, name)
);
CREATE TABLE baseline_items (
    baseline_id INTEGER NOT NULL REFERENCES baselines(id),
    item_key TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (baseline_id, item_key)
);
