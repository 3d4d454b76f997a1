-- Per-session rollup, as calls_trace_steps (0011) is per trace: per project and session_id, the
-- session's live calls (a signed sum fed from calls_delta, so a resent or changed id counts once) and
-- the hull of every hour a copy of its calls was ever in (never narrower than the live calls'
-- hours). Merged, a row is a whole session, so the metrics count distinct sessions of a range that
-- holds every call without a hash set of 2M session hashes (packages/analytics/src/metrics/key-count.ts;
-- at 10M demo calls about 0.1 s of every query that counts sessions). Like every rollup view, this
-- one groups by its table's whole sorting key: the loader inserts with optimize_on_insert = 0.
-- Calls without a session are left out (they are no session).
CREATE TABLE IF NOT EXISTS calls_session_steps
(
    project_id LowCardinality(String),
    session_id String CODEC(ZSTD(1)),
    requests   Int64,
    min_hour   SimpleAggregateFunction(min, DateTime('UTC')),
    max_hour   SimpleAggregateFunction(max, DateTime('UTC')),
    INDEX min_hour_minmax min_hour TYPE minmax GRANULARITY 1,
    INDEX max_hour_minmax max_hour TYPE minmax GRANULARITY 1
)
ENGINE = SummingMergeTree
ORDER BY (project_id, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_session_steps_mv TO calls_session_steps AS
SELECT
    project_id,
    d.session_id AS session_id,
    sum(toInt64(d.sign)) AS requests,
    min(toStartOfHour(d.timestamp)) AS min_hour,
    max(toStartOfHour(d.timestamp)) AS max_hour
FROM calls_delta AS d
WHERE d.session_id != ''
GROUP BY project_id, session_id;

-- Calls loaded before this migration, once (the guard keeps a re-run from adding them twice).
INSERT INTO calls_session_steps
SELECT project_id, session_id, toInt64(count()), min(toStartOfHour(timestamp)), max(toStartOfHour(timestamp))
FROM calls FINAL
WHERE session_id != '' AND (SELECT count() FROM calls_session_steps) = 0
GROUP BY project_id, session_id
SETTINGS do_not_merge_across_partitions_select_final = 1;

OPTIMIZE TABLE calls_session_steps FINAL;
