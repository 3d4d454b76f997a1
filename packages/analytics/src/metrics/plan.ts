// The rollup-or-raw rule. A query reads a rollup when the rollup answers every aggregate its
// metrics need, every filter and its group_by, and when from and to fall on the rollup's grain
// (whole UTC hours for calls_hourly, whole UTC days for the daily ones). When calls_hourly could
// answer but the bounds are ragged, it serves the whole hours inside and raw calls the ragged
// edges, added together (every hourly aggregate is a sum). Everything else reads the
// deduplicated raw calls: latency percentiles, traces, tags, and distinct users or sessions over
// ranges that are not whole days or grouped by something other than the user, session or day.
import { activeFilters, groupExpression, HOUR_MS, isAligned, type Filters, type GroupBy, type TimeRange } from '../sql/index.ts';
import { aggregateSql, SUM_TYPES, type AggregateName } from './aggregates.ts';
import { METRICS, type MetricName } from './registry.ts';
import { HOURLY_SOURCE, RAW_SOURCE, ROLLUP_SOURCES, type MetricsSource } from './sources.ts';

export interface MetricsPlanInput {
  range: TimeRange;
  metrics: MetricName[];
  group_by?: GroupBy | undefined;
  filters: Filters;
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

export function canServe(source: MetricsSource, input: MetricsPlanInput): boolean {
  if (source.grainMs > 0 && !isAligned(input.range, source.grainMs)) return false;
  const { group, totals } = neededAggregates(input.metrics);
  if (![...group, ...totals].every((aggregate) => aggregateSql(aggregate, source.id) !== undefined)) return false;
  if (input.group_by && groupExpression(input.group_by, source) === undefined) return false;
  return activeFilters(input.filters).every((name) => (name === 'tag' ? Boolean(source.tagsColumn) : Boolean(source.dimensions[name])));
}

export interface MetricsPlan {
  /** `raw`, a rollup's id, or `hourly+raw` (whole hours from the rollup, ragged edges raw). */
  id: string;
  /** Disjoint ranges that cover the query's range, each read from one source. */
  parts: { source: MetricsSource; range: TimeRange }[];
}

/** Where a query reads: the first rollup that can serve it whole, else whole hours + raw edges, else raw. */
export function planMetrics(input: MetricsPlanInput, prefer: 'auto' | 'raw' = 'auto'): MetricsPlan {
  const raw: MetricsPlan = { id: 'raw', parts: [{ source: RAW_SOURCE, range: input.range }] };
  if (prefer === 'raw') return raw;
  const whole = ROLLUP_SOURCES.find((source) => canServe(source, input));
  if (whole) return { id: whole.id, parts: [{ source: whole, range: input.range }] };

  const { fromMs, toMs } = input.range;
  const hours = { fromMs: Math.ceil(fromMs / HOUR_MS) * HOUR_MS, toMs: Math.floor(toMs / HOUR_MS) * HOUR_MS };
  const { group, totals } = neededAggregates(input.metrics);
  const sums = [...group, ...totals].every((aggregate) => SUM_TYPES[aggregate] !== undefined);
  if (hours.fromMs >= hours.toMs || !sums || !canServe(HOURLY_SOURCE, { ...input, range: hours })) return raw;
  const parts: MetricsPlan['parts'] = [];
  if (fromMs < hours.fromMs) parts.push({ source: RAW_SOURCE, range: { fromMs, toMs: hours.fromMs } });
  parts.push({ source: HOURLY_SOURCE, range: hours });
  if (hours.toMs < toMs) parts.push({ source: RAW_SOURCE, range: { fromMs: hours.toMs, toMs } });
  return { id: 'hourly+raw', parts };
}
