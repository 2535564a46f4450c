-- Electronic signatures: who signed what content (by its hash), when and
-- with what meaning; `hash` binds every field (21 CFR Part 11 §11.70).
CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    product_id INTEGER NOT NULL REFERENCES products(id),
    target_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    meaning TEXT NOT NULL,
    signer TEXT NOT NULL,
    printed_name TEXT NOT NULL,
    signed_at INTEGER NOT NULL,
    comment TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX signatures_target ON signatures (target_kind, target);
