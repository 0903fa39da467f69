CREATE TABLE IF NOT EXISTS craftkit_webhook_inbox (
    namespace   TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('in_progress', 'done')),
    token       INTEGER NOT NULL, -- grows with every claim of the id: the fencing token
    lease_until INTEGER NOT NULL, -- unix ms; 0 once done or released
    purge_after INTEGER NOT NULL, -- unix ms: the lease, or the completion, plus the retention
    PRIMARY KEY (namespace, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS craftkit_webhook_inbox_purge
    ON craftkit_webhook_inbox (namespace, purge_after);
