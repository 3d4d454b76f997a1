import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Margin } from '../src/index.ts';
import { acceptAll, startApiServer, waitUntil, type ApiServer } from './api-server.ts';
import { testClient } from './fixtures.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let api: ApiServer;
const clients: Margin[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await api.close();
});

/** Runs test/exit-script.ts in its own Node process and resolves with its exit code. */
function runExitScript(env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'exit-script.ts')], {
      cwd: path.resolve(here, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

describe('flush and shutdown', () => {
  it('flush() delivers everything recorded, however it is cut into requests', async () => {
    api = await startApiServer();
    const { margin } = testClient(api, { flushAt: 40 }, clients);
    const ids: string[] = [];
    for (let i = 0; i < 130; i += 1) ids.push(margin.span({ kind: 'tool', tool_name: 'search' }));
    await margin.flush();
    expect(api.events().map((e) => e.id)).toEqual(ids);
    expect(margin.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 130 });
  });

  it('shutdown() waits for a send under way and delivers what waits behind it, then refuses new events', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first answer is held back until the test lets it go.
    api = await startApiServer(async (request, index) => {
      if (index === 0) await gate;
      return acceptAll(request, index);
    });
    const { margin, errors } = testClient(api, { flushAt: 3 }, clients);
    for (let i = 0; i < 5; i += 1) margin.trace({ id: `s-${i}` });
    await waitUntil(() => api.requests.length === 1);
    expect(margin.stats()).toMatchObject({ inFlight: 3, queued: 2 });

    let finished = false;
    const done = margin.shutdown().then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    release();
    await done;
    expect(api.events().map((e) => e.id)).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4']);

    const late = margin.trace({ id: 'late' });
    expect(late).toBe('late');
    expect(errors.map((e) => [e.kind, e.eventIds])).toEqual([['shut_down', ['late']]]);
    expect(margin.stats()).toMatchObject({ sent: 5, dropped: 1, queued: 0 });
  });

  it('delivers each event exactly once, in order, while recording overlaps slow sends', async () => {
    api = await startApiServer(async (request, index) => {
      await new Promise((resolve) => setTimeout(resolve, index % 3 === 0 ? 15 : 1));
      return acceptAll(request, index);
    });
    const { margin, errors } = testClient(api, { flushAt: 7, flushIntervalMs: 10 }, clients);
    const ids: string[] = [];
    for (let round = 0; round < 40; round += 1) {
      for (let i = 0; i < (round % 5) + 1; i += 1) ids.push(margin.trace({ id: `o-${round}-${i}` }));
      await new Promise((resolve) => setTimeout(resolve, round % 4));
    }
    await margin.flush();
    expect(errors).toEqual([]);
    expect(api.events().map((e) => e.id)).toEqual(ids);
    expect(margin.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: ids.length });
  });

  it('a full queue refuses new events (the oldest stay) and counts them as dropped', async () => {
    api = await startApiServer();
    const { margin, errors } = testClient(api, { maxQueueSize: 5, flushAt: 100 }, clients);
    const ids = [...Array(8).keys()].map((i) => margin.trace({ id: `q-${i}` }));
    expect(ids).toEqual([...Array(8).keys()].map((i) => `q-${i}`));
    expect(margin.stats()).toMatchObject({ queued: 5, dropped: 3 });
    expect(errors.map((e) => [e.kind, e.eventIds[0]])).toEqual([
      ['queue_full', 'q-5'],
      ['queue_full', 'q-6'],
      ['queue_full', 'q-7'],
    ]);
    await margin.flush();
    expect(api.events().map((e) => e.id)).toEqual(['q-0', 'q-1', 'q-2', 'q-3', 'q-4']);

    // Room again once sent.
    margin.trace({ id: 'q-8' });
    await margin.flush();
    expect(api.events().map((e) => e.id)).toContain('q-8');
  });
});

describe('process exit', () => {
  it('sends what is queued when the process runs out of work (beforeExit)', async () => {
    api = await startApiServer();
    const code = await runExitScript({ MARGIN_TEST_URL: api.url, MARGIN_TEST_COUNT: '250' });
    expect(code).toBe(0);
    expect(api.events()).toHaveLength(250);
    expect(new Set(api.events().map((e) => e.id)).size).toBe(250);
  });

  it('retries at exit too: the process stays up until the batch is through', async () => {
    api = await startApiServer((request, index) =>
      index === 0
        ? { status: 503, headers: { 'retry-after': '0' }, body: { error: { code: 'unavailable', message: 'busy' } } }
        : acceptAll(request, index),
    );
    const code = await runExitScript({ MARGIN_TEST_URL: api.url, MARGIN_TEST_COUNT: '20' });
    expect(code).toBe(0);
    expect(api.requests).toHaveLength(2);
    expect(new Set(api.events().map((e) => e.id)).size).toBe(20);
  });

  it('sends nothing at exit when flushOnExit is false', async () => {
    api = await startApiServer();
    const code = await runExitScript({ MARGIN_TEST_URL: api.url, MARGIN_TEST_COUNT: '3', MARGIN_TEST_NO_EXIT_FLUSH: '1' });
    expect(code).toBe(0);
    expect(api.requests).toHaveLength(0);
  });
});
