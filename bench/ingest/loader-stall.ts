// The loader alone, before and after, interleaved in one process so that other load on the machine
// hits both alike: (1) main-thread stalls while the loader moves a backlog into ClickHouse, with
// the load worker off and on (event-loop delay at 1 ms resolution, with nothing else on the loop);
// (2) time from an acknowledged write to a query seeing it while the heaviest dashboard query
// loops, with the statement gate off and on (two clients on the same chDB engine).
//   npx tsx bench/ingest/loader-stall.ts   (STALL_ROWS, STALL_ROUNDS, STALL_SEED_ROWS, STALL_VISIBLE_MS;
//   STALL_WORKER=on or off: only that variant in (1); STALL_VISIBLE_MS=0 skips (2))
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EventLog, Loader, createClickHouse, createEventWriter, measureInsertCeiling, migrateClickHouse, queryRows, type ClickHouse } from '@margin/clickhouse';
import { DASHBOARD_QUERIES } from '@margin/analytics';
import { makeEvent, makeHistory } from './events.ts';
import { rowsFor } from './rows.ts';
import { round, summarise } from './stats.ts';

const ROWS = Number(process.env.STALL_ROWS ?? 100_000);
const ROUNDS = Number(process.env.STALL_ROUNDS ?? 3);
const SEED_ROWS = Number(process.env.STALL_SEED_ROWS ?? 300_000);
const VISIBLE_MS = Number(process.env.STALL_VISIBLE_MS ?? 10_000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-stall-'));
const load = () => os.loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`machine: ${os.cpus().length} cores, load average ${load()} at start`);

const gated = await createClickHouse({ dataDir: path.join(dataDir, 'ch') });
// A second client on the same engine without the gate: "before" for the visibility phase.
const plain = await createClickHouse({ dataDir: path.join(dataDir, 'ch'), statementGate: false });
await migrateClickHouse(gated);
const projectId = `bench-${crypto.randomUUID()}`;
const rowsOf = rowsFor(projectId);
const now = Date.now();
await measureInsertCeiling(gated, rowsOf(makeHistory(SEED_ROWS, now - 3_600_000, 30)).calls, { batchRows: 10_000 });

// ---------- (1) stalls while loading a backlog of ROWS rows (requests of 100 events) ----------
const delay = monitorEventLoopDelay({ resolution: 1 });
async function loadBacklog(worker: boolean, run: number): Promise<{ p99: number; max: number; rowsPerSecond: number }> {
  const log = await EventLog.open({ dir: path.join(dataDir, `log-${worker ? 'worker' : 'plain'}-${run}`), maxBacklogRows: ROWS * 2 });
  for (let i = 0; i < ROWS; i += 100) await log.append(rowsOf(Array.from({ length: 100 }, () => makeEvent(Date.now()))));
  const loader = new Loader(gated, log, { worker });
  delay.reset();
  delay.enable();
  const started = performance.now();
  while (await loader.loadOnce());
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  await loader.drain();
  await log.close();
  return { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, rowsPerSecond: ROWS / seconds };
}
const stalls: Record<'plain' | 'worker', { p99: number[]; max: number[]; rate: number[] }> = {
  plain: { p99: [], max: [], rate: [] },
  worker: { p99: [], max: [], rate: [] },
};
for (let run = 0; run < ROUNDS; run++) {
  for (const worker of [false, true].filter((w) => !process.env.STALL_WORKER || process.env.STALL_WORKER === (w ? 'on' : 'off'))) {
    const r = await loadBacklog(worker, run);
    const into = stalls[worker ? 'worker' : 'plain'];
    into.p99.push(r.p99);
    into.max.push(r.max);
    into.rate.push(r.rowsPerSecond);
    console.log(`(1) run ${run + 1}, worker ${worker ? 'on ' : 'off'}: ${ROWS} rows at ${Math.round(r.rowsPerSecond)} rows/s, event-loop delay p99 ${round(r.p99)} ms, max ${round(r.max)} ms (load ${load()})`);
  }
}
const median = (xs: number[]) => summarise(xs).p50;
for (const variant of ['plain', 'worker'] as const) {
  const s = stalls[variant];
  console.log(`(1) worker ${variant === 'worker' ? 'on ' : 'off'}, median of ${ROUNDS}: event-loop delay p99 ${round(median(s.p99))} ms, max ${round(median(s.max))} ms, ${Math.round(median(s.rate))} rows/s`);
}

// ---------- (2) visibility while the heaviest dashboard query loops ----------
const heaviest = DASHBOARD_QUERIES.find((q) => q.name === (process.env.STALL_QUERY ?? 'all_metrics'))!;
const range = { from: now - 40 * 86_400_000, to: now + 86_400_000 };
async function visibility(ch: ClickHouse, label: string): Promise<number[]> {
  const writer = await createEventWriter({ ch, dir: path.join(dataDir, `log-visible-${label}`) });
  let looping = true;
  let queries = 0;
  const loop = (async () => {
    while (looping) {
      await heaviest.run({ ch, projectId }, range);
      queries++;
    }
  })();
  const samples: number[] = [];
  const until = performance.now() + VISIBLE_MS;
  while (performance.now() < until) {
    const batch = rowsOf([makeEvent(Date.now())]);
    await writer.write(batch);
    const acknowledged = performance.now();
    const id = batch.calls[0]!.id;
    for (;;) {
      const found = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls WHERE project_id = {p:String} AND id = {id:String}', { tag: 'bench.visible', params: { p: projectId, id } });
      if (Number(found[0]?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    samples.push(performance.now() - acknowledged);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  looping = false;
  await loop;
  await writer.close();
  const s = summarise(samples);
  console.log(`(2) gate ${label}: visible after the write p50 ${round(s.p50)} ms, max ${round(s.max)} ms (${s.count} probes, ${queries} × ${heaviest.name}, load ${load()})`);
  return samples;
}
const visible: Record<'off' | 'on', number[]> = { off: [], on: [] };
for (let run = 0; run < (VISIBLE_MS > 0 ? ROUNDS : 0); run++) {
  visible.off.push(...(await visibility(plain, `off-${run}`).then((s) => s)));
  visible.on.push(...(await visibility(gated, `on-${run}`).then((s) => s)));
}
for (const variant of ['off', 'on'] as const) {
  const s = summarise(visible[variant]);
  console.log(`(2) gate ${variant}, all runs: visible p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms (${s.count} probes)`);
}
console.log(`load average ${load()} at the end`);
await plain.close();
await gated.close();
fs.rmSync(dataDir, { recursive: true, force: true });
