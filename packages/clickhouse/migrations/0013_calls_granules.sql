-- calls with 1,024-row granules and 16-128 KiB compression blocks (8,192 rows and 64 KiB-1 MiB
-- before). Why: a page of the generations API ordered by cost, tokens or latency holds calls from all
-- over the table, and reading one row decompresses a whole block of each of its ~40 columns. With
-- 8,192-row granules the 101 rows of the first page by cost touched 168 granules, 1.4M rows, and took
-- 300-460 ms to fetch at 10M demo calls; with these settings 123 granules of 1,024 rows and about
-- 150-200 ms (measured side by side on copies of the 10M store, figures in bench/README.md). The cost:
-- bytes per call 61.0 -> 62.1 (smaller blocks compress a little worse) and 8x the marks (1 MB at 10M).
-- index_granularity cannot be changed on an existing table, so calls is copied as 0012 did: the views
-- that feed rollups from calls are dropped first (copying must not count the rows again), the newest
-- copy of every key is copied (FINAL: without a version column the engine keeps the last inserted
-- copy, and one INSERT ... SELECT has no insertion order across parts), the views recreated unchanged.
-- Ingestion must be stopped while this runs on a ClickHouse server; the embedded store migrates before
-- the port opens. About 100 s at 10M calls here.
DROP VIEW IF EXISTS calls_delta_from_calls;
DROP VIEW IF EXISTS call_keys_from_calls;
RENAME TABLE calls TO calls_0012;

CREATE TABLE calls AS calls_0012
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toStartOfHour(timestamp), user_id, session_id, trace_id, id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1,
         index_granularity = 1024, min_compress_block_size = 16384, max_compress_block_size = 131072;

INSERT INTO calls
SELECT * FROM calls_0012 FINAL
SETTINGS do_not_merge_across_partitions_select_final = 1;

DROP TABLE calls_0012;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_delta_from_calls TO calls_delta AS
SELECT
    project_id, id, timestamp, trace_id, name, user_id, session_id, environment, tags, provider, model,
    status, attempt, batch,
    toInt64(duration_ms) AS duration_ms,
    toInt64(input_tokens) AS input_tokens,
    toInt64(output_tokens) AS output_tokens,
    toInt64(cache_read_tokens) AS cache_read_tokens,
    toInt64(cache_write_tokens) AS cache_write_tokens,
    toInt64(reasoning_tokens) AS reasoning_tokens,
    toInt64(system_tokens) AS system_tokens,
    toInt64(tool_definition_tokens) AS tool_definition_tokens,
    toInt64(retrieval_tokens) AS retrieval_tokens,
    toInt64(history_tokens) AS history_tokens,
    toInt64(tool_result_tokens) AS tool_result_tokens,
    CAST(user_input_tokens, 'Nullable(Int64)') AS user_input_tokens,
    cost_total - cost_output - cost_cache_read - cost_cache_write AS cost_input,
    cost_output, cost_cache_read, cost_cache_write, cost_total,
    price_source, input_price, output_price, cache_read_price, cache_write_price,
    toUInt64(toUnixTimestamp64Milli(timestamp) + version_lag) AS version,
    toInt8(1) AS sign
FROM calls;

CREATE MATERIALIZED VIEW IF NOT EXISTS call_keys_from_calls TO call_keys AS
SELECT project_id, sipHash64(id) AS id_hash, toStartOfHour(timestamp) AS hour,
       toUInt64(toUnixTimestamp64Milli(timestamp) + version_lag) AS version, retention_days
FROM calls;
