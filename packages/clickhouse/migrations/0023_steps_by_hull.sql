-- A projection of calls_trace_steps (0011, 0014) and calls_session_steps (0015) sorted by each key's
-- last hour, for the key counts (packages/analytics/src/metrics/key-count.ts). Counting the keys whose
-- hull lies inside a range, and listing those it cuts, read the hours of every key of the table
-- (sorted by key: every granule holds keys of every period); sorted by max_hour, a range reads only
-- the keys that end in it or after it. At 10M calls (7.5M traces), over 30 whole days ending at the
-- last hour: the inside count 91 -> 22-28 ms, the cut keys 60-65 -> 22 ms (bench/README.md).
-- It keeps `_part_offset`, the row's position in its part: the cut keys' hashes are read from the
-- table by it (the hash, 16 incompressible bytes a key, stays out of the projection: it is 44 MB at
-- 7.5M traces with the offsets, most of it theirs).
-- A SummingMergeTree merge sums rows, so its projection is rebuilt on each merge ('rebuild', as for
-- 0021's by_requests): the projection of a part is always that part's rows.
-- MATERIALIZE builds it for the parts already there (synchronously; 1.5 s at 7.5M traces).
ALTER TABLE calls_trace_steps ADD PROJECTION IF NOT EXISTS by_hull
(
    SELECT project_id, requests, min_hour, max_hour, _part_offset
    ORDER BY project_id, max_hour
);
ALTER TABLE calls_trace_steps MATERIALIZE PROJECTION by_hull SETTINGS mutations_sync = 2;
ALTER TABLE calls_session_steps MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE calls_session_steps ADD PROJECTION IF NOT EXISTS by_hull
(
    SELECT project_id, requests, min_hour, max_hour, _part_offset
    ORDER BY project_id, max_hour
);
ALTER TABLE calls_session_steps MATERIALIZE PROJECTION by_hull SETTINGS mutations_sync = 2;
