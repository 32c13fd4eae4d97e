-- Operation ids a ledger grain has applied, moved out of its state once the state holds enough of them, so grain
-- state stays small while every id is still remembered forever (invariant 3). Rows are written before they leave
-- the state, so each id is always in at least one of the two places.
CREATE TABLE IF NOT EXISTS ledger_applied_operations (
    grain_id      text        NOT NULL,
    operation_key text        NOT NULL,
    outcome       text        NOT NULL,
    archived_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_id, operation_key)
);
