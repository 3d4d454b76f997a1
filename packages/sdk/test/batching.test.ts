import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, type Margin, type MarginError, type MarginOptions } from '../src/index.ts';
import { startApiServer, waitUntil, type ApiServer } from './api-server.ts';
import { testClient } from './fixtures.ts';

let api: ApiServer;
const clients: Margin[] = [];
let errors: MarginError[] = [];

beforeEach(async () => {
  api = await startApiServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await api.close();
});

function client(options: Partial<MarginOptions> = {}): Margin {
  const made = testClient(api, { flushIntervalMs: 1000, ...options }, clients);
  errors = made.errors;
  return made.margin;
}

describe('wire format', () => {
  it('posts snake_case events with generated ids and default timestamps, authorised by the secret key', async () => {
    const margin = client({ baseUrl: `${api.url}/`, publicKey: 'pk-mg-test' });
    const before = Date.now();
    const traceId = margin.trace({ name: 'screening', user_id: 'u-1', tags: ['beta'] });
    const generationId = margin.generation({
      trace_id: traceId,
      name: 'screening.rubric',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      start_time: new Date('2026-11-25T10:00:00.000Z'),
      duration_ms: 812,
      usage: { input_tokens: 1200, output_tokens: 80, cache_read_tokens: 1024 },
      metadata: { tenant: 'acme' },
    });
    margin.span({ id: 'span-1', trace_id: traceId, kind: 'tool', tool_name: 'search', timestamp: 1_764_064_800_000 });
    margin.score({ trace_id: traceId, name: 'accuracy', value: 0.9 });
    await margin.flush();

    expect(api.requests).toHaveLength(1);
    const request = api.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/public/events');
    expect(request.headers.authorization).toBe('Bearer sk-mg-test');
    expect(request.headers['content-type']).toBe('application/json');
    const [trace, generation, span, score] = request.body.events;
    expect(trace).toMatchObject({ id: traceId, type: 'trace', name: 'screening', user_id: 'u-1', tags: ['beta'] });
    expect(traceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(trace!.timestamp).toBeGreaterThanOrEqual(before);
    expect(trace!.timestamp).toBeLessThanOrEqual(Date.now());
    expect(generation).toEqual({
      id: generationId,
      type: 'generation',
      timestamp: expect.any(Number),
      trace_id: traceId,
      name: 'screening.rubric',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      start_time: '2026-11-25T10:00:00.000Z',
      duration_ms: 812,
      usage: { input_tokens: 1200, output_tokens: 80, cache_read_tokens: 1024 },
      metadata: { tenant: 'acme' },
    });
    expect(span).toMatchObject({ id: 'span-1', type: 'span', timestamp: 1_764_064_800_000, kind: 'tool' });
    expect(score).toMatchObject({ type: 'score', trace_id: traceId, name: 'accuracy', value: 0.9 });
    expect(margin.stats()).toMatchObject({ sent: 4, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
  });
});

describe('batching', () => {
  it('sends as soon as flushAt events wait, without waiting for the interval', async () => {
    const margin = client({ flushAt: 10, flushIntervalMs: 60_000 });
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) margin.trace({ id: `t-${i}` });
    await waitUntil(() => api.requests.length === 1);
    expect(api.requests[0]!.at - started).toBeLessThan(2000);
    expect(api.requests[0]!.body.events.map((e) => e.id)).toEqual([...Array(10).keys()].map((i) => `t-${i}`));

    // Fewer than flushAt stay queued until something sends them.
    for (let i = 10; i < 14; i += 1) margin.trace({ id: `t-${i}` });
    await waitUntil(() => margin.stats().sent === 10);
    expect(margin.stats().queued).toBe(4);
    expect(api.requests).toHaveLength(1);
    await margin.flush();
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1]!.body.events).toHaveLength(4);
  });

  it('sends a partial batch once flushIntervalMs has passed since it started waiting', async () => {
    const margin = client({ flushAt: 100, flushIntervalMs: 250 });
    const started = performance.now();
    margin.trace({ id: 'a' });
    margin.trace({ id: 'b' });
    margin.trace({ id: 'c' });
    await waitUntil(() => api.requests.length === 1);
    const waitedMs = api.requests[0]!.at - started;
    expect(waitedMs).toBeGreaterThanOrEqual(240);
    expect(waitedMs).toBeLessThan(2000);
    expect(api.requests[0]!.body.events.map((e) => e.id)).toEqual(['a', 'b', 'c']);

    // The timer starts again for the next events.
    margin.trace({ id: 'd' });
    await waitUntil(() => api.requests.length === 2);
    expect(api.requests[1]!.body.events.map((e) => e.id)).toEqual(['d']);
  });

  it('splits a backlog into requests of at most 1,000 events, in order', async () => {
    const margin = client({ flushAt: 5_000, flushIntervalMs: 60_000 });
    const ids = [...Array(2_500).keys()].map((i) => `g-${i}`);
    for (const id of ids) margin.generation({ id, usage: { input_tokens: 10, output_tokens: 2 } });
    await margin.flush();
    expect(api.requests.map((r) => r.body.events.length)).toEqual([1_000, 1_000, 500]);
    expect(api.events().map((e) => e.id)).toEqual(ids);
    expect(margin.stats().sent).toBe(2_500);
  });

  it('keeps every request under 5 MB, splitting by size when events are large', async () => {
    const margin = client({ flushAt: 1_000, flushIntervalMs: 60_000 });
    const big = 'x'.repeat(1_000_000); // 1 MB of content per event: five do not fit one request
    for (let i = 0; i < 12; i += 1) margin.generation({ id: `big-${i}`, output: big });
    await margin.flush();
    expect(api.events().map((e) => e.id)).toEqual([...Array(12).keys()].map((i) => `big-${i}`));
    for (const request of api.requests) expect(request.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(api.requests.map((r) => r.body.events.length)).toEqual([4, 4, 4]);
  });

  it('refuses one event larger than a request may be', async () => {
    const margin = client();
    const id = margin.generation({ input: 'y'.repeat(5_000_000) });
    await margin.flush();
    expect(api.requests).toHaveLength(0);
    expect(errors.map((e) => [e.kind, e.eventIds])).toEqual([['event_too_large', [id]]]);
    expect(margin.stats().dropped).toBe(1);
  });
});
