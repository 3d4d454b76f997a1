// Provider token reports become ours: input includes cached tokens, output includes reasoning.
import { describe, expect, it } from 'vitest';
import { createPricer, normaliseAnthropicUsage, normaliseOpenAIUsage, normaliseUsage, parseEvent, toRows } from '../src/index.ts';

describe('usage normalisation', () => {
  it('adds Anthropic cache reads and writes to its input', () => {
    expect(
      normaliseAnthropicUsage({ input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500, output_tokens: 300 }),
    ).toEqual({
      input_tokens: 2600,
      output_tokens: 300,
      cache_read_tokens: 2000,
      cache_write_tokens: 500,
      reasoning_tokens: 0,
    });
  });

  it('keeps OpenAI cached tokens inside the prompt and reasoning inside the completion (Chat and Responses)', () => {
    const expected = { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cache_write_tokens: 0, reasoning_tokens: 120 };
    expect(
      normaliseOpenAIUsage({
        prompt_tokens: 1000,
        completion_tokens: 500,
        prompt_tokens_details: { cached_tokens: 200 },
        completion_tokens_details: { reasoning_tokens: 120 },
      }),
    ).toEqual(expected);
    expect(
      normaliseOpenAIUsage({
        input_tokens: 1000,
        output_tokens: 500,
        input_tokens_details: { cached_tokens: 200 },
        output_tokens_details: { reasoning_tokens: 120 },
      }),
    ).toEqual(expected);
  });

  it('adds reasoning reported beside the output (Gemini thoughts), reads OTLP integer strings, ignores junk', () => {
    expect(normaliseUsage({ input: '50', output: 10, reasoning: 40, inputIncludesCache: true, outputIncludesReasoning: false })).toEqual({
      input_tokens: 50,
      output_tokens: 50,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 40,
    });
    expect(normaliseUsage({ input: -3, output: 'many', cacheRead: 2.7, inputIncludesCache: true, outputIncludesReasoning: true })).toEqual({
      input_tokens: 2,
      output_tokens: 0,
      cache_read_tokens: 2,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
    });
  });

  it('prices a normalised Anthropic report like the provider bills it', () => {
    const usage = normaliseAnthropicUsage({
      input_tokens: 100,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 500,
      output_tokens: 300,
    });
    const event = parseEvent({
      id: 'a1',
      type: 'generation',
      timestamp: '2025-08-01T00:00:00Z',
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      usage,
    });
    if (!event.ok) throw new Error(event.message);
    const ctx = { projectId: 'p', retentionDays: 0, storeContent: false, now: 1, pricer: createPricer({ projectPrices: [] }) };
    const [row] = toRows([event.event], ctx).calls;
    // 100 × 3 + 2000 × 0.3 + 500 × 3.75 + 300 × 15, per 1M = 0.0003 + 0.0006 + 0.001875 + 0.0045
    expect(row!.cost_total).toBe('0.007275000000');
  });
});
