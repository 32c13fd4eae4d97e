-- An order's stored saga lives in its index row: one write per save keeps the listing (status, updated_at) and the
-- state together, where an order used to write its state to orleans_storage and then its index row (two rows at
-- acceptance and two at the end). `version` is the row's own etag from here on. Orders stored before this migration
-- keep their state in orleans_storage (state IS NULL here) until their next save moves it.
ALTER TABLE order_index ADD COLUMN IF NOT EXISTS state bytea;

-- The readable view of every grain's state shows an order's state from wherever it lives now (an order row belongs to
-- no Orleans service id: the column is NULL there).
DROP VIEW IF EXISTS grain_state;
CREATE VIEW grain_state AS
SELECT s.service_id, s.grain_type,
       CASE WHEN s.grain_id_extension <> '' THEN s.grain_id_extension ELSE s.grain_id_n0::text || ':' || s.grain_id_n1::text END AS grain_key,
       s.version, s.modified_at,
       convert_from(s.payload, 'UTF8')::jsonb AS state
  FROM orleans_storage s
 WHERE NOT (s.grain_type = 'order' AND EXISTS (SELECT 1 FROM order_index o WHERE o.order_id = s.grain_id_extension AND o.state IS NOT NULL))
UNION ALL
SELECT NULL, 'order', o.order_id, o.version::integer, o.updated_at,
       convert_from(o.state, 'UTF8')::jsonb
  FROM order_index o
 WHERE o.state IS NOT NULL;
