-- Shared rate limiter (Limiter): one row per provider key. next_at is the
-- earliest start of the next request's slot, paused_until the end of a
-- pause a provider asked for; both on the database clock.
CREATE TABLE {{table rate_limits}} (
    key          text        PRIMARY KEY,
    next_at      timestamptz NOT NULL DEFAULT now(),
    paused_until timestamptz NOT NULL DEFAULT '-infinity',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
