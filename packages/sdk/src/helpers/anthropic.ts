// Generation events from Anthropic Messages answers. Anthropic's `input_tokens` leaves out cache
// reads and cache writes; Margin's input_tokens counts every prompt token, so they are added back.
import type { GenerationEvent, Usage } from '../types.ts';
import { buildGeneration, compactUsage, count, type GenerationExtra } from './generation.ts';

/** The token counts of an Anthropic `usage` object (Message or message_delta). */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** A `message` object (as returned by `client.messages.create`). */
export interface AnthropicMessageLike {
  id?: string;
  model?: string;
  stop_reason?: string | null;
  usage?: AnthropicUsage | null;
}

export function usageFromAnthropic(usage: AnthropicUsage): Usage {
  const uncached = count(usage.input_tokens) ?? 0;
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  return compactUsage({
    input_tokens: uncached + (cacheRead ?? 0) + (cacheWrite ?? 0),
    // Anthropic bills extended thinking as output and does not report it apart.
    output_tokens: count(usage.output_tokens) ?? 0,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
  });
}

/** A generation event from a Messages answer; `extra` adds name, trace_id, times, …. */
export function fromAnthropicMessage(message: AnthropicMessageLike, extra?: GenerationExtra): GenerationEvent {
  return buildGeneration(
    {
      provider: 'anthropic',
      model: message.model,
      status: 'ok',
      usage: message.usage ? usageFromAnthropic(message.usage) : undefined,
    },
    extra,
  );
}
