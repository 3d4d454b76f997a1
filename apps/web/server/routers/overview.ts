// The project overview: headline metrics, spend by day and by model, and the most expensive calls,
// all from @margin/analytics (the same functions the public API serves).
import { getMetrics, listGenerations } from '@margin/analytics';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc.ts';

export const ZOverviewInput = z.object({ days: z.number().int().min(1).max(366).default(30) });
export type TOverviewInput = z.infer<typeof ZOverviewInput>;

const DAY_MS = 86_400_000;

/** Every UTC day of [from, to), a day without calls as zero: a chart shows the gap, not a jump. */
function fillDays(rows: Record<string, string | number | null>[], from: number, to: number) {
  const byDay = new Map(rows.map((row) => [String(row.day).slice(0, 10), row]));
  const days: { day: string; spend: string | number; requests: string | number }[] = [];
  for (let t = from; t < to; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const row = byDay.get(day);
    days.push({ day, spend: row?.spend ?? 0, requests: row?.requests ?? 0 });
  }
  return days;
}

export const overviewRouter = createTRPCRouter({
  get: projectProcedure.input(ZOverviewInput).query(async ({ ctx, input }) => {
    const analytics = { ch: ctx.stores.ch, projectId: ctx.project.id };
    // Whole UTC days, today included.
    const to = Math.ceil((Date.now() + 1) / DAY_MS) * DAY_MS;
    const from = to - input.days * DAY_MS;
    const [totals, byDay, byModel, topCalls] = await Promise.all([
      getMetrics(analytics, {
        from,
        to,
        metrics: ['spend', 'requests', 'cost_per_request', 'users', 'cost_per_user', 'cache_hit_rate', 'cache_savings', 'error_rate', 'context_overhead'],
      }),
      getMetrics(analytics, { from, to, metrics: ['spend', 'requests'], group_by: 'day' }),
      getMetrics(analytics, { from, to, metrics: ['spend', 'requests', 'spend_share'], group_by: 'model', order_by: 'spend', limit: 10 }),
      listGenerations(analytics, { from, to, order_by: 'cost', limit: 10 }),
    ]);
    return {
      project: ctx.project,
      range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      totals: totals.data[0] ?? {},
      byDay: fillDays(byDay.data, from, to),
      byModel: byModel.data,
      topCalls: topCalls.data,
    };
  }),
});
