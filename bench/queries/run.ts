// `npx tsx bench/queries/run.ts [--calls 10000000] [--runs 15] [--warmup 2] [--unmerged 100000 [--unmerged-days 1]] [--days 30] [--ragged]`: builds (or reuses) a
// store of N demo calls, times every dashboard and API query (p50/p95), and measures bytes per call
// on disk per column. Prints a Markdown report and writes it to bench/.data/queries-<N>.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_SEED } from '@margin/analytics';
import { BENCH_PROJECT, openBenchStore, openUnmergedCopy } from './build.ts';
import { optimizeFinal, tableBytes } from './bytes.ts';
import { benchQueries } from './queries.ts';

const TARGET_P95_MS = 300;
const TARGET_BYTES_PER_CALL = 64;
const MAX_QUERY_MS = 20_000;

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    seed: { type: 'string', default: DEFAULT_DEMO_SEED },
    'data-dir': { type: 'string' },
    // comma-separated query names (or prefixes ending in '*'): time only these, print their table,
    // skip the bytes and leave the saved report alone
    only: { type: 'string' },
    // measure bytes per call only (no queries); prints the column table, leaves the saved report alone
    'bytes-only': { type: 'boolean', default: false },
    // time the queries on a copy of the store with this many more calls loaded in small loads and
    // not merged yet (openUnmergedCopy); prints the table, leaves the saved report alone
    unmerged: { type: 'string' },
    'unmerged-batch': { type: 'string', default: '2000' },
    // time over the last N whole days (the dashboard's overview asks for 30) instead of the whole period
    days: { type: 'string' },
    // bounds as an API client sends them (from 37 minutes past, to 23 minutes before, a whole hour):
    // rollups then serve the whole hours or days inside and raw calls the ragged edges
    ragged: { type: 'boolean' },
    // over the last N days of the period (1: steady ingestion; 92: late or backfilled data)
    'unmerged-days': { type: 'string', default: '1' },
  },
});
/** A count as typed: 10_000_000 or 10,000,000. */
const count = (text: string) => Number(text.replaceAll(/[_,]/g, ''));
const calls = count(values.calls);
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const root = values['data-dir'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.data');
const log = (line: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const opened = await openBenchStore(root, calls, values.seed, log);
const { meta } = opened;
const unmerged = values.unmerged ? count(values.unmerged) : 0;
let ch = opened.ch;
let unmergedParts: (() => Promise<{ parts: number; rows: number }>) | undefined;
if (unmerged > 0) {
  await ch.close();
  ({ ch, parts: unmergedParts } = await openUnmergedCopy(opened.dir, meta, unmerged, Number(values['unmerged-days']), Number(values['unmerged-batch']), log));
}
const edges = values.ragged ? { from: 37 * 60_000, to: -23 * 60_000 } : { from: 0, to: 0 };
const from = (values.days ? meta.end - Number(values.days) * 86_400_000 : meta.end - Math.round(meta.months * 30.4375) * 86_400_000 - 86_400_000) + edges.from;
const to = meta.end + edges.to;
const wanted = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
const selected = (name: string) =>
  !wanted || wanted.some((w) => (w.endsWith('*') ? name.startsWith(w.slice(0, -1)) : name === w));
const bytesOnly = values['bytes-only'];
const queries = bytesOnly ? [] : (await benchQueries(ch, BENCH_PROJECT, from, to)).filter((query) => selected(query.name));
log(`timing ${queries.length} queries: ${warmup} warm-ups + ${runs} runs each, over ${values.days ? `the last ${values.days} days of` : 'all'} ${calls.toLocaleString('en-US')} calls${values.ragged ? ', ragged bounds' : ''}`);

const timings: { name: string; group: string; runs: number; p50: number; p95: number; max: number; error?: string }[] = [];
for (const query of queries) {
  try {
    await query.run();
  } catch (error) {
    // A query that fails is reported as such; the others still get timed.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
    timings.push({ name: query.name, group: query.group, runs: 0, p50: NaN, p95: NaN, max: NaN, error: message });
    log(`  ${query.name}: FAILED ${message}`);
    continue;
  }
  for (let i = 1; i < warmup; i++) await query.run();
  const ms: number[] = [];
  // A query far over target stops after MAX_QUERY_MS of timed runs (at least 3): its p95 is clear.
  const timedFrom = performance.now();
  for (let i = 0; i < runs && (i < 3 || performance.now() - timedFrom < MAX_QUERY_MS); i++) {
    const started = performance.now();
    await query.run();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  timings.push({ name: query.name, group: query.group, runs: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[ms.length - 1]! });
  log(`  ${query.name}: p50 ${percentile(ms, 50).toFixed(0)} ms, p95 ${percentile(ms, 95).toFixed(0)} ms`);
}

if (wanted || unmergedParts || values.days || values.ragged) {
  if (unmergedParts) {
    const left = await unmergedParts();
    log(`after timing: ${left.parts} parts besides the largest of each partition, ${left.rows.toLocaleString('en-US')} rows`);
  }
  await ch.close();
  console.log(
    ['| query | runs | p50 ms | p95 ms | max ms |', '| --- | ---: | ---: | ---: | ---: |', ...timings.map((t) => `| ${t.name} | ${t.runs} | ${t.p50.toFixed(0)} | ${t.p95.toFixed(0)} | ${t.max.toFixed(0)} |${t.error ? ` failed: ${t.error}` : ''}`)].join('\n'),
  );
  process.exit(0);
}
// A store changed by a migration since it was built (0012 rewrote calls) is merged again first.
if (bytesOnly) await optimizeFinal(ch, ['calls', 'spans', 'traces', 'scores']);
const tables = await Promise.all(['calls', 'spans', 'traces', 'scores'].map((table) => tableBytes(ch, table)));
await ch.close();

const calls_ = tables[0]!;
const allBytes = tables.reduce((sum, t) => sum + t.bytesPerRow * t.rows, 0);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const lines = [
  `### ${fmt(calls)} calls (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)})`,
  '',
  `Command: \`npx tsx bench/queries/run.ts --calls ${calls}\` (${warmup} warm-ups, ${runs} timed runs per query, range = all ${meta.months} months).`,
  `Load (direct, chDB): ${fmt(meta.load.calls)} calls + ${fmt(meta.load.spans)} spans + ${fmt(meta.load.traces)} traces + ${fmt(meta.load.scores)} scores in ${meta.load.seconds.toFixed(0)} s = ${fmt(meta.load.rowsPerSecond)} rows/s (${fmt(meta.load.calls / meta.load.seconds)} calls/s).`,
  '',
  '| query | group | runs | p50 ms | p95 ms | max ms | p95 ≤ 300 ms |',
  '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ...timings.map((t) =>
    t.error
      ? `| ${t.name} | ${t.group} | 0 | | | | failed: ${t.error} |`
      : `| ${t.name} | ${t.group} | ${t.runs} | ${t.p50.toFixed(0)} | ${t.p95.toFixed(0)} | ${t.max.toFixed(0)} | ${t.p95 <= TARGET_P95_MS ? 'yes' : '**no**'} |`,
  ),
  '',
  `Bytes per call on disk (calls table, after OPTIMIZE FINAL): **${calls_.bytesPerRow.toFixed(1)}** (target ≤ ${TARGET_BYTES_PER_CALL}); ${calls_.onDiskPerRow.toFixed(1)} with every file of its parts (marks, primary and skip indexes); with spans, traces and scores: ${(allBytes / calls_.rows).toFixed(1)} per call.`,
  '',
  '| column | bytes/call | codec |',
  '| --- | ---: | --- |',
  ...calls_.columns.filter((c) => c.bytesPerRow >= 0.05).map((c) => `| ${c.column} | ${c.bytesPerRow.toFixed(2)} | ${c.codec || '(default)'} |`),
  `| (${calls_.columns.filter((c) => c.bytesPerRow < 0.05).length} more columns under 0.05 each) | ${calls_.columns.filter((c) => c.bytesPerRow < 0.05).reduce((s, c) => s + c.bytesPerRow, 0).toFixed(2)} | |`,
  '',
  ...tables.slice(1).map((t) => `${t.table}: ${fmt(t.rows)} rows, ${t.bytesPerRow.toFixed(1)} bytes per row (${(t.bytesPerRow * t.rows / calls_.rows).toFixed(1)} per call).`),
];
const report = lines.join('\n');
console.log(report);
fs.mkdirSync(root, { recursive: true });
if (!bytesOnly) fs.writeFileSync(path.join(root, `queries-${calls}.md`), report + '\n');
