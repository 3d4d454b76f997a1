-- The repeats of spans_trace_tools (0019) summed by hull, for the waste analysis's redundant tool
-- calls (packages/analytics/src/analyses/waste-tools.ts). Counting the repeats of the traces inside a
-- range read the array sizes and hours of every trace of the table's largest part (744k traces at
-- 10M calls: 24-35 ms alone, 53-100 ms for the statement); this aggregate projection holds one row
-- per (first hour, last hour): 2,932 rows there.
-- Per hull: the repeats of the rows with one copy per span id (ids - pairs, as the reader computes
-- them), the number of those rows with a repeat, the number of rows with several copies of an id
-- (resent or changed spans), which the reader takes from their copies instead, and the hull's length
-- (its maximum over the part is the longest hull, for the projection below).
-- Written with length(), not the .size0 subcolumns: a projection that names a subcolumn fails every
-- insert ("Not found column ids.size0 in block"). The reader turns off the two rewrites that would
-- make its query differ from these expressions (optimize_functions_to_subcolumns, which makes
-- length(ids) ids.size0, and optimize_rewrite_aggregate_function_with_if, which makes sum(if(..))
-- sumIf(..)); a test runs it with force_optimize_projection.
-- An AggregatingMergeTree merge merges rows, so the projection is rebuilt on each merge ('rebuild',
-- as 0021): the projection of a part is always that part's rows.
-- MATERIALIZE builds it for the parts already there (synchronously; 1.2 s at 744k traces).
ALTER TABLE spans_trace_tools MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE spans_trace_tools ADD PROJECTION IF NOT EXISTS repeats_by_hull
(
    SELECT
        project_id,
        min_hour,
        max_hour,
        sum(if(length(copies) = length(ids), toInt64(length(ids)) - length(pairs), 0)),
        countIf(length(copies) = length(ids) AND length(ids) > length(pairs)),
        countIf(length(copies) != length(ids)),
        max(max_hour - min_hour)
    GROUP BY project_id, min_hour, max_hour
);
ALTER TABLE spans_trace_tools MATERIALIZE PROJECTION repeats_by_hull SETTINGS mutations_sync = 2;
-- The traces a range's bound cuts are counted from raw spans, by trace_id. Listing them read the hours
-- of every trace of the largest part (24-38 ms at 744k traces), which is sorted by trace. This
-- projection is sorted by the last hour and keeps trace_id: a trace cut by a bound ends within the
-- longest hull after it (above, `max(max_hour - min_hour)`), so the list reads two short runs of it.
-- About 20 MB at 744k traces (2 bytes per call).
ALTER TABLE spans_trace_tools ADD PROJECTION IF NOT EXISTS by_last_hour
(
    SELECT project_id, min_hour, max_hour, trace_id
    ORDER BY project_id, max_hour
);
ALTER TABLE spans_trace_tools MATERIALIZE PROJECTION by_last_hour SETTINGS mutations_sync = 2;
