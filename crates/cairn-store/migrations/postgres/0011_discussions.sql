-- Discussions: a comment may answer another, and is edited or deleted in
-- place (its earlier text stays in the audit trail).
ALTER TABLE comments ADD COLUMN reply_to BIGINT REFERENCES comments(id);
ALTER TABLE comments ADD COLUMN edited BIGINT;
ALTER TABLE comments ADD COLUMN deleted BIGINT;
