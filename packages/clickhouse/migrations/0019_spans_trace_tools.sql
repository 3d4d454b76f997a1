-- Per-trace rollup of tool spans for the waste analysis's redundant tool calls (a repeat of the same
-- tool and input hash within a trace). Over raw spans that is a GROUP BY (trace, tool, input hash)
-- with about as many groups as tool spans: about 630 ms for 2M tool spans at 10M calls, plus the
-- FINAL read of spans (bench/README.md). Here a merged row is a whole trace, and the analysis
-- (packages/analytics/src/analyses/waste-tools.ts) takes its repeats from the row alone.
--
-- Spans have no signed delta stream like calls (calls_delta), so the row keeps sets, which merging
-- and re-loading cannot double: `ids`, the sipHash64 of its tool spans' ids; `pairs`, the
-- sipHash64(tool_name, input_hash) of every copy; `copies`, the (id hash, version, pair hash) of
-- every copy ever loaded. While each id has one copy (as many copies as ids), the repeats are
-- length(ids) - length(pairs): array sizes only. A trace with a resent or changed span keeps
-- several copies of an id; the reader keeps the newest version of each (ties: the greater hash), as
-- FINAL would, so a changed span counts once, with its live tool and input. A re-run of the backfill
-- below adds nothing. The hull (first and last hour of any copy) tells whether a trace lies inside
-- a range; a trace cut by a bound is counted from raw spans.
-- Left out: a span whose later copy is no tool span (tool_name emptied) still counts with its last
-- tool copy, and a copy that moves to another trace stays in the old one too (raw FINAL has its own
-- gap there: a copy that moves hour survives twice, load-prepare.ts).
CREATE TABLE IF NOT EXISTS spans_trace_tools
(
    project_id LowCardinality(String),
    trace_id   String CODEC(ZSTD(1)),
    ids        SimpleAggregateFunction(groupUniqArrayArray, Array(UInt64)) CODEC(ZSTD(1)),
    pairs      SimpleAggregateFunction(groupUniqArrayArray, Array(UInt64)) CODEC(ZSTD(1)),
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
    groupUniqArray(sipHash64(id)) AS ids,
    groupUniqArray(sipHash64(toString(tool_name), input_hash)) AS pairs,
    groupUniqArray((sipHash64(id), version, sipHash64(toString(tool_name), input_hash))) AS copies,
    min(toStartOfHour(timestamp)) AS min_hour,
    max(toStartOfHour(timestamp)) AS max_hour
FROM spans
WHERE tool_name != '' AND trace_id != ''
GROUP BY project_id, trace_id;

-- Spans loaded before this migration (idempotent, see above), then merged: one row per trace.
INSERT INTO spans_trace_tools
SELECT project_id, trace_id, groupUniqArray(sipHash64(id)), groupUniqArray(sipHash64(toString(tool_name), input_hash)),
       groupUniqArray((sipHash64(id), version, sipHash64(toString(tool_name), input_hash))),
       min(toStartOfHour(timestamp)), max(toStartOfHour(timestamp))
FROM spans
WHERE tool_name != '' AND trace_id != ''
GROUP BY project_id, trace_id;

OPTIMIZE TABLE spans_trace_tools FINAL;
