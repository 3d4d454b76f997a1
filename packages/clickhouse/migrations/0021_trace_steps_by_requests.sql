-- A projection of calls_trace_steps (0011, 0014) sorted by the trace's live calls, for the waste
-- analysis's agent loops (packages/analytics/src/analyses/waste-loops.ts). A loop needs at least
-- LOOP_MIN_DEPTH calls, which 2% of traces have (150k of 7.5M at 10M calls), but those sit in every
-- granule of the table (sorted by trace id), so picking the deepest read the steps, hours and cost of
-- every trace: about 200 ms on a quiet machine. Sorted by `requests`, the projection holds those
-- traces together: the same pick read 45 ms against 240 ms on the table in one run
-- (bench/README.md). It keeps every column the pick reads and `_part_offset`, the row's position in
-- its part, which the pick returns and the analysis reads the chosen rows by; not trace_id, the
-- largest column (about 16 bytes per call instead of 36).
-- A SummingMergeTree merge sums rows, so its projection is rebuilt on each merge ('rebuild'): the
-- projection of a part is always that part's rows, and a merged part's rows are whole traces.
-- MATERIALIZE builds it for the parts already there (synchronously).
ALTER TABLE calls_trace_steps MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE calls_trace_steps ADD PROJECTION IF NOT EXISTS by_requests
(
    SELECT project_id, requests, steps, cost_total, min_hour, max_hour, _part_offset
    ORDER BY project_id, requests
);
ALTER TABLE calls_trace_steps MATERIALIZE PROJECTION by_requests SETTINGS mutations_sync = 2;
