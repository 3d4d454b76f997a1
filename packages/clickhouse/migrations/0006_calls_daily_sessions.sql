-- Daily rollup of calls per project and session_id (sessions, cost_per_session), fed from
-- calls_delta with signed sums like calls_hourly. Calls without a session are the row with session_id ''; queries
-- collapse rows by key and skip those with no requests (a session whose calls all moved away).
CREATE TABLE IF NOT EXISTS calls_daily_sessions
(
    project_id        LowCardinality(String),
    day               Date,
    session_id           String,
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
ORDER BY (project_id, day, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_daily_sessions_mv TO calls_daily_sessions AS
SELECT
    project_id,
    toDate(d.timestamp) AS day,
    session_id,
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
GROUP BY project_id, day, session_id;
