// The metric definitions the analyses share with CONTRACT.md "Metrics", as SQL aggregate expressions
// over `calls FINAL`. One place for each, so an analysis cannot drift from its metric.
// TODO(metrics): point these at packages/analytics/src/metrics once it exports its expressions.

/** context_overhead = Σ(input − user_input) / Σ(input + output), over calls that report user_input_tokens. */
export const CONTEXT_OVERHEAD_SQL = {
  numerator: `sumIf(toInt64(input_tokens) - toInt64(assumeNotNull(user_input_tokens)), user_input_tokens IS NOT NULL)`,
  denominator: `sumIf(toInt64(input_tokens) + toInt64(output_tokens), user_input_tokens IS NOT NULL)`,
};

/**
 * cache_savings × 10^6 = Σ cache_read_tokens × (input price − cache read price), prices per 1M at
 * each call's own price; the caller divides by 10^6 in decimal.js (a Decimal128(9) cannot hold the
 * quotient exactly).
 */
export const CACHE_SAVINGS_MICRO_SQL = `sum(toDecimal128(cache_read_tokens, 0) * toDecimal128(input_price - cache_read_price, 9))`;

/** cost_per_user = Σ cost of calls with a user / distinct non-empty user_id. */
export const COST_PER_USER_SQL = {
  userSpend: `sumIf(cost_total, user_id != '')`,
  users: `uniqExactIf(user_id, user_id != '')`,
};
