-- Payout ledger (Ledger): one row per Reference, written as an intent
-- before the first Send and moved forward by Send results, webhooks and
-- polls. rank orders status so that a write can only move a row forward:
-- 0 intent, 1 unknown, 2 pending, 3 processing, 4 final (succeeded,
-- failed, cancelled, expired, refused), 5 reversed. Every time is on the
-- database clock.
CREATE TABLE {{table ledger}} (
    reference          text        PRIMARY KEY,
    provider           text        NOT NULL,
    provider_id        text,
    amount_minor       bigint      NOT NULL CHECK (amount_minor > 0),
    currency           text        NOT NULL,
    phone              text        NOT NULL,
    batch_id           text        NOT NULL DEFAULT '',
    status             text        NOT NULL DEFAULT 'intent',
    rank               smallint    NOT NULL DEFAULT 0,
    provider_status    text        NOT NULL DEFAULT '',
    receipt            text        NOT NULL DEFAULT '',
    failure_code       text        NOT NULL DEFAULT '',
    failure_message    text        NOT NULL DEFAULT '',
    sends              integer     NOT NULL DEFAULT 0,
    attempts           integer     NOT NULL DEFAULT 0,
    checks             integer     NOT NULL DEFAULT 0,
    last_error_code    text        NOT NULL DEFAULT '',
    last_error_message text        NOT NULL DEFAULT '',
    needs_attention    boolean     NOT NULL DEFAULT false,
    attention_reason   text        NOT NULL DEFAULT '',
    next_check_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    accepted_at        timestamptz,
    final_at           timestamptz
);

COMMENT ON COLUMN {{table ledger}}.rank IS 'order of status: a write never lowers it (0 intent, 1 unknown, 2 pending, 3 processing, 4 final, 5 reversed)';
COMMENT ON COLUMN {{table ledger}}.sends IS 'Send calls started (StartSend); more than attempts when a process died during a Send';
COMMENT ON COLUMN {{table ledger}}.provider_id IS 'the provider''s transaction id, set once and never replaced';

-- One provider id belongs to one Reference: an answer or a webhook that
-- would give a second row the same id is refused.
CREATE UNIQUE INDEX {{name ledger_provider_id}} ON {{table ledger}} (provider, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX {{name ledger_next_check_at}} ON {{table ledger}} (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX {{name ledger_batch_id}} ON {{table ledger}} (batch_id, status);
