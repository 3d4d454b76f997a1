// Waste: spend on failed calls and on retries, redundant tool calls, and agent loops.
//
// Redundant tool call: a tool span with the same tool_name and input_hash as an earlier one in the
// same trace (each repeat beyond the first counts once). Agent loop: a trace in which one step (call
// name) runs at least LOOP_MIN_DEPTH times as a first attempt; its depth is that largest count (retries,
// attempt > 1, are waste of their own and do not deepen a loop) and its spend is Σ cost of all the
// trace's calls in the range. Counting repeats rather than walking the parent chain keeps it one
// GROUP BY at 10M calls and catches flat loops (an orchestrator calling the same step again and again),
// which a parent-chain depth misses.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { metricColumns } from './metric-sql.ts';
import { usd } from './money.ts';
import { CALLS_IN_RANGE, SPANS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
import { ZRange } from './params.ts';
import { CALLS_HOURLY, hourlyUnion } from './hourly-parts.ts';

export const ZWasteParams = ZRange;
export type TWasteParams = z.input<typeof ZWasteParams>;

/** Repeats of one step in a trace from which it counts as a loop. */
export const LOOP_MIN_DEPTH = 5;
/** At most this many loops are answered, deepest first. */
const MAX_LOOPS = 50;

/*
 * Grouping 10M calls by a random 32-character trace_id is the cost of this analysis (big hash tables
 * of strings). The loops' GROUP BY first keeps only the candidate traces found by grouping a 64-bit
 * hash of trace_id under the same conditions: a hash shared by two traces only adds rows to the
 * second pass, and a trace that passes the HAVING passes it under its hash too, so the answer is the
 * same (measured at 10M calls: loops 3.0 -> 2.0 s). The tool spans are few (1.5M at 10M calls): the
 * same prefilter made their GROUP BY slower (0.41 -> 0.80 s), so it is not used there.
 */
const LOOP_CANDIDATES = `sipHash64(trace_id) IN (
  SELECT sipHash64(trace_id) AS h FROM ${CALLS_IN_RANGE} AND trace_id != ''
  GROUP BY h HAVING countIf(attempt <= 1) >= {min_depth:UInt64})`;

export interface WasteData {
  failed_spend: number;
  failed_requests: number;
  retry_spend: number;
  retry_requests: number;
  redundant_tool_calls: { count: number; traces: number };
  loops: { trace_id: string; name: string; depth: number; spend: number }[];
}

export async function waste(ctx: AnalysisContext, input: TWasteParams): Promise<WasteData> {
  const params = ZWasteParams.parse(input);
  const sqlParams = rangeParams(ctx.projectId, params);
  const sums = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: [], measures: ['error_cost', 'error_requests', 'retry_cost', 'retry_requests'] });
  const [spend] = await queryAnalysis<{ failed_spend: string; failed: string; retry_spend: string; retries: string }>(
    ctx.ch,
    `SELECT ${metricColumns(['wasted_spend'], { wasted_spend: 'failed_spend' }, 'hourly')}, sum(error_requests) AS failed,
            sum(retry_cost) AS retry_spend, sum(retry_requests) AS retries
     FROM (${sums.sql})`,
    { tag: 'analyses.waste.spend', params: sums.params },
  );
  const [redundant] = await queryAnalysis<{ count: string; traces: string }>(
    ctx.ch,
    `SELECT sum(n - 1) AS count, uniqExact(trace_id) AS traces
     FROM (
       SELECT trace_id, tool_name, input_hash, count() AS n
       FROM ${SPANS_IN_RANGE} AND tool_name != '' AND trace_id != ''
       GROUP BY trace_id, tool_name, input_hash
       HAVING n > 1
     )`,
    { tag: 'analyses.waste.redundant_tools', params: sqlParams },
  );
  const loops = await queryAnalysis<{ trace_id: string; step_name: string; depth: string; spend: string }>(
    ctx.ch,
    // One GROUP BY trace_id (a second key, name, costs several times more): each long enough trace's
    // first-attempt step names, then the most repeated one (ties: the greater name).
    `SELECT trace_id, arrayReverseSort(arrayMap(step -> (countEqual(steps, step), step), arrayDistinct(steps)))[1] AS top,
            top.1 AS depth, top.2 AS step_name, spend
     FROM (
       SELECT trace_id, groupArrayIf(name, attempt <= 1) AS steps, sum(cost_total) AS spend
       FROM ${CALLS_IN_RANGE} AND trace_id != ''
         AND ${LOOP_CANDIDATES}
       GROUP BY trace_id
       HAVING length(steps) >= {min_depth:UInt64}
     )
     WHERE depth >= {min_depth:UInt64}
     ORDER BY depth DESC, spend DESC, trace_id
     LIMIT ${MAX_LOOPS}`,
    { tag: 'analyses.waste.loops', params: { ...sqlParams, min_depth: LOOP_MIN_DEPTH } },
  );
  return {
    failed_spend: usd(spend?.failed_spend ?? '0'),
    failed_requests: Number(spend?.failed ?? 0),
    retry_spend: usd(spend?.retry_spend ?? '0'),
    retry_requests: Number(spend?.retries ?? 0),
    redundant_tool_calls: { count: Number(redundant?.count ?? 0), traces: Number(redundant?.traces ?? 0) },
    loops: loops.map((row) => ({ trace_id: row.trace_id, name: row.step_name, depth: Number(row.depth), spend: usd(row.spend) })),
  };
}
