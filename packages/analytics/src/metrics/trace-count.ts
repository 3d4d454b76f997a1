// Distinct traces of one project over whole hours, unfiltered, without a hash set of every trace key
// (at 10M calls, uniqExact over the 7.5M trace hashes of calls_hourly_traces takes 300-500 ms). It
// reads calls_trace_steps (sql/trace-steps.ts): a trace counts in [from, to) when it has a live call
// there, and by its row
//   * hull inside the range: when requests > 0 (its live calls lie in its hull);
//   * hull outside the range: never;
//   * hull cut by a bound: its live hours are looked up in calls_hourly_traces (few traces: those
//     active across a bound).
// A trace is one row within a part. The largest part is read as it is, except for the traces that
// also have rows in other parts (newer, not merged yet): those are summed over their rows. When the
// other parts are large (a busy store between merges) this gives up and the caller counts from
// calls_hourly_traces. Every read of calls_trace_steps is pinned to the parts listed first, and the
// count is returned only when those parts are all still active afterwards: one snapshot of that
// table. (The few cut traces are looked up in calls_hourly_traces as it is a moment later: a call
// loaded in between can show there first, as with any two statements read during ingestion.)
// getMetrics uses it when the range holds all of the project's calls (rangeHoldsAllCalls); a range
// inside the data is counted faster in calls_hourly_traces.
import { queryRows } from '@margin/clickhouse';
import { HULL_INSIDE, HULL_OVERLAPS, rangeParams, traceStepsPartRows, traceStepsParts, type TimeRange } from '../sql/index.ts';
import type { MetricsContext } from './get-metrics.ts';

/**
 * Whether the range holds every hour with calls of the project (calls_hourly, a few rows per hour):
 * then the pass over calls_trace_steps skips the hours' test (the minmax indexes answer it) and takes
 * 50-60 ms at 7.5M traces, against 350 ms for uniqExact over calls_hourly_traces. For a range inside
 * the data it reads every trace's hours whatever the range's length (about 280 ms at 7.5M traces),
 * where the hash count costs by the range (150 ms for 30 of 92 days, 18 ms for one). Only the speed
 * depends on this answer, not the count, so calls loaded meanwhile do not matter.
 */
export async function rangeHoldsAllCalls(ctx: MetricsContext, range: TimeRange): Promise<boolean> {
  const [row] = await queryRows<{ first: number | string; last: number | string; hours: string }>(
    ctx.ch,
    `SELECT toUInt32(min(hour)) AS first, toUInt32(max(hour)) AS last, count() AS hours
     FROM calls_hourly WHERE project_id = {projectId:String}`,
    { tag: 'metrics.trace_count.extent', params: { projectId: ctx.projectId } },
  );
  if (!row || Number(row.hours) === 0) return true;
  return Number(row.first) * 1000 >= range.fromMs && (Number(row.last) + 3600) * 1000 <= range.toMs;
}

/** Beyond this many rows outside the largest part (every project's), countTraces gives up (null). */
export const MAX_UNMERGED_ROWS = 200_000;

export async function countTraces(ctx: MetricsContext, range: TimeRange, maxUnmerged = MAX_UNMERGED_ROWS): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const parts = await traceStepsPartRows(ctx.ch);
    if (parts.length === 0) return 0;
    if (parts.slice(1).reduce((sum, part) => sum + part.rows, 0) > maxUnmerged) return null;
    const count = await countInParts(ctx, range, parts.map((part) => part.part));
    const active = new Set(await traceStepsParts(ctx.ch));
    if (parts.every(({ part }) => active.has(part))) return count;
    // a merge replaced a part meanwhile: read the new ones
  }
  return null;
}

async function countInParts(ctx: MetricsContext, range: TimeRange, parts: string[]): Promise<number> {
  const params = { projectId: ctx.projectId, largest: parts[0], parts, ...rangeParams(range) };
  const steps = 'calls_trace_steps WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}';
  const largest = `${steps} AND _part = {largest:String}`;
  const unmerged = `(SELECT DISTINCT trace_id FROM ${steps} AND _part != {largest:String})`;
  // Over the largest part's hours and live counts: no trace_id is read but the few cut rows' (the
  // conditions are in WHERE, not in countIf, so ClickHouse reads the hours before anything else). The
  // traces with rows in other parts are summed over all their rows (and their rows in the largest
  // part taken off again). A cut trace comes with its hull, to look up only those hours.
  const cutOf = (where: string) =>
    `(groupArrayIf(trace_id, ${where}), toUInt32(minIf(min_hour, ${where})), toUInt32(maxIf(max_hour, ${where})))`;
  const cutting = `${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`;
  const [counts] = await queryRows<{ whole: string; cut: Cut; replaced: string; merged: [string, ...Cut] }>(
    ctx.ch,
    `SELECT
       -- the live traces less those not inside: the minmax indexes on the hours skip every granule of
       -- the second count when the range holds the whole table (77 -> 29 ms at 7.5M traces)
       (SELECT count() FROM ${largest} AND requests > 0) - (SELECT count() FROM ${largest} AND requests > 0 AND NOT (${HULL_INSIDE})) AS whole,
       (SELECT ${cutOf('1')} FROM ${largest} AND ${cutting} AND trace_id NOT IN ${unmerged}) AS cut,
       (SELECT count() FROM ${largest} AND trace_id IN ${unmerged} AND requests > 0 AND ${HULL_INSIDE}) AS replaced,
       (SELECT (countIf(requests > 0 AND ${HULL_INSIDE}), ${cutOf(cutting).slice(1, -1)})
        FROM (SELECT trace_id, sum(requests) AS requests, min(min_hour) AS min_hour, max(max_hour) AS max_hour
              FROM ${steps} AND trace_id IN ${unmerged} GROUP BY trace_id)) AS merged`,
    { tag: 'metrics.trace_count', params },
  );
  const { whole, replaced } = counts!;
  const [merged, ...cutMerged] = counts!.merged;
  const across = await countCut(ctx, params, [counts!.cut, cutMerged]);
  return Number(whole) - Number(replaced) + Number(merged) + across;
}

/** Trace ids, and the first and last hour (epoch seconds) of their hulls. */
type Cut = [string[], number | string, number | string];

/**
 * The traces cut by a bound that have a live call in the range: the same test as the hourly_traces
 * source (a (hour, trace) row whose calls still count), over the hours of their hulls only.
 */
async function countCut(ctx: MetricsContext, params: Record<string, unknown>, cuts: Cut[]): Promise<number> {
  const found = cuts.filter(([ids]) => ids.length > 0);
  if (found.length === 0) return 0;
  const ids = found.flatMap(([list]) => list);
  const first = Math.min(...found.map(([, lo]) => Number(lo)));
  const last = Math.max(...found.map(([, , hi]) => Number(hi)));
  const [row] = await queryRows<{ n: string }>(
    ctx.ch,
    `SELECT uniqExactIf(trace_hash, requests > 0) AS n FROM calls_hourly_traces FINAL
     WHERE project_id = {projectId:String} AND hour >= {from:DateTime64(3, 'UTC')} AND hour < {to:DateTime64(3, 'UTC')}
       AND hour >= toDateTime({first:UInt32}, 'UTC') AND hour <= toDateTime({last:UInt32}, 'UTC')
       AND trace_hash IN (SELECT sipHash128(arrayJoin({cut:Array(String)})))
     SETTINGS do_not_merge_across_partitions_select_final = 1`,
    { tag: 'metrics.trace_count.cut', params: { ...params, cut: ids, first, last } },
  );
  return Number(row!.n);
}
