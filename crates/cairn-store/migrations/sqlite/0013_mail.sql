-- Each user's notification settings, and mail delivery of notifications.
CREATE TABLE notify_settings (
    handle TEXT NOT NULL,
    reason TEXT NOT NULL,
    inbox INTEGER NOT NULL,
    email INTEGER NOT NULL,
    PRIMARY KEY (handle, reason)
);

-- inbox: shown in the in-app inbox. mail: NULL (not mailed), pending,
-- sending, sent or failed; mail_next is when a pending mail is next tried.
ALTER TABLE notifications ADD COLUMN inbox INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notifications ADD COLUMN mail TEXT;
ALTER TABLE notifications ADD COLUMN mail_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN mail_next INTEGER;
ALTER TABLE notifications ADD COLUMN mail_error TEXT;
CREATE INDEX notifications_mail ON notifications (mail, mail_next);
