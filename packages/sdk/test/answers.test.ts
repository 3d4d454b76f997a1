import { afterEach, describe, expect, it } from 'vitest';
import type { Margin } from '../src/index.ts';
import { startApiServer, type ApiServer } from './api-server.ts';
import { testClient } from './fixtures.ts';

let api: ApiServer;
const clients: Margin[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await api.close();
});

describe('the 207 answer', () => {
  it('hands each event the server refused to onError, and counts the rest as sent', async () => {
    // The server refuses events whose usage has a negative count, as the contract's validation does.
    api = await startApiServer((request) => {
      const events = request.body.events;
      const bad = events.filter((e) => ((e.usage as { input_tokens?: number } | undefined)?.input_tokens ?? 0) < 0);
      return {
        status: 207,
        body: {
          successes: events.filter((e) => !bad.includes(e)).map((e) => ({ id: e.id, status: 201 })),
          errors: bad.map((e) => ({ id: e.id, status: 400, message: 'usage.input_tokens: expected an integer from 0 to 1000000000' })),
        },
      };
    });
    const { margin, errors } = testClient(api, {}, clients);
    margin.generation({ id: 'ok-1', usage: { input_tokens: 10, output_tokens: 1 } });
    margin.generation({ id: 'bad-1', usage: { input_tokens: -1, output_tokens: 1 } });
    margin.generation({ id: 'ok-2', usage: { input_tokens: 3, output_tokens: 1 } });
    margin.generation({ id: 'bad-2', usage: { input_tokens: -5, output_tokens: 0 } });
    await margin.flush();

    expect(api.requests).toHaveLength(1);
    expect(errors.map((e) => ({ kind: e.kind, status: e.status, ids: e.eventIds, message: e.message }))).toEqual([
      { kind: 'event_rejected', status: 400, ids: ['bad-1'], message: 'usage.input_tokens: expected an integer from 0 to 1000000000' },
      { kind: 'event_rejected', status: 400, ids: ['bad-2'], message: 'usage.input_tokens: expected an integer from 0 to 1000000000' },
    ]);
    expect(margin.stats()).toMatchObject({ sent: 2, failed: 2, retries: 0 });
  });

  it('takes a 2xx without a readable body as every event stored', async () => {
    api = await startApiServer(() => ({ status: 200 }));
    const { margin, errors } = testClient(api, {}, clients);
    margin.trace({ id: 'plain-1' });
    margin.trace({ id: 'plain-2' });
    await margin.flush();
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 2, failed: 0 });
  });

  it('keeps sending the next batches after a handler that throws', async () => {
    api = await startApiServer((request) => ({
      status: 207,
      body: { successes: [], errors: request.body.events.map((e) => ({ id: e.id, status: 400, message: 'no' })) },
    }));
    const { margin } = testClient(
      api,
      {
        flushAt: 2,
        onError: () => {
          throw new Error('handler bug');
        },
      },
      clients,
    );
    for (let i = 0; i < 6; i += 1) margin.trace({ id: `t-${i}` });
    await margin.flush();
    expect(api.events()).toHaveLength(6);
    expect(margin.stats()).toMatchObject({ failed: 6 });
  });
});
