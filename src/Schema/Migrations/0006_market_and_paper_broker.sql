-- Market data and the paper broker. Prices are USD per share (6 decimals), shares carry up to 9 decimals (fractional
-- shares), cash is USD cents. The paper broker stands in for a real broker/custodian behind IBroker.

-- Last price per underlying ticker. `source` tells a price seeded from configuration ('seed') from one an operator
-- set ('operator'): a restart may refresh a seeded price from changed configuration but never overwrites an operator's.
CREATE TABLE IF NOT EXISTS market_prices (
    ticker text          PRIMARY KEY,
    price  numeric(20,6) NOT NULL CHECK (price > 0),
    as_of  timestamptz   NOT NULL,
    source text          NOT NULL CHECK (source IN ('seed', 'operator'))
);

-- One row per executed paper order. The primary key on fill_id is what makes an order idempotent: a second insert
-- under the same id does nothing, so a retried or concurrent order fills exactly once.
CREATE TABLE IF NOT EXISTS broker_fills (
    fill_id   text          PRIMARY KEY,
    ticker    text          NOT NULL,
    side      text          NOT NULL CHECK (side IN ('buy', 'sell')),
    shares    numeric(30,9) NOT NULL CHECK (shares > 0),
    price     numeric(20,6) NOT NULL CHECK (price > 0),
    cash      numeric(24,2) NOT NULL CHECK (cash >= 0),
    filled_at timestamptz   NOT NULL
);

CREATE INDEX IF NOT EXISTS broker_fills_ticker_filled_at ON broker_fills (ticker, filled_at);

-- Shares held per ticker, changed only in the same transaction that inserts the fill. Never negative: a sale of more
-- than is held is refused, and the check catches any path that would get it wrong.
CREATE TABLE IF NOT EXISTS broker_positions (
    ticker     text          PRIMARY KEY,
    shares     numeric(30,9) NOT NULL CHECK (shares >= 0),
    updated_at timestamptz   NOT NULL
);
