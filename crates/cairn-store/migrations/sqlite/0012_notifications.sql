-- Watchers of items and each user's in-app notifications.
CREATE TABLE watchers (
    item_id INTEGER NOT NULL REFERENCES items(id),
    handle TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (item_id, handle)
);
CREATE INDEX watchers_handle ON watchers (handle);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id),
    actor TEXT NOT NULL,
    summary TEXT NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_handle ON notifications (handle, id);
