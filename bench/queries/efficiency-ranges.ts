// `npx tsx bench/queries/efficiency-ranges.ts [--calls 10000000]`: the efficiency analysis over
// ranges that end with the bench store's data and start 92, 30, 7 and 1 days before (median of 5
// runs after a warm-up). A partial range is its slow case: scores whose call lies outside it are
// checked against the traces cut by its bounds. Uses the store run.ts built (build it first).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_SEED, efficiency } from '@margin/analytics';
import { createClickHouse } from '@margin/clickhouse';
import { BENCH_END, BENCH_PROJECT } from './build.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000000' }, seed: { type: 'string', default: DEFAULT_DEMO_SEED } } });
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../.data/queries-${values.calls}-${values.seed}/ch`);
const ch = await createClickHouse({ dataDir: dir });
const ctx = { ch, projectId: BENCH_PROJECT };
console.log('| range | median ms | min ms |\n| --- | ---: | ---: |');
for (const days of [92, 30, 7, 1]) {
  const range = { from: new Date(BENCH_END - days * 86_400_000).toISOString(), to: new Date(BENCH_END).toISOString(), score: 'quality' };
  const ms: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    await efficiency(ctx, range);
    if (i > 0) ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  console.log(`| ${days} day${days === 1 ? '' : 's'} | ${ms[2]!.toFixed(0)} | ${ms[0]!.toFixed(0)} |`);
}
await ch.close();
