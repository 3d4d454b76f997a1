// What a load costs the engine when it is small: (1) CPU per row by load size (the process's CPU, all
// threads: chDB's insert and merge threads, over the loads and a settle period for the merges after),
// (2) where a small load's time goes (chDB's ProfileEvents, from system.events around each load),
// (3) a small load's wall and CPU under other insert settings. Loads as the loader runs them
// (loadPrepared, every view attached, LOAD_SETTINGS), fresh ids.
//   npx tsx bench/ingest/load-cost.ts   (LOADCOST_TOTAL=60000, LOADCOST_SIZES=1000,3000,10000,30000,
//   LOADCOST_ROUNDS=2, LOADCOST_SMALL=300, LOADCOST_SETTINGS='{"max_threads 1":{"max_threads":1}}')
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClickHouse, measureInsertCeiling, migrateClickHouse, queryRows } from '@margin/clickhouse';
import { prepareLoad, type PreparedLoad } from '../../packages/clickhouse/src/load-prepare.ts';
import { loadPrepared, planPrepared } from '../../packages/clickhouse/src/load-prepared.ts';
import { LOAD_SETTINGS } from '../../packages/clickhouse/src/loader.ts';
import { makeEvent, makeHistory } from './events.ts';
import { rowsFor } from './rows.ts';
import { round } from './stats.ts';

const TOTAL = Number(process.env.LOADCOST_TOTAL ?? 60_000);
const SIZES = (process.env.LOADCOST_SIZES ?? '1000,3000,10000,30000').split(',').map(Number);
const ROUNDS = Number(process.env.LOADCOST_ROUNDS ?? 2);
const SMALL = Number(process.env.LOADCOST_SMALL ?? 300);
const SETTLE_MS = 3_000;
const SETTINGS: Record<string, Record<string, number>> = {
  loader: {},
  ...(JSON.parse(process.env.LOADCOST_SETTINGS ?? '{"enable_analyzer 0":{"enable_analyzer":0},"parallel_view_processing 1":{"parallel_view_processing":1},"max_threads 1":{"max_threads":1}}') as Record<string, Record<string, number>>),
};
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-loadcost-'));
const loadavg = () => os.loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`machine: ${os.cpus().length} cores, load average ${loadavg()} at start`);
const ch = await createClickHouse({ dataDir: path.join(dataDir, 'ch'), statementGate: false });
await migrateClickHouse(ch);
const rowsOf = rowsFor(`bench-${crypto.randomUUID()}`);
await measureInsertCeiling(ch, rowsOf(makeHistory(100_000, Date.now() - 3_600_000, 30)).calls, { batchRows: 10_000 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fresh = (rows: number): PreparedLoad => prepareLoad([{ batch: rowsOf(Array.from({ length: rows }, () => makeEvent(Date.now()))), rows, end: 0 }], 0);
/** One load as the loader runs it; its plan is made before, outside what is measured. */
const loader = async (load: PreparedLoad, settings: Record<string, number> = {}) => {
  const plan = await planPrepared(ch, load.calls);
  return () => loadPrepared(ch, load, plan, { ...LOAD_SETTINGS, ...settings });
};
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
await sleep(SETTLE_MS);

// (1) CPU and insert time per row by load size
console.log(`\n(1) ${TOTAL} rows loaded as loads of each size, medians of ${ROUNDS} (CPU counts ${SETTLE_MS} ms of merges after):`);
const bySize = new Map<number, { cpu: number[]; wall: number[] }>();
for (let r = 0; r < ROUNDS; r++) {
  for (const size of SIZES) {
    const loads = Array.from({ length: Math.ceil(TOTAL / size) }, () => fresh(size));
    const cpu = process.cpuUsage();
    let wallMs = 0;
    for (const load of loads) {
      const run = await loader(load);
      const started = performance.now();
      await run();
      wallMs += performance.now() - started;
    }
    await sleep(SETTLE_MS);
    const rows = loads.length * size;
    const entry = bySize.get(size) ?? { cpu: [], wall: [] };
    entry.cpu.push((cpuMs(cpu) * 1000) / rows);
    entry.wall.push((wallMs * 1000) / rows);
    bySize.set(size, entry);
  }
}
for (const [size, { cpu, wall }] of bySize) {
  console.log(`  loads of ${size} rows: CPU ${round(median(cpu))} µs per row [${cpu.map((v) => round(v)).join(', ')}], insert ${round(median(wall))} µs per row [${wall.map((v) => round(v)).join(', ')}]`);
}

// (2) chDB's ProfileEvents of small loads, averaged
const events = async () => new Map((await queryRows<{ event: string; value: string }>(ch, 'SELECT event, value FROM system.events', { tag: 'bench.events' })).map((r) => [r.event, Number(r.value)]));
const totals = new Map<string, number>();
const PROFILED = 6;
for (let i = 0; i < PROFILED; i++) {
  const run = await loader(fresh(SMALL));
  const before = await events();
  await run();
  for (const [event, value] of await events()) totals.set(event, (totals.get(event) ?? 0) + value - (before.get(event) ?? 0));
}
console.log(`\n(2) a load of ${SMALL} rows, ProfileEvents per load (mean of ${PROFILED}; merges of earlier parts included):`);
const shown = /^(InsertQueryTimeMicroseconds|UserTimeMicroseconds|SystemTimeMicroseconds|OSCPUWaitMicroseconds|MergeMutateBackgroundExecutorTaskExecuteStepMicroseconds|MergedRows|InsertedRows|MergeTreeDataWriterBlocks|FileOpen|FileSync|FileSyncElapsedMicroseconds|DirectorySyncElapsedMicroseconds|QueryAnalysisMicroseconds|QueryPlanBuildMicroseconds)$/;
for (const [event, value] of [...totals].filter(([event]) => shown.test(event)).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${event.padEnd(58)} ${round(value / PROFILED)}`);
}

// (3) a small load under other insert settings, interleaved
const bySetting = new Map<string, { cpu: number[]; wall: number[] }>();
for (let r = 0; r < 8; r++) {
  for (const [label, settings] of Object.entries(SETTINGS)) {
    const run = await loader(fresh(SMALL), settings);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run();
    const entry = bySetting.get(label) ?? { cpu: [], wall: [] };
    entry.wall.push(performance.now() - started);
    entry.cpu.push(cpuMs(cpu));
    bySetting.set(label, entry);
  }
}
console.log(`\n(3) a load of ${SMALL} rows by insert settings, medians of 8:`);
for (const [label, { cpu, wall }] of bySetting) console.log(`  ${label.padEnd(32)} ${round(median(wall))} ms, CPU ${round(median(cpu))} ms`);
console.log(`\nload average ${loadavg()} at end`);
await ch.close();
fs.rmSync(dataDir, { recursive: true, force: true });
