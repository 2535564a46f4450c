-- A webhook event's body is stored once, however many webhooks receive
-- it: a fan-out to ten receivers wrote the same body ten times, and every
-- claim and result rewrote it with the delivery's row.
CREATE TABLE webhook_payloads (
    id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL
);
INSERT INTO webhook_payloads (id, payload) SELECT id, payload FROM webhook_deliveries;
ALTER TABLE webhook_deliveries ADD COLUMN payload_id INTEGER REFERENCES webhook_payloads(id);
UPDATE webhook_deliveries SET payload_id = id;
ALTER TABLE webhook_deliveries DROP COLUMN payload;
CREATE INDEX webhook_deliveries_payload ON webhook_deliveries (payload_id);
