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
import { queryAnalysis } from './calls-scope.ts';
import { agentLoops, type Loop } from './waste-loops.ts';
import { redundantToolCalls, type RedundantToolCalls } from './waste-tools.ts';

export { LOOP_MIN_DEPTH } from './waste-loops.ts';
import { ZRange } from './params.ts';
import { rangeParams as timeParams } from '../sql/index.ts';
import { CALLS_HOURLY, hourlyUnion } from './hourly-parts.ts';

export const ZWasteParams = ZRange;
export type TWasteParams = z.input<typeof ZWasteParams>;

export interface WasteData {
  failed_spend: number;
  failed_requests: number;
  retry_spend: number;
  retry_requests: number;
  redundant_tool_calls: RedundantToolCalls;
  loops: Loop[];
}

/**
 * Below this share of the project's calls in the range, raw rows answer the waste analysis first:
 * their read grows with the range, the rollups' scans with every trace ever (bench/queries/
 * rollup-vs-raw.ts: for one day of 92, 152 against 343 ms; for seven, 1,179 against 633).
 */
export const RAW_BELOW_SHARE = 0.03;

/** The share of the project's calls in the range's hours (calls_hourly; it only picks the faster read). */
async function rangeShare(ctx: AnalysisContext, range: { from: number; to: number }): Promise<number> {
  const [row] = await queryAnalysis<{ share: number | null }>(
    ctx.ch,
    `SELECT sumIf(requests, hour + 3600 > {from:DateTime64(3, 'UTC')} AND hour < {to:DateTime64(3, 'UTC')}) / nullIf(sum(requests), 0) AS share
     FROM calls_hourly WHERE project_id = {projectId:String}`,
    { tag: 'analyses.waste.range_share', params: { projectId: ctx.projectId, ...timeParams({ fromMs: range.from, toMs: range.to }) } },
  );
  return Number(row?.share ?? 1);
}

export async function waste(ctx: AnalysisContext, input: TWasteParams): Promise<WasteData> {
  const params = ZWasteParams.parse(input);
  const sums = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: [], measures: ['error_cost', 'error_requests', 'retry_cost', 'retry_requests'] });
  const [spend] = await queryAnalysis<{ failed_spend: string; failed: string; retry_spend: string; retries: string }>(
    ctx.ch,
    `SELECT ${metricColumns(['wasted_spend'], { wasted_spend: 'failed_spend' }, 'hourly')}, sum(error_requests) AS failed,
            sum(retry_cost) AS retry_spend, sum(retry_requests) AS retries
     FROM (${sums.sql})`,
    { tag: 'analyses.waste.spend', params: sums.params },
  );
  // tool repeats and loops over raw rows when the range holds few of the project's calls
  const rows = ctx.source === 'raw' || (await rangeShare(ctx, params)) < RAW_BELOW_SHARE ? { ...ctx, source: 'raw' as const } : ctx;
  const redundant = await redundantToolCalls(rows, params);
  const loops = await agentLoops(rows, params);
  return {
    failed_spend: usd(spend?.failed_spend ?? '0'),
    failed_requests: Number(spend?.failed ?? 0),
    retry_spend: usd(spend?.retry_spend ?? '0'),
    retry_requests: Number(spend?.retries ?? 0),
    redundant_tool_calls: redundant,
    loops,
  };
}
