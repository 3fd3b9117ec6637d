-- Webhook deduplication (Store): one row per event key. A row is either a
-- claim in progress (done = false), owned by the lease token until
-- expires_at, or a processed event (done = true) remembered until
-- expires_at. Every expiry is computed by the database clock. The fill
-- factor leaves room on each page for the row versions Claim writes, so
-- that most of them are HOT updates.
CREATE TABLE {{table webhook_events}} (
    key        text        PRIMARY KEY,
    token      text        NOT NULL,
    done       boolean     NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    claims     integer     NOT NULL DEFAULT 1
) WITH (fillfactor = 80);

COMMENT ON COLUMN {{table webhook_events}}.token IS 'owner of the current claim; a takeover draws a new one';
COMMENT ON COLUMN {{table webhook_events}}.claims IS 'acquisitions of this row: claims - 1 is how many times an expired claim or done entry was taken over';

CREATE INDEX {{name webhook_events_expires_at}} ON {{table webhook_events}} (expires_at);
