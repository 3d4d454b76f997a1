import { afterEach, describe, expect, it } from 'vitest';
import { fromAnthropicMessage, type Margin } from '../src/index.ts';
import { startApiServer, type ApiServer } from './api-server.ts';
import { testClient } from './fixtures.ts';

// Shape copied from Anthropic's Messages API reference. Anthropic's input_tokens counts only the
// tokens after the last cache breakpoint: cache reads and writes are reported beside it.
const cacheWrite = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'The main themes of Pride and Prejudice are...' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: 21,
    cache_creation_input_tokens: 188086,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 188086, ephemeral_1h_input_tokens: 0 },
    output_tokens: 393,
    service_tier: 'standard',
  },
};

const cacheRead = {
  ...cacheWrite,
  id: 'msg_01Aq9w938a90dw8q',
  usage: { ...cacheWrite.usage, input_tokens: 35, cache_creation_input_tokens: 0, cache_read_input_tokens: 188086, output_tokens: 512 },
};

describe('fromAnthropicMessage', () => {
  it('adds cache writes to input_tokens, since Anthropic reports them apart', () => {
    expect(fromAnthropicMessage(cacheWrite, { name: 'books.themes' })).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      status: 'ok',
      name: 'books.themes',
      // 21 + 188,086 written + 0 read
      usage: { input_tokens: 188107, output_tokens: 393, cache_read_tokens: 0, cache_write_tokens: 188086 },
    });
  });

  it('adds cache reads to input_tokens', () => {
    // 35 + 0 written + 188,086 read
    expect(fromAnthropicMessage(cacheRead).usage).toEqual({
      input_tokens: 188121,
      output_tokens: 512,
      cache_read_tokens: 188086,
      cache_write_tokens: 0,
    });
  });

  it('takes a message without cache fields (no prompt caching) as it is', () => {
    const plain = { ...cacheWrite, usage: { input_tokens: 2095, output_tokens: 503 } };
    expect(fromAnthropicMessage(plain).usage).toEqual({ input_tokens: 2095, output_tokens: 503 });
  });
});

describe('a helper event through the client', () => {
  let api: ApiServer;
  const clients: Margin[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.shutdown()));
    await api.close();
  });

  it('reaches the server with the normalised usage', async () => {
    api = await startApiServer();
    const { margin, errors } = testClient(api, {}, clients);
    const id = margin.generation(fromAnthropicMessage(cacheRead, { name: 'books.themes', user_id: 'reader-7' }));
    await margin.flush();
    expect(errors).toEqual([]);
    expect(api.events()).toEqual([
      {
        id,
        type: 'generation',
        timestamp: expect.any(Number),
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        status: 'ok',
        name: 'books.themes',
        user_id: 'reader-7',
        usage: { input_tokens: 188121, output_tokens: 512, cache_read_tokens: 188086, cache_write_tokens: 0 },
      },
    ]);
  });
});
