-- Order listings page by keyset (created_at, order_id), newest first, with filters; these indexes serve every page in
-- the same time however deep the history. client_reference is the partner's own id for an order (optional), so a
-- partner can find an order by it.
ALTER TABLE order_index ADD COLUMN IF NOT EXISTS client_reference text;

CREATE INDEX IF NOT EXISTS order_index_account_keyset ON order_index (account_id, created_at DESC, order_id DESC);
CREATE INDEX IF NOT EXISTS order_index_keyset ON order_index (created_at DESC, order_id DESC);
CREATE INDEX IF NOT EXISTS order_index_client_reference ON order_index (account_id, client_reference)
    WHERE client_reference IS NOT NULL;
