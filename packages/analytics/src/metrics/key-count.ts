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
// have rows in other parts (newer, not merged yet): those are summed over their rows, found in the
// largest part by their hash (migration 0022) in one pass over its hashes. Under ingestion that
// costs about 100 ms at 7.5M traces however many keys are outside (74,000 in bench/queries/run.ts
// --unmerged); the hash count it replaces took 450. When the other parts hold more than
// MAX_UNMERGED_ROWS rows this gives up and the caller counts hashes in the rollup. Every read of the
// steps table is pinned to the parts listed first, and the count is returned only when those parts
// are all still active afterwards: one snapshot of that table. (The
// few cut keys are looked up in the rollup as it is a moment later: a call loaded in between can
// show there first, as with any two statements read during ingestion.) getMetrics uses it when the
// range holds all of the project's calls (rangeHoldsAllCalls); a range inside the data is counted
// faster by hashing the rollup's rows in range.
import { queryRows } from '@margin/clickhouse';
import { hashAmong, hashesFromHex, hashNumber, HULL_INSIDE, HULL_OVERLAPS, partRows, rangeCondition, rangeParams, type TimeRange } from '../sql/index.ts';
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

/**
 * A key with one row per key (once merged) in `steps`, with its 128-bit SipHash beside it (migration
 * 0022: the same value as in the rollup), and the rollup that says where its live calls are.
 */
export interface KeySpec {
  steps: 'calls_trace_steps' | 'calls_session_steps';
  key: 'trace_id' | 'session_id';
  hash: 'trace_hash' | 'session_hash';
  rollup: { table: 'calls_hourly_traces' | 'calls_daily_sessions'; time: 'hour' | 'day' };
}

export const TRACES: KeySpec = { steps: 'calls_trace_steps', key: 'trace_id', hash: 'trace_hash', rollup: { table: 'calls_hourly_traces', time: 'hour' } };
/** Sessions: ranges of whole days only (the rollup that settles cut sessions is daily). */
export const SESSIONS: KeySpec = { steps: 'calls_session_steps', key: 'session_id', hash: 'session_hash', rollup: { table: 'calls_daily_sessions', time: 'day' } };

/**
 * Beyond this many rows outside the largest part (every project's), countKeys gives up (null) and the
 * caller counts hashes in the rollup. The keys outside it are matched against the largest part's
 * hashes, a pass over 16 bytes per key whatever their number (MAX_UNMERGED_ROWS only bounds the set
 * they are matched against); see bench/README.md for the figures.
 */
export const MAX_UNMERGED_ROWS = 1_000_000;

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
  const hash = hashNumber(spec.hash);
  const steps = `${spec.steps} WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}`;
  const largest = `${steps} AND _part = {largest:String}`;
  const others = `${steps} AND _part != {largest:String}`;
  const among = hashAmong(spec.hash, others);
  // Over the largest part's hours and live counts: no key is read but the few cut rows' (the
  // conditions are in WHERE, not in countIf, so ClickHouse reads the hours before anything else). The
  // keys with rows in other parts are summed over all their rows, in one pass over the hashes, and
  // their rows in the largest part taken off again. A cut key comes with its hull, to look up only
  // those hours; a key cut in the largest part and merged here is cut both times (its merged hull
  // holds that row's), and the look-up counts distinct keys, so it counts once.
  const cutOf = (where: string) =>
    `groupArrayIf(hex(${spec.hash}), ${where}), toUInt32(minIf(min_hour, ${where})), toUInt32(maxIf(max_hour, ${where}))`;
  const cutting = `${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`;
  const [counts] = await queryRows<{ whole: string; cut: Cut; merged: [string, string, ...Cut] }>(
    ctx.ch,
    `SELECT
       -- the live keys less those not inside: the minmax indexes on the hours skip every granule of
       -- the last count when the range holds the whole table (77 -> 29 ms at 7.5M traces). The live
       -- keys are all rows less those without calls (all moved to other keys): calls_trace_steps'
       -- projection by requests (0021) finds those without reading the table (about 100 -> 10 ms).
       (SELECT count() FROM ${largest}) - (SELECT count() FROM ${largest} AND requests <= 0)
         - (SELECT count() FROM ${largest} AND requests > 0 AND NOT (${HULL_INSIDE})) AS whole,
       (SELECT (${cutOf('1')}) FROM ${largest} AND ${cutting}) AS cut,
       (SELECT (countIf(requests > 0 AND ${HULL_INSIDE}), sum(replaced), ${cutOf(cutting)})
        FROM (SELECT any(key_hash) AS ${spec.hash}, sum(live) AS requests, min(lo) AS min_hour, max(hi) AS max_hour, max(counted) AS replaced
              FROM (SELECT ${hash} AS key, ${spec.hash} AS key_hash, requests AS live, min_hour AS lo, max_hour AS hi,
                           _part = {largest:String} AND requests > 0 AND ${HULL_INSIDE} AS counted
                    FROM ${spec.steps} PREWHERE ${among.prewhere}
                    WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)} AND ${among.where})
              GROUP BY key)) AS merged`,
    { tag: `metrics.key_count.${spec.key}`, params },
  );
  const { whole } = counts!;
  const [merged, replaced, ...cutMerged] = counts!.merged;
  const across = await countCut(ctx, spec, params, [counts!.cut, cutMerged]);
  return Number(whole) - Number(replaced) + Number(merged) + across;
}

/** Keys' hashes (hex), and the first and last hour (epoch seconds) of their hulls. */
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
  const { table, time } = spec.rollup;
  const { hash } = spec;
  const hull = time === 'day' ? 'toDate(toDateTime({first:UInt32}, \'UTC\'))' : "toDateTime({first:UInt32}, 'UTC')";
  const hullEnd = time === 'day' ? 'toDate(toDateTime({last:UInt32}, \'UTC\'))' : "toDateTime({last:UInt32}, 'UTC')";
  const [row] = await queryRows<{ n: string }>(
    ctx.ch,
    `SELECT uniqExactIf(${hash}, requests > 0) AS n FROM ${table} FINAL
     WHERE project_id = {projectId:String} AND ${rangeCondition(time, time === 'day' ? 'date' : 'time')}
       AND ${time} >= ${hull} AND ${time} <= ${hullEnd}
       AND ${hash} IN ${hashesFromHex('cut')}
     SETTINGS do_not_merge_across_partitions_select_final = 1`,
    { tag: `metrics.key_count.${spec.key}.cut`, params: { ...params, cut: keys, first, last } },
  );
  return Number(row!.n);
}
