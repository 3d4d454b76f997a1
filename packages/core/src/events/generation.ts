// The native `generation` event: one LLM call with its tokens, timing, outcome and optional cost.
import { z } from 'zod';
import {
  eventBase,
  expected,
  optional,
  MAX_TOKENS,
  ZContent,
  ZId,
  ZMetadata,
  ZMilliseconds,
  ZStatus,
  ZTags,
  ZText,
  ZTimestamp,
  ZTokens,
  WHEN_FIELDS_VALID,
} from './fields.ts';

/** Largest client cost of one call, USD: far beyond any real call, inside Decimal64(12). */
export const MAX_CLIENT_COST_USD = 1_000_000;

export const ZUsage = z.object(
  {
    input_tokens: optional(ZTokens),
    output_tokens: optional(ZTokens),
    cache_read_tokens: optional(ZTokens),
    cache_write_tokens: optional(ZTokens),
    reasoning_tokens: optional(ZTokens),
  },
  expected('an object'),
);

export const ZPromptAnatomy = z.object(
  {
    system_tokens: optional(ZTokens),
    tool_definition_tokens: optional(ZTokens),
    retrieval_tokens: optional(ZTokens),
    history_tokens: optional(ZTokens),
    tool_result_tokens: optional(ZTokens),
    user_input_tokens: optional(ZTokens),
  },
  expected('an object'),
);

const COST_MESSAGE = `a number of USD from 0 to ${MAX_CLIENT_COST_USD}`;

/** USD as a JSON number or a decimal string; kept as a decimal string. */
export const ZUsd = z.union([z.number(), z.string()], expected(COST_MESSAGE)).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const ok = /^\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) && Number(text) <= MAX_CLIENT_COST_USD;
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `expected ${COST_MESSAGE}` });
    return z.NEVER;
  }
  return text;
});

export const ZCost = z.object({ total: optional(ZUsd) }, expected('an object'));

const ANATOMY_PARTS = [
  'system_tokens',
  'tool_definition_tokens',
  'retrieval_tokens',
  'history_tokens',
  'tool_result_tokens',
  'user_input_tokens',
] as const;

export const ZGenerationEvent = z
  .object(
    {
      ...eventBase,
      type: z.literal('generation'),
      trace_id: optional(ZId),
      parent_id: optional(ZId),
      name: optional(ZText),
      user_id: optional(ZText),
      session_id: optional(ZText),
      environment: optional(ZText),
      tags: optional(ZTags),
      metadata: optional(ZMetadata),
      provider: optional(ZText),
      model: optional(ZText),
      start_time: optional(ZTimestamp),
      end_time: optional(ZTimestamp),
      duration_ms: optional(ZMilliseconds),
      ttft_ms: optional(ZMilliseconds),
      status: optional(ZStatus),
      error_message: optional(ZText),
      attempt: optional(
        z
          .int(expected('an integer from 1 to 65535'))
          .min(1, expected('an integer from 1 to 65535'))
          .max(65535, expected('an integer from 1 to 65535')),
      ),
      usage: optional(ZUsage),
      prompt_anatomy: optional(ZPromptAnatomy),
      cost: optional(ZCost),
      batch: optional(z.boolean(expected('a boolean'))),
      input: optional(ZContent),
      output: optional(ZContent),
    },
    expected('an object'),
  )
  .superRefine((event, ctx) => {
    const usage: Partial<TUsage> = event.usage ?? {};
    const input = usage.input_tokens ?? 0;
    const cached = (usage.cache_read_tokens ?? 0) + (usage.cache_write_tokens ?? 0);
    if (cached > input) {
      ctx.addIssue({
        code: 'custom',
        path: ['usage', 'cache_read_tokens'],
        message: `cache_read_tokens + cache_write_tokens (${cached}) exceed input_tokens (${input}); input_tokens counts ALL prompt tokens, cached ones included`,
      });
    }
    if ((usage.reasoning_tokens ?? 0) > (usage.output_tokens ?? 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['usage', 'reasoning_tokens'],
        message: `reasoning_tokens (${usage.reasoning_tokens}) exceed output_tokens (${usage.output_tokens ?? 0}); output_tokens counts reasoning`,
      });
    }
    if (event.prompt_anatomy) {
      const anatomy = event.prompt_anatomy;
      const sum = ANATOMY_PARTS.reduce((s, part) => s + (anatomy[part] ?? 0), 0);
      if (sum > input) {
        ctx.addIssue({
          code: 'custom',
          path: ['prompt_anatomy'],
          message: `parts sum to ${sum}, more than usage.input_tokens (${input})`,
        });
      }
    }
    if (event.start_time !== undefined && event.end_time !== undefined && event.end_time < event.start_time) {
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'expected a time not before start_time' });
    }
  }, WHEN_FIELDS_VALID);

export type TGenerationEvent = z.output<typeof ZGenerationEvent>;
export type TGenerationEventInput = z.input<typeof ZGenerationEvent>;
export type TUsage = z.output<typeof ZUsage>;
export type TPromptAnatomy = z.output<typeof ZPromptAnatomy>;

export { MAX_TOKENS };
