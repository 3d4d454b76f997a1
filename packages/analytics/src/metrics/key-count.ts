// Distinct traces or sessions of one project over whole hours (sessions: whole days), unfiltered,
// without a hash set of every key (at 10M calls, uniqExact over the 7.5M trace hashes of
// calls_hourly_traces takes 300-500 ms, over the 2M session hashes of calls_daily_sessions 100 ms).
// It reads the key's steps table (sql/trace-steps.ts: calls_trace_steps, calls_session_steps): a key
// counts in [from, to) when it has a live call there, and by its row
//   * hull inside the range: when requests > 0 (its live calls lie in its hull);
//   * hull outside the range: never;
//   * hull cut by a bound: its live hours (days) are looked up in the key's rollup
//     (calls_hourly_traces, calls_daily_sessions), for the few keys active across a bound.
// A key is one row within a part. The largest part is read as it is, except for the keys that also
// have rows in other parts (newer, not merged yet): those are summed over their rows. When the other
// parts are large (a busy store between merges) this gives up and the caller counts hashes in the
// rollup. Every read of the steps table is pinned to the parts listed first, and the count is
// returned only when those parts are all still active afterwards: one snapshot of that table. (The
// few cut keys are looked up in the rollup as it is a moment later: a call loaded in between can
// show there first, as with any two statements read during ingestion.) getMetrics uses it when the
// range holds all of the project's calls (rangeHoldsAllCalls); a range inside the data is counted
// faster by hashing the rollup's rows in range.
import { queryRows } from '@margin/clickhouse';
import { HULL_INSIDE, HULL_OVERLAPS, partRows, rangeCondition, rangeParams, type TimeRange } from '../sql/index.ts';
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
    { tag: 'metrics.key_count.extent', params: { projectId: ctx.projectId } },
  );
  if (!row || Number(row.hours) === 0) return true;
  return Number(row.first) * 1000 >= range.fromMs && (Number(row.last) + 3600) * 1000 <= range.toMs;
}

/** A key with one row per key (once merged) in `steps`, and the rollup that says where its live calls are. */
export interface KeySpec {
  steps: 'calls_trace_steps' | 'calls_session_steps';
  key: 'trace_id' | 'session_id';
  rollup: { table: 'calls_hourly_traces' | 'calls_daily_sessions'; hash: 'trace_hash' | 'session_hash'; time: 'hour' | 'day' };
}

export const TRACES: KeySpec = { steps: 'calls_trace_steps', key: 'trace_id', rollup: { table: 'calls_hourly_traces', hash: 'trace_hash', time: 'hour' } };
/** Sessions: ranges of whole days only (the rollup that settles cut sessions is daily). */
export const SESSIONS: KeySpec = { steps: 'calls_session_steps', key: 'session_id', rollup: { table: 'calls_daily_sessions', hash: 'session_hash', time: 'day' } };

/**
 * Beyond this many rows outside the largest part (every project's), countKeys gives up (null) and the
 * caller counts hashes in the rollup. The keys outside it are looked up in the largest part by the
 * primary key; random keys hit most of its granules from a few thousand on. At 7.5M traces
 * (`bench/queries/run.ts --unmerged`, one run): merged, 52 ms against 380 ms for the hash count;
 * 1,500 traces outside, 499 against 675 ms; 7,500 outside, 679 against 494 ms; 75,000 outside, 980
 * against 488 ms. Sessions (2M) alike: 35 / 110, 120 / 138, 166 / 143, 189 / 146 ms.
 */
export const MAX_UNMERGED_ROWS = 2_000;

export async function countKeys(ctx: MetricsContext, spec: KeySpec, range: TimeRange, maxUnmerged = MAX_UNMERGED_ROWS): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const parts = await partRows(ctx.ch, spec.steps);
    if (parts.length === 0) return 0;
    if (parts.slice(1).reduce((sum, part) => sum + part.rows, 0) > maxUnmerged) return null;
    const count = await countInParts(ctx, spec, range, parts.map((part) => part.part));
    const active = new Set((await partRows(ctx.ch, spec.steps)).map((row) => row.part));
    if (parts.every(({ part }) => active.has(part))) return count;
    // a merge replaced a part meanwhile: read the new ones
  }
  return null;
}

async function countInParts(ctx: MetricsContext, spec: KeySpec, range: TimeRange, parts: string[]): Promise<number> {
  const params = { projectId: ctx.projectId, largest: parts[0], parts, ...rangeParams(range) };
  const { key } = spec;
  const steps = `${spec.steps} WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}`;
  const largest = `${steps} AND _part = {largest:String}`;
  const unmerged = `(SELECT DISTINCT ${key} FROM ${steps} AND _part != {largest:String})`;
  // Over the largest part's hours and live counts: no key is read but the few cut rows' (the
  // conditions are in WHERE, not in countIf, so ClickHouse reads the hours before anything else). The
  // keys with rows in other parts are summed over all their rows (and their rows in the largest part
  // taken off again). A cut key comes with its hull, to look up only those hours.
  const cutOf = (where: string) =>
    `groupArrayIf(${key}, ${where}), toUInt32(minIf(min_hour, ${where})), toUInt32(maxIf(max_hour, ${where}))`;
  const cutting = `${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`;
  const [counts] = await queryRows<{ whole: string; cut: Cut; replaced: string; merged: [string, ...Cut] }>(
    ctx.ch,
    `SELECT
       -- the live keys less those not inside: the minmax indexes on the hours skip every granule of
       -- the last count when the range holds the whole table (77 -> 29 ms at 7.5M traces). The live
       -- keys are all rows less those without calls (all moved to other keys): calls_trace_steps'
       -- projection by requests (0021) finds those without reading the table (about 100 -> 10 ms).
       (SELECT count() FROM ${largest}) - (SELECT count() FROM ${largest} AND requests <= 0)
         - (SELECT count() FROM ${largest} AND requests > 0 AND NOT (${HULL_INSIDE})) AS whole,
       (SELECT (${cutOf('1')}) FROM ${largest} AND ${cutting} AND ${key} NOT IN ${unmerged}) AS cut,
       (SELECT count() FROM ${largest} AND ${key} IN ${unmerged} AND requests > 0 AND ${HULL_INSIDE}) AS replaced,
       (SELECT (countIf(requests > 0 AND ${HULL_INSIDE}), ${cutOf(cutting)})
        FROM (SELECT ${key}, sum(requests) AS requests, min(min_hour) AS min_hour, max(max_hour) AS max_hour
              FROM ${steps} AND ${key} IN ${unmerged} GROUP BY ${key})) AS merged`,
    { tag: `metrics.key_count.${key}`, params },
  );
  const { whole, replaced } = counts!;
  const [merged, ...cutMerged] = counts!.merged;
  const across = await countCut(ctx, spec, params, [counts!.cut, cutMerged]);
  return Number(whole) - Number(replaced) + Number(merged) + across;
}

/** Keys, and the first and last hour (epoch seconds) of their hulls. */
type Cut = [string[], number | string, number | string];

/**
 * The keys cut by a bound that have a live call in the range: the same test as the rollup source
 * (a (time, key) row whose calls still count), over the hours or days of their hulls only.
 */
async function countCut(ctx: MetricsContext, spec: KeySpec, params: Record<string, unknown>, cuts: Cut[]): Promise<number> {
  const found = cuts.filter(([ids]) => ids.length > 0);
  if (found.length === 0) return 0;
  const keys = found.flatMap(([list]) => list);
  const first = Math.min(...found.map(([, lo]) => Number(lo)));
  const last = Math.max(...found.map(([, , hi]) => Number(hi)));
  const { table, hash, time } = spec.rollup;
  const hull = time === 'day' ? 'toDate(toDateTime({first:UInt32}, \'UTC\'))' : "toDateTime({first:UInt32}, 'UTC')";
  const hullEnd = time === 'day' ? 'toDate(toDateTime({last:UInt32}, \'UTC\'))' : "toDateTime({last:UInt32}, 'UTC')";
  const [row] = await queryRows<{ n: string }>(
    ctx.ch,
    `SELECT uniqExactIf(${hash}, requests > 0) AS n FROM ${table} FINAL
     WHERE project_id = {projectId:String} AND ${rangeCondition(time, time === 'day' ? 'date' : 'time')}
       AND ${time} >= ${hull} AND ${time} <= ${hullEnd}
       AND ${hash} IN (SELECT sipHash128(arrayJoin({cut:Array(String)})))
     SETTINGS do_not_merge_across_partitions_select_final = 1`,
    { tag: `metrics.key_count.${spec.key}.cut`, params: { ...params, cut: keys, first, last } },
  );
  return Number(row!.n);
}
