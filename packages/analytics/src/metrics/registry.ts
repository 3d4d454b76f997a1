// Every metric of CONTRACT.md "Metrics", defined once: the base aggregates it needs and the SQL
// that turns them into the answer. `a_<aggregate>` is the group's value, `t_<aggregate>` the whole
// range's (same filters). A zero denominator gives NULL; money is Decimal, rounded to 1e-9 USD.
import type { AggregateName } from './aggregates.ts';

/** How a value comes back: counts and tokens as numbers, money as a decimal string, ratios as numbers. */
export type MetricKind = 'count' | 'money' | 'ratio';

export interface MetricDefinition {
  needs: AggregateName[];
  /** Aggregates needed over the whole range (shares). */
  totals?: AggregateName[];
  sql: string;
  kind: MetricKind;
}

/** num / den as Float64, NULL when den is 0. */
const ratio = (num: string, den: string): string => `if((${den}) = 0, NULL, toFloat64(${num}) / toFloat64(${den}))`;
/** USD amount / count, at 18 decimals before rounding to 9, NULL when the count is 0. */
const moneyPer = (money: string, den: string): string => `if((${den}) = 0, NULL, round(toDecimal128(${money}, 18) / (${den}), 9))`;
const money = (sum: string): string => `round(${sum}, 9)`;

const TOTAL = '(a_input_tokens + a_output_tokens)';

export const METRICS = {
  requests: { needs: ['requests'], sql: 'a_requests', kind: 'count' },
  spend: { needs: ['spend'], sql: money('a_spend'), kind: 'money' },
  input_tokens: { needs: ['input_tokens'], sql: 'a_input_tokens', kind: 'count' },
  output_tokens: { needs: ['output_tokens'], sql: 'a_output_tokens', kind: 'count' },
  total_tokens: { needs: ['input_tokens', 'output_tokens'], sql: TOTAL, kind: 'count' },
  cost_per_request: { needs: ['spend', 'requests'], sql: moneyPer('a_spend', 'a_requests'), kind: 'money' },
  users: { needs: ['users'], sql: 'a_users', kind: 'count' },
  cost_per_user: { needs: ['user_spend', 'users'], sql: moneyPer('a_user_spend', 'a_users'), kind: 'money' },
  sessions: { needs: ['sessions'], sql: 'a_sessions', kind: 'count' },
  cost_per_session: { needs: ['session_spend', 'sessions'], sql: moneyPer('a_session_spend', 'a_sessions'), kind: 'money' },
  tokens_per_request: { needs: ['input_tokens', 'output_tokens', 'requests'], sql: ratio(TOTAL, 'a_requests'), kind: 'ratio' },
  output_share: { needs: ['input_tokens', 'output_tokens'], sql: ratio('a_output_tokens', TOTAL), kind: 'ratio' },
  context_overhead: {
    needs: ['anatomy_input_tokens', 'anatomy_output_tokens', 'anatomy_user_input_tokens'],
    sql: ratio(
      'toInt64(a_anatomy_input_tokens) - toInt64(a_anatomy_user_input_tokens)',
      'a_anatomy_input_tokens + a_anatomy_output_tokens',
    ),
    kind: 'ratio',
  },
  cache_hit_rate: { needs: ['cache_read_tokens', 'input_tokens'], sql: ratio('a_cache_read_tokens', 'a_input_tokens'), kind: 'ratio' },
  cache_savings: {
    needs: ['cache_savings_micro'],
    sql: 'round(toDecimal128(a_cache_savings_micro, 18) / 1000000, 9)',
    kind: 'money',
  },
  spend_share: { needs: ['spend'], totals: ['spend'], sql: ratio('a_spend', 't_spend'), kind: 'ratio' },
  request_share: { needs: ['requests'], totals: ['requests'], sql: ratio('a_requests', 't_requests'), kind: 'ratio' },
  error_rate: { needs: ['error_requests', 'requests'], sql: ratio('a_error_requests', 'a_requests'), kind: 'ratio' },
  wasted_spend: { needs: ['error_spend'], sql: money('a_error_spend'), kind: 'money' },
  latency_p50: { needs: ['latency_p50', 'requests'], sql: 'if(a_requests = 0, NULL, a_latency_p50)', kind: 'ratio' },
  latency_p95: { needs: ['latency_p95', 'requests'], sql: 'if(a_requests = 0, NULL, a_latency_p95)', kind: 'ratio' },
  latency_p99: { needs: ['latency_p99', 'requests'], sql: 'if(a_requests = 0, NULL, a_latency_p99)', kind: 'ratio' },
  traces: { needs: ['traces'], sql: 'a_traces', kind: 'count' },
  cost_per_trace: { needs: ['spend', 'traces'], sql: moneyPer('a_spend', 'a_traces'), kind: 'money' },
  tokens_per_trace: { needs: ['input_tokens', 'output_tokens', 'traces'], sql: ratio(TOTAL, 'a_traces'), kind: 'ratio' },
  requests_per_trace: { needs: ['requests', 'traces'], sql: ratio('a_requests', 'a_traces'), kind: 'ratio' },
  reasoning_share: { needs: ['reasoning_tokens', 'output_tokens'], sql: ratio('a_reasoning_tokens', 'a_output_tokens'), kind: 'ratio' },
  batch_share: { needs: ['batch_spend', 'spend'], sql: ratio('a_batch_spend', 'a_spend'), kind: 'ratio' },
} satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

export function metricDefinition(name: MetricName): MetricDefinition {
  return METRICS[name];
}
