-- Order listings page by keyset (created_at, order_id), newest first, with filters; these indexes serve every page in
-- the same time however deep the history.
CREATE INDEX IF NOT EXISTS order_index_account_keyset ON order_index (account_id, created_at DESC, order_id DESC);
CREATE INDEX IF NOT EXISTS order_index_keyset ON order_index (created_at DESC, order_id DESC);

-- A partner's own reference for an order (optional): one reference names one order of that partner, written by the API
-- before the order is placed, so two orders can never share a reference, and read to echo it and to find the order.
CREATE TABLE IF NOT EXISTS order_client_references (
    account_id       text        NOT NULL,
    client_reference text        NOT NULL,
    order_id         text        NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, client_reference)
);
