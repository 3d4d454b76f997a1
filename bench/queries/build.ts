// Builds (once) a bench store of N demo calls: chDB under bench/.data, reused while N, seed and
// period match, so timing runs do not pay for the load again.
import { createClickHouse, migrateClickHouse, queryRows, type ClickHouse } from '@margin/clickhouse';
import { optimizeFinal } from './bytes.ts';
import { loadDemoDirect, type LoadDemoResult } from '@margin/analytics';
import fs from 'node:fs';
import path from 'node:path';

export const BENCH_PROJECT = 'bench-project';
/** A fixed end, so the same N and seed always give the same store. */
export const BENCH_END = Date.UTC(2026, 10, 1);
export const BENCH_MONTHS = 3;

export interface BenchMeta {
  calls: number;
  seed: string;
  end: number;
  months: number;
  load: LoadDemoResult;
  builtAt: string;
}

export async function openBenchStore(
  root: string,
  calls: number,
  seed: string,
  log: (line: string) => void,
): Promise<{ ch: ClickHouse; meta: BenchMeta; dir: string }> {
  const dir = path.join(root, `queries-${calls}-${seed}`);
  const metaFile = path.join(dir, 'meta.json');
  if (fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as BenchMeta;
    if (meta.calls === calls && meta.seed === seed && meta.end === BENCH_END && meta.months === BENCH_MONTHS) {
      log(`reusing ${dir} (built ${meta.builtAt})`);
      const ch = await createClickHouse({ dataDir: path.join(dir, 'ch') });
      const { applied } = await migrateClickHouse(ch);
      // A migration that rewrote or backfilled tables leaves them in many parts: merge them as a build does.
      if (applied.length > 0) await optimizeAll(ch, log, `after migrations ${applied.join(', ')}`);
      return { ch, meta, dir };
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const ch = await createClickHouse({ dataDir: path.join(dir, 'ch') });
  await migrateClickHouse(ch);
  log(`building ${calls.toLocaleString('en-US')} calls into ${dir}`);
  let lastLog = 0;
  const load = await loadDemoDirect({
    ch,
    projectId: BENCH_PROJECT,
    calls,
    months: BENCH_MONTHS,
    seed,
    end: BENCH_END,
    onProgress: (p) => {
      if (p.seconds - lastLog < 15 && p.calls < calls) return;
      lastLog = p.seconds;
      log(`  ${p.calls.toLocaleString('en-US')} calls, ${Math.round(p.rows / p.seconds).toLocaleString('en-US')} rows/s`);
    },
  });
  log(
    `loaded in ${load.seconds.toFixed(0)} s: ${Math.round(load.rowsPerSecond).toLocaleString('en-US')} rows/s (all tables), ${Math.round(load.calls / load.seconds).toLocaleString('en-US')} calls/s`,
  );
  await optimizeAll(ch, log, 'after the load');
  const meta: BenchMeta = { calls, seed, end: BENCH_END, months: BENCH_MONTHS, load, builtAt: new Date().toISOString() };
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { ch, meta, dir };
}

/** OPTIMIZE FINAL on every MergeTree table of the store: the state a long-running store settles into. */
async function optimizeAll(ch: ClickHouse, log: (line: string) => void, why: string): Promise<void> {
  const started = performance.now();
  const tables = await queryRows<{ name: string }>(
    ch,
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name != 'margin_migrations' ORDER BY name`,
    { tag: 'bench.tables' },
  );
  await optimizeFinal(
    ch,
    tables.map((t) => t.name),
  );
  log(`OPTIMIZE FINAL of ${tables.length} tables ${why} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Where openUnmergedCopy puts the copy of the store in `dir`. */
export const unmergedCopyDir = (dir: string): string => `${dir}-unmerged`;

/**
 * A copy of the bench store as a store under ingestion looks: `calls` more demo calls (another seed,
 * so new ids, users and sessions) over the last `days` days of the period, loaded in loads of
 * `batchSize`, as the ingestion loader's turns are, and timed while ClickHouse's background merges
 * catch up. One day is a store under steady ingestion (new calls are recent); the whole period is
 * late or backfilled data, which leaves small parts next to every large one. The built
 * store is merged whole (OPTIMIZE FINAL); this one has the small parts and -1 corrections next to the
 * large parts that the queries' unmerged paths (key counts, waste's largest-part reads) must handle.
 * The copy is made again on every call (2.7 GB at 10M calls: about 10-30 s).
 */
export async function openUnmergedCopy(
  dir: string,
  meta: BenchMeta,
  calls: number,
  days: number,
  batchSize: number,
  log: (line: string) => void,
): Promise<{ ch: ClickHouse; parts: () => Promise<{ parts: number; rows: number }> }> {
  const copy = unmergedCopyDir(dir);
  const started = performance.now();
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(dir, copy, { recursive: true });
  log(`copied the store to ${copy} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const ch = await createClickHouse({ dataDir: path.join(copy, 'ch') });
  // ending an hour early: the demo's last calls run a little past its end, and the timed range ends there
  const load = await loadDemoDirect({ ch, projectId: BENCH_PROJECT, calls, months: days / 30.4375, seed: `${meta.seed}-unmerged`, end: meta.end - 3_600_000, batchSize });
  const parts = async () => {
    const rows = await queryRows<{ table: string; rows: string }>(
      ch,
      `SELECT concat(table, '/', partition_id) AS table, rows FROM system.parts
       WHERE database = currentDatabase() AND active AND table != 'margin_migrations' ORDER BY table, rows DESC`,
      { tag: 'bench.parts' },
    );
    // every part but the largest of each table's partition (sorted largest first within one)
    const others = rows.filter((row, i) => i > 0 && rows[i - 1]!.table === row.table);
    return { parts: others.length, rows: others.reduce((sum, row) => sum + Number(row.rows), 0) };
  };
  const now = await parts();
  log(`loaded ${load.calls.toLocaleString('en-US')} more calls over the last ${days} days in loads of ${batchSize.toLocaleString('en-US')} in ${load.seconds.toFixed(0)} s; ${now.parts} parts besides the largest of each partition, ${now.rows.toLocaleString('en-US')} rows`);
  return { ch, parts };
}
