// The rollup-or-raw rule. A set of aggregates reads a rollup when the rollup answers every one of
// them, every filter and the group_by, and when from and to fall on the rollup's grain (whole UTC
// hours or days). When calls_hourly could answer but the bounds are ragged, it serves the whole
// hours inside and raw calls the ragged edges, added together (every hourly aggregate is a sum).
// A query whose aggregates no single source answers is split (planParts): each aggregate reads its
// own best source, e.g. sums from calls_hourly, users from the daily users rollup, traces from the
// hourly traces rollup, percentiles from the latency rollup, and one statement joins the parts.
// What no rollup answers reads the deduplicated raw calls (percentiles or traces under a filter,
// a tag filter, distinct users or sessions grouped by something other than the key or the day).
import { activeFilters, groupExpression, HOUR_MS, isAligned, type Filters, type GroupBy, type TimeRange } from '../sql/index.ts';
import { aggregateSql, SUM_TYPES, type AggregateName } from './aggregates.ts';
import { METRICS, type MetricName } from './registry.ts';
import { HOURLY_SOURCE, RAW_SOURCE, ROLLUP_SOURCES, SESSION_COUNT_SOURCE, TRACE_COUNT_SOURCE, type MetricsSource } from './sources.ts';

export interface MetricsPlanInput {
  range: TimeRange;
  metrics: MetricName[];
  group_by?: GroupBy | undefined;
  filters: Filters;
}

/** The distinct counts that key-count.ts can take beforehand. */
export type CountedKey = 'traces' | 'sessions';
const COUNTED_SOURCES: Record<CountedKey, MetricsSource> = { traces: TRACE_COUNT_SOURCE, sessions: SESSION_COUNT_SOURCE };

export interface AggregatesPlanInput {
  range: TimeRange;
  aggregates: AggregateName[];
  group_by?: GroupBy | undefined;
  filters: Filters;
  /** Distinct counts taken beforehand for the range (TRACE_COUNT_SOURCE, SESSION_COUNT_SOURCE read them). */
  counted?: readonly CountedKey[] | undefined;
}

export function neededAggregates(metrics: MetricName[]): { group: AggregateName[]; totals: AggregateName[] } {
  const group = new Set<AggregateName>();
  const totals = new Set<AggregateName>();
  for (const name of metrics) {
    const definition = METRICS[name] as { needs: AggregateName[]; totals?: AggregateName[] };
    for (const aggregate of definition.needs) group.add(aggregate);
    for (const aggregate of definition.totals ?? []) totals.add(aggregate);
  }
  return { group: [...group], totals: [...totals] };
}

export function canServeAggregates(source: MetricsSource, input: AggregatesPlanInput): boolean {
  if (source.grainMs > 0 && !isAligned(input.range, source.grainMs)) return false;
  if (!input.aggregates.every((aggregate) => aggregateSql(aggregate, source.id) !== undefined)) return false;
  if (input.group_by && groupExpression(input.group_by, source) === undefined) return false;
  return activeFilters(input.filters).every((name) => (name === 'tag' ? Boolean(source.tagsColumn) : Boolean(source.dimensions[name])));
}

/** Whether `source` alone answers `metrics` (their group aggregates and their totals). */
export function canServe(source: MetricsSource, input: MetricsPlanInput): boolean {
  const { group, totals } = neededAggregates(input.metrics);
  return canServeAggregates(source, { ...input, aggregates: [...group, ...totals] });
}

export interface MetricsPlan {
  /** `raw`, a rollup's id, or `hourly+raw` (whole hours from the rollup, ragged edges raw). */
  id: string;
  /** Disjoint ranges that cover the query's range, each read from one source. */
  parts: { source: MetricsSource; range: TimeRange }[];
}

/** Where a set of aggregates reads: the first rollup that serves it whole, else whole hours + raw edges, else raw. */
export function planAggregates(input: AggregatesPlanInput, prefer: 'auto' | 'raw' = 'auto'): MetricsPlan {
  const raw: MetricsPlan = { id: 'raw', parts: [{ source: RAW_SOURCE, range: input.range }] };
  if (prefer === 'raw') return raw;
  const whole = ROLLUP_SOURCES.find((source) => canServeAggregates(source, input));
  if (whole) return { id: whole.id, parts: [{ source: whole, range: input.range }] };

  const { fromMs, toMs } = input.range;
  const hours = { fromMs: Math.ceil(fromMs / HOUR_MS) * HOUR_MS, toMs: Math.floor(toMs / HOUR_MS) * HOUR_MS };
  const sums = input.aggregates.every((aggregate) => SUM_TYPES[aggregate] !== undefined);
  if (hours.fromMs >= hours.toMs || !sums || !canServeAggregates(HOURLY_SOURCE, { ...input, range: hours })) return raw;
  const parts: MetricsPlan['parts'] = [];
  if (fromMs < hours.fromMs) parts.push({ source: RAW_SOURCE, range: { fromMs, toMs: hours.fromMs } });
  parts.push({ source: HOURLY_SOURCE, range: hours });
  if (hours.toMs < toMs) parts.push({ source: RAW_SOURCE, range: { fromMs: hours.toMs, toMs } });
  return { id: 'hourly+raw', parts };
}

/** Where the aggregates of a set of metrics read, as one plan (the metrics' group and total aggregates together). */
export function planMetrics(input: MetricsPlanInput, prefer: 'auto' | 'raw' = 'auto'): MetricsPlan {
  const { group, totals } = neededAggregates(input.metrics);
  return planAggregates({ ...input, aggregates: [...new Set([...group, ...totals])] }, prefer);
}

/** Some aggregates and the plan they read by: one sub-statement of a metrics query. */
export interface QueryPart {
  plan: MetricsPlan;
  aggregates: AggregateName[];
}

/**
 * The parts a query's aggregates read from: one when a single plan other than raw calls answers them
 * all (or raw calls are asked for). Otherwise each aggregate takes its own plan: distinct counts and
 * percentiles first, then the sums, each from its cheapest source, except `requests` (which only
 * says whether a group has calls), which rides along with a part already reading a source that has
 * it. Raw distinct traces get a raw part of their own when other raw aggregates are not sums
 * (tracesByGroup in get-metrics.ts counts them faster beside sums only).
 */
export function planParts(input: AggregatesPlanInput, prefer: 'auto' | 'raw' = 'auto'): QueryPart[] {
  const counted = prefer === 'raw' ? [] : (input.counted ?? []).filter((key) => input.aggregates.includes(key));
  if (counted.length > 0) {
    const rest = input.aggregates.filter((aggregate) => !(counted as readonly string[]).includes(aggregate));
    const parts = counted.map((key): QueryPart => ({
      plan: { id: COUNTED_SOURCES[key].id, parts: [{ source: COUNTED_SOURCES[key], range: input.range }] },
      aggregates: [key],
    }));
    return [...parts, ...(rest.length > 0 ? planParts({ ...input, counted: [], aggregates: rest }, prefer) : [])];
  }
  const whole = planAggregates(input, prefer);
  if (whole.id !== 'raw' || prefer === 'raw') return [{ plan: whole, aggregates: input.aggregates }];
  const parts: (QueryPart & { key: string })[] = [];
  const add = (aggregate: AggregateName, plan: MetricsPlan) => {
    // raw traces apart from other raw aggregates; a raw sum joins whichever raw part there is
    const key = plan.id === 'raw' && aggregate === 'traces' ? 'raw:traces' : plan.id;
    const part =
      parts.find((p) => p.key === key) ??
      (plan.id === 'raw' && SUM_TYPES[aggregate] !== undefined ? parts.find((p) => p.key === 'raw:traces') : undefined);
    if (part) part.aggregates.push(aggregate);
    else parts.push({ key, plan, aggregates: [aggregate] });
  };
  const single = (aggregate: AggregateName) => planAggregates({ ...input, aggregates: [aggregate] });
  const sums = input.aggregates.filter((aggregate) => SUM_TYPES[aggregate] !== undefined);
  for (const aggregate of input.aggregates.filter((a) => !sums.includes(a))) add(aggregate, single(aggregate));
  for (const aggregate of sums) {
    const host = aggregate === 'requests' ? parts.find((p) => p.plan.parts.length === 1 && aggregateSql('requests', p.plan.parts[0]!.source.id)) : undefined;
    if (host) host.aggregates.push(aggregate);
    else add(aggregate, single(aggregate));
  }
  return parts.map(({ plan, aggregates }) => ({ plan, aggregates }));
}
