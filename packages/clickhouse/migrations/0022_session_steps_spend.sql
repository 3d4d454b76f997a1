-- calls_session_steps (0015) gets each session's live spend, `cost_total`, a signed sum fed from
-- calls_delta like `requests`. Why: the dashboard's most expensive sessions (group_by=session_id
-- ordered by spend, limit 50) added up calls_daily_sessions' 2M (day, session) rows by session_id
-- at 10M demo calls (about 215 ms); merged, this table holds one row per session with its spend, so
-- the sessions whose hours lie inside the range are read in order of spend instead
-- (packages/analytics/src/metrics/session-top.ts).
-- The spend of calls loaded before this migration is added as one row per session with no requests
-- and the hours of its live calls (inside the session's hull, so the hull does not move). The guard
-- keeps a re-run from adding it twice (a re-run where every session cost 0 adds zeros again: no
-- change). Then the view is replaced. Ingestion must be stopped while this runs on a ClickHouse
-- server; the embedded store migrates before the port opens.
ALTER TABLE calls_session_steps ADD COLUMN IF NOT EXISTS cost_total Decimal128(12) DEFAULT 0;

INSERT INTO calls_session_steps (project_id, session_id, requests, min_hour, max_hour, cost_total)
SELECT project_id, session_id, toInt64(0), min(toStartOfHour(timestamp)), max(toStartOfHour(timestamp)), sum(toDecimal128(cost_total, 12))
FROM calls FINAL
WHERE session_id != '' AND (SELECT count() FROM calls_session_steps WHERE cost_total != 0) = 0
GROUP BY project_id, session_id
SETTINGS do_not_merge_across_partitions_select_final = 1;

DROP VIEW IF EXISTS calls_session_steps_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_session_steps_mv TO calls_session_steps AS
SELECT
    project_id,
    d.session_id AS session_id,
    sum(toInt64(d.sign)) AS requests,
    min(toStartOfHour(d.timestamp)) AS min_hour,
    max(toStartOfHour(d.timestamp)) AS max_hour,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total
FROM calls_delta AS d
WHERE d.session_id != ''
GROUP BY project_id, session_id;

OPTIMIZE TABLE calls_session_steps FINAL;
