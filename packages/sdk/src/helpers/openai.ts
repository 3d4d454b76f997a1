// Generation events from OpenAI answers: Chat Completions and the Responses API. OpenAI counts
// cached prompt tokens inside the prompt total and reasoning inside the output, as Margin does.
import type { GenerationEvent, Usage } from '../types.ts';
import { buildGeneration, compactUsage, count, type GenerationExtra } from './generation.ts';

/** The part of a Chat Completions `usage` object that carries token counts. */
export interface OpenAIChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: {
    cached_tokens?: number | null;
    cache_write_tokens?: number | null;
    audio_tokens?: number | null;
  } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null; audio_tokens?: number | null } | null;
}

/** A `chat.completion` object (as returned by `client.chat.completions.create`). */
export interface OpenAIChatCompletionLike {
  id?: string;
  model?: string;
  usage?: OpenAIChatUsage | null;
}

/** The part of a Responses API `usage` object that carries token counts. */
export interface OpenAIResponsesUsage {
  input_tokens?: number;
  input_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  output_tokens?: number;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
  total_tokens?: number;
}

/** A `response` object (as returned by `client.responses.create`). */
export interface OpenAIResponseLike {
  id?: string;
  model?: string;
  status?: string;
  error?: { code?: string; message?: string } | null;
  usage?: OpenAIResponsesUsage | null;
}

export function usageFromOpenAIChat(usage: OpenAIChatUsage): Usage {
  const input = count(usage.prompt_tokens) ?? 0;
  const cacheRead = count(usage.prompt_tokens_details?.cached_tokens);
  return compactUsage({
    input_tokens: input,
    output_tokens: count(usage.completion_tokens) ?? 0,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWriteWithin(input, cacheRead, usage.prompt_tokens_details?.cache_write_tokens),
    reasoning_tokens: count(usage.completion_tokens_details?.reasoning_tokens),
  });
}

export function usageFromOpenAIResponses(usage: OpenAIResponsesUsage): Usage {
  const input = count(usage.input_tokens) ?? 0;
  const cacheRead = count(usage.input_tokens_details?.cached_tokens);
  return compactUsage({
    input_tokens: input,
    output_tokens: count(usage.output_tokens) ?? 0,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWriteWithin(input, cacheRead, usage.input_tokens_details?.cache_write_tokens),
    reasoning_tokens: count(usage.output_tokens_details?.reasoning_tokens),
  });
}

/**
 * OpenAI's cache_write_tokens is "unadjusted"; the server refuses an event whose cache reads and
 * writes exceed input_tokens, so the write count is held to what the prompt leaves.
 */
function cacheWriteWithin(input: number, cacheRead: number | undefined, reported: unknown): number | undefined {
  const write = count(reported);
  return write === undefined ? undefined : Math.max(0, Math.min(write, input - (cacheRead ?? 0)));
}

/** A generation event from a Chat Completions answer; `extra` adds name, trace_id, times, …. */
export function fromOpenAIChatCompletion(response: OpenAIChatCompletionLike, extra?: GenerationExtra): GenerationEvent {
  return buildGeneration(
    {
      provider: 'openai',
      model: response.model,
      status: 'ok',
      usage: response.usage ? usageFromOpenAIChat(response.usage) : undefined,
    },
    extra,
  );
}

/** A generation event from a Responses API answer; a `failed` response becomes status `error`. */
export function fromOpenAIResponses(response: OpenAIResponseLike, extra?: GenerationExtra): GenerationEvent {
  const failed = response.status === 'failed';
  return buildGeneration(
    {
      provider: 'openai',
      model: response.model,
      status: failed ? 'error' : 'ok',
      error_message: failed ? (response.error?.message ?? 'response failed') : undefined,
      usage: response.usage ? usageFromOpenAIResponses(response.usage) : undefined,
    },
    extra,
  );
}
