// Distinct traces or sessions of one project over a range, unfiltered, without a hash set of every key (at 10M calls, uniqExact over the 2.7M
// (hour, trace) rows of 30 days in calls_hourly_traces takes 120-200 ms and up to 800 on a busy host, over the 7.5M of the whole
// period 300-500 ms). It reads the key's steps table (sql/trace-steps.ts: calls_trace_steps, calls_session_steps) over the range's
// whole hours (sessions: days), `inner`: a key counts there when it has a live call there, and by its row
//   * hull inside `inner`: when requests > 0 (its live calls lie in its hull);
//   * hull outside it: never;
//   * hull cut by a bound: its live hours (days) are looked up in the key's rollup
//     (calls_hourly_traces, calls_daily_sessions), for the few keys active across a bound.
// The steps tables' projection by last hour (migration 0023) reads only the keys that end in or after
// `inner`. A ragged range adds its edges (under an hour, or a day, at each end, outside `inner`): the
// distinct keys of their raw calls, counted together with the cut keys' look-up (a key inside
// `inner` has no call in the edges: its hull holds every hour it ever had a call in).
// A key is one row within a part. The largest part is read as it is, except for the keys that also
// have rows in other parts (newer, not merged yet): those are summed over their rows, found in the
// largest part by their hash (migration 0022) in one pass over its hashes. Under ingestion that
// costs about 100 ms at 7.5M traces however many keys are outside (74,000 in bench/queries/run.ts
// --unmerged); the hash count it replaces took 450. When the other parts hold more rows than
// KEY_COUNT_LIMITS allow, this gives up and the caller counts hashes in the rollup. Every read of the
// steps table is pinned to the parts listed first, and the count is returned only when those parts
// are all still active afterwards: one snapshot of that table. (The few cut keys are looked up in
// the rollup, and the edges in raw calls, as they are a moment later: a call loaded in between can
// show there first, as with any two statements read during ingestion.)
import { queryRows } from '@margin/clickhouse';
import { cutOffsets, DAY_MS, hashAmong, hashesFromHex, hashNumber, HOUR_MS, HULL_ENDS_AFTER, HULL_ENDS_FROM, HULL_INSIDE, HULL_OVERLAPS, HULL_STARTS_BEFORE, partRows, rangeCondition, rangeParams, RAW_SETTINGS, type TimeRange } from '../sql/index.ts';
import { KEY_ROWS } from './aggregates.ts';
import type { MetricsContext } from './get-metrics.ts';
import { RAW_SOURCE } from './sources.ts';

/** The first and last hour with calls of a project, in ms; null when it has none. */
export type CallHours = { firstMs: number; lastMs: number } | null;

/** The project's CallHours (calls_hourly, a few rows per hour). */
export async function callHours(ctx: MetricsContext): Promise<CallHours> {
  const [row] = await queryRows<{ first: number | string; last: number | string; hours: string }>(
    ctx.ch,
    `SELECT toUInt32(min(hour)) AS first, toUInt32(max(hour)) AS last, count() AS hours
     FROM calls_hourly WHERE project_id = {projectId:String}`,
    { tag: 'metrics.key_count.extent', params: { projectId: ctx.projectId } },
  );
  if (!row || Number(row.hours) === 0) return null;
  return { firstMs: Number(row.first) * 1000, lastMs: Number(row.last) * 1000 };
}

/**
 * Whether the range holds every hour with calls of the project: then no call's hour lies partly
 * outside it (efficiency skips its cut traces). Only the speed depends on this answer, not what is
 * counted, so calls loaded meanwhile do not matter.
 */
export async function rangeHoldsAllCalls(ctx: MetricsContext, range: TimeRange): Promise<boolean> {
  const hours = await callHours(ctx);
  return !hours || (hours.firstMs >= range.fromMs && hours.lastMs + HOUR_MS <= range.toMs);
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
  /** The distinct count it is (KEY_ROWS), and the rollup's grain: ragged ranges are counted over whole ones. */
  aggregate: 'traces' | 'sessions';
  grainMs: number;
}

export const TRACES: KeySpec = {
  steps: 'calls_trace_steps',
  key: 'trace_id',
  hash: 'trace_hash',
  rollup: { table: 'calls_hourly_traces', time: 'hour' },
  aggregate: 'traces',
  grainMs: HOUR_MS,
};
/** Sessions: counted over whole days (the rollup that settles cut sessions is daily). */
export const SESSIONS: KeySpec = {
  steps: 'calls_session_steps',
  key: 'session_id',
  hash: 'session_hash',
  rollup: { table: 'calls_daily_sessions', time: 'day' },
  aggregate: 'sessions',
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

export interface KeyCountOptions {
  limits?: KeyCountLimits;
  /**
   * Whether the range's first whole hour (day) comes before every call of the project (callHours), a
   * hint that picks how the keys inside are counted, not what they count to: then as the live keys
   * less those that end after the range and those that start before it (the minmax indexes skip every
   * granule of the last: at 10M calls 22 against 56 ms); otherwise as the keys that end in the range
   * (the projection by last hour) and start in it (30 of 92 days: 22-28 against 91-97 ms).
   */
  startsBeforeData?: boolean;
}

/**
 * `read` over the active parts of a steps table (names, largest first), its answer returned only when
 * those parts are all still active afterwards: one snapshot of the table (a merge or a load meanwhile:
 * read again, up to three times). `empty` for a table without parts; null when more of the table is
 * outside its largest part than `limits` allow, or when the parts kept changing.
 */
export async function inStableParts<T>(ch: MetricsContext['ch'], table: KeySpec['steps'] | 'spans_trace_tools', limits: KeyCountLimits, empty: T, read: (parts: string[]) => Promise<T>): Promise<T | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const parts = await partRows(ch, table);
    if (parts.length === 0) return empty;
    const outsideLargest = parts.slice(1).reduce((sum, part) => sum + part.rows, 0);
    if (outsideLargest > Math.min(limits.maxUnmerged, limits.maxUnmergedShare * (outsideLargest + parts[0]!.rows))) return null;
    const answer = await read(parts.map((part) => part.part));
    // A load between the statements would add a part: the parts listed again prove there was none.
    const active = (await partRows(ch, table)).map((row) => row.part);
    if (active.length === parts.length && parts.every(({ part }) => active.includes(part))) return answer;
    // a merge replaced a part, or a load added one, meanwhile: read the new ones
  }
  return null;
}

export async function countKeys(ctx: MetricsContext, spec: KeySpec, range: TimeRange, options: KeyCountOptions = {}): Promise<number | null> {
  const grain = spec.grainMs;
  const inner = { fromMs: Math.ceil(range.fromMs / grain) * grain, toMs: Math.floor(range.toMs / grain) * grain };
  const hasInner = inner.fromMs < inner.toMs;
  const edges = hasInner
    ? [{ fromMs: range.fromMs, toMs: inner.fromMs }, { fromMs: inner.toMs, toMs: range.toMs }].filter((piece) => piece.fromMs < piece.toMs)
    : [range];
  return inStableParts(ctx.ch, spec.steps, options.limits ?? KEY_COUNT_LIMITS, 0, async (parts) => {
    const inside = hasInner ? await countInParts(ctx, spec, inner, parts, options.startsBeforeData ?? false) : { count: 0, cuts: [] };
    return inside.count + (await countAcross(ctx, spec, inner, inside.cuts, edges));
  });
}

/** A key's hash (hex), and the first and last hour (epoch seconds) of its hull. */
type CutKey = [string, number | string, number | string];

/**
 * The keys inside `range` (whole hours or days), and those it cuts: in the largest part as it is,
 * and summed over all their rows for the keys with rows in other parts.
 */
async function countInParts(ctx: MetricsContext, spec: KeySpec, range: TimeRange, parts: string[], startsBeforeData: boolean): Promise<{ count: number; cuts: CutKey[] }> {
  const params = { projectId: ctx.projectId, largest: parts[0], parts, ...rangeParams(range) };
  const hash = hashNumber(spec.hash);
  const steps = `${spec.steps} WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}`;
  const largest = `${steps} AND _part = {largest:String}`;
  const others = `${steps} AND _part != {largest:String}`;
  const among = hashAmong(spec.hash, others);
  // The conditions are in WHERE, not in countIf, so ClickHouse reads the hours before anything else,
  // and ranges of last hours read the projection by them (0023). The live keys are all rows less those
  // without calls (all moved to other keys): the projection by requests (0021) finds those without
  // reading the table.
  const inside = startsBeforeData
    ? `(SELECT count() FROM ${largest}) - (SELECT count() FROM ${largest} AND requests <= 0)
         - (SELECT count() FROM ${largest} AND requests > 0 AND ${HULL_ENDS_AFTER})
         - (SELECT count() FROM ${largest} AND requests > 0 AND NOT (${HULL_ENDS_AFTER}) AND ${HULL_STARTS_BEFORE})`
    : `(SELECT count() FROM ${largest} AND requests > 0 AND ${HULL_ENDS_FROM} AND ${HULL_INSIDE})`;
  const cutOf = (where: string) => `groupArrayIf((hex(${spec.hash}), toUInt32(min_hour), toUInt32(max_hour)), ${where})`;
  const cutting = `${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`;
  // The keys with rows in other parts, summed over all their rows, in one pass over the hashes, and
  // their rows in the largest part counted above taken off again. A cut key comes with its hull, to
  // look up only those hours; a key cut in the largest part and merged here is cut both times (its
  // merged hull holds that row's), and the look-up counts distinct keys, so it counts once.
  const merged =
    parts.length === 1
      ? ''
      : `,
       (SELECT (countIf(requests > 0 AND ${HULL_INSIDE}), sum(replaced), ${cutOf(cutting)})
        FROM (SELECT any(key_hash) AS ${spec.hash}, sum(live) AS requests, min(lo) AS min_hour, max(hi) AS max_hour, max(counted) AS replaced
              FROM (SELECT ${hash} AS key, ${spec.hash} AS key_hash, requests AS live, min_hour AS lo, max_hour AS hi,
                           _part = {largest:String} AND requests > 0 AND ${HULL_INSIDE} AS counted
                    FROM ${spec.steps} PREWHERE ${among.prewhere}
                    WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)} AND ${among.where})
              GROUP BY key)) AS merged`;
  const [counts] = await queryRows<{ inside: string; cut: CutKey[]; merged?: [string, string, CutKey[]] }>(
    ctx.ch,
    `SELECT
       ${inside} AS inside,
       -- the cut keys' rows found by their offsets in the projection by last hour, then their hashes
       (SELECT ${cutOf('1')} FROM ${largest} AND _part_offset IN (${cutOffsets(largest)})) AS cut${merged}`,
    { tag: `metrics.key_count.${spec.key}`, params },
  );
  if (!counts!.merged) return { count: Number(counts!.inside), cuts: counts!.cut };
  const [keys, replaced, cutMerged] = counts!.merged;
  return { count: Number(counts!.inside) - Number(replaced) + Number(keys), cuts: [...counts!.cut, ...cutMerged] };
}

/**
 * The keys counted across the bounds of the whole hours (days) `inner`: the cut keys with a live call
 * there (the same test as the rollup source, a (time, key) row whose calls still count, over the
 * hours or days of their hulls only: those cut by the start of `inner` up to the last hull end among
 * them, those cut by its end from the first hull start among them), together with the keys of the
 * raw calls in the ragged edges, each key once.
 */
async function countAcross(ctx: MetricsContext, spec: KeySpec, inner: TimeRange, cuts: CutKey[], edges: TimeRange[]): Promise<number> {
  const params: Record<string, unknown> = { projectId: ctx.projectId };
  const branches = edges.map((piece, index) => {
    const from = RAW_SOURCE.from(ctx.projectId, piece, {}, `e${index}_`, { distinct: true });
    Object.assign(params, from.params);
    const key = KEY_ROWS[spec.aggregate]![RAW_SOURCE.id]!;
    return `SELECT key_hash FROM (SELECT ${key.hash} AS key_hash, ${key.live} AS counts FROM ${from.sql}) WHERE counts`;
  });
  if (cuts.length > 0) {
    const { table, time } = spec.rollup;
    const day = time === 'day';
    const hour = (param: string) => (day ? `toDate(toDateTime({${param}:UInt32}, 'UTC'))` : `toDateTime({${param}:UInt32}, 'UTC')`);
    // two runs of hours at the bounds (the rollup is sorted by hour, then key), not the whole range
    // between the first hull start and the last hull end (at 10M calls over 30 days: 39 -> 12 ms)
    let before = 0;
    let after = 2 ** 32 - 1;
    for (const [, first, last] of cuts) {
      if (Number(first) * 1000 < inner.fromMs) before = Math.max(before, Number(last));
      if (Number(last) * 1000 + HOUR_MS > inner.toMs) after = Math.min(after, Number(first));
    }
    Object.assign(params, rangeParams(inner), { cut: cuts.map(([hash]) => hash), before, after });
    branches.push(
      `SELECT key_hash FROM (SELECT ${spec.hash} AS key_hash, requests > 0 AS counts FROM ${table} FINAL
        WHERE project_id = {projectId:String} AND ${rangeCondition(time, day ? 'date' : 'time')}
          AND (${time} <= ${hour('before')} OR ${time} >= ${hour('after')}) AND ${spec.hash} IN ${hashesFromHex('cut')})
       WHERE counts`,
    );
  }
  if (branches.length === 0) return 0;
  const [row] = await queryRows<{ n: string }>(ctx.ch, `SELECT uniqExact(key_hash) AS n FROM (${branches.join(' UNION ALL ')})`, {
    tag: `metrics.key_count.${spec.key}.across`,
    params,
    settings: RAW_SETTINGS,
  });
  return Number(row!.n);
}
