// The base aggregates every metric is computed from, each written once per source that can answer
// it: over the deduplicated raw calls, and over the rollups (migrations 0004-0006, 0008-0009), whose
// measures are signed sums. A source missing an aggregate cannot serve a metric that needs it.

export type SourceId = 'raw' | 'hourly' | 'hourly_tags' | 'daily_users' | 'daily_sessions' | 'hourly_traces' | 'daily_latency' | 'trace_count' | 'session_count';

export interface Aggregate {
  raw: string;
  hourly?: string;
  hourly_tags?: string;
  daily_users?: string;
  daily_sessions?: string;
  hourly_traces?: string;
  daily_latency?: string;
  trace_count?: string;
  session_count?: string;
}

const everywhere = (raw: string, rollup: string): Aggregate => ({ raw, hourly: rollup, hourly_tags: rollup, daily_users: rollup, daily_sessions: rollup });
/** calls_hourly_tags has calls_hourly's measures: an aggregate of one is an aggregate of the other. */
const hourly = (raw: string, rollup: string, more: Partial<Aggregate> = {}): Aggregate => ({ raw, hourly: rollup, hourly_tags: rollup, ...more });

/**
 * quantileExactInclusive(level) of duration_ms read off calls_daily_latency's counts, with
 * ClickHouse's own arithmetic (h = level × (n − 1) + 1, k = ⌊h⌋, x[k−1] + (h − k) × (x[k] − x[k−1]),
 * 1-based ranks; the ends clamp), so the value is the same Float64 as over the raw durations.
 * The histogram is the group's rows sorted by duration: DAILY_LATENCY_SOURCE has already added them
 * up, one row per duration in each group (a duration whose calls were all replaced has count 0 and
 * never holds a rank). x[r] is the first duration whose running count passes r − 1. (sumMap built
 * the same histogram in 180 ms for the 50k durations at 10M calls; sorting takes a fraction.)
 */
function histogramQuantile(level: number): string {
  const at = (rank: string) => `toFloat64(hist.1[arrayFirstIndex(c -> c >= ${rank}, cum)])`;
  const value = `if(k >= n, ${at('n')}, if(k < 1, ${at('1')}, ${at('k')} + (h - toFloat64(k)) * (${at('k + 1')} - ${at('k')})))`;
  // arrayMap over one-element arrays binds names, as a WITH cannot inside one aggregate expression
  return `arrayMap(hist -> arrayMap(cum -> arrayMap(n -> arrayMap(h -> arrayMap(k -> ${value}, [toUInt64(h)])[1], [${level} * toFloat64(n - 1) + 1])[1], [cum[-1]])[1], [arrayCumSum(hist.2)])[1], [(arraySort(groupArray(duration_ms)), arraySort((r, d) -> d, groupArray(requests), groupArray(duration_ms)))])[1]`;
}

const LATENCY_LEVELS = [0.5, 0.95, 0.99] as const;

/**
 * quantileExactInclusive(level)(duration_ms) as an element of one quantilesExactInclusive over all
 * three levels: ClickHouse computes an aggregate written identically once per query, so p50, p95 and
 * p99 share one copy of the group's durations instead of keeping three (latency_by_model at 10M
 * calls: 145 against 191 ms). Same values: each level is the same arithmetic on the same sorted array.
 */
function rawQuantile(level: (typeof LATENCY_LEVELS)[number]): string {
  return `quantilesExactInclusive(${LATENCY_LEVELS.join(', ')})(duration_ms)[${LATENCY_LEVELS.indexOf(level) + 1}]`;
}

/** A key row that counts: not the empty key, and calls left in it. */
const distinctKey = (hash: string): string => `${hash} != sipHash128('') AND requests > 0`;

/** A call's trace: its trace_id, or its own id when it has none. */
export const TRACE_KEY = "if(trace_id = '', id, trace_id)";

export const AGGREGATES = {
  requests: { ...everywhere('count()', 'sum(requests)'), hourly_traces: 'sum(requests)', daily_latency: 'sum(requests)' },
  spend: everywhere('sum(cost_total)', 'sum(cost_total)'),
  input_tokens: everywhere('sum(input_tokens)', 'sum(input_tokens)'),
  output_tokens: everywhere('sum(output_tokens)', 'sum(output_tokens)'),
  reasoning_tokens: hourly('sum(reasoning_tokens)', 'sum(reasoning_tokens)', { daily_users: 'sum(reasoning_tokens)' }),
  cache_read_tokens: hourly('sum(cache_read_tokens)', 'sum(cache_read_tokens)', { daily_users: 'sum(cache_read_tokens)' }),
  // USD × 10^6: prices are per 1M tokens; divided once, at the end, so the sum stays exact
  cache_savings_micro: hourly('sum(cache_read_tokens * toDecimal128(input_price - cache_read_price, 9))', 'sum(cache_savings_micro)'),
  error_requests: hourly("countIf(status = 'error')", 'sum(error_requests)', { daily_users: 'sum(error_requests)' }),
  error_spend: hourly("sumIf(cost_total, status = 'error')", 'sum(error_cost)', { daily_users: 'sum(error_cost)' }),
  batch_spend: hourly('sumIf(cost_total, batch)', 'sum(batch_cost)', { daily_users: 'sum(batch_cost)' }),
  anatomy_input_tokens: hourly('sumIf(input_tokens, user_input_tokens IS NOT NULL)', 'sum(anatomy_input_tokens)'),
  anatomy_output_tokens: hourly('sumIf(output_tokens, user_input_tokens IS NOT NULL)', 'sum(anatomy_output_tokens)'),
  anatomy_user_input_tokens: hourly('sum(ifNull(user_input_tokens, 0))', 'sum(anatomy_user_input_tokens)'),
  // Distinct counts over rollup rows read with FINAL (one row per key and day or hour, sources.ts):
  // the distinct 128-bit SipHashes of keys whose calls still count, the value uniqExact of the
  // string counts by. A non-empty key never hashes to the empty string's hash.
  users: { raw: "uniqExactIf(user_id, user_id != '')", daily_users: `uniqExactIf(reinterpretAsUInt128(user_hash), ${distinctKey('user_hash')})` },
  // calls_hourly's user_cost and session_cost (0028): with the other sums, not a read of the daily rollup
  user_spend: { raw: "sumIf(cost_total, user_id != '')", hourly: 'sum(user_cost)', daily_users: "sumIf(cost_total, user_hash != sipHash128(''))" },
  sessions: {
    raw: "uniqExactIf(session_id, session_id != '')",
    daily_sessions: `uniqExactIf(reinterpretAsUInt128(session_hash), ${distinctKey('session_hash')})`,
    // counted beforehand (key-count.ts) and passed in as a parameter
    session_count: 'any(session_count)',
  },
  session_spend: { raw: "sumIf(cost_total, session_id != '')", hourly: 'sum(session_cost)', daily_sessions: "sumIf(cost_total, session_hash != sipHash128(''))" },
  // a call sent without a trace is a trace of its own (ingestion already defaults trace_id to the id)
  traces: {
    raw: `uniqExact(${TRACE_KEY})`,
    hourly_traces: 'uniqExactIf(reinterpretAsUInt128(trace_hash), requests > 0)',
    // counted beforehand (key-count.ts) and passed in as a parameter
    trace_count: 'any(trace_count)',
  },
  // linear interpolation between closest ranks (numpy's default), over the exact values
  latency_p50: { raw: rawQuantile(0.5), daily_latency: histogramQuantile(0.5) },
  latency_p95: { raw: rawQuantile(0.95), daily_latency: histogramQuantile(0.95) },
  latency_p99: { raw: rawQuantile(0.99), daily_latency: histogramQuantile(0.99) },
} satisfies Record<string, Aggregate>;

export type AggregateName = keyof typeof AGGREGATES;

/**
 * The aggregates that are plain sums, with the type every source agrees on: a rollup's whole hours
 * (days) and raw ragged edges add up (plan.ts).
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
  // served by the daily rollups only: their whole days and raw edges add up as well
  user_spend: 'Decimal128(12)',
  session_spend: 'Decimal128(12)',
};

/**
 * The distinct counts a plan over several ranges can take (plan.ts, unionKind): per source, the
 * 128-bit SipHash of a row's key and when the row counts. The count is of the distinct hashes over
 * every part's rows: a key with a live call in any part counts once (a key with a live call in a
 * range has a live row in the part that holds that call).
 */
export const KEY_ROWS: Partial<Record<AggregateName, Partial<Record<SourceId, { hash: string; live: string }>>>> = {
  traces: { raw: { hash: `sipHash128(${TRACE_KEY})`, live: '1' }, hourly_traces: { hash: 'trace_hash', live: 'requests > 0' } },
  users: { raw: { hash: 'sipHash128(user_id)', live: "user_id != ''" }, daily_users: { hash: 'user_hash', live: distinctKey('user_hash') } },
  sessions: { raw: { hash: 'sipHash128(session_id)', live: "session_id != ''" }, daily_sessions: { hash: 'session_hash', live: distinctKey('session_hash') } },
};

/** The calls one row stands for: a raw row is a call, a rollup row (read with FINAL where it counts keys) its `requests`. */
export const rowRequests = (source: SourceId): string => (source === 'raw' ? '1' : 'requests');

/** Percentiles: a plan over several ranges reads every part's (duration_ms, requests) rows. */
export const LATENCY_AGGREGATES: AggregateName[] = ['latency_p50', 'latency_p95', 'latency_p99'];

export function aggregateSql(name: AggregateName, source: SourceId): string | undefined {
  return (AGGREGATES[name] as Aggregate)[source];
}
