-- Every silo keeps the last prices in memory and listens on the channel 'market_prices' to drop a ticker whose row
-- changed, whoever changed it (a silo, the seed, an operator's SQL). The payload is the changed row's ticker; an empty
-- payload means "forget every ticker" (TRUNCATE, or a ticker too long to be one the platform reads). The notification is
-- delivered when the writing transaction commits, and not at all when it rolls back. Additive: an older build ignores it.
CREATE OR REPLACE FUNCTION market_prices_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('market_prices', '');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('market_prices', CASE WHEN octet_length(OLD.ticker) <= 64 THEN OLD.ticker ELSE '' END);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.ticker IS DISTINCT FROM OLD.ticker) THEN
        PERFORM pg_notify('market_prices', CASE WHEN octet_length(NEW.ticker) <= 64 THEN NEW.ticker ELSE '' END);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS market_prices_notify_rows ON market_prices;
CREATE TRIGGER market_prices_notify_rows AFTER INSERT OR UPDATE OR DELETE ON market_prices
    FOR EACH ROW EXECUTE FUNCTION market_prices_notify();

DROP TRIGGER IF EXISTS market_prices_notify_truncate ON market_prices;
CREATE TRIGGER market_prices_notify_truncate AFTER TRUNCATE ON market_prices
    FOR EACH STATEMENT EXECUTE FUNCTION market_prices_notify();
