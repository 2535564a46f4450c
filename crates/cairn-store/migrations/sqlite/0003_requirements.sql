-- Where an imported requirement came from, so a re-import updates it.
CREATE TABLE requirement_sources (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    document TEXT NOT NULL,
    line INTEGER NOT NULL,
    heading_path TEXT NOT NULL,
    ext_id TEXT,
    content_hash TEXT NOT NULL
);
CREATE INDEX requirement_sources_document ON requirement_sources (document);

-- Items linked to a requirement that changed, until someone reviews them.
CREATE TABLE suspects (
    item_id INTEGER NOT NULL REFERENCES items(id),
    requirement_id INTEGER NOT NULL REFERENCES items(id),
    since INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (item_id, requirement_id)
);
CREATE INDEX suspects_requirement ON suspects (requirement_id);
