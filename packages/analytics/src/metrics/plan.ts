// The rollup-or-raw rule. A set of aggregates reads a rollup when the rollup answers every one of
// them, every filter and the group_by, and when from and to fall on the rollup's grain (whole UTC
// hours or days). When the bounds are ragged, a rollup serves the whole hours (days) inside and raw
// calls the ragged edges: sums are added up, and a distinct count or a percentile is taken over the
// union of the parts' keys or durations, the same rows it reads from one source (unionKind).
// A query whose aggregates no single source answers is split (planParts): each aggregate reads its
// own best source, e.g. sums from calls_hourly, users from the daily users rollup, traces from the
// hourly traces rollup, percentiles from the latency rollup, and one statement joins the parts.
// What no rollup answers reads the deduplicated raw calls (percentiles or traces under a filter,
// a tag filter, distinct users or sessions grouped by something other than the key or the day).
import { activeFilters, groupExpression, isAligned, type Filters, type GroupBy, type TimeRange } from '../sql/index.ts';
import { aggregateSql, KEY_ROWS, LATENCY_AGGREGATES, SUM_TYPES, type AggregateName } from './aggregates.ts';
import { METRICS, type MetricName } from './registry.ts';
import { RAW_SOURCE, ROLLUP_SOURCES, SESSION_COUNT_SOURCE, TRACE_COUNT_SOURCE, type MetricsSource } from './sources.ts';

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

export type UnionKind = 'sum' | 'keys' | 'durations';

export interface MetricsPlan {
  /** `raw`, a rollup's id, or `<rollup>+raw` (whole hours or days from the rollup, ragged edges raw). */
  id: string;
  /** Disjoint ranges that cover the query's range, each read from one source. */
  parts: { source: MetricsSource; range: TimeRange }[];
  /** How several parts are put together (unionKind); one part needs none. */
  kind?: UnionKind;
}

/** Where a set of aggregates reads: the first rollup that serves it whole, else a rollup's whole hours (days) + raw edges, else raw. */
export function planAggregates(input: AggregatesPlanInput, prefer: 'auto' | 'raw' = 'auto'): MetricsPlan {
  const raw: MetricsPlan = { id: 'raw', parts: [{ source: RAW_SOURCE, range: input.range }] };
  if (prefer === 'raw') return raw;
  const whole = ROLLUP_SOURCES.find((source) => canServeAggregates(source, input));
  if (whole) return { id: whole.id, parts: [{ source: whole, range: input.range }] };

  // Ragged bounds: the first rollup that serves the whole hours (days) inside, raw calls the edges,
  // when the parts can be put together: sums add up, a distinct count counts the union of the parts'
  // keys, percentiles read the union of their durations (unionKind).
  const kind = unionKind(input.aggregates);
  if (!kind) return raw;
  const inside = (grainMs: number): TimeRange => ({
    fromMs: Math.ceil(input.range.fromMs / grainMs) * grainMs,
    toMs: Math.floor(input.range.toMs / grainMs) * grainMs,
  });
  // (in ROLLUP_SOURCES' order: calls_hourly first, so sums keep reading it where it serves)
  const inner = ROLLUP_SOURCES.find((source) => {
    const range = inside(source.grainMs);
    return range.fromMs < range.toMs && canServeAggregates(source, { ...input, range });
  });
  if (!inner) return raw;
  const { fromMs, toMs } = input.range;
  const range = inside(inner.grainMs);
  const parts: MetricsPlan['parts'] = [];
  if (fromMs < range.fromMs) parts.push({ source: RAW_SOURCE, range: { fromMs, toMs: range.fromMs } });
  parts.push({ source: inner, range });
  if (range.toMs < toMs) parts.push({ source: RAW_SOURCE, range: { fromMs: range.toMs, toMs } });
  return { id: `${inner.id}+raw`, parts, kind };
}

/**
 * How the parts of a plan over several ranges are put together, or undefined when they cannot be:
 * `sum` adds up each part's sums; `keys` counts the distinct keys of every part's rows (one distinct
 * count: traces, users or sessions); `durations` takes the percentiles of every part's durations.
 */
export function unionKind(aggregates: AggregateName[]): UnionKind | undefined {
  if (aggregates.every((aggregate) => SUM_TYPES[aggregate] !== undefined)) return 'sum';
  if (aggregates.length === 1 && KEY_ROWS[aggregates[0]!]) return 'keys';
  if (aggregates.every((aggregate) => LATENCY_AGGREGATES.includes(aggregate))) return 'durations';
  return undefined;
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
    // (parts of one rollup and raw edges that combine differently are different parts)
    const key = plan.id === 'raw' && aggregate === 'traces' ? 'raw:traces' : plan.kind ? `${plan.id}:${plan.kind}` : plan.id;
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
