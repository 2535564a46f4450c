-- What each recorded stakeholder report said (release dates, goal
-- progress), so the next one can say how things moved. At most one per
-- product, kind and day: recording again the same day replaces it.
CREATE TABLE report_snapshots (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    created INTEGER NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (product_id, kind, day)
);
