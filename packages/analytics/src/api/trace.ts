// GET /api/public/traces/{id}: a trace with its tree of spans and generations, tokens and cost.
import { z } from 'zod';
import { getTrace, type MetricsContext, type TraceNode, type TraceTotals } from '../metrics/index.ts';
import { invalidParameter, notFound, ok, type HandlerResult } from './errors.ts';
import { renderGeneration, ZGeneration } from './generations.ts';
import { usdNumber } from './render.ts';

export const ZTraceId = z.string().min(1, 'must not be empty').max(128, 'at most 128 characters');

export const ZTraceTotals = z.object({
  requests: z.number().int(), input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int(), cost: z.number(),
});
export type TTraceTotals = z.infer<typeof ZTraceTotals>;

const ZSpanNodeBase = z.object({
  type: z.literal('span'), id: z.string(), parent_id: z.string(), name: z.string(), kind: z.string(), tool_name: z.string(),
  timestamp: z.string(), duration_ms: z.number().int(), status: z.enum(['ok', 'error']), error_message: z.string(),
  metadata: z.record(z.string(), z.string()), totals: ZTraceTotals,
});
export type TTraceNode =
  | (z.infer<typeof ZSpanNodeBase> & { children: TTraceNode[] })
  | (z.infer<typeof ZGeneration> & { type: 'generation'; totals: TTraceTotals; children: TTraceNode[] });

export const ZTraceNode: z.ZodType<TTraceNode> = z.lazy(() =>
  z.union([
    ZSpanNodeBase.extend({ children: z.array(ZTraceNode) }),
    ZGeneration.extend({ type: z.literal('generation'), totals: ZTraceTotals, children: z.array(ZTraceNode) }),
  ]),
);

export const ZTraceResponse = z.object({
  data: z.object({
    id: z.string(),
    trace: z
      .object({
        timestamp: z.string(), name: z.string(), user_id: z.string(), session_id: z.string(), environment: z.string(),
        tags: z.array(z.string()), metadata: z.record(z.string(), z.string()),
      })
      .nullable(),
    totals: ZTraceTotals,
    observations: z.array(ZTraceNode),
  }),
});
export type TTraceResponse = z.infer<typeof ZTraceResponse>;

function renderTotals(totals: TraceTotals): TTraceTotals {
  return { ...totals, cost: usdNumber(totals.cost) };
}

function renderNode(node: TraceNode): TTraceNode {
  const children = node.children.map(renderNode);
  if (node.type === 'span') return { ...node, totals: renderTotals(node.totals), children };
  return { ...renderGeneration(node), type: 'generation', totals: renderTotals(node.totals), children };
}

export async function handleTrace(id: string, ctx: MetricsContext): Promise<HandlerResult> {
  const parsed = ZTraceId.safeParse(id);
  if (!parsed.success) return invalidParameter('id', parsed.error.issues[0]!.message);
  const trace = await getTrace(ctx, parsed.data);
  if (!trace) return notFound(`trace ${parsed.data} not found`);
  const body: TTraceResponse = {
    data: { id: trace.id, trace: trace.trace, totals: renderTotals(trace.totals), observations: trace.observations.map(renderNode) },
  };
  return ok(body);
}
