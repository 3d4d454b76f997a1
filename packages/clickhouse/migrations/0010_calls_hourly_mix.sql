-- Hourly rollup for the analyses that re-price or compare models (model-mix, the route and batch
-- what-ifs) and for the cache opportunities: per project, hour, name, model and batch flag, the sums
-- calls_hourly lacks. Fed from calls_delta like calls_hourly (0004), so a resent or changed id
-- counts once in every sum: +1 rows with a copy's values, -1 rows with a replaced copy's values.
--   * listed_*: calls priced from a price book (catalog or project prices, not client costs): their
--     count and Σ of the input and output prices applied, for the mean list price of a model;
--   * uncached_input_tokens: Σ max(input − cache read − cache write, 0) per call (what a re-priced
--     call pays at the input price), which Σ of the parts cannot give when a call reports more cache
--     tokens than input tokens;
--   * cache_*: what the cache opportunities need per (name, model, hour), in USD × 10^6 where money.
-- Two measures are minima, which a -1 row cannot take back: min_input_tokens and min_prefix_tokens
-- (smallest system + tool-definition tokens over calls reporting them), taken over +1 rows only (a -1
-- row carries the largest UInt64, which never wins). A group that ever received a -1 row counts it in
-- `corrections`; for such groups the minima may be a replaced copy's, so the analyses read those
-- groups' hours from the raw calls instead (packages/analytics/src/analyses). Without a -1 row, the
-- +1 rows are exactly the newest copies, so the minima are exact.
CREATE TABLE IF NOT EXISTS calls_hourly_mix
(
    project_id              LowCardinality(String),
    hour                    DateTime('UTC'),
    name                    LowCardinality(String),
    model                   LowCardinality(String),
    batch                   Bool,
    requests                Int64,
    listed_requests         Int64,
    listed_input_price      Decimal128(9),
    listed_output_price     Decimal128(9),
    input_tokens            Int64,
    output_tokens           Int64,
    cache_read_tokens       Int64,
    cache_write_tokens      Int64,
    uncached_input_tokens   Int64,
    cost_total              Decimal128(12),
    -- Σ (input price − cache read price), Σ cache read tokens × that, Σ max(cache write − input price, 0)
    cache_price_gap         Decimal128(9),
    cache_saved_micro       Decimal128(9),
    cache_write_premium     Decimal128(9),
    prefix_requests         Int64,
    min_prefix_tokens       SimpleAggregateFunction(min, UInt64),
    min_input_tokens        SimpleAggregateFunction(min, UInt64),
    corrections             Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (project_id, hour, name, model, batch);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_hourly_mix_mv TO calls_hourly_mix AS
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
    name,
    model,
    batch,
    sum(d.sign) AS requests,
    sumIf(d.sign, d.price_source IN ('catalog', 'project')) AS listed_requests,
    sumIf(d.sign * toDecimal128(d.input_price, 9), d.price_source IN ('catalog', 'project')) AS listed_input_price,
    sumIf(d.sign * toDecimal128(d.output_price, 9), d.price_source IN ('catalog', 'project')) AS listed_output_price,
    sum(d.sign * d.input_tokens) AS input_tokens,
    sum(d.sign * d.output_tokens) AS output_tokens,
    sum(d.sign * d.cache_read_tokens) AS cache_read_tokens,
    sum(d.sign * d.cache_write_tokens) AS cache_write_tokens,
    sum(d.sign * greatest(toInt64(d.input_tokens) - d.cache_read_tokens - d.cache_write_tokens, 0)) AS uncached_input_tokens,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    sum(d.sign * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_price_gap,
    sum(d.sign * d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_saved_micro,
    sum(d.sign * toDecimal128(greatest(d.cache_write_price - d.input_price, toDecimal64(0, 9)), 9)) AS cache_write_premium,
    sumIf(d.sign, d.system_tokens + d.tool_definition_tokens > 0) AS prefix_requests,
    min(if(d.sign > 0 AND d.system_tokens + d.tool_definition_tokens > 0, toUInt64(d.system_tokens + d.tool_definition_tokens), 18446744073709551615)) AS min_prefix_tokens,
    min(if(d.sign > 0, toUInt64(d.input_tokens), 18446744073709551615)) AS min_input_tokens,
    toInt64(countIf(d.sign < 0)) AS corrections
FROM calls_delta AS d
GROUP BY project_id, hour, name, model, batch;

-- Calls loaded before this migration, once (the guard keeps a re-run from adding them twice): the
-- same SELECT over the newest copies, each a +1 row.
INSERT INTO calls_hourly_mix
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
    name,
    model,
    batch,
    sum(d.sign) AS requests,
    sumIf(d.sign, d.price_source IN ('catalog', 'project')) AS listed_requests,
    sumIf(d.sign * toDecimal128(d.input_price, 9), d.price_source IN ('catalog', 'project')) AS listed_input_price,
    sumIf(d.sign * toDecimal128(d.output_price, 9), d.price_source IN ('catalog', 'project')) AS listed_output_price,
    sum(d.sign * d.input_tokens) AS input_tokens,
    sum(d.sign * d.output_tokens) AS output_tokens,
    sum(d.sign * d.cache_read_tokens) AS cache_read_tokens,
    sum(d.sign * d.cache_write_tokens) AS cache_write_tokens,
    sum(d.sign * greatest(toInt64(d.input_tokens) - d.cache_read_tokens - d.cache_write_tokens, 0)) AS uncached_input_tokens,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    sum(d.sign * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_price_gap,
    sum(d.sign * d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_saved_micro,
    sum(d.sign * toDecimal128(greatest(d.cache_write_price - d.input_price, toDecimal64(0, 9)), 9)) AS cache_write_premium,
    sumIf(d.sign, d.system_tokens + d.tool_definition_tokens > 0) AS prefix_requests,
    min(if(d.sign > 0 AND d.system_tokens + d.tool_definition_tokens > 0, toUInt64(d.system_tokens + d.tool_definition_tokens), 18446744073709551615)) AS min_prefix_tokens,
    min(if(d.sign > 0, toUInt64(d.input_tokens), 18446744073709551615)) AS min_input_tokens,
    toInt64(countIf(d.sign < 0)) AS corrections
FROM (SELECT *, toInt8(1) AS sign FROM calls FINAL SETTINGS do_not_merge_across_partitions_select_final = 1) AS d
WHERE (SELECT count() FROM calls_hourly_mix) = 0
GROUP BY project_id, hour, name, model, batch;
