-- Where imported items and comments came from: the other tracker's key
-- (`jira` SHOP-12, `github` acme/web#7), so a re-import updates them.
CREATE TABLE external_refs (
    system TEXT NOT NULL,
    ext_key TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items(id),
    -- 0 for the item itself, else the comment's id.
    comment_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (system, ext_key)
);
CREATE INDEX external_refs_item ON external_refs (item_id);
