// The store factory: one PGlite per directory (shared in a process, refused to a second one), and fast, specific errors for a bad DATABASE_URL.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '../src/client.ts';
import { TEST_DATABASE_URL } from './pg-test-database.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const registry = () => (globalThis as Record<symbol, unknown>)[Symbol.for('margin.db.pglite-instances')] as Map<string, unknown>;

describe('createDb on PGlite', () => {
  it('shares one instance per directory, even across two copies of the module', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-client-'));
    dirs.push(dir);
    const a = await createDb({ pgliteDir: dir });
    // A Next.js build can evaluate the module twice: a fresh copy must find the same instance.
    vi.resetModules();
    const copy = (await import('../src/client.ts')) as typeof import('../src/client.ts');
    expect(copy.createDb).not.toBe(createDb);
    const b = await copy.createDb({ pgliteDir: path.join(dir, '..', path.basename(dir)) });
    expect(registry().has(path.resolve(dir))).toBe(true);
    expect([...registry().keys()].filter((key) => key === path.resolve(dir))).toHaveLength(1);

    await a.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);');
    expect(await b.query('SELECT sum(n)::int AS total FROM t')).toEqual([{ total: 3 }]);

    await a.close();
    expect(await a.ping()).toBe(true); // the instance stays open while b uses it
    expect(await b.ping()).toBe(true);
    await b.close();
    expect(registry().has(path.resolve(dir))).toBe(false);
    expect(await b.ping()).toBe(false);

    // Reopened, the data is still on disk.
    const c = await createDb({ pgliteDir: dir });
    expect(await c.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
    await c.close();
  });

  it('refuses a directory that another process has open, and takes over a stale lock', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-client-'));
    dirs.push(dir);
    const db = await createDb({ pgliteDir: dir });
    const tsx = path.resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');
    const script = `import { createDb } from ${JSON.stringify(path.resolve(import.meta.dirname, '../src/client.ts'))};
      createDb({ pgliteDir: ${JSON.stringify(dir)} }).then(() => console.log('opened'), (e) => console.log(e.message));`;
    const { stdout } = await promisify(execFile)(tsx, ['--eval', script], { cwd: os.tmpdir(), timeout: 60_000 });
    expect(stdout).toContain(`The embedded Postgres in ${dir} is in use by another process (pid ${process.pid})`);
    await db.close();
    expect(fs.existsSync(path.join(dir, 'margin-pglite.pid'))).toBe(false);

    // A pid file left by a process that died does not block the directory.
    fs.writeFileSync(path.join(dir, 'margin-pglite.pid'), '999999999');
    const again = await createDb({ pgliteDir: dir });
    expect(fs.readFileSync(path.join(dir, 'margin-pglite.pid'), 'utf8')).toBe(String(process.pid));
    await again.close();
  });

  it('runs a transaction on one connection and rolls it back on error', async () => {
    const db = await createDb({ pgliteDir: 'memory://' });
    await db.exec('CREATE TABLE t (n INTEGER)');
    await expect(
      db.transaction(async (tx) => {
        await tx.exec('INSERT INTO t VALUES (1)');
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await db.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 0 }]);
    await db.close();
  });
});

describe('createDb on a Postgres server', () => {
  const url = new URL(TEST_DATABASE_URL);

  async function failure(databaseUrl: string): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    try {
      const db = await createDb({ databaseUrl });
      await db.close();
    } catch (error) {
      return { message: (error as Error).message, ms: Date.now() - started };
    }
    throw new Error(`createDb(${databaseUrl}) should have failed`);
  }

  it('connects, answers ping and runs SQL', async () => {
    const db = await createDb({ databaseUrl: TEST_DATABASE_URL });
    expect(db.kind).toBe('postgres');
    expect(await db.ping()).toBe(true);
    expect(await db.query('SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
    await db.close();
  });

  it('names a refused connection with its host and port', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const { message, ms } = await failure(`postgresql://margin:margin@127.0.0.1:${closedPort}/margin`);
    expect(message).toContain(`connection refused at 127.0.0.1:${closedPort}`);
    expect(ms).toBeLessThan(5_000);
  });

  it('names a wrong password, without printing it', async () => {
    const bad = new URL(url);
    bad.password = 'not-the-password';
    const { message, ms } = await failure(bad.toString());
    expect(message).toMatch(/authentication failed: password authentication failed for user "margin"/);
    expect(message).not.toContain('not-the-password');
    expect(ms).toBeLessThan(5_000);
  });

  it('names a missing database', async () => {
    const bad = new URL(url);
    bad.pathname = '/margin_no_such_database';
    expect((await failure(bad.toString())).message).toMatch(/database "margin_no_such_database" does not exist/);
  });

  it('names a host that does not resolve, and a URL that is not one', async () => {
    expect((await failure('postgresql://margin:margin@no-such-host.invalid:5432/x')).message).toMatch(
      /host no-such-host.invalid not found/,
    );
    expect((await failure('mysql://localhost/x')).message).toMatch(/DATABASE_URL must be a URL like postgresql:\/\//);
  });

  it('gives up on a server that never answers within the connect timeout', async () => {
    // A TCP listener that accepts and then says nothing, like a firewall that swallows packets.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const { message, ms } = await failure(`postgresql://margin:margin@127.0.0.1:${port}/x`);
      expect(message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}/x .*no answer in time`));
      expect(ms).toBeLessThan(7_000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    }
  });
});
