// The base aggregates every metric is computed from, each written once per source that can answer
// it: over the deduplicated raw calls, and over the rollups (migrations 0004-0006), whose measures
// are signed sums. A source missing an aggregate cannot serve a metric that needs it.

export type SourceId = 'raw' | 'hourly' | 'daily_users' | 'daily_sessions';

export interface Aggregate {
  raw: string;
  hourly?: string;
  daily_users?: string;
  daily_sessions?: string;
}

const everywhere = (raw: string, rollup: string): Aggregate => ({ raw, hourly: rollup, daily_users: rollup, daily_sessions: rollup });

/** A call's trace: its trace_id, or its own id when it has none. */
export const TRACE_KEY = "if(trace_id = '', id, trace_id)";

export const AGGREGATES = {
  requests: everywhere('count()', 'sum(requests)'),
  spend: everywhere('sum(cost_total)', 'sum(cost_total)'),
  input_tokens: everywhere('sum(input_tokens)', 'sum(input_tokens)'),
  output_tokens: everywhere('sum(output_tokens)', 'sum(output_tokens)'),
  reasoning_tokens: { raw: 'sum(reasoning_tokens)', hourly: 'sum(reasoning_tokens)', daily_users: 'sum(reasoning_tokens)' },
  cache_read_tokens: { raw: 'sum(cache_read_tokens)', hourly: 'sum(cache_read_tokens)', daily_users: 'sum(cache_read_tokens)' },
  // USD × 10^6: prices are per 1M tokens; divided once, at the end, so the sum stays exact
  cache_savings_micro: {
    raw: 'sum(cache_read_tokens * toDecimal128(input_price - cache_read_price, 9))',
    hourly: 'sum(cache_savings_micro)',
  },
  error_requests: { raw: "countIf(status = 'error')", hourly: 'sum(error_requests)', daily_users: 'sum(error_requests)' },
  error_spend: { raw: "sumIf(cost_total, status = 'error')", hourly: 'sum(error_cost)', daily_users: 'sum(error_cost)' },
  batch_spend: { raw: 'sumIf(cost_total, batch)', hourly: 'sum(batch_cost)', daily_users: 'sum(batch_cost)' },
  anatomy_input_tokens: { raw: 'sumIf(input_tokens, user_input_tokens IS NOT NULL)', hourly: 'sum(anatomy_input_tokens)' },
  anatomy_output_tokens: { raw: 'sumIf(output_tokens, user_input_tokens IS NOT NULL)', hourly: 'sum(anatomy_output_tokens)' },
  anatomy_user_input_tokens: { raw: 'sum(ifNull(user_input_tokens, 0))', hourly: 'sum(anatomy_user_input_tokens)' },
  // the daily rollups answer distinct counts over rows collapsed to one per key (sources.ts): a count
  users: { raw: "uniqExactIf(user_id, user_id != '')", daily_users: "countIf(user_id != '')" },
  user_spend: { raw: "sumIf(cost_total, user_id != '')", daily_users: "sumIf(cost_total, user_id != '')" },
  sessions: { raw: "uniqExactIf(session_id, session_id != '')", daily_sessions: "countIf(session_id != '')" },
  session_spend: { raw: "sumIf(cost_total, session_id != '')", daily_sessions: "sumIf(cost_total, session_id != '')" },
  // a call sent without a trace is a trace of its own (ingestion already defaults trace_id to the id)
  traces: { raw: `uniqExact(${TRACE_KEY})` },
  // linear interpolation between closest ranks (numpy's default), over the exact values
  latency_p50: { raw: 'quantileExactInclusive(0.5)(duration_ms)' },
  latency_p95: { raw: 'quantileExactInclusive(0.95)(duration_ms)' },
  latency_p99: { raw: 'quantileExactInclusive(0.99)(duration_ms)' },
} satisfies Record<string, Aggregate>;

export type AggregateName = keyof typeof AGGREGATES;

/**
 * The aggregates that are plain sums, with the type both sources agree on: a query may add a
 * rollup's whole hours to raw ragged edges only when every aggregate it needs is one of these.
 */
export const SUM_TYPES: Partial<Record<AggregateName, string>> = {
  requests: 'Int64',
  spend: 'Decimal128(12)',
  input_tokens: 'Int64',
  output_tokens: 'Int64',
  reasoning_tokens: 'Int64',
  cache_read_tokens: 'Int64',
  cache_savings_micro: 'Decimal128(9)',
  error_requests: 'Int64',
  error_spend: 'Decimal128(12)',
  batch_spend: 'Decimal128(12)',
  anatomy_input_tokens: 'Int64',
  anatomy_output_tokens: 'Int64',
  anatomy_user_input_tokens: 'Int64',
};

export function aggregateSql(name: AggregateName, source: SourceId): string | undefined {
  return (AGGREGATES[name] as Aggregate)[source];
}
