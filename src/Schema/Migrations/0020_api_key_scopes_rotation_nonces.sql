-- API hardening: scopes and an address allow-list per key, a rotation overlap (the previous secret keeps working until
-- previous_expires_at), and the replay guard keyed on the request's random nonce instead of its signature.

-- Existing partner keys keep every scope they had implicitly; operator keys are governed by their role.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS scopes text[] NOT NULL DEFAULT ARRAY['read', 'trade', 'withdraw']::text[];
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS allowed_cidrs text[] NOT NULL DEFAULT ARRAY[]::text[];
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS previous_secret_nonce bytea NULL;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS previous_secret_ciphertext bytea NULL;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS previous_expires_at timestamptz NULL;

ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_known
    CHECK (scopes <@ ARRAY['read', 'trade', 'withdraw']::text[]);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_previous_complete
    CHECK ((previous_secret_nonce IS NULL) = (previous_secret_ciphertext IS NULL)
       AND (previous_secret_nonce IS NULL) = (previous_expires_at IS NULL));

-- Nonces already accepted, per key, shared by every silo. Rows older than twice the clock-skew window are purged:
-- their timestamp is refused before the nonce is looked at.
CREATE TABLE IF NOT EXISTS api_request_nonces (
    key_id  text        NOT NULL,
    nonce   text        NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, nonce)
);

CREATE INDEX IF NOT EXISTS api_request_nonces_seen_at ON api_request_nonces (seen_at);

-- The signature-keyed guard it replaces: a signature over a fresh nonce is never repeated, so nothing is lost.
DROP TABLE IF EXISTS api_request_signatures;
