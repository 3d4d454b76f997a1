// The ingestion bench, in one run: (a) the raw ClickHouse insert ceiling for the bench's rows,
// (b) end-to-end events/s from a separate load process at batch sizes 1, 10 and 100 with p50/p99,
// (c) the same at half of that load, alone and while another process loops the heaviest dashboard
// metrics query over HTTP, (d) time from a 2xx to the event being visible to a query.
// Everything binds 127.0.0.1; every loop is bounded by its phase's duration.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeEvent } from './events.ts';
import { round, summarise } from './stats.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 8_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const BATCH_SIZES = (process.env.BENCH_BATCH_SIZES ?? '1,10,100').split(',').map(Number);
// A subset of the phases per batch size: `max` runs unless BENCH_RATE gives the "half" rate.
const PHASES = new Set((process.env.BENCH_PHASES ?? 'max,half,query').split(','));
// BENCH_RATE=<requests/s>: the half-load phases at this fixed rate instead of half the max phase's,
// so that variants compared in alternating runs face the same load (the max moves with the machine).
const FIXED_RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
// BENCH_HALF_OF=sustained: half of the smaller of the acknowledged maximum and the raw insert ceiling
// (what the store can load), so that the half-load phases run at a rate the store keeps up with.
const HALF_OF_SUSTAINED = process.env.BENCH_HALF_OF === 'sustained';

function tsx(script: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [...(script === 'server.ts' && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), '--import', 'tsx', path.join(here, script), ...args], {
    cwd: path.resolve(here, '../..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Runs a child to its end and parses the last JSON line it printed. */
function runJson<T>(script: string, options: unknown): Promise<T> {
  const child = tsx(script, [JSON.stringify(options)]);
  let last = '';
  readline.createInterface({ input: child.stdout! }).on('line', (line) => (last = line));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as T) : reject(new Error(`${script} exited with ${code}`)))),
  );
}

interface LoadResult {
  requests: number;
  events: number;
  rejected: number;
  statuses: Record<string, number>;
  eventsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  serviceMs: { p50: number; p99: number; max: number };
}
interface QueryResult {
  name: string;
  queries: number;
  latencyMs: { p50: number; p99: number };
  queryMs: { p50: number };
}

// Other processes on the machine skew every figure: say how busy it was.
const load = () => os.loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`machine: ${os.cpus().length} cores, load average ${load()} at start`);
console.log(`statement gate ${process.env.BENCH_GATE === '0' ? 'off' : 'on'}, a query's statements together ${process.env.BENCH_TOGETHER === '0' ? 'off' : 'on'}, load worker ${process.env.BENCH_LOADER_WORKER === '0' ? 'off' : 'on'}, filter of stored ids ${process.env.BENCH_STORED_IDS === '0' ? 'off' : 'on'}; phases ${[...PHASES].join(',')}`);

// ---------- the server (and the ceiling it measures first) ----------
// chDB runs each statement on a libuv pool thread, and a statement waiting for the engine's one
// slot holds its thread: with the default pool of 4, queued queries starve the log's fdatasync.
const server = tsx('server.ts', [], { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' });
const facts = readline.createInterface({ input: server.stdout! });
const ceiling = await new Promise<{ rows: number; rowsPerSecond: number; seconds: number }>((resolve) =>
  facts.on('line', (line) => {
    if (line.startsWith('{"ceiling"')) resolve((JSON.parse(line) as { ceiling: { rows: number; rowsPerSecond: number; seconds: number } }).ceiling);
  }),
);
console.log(`(a) raw insert ceiling: ${Math.round(ceiling.rowsPerSecond)} rows/s (${ceiling.rows} rows in ${round(ceiling.seconds, 2)} s, 10,000-row batches)`);
const ready = await new Promise<{ url: string; secretKey: string; queries: string[] }>((resolve) =>
  facts.on('line', (line) => {
    if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { ready: { url: string; secretKey: string; queries: string[] } }).ready);
  }),
);
const auth = { authorization: `Bearer ${ready.secretKey}` };

// The heaviest dashboard query on this data: time each once, keep the slowest.
const timings: { name: string; ms: number }[] = [];
for (const name of ready.queries) {
  const response = await fetch(`${ready.url}/bench/query?name=${name}`, { headers: auth });
  timings.push({ name, ms: ((await response.json()) as { ms: number }).ms });
}
timings.sort((a, b) => b.ms - a.ms);
// BENCH_QUERY=all_metrics: loop that query instead (figures stay comparable when another query becomes the slowest).
const heaviest = process.env.BENCH_QUERY ?? timings[0]!.name;
console.log(`heaviest dashboard query on ${ceiling.rows} rows: ${heaviest} (${Math.round(timings[0]!.ms)} ms; next ${timings.slice(1, 3).map((t) => `${t.name} ${Math.round(t.ms)} ms`).join(', ')})`);

interface ServerStats {
  backlogRows: number;
  loadedRowsPerSecond: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  requestMs?: { p50: number; p99: number; max: number };
  writeMs?: { p50: number; p99: number; max: number };
  serverCpuShare: number;
  turnMs?: Record<string, number>;
  lookups?: number;
  lookupsSkipped?: number;
  gate?: { first: number; normal: number; turns: number; firstWaitMs: number; firstHoldMs: number; normalWaitMs: number; normalHoldMs: number };
}
/** The server's writer backlog, event-loop delay and CPU since the last call (which it resets). */
const serverStats = async (): Promise<ServerStats> => (await (await fetch(`${ready.url}/bench/stats?reset=1`, { headers: auth })).json()) as ServerStats;
/** Where the engine's time went in a phase: loader turns against everything else (gate on only). */
const gateLine = (s: ServerStats) =>
  s.gate
    ? `; engine: ${s.gate.turns} loader turns holding ${Math.round(s.gate.firstHoldMs)} ms (${round(s.gate.firstHoldMs / Math.max(1, s.gate.turns))} ms each, waited ${round(s.gate.firstWaitMs / Math.max(1, s.gate.turns))} ms each), ${s.gate.normal} other statements holding ${Math.round(s.gate.normalHoldMs)} ms (waited ${round(s.gate.normalWaitMs / Math.max(1, s.gate.normal))} ms each); turns' time by step (ms): ${JSON.stringify(s.turnMs ?? {})}; loads looked up ${s.lookups ?? 0}, skipped ${s.lookupsSkipped ?? 0}`
    : '';
const serverLine = (s: ServerStats) =>
  `server event-loop delay p99 ${round(s.eventLoopDelayMs.p99)} ms (max ${round(s.eventLoopDelayMs.max)})${s.requestMs ? `, in the server p50 / p99 ${round(s.requestMs.p50)} / ${round(s.requestMs.p99)} ms of which writer.write ${round(s.writeMs!.p50)} / ${round(s.writeMs!.p99)} ms` : ''}, server CPU ${round(s.serverCpuShare * 100)}% of one core; loaded ${Math.round(s.loadedRowsPerSecond)} rows/s${gateLine(s)}`;

/**
 * Waits (up to 60 s) until the loader has caught up: the max phase acknowledges faster than the
 * engine loads, and a half-load phase that starts on that backlog measures the catch-up, not half load.
 */
async function drained(): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 60_000) {
    const stats = (await (await fetch(`${ready.url}/bench/stats`, { headers: auth })).json()) as ServerStats;
    if (stats.backlogRows === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - started;
}

/** (d) Posts one event and polls a query until it is there: ms from the 2xx to visible. */
async function visibility(): Promise<number> {
  const event = makeEvent(Date.now());
  const response = await fetch(`${ready.url}/api/public/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ events: [event] }) });
  const acknowledged = performance.now();
  if (response.status !== 207) throw new Error(`visibility probe got ${response.status}`);
  for (;;) {
    const seen = (await (await fetch(`${ready.url}/bench/visible?id=${event.id as string}`, { headers: auth })).json()) as { visible: boolean };
    if (seen.visible) return performance.now() - acknowledged;
    if (performance.now() - acknowledged > 10_000) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
async function probeDuring(ms: number): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    samples.push(await visibility());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return samples;
}

const idle = summarise(await probeDuring(2_000));
console.log(`(d) visible after 2xx, idle: p50 ${round(idle.p50)} ms, max ${round(idle.max)} ms (${idle.count} probes)`);

const rows: string[] = [];
const visibleUnderLoad: number[] = [];
for (const batchSize of BATCH_SIZES) {
  const base = { url: ready.url, secretKey: ready.secretKey, batchSize, concurrency: CONCURRENCY, durationMs: PHASE_MS };
  await serverStats(); // resets the per-phase counters
  const none: LoadResult = { requests: 0, events: 0, rejected: 0, statuses: {}, eventsPerSecond: 0, requestsPerSecond: 0, latencyMs: { p50: NaN, p99: NaN, max: NaN }, serviceMs: { p50: NaN, p99: NaN, max: NaN } };
  const max = FIXED_RATE !== undefined && !PHASES.has('max') ? none : await runJson<LoadResult>('load.ts', base);
  const maxServer = await serverStats();
  const sustainedShare = HALF_OF_SUSTAINED ? Math.min(1, ceiling.rowsPerSecond / max.eventsPerSecond) : 1;
  const halfRate = FIXED_RATE ?? (max.requestsPerSecond * sustainedShare) / 2;
  const catchUp = await drained();
  console.log(`    backlog after the max phase loaded in ${round(catchUp / 1000, 1)} s; half-load phases at ${round(halfRate)} req/s`);
  await serverStats(); // the next phase's counters start now
  const half = PHASES.has('half') ? await runJson<LoadResult>('load.ts', { ...base, rate: halfRate, concurrency: 256 }) : none;
  const halfServer = await serverStats();
  if (PHASES.has('half')) {
    await drained();
    await serverStats();
  }
  const [halfQuery, loop, probes] = PHASES.has('query')
    ? await Promise.all([
        runJson<LoadResult>('load.ts', { ...base, rate: halfRate, concurrency: 256 }),
        runJson<QueryResult>('query-loop.ts', { url: ready.url, secretKey: ready.secretKey, name: heaviest, durationMs: PHASE_MS }),
        probeDuring(PHASE_MS - 500),
      ])
    : [none, { name: heaviest, queries: 0, latencyMs: { p50: NaN, p99: NaN }, queryMs: { p50: NaN } }, [] as number[]];
  visibleUnderLoad.push(...probes);
  const stats = await serverStats();
  const ratio = max.eventsPerSecond / ceiling.rowsPerSecond;
  const probe = summarise(probes);
  const failures = (r: LoadResult) => Object.entries(r.statuses).filter(([s]) => s !== '207').map(([s, n]) => `${s}×${n}`).join(' ') || 'none';
  console.log(
    `(b) batch ${batchSize}: ${Math.round(max.eventsPerSecond)} events/s (${Math.round(max.requestsPerSecond)} req/s), p50 ${round(max.latencyMs.p50)} ms, p99 ${round(max.latencyMs.p99)} ms, ${round(ratio * 100)}% of ceiling; non-207: ${failures(max)}; ${serverLine(maxServer)}`,
  );
  console.log(`(c) batch ${batchSize} at half load (${round(halfRate)} req/s): p50 ${round(half.latencyMs.p50)} ms, p99 ${round(half.latencyMs.p99)} ms (from send: p99 ${round(half.serviceMs.p99)} ms); non-207: ${failures(half)}; ${serverLine(halfServer)}`);
  console.log(
    `(c) batch ${batchSize} at half load + ${heaviest} loop (${loop.queries} queries, p50 ${round(loop.queryMs.p50)} ms each): p50 ${round(halfQuery.latencyMs.p50)} ms, p99 ${round(halfQuery.latencyMs.p99)} ms (from send: p99 ${round(halfQuery.serviceMs.p99)} ms); non-207: ${failures(halfQuery)}; visible after 2xx p50 ${round(probe.p50)} ms, max ${round(probe.max)} ms; backlog after: ${stats.backlogRows} rows; ${serverLine(stats)}`,
  );
  rows.push(
    `| ${batchSize} | ${Math.round(max.eventsPerSecond)} | ${round(max.latencyMs.p50)} / ${round(max.latencyMs.p99)} | ${round(ratio * 100)}% | ${round(half.latencyMs.p50)} / ${round(half.latencyMs.p99)} | ${round(halfQuery.latencyMs.p50)} / ${round(halfQuery.latencyMs.p99)} (${loop.queries} × ${heaviest}) | ${round(probe.p50)} / ${round(probe.max)} | ${Math.round(stats.loadedRowsPerSecond)} / ${Math.round(halfQuery.eventsPerSecond)} |`,
  );
}

const underLoad = summarise(visibleUnderLoad);
console.log(`(d) visible after 2xx under half load + query loop: p50 ${round(underLoad.p50)} ms, p99 ${round(underLoad.p99)} ms, max ${round(underLoad.max)} ms (${underLoad.count} probes)`);
// The last column tells whether the store kept up in that phase (the visibility target holds only
// then): rows loaded per second against events acknowledged per second. The maximum is the rate the
// log acknowledges, which can exceed what the store loads, and so can half of it.
console.log('\n| batch | events/s (max) | p50 / p99 ms (max) | of ceiling | p50 / p99 ms (half) | p50 / p99 ms (half + query loop) | visible after 2xx p50 / max ms | loaded / acknowledged per s (half + query loop) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);

console.log(`\nload average ${load()} at the end`);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
