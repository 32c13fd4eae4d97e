-- Orleans ADO.NET reminders (invariant Npgsql), written for Sharemint.
-- Grain hashes arrive as signed 32-bit integers; ring ranges are unsigned, so range reads compare
-- the unsigned values and handle the wrapping range themselves. Both range keys use the same text,
-- which makes the result independent of which one Orleans picks.

CREATE TABLE IF NOT EXISTS orleans_reminders (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET start_time = EXCLUDED.start_time, period_ms = EXCLUDED.period_ms, grain_hash = EXCLUDED.grain_hash,
       version = orleans_reminders.version + 1
RETURNING version AS "Version";
$q$),
('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_id = @GrainId;
$q$),
('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
$q$),
('ReadRangeRows1Key', $q$
WITH bounds AS (SELECT (@BeginHash::bigint & 4294967295) AS b, (@EndHash::bigint & 4294967295) AS e)
SELECT r.grain_id AS "GrainId", r.reminder_name AS "ReminderName", r.start_time AS "StartTime",
       r.period_ms AS "Period", r.version AS "Version"
  FROM orleans_reminders r, bounds
 WHERE r.service_id = @ServiceId
   AND CASE WHEN bounds.b < bounds.e
            THEN (r.grain_hash::bigint & 4294967295) > bounds.b AND (r.grain_hash::bigint & 4294967295) <= bounds.e
            ELSE (r.grain_hash::bigint & 4294967295) > bounds.b OR (r.grain_hash::bigint & 4294967295) <= bounds.e
       END;
$q$),
('ReadRangeRows2Key', $q$
WITH bounds AS (SELECT (@BeginHash::bigint & 4294967295) AS b, (@EndHash::bigint & 4294967295) AS e)
SELECT r.grain_id AS "GrainId", r.reminder_name AS "ReminderName", r.start_time AS "StartTime",
       r.period_ms AS "Period", r.version AS "Version"
  FROM orleans_reminders r, bounds
 WHERE r.service_id = @ServiceId
   AND CASE WHEN bounds.b < bounds.e
            THEN (r.grain_hash::bigint & 4294967295) > bounds.b AND (r.grain_hash::bigint & 4294967295) <= bounds.e
            ELSE (r.grain_hash::bigint & 4294967295) > bounds.b OR (r.grain_hash::bigint & 4294967295) <= bounds.e
       END;
$q$),
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
       AND version = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted);
$q$),
('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
