-- Webhooks: partners' endpoints, the outbox of events, and one delivery row per (endpoint, event).
-- Events are written in the same statement as the order index row whose status change caused them, and only when the
-- partner has an endpoint for that event type: a partner without endpoints costs no rows.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    endpoint_id          text        PRIMARY KEY,
    account_id           text        NOT NULL,
    url                  text        NOT NULL,
    event_types          text[]      NOT NULL,
    secret_nonce         bytea       NOT NULL,
    secret_ciphertext    bytea       NOT NULL,
    -- The secret before the last rotation, still signed with until previous_expires_at (an overlap for the receiver).
    previous_nonce       bytea,
    previous_ciphertext  bytea,
    previous_expires_at  timestamptz,
    created_at           timestamptz NOT NULL,
    rotated_at           timestamptz
);

CREATE INDEX IF NOT EXISTS webhook_endpoints_account ON webhook_endpoints (account_id);

CREATE TABLE IF NOT EXISTS webhook_events (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text        NOT NULL UNIQUE,
    account_id  text        NOT NULL,
    type        text        NOT NULL,
    -- What deliveries are ordered by: the order id, or asset:{symbol} for an asset's events.
    order_key   text        NOT NULL,
    -- The event's place within its order (accepted before redemption created before the outcome).
    rank        integer     NOT NULL,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS webhook_events_account ON webhook_events (account_id, seq);
CREATE INDEX IF NOT EXISTS webhook_events_order ON webhook_events (order_key);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    endpoint_id      text        NOT NULL REFERENCES webhook_endpoints (endpoint_id) ON DELETE CASCADE,
    event_seq        bigint      NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
    order_key        text        NOT NULL,
    rank             integer     NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    -- When the retry window started (creation or the last replay): attempts stop RetryFor after it.
    window_start     timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    delivered_at     timestamptz,
    abandoned_at     timestamptz,
    last_status      integer,
    last_error       text,
    PRIMARY KEY (endpoint_id, event_seq)
);

CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending_order ON webhook_deliveries (endpoint_id, order_key)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
