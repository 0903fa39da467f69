CREATE TABLE IF NOT EXISTS craftkit_webhook_inbox (
    namespace   text        NOT NULL,
    event_id    text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('in_progress', 'done')),
    token       bigint      NOT NULL, -- grows with every claim of the id: the fencing token
    lease_until timestamptz NOT NULL, -- the server's clock; moved to now when released
    purge_after timestamptz NOT NULL, -- the lease, or the completion, plus the retention
    PRIMARY KEY (namespace, event_id)
);
CREATE INDEX IF NOT EXISTS craftkit_webhook_inbox_purge
    ON craftkit_webhook_inbox (namespace, purge_after);
