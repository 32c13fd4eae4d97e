-- Orleans ADO.NET grain persistence (invariant Npgsql), written for Sharemint.
-- The primary key is the grain's full identity, so a second activation of the same grain whose first
-- write races an existing row inserts nothing and Orleans raises InconsistentStateException instead of
-- forking the state. Payloads are UTF-8 JSON written by our System.Text.Json serializer.

CREATE TABLE IF NOT EXISTS orleans_storage (
    service_id          text        NOT NULL,
    grain_type          text        NOT NULL,
    grain_id_n0         bigint      NOT NULL,
    grain_id_n1         bigint      NOT NULL,
    grain_id_extension  text        NOT NULL DEFAULT '',
    grain_id_hash       integer     NOT NULL,
    grain_type_hash     integer     NOT NULL,
    payload             bytea,
    version             integer     NOT NULL,
    modified_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- For operators: the stored state as JSON.
CREATE OR REPLACE VIEW grain_state AS
SELECT service_id, grain_type,
       CASE WHEN grain_id_extension <> '' THEN grain_id_extension ELSE grain_id_n0::text || ':' || grain_id_n1::text END AS grain_key,
       version, modified_at,
       convert_from(payload, 'UTF8')::jsonb AS state
  FROM orleans_storage;

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
  FROM orleans_storage
 WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND grain_id_extension = COALESCE(@GrainIdExtensionString, '');
$q$),
-- One row always comes back: the new version, or NULL when the expected version did not match
-- (or, for a first write, when the row already exists), which Orleans turns into InconsistentStateException.
('WriteToStorageKey', $q$
WITH inserted AS (
    INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                 grain_id_hash, grain_type_hash, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''),
           @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1
     WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version),
updated AS (
    UPDATE orleans_storage
       SET payload = @PayloadBinary, version = version + 1, modified_at = now()
     WHERE @GrainStateVersion::integer IS NOT NULL
       AND service_id = @ServiceId AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
       AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT COALESCE((SELECT version FROM inserted), (SELECT version FROM updated)) AS "NewGrainStateVersion";
$q$),
('ClearStorageKey', $q$
WITH inserted AS (
    INSERT INTO orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                 grain_id_hash, grain_type_hash, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''),
           @GrainIdHash, @GrainTypeHash, NULL, 1
     WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version),
updated AS (
    UPDATE orleans_storage
       SET payload = NULL, version = version + 1, modified_at = now()
     WHERE @GrainStateVersion::integer IS NOT NULL
       AND service_id = @ServiceId AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
       AND grain_id_extension = COALESCE(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT COALESCE((SELECT version FROM inserted), (SELECT version FROM updated)) AS "NewGrainStateVersion";
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
