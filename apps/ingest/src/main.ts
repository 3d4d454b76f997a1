// The standalone ingestion server (scaled mode, or ingestion on its own): the same router apps/web
// mounts, plus /api/health. The log is replayed before the port opens; SIGTERM/SIGINT stop taking
// requests, let the running ones answer, drain the writer into ClickHouse and close the stores.
import http from 'node:http';
import { ConfigError, StartupError, checkHealth, listen, loadConfig, openStores, stopOnSignals, threadpoolWarning } from '@margin/runtime';
import { apiError, createIngestion, sendError, sendJson } from '@margin/ingest';

async function main(): Promise<void> {
  const config = loadConfig();
  const warning = threadpoolWarning(config);
  if (warning) console.warn(`margin-ingest: ${warning}`);
  const stores = await openStores(config);
  const ingestion = await createIngestion({
    db: stores.db,
    ch: stores.ch,
    logDir: config.logDir,
    onError: (error) => console.error('margin-ingest: request failed', error),
  });

  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/api/health') {
        const report = await checkHealth(stores);
        sendJson(res, report.status === 'ok' ? 200 : 503, { ...report, writer: ingestion.writer.stats() });
        return;
      }
      if (await ingestion.router(req, res)) return;
      sendError(res, apiError(404, 'not_found', `no route for ${req.method} ${path}`));
    })().catch((error: unknown) => {
      console.error('margin-ingest: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config);
  console.log(`margin-ingest: listening on http://${config.host}:${port} (log in ${config.logDir})`);
  stopOnSignals(server, 'margin-ingest', [() => ingestion.close(), () => stores.close()]);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigError) console.error(`margin-ingest: cannot start: ${error.message}`);
  else console.error('margin-ingest: cannot start:', error);
  process.exit(1);
});
