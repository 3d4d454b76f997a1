// The rollup-or-raw rule. A query reads a rollup when the rollup answers every aggregate its
// metrics need, every filter and its group_by, and when from and to fall on the rollup's grain
// (whole UTC hours for calls_hourly, whole UTC days for the daily ones); otherwise it reads the
// deduplicated raw calls. No mixing of a rollup with raw ragged edges: a dashboard asks for
// aligned ranges, and one source per query keeps distinct counts and shares simple and exact.
import { activeFilters, groupExpression, isAligned, type Filters, type GroupBy, type TimeRange } from '../sql/index.ts';
import { aggregateSql, type AggregateName } from './aggregates.ts';
import { METRICS, type MetricName } from './registry.ts';
import { RAW_SOURCE, ROLLUP_SOURCES, type MetricsSource } from './sources.ts';

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

/** The source a query reads: the first rollup that can serve it, else raw. */
export function chooseSource(input: MetricsPlanInput, prefer: 'auto' | 'raw' = 'auto'): MetricsSource {
  if (prefer === 'raw') return RAW_SOURCE;
  return ROLLUP_SOURCES.find((source) => canServe(source, input)) ?? RAW_SOURCE;
}
