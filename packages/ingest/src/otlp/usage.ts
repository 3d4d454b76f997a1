// Token usage from a span's attributes, in our convention (input counts cache, output counts
// reasoning), from whichever family of names the instrumentation used:
//   Langfuse (`langfuse.observation.usage_details`), the Vercel AI SDK (`ai.usage.*`), OpenTelemetry
//   GenAI (`gen_ai.usage.*`, current and older names), OpenInference (`llm.token_count.*`) and
//   OpenLLMetry's `llm.usage.*`.
import { normaliseUsage, type NormalisedUsage } from '@margin/core';
import { asDetails, usageFromLangfuse } from '../langfuse/usage.ts';
import type { Attributes } from './decode.ts';
import { object, tokens } from './read-attributes.ts';

export function usageFromAttributes(attrs: Attributes, provider: string): NormalisedUsage | null {
  return fromLangfuse(attrs) ?? fromVercel(attrs, provider) ?? fromGenAi(attrs) ?? fromOpenInference(attrs) ?? fromOpenLlmetry(attrs);
}

const fromLangfuse = (attrs: Attributes) => usageFromLangfuse(asDetails(attrs['langfuse.observation.usage_details']));

function fromVercel(attrs: Attributes, provider: string): NormalisedUsage | null {
  const input = tokens(attrs, 'ai.usage.inputTokens', 'ai.usage.promptTokens');
  const output = tokens(attrs, 'ai.usage.outputTokens', 'ai.usage.completionTokens');
  if (input === undefined && output === undefined) return null;
  const cacheRead = tokens(attrs, 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens') ?? 0;
  const anthropic = object(attrs, 'ai.response.providerMetadata')?.anthropic as Record<string, unknown> | undefined;
  const cacheWrite =
    tokens(attrs, 'ai.usage.inputTokenDetails.cacheWriteTokens') ??
    (typeof anthropic?.cacheCreationInputTokens === 'number' ? anthropic.cacheCreationInputTokens : 0);
  const noCache = tokens(attrs, 'ai.usage.inputTokenDetails.noCacheTokens');
  const reasoning = tokens(attrs, 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens') ?? 0;
  // AI SDK 6 splits input into noCache + cacheRead + cacheWrite; before it, the Anthropic provider
  // reported input without the cache (as Anthropic does) and the others with it.
  const inputIncludesCache = noCache !== undefined ? true : !/anthropic/.test(provider);
  return normaliseUsage({
    input: noCache !== undefined ? noCache + cacheRead + cacheWrite : input,
    output,
    cacheRead,
    cacheWrite,
    reasoning,
    inputIncludesCache,
    outputIncludesReasoning: true,
  });
}

function fromGenAi(attrs: Attributes): NormalisedUsage | null {
  const input = tokens(attrs, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
  const output = tokens(attrs, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
  if (input === undefined && output === undefined) return null;
  const cacheRead =
    tokens(attrs, 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.input_tokens.cached') ?? 0;
  const cacheWrite =
    tokens(attrs, 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens', 'gen_ai.usage.input_tokens.cache_write') ?? 0;
  const reasoning =
    tokens(attrs, 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'gen_ai.usage.output_tokens.reasoning') ?? 0;
  // The conventions count cache tokens inside input_tokens; an instrumentation that reports more
  // cache than input evidently followed Anthropic's report instead, so they come on top.
  return normaliseUsage({
    input,
    output,
    cacheRead,
    cacheWrite,
    reasoning,
    inputIncludesCache: cacheRead + cacheWrite <= (input ?? 0),
    outputIncludesReasoning: reasoning <= (output ?? 0),
  });
}

function fromOpenInference(attrs: Attributes): NormalisedUsage | null {
  const input = tokens(attrs, 'llm.token_count.prompt');
  const output = tokens(attrs, 'llm.token_count.completion');
  if (input === undefined && output === undefined) return null;
  return normaliseUsage({
    input,
    output,
    cacheRead: tokens(attrs, 'llm.token_count.prompt_details.cache_read'),
    cacheWrite: tokens(attrs, 'llm.token_count.prompt_details.cache_write'),
    reasoning: tokens(attrs, 'llm.token_count.completion_details.reasoning'),
    inputIncludesCache: true,
    outputIncludesReasoning: true,
  });
}

function fromOpenLlmetry(attrs: Attributes): NormalisedUsage | null {
  const input = tokens(attrs, 'llm.usage.prompt_tokens');
  const output = tokens(attrs, 'llm.usage.completion_tokens');
  if (input === undefined && output === undefined) return null;
  return normaliseUsage({ input, output, inputIncludesCache: true, outputIncludesReasoning: true });
}
