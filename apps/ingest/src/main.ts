// The standalone ingestion server (scaled mode, or ingestion on its own): the same router apps/web
// mounts, plus /api/health. The log is replayed before the port opens; SIGTERM/SIGINT stop taking
// requests, let the running ones answer, drain the writer into ClickHouse and close the stores.
import http from 'node:http';
import { ConfigError, StartupError, checkHealth, loadConfig, openStores } from '@margin/runtime';
import { createIngestion } from '@margin/ingest';

/** Below this, queued chDB statements (each holds a libuv pool thread) can starve the log's fdatasync. */
const MIN_THREADPOOL = 16;

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.env.CLICKHOUSE_URL && Number(process.env.UV_THREADPOOL_SIZE ?? 4) < MIN_THREADPOOL) {
    // It must be set before the process starts (the pool exists before this line runs).
    console.warn(
      `margin-ingest: UV_THREADPOOL_SIZE is ${process.env.UV_THREADPOOL_SIZE ?? 'unset (4)'}; set it to 64 so acknowledgements never wait behind queued chDB statements`,
    );
  }
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
        const body = JSON.stringify({ ...report, writer: ingestion.writer.stats() });
        res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      if (await ingestion.router(req, res)) return;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: `no route for ${req.method} ${path}` } }));
    })().catch((error: unknown) => {
      console.error('margin-ingest: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }));
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
  console.log(`margin-ingest: listening on http://${config.host}:${port} (log in ${config.logDir})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`margin-ingest: ${signal}, draining`);
    // Stop accepting; requests in flight still get their answer before the writer closes.
    server.close();
    server.closeIdleConnections();
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    void Promise.race([closed, deadline])
      .then(() => server.closeAllConnections())
      .then(() => ingestion.close())
      .then(() => stores.close())
      .then(() => console.log('margin-ingest: stopped'))
      .catch((error: unknown) => console.error('margin-ingest: shutdown failed', error))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigError) console.error(`margin-ingest: cannot start: ${error.message}`);
  else console.error('margin-ingest: cannot start:', error);
  process.exit(1);
});
