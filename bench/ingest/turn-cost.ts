// What one loader turn costs the engine, piece by piece: a load of TURN_ROWS fresh calls inserted
// through `calls` with every materialised view attached, with none, and with each view alone (views
// detached and attached again in this bench's own store); the resent-id lookup of the same ids; the
// heaviest dashboard query alone; and whether chDB runs a query next to an insert or after it.
//   npx tsx bench/ingest/turn-cost.ts   (TURN_ROWS=50000, TURN_ROUNDS=3, TURN_SEED_ROWS=300000,
//   TURN_SIZES=5000,50000: insert time per load size with all views)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CALL_COLUMNS, createClickHouse, findCopies, migrateClickHouse, measureInsertCeiling, queryRows, type ClickHouse } from '@margin/clickhouse';
import { DASHBOARD_QUERIES } from '@margin/analytics';
import { prepareLoad, type PreparedLoad } from '../../packages/clickhouse/src/load-prepare.ts';
import { loadPrepared, planPrepared } from '../../packages/clickhouse/src/load-prepared.ts';
import { makeEvent, makeHistory } from './events.ts';
import { rowsFor } from './rows.ts';
import { round } from './stats.ts';

const ROWS = Number(process.env.TURN_ROWS ?? 50_000);
const ROUNDS = Number(process.env.TURN_ROUNDS ?? 3);
const SEED_ROWS = Number(process.env.TURN_SEED_ROWS ?? 300_000);
const SIZES = (process.env.TURN_SIZES ?? '5000,50000').split(',').map(Number);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-turn-'));
const loadavg = () => os.loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`machine: ${os.cpus().length} cores, load average ${loadavg()} at start`);

// The gate off: this bench times single statements, and issues two at once on purpose in (4).
const ch = await createClickHouse({ dataDir: path.join(dataDir, 'ch'), statementGate: false });
await migrateClickHouse(ch);
const projectId = `bench-${crypto.randomUUID()}`;
const rowsOf = rowsFor(projectId);
await measureInsertCeiling(ch, rowsOf(makeHistory(SEED_ROWS, Date.now() - 3_600_000, 30)).calls, { batchRows: 10_000 });
const fresh = (rows: number): PreparedLoad => prepareLoad([{ batch: rowsOf(Array.from({ length: rows }, () => makeEvent(Date.now()))), rows, end: 0 }], 0);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};
const insertCalls = (c: ClickHouse, load: PreparedLoad, settings: Record<string, number> = {}) =>
  c.insertRaw('calls', CALL_COLUMNS, 'JSONCompactEachRow', Buffer.from(load.calls.body), settings);

const views = (
  await queryRows<{ name: string; source: string }>(
    ch,
    `SELECT name, arrayStringConcat(extractAll(create_table_query, 'FROM\\s+(?:\\w+\\.)?(\\w+)'), ',') AS source
     FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name`,
    { tag: 'bench.views' },
  )
).map((v) => ({ name: v.name, source: v.source.split(',')[0]! }));
console.log(`views: ${views.map((v) => `${v.name} (${v.source})`).join(', ')}`);
const setViews = async (attached: Set<string>) => {
  for (const view of views) {
    const isAttached = (await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {n:String}', { tag: 'bench.view', params: { n: view.name } }))[0]!.n !== '0';
    if (attached.has(view.name) && !isAttached) await ch.client.command({ query: `ATTACH TABLE ${view.name}` });
    if (!attached.has(view.name) && isAttached) await ch.client.command({ query: `DETACH TABLE ${view.name}` });
  }
};
const all = new Set(views.map((v) => v.name));

// (1) the heaviest dashboard query alone
const heaviest = DASHBOARD_QUERIES.find((q) => q.name === 'all_metrics')!;
const range = { from: Date.now() - 40 * 86_400_000, to: Date.now() + 86_400_000 };
const queryAlone: number[] = [];
for (let i = 0; i < 3; i++) queryAlone.push(await time(() => heaviest.run({ ch, projectId }, range)));
console.log(`all_metrics alone: ${queryAlone.map((ms) => round(ms)).join(', ')} ms`);

// (2) one load of ROWS rows, by views attached; rounds interleave the variants
// Tables written with fsync (migrations 0001-0003, 0012): the 'no fsync' variant turns it off for one insert.
const fsynced = (
  await queryRows<{ name: string }>(ch, `SELECT name FROM system.tables WHERE database = currentDatabase() AND create_table_query LIKE '%fsync_after_insert = 1%'`, { tag: 'bench.fsynced' })
).map((t) => t.name);
const setFsync = async (on: boolean) => {
  for (const table of fsynced) await ch.client.command({ query: `ALTER TABLE ${table} MODIFY SETTING fsync_after_insert = ${on ? 1 : 0}, fsync_part_directory = ${on ? 1 : 0}` });
};
const variants: { label: string; attached: Set<string>; settings?: Record<string, number>; noFsync?: boolean }[] = [
  { label: 'all views', attached: all },
  { label: 'all views, parallel_view_processing', attached: all, settings: { parallel_view_processing: 1 } },
  { label: 'all views, optimize_on_insert = 0', attached: all, settings: { optimize_on_insert: 0 } },
  { label: `all views, no fsync (${fsynced.length} tables)`, attached: all, noFsync: true },
  { label: 'no views', attached: new Set() },
  { label: 'no views, optimize_on_insert = 0', attached: new Set(), settings: { optimize_on_insert: 0 } },
  ...views
    .filter((v) => v.source === 'calls')
    .map((v) => ({ label: `${v.name} alone`, attached: new Set([v.name]) })),
  ...views
    .filter((v) => v.source === 'calls_delta')
    .map((v) => ({ label: `calls_delta + ${v.name}`, attached: new Set(['calls_delta_from_calls', v.name]) })),
];
const byVariant = new Map<string, number[]>();
for (let round_ = 0; round_ < ROUNDS; round_++) {
  for (const variant of variants) {
    await setViews(variant.attached);
    const load = fresh(ROWS);
    if (variant.noFsync) await setFsync(false);
    byVariant.set(variant.label, [...(byVariant.get(variant.label) ?? []), await time(() => insertCalls(ch, load, variant.settings))]);
    if (variant.noFsync) await setFsync(true);
  }
}
await setViews(all);
const none = median(byVariant.get('no views')!);
const delta = median(byVariant.get('calls_delta + calls_delta_from_calls') ?? byVariant.get('calls_delta_from_calls alone') ?? [none]);
console.log(`\n(2) insert of ${ROWS} calls, median of ${ROUNDS} (ms; "+" = over no views, or over calls_delta alone for rollups):`);
for (const [label, samples] of byVariant) {
  const m = median(samples);
  const base = label.startsWith('calls_delta + ') ? delta : none;
  console.log(`  ${label.padEnd(52)} ${String(round(m)).padStart(8)}  +${round(m - base)}   [${samples.map((s) => round(s)).join(', ')}]`);
}

// (3) the whole turn by load size, all views: the resent-id lookup in statements of 10,000 ids or
// one statement, and the inserts with optimize_on_insert on (the default) or off
console.log('\n(3) one turn by load size (lookup + inserts as the loader runs them), median of rounds:');
for (const size of SIZES) {
  const lookup = { chunked: [] as number[], one: [] as number[] };
  const inserts = { on: [] as number[], off: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const optimize of [1, 0] as const) {
      const load = fresh(size);
      const ids = load.calls.idChunks.flatMap((chunk) => JSON.parse(chunk) as string[]);
      const chunks: string[] = [];
      for (let at = 0; at < ids.length; at += 10_000) chunks.push(JSON.stringify(ids.slice(at, at + 10_000)));
      lookup.chunked.push(await time(() => findCopies(ch, load.calls.projects, chunks)));
      lookup.one.push(await time(() => findCopies(ch, load.calls.projects, [JSON.stringify(ids)])));
      const plan = await planPrepared(ch, load.calls);
      (optimize ? inserts.on : inserts.off).push(await time(() => loadPrepared(ch, load, plan, { optimize_on_insert: optimize })));
    }
  }
  const ms = (samples: number[]) => round(median(samples));
  console.log(
    `  ${size} rows: lookup in 10,000-id statements ${ms(lookup.chunked)} ms, in one ${ms(lookup.one)} ms; inserts with optimize_on_insert ${ms(inserts.on)} ms, without ${ms(inserts.off)} ms`,
  );
}
const callKeys = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM call_keys', { tag: 'bench.count' });
console.log(`  (call_keys holds ${callKeys[0]!.n} rows by now)`);

// (4) a query issued while an insert runs (no gate): does it wait for the insert?
console.log('\n(4) all_metrics issued 50 ms into an insert of ROWS rows (no gate):');
for (let i = 0; i < ROUNDS; i++) {
  const load = fresh(ROWS);
  const started = performance.now();
  const insert = insertCalls(ch, load).then(() => performance.now() - started);
  await new Promise((r) => setTimeout(r, 50));
  const queryStarted = performance.now();
  const query = heaviest.run({ ch, projectId }, range).then(() => performance.now() - queryStarted);
  const [insertMs, queryMs] = await Promise.all([insert, query]);
  console.log(`  insert ${round(insertMs)} ms, query ${round(queryMs)} ms`);
}
console.log(`\nload average ${loadavg()} at end`);
await ch.close();
fs.rmSync(dataDir, { recursive: true, force: true });
