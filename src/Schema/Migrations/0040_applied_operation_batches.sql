-- Archived applied-operation ids, one row per archiving batch (a ledger grain moves up to a state's worth of ids out at
-- once) instead of one row per id: the ids are still remembered forever (invariant 3), at a fraction of the row writes.
-- The entries object maps each key to what was recorded; the GIN index finds a key without knowing its batch. When a
-- key is in more than one batch (an archive retried after the grain's own write failed), the oldest batch wins, which
-- keeps "an existing key keeps its first value". ledger_applied_operations (0004) stays: ids archived there before
-- this migration, or by a silo of an older build during a rolling upgrade, are still looked up there first.
CREATE TABLE IF NOT EXISTS ledger_applied_operation_batches (
    grain_id    text        NOT NULL,
    batch_id    bigint      GENERATED ALWAYS AS IDENTITY,
    entries     jsonb       NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_id, batch_id)
);
CREATE INDEX IF NOT EXISTS ledger_applied_operation_batches_keys ON ledger_applied_operation_batches USING gin (entries);
