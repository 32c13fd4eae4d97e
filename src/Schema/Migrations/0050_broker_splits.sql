-- Splits the paper custodian applied to its positions, one row per corporate action: the primary key makes a split
-- exactly-once (the position changes in the same transaction that inserts the row).
CREATE TABLE IF NOT EXISTS broker_splits (
    split_id      text          PRIMARY KEY,
    ticker        text          NOT NULL,
    new_shares    bigint        NOT NULL CHECK (new_shares > 0),
    old_shares    bigint        NOT NULL CHECK (old_shares > 0),
    shares_before numeric(30,9) NOT NULL,
    shares_after  numeric(30,9) NOT NULL,
    applied_at    timestamptz   NOT NULL
);
