-- A buy is one row: its fill. Positions are the folded total in broker_positions plus the buy fills not yet folded into
-- it; a sale, a split or a read of every position folds them in (one position write for many buys). Fills that exist
-- before this migration are already counted in broker_positions, so they start folded.
ALTER TABLE broker_fills ADD COLUMN IF NOT EXISTS folded boolean NOT NULL DEFAULT true;
ALTER TABLE broker_fills ALTER COLUMN folded SET DEFAULT false;

CREATE INDEX IF NOT EXISTS broker_fills_unfolded_buys ON broker_fills (ticker) INCLUDE (shares) WHERE side = 'buy' AND NOT folded;
