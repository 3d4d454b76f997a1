// The loader goes ahead of dashboard queries queued before it: an acknowledged event waits for the
// one statement running, not for every query in the queue (chDB runs one statement at a time).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, createEventWriter, queryRows, type ClickHouse } from '../src/index.ts';
import { migrateOwnTables } from './fixtures/migrate.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-loader-priority-'));
let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ dataDir: path.join(root, 'ch') });
  await migrateOwnTables(ch);
});
afterAll(async () => {
  await ch.close();
});

describe('loader priority', () => {
  it('loads an acknowledged event before the queries queued ahead of the load', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log'), delayMs: 0 });
    const started = performance.now();
    const slow = queryRows(ch, 'SELECT sleep(0.8) AS s', { tag: 'test.slow' }).then(() => performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer.write(callsBatch([makeCall({ project_id: 'p-priority', id: 'urgent' })]));
    // Dashboard queries queued right after the acknowledgement, before the loader asks for the engine.
    const queued = [0, 1].map(() => queryRows(ch, 'SELECT sleep(0.6) AS s', { tag: 'test.queued' }).then(() => performance.now() - started));
    const loaded = writer.flush().then(() => performance.now() - started);
    const [slowAt, loadedAt, ...queuedAt] = await Promise.all([slow, loaded, ...queued]);
    expect(loadedAt).toBeGreaterThan(slowAt);
    for (const at of queuedAt) expect(loadedAt).toBeLessThan(at);
    expect(loadedAt - slowAt).toBeLessThan(500); // not 1.2 s behind the two queued queries
    const rows = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p-priority'", { tag: 'test' });
    expect(Number(rows[0]!.n)).toBe(1);
    await writer.close();
  });
});
