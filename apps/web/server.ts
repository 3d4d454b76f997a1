// Margin's embedded-mode process: one Node process serves the dashboard (Next.js), the public API
// and ingestion. Stores are opened and migrated before the port opens; any start-up failure is one
// line naming the cause, and a non-zero exit.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import {
  ConfigError,
  StartupError,
  listen,
  loadConfig,
  openStores,
  resolveAuthSecret,
  stopOnSignals,
  threadpoolWarning,
  type Stores,
} from '@margin/runtime';
import { createIngestion } from '@margin/ingest';
import { createApiHandler } from './server/api.ts';
import { createPublicReadApi } from './server/public-api.ts';
import { readInitVariables, runInitialSetup } from './server/init.ts';
import { offerDemoProject } from './server/demo.ts';
import { setRuntime } from './server/runtime.ts';

const appDir = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const dev = process.argv.includes('--dev');
  const config = loadConfig();
  const warning = threadpoolWarning(config);
  if (warning) console.warn(`margin: ${warning}`);
  const init = readInitVariables(config);
  const stores: Stores = await openStores(config);
  const authSecret = resolveAuthSecret(config.env.AUTH_SECRET, config.dataDir);
  await runInitialSetup(stores, init);
  // Replays the ingestion log into ClickHouse before the port opens.
  const ingestion = await createIngestion({
    db: stores.db,
    ch: stores.ch,
    logDir: config.logDir,
    onError: (error) => console.error('margin: ingestion request failed', error),
  });
  await offerDemoProject(stores, config);
  setRuntime({ stores, authSecret });
  // next-auth derives its URLs from the request's host (tests and containers pick their own ports).
  process.env.AUTH_TRUST_HOST ??= 'true';

  const app = next({ dev, dir: appDir, hostname: config.host, port: config.port });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const handleApi = createApiHandler({ stores, routes: [ingestion.router, createPublicReadApi({ ch: stores.ch, auth: ingestion.auth, pricerCache: ingestion.pricerCache })] });

  const server = http.createServer((req, res) => {
    handleApi(req, res)
      .then((handled) => (handled ? undefined : handleNext(req, res)))
      .catch((error: unknown) => {
        console.error('margin: request failed', error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
      });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config);
  console.log(`margin: listening on http://${config.host}:${port} (data in ${config.dataDir})`);
  // Everything acknowledged is loaded into ClickHouse before the stores close.
  stopOnSignals(server, 'margin', [() => ingestion.close(), () => app.close(), () => stores.close()]);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigError) {
    console.error(`margin: cannot start: ${error.message}`);
  } else {
    console.error('margin: cannot start:', error);
  }
  process.exit(1);
});
