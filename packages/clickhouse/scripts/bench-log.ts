// Reruns the event log's figures: group-commit append latency at concurrency 1/16/64, loader rows/s
// for 10k-row batches (log -> ClickHouse, resent-id lookup included) and the raw insert ceiling.
// Usage: npx tsx packages/clickhouse/scripts/bench-log.ts [--dir /path/on/the/disk/to/measure] [--rows 200000] [--batch 10000]
//        [--all-migrations: also the analytics rollups (0004 on), whose views run on every insert]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, migrateClickHouse, queryRows } from '../src/index.ts';
import { EventLog } from '../src/event-log.ts';
import { measureInsertCeiling } from '../src/insert-ceiling.ts';
import { Loader } from '../src/loader.ts';
import { planCalls } from '../src/calls-upsert.ts';
import { migrateOwnTables } from '../test/fixtures/migrate.ts';
import { callsBatch, makeCall } from '../test/fixtures/rows.ts';

const { values } = parseArgs({ options: { 'all-migrations': { type: 'boolean' }, batch: { type: 'string' }, dir: { type: 'string' }, rows: { type: 'string' }, seconds: { type: 'string' } } });
const root = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'margin-bench-log-'));
const totalRows = Number(values.rows ?? 200_000);
const seconds = Number(values.seconds ?? 3);
const loadBatchRows = Number(values.batch ?? 10_000);
const eventsPerAppend = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function appendLatency(concurrency: number) {
  const log = await EventLog.open({ dir: path.join(root, `append-${concurrency}`), maxBacklogRows: 1e9, maxBacklogBytes: 1e12 });
  const batch = callsBatch(Array.from({ length: eventsPerAppend }, () => makeCall()));
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await log.append(batch);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const stats = log.stats();
  await log.close();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    appends: stats.appends,
    appendsPerSecond: Math.round(stats.appends / seconds),
    bytesPerAppend: Math.round(stats.backlogBytes / stats.appends),
    appendsPerSync: +(stats.appends / stats.syncs).toFixed(1),
    p50Ms: +percentile(latencies, 50).toFixed(2),
    p99Ms: +percentile(latencies, 99).toFixed(2),
  };
}

async function main() {
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(`data in ${root}; ${eventsPerAppend} calls per append (one ingestion request)`);
  const latency = [];
  for (const concurrency of [1, 16, 64]) latency.push(await appendLatency(concurrency));
  console.table(latency);

  const ch = await createClickHouse({ dataDir: path.join(root, 'ch') });
  if (values['all-migrations']) await migrateClickHouse(ch);
  else await migrateOwnTables(ch);
  console.log(values['all-migrations'] ? 'migrations: all' : 'migrations: 0001-0003 (calls, calls_delta; no rollups)');
  const log = await EventLog.open({ dir: path.join(root, 'load'), maxBacklogRows: 1e9, maxBacklogBytes: 1e12 });
  const rows = Array.from({ length: totalRows }, () => makeCall({ project_id: 'bench' }));
  for (let i = 0; i < rows.length; i += 1000) await log.append(callsBatch(rows.slice(i, i + 1000)));
  const loader = new Loader(ch, log, { batchRows: loadBatchRows });
  let started = performance.now();
  await loader.replay();
  const loadSeconds = (performance.now() - started) / 1000;
  console.log(`loader: ${totalRows} rows in ${loadBatchRows}-row batches from the log: ${Math.round(totalRows / loadSeconds)} rows/s (${loadSeconds.toFixed(2)} s)`);

  // The resent-id lookup alone, for a batch of new ids, now that calls holds totalRows rows.
  const fresh = Array.from({ length: 10_000 }, () => makeCall({ project_id: 'bench' }));
  started = performance.now();
  await planCalls(ch, fresh);
  console.log(`lookup of 10k new ids against ${totalRows} rows of the project: ${(performance.now() - started).toFixed(0)} ms`);

  const ceilingRows = Array.from({ length: Math.min(totalRows, 100_000) }, () => makeCall({ project_id: 'bench-ceiling' }));
  for (const format of ['JSONCompactEachRow', 'JSONEachRow'] as const) {
    const ceiling = await measureInsertCeiling(ch, ceilingRows.map((r) => ({ ...r, id: `${format}-${r.id}` })), { batchRows: loadBatchRows, format });
    console.log(`insert ceiling (${format}, ${loadBatchRows}-row batches straight into calls): ${Math.round(ceiling.rowsPerSecond)} rows/s`);
  }
  const [count] = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls', { tag: 'bench' });
  console.log(`calls now holds ${count!.n} rows`);
  await log.close();
  await ch.close();
  fs.rmSync(root, { recursive: true, force: true });
}

await main();
