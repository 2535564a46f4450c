-- A change writes its event's body into the queued event's own row: one
-- row in one table in the change's transaction, not one in each of two.
-- The fan-out moves the body to webhook_payloads, once, if a webhook
-- wants the event. Events queued before this keep their payload_id.
ALTER TABLE webhook_events ADD COLUMN payload TEXT;
