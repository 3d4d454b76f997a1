// `npm run demo -- --calls 100000 --months 3`: fills a demo project with realistic traffic.
// Direct mode (default) writes into the embedded stores under --data-dir (or DATABASE_URL /
// CLICKHOUSE_URL); with --url and --key it posts native events to a running server instead, since
// a running server holds the embedded stores' lock.
import cliProgress from 'cli-progress';
import { parseArgs } from 'node:util';
import { createDemoKey, DEFAULT_DEMO_SEED, ensureDemoProject, loadDemoDirect, loadDemoHttp, type DemoProgress } from '@margin/analytics';
import { loadConfig, openStores } from '@margin/runtime';

const USAGE = `usage: npm run demo -- [--calls N] [--months M] [--seed S] [--data-dir DIR] [--url URL --key sk-mg-...]
  --calls     calls to generate, 1 to 10,000,000 (default 100,000)
  --months    months of history up to now (default 3)
  --seed      same seed, same traffic (default ${DEFAULT_DEMO_SEED})
  --data-dir  embedded stores' directory (default MARGIN_DATA_DIR or ./.margin-data)
  --url/--key post to a running server with a project's secret key instead of writing the stores`;

function parse() {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '100000' },
      months: { type: 'string', default: '3' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const calls = Number(values.calls.replaceAll(/[_,]/g, ''));
  const months = Number(values.months);
  const problem =
    values.help ? '' :
    !Number.isInteger(calls) || calls < 1 || calls > 10_000_000 ? '--calls must be a whole number from 1 to 10,000,000' :
    !(months > 0 && months <= 36) ? '--months must be above 0 and at most 36' :
    Boolean(values.url) !== Boolean(values.key) ? '--url and --key go together' :
    values.key && !values.key.startsWith('sk-mg-') ? '--key must be a secret key (sk-mg-...)' : null;
  if (problem !== null) {
    console.error(problem ? `${problem}\n${USAGE}` : USAGE);
    process.exit(problem ? 2 : 0);
  }
  return { calls, months, seed: values.seed, dataDir: values['data-dir'], url: values.url, key: values.key };
}

function progressBar(total: number) {
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} calls | {rate} rows/s | {duration_formatted} (ETA {eta_formatted})', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: 0 });
  return {
    update: (p: DemoProgress) => bar.update(p.calls, { rate: Math.round(p.rows / Math.max(p.seconds, 0.001)).toLocaleString('en-US') }),
    stop: () => bar.stop(),
  };
}

async function viaHttp(args: ReturnType<typeof parse>): Promise<void> {
  const bar = progressBar(args.calls);
  const result = await loadDemoHttp({
    url: args.url!,
    secretKey: args.key!,
    calls: args.calls,
    months: args.months,
    ...(args.seed ? { seed: args.seed } : {}),
    onProgress: bar.update,
  });
  bar.stop();
  console.log(`sent ${result.events.toLocaleString('en-US')} events (${result.calls.toLocaleString('en-US')} calls) in ${result.seconds.toFixed(1)} s: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s`);
  if (result.rejected > 0) console.error(`${result.rejected} events were rejected; first: ${result.firstRejection}`);
}

async function direct(args: ReturnType<typeof parse>): Promise<void> {
  const config = loadConfig(args.dataDir ? { ...process.env, MARGIN_DATA_DIR: args.dataDir } : process.env);
  const stores = await openStores(config);
  try {
    const bar = progressBar(args.calls);
    const seed = args.seed ?? DEFAULT_DEMO_SEED;
    const demo = await ensureDemoProject({ db: stores.db, ch: stores.ch, calls: args.calls, months: args.months, seed, batchSize: 50_000, onProgress: bar.update });
    let result = await demo.loading;
    if (!result) {
      // The project already has calls: add more under a seed of their own, so every id is new.
      result = await loadDemoDirect({ ch: stores.ch, projectId: demo.projectId, calls: args.calls, months: args.months, seed: `${seed}+${demo.existingCalls}`, onProgress: bar.update });
    }
    bar.stop();
    const rows = result.calls + result.spans + result.traces + result.scores;
    console.log(
      `loaded ${result.calls.toLocaleString('en-US')} calls (${rows.toLocaleString('en-US')} rows with spans, traces and scores) in ${result.seconds.toFixed(1)} s: ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s`,
    );
    console.log(`demo project ${demo.projectId}${demo.existingCalls ? ` (already held ${demo.existingCalls.toLocaleString('en-US')} calls)` : ''}`);
    const keys = await stores.db.prisma.apiKey.findMany({ where: { projectId: demo.projectId, revokedAt: null } });
    if (keys.length === 0) {
      const key = await createDemoKey(stores.db, demo.projectId);
      console.log(`API keys (the secret is shown only now):\n  public ${key.publicKey}\n  secret ${key.secretKey}`);
    } else {
      console.log(`API key ${keys[0]!.publicKey} (its secret was shown when it was created)`);
    }
  } finally {
    await stores.close();
  }
}

const args = parse();
await (args.url ? viaHttp(args) : direct(args));
