// The metrics an analysis reports (context_overhead, cache_hit_rate, cache_savings, cost_per_user,
// wasted_spend) are the metrics' own definitions: their raw aggregates and formulas from src/metrics,
// as SELECT items over `calls FINAL`, never a second copy.
import { AGGREGATES, METRICS, type AggregateName, type MetricName } from '../metrics/index.ts';

/**
 * SELECT items for `metrics` over raw calls: each aggregate they need as `a_<aggregate>` (once), then
 * each metric as its name (or `aliases[metric]`). Shares (which need whole-range totals) are not served.
 */
export function metricColumns(metrics: MetricName[], aliases: Partial<Record<MetricName, string>> = {}): string {
  const aggregates = new Set<AggregateName>();
  for (const metric of metrics) {
    const definition = METRICS[metric] as { needs: readonly AggregateName[]; totals?: readonly AggregateName[] };
    if (definition.totals?.length) throw new Error(`metricColumns: ${metric} needs range totals`);
    for (const aggregate of definition.needs) aggregates.add(aggregate);
  }
  return [
    ...[...aggregates].map((aggregate) => `${AGGREGATES[aggregate].raw} AS a_${aggregate}`),
    ...metrics.map((metric) => `${METRICS[metric].sql} AS ${aliases[metric] ?? metric}`),
  ].join(',\n       ');
}
