-- Assets paused by the recovery check (sharemint ops recovery-check), each with the status it had before, so that
-- resuming restores exactly that and never un-pauses an asset an operator had paused for another reason.
CREATE TABLE IF NOT EXISTS recovery_pauses (
    symbol          text        PRIMARY KEY,
    previous_status text        NOT NULL,
    check_id        text        NOT NULL,
    paused_at       timestamptz NOT NULL DEFAULT now()
);
