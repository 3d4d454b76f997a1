// `npx tsx bench/queries/rollup-vs-raw.ts [--calls 10000000] [--runs 3] [--only waste,efficiency] [--unmerged]`:
// on the bench store run.ts built, every analysis of ANALYSES that reads rollups, once from them and
// once over deduplicated raw rows (source 'raw'), over the whole period and over ragged partial ranges
// (92, 30, 7 and 1 days ending 47 minutes before the data's end, starting 13 minutes into an hour).
// Prints whether the two answers are equal and the median time of each: the tests prove the two
// agree on small hand-made stores; this checks it on the real layout (merged parts, projections,
// skip indexes) at scale, and shows from which range length the raw read is the faster one.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ANALYSES, DEFAULT_DEMO_SEED, type AnalysisContext } from '@margin/analytics';
import { createClickHouse } from '@margin/clickhouse';
import { BENCH_END, BENCH_PROJECT, unmergedCopyDir } from './build.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000000' },
    seed: { type: 'string', default: DEFAULT_DEMO_SEED },
    runs: { type: 'string', default: '3' },
    only: { type: 'string', default: 'model-mix,prompt-anatomy,cache,waste,efficiency' },
    // the copy `run.ts --unmerged` left (small parts not merged yet) instead of the merged store
    unmerged: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const store = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../.data/queries-${values.calls}-${values.seed}`);
const dir = path.join(values.unmerged ? unmergedCopyDir(store) : store, 'ch');
const ch = await createClickHouse({ dataDir: dir });
const DAY = 86_400_000;
const end = BENCH_END - 47 * 60_000;
const ranges = [
  { label: 'whole period', from: BENCH_END - 93 * DAY, to: BENCH_END },
  ...[92, 30, 7, 1].map((days) => ({ label: `${days} day${days === 1 ? '' : 's'}, ragged`, from: end - days * DAY + 13 * 60_000, to: end })),
];
const extra: Record<string, object> = { efficiency: { score: 'quality' } };

async function timed(run: () => Promise<unknown>): Promise<{ answer: string; ms: number }> {
  const answer = JSON.stringify(await run());
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  return { answer, ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]! };
}

let differ = 0;
console.log('| analysis | range | equal | rollup ms | raw ms |\n| --- | --- | --- | ---: | ---: |');
for (const name of values.only.split(',')) {
  const analysis = ANALYSES[name];
  if (!analysis) throw new Error(`no analysis ${name}`);
  for (const range of ranges) {
    const input = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), ...extra[name] };
    const answer = (source: AnalysisContext['source']) => timed(() => analysis.run({ ch, projectId: BENCH_PROJECT, source }, input as never));
    const rollup = await answer('auto');
    const raw = await answer('raw');
    const equal = rollup.answer === raw.answer;
    if (!equal) differ++;
    console.log(`| ${name} | ${range.label} | ${equal ? 'yes' : '**no**'} | ${rollup.ms.toFixed(0)} | ${raw.ms.toFixed(0)} |`);
  }
}
await ch.close();
if (differ > 0) {
  console.error(`${differ} answers differ between rollup and raw`);
  process.exitCode = 1;
}
