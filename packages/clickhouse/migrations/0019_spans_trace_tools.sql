-- Per-trace rollup of tool spans for the waste analysis's redundant tool calls (a repeat of the same
-- tool and input hash within a trace). Over raw spans that is a GROUP BY (trace, tool, input hash)
-- with about as many groups as tool spans: about 630 ms for 2M tool spans at 10M calls, plus the
-- FINAL read of spans (bench/README.md). Here a merged row is a whole trace, and the analysis
-- (packages/analytics/src/analyses/waste-tools.ts) computes its repeats from the row alone.
--
-- Spans have no signed delta stream like calls (calls_delta), so the row keeps every copy of every
-- tool span instead of a count: `copies` is the set of (sipHash64(id), version, sipHash64(tool_name,
-- input_hash)) of each copy ever loaded. A resent copy is the same tuple or one more with a newer
-- version; the reader keeps the newest version of each id (ties: the greater hash), as FINAL would,
-- so resent and changed spans count once, with their live tool and input. A set is idempotent, so
-- a re-run of the backfill below adds nothing. The hull (first and last hour of any copy) tells
-- whether a trace lies inside a range; a trace cut by a bound is counted from raw spans.
-- Left out: a span whose later copy is no tool span (tool_name emptied) still counts with its last
-- tool copy, and a copy that moves to another trace stays in the old one too (raw FINAL has its own
-- gap there: a copy that moves hour survives twice, load-prepare.ts).
CREATE TABLE IF NOT EXISTS spans_trace_tools
(
    project_id LowCardinality(String),
    trace_id   String CODEC(ZSTD(1)),
    copies     SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(UInt64, UInt64, UInt64))) CODEC(ZSTD(1)),
    min_hour   SimpleAggregateFunction(min, DateTime('UTC')),
    max_hour   SimpleAggregateFunction(max, DateTime('UTC')),
    INDEX min_hour_minmax min_hour TYPE minmax GRANULARITY 1,
    INDEX max_hour_minmax max_hour TYPE minmax GRANULARITY 1
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, trace_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS spans_trace_tools_mv TO spans_trace_tools AS
SELECT
    project_id,
    trace_id,
    groupUniqArray((sipHash64(id), version, sipHash64(toString(tool_name), input_hash))) AS copies,
    min(toStartOfHour(timestamp)) AS min_hour,
    max(toStartOfHour(timestamp)) AS max_hour
FROM spans
WHERE tool_name != '' AND trace_id != ''
GROUP BY project_id, trace_id;

-- Spans loaded before this migration (idempotent, see above), then merged: one row per trace.
INSERT INTO spans_trace_tools
SELECT project_id, trace_id, groupUniqArray((sipHash64(id), version, sipHash64(toString(tool_name), input_hash))),
       min(toStartOfHour(timestamp)), max(toStartOfHour(timestamp))
FROM spans
WHERE tool_name != '' AND trace_id != ''
GROUP BY project_id, trace_id;

OPTIMIZE TABLE spans_trace_tools FINAL;
