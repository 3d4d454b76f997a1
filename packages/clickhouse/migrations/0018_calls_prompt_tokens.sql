-- Per call, the tokens and prices the what-if "cache" scenario re-prices, sorted by feature (name)
-- and time: the scenario takes the prefix as a parameter, so it needs every call of the feature, and
-- in calls those sit in every granule (sorted by hour, user, session, trace). Reading the ten columns
-- of one feature's 951k calls out of 10M took about 500 ms there; here they are contiguous.
-- Fed from calls_delta like calls_hourly (0004): +1 for each copy, -1 for a replaced copy, summed in
-- `requests` per key, so a resent or changed id counts once. The key is every column, so two calls
-- alike in all of them are one row with requests 2, and a row that sums to 0 is dropped on merge.
-- The view groups by the table's whole sorting key (the loader inserts with optimize_on_insert = 0).
-- A few bytes per call: the timestamp in order, the input tokens, runs of everything else.
CREATE TABLE IF NOT EXISTS calls_prompt_tokens
(
    project_id         LowCardinality(String),
    name               LowCardinality(String),
    timestamp          DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    model              LowCardinality(String),
    input_tokens       Int64 CODEC(T64, ZSTD(1)),
    cache_read_tokens  Int64 CODEC(T64, ZSTD(1)),
    cache_write_tokens Int64 CODEC(T64, ZSTD(1)),
    input_price        Decimal64(9) CODEC(ZSTD(1)),
    cache_read_price   Decimal64(9) CODEC(ZSTD(1)),
    cache_write_price  Decimal64(9) CODEC(ZSTD(1)),
    requests           Int64 CODEC(T64, ZSTD(1))
)
ENGINE = SummingMergeTree(requests)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, name, timestamp, model, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_prompt_tokens_mv TO calls_prompt_tokens AS
SELECT project_id, name, timestamp, model, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price,
       sum(toInt64(sign)) AS requests
FROM calls_delta
GROUP BY project_id, name, timestamp, model, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price;

-- Calls loaded before this migration, once (the guard keeps a re-run from adding them twice).
INSERT INTO calls_prompt_tokens
SELECT project_id, name, timestamp, model, toInt64(input_tokens), toInt64(cache_read_tokens), toInt64(cache_write_tokens),
       input_price, cache_read_price, cache_write_price, toInt64(count()) AS requests
FROM calls FINAL
WHERE (SELECT count() FROM calls_prompt_tokens) = 0
GROUP BY project_id, name, timestamp, model, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price
SETTINGS do_not_merge_across_partitions_select_final = 1;
