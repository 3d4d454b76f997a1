// Redundant tool calls of the waste analysis: a tool span with the same tool_name and input_hash as an
// earlier live one in the same trace; each repeat beyond the first counts once, over the tool spans
// in the range. Read from spans_trace_tools (migration 0019), one row per trace once merged with the
// sets of its tool spans' ids, their (tool, input) hashes and every copy of them, and from raw spans
// only for the traces it cannot answer alone:
//   * a trace with rows outside the table's largest part (not merged yet) is merged at query time
//     (each set is a union, so merging rows is groupUniqArrayArray);
//   * a trace whose hours are not inside [from, to) is counted from raw spans in the range (only
//     traces active at a bound; the hours cover every copy ever loaded, so they are never too narrow).
// Measured at 10M calls (2M tool spans): about 630 ms as a GROUP BY (trace, tool, input hash) over
// raw spans, which the raw source still runs (bench/README.md).
import {
  cutTraces,
  hashAmong,
  hullNearBounds,
  hashesFromHex,
  hashNumber,
  HULL_COLUMNS,
  HULL_INSIDE,
  HULL_OVERLAPS,
  rangeParams as timeParams,
  type CutTraces,
  type Hull,
} from '../sql/index.ts';
import { SPANS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
import type { AnalysisContext } from './context.ts';
import { inStableParts, type KeyCountLimits } from '../metrics/key-count.ts';

export interface RedundantToolCalls {
  /** Repeats beyond the first of each (tool, input hash) in a trace. */
  count: number;
  /** Traces with at least one repeat. */
  traces: number;
}

/**
 * The repeats of a trace with several copies of a span id: the newest copy of each id (sorted
 * descending, the first of each id; ties in version: the greater hash, as tuples compare), then its
 * tool spans less their distinct (tool, input) hashes. With one copy per id that is
 * ids.size0 - pairs.size0, array sizes only.
 */
const REPEATS_OF_COPIES = `length(arrayFilter((x, i) -> i = 1 OR sorted[i - 1].1 != x.1, arrayReverseSort(copies) AS sorted, arrayEnumerate(sorted)) AS live)
  - length(arrayDistinct(arrayMap(x -> x.3, live)))`;

const KEY = hashNumber('trace_hash');

/**
 * The rows of the traces with rows outside the largest part (not merged yet), by hash: they lie in
 * every granule of the largest part, where matching them by trace_id read that whole column (about
 * 33 bytes a trace).
 */
const UNMERGED = hashAmong('trace_hash', 'spans_trace_tools WHERE project_id = {projectId:String} AND _part != {part:String}');

/** Rows of the largest part, as if each were a whole trace. */
const LARGEST = 'project_id = {projectId:String} AND _part = {part:String}';

/** A row's repeats: from array sizes while it holds one copy per span id, else from its copies. */
const ROW_REPEATS = `if(copies.size0 = ids.size0, toInt64(ids.size0) - pairs.size0, ${REPEATS_OF_COPIES})`;

/**
 * The traces not merged yet, merged here: key (the hash, and as stored), copies and hull, and `stale`,
 * the repeats of their row in the largest part if it lies inside the range (taken as a whole trace
 * there, so taken off again). One pass over the largest part's hashes finds both.
 */
const MERGED_HERE = `
  SELECT key, any(stored) AS hash, groupUniqArrayArray(copies) AS copies, min(lo) AS min_hour, max(hi) AS max_hour, sum(stale_row) AS stale
  FROM (
    SELECT ${KEY} AS key, trace_hash AS stored, copies, min_hour AS lo, max_hour AS hi,
           if(_part = {part:String} AND ${HULL_INSIDE}, ${ROW_REPEATS}, 0) AS stale_row
    FROM spans_trace_tools PREWHERE ${UNMERGED.prewhere} WHERE project_id = {projectId:String} AND ${UNMERGED.where}
  )
  GROUP BY key`;

/**
 * The repeats of the largest part's rows inside the range, each taken as a whole trace, from the
 * aggregate projection by hull (migration 0027; INSIDE_SETTINGS make this query's expressions those
 * of the projection). `several`: rows with several copies of a span id, counted from their copies.
 */
export const INSIDE_REPEATS = `SELECT sum(if(length(copies) = length(ids), toInt64(length(ids)) - length(pairs), 0)) AS count,
         countIf(length(copies) = length(ids) AND length(ids) > length(pairs)) AS traces,
         countIf(length(copies) != length(ids)) AS several
  FROM spans_trace_tools WHERE ${LARGEST} AND ${HULL_INSIDE}`;
/** The rewrites that would make INSIDE_REPEATS differ from the projection's expressions (0027). */
export const INSIDE_SETTINGS = { optimize_functions_to_subcolumns: 0, optimize_rewrite_aggregate_function_with_if: 0 } as const;

/**
 * The largest part's traces a bound of the range cuts, read from its projection by last hour (0027):
 * such a trace ends within the part's longest hull after the bound's hour (hullNearBounds).
 */
export const CUT_HERE = `SELECT trace_id, ${HULL_COLUMNS} FROM spans_trace_tools
  WHERE ${LARGEST} AND ${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})
    AND ${hullNearBounds(`(SELECT max(max_hour - min_hour) FROM spans_trace_tools WHERE ${LARGEST})`)}`;

/** Any share of the table outside its largest part: MERGED_HERE reads those rows whatever their number. */
const ANY_SHARE_UNMERGED: KeyCountLimits = { maxUnmerged: Infinity, maxUnmergedShare: 1 };

export async function redundantToolCalls(ctx: AnalysisContext, range: { from: number; to: number }): Promise<RedundantToolCalls> {
  if (ctx.source === 'raw') return rawRedundant(ctx, range);
  // A merge that replaced the largest part meanwhile leaves the reads by its name empty: read again
  // from the parts there then, as the key counts do (raw spans after three tries).
  const counted = await inStableParts(ctx.ch, 'spans_trace_tools', ANY_SHARE_UNMERGED, { count: 0, traces: 0 }, (parts) =>
    fromParts(ctx, range, parts),
  );
  return counted ?? rawRedundant(ctx, range);
}

/** The repeats over one list of the table's parts (names), the largest first. */
async function fromParts(ctx: AnalysisContext, range: { from: number; to: number }, parts: string[]): Promise<RedundantToolCalls> {
  const params = { projectId: ctx.projectId, part: parts[0]!, ...timeParams({ fromMs: range.from, toMs: range.to }) };
  // The traces inside the range: every row of the largest part taken as a whole trace (INSIDE_REPEATS),
  // less those of the traces not merged yet, plus those traces merged here (both from MERGED_HERE;
  // none when the table is one part). Rows with several copies of a span id are counted apart, then
  // read again for their copies only if there are any (after resent or updated spans). The traces not
  // merged yet that a bound cuts come back as hashes (hex) with their hulls.
  const [inside] = await queryAnalysis<{ count: string; traces: string; several: string }>(ctx.ch, INSIDE_REPEATS, {
    tag: 'analyses.waste.redundant_tools',
    params,
    settings: INSIDE_SETTINGS,
  });
  const [merged] =
    parts.length > 1
      ? await queryAnalysis<{ count: string; traces: string; cut: [string, number, number][] }>(
          ctx.ch,
          `SELECT sum(merged - stale) AS count, sum(toInt64(merged > 0) - (stale > 0)) AS traces,
                  groupArrayIf((hex(hash), ${HULL_COLUMNS}), NOT inside AND ${HULL_OVERLAPS}) AS cut
           FROM (SELECT *, ${HULL_INSIDE} AS inside, if(inside, ${REPEATS_OF_COPIES}, 0) AS merged FROM (${MERGED_HERE}))
           WHERE ${HULL_OVERLAPS} OR stale != 0`,
          { tag: 'analyses.waste.redundant_tools_unmerged', params },
        )
      : [];
  const row = {
    count: Number(inside?.count ?? 0) + Number(merged?.count ?? 0),
    traces: Number(inside?.traces ?? 0) + Number(merged?.traces ?? 0),
    several: Number(inside?.several ?? 0),
    cut: merged?.cut ?? [],
  };
  const several = row.several
    ? await queryAnalysis<{ count: string; traces: string }>(
        ctx.ch,
        `SELECT sum(repeats) AS count, countIf(repeats > 0) AS traces
         FROM (SELECT ${REPEATS_OF_COPIES} AS repeats FROM spans_trace_tools PREWHERE copies.size0 != ids.size0 WHERE ${LARGEST} AND ${HULL_INSIDE})`,
        { tag: 'analyses.waste.redundant_tools_copies', params },
      )
    : [];
  // The traces cut by a bound (none when the range holds every hour: the hour indexes skip it all),
  // counted from raw spans. A row's hours lie within its trace's, so a trace not merged yet is in the
  // largest part's cut rows only if it is among those above too (the IN list takes it once). Those are
  // named from their rows outside the largest part, where every one of them has one.
  const cutHere = await queryAnalysis<{ trace_id: string } & Hull>(ctx.ch, CUT_HERE, {
    tag: 'analyses.waste.redundant_tools_cut_traces',
    params,
  });
  const cutUnmerged = row.cut;
  const names = cutUnmerged.length
    ? new Map(
        (
          await queryAnalysis<{ key: string; trace_id: string }>(
            ctx.ch,
            `SELECT DISTINCT hex(trace_hash) AS key, trace_id FROM spans_trace_tools
             WHERE project_id = {projectId:String} AND _part != {part:String} AND trace_hash IN ${hashesFromHex('keys')}`,
            { tag: 'analyses.waste.redundant_tools_cut_names', params: { ...params, keys: cutUnmerged.map(([key]) => key) } },
          )
        ).map((named) => [named.key, named.trace_id]),
      )
    : new Map<string, string>();
  const cut = [...cutHere, ...cutUnmerged.map(([key, hull_from, hull_to]) => ({ trace_id: names.get(key)!, hull_from, hull_to }))];
  if (cut.some((trace) => trace.trace_id === undefined))
    throw new Error('waste: a trace outside the largest part of spans_trace_tools has no row there');
  const whole = { count: row.count + Number(several[0]?.count ?? 0), traces: row.traces + Number(several[0]?.traces ?? 0) };
  if (!cut.length) return whole;
  const counted = await rawRedundant(ctx, range, cutTraces(range, cut));
  return { count: whole.count + counted.count, traces: whole.traces + counted.traces };
}

/**
 * Over raw spans in the range: of all traces, or of the given ones only, read in `window` (cutWindow:
 * the hours at the bounds where their spans lie) through the trace_id bloom filter of 0007.
 */
async function rawRedundant(ctx: AnalysisContext, range: { from: number; to: number }, traces?: CutTraces): Promise<RedundantToolCalls> {
  const only = traces ? `AND trace_id IN {trace_ids:Array(String)} AND ${traces.window.sql}` : '';
  const [row] = await queryAnalysis<{ count: string; traces: string }>(
    ctx.ch,
    `SELECT sum(n - 1) AS count, uniqExact(trace_id) AS traces
     FROM (
       SELECT trace_id, tool_name, input_hash, count() AS n
       FROM ${SPANS_IN_RANGE} AND tool_name != '' AND trace_id != '' ${only}
       GROUP BY trace_id, tool_name, input_hash
       HAVING n > 1
     )`,
    {
      tag: traces ? 'analyses.waste.redundant_tools_cut' : 'analyses.waste.redundant_tools_raw',
      params: { ...rangeParams(ctx.projectId, range), trace_ids: traces?.ids ?? [], ...traces?.window.params },
    },
  );
  return { count: Number(row?.count ?? 0), traces: Number(row?.traces ?? 0) };
}
