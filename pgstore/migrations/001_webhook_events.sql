-- Webhook deduplication (Store): one row per event key. A row is either a
-- claim in progress (done = false), owned by the lease token until
-- expires_at, or a processed event (done = true) remembered until
-- expires_at. Every expiry is computed by the database clock.
CREATE TABLE {{table webhook_events}} (
    key        text        PRIMARY KEY,
    token      uuid        NOT NULL,
    done       boolean     NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    claims     integer     NOT NULL DEFAULT 1
);

COMMENT ON COLUMN {{table webhook_events}}.token IS 'owner of the current claim; a takeover draws a new one';
COMMENT ON COLUMN {{table webhook_events}}.claims IS 'how many times the key was claimed; claims - 1 takeovers or re-claims after Release';

CREATE INDEX {{name webhook_events_expires_at}} ON {{table webhook_events}} (expires_at);
