-- Distinct traces, users and sessions without a hash table built from strings at query time.
-- calls_hourly_traces: one row per (project, hour, trace key) with the signed count of its calls,
-- fed from calls_delta like calls_hourly (so a resent or changed id counts once). The trace key is
-- the call's trace_id, or its own id when it has none, stored as its 128-bit SipHash: the same value
-- uniqExact of the string counts by, so the rollup counts exactly what raw calls count. Sorted by
-- hour first: new inserts touch only recent hours, so `FINAL` (which adds up the rows of one key
-- left in several parts) merges only those and reads the rest as it is (measured at 10M calls:
-- 7.5M rows counted with FINAL in about 50 ms; a GROUP BY over the hashes takes 0.5 s or more).
-- A query counts the distinct hashes of rows whose calls still count (requests > 0).
CREATE TABLE IF NOT EXISTS calls_hourly_traces
(
    project_id LowCardinality(String),
    hour       DateTime('UTC'),
    trace_hash FixedString(16),
    requests   Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (project_id, hour, trace_hash);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_hourly_traces_mv TO calls_hourly_traces AS
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
    sipHash128(if(d.trace_id = '', d.id, d.trace_id)) AS trace_hash,
    sum(d.sign) AS requests
FROM calls_delta AS d
GROUP BY project_id, hour, trace_hash;

-- Calls loaded before this migration: their newest copies, as raw queries read them.
INSERT INTO calls_hourly_traces
SELECT project_id, toStartOfHour(timestamp) AS hour, sipHash128(if(trace_id = '', id, trace_id)) AS trace_hash, toInt64(count()) AS requests
FROM calls FINAL
GROUP BY project_id, hour, trace_hash
SETTINGS do_not_merge_across_partitions_select_final = 1;

-- The daily user and session rollups get the key's SipHash128 beside the key, computed on insert,
-- so distinct counts read 16 fixed bytes per row instead of hashing strings (sessions_overview at
-- 10M calls: 0.40 s -> 0.14 s in one measurement under the same load). MATERIALIZE fills it in for
-- rows written before this migration (synchronously, so a store is complete when migrate returns).
ALTER TABLE calls_daily_users ADD COLUMN IF NOT EXISTS user_hash FixedString(16) MATERIALIZED sipHash128(user_id);
ALTER TABLE calls_daily_users MATERIALIZE COLUMN user_hash SETTINGS mutations_sync = 2;
ALTER TABLE calls_daily_sessions ADD COLUMN IF NOT EXISTS session_hash FixedString(16) MATERIALIZED sipHash128(session_id);
ALTER TABLE calls_daily_sessions MATERIALIZE COLUMN session_hash SETTINGS mutations_sync = 2;
