// Agent loops of the waste analysis: traces in which one step (call name) runs at least
// LOOP_MIN_DEPTH times as a first attempt within the range, deepest first (ties: the greater spend,
// then trace_id). Read from calls_trace_steps (migration 0011), one row per trace once merged, and
// from the raw calls only for the traces it cannot answer alone:
//   * a trace whose rows sit in several parts (not merged yet) is merged at query time: those are the
//     traces with a row outside the table's largest part (every row of the others is in that one part,
//     where a trace is a single row: parts are written and merged with one row per key);
//   * a trace whose call hours are not inside [from, to) is counted from raw calls in the range (only
//     traces active at a bound; the hours cover every copy ever loaded, so they are never too narrow);
//   * traces whose deepest step over all their calls is below the loop depth are no loop in any range.
// Measured at 10M calls (7.5M traces): 2-4 s as a GROUP BY trace_id over raw calls.
import { queryRows } from '@margin/clickhouse';
import {
  cutTraces,
  HULL_COLUMNS,
  HULL_INSIDE as INSIDE,
  HULL_OVERLAPS as OVERLAPS,
  hashAmong,
  hashesFromHex,
  hashNumber,
  partRows,
  rangeParams as timeParams,
  type CutTraces,
  type Hull,
} from '../sql/index.ts';
import { CALLS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
import type { AnalysisContext } from './context.ts';
import { Dec, usd } from './money.ts';

/** Repeats of one step in a trace from which it counts as a loop. */
export const LOOP_MIN_DEPTH = 5;
/** At most this many loops are answered, deepest first. */
export const MAX_LOOPS = 50;

export interface Loop {
  trace_id: string;
  name: string;
  depth: number;
  spend: number;
}

interface LoopRow {
  trace_id: string;
  step_name: string;
  depth: string;
  spend: string;
}

/** (count, name) of the most repeated step of a `steps` map (ties: the greater name). */
const TOP_STEP = 'arrayReverseSort(arrayFilter(x -> x.1 > 0, arrayZip(mapValues(steps), mapKeys(steps))))[1]';
/** Rows that may hold a loop: a trace has at least as many calls as first attempts of one step. */
const DEEP = 'requests >= {min_depth:Int64} AND arrayMax(mapValues(steps)) >= {min_depth:Int64}';

/** `maxUnmerged`: beyond this many rows outside the largest part, one statement merges them all (tests set 0 to take that path). */
export async function agentLoops(ctx: AnalysisContext, range: { from: number; to: number }, maxUnmerged = MAX_UNMERGED): Promise<Loop[]> {
  const rows = ctx.source === 'raw' ? await rawLoops(ctx, range) : await rollupLoops(ctx, range, maxUnmerged);
  return rows.map((row) => ({ trace_id: row.trace_id, name: row.step_name, depth: Number(row.depth), spend: usd(row.spend) }));
}

async function rollupLoops(ctx: AnalysisContext, range: { from: number; to: number }, maxUnmerged: number): Promise<LoopRow[]> {
  const parts = await partRows(ctx.ch, 'calls_trace_steps');
  if (!parts.length) return [];
  const params = {
    projectId: ctx.projectId,
    part: parts[0]!.part,
    min_depth: LOOP_MIN_DEPTH,
    ...timeParams({ fromMs: range.from, toMs: range.to }),
  };
  const { whole, edge } = (await largestPartLoops(ctx, params, maxUnmerged, parts)) ?? (await anyPartsLoops(ctx, params));
  const counted = edge.length ? await rawLoops(ctx, range, cutTraces(range, edge)) : [];
  return [...whole, ...counted]
    .sort(
      (a, b) =>
        Number(b.depth) - Number(a.depth) ||
        new Dec(b.spend).comparedTo(a.spend) ||
        (a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0),
    )
    .slice(0, MAX_LOOPS);
}

type Edge = { trace_id: string } & Hull;

interface Found {
  /** The deepest traces inside the range, by the rollup alone (ties at the cut included). */
  whole: LoopRow[];
  /** Traces cut by a range bound, with their hulls: counted from raw calls. */
  edge: Edge[];
}

/** Beyond this many rows outside the largest part, anyPartsLoops merges them in one statement instead. */
export const MAX_UNMERGED = 1_000_000;
/**
 * Beyond this many traces outside the largest part deep enough to be a loop, anyPartsLoops answers:
 * their hashes go back as an array parameter, which chDB takes slowly from tens of thousands on (an
 * array of 75,000 trace ids did not finish in 100 s, 20,000 took 0.3 s).
 */
const MAX_UNMERGED_DEEP = 10_000;

/** Every read of the largest-part path is pinned to the parts listed first ({parts}: one snapshot). */
const STEPS = 'calls_trace_steps WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}';
const HASH = hashNumber('trace_hash');
/** The rows of the traces with rows outside the largest part ({part}), by hash (migration 0022). */
const AMONG = hashAmong('trace_hash', `${STEPS} AND _part != {part:String}`);

/**
 * The traces with rows outside the largest part are summed over all their rows; every other trace is
 * one row of the largest part, picked by its position there (no trace_id read until the few chosen
 * rows, the top ones with room for the unmerged traces among them, and those cut by a bound). Each
 * statement reads the parts listed first; if one of them is gone by the end (merged), the reads are
 * made again from a new list, and after three tries anyPartsLoops answers (null).
 */
async function largestPartLoops(
  ctx: AnalysisContext,
  params: Record<string, unknown>,
  maxUnmerged: number,
  listed: { part: string; rows: number }[],
): Promise<Found | null> {
  let parts = listed;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!parts.length) return { whole: [], edge: [] };
    const outside = parts.slice(1).reduce((sum, part) => sum + part.rows, 0);
    if (outside > maxUnmerged) return null;
    const pinned = { ...params, part: parts[0]!.part, parts: parts.map((part) => part.part) };
    const found = await loopsInParts(ctx, pinned, outside);
    if (found === 'too deep') return null;
    const now = await partRows(ctx.ch, 'calls_trace_steps');
    const active = new Set(now.map((row) => row.part));
    if (found && parts.every(({ part }) => active.has(part))) return found;
    parts = now;
  }
  return null;
}

/**
 * The loops of one snapshot of calls_trace_steps ({parts}, the largest first), given the rows outside
 * the largest part (a bound on the traces there); null when a chosen row's trace_id was not found.
 */
async function loopsInParts(ctx: AnalysisContext, params: Record<string, unknown>, outside: number): Promise<Found | null | 'too deep'> {
  const unmerged = outside ? await unmergedLoops(ctx, params) : { loops: [], offsets: new Set<string>() };
  if (unmerged === null) return 'too deep';
  // Everything but trace_id comes with the pick (the projection holds it); trace_id is then read
  // for the chosen rows only.
  const pick = (where: string, order: string, floor = LOOP_MIN_DEPTH) =>
    queryRows<Omit<LoopRow, 'trace_id'> & Hull & { offset: string }>(
      ctx.ch,
      `SELECT _part_offset AS offset, ${TOP_STEP} AS top, top.1 AS depth, top.2 AS step_name, cost_total AS spend, ${HULL_COLUMNS}
       FROM calls_trace_steps PREWHERE requests >= {floor:Int64} AND arrayMax(mapValues(steps)) >= {floor:Int64}
       WHERE project_id = {projectId:String} AND _part = {part:String} AND ${where} ${order}`,
      { tag: 'analyses.waste.loops_pick', params: { ...params, floor } },
    );
  type Picked = Omit<LoopRow, 'trace_id'> & Hull & { offset: string; unmerged: boolean };
  const flag = (rows: Omit<Picked, 'unmerged'>[]): Picked[] =>
    rows.map((row) => ({ ...row, offset: String(row.offset), unmerged: unmerged.offsets.has(String(row.offset)) }));
  const idsAt = async (rows: Picked[]): Promise<(Picked & { trace_id: string | undefined })[]> => {
    const offsets = rows.map((row) => Number(row.offset));
    const found = offsets.length
      ? await queryRows<{ offset: string; trace_id: string }>(
          ctx.ch,
          'SELECT _part_offset AS offset, trace_id FROM calls_trace_steps WHERE _part = {part:String} AND _part_offset IN {offsets:Array(UInt64)}',
          { tag: 'analyses.waste.loops_rows', params: { ...params, offsets } },
        )
      : [];
    const traceAt = new Map(found.map((row) => [String(row.offset), row.trace_id]));
    return rows.map((row) => ({ ...row, trace_id: traceAt.get(row.offset) }));
  };
  // ClickHouse reads the deepest from the projection sorted by requests (migration 0021), where the
  // 2% of traces with enough calls lie together: 45 against 240 ms at 10M calls, and fewer of them
  // from a floor of depth on (fromDeepest). Rows of unmerged
  // traces among them do not count (their merged rows above stand for them), so the pick needs room
  // for them: MAX_LOOPS + 100 rows first, four times as many while fewer than MAX_LOOPS others are
  // there and the part has more (ties at the limit included). With 75,000 unmerged traces, room for
  // all of them at once took 250 ms to pick and 390 ms to read their ids; few are among the deepest.
  // trace_id is read for the rows that can still be among the loops only: 150 random rows read 150
  // granules of it (42 ms at 10M calls), 50 rows 17 ms.
  const order = 'ORDER BY arrayMax(mapValues(steps)) DESC, cost_total DESC';
  const deepest = (limit: number) => fromDeepest((floor) => pick(INSIDE, `${order} LIMIT ${limit} WITH TIES`, floor), limit);
  const top = keepRanked(await pickAround(async (limit) => flag(await deepest(limit)), outside, MAX_LOOPS), MAX_LOOPS);
  const cut = flag(await pick(`${OVERLAPS} AND NOT (${INSIDE})`, '')).filter((row) => !row.unmerged);
  const rows = await idsAt([...top, ...cut]);
  if (rows.some((row) => row.trace_id === undefined)) return null;
  const edge = new Set(cut.map((row) => row.offset));
  const merged = rows.map((row) => ({ ...row, trace_id: row.trace_id! }));
  const strip = ({ trace_id, step_name, depth, spend }: LoopRow): LoopRow => ({ trace_id, step_name, depth, spend });
  const inside = (row: { inside: boolean | number }) => row.inside === true || row.inside === 1;
  return {
    whole: [...merged.filter((row) => !edge.has(row.offset)), ...unmerged.loops.filter(inside)].map(strip),
    edge: [...merged.filter((row) => edge.has(row.offset)), ...unmerged.loops.filter((row) => !inside(row))].map(
      ({ trace_id, hull_from, hull_to }) => ({
        trace_id,
        hull_from,
        hull_to,
      }),
    ),
  };
}

type UnmergedLoop = LoopRow & Hull & { inside: boolean | number };

/**
 * The traces with rows outside the largest part: `loops`, those that may be a loop in the range,
 * merged; `offsets`, the positions of their rows in the largest part (which the pick skips). Their
 * rows there are found by hash in one pass over that part's hashes, reading calls and hours only (the
 * steps map and trace_id of every row would be read otherwise: those traces are random, so they lie
 * in every granule). Only the traces with enough calls overlapping the range (about 2% of them) are
 * then read whole: from the largest part by position, from the others by hash. Null beyond
 * MAX_UNMERGED_DEEP such traces.
 */
async function unmergedLoops(
  ctx: AnalysisContext,
  params: Record<string, unknown>,
): Promise<{ loops: UnmergedLoop[]; offsets: Set<string> } | null> {
  const [found] = await queryRows<{ offsets: string[]; deep: [string, string[]][] }>(
    ctx.ch,
    `SELECT arrayFlatten(groupArray(at)) AS offsets, groupArrayIf((hash, at), deep) AS deep
     FROM (
       SELECT hex(any(trace_hash)) AS hash, groupArrayIf(_part_offset, _part = {part:String}) AS at,
              sum(requests) >= {min_depth:Int64} AND max(max_hour) + 3600 > {from:DateTime64(3, 'UTC')} AND min(min_hour) < {to:DateTime64(3, 'UTC')} AS deep
       FROM calls_trace_steps PREWHERE ${AMONG.prewhere}
       WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)} AND ${AMONG.where}
       GROUP BY ${HASH}
     )`,
    { tag: 'analyses.waste.loops_unmerged', params },
  );
  const deep = found?.deep ?? [];
  const offsets = new Set((found?.offsets ?? []).map(String));
  if (deep.length > MAX_UNMERGED_DEEP) return null;
  if (!deep.length) return { loops: [], offsets };
  const columns = 'trace_id, steps, requests, cost_total, min_hour, max_hour';
  const loops = await queryRows<UnmergedLoop>(
    ctx.ch,
    `SELECT trace_id, ${TOP_STEP} AS top, top.1 AS depth, top.2 AS step_name, cost_total AS spend, ${INSIDE} AS inside, ${HULL_COLUMNS}
     FROM (
       SELECT trace_id, sumMap(steps) AS steps, sum(requests) AS requests, sum(cost_total) AS cost_total,
              min(min_hour) AS min_hour, max(max_hour) AS max_hour
       FROM (
         SELECT ${columns} FROM calls_trace_steps
         WHERE project_id = {projectId:String} AND _part = {part:String} AND _part_offset IN {offsets:Array(UInt64)}
         UNION ALL
         SELECT ${columns} FROM ${STEPS} AND _part != {part:String}
           AND trace_hash IN ${hashesFromHex('hashes')}
       )
       GROUP BY trace_id
     )
     WHERE ${DEEP} AND ${OVERLAPS}`,
    {
      tag: 'analyses.waste.loops_unmerged_rows',
      params: { ...params, offsets: deep.flatMap(([, at]) => at.map(Number)), hashes: deep.map(([hash]) => hash) },
    },
  );
  return { loops, offsets };
}

/**
 * The first rows of a part in the pick's order (`pick(limit)`: that many, and the rows tied with the
 * last), enough that `want` of them are not `unmerged`, or all of the part's: room for `firstRoom`
 * unmerged rows first, four times as much each time fewer than `want` others come back, never more
 * than `unmergedCount` (at least the number of unmerged traces). Every row of the part that is not
 * unmerged and ranks among the first `want` such rows is there (a row left out ranks below every row
 * picked).
 */
export async function pickAround<T extends { unmerged: boolean }>(
  pick: (limit: number) => Promise<T[]>,
  unmergedCount: number,
  want: number,
  firstRoom = 100,
): Promise<T[]> {
  for (let room = Math.max(1, firstRoom); ; room *= 4) {
    const limit = want + Math.min(room, unmergedCount);
    const rows = await pick(limit);
    const others = rows.filter((row) => !row.unmerged).length;
    if (rows.length < limit || others >= want || room >= unmergedCount) return rows;
  }
}

/**
 * The depths from which the deepest rows are picked first, in turn. A trace is at most as deep as it
 * has calls, so the pick at a floor reads only the rows of the projection by requests (0021) from that
 * many calls on: at 10M calls, 9-12 ms from 16 or 32 calls on against 36-58 ms from LOOP_MIN_DEPTH.
 */
export const DEPTH_FLOORS = [32, 16, 8];

/**
 * The first `limit` rows of a pick by depth (ties at the limit included): `pick(floor)` returns them
 * among the rows at least `floor` deep. Once that holds `limit` rows, no shallower row can rank among
 * them; otherwise the next floor down, and LOOP_MIN_DEPTH last (every row that can be a loop).
 */
export async function fromDeepest<T>(pick: (floor: number) => Promise<T[]>, limit: number, floors = DEPTH_FLOORS): Promise<T[]> {
  for (const floor of floors) {
    if (floor <= LOOP_MIN_DEPTH) break;
    const rows = await pick(floor);
    if (rows.length >= limit) return rows;
  }
  return pick(LOOP_MIN_DEPTH);
}

/**
 * The rows of a pick (in its order: depth, then spend, descending) that are not `unmerged`, up to
 * the `want`th and the rows tied with it (their order is settled by trace_id later). The rows below
 * can never be among the first `want` loops.
 */
export function keepRanked<T extends { unmerged: boolean; depth: string | number; spend: string | number }>(rows: T[], want: number): T[] {
  const kept: T[] = [];
  for (const row of rows) {
    if (row.unmerged) continue;
    const last = kept[want - 1];
    if (last && (String(last.depth) !== String(row.depth) || String(last.spend) !== String(row.spend))) break;
    kept.push(row);
  }
  return kept;
}

/** Any number of parts: the traces with a row outside the largest part are merged at query time. */
async function anyPartsLoops(ctx: AnalysisContext, params: Record<string, unknown>): Promise<Found> {
  const traces = `
    WITH unmerged AS (SELECT DISTINCT trace_id FROM calls_trace_steps WHERE project_id = {projectId:String} AND _part != {part:String})
    SELECT trace_id, steps, requests, cost_total, min_hour, max_hour FROM (
      SELECT trace_id, steps, requests, cost_total, min_hour, max_hour FROM calls_trace_steps PREWHERE ${DEEP}
      WHERE project_id = {projectId:String} AND _part = {part:String} AND trace_id NOT IN unmerged
      UNION ALL
      SELECT trace_id, sumMap(steps) AS steps, sum(requests) AS requests, sum(cost_total) AS cost_total,
             min(min_hour) AS min_hour, max(max_hour) AS max_hour
      FROM calls_trace_steps WHERE project_id = {projectId:String} AND trace_id IN unmerged
      GROUP BY trace_id
    )
    WHERE ${DEEP} AND ${OVERLAPS}`;
  const whole = await queryRows<LoopRow>(
    ctx.ch,
    `SELECT trace_id, ${TOP_STEP} AS top, top.1 AS depth, top.2 AS step_name, cost_total AS spend
     FROM (${traces}) WHERE ${INSIDE}
     ORDER BY depth DESC, spend DESC, trace_id LIMIT ${MAX_LOOPS}`,
    { tag: 'analyses.waste.loops', params },
  );
  const edge = await queryRows<Edge>(ctx.ch, `SELECT trace_id, ${HULL_COLUMNS} FROM (${traces}) WHERE NOT (${INSIDE})`, {
    tag: 'analyses.waste.loops_edge',
    params,
  });
  return { whole, edge };
}

/**
 * The loops over raw calls: of all traces, or of the given ones only, read in `window` (cutWindow: the
 * hours at the bounds where their calls lie) through the trace-key bloom filter of 0007.
 */
async function rawLoops(ctx: AnalysisContext, range: { from: number; to: number }, traces?: CutTraces): Promise<LoopRow[]> {
  const only = traces ? `AND if(empty(trace_id), id, trace_id) IN {trace_ids:Array(String)} AND ${traces.window.sql}` : '';
  return queryAnalysis<LoopRow>(
    ctx.ch,
    // One GROUP BY trace_id: each long enough trace's first-attempt step names, then the most
    // repeated one (ties: the greater name).
    `SELECT trace_id, arrayReverseSort(arrayMap(step -> (countEqual(steps, step), step), arrayDistinct(steps)))[1] AS top,
            top.1 AS depth, top.2 AS step_name, spend
     FROM (
       SELECT trace_id, groupArrayIf(name, attempt <= 1) AS steps, sum(cost_total) AS spend
       FROM ${CALLS_IN_RANGE} AND trace_id != '' ${only}
       GROUP BY trace_id
       HAVING length(steps) >= {min_depth:UInt64}
     )
     WHERE depth >= {min_depth:UInt64}
     ORDER BY depth DESC, spend DESC, trace_id
     LIMIT ${MAX_LOOPS}`,
    {
      tag: 'analyses.waste.loops_raw',
      params: { ...rangeParams(ctx.projectId, range), min_depth: LOOP_MIN_DEPTH, trace_ids: traces?.ids ?? [], ...traces?.window.params },
    },
  );
}
