-- Webhook events waiting to be fanned out: a change writes one row here
-- in its own transaction, and the outbox worker turns it into one
-- delivery per webhook that wants it, off the request path.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL
);
