// The SDK's output against the server's own validator: a stand-in API that answers each request
// the way the contract's ingestion does, using `parseEventBatch` from @margin/core.
import { parseEventBatch } from '@margin/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accumulateAnthropicStream,
  accumulateOpenAIStream,
  fromAnthropicMessage,
  fromOpenAIChatCompletion,
  fromOpenAIResponses,
  type Margin,
} from '../src/index.ts';
import { startApiServer, type ApiServer, type Script } from './api-server.ts';
import { testClient } from './fixtures.ts';

const validatingApi: Script = (request) => {
  const parsed = parseEventBatch(request.body);
  if (!parsed.ok) return { status: 400, body: { error: { code: 'bad_request', message: parsed.message } } };
  const successes: Array<{ id: string; status: number }> = [];
  const errors: Array<{ id: string; status: number; message: string }> = [];
  for (const event of parsed.events) {
    if (event.result.ok) successes.push({ id: event.id!, status: 201 });
    else errors.push({ id: event.id ?? `#${event.index}`, status: 400, message: event.result.message });
  }
  return { status: 207, body: { successes, errors } };
};

let api: ApiServer;
const clients: Margin[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await api.close();
});

describe('events the server accepts', () => {
  it('every method and helper produces events that pass the ingestion validator', async () => {
    api = await startApiServer(validatingApi);
    const { margin, errors } = testClient(api, {}, clients);
    const traceId = margin.trace({ name: 'support.ticket', user_id: 'u-1', session_id: 's-1', tags: ['vip'], metadata: { plan: 'pro' } });
    const spanId = margin.span({
      trace_id: traceId,
      name: 'kb.search',
      kind: 'retrieval',
      start_time: new Date(Date.now() - 50),
      end_time: new Date(),
      status: 'ok',
    });
    margin.generation({
      trace_id: traceId,
      parent_id: spanId,
      name: 'support.answer',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      duration_ms: 640,
      ttft_ms: 210,
      attempt: 1,
      usage: { input_tokens: 900, output_tokens: 120, cache_read_tokens: 512, reasoning_tokens: 0 },
      prompt_anatomy: { system_tokens: 200, retrieval_tokens: 500, user_input_tokens: 200 },
      cost: { total: '0.000207' },
      input: 'How do I reset my password?',
      output: 'Open Settings, then Security.',
    });
    margin.score({ trace_id: traceId, name: 'helpful', value: 1, comment: 'resolved' });

    const start = new Date(Date.now() - 900);
    margin.generation(
      fromOpenAIChatCompletion(
        {
          model: 'o4-mini-2025-04-16',
          usage: {
            prompt_tokens: 2006,
            completion_tokens: 518,
            total_tokens: 2524,
            prompt_tokens_details: { cached_tokens: 1920, cache_write_tokens: 1024 },
            completion_tokens_details: { reasoning_tokens: 448 },
          },
        },
        { trace_id: traceId, start_time: start },
      ),
    );
    margin.generation(
      fromOpenAIResponses({
        model: 'o3-mini',
        status: 'completed',
        usage: {
          input_tokens: 81,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 1035,
          output_tokens_details: { reasoning_tokens: 832 },
        },
      }),
    );
    margin.generation(
      fromAnthropicMessage({
        model: 'claude-sonnet-4-5-20250929',
        usage: { input_tokens: 21, cache_creation_input_tokens: 188086, cache_read_input_tokens: 0, output_tokens: 393 },
      }),
    );
    const openaiStream = accumulateOpenAIStream();
    openaiStream.add({ model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hi' } }] });
    openaiStream.add({ model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 10, completion_tokens: 1 } });
    margin.generation(openaiStream.toGeneration({ trace_id: traceId, output: openaiStream.text }));
    const anthropicStream = accumulateAnthropicStream();
    anthropicStream.add({
      type: 'message_start',
      message: { model: 'claude-haiku-4-5', usage: { input_tokens: 5, cache_read_input_tokens: 2048, output_tokens: 1 } },
    });
    anthropicStream.add({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Yes' } });
    anthropicStream.add({ type: 'message_delta', usage: { output_tokens: 3 } });
    margin.generation(anthropicStream.toGeneration());

    await margin.flush();
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 9, failed: 0 });
  });

  it('an event the validator refuses reaches onError with its message', async () => {
    api = await startApiServer(validatingApi);
    const { margin, errors } = testClient(api, {}, clients);
    const good = margin.generation({ usage: { input_tokens: 10, output_tokens: 2 } });
    const bad = margin.generation({ usage: { input_tokens: 10, output_tokens: 2, cache_read_tokens: 50 } });
    await margin.flush();
    expect(errors.map((e) => [e.kind, e.eventIds[0]])).toEqual([['event_rejected', bad]]);
    expect(errors[0]!.message).toMatch(/cache_read_tokens.*exceed input_tokens/);
    expect(margin.stats()).toMatchObject({ sent: 1, failed: 1 });
    expect(good).not.toBe(bad);
  });
});
