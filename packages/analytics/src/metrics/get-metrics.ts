// getMetrics: any set of metrics over one project and [from, to), optionally grouped and filtered,
// read where the plan says (plan.ts). One SQL statement: the group's aggregates, one sub-statement
// per part of the plan joined by group, and for shares a cross join with the whole range's
// aggregates (same filters, so a call with two tags is one call).
import { queryRows, type ClickHouse } from '@margin/clickhouse';
import { activeFilters, groupExpression, hashNumber, HOUR_MS, RAW_SETTINGS, type Filters, type GroupBy, type SqlFragment, type TimeRange } from '../sql/index.ts';
import { aggregateSql, KEY_ROWS, rowRequests, SUM_TYPES, TRACE_KEY, type AggregateName } from './aggregates.ts';
import { neededAggregates, planParts, type CountedKey, type MetricsPlan, type QueryPart } from './plan.ts';
import { METRICS, type MetricName } from './registry.ts';
import type { MetricsSource } from './sources.ts';
import { callHours, countKeys, SESSIONS, TRACES, type CallHours, type KeySpec } from './key-count.ts';
import { isTopSessions, topSessionCandidates } from './top-sessions.ts';

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
  /** Distinct traces and sessions of the range counted beforehand (countKeys); getMetrics fills them in when it can. */
  counts?: Partial<Record<CountedKey, number>> | undefined;
}

export function toRange(query: Pick<MetricsQuery, 'from' | 'to'>): TimeRange {
  return { fromMs: +query.from, toMs: +query.to };
}

/** One sub-statement of a metrics query: some aggregates by one plan, under the query's filters and grouping. */
interface PartQuery {
  plan: MetricsPlan;
  exported: AggregateName[];
  /** `a_` for the groups' aggregates, `t_` for the whole range's totals. */
  prefix: 'a_' | 't_';
  filters: Filters;
  groupBy: GroupBy | undefined;
  /** Joined by group with other parts: the group keys are cast to one type. */
  joined: boolean;
}

/** The aggregate part of the statement: one SELECT over one source, or a sum over a UNION ALL of parts. */
function aggregateQuery(ctx: MetricsContext, part: PartQuery): SqlFragment {
  const { plan, exported, prefix, filters, groupBy, joined } = part;
  if (plan.kind === 'keys' || plan.kind === 'durations') return unionOfRows(ctx, part);
  const params: Record<string, unknown> = {};
  const union = plan.parts.length > 1;
  const prefixOf = partPrefix(plan);
  // a grouped union keeps the groups that still hold calls: it needs requests from every branch
  const names = union && groupBy && !exported.includes('requests') ? [...exported, 'requests' as const] : exported;
  const branches = plan.parts.map(({ source, range }, index) => {
    const distinct = names.includes('users') || names.includes('sessions') || names.includes('traces');
    const from = source.from(ctx.projectId, range, filters, union ? prefixOf(index) : '', { groupBy, distinct });
    Object.assign(params, from.params);
    const group = groupKey(source, groupBy, joined);
    const aggregates = names.map((name) => {
      const sql = aggregateSql(name, source.id);
      if (!sql) throw new Error(`metrics: ${source.id} cannot answer ${name}`);
      // parts of a union agree on one type per sum (raw count() is UInt64, a rollup's sum Int64)
      return union ? `CAST(${sql} AS ${SUM_TYPES[name]}) AS b_${name}` : `${sql} AS ${prefix}${name}`;
    });
    if (source.id === 'raw' && !union && tracesBySums(names)) return tracesByGroup(names, prefix, from.sql, group);
    // A rollup keeps a group whose calls all moved away (sums of zero) until a merge: skip it.
    const having = !union && group && source.id !== 'raw' ? ` HAVING ${aggregateSql('requests', source.id)} > 0` : '';
    return group
      ? `SELECT ${group} AS group_key, ${aggregates.join(', ')} FROM ${from.sql} GROUP BY group_key${having}`
      : `SELECT ${aggregates.join(', ')} FROM ${from.sql}`;
  });
  if (!union) return { sql: branches[0]!, params };
  const sums = names.filter((name) => name !== 'requests' || exported.includes(name)).map((name) => `sum(b_${name}) AS ${prefix}${name}`).join(', ');
  const sql = groupBy
    ? `SELECT group_key, ${sums} FROM (${branches.join(' UNION ALL ')}) GROUP BY group_key HAVING sum(b_requests) > 0`
    : `SELECT ${sums} FROM (${branches.join(' UNION ALL ')})`;
  return { sql, params };
}

/** A source's group key expression; parts joined by group agree on one key type (a LowCardinality column, a formatted date). */
function groupKey(source: MetricsSource, groupBy: GroupBy | undefined, joined: boolean): string | undefined {
  if (!groupBy) return undefined;
  const expression = groupExpression(groupBy, source);
  if (!expression) throw new Error(`metrics: ${source.id} cannot group by ${groupBy}`);
  return joined ? `CAST(${expression} AS String)` : expression;
}

/**
 * Names the range parameters of a plan's parts by the grain of its rollup: plans of one grain cut the
 * same edges (one value per name), plans of another have their own names in the same statement.
 */
function partPrefix(plan: MetricsPlan): (index: number) => string {
  const grain = plan.parts.find((part) => part.source.id !== 'raw')?.source.time.grain ?? 'call';
  return (index) => `${grain}${index}_`;
}

/**
 * A distinct count or percentiles over several parts (a rollup's whole hours or days, raw edges):
 * each part lists its rows (a key's hash, or a duration and its calls) and the aggregate is taken
 * over all of them, as over one source's rows. A group is kept while any part has calls in it.
 */
function unionOfRows(ctx: MetricsContext, { plan, exported, prefix, filters, groupBy, joined }: PartQuery): SqlFragment {
  const params: Record<string, unknown> = {};
  const keyed = plan.kind === 'keys' ? exported[0]! : undefined;
  const prefixOf = partPrefix(plan);
  const branches = plan.parts.map(({ source, range }, index) => {
    const from = source.from(ctx.projectId, range, filters, prefixOf(index), { groupBy, distinct: keyed !== undefined });
    Object.assign(params, from.params);
    const expression = groupKey(source, groupBy, joined);
    const group = expression ? `${expression} AS group_key, ` : '';
    if (keyed) {
      const key = KEY_ROWS[keyed]?.[source.id];
      if (!key) throw new Error(`metrics: ${source.id} cannot list the keys of ${keyed}`);
      return `SELECT ${group}${key.hash} AS key_hash, ${key.live} AS counts, toInt64(${rowRequests(source.id)}) AS requests FROM ${from.sql}`;
    }
    const requests = aggregateSql('requests', source.id)!;
    return `SELECT ${group}toUInt32(duration_ms) AS duration_ms, toInt64(${requests}) AS requests FROM ${from.sql} GROUP BY ${groupBy ? 'group_key, ' : ''}duration_ms`;
  });
  const union = branches.join(' UNION ALL ');
  const keys = groupBy ? 'group_key, ' : '';
  const having = groupBy ? ' GROUP BY group_key HAVING sum(requests) > 0' : '';
  if (keyed) return { sql: `SELECT ${keys}uniqExactIf(${hashNumber('key_hash')}, counts) AS ${prefix}${keyed} FROM (${union})${having}`, params };
  // the latency rollup's percentile arithmetic, over one row per duration (and group)
  const durations = `SELECT ${keys}duration_ms, sum(requests) AS requests FROM (${union}) GROUP BY ${keys}duration_ms`;
  const levels = exported.map((name) => `${aggregateSql(name, 'daily_latency')} AS ${prefix}${name}`).join(', ');
  return { sql: `SELECT ${keys}${levels} FROM (${durations})${having}`, params };
}

/** Distinct traces with nothing but sums beside them: they can be counted as groups (tracesByGroup). */
function tracesBySums(names: AggregateName[]): boolean {
  return names.includes('traces') && names.every((name) => name === 'traces' || SUM_TYPES[name] !== undefined);
}

/**
 * Raw distinct traces as the number of groups of a GROUP BY on the trace key's 128-bit SipHash, with
 * the sums taken per trace and added up per group: at 10M calls (7.5M traces) about 30% faster than
 * `uniqExact`, whose one hash set per thread is merged at the end. The same count: uniqExact of a
 * String counts the distinct 128-bit SipHashes of its values too.
 */
function tracesByGroup(names: AggregateName[], prefix: 'a_' | 't_', from: string, group: string | undefined): SqlFragment['sql'] {
  const sums = names.filter((name) => name !== 'traces');
  const inner = sums.map((name) => `${aggregateSql(name, 'raw')} AS b_${name}`);
  const outer = [`count() AS ${prefix}traces`, ...sums.map((name) => `sum(b_${name}) AS ${prefix}${name}`)];
  const keys = group ? 'group_key, trace_hash' : 'trace_hash';
  const sql = `SELECT ${[...(group ? [`${group} AS group_key`] : []), `sipHash128(${TRACE_KEY}) AS trace_hash`, ...inner].join(', ')} FROM ${from} GROUP BY ${keys}`;
  return group ? `SELECT group_key, ${outer.join(', ')} FROM (${sql}) GROUP BY group_key` : `SELECT ${outer.join(', ')} FROM (${sql})`;
}

/** Adds a part's parameters; parts of one statement share names only for equal values (project, range, filters). */
function mergeParams(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(from)) {
    if (name in into && JSON.stringify(into[name]) !== JSON.stringify(value)) throw new Error(`metrics: parameter ${name} differs between parts`);
    into[name] = value;
  }
}

/** The parts' sub-statements side by side: joined by group, or (one row each) crossed. */
function joinParts(parts: SqlFragment[], alias: string, grouped: boolean, params: Record<string, unknown>): string {
  return parts
    .map((part, index) => {
      mergeParams(params, part.params);
      const item = `(${part.sql}) AS ${alias}${index}`;
      if (index === 0) return item;
      return grouped ? `FULL OUTER JOIN ${item} USING (group_key)` : `CROSS JOIN ${item}`;
    })
    .join(' ');
}

export function buildMetricsSql(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions = {}) {
  if (query.metrics.length === 0) throw new Error('getMetrics: ask for at least one metric');
  const filters = query.filters ?? {};
  // a top-N list may order by a metric it does not show: compute it too
  const metrics = [...new Set([...query.metrics, ...(query.order_by ? [query.order_by] : [])])];
  const { groupParts, totalParts } = planQuery(query, options);
  const params: Record<string, unknown> = {};
  const grouped = query.group_by !== undefined;
  const inner = groupParts.map((part) =>
    aggregateQuery(ctx, { plan: part.plan, exported: part.aggregates, prefix: 'a_', filters, groupBy: query.group_by, joined: groupParts.length > 1 }),
  );
  // the whole range's totals: over every session, also when the groups are some sessions only
  const { session_ids: _groups, ...totalFilters } = filters;
  const totals = totalParts.map((part) => aggregateQuery(ctx, { plan: part.plan, exported: part.aggregates, prefix: 't_', filters: totalFilters, groupBy: undefined, joined: false }));
  let from = joinParts(inner, 'g', grouped, params);
  if (totals.length > 0) from += ` CROSS JOIN ${joinParts(totals, 't', false, params)}`;

  // Ungrouped, the totals are the group's aggregates (planQuery reads no total part): `a_spend AS
  // t_spend` in the same SELECT, which the shares' expressions read.
  const sharedTotals = grouped ? [] : neededAggregates(metrics).totals.map((name) => `a_${name} AS t_${name}`);
  const columns = [...(grouped ? ['group_key'] : []), ...sharedTotals, ...metrics.map((name) => `${METRICS[name].sql} AS ${name}`)];
  const order = query.order_by ? ` ORDER BY ${query.order_by} DESC${grouped ? ', group_key' : ''}` : grouped ? ' ORDER BY group_key' : '';
  const limit = query.limit !== undefined ? ' LIMIT {limit:UInt32}' : '';
  if (query.limit !== undefined) params.limit = query.limit;
  if (options.counts?.traces !== undefined) params.trace_count = options.counts.traces;
  if (options.counts?.sessions !== undefined) params.session_count = options.counts.sessions;
  const sql = `SELECT ${columns.join(', ')} FROM ${from}${order}${limit}`;
  const source = groupParts.map((part) => part.plan.id).join(',');
  return { sql, params, source, metrics };
}

/** The parts a query reads: its group aggregates', and its whole-range totals' (shares). */
export function planQuery(query: MetricsQuery, options: MetricsOptions = {}): { groupParts: QueryPart[]; totalParts: QueryPart[] } {
  const range = toRange(query);
  const filters = query.filters ?? {};
  const metrics = [...new Set([...query.metrics, ...(query.order_by ? [query.order_by] : [])])];
  const needs = neededAggregates(metrics);
  const plain = !query.group_by && activeFilters(filters).length === 0;
  const counted = plain ? (Object.keys(options.counts ?? {}) as CountedKey[]) : [];
  const groupParts = planParts({ range, aggregates: needs.group, group_by: query.group_by, filters, counted }, options.source);
  // without group_by the one group is the whole range: its aggregates are the totals (sharedTotals)
  const totalParts = needs.totals.length > 0 && query.group_by !== undefined ? planParts({ range, aggregates: needs.totals, filters }, options.source) : [];
  return { groupParts, totalParts };
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

/**
 * The distinct counts countKeys may answer for the query: traces and sessions of the whole range,
 * unfiltered, not asked of raw calls. getMetrics takes them for every such range: over 30 of 92 days
 * of 10M calls with ragged bounds, `traces_overview` 180 / 428 -> 99 / 135 ms p50 / p95 against
 * the hash count of the rollup (bench/README.md).
 */
export function countableKeys(query: MetricsQuery, options: MetricsOptions = {}): CountedKey[] {
  if (options.source === 'raw' || options.counts !== undefined || query.group_by || activeFilters(query.filters ?? {}).length > 0) return [];
  const needs = neededAggregates([...query.metrics, ...(query.order_by ? [query.order_by] : [])]).group;
  return [...(needs.includes('traces') ? (['traces'] as const) : []), ...(needs.includes('sessions') ? (['sessions'] as const) : [])];
}

const KEY_SPECS: Record<CountedKey, KeySpec> = { traces: TRACES, sessions: SESSIONS };

/** The counts countKeys can take for the query (none when a busy store gives up on one). */
async function keyCounts(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions, hours: () => Promise<CallHours>): Promise<Partial<Record<CountedKey, number>>> {
  const keys = countableKeys(query, options);
  if (keys.length === 0) return {};
  const range = toRange(query);
  const extent = await hours();
  const counts: Partial<Record<CountedKey, number>> = {};
  for (const key of keys) {
    const spec = KEY_SPECS[key];
    // a ragged range is counted over its whole hours (days) and its edges' raw calls (countKeys)
    const startsBeforeData = !extent || Math.ceil(range.fromMs / spec.grainMs) * spec.grainMs <= extent.firstMs;
    const count = await countKeys(ctx, spec, range, { startsBeforeData });
    if (count !== null) counts[key] = count;
  }
  return counts;
}

/**
 * The sessions a top-N list of sessions by spend can hold (top-sessions.ts), when the range covers
 * most of the project's hours: picking them reads every session's row (130-190 ms at 2M sessions),
 * where grouping the rollup costs by the range (30 of 92 days: 150-170 ms, the whole period 190-290).
 */
async function topSessions(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions, hours: () => Promise<CallHours>): Promise<string[] | null> {
  if (!isTopSessions(query, options)) return null;
  const range = toRange(query);
  const extent = await hours();
  if (!extent) return null;
  const end = extent.lastMs + HOUR_MS;
  const covered = Math.min(range.toMs, end) - Math.max(range.fromMs, extent.firstMs);
  if (covered < 0.5 * (end - extent.firstMs)) return null;
  return topSessionCandidates(ctx, range, query.limit!);
}

/**
 * The query's statements (the key counts' and the final one) run back to back (ClickHouse.together):
 * under ingestion, the loader waits for the query once instead of the query waiting for the loader
 * before each statement.
 */
export function getMetrics(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions = {}): Promise<{ data: MetricsRow[] }> {
  return ctx.ch.together(() => runMetrics(ctx, query, options));
}

async function runMetrics(ctx: MetricsContext, query: MetricsQuery, options: MetricsOptions): Promise<{ data: MetricsRow[] }> {
  let extent: Promise<CallHours> | undefined;
  const hours = () => (extent ??= callHours(ctx));
  const counts = await keyCounts(ctx, query, options, hours);
  // a top-N list of sessions by spend groups only the sessions that can be in it
  const candidates = await topSessions(ctx, query, options, hours);
  const narrowed = candidates ? { ...query, filters: { ...query.filters, session_ids: candidates } } : query;
  const built = buildMetricsSql(ctx, narrowed, Object.keys(counts).length > 0 ? { ...options, counts } : options);
  const rows = await queryRows<Record<string, unknown>>(ctx.ch, built.sql, {
    tag: `metrics.${built.source}${query.group_by ? `.by_${query.group_by}` : ''}`,
    params: built.params,
    // raw calls and the distinct-count rollups are read with FINAL
    settings: RAW_SETTINGS,
  });
  const data = rows.map((row) => {
    const out: MetricsRow = {};
    if (query.group_by) out[query.group_by] = String(row.group_key);
    for (const name of query.metrics) out[name] = convert(name, row[name]);
    return out;
  });
  return { data };
}
