-- Two rollups for the dashboard queries that still read raw calls at 10M calls:
--   * calls_hourly_tags: calls_hourly with one row per tag of a call (a call without tags is in tag
--     ''), the rows an `arrayJoin` of tags gives raw queries, so `group_by=tag` is a sum over it. It
--     cannot answer a tag filter (a call with tags a and b is one call under `tag=a`, two rows here).
--   * calls_daily_latency: per project and day, how many calls took each duration_ms. Exact
--     percentiles are read off the counts (packages/analytics aggregates.ts, the same interpolation
--     as quantileExactInclusive); at 10M demo calls about 1.7M rows against 10M in calls.
-- Both fed from calls_delta with signed counts, like calls_hourly, so a resent or changed id counts once.
CREATE TABLE IF NOT EXISTS calls_hourly_tags
(
    project_id                LowCardinality(String),
    hour                      DateTime('UTC'),
    tag                       LowCardinality(String),
    model                     LowCardinality(String),
    provider                  LowCardinality(String),
    name                      LowCardinality(String),
    environment               LowCardinality(String),
    requests                  Int64,
    error_requests            Int64,
    retry_requests            Int64,
    batch_requests            Int64,
    unpriced_requests         Int64,
    input_tokens              Int64,
    output_tokens             Int64,
    cache_read_tokens         Int64,
    cache_write_tokens        Int64,
    reasoning_tokens          Int64,
    system_tokens             Int64,
    tool_definition_tokens    Int64,
    retrieval_tokens          Int64,
    history_tokens            Int64,
    tool_result_tokens        Int64,
    -- the same sums over calls that report user_input_tokens (context_overhead)
    anatomy_requests          Int64,
    anatomy_input_tokens      Int64,
    anatomy_output_tokens     Int64,
    anatomy_user_input_tokens Int64,
    duration_ms               Int64,
    cost_input                Decimal128(12),
    cost_output               Decimal128(12),
    cost_cache_read           Decimal128(12),
    cost_cache_write          Decimal128(12),
    cost_total                Decimal128(12),
    error_cost                Decimal128(12),
    retry_cost                Decimal128(12),
    batch_cost                Decimal128(12),
    -- Σ cache_read_tokens × (input_price − cache_read_price): USD × 10^6 (prices are per 1M tokens)
    cache_savings_micro       Decimal128(9)
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (project_id, hour, tag, model, provider, name, environment);

-- Columns are read as d.<name>: an output alias of the same name would otherwise shadow them.
CREATE MATERIALIZED VIEW IF NOT EXISTS calls_hourly_tags_mv TO calls_hourly_tags AS
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
    tag,
    model,
    provider,
    name,
    environment,
    sum(d.sign) AS requests,
    sumIf(d.sign, d.status = 'error') AS error_requests,
    sumIf(d.sign, d.attempt > 1) AS retry_requests,
    sumIf(d.sign, d.batch) AS batch_requests,
    sumIf(d.sign, d.price_source = 'unknown') AS unpriced_requests,
    sum(d.sign * d.input_tokens) AS input_tokens,
    sum(d.sign * d.output_tokens) AS output_tokens,
    sum(d.sign * d.cache_read_tokens) AS cache_read_tokens,
    sum(d.sign * d.cache_write_tokens) AS cache_write_tokens,
    sum(d.sign * d.reasoning_tokens) AS reasoning_tokens,
    sum(d.sign * d.system_tokens) AS system_tokens,
    sum(d.sign * d.tool_definition_tokens) AS tool_definition_tokens,
    sum(d.sign * d.retrieval_tokens) AS retrieval_tokens,
    sum(d.sign * d.history_tokens) AS history_tokens,
    sum(d.sign * d.tool_result_tokens) AS tool_result_tokens,
    sumIf(d.sign, d.user_input_tokens IS NOT NULL) AS anatomy_requests,
    sumIf(d.sign * d.input_tokens, d.user_input_tokens IS NOT NULL) AS anatomy_input_tokens,
    sumIf(d.sign * d.output_tokens, d.user_input_tokens IS NOT NULL) AS anatomy_output_tokens,
    sum(d.sign * ifNull(d.user_input_tokens, 0)) AS anatomy_user_input_tokens,
    sum(d.sign * d.duration_ms) AS duration_ms,
    sum(d.sign * toDecimal128(d.cost_input, 12)) AS cost_input,
    sum(d.sign * toDecimal128(d.cost_output, 12)) AS cost_output,
    sum(d.sign * toDecimal128(d.cost_cache_read, 12)) AS cost_cache_read,
    sum(d.sign * toDecimal128(d.cost_cache_write, 12)) AS cost_cache_write,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.status = 'error') AS error_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.attempt > 1) AS retry_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.batch) AS batch_cost,
    sum(d.sign * d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_savings_micro
FROM calls_delta AS d
ARRAY JOIN if(empty(d.tags), [''], d.tags) AS tag
GROUP BY project_id, hour, tag, model, provider, name, environment;

-- Calls loaded before this migration: their newest copies (each counts +1), as raw queries read them.
-- The columns are named, not `*`: a later layout of calls may keep some as ALIAS (0012: cost_input),
-- and `*` leaves those out when this runs after it on a store that had no 0009 yet.
INSERT INTO calls_hourly_tags
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
    tag,
    model,
    provider,
    name,
    environment,
    sum(d.sign) AS requests,
    sumIf(d.sign, d.status = 'error') AS error_requests,
    sumIf(d.sign, d.attempt > 1) AS retry_requests,
    sumIf(d.sign, d.batch) AS batch_requests,
    sumIf(d.sign, d.price_source = 'unknown') AS unpriced_requests,
    sum(d.sign * d.input_tokens) AS input_tokens,
    sum(d.sign * d.output_tokens) AS output_tokens,
    sum(d.sign * d.cache_read_tokens) AS cache_read_tokens,
    sum(d.sign * d.cache_write_tokens) AS cache_write_tokens,
    sum(d.sign * d.reasoning_tokens) AS reasoning_tokens,
    sum(d.sign * d.system_tokens) AS system_tokens,
    sum(d.sign * d.tool_definition_tokens) AS tool_definition_tokens,
    sum(d.sign * d.retrieval_tokens) AS retrieval_tokens,
    sum(d.sign * d.history_tokens) AS history_tokens,
    sum(d.sign * d.tool_result_tokens) AS tool_result_tokens,
    sumIf(d.sign, d.user_input_tokens IS NOT NULL) AS anatomy_requests,
    sumIf(d.sign * d.input_tokens, d.user_input_tokens IS NOT NULL) AS anatomy_input_tokens,
    sumIf(d.sign * d.output_tokens, d.user_input_tokens IS NOT NULL) AS anatomy_output_tokens,
    sum(d.sign * ifNull(d.user_input_tokens, 0)) AS anatomy_user_input_tokens,
    sum(d.sign * d.duration_ms) AS duration_ms,
    sum(d.sign * toDecimal128(d.cost_input, 12)) AS cost_input,
    sum(d.sign * toDecimal128(d.cost_output, 12)) AS cost_output,
    sum(d.sign * toDecimal128(d.cost_cache_read, 12)) AS cost_cache_read,
    sum(d.sign * toDecimal128(d.cost_cache_write, 12)) AS cost_cache_write,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.status = 'error') AS error_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.attempt > 1) AS retry_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.batch) AS batch_cost,
    sum(d.sign * d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_savings_micro
FROM
(
    SELECT project_id, timestamp, tags, model, provider, name, environment, status, attempt, batch, price_source,
           input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, system_tokens,
           tool_definition_tokens, retrieval_tokens, history_tokens, tool_result_tokens, user_input_tokens, duration_ms,
           cost_input, cost_output, cost_cache_read, cost_cache_write, cost_total, input_price, cache_read_price,
           toInt8(1) AS sign
    FROM calls FINAL
) AS d
ARRAY JOIN if(empty(d.tags), [''], d.tags) AS tag
GROUP BY project_id, hour, tag, model, provider, name, environment
SETTINGS do_not_merge_across_partitions_select_final = 1;

CREATE TABLE IF NOT EXISTS calls_daily_latency
(
    project_id  LowCardinality(String),
    day         Date,
    duration_ms UInt32,
    requests    Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (project_id, day, duration_ms);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_daily_latency_mv TO calls_daily_latency AS
SELECT project_id, toDate(d.timestamp) AS day, toUInt32(d.duration_ms) AS duration_ms, sum(d.sign) AS requests
FROM calls_delta AS d
GROUP BY project_id, day, duration_ms;

INSERT INTO calls_daily_latency
SELECT project_id, toDate(timestamp) AS day, duration_ms, toInt64(count()) AS requests
FROM calls FINAL
GROUP BY project_id, day, duration_ms
SETTINGS do_not_merge_across_partitions_select_final = 1;
