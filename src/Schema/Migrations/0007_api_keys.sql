-- API keys for partners and operators. The secret is stored only encrypted (AES-256-GCM under the configured
-- Sharemint:Api:SecretEncryptionKey, the key id bound as associated data), never in the clear, and shown once.
CREATE TABLE IF NOT EXISTS api_keys (
    key_id            text        PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('partner', 'operator')),
    account_id        text        NULL,
    role              text        NULL CHECK (role IS NULL OR role IN ('viewer', 'operator', 'admin')),
    label             text        NOT NULL DEFAULT '',
    secret_nonce      bytea       NOT NULL,
    secret_ciphertext bytea       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    rotated_at        timestamptz NULL,
    revoked_at        timestamptz NULL,
    CHECK ((kind = 'partner' AND account_id IS NOT NULL AND role IS NULL)
        OR (kind = 'operator' AND account_id IS NULL AND role IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS api_keys_account ON api_keys (account_id) WHERE account_id IS NOT NULL;

-- Signatures already accepted, so that a replayed request is refused by every silo. Rows older than the clock-skew
-- window can no longer be replayed (their timestamp is refused first) and are purged.
CREATE TABLE IF NOT EXISTS api_request_signatures (
    signature text        PRIMARY KEY,
    key_id    text        NOT NULL,
    seen_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS api_request_signatures_seen_at ON api_request_signatures (seen_at);
