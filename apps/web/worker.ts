// The scaled mode's background worker: one process that runs the scheduled jobs (alert evaluation
// lands in packages/alerts). It opens the same stores as the web process; migrations are web's job.
import { ConfigError, StartupError, checkHealth, loadConfig, openStores } from '@margin/runtime';

const INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const stores = await openStores(config);
  console.log('margin worker: started');
  const tick = async () => {
    const health = await checkHealth(stores);
    if (health.status !== 'ok') console.error(`margin worker: stores not healthy (${JSON.stringify(health)})`);
  };
  const timer = setInterval(() => void tick(), INTERVAL_MS);
  const stop = () => {
    clearInterval(timer);
    void stores.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  const known = error instanceof StartupError || error instanceof ConfigError;
  console.error(`margin worker: cannot start: ${known ? error.message : String(error)}`);
  process.exit(1);
});
