-- A listing of orders for partners and operators. Order grains are the truth; each writes its row after every status
-- change, and an older version never overwrites a newer one, so out-of-order writes from retries cannot go backwards.
CREATE TABLE IF NOT EXISTS order_index (
    order_id    text        PRIMARY KEY,
    kind        text        NOT NULL,
    status      text        NOT NULL,
    account_id  text        NOT NULL,
    symbol      text        NOT NULL,
    chain       text        NOT NULL,
    amount      bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint      NOT NULL
);

CREATE INDEX IF NOT EXISTS order_index_account ON order_index (account_id, created_at DESC);
CREATE INDEX IF NOT EXISTS order_index_status ON order_index (status, created_at DESC);
