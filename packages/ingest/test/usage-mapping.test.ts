// Token conventions of every way in, mapped to ours (input counts cache, output counts reasoning).
import { describe, expect, it } from 'vitest';
import { usageFromLangfuse } from '../src/langfuse/usage.ts';
import { usageFromAttributes } from '../src/otlp/usage.ts';
import { normaliseProvider } from '../src/otlp/provider.ts';

describe('OTLP span usage', () => {
  it('takes current gen_ai names as inclusive of cache and reasoning', () => {
    expect(
      usageFromAttributes(
        { 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 300, 'gen_ai.usage.cache_read.input_tokens': 600, 'gen_ai.usage.cache_creation.input_tokens': 100, 'gen_ai.usage.reasoning.output_tokens': 200 },
        'openai',
      ),
    ).toEqual({ input_tokens: 1000, output_tokens: 300, cache_read_tokens: 600, cache_write_tokens: 100, reasoning_tokens: 200 });
  });

  it('adds cache tokens that exceed the input (an Anthropic-style report) on top', () => {
    expect(usageFromAttributes({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'gen_ai.usage.cache_read_input_tokens': 90 }, 'anthropic')).toMatchObject({
      input_tokens: 100,
      cache_read_tokens: 90,
    });
  });

  it('reads integer strings as OTLP JSON senders give them', () => {
    expect(usageFromAttributes({ 'gen_ai.usage.prompt_tokens': '12', 'gen_ai.usage.completion_tokens': '3' }, '')).toMatchObject({ input_tokens: 12, output_tokens: 3 });
  });

  it('treats the Vercel AI SDK Anthropic provider before AI SDK 6 as exclusive, and uses noCacheTokens when given', () => {
    const v5 = { 'ai.usage.inputTokens': 50, 'ai.usage.outputTokens': 5, 'ai.usage.cachedInputTokens': 400, 'ai.response.providerMetadata': JSON.stringify({ anthropic: { cacheCreationInputTokens: 30 } }) };
    expect(usageFromAttributes(v5, 'anthropic')).toMatchObject({ input_tokens: 480, cache_read_tokens: 400, cache_write_tokens: 30 });
    const v6 = { 'ai.usage.inputTokens': 480, 'ai.usage.outputTokens': 5, 'ai.usage.inputTokenDetails.noCacheTokens': 50, 'ai.usage.inputTokenDetails.cacheReadTokens': 400, 'ai.usage.inputTokenDetails.cacheWriteTokens': 30 };
    expect(usageFromAttributes(v6, 'anthropic')).toMatchObject({ input_tokens: 480, cache_read_tokens: 400, cache_write_tokens: 30 });
    expect(usageFromAttributes({ 'ai.usage.promptTokens': 500, 'ai.usage.completionTokens': 5, 'ai.usage.cachedInputTokens': 400 }, 'openai')).toMatchObject({ input_tokens: 500, cache_read_tokens: 400 });
  });

  it('prefers Langfuse usage details over other families and knows no usage when none is there', () => {
    expect(usageFromAttributes({ 'langfuse.observation.usage_details': '{"input":10,"output":2}', 'gen_ai.usage.input_tokens': 999 }, '')).toMatchObject({ input_tokens: 10 });
    expect(usageFromAttributes({ 'http.method': 'GET' }, '')).toBeNull();
  });

  it('names providers as the catalog does', () => {
    expect(['openai.chat', 'anthropic.messages', 'gcp.vertex_ai', 'aws.bedrock', 'OpenAI', ''].map(normaliseProvider)).toEqual(['openai', 'anthropic', 'google', 'aws', 'openai', '']);
  });
});

describe('Langfuse usage', () => {
  it('adds its separate cache and reasoning keys to input and output', () => {
    expect(usageFromLangfuse({ input: 600, input_cached_tokens: 400, output: 150, output_reasoning_tokens: 50, total: 1200 })).toEqual({
      input_tokens: 1000,
      output_tokens: 200,
      cache_read_tokens: 400,
      cache_write_tokens: 0,
      reasoning_tokens: 50,
    });
    expect(usageFromLangfuse({ input: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 3, output: 1 })).toMatchObject({ input_tokens: 18, cache_write_tokens: 3 });
  });

  it("reads OpenAI's own usage object as inclusive", () => {
    expect(usageFromLangfuse({ prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 5 } })).toEqual({
      input_tokens: 100,
      output_tokens: 20,
      cache_read_tokens: 40,
      cache_write_tokens: 0,
      reasoning_tokens: 5,
    });
  });

  it('takes a report whose total is input + output alone as inclusive', () => {
    expect(usageFromLangfuse({ input: 100, output: 10, total: 110, cache_read_input_tokens: 60 })).toMatchObject({ input_tokens: 100, cache_read_tokens: 60 });
  });

  it('reads the legacy usage shapes and ignores non-token units', () => {
    expect(usageFromLangfuse({ promptTokens: 7, completionTokens: 3, totalTokens: 10 })).toMatchObject({ input_tokens: 7, output_tokens: 3 });
    expect(usageFromLangfuse({ input: 7, output: 3, unit: 'CHARACTERS' })).toBeNull();
  });
});
