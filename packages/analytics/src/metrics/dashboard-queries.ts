// The named queries the dashboard and the public API run, as functions of (ctx, range), so that
// bench/queries can time each one and the dashboard cannot drift onto other versions of them.
import { getMetrics, type MetricsContext } from './get-metrics.ts';
import { listGenerations } from './list-generations.ts';
import { METRIC_NAMES, type MetricName } from './registry.ts';

export interface DashboardRange {
  from: Date | number;
  to: Date | number;
}

export interface DashboardQuery {
  name: string;
  /** What the dashboard shows with it. */
  description: string;
  run(ctx: MetricsContext, range: DashboardRange): Promise<unknown>;
}

const OVERVIEW: MetricName[] = [
  'requests', 'spend', 'total_tokens', 'cost_per_request', 'tokens_per_request', 'output_share', 'context_overhead', 'cache_hit_rate',
  'cache_savings', 'error_rate', 'wasted_spend', 'batch_share', 'reasoning_share',
];

const metrics = (name: string, description: string, query: Omit<Parameters<typeof getMetrics>[1], 'from' | 'to'>): DashboardQuery => ({
  name,
  description,
  run: (ctx, range) => getMetrics(ctx, { ...range, ...query }),
});

export const DASHBOARD_QUERIES: DashboardQuery[] = [
  metrics('overview', 'headline numbers (hourly rollup)', { metrics: OVERVIEW }),
  metrics('users_overview', 'users and cost per user (daily users rollup)', { metrics: ['users', 'cost_per_user'] }),
  metrics('sessions_overview', 'sessions and cost per session (daily sessions rollup)', { metrics: ['sessions', 'cost_per_session'] }),
  metrics('traces_overview', 'cost and size of a task (raw)', { metrics: ['traces', 'cost_per_trace', 'tokens_per_trace', 'requests_per_trace'] }),
  metrics('spend_by_day', 'spend and requests per day', { metrics: ['spend', 'requests', 'total_tokens'], group_by: 'day' }),
  metrics('spend_by_hour', 'spend and requests per hour', { metrics: ['spend', 'requests'], group_by: 'hour' }),
  metrics('spend_by_model', 'model mix by spend and requests', { metrics: ['spend', 'requests', 'spend_share', 'request_share', 'cost_per_request'], group_by: 'model' }),
  metrics('spend_by_name', 'features by spend', { metrics: ['spend', 'requests', 'spend_share', 'context_overhead', 'cache_hit_rate'], group_by: 'name' }),
  metrics('spend_by_environment', 'spend per environment', { metrics: ['spend', 'requests'], group_by: 'environment' }),
  metrics('spend_by_tag', 'spend per tag (raw: tags are not rolled up)', { metrics: ['spend', 'requests'], group_by: 'tag' }),
  metrics('top_users', 'the 50 users who cost most', { metrics: ['spend', 'requests', 'cost_per_request'], group_by: 'user_id', order_by: 'spend', limit: 50 }),
  metrics('top_sessions', 'the 50 sessions that cost most', { metrics: ['spend', 'requests'], group_by: 'session_id', order_by: 'spend', limit: 50 }),
  metrics('users_by_day', 'active users and cost per user per day', { metrics: ['users', 'cost_per_user'], group_by: 'day' }),
  metrics('latency_by_model', 'latency p50/p95/p99 per model (raw)', { metrics: ['latency_p50', 'latency_p95', 'latency_p99'], group_by: 'model' }),
  metrics('errors_by_model', 'error rate and wasted spend per model', { metrics: ['error_rate', 'wasted_spend'], group_by: 'model' }),
  metrics('all_metrics', 'every metric at once, as an API client may ask (raw)', { metrics: METRIC_NAMES }),
  {
    name: 'top_calls_by_cost',
    description: 'the 100 most expensive calls (generations API, first page)',
    run: (ctx, range) => listGenerations(ctx, { ...range, order_by: 'cost', limit: 100 }),
  },
  {
    name: 'latest_calls',
    description: 'the newest 100 calls (generations API, first page)',
    run: (ctx, range) => listGenerations(ctx, { ...range, order_by: 'timestamp', limit: 100 }),
  },
];
