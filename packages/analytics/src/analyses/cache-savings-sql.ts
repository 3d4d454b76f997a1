// What reading a prompt prefix from the provider's cache would save, per (name, model), at each call's
// own prices: the what-if "cache" scenario's model (cache.ts estimates its opportunities by the same
// model from sums, in one pass over every feature).
//
// Model: within each (name, model, UTC hour) the first call writes the prefix and every later call
// reads it. A later call saves (p − tokens it already read from cache) × (input price − cache read
// price), with p = min(prefix, its input tokens); the first call of the hour saves nothing and, when it
// had no cache activity of its own, pays the write surcharge p × max(0, cache write − input price)
// (Anthropic's 1.25×; OpenAI writes at the input price). The first call is the earliest; among calls
// in the same millisecond, the one that saves least (then pays the least surcharge), so the answer
// depends on the calls' values only. Amounts are integers, USD × 10^15 (tokens × price per 1M tokens
// in 10^-9 USD, the Decimal64(9) price's own integer): exact, and several times faster than Decimal128
// products per call. The caller divides by 10^15 in decimal.js.

/** The unit of `saving`: USD × 10^15. */
export const SAVING_UNIT = 1e15;

/**
 * SQL of a query `name, model, requests, saving` over `source`, a subquery or table expression with
 * the columns name, model, timestamp, n (how many calls the row stands for), input_tokens,
 * cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price, and
 * `prefixExpr` (an expression giving the prefix tokens of a call).
 */
export function cachingSavingsSql(source: string, prefixExpr: string): string {
  return `SELECT name, model, sum(hour_requests) AS requests, toString(sum(hour_saving)) AS saving
FROM (
  SELECT name, model, toStartOfHour(timestamp) AS hour, sum(n) AS hour_requests,
         sum(saved * n) AS hour_total, argMin((saved, write_extra), (timestamp, saved, write_extra)) AS first_call,
         hour_total - first_call.1 - first_call.2 AS hour_saving
  FROM (
    SELECT name, model, timestamp, toInt128(n) AS n,
           least(toUInt64(${prefixExpr}), toUInt64(input_tokens)) AS p,
           toInt128(greatest(toInt64(p) - toInt64(cache_read_tokens), 0)) * reinterpretAsInt64(input_price - cache_read_price) AS saved,
           if(cache_read_tokens = 0 AND cache_write_tokens = 0,
              toInt128(p) * reinterpretAsInt64(greatest(cache_write_price - input_price, toDecimal64(0, 9))),
              toInt128(0)) AS write_extra
    FROM ${source}
  )
  GROUP BY name, model, hour
)
GROUP BY name, model`;
}
