-- The holder index, kept in the database so that a restarted or replaced silo resumes where the last pass stopped
-- instead of replaying every token's Transfer events from its deployment block, and so that every silo exports the same
-- count. One silo indexes at a time (a session advisory lock); each pass applies its balance changes and moves its cursor
-- in one transaction, with the cursor compared first, so a pass that dies applies nothing and none applies twice.

-- Raw on-chain balance per address of each indexed EVM or Tron token (a sum of final Transfer events).
CREATE TABLE IF NOT EXISTS holder_balances (
    chain    text           NOT NULL,
    token    text           NOT NULL,
    address  text           NOT NULL,
    raw      numeric(78, 0) NOT NULL,
    PRIMARY KEY (chain, token, address)
);

-- How far each token's events are applied: EVM, the last final block read and its hash (a different hash there is a
-- reorg); Tron, the next block to read.
CREATE TABLE IF NOT EXISTS holder_cursors (
    chain       text        NOT NULL,
    token       text        NOT NULL,
    block       bigint      NOT NULL,
    block_hash  text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, token)
);

-- The latest count per deployment (Solana's straight from the mint's token accounts), read by every silo's gauge.
CREATE TABLE IF NOT EXISTS holder_counts (
    symbol      text        NOT NULL,
    chain       text        NOT NULL,
    token       text        NOT NULL,
    holders     integer     NOT NULL,
    counted_at  timestamptz NOT NULL,
    PRIMARY KEY (symbol, chain)
);
