-- One wallet, one partner, per chain. Allow-listing claims the wallet here first; a wallet another account holds is
-- refused (wallet_held_by_another_account). Existing allow-lists are read from the account grains' stored state: a
-- wallet listed by one account is claimed for it; a wallet listed by several is a conflict, claimed for none of them,
-- recorded in wallet_owner_conflicts and raised as a WARNING for operators to settle (remove it from all but one
-- account, then allow-list it again for that one).
CREATE TABLE IF NOT EXISTS wallet_owners (
    chain      text        NOT NULL,
    address    text        NOT NULL,
    account_id text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, address)
);

CREATE INDEX IF NOT EXISTS wallet_owners_account ON wallet_owners (account_id);

CREATE TABLE IF NOT EXISTS wallet_owner_conflicts (
    chain       text        NOT NULL,
    address     text        NOT NULL,
    account_ids text[]      NOT NULL,
    found_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, address)
);

DO $$
DECLARE
    conflict record;
BEGIN
    CREATE TEMP TABLE listed_wallets ON COMMIT DROP AS
    SELECT DISTINCT s.grain_key AS account_id, w->>'chain' AS chain, w->>'address' AS address
      FROM grain_state s
     CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.state->'wallets') = 'array' THEN s.state->'wallets' ELSE '[]'::jsonb END) AS w
     WHERE s.grain_type = 'account' AND s.state IS NOT NULL
       AND w->>'chain' IS NOT NULL AND w->>'address' IS NOT NULL;

    INSERT INTO wallet_owner_conflicts (chain, address, account_ids)
    SELECT chain, address, array_agg(account_id ORDER BY account_id)
      FROM listed_wallets GROUP BY chain, address HAVING count(*) > 1
    ON CONFLICT (chain, address) DO UPDATE SET account_ids = excluded.account_ids, found_at = now();

    INSERT INTO wallet_owners (chain, address, account_id)
    SELECT chain, address, min(account_id)
      FROM listed_wallets GROUP BY chain, address HAVING count(*) = 1
    ON CONFLICT (chain, address) DO NOTHING;

    FOR conflict IN SELECT * FROM wallet_owner_conflicts LOOP
        RAISE WARNING 'wallet % on % is allow-listed for several accounts (%): claimed for none; settle it by hand',
            conflict.address, conflict.chain, array_to_string(conflict.account_ids, ', ');
    END LOOP;
END
$$;
