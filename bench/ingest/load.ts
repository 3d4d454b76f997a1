// A load process: sends generation events to /api/public/events over keep-alive connections,
// either as fast as `concurrency` connections allow (closed loop) or at a fixed request rate (open
// loop; latency counted from each request's scheduled start, so a stall is not hidden). Prints one
// JSON line with throughput and latency.
import http from 'node:http';
import { makeEvent } from './events.ts';
import { summarise } from './stats.ts';

interface LoadOptions {
  url: string;
  secretKey: string;
  batchSize: number;
  concurrency: number;
  durationMs: number;
  /** Requests per second (open loop); absent: closed loop. */
  rate?: number;
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const target = new URL('/api/public/events', options.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
const latencies: number[] = [];
/** From the moment the request was written, not scheduled: separates the server's time from the load process's own lag. */
const serviceTimes: number[] = [];
const statuses: Record<string, number> = {};
let events = 0;
let rejected = 0;

function post(body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${options.secretKey}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode === 207) {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { successes: unknown[]; errors: unknown[] };
            events += answer.successes.length;
            rejected += answer.errors.length;
          }
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function send(scheduledAt: number): Promise<void> {
  const body = JSON.stringify({ events: Array.from({ length: options.batchSize }, () => makeEvent(Date.now())) });
  const sentAt = performance.now();
  const status = await post(body);
  const end = performance.now();
  latencies.push(end - scheduledAt);
  serviceTimes.push(end - sentAt);
  statuses[status] = (statuses[status] ?? 0) + 1;
}

const started = performance.now();
const deadline = started + options.durationMs;
if (options.rate === undefined) {
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) await send(performance.now());
    }),
  );
} else {
  const interval = 1000 / options.rate;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const scheduledAt = started + i * interval;
    if (scheduledAt >= deadline) break;
    const wait = scheduledAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = send(scheduledAt).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
}
const seconds = (performance.now() - started) / 1000;
agent.destroy();
console.log(JSON.stringify({ requests: latencies.length, events, rejected, statuses, seconds, eventsPerSecond: events / seconds, requestsPerSecond: latencies.length / seconds, latencyMs: summarise(latencies), serviceMs: summarise(serviceTimes) }));
