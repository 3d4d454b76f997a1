-- Each score stores the call its observation_id names: the hour, name, model and version of that
-- call's newest copy when the score was loaded (call_version 0: not resolved: no observation_id, a
-- span's id, or a call not loaded yet). The efficiency analysis groups scores by it instead of joining
-- them with the calls (1.7 s at 10M demo calls; a lookup of the 707k scored ids in call_keys alone
-- took 250 ms, since 7% of the calls are scored and every granule holds some). The loader resolves
-- the scores of each load after its calls (packages/clickhouse/src/score-calls.ts): it inserts a
-- resolved copy of each score at the same version, and the last inserted copy of a version wins.
--
-- A call replaced after its score was resolved makes that resolution stale. calls_replaced keeps the
-- (id hash, version) of every replaced copy, fed from calls_corrections (whose rows expire after 30
-- days; these do not: one row per replaced copy, which is rare), and the analysis joins a score whose
-- (observation hash, call_version) is there with the raw calls instead, as it does unresolved ones.
ALTER TABLE scores
    ADD COLUMN IF NOT EXISTS call_hour DateTime('UTC') DEFAULT toDateTime(0, 'UTC'),
    ADD COLUMN IF NOT EXISTS call_name LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS call_model LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS call_version UInt64 DEFAULT 0;

CREATE TABLE IF NOT EXISTS calls_replaced
(
    project_id LowCardinality(String),
    id_hash    UInt64,
    version    UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, id_hash, version)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_replaced_from_corrections TO calls_replaced AS
SELECT project_id, sipHash64(id) AS id_hash, version FROM calls_corrections;

INSERT INTO calls_replaced SELECT project_id, sipHash64(id), version FROM calls_corrections;

-- The scores loaded before this migration, resolved against the calls as they are now.
INSERT INTO scores (project_id, id, timestamp, trace_id, observation_id, name, value, comment, retention_days, version,
                    call_hour, call_name, call_model, call_version)
SELECT s.project_id, s.id, s.timestamp, s.trace_id, s.observation_id, s.name, s.value, s.comment, s.retention_days, s.version,
       k.call_hour, k.call_name, k.call_model, k.call_version
FROM (SELECT * FROM scores FINAL WHERE observation_id != '') AS s
INNER JOIN
(
    SELECT project_id, id_hash, argMax(hour, version) AS call_hour, argMax(name, version) AS call_name, argMax(model, version) AS call_model, max(version) AS call_version
    FROM call_keys
    WHERE id_hash IN (SELECT sipHash64(observation_id) FROM scores WHERE observation_id != '')
    GROUP BY project_id, id_hash
) AS k ON k.project_id = s.project_id AND k.id_hash = sipHash64(s.observation_id)
WHERE s.call_version != k.call_version
SETTINGS use_index_for_in_with_subqueries = 0;

OPTIMIZE TABLE scores FINAL;
