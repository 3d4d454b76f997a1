// GET /api/public/metrics: parse and check the query, run getMetrics, render money as numbers.
import { z } from 'zod';
import { getMetrics, isMetricName, METRIC_NAMES, METRICS, type MetricName, type MetricsContext } from '../metrics/index.ts';
import { GROUP_BYS } from '../sql/index.ts';
import { invalidParameter, ok, type HandlerResult } from './errors.ts';
import { parseSearchParams, ZFilterValue, ZTimestamp } from './query-params.ts';
import { usdNumber } from './render.ts';

export const ZMetricNames = z
  .string()
  .transform((text) => text.split(',').map((name) => name.trim()).filter(Boolean))
  .superRefine((names, ctx) => {
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: `required: a comma list of ${METRIC_NAMES.join(', ')}` });
    const unknown = names.find((name) => !isMetricName(name));
    if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `unknown metric "${unknown}"; known: ${METRIC_NAMES.join(', ')}` });
  })
  .transform((names) => [...new Set(names)] as MetricName[]);

export const ZMetricsQuery = z.object({
  from: ZTimestamp,
  to: ZTimestamp,
  metrics: ZMetricNames,
  group_by: z.enum(GROUP_BYS, { message: `must be one of ${GROUP_BYS.join(', ')}` }).optional(),
  model: ZFilterValue.optional(),
  name: ZFilterValue.optional(),
  user_id: ZFilterValue.optional(),
  environment: ZFilterValue.optional(),
  tag: ZFilterValue.optional(),
});
export type TMetricsQuery = z.output<typeof ZMetricsQuery>;

export const ZMetricsResponse = z.object({
  data: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
});
export type TMetricsResponse = z.infer<typeof ZMetricsResponse>;

export async function handleMetrics(searchParams: URLSearchParams, ctx: MetricsContext): Promise<HandlerResult> {
  const parsed = parseSearchParams(ZMetricsQuery, searchParams);
  if (!parsed.ok) return parsed.error;
  const { from, to, metrics, group_by, ...filters } = parsed.value;
  if (from >= to) return invalidParameter('to', 'must be after from');
  const { data } = await getMetrics(ctx, { from, to, metrics, group_by, filters });
  const body: TMetricsResponse = {
    data: data.map((row) => {
      const out: Record<string, string | number | null> = { ...row };
      for (const name of metrics) {
        const value = row[name];
        if (METRICS[name].kind === 'money' && typeof value === 'string') out[name] = usdNumber(value);
      }
      return out;
    }),
  };
  return ok(body);
}
