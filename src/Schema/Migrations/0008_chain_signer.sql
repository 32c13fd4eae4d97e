-- Write-ahead log of the chain signer grains (one per chain). A write is recorded here before anything is signed;
-- every signed transaction is recorded before it is broadcast. Rows are never deleted: a write id names its
-- transaction for good, so a retry years later still finds its outcome instead of signing again.

-- One row per chain write: what was asked (payload + fingerprint), and where it stands.
CREATE TABLE IF NOT EXISTS chain_signer_writes (
    chain           text        NOT NULL,
    write_id        text        NOT NULL,
    fingerprint     text        NOT NULL,
    payload         jsonb       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'final', 'failed')),
    transaction_id  text        NULL,
    failure_code    text        NULL,
    failure_message text        NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, write_id)
);

-- EVM: every signed attempt of an operation (same nonce with a higher fee, or a new nonce once the old one was
-- provably consumed). An attempt is immutable once written.
CREATE TABLE IF NOT EXISTS chain_signer_evm_attempts (
    chain         text        NOT NULL,
    operation_key text        NOT NULL,
    attempt       integer     NOT NULL,
    tx_hash       text        NOT NULL,
    body          jsonb       NOT NULL,
    signed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, operation_key, attempt)
);

-- Solana: the latest signed transaction of an operation with its blockhash lifetime and abandoned signatures.
CREATE TABLE IF NOT EXISTS chain_signer_solana_records (
    chain        text        NOT NULL,
    operation_id text        NOT NULL,
    body         jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, operation_id)
);
