-- The spend of the calls with a user and of those with a session, per hour and group in calls_hourly
-- (0004), so that cost_per_user and cost_per_session take their spend with the other sums: before,
-- each read calls_daily_users or calls_daily_sessions (a row per user or session and day) plus a day
-- of raw calls at each ragged edge, 25-31 ms each of all_metrics' main statement at 10M calls.
-- Signed sums fed from calls_delta like every measure of the table, so a resent or changed id counts
-- once (its old copy's user or session leaves with its -1 row).
ALTER TABLE calls_hourly ADD COLUMN IF NOT EXISTS user_cost Decimal128(12) AFTER cache_savings_micro;
ALTER TABLE calls_hourly ADD COLUMN IF NOT EXISTS session_cost Decimal128(12) AFTER user_cost;
DROP VIEW IF EXISTS calls_hourly_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS calls_hourly_mv TO calls_hourly AS
SELECT
    project_id,
    toStartOfHour(d.timestamp) AS hour,
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
    sum(d.sign * d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9)) AS cache_savings_micro,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.user_id != '') AS user_cost,
    sumIf(d.sign * toDecimal128(d.cost_total, 12), d.session_id != '') AS session_cost
FROM calls_delta AS d
GROUP BY project_id, hour, model, provider, name, environment;
-- The calls loaded before: their user and session spend added as rows of no requests (the table sums
-- them into each group's row); then merged, so that readers find one part. Ingestion must be stopped
-- while this runs on a ClickHouse server (the embedded store migrates before its port opens).
INSERT INTO calls_hourly (project_id, hour, model, provider, name, environment, user_cost, session_cost)
SELECT project_id, toStartOfHour(timestamp) AS hour, model, provider, name, environment,
       sumIf(toDecimal128(cost_total, 12), user_id != ''), sumIf(toDecimal128(cost_total, 12), session_id != '')
FROM calls FINAL
GROUP BY project_id, hour, model, provider, name, environment
SETTINGS do_not_merge_across_partitions_select_final = 1;
OPTIMIZE TABLE calls_hourly FINAL;
