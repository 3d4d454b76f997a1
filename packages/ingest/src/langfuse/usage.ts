// Langfuse's token and cost reports in our convention. Langfuse's usage details are additive: its
// SDK integrations put cache reads and reasoning in their own keys and take them out of `input` and
// `output` (its total is the sum of every key), so our input is the sum of every input-side key.
import { normaliseUsage, sumUsd, tokenCount, type NormalisedUsage } from '@margin/core';

type Details = Record<string, unknown>;

const CACHE_READ_KEYS = ['input_cached_tokens', 'cache_read_input_tokens', 'input_cache_read', 'cached_tokens', 'input_cached', 'cache_read'];
const CACHE_WRITE_KEYS = ['cache_creation_input_tokens', 'input_cache_creation', 'input_cache_write', 'cache_write_input_tokens', 'cache_creation', 'cache_write'];
const REASONING_KEYS = ['output_reasoning_tokens', 'output_reasoning', 'reasoning_tokens', 'reasoning'];

const sumOf = (details: Details, keys: readonly string[]) => keys.reduce((sum, key) => sum + tokenCount(details[key]), 0);

/** A JSON string or an object; anything else is no report. */
export function asDetails(value: unknown): Details | null {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Details) : null;
}

/**
 * `usageDetails` (`{input, output, total, cache_read_input_tokens, input_cached_tokens, ...}`) or the
 * older `usage` (`{input, output, total, unit}` / `{promptTokens, completionTokens, totalTokens}`).
 * OpenAI's own shape (`prompt_tokens`, `prompt_tokens_details.cached_tokens`) counts cache inside input.
 * An additive report whose `total` equals input + output alone also counted the cache inside input.
 */
export function usageFromLangfuse(details: Details | null): NormalisedUsage | null {
  if (!details) return null;
  if (details.unit !== undefined && details.unit !== 'TOKENS' && details.unit !== 'tokens') return null;
  if ('prompt_tokens' in details || 'completion_tokens' in details) {
    const prompt = asDetails(details.prompt_tokens_details) ?? {};
    const completion = asDetails(details.completion_tokens_details) ?? {};
    return normaliseUsage({
      input: details.prompt_tokens,
      output: details.completion_tokens,
      cacheRead: prompt.cached_tokens,
      cacheWrite: prompt.cache_creation_tokens,
      reasoning: completion.reasoning_tokens,
      inputIncludesCache: true,
      outputIncludesReasoning: true,
    });
  }
  const input = tokenCount(details.input ?? details.promptTokens ?? details.input_tokens);
  const output = tokenCount(details.output ?? details.completionTokens ?? details.output_tokens);
  const cacheRead = sumOf(details, CACHE_READ_KEYS);
  const cacheWrite = sumOf(details, CACHE_WRITE_KEYS);
  const reasoning = sumOf(details, REASONING_KEYS);
  // Other input_* / output_* keys (audio, image...) are further parts of the same side.
  let otherInput = 0;
  let otherOutput = 0;
  for (const [key, value] of Object.entries(details)) {
    if (CACHE_READ_KEYS.includes(key) || CACHE_WRITE_KEYS.includes(key) || REASONING_KEYS.includes(key)) continue;
    if (key.startsWith('input_')) otherInput += tokenCount(value);
    else if (key.startsWith('output_')) otherOutput += tokenCount(value);
  }
  const seen = input + output + cacheRead + cacheWrite + reasoning + otherInput + otherOutput;
  if (seen === 0 && details.total === undefined && details.totalTokens === undefined) return null;
  const total = tokenCount(details.total ?? details.totalTokens);
  const inclusive = total > 0 && total === input + output && cacheRead + cacheWrite + reasoning > 0;
  return normaliseUsage({
    input: input + otherInput,
    output: output + otherOutput,
    cacheRead,
    cacheWrite,
    reasoning,
    inputIncludesCache: inclusive,
    outputIncludesReasoning: inclusive,
  });
}

/** `costDetails` / `cost_details` `{input, output, total}` in USD: the total, as a decimal string. */
export function costTotalFromLangfuse(details: Details | null, totalCost?: unknown): string | undefined {
  const fromNumber = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? String(value) : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? value : undefined;
  if (details) {
    const total = fromNumber(details.total);
    if (total !== undefined) return total;
    const parts = Object.values(details).map(fromNumber).filter((v): v is string => v !== undefined);
    if (parts.length > 0) return sumUsd(parts);
  }
  return fromNumber(totalCost);
}
