-- The risk register and the decision log, each numbered per workspace
-- (R-1, D-1), belonging to a product, linked to items.
CREATE TABLE risks (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    likelihood INTEGER NOT NULL,
    impact INTEGER NOT NULL,
    owner TEXT,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    version INTEGER NOT NULL
);

CREATE TABLE risk_items (
    risk_id INTEGER NOT NULL REFERENCES risks(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (risk_id, item_id)
);
CREATE INDEX risk_items_item ON risk_items (item_id);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products(id),
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    options TEXT NOT NULL,
    decision TEXT NOT NULL,
    consequences TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT,
    decider TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    version INTEGER NOT NULL
);

CREATE TABLE decision_items (
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (decision_id, item_id)
);
CREATE INDEX decision_items_item ON decision_items (item_id);
