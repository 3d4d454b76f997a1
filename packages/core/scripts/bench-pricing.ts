// Micro-benchmark of the hot path: price() per call, and parse + normalise + price of a 1,000-event body.
// Run: npx tsx packages/core/scripts/bench-pricing.ts
import { createPricer, parseEventBatch, toRows, type PriceRequest, type TEvent } from '../src/index.ts';

/** Rate per second by this process's CPU time (the machine is shared: wall time counts other processes too) and by wall time. */
function bench(label: string, iterations: number, fn: (i: number) => void, perIteration = 1): void {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(i); // warm up the JIT and the caches
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn(i);
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const wallSeconds = Number(process.hrtime.bigint() - wall) / 1e9;
  const rate = (s: number) =>
    Math.round((iterations * perIteration) / s)
      .toLocaleString('en')
      .padStart(10);
  console.log(
    `${label.padEnd(52)} ${rate(cpuSeconds)} /s CPU  ${rate(wallSeconds)} /s wall  (${((cpuSeconds / iterations / perIteration) * 1e6).toFixed(2)} µs CPU each)`,
  );
}

const projectPrices = Array.from({ length: 20 }, (_, i) => ({
  modelName: `custom-${i}`,
  matchPattern: `custom-model-${i}(-.*)?`,
  inputPrice: '0.5',
  outputPrice: '1.5',
  cacheReadPrice: '0.05',
  startDate: new Date(Date.UTC(2025, i % 12, 1)),
}));
const pricer = createPricer({ projectPrices });
const models = ['gpt-4o-mini-2024-07-18', 'claude-sonnet-4-20250514', 'gemini-2.5-flash', 'o3', 'deepseek-chat', 'claude-sonnet-4-6'];
const base: PriceRequest = {
  model: 'gpt-4o-mini-2024-07-18',
  provider: 'openai',
  timestamp: Date.UTC(2025, 8, 1),
  usage: { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 200, cache_write_tokens: 0 },
};
const N = 300_000;

bench('catalog, one model (cached lookup)', N, (i) => pricer.price({ ...base, usage: { ...base.usage, output_tokens: i % 1000 } }));
bench('catalog, 6 models incl. tiered and time-of-day', N, (i) => pricer.price({ ...base, model: models[i % 6]!, provider: null }));
bench('project price (20 patterns, start-date pick)', N, (i) => pricer.price({ ...base, model: `custom-model-${i % 20}` }));
bench('batch call', N, () => pricer.price({ ...base, batch: true }));
bench('client cost (split proportionally)', N, () => pricer.price({ ...base, clientCostTotal: '0.0123' }));
bench('unknown model', N, (i) => pricer.price({ ...base, model: `mystery-${i % 50}`, provider: null }));
bench('first sight of a model (uncached catalog resolution)', 2_000, (i) =>
  createPricer({ projectPrices: [] }).price({ ...base, model: models[i % 6]! }),
);

const body = {
  events: Array.from({ length: 1000 }, (_, i) => ({
    id: `gen-${i}`,
    type: 'generation',
    timestamp: '2025-09-01T12:00:00.000Z',
    trace_id: `trace-${i % 100}`,
    name: 'screening.rubric',
    user_id: `user-${i % 37}`,
    provider: 'openai',
    model: models[i % 6],
    duration_ms: 800,
    usage: { input_tokens: 1500, output_tokens: 300, cache_read_tokens: 1000 },
    metadata: { team: 'hiring' },
    tags: ['prod'],
  })),
};
const parseAll = () => {
  const parsed = parseEventBatch(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.events.flatMap((e) => (e.result.ok ? [e.result.event as TEvent] : []));
};
const ctx = { projectId: 'p', retentionDays: 0, storeContent: false, now: Date.now(), pricer };
const parsedEvents = parseAll();
bench('events: parse + validate only (1,000-event body)', 30, parseAll, 1000);
bench('events: normalise + price only (1,000-event body)', 30, () => toRows(parsedEvents, ctx), 1000);
bench('events: parse + validate + normalise + price', 30, () => toRows(parseAll(), ctx), 1000);
