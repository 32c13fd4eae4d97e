-- Orders stored before migration 0151 (state in orleans_storage, none in their order_index row) move into their rows, so
-- that reading an order is one SELECT on order_index: the order storage no longer looks in orleans_storage, which cost
-- every new order a second, empty read. Since 0151 no build writes an order to orleans_storage (a save writes the
-- order's row only), so once this has run no order can appear there again.
--
-- The state bytes move as they are: both tables hold the same serializer's UTF-8 JSON (fields of a newer build and the
-- state version included). The listing columns follow the state (a process that died between the state write and the
-- index write before 0151 left a stale row, or none). A silo of the previous build still holding an order it read from
-- orleans_storage moves orders only into rows without state: its next save conflicts, and it re-reads the order here.
INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version, state)
SELECT order_id, j->>'kind', j->>'status', j->>'accountId', j->>'symbol', j->>'chain', (j->>'amount')::bigint,
       (j->>'createdAt')::timestamptz, (j->>'updatedAt')::timestamptz, 1, payload
  FROM (SELECT DISTINCT ON (s.grain_id_extension) s.grain_id_extension AS order_id, s.payload,
               convert_from(s.payload, 'UTF8')::jsonb AS j
          FROM orleans_storage s
         WHERE s.grain_type = 'order' AND s.grain_id_extension <> '' AND s.payload IS NOT NULL
         ORDER BY s.grain_id_extension, s.modified_at DESC) AS legacy
ON CONFLICT (order_id) DO UPDATE
   SET state = excluded.state, status = excluded.status, updated_at = excluded.updated_at, version = order_index.version + 1
 WHERE order_index.state IS NULL;

-- What is left of orders in orleans_storage: copies of orders that now live in their rows, and orders cleared there.
DELETE FROM orleans_storage s
 WHERE s.grain_type = 'order'
   AND (s.payload IS NULL OR EXISTS (SELECT 1 FROM order_index o WHERE o.order_id = s.grain_id_extension AND o.state IS NOT NULL));

-- An index row with no state anywhere lists an order that does not exist (its placement was refused and cleared before
-- 0151, and the removal of its row, with its undelivered events, did not happen): both go, as that removal would have done.
DELETE FROM webhook_events e
 WHERE EXISTS (SELECT 1 FROM order_index o WHERE o.order_id = e.order_key AND o.state IS NULL);
DELETE FROM order_index WHERE state IS NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM orleans_storage WHERE grain_type = 'order') THEN
        RAISE EXCEPTION 'orders are still stored in orleans_storage after moving them to order_index';
    END IF;
END $$;
