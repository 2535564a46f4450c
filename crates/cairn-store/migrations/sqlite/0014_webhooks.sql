-- Outgoing webhooks per product, and the log of their deliveries.
-- events: comma-separated event names, or *. active: 1 or 0.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active SMALLINT NOT NULL DEFAULT 1,
    created INTEGER NOT NULL
);
CREATE INDEX webhooks_product ON webhooks (product);

-- status: pending, sending, delivered or failed; next_try is when a
-- pending delivery is next tried (or when a send started, while sending).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook INTEGER NOT NULL REFERENCES webhooks(id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_try INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_try);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook, id);
