// GET /api/public/generations: calls filtered like the metrics, ordered, in cursor pages.
import { z } from 'zod';
import { GENERATION_ORDERS, InvalidCursorError, listGenerations, MAX_GENERATIONS_PAGE, type Generation, type MetricsContext } from '../metrics/index.ts';
import { invalidParameter, ok, type HandlerResult } from './errors.ts';
import { parseSearchParams, ZFilterValue, ZTimestamp } from './query-params.ts';
import { usdNumber } from './render.ts';

export const ZGenerationsQuery = z.object({
  from: ZTimestamp.optional(),
  to: ZTimestamp.optional(),
  model: ZFilterValue.optional(),
  name: ZFilterValue.optional(),
  user_id: ZFilterValue.optional(),
  environment: ZFilterValue.optional(),
  tag: ZFilterValue.optional(),
  order_by: z.enum(GENERATION_ORDERS, { message: `must be one of ${GENERATION_ORDERS.join(', ')}` }).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, `must be an integer from 1 to ${MAX_GENERATIONS_PAGE}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_GENERATIONS_PAGE, `must be an integer from 1 to ${MAX_GENERATIONS_PAGE}`)
    .optional(),
  cursor: z.string().min(1, 'must not be empty').max(2048, 'too long').optional(),
});
export type TGenerationsQuery = z.output<typeof ZGenerationsQuery>;

const ZUsd = z.number();
export const ZGeneration = z.object({
  id: z.string(),
  timestamp: z.string(),
  trace_id: z.string(),
  parent_id: z.string(),
  name: z.string(),
  user_id: z.string(),
  session_id: z.string(),
  environment: z.string(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  provider: z.string(),
  model: z.string(),
  status: z.enum(['ok', 'error']),
  error_message: z.string(),
  attempt: z.number().int(),
  batch: z.boolean(),
  duration_ms: z.number().int(),
  ttft_ms: z.number().int().nullable(),
  usage: z.object({
    input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int(),
    cache_read_tokens: z.number().int(), cache_write_tokens: z.number().int(), reasoning_tokens: z.number().int(),
  }),
  prompt_anatomy: z.object({
    system_tokens: z.number().int(), tool_definition_tokens: z.number().int(), retrieval_tokens: z.number().int(),
    history_tokens: z.number().int(), tool_result_tokens: z.number().int(), user_input_tokens: z.number().int().nullable(),
  }),
  cost: z.object({
    input: ZUsd, output: ZUsd, cache_read: ZUsd, cache_write: ZUsd, total: ZUsd,
    price_source: z.enum(['unknown', 'catalog', 'project', 'client']),
  }),
  input: z.string(),
  output: z.string(),
});
export type TGeneration = z.infer<typeof ZGeneration>;

export const ZGenerationsResponse = z.object({ data: z.array(ZGeneration), next_cursor: z.string().nullable() });
export type TGenerationsResponse = z.infer<typeof ZGenerationsResponse>;

/** A generation as JSON: money as numbers rounded to 1e-9 USD. */
export function renderGeneration(generation: Generation): TGeneration {
  const { cost } = generation;
  return {
    ...generation,
    cost: {
      input: usdNumber(cost.input), output: usdNumber(cost.output), cache_read: usdNumber(cost.cache_read),
      cache_write: usdNumber(cost.cache_write), total: usdNumber(cost.total), price_source: cost.price_source,
    },
  };
}

export async function handleGenerations(searchParams: URLSearchParams, ctx: MetricsContext): Promise<HandlerResult> {
  const parsed = parseSearchParams(ZGenerationsQuery, searchParams);
  if (!parsed.ok) return parsed.error;
  const { from, to, order_by, limit, cursor, ...filters } = parsed.value;
  if (from !== undefined && to !== undefined && from >= to) return invalidParameter('to', 'must be after from');
  try {
    const page = await listGenerations(ctx, { from, to, filters, order_by, limit, cursor });
    const body: TGenerationsResponse = { data: page.data.map(renderGeneration), next_cursor: page.next_cursor };
    return ok(body);
  } catch (error) {
    if (error instanceof InvalidCursorError) return invalidParameter('cursor', error.message);
    throw error;
  }
}
