-- Test evidence: test cases (one per product and name, stable across
-- builds), runs (one per product, build and report file), each run's
-- results, and the items each test verifies.
CREATE TABLE test_cases (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    UNIQUE (product_id, name)
);
CREATE TABLE test_runs (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    build TEXT NOT NULL,
    source TEXT NOT NULL,
    imported INTEGER NOT NULL,
    actor TEXT NOT NULL,
    UNIQUE (product_id, build, source)
);
CREATE TABLE test_results (
    run_id INTEGER NOT NULL REFERENCES test_runs(id),
    case_id INTEGER NOT NULL REFERENCES test_cases(id),
    outcome TEXT NOT NULL,
    duration REAL,
    message TEXT,
    flaky SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, case_id)
);
CREATE INDEX test_results_case ON test_results (case_id, run_id);
CREATE TABLE test_links (
    case_id INTEGER NOT NULL REFERENCES test_cases(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    source TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (case_id, item_id)
);
CREATE INDEX test_links_item ON test_links (item_id);
