// getMetrics: any set of metrics over one project and [from, to), optionally grouped and filtered,
// read from the source the plan picks. One SQL statement: the group's aggregates, and for shares a
// cross join with the whole range's aggregates (same filters, so a call with two tags is one call).
import { queryRows, type ClickHouse } from '@margin/clickhouse';
import { groupExpression, RAW_SETTINGS, type Filters, type GroupBy, type TimeRange } from '../sql/index.ts';
import { aggregateSql, type AggregateName } from './aggregates.ts';
import { chooseSource, neededAggregates } from './plan.ts';
import { METRICS, type MetricName } from './registry.ts';
import type { MetricsSource } from './sources.ts';

export interface MetricsContext {
  ch: ClickHouse;
  projectId: string;
}

export interface MetricsQuery {
  /** Inclusive; a Date or epoch milliseconds. */
  from: Date | number;
  /** Exclusive. */
  to: Date | number;
  metrics: MetricName[];
  group_by?: GroupBy | undefined;
  filters?: Filters | undefined;
  /** Dashboard use: order groups by this metric, largest first (default: by group). */
  order_by?: MetricName | undefined;
  limit?: number | undefined;
}

export type MetricValue = string | number | null;
export type MetricsRow = Record<string, MetricValue>;

export interface MetricsOptions {
  /** 'raw' skips the rollups (tests and checks compare the two). */
  source?: 'auto' | 'raw';
}

export function toRange(query: Pick<MetricsQuery, 'from' | 'to'>): TimeRange {
  return { fromMs: +query.from, toMs: +query.to };
}

function selectAggregates(names: AggregateName[], source: MetricsSource, prefix: string): string {
  return names
    .map((name) => {
      const sql = aggregateSql(name, source.id);
      if (!sql) throw new Error(`metrics: ${source.id} cannot answer ${name}`);
      return `${sql} AS ${prefix}${name}`;
    })
    .join(', ');
}

export function buildMetricsSql(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions = {}) {
  const range = toRange(query);
  const filters = query.filters ?? {};
  const metrics = [...new Set(query.metrics)];
  const source = chooseSource({ range, metrics, group_by: query.group_by, filters }, options.source);
  const needs = neededAggregates(metrics);
  const from = source.from(ctx.projectId, range, filters);

  const groupSql = query.group_by ? groupExpression(query.group_by, source) : undefined;
  if (query.group_by && !groupSql) throw new Error(`metrics: ${source.id} cannot group by ${query.group_by}`);
  // A rollup keeps a group whose calls all moved away (sums of zero) until a merge: skip it.
  const having = source.id === 'raw' ? '' : ` HAVING ${aggregateSql('requests', source.id)} > 0`;
  const inner = groupSql
    ? `SELECT ${groupSql} AS group_key, ${selectAggregates(needs.group, source, 'a_')} FROM ${from.sql} GROUP BY group_key${having}`
    : `SELECT ${selectAggregates(needs.group, source, 'a_')} FROM ${from.sql}`;
  const totals = needs.totals.length > 0 ? ` CROSS JOIN (SELECT ${selectAggregates(needs.totals, source, 't_')} FROM ${from.sql}) AS t` : '';

  const columns = [...(groupSql ? ['group_key'] : []), ...metrics.map((name) => `${METRICS[name].sql} AS ${name}`)];
  const order = query.order_by
    ? ` ORDER BY ${query.order_by} DESC${groupSql ? ', group_key' : ''}`
    : groupSql
      ? ' ORDER BY group_key'
      : '';
  const limit = query.limit !== undefined ? ' LIMIT {limit:UInt32}' : '';
  const sql = `SELECT ${columns.join(', ')} FROM (${inner}) AS g${totals}${order}${limit}`;
  return { sql, params: { ...from.params, ...(query.limit !== undefined ? { limit: query.limit } : {}) }, source: source.id, metrics };
}

/** Counts come back from ClickHouse as quoted 64-bit integers; money stays a decimal string. */
function convert(name: MetricName, value: unknown): MetricValue {
  if (value === null || value === undefined) return null;
  switch (METRICS[name].kind) {
    case 'money':
      return String(value);
    case 'count':
    case 'ratio':
      return Number(value);
  }
}

export async function getMetrics(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions = {}): Promise<{ data: MetricsRow[] }> {
  const built = buildMetricsSql(ctx, query, options);
  const rows = await queryRows<Record<string, unknown>>(ctx.ch, built.sql, {
    tag: `metrics.${built.source}${query.group_by ? `.by_${query.group_by}` : ''}`,
    params: built.params,
    settings: built.source === 'raw' ? RAW_SETTINGS : {},
  });
  const data = rows.map((row) => {
    const out: MetricsRow = {};
    if (query.group_by) out[query.group_by] = String(row.group_key);
    for (const name of built.metrics) out[name] = convert(name, row[name]);
    return out;
  });
  return { data };
}
