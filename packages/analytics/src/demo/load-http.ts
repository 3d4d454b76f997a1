// Sends demo traffic to a running Margin server as native events (POST /api/public/events), for when
// the server owns the embedded stores: 1,000 events a request, 4 requests in flight, 429/503 retried.
import { generateDemo, type DemoOptions } from './generate.ts';
import type { DemoProgress } from './load-direct.ts';
import { batchToEvents } from './to-events.ts';

export interface LoadDemoHttpOptions extends Omit<DemoOptions, 'projectId' | 'batchSize'> {
  /** Base URL of the server, e.g. http://127.0.0.1:3000. */
  url: string;
  /** The project's secret key (sk-mg-…); the server derives the project from it. */
  secretKey: string;
  eventsPerRequest?: number;
  concurrency?: number;
  onProgress?: (progress: DemoProgress) => void;
}

export interface LoadDemoHttpResult {
  calls: number;
  events: number;
  requests: number;
  /** Events the server answered with an error status (per-event 4xx in a 207). */
  rejected: number;
  firstRejection: string | null;
  seconds: number;
  eventsPerSecond: number;
}

const MAX_ATTEMPTS = 8;

async function post(url: string, secretKey: string, events: unknown[]): Promise<{ errors: { id: string; message?: string }[] }> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(new URL('/api/public/events', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    if ((response.status === 429 || response.status === 503) && attempt < MAX_ATTEMPTS) {
      const wait = Number(response.headers.get('retry-after') ?? '1');
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0.1, wait) * 1000));
      continue;
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`POST /api/public/events answered ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { errors?: { id: string; message?: string }[] };
    return { errors: body.errors ?? [] };
  }
}

export async function loadDemoHttp(options: LoadDemoHttpOptions): Promise<LoadDemoHttpResult> {
  const { url, secretKey, onProgress } = options;
  const size = options.eventsPerRequest ?? 1_000;
  const concurrency = options.concurrency ?? 4;
  const started = performance.now();
  const totals = { calls: 0, events: 0, requests: 0, rejected: 0, firstRejection: null as string | null };
  const inFlight = new Set<Promise<void>>();

  const send = (events: unknown[]) => {
    const request = post(url, secretKey, events).then(({ errors }) => {
      totals.rejected += errors.length;
      totals.firstRejection ??= errors[0] ? `${errors[0].id}: ${errors[0].message ?? ''}` : null;
    });
    const tracked = request.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    totals.requests++;
    totals.events += events.length;
  };

  const { url: _url, secretKey: _key, eventsPerRequest: _size, concurrency: _c, onProgress: _p, ...demo } = options;
  for await (const batch of generateDemo({ ...demo, projectId: 'from-key', batchSize: 5_000 })) {
    const events = batchToEvents(batch);
    for (let i = 0; i < events.length; i += size) {
      // Keep at most `concurrency` requests open; Promise.race rethrows a failed request's error.
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      send(events.slice(i, i + size));
    }
    totals.calls += batch.calls.length;
    onProgress?.({ calls: totals.calls, total: options.calls, rows: totals.events, seconds: (performance.now() - started) / 1000 });
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return { ...totals, seconds, eventsPerSecond: totals.events / seconds };
}
