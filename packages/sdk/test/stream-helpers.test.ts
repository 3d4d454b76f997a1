import { describe, expect, it } from 'vitest';
import { accumulateAnthropicStream, accumulateOpenAIResponsesStream, accumulateOpenAIStream } from '../src/index.ts';

/** A clock the test moves by hand, so ttft_ms and end_time are exact. */
function manualClock(startMs: number) {
  let nowMs = startMs;
  return { now: () => nowMs, at: (ms: number) => void (nowMs = ms) };
}

const chunk = (delta: object | null, extra: object = {}) => ({
  id: 'chatcmpl-123',
  object: 'chat.completion.chunk',
  created: 1694268190,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_44709d6fcb',
  choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: null }],
  usage: null,
  ...extra,
});

describe('accumulateOpenAIStream', () => {
  it('times the first content chunk and takes usage from the include_usage chunk', () => {
    const clock = manualClock(1_000_000);
    const stream = accumulateOpenAIStream({ now: clock.now });
    clock.at(1_000_150);
    stream.add(chunk({ role: 'assistant', content: '', refusal: null })); // no answer yet
    clock.at(1_000_400);
    stream.add(chunk({ content: 'Hello' }));
    clock.at(1_000_450);
    stream.add(chunk({ content: ' world' }));
    clock.at(1_000_500);
    stream.add(chunk({}, { choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
    clock.at(1_000_510);
    stream.add(
      chunk(null, {
        usage: {
          prompt_tokens: 1350,
          completion_tokens: 12,
          total_tokens: 1362,
          prompt_tokens_details: { cached_tokens: 1280, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
      }),
    );
    clock.at(1_009_999); // recording later does not stretch the call

    expect(stream.text).toBe('Hello world');
    expect(stream.hasUsage).toBe(true);
    expect(stream.toGeneration({ name: 'chat.reply' })).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      start_time: new Date(1_000_000),
      end_time: new Date(1_000_510),
      ttft_ms: 400,
      status: 'ok',
      name: 'chat.reply',
      usage: { input_tokens: 1350, output_tokens: 12, cache_read_tokens: 1280, reasoning_tokens: 0 },
    });
  });

  it('counts a tool call as the first content', () => {
    const clock = manualClock(0);
    const stream = accumulateOpenAIStream({ now: clock.now, startTime: 0 });
    clock.at(90);
    stream.add(chunk({ role: 'assistant', content: null }));
    clock.at(220);
    stream.add(chunk({ tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'search', arguments: '' } }] }));
    expect(stream.toGeneration().ttft_ms).toBe(220);
  });

  it('has no usage without include_usage, and marks a broken stream as an error', () => {
    const stream = accumulateOpenAIStream();
    stream.add(chunk({ content: 'partial' }));
    stream.fail(new Error('socket hang up'));
    const event = stream.toGeneration();
    expect(stream.hasUsage).toBe(false);
    expect(event.usage).toBeUndefined();
    expect(event).toMatchObject({ status: 'error', error_message: 'socket hang up' });
  });
});

// Server-sent events of Anthropic's streaming Messages API, as its reference shows them.
const anthropicEvents = (start: { input_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number }) => [
  {
    type: 'message_start',
    message: {
      id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: null,
      stop_sequence: null,
      usage: { ...start, output_tokens: 1 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'ping' },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } },
  { type: 'message_stop' },
];

describe('accumulateAnthropicStream', () => {
  it('adds cache reads and writes from message_start to input_tokens, output from message_delta', () => {
    const clock = manualClock(5_000);
    const stream = accumulateAnthropicStream({ now: clock.now });
    const events = anthropicEvents({ input_tokens: 12, cache_read_input_tokens: 2048, cache_creation_input_tokens: 300 });
    const arrivals = [5_300, 5_310, 5_320, 5_700, 5_720, 5_730, 5_740, 5_750];
    events.forEach((event, i) => {
      clock.at(arrivals[i]!);
      stream.add(event);
    });

    expect(stream.text).toBe('Hello!');
    expect(stream.toGeneration({ trace_id: 't-9' })).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      start_time: new Date(5_000),
      end_time: new Date(5_750),
      ttft_ms: 700, // the first text_delta, not message_start or the empty block start
      status: 'ok',
      trace_id: 't-9',
      // 12 + 2,048 read + 300 written; output 15 (cumulative), not 1 + 15
      usage: { input_tokens: 2360, output_tokens: 15, cache_read_tokens: 2048, cache_write_tokens: 300 },
    });
  });

  it('keeps the latest cumulative counts when message_delta comes more than once', () => {
    const stream = accumulateAnthropicStream();
    const events = anthropicEvents({ input_tokens: 400 });
    for (const event of events.slice(0, 6)) stream.add(event);
    stream.add({ type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 40, input_tokens: 400 } });
    stream.add({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 95, input_tokens: 1650 } });
    expect(stream.toGeneration().usage).toEqual({ input_tokens: 1650, output_tokens: 95 });
  });

  it('turns an error event into status error', () => {
    const stream = accumulateAnthropicStream();
    stream.add(anthropicEvents({ input_tokens: 10 })[0]!);
    stream.add({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(stream.toGeneration()).toMatchObject({
      status: 'error',
      error_message: 'Overloaded',
      usage: { input_tokens: 10, output_tokens: 1 },
    });
  });
});

describe('accumulateOpenAIResponsesStream', () => {
  const final = {
    id: 'resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654',
    object: 'response',
    status: 'completed',
    model: 'gpt-4.1-2025-04-14',
    usage: {
      input_tokens: 3300,
      input_tokens_details: { cached_tokens: 3072 },
      output_tokens: 88,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 3388,
    },
  };

  it('times the first output delta and takes usage from response.completed', () => {
    const clock = manualClock(10_000);
    const stream = accumulateOpenAIResponsesStream({ now: clock.now });
    const events = [
      [10_120, { type: 'response.created', sequence_number: 0, response: { ...final, status: 'in_progress', usage: null } }],
      [10_130, { type: 'response.in_progress', sequence_number: 1, response: { ...final, status: 'in_progress', usage: null } }],
      [10_140, { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { type: 'message' } }],
      [
        10_610,
        { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' },
      ],
      [
        10_630,
        { type: 'response.output_text.delta', sequence_number: 4, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' there' },
      ],
      [10_700, { type: 'response.output_text.done', sequence_number: 5, text: 'Hi there' }],
      [10_720, { type: 'response.completed', sequence_number: 6, response: final }],
    ] as const;
    for (const [at, event] of events) {
      clock.at(at);
      stream.add(event);
    }
    expect(stream.text).toBe('Hi there');
    expect(stream.toGeneration({ name: 'greet' })).toEqual({
      provider: 'openai',
      model: 'gpt-4.1-2025-04-14',
      status: 'ok',
      start_time: new Date(10_000),
      end_time: new Date(10_720),
      ttft_ms: 610,
      name: 'greet',
      usage: { input_tokens: 3300, output_tokens: 88, cache_read_tokens: 3072, reasoning_tokens: 0 },
    });
  });

  it('reports response.failed as an error', () => {
    const stream = accumulateOpenAIResponsesStream();
    stream.add({
      type: 'response.failed',
      response: { ...final, status: 'failed', error: { code: 'server_error', message: 'boom' }, usage: null },
    });
    expect(stream.toGeneration()).toMatchObject({ status: 'error', error_message: 'boom' });
    expect(stream.hasUsage).toBe(false);
  });
});
