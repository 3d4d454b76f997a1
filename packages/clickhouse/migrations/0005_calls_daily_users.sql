-- Daily rollup of calls per project and user_id (users, cost_per_user, top users), fed from
-- calls_delta like calls_hourly: signed sums, so a resent or changed id counts once. Calls without a
-- user are the row with user_id ''. A user whose every call moved away keeps a row of zeros until a
-- merge drops it: queries collapse rows by key and skip those with no requests.
CREATE TABLE IF NOT EXISTS calls_daily_users
(
    project_id        LowCardinality(String),
    day               Date,
    user_id           String,
    requests          Int64,
    error_requests    Int64,
    input_tokens      Int64,
    output_tokens     Int64,
    cache_read_tokens Int64,
    reasoning_tokens  Int64,
    cost_total        Decimal128(12),
    error_cost        Decimal128(12),
    batch_cost        Decimal128(12)
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (project_id, day, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_daily_users_mv TO calls_daily_users AS
SELECT
    project_id,
    toDate(d.timestamp) AS day,
    user_id,
    sum(d.sign) AS requests,
    sumIf(d.sign, d.status = 'error') AS error_requests,
    sum(d.sign * d.input_tokens) AS input_tokens,
    sum(d.sign * d.output_tokens) AS output_tokens,
    sum(d.sign * d.cache_read_tokens) AS cache_read_tokens,
    sum(d.sign * d.reasoning_tokens) AS reasoning_tokens,
    sum(d.sign * toDecimal128(d.cost_total, 12)) AS cost_total,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.status = 'error') AS error_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.batch) AS batch_cost
FROM calls_delta AS d
GROUP BY project_id, day, user_id;
