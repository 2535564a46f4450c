-- Discussions: a comment may answer another, and is edited or deleted in
-- place (its earlier text stays in the audit trail).
ALTER TABLE comments ADD COLUMN reply_to INTEGER REFERENCES comments(id);
ALTER TABLE comments ADD COLUMN edited INTEGER;
ALTER TABLE comments ADD COLUMN deleted INTEGER;
