-- Buys that arrive together are one broker order per ticker, as a real issuer aggregates them: one row per ticker and
-- batch, one price and time, and the allocation of each fill id to its shares (a jsonb object: fill id -> shares). Cash
-- per fill is derived, shares × price rounded half-even to cents, so it is not stored. Exactly once per fill id across
-- this table and broker_fills (sales and the buys written before this migration) is kept by the broker: it takes a
-- transaction-scoped advisory lock per fill id, then looks the ids up (the GIN index below), then inserts.
CREATE TABLE IF NOT EXISTS broker_buy_batches (
    batch_id    bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticker      text          NOT NULL,
    shares      numeric(30,9) NOT NULL CHECK (shares > 0),
    price       numeric(20,6) NOT NULL CHECK (price > 0),
    filled_at   timestamptz   NOT NULL,
    allocations jsonb         NOT NULL CHECK (jsonb_typeof(allocations) = 'object'),
    folded      boolean       NOT NULL DEFAULT false
);

-- Which batch holds a fill id: allocations ? id (and ?| ids for a whole batch). Without the pending list (fastupdate):
-- every batch looks its ids up, and a look-up would otherwise scan the whole unmerged list; a batch inserts one row.
CREATE INDEX IF NOT EXISTS broker_buy_batches_fill_ids ON broker_buy_batches USING gin (allocations) WITH (fastupdate = off);

-- Batches not yet folded into broker_positions, as for the per-fill buys.
CREATE INDEX IF NOT EXISTS broker_buy_batches_unfolded ON broker_buy_batches (ticker) INCLUDE (shares) WHERE NOT folded;
