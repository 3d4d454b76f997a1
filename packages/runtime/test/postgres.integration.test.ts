// Start-up against a real Postgres server (TEST_DATABASE_URL, a role with CREATEDB), through a TCP
// proxy the test controls, so "the server went away" is real: connections refused, not a double.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth, openStores } from '../src/index.ts';
import { configFor, tempDir } from './helpers.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://margin:margin@127.0.0.1:5432/postgres';
const database = `margin_test_${Math.random().toString(36).slice(2, 10)}`;

function startProxy(host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

describe('stores on a Postgres server', () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let databaseUrl: string;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    proxy = await startProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  });

  afterAll(async () => {
    await proxy?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('migrates an empty database, a second start applies nothing, and health sees the server go away', async () => {
    const config = configFor(tempDir('margin-pg-'), { DATABASE_URL: databaseUrl });
    const first = await openStores(config);
    const [{ n: applied }] = (await first.db.query<{ n: number }>('SELECT count(*)::int AS n FROM _prisma_migrations')) as [{ n: number }];
    expect(applied).toBeGreaterThan(0);
    const tables = await first.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['users', 'organizations', 'projects', 'api_keys', 'model_prices']));
    await first.close();

    const second = await openStores(config);
    const rows = await second.db.query<{ n: number }>('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(rows[0]!.n).toBe(applied);
    expect(await checkHealth(second)).toMatchObject({ status: 'ok' });

    await proxy.close();
    expect(await checkHealth(second)).toEqual({ status: 'error', postgres: false, clickhouse: true });
    await second.close();
  });
});
