-- Min-max skip indexes for the generations API's pages by cost and by latency (list-generations.ts):
-- `ORDER BY cost_total DESC LIMIT k` read the cost of every call of the range (10M at 10M calls,
-- about 300 ms). With an index, ClickHouse's top-k optimisations (use_skip_indexes_for_top_k,
-- use_top_k_dynamic_filtering, on by default) read only the granules whose maximum can reach the
-- top k. Calls are sorted by hour, user and session, so an expensive call can sit in any granule,
-- but the top 100 of 10M sit in at most 100 of them. About 16 bytes per granule of 8,192 rows each.
-- MATERIALIZE builds them for parts written before this migration (synchronously).
ALTER TABLE calls ADD INDEX IF NOT EXISTS calls_cost_total_minmax cost_total TYPE minmax GRANULARITY 1;
ALTER TABLE calls MATERIALIZE INDEX calls_cost_total_minmax SETTINGS mutations_sync = 2;
ALTER TABLE calls ADD INDEX IF NOT EXISTS calls_duration_minmax duration_ms TYPE minmax GRANULARITY 1;
ALTER TABLE calls MATERIALIZE INDEX calls_duration_minmax SETTINGS mutations_sync = 2;
