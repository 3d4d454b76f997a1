// What reading a prompt prefix from the provider's cache would save, per (name, model), at each call's
// own prices: the what-if "cache" scenario's model (cache.ts estimates its opportunities by the same
// model from sums, in one pass over every feature).
//
// Model: within each (name, model, UTC hour) the first call writes the prefix and every later call
// reads it. A later call saves (p − tokens it already read from cache) × (input price − cache read
// price), with p = min(prefix, its input tokens); the first call of the hour saves nothing and, when it
// had no cache activity of its own, pays the write surcharge p × max(0, cache write − input price)
// (Anthropic's 1.25×; OpenAI writes at the input price). Amounts are USD × 10^6 (Decimal128(9)); the
// caller divides by 10^6 in decimal.js.

/**
 * SQL of a query `name, model, requests, saving_micro` over `source`, a subquery or table expression
 * with the columns name, model, timestamp, id, input_tokens, cache_read_tokens, cache_write_tokens,
 * input_price, cache_read_price, cache_write_price and `prefixExpr` (an expression giving the prefix
 * tokens of a call).
 */
export function cachingSavingsSql(source: string, prefixExpr: string): string {
  return `SELECT name, model, sum(hour_requests) AS requests, sum(hour_saving) AS saving_micro
FROM (
  SELECT name, model, toStartOfHour(timestamp) AS hour, count() AS hour_requests,
         sum(saved) - argMin(saved, (timestamp, id)) - argMin(write_extra, (timestamp, id)) AS hour_saving
  FROM (
    SELECT name, model, timestamp, id,
           least(toUInt64(${prefixExpr}), toUInt64(input_tokens)) AS p,
           toDecimal128(greatest(toInt64(p) - toInt64(cache_read_tokens), 0), 0) * toDecimal128(input_price - cache_read_price, 9) AS saved,
           if(cache_read_tokens = 0 AND cache_write_tokens = 0,
              toDecimal128(p, 0) * toDecimal128(greatest(cache_write_price - input_price, toDecimal64(0, 9)), 9),
              toDecimal128(0, 9)) AS write_extra
    FROM ${source}
  )
  GROUP BY name, model, hour
)
GROUP BY name, model`;
}
