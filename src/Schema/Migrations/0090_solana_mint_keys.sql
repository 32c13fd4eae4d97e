-- The account key of each Solana mint the platform creates, one per chain and symbol. Generated at random (never derived
-- from the issuer's secret) and stored before the creating transaction is signed, so a deploy retried after a crash or an
-- expired blockhash signs for the same mint account. The key only signs that account's creation: the mint's authorities
-- are the issuer's, and the key holds no power once the mint exists. Mints created before this table existed keep the key
-- they were derived with (origin 'derived'), recorded here when a deploy of theirs is seen again.
CREATE TABLE IF NOT EXISTS solana_mint_keys (
    chain       text        NOT NULL,
    symbol      text        NOT NULL,
    public_key  text        NOT NULL,
    secret_key  text        NOT NULL,
    origin      text        NOT NULL CHECK (origin IN ('generated', 'derived')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, symbol)
);
