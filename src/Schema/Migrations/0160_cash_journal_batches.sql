-- Cash journal lines that have left an account's state (the state keeps only its recent lines), one row per archiving
-- batch: the lines as a JSON array, oldest first, with the sequences and times they span so that a statement finds its
-- batches without opening the others. A batch archived again (its reply was lost, or the silo died before the state
-- forgot the lines) meets its own row and changes nothing; one that reaches further from the same first line replaces
-- it, since a line never changes once written. Readers take each sequence once even where batches overlap.
CREATE TABLE IF NOT EXISTS account_cash_journal_batches (
    account_id     text        NOT NULL,
    first_sequence bigint      NOT NULL,
    last_sequence  bigint      NOT NULL,
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    lines          jsonb       NOT NULL,
    archived_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, first_sequence),
    CHECK (last_sequence >= first_sequence AND last_at >= first_at)
);
