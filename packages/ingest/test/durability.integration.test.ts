// Durability end to end: the standalone server (apps/ingest) in a child process, events posted
// over HTTP, SIGKILL right after the last 2xx, a restart on the same data directory, and every
// acknowledged event in `calls`, each id once.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows } from '@margin/clickhouse';
import { createDb, migrateDb } from '@margin/db';
import { createProject, postJson, type TestProject } from './fixtures/harness.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const serverMain = path.join(repoRoot, 'apps/ingest/src/main.ts');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-durability-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts apps/ingest on the data directory and resolves with its URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverMain], {
    cwd: repoRoot,
    env: { ...process.env, UV_THREADPOOL_SIZE: '64', PORT: '0', HOST: '127.0.0.1', MARGIN_DATA_DIR: dataDir, DATABASE_URL: '', CLICKHOUSE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('durability', () => {
  it('keeps every acknowledged event through SIGKILL and a restart', async () => {
    // The project and key go into the embedded Postgres before the server takes the directory.
    const db = await createDb({ pgliteDir: path.join(dataDir, 'pg') });
    await migrateDb(db);
    const project: TestProject = await createProject(db);
    await db.close();

    const first = await startServer();
    const acknowledged: string[] = [];
    // 20 concurrent requests of 25 events; the child dies the moment the last answer arrives.
    await Promise.all(
      Array.from({ length: 20 }, async (_, r) => {
        const events = Array.from({ length: 25 }, (_, i) => ({
          id: `ev-${r}-${i}`,
          type: 'generation',
          timestamp: Date.now(),
          model: 'gpt-4o-mini',
          usage: { input_tokens: 100 + i, output_tokens: 10 },
        }));
        const response = await postJson(`${first.url}/api/public/events`, { events }, { authorization: `Bearer ${project.secretKey}` });
        expect(response.status).toBe(207);
        for (const success of response.json.successes as { id: string }[]) acknowledged.push(success.id);
      }),
    );
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(acknowledged).toHaveLength(500);

    // Restart: the log is replayed before the port opens; then stop gracefully to read the store.
    const second = await startServer();
    const health = await fetch(`${second.url}/api/health`);
    expect(health.status).toBe(200);
    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);

    const ch = await createClickHouse({ dataDir: path.join(dataDir, 'ch') });
    try {
      const rows = await queryRows<{ id: string }>(ch, 'SELECT id FROM calls FINAL WHERE project_id = {p:String}', {
        tag: 'test.durability',
        params: { p: project.projectId },
      });
      expect(rows.map((r) => r.id).sort()).toEqual([...acknowledged].sort());
    } finally {
      await ch.close();
    }
  });
});
