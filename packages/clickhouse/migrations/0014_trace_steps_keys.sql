-- calls_trace_steps (0011) keyed by the trace key, as every trace count is: a call without trace_id
-- is a trace of its own, keyed by its id (aggregates.ts TRACE_KEY). 0011 left such calls out (one
-- call is never an agent loop); with them the table holds every trace once merged, so the metrics
-- count distinct traces from it (packages/analytics/src/metrics/trace-count.ts) instead of hashing
-- every trace key of the range. The view is replaced, then the calls it left out are added once
-- (the guard keeps a re-run from adding them twice). Ingestion must be stopped while this runs on a
-- ClickHouse server; the embedded store migrates before the port opens.
DROP VIEW IF EXISTS calls_trace_steps_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_trace_steps_mv TO calls_trace_steps AS
SELECT
    project_id,
    if(d.trace_id = '', d.id, d.trace_id) AS trace_id,
    sumMap(map(toString(d.name), toInt64(d.sign * (d.attempt <= 1)))) AS steps,
    sum(toInt64(d.sign)) AS requests,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    min(toStartOfHour(d.timestamp)) AS min_hour,
    max(toStartOfHour(d.timestamp)) AS max_hour
FROM calls_delta AS d
GROUP BY project_id, trace_id;

-- (columns by position: an alias `trace_id` would shadow the column in the WHERE)
INSERT INTO calls_trace_steps
SELECT project_id, id, map(toString(name), toInt64(attempt <= 1)), toInt64(1), toDecimal128(cost_total, 12),
       toStartOfHour(timestamp), toStartOfHour(timestamp)
FROM calls FINAL
WHERE trace_id = ''
  AND (SELECT count() FROM calls_trace_steps WHERE trace_id IN (SELECT id FROM calls WHERE trace_id = '')) = 0
SETTINGS do_not_merge_across_partitions_select_final = 1;
