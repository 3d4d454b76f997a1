// Distinct traces or sessions of one project over a range, unfiltered, without a hash set of every key (at 10M calls, uniqExact over the 7.5M trace hashes of
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
// --unmerged); the hash count it replaces took 450. When the other parts hold more rows than
// KEY_COUNT_LIMITS allow, this gives up and the caller counts hashes in the rollup. Every read of the
// steps table is pinned to the parts listed first, and the count is returned only when those parts
// are all still active afterwards: one snapshot of that table. (The
// few cut keys are looked up in the rollup as it is a moment later: a call loaded in between can
// show there first, as with any two statements read during ingestion.) getMetrics uses it when the
// range holds all of the project's calls (rangeHoldsAllCalls); a range inside the data is counted
// faster by hashing the rollup's rows in range. A ragged range is counted over its whole hours
// (sessions: days), less the keys with live calls in the widening and none in the range
// (countOnlyOutside), read within the same snapshot of the steps table.
import { queryRows } from '@margin/clickhouse';
import { DAY_MS, hashAmong, hashesFromHex, hashNumber, HOUR_MS, HULL_INSIDE, HULL_OVERLAPS, partRows, rangeCondition, rangeParams, RAW_SETTINGS, type TimeRange } from '../sql/index.ts';
import { KEY_ROWS } from './aggregates.ts';
import type { MetricsContext } from './get-metrics.ts';
import { DAILY_SESSIONS_SOURCE, HOURLY_TRACES_SOURCE, RAW_SOURCE, type MetricsSource } from './sources.ts';

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
  /** The distinct count it is (KEY_ROWS), the rollup's source and grain: ragged ranges are counted over whole ones. */
  aggregate: 'traces' | 'sessions';
  source: MetricsSource;
  grainMs: number;
}

export const TRACES: KeySpec = {
  steps: 'calls_trace_steps',
  key: 'trace_id',
  hash: 'trace_hash',
  rollup: { table: 'calls_hourly_traces', time: 'hour' },
  aggregate: 'traces',
  source: HOURLY_TRACES_SOURCE,
  grainMs: HOUR_MS,
};
/** Sessions: counted over whole days (the rollup that settles cut sessions is daily). */
export const SESSIONS: KeySpec = {
  steps: 'calls_session_steps',
  key: 'session_id',
  hash: 'session_hash',
  rollup: { table: 'calls_daily_sessions', time: 'day' },
  aggregate: 'sessions',
  source: DAILY_SESSIONS_SOURCE,
  grainMs: DAY_MS,
};

/** The range widened to whole hours (days): the range a ragged one is counted over. */
export function widen(range: TimeRange, grainMs: number): TimeRange {
  return { fromMs: Math.floor(range.fromMs / grainMs) * grainMs, toMs: Math.ceil(range.toMs / grainMs) * grainMs };
}

/**
 * When countKeys gives up (null) and the caller counts hashes in the rollup instead. The keys outside
 * the largest part (every project's) are summed over all their rows in one GROUP BY and matched against
 * the largest part's hashes, a pass over 16 bytes per key whatever their number. So:
 *   * beyond `maxUnmerged` rows outside it, that GROUP BY costs more than the hash count it saves;
 *   * beyond `maxUnmergedShare` of the table outside it, the hash count is cheaper anyway: a young
 *     table under ingestion, all small parts (the ingest bench's 300,000 calls in 30 parts: all_metrics
 *     248 -> 148 ms whole-day bounds, 327 -> 232 ragged, its two counts 150 ms against 55 ms of hashing).
 * See bench/README.md for the figures.
 */
export interface KeyCountLimits {
  maxUnmerged: number;
  maxUnmergedShare: number;
}
export const KEY_COUNT_LIMITS: KeyCountLimits = { maxUnmerged: 1_000_000, maxUnmergedShare: 0.25 };

export async function countKeys(ctx: MetricsContext, spec: KeySpec, range: TimeRange, limits: KeyCountLimits = KEY_COUNT_LIMITS): Promise<number | null> {
  const whole = widen(range, spec.grainMs);
  const ragged = whole.fromMs !== range.fromMs || whole.toMs !== range.toMs;
  for (let attempt = 0; attempt < 3; attempt++) {
    const parts = await partRows(ctx.ch, spec.steps);
    if (parts.length === 0) return 0;
    const outsideLargest = parts.slice(1).reduce((sum, part) => sum + part.rows, 0);
    if (outsideLargest > Math.min(limits.maxUnmerged, limits.maxUnmergedShare * (outsideLargest + parts[0]!.rows))) return null;
    const count = await countInParts(ctx, spec, whole, parts.map((part) => part.part));
    // A load between the two statements would add a part: the parts listed again prove there was none.
    const outside = ragged ? await countOnlyOutside(ctx, spec, range, whole) : 0;
    const active = (await partRows(ctx.ch, spec.steps)).map((row) => row.part);
    if (active.length === parts.length && parts.every(({ part }) => active.includes(part))) return count - outside;
    // a merge replaced a part, or a load added one, meanwhile: read the new ones
  }
  return null;
}

/**
 * Of the keys counted over the widened range, those with no live call in the range itself: keys
 * with a live call in the widening (raw calls, under an hour or a day at each end) and none in the
 * range, neither in its ragged edges (raw calls) nor in its whole hours or days (the rollup's rows,
 * looked up for those keys only).
 */
async function countOnlyOutside(ctx: MetricsContext, spec: KeySpec, range: TimeRange, whole: TimeRange): Promise<number> {
  const grain = spec.grainMs;
  const inner = { fromMs: Math.ceil(range.fromMs / grain) * grain, toMs: Math.floor(range.toMs / grain) * grain };
  const hasInner = inner.fromMs < inner.toMs;
  const nonEmpty = (pieces: TimeRange[]) => pieces.filter((piece) => piece.fromMs < piece.toMs);
  const widening = nonEmpty([{ fromMs: whole.fromMs, toMs: range.fromMs }, { fromMs: range.toMs, toMs: whole.toMs }]);
  const edges = hasInner ? nonEmpty([{ fromMs: range.fromMs, toMs: inner.fromMs }, { fromMs: inner.toMs, toMs: range.toMs }]) : [range];
  const params: Record<string, unknown> = {};
  const rows = (source: MetricsSource, pieces: TimeRange[], prefix: string) =>
    pieces.map((piece, index) => {
      const from = source.from(ctx.projectId, piece, {}, `${prefix}${index}_`, { distinct: true });
      Object.assign(params, from.params);
      const key = KEY_ROWS[spec.aggregate]![source.id]!;
      return `SELECT key_hash FROM (SELECT ${key.hash} AS key_hash, ${key.live} AS counts FROM ${from.sql}) WHERE counts`;
    });
  // The widening's keys first (often none: a range that starts before the first call or ends after
  // the last), then only those are looked up in the range.
  const [listed] = await queryRows<{ keys: string[] }>(
    ctx.ch,
    `SELECT groupUniqArray(hex(key_hash)) AS keys FROM (${rows(RAW_SOURCE, widening, 'g').join(' UNION ALL ')})`,
    { tag: `metrics.key_count.${spec.key}.widening`, params, settings: RAW_SETTINGS },
  );
  const keys = listed?.keys ?? [];
  if (keys.length === 0) return 0;
  const inside = [...rows(RAW_SOURCE, edges, 'e'), ...(hasInner ? rows(spec.source, [inner], 'w') : [])].join(' UNION ALL ');
  const [row] = await queryRows<{ n: string }>(
    ctx.ch,
    `SELECT uniqExact(key_hash) AS n FROM (${inside}) WHERE key_hash IN ${hashesFromHex('keys')}`,
    { tag: `metrics.key_count.${spec.key}.outside`, params: { ...params, keys }, settings: RAW_SETTINGS },
  );
  return keys.length - Number(row!.n);
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
