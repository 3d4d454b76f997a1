// Distinct traces of one project over whole hours, unfiltered, without a hash set of every trace key
// (at 10M calls, uniqExact over the 7.5M trace hashes of calls_hourly_traces takes 300-500 ms; this
// 20-60 ms). It reads calls_trace_steps (sql/trace-steps.ts): a trace counts in [from, to) when it has
// a live call there, and by its row
//   * hull inside the range: when requests > 0 (its live calls lie in its hull);
//   * hull outside the range: never;
//   * hull cut by a bound: its live hours are looked up in calls_hourly_traces (few traces: those
//     active across a bound).
// A trace is one row within a part. The largest part is read as it is, except for the traces that
// also have rows in other parts (newer, not merged yet): those are summed over their rows. When they
// are many (a busy store between merges) this gives up and the caller counts from
// calls_hourly_traces. Every read is pinned to the parts listed first, and the count is returned only
// when those parts are all still active at the end: one snapshot of the table.
import { queryRows } from '@margin/clickhouse';
import { HULL_INSIDE, HULL_OVERLAPS, rangeParams, traceStepsParts, type TimeRange } from '../sql/index.ts';
import type { MetricsContext } from './get-metrics.ts';

/** Beyond this many traces with rows outside the largest part, countTraces gives up (null). */
export const MAX_UNMERGED_TRACES = 50_000;

export async function countTraces(ctx: MetricsContext, range: TimeRange, maxUnmerged = MAX_UNMERGED_TRACES): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const parts = await traceStepsParts(ctx.ch);
    if (parts.length === 0) return 0;
    const count = await countInParts(ctx, range, parts, maxUnmerged);
    if (count === null) return null;
    const active = new Set(await traceStepsParts(ctx.ch));
    if (parts.every((part) => active.has(part))) return count;
    // a merge replaced a part meanwhile: read the new ones
  }
  return null;
}

async function countInParts(ctx: MetricsContext, range: TimeRange, parts: string[], maxUnmerged: number): Promise<number | null> {
  const params: Record<string, unknown> = { projectId: ctx.projectId, largest: parts[0], parts, ...rangeParams(range) };
  const project = 'project_id = {projectId:String} AND _part IN {parts:Array(String)}';
  const unmerged = (
    await queryRows<{ trace_id: string }>(
      ctx.ch,
      `SELECT DISTINCT trace_id FROM calls_trace_steps WHERE ${project} AND _part != {largest:String} LIMIT {max:UInt32}`,
      { tag: 'metrics.trace_count.unmerged', params: { ...params, max: maxUnmerged + 1 } },
    )
  ).map((row) => row.trace_id);
  if (unmerged.length > maxUnmerged) return null;
  params.unmerged = unmerged;

  // the unmerged traces summed over all their rows
  const merged = `(SELECT trace_id, sum(requests) AS requests, min(min_hour) AS min_hour, max(max_hour) AS max_hour
     FROM calls_trace_steps WHERE ${project} AND trace_id IN {unmerged:Array(String)} GROUP BY trace_id)`;
  const largest = `calls_trace_steps WHERE ${project} AND _part = {largest:String}`;
  const [inside] = await queryRows<{ whole: string; replaced: string; merged: string }>(
    ctx.ch,
    `SELECT
       (SELECT count() FROM ${largest} AND requests > 0 AND ${HULL_INSIDE}) AS whole,
       (SELECT count() FROM ${largest} AND trace_id IN {unmerged:Array(String)} AND requests > 0 AND ${HULL_INSIDE}) AS replaced,
       (SELECT count() FROM ${merged} WHERE requests > 0 AND ${HULL_INSIDE}) AS merged`,
    { tag: 'metrics.trace_count.inside', params },
  );
  const cut = (
    await queryRows<{ trace_id: string }>(
      ctx.ch,
      `SELECT trace_id FROM ${largest} AND ${HULL_OVERLAPS} AND NOT (${HULL_INSIDE}) AND trace_id NOT IN {unmerged:Array(String)}
       UNION ALL
       SELECT trace_id FROM ${merged} WHERE ${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`,
      { tag: 'metrics.trace_count.cut', params },
    )
  ).map((row) => row.trace_id);
  let across = 0;
  if (cut.length > 0) {
    const [row] = await queryRows<{ n: string }>(
      ctx.ch,
      // the same test as the hourly_traces source: a (hour, trace) row whose calls still count
      `SELECT uniqExactIf(trace_hash, requests > 0) AS n FROM calls_hourly_traces FINAL
       WHERE project_id = {projectId:String} AND hour >= {from:DateTime64(3, 'UTC')} AND hour < {to:DateTime64(3, 'UTC')}
         AND trace_hash IN (SELECT sipHash128(arrayJoin({cut:Array(String)})))
       SETTINGS do_not_merge_across_partitions_select_final = 1`,
      { tag: 'metrics.trace_count.across', params: { ...params, cut } },
    );
    across = Number(row!.n);
  }
  return Number(inside!.whole) - Number(inside!.replaced) + Number(inside!.merged) + across;
}
