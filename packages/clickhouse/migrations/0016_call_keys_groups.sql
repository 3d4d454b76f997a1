-- call_keys (0003) also holds each copy's name and model: the efficiency analysis takes a score's call
-- group from there, by the id hash the table is sorted by, instead of joining every score with the raw
-- calls (1.7 s at 10M demo calls: it read all 10M trace ids to match 707k scores; see
-- packages/analytics/src/analyses/efficiency.ts). Per row the version already picks the newest copy
-- of an id (argMax), so its name and model are the live ones.
-- The table is rebuilt from calls (a column added in place would be empty on the rows already there,
-- and a second row per key with the same version leaves it to merges to pick one): the view is dropped
-- first so the copy is not counted twice, then recreated with the two columns. Rows of copies that the
-- loader has already deleted from calls (an id moved to another hour) are not carried over: the
-- loader's lookup reads calls after call_keys and finds nothing there for them either.
-- Ingestion must be stopped while this runs on a ClickHouse server; the embedded store migrates
-- before the port opens. About 20 s at 10M calls here.
DROP VIEW IF EXISTS call_keys_from_calls;
RENAME TABLE call_keys TO call_keys_0003;

CREATE TABLE call_keys
(
    project_id     LowCardinality(String),
    id_hash        UInt64,
    hour           DateTime('UTC'),
    version        UInt64,
    retention_days UInt16,
    name           LowCardinality(String),
    model          LowCardinality(String)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, id_hash, hour)
TTL hour + toIntervalDay(retention_days) + toIntervalDay(1) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

INSERT INTO call_keys
SELECT project_id, sipHash64(id), toStartOfHour(timestamp), toUInt64(toUnixTimestamp64Milli(timestamp) + version_lag), retention_days, name, model
FROM calls;

DROP TABLE call_keys_0003;

CREATE MATERIALIZED VIEW IF NOT EXISTS call_keys_from_calls TO call_keys AS
SELECT project_id, sipHash64(id) AS id_hash, toStartOfHour(timestamp) AS hour,
       toUInt64(toUnixTimestamp64Milli(timestamp) + version_lag) AS version, retention_days, name, model
FROM calls;
