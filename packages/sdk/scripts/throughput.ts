// Measures how fast one client records and delivers events to a local stand-in server that
// answers 207 at once: `npx tsx packages/sdk/scripts/throughput.ts [events] [flushAt]`.
import { acceptAll, startApiServer } from '../test/api-server.ts';
import { Margin } from '../src/index.ts';

const total = Number(process.argv[2] ?? 100_000);
const flushAt = Number(process.argv[3] ?? 100);
const api = await startApiServer(acceptAll);
const margin = new Margin({ baseUrl: api.url, secretKey: 'sk-mg-bench', flushAt, maxQueueSize: total, flushOnExit: false });

const started = performance.now();
for (let i = 0; i < total; i += 1) {
  margin.generation({
    name: 'bench.call',
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    user_id: `user-${i % 500}`,
    duration_ms: 800,
    usage: { input_tokens: 1200, output_tokens: 90, cache_read_tokens: 1024 },
  });
}
const recordedMs = performance.now() - started;
await margin.flush();
const deliveredMs = performance.now() - started;
await margin.shutdown();
await api.close();

const stats = margin.stats();
console.log(
  JSON.stringify({
    events: total,
    flushAt,
    requests: api.requests.length,
    recordUsPerEvent: Number(((recordedMs * 1000) / total).toFixed(2)),
    deliveredMs: Math.round(deliveredMs),
    eventsPerSecond: Math.round(total / (deliveredMs / 1000)),
    sent: stats.sent,
    dropped: stats.dropped,
  }),
);
