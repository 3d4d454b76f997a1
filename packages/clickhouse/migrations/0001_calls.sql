-- One row per LLM call (generation). A resent id is the same call: the newest `version` wins.
-- ReplacingMergeTree only merges copies with the same sorting key inside one partition, so every
-- query deduplicates on its own (see packages/analytics) and the loader removes an older copy whose
-- hour changed. Tokens are integers, money is Decimal; codecs chosen per column for bytes on disk,
-- measured on demo traffic (bench/README.md): rows sit in random id order within an hour, so Delta
-- codecs gain nothing; GCD strips the common factor of costs (tokens x price) and prices, T64 the
-- unused high bits; LowCardinality indexes compress better with ZSTD than with the default LZ4.
-- No lightweight-UPDATE block columns (enable_block_number_column): they cost 4.7 bytes per call
-- and nothing updates calls in place (a changed copy is a new row; stale copies are DELETEd).
CREATE TABLE IF NOT EXISTS calls
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
    cost_input             Decimal64(12) CODEC(GCD, T64, ZSTD(1)),
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
    -- ingestion time in ms: the later copy of an id wins
    version                UInt64 CODEC(T64, ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toStartOfHour(timestamp), id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;
