-- Which silo swept unfinished orders last, and when. Every silo's timer asks for the sweep each period; the conditional
-- upsert lets one silo win per period (by the database's clock, so silo clocks do not matter), so a cluster of N silos
-- wakes each waiting order once per period instead of N times. A silo that dies loses the lease by letting it age.
CREATE TABLE IF NOT EXISTS order_sweeps (
    name      text        PRIMARY KEY,
    swept_at  timestamptz NOT NULL,
    silo      text        NOT NULL
);
