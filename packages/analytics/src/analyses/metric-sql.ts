// The metrics an analysis reports (context_overhead, cache_hit_rate, cache_savings, cost_per_user,
// wasted_spend) are the metrics' own definitions: their aggregates and formulas from src/metrics,
// as SELECT items over `calls FINAL` or over rows of calls_hourly's shape, never a second copy.
import { aggregateSql, METRICS, type AggregateName, type MetricName, type SourceId } from '../metrics/index.ts';

/**
 * SELECT items for `metrics` over raw calls (or, with source `hourly`, over rows with calls_hourly's
 * columns): each aggregate they need as `a_<aggregate>` (once), then each metric as its name (or
 * `aliases[metric]`). Shares (which need whole-range totals) are not served.
 */
export function metricColumns(metrics: MetricName[], aliases: Partial<Record<MetricName, string>> = {}, source: SourceId = 'raw'): string {
  const aggregates = new Set<AggregateName>();
  for (const metric of metrics) {
    const definition = METRICS[metric] as { needs: readonly AggregateName[]; totals?: readonly AggregateName[] };
    if (definition.totals?.length) throw new Error(`metricColumns: ${metric} needs range totals`);
    for (const aggregate of definition.needs) aggregates.add(aggregate);
  }
  return [
    ...[...aggregates].map((aggregate) => `${aggregateSql(aggregate, source) ?? missing(aggregate, source)} AS a_${aggregate}`),
    ...metrics.map((metric) => `${METRICS[metric].sql} AS ${aliases[metric] ?? metric}`),
  ].join(',\n       ');
}

function missing(aggregate: AggregateName, source: SourceId): never {
  throw new Error(`metricColumns: ${source} has no aggregate ${aggregate}`);
}
