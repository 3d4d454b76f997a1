// Margin's embedded-mode process: one Node process serves the dashboard (Next.js), the public API
// and ingestion. Stores are opened and migrated before the port opens; any start-up failure is one
// line naming the cause, and a non-zero exit.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { ConfigError, StartupError, loadConfig, openStores, resolveAuthSecret, type Stores } from '@margin/runtime';
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new StartupError(error.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to a free port` : error.message)),
    );
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`margin: listening on http://${config.host}:${port} (data in ${config.dataDir})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`margin: ${signal}, shutting down`);
    server.close();
    server.closeIdleConnections();
    // Requests in flight get their answer, then everything acknowledged is loaded into ClickHouse.
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    void Promise.race([closed, deadline])
      .then(() => server.closeAllConnections())
      .then(() => ingestion.close())
      .then(() => app.close())
      .catch((error: unknown) => console.error('margin: shutdown failed', error))
      .then(() => stores.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigError) {
    console.error(`margin: cannot start: ${error.message}`);
  } else {
    console.error('margin: cannot start:', error);
  }
  process.exit(1);
});
