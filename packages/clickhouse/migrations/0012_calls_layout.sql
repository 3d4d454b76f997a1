-- calls, re-laid out for bytes on disk (issue 7's target: <= 64 bytes per call; measured 70.2 at 1M
-- demo calls before, figures in bench/README.md). Three changes, each measured on the 1M store:
--   * sorting key (project_id, hour, user_id, session_id, trace_id, id) instead of (project_id, hour,
--     id): a user's sessions and a session's traces sit together, so user_id, session_id, trace_id
--     and metadata compress as runs instead of random strings (-4.5 bytes per call);
--   * cost_input is an ALIAS (cost_total minus the other three parts), not a stored column (-2.7):
--     the parts always add up to the total (the pricer splits a client-sent total over them), and
--     the total is what queries sum and sort by, so it is the one stored;
--   * the ingestion time is stored as version_lag = version - timestamp in ms (an SDK flushes
--     within seconds of the call, so a few bits; the absolute ms needed 3.1 bytes) and `version` is
--     an ALIAS of timestamp + version_lag (-1.2).
-- A ReplacingMergeTree version must be a stored column, so the engine keeps the last inserted copy of a
-- sorting key. That is the newest: the loader (packages/clickhouse/src/calls-upsert.ts) inserts a
-- copy only when it is newer than every copy already in calls, and DELETEs older copies whose sorting
-- key differs (another hour, user, session or trace), so FINAL and merges see one sorting key per id.
-- The rebuild: the views that feed rollups from calls are dropped first (copying must not count the
-- rows again), the old table renamed, the newest copy of every id copied, the views recreated
-- unchanged in their output. Ingestion must be stopped while this runs on a ClickHouse server; the
-- embedded store migrates before the port opens.
DROP VIEW IF EXISTS calls_delta_from_calls;
DROP VIEW IF EXISTS call_keys_from_calls;
RENAME TABLE calls TO calls_0001;

CREATE TABLE calls
(
    project_id             LowCardinality(String),
    id                     String CODEC(ZSTD(1)),
    timestamp              DateTime64(3, 'UTC') CODEC(T64, ZSTD(1)),
    trace_id               String CODEC(ZSTD(1)),
    parent_id              String CODEC(ZSTD(1)),
    name                   LowCardinality(String) CODEC(ZSTD(1)),
    user_id                String CODEC(ZSTD(3)),
    session_id             String CODEC(ZSTD(1)),
    environment            LowCardinality(String) CODEC(ZSTD(1)),
    tags                   Array(LowCardinality(String)) CODEC(ZSTD(1)),
    metadata               Map(LowCardinality(String), String) CODEC(ZSTD(3)),
    provider               LowCardinality(String) CODEC(ZSTD(1)),
    model                  LowCardinality(String) CODEC(ZSTD(1)),
    status                 Enum8('ok' = 1, 'error' = 2),
    error_message          String CODEC(ZSTD(3)),
    attempt                UInt16 CODEC(T64, ZSTD(1)),
    batch                  Bool,
    duration_ms            UInt32 CODEC(T64, ZSTD(1)),
    ttft_ms                Nullable(UInt32) CODEC(T64, ZSTD(1)),
    input_tokens           UInt32 CODEC(T64, ZSTD(1)),
    output_tokens          UInt32 CODEC(T64, ZSTD(1)),
    cache_read_tokens      UInt32 CODEC(T64, ZSTD(1)),
    cache_write_tokens     UInt32 CODEC(T64, ZSTD(1)),
    reasoning_tokens       UInt32 CODEC(T64, ZSTD(1)),
    system_tokens          UInt32 CODEC(T64, ZSTD(1)),
    tool_definition_tokens UInt32 CODEC(T64, ZSTD(1)),
    retrieval_tokens       UInt32 CODEC(T64, ZSTD(1)),
    history_tokens         UInt32 CODEC(T64, ZSTD(1)),
    tool_result_tokens     UInt32 CODEC(T64, ZSTD(1)),
    -- null: the call did not report its prompt anatomy (context_overhead skips it)
    user_input_tokens      Nullable(UInt32) CODEC(T64, ZSTD(1)),
    cost_input             Decimal64(12) ALIAS cost_total - cost_output - cost_cache_read - cost_cache_write,
    cost_output            Decimal64(12) CODEC(GCD, T64, ZSTD(1)),
    cost_cache_read        Decimal64(12) CODEC(GCD, ZSTD(1)),
    cost_cache_write       Decimal64(12) CODEC(GCD, ZSTD(1)),
    cost_total             Decimal64(12) CODEC(GCD, T64, ZSTD(1)),
    price_source           Enum8('unknown' = 0, 'catalog' = 1, 'project' = 2, 'client' = 3),
    -- the prices that were applied, USD per 1M tokens (cache_savings needs them per call)
    input_price            Decimal64(9) CODEC(GCD, ZSTD(1)),
    output_price           Decimal64(9) CODEC(GCD, ZSTD(1)),
    cache_read_price       Decimal64(9) CODEC(GCD, ZSTD(1)),
    cache_write_price      Decimal64(9) CODEC(GCD, ZSTD(1)),
    input                  String CODEC(ZSTD(3)),
    output                 String CODEC(ZSTD(3)),
    -- the project's retention when the call arrived; 0 keeps it for ever
    retention_days         UInt16,
    -- ingestion time in ms minus timestamp in ms (negative when the client's clock runs ahead)
    version_lag            Int64 CODEC(T64, ZSTD(1)),
    -- ingestion time in ms: the later copy of an id wins
    version                UInt64 ALIAS toUInt64(toUnixTimestamp64Milli(timestamp) + version_lag),
    INDEX calls_trace_key_bf if(empty(trace_id), id, trace_id) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toStartOfHour(timestamp), user_id, session_id, trace_id, id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

INSERT INTO calls
SELECT * EXCEPT (cost_input, version), toInt64(version) - toUnixTimestamp64Milli(timestamp) AS version_lag
FROM calls_0001 FINAL;

DROP TABLE calls_0001;

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
