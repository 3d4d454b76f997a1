// What every Margin HTTP process does around its handler: listen with a clear error, and on
// SIGTERM/SIGINT stop taking requests, let the running ones answer, then run the shutdown steps.
import type http from 'node:http';
import type { MarginConfig } from './env.ts';
import { StartupError } from './stores.ts';

/** Below this, queued chDB statements (each holds a libuv pool thread) can starve the log's fdatasync. */
export const MIN_THREADPOOL_SIZE = 16;

/** A warning when the embedded store runs with libuv's default pool of 4 threads, else null. */
export function threadpoolWarning(config: MarginConfig): string | null {
  const size = Number(config.env.UV_THREADPOOL_SIZE ?? 4);
  if (config.env.CLICKHOUSE_URL || size >= MIN_THREADPOOL_SIZE) return null;
  return `UV_THREADPOOL_SIZE is ${config.env.UV_THREADPOOL_SIZE ?? 'unset (4)'}; start with UV_THREADPOOL_SIZE=64 (npm start does) so acknowledgements never wait behind queued chDB statements`;
}

/** Listens on config.port (0: any free port) and resolves with the port taken. */
export async function listen(server: http.Server, config: MarginConfig): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new StartupError(error.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to a free port` : error.message)),
    );
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : config.port;
}

/** On SIGTERM/SIGINT: close the server (in-flight requests answer, up to 10 s), run `steps` in order, exit 0. */
export function stopOnSignals(server: http.Server, label: string, steps: Array<() => Promise<unknown>>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${label}: ${signal}, shutting down`);
    server.close();
    server.closeIdleConnections();
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    void Promise.race([closed, deadline])
      .then(() => server.closeAllConnections())
      .then(async () => {
        for (const step of steps) {
          await step().catch((error: unknown) => console.error(`${label}: shutdown step failed`, error));
        }
      })
      .then(() => console.log(`${label}: stopped`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
