import { describe, expect, it } from 'vitest';
import { fromOpenAIChatCompletion, fromOpenAIResponses } from '../src/index.ts';

// Shapes copied from OpenAI's API reference (chat.completion and response objects), with counts
// chosen so that adding cached or reasoning tokens on top would show.
const chatCompletion = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'o4-mini-2025-04-16',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'The contract allows termination with 30 days notice.', refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 2006,
    completion_tokens: 518,
    total_tokens: 2524,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 448, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_fc9f1d7035',
};

const response = {
  id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
  object: 'response',
  created_at: 1741476777,
  status: 'completed',
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'o3-mini-2025-01-31',
  output: [
    { type: 'reasoning', id: 'rs_67ccd3acc8d48190a77525dc6de64b4104becb25c45c1d41', summary: [] },
    {
      type: 'message',
      id: 'msg_67ccd3b1f8b88190b5e6b3e9aa0b5b7304becb25c45c1d41',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Here is a bash script...', annotations: [] }],
    },
  ],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: 'medium', summary: null },
  store: true,
  temperature: 1,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
  usage: {
    input_tokens: 1581,
    input_tokens_details: { cached_tokens: 1408 },
    output_tokens: 1035,
    output_tokens_details: { reasoning_tokens: 832 },
    total_tokens: 2616,
  },
  user: null,
  metadata: {},
};

describe('fromOpenAIChatCompletion', () => {
  it('keeps cached tokens inside input_tokens and reasoning inside output_tokens', () => {
    const event = fromOpenAIChatCompletion(chatCompletion, { name: 'contracts.summarise', trace_id: 'trace-1' });
    expect(event).toEqual({
      provider: 'openai',
      model: 'o4-mini-2025-04-16',
      status: 'ok',
      name: 'contracts.summarise',
      trace_id: 'trace-1',
      // prompt_tokens 2006 already counts the 1,920 cached ones; completion 518 counts the 448 reasoning ones.
      usage: { input_tokens: 2006, output_tokens: 518, cache_read_tokens: 1920, reasoning_tokens: 448 },
    });
  });

  it('lets the caller override derived fields and closes the timing the caller opened', () => {
    const start = new Date(Date.now() - 1200);
    const event = fromOpenAIChatCompletion(chatCompletion, { provider: 'azure', start_time: start });
    expect(event.provider).toBe('azure');
    expect(event.start_time).toBe(start);
    expect(event.end_time).toBeInstanceOf(Date);
    expect((event.end_time as Date).getTime() - start.getTime()).toBeGreaterThanOrEqual(1200);
  });

  it('reads cache_write_tokens where OpenAI reports it, held within the prompt', () => {
    const writing = {
      ...chatCompletion,
      usage: { ...chatCompletion.usage, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 1920, audio_tokens: 0 } },
    };
    expect(fromOpenAIChatCompletion(writing).usage).toMatchObject({ input_tokens: 2006, cache_read_tokens: 0, cache_write_tokens: 1920 });
    // An "unadjusted" write count larger than the uncached rest of the prompt is cut to it (2006 - 1920).
    const overlapping = {
      ...chatCompletion,
      usage: { ...chatCompletion.usage, prompt_tokens_details: { cached_tokens: 1920, cache_write_tokens: 1024 } },
    };
    expect(fromOpenAIChatCompletion(overlapping).usage).toMatchObject({ cache_read_tokens: 1920, cache_write_tokens: 86 });
  });

  it('leaves out what the provider did not report (an older model without details, no usage at all)', () => {
    const plain = { ...chatCompletion, usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 } };
    expect(fromOpenAIChatCompletion(plain).usage).toEqual({ input_tokens: 19, output_tokens: 10 });
    expect(fromOpenAIChatCompletion({ ...chatCompletion, usage: undefined }).usage).toBeUndefined();
  });
});

describe('fromOpenAIResponses', () => {
  it('reads input_tokens_details and output_tokens_details', () => {
    const event = fromOpenAIResponses(response, { name: 'scripts.write' });
    expect(event).toEqual({
      provider: 'openai',
      model: 'o3-mini-2025-01-31',
      status: 'ok',
      name: 'scripts.write',
      usage: { input_tokens: 1581, output_tokens: 1035, cache_read_tokens: 1408, reasoning_tokens: 832 },
    });
  });

  it('marks a failed response as an error with its message', () => {
    const failed = {
      ...response,
      status: 'failed',
      error: { code: 'server_error', message: 'The model failed to generate a response.' },
      usage: null,
    };
    expect(fromOpenAIResponses(failed)).toEqual({
      provider: 'openai',
      model: 'o3-mini-2025-01-31',
      status: 'error',
      error_message: 'The model failed to generate a response.',
    });
  });
});
