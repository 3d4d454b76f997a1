// `npm start`'s server as a user meets it: health, headless set-up, restarts, and clear failures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '@margin/db';
import { afterAll, describe, expect, it } from 'vitest';
import { runUntilExit, startServer, type RunningServer } from './server-process.ts';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'margin-web-'));
const INIT = {
  MARGIN_INIT_ORG_NAME: 'Acme',
  MARGIN_INIT_PROJECT_NAME: 'Checkout bot',
  MARGIN_INIT_PROJECT_PUBLIC_KEY: 'pk-mg-startup-test',
  MARGIN_INIT_PROJECT_SECRET_KEY: 'sk-mg-startup-test-secret',
  MARGIN_INIT_USER_EMAIL: 'owner@acme.test',
  MARGIN_INIT_USER_PASSWORD: 'correct-horse-battery',
};

async function countRows(pgliteDir: string) {
  const db = await createDb({ pgliteDir });
  try {
    const [orgs, projects, keys, users, memberships] = await Promise.all([
      db.prisma.organization.count(),
      db.prisma.project.count({ where: { isDemo: false } }),
      db.prisma.apiKey.count({ where: { project: { isDemo: false } } }),
      db.prisma.user.count(),
      db.prisma.membership.count(),
    ]);
    return { orgs, projects, keys, users, memberships };
  } finally {
    await db.close();
  }
}

describe('the server process', () => {
  const running: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
  });

  it('starts on embedded stores, answers health, and a restart with the same init changes nothing', async () => {
    const dataDir = tempDir();
    const env = { MARGIN_DATA_DIR: dataDir, MARGIN_DEMO: 'off', ...INIT };

    const first = await startServer(env);
    running.push(first);
    const health = await fetch(`${first.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    // A second process on the same data directory is refused with one line naming it.
    const second = await runUntilExit(env);
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`the data directory ${dataDir} is in use by another Margin process`);

    expect(await first.stop()).toBe(0);
    const afterFirst = await countRows(path.join(dataDir, 'pg'));
    expect(afterFirst).toEqual({ orgs: 1, projects: 1, keys: 1, users: 1, memberships: 1 });

    const restarted = await startServer(env);
    running.push(restarted);
    expect((await fetch(`${restarted.url}/api/health`)).status).toBe(200);
    expect(await restarted.stop()).toBe(0);
    expect(await countRows(path.join(dataDir, 'pg'))).toEqual(afterFirst);
    expect(fs.readFileSync(path.join(dataDir, 'auth-secret'), 'utf8')).toMatch(/^[\w-]{40,}$/);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'postgresql://margin:margin@127.0.0.1:1/margin' }, /DATABASE_URL/],
    ['CLICKHOUSE_URL', { CLICKHOUSE_URL: 'http://127.0.0.1:1' }, /cannot reach ClickHouse at CLICKHOUSE_URL \(http:\/\/127\.0\.0\.1:1\)/],
    ['a partial MARGIN_INIT_*', { MARGIN_INIT_ORG_NAME: 'Acme' }, /MARGIN_INIT_PROJECT_NAME/],
  ])('a wrong %s stops start-up with one line naming the cause', async (_name, env, message) => {
    const result = await runUntilExit({ MARGIN_DATA_DIR: tempDir(), ...env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^margin: cannot start: /);
    expect(lines[0]).toMatch(message);
  });
});
