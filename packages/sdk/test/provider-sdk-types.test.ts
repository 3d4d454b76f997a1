// The helpers accept the official SDKs' own objects: typed with `openai` and `@anthropic-ai/sdk`
// (devDependencies, types only), so `npm run typecheck` fails if a helper's input type drifts.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  accumulateAnthropicStream,
  accumulateOpenAIResponsesStream,
  accumulateOpenAIStream,
  fromAnthropicMessage,
  fromOpenAIChatCompletion,
  fromOpenAIResponses,
} from '../src/index.ts';

describe('objects typed by the official SDKs', () => {
  it('OpenAI chat.completion and chunks', () => {
    const completion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4.1-2025-04-14',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 7,
        total_tokens: 107,
        prompt_tokens_details: { cached_tokens: 64 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    } satisfies OpenAI.Chat.ChatCompletion;
    const typed: OpenAI.Chat.ChatCompletion = completion;
    expect(fromOpenAIChatCompletion(typed).usage).toEqual({
      input_tokens: 100,
      output_tokens: 7,
      cache_read_tokens: 64,
      reasoning_tokens: 0,
    });

    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4.1',
        choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }],
      },
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4.1',
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
      },
    ];
    const stream = accumulateOpenAIStream();
    for (const chunk of chunks) stream.add(chunk);
    expect(stream.toGeneration().usage).toEqual({ input_tokens: 9, output_tokens: 1 });
  });

  it('OpenAI Responses API response', () => {
    const usage: OpenAI.Responses.ResponseUsage = {
      input_tokens: 50,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 32 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 70,
    };
    const response = { model: 'o3-mini', status: 'completed', error: null, usage } as OpenAI.Responses.Response;
    expect(fromOpenAIResponses(response).usage).toEqual({
      input_tokens: 50,
      output_tokens: 20,
      cache_read_tokens: 0,
      cache_write_tokens: 32,
      reasoning_tokens: 12,
    });

    const events = [
      {
        type: 'response.output_text.delta',
        delta: 'ok',
        item_id: 'm',
        output_index: 0,
        content_index: 0,
        sequence_number: 1,
        logprobs: [],
      },
      { type: 'response.completed', response, sequence_number: 2 },
    ] as OpenAI.Responses.ResponseStreamEvent[];
    const stream = accumulateOpenAIResponsesStream();
    for (const event of events) stream.add(event);
    expect(stream.text).toBe('ok');
    expect(stream.toGeneration().usage).toMatchObject({ input_tokens: 50, output_tokens: 20 });
  });

  it('Anthropic Message and stream events', () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 },
    } as unknown as Anthropic.Message;
    expect(fromAnthropicMessage(message).usage).toMatchObject({ input_tokens: 15 });

    const events: Anthropic.RawMessageStreamEvent[] = [
      { type: 'message_start', message },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 9 },
      } as Anthropic.RawMessageDeltaEvent,
    ];
    const stream = accumulateAnthropicStream();
    for (const event of events) stream.add(event);
    expect(stream.toGeneration().usage).toMatchObject({ input_tokens: 15, output_tokens: 9 });
  });
});
