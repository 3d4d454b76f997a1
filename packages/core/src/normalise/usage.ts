// Turns a provider's token report into ours: input includes cached tokens, output includes reasoning.
import { MAX_TOKENS } from '../events/fields.ts';

/** Tokens as stored in a CallRow. */
export interface NormalisedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

/** A count from a report: numbers or OTLP's integer strings; anything else (or negative) is 0, capped at 10^9. */
export function tokenCount(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : 0;
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(Math.floor(n), MAX_TOKENS);
}

export interface RawUsage {
  input?: unknown;
  output?: unknown;
  cacheRead?: unknown;
  cacheWrite?: unknown;
  reasoning?: unknown;
  /** true (OpenAI): `input` already counts cache reads and writes. false (Anthropic): they come on top. */
  inputIncludesCache: boolean;
  /** true (OpenAI, Anthropic): `output` already counts reasoning. false (Gemini's thoughts): it comes on top. */
  outputIncludesReasoning: boolean;
}

/** The general case; the two helpers below name the common conventions. */
export function normaliseUsage(raw: RawUsage): NormalisedUsage {
  const cacheRead = tokenCount(raw.cacheRead);
  const cacheWrite = tokenCount(raw.cacheWrite);
  const reasoning = tokenCount(raw.reasoning);
  let input = tokenCount(raw.input);
  let output = tokenCount(raw.output);
  input = raw.inputIncludesCache ? Math.max(input, cacheRead + cacheWrite) : input + cacheRead + cacheWrite;
  output = raw.outputIncludesReasoning ? Math.max(output, reasoning) : output + reasoning;
  return {
    input_tokens: Math.min(input, MAX_TOKENS),
    output_tokens: Math.min(output, MAX_TOKENS),
    // Parts never exceed their whole, also after the cap.
    cache_read_tokens: Math.min(cacheRead, MAX_TOKENS),
    cache_write_tokens: Math.min(cacheWrite, Math.max(0, MAX_TOKENS - Math.min(cacheRead, MAX_TOKENS))),
    reasoning_tokens: Math.min(reasoning, MAX_TOKENS),
  };
}

/** Anthropic Messages `usage`: `input_tokens` excludes `cache_read_input_tokens` and `cache_creation_input_tokens`. */
export function normaliseAnthropicUsage(usage: {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  reasoning_tokens?: unknown;
}): NormalisedUsage {
  return normaliseUsage({
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheRead: usage.cache_read_input_tokens,
    cacheWrite: usage.cache_creation_input_tokens,
    reasoning: usage.reasoning_tokens,
    inputIncludesCache: false,
    outputIncludesReasoning: true,
  });
}

type Details = { cached_tokens?: unknown; reasoning_tokens?: unknown } | null | undefined;

/**
 * OpenAI `usage`, Chat Completions (`prompt_tokens`, `prompt_tokens_details.cached_tokens`,
 * `completion_tokens_details.reasoning_tokens`) or Responses (`input_tokens`, `input_tokens_details`,
 * `output_tokens_details`): cached tokens are inside the prompt count, reasoning inside the completion.
 */
export function normaliseOpenAIUsage(usage: {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
  prompt_tokens_details?: Details;
  completion_tokens_details?: Details;
  input_tokens_details?: Details;
  output_tokens_details?: Details;
}): NormalisedUsage {
  return normaliseUsage({
    input: usage.prompt_tokens ?? usage.input_tokens,
    output: usage.completion_tokens ?? usage.output_tokens,
    cacheRead: (usage.prompt_tokens_details ?? usage.input_tokens_details)?.cached_tokens,
    reasoning: (usage.completion_tokens_details ?? usage.output_tokens_details)?.reasoning_tokens,
    inputIncludesCache: true,
    outputIncludesReasoning: true,
  });
}
