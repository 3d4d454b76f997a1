-- Per-trace rollup for the waste analysis's agent loops: per project and trace_id, the first attempts
-- (attempt ≤ 1) of each step (call name), the trace's calls and cost, and the time span of its calls.
-- Fed from calls_delta like calls_hourly (0004), so a resent or changed id counts once: every
-- measure is a signed sum (steps: sumMap per step name), except the span, the first and last hour
-- with a copy ever seen (+1 and -1 rows), so it always covers the live calls. Hours, not instants: 4
-- bytes that compress well, and a trace is only judged inside a range when its hours are.
-- Loops were a GROUP BY trace_id over every call of the range (7.5M traces at 10M calls, 2-4 s); here
-- a merged row is a whole trace, so the query keeps the rows whose deepest step reaches the loop
-- depth and only merges the traces that still have rows in more than one part
-- (packages/analytics/src/analyses/waste-loops.ts). Calls without trace_id are no loop and are left out.
CREATE TABLE IF NOT EXISTS calls_trace_steps
(
    project_id    LowCardinality(String),
    trace_id      String CODEC(ZSTD(1)),
    steps         SimpleAggregateFunction(sumMap, Map(String, Int64)),
    requests      Int64,
    cost_total    Decimal128(12),
    min_hour      SimpleAggregateFunction(min, DateTime('UTC')),
    max_hour      SimpleAggregateFunction(max, DateTime('UTC')),
    -- a range that starts before (or ends after) every trace skips all granules when it looks for
    -- the traces cut by its bounds
    INDEX min_hour_minmax min_hour TYPE minmax GRANULARITY 1,
    INDEX max_hour_minmax max_hour TYPE minmax GRANULARITY 1
)
ENGINE = SummingMergeTree
ORDER BY (project_id, trace_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_trace_steps_mv TO calls_trace_steps AS
SELECT
    project_id,
    trace_id,
    sumMap(map(toString(d.name), toInt64(d.sign * (d.attempt <= 1)))) AS steps,
    sum(toInt64(d.sign)) AS requests,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    min(toStartOfHour(d.timestamp)) AS min_hour,
    max(toStartOfHour(d.timestamp)) AS max_hour
FROM calls_delta AS d
WHERE d.trace_id != ''
GROUP BY project_id, trace_id;

-- Calls loaded before this migration, once (the guard keeps a re-run from adding them twice), then
-- merged so that each trace is one row.
INSERT INTO calls_trace_steps
SELECT project_id, trace_id, mapFromArrays(groupArray(toString(name)), groupArray(first)), sum(n), sum(cost), min(lo), max(hi)
FROM
(
    SELECT project_id, trace_id, name, toInt64(countIf(attempt <= 1)) AS first, toInt64(count()) AS n,
           sum(toDecimal128(cost_total, 12)) AS cost, min(toStartOfHour(timestamp)) AS lo, max(toStartOfHour(timestamp)) AS hi
    FROM calls FINAL
    WHERE trace_id != '' AND (SELECT count() FROM calls_trace_steps) = 0
    GROUP BY project_id, trace_id, name
)
GROUP BY project_id, trace_id;

OPTIMIZE TABLE calls_trace_steps FINAL;
