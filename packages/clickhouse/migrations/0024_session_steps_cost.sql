-- The live spend of each session in calls_session_steps (0015), as calls_trace_steps has each
-- trace's: a signed sum fed from calls_delta, so a resent or changed id counts once. The top sessions
-- by spend (packages/analytics/src/metrics/top-keys.ts) take the sessions whose hull lies inside the
-- range from it (one row per session once merged, no GROUP BY of 2M session ids: at 10M calls that
-- GROUP BY took 190-290 ms of the dashboard's top sessions), and read the rollups only for those.
ALTER TABLE calls_session_steps ADD COLUMN IF NOT EXISTS cost_total Decimal128(12) AFTER requests;
DROP VIEW IF EXISTS calls_session_steps_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS calls_session_steps_mv TO calls_session_steps AS
SELECT
    project_id,
    d.session_id AS session_id,
    sum(toInt64(d.sign)) AS requests,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    min(toStartOfHour(d.timestamp)) AS min_hour,
    max(toStartOfHour(d.timestamp)) AS max_hour
FROM calls_delta AS d
WHERE d.session_id != ''
GROUP BY project_id, session_id;
-- The calls loaded before: their spend added as rows of no requests (the table sums them into each
-- session's row), with hulls inside the sessions' own; then merged, so that readers find one part.
INSERT INTO calls_session_steps (project_id, session_id, requests, cost_total, min_hour, max_hour)
SELECT project_id, session_id, toInt64(0), sum(toDecimal128(cost_total, 12)), min(toStartOfHour(timestamp)), max(toStartOfHour(timestamp))
FROM calls FINAL
WHERE session_id != ''
GROUP BY project_id, session_id
SETTINGS do_not_merge_across_partitions_select_final = 1;
OPTIMIZE TABLE calls_session_steps FINAL;
