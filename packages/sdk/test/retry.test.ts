import { afterEach, describe, expect, it } from 'vitest';
import type { Margin } from '../src/index.ts';
import { acceptAll, startApiServer, type Answer, type ApiServer } from './api-server.ts';
import { testClient } from './fixtures.ts';

let api: ApiServer | undefined;
const clients: Margin[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await api?.close();
  api = undefined;
});

const overloaded = (retryAfter?: string): Exclude<Answer, 'cut'> => ({
  status: 429,
  headers: retryAfter === undefined ? {} : ({ 'retry-after': retryAfter } as Record<string, string>),
  body: { error: { code: 'rate_limited', message: 'slow down' } },
});

describe('retries', () => {
  it('waits as long as Retry-After says, then delivers the same batch', async () => {
    api = await startApiServer((request, index) => (index === 0 ? overloaded('1') : acceptAll(request, index)));
    const { margin, errors } = testClient(api, {}, clients);
    margin.trace({ id: 'r-1' });
    margin.trace({ id: 'r-2' });
    await margin.flush();

    expect(api.requests).toHaveLength(2);
    // Backoff alone would have waited about 20 ms; the server asked for a second.
    expect(api.requests[1]!.at - api.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(api.requests[1]!.body).toEqual(api.requests[0]!.body);
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 2, failed: 0, retries: 1 });
  });

  it('backs off exponentially on 503 without Retry-After', async () => {
    api = await startApiServer((request, index) =>
      index < 3 ? { status: 503, body: { error: { code: 'unavailable', message: 'busy' } } } : acceptAll(request, index),
    );
    const { margin, errors } = testClient(api, { retryBaseDelayMs: 40 }, clients);
    margin.trace({ id: 'b-1' });
    await margin.flush();

    expect(api.requests).toHaveLength(4);
    const gaps = api.requests.slice(1).map((r, i) => r.at - api!.requests[i]!.at);
    // Retry n waits between half and all of 40 * 2^(n-1) ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 1, retries: 3 });
  });

  it('retries after a network error (connection cut without an answer)', async () => {
    api = await startApiServer((request, index) => (index === 0 ? 'cut' : acceptAll(request, index)));
    const { margin, errors } = testClient(api, {}, clients);
    margin.generation({ id: 'n-1', usage: { input_tokens: 5, output_tokens: 1 } });
    await margin.flush();
    expect(api.requests.map((r) => r.body.events[0]!.id)).toEqual(['n-1', 'n-1']);
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 1, retries: 1 });
  });

  it('does not retry a 400 and reports it with the server message and every event id', async () => {
    api = await startApiServer(() => ({ status: 400, body: { error: { code: 'bad_request', message: 'expected an object' } } }));
    const { margin, errors } = testClient(api, {}, clients);
    margin.trace({ id: 'x-1' });
    margin.trace({ id: 'x-2' });
    await margin.flush();

    expect(api.requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'rejected', status: 400, eventIds: ['x-1', 'x-2'] });
    expect(errors[0]!.message).toBe('bad_request: expected an object');
    expect(margin.stats()).toMatchObject({ sent: 0, failed: 2, retries: 0 });
  });

  it('does not retry a 401 either', async () => {
    api = await startApiServer(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'bad key' } } }));
    const { margin, errors } = testClient(api, {}, clients);
    margin.trace({ id: 'k-1' });
    await margin.flush();
    expect(api.requests).toHaveLength(1);
    expect(errors.map((e) => [e.kind, e.status])).toEqual([['rejected', 401]]);
  });

  it('gives up after maxRetries and reports the last problem', async () => {
    api = await startApiServer(() => ({ ...overloaded('0'), status: 503 }));
    const { margin, errors } = testClient(api, { maxRetries: 2 }, clients);
    margin.trace({ id: 'g-1' });
    await margin.flush();

    expect(api.requests).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'retries_exhausted', status: 503, eventIds: ['g-1'] });
    expect(errors[0]!.message).toContain('rate_limited: slow down');
    expect(margin.stats()).toMatchObject({ sent: 0, failed: 1, retries: 2 });
  });

  it('reports a network failure once retries run out when nothing listens', async () => {
    api = await startApiServer();
    const url = api.url;
    await api.close();
    api = undefined;
    const { margin, errors } = testClient({ url } as ApiServer, { maxRetries: 1 }, clients);
    margin.trace({ id: 'down-1' });
    await margin.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'retries_exhausted', eventIds: ['down-1'] });
    expect(errors[0]!.message).toMatch(/network error/);
    expect(margin.stats()).toMatchObject({ failed: 1, retries: 1 });
  });

  it('halves a batch the server finds too large (413) until it fits', async () => {
    api = await startApiServer((request, index) =>
      request.body.events.length > 2
        ? { status: 413, body: { error: { code: 'too_large', message: 'max 2' } } }
        : acceptAll(request, index),
    );
    const { margin, errors } = testClient(api, {}, clients);
    for (let i = 0; i < 5; i += 1) margin.trace({ id: `h-${i}` });
    await margin.flush();

    const accepted = api.requests.filter((r) => r.body.events.length <= 2).flatMap((r) => r.body.events.map((e) => e.id));
    expect(accepted).toEqual(['h-0', 'h-1', 'h-2', 'h-3', 'h-4']);
    expect(errors).toEqual([]);
    expect(margin.stats()).toMatchObject({ sent: 5, failed: 0 });
  });
});
