// Redundant tool calls of the waste analysis: a tool span with the same tool_name and input_hash as an
// earlier live one in the same trace; each repeat beyond the first counts once, over the tool spans
// in the range. Read from spans_trace_tools (migration 0019), one row per trace once merged with the
// (id hash, version, tool-and-input hash) of every copy of its tool spans, and from raw spans only
// for the traces it cannot answer alone:
//   * a trace with rows outside the table's largest part (not merged yet) is merged at query time
//     (the set of copies is a union, so merging rows is groupUniqArrayArray);
//   * a trace whose hours are not inside [from, to) is counted from raw spans in the range (only
//     traces active at a bound; the hours cover every copy ever loaded, so they are never too narrow).
// Measured at 10M calls (2M tool spans): about 630 ms as a GROUP BY (trace, tool, input hash) over
// raw spans, which the raw source still runs (bench/README.md).
import { HULL_INSIDE, HULL_OVERLAPS, partRows, rangeParams as timeParams } from '../sql/index.ts';
import { SPANS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
import type { AnalysisContext } from './context.ts';

export interface RedundantToolCalls {
  /** Repeats beyond the first of each (tool, input hash) in a trace. */
  count: number;
  /** Traces with at least one repeat. */
  traces: number;
}

/**
 * The repeats of one row's `copies`: the newest copy of each span id (sorted descending, the first of
 * each id; ties in version: the greater hash, as arrays compare), then live tool spans less distinct
 * (tool, input) hashes.
 */
const REPEATS = `length(arrayFilter((x, i) -> i = 1 OR sorted[i - 1].1 != x.1, arrayReverseSort(copies) AS sorted, arrayEnumerate(sorted)) AS live)
  - length(arrayDistinct(arrayMap(x -> x.3, live)))`;

export async function redundantToolCalls(ctx: AnalysisContext, range: { from: number; to: number }): Promise<RedundantToolCalls> {
  if (ctx.source === 'raw') return rawRedundant(ctx, range);
  const [largest] = await partRows(ctx.ch, 'spans_trace_tools');
  if (!largest) return { count: 0, traces: 0 };
  const params = { projectId: ctx.projectId, part: largest.part, ...timeParams({ fromMs: range.from, toMs: range.to }) };
  // Every trace overlapping the range, merged rows as they are and the others merged here; those
  // inside are answered, the rest (cut by a bound) are only named.
  const [row] = await queryAnalysis<{ count: string; traces: string; cut: string[] }>(
    ctx.ch,
    `WITH unmerged AS (SELECT DISTINCT trace_id FROM spans_trace_tools WHERE project_id = {projectId:String} AND _part != {part:String})
     SELECT sumIf(repeats, inside) AS count, countIf(repeats > 0 AND inside) AS traces, groupArrayIf(trace_id, NOT inside) AS cut
     FROM (
       SELECT trace_id, ${REPEATS} AS repeats, ${HULL_INSIDE} AS inside
       FROM (
         SELECT trace_id, copies, min_hour, max_hour FROM spans_trace_tools
         WHERE project_id = {projectId:String} AND _part = {part:String} AND ${HULL_OVERLAPS} AND trace_id NOT IN unmerged
         UNION ALL
         SELECT trace_id, groupUniqArrayArray(copies) AS copies, min(min_hour) AS min_hour, max(max_hour) AS max_hour
         FROM spans_trace_tools WHERE project_id = {projectId:String} AND trace_id IN unmerged
         GROUP BY trace_id
       )
       WHERE ${HULL_OVERLAPS}
     )`,
    { tag: 'analyses.waste.redundant_tools', params },
  );
  const whole = { count: Number(row?.count ?? 0), traces: Number(row?.traces ?? 0) };
  if (!row?.cut.length) return whole;
  const cut = await rawRedundant(ctx, range, row.cut);
  return { count: whole.count + cut.count, traces: whole.traces + cut.traces };
}

/** Over raw spans in the range: of the given traces only (through the trace_id bloom filter of 0007), or of all. */
async function rawRedundant(ctx: AnalysisContext, range: { from: number; to: number }, traceIds?: string[]): Promise<RedundantToolCalls> {
  const only = traceIds ? 'AND trace_id IN {trace_ids:Array(String)}' : '';
  const [row] = await queryAnalysis<{ count: string; traces: string }>(
    ctx.ch,
    `SELECT sum(n - 1) AS count, uniqExact(trace_id) AS traces
     FROM (
       SELECT trace_id, tool_name, input_hash, count() AS n
       FROM ${SPANS_IN_RANGE} AND tool_name != '' AND trace_id != '' ${only}
       GROUP BY trace_id, tool_name, input_hash
       HAVING n > 1
     )`,
    { tag: traceIds ? 'analyses.waste.redundant_tools_cut' : 'analyses.waste.redundant_tools_raw', params: { ...rangeParams(ctx.projectId, range), trace_ids: traceIds ?? [] } },
  );
  return { count: Number(row?.count ?? 0), traces: Number(row?.traces ?? 0) };
}
