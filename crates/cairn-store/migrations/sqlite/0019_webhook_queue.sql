-- A queued webhook event points to its body in webhook_payloads, written
-- once by the change that queued it: the fan-out no longer copies the
-- body, and the event's deliveries point to the same row.
ALTER TABLE webhook_events ADD COLUMN payload_id INTEGER REFERENCES webhook_payloads(id);
CREATE TEMP TABLE migrate_0019 AS SELECT COALESCE(MAX(id), 0) AS base FROM webhook_payloads;
INSERT INTO webhook_payloads (id, payload)
    SELECT (SELECT base FROM migrate_0019) + id, payload FROM webhook_events;
UPDATE webhook_events SET payload_id = (SELECT base FROM migrate_0019) + id;
DROP TABLE migrate_0019;
ALTER TABLE webhook_events DROP COLUMN payload;
-- The worker looks for due deliveries among the open ones only, in id
-- order; delivered and failed ones, most of the log, are not indexed.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (id, status, next_try)
    WHERE status IN ('pending', 'sending');
